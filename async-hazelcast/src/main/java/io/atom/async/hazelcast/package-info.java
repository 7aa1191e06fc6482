/**
 * Atom Async on a Hazelcast cluster: {@link io.atom.async.hazelcast.ClusterWorkerManager} runs
 * {@link io.atom.async.hazelcast.ClusterTask}s on the members of a cluster and returns the same
 * {@link io.atom.async.AsyncWorker} handles as the local manager.
 *
 * <p>Every type here is null-marked: parameters and results are non-null unless annotated
 * {@code @Nullable}.
 */
@NullMarked
package io.atom.async.hazelcast;

import org.jspecify.annotations.NullMarked;
