package io.jgrad.tensor;

import static org.junit.jupiter.api.Assertions.*;

import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

/**
 * The pool behind parallel loops: every index exactly once, errors reach the caller, no deadlock when shared, and its
 * one reused loop never hands a late worker a range of the next loop.
 */
class WorkerPoolTest {
    /** Runs a loop over [0, n) in parts ranges and checks that each index was visited exactly once. */
    private static void coversEachIndexOnce(WorkerPool pool, int n, int parts) {
        AtomicIntegerArray visits = new AtomicIntegerArray(n);
        pool.run(n, parts, (s, e) -> {
            assertTrue(0 <= s && s < e && e <= n, "range [" + s + ", " + e + ") of " + n);
            for (int i = s; i < e; i++) {
                visits.incrementAndGet(i);
            }
        });
        for (int i = 0; i < n; i++) {
            assertEquals(1, visits.get(i), "index " + i + " of " + n + " in " + parts + " parts");
        }
    }

    @Test
    void everyIndexRunsExactlyOnceForManySizesAndSplits() {
        WorkerPool pool = new WorkerPool(2);
        try {
            for (int n : new int[] {1, 2, 3, 7, 64, 1000}) {
                for (int parts : new int[] {1, 2, 3, 5}) {
                    for (int repeat = 0; repeat < 50; repeat++) {
                        coversEachIndexOnce(pool, n, Math.min(parts, n));
                    }
                }
            }
        } finally {
            pool.shutdown();
        }
    }

    @Test
    void concurrentCallersAndNestedLoopsAllFinish() throws InterruptedException {
        WorkerPool pool = new WorkerPool(1);
        OnThreads.run(3, 60_000, "a caller is stuck", id -> {
            for (int r = 0; r < 300; r++) {
                coversEachIndexOnce(pool, 97, 2);
                // a range that loops in parallel itself: the pool is busy, so it runs on its thread
                pool.run(4, 2, (s, e) -> coversEachIndexOnce(pool, 10, 2));
            }
        });
        pool.shutdown();
    }

    @Test
    void anErrorInARangeReachesTheCallerAndThePoolStaysUsable() {
        WorkerPool pool = new WorkerPool(1);
        try {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> pool.run(100, 2, (s, end) -> {
                if (s > 0) {
                    throw new IllegalStateException("range at " + s);
                }
            }));
            assertEquals("range at 50", e.getMessage());
            coversEachIndexOnce(pool, 100, 2);
        } finally {
            pool.shutdown();
        }
        // after shutdown the caller runs every range itself
        coversEachIndexOnce(pool, 100, 2);
    }

    /**
     * Back-to-back loops from two calling threads, with a worker that lingers after some of its ranges: it comes back
     * for another range of a loop whose caller has already gone on to the next one (the pool reuses one loop object),
     * which must neither take a range of the new loop twice nor lose one (the caller would wait for it forever). A
     * loop whose first range fails still runs every range, and its caller gets that failure.
     */
    @Test
    void aLateWorkerNeverTakesARangeOfTheNextLoop() throws InterruptedException {
        WorkerPool pool = new WorkerPool(2);
        try {
            OnThreads.run(2, 120_000, "a caller is stuck: a range was lost", id -> {
                for (int r = 0; r < 3000; r++) {
                    int n = 5 + r % 61, parts = Math.min(n, 2 + r % 7), loop = r;
                    boolean fails = r % 40 == 3;
                    AtomicIntegerArray visits = new AtomicIntegerArray(n);
                    Backends.RangeBody body = (s, e) -> {
                        for (int i = s; i < e; i++) {
                            visits.incrementAndGet(i);
                        }
                        if (Thread.currentThread().getName().startsWith("jgrad-cpu-") && (loop + s) % 3 == 0) {
                            LockSupport.parkNanos(20_000); // the worker is late for what comes next
                        }
                        if (fails && s == 0) {
                            throw new IllegalStateException("loop " + loop + " of caller " + id);
                        }
                    };
                    if (fails) {
                        IllegalStateException e = assertThrows(IllegalStateException.class, () -> pool.run(n, parts, body));
                        assertEquals("loop " + loop + " of caller " + id, e.getMessage());
                    } else {
                        pool.run(n, parts, body);
                    }
                    for (int i = 0; i < n; i++) {
                        assertEquals(1, visits.get(i), "index " + i + " of " + n + " in " + parts + " parts, loop " + r);
                    }
                }
            });
        } finally {
            pool.shutdown();
        }
    }
}
