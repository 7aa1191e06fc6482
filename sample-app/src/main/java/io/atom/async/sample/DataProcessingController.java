package io.atom.async.sample;

import io.atom.async.AsyncWorker;
import io.atom.async.AsyncWorkerManager;
import java.util.ArrayList;
import java.util.List;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** The document's Example 1: a data set split into chunks processed by workers of a per-request scope. */
@RestController
class DataProcessingController {
  static final int MAX_SIZE = 10_000_000;
  static final int MAX_CHUNKS = 10_000;

  private final AsyncWorkerManager manager;

  DataProcessingController(AsyncWorkerManager manager) {
    this.manager = manager;
  }

  record ChunkResult(int chunk, int processedRecords, double averageValue, double processingMillis) {}

  record ProcessingResponse(long totalRecords, int chunks, double totalProcessingMillis, double elapsedMillis,
      List<ChunkResult> results) {}

  @GetMapping("/process")
  ProcessingResponse process(@RequestParam(defaultValue = "1000000") int size,
      @RequestParam(defaultValue = "10000") int chunkSize) {
    if (size < 1 || size > MAX_SIZE) {
      throw new BadRequestException("size must be between 1 and " + MAX_SIZE + " but was " + size);
    }
    if (chunkSize < 1 || chunkSize > size) {
      throw new BadRequestException("chunkSize must be between 1 and size (" + size + ") but was " + chunkSize);
    }
    int chunks = (size + chunkSize - 1) / chunkSize;
    if (chunks > MAX_CHUNKS) {
      throw new BadRequestException("size / chunkSize gives " + chunks + " chunks; at most " + MAX_CHUNKS
          + " are allowed, so use a chunkSize of at least " + ((size + MAX_CHUNKS - 1) / MAX_CHUNKS));
    }
    double[] data = new double[size];
    for (int i = 0; i < size; i++) {
      data[i] = i + 1.0; // std::iota from 1.0
    }
    long start = System.nanoTime();
    // A scope per request: waitForAll() waits for this request's chunks only, and closing the scope
    // cancels whatever is left if the request fails.
    try (AsyncWorkerManager scope = manager.newScope()) {
      List<AsyncWorker<ChunkResult>> workers = new ArrayList<>(chunks);
      for (int c = 0; c < chunks; c++) {
        int chunk = c;
        int from = c * chunkSize;
        int to = Math.min(from + chunkSize, size);
        workers.add(scope.createWorker("process-chunk", () -> {
          long t0 = System.nanoTime();
          double sum = 0.0;
          for (int j = from; j < to; ++j) {
            sum += Math.sqrt(data[j] * data[j] + 1.0);
          }
          return new ChunkResult(chunk, to - from, sum / (to - from), (System.nanoTime() - t0) / 1e6);
        }));
      }
      scope.waitForAll();
      List<ChunkResult> results = new ArrayList<>(chunks);
      long records = 0;
      double processing = 0;
      for (AsyncWorker<ChunkResult> worker : workers) {
        ChunkResult result = worker.getResult();
        results.add(result);
        records += result.processedRecords();
        processing += result.processingMillis();
      }
      return new ProcessingResponse(records, chunks, processing, (System.nanoTime() - start) / 1e6, results);
    }
  }
}
