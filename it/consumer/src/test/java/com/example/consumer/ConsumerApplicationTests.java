package com.example.consumer;

import static org.assertj.core.api.Assertions.assertThat;

import io.atom.async.AsyncWorkerManager;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

/** The application starts with the starter from the BOM, and its manager runs work. */
@SpringBootTest
@ExtendWith(OutputCaptureExtension.class)
class ConsumerApplicationTests {

  @Autowired
  AsyncWorkerManager manager;

  @Test
  void startsWithTheAutoConfiguredManager_andRunsWork(CapturedOutput output) {
    assertThat(output).contains("atom-async consumer: the answer is 42");
    assertThat(manager.name()).isEqualTo("asyncWorkerManager");
    assertThat(manager.retry(() -> "retried").getResult(Duration.ofSeconds(10))).isEqualTo("retried");
  }
}
