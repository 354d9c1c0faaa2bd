package io.jgrad.tensor;

/**
 * Sums in double over runs of float32 values, for batch normalization and the convolution's bias gradient:
 * {@link #VECTOR} is the Vector API implementation ({@link VectorReductions}) where the JVM has the incubator
 * module, else null and {@link FloatConvKernels} runs its plain loops.
 */
interface Reductions {
    /** Sum of x[off, off + len). */
    double sum(float[] x, int off, int len);

    /** Sum of (x - mu)^2 over x[off, off + len). */
    double squaredDeviations(float[] x, int off, int len, double mu);

    /**
     * Adds the sum of g[gOff, gOff + len) to sumG[k] and the sum of g * (x - mu), x from xOff, to sumGX[k].
     * Modified: sumG, sumGX.
     */
    void gradSums(float[] g, int gOff, float[] x, int xOff, int len, double mu, double[] sumG, double[] sumGX, int k);

    /** The Vector API implementation, or null where the JVM lacks the module (see {@link VectorModule}). */
    Reductions VECTOR = VectorModule.load(Reductions.class, "io.jgrad.tensor.VectorReductions");
}
