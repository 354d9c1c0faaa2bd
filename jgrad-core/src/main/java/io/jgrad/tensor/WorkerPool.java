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

    /** One parallel loop: ranges [p * chunk, min(n, (p + 1) * chunk)) for p &lt; parts. */
    private static final class Loop {
        // counters as fields updated through VarHandles rather than two AtomicInteger objects per loop: a training
        // step runs a few dozen loops
        private static final VarHandle NEXT, DONE;

        static {
            try {
                MethodHandles.Lookup lookup = MethodHandles.lookup();
                NEXT = lookup.findVarHandle(Loop.class, "next", int.class);
                DONE = lookup.findVarHandle(Loop.class, "done", int.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        final Backends.RangeBody body;
        final int n, parts, chunk;
        private volatile int next, done;
        volatile Throwable failure;

        Loop(Backends.RangeBody body, int n, int parts) {
            this.body = body;
            this.n = n;
            this.parts = parts;
            this.chunk = (n + parts - 1) / parts;
        }

        int done() {
            return done;
        }

        /** Runs the next untaken range; false when none is left. */
        boolean runNext() {
            int p = (int) NEXT.getAndAdd(this, 1);
            if (p >= parts) {
                return false;
            }
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
    /** The current loop; written before {@link #generation}, so a worker that sees a new generation sees it. */
    private volatile Loop loop;
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
            Loop l = new Loop(body, n, parts);
            loop = l;
            generation++;
            for (int i = 0; i < workers.length; i++) {
                if (parked(i)) {
                    LockSupport.unpark(workers[i]);
                }
            }
            while (l.runNext()) {
                // the caller works too
            }
            // only ranges a worker has taken and is running are left: wait for them, spinning while that is short
            for (int spins = 0; l.done() < l.parts; spins++) {
                if (spins < 10_000) {
                    Thread.onSpinWait();
                } else {
                    Thread.yield();
                }
            }
            Throwable t = l.failure;
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
                Loop l = loop;
                while (l.runNext()) {
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
