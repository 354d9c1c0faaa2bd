package io.jgrad.tensor;

import static io.jgrad.tensor.TensorAssertions.assertOp;
import static io.jgrad.tensor.TensorAssertions.assertValues;
import static io.jgrad.tensor.TensorAssertions.awayFromZero;
import static io.jgrad.tensor.TensorAssertions.randn;
import static io.jgrad.tensor.TensorAssertions.uniform;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.function.BinaryOperator;
import java.util.function.DoubleUnaryOperator;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

class ElementwiseOpsTest {
    /** Shape pairs that broadcast in every way the ops must handle, including 0-d operands. */
    private static final List<int[][]> BROADCAST_SHAPES = List.of(
            new int[][] {{3, 4}, {3, 4}},
            new int[][] {{3, 1}, {1, 4}},
            new int[][] {{2, 3, 4}, {4}},
            new int[][] {{2, 1, 4}, {3, 1}},
            new int[][] {{}, {2, 3}},
            new int[][] {{2, 3}, {}},
            new int[][] {{}, {}});

    private record Binary(String name, BinaryOperator<Tensor> op, boolean positiveLeft, boolean nonZeroRight) {}

    private static final List<Binary> BINARY = List.of(
            new Binary("add", Tensor::add, false, false),
            new Binary("sub", Tensor::sub, false, false),
            new Binary("mul", Tensor::mul, false, false),
            new Binary("div", Tensor::div, false, true),
            new Binary("pow", Tensor::pow, true, false),
            new Binary("maximum", Tensor::maximum, false, false),
            new Binary("minimum", Tensor::minimum, false, false));

    private static Tensor left(Binary b, long seed, int... shape) {
        return b.positiveLeft ? uniform(seed, 0.5, 2.0, shape) : randn(seed, shape);
    }

    private static Tensor right(Binary b, long seed, int... shape) {
        return b.nonZeroRight ? awayFromZero(seed, shape) : randn(seed, shape);
    }

    @Test
    void reluAndLeakyReluAtNanAndZeroAsPyTorch() {
        // PyTorch 1.13, float32 and float64 alike: relu([nan, -1, 0, 2]) = [nan, 0, 0, 2], its gradient [1, 0, 0, 1]
        // (threshold_backward keeps the gradient where the result is not <= 0); leaky_relu's (slope 0.1) gradient
        // [0.1, 0.1, 0.1, 1]
        for (boolean float64 : new boolean[] {false, true}) {
            float[] values = {Float.NaN, -1, 0, 2};
            Tensor x = Tensor.of(values, 4);
            if (float64) {
                x = x.to(DType.FLOAT64);
            }
            x.requiresGrad(true);
            Tensor y = x.relu();
            y.sum().backward();
            assertArrayEquals(new double[] {Double.NaN, 0, 0, 2}, y.toDoubleArray(), 0, "relu, float64 " + float64);
            assertArrayEquals(new double[] {1, 0, 0, 1}, x.grad().toDoubleArray(), 0, "relu's gradient, float64 " + float64);
            x.zeroGrad();
            x.leakyRelu(0.1).sum().backward();
            assertArrayEquals(new double[] {0.1, 0.1, 0.1, 1}, x.grad().toDoubleArray(), 1e-7, "leaky relu's gradient, float64 " + float64);
        }
    }

