package io.atom.async;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;

/** An executor that only queues; the test runs the tasks when and on the thread it chooses. */
final class ManualExecutor implements Executor {
  private final ConcurrentLinkedQueue<Runnable> queue = new ConcurrentLinkedQueue<>();

  @Override
  public void execute(Runnable task) {
    queue.add(task);
  }

  Runnable take() {
    Runnable task = queue.poll();
    if (task == null) {
      throw new AssertionError("nothing was submitted");
    }
    return task;
  }

  /** The next task, or null if none was submitted. */
  Runnable poll() {
    return queue.poll();
  }

  int queued() {
    return queue.size();
  }

  void runAll() {
    Runnable task;
    while ((task = queue.poll()) != null) {
      task.run();
    }
  }
}
