package io.atom.async.hazelcast;

import java.io.Serializable;
import java.util.concurrent.Callable;

/**
 * A task that may run on any member of a cluster: a {@link Callable} that is {@link Serializable}, so
 * that a lambda written where a {@code ClusterTask} is expected is serializable by its target type.
 * Everything it captures must be serializable too, and so must its result and its exceptions.
 *
 * <p>A task that needs the executing member's {@code HazelcastInstance} may implement Hazelcast's
 * {@code HazelcastInstanceAware}. Implementations are run once per submission on the executing member;
 * their thread-safety is their own concern.
 *
 * @param <T> the result type
 */
@FunctionalInterface
public interface ClusterTask<T> extends Callable<T>, Serializable {
}
