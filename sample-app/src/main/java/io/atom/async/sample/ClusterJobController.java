package io.atom.async.sample;

import com.hazelcast.cluster.Address;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceAware;
import com.hazelcast.spring.context.SpringAware;
import io.atom.async.AsyncWorker;
import io.atom.async.WorkersFailedException;
import io.atom.async.hazelcast.ClusterTask;
import io.atom.async.hazelcast.ClusterWorkerManager;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.annotation.Profile;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ResponseStatusException;

/**
 * A report job fanned out over the cluster (profile {@code cluster}): one {@code report-chunk} worker
 * of the starter's {@code clusterWorkerManager} per chunk, each run on a member chosen at random, in a
 * scope per request. When a copy of the sample dies mid-job, the chunks it held are resubmitted to the
 * members left, and the answer says how many were.
 */
@RestController
@Profile("cluster")
class ClusterJobController {
  static final int MAX_CHUNKS = 1_000;
  static final String WORKER_NAME = "report-chunk";

  private final ClusterWorkerManager cluster;
  private final HazelcastInstance hazelcast;
  private final ClusterProperties properties;

  ClusterJobController(ClusterWorkerManager cluster, HazelcastInstance hazelcast, ClusterProperties properties) {
    this.cluster = cluster;
    this.hazelcast = hazelcast;
    this.properties = properties;
  }

  /**
   * One chunk's result, sent back from the member that ran it.
   *
   * @param chunk the chunk's number
   * @param value what the chunk rendered to
   * @param member the Hazelcast address of the member that ran it
   * @param webPort the web server port of that member's copy of the sample (from its injected renderer)
   */
  record ChunkResult(int chunk, long value, String member, int webPort) implements Serializable {}

  /**
   * A finished job.
   *
   * @param submittedBy the member that fanned the job out (this copy's)
   * @param chunksByMember how many chunks each member ran, by member address
   * @param resubmittedDuringJob how many times the manager resubmitted a task while this job ran (a
   *     concurrent job's resubmissions count too)
   * @param resubmittedTotal the manager's resubmissions since start
   */
  record JobResponse(String jobId, int chunks, String submittedBy, Map<String, Integer> chunksByMember,
      double elapsedMillis, long resubmittedDuringJob, long resubmittedTotal, List<ChunkResult> results) {}

  @PostMapping("/cluster/jobs")
  JobResponse run(@RequestParam(defaultValue = "20") int chunks) {
    if (chunks < 1 || chunks > MAX_CHUNKS) {
      throw new BadRequestException("chunks must be between 1 and " + MAX_CHUNKS + " but was " + chunks);
    }
    String jobId = UUID.randomUUID().toString();
    long workMillis = properties.chunkWork().toMillis();
    long resubmittedBefore = cluster.resubmittedCount();
    long start = System.nanoTime();
    // A scope per job: waitForAll waits for this job's chunks only, and closing the scope cancels (on
    // their members) whatever is left if the job times out or the request fails.
    try (ClusterWorkerManager scope = cluster.newScope()) {
      List<AsyncWorker<ChunkResult>> workers = new ArrayList<>(chunks);
      for (int c = 0; c < chunks; c++) {
        workers.add(scope.createWorker(WORKER_NAME, new ReportChunk(jobId, c, workMillis)));
      }
      boolean done;
      try {
        done = scope.waitForAll(properties.jobTimeout());
      } catch (WorkersFailedException e) {
        throw problem(HttpStatus.INTERNAL_SERVER_ERROR, "job " + jobId + ": " + e.getMessage());
      }
      if (!done) {
        throw problem(HttpStatus.GATEWAY_TIMEOUT, "job " + jobId + ": " + scope.inFlightCount() + " of " + chunks
            + " chunks were not done after " + properties.jobTimeout() + " (sample.cluster.job-timeout); cancelled");
      }
      List<ChunkResult> results = new ArrayList<>(chunks);
      Map<String, Integer> byMember = new TreeMap<>();
      for (AsyncWorker<ChunkResult> worker : workers) {
        ChunkResult result = worker.getResult();
        results.add(result);
        byMember.merge(result.member(), 1, Integer::sum);
      }
      long resubmitted = cluster.resubmittedCount();
      String submittedBy = hostAndPort(hazelcast.getCluster().getLocalMember().getAddress());
      return new JobResponse(jobId, chunks, submittedBy, byMember, (System.nanoTime() - start) / 1e6,
          resubmitted - resubmittedBefore, resubmitted, results);
    }
  }

  private static ResponseStatusException problem(HttpStatus status, String detail) {
    ResponseStatusException e = new ResponseStatusException(status, detail);
    e.getBody().setDetail(detail);
    return e;
  }

  static String hostAndPort(Address address) {
    return address.getHost() + ":" + address.getPort();
  }

  /**
   * Renders one chunk on the member that runs it, with that member's {@link ChunkRenderer} (a transient
   * field: {@code @SpringAware} has Spring inject it there after the task is deserialized).
   *
   * <p><b>Idempotent</b>, as every cluster task must be: if its member leaves before answering, the task
   * runs again on another member, perhaps after it ran (partly or fully) on the one that left. It only
   * computes its answer from its fields and writes nothing anywhere, so a second run gives the same value.
   */
  @SpringAware
  static final class ReportChunk implements ClusterTask<ChunkResult>, HazelcastInstanceAware {
    private static final long serialVersionUID = 1L;

    private final String jobId;
    private final int chunk;
    private final long workMillis;
    @Autowired
    private transient ChunkRenderer renderer;
    private transient HazelcastInstance member;

    ReportChunk(String jobId, int chunk, long workMillis) {
      this.jobId = jobId;
      this.chunk = chunk;
      this.workMillis = workMillis;
    }

    @Override
    public void setHazelcastInstance(HazelcastInstance hazelcastInstance) {
      this.member = hazelcastInstance;
    }

    @Override
    public ChunkResult call() throws InterruptedException {
      String address = hostAndPort(member.getCluster().getLocalMember().getAddress());
      if (renderer == null) {
        throw new IllegalStateException("job " + jobId + ", chunk " + chunk + ": no ChunkRenderer was injected on "
            + address + "; is Spring's SpringManagedContext that member's Hazelcast ManagedContext?");
      }
      Thread.sleep(workMillis); // the chunk's pretend work: long enough to kill a copy mid-job by hand
      return new ChunkResult(chunk, renderer.render(chunk), address, renderer.webPort());
    }

    @Override
    public String toString() {
      return "ReportChunk[job " + jobId + ", chunk " + chunk + "]";
    }
  }
}
