package io.atom.async;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import org.jspecify.annotations.Nullable;

/**
 * The in-flight workers of one manager or scope, tracked with no lock and no shared hot cache line on
 * the task path.
 *
 * <p><b>Design.</b> Each tracked worker gets a small {@link Node}. Starting a worker pushes its node
 * onto one stripe's Treiber stack (one CAS on a head that the submitting thread mostly owns: the root
 * manager has two stripes per CPU, at least 4, chosen by thread; a scope has one). Ending a worker writes
 * one field, {@code node.worker = null}, on a line the finisher touches anyway; it removes nothing.
 * Dead nodes (no worker, or a finished one) are unlinked lazily by a sweep that an adder runs once
 * its stripe has seen as many pushes as it had live nodes at the previous sweep (at least
 * {@value #SWEEP_MIN}): amortised O(1) per push, and a stripe holds at most about twice its peak of
 * in-flight workers plus {@value #SWEEP_MIN} dead nodes. A reader that walks a stripe whose dead
 * nodes outnumber its live ones by more than {@value #SWEEP_MIN} sweeps it too, so a burst that has
 * ended costs one walk, not every later one; {@code shutdown()} sweeps every stripe. A dead node
 * holds no worker, so a long-lived manager keeps no finished worker, its result or its task.
 *
 * <p><b>Why no worker is lost.</b> (1) Pushers change only the head, by CAS, after writing their
 * node's {@code next}; the CAS publishes both. (2) A sweep, one at a time per stripe (a try-lock),
 * never unlinks the head and only ever replaces {@code pred.next} by a later node whose skipped
 * nodes are all dead; it never changes a dead node's own {@code next}. So every live node stays
 * reachable from the head, and a reader that raced a sweep and stands on an unlinked node still
 * walks forward through dead nodes back into the list. Readers need no lock: a stale {@code next}
 * is an older, still-valid path; a stale {@code worker} is a finished worker, which readers skip by
 * its own state. (3) A worker's node is set before the worker's CREATED -> SCHEDULED CAS, so any
 * thread that ends the worker (and so read SCHEDULED or later) sees its node and clears it; a node
 * pushed after its worker ended is dead on arrival and is swept like any other.
 *
 * <p><b>Consistency.</b> A walk ({@link #countLive}, {@link #forEachLive}, the manager's {@code cancelAll} and
 * {@code waitForAll}) is weakly consistent, as a concurrent collection's iterator: every worker tracked before the call and still in flight when
 * the walk reaches its stripe is visited; workers added meanwhile may or may not be.
 */
final class WorkerTracker {
  static final int SWEEP_MIN = 64;

  /**
   * Array slots from one stripe's fields to the next stripe's (and to either end of the arrays): 32
   * slots are 128 bytes of ints or compressed references, so no two stripes, and no stripe and
   * another object, share a cache line or an adjacent-line prefetch pair. Arrays, because the JVM
   * lays out an object's fields as it likes: padding fields around {@code head} in a class ended up
   * with {@code head} at the object's end and the sweep countdown at its start, both sharing lines with
   * the neighbouring objects (another stripe, or a scope's own fields that every ending task reads).
   */
  static final int PAD = 32;

  private static final VarHandle HEADS = MethodHandles.arrayElementVarHandle(Node[].class);
  private static final VarHandle INTS = MethodHandles.arrayElementVarHandle(int[].class);

  /** A worker's place in a stripe: cleared (worker = null) when the worker ends. */
  static final class Node {
    @Nullable AsyncWorker<?> worker;
    @Nullable Node next;

    Node(AsyncWorker<?> worker) {
      this.worker = worker;
    }

    /** The worker if it is still in flight (its finish() has not run), else null. */
    @Nullable AsyncWorker<?> live() {
      AsyncWorker<?> w = worker;
      return w != null && !w.isFinished() ? w : null;
    }
  }

  /**
   * The stripes' Treiber stack heads: stripe {@code i}'s at {@code slot(i)}, read and CASed through
   * {@link #HEADS} (volatile). The other slots stay null.
   */
  private final @Nullable Node[] heads;
  /**
   * Stripe {@code i}'s sweep state: at {@code slot(i)} the pushes left before its next sweep (updated
   * racily by adders, plain: a heuristic, not a count), at {@code slot(i) + 1} 1 while a thread sweeps
   * it (a try-lock, through {@link #INTS}).
   */
  private final int[] sweep;
  private final int stripeCount;
  private final int mask;

  /**
   * @param stripes a power of two: 1 for a scope, more for a manager shared by many submitting threads
   */
  WorkerTracker(int stripes) {
    if (Integer.bitCount(stripes) != 1) {
      throw new IllegalArgumentException("stripes must be a power of two but was " + stripes);
    }
    this.stripeCount = stripes;
    this.mask = stripes - 1;
    this.heads = new Node[(stripes + 1) * PAD];
    this.sweep = new int[(stripes + 1) * PAD];
    for (int i = 0; i < stripes; i++) {
      sweep[slot(i)] = SWEEP_MIN;
    }
  }

  private static int slot(int stripe) {
    return (stripe + 1) * PAD;
  }

