package io.atom.async.hazelcast;

import static org.awaitility.Awaitility.await;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * Embedded members in this JVM for a test class: TCP/IP on 127.0.0.1 from its own base port, multicast and
 * auto-detection off, a cluster name of their own (so test classes never join each other), a bounded join.
 */
final class LocalCluster {
  private LocalCluster() {}

  /**
   * Starts {@code size} members and waits, at most 30 s, until each sees all of them.
   *
   * @param owner the test class (names the cluster)
   * @param basePort the first port; the members take the next ones
   * @param customize adjusts each member's config (its executors, say)
   */
  static List<HazelcastInstance> start(Class<?> owner, int basePort, int size, Consumer<Config> customize) {
    String cluster = "atom-async-" + owner.getSimpleName() + "-" + UUID.randomUUID();
    List<HazelcastInstance> members = new ArrayList<>();
    for (int i = 0; i < size; i++) {
      Config config = config(cluster, basePort, size);
      customize.accept(config);
      members.add(Hazelcast.newHazelcastInstance(config));
    }
    await().atMost(Duration.ofSeconds(30))
        .until(() -> members.stream().allMatch(m -> m.getCluster().getMembers().size() == size));
    return members;
  }

  private static Config config(String cluster, int basePort, int size) {
    Config config = new Config();
    config.setClusterName(cluster);
    config.setProperty("hazelcast.phone.home.enabled", "false");
    config.setProperty("hazelcast.logging.type", "none");
    config.setProperty("hazelcast.partition.count", "71"); // fewer partitions: a faster start on 2 cores
    config.getNetworkConfig().setPort(basePort).setPortAutoIncrement(true).setPortCount(10);
    config.getNetworkConfig().getInterfaces().setEnabled(true).addInterface("127.0.0.1");
    JoinConfig join = config.getNetworkConfig().getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    for (int i = 0; i < size; i++) {
      join.getTcpIpConfig().setEnabled(true).addMember("127.0.0.1:" + (basePort + i));
    }
    return config;
  }
}
