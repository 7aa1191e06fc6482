package io.atom.async.sample;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Settings of the {@code cluster} profile: the embedded Hazelcast member and the cluster job.
 *
 * @param name the Hazelcast cluster name; only members with the same name join each other
 * @param port the first port the member tries; the next free one up to {@code port + 2} is taken, so three
 *     copies on one machine get 5701, 5702 and 5703
 * @param members the members to join by TCP/IP, host:port; default 127.0.0.1 on {@code port} to {@code port + 2}
 * @param executorPoolSize the threads of the Hazelcast executor service the chunks run on, per member
 * @param chunkWork how long each chunk pretends to work on its member, so that a copy can be killed mid-job
 * @param jobTimeout how long a job waits for its chunks before it cancels them and answers 504
 */
@ConfigurationProperties("sample.cluster")
public record ClusterProperties(
    String name,
    int port,
    List<String> members,
    int executorPoolSize,
    Duration chunkWork,
    Duration jobTimeout) {

  /** How many ports, from {@code port} on, the members of one machine use (and the default list names). */
  static final int PORT_COUNT = 3;

  /** Defaults for every setting not given. */
  public ClusterProperties {
    name = name != null && !name.isBlank() ? name : "atom-async-sample";
    port = port > 0 ? port : 5701;
    if (members == null || members.isEmpty()) {
      members = new ArrayList<>(PORT_COUNT);
      for (int i = 0; i < PORT_COUNT; i++) {
        members.add("127.0.0.1:" + (port + i));
      }
    }
    members = List.copyOf(members);
    executorPoolSize = executorPoolSize > 0 ? executorPoolSize : 4;
    chunkWork = chunkWork != null ? chunkWork : Duration.ofMillis(200);
    jobTimeout = jobTimeout != null ? jobTimeout : Duration.ofMinutes(5);
  }
}
