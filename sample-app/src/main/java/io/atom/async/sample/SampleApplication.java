package io.atom.async.sample;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.event.EventListener;
import org.springframework.core.env.Environment;
import org.springframework.core.env.Profiles;

/**
 * A web service that uses the Atom Async starter the way the original document's examples do:
 * chunked data processing (Example 1), a resilient client of two downstream services (Example 2),
 * metrics aggregation (Example 3), fire-and-forget work, and a demo load that makes the metrics move;
 * with the profile {@code cluster}, a job fanned out over the copies of the sample that form a Hazelcast
 * cluster ({@link ClusterJobController}).
 */
@SpringBootApplication
@EnableConfigurationProperties(SampleProperties.class)
public class SampleApplication {
  private static final Logger LOG = LoggerFactory.getLogger(SampleApplication.class);

  /**
   * Starts the application.
   *
   * @param args command-line arguments
   */
  public static void main(String[] args) {
    SpringApplication.run(SampleApplication.class, args);
  }

  @EventListener
  void printTryLines(ApplicationReadyEvent ready) {
    Environment env = ready.getApplicationContext().getEnvironment();
    String base = "http://localhost:" + env.getProperty("local.server.port", "8080");
    LOG.info("""
        Atom Async sample is up. Try:
          curl '{}/process?size=1000000&chunkSize=10000'
          curl -X POST '{}/orders?paymentFailures=2&inventoryFailures=1' -H 'Content-Type: application/json' -d '{"orderId":"o-1","items":["book"],"amount":42.0}'
          curl -X POST {}/metrics/aggregate -H 'Content-Type: application/json' -d '[{"name":"cpu","value":0.5},{"name":"cpu","value":0.7},{"name":"mem","value":512}]'
          curl -X POST {}/logs -H 'Content-Type: application/json' -d '{"lines":["a","b"]}'   then  curl {}/logs/<id>
          curl -X POST '{}/demo/load?seconds=10'
          curl {}/actuator/metrics/atom.async.worker.duration
          curl -s {}/actuator/prometheus | grep atom_async""",
        base, base, base, base, base, base, base, base);
    if (env.acceptsProfiles(Profiles.of("cluster"))) {
      LOG.info("""
          Profile cluster: this copy is a Hazelcast member; start another with --server.port=8081. Try:
            curl -X POST '{}/cluster/jobs?chunks=200'
            curl -s {}/actuator/metrics/atom.async.cluster.resubmitted""", base, base);
    }
  }
}
