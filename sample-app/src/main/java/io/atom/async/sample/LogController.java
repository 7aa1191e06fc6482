package io.atom.async.sample;

import io.atom.async.AsyncWorker;
import io.atom.async.AsyncWorkerManager;
import io.atom.async.WorkerState;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ResponseStatusException;

/** Fire-and-forget (log aggregation): 202 at once, and a URL to see the work's state. */
@RestController
class LogController {
  static final int KEPT = 1_000;

  private final AsyncWorkerManager manager;
  /** The most recent jobs only, so the sample never grows without bound. */
  private final Map<String, AsyncWorker<Integer>> jobs = new LinkedHashMap<>() {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, AsyncWorker<Integer>> eldest) {
      return size() > KEPT;
    }
  };

  LogController(AsyncWorkerManager manager) {
    this.manager = manager;
  }

  record LogBatch(List<String> lines) {}

  record JobState(String id, String state, Integer aggregatedCharacters) {}

  @PostMapping("/logs")
  ResponseEntity<JobState> submit(@RequestBody LogBatch batch) {
    if (batch.lines() == null || batch.lines().isEmpty()) {
      throw new BadRequestException("lines must list at least one log line");
    }
    String id = UUID.randomUUID().toString();
    AsyncWorker<Integer> job = manager.createWorker("log-aggregate", () -> {
      int chars = 0;
      for (String line : batch.lines()) {
        chars += line == null ? 0 : line.length(); // the "aggregation"
      }
      return chars;
    });
    synchronized (jobs) {
      jobs.put(id, job);
    }
    return ResponseEntity.status(HttpStatus.ACCEPTED).location(URI.create("/logs/" + id)).body(state(id, job));
  }

  @GetMapping("/logs/{id}")
  JobState state(@PathVariable String id) {
    AsyncWorker<Integer> job;
    synchronized (jobs) {
      job = jobs.get(id);
    }
    if (job == null) {
      throw new ResponseStatusException(HttpStatus.NOT_FOUND, "no log job with id '" + id + "'");
    }
    return state(id, job);
  }

  private static JobState state(String id, AsyncWorker<Integer> job) {
    return new JobState(id, job.state().name(), job.state() == WorkerState.SUCCEEDED ? job.getResult() : null);
  }
}
