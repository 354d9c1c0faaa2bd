package io.jgrad.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Vector API kernels against the plain loops: the selections bit for bit, tanh, the sigmoid and ELU (and its derivative) within
 * their stated ulp bounds, on special values, random bit patterns, lengths around the vector width and offsets
 * that differ between input and output; and the same bits wherever a range starts (any thread count).
 */
class UnaryKernelsTest {
    private static final UnaryOp[] SELECTIONS = {UnaryOp.GT_SCALAR, UnaryOp.LT_SCALAR, UnaryOp.INSIDE, UnaryOp.SIGN,
            UnaryOp.LEAKY_RELU};
    private static final float[] SPECIAL = {Float.NaN, Float.intBitsToFloat(0xFFC00001), 0f, -0f,
            Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.MIN_VALUE, -Float.MIN_VALUE, Float.MAX_VALUE,
            -Float.MAX_VALUE, Float.MIN_NORMAL, -Float.MIN_NORMAL, 1f, -1f, 0.5f, -0.5f, 0.25f, 2f};

    private static float[] x;

    @BeforeAll
    static void values() {
        int n = 4099;
        x = new float[n];
        Random r = new Random(7);
        for (int i = 0; i < n; i++) {
            boolean special = i < SPECIAL.length;
            x[i] = special ? SPECIAL[i] : i % 2 == 0 ? Float.intBitsToFloat(r.nextInt()) : (float) r.nextGaussian();
        }
    }

    private static UnaryKernels vector() {
        Assumptions.assumeTrue(ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent(),
                "the JVM runs without --add-modules jdk.incubator.vector");
        assertNotNull(UnaryKernels.VECTOR, "the Vector API kernels should load where the module is present");
        return UnaryKernels.VECTOR;
    }

    @Test
    void selectionsGiveThePlainLoopsBits() {
        UnaryKernels kernels = vector();
        float[][] params = {{0f, 0f}, {0.25f, 1f}, {-1f, 0.5f}, {0.01f, 0f}, {Float.NaN, 1f}};
        for (UnaryOp op : SELECTIONS) {
            for (float[] pq : params) {
                for (int n : new int[] {0, 1, 15, 16, 17, 33, 1000, 4096}) {
                    for (int[] offsets : new int[][] {{0, 0}, {3, 0}, {0, 5}, {2, 2}}) {
                        int xOff = offsets[0], oOff = offsets[1];
                        float[] want = new float[oOff + n + 1], got = new float[oOff + n + 1];
                        want[oOff + n] = got[oOff + n] = 42f; // one past the range: must stay
                        FloatKernels.unaryLoops(op, pq[0], pq[1], x, xOff, want, oOff, n);
                        for (int repeat = 0; repeat < 3; repeat++) {
                            assertTrue(kernels.apply(op, pq[0], pq[1], x, xOff, got, oOff, n), op + " declined");
                        }
                        for (int i = 0; i < want.length; i++) {
                            String where = op + " p=" + pq[0] + " q=" + pq[1] + " n=" + n + " offsets " + xOff + "/"
                                    + oOff + " at " + i;
                            assertEquals(Float.floatToRawIntBits(want[i]), Float.floatToRawIntBits(got[i]), where);
                        }
                    }
                }
            }
        }
    }

    @Test
    void inPlaceSelectionOverwritesItsInput() {
        UnaryKernels kernels = vector();
        float[] y = x.clone(), want = new float[x.length];
        FloatKernels.unaryLoops(UnaryOp.LEAKY_RELU, 0.1, 0, x, 0, want, 0, x.length);
        kernels.apply(UnaryOp.LEAKY_RELU, 0.1f, 0f, y, 0, y, 0, y.length);
        for (int i = 0; i < y.length; i++) {
            assertEquals(Float.floatToRawIntBits(want[i]), Float.floatToRawIntBits(y[i]), "at " + i);
        }
    }