    @Test
    void divisionByAScalarDividesAsPyTorchDoes() {
        // bug: div(c) computed x * (1 / c), which rounds twice: a third of the elements were one unit in the last place
        // off x / c at c = 3 (PyTorch 1.13's x / 3 is a true division: torch.equal(x / 3, x / torch.tensor(3.)) holds),
        // and a subnormal c overflowed 1 / c, giving infinity for 1e-300 / 1e-310 = 1e10. mean(), which divides its sum
        // by the count, and its gradient inherited both
        java.util.Random r = new java.util.Random(7);
        double[] d = new double[1000];
        float[] f = new float[d.length];
        for (int i = 0; i < d.length; i++) {
            d[i] = r.nextGaussian() * 10;
            f[i] = (float) d[i];
        }
        for (double c : new double[] {3, 7, 10, 0.1, 255}) {
            double[] yd = Tensor.of(d, d.length).div(c).toDoubleArray();
            float[] yf = Tensor.of(f, f.length).div(c).toFloatArray();
            for (int i = 0; i < d.length; i++) {
                assertEquals(d[i] / c, yd[i], 0, "float64 " + d[i] + " / " + c);
                assertEquals(f[i] / (float) c, yf[i], 0, "float32 " + f[i] + " / " + c);
            }
        }
        assertEquals(1e-300 / 1e-310, Tensor.of(new double[] {1e-300}, 1).div(1e-310).item(), 0, "a subnormal divisor");
        Tensor x = Tensor.of(new double[] {0.1, 0.2, 0.4}, 3).requiresGrad(true);
        Tensor mean = x.mean();
        assertEquals((0.1 + 0.2 + 0.4) / 3, mean.item(), 0);
        mean.backward();
        assertValues(new double[] {1.0 / 3, 1.0 / 3, 1.0 / 3}, x.grad(), 0);
        assertOp(v -> v[0].div(-2.5), randn(3, 2, 3));
    }

    @Test
    void binaryOpsGradCheckUnderBroadcasting() {
        long seed = 1;
        for (Binary b : BINARY) {
            for (int[][] s : BROADCAST_SHAPES) {
                Tensor x = left(b, seed++, s[0]), y = right(b, seed++, s[1]);
                try {
                    assertOp(v -> b.op.apply(v[0], v[1]), x, y);
                } catch (AssertionError e) {
                    throw new AssertionError(b.name + " " + java.util.Arrays.toString(s[0]) + " op "
                            + java.util.Arrays.toString(s[1]) + ": " + e.getMessage(), e);
                }
            }
        }
    }

    @Test
    void binaryOpsOnViews() {
        long seed = 100;
        for (Binary b : BINARY) {
            // transposed [4,3]^T and sliced [3,6][:,1:5] -> both [3,4]
            assertOp(v -> b.op.apply(v[0].t(), v[1].slice(1, 1, 5)), left(b, seed++, 4, 3), right(b, seed++, 3, 6));
            // permuted [4,2,3] -> [2,3,4] against expanded [3,1] -> [3,4]
            assertOp(v -> b.op.apply(v[0].permute(1, 2, 0), v[1].expand(3, 4)), left(b, seed++, 4, 2, 3), right(b, seed++, 3, 1));
        }
    }

    @Test
    void binaryForwardMatchesScalarMath() {
        Tensor x = uniform(5, 0.5, 2, 3, 4), y = awayFromZero(6, 4);
        double[] xs = x.toDoubleArray(), ys = y.toDoubleArray();
        double[] add = new double[12], div = new double[12], pow = new double[12], max = new double[12];
        for (int i = 0; i < 12; i++) {
            double a = xs[i], c = ys[i % 4];
            add[i] = a + c;
            div[i] = a / c;
            pow[i] = Math.pow(a, c);
            max[i] = Math.max(a, c);
        }
        assertValues(add, x.add(y), 1e-15);
        assertValues(div, x.div(y), 1e-15);
        assertValues(pow, x.pow(y), 1e-15);
        assertValues(max, x.maximum(y), 0);
    }

    private record Unary(String name, UnaryOperator<Tensor> op, DoubleUnaryOperator math, boolean positive) {}

    private static double normalCdf(double x) {
        // an independent erf: Abramowitz-Stegun 7.1.26 is too coarse, so integrate phi with Simpson's rule
        int n = 20_000;
        double lo = -10, h = (x - lo) / n, s = 0;
        for (int i = 0; i <= n; i++) {
            double t = lo + i * h, w = i == 0 || i == n ? 1 : (i % 2 == 1 ? 4 : 2);
            s += w * Math.exp(-t * t / 2);
        }
        return s * h / 3 / Math.sqrt(2 * Math.PI);
    }

