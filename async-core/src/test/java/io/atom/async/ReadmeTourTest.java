package io.atom.async;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The README's tour, compiled and run as written; a second test keeps the two in step. */
@Timeout(30)
class ReadmeTourTest {
  private static final Path README = Path.of("..", "README.md");
  private static final Path THIS_FILE = Path.of("src", "test", "java", "io", "atom", "async", "ReadmeTourTest.java");

  @Test
  void tour_runsAsWritten() {
    // --- tour start (each line of the README java blocks must appear in this file, in order)
    // One task, one handle. new AsyncWorker<>() runs on a shared pool of daemon threads.
    AsyncWorker<Integer> worker = new AsyncWorker<>();
    worker.setTimeout(Duration.ofSeconds(5))          // hard: the task is interrupted at the deadline
          .setCallback(result -> System.out.println("done: " + result))
          .setFailureCallback(error -> System.out.println("failed: " + error));
    worker.startAsync(() -> 6 * 7);
    int answer = worker.getResult();                  // 42; again and again, the same answer
    boolean even = worker.validate(n -> n % 2 == 0);  // true; waits, never consumes
    assertThat(answer).isEqualTo(42);
    assertThat(even).isTrue();

    // Many tasks: a manager owns a pool; try-with-resources shuts it down.
    try (AsyncWorkerManager manager = new AsyncWorkerManager(4)) {
      AsyncWorker<Integer> square = manager.createWorker(x -> x * x, 5);
      AsyncWorker<Double> hypot = manager.createWorker((Double x, Double y) -> Math.hypot(x, y), 3.0, 4.0);
      manager.waitForAll();                           // one WorkersFailedException with *every* failure
      System.out.println(square.getResult() + hypot.getResult());   // 30.0
      assertThat(square.getResult() + hypot.getResult()).isEqualTo(30.0);

      // Per request: a scope shares the pool but waits for and cancels only its own workers.
      AsyncWorker<String> kept;
      try (AsyncWorkerManager request = manager.newScope()) {
        AsyncWorker<String> slow = request.createWorker(() -> { Thread.sleep(10_000); return "late"; });
        request.cancel(slow);                         // interrupts it; CANCELLED at once
        assertThat(slow.state()).isEqualTo(WorkerState.CANCELLED);
        kept = slow;
      }                                               // close() cancels whatever the scope left running
      assertThat(kept.waitForCompletion(Duration.ofSeconds(10))).isTrue();
    }

    // Any Future, with a bound on the wait; a worker is one too, for composition.
    Integer same = Async.getWithTimeout(worker.toCompletableFuture(), Duration.ofSeconds(1));   // 42
    assertThat(same).isEqualTo(42);
    // --- tour end
  }

  // What the README's retry snippets assume is in scope.
  record Response(int status) {}

  static final class Log {
    final List<String> lines = new java.util.concurrent.CopyOnWriteArrayList<>();

    void info(String message) {
      lines.add(message);
    }

    void info(String message, Object arg) {
      lines.add(message.replace("{}", String.valueOf(arg)));
    }

    void warn(String message, Throwable error) {
      lines.add(message + ": " + error.getMessage());
    }
  }

  private final Log log = new Log();
  private final java.util.concurrent.atomic.AtomicInteger healthCalls = new java.util.concurrent.atomic.AtomicInteger();

  private int httpGet(String path) {
    if (healthCalls.incrementAndGet() == 1) {
      throw new IllegalStateException(path + " unreachable");
    }
    return 200;
  }

