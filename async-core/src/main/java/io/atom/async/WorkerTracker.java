package io.atom.async;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import org.jspecify.annotations.Nullable;

/**
 * The in-flight workers of one manager or scope, tracked with no lock and no shared hot cache line on
 * the task path.
 *
 * <p><b>Design.</b> Each tracked worker gets a small {@link Node}. Starting a worker pushes its node
 * onto one list, a Treiber stack. A stripe, chosen by thread (the root manager has two per CPU, at
 * least 4; a scope has one), has two lists: its owned list, which only its owner pushes onto, with a
 * release store and no CAS, and its shared list, which any other thread pushes onto by CAS. The owner
 * is the first thread that pushes onto the stripe (for a scope, normally the request thread that uses
 * it); it claims the stripe by CAS, once, for good. Ending a worker writes one field,
 * {@code node.worker = null}, on a line the finisher touches anyway; it removes nothing.
 * Dead nodes (no worker: whoever ends a worker clears its node) are unlinked lazily by a sweep that an adder runs once
 * its list has seen as many pushes as it had live nodes at the previous sweep (at least
 * {@value #SWEEP_MIN}): amortised O(1) per push, and a list holds at most about twice its peak of
 * in-flight workers plus {@value #SWEEP_MIN} dead nodes. A reader that walks a list whose dead
 * nodes outnumber its live ones by more than {@value #SWEEP_MIN} sweeps it too, so a burst that has
 * ended (or whose owner thread has ended) costs one walk, not every later one; {@code shutdown()}
 * sweeps every list. A dead node holds no worker, so a long-lived manager keeps no finished worker,
 * its result or its task. An owner is kept as a reference to its thread for the tracker's life: at
 * most one per stripe.
 *
 * <p><b>Why no worker is lost.</b> (1) Pushers change only the head, after writing their node's
 * {@code next}: the owner of an owned list with a release store (it is that head's only writer, so
 * the head it read is still the head), anyone else by CAS on a shared list; the store or the CAS
 * publishes both. Nobody pushes onto an owned list before its owner claimed it. (2) A sweep, one at a time per list (a try-lock),
 * never unlinks the head and only ever replaces {@code pred.next} by a later node whose skipped
 * nodes are all dead; it never changes a dead node's own {@code next}. So every live node stays
 * reachable from the head, and a reader that raced a sweep and stands on an unlinked node still
 * walks forward through dead nodes back into the list. Readers need no lock: a stale {@code next}
 * is an older, still-valid path; a stale {@code worker} is a finished worker, which readers skip by
 * its own state. (3) A worker's node is set and pushed before the worker's CREATED -> SCHEDULED CAS,
 * so any thread that ends the worker (and so read SCHEDULED or later) sees its node and clears it; a
 * start whose CAS loses to a cancel clears its node itself. A walker may meet a worker still CREATED (its
 * start in progress): it waits for it or cancels it like any other, and listings skip it.
 *
 * <p><b>Consistency.</b> A walk ({@link #countLive}, {@link #forEachLive}, the manager's {@code cancelAll} and
 * {@code waitForAll}) is weakly consistent, as a concurrent collection's iterator: every worker whose
 * start happened before the call (in the memory model's sense: its start returned to a caller that then
 * made the call, or another thread saw it started) and still in flight when the walk reaches its list is
 * visited; workers added meanwhile may or may not be. An owner's push is a release store, so a walk
 * with no such order to the start may miss it: the manager makes the start's state CAS, a full fence,
 * follow the push, so that its check of {@code closed} and close()'s walk cannot miss each other.
 */
final class WorkerTracker {
  static final int SWEEP_MIN = 64;

  /**
   * Array slots from one list's fields to the next list's (and to either end of the arrays): 32
   * slots are 128 bytes of ints or compressed references, so no two lists, and no list and another
   * object, share a cache line or an adjacent-line prefetch pair. Arrays, because the JVM lays out an
   * object's fields as it likes: padding fields around {@code head} in a class ended up with
   * {@code head} at the object's end and the sweep countdown at its start, both sharing lines with the
   * neighbouring objects (another stripe, or a scope's own fields that every ending task reads).
   */
  static final int PAD = 32;

  private static final VarHandle HEADS = MethodHandles.arrayElementVarHandle(Object[].class);
  private static final VarHandle INTS = MethodHandles.arrayElementVarHandle(int[].class);