  /**
   * Stripes for a root manager, shared by any number of submitting threads: two per CPU, at least 4
   * (submitters outnumber cores, and each push should rarely meet another on its line), at most 64;
   * a power of two. A stripe costs 256 bytes (128 of each array).
   */
  static int stripesForCpus(int cpus) {
    int wanted = Math.max(4, Math.min(64, 2 * cpus));
    return Integer.highestOneBit(wanted - 1) << 1;
  }

  /** Pushes {@code node} (whose worker is set) onto the calling thread's stripe. */
  void add(Node node) {
    int at = slot(mask == 0 ? 0 : spread(System.identityHashCode(Thread.currentThread())) & mask);
    Node h;
    do {
      h = (Node) HEADS.getVolatile(heads, at);
      node.next = h;
    } while (!HEADS.compareAndSet(heads, at, h, node));
    if (--sweep[at] <= 0) {
      trySweep(at);
    }
  }

  private static int spread(int h) {
    return h ^ (h >>> 16);
  }

  /** Unlinks the dead nodes of the stripe at {@code at} after its head, unless another thread is sweeping it. */
  private void trySweep(int at) {
    if (!INTS.compareAndSet(sweep, at + 1, 0, 1)) {
      return;
    }
    try {
      int live = 0;
      Node pred = (Node) HEADS.getVolatile(heads, at);
      if (pred != null) {
        if (pred.live() != null) {
          live++;
        }
        for (Node n = pred.next; n != null; ) {
          Node next = n.next;
          if (n.live() == null) {
            pred.next = next; // n keeps its own `next`: a reader standing on it walks on into the list
          } else {
            pred = n;
            live++;
          }
          n = next;
        }
      }
      sweep[at] = Math.max(SWEEP_MIN, live);
    } finally {
      INTS.setVolatile(sweep, at + 1, 0);
    }
  }

  /** How many stripes there are, for a walk by {@link #head(int)}. */
  int stripeCount() {
    return stripeCount;
  }

  /** The newest node of stripe {@code i}; follow {@code next} and take {@link Node#live()}. */
  @Nullable Node head(int i) {
    return (Node) HEADS.getVolatile(heads, slot(i));
  }

  /**
   * A reader walked stripe {@code i} and saw {@code live} and {@code dead} nodes: if the dead
   * outweigh the live, sweep now. A stripe that no longer gets pushes (its burst is over, later work
   * comes from other threads) would otherwise make every later walk pay for its dead nodes.
   */
  void walked(int i, int live, int dead) {
    if (dead > live + SWEEP_MIN) {
      trySweep(slot(i));
    }
  }

  /** Calls {@code action} with each in-flight worker (weakly consistent); not on the task path. */
  void forEachLive(java.util.function.Consumer<AsyncWorker<?>> action) {
    for (int i = 0; i < stripeCount; i++) {
      int live = 0;
      int dead = 0;
      for (Node n = head(i); n != null; n = n.next) {
        AsyncWorker<?> w = n.live();
        if (w != null) {
          live++;
          action.accept(w);
        } else {
          dead++;
        }
      }
      walked(i, live, dead);
    }
  }

  /** How many workers are in flight (weakly consistent). */
  int countLive() {
    int count = 0;
    for (int i = 0; i < stripeCount; i++) {
      int live = 0;
      int dead = 0;
      for (Node n = head(i); n != null; n = n.next) {
        if (n.live() != null) {
          live++;
        } else {
          dead++;
        }
      }
      walked(i, live, dead);
      count += live;
    }
    return count;
  }

  /**
   * How many in-flight workers are waiting to run ({@code pending}: SCHEDULED) or running (otherwise:
   * RUNNING, or claimed to run); weakly consistent. What the pending and active gauges read.
   */
  int countIn(boolean pending) {
    int count = 0;
    for (int i = 0; i < stripeCount; i++) {
      int live = 0;
      int dead = 0;
      for (Node n = head(i); n != null; n = n.next) {
        AsyncWorker<?> w = n.live();
        if (w == null) {
          dead++;
          continue;
        }
        live++;
        int s = w.internalState();
        if (pending ? s == AsyncWorker.SCHEDULED : s == AsyncWorker.CLAIMED || s == AsyncWorker.RUNNING) {
          count++;
        }
      }
      walked(i, live, dead);
    }
    return count;
  }

  /**
   * Whether any tracked worker has not reached a terminal state (what allDone() asks; stricter than
   * {@link Node#live()}, which also counts a worker whose finisher is still at work): stops at the
   * first one.
   */
  boolean anyNotDone() {
    for (int i = 0; i < stripeCount; i++) {
      int dead = 0;
      for (Node n = head(i); n != null; n = n.next) {
        AsyncWorker<?> w = n.worker;
        if (w != null && !w.isDone()) {
          walked(i, 0, dead); // the dead run before the first live one is what every call pays
          return true;
        }
        dead++;
      }
      walked(i, 0, dead);
    }
    return false;
  }

  /** Sweeps every stripe now (not on the task path): for tests and for a manager going idle. */
  void sweepAll() {
    for (int i = 0; i < stripeCount; i++) {
      trySweep(slot(i));
    }
  }

  /** How many nodes the stripes hold, dead ones included (for tests of the memory bound). */
  int nodeCount() {
    int count = 0;
    for (int i = 0; i < stripeCount; i++) {
      for (Node n = head(i); n != null; n = n.next) {
        count++;
      }
    }
    return count;
  }
}
