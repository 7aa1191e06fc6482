package io.atom.async.autoconfigure;

import io.atom.async.AsyncWorkerManager;

/**
 * Customizes the builder of the auto-configured {@link AsyncWorkerManager} before it is built, after
 * the {@code atom.async.*} properties have been applied. Declare beans of this type to add to the
 * configuration without replacing the manager; they run in {@link org.springframework.core.Ordered}
 * order.
 */
@FunctionalInterface
public interface AsyncWorkerManagerCustomizer {

  /**
   * Customizes the builder.
   *
   * @param builder the builder of the {@code asyncWorkerManager} bean
   */
  void customize(AsyncWorkerManager.Builder builder);
}
