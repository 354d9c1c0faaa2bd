package io.jgrad.tensor;

/**
 * Chooses the backend the ops use and how many threads it may take. The default is the CPU backend (its matrix
 * products by the Vector API kernel or OpenBLAS, as {@link #name()} says) with one thread per available processor.
 */
public final class Backends {
    private Backends() {}

    private static volatile Backend current = new CpuBackend(Runtime.getRuntime().availableProcessors());

    /** The backend the ops call: the real one, or, while this thread records a step to replay, its recorder. */
    static Backend current() {
        StepRecorder r = StepRecorder.active();
        return r != null ? r : current;
    }

    /** The backend itself, never a recorder in front of it: for the replays of a recorded step. */
    static Backend real() {
        return current;
    }

    /**
     * Sets the number of threads the kernels use (as torch.set_num_threads). With the Vector API kernel results do
     * not depend on it; with OpenBLAS's products (where chosen) the last bits may.
     */
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

    /** The body of a parallel loop: handles the indices [start, end). */
    @FunctionalInterface
    public interface RangeBody {
        void run(int start, int end);
    }

    /**
     * Runs body over [0, n) on the kernels' threads (see {@link #setThreads}), cut into contiguous ranges (a few per
     * thread) that the calling thread and the workers take as they come free, when the work (elements read and
     * written, in all) pays for handing ranges to other threads; otherwise body.run(0, n) here. Returns when every
     * range is done, rethrowing the first failure. Each range must write only its own outputs, so that the result
     * does not depend on the split. For loops outside the ops that the kernels' threads should share, such as
     * assembling a batch.
     */
    public static void parallelFor(int n, long work, RangeBody body) {
        StepRecorder.hostWork("Backends.parallelFor runs Java code on the values");
        current.parallelFor(n, work, body);
    }

    /**
     * {@code dst[dstOff + i] = (src[srcOff + i] & 0xFF) / 255f} for {@code i < n}: unsigned 8-bit pixels to the
     * floats in [0, 1] that the division gives, a vector at a time where the JVM has the Vector API module. For data
     * sets held as bytes. Modified: dst.
     */
    public static void pixelsToFloats(byte[] src, int srcOff, float[] dst, int dstOff, int n) {
        StepRecorder.hostWork("Backends.pixelsToFloats converts values in Java");
        java.util.Objects.checkFromIndexSize(srcOff, n, src.length);
        java.util.Objects.checkFromIndexSize(dstOff, n, dst.length);
        (Pixels.VECTOR != null ? Pixels.VECTOR : Pixels.PLAIN).toFloats(src, srcOff, dst, dstOff, n);
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