  /** A worker's place in a list: cleared (worker = null) when the worker ends. */
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
   * The lists' heads, list {@code j}'s at {@code slot(j)}: stripe {@code i}'s owned list is list
   * {@code 2i}, its shared list {@code 2i + 1}; the owner of stripe {@code i} (a Thread, set once by CAS)
   * at {@code slot(2i) + 1}, on the line its owner writes anyway. Through {@link #HEADS}; the other
   * slots stay null.
   */
  private final @Nullable Object[] heads;
  /**
   * List {@code j}'s sweep state: at {@code slot(j)} the pushes left before its next sweep (updated
   * racily by adders, plain: a heuristic, not a count), at {@code slot(j) + 1} 1 while a thread sweeps
   * it (a try-lock, through {@link #INTS}).
   */
  private final int[] sweep;
  private final int listCount;
  private final int mask;

  /**
   * @param stripes a power of two: 1 for a scope, more for a manager shared by many submitting threads
   */
  WorkerTracker(int stripes) {
    if (Integer.bitCount(stripes) != 1) {
      throw new IllegalArgumentException("stripes must be a power of two but was " + stripes);
    }
    this.listCount = 2 * stripes;
    this.mask = stripes - 1;
    this.heads = new Object[(listCount + 1) * PAD];
    this.sweep = new int[(listCount + 1) * PAD];
    for (int j = 0; j < listCount; j++) {
      sweep[slot(j)] = SWEEP_MIN;
    }
  }

  private static int slot(int list) {
    return (list + 1) * PAD;
  }

  /**
   * Stripes for a root manager, shared by any number of submitting threads: two per CPU, at least 4
   * (submitters outnumber cores, and each push should rarely meet another on its line), at most 64;
   * a power of two. A stripe costs 512 bytes (two lists, 128 bytes of each array each).
   */
  static int stripesForCpus(int cpus) {
    int wanted = Math.max(4, Math.min(64, 2 * cpus));
    return Integer.highestOneBit(wanted - 1) << 1;
  }

  /**
   * Pushes {@code node} (whose worker is set) onto the calling thread's stripe: its owned list if this
   * thread owns the stripe or claims it now, else its shared list.
   */
  void add(Node node) {
    Thread me = Thread.currentThread();
    int stripe = mask == 0 ? 0 : spread(System.identityHashCode(me)) & mask;
    int at = slot(2 * stripe);
    Object owner = HEADS.getAcquire(heads, at + 1);
    if (owner == me || (owner == null && HEADS.compareAndSet(heads, at + 1, null, me))) {
      node.next = (Node) heads[at]; // plain: this thread is the only writer of this head
      HEADS.setRelease(heads, at, node); // publishes node.worker and node.next with the head
    } else {
      at = slot(2 * stripe + 1);
      Node h;
      do {
        h = (Node) HEADS.getVolatile(heads, at);
        node.next = h;
      } while (!HEADS.compareAndSet(heads, at, h, node));
    }
    if (--sweep[at] <= 0) {
      trySweep(at);
    }
  }

  private static int spread(int h) {
    return h ^ (h >>> 16);
  }

  /** Unlinks the dead nodes of the list at {@code at} after its head, unless another thread is sweeping it. */
  private void trySweep(int at) {
    if (!INTS.compareAndSet(sweep, at + 1, 0, 1)) {
      return;
    }
    try {
      int live = 0;
      Node pred = (Node) HEADS.getVolatile(heads, at);
      if (pred != null) {
        if (pred.worker != null) {
          live++;
        }
        for (Node n = pred.next; n != null; ) {
          Node next = n.next;
          if (n.worker == null) { // dead: the node alone tells (not the worker, whose line its pool thread writes)
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

  /** How many lists there are, for a walk by {@link #head(int)}. */
  int listCount() {
    return listCount;
  }

  /** The newest node of list {@code i}; follow {@code next} and take {@link Node#live()}. */
  @Nullable Node head(int i) {
    return (Node) HEADS.getVolatile(heads, slot(i));
  }

  /**
   * A reader walked list {@code i} and saw {@code live} and {@code dead} nodes: if the dead outweigh
   * the live, sweep now. A list that no longer gets pushes (its burst is over, its owner thread has
   * ended, later work comes from other threads) would otherwise make every later walk pay for its dead
   * nodes.
   */
  void walked(int i, int live, int dead) {
    if (dead > live + SWEEP_MIN) {
      trySweep(slot(i));
    }
  }

  /** Calls {@code action} with each in-flight worker (weakly consistent); not on the task path. */
  void forEachLive(java.util.function.Consumer<AsyncWorker<?>> action) {
    for (int i = 0; i < listCount; i++) {
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
    for (int i = 0; i < listCount; i++) {
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
    for (int i = 0; i < listCount; i++) {
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
    for (int i = 0; i < listCount; i++) {
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

  /** Sweeps every list now (not on the task path): for tests and for a manager going idle. */
  void sweepAll() {
    for (int i = 0; i < listCount; i++) {
      trySweep(slot(i));
    }
  }

  /** How many nodes the lists hold, dead ones included (for tests of the memory bound). */
  int nodeCount() {
    int count = 0;
    for (int i = 0; i < listCount; i++) {
      for (Node n = head(i); n != null; n = n.next) {
        count++;
      }
    }
    return count;
  }
}