    @Test
    void otherFunctionsAreLeftToThePlainLoops() {
        UnaryKernels kernels = vector();
        float[] out = new float[4];
        UnaryOp[] others = {UnaryOp.RELU, UnaryOp.EXP, UnaryOp.LOG, UnaryOp.POW, UnaryOp.CLAMP};
        for (UnaryOp op : others) {
            assertFalse(kernels.apply(op, 1f, 2f, x, 0, out, 0, 4), op.toString());
            assertEquals(0f, out[0], op + " wrote although it declined");
        }
    }

    @Test
    void backendResultIsTheSameWithAndWithoutTheVectorKernels() {
        // the public path: Tensor ops on float32 go through FloatKernels.unary, which takes the vector kernels
        Tensor t = Tensor.of(x.clone(), x.length);
        float[] leaky = t.leakyRelu(0.2).toFloatArray(), above = t.gt(0.5).toFloatArray();
        float[] wantLeaky = new float[x.length], wantAbove = new float[x.length];
        FloatKernels.unaryLoops(UnaryOp.LEAKY_RELU, 0.2, 0, x, 0, wantLeaky, 0, x.length);
        FloatKernels.unaryLoops(UnaryOp.GT_SCALAR, 0.5, 0, x, 0, wantAbove, 0, x.length);
        for (int i = 0; i < x.length; i++) {
            assertEquals(Float.floatToRawIntBits(wantLeaky[i]), Float.floatToRawIntBits(leaky[i]), "leaky at " + i);
            assertEquals(Float.floatToRawIntBits(wantAbove[i]), Float.floatToRawIntBits(above[i]), "gt at " + i);
        }
    }

    /** Distance in units in the last place between two floats of the same sign; 0 for two NaNs. */
    private static long ulps(float a, float b) {
        if (Float.isNaN(a) || Float.isNaN(b)) {
            return Float.isNaN(a) && Float.isNaN(b) ? 0 : Long.MAX_VALUE;
        }
        if (a == b) {
            return 0;
        }
        long ia = Float.floatToRawIntBits(a), ib = Float.floatToRawIntBits(b);
        ia = ia < 0 ? Integer.MIN_VALUE - ia : ia; // order the negative floats below the positive ones
        ib = ib < 0 ? Integer.MIN_VALUE - ib : ib;
        return Math.abs(ia - ib);
    }

    @Test
    void transcendentalFunctionsStayWithinTheirUlpBounds() {
        UnaryKernels kernels = vector();
        // the sigmoid's e^-|x| reaches the subnormal range and underflow, tanh's e^2|x| overflows; ELU's alpha
        Object[][] cases = {{UnaryOp.TANH, 1L, -12f, 12f, 0f}, {UnaryOp.SIGMOID, 2L, -110f, 110f, 0f},
            {UnaryOp.ELU, 1L, -20f, 5f, 1f}, {UnaryOp.ELU, 2L, -20f, 5f, 1.7f}, {UnaryOp.ELU, 2L, -20f, 5f, 0.3f},
            {UnaryOp.ELU_GRAD, 1L, -110f, 5f, 1f}, {UnaryOp.ELU_GRAD, 2L, -110f, 5f, 1.7f}, {UnaryOp.ELU_GRAD, 2L, -110f, 5f, 0.3f}};
        Random r = new Random(3);
        int n = 1 << 18;
        for (Object[] c : cases) {
            UnaryOp op = (UnaryOp) c[0];
            long bound = (Long) c[1];
            float lo = (Float) c[2], hi = (Float) c[3], p = (Float) c[4];
            float[] in = new float[n], want = new float[n], got = new float[n];
            for (int i = 0; i < n; i++) {
                in[i] = i < SPECIAL.length ? SPECIAL[i] : switch (i % 3) {
                    case 0 -> Float.intBitsToFloat(r.nextInt()); // every exponent, NaNs and infinities
                    case 1 -> (float) (r.nextGaussian() * 0.1); // near 0, where tanh switches to its polynomial
                    default -> lo + (hi - lo) * r.nextFloat(); // the whole range up to overflow and underflow
                };
            }
            FloatKernels.unaryLoops(op, p, 0, in, 0, want, 0, n);
            assertTrue(kernels.apply(op, p, 0f, in, 0, got, 0, n), op + " declined");
            for (int i = 0; i < n; i++) {
                String what = op + "(" + in[i] + "; " + p + "): " + got[i] + ", plain " + want[i];
                assertTrue(ulps(want[i], got[i]) <= bound, what);
            }
        }
    }

