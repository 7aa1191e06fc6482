package io.atom.async;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Delayed;
import java.util.concurrent.FutureTask;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A scheduler whose time never passes: scheduled tasks fire only when the test calls {@link #fireAll()}
 * or fires one by hand, so a timeout races completion exactly where the test puts it.
 */
final class ManualScheduler extends AbstractExecutorService implements ScheduledExecutorService {
  final ConcurrentLinkedQueue<Scheduled<?>> scheduled = new ConcurrentLinkedQueue<>();
  /** When set, schedule() throws as a shut-down scheduler does. */
  volatile boolean rejecting;

  static final class Scheduled<V> extends FutureTask<V> implements ScheduledFuture<V> {
    final long delayNanos;

    Scheduled(Callable<V> task, long delayNanos) {
      super(task);
      this.delayNanos = delayNanos;
    }

    @Override
    public long getDelay(TimeUnit unit) {
      return unit.convert(delayNanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public int compareTo(Delayed other) {
      return Long.compare(delayNanos, other.getDelay(TimeUnit.NANOSECONDS));
    }
  }

  /** Tasks scheduled and neither fired nor cancelled. */
  List<Scheduled<?>> pending() {
    List<Scheduled<?>> pending = new ArrayList<>();
    for (Scheduled<?> s : scheduled) {
      if (!s.isDone()) {
        pending.add(s);
      }
    }
    return pending;
  }

  int fireAll() {
    int fired = 0;
    Scheduled<?> s;
    while ((s = scheduled.poll()) != null) {
      if (!s.isDone()) {
        s.run();
        fired++;
      }
    }
    return fired;
  }

  @Override
  public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
    if (rejecting) {
      throw new java.util.concurrent.RejectedExecutionException("test scheduler is shut down");
    }
    Scheduled<Object> s = new Scheduled<>(() -> {
      command.run();
      return null;
    }, unit.toNanos(delay));
    scheduled.add(s);
    return s;
  }

  @Override
  public <V> ScheduledFuture<V> schedule(Callable<V> callable, long delay, TimeUnit unit) {
    Scheduled<V> s = new Scheduled<>(callable, unit.toNanos(delay));
    scheduled.add(s);
    return s;
  }

  @Override
  public ScheduledFuture<?> scheduleAtFixedRate(Runnable command, long initialDelay, long period, TimeUnit unit) {
    throw new UnsupportedOperationException("not used by the library");
  }

  @Override
  public ScheduledFuture<?> scheduleWithFixedDelay(Runnable command, long initialDelay, long delay, TimeUnit unit) {
    throw new UnsupportedOperationException("not used by the library");
  }

  @Override
  public void execute(Runnable command) {
    schedule(command, 0, TimeUnit.NANOSECONDS);
  }

  @Override
  public void shutdown() {}

  @Override
  public List<Runnable> shutdownNow() {
    return List.of();
  }

  @Override
  public boolean isShutdown() {
    return false;
  }

  @Override
  public boolean isTerminated() {
    return false;
  }

  @Override
  public boolean awaitTermination(long timeout, TimeUnit unit) {
    return false;
  }
}
