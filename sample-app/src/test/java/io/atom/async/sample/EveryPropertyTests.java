package io.atom.async.sample;

import static org.assertj.core.api.Assertions.assertThat;

import io.atom.async.AsyncWorkerManager;
import io.atom.async.BackoffStrategy;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;
import org.springframework.test.context.ActiveProfiles;

/** The app starts with an application.yml that sets every atom.async property (application-allprops.yml). */
@Timeout(60)
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@ActiveProfiles("allprops")
class EveryPropertyTests {

  @Autowired
  AsyncWorkerManager manager;

  @Autowired
  @Qualifier("atomAsyncTaskExecutor")
  ThreadPoolTaskExecutor executor;

  @Test
  void startsWithEveryPropertySet_andUsesThem() {
    assertThat(executor.getCorePoolSize()).isEqualTo(4);
    assertThat(executor.getMaxPoolSize()).isEqualTo(6);
    assertThat(executor.getQueueCapacity()).isEqualTo(100);
    assertThat(manager.defaultRetryPolicy().maxAttempts()).isEqualTo(4);
    assertThat(manager.defaultRetryPolicy().backoff()).isEqualTo(BackoffStrategy.LINEAR);
    assertThat(manager.defaultRetryPolicy().jitter()).isEqualTo(0.1);
    assertThat(manager.createWorker(() -> Thread.currentThread().getName()).getResult(Duration.ofSeconds(10)))
        .startsWith("sample-");
  }
}
