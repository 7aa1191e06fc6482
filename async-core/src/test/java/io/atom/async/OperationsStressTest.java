package io.atom.async;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Listing, finding and cancelling by id, and the stuck-work watchdog, while 4 threads start work (in the
 * root and in scopes they close) and 2 pool threads run it: no reader fails or sees a worker twice or a
 * stranger, every cancel by id that wins ends its worker CANCELLED, and once the work is done nothing is
 * listed, stuck or tracked.
 */
@Timeout(120)
class OperationsStressTest {

  private static final int PER_SUBMITTER = 3_000;

  @Test
  void listingFindingAndCancellingById_raceTheWorkSafely() throws Exception {
    Map<Long, AsyncWorker<?>> created = new ConcurrentHashMap<>();
    Set<AsyncWorker<?>> cancelledById = ConcurrentHashMap.newKeySet();
    AtomicReference<Throwable> error = new AtomicReference<>();
    AtomicBoolean submitting = new AtomicBoolean(true);
    AtomicInteger listings = new AtomicInteger();
    try (AsyncWorkerManager manager = AsyncWorkerManager.builder().poolSize(2)
        .stuckThreshold(Duration.ofMillis(1)).build()) {
      Thread[] submitters = new Thread[4];
      for (int s = 0; s < submitters.length; s++) {
        submitters[s] = new Thread(() -> {
          try {
            for (int i = 0; i < PER_SUBMITTER; i++) {
              ThreadLocalRandom random = ThreadLocalRandom.current();
              AsyncWorkerManager target = random.nextInt(4) == 0 ? manager.newScope() : manager;
              AsyncWorker<Integer> w = target.newWorker("op" + random.nextInt(3));
              created.put(w.id(), w); // known before any reader can list it
              int micros = random.nextInt(50);
              w.startAsync(() -> spin(micros));
              if (target != manager && random.nextBoolean()) {
                target.close(); // cancels what it left unfinished
              }
            }
          } catch (Throwable e) {
            error.compareAndSet(null, e);
          }
        }, "submitter-" + s);
      }
      Thread[] readers = new Thread[2];
      for (int r = 0; r < readers.length; r++) {
        readers[r] = new Thread(() -> {
          try {
            while (submitting.get()) {
              List<WorkerInfo> listed = manager.inFlightWorkers(64);
              Set<Long> ids = new HashSet<>();
              for (WorkerInfo info : listed) {
                assertThat(ids.add(info.id())).as("listed twice: %s", info).isTrue();
                assertThat(created).as("a worker the test made").containsKey(info.id());
                manager.inFlightWorker(info.id()); // may have ended meanwhile: present or empty, never an error
                if (ThreadLocalRandom.current().nextInt(8) == 0) {
                  manager.findWorker(info.id()).ifPresent(w -> {
                    if (w.cancel(true, true) >= 0) { // this call ended it
                      cancelledById.add(w);
                    }
                  });
                }
              }
              assertThat(manager.stuckCount()).isNotNegative();
              listings.incrementAndGet();
            }
          } catch (Throwable e) {
            error.compareAndSet(null, e);
          }
        }, "reader-" + r);
      }
      for (Thread t : readers) {
        t.start();
      }
      for (Thread t : submitters) {
        t.start();
      }
      for (Thread t : submitters) {
        t.join(TimeUnit.SECONDS.toMillis(60));
        assertThat(t.isAlive()).as("%s finished", t.getName()).isFalse();
      }
      submitting.set(false);
      for (Thread t : readers) {
        t.join(TimeUnit.SECONDS.toMillis(30));
        assertThat(t.isAlive()).as("%s finished", t.getName()).isFalse();
      }
      assertThat(error.get()).isNull();
      assertThat(manager.waitForAll(Duration.ofSeconds(30))).isTrue();

      assertThat(listings.get()).as("the readers really raced the work").isPositive();
      assertThat(created).hasSize(4 * PER_SUBMITTER);
      assertThat(created.values()).allSatisfy(w -> assertThat(w.isDone()).isTrue());
      assertThat(cancelledById).allSatisfy(w -> assertThat(w.state()).isEqualTo(WorkerState.CANCELLED));
      assertThat(manager.inFlightWorkers(100)).isEmpty();
      assertThat(manager.inFlightCount()).isZero();
      assertThat(manager.stuckCount()).isZero();
    }
  }

  private static int spin(int micros) {
    long end = System.nanoTime() + TimeUnit.MICROSECONDS.toNanos(micros);
    int n = 0;
    while (System.nanoTime() < end) {
      n++;
    }
    return n;
  }
}
