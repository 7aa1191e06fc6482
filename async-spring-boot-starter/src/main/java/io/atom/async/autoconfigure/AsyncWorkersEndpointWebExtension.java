package io.atom.async.autoconfigure;

import io.atom.async.autoconfigure.AsyncWorkersEndpoint.CancelDescriptor;
import org.springframework.boot.actuate.endpoint.annotation.DeleteOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.boot.actuate.endpoint.web.WebEndpointResponse;
import org.springframework.boot.actuate.endpoint.web.annotation.EndpointWebExtension;

/**
 * The web form of {@link AsyncWorkersEndpoint}'s cancellation: over HTTP a {@code DELETE} of an id no
 * manager has in flight answers 404, where a null answer would otherwise be a 204.
 *
 * <p>This class is thread-safe.
 */
@EndpointWebExtension(endpoint = AsyncWorkersEndpoint.class)
public final class AsyncWorkersEndpointWebExtension {

  private final AsyncWorkersEndpoint endpoint;

  AsyncWorkersEndpointWebExtension(AsyncWorkersEndpoint endpoint) {
    this.endpoint = endpoint;
  }

  /**
   * Cancels one in-flight worker; see {@link AsyncWorkersEndpoint#cancel(long)}.
   *
   * @param id the worker's id
   * @return 200 with what happened, or 404 if no manager bean has it in flight
   */
  @DeleteOperation
  public WebEndpointResponse<CancelDescriptor> cancel(@Selector long id) {
    CancelDescriptor answer = endpoint.cancel(id);
    return answer != null ? new WebEndpointResponse<>(answer, WebEndpointResponse.STATUS_OK)
        : new WebEndpointResponse<>(WebEndpointResponse.STATUS_NOT_FOUND);
  }
}
