package io.atom.async.hazelcast;

import com.hazelcast.cluster.Member;
import com.hazelcast.core.HazelcastInstanceNotActiveException;
import com.hazelcast.core.MemberLeftException;
import com.hazelcast.nio.serialization.HazelcastSerializationException;
import com.hazelcast.partition.PartitionAware;
import com.hazelcast.spi.exception.TargetDisconnectedException;
import com.hazelcast.spi.exception.TargetNotMemberException;
import io.atom.async.WorkerCompletion;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.Set;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.BiConsumer;
import org.jspecify.annotations.Nullable;

/**
 * One worker's (or one retry attempt's) life on the cluster: submits the task, resubmits it when the
 * member holding it leaves, cancels the current remote execution when the worker is cancelled or times
 * out, and completes the worker when the remote execution ends.
 *
 * <p><b>Cancel against resubmit.</b> {@link #run()} (the worker's onCancel action) cancels whatever
 * {@link #future} holds; {@link #submit()} writes the new future and then reads whether the worker has
 * ended. Both are volatile accesses (the worker's state, the field), so a cancel that ends the worker
 * either sees the new future or is seen by {@code submit}: the new execution is cancelled either way.
 * Only one completion thread at a time runs {@link #accept} for a submission (each future completes
 * once, and the next future exists only after the previous one completed), so {@code resubmissions}
 * is confined.
 */
final class Submission<T> implements BiConsumer<Answer, Throwable>, Runnable {
  private static final System.Logger LOG = System.getLogger(ClusterWorkerManager.class.getName());

  private final ClusterWorkerManager.Shared shared;
  private final ContextTask<T> task;
  private final WorkerCompletion<T> completion;
  private volatile @Nullable Future<Answer> future;
  private int resubmissions;
  /** The member the current execution was sent to (null: Hazelcast chose); confined like resubmissions. */
  private @Nullable Member target;
  /** The member that left holding the previous execution, not to be chosen again at once. */
  private @Nullable Member lost;

  private Submission(ClusterWorkerManager.Shared shared, ContextTask<T> task, WorkerCompletion<T> completion) {
    this.shared = shared;
    this.task = task;
    this.completion = completion;
  }

  /** The driver of a worker (or an attempt): starts the first execution. */
  static <T> void start(ClusterWorkerManager.Shared shared, ContextTask<T> task, WorkerCompletion<T> completion) {
    Submission<T> submission = new Submission<>(shared, task, completion);
    completion.onCancel(submission); // runs at once if the worker ended meanwhile (then future is null)
    submission.submit();
  }

  private void submit() {
    Future<Answer> f;
    if (task instanceof PartitionAware) {
      f = shared.executor.submit(task); // Hazelcast sends it to its key's owner
    } else {
      Member target = pick(shared.hazelcast.getCluster().getMembers(), lost);
      f = target != null ? shared.executor.submitToMember(task, target) : shared.executor.submit(task);
      this.target = target;
    }
    future = f;
    if (completion.isDone()) {
      f.cancel(true); // ended while this was submitted: its onCancel may have read the old future
      return;
    }
    if (!(f instanceof CompletionStage)) {
      f.cancel(true);
      completion.fail(new IllegalStateException("manager '" + shared.name + "': Hazelcast returned a "
          + f.getClass().getName() + ", which is no CompletionStage; cannot learn of the task's end"));
      return;
    }
    @SuppressWarnings("unchecked")
    CompletionStage<Answer> stage = (CompletionStage<Answer>) f;
    // Off Hazelcast's response threads: completing the worker runs its callbacks. The answer is an
    // Answer, whose reading back never throws (see there): the action always runs.
    stage.whenCompleteAsync(this, shared.completions);
  }

  /** The worker was cancelled or timed out: cancel the execution, interrupting it where it runs. */
  @Override
  public void run() {
    Future<Answer> f = future;
    if (f != null) {
      f.cancel(true);
    }
  }

  /** The remote execution ended. */
  @Override
  @SuppressWarnings("unchecked")
  public void accept(@Nullable Answer answer, @Nullable Throwable failure) {
    if (failure == null && answer != null) {
      Throwable unreadable = answer.unreadable();
      if (unreadable != null) {
        completion.fail(unreadable(unreadable));
      } else if (answer.failed()) {
        completion.fail((Throwable) answer.value());
      } else {
        completion.succeed((T) answer.value());
      }
      return;
    }
    if (failure == null) {
      failure = new IllegalStateException("manager '" + shared.name + "': the member answered nothing for "
          + completion);
    }
    Throwable t = unwrap(failure);
    if (memberLost(t) && !completion.isDone() && resubmissions < shared.maxResubmissions
        && shared.hazelcast.getLifecycleService().isRunning()) {
      resubmissions++;
      shared.resubmitted.increment();
      lost = target;
      LOG.log(System.Logger.Level.DEBUG, () -> "manager '" + shared.name + "': the member running "
          + completion + " left (" + t + "); resubmitting it (" + resubmissions + " of at most "
          + shared.maxResubmissions + ")");
      try {
        submit();
      } catch (RuntimeException e) {
        e.addSuppressed(t);
        completion.fail(e);
      }
      return;
    }
    completion.fail(describe(t)); // a no-op when a cancel or timeout ended the worker first
  }

  /**
   * A member chosen uniformly at random, the local one included, other than {@code not}; null if there
   * is none. Random rather than round-robin: no counter that every submission would write.
   */
  static @Nullable Member pick(Set<Member> members, @Nullable Member not) {
    int n = members.size() - (not != null && members.contains(not) ? 1 : 0);
    if (n <= 0) {
      return null;
    }
    int i = ThreadLocalRandom.current().nextInt(n);
    for (Member m : members) {
      if (!m.equals(not) && i-- == 0) {
        return m;
      }
    }
    return null; // the set changed under us: let Hazelcast choose
  }

  /** Whether {@code t} says the member holding the task left before answering (so it may not have run). */
  static boolean memberLost(Throwable t) {
    return t instanceof MemberLeftException || t instanceof TargetNotMemberException
        || t instanceof TargetDisconnectedException || t instanceof HazelcastInstanceNotActiveException;
  }

  private Throwable describe(Throwable t) {
    return t instanceof HazelcastSerializationException ? unreadable(t) : t;
  }

  private IllegalStateException unreadable(Throwable t) {
    return new IllegalStateException("manager '" + shared.name + "': the result or exception of "
        + completion + " (task " + task.task().getClass().getName()
        + ") could not be serialized or deserialized between members: " + t, t);
  }

  /** The task's own exception, not the layers a future adds around it. */
  static Throwable unwrap(Throwable failure) {
    Throwable t = failure;
    // Exactly ExecutionException: Hazelcast's MemberLeftException extends it and must stay itself.
    while ((t instanceof CompletionException || t.getClass() == ExecutionException.class) && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }
}
