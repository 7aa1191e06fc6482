package io.atom.async.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.atom.async.AsyncWorker;
import io.atom.async.AsyncWorkerManager;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.autoconfigure.task.TaskExecutionAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

/**
 * The stuck-work watchdog in a Boot application: its WARN goes through Boot's logging (the core's
 * System.Logger, bridged), and the atom.async.workers.stuck gauge follows the stuck work.
 */
@Timeout(60)
@ExtendWith(OutputCaptureExtension.class)
@SpringBootTest(classes = StuckWorkWatchdogTests.App.class, properties = "atom.async.watchdog.stuck-threshold=200ms")
class StuckWorkWatchdogTests {

  @SpringBootApplication
  static class App {}

  @Autowired
  AsyncWorkerManager manager;

  @Autowired
  MeterRegistry registry;

  @Test
  void aTaskSleepingPastTheThreshold_isLoggedOnceWithItsStack_andCountedWhileItRuns_aFastOneNever(
      CapturedOutput output) {
    for (int i = 0; i < 20; i++) {
      assertThat(manager.createWorker("fast-job", () -> 1).waitForCompletion(Duration.ofSeconds(10))).isTrue();
    }
    CountDownLatch release = new CountDownLatch(1);
    AsyncWorker<String> stuck = manager.createWorker("stuck-job", () -> {
      while (release.getCount() > 0) {
        Thread.sleep(20); // the task under test: asleep until the test has seen what it needs
      }
      return "woke";
    });
    try {
      String warning = "stuck worker: id " + stuck.id() + ", name 'stuck-job', manager 'asyncWorkerManager'";
      await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(10))
          .until(() -> output.getAll().contains(warning));
      String all = output.getAll();
      String line = all.lines().filter(l -> l.contains(warning)).findFirst().orElseThrow();
      // When the watchdog saw it, by its own clock: past the threshold, and within a second of it.
      Matcher ranFor = Pattern.compile("running for (\\d+) ms").matcher(line);
      assertThat(ranFor.find()).as(line).isTrue();
      assertThat(Long.parseLong(ranFor.group(1))).as("reported within a second of the 200 ms threshold")
          .isBetween(200L, 1_200L);
      assertThat(line).contains("WARN", StuckWorkerWatchdogName.NAME, "stuck threshold 200 ms", "on thread 'atom-async-");
      String after = all.substring(all.indexOf(warning));
      assertThat(after.lines().limit(4)).anyMatch(frame -> frame.contains("at ") && frame.contains("java.lang.Thread.sleep"));
      assertThat(stuckGauge()).as("counted while it runs").isEqualTo(1.0);
      for (int i = 0; i < 20; i++) {
        assertThat(manager.createWorker("fast-job", () -> 1).waitForCompletion(Duration.ofSeconds(10))).isTrue();
      }
      // Several more passes while it is still stuck: still one line.
      long passesFrom = System.nanoTime();
      await().atMost(Duration.ofSeconds(10)).until(() -> System.nanoTime() - passesFrom > TimeUnit.MILLISECONDS.toNanos(300));
      assertThat(occurrences(output.getAll(), warning)).as("logged once, though many passes saw it").isEqualTo(1);
    } finally {
      release.countDown();
    }
    assertThat(stuck.waitForCompletion(Duration.ofSeconds(10))).isTrue();
    assertThat(stuckGauge()).as("ended: no longer stuck").isZero();
    assertThat(output.getAll()).doesNotContain("name 'fast-job'");
  }

  @Test
  void aZeroThreshold_turnsTheWatchdogOff(CapturedOutput output) {
    ApplicationContextRunner runner = new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(TaskExecutionAutoConfiguration.class, AsyncWorkerAutoConfiguration.class));
    for (String threshold : new String[] {"0", "50ms"}) {
      runner.withPropertyValues("atom.async.watchdog.stuck-threshold=" + threshold).run(context -> {
        AsyncWorkerManager m = context.getBean(AsyncWorkerManager.class);
        CountDownLatch release = new CountDownLatch(1);
        try {
          AsyncWorker<Boolean> held = m.createWorker("held-" + threshold, () -> release.await(30, TimeUnit.SECONDS));
          await().atMost(Duration.ofSeconds(10)).until(() ->
              m.inFlightWorker(held.id()).map(i -> i.runningFor().toMillis() > 300).orElse(false));
          assertThat(m.stuckCount()).as("threshold %s", threshold).isEqualTo(threshold.equals("0") ? 0 : 1);
          assertThat(m.inFlightWorker(held.id()).orElseThrow().stuck()).isEqualTo(!threshold.equals("0"));
          String logged = "name 'held-" + threshold + "'";
          if (threshold.equals("0")) {
            assertThat(output.getAll()).as("no watchdog runs").doesNotContain(logged);
          } else {
            await().atMost(Duration.ofSeconds(10)).until(() -> output.getAll().contains(logged));
            assertThat(occurrences(output.getAll(), logged)).isEqualTo(1);
          }
        } finally {
          release.countDown();
        }
      });
    }
  }

  private double stuckGauge() {
    return registry.get("atom.async.workers.stuck").tag("manager", "asyncWorkerManager").gauge().value();
  }

  private static int occurrences(String text, String part) {
    Matcher m = Pattern.compile(Pattern.quote(part)).matcher(text);
    int n = 0;
    while (m.find()) {
      n++;
    }
    return n;
  }

  /** The watchdog's logger is its class's name; the class itself is the core's, package-private. */
  static final class StuckWorkerWatchdogName {
    static final String NAME = "io.atom.async.StuckWorkerWatchdog";
  }
}