    @Test
    void transcendentalSpecialValuesAreExact() {
        UnaryKernels kernels = vector();
        float inf = Float.POSITIVE_INFINITY, nan = Float.NaN;
        Object[][] cases = {
            {UnaryOp.TANH, new float[] {nan, inf, -inf, 0f, -0f, 20f, -20f, Float.MIN_VALUE, -1e-5f},
                new float[] {nan, 1f, -1f, 0f, -0f, 1f, -1f, Float.MIN_VALUE, -1e-5f}},
            {UnaryOp.SIGMOID, new float[] {nan, inf, -inf, 0f, -0f, 120f, -200f, -104f},
                new float[] {nan, 1f, 0f, 0.5f, 0.5f, 1f, 0f, 0f}},
            {UnaryOp.ELU, new float[] {nan, inf, -inf, 0f, -0f, -200f, 3f}, // alpha 1
                new float[] {nan, inf, -1f, 0f, -0f, -1f, 3f}},
            {UnaryOp.ELU_GRAD, new float[] {nan, inf, -inf, 0f, -0f, -200f, 3f, -20f}, // alpha 1; 1 at NaN, as PyTorch
                new float[] {1f, 1f, 0f, 1f, 1f, 0f, 1f, (float) Math.exp(-20)}},
            {UnaryOp.GELU, new float[] {nan, inf, -inf, 0f, -0f, 30f, -30f},
                new float[] {nan, inf, nan, 0f, -0f, 30f, -0f}},
            {UnaryOp.GELU_GRAD, new float[] {nan, inf, -inf, 0f, -0f, 30f, -30f},
                new float[] {nan, nan, nan, 0.5f, 0.5f, 1f, -0f}}};
        for (Object[] c : cases) {
            UnaryOp op = (UnaryOp) c[0];
            float[] in = (float[]) c[1], want = (float[]) c[2], got = new float[in.length];
            kernels.apply(op, 1f, 0f, in, 0, got, 0, in.length);
            for (int i = 0; i < in.length; i++) {
                String what = op + "(" + in[i] + ") = " + got[i];
                if (Float.isNaN(want[i])) {
                    assertTrue(Float.isNaN(got[i]), what);
                } else {
                    assertEquals(Float.floatToRawIntBits(want[i]), Float.floatToRawIntBits(got[i]), what);
                }
            }
        }
    }

    @Test
    void anElementsBitsDoNotDependOnWhereItsRangeStarts() {
        UnaryKernels kernels = vector();
        for (UnaryOp op : new UnaryOp[] {UnaryOp.TANH, UnaryOp.SIGMOID, UnaryOp.ELU, UnaryOp.ELU_GRAD, UnaryOp.GELU,
                UnaryOp.GELU_GRAD, UnaryOp.LEAKY_RELU}) {
            float[] whole = new float[x.length], pieces = new float[x.length];
            kernels.apply(op, 0.1f, 0f, x, 0, whole, 0, x.length);
            // ranges like those of a parallel loop's threads: off the vector grid, the last one partial
            for (int[] range : new int[][] {{0, 7}, {7, 1000}, {1000, 1001}, {1001, 2050}, {2050, x.length}}) {
                kernels.apply(op, 0.1f, 0f, x, range[0], pieces, range[0], range[1] - range[0]);
            }
            for (int i = 0; i < x.length; i++) {
                // a NaN's payload may change once C2 has compiled the loop (GELU's double conversions); NaN stays NaN
                assertEquals(Float.floatToIntBits(whole[i]), Float.floatToIntBits(pieces[i]), op + " at " + i);
            }
        }
    }

