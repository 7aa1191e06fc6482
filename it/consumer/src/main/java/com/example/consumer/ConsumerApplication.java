package com.example.consumer;

import io.atom.async.AsyncWorker;
import io.atom.async.AsyncWorkerManager;
import java.time.Duration;
import org.springframework.boot.CommandLineRunner;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;

/** A user's application: the starter's manager, autowired, runs one worker at start-up. */
@SpringBootApplication
public class ConsumerApplication {

  public static void main(String[] args) {
    SpringApplication.run(ConsumerApplication.class, args);
  }

  @Bean
  CommandLineRunner answer(AsyncWorkerManager manager) {
    return args -> {
      AsyncWorker<Integer> worker = manager.createWorker(() -> 6 * 7);
      System.out.println("atom-async consumer: the answer is " + worker.getResult(Duration.ofSeconds(10)));
    };
  }
}
