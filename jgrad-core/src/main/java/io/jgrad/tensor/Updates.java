package io.jgrad.tensor;

/**
 * The float32 optimizer updates of {@link FloatKernels#adam} and {@link FloatKernels#momentum} with the Vector API,
 * which also flush subnormal state to zero: {@link #VECTOR} is {@link VectorUpdates} where the JVM has the
 * incubator module, else null and the plain loops run (same roundings, no flush).
 *
 * <p>Why the flush: a moment or momentum buffer whose gradient stays zero (a weight on a pixel that is almost
 * always blank) decays geometrically through the subnormal range, and every multiply on a subnormal float takes a
 * microcode assist on x86 (measured: the update loop 19 times slower with a quarter of its state subnormal). In
 * Adam on Fashion-MNIST 4.6% of the first moments were subnormal on average over 3 epochs; flushing them took the
 * MLP's update from 299-320 to 184-193 microseconds per step (2 threads). A subnormal buffer value is below
 * 1.2e-38: with the default eps, stored as zero it changes no parameter larger than about 1e-25.
 */
interface Updates {
    /**
     * As {@link FloatKernels#adam} for n elements from the same offset in every array, then m and v below
     * {@link Float#MIN_NORMAL} in magnitude are stored, and used, as zero. Modified: p, m, v.
     */
    void adam(float[] p, float[] g, float[] m, float[] v, int off, int n, float beta1, float a1, float beta2, float a2,
              float ns, float bc2Sqrt, float eps);

    /**
     * As {@link FloatKernels#momentum} for n elements from the same offset in every array, the new buffer value
     * flushed to zero below {@link Float#MIN_NORMAL} in magnitude before p is updated. Modified: p, buf.
     */
    void momentum(float[] p, float[] g, float[] buf, int off, int n, float momentum, float a, float nl);

    /** The Vector API implementation, or null where the JVM lacks the module (see {@link VectorModule}). */
    Updates VECTOR = VectorModule.load(Updates.class, "io.jgrad.tensor.VectorUpdates");
}
