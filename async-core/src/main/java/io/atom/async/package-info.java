/**
 * Atom Async: run tasks asynchronously with a real handle on each one.
 *
 * <p>{@link io.atom.async.AsyncWorker} is one task with its result, failure, cancellation and hard
 * timeout; {@link io.atom.async.AsyncWorkerManager} creates workers on a pool and waits for, cancels
 * and counts them, per manager or per {@linkplain io.atom.async.AsyncWorkerManager#newScope() scope};
 * {@link io.atom.async.Async} holds the free functions of the original {@code async.hpp}.
 *
 * <p>Every type here is null-marked: parameters and results are non-null unless annotated
 * {@code @Nullable}.
 */
@NullMarked
package io.atom.async;

import org.jspecify.annotations.NullMarked;
