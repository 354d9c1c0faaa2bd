package io.jgrad.nn;

import static org.junit.jupiter.api.Assertions.*;

import io.jgrad.tensor.DType;
import io.jgrad.tensor.Generator;
import io.jgrad.tensor.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

public class InitTest {
    /** Mean, standard deviation (population), min and max of t's values (WeightInitTest uses it too). */
    public static double[] stats(Tensor t) {
        double[] v = t.toDoubleArray();
        double sum = 0, sq = 0, min = Double.POSITIVE_INFINITY, max = Double.NEGATIVE_INFINITY;
        for (double x : v) {
            sum += x;
            sq += x * x;
            min = Math.min(min, x);
            max = Math.max(max, x);
        }
        double mean = sum / v.length;
        return new double[] {mean, Math.sqrt(sq / v.length - mean * mean), min, max};
    }

    @Test
    void fansFollowPyTorch() {
        assertArrayEquals(new int[] {784, 256}, Init.fans("t", new int[] {256, 784}));
        // conv weight [out=16, in=3, 5, 5]: receptive field 25
        assertArrayEquals(new int[] {3 * 25, 16 * 25}, Init.fans("t", new int[] {16, 3, 5, 5}));
        assertArrayEquals(new int[] {4 * 6, 2 * 6}, Init.fans("t", new int[] {2, 4, 6}));
        var e = assertThrows(IllegalArgumentException.class, () -> Init.xavierUniform(Tensor.zeros(5), 1, new Generator(1)));
        assertTrue(e.getMessage().contains("[5]"), e.getMessage());
    }

    @Test
    void gains() {
        assertEquals(1.0, Init.calculateGain("sigmoid"));
        assertEquals(1.0, Init.calculateGain("linear"));
        assertEquals(5.0 / 3, Init.calculateGain("tanh"), 1e-15);
        assertEquals(Math.sqrt(2), Init.calculateGain("relu"), 1e-15);
        assertEquals(Math.sqrt(2 / (1 + 0.01 * 0.01)), Init.calculateGain("leaky_relu"), 1e-15);
        assertEquals(Math.sqrt(2 / 1.04), Init.calculateGain("leaky_relu", 0.2), 1e-15);
        assertEquals(0.75, Init.calculateGain("selu"));
        assertThrows(IllegalArgumentException.class, () -> Init.calculateGain("swish"));
    }

    @Test
    void kaimingRefusesANullModeOrNonlinearityNamingIt() {
        // bug: a null mode silently drew with fan_out (the else of mode == FAN_IN), and a null nonlinearity failed
        // with a NullPointerException from toLowerCase
        Tensor w = Tensor.zeros(3, 5);
        Generator g = new Generator(1);
        for (var call : List.<org.junit.jupiter.api.function.Executable>of(
                () -> Init.kaimingUniform(w, 0, null, "relu", g), () -> Init.kaimingNormal(w, 0, null, "relu", g))) {
            var e = assertThrows(IllegalArgumentException.class, call);
            assertTrue(e.getMessage().matches("Init\\.kaiming(Uniform|Normal): mode is null; pass FanMode\\.FAN_IN or"
                    + " FanMode\\.FAN_OUT"), e.getMessage());
        }
        assertArrayEquals(new double[15], w.toDoubleArray(), "nothing drawn");
        String gain = "Init.calculateGain: nonlinearity is null; use one of linear, conv1d/2d/3d, sigmoid, tanh, relu,"
                + " leaky_relu, selu";
        assertEquals(gain, assertThrows(IllegalArgumentException.class, () -> Init.calculateGain(null)).getMessage());
        assertEquals(gain, assertThrows(IllegalArgumentException.class,
                () -> Init.kaimingNormal(w, 0, FanMode.FAN_IN, null, g)).getMessage());
    }

    @Test
    void kaimingUniformBoundAndSpread() {
        Tensor w = Tensor.zeros(300, 400, 2); // fan_in = 800, fan_out = 600
        Init.kaimingUniform(w, 0, FanMode.FAN_IN, "relu", new Generator(1));
        double bound = Math.sqrt(2) * Math.sqrt(3.0 / 800);
        double[] s = stats(w);
        assertTrue(s[2] >= -bound && s[3] <= bound, "values in [-bound, bound]");
        assertTrue(s[2] < -0.99 * bound && s[3] > 0.99 * bound, "the whole interval is used");
        assertEquals(0, s[0], 0.01 * bound);
        assertEquals(bound / Math.sqrt(3), s[1], 0.02 * bound / Math.sqrt(3)); // sd of U(-b, b) is b / sqrt 3
        Init.kaimingUniform(w, 0, FanMode.FAN_OUT, "relu", new Generator(1));
        assertEquals(Math.sqrt(2) * Math.sqrt(3.0 / 600), stats(w)[3], 0.01 * bound);
    }

