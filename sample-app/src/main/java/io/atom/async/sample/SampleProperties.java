package io.atom.async.sample;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Settings of the sample's simulated downstream services and of its order client.
 *
 * @param downstreamLatency how long each downstream call takes
 * @param downstreamFailureRate the share of downstream calls that fail with 503 at random, 0 to 1
 * @param orderMaxAttempts attempts per downstream call
 * @param orderInitialDelay first retry delay of a downstream call (exponential backoff)
 * @param orderMaxTotalDelay deadline on each downstream call, retries included
 */
@ConfigurationProperties("sample")
public record SampleProperties(
    Duration downstreamLatency,
    double downstreamFailureRate,
    int orderMaxAttempts,
    Duration orderInitialDelay,
    Duration orderMaxTotalDelay) {

  /** Defaults for every setting not given. */
  public SampleProperties {
    downstreamLatency = downstreamLatency != null ? downstreamLatency : Duration.ofMillis(20);
    orderMaxAttempts = orderMaxAttempts > 0 ? orderMaxAttempts : 5;
    orderInitialDelay = orderInitialDelay != null ? orderInitialDelay : Duration.ofMillis(50);
    orderMaxTotalDelay = orderMaxTotalDelay != null ? orderMaxTotalDelay : Duration.ofSeconds(3);
  }
}