    /**
     * GELU and its derivative against the plain loops from -5 up: within 1 ulp (the derivative, which crosses zero
     * near x = -0.7518, within 1 ulp or 2^-40 of the larger of its terms Phi(x) and |x phi(x)|, what both
     * computations keep there). Below -5 the plain loop's 1 + erf(x / sqrt 2) cancels in double (at -8 it has the
     * wrong sign), so there both are held between the bounds Mills' ratio gives Phi(-t), t = -x:
     * phi(t) t / (t^2 + 1) &lt; Phi(-t) &lt; phi(t) / t.
     */
    @Test
    void geluStaysWithinItsBounds() {
        UnaryKernels kernels = vector();
        Random r = new Random(11);
        int n = 1 << 18;
        float[] in = new float[n], want = new float[n], got = new float[n];
        float[] wantGrad = new float[n], grad = new float[n];
        for (int i = 0; i < n; i++) {
            in[i] = i % 3 == 0 ? (float) (r.nextGaussian() * 0.5) : -5f + 21f * r.nextFloat();
        }
        FloatKernels.unaryLoops(UnaryOp.GELU, 0, 0, in, 0, want, 0, n);
        FloatKernels.unaryLoops(UnaryOp.GELU_GRAD, 0, 0, in, 0, wantGrad, 0, n);
        assertTrue(kernels.apply(UnaryOp.GELU, 0f, 0f, in, 0, got, 0, n));
        assertTrue(kernels.apply(UnaryOp.GELU_GRAD, 0f, 0f, in, 0, grad, 0, n));
        for (int i = 0; i < n; i++) {
            double v = in[i];
            double scale = Math.max(SpecialFunctions.normalCdf(v), Math.abs(v * SpecialFunctions.normalPdf(v)));
            assertTrue(ulps(want[i], got[i]) <= 1, "GELU(" + v + "): " + got[i] + ", plain " + want[i]);
            assertTrue(ulps(wantGrad[i], grad[i]) <= 1 || Math.abs(grad[i] - wantGrad[i]) <= 0x1p-40 * scale,
                    "GELU'(" + v + "): " + grad[i] + ", plain " + wantGrad[i]);
        }
        float[] low = new float[10000], lowGelu = new float[low.length], lowGrad = new float[low.length];
        for (int i = 0; i < low.length; i++) {
            low[i] = -5f - 8f * i / low.length; // down to -13, where both are still normal floats
        }
        kernels.apply(UnaryOp.GELU, 0f, 0f, low, 0, lowGelu, 0, low.length);
        kernels.apply(UnaryOp.GELU_GRAD, 0f, 0f, low, 0, lowGrad, 0, low.length);
        for (int i = 0; i < low.length; i++) {
            double t = -low[i], phi = Math.exp(-t * t / 2) / Math.sqrt(2 * Math.PI);
            double qLow = phi * t / (t * t + 1), qHigh = phi / t, slack = 1e-6; // slack for float rounding
            // GELU(x) = -t Phi(-t); its derivative Phi(-t) - t phi(t)
            assertTrue(lowGelu[i] >= -t * qHigh * (1 + slack) && lowGelu[i] <= -t * qLow * (1 - slack),
                    "GELU(" + low[i] + ") = " + lowGelu[i]);
            assertTrue(lowGrad[i] >= (qLow - t * phi) * (1 + slack) && lowGrad[i] <= (qHigh - t * phi) * (1 - slack),
                    "GELU'(" + low[i] + ") = " + lowGrad[i]);
        }
    }
}
