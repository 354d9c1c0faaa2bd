package io.jgrad.tensor;

/**
 * float32 element-wise functions that C2 leaves scalar, a vector at a time: {@link #VECTOR} is
 * {@link VectorUnaryKernels} where the JVM has the incubator module, else null and {@link FloatKernels#unary} runs
 * its plain loops.
 *
 * <p>Why: the plain loops of the selections (a comparison picking a value) keep a branch, which mispredicts on real
 * data, and those of tanh, the sigmoid, ELU and GELU call {@code Math} (GELU a series for erf) in double one element
 * at a time. Measured on 32K floats in cache (Intel Xeon, AVX-512, 1 thread), plain against vector: leaky ReLU 95-114
 * against 4 us, x &gt; p 55-107 against 4, sign 105-113 against 4, tanh 351-358 against 29, the sigmoid 340-352
 * against 21-23, ELU 276-307 against 28, GELU 1362 against 93-100 and its derivative 1563 against 95 (ReLU, which C2
 * vectorizes itself: 3).
 *
 * <p>The selections ({@link UnaryOp#GT_SCALAR}, {@link UnaryOp#LT_SCALAR}, {@link UnaryOp#INSIDE},
 * {@link UnaryOp#SIGN}, {@link UnaryOp#LEAKY_RELU}) give the plain loops' bits, NaN included. {@link UnaryOp#TANH} is
 * within 1 ulp of the plain loop (which rounds a double result once), {@link UnaryOp#SIGMOID}, {@link UnaryOp#ELU} and
 * {@link UnaryOp#ELU_GRAD} within 2 (the ELU ones within 1 for alpha 1), computed in float. {@link UnaryOp#GELU} and {@link UnaryOp#GELU_GRAD} are
 * computed in double and rounded once: within 1 ulp of the plain loops from x = -5 up (the derivative, near its zero
 * at x = -0.7518, within 2^-40 of its larger term); below -5 the plain loops' 1 + erf(x / sqrt 2) cancels in double
 * and these are the accurate ones. Special values (infinities, zeros, NaN, overflow and underflow) come out as in the
 * plain loops. Each element's bits depend on its value only, not on where a range starts nor on the JIT's progress (a
 * NaN's payload aside), so they are the same for any thread count. {@link UnaryOp#EXP} stays in its plain loop,
 * rounded as the fused cross-entropy's backward rounds its softmax (that kernel and logSoftmax, gather and neg give
 * the same bits).
 */
interface UnaryKernels {
    /**
     * out[oOff + i] = op(x[xOff + i]; p, q) for i in [0, n), returning true, when op is one of the functions above;
     * otherwise false, with nothing written. Modified: out (which may be x, then only from the same offset).
     */
    boolean apply(UnaryOp op, float p, float q, float[] x, int xOff, float[] out, int oOff, int n);

    /**
     * The ReLU derivative, a selection too: out[i] = y[i] &lt;= 0 ? +0 : g[i] for i in [from, to) (a NaN y keeps
     * g), the select's bits (see {@link ReluGrad#reluGrad(float[], float[], float[], int, int)}). Modified: out.
     */
    void reluGrad(float[] g, float[] y, float[] out, int from, int to);

    /** The Vector API implementation, or null where the JVM lacks the module (see {@link VectorModule}). */
    UnaryKernels VECTOR = VectorModule.load(UnaryKernels.class, "io.jgrad.tensor.VectorUnaryKernels");
}