    private static final List<Unary> UNARY = List.of(
            new Unary("neg", Tensor::neg, v -> -v, false),
            new Unary("add(c)", t -> t.add(1.5), v -> v + 1.5, false),
            new Unary("sub(c)", t -> t.sub(1.5), v -> v - 1.5, false),
            new Unary("mul(c)", t -> t.mul(-2.5), v -> v * -2.5, false),
            new Unary("div(c)", t -> t.div(4.0), v -> v / 4.0, false),
            new Unary("rdiv", t -> t.rdiv(3.0), v -> 3.0 / v, true),
            new Unary("pow(3)", t -> t.pow(3), v -> v * v * v, false),
            new Unary("pow(2)", t -> t.pow(2), v -> v * v, false),
            new Unary("pow(-1.5)", t -> t.pow(-1.5), v -> Math.pow(v, -1.5), true),
            new Unary("pow(0.5)", t -> t.pow(0.5), Math::sqrt, true),
            new Unary("exp", Tensor::exp, Math::exp, false),
            new Unary("log", Tensor::log, Math::log, true),
            new Unary("sqrt", Tensor::sqrt, Math::sqrt, true),
            new Unary("abs", Tensor::abs, Math::abs, false),
            new Unary("clamp", t -> t.clamp(-0.7, 0.9), v -> Math.min(Math.max(v, -0.7), 0.9), false),
            new Unary("relu", Tensor::relu, v -> Math.max(v, 0), false),
            new Unary("sigmoid", Tensor::sigmoid, v -> 1 / (1 + Math.exp(-v)), false),
            new Unary("tanh", Tensor::tanh, Math::tanh, false),
            new Unary("leakyRelu", t -> t.leakyRelu(0.1), v -> v > 0 ? v : 0.1 * v, false),
            new Unary("elu", t -> t.elu(1.3), v -> v > 0 ? v : 1.3 * (Math.exp(v) - 1), false),
            new Unary("gelu", Tensor::gelu, v -> v * normalCdf(v), false));

    @Test
    void unaryOpsGradCheckAndFloat32() {
        long seed = 200;
        for (Unary u : UNARY) {
            // away from zero: abs, relu, leakyRelu and elu have their kink there; clamp's bounds are not hit
            Tensor x = u.positive ? uniform(seed++, 0.3, 3.0, 3, 5) : awayFromZero(seed++, 3, 5);
            try {
                assertOp(v -> u.op.apply(v[0]), x);
                assertOp(v -> u.op.apply(v[0].t()), x); // a transposed view
                assertOp(v -> u.op.apply(v[0].slice(0, 0, 1).reshape()), x.slice(1, 0, 1)); // a 0-d view
            } catch (AssertionError e) {
                throw new AssertionError(u.name + ": " + e.getMessage(), e);
            }
        }
    }

    @Test
    void unaryForwardMatchesScalarMath() {
        for (Unary u : UNARY) {
            Tensor x = u.positive ? uniform(7, 0.3, 3.0, 20) : randn(7, 20);
            double[] xs = x.toDoubleArray(), expected = new double[xs.length];
            for (int i = 0; i < xs.length; i++) {
                expected[i] = u.math.applyAsDouble(xs[i]);
            }
            assertArrayEquals(expected, u.op.apply(x).toDoubleArray(), 1e-12, u.name);
        }
    }

    @Test
    void whereGradCheckAndBroadcast() {
        Tensor mask = randn(11, 3, 1).gt(0.0); // [3,1] mask broadcast against [3,4] and [4]
        assertOp(v -> Tensor.where(mask, v[0], v[1]), randn(12, 3, 4), randn(13, 4));
        assertOp(v -> Tensor.where(mask, v[0].t(), v[1]), randn(14, 4, 3), randn(15));
        Tensor out = Tensor.where(Tensor.of(new double[] {1, 0, 1}), Tensor.of(new double[] {1, 2, 3}), Tensor.of(new double[] {-1, -2, -3}));
        assertValues(new double[] {1, -2, 3}, out, 0);
    }

