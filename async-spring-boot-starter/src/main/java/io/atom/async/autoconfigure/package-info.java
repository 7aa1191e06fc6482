/**
 * Spring Boot auto-configuration of Atom Async: the {@code asyncWorkerManager} bean over its own
 * {@code atomAsyncTaskExecutor}, {@code atom.async.*} properties, Micrometer metrics, graceful
 * shutdown and context propagation.
 */
@NullMarked
package io.atom.async.autoconfigure;

import org.jspecify.annotations.NullMarked;
