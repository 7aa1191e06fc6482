package io.atom.async;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
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
    // --- tour start (each line of the README's first java block must appear here, in order)
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

  @Test
  void readmeTour_isTheCodeOfThisTest() throws IOException {
    List<String> readme = firstJavaBlock(Files.readAllLines(README));
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
    assertThat(readme).hasSizeGreaterThan(10);
  }

  private static List<String> firstJavaBlock(List<String> lines) {
    int start = lines.indexOf("```java");
    assertThat(start).as("README has a java block").isNotNegative();
    int end = lines.subList(start + 1, lines.size()).indexOf("```") + start + 1;
    return lines.subList(start + 1, end);
  }
}