    @Test
    void comparisonsAreMasksWithoutGradient() {
        Tensor a = Tensor.of(new double[] {1, 2, 3}).requiresGrad(true);
        Tensor b = Tensor.of(new double[] {2, 2, 2});
        assertValues(new double[] {0, 0, 1}, a.gt(b), 0);
        assertValues(new double[] {0, 1, 1}, a.ge(b), 0);
        assertValues(new double[] {1, 0, 0}, a.lt(b), 0);
        assertValues(new double[] {1, 1, 0}, a.le(b), 0);
        assertValues(new double[] {0, 1, 0}, a.eq(b), 0);
        assertValues(new double[] {0, 0, 1}, a.gt(2.5), 0);
        assertValues(new double[] {1, 0, 0}, a.lt(1.5), 0);
        assertNull(a.gt(b).gradFn());
    }

    @Test
    void comparisonsOfMixedDtypesPromote() {
        // bug: compare() did not promote, so the float32 kernel read the float64 operand's (null) float array
        Tensor a = Tensor.of(new float[] {1, 2, 3});
        Tensor b = Tensor.of(new double[] {2, 2, 2});
        assertValues(new double[] {0, 0, 1}, a.gt(b), 0);
        assertValues(new double[] {1, 1, 0}, b.ge(a), 0);
        assertEquals(DType.FLOAT64, a.eq(b).dtype());
    }

    @Test
    void mixedDtypeBinaryOpsPromoteAndGradientsKeepTheirDtype() {
        Tensor a = Tensor.of(new float[] {1, 2}).requiresGrad(true);
        Tensor b = Tensor.of(new double[] {3, 4}).requiresGrad(true);
        Tensor y = a.mul(b);
        assertEquals(DType.FLOAT64, y.dtype());
        y.sum().backward();
        assertEquals(DType.FLOAT32, a.grad().dtype());
        assertValues(new double[] {3, 4}, a.grad(), 0);
        assertValues(new double[] {1, 2}, b.grad(), 0);
    }

    @Test
    void aZeroDimOperandTakesTheDtypeOfTheOtherAsInPyTorch() {
        // bug: a float64 0-d tensor made every op float64; torch.ones(2) * torch.tensor(2., dtype=torch.float64) is
        // float32 (PyTorch's result_type: a 0-d tensor does not widen a tensor with dimensions)
        Tensor x = Tensor.of(new float[] {0.1f, 2}).requiresGrad(true);
        Tensor s = Tensor.scalar(DType.FLOAT64, 3).requiresGrad(true);
        Tensor y = x.mul(s);
        assertEquals(DType.FLOAT32, y.dtype());
        assertEquals(DType.FLOAT32, s.sub(x).dtype());
        assertEquals(DType.FLOAT32, Tensor.where(x.gt(1), x, s).dtype());
        y.sum().backward();
        assertEquals(DType.FLOAT32, x.grad().dtype());
        assertEquals(DType.FLOAT64, s.grad().dtype(), "each gradient in its tensor's dtype");
        assertValues(new double[] {3, 3}, x.grad(), 0);
        assertEquals(0.1f + 2f, s.grad().item(), 1e-6);
        // the comparison runs in float32 too: float32(0.1) equals the float64 0.1 rounded to float32
        assertValues(new double[] {1, 0}, x.eq(Tensor.scalar(DType.FLOAT64, 0.1)), 0);
        // both 0-d, or both with dimensions: the wider dtype
        assertEquals(DType.FLOAT64, Tensor.scalar(1).add(Tensor.scalar(DType.FLOAT64, 1)).dtype());
        assertEquals(DType.FLOAT64, x.add(Tensor.of(new double[] {1})).dtype());
    }

    @Test
    void powWithZeroExponentHasZeroGradient() {
        // bug: the gradient 0 * x^-1 was NaN at x = 0; PyTorch gives 0 (d/dx x^0 = 0 everywhere)
        Tensor x = Tensor.of(new double[] {0, 2}).requiresGrad(true);
        x.pow(0).sum().backward();
        assertValues(new double[] {0, 0}, x.grad(), 0);
    }

