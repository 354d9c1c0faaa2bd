package io.jgrad.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.function.Function;

/**
 * Assertions shared by the tensor tests: gradient checks against finite differences (float64), and the
 * float32 path of an op against its float64 path on the same (float32-representable) inputs.
 */
final class TensorAssertions {
    private TensorAssertions() {}

    /** Relative tolerance of a float32 result against the float64 result of the same computation. */
    static final double FLOAT32_RTOL = 1e-5;

    static Tensor randn(long seed, int... shape) {
        return Tensor.normal(DType.FLOAT64, new Generator(seed), 0, 1, shape);
    }

    static Tensor uniform(long seed, double lo, double hi, int... shape) {
        return Tensor.uniform(DType.FLOAT64, new Generator(seed), lo, hi, shape);
    }

    /** Values with 0.2 &lt;= |x| &lt;= 1.5 and random signs: safe for ops with a kink or pole at 0. */
    static Tensor awayFromZero(long seed, int... shape) {
        Generator g = new Generator(seed);
        Tensor t = Tensor.zeros(DType.FLOAT64, shape);
        for (int i = 0; i < t.numel(); i++) {
            double m = 0.2 + 1.3 * g.nextDouble();
            t.setFlat(i, g.nextDouble() < 0.5 ? -m : m);
        }
        return t;
    }

    /** Gradient check in float64 and float32-against-float64 agreement of forward and backward. */
    static void assertOp(Function<Tensor[], Tensor> f, Tensor... inputs) {
        assertGradCheck(f, inputs);
        assertFloat32MatchesFloat64(f, inputs);
    }

    static void assertGradCheck(Function<Tensor[], Tensor> f, Tensor... inputs) {
        GradCheck.Result r = GradCheck.check(f, inputs);
        assertTrue(r.passed(), r.toString());
        assertTrue(r.checked() > 0 || totalNumel(inputs) == 0, "nothing was checked");
    }

    private static int totalNumel(Tensor[] ts) {
        int n = 0;
        for (Tensor t : ts) {
            n += t.numel();
        }
        return n;
    }

    /**
     * Runs f on float32 copies of the inputs and on float64 copies of those same values, backpropagates the
     * same weighting of the output through both, and asserts that the float32 output and gradients equal the
     * float64 ones to float32 precision.
     */
    static void assertFloat32MatchesFloat64(Function<Tensor[], Tensor> f, Tensor... inputs) {
        Tensor[] x32 = new Tensor[inputs.length], x64 = new Tensor[inputs.length];
        for (int i = 0; i < inputs.length; i++) {
            x32[i] = inputs[i].detach().to(DType.FLOAT32).copy().detach().requiresGrad(true);
            x64[i] = x32[i].detach().to(DType.FLOAT64).requiresGrad(true);
        }
        Tensor y32 = f.apply(x32), y64 = f.apply(x64);
        assertEquals(DType.FLOAT32, y32.dtype(), "float32 inputs must give a float32 result");
        assertEquals(DType.FLOAT64, y64.dtype());
        assertArrayEquals(y64.shape(), y32.shape());
        assertClose("forward", y64.toDoubleArray(), y32.toDoubleArray(), FLOAT32_RTOL);
        Tensor w = uniform(99, 0.5, 1.5, y64.shape());
        y32.mul(w.to(DType.FLOAT32)).sum().backward();
        y64.mul(w).sum().backward();
        for (int i = 0; i < inputs.length; i++) {
            if (x64[i].grad() == null) {
                assertEquals(null, x32[i].grad(), "input " + i + " has a float32 gradient but no float64 one");
                continue;
            }
            assertEquals(DType.FLOAT32, x32[i].grad().dtype(), "gradient of float32 input " + i);
            assertClose("gradient of input " + i, x64[i].grad().toDoubleArray(), x32[i].grad().toDoubleArray(), FLOAT32_RTOL);
        }
    }

    /** |actual - expected| &lt;= rtol * (|expected| + max |expected|) element-wise; NaN and infinities must match. */
    static void assertClose(String what, double[] expected, double[] actual, double rtol) {
        assertEquals(expected.length, actual.length, what + ": length");
        double scale = 0;
        for (double e : expected) {
            if (Double.isFinite(e)) {
                scale = Math.max(scale, Math.abs(e));
            }
        }
        for (int i = 0; i < expected.length; i++) {
            double e = expected[i], a = actual[i];
            if (!Double.isFinite(e) || !Double.isFinite(a)) {
                if (Double.compare(e, a) != 0) {
                    fail(what + ": element " + i + " expected " + e + " but was " + a);
                }
                continue;
            }
            if (!(Math.abs(a - e) <= rtol * (Math.abs(e) + scale))) {
                fail(what + ": element " + i + " expected " + e + " but was " + a + " (rtol " + rtol + ")");
            }
        }
    }

    /** Element-wise closeness with an absolute tolerance. */
    static void assertValues(double[] expected, Tensor actual, double atol) {
        assertArrayEquals(expected, actual.toDoubleArray(), atol, () -> "values of " + actual);
    }
}
