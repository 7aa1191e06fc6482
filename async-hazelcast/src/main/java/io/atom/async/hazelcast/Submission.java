package io.atom.async.hazelcast;

import com.hazelcast.cluster.Member;
import com.hazelcast.core.HazelcastInstanceNotActiveException;
import com.hazelcast.core.MemberLeftException;
import com.hazelcast.nio.serialization.HazelcastSerializationException;
import com.hazelcast.partition.Partition;
import com.hazelcast.spi.exception.TargetDisconnectedException;
import com.hazelcast.spi.exception.TargetNotMemberException;
import io.atom.async.WorkerCompletion;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.BiConsumer;
import org.jspecify.annotations.Nullable;

/**
 * One worker's (or one retry attempt's) life on the cluster: sends the task to a member, sends it again
 * to another when that member leaves, cancels it where it is when the worker is cancelled or times out,
 * and completes the worker when the member answers.
 *
 * <p><b>Cancelling.</b> Not with Hazelcast's {@code Future.cancel}, which blocks the cancelling thread
 * (a timer thread, say) for a round trip and is lost if it reaches the member before the task: a
 * fire-and-forget {@link Execution.Cancel} goes to the member on the executor service
 * {@code <executor>-cancel} (so it does not queue behind the tasks), where {@link Executions} either keeps
 * the task from starting or interrupts it. The worker has already ended; the member's answer, when it
 * comes, completes nothing.
 *
 * <p><b>Cancel against resubmit.</b> {@link #run()} (the worker's onCancel action) cancels on whatever
 * member {@link #target} names; {@link #submit()} writes the new target and then reads whether the worker
 * has ended. Both are volatile accesses (the worker's state, the field), so a cancel that ends the worker
 * either sees the new target or is seen by {@code submit}: the new execution is cancelled either way.
 * Only one completion thread at a time runs {@link #accept} for a submission (each future completes
 * once, and the next future exists only after the previous one completed), so {@code resubmissions} and
 * {@code lost} are confined.
 */
final class Submission<T> implements BiConsumer<Answer, Throwable>, Runnable {
  private static final System.Logger LOG = System.getLogger(ClusterWorkerManager.class.getName());

  private final ClusterWorkerManager.Shared shared;
  private final ContextTask<T> task;
  private final Execution<T> execution;
  /** Random, not {@code UUID.randomUUID()}: no SecureRandom (a lock) per task; unique enough to cancel by. */
  private final UUID id = new UUID(ThreadLocalRandom.current().nextLong(), ThreadLocalRandom.current().nextLong());
  private final WorkerCompletion<T> completion;
  private int resubmissions;
  /** The member the current execution was sent to; null before the first. */
  private volatile @Nullable Member target;
  /** The member that left holding the previous execution, not to be chosen again at once. */
  private @Nullable Member lost;

  private Submission(ClusterWorkerManager.Shared shared, ContextTask<T> task, WorkerCompletion<T> completion) {
    this.shared = shared;
    this.task = task;
    this.execution = new Execution<>(task, id);
    this.completion = completion;
  }

  /** The driver of a worker (or an attempt): starts the first execution. */
  static <T> void start(ClusterWorkerManager.Shared shared, ContextTask<T> task, WorkerCompletion<T> completion) {
    Submission<T> submission = new Submission<>(shared, task, completion);
    completion.onCancel(submission); // runs at once if the worker ended meanwhile (then target is null)
    submission.submit();
  }

  private void submit() {
    if (completion.isDone()) {
      return; // cancelled or timed out already: send nothing
    }
    Member to = choose();
    target = to;
    Future<Answer> f = shared.executor.submitToMember(execution, to);
    if (completion.isDone()) {
      cancelOn(to); // ended while this was sent: its onCancel may have read the previous target
      return;
    }
    if (!(f instanceof CompletionStage)) {
      cancelOn(to);
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

  /**
   * The owner of a {@code PartitionAware} task's key, else (or if that is the member just lost, or
   * unknown during a migration) a member chosen at random.
   */
  private Member choose() {
    Object key = task.partitionKey();
    if (key != null) {
      Partition partition = shared.hazelcast.getPartitionService().getPartition(key);
      Member owner = partition.getOwner();
      if (owner != null && !owner.equals(lost)) {
        return owner;
      }
    }
    Member any = pick(shared.hazelcast.getCluster().getMembers(), lost);
    return any != null ? any : shared.hazelcast.getCluster().getLocalMember();
  }

  /** The worker was cancelled or timed out: cancel the execution where it is. Never blocks. */
  @Override
  public void run() {
    Member to = target;
    if (to != null) {
      cancelOn(to);
    }
  }

  private void cancelOn(Member member) {
    try {
      shared.cancels.executeOnMember(new Execution.Cancel(id), member);
    } catch (RuntimeException e) {
      // The member left (its execution went with it) or this instance is shutting down.
      LOG.log(System.Logger.Level.DEBUG, () -> "manager '" + shared.name + "': could not send the cancel of "
          + completion + " to " + member + ": " + e);
    }
  }

  /** The remote execution ended. */
  @Override
  @SuppressWarnings("unchecked")
  public void accept(@Nullable Answer answer, @Nullable Throwable failure) {
    Throwable t;
    if (failure == null && answer != null) {
      Throwable unreadable = answer.unreadable();
      if (unreadable != null) {
        completion.fail(unreadable(unreadable));
        return;
      }
      if (!answer.failed()) {
        completion.succeed((T) answer.value());
        return;
      }
      // The task's exception, or a member that answers it is leaving (Execution#leaving): resubmitted.
      t = (Throwable) answer.value();
    } else {
      t = unwrap(failure != null ? failure
          : new IllegalStateException("manager '" + shared.name + "': the member answered nothing for " + completion));
    }
    if (memberLost(t) && !completion.isDone() && resubmissions < shared.maxResubmissions
        && shared.hazelcast.getLifecycleService().isRunning()) {
      resubmissions++;
      lost = target;
      LOG.log(System.Logger.Level.DEBUG, () -> "manager '" + shared.name + "': the member running "
          + completion + " left (" + t + "); resubmitting it (" + resubmissions + " of at most "
          + shared.maxResubmissions + ")");
      try {
        submit();
        shared.resubmitted.increment(); // counted once sent
      } catch (Throwable e) {
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
    return null; // the set changed under us: the caller falls back to this member
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
    return new IllegalStateException("manager '" + shared.name + "': the task of " + completion + " ("
        + task.task().getClass().getName() + "), its result or its exception could not be serialized or"
        + " deserialized between members: " + t, t);
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
