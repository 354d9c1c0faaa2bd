package io.jgrad.tensor;

import static org.junit.jupiter.api.Assertions.assertFalse;

/** Runs a test's body on several threads at once and fails the test with the first thread's failure. */
final class OnThreads {
    private OnThreads() {}

    /** The body of one thread, given its index. */
    interface Body {
        void run(int thread) throws Throwable;
    }

    /**
     * Starts {@code threads} threads running body(0), body(1), ..., waits up to {@code timeoutMillis} for each, and
     * throws an AssertionError if one is still running (named by {@code stuck}) or if one threw.
     */
    static void run(int threads, long timeoutMillis, String stuck, Body body) throws InterruptedException {
        Thread[] callers = new Thread[threads];
        Throwable[] failures = new Throwable[threads];
        for (int t = 0; t < threads; t++) {
            int id = t;
            callers[t] = new Thread(() -> {
                try {
                    body.run(id);
                } catch (Throwable e) {
                    failures[id] = e;
                }
            });
            callers[t].start();
        }
        for (Thread c : callers) {
            c.join(timeoutMillis);
            assertFalse(c.isAlive(), stuck);
        }
        for (Throwable f : failures) {
            if (f != null) {
                throw new AssertionError(f);
            }
        }
    }
}
