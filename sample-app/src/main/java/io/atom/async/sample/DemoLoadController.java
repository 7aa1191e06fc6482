package io.atom.async.sample;

import io.atom.async.AsyncWorker;
import io.atom.async.AsyncWorkerManager;
import io.atom.async.BackoffStrategy;
import io.atom.async.RetryPolicy;
import io.atom.async.WorkersFailedException;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * Drives a mixed load for N seconds so the metrics visibly move: successes, failures, timeouts,
 * cancels and retries, in roughly that order of frequency. Also startable at boot with
 * {@code --sample.demo-load-seconds=N}.
 *
 * <p>Each kind of work is named after a (pretend) operation, as real work should be, so the metrics'
 * {@code name} tag has a handful of values and the {@code outcome} tag tells how each ended:
 * {@value #LOOKUP} (half the work, 1-5 ms, succeeds), {@value #VALIDATE} (fails), {@value #REPORT}
 * (blocks until its 5 ms timeout), {@value #PREFETCH} (cancelled at once) and {@value #SYNC}
 * (retried after 0-2 transient failures).
 */
@RestController
class DemoLoadController {
  static final int MAX_SECONDS = 600;
  static final String LOOKUP = "demo-lookup";
  static final String VALIDATE = "demo-validate";
  static final String REPORT = "demo-report";
  static final String PREFETCH = "demo-prefetch";
  static final String SYNC = "demo-sync";
  private static final Logger LOG = LoggerFactory.getLogger(DemoLoadController.class);

  private final AsyncWorkerManager manager;
  private final AtomicBoolean running = new AtomicBoolean();
  private final RetryPolicy<Integer> retry = RetryPolicy.<Integer>builder().maxAttempts(3)
      .backoff(BackoffStrategy.EXPONENTIAL).initialDelay(Duration.ofMillis(10)).build();

  DemoLoadController(AsyncWorkerManager manager, org.springframework.core.env.Environment env) {
    this.manager = manager;
    int atBoot = env.getProperty("sample.demo-load-seconds", Integer.class, 0);
    if (atBoot > 0) {
      start(Math.min(atBoot, MAX_SECONDS));
    }
  }

  @PostMapping("/demo/load")
  ResponseEntity<Map<String, Object>> load(@RequestParam(defaultValue = "10") int seconds) {
    if (seconds < 1 || seconds > MAX_SECONDS) {
      throw new BadRequestException("seconds must be between 1 and " + MAX_SECONDS + " but was " + seconds);
    }
    if (!start(seconds)) {
      throw new BadRequestException("a demo load is already running; wait for it to end");
    }
    return ResponseEntity.status(HttpStatus.ACCEPTED).body(Map.of("seconds", seconds,
        "watch", "/actuator/metrics/atom.async.worker.duration"));
  }

  @GetMapping("/demo/load")
  Map<String, Object> status() {
    return Map.of("running", running.get());
  }

  private boolean start(int seconds) {
    if (!running.compareAndSet(false, true)) {
      return false;
    }
    Thread driver = new Thread(() -> drive(seconds), "atom-async-demo-load");
    driver.setDaemon(true);
    driver.start();
    return true;
  }

  private void drive(int seconds) {
    long end = System.nanoTime() + Duration.ofSeconds(seconds).toNanos();
    int submitted = 0;
    try (AsyncWorkerManager scope = manager.newScope()) {
      while (System.nanoTime() < end && !manager.isShutdown()) {
        submit(scope, ThreadLocalRandom.current().nextInt(100));
        submitted++;
        try {
          scope.waitForAll(Duration.ofSeconds(5)); // one at a time: a steady, visible trickle
        } catch (WorkersFailedException expected) {
          // failures and timeouts are part of the load
        }
      }
    } catch (RuntimeException e) {
      LOG.warn("demo load stopped early", e);
    } finally {
      running.set(false);
      LOG.info("demo load submitted {} workers", submitted);
    }
  }

  private void submit(AsyncWorkerManager scope, int kind) {
    if (kind < 50) {
      scope.createWorker(LOOKUP, () -> random(1, 5)); // success
    } else if (kind < 65) {
      scope.createWorker(VALIDATE, () -> {
        throw new IllegalStateException("demo failure");
      });
    } else if (kind < 75) {
      AsyncWorker<Integer> slow = scope.newWorker(REPORT);
      slow.setTimeout(Duration.ofMillis(5));
      slow.startAsync(() -> {
        new CountDownLatch(1).await(); // until the timeout interrupts it
        return 0;
      });
    } else if (kind < 85) {
      scope.createWorker(PREFETCH, () -> random(20, 40)).cancel();
    } else {
      AtomicInteger calls = new AtomicInteger();
      int failures = ThreadLocalRandom.current().nextInt(3);
      scope.retry(SYNC, () -> {
        if (calls.incrementAndGet() <= failures) {
          throw new IOException("demo transient failure");
        }
        return random(1, 3);
      }, retry);
    }
  }

  private static int random(int fromMs, int toMs) throws InterruptedException {
    int ms = ThreadLocalRandom.current().nextInt(fromMs, toMs + 1);
    Thread.sleep(ms); // simulated work
    return ms;
  }
}
