package io.jgrad.tensor;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

/**
 * The threads behind {@link CpuBackend}'s parallel loops. A loop is cut into a fixed number of ranges; the calling
 * thread and the workers take ranges by number until none is left, so the caller does all of them when the workers
 * are late (another process holds the cores) instead of waiting for them, and which thread ran a range never
 * changes what the range writes. A worker that finished spins for {@link #SPIN_NANOS} before it parks: a training
 * step hands over a range every few tens of microseconds, and waking a parked thread costs about that much.
 *
 * <p>One loop at a time: a call made while another thread's loop is running (Spark tasks sharing the JVM, or a
 * range that itself loops in parallel) runs all its ranges on the calling thread.
 */
final class WorkerPool {
    /**
     * How long an idle worker spins for the next loop before it parks: longer than the serial stretches of a CNN step
     * between parallel loops (measured: 100 microseconds left workers parked and late, 300 did not).
     */
    static final long SPIN_NANOS = 300_000;

    /**
     * The pool's one parallel loop, reused from call to call so that a call allocates nothing: ranges
     * [p * chunk, min(n, (p + 1) * chunk)) for p &lt; parts. A range is taken by a compare-and-set of {@link #state},
     * which holds the loop's generation beside the next range: a worker that comes back late from one loop (it finished
     * a range there, or saw its generation but was descheduled before taking one) finds another generation and takes
     * nothing, where a bare counter would hand it a range of the next loop, or count its stale increment there and
     * lose a range (the caller would then wait forever).
     */
    private static final class Loop {
        // counters as fields updated through VarHandles rather than atomic objects
        private static final VarHandle STATE, DONE;
        /** The low half of {@link #state} while the loop is being set up: no range can be taken. */
        private static final int CLOSED = Integer.MAX_VALUE;

        static {
            try {
                MethodHandles.Lookup lookup = MethodHandles.lookup();
                STATE = lookup.findVarHandle(Loop.class, "state", long.class);
                DONE = lookup.findVarHandle(Loop.class, "done", int.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        private Backends.RangeBody body;
        private int n, chunk;
        /**
         * Volatile, written after {@link #state} is closed and read after it: a late worker that reads the next
         * loop's count has read a closed state before it, so its compare-and-set fails (see {@link #open}).
         */
        private volatile int parts;
        /** The generation (high 32 bits) and the next untaken range (low 32 bits). */
        private volatile long state;
        private volatile int done;
        private volatile Throwable failure;

        /**
         * Sets the loop up for generation g; every range of the previous one is done. The state is closed first, so
         * that no compare-and-set of the previous generation succeeds while the fields change, and opened last, which
         * publishes the fields to the threads that take a range.
         */
        void open(int g, Backends.RangeBody body, int n, int parts) {
            state = (long) g << 32 | CLOSED;
            this.body = body;
            this.n = n;
            this.chunk = (n + parts - 1) / parts;
            this.failure = null;
            this.done = 0;
            this.parts = parts;
            state = (long) g << 32;
        }

        boolean allDone() {
            return done == parts;
        }

        /** The first failure of the loop just done, if any; lets go of the body and the failure. */
        Throwable close() {
            Throwable t = failure;
            failure = null;
            body = null;
            return t;
        }

        /** Runs the next untaken range of generation g; false when none is left or the loop is another one's. */
        boolean runNext(int g) {
            long s;
            int p;
            do {
                s = state;
                p = (int) s;
                if ((int) (s >>> 32) != g || p >= parts) {
                    return false;
                }
            } while (!STATE.compareAndSet(this, s, s + 1));
            try {
                int start = p * chunk, end = Math.min(n, start + chunk);
                if (start < end) {
                    body.run(start, end);
                }
            } catch (Throwable t) {
                synchronized (this) { // the first failure is the one rethrown; this path is never hot
                    if (failure == null) {
                        failure = t;
                    }
                }
            } finally {
                DONE.getAndAdd(this, 1);
            }
            return true;
        }
    }

    private final Thread[] workers;
    private final boolean[] parkedFlags;
    private final AtomicBoolean busy = new AtomicBoolean();
    private final Loop loop = new Loop();
    /** The current loop's generation, written after the loop is opened; only the caller holding busy writes it. */
    private volatile long generation;
    private volatile boolean stopped;

    /** Starts {@code count} daemon worker threads. */
    WorkerPool(int count) {
        workers = new Thread[count];
        parkedFlags = new boolean[count];
        for (int i = 0; i < count; i++) {
            int id = i;
            workers[i] = new Thread(() -> work(id), "jgrad-cpu-" + (i + 1));
            workers[i].setDaemon(true);
            workers[i].start();
        }
    }

    /** Runs body over [0, n) in {@code parts} ranges on the caller and the workers; returns when all are done. */
    void run(int n, int parts, Backends.RangeBody body) {
        if (parts <= 1 || stopped || !busy.compareAndSet(false, true)) {
            body.run(0, n);
            return;
        }
        try {
            long g = generation + 1;
            loop.open((int) g, body, n, parts);
            generation = g;
            for (int i = 0; i < workers.length; i++) {
                if (parked(i)) {
                    LockSupport.unpark(workers[i]);
                }
            }
            while (loop.runNext((int) g)) {
                // the caller works too
            }
            // only ranges a worker has taken and is running are left: wait for them, spinning while that is short
            for (int spins = 0; !loop.allDone(); spins++) {
                if (spins < 10_000) {
                    Thread.onSpinWait();
                } else {
                    Thread.yield();
                }
            }
            Throwable t = loop.close();
            if (t instanceof RuntimeException re) {
                throw re;
            } else if (t instanceof Error e) {
                throw e;
            } else if (t != null) {
                throw new IllegalStateException(t);
            }
        } finally {
            busy.set(false);
        }
    }

    /** Stops the workers once they finish what they run now. */
    void shutdown() {
        stopped = true;
        for (Thread w : workers) {
            LockSupport.unpark(w);
        }
    }

    private synchronized boolean parked(int i) {
        return parkedFlags[i];
    }

    private synchronized void setParked(int i, boolean value) {
        parkedFlags[i] = value;
    }

    private void work(int id) {
        long seen = 0;
        while (!stopped) {
            long g = generation;
            if (g != seen) {
                seen = g;
                while (loop.runNext((int) g)) {
                    // take ranges until none is left
                }
                continue;
            }
            long start = System.nanoTime();
            while (generation == seen && !stopped && System.nanoTime() - start < SPIN_NANOS) {
                Thread.onSpinWait();
            }
            if (generation != seen || stopped) {
                continue;
            }
            // park unless a loop came after the flag was set: run() reads the flag after publishing its loop
            setParked(id, true);
            if (generation == seen && !stopped) {
                LockSupport.park(this);
            }
            setParked(id, false);
        }
    }
}
