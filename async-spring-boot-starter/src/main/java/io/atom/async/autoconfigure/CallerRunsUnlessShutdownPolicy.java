package io.atom.async.autoconfigure;

import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.RejectedExecutionHandler;
import java.util.concurrent.ThreadPoolExecutor;

/**
 * Runs a rejected task on the submitting thread, like the JDK's {@code CallerRunsPolicy}, but throws
 * once the pool is shut down instead of dropping the task silently: a dropped task would leave its
 * worker scheduled forever, while a thrown rejection ends it FAILED.
 */
final class CallerRunsUnlessShutdownPolicy implements RejectedExecutionHandler {

  @Override
  public void rejectedExecution(Runnable task, ThreadPoolExecutor pool) {
    if (pool.isShutdown()) {
      throw new RejectedExecutionException("pool is shut down");
    }
    task.run();
  }
}