    @Test
    void normalInitialisersHaveTheirStandardDeviation() {
        Tensor w = Tensor.zeros(DType.FLOAT64, 500, 300);
        Init.xavierNormal(w, 2.0, new Generator(2));
        double std = 2.0 * Math.sqrt(2.0 / 800);
        assertEquals(std, stats(w)[1], 0.02 * std);
        assertEquals(0, stats(w)[0], 0.02 * std);
        Init.kaimingNormal(w, 0, FanMode.FAN_IN, "relu", new Generator(3));
        assertEquals(Math.sqrt(2) / Math.sqrt(300), stats(w)[1], 0.02 * Math.sqrt(2) / Math.sqrt(300));
        Init.normal(w, 3, 0.5, new Generator(4));
        assertEquals(3, stats(w)[0], 0.01);
        assertEquals(0.5, stats(w)[1], 0.01);
        Init.xavierUniform(w, 1, new Generator(5));
        assertEquals(Math.sqrt(6.0 / 800), stats(w)[3], 0.01 * Math.sqrt(6.0 / 800));
    }

    @Test
    void seededReproducibleAndRowMajor() {
        Tensor a = Init.uniform(Tensor.zeros(3, 4), -2, 5, new Generator(9));
        Tensor b = Init.uniform(Tensor.zeros(3, 4), -2, 5, new Generator(9));
        assertArrayEquals(a.toFloatArray(), b.toFloatArray());
        Generator g = new Generator(9);
        float[] expect = new float[12];
        for (int i = 0; i < 12; i++) {
            expect[i] = (float) (-2 + 7 * g.nextDouble());
        }
        assertArrayEquals(expect, a.toFloatArray());
        assertNotEquals(a.get(0, 0), Init.uniform(Tensor.zeros(3, 4), -2, 5, new Generator(10)).get(0, 0));
    }

    @Test
    void uniformRefusesBoundsOutsideTheDtypesRange() {
        // as PyTorch's uniform_ ("from is out of bounds for float"): U(-inf, inf) would be all NaN, and a bound
        // beyond Float.MAX_VALUE infinite values in a float32 tensor
        Tensor f32 = Tensor.zeros(3);
        for (double[] ab : new double[][] {{Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY}, {0, Double.POSITIVE_INFINITY},
                {-1e39, 0}, {Double.NaN, 1}}) {
            var e = assertThrows(IllegalArgumentException.class, () -> Init.uniform(f32, ab[0], ab[1], new Generator(1)));
            assertTrue(e.getMessage().contains("Init.uniform") && e.getMessage().contains("FLOAT32"), e.getMessage());
        }
        assertArrayEquals(new float[3], f32.toFloatArray(), "a refused call leaves the tensor alone");
        Tensor f64 = Init.uniform(Tensor.zeros(DType.FLOAT64, 3), -1e300, 1e300, new Generator(1));
        for (double v : f64.toDoubleArray()) {
            assertTrue(Double.isFinite(v) && Math.abs(v) <= 1e300, "float64 takes bounds beyond float32's range: " + v);
        }
        var order = assertThrows(IllegalArgumentException.class, () -> Init.uniform(f32, 2, 1, new Generator(1)));
        assertTrue(order.getMessage().contains("above upper bound"), order.getMessage());
    }

    @Test
    void constantsAndParametersInPlace() {
        Linear l = new Linear(3, 2);
        Tensor w = l.weight();
        assertSame(w, Init.zeros(w));
        assertArrayEquals(new float[6], w.toFloatArray());
        Init.ones(l.bias());
        assertArrayEquals(new float[] {1, 1}, l.bias().toFloatArray());
        Init.constant(w, 0.25);
        assertEquals(0.25, w.get(1, 2));
        assertTrue(w.requiresGrad(), "still a parameter");
    }

    @Test
    void linearDefaultsArePyTorchBounds() {
        Linear l = new Linear(400, 300, true, new Generator(11));
        double bound = 1 / Math.sqrt(400);
        double[] w = stats(l.weight()), b = stats(l.bias());
        assertTrue(w[2] >= -bound && w[3] <= bound && w[2] < -0.99 * bound && w[3] > 0.99 * bound);
        assertTrue(b[2] >= -bound && b[3] <= bound && b[2] < -0.9 * bound && b[3] > 0.9 * bound);
        assertArrayEquals(new int[] {300, 400}, l.weight().shape());
        assertArrayEquals(new int[] {300}, l.bias().shape());
        // without a generator, layers draw from the default generator: reproducible after manualSeed, and
        // two layers of the same shape differ
        Generator.manualSeed(Generator.DEFAULT_SEED);
        float[] first = new Linear(5, 3).weight().toFloatArray();
        assertArrayEquals(new Linear(5, 3, true, new Generator(Generator.DEFAULT_SEED)).weight().toFloatArray(), first);
        assertFalse(java.util.Arrays.equals(first, new Linear(5, 3).weight().toFloatArray()));
        assertNull(new Linear(5, 3, false).bias());
        assertEquals(15, new Linear(5, 3, false).parameterCount());
    }
}
