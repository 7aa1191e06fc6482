package io.atom.async.sample;

import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;

/**
 * Every error is a JSON problem detail (RFC 9457), never a stack trace: Spring's own 4xx (malformed
 * JSON, wrong types, missing parameters) through {@link ResponseEntityExceptionHandler}, and the
 * sample's own through the handlers below.
 */
@RestControllerAdvice
class ProblemHandlers extends ResponseEntityExceptionHandler {

  @ExceptionHandler
  ResponseEntity<ProblemDetail> unknownOrder(OrderController.UnknownOrderException e) {
    return OrderController.notFound(e);
  }

  @ExceptionHandler
  ResponseEntity<ProblemDetail> downstreamDown(OrderController.DownstreamUnavailableException e) {
    return ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE).body(e.problem());
  }

  @ExceptionHandler
  ResponseEntity<ProblemDetail> badArgument(IllegalArgumentException e) {
    return ResponseEntity.badRequest().body(ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST, e.getMessage()));
  }
}
