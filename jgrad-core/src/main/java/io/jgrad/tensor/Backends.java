package io.jgrad.tensor;

/**
 * Chooses the backend the ops use and how many threads it may take. The default is the plain-Java CPU
 * backend with one thread per available processor.
 */
public final class Backends {
    private Backends() {}

    private static volatile Backend current = new CpuBackend(Runtime.getRuntime().availableProcessors());

    static Backend current() {
        return current;
    }

    /** Sets the number of threads the kernels use (as torch.set_num_threads). Results do not depend on it. */
    public static synchronized void setThreads(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1, got " + threads);
        }
        if (threads != current.threads()) {
            Backend old = current;
            current = new CpuBackend(threads);
            if (old instanceof CpuBackend cpu) {
                cpu.shutdown();
            }
        }
    }

    /** The number of threads the kernels use. */
    public static int threads() {
        return current.threads();
    }

    /** The backend's name, e.g. {@code "java"}. */
    public static String name() {
        return current.name();
    }
}
