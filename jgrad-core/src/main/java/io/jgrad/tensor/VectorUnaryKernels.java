package io.jgrad.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link UnaryKernels} with the Vector API: compares and blends. A blend moves the chosen value's bits untouched,
 * so every function gives the plain loop's bits. The last, partial vector of a call runs under a mask.
 */
final class VectorUnaryKernels implements UnaryKernels {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    @Override
    public boolean apply(UnaryOp op, float p, float q, float[] x, int xOff, float[] out, int oOff, int n) {
        switch (op) {
            case GT_SCALAR -> greaterThan(p, x, xOff, out, oOff, n);
            case LT_SCALAR -> lessThan(p, x, xOff, out, oOff, n);
            case INSIDE -> inside(p, q, x, xOff, out, oOff, n);
            case SIGN -> sign(x, xOff, out, oOff, n);
            case LEAKY_RELU -> leakyRelu(p, x, xOff, out, oOff, n);
            default -> {
                return false;
            }
        }
        return true;
    }

    /** The lanes of the vector at element i that are below n: all of them but in the last, partial vector. */
    private static VectorMask<Float> live(int i, int n) {
        return S.indexInRange(i, n);
    }

    private static FloatVector load(float[] x, int off, int i, int n) {
        return FloatVector.fromArray(S, x, off + i, live(i, n));
    }

    private static void store(FloatVector v, float[] out, int off, int i, int n) {
        v.intoArray(out, off + i, live(i, n));
    }

    /** 1 where x &gt; p, else 0 (NaN gives 0). */
    private static void greaterThan(float p, float[] x, int xOff, float[] out, int oOff, int n) {
        FloatVector zero = FloatVector.zero(S), one = FloatVector.broadcast(S, 1f);
        for (int i = 0; i < n; i += S.length()) {
            store(zero.blend(one, load(x, xOff, i, n).compare(VectorOperators.GT, p)), out, oOff, i, n);
        }
    }

    /** 1 where x &lt; p, else 0 (NaN gives 0). */
    private static void lessThan(float p, float[] x, int xOff, float[] out, int oOff, int n) {
        FloatVector zero = FloatVector.zero(S), one = FloatVector.broadcast(S, 1f);
        for (int i = 0; i < n; i += S.length()) {
            store(zero.blend(one, load(x, xOff, i, n).compare(VectorOperators.LT, p)), out, oOff, i, n);
        }
    }

    /** 1 where p &lt;= x &lt;= q, else 0 (NaN gives 0). */
    private static void inside(float p, float q, float[] x, int xOff, float[] out, int oOff, int n) {
        FloatVector zero = FloatVector.zero(S), one = FloatVector.broadcast(S, 1f);
        for (int i = 0; i < n; i += S.length()) {
            FloatVector v = load(x, xOff, i, n);
            VectorMask<Float> in = v.compare(VectorOperators.GE, p).and(v.compare(VectorOperators.LE, q));
            store(zero.blend(one, in), out, oOff, i, n);
        }
    }

    /** Math.signum: 1 where x &gt; 0, -1 where x &lt; 0, x itself for zeros of either sign and NaN. */
    private static void sign(float[] x, int xOff, float[] out, int oOff, int n) {
        FloatVector one = FloatVector.broadcast(S, 1f), minusOne = FloatVector.broadcast(S, -1f);
        for (int i = 0; i < n; i += S.length()) {
            FloatVector v = load(x, xOff, i, n);
            store(v.blend(one, v.compare(VectorOperators.GT, 0f)).blend(minusOne, v.compare(VectorOperators.LT, 0f)),
                    out, oOff, i, n);
        }
    }

    /** x where x &gt; 0, else p x (NaN and -0 take the product, as the plain loop). */
    private static void leakyRelu(float p, float[] x, int xOff, float[] out, int oOff, int n) {
        for (int i = 0; i < n; i += S.length()) {
            FloatVector v = load(x, xOff, i, n);
            store(v.mul(p).blend(v, v.compare(VectorOperators.GT, 0f)), out, oOff, i, n);
        }
    }
}
