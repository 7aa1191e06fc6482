package io.atom.async.autoconfigure;

import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.RejectedExecutionHandler;
import java.util.concurrent.ThreadPoolExecutor;

/**
 * Runs a rejected task on the submitting thread, like the JDK's {@code CallerRunsPolicy}, with two
 * exceptions where that would do harm. Once the pool is shut down it throws instead of dropping the
 * task silently (a dropped task would leave its worker scheduled forever; a thrown rejection ends it
 * FAILED). And it never runs a task on the timer thread (a retry attempt submitted when a delay ends):
 * that thread serves every timeout and retry delay, and a task there would hold them all up.
 */
final class CallerRunsUnlessShutdownPolicy implements RejectedExecutionHandler {

  @Override
  public void rejectedExecution(Runnable task, ThreadPoolExecutor pool) {
    if (pool.isShutdown()) {
      throw new RejectedExecutionException("pool is shut down");
    }
    if (Thread.currentThread() instanceof TimerThread) {
      throw new RejectedExecutionException("pool is saturated, and the timer thread does not run tasks");
    }
    task.run();
  }

  /** The starter's timer thread, recognised by the policy above. */
  static final class TimerThread extends Thread {
    TimerThread(Runnable task, String name) {
      super(task, name);
      setDaemon(true);
    }
  }
}
