package io.atom.async.sample;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import com.hazelcast.spring.context.SpringManagedContext;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Profile;
import org.springframework.core.env.Environment;

/**
 * The {@code cluster} profile's embedded Hazelcast member. Spring Boot's Hazelcast auto-configuration
 * turns this {@link Config} bean into the {@code HazelcastInstance} bean, on which the starter builds the
 * {@code clusterWorkerManager} (application-cluster.yml sets {@code atom.async.cluster.enabled}). Without
 * the profile there is no Config bean and no hazelcast.yaml, so Boot creates no instance: the sample then
 * opens no port but its web server's.
 *
 * <p>Members find each other by TCP/IP on 127.0.0.1 only (no multicast, no cloud auto-detection), and
 * bind to 127.0.0.1 only: copies on one machine form a cluster, nothing outside it can join. For members
 * on several machines, list their addresses in {@code sample.cluster.members} and change the interface.
 */
@Configuration(proxyBeanMethods = false)
@Profile("cluster")
@EnableConfigurationProperties(ClusterProperties.class)
class ClusterConfiguration {
  /** The starter's bean name, the manager's metrics tag, and the executor service's default name. */
  static final String MANAGER_BEAN = "clusterWorkerManager";

  @Bean
  Config hazelcastConfig(ClusterProperties cluster, ApplicationContext context, Environment env) {
    Config config = new Config();
    config.setClusterName(cluster.name());
    // What Boot does for a hazelcast.yaml, and does not do for a Config bean: load the tasks' classes with
    // the application's class loader (the nested jars' under java -jar), log through SLF4J, and make
    // @SpringAware tasks get their beans from this context on the member that runs them.
    config.setClassLoader(context.getClassLoader());
    config.setProperty("hazelcast.logging.type", "slf4j");
    config.setManagedContext(new SpringManagedContext(context));
    config.setProperty("hazelcast.phone.home.enabled", "false");
    // Hazelcast's own JVM shutdown hook would stop the member on Ctrl-C or SIGTERM at the same time as
    // Spring's hook closes the context, so the starter's graceful drain of the clusterWorkerManager would
    // find the member gone and its chunks would fail. Without it, Spring closes in dependency order: the
    // web server stops taking requests, the clusterWorkerManager drains, and only then does the
    // HazelcastInstance bean shut down (its destroy method), handing its partitions to the other members.
    config.setProperty("hazelcast.shutdownhook.enabled", "false");

    NetworkConfig network = config.getNetworkConfig();
    network.setPort(cluster.port()).setPortAutoIncrement(true).setPortCount(ClusterProperties.PORT_COUNT);
    network.getInterfaces().setEnabled(true).addInterface("127.0.0.1");
    config.setProperty("hazelcast.socket.bind.any", "false");
    JoinConfig join = network.getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    join.getTcpIpConfig().setEnabled(true).setMembers(cluster.members());

    // The executor service the manager's tasks run on: named after the manager unless the starter is told
    // otherwise. A few threads per member, so a job of many chunks is spread over time as well as members.
    String executor = env.getProperty("atom.async.cluster.executor-name", MANAGER_BEAN);
    config.getExecutorConfig(executor).setPoolSize(cluster.executorPoolSize());
    return config;
  }
}
