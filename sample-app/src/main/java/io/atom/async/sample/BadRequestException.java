package io.atom.async.sample;

import org.springframework.http.HttpStatus;
import org.springframework.web.server.ResponseStatusException;

/** A request the sample cannot serve as asked; rendered as a 400 problem detail. */
final class BadRequestException extends ResponseStatusException {
  BadRequestException(String detail) {
    super(HttpStatus.BAD_REQUEST, detail);
    getBody().setDetail(detail);
  }
}