    @Test
    void broadcastFailureNamesOpAndShapes() {
        var e = assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(2, 3).add(Tensor.zeros(4)));
        assertTrue(e.getMessage().contains("add") && e.getMessage().contains("[2, 3]") && e.getMessage().contains("[4]"),
                e.getMessage());
        // bug: maximum and minimum were reported as "max" and "min", the names of the reductions
        var max = assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(2).maximum(Tensor.zeros(3)));
        assertTrue(max.getMessage().startsWith("maximum:"), max.getMessage());
        var min = assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(2).minimum(Tensor.zeros(3)));
        assertTrue(min.getMessage().startsWith("minimum:"), min.getMessage());
        assertEquals("maximum", Tensor.zeros(2).requiresGrad(true).maximum(Tensor.zeros(2)).gradFn().op());
        var e2 = assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(2, 3).mul(Tensor.zeros(3, 2)));
        assertTrue(e2.getMessage().contains("mul") && e2.getMessage().contains("[3, 2]"), e2.getMessage());
    }

    @Test
    void numericalStabilityAtExtremes() {
        for (DType dt : DType.values()) {
            Tensor x = Tensor.of(new double[] {-100, 100, -1000, 1000}).to(dt);
            double[] s = x.sigmoid().toDoubleArray();
            assertEquals(Math.exp(-100), s[0], dt == DType.FLOAT32 ? 1e-45 : 1e-55); // float32: subnormal
            assertEquals(1.0, s[1], 0);
            assertEquals(0.0, s[2], 0);
            assertEquals(1.0, s[3], 0);
            Tensor xg = Tensor.of(new double[] {-100, 100}).to(dt).requiresGrad(true);
            xg.sigmoid().sum().backward();
            for (double g : xg.grad().toDoubleArray()) {
                assertTrue(Double.isFinite(g) && g >= 0, "sigmoid gradient " + g);
            }
            // log(0) is -infinity (as in PyTorch and IEEE 754), not an exception
            assertEquals(Double.NEGATIVE_INFINITY, Tensor.zeros(dt, 1).log().item());
            assertEquals(1.0, Tensor.of(new double[] {50}).to(dt).tanh().item(), 0);
        }
    }

    @Test
    void powGradientsAtAZeroBaseAreZeroAsInPyTorch() {
        // z x^(z-1) at x = 0, z = 0 is 0 * inf, and x^z ln x at x = 0 is 0 * -inf: PyTorch gives 0 for both
        Tensor x = Tensor.of(new double[] {0, 2, 0, 0}).requiresGrad(true);
        Tensor z = Tensor.of(new double[] {2, 3, 0, -1}).requiresGrad(true);
        x.pow(z).sum().backward();
        // dx = z x^(z-1): 0, 12, 0 (z = 0), -1 * 0^-2 = -inf; dz = x^z ln x: 0, 8 ln 2, 0, 0^-1 ln 0 = -inf (as torch)
        assertArrayEquals(new double[] {0, 12, 0, Double.NEGATIVE_INFINITY}, x.grad().toDoubleArray());
        assertArrayEquals(new double[] {0, 8 * Math.log(2), 0, Double.NEGATIVE_INFINITY}, z.grad().toDoubleArray(), 1e-12);
    }

    /**
     * maximum's and minimum's gradients at ties and special values, element by element from the documented rule: the
     * chosen operand gets g, a tie (equal infinities and -0 = 0 included) goes to the left operand, a NaN on either side
     * sends g to both; the other operand gets g * 0 (NaN for an infinite or NaN g, as a multiplication by a 0/1 mask).
     */
    @Test
    void maximumAndMinimumGradientsFollowTheirRuleAtTiesAndSpecialValues() {
        double inf = Double.POSITIVE_INFINITY, nan = Double.NaN;
        double[] xs = {1, 2, 3, 3, nan, 1, nan, inf, -inf, inf, -0.0, 0.0, 5, -2, 4, 1e-320};
        double[] zs = {2, 1, 3, nan, 3, nan, nan, inf, -inf, -inf, 0.0, -0.0, 5, -2, -4, 2e-320};
        double[] gs = {1.5, -2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, inf, nan, -inf, 13};
        for (DType dt : DType.values()) {
            for (boolean max : new boolean[] {true, false}) {
                Tensor x = Tensor.of(xs).to(dt).requiresGrad(true), z = Tensor.of(zs).to(dt).requiresGrad(true);
                Tensor g = Tensor.of(gs).to(dt);
                (max ? x.maximum(z) : x.minimum(z)).backward(g);
                double[] xv = x.toDoubleArray(), zv = z.toDoubleArray(), gv = g.toDoubleArray();
                double[] gx = new double[xs.length], gz = new double[xs.length];
                for (int i = 0; i < xs.length; i++) {
                    // "not past z" rather than "on z's side": both are false where either is NaN
                    boolean zWins = max ? xv[i] < zv[i] : xv[i] > zv[i];
                    boolean xWins = max ? xv[i] > zv[i] : xv[i] < zv[i];
                    boolean tie = xv[i] == zv[i];
                    gx[i] = round(dt, gv[i] * (zWins ? 0.0 : 1.0));
                    gz[i] = round(dt, gv[i] * (xWins || tie ? 0.0 : 1.0));
                }
                String what = (max ? "maximum " : "minimum ") + dt;
                assertArrayEquals(gx, x.grad().toDoubleArray(), 0, what + " dx");
                assertArrayEquals(gz, z.grad().toDoubleArray(), 0, what + " dz");
            }
        }
    }

    private static double round(DType dt, double v) {
        return dt == DType.FLOAT32 ? (float) v : v;
    }

    /**
     * maximum's and minimum's backward runs 4 element-wise ops on loss-sized tensors (BCEWithLogitsLoss uses both), one
     * mask and one product per operand, and 2 for the one operand that needs a gradient: it ran 8 either way, building
     * each mask 1 - (x &lt; z) in three ops.
     */
    @Test
    void maximumAndMinimumBackwardMakeOneMaskAndOneProductPerOperand() {
        Tensor x = randn(1, 5, 7).requiresGrad(true), z = randn(2, 5, 7).requiresGrad(true), c = randn(3, 5, 7);
        Tensor g = randn(4, 5, 7);
        for (Tensor y : List.of(x.maximum(z), x.minimum(z), x.maximum(c), c.minimum(x))) {
            int made;
            Tensor[] grads;
            BufferPool.Scope scope = BufferPool.open();
            try {
                grads = y.gradFn().backward(g);
                made = scope.tensors.size();
            } finally {
                BufferPool.close(scope);
            }
            List<Tensor> in = y.gradFn().inputs();
            int needed = (in.get(0).requiresGrad() ? 2 : 0) + (in.get(1).requiresGrad() ? 2 : 0);
            assertEquals(needed, made, y.gradFn().op() + ": tensors made by its backward");
            assertEquals(in.get(1) == c, grads[1] == null);
            assertEquals(in.get(0) == c, grads[0] == null);
        }
    }

    @Test
    void scalarComparisons() {
        Tensor x = Tensor.of(new double[] {1, 2, 3, Double.NaN});
        assertArrayEquals(new double[] {0, 1, 1, 0}, x.ge(2).toDoubleArray());
        assertArrayEquals(new double[] {1, 1, 0, 0}, x.le(2).toDoubleArray());
        assertArrayEquals(new double[] {0, 1, 0, 0}, x.eq(2).toDoubleArray());
    }

    @Test
    void absGradientIsZeroAtZeroAndAtNaNAsPyTorch() {
        // bug: the gradient came from Math.signum, NaN at a NaN x; PyTorch's sgn is 0 there:
        // torch.tensor([nan, 0., -0., 2., -3.]).abs() backward gives [0, 0, 0, 1, -1]
        for (DType dt : DType.values()) {
            Tensor x = Tensor.of(new double[] {Double.NaN, 0, -0.0, 2, -3}).to(dt).requiresGrad(true);
            x.abs().mul(Tensor.of(new double[] {5, 5, 5, 5, 5}).to(dt)).sum().backward();
            assertArrayEquals(new double[] {0, 0, 0, 5, -5}, x.grad().toDoubleArray(), 0, dt.toString());
        }
    }
}
