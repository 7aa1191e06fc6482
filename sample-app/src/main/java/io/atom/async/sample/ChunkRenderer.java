package io.atom.async.sample;

import org.springframework.context.annotation.Profile;
import org.springframework.core.env.Environment;
import org.springframework.stereotype.Component;

/**
 * Renders one chunk of a cluster job's report. A Spring bean of each copy of the sample: a
 * {@link ClusterJobController.ReportChunk} gets the one of the member it runs on, injected there by
 * Hazelcast's {@code SpringManagedContext}, so the chunk can say which copy rendered it.
 *
 * <p>This class is thread-safe.
 */
@Component
@Profile("cluster")
class ChunkRenderer {
  static final int RECORDS_PER_CHUNK = 1_000;

  private final Environment env;

  ChunkRenderer(Environment env) {
    this.env = env;
  }

  /** The chunk's value: the sum of the squares of its records' numbers. The same on every member. */
  static long value(int chunk) {
    long sum = 0;
    for (long i = (long) chunk * RECORDS_PER_CHUNK, end = i + RECORDS_PER_CHUNK; i < end; i++) {
      sum += i * i;
    }
    return sum;
  }

  long render(int chunk) {
    return value(chunk);
  }

  /** The port of this copy's web server: known to this copy's beans only. */
  int webPort() {
    return env.getProperty("local.server.port", Integer.class, -1);
  }
}