  @Test
  void retryTour_runsAsWritten() throws Exception {
    java.util.concurrent.atomic.AtomicInteger posts = new java.util.concurrent.atomic.AtomicInteger();
    java.util.function.Function<String, Response> post = o -> new Response(posts.incrementAndGet() < 2 ? 503 : 201);
    var client = new Object() {
      Response post(String order) {
        return post.apply(order);
      }
    };
    String order = "order-1";
    try (AsyncWorkerManager manager = new AsyncWorkerManager(2)) {
      // --- retry tour start
      CompletableFuture<Integer> status = Async.asyncRetry(
          () -> httpGet("/health"),                 // the operation
          3,                                        // max attempts (the first included)
          Duration.ofMillis(100),                   // initial delay
          BackoffStrategy.EXPONENTIAL,              // FIXED | LINEAR | EXPONENTIAL
          Duration.ofSeconds(5),                    // max total time: no attempt starts after it
          result -> log.info("ok {}", result),      // once, on success
          error -> log.warn("attempt failed", error), // once per failed attempt
          () -> log.info("done"));                  // exactly once, at the very end
      assertThat(status.get(10, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo(200);

      RetryPolicy<Response> policy = RetryPolicy.<Response>builder()
          .maxAttempts(5)
          .initialDelay(Duration.ofMillis(200))
          .backoff(BackoffStrategy.EXPONENTIAL)     // jitter 0.5 by default; .noJitter() or .jitter(0.2)
          .maxDelay(Duration.ofSeconds(5))          // caps each delay, after jitter
          .maxTotalDelay(Duration.ofSeconds(30))    // deadline on the whole operation
          .attemptTimeout(Duration.ofSeconds(2))    // hard timeout per attempt (interrupts it)
          .abortOn(IllegalArgumentException.class)  // never retried: fails at once with it
          .retryIfResult(r -> r.status() >= 500)    // this result is retried like a failure
          .onError(e -> log.warn("attempt failed", e))
          .build();
      AsyncWorker<Response> call = manager.retry(() -> client.post(order), policy);
      Response response = call.getResult();
      // --- retry tour end
      assertThat(response.status()).isEqualTo(201);
      assertThat(posts).hasValue(2);
      assertThat(log.lines).startsWith("attempt failed: /health unreachable", "ok 200", "done");
    }
  }

  record Order(String id) {}

  record Receipt(String orderId) {}

  record Stock(String orderId, int reserved) {}

  @Test
  void namedWorkTour() throws Exception {
    Order order = new Order("o-1");
    java.util.function.Function<Order, Receipt> charge = o -> new Receipt(o.id());
    var payments = new Object() {
      Receipt charge(Order o) {
        return charge.apply(o);
      }
    };
    var inventory = new Object() {
      Stock reserve(Order o) {
        return new Stock(o.id(), 1);
      }
    };
    RetryPolicy<Stock> policy = RetryPolicy.<Stock>builder().maxAttempts(2).build();
    try (AsyncWorkerManager manager = new AsyncWorkerManager(2)) {
      // --- named work tour
      AsyncWorker<Receipt> payment = manager.createWorker("payment", () -> payments.charge(order));
      AsyncWorker<Stock> stock = manager.retry("inventory", () -> inventory.reserve(order), policy);
      AsyncWorker<Void> audit = manager.newWorker("audit");   // set a timeout or callbacks, then startAsync
      // --- named work tour end
      audit.startAsync(() -> null);
      assertThat(payment.getResult()).isEqualTo(new Receipt("o-1"));
      assertThat(stock.getResult()).isEqualTo(new Stock("o-1", 1));
      assertThat(audit.getResult(Duration.ofSeconds(10))).isNull();
      assertThat(List.of(payment.name(), stock.name(), audit.name())).containsExactly("payment", "inventory", "audit");
    }
  }

  /** The start of the comment that marks a README block as Spring code, compiled by a starter test. */
  static final String STARTER_SNIPPET = "<!-- starter snippet:";

  @Test
  void operationsTour_runsAsWritten() throws Exception {
    java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.CountDownLatch running = new java.util.concurrent.CountDownLatch(1);
    java.io.ByteArrayOutputStream printed = new java.io.ByteArrayOutputStream();
    java.io.PrintStream stdout = System.out;
    // --- operations start
    AsyncWorkerManager jobs = AsyncWorkerManager.builder().name("jobs")
        .stuckThreshold(Duration.ofMinutes(1))             // WARN once, with the stack, past a minute on a thread
        .build();
    try {
      AsyncWorker<Boolean> export = jobs.createWorker("export", () -> {
        running.countDown();
        return release.await(20, java.util.concurrent.TimeUnit.SECONDS);
      });
      assertThat(running.await(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
      long id = export.id();
      System.setOut(new java.io.PrintStream(printed, true, java.nio.charset.StandardCharsets.UTF_8));
      try {
        for (WorkerInfo w : jobs.inFlightWorkers(100)) {     // the oldest 100, oldest first: a weakly consistent snapshot
          System.out.println(w.id() + " " + w.name() + " " + w.state() + " " + w.runningFor() + " " + w.thread());
        }
      } finally {
        System.setOut(stdout);
      }
      jobs.findWorker(id).ifPresent(AsyncWorker::cancel);  // by the id of a log line or of the endpoint
      // --- operations end
      assertThat(printed.toString(java.nio.charset.StandardCharsets.UTF_8)).startsWith(id + " export RUNNING PT");
      assertThat(export.state()).isEqualTo(WorkerState.CANCELLED);
    } finally {
      release.countDown();
      jobs.close();
    }
  }


  @Test
  void readmeJavaBlocks_areTheCodeOfThisTest() throws IOException {
    List<String> lines = Files.readAllLines(README);
    List<String> readme = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      // Spring code (the starter's sections) is compiled and matched by a starter test, named in a marker
      // comment on the line before its block.
      if (lines.get(i).equals("```java") && (i == 0 || !lines.get(i - 1).startsWith(STARTER_SNIPPET))) {
        for (i++; !lines.get(i).equals("```"); i++) {
          readme.add(lines.get(i));
        }
      }
    }
    List<String> test = new ArrayList<>();
    for (String line : Files.readAllLines(THIS_FILE)) {
      test.add(line.strip());
    }
    int from = 0;
    for (String line : readme) {
      String wanted = line.strip();
      if (wanted.isEmpty() || wanted.startsWith("import ")) {
        continue;
      }
      int at = test.subList(from, test.size()).indexOf(wanted);
      assertThat(at).as("README line not in this test (in order): %s", wanted).isNotNegative();
      from += at + 1;
    }
    assertThat(readme).hasSizeGreaterThan(40);
  }
}
