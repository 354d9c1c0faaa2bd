package io.jgrad.nn.spec;

import static org.junit.jupiter.api.Assertions.*;

import io.jgrad.nn.Conv2d;
import io.jgrad.nn.InitTest;
import io.jgrad.nn.Linear;
import io.jgrad.nn.Sequential;
import io.jgrad.tensor.Generator;
import io.jgrad.tensor.Tensor;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * jgrad train's --weight-init: what it accepts, and that each scheme draws each Linear and Conv2d weight as
 * torch.nn.init does. The expected bounds and standard deviations are PyTorch 1.13's (torch.nn.init's fans and
 * calculate_gain, printed for these shapes), not this code's formulas.
 */
class WeightInitTest {
    private static final String EXPECTED = "expected default, xavier-uniform, xavier-normal, kaiming-uniform,"
            + " kaiming-normal, normal:STD (STD > 0, e.g. normal:0.01) or uniform:A (A > 0, e.g. uniform:0.05)";

    /** Linear(400, 300), act, Linear(300, 10): the first weight [300, 400] has 120,000 values, fan_in 400, fan_out 300. */
    private static NetworkSpec mlp(String activation) {
        return NetworkSpec.mlp(400, new int[] {300}, 10, activation, "none");
    }

    /** The CNN of --model cnn: its second convolution's weight [64, 32, 3, 3] has 18,432 values, fan_in 288, fan_out 576. */
    private static NetworkSpec cnn() {
        return NetworkSpec.cnn(new int[] {1, 28, 28}, 10);
    }

    private static Sequential built(NetworkSpec spec, String scheme, long seed) {
        Generator gen = new Generator(seed);
        Sequential net = spec.build(gen);
        WeightInit.parse(scheme).apply(spec, net, gen);
        return net;
    }

    @Test
    void valuesAreReadCaseAndBlanksIgnoredAndRecordedInOneSpelling() {
        assertEquals("default", WeightInit.parse("default").value());
        assertTrue(WeightInit.parse(" Default ").isDefault());
        assertEquals("xavier-uniform", WeightInit.parse("Xavier-Uniform").value());
        assertEquals("kaiming-normal", WeightInit.parse("kaiming-normal").value());
        assertEquals("normal:0.01", WeightInit.parse("normal:1e-2").value());
        assertEquals("uniform:0.05", WeightInit.parse(" UNIFORM:0.05").value());
        assertEquals(WeightInit.parse("normal:0.010"), WeightInit.parse("normal:1e-2"));
        assertFalse(WeightInit.parse("normal:0.01").isDefault());
        // the constructor takes only what parse gives
        assertThrows(IllegalArgumentException.class, () -> new WeightInit("normal", 0));
        assertThrows(IllegalArgumentException.class, () -> new WeightInit("uniform", Double.POSITIVE_INFINITY));
        assertThrows(IllegalArgumentException.class, () -> new WeightInit("xavier-uniform", 2));
        assertThrows(IllegalArgumentException.class, () -> new WeightInit("Xavier-Uniform", 0));
        assertEquals(WeightInit.parse("uniform:0.5"), new WeightInit("uniform", 0.5));
    }

    @Test
    void aBadValueIsRefusedNamingTheFlagTheValueAndWhatIsExpected() {
        Map<String, String> problems = Map.ofEntries(
                Map.entry("normal:0", "the standard deviation must be a positive number, got 0"),
                Map.entry("normal:-1", "the standard deviation must be a positive number, got -1"),
                Map.entry("normal:NaN", "the standard deviation must be a positive number, got NaN"),
                Map.entry("normal:abc", "'abc' is not a number"),
                Map.entry("uniform:abc", "'abc' is not a number"),
                Map.entry("uniform:0", "the bound must be a positive number, got 0"),
                Map.entry("uniform:Infinity", "the bound must be a positive number, got Infinity"),
                Map.entry("normal", "normal needs its standard deviation, as normal:STD"),
                Map.entry("uniform:", "'' is not a number"),
                Map.entry("xavier-uniform:2", "xavier-uniform takes no value after ':'"),
                Map.entry("kaiming", "unknown scheme 'kaiming'"),
                Map.entry("he", "unknown scheme 'he'"),
                Map.entry("", "unknown scheme ''"));
        problems.forEach((given, problem) -> {
            var e = assertThrows(IllegalArgumentException.class, () -> WeightInit.parse(given), given);
            assertEquals("--weight-init " + given + ": " + problem + "; " + EXPECTED, e.getMessage());
        });
    }

    /**
     * The n values of t are U(-a, a): none outside, and the extremes near a (the largest |x| is below a(1 - 20/n) with
     * probability (1 - 20/n)^n, about e^-20); mean and standard deviation a / sqrt 3 within 5 standard errors
     * (the standard error of a sample sd is sd * sqrt((kurtosis - 1) / 4n), kurtosis 9/5 for a uniform).
     */
    private static void assertUniform(Tensor t, double a) {
        int n = t.numel();
        double[] s = InitTest.stats(t);
        assertTrue(s[2] >= -a && s[3] <= a, "values in [-" + a + ", " + a + "]: " + s[2] + ".." + s[3]);
        assertTrue(-s[2] > a * (1 - 20.0 / n) && s[3] > a * (1 - 20.0 / n), "the whole interval is drawn: " + s[2] + ".." + s[3]);
        double sd = a / Math.sqrt(3);
        assertEquals(0, s[0], 5 * sd / Math.sqrt(n), "mean");
        assertEquals(sd, s[1], 5 * sd * Math.sqrt(0.8 / (4.0 * n)), "standard deviation");
    }

    /** The n values of t are N(0, std^2): mean and sd within 5 standard errors (sd's: std / sqrt(2n), kurtosis 3). */
    private static void assertNormal(Tensor t, double std) {
        int n = t.numel();
        double[] s = InitTest.stats(t);
        assertEquals(0, s[0], 5 * std / Math.sqrt(n), "mean");
        assertEquals(std, s[1], 5 * std / Math.sqrt(2.0 * n), "standard deviation");
        // a normal's values go past 3 sd (0.27% of them), a uniform's of the same sd never past sqrt 3
        assertTrue(Math.max(-s[2], s[3]) > 3 * std, "tails of a normal: " + s[2] + ".." + s[3]);
    }

    private static Tensor linearWeight(Sequential net) {
        return ((Linear) net.get(0)).weight();
    }

    private static Tensor convWeight(Sequential net) {
        return ((Conv2d) net.get(4)).weight();
    }

    @Test
    void xavierUsesGainOneOverBothFans() {
        assertUniform(linearWeight(built(mlp("relu"), "xavier-uniform", 1)), 0.09258200997725514);
        assertNormal(linearWeight(built(mlp("relu"), "xavier-normal", 1)), 0.05345224838248488);
        assertUniform(convWeight(built(cnn(), "xavier-uniform", 1)), 0.08333333333333333);
        assertNormal(convWeight(built(cnn(), "xavier-normal", 1)), 0.048112522432468816);
    }

    @Test
    void kaimingUsesTheHiddenActivationsGainOverFanIn() {
        assertUniform(linearWeight(built(mlp("relu"), "kaiming-uniform", 2)), 0.122474487);
        assertNormal(linearWeight(built(mlp("relu"), "kaiming-normal", 2)), 0.070710678);
        assertUniform(linearWeight(built(mlp("leaky-relu:0.2"), "kaiming-uniform", 2)), 0.120096115);
        assertNormal(linearWeight(built(mlp("leaky-relu:0.2"), "kaiming-normal", 2)), 0.069337525);
        assertUniform(linearWeight(built(mlp("tanh"), "kaiming-uniform", 2)), 0.144337567);
        assertNormal(linearWeight(built(mlp("sigmoid"), "kaiming-normal", 2)), 0.050000000);
        // torch's calculate_gain knows neither elu nor gelu: relu's gain
        assertNormal(linearWeight(built(mlp("elu"), "kaiming-normal", 2)), 0.070710678);
        assertUniform(linearWeight(built(mlp("gelu"), "kaiming-uniform", 2)), 0.122474487);
        // the CNN's hidden activation is relu
        assertUniform(convWeight(built(cnn(), "kaiming-uniform", 2)), 0.144337567);
        assertNormal(convWeight(built(cnn(), "kaiming-normal", 2)), 0.083333333);
    }

    @Test
    void theGainIsTheFirstHiddenActivationsAndRelusWithoutOne() {
        assertEquals(Math.sqrt(2), WeightInit.gain(mlp("relu")), 1e-15);
        assertEquals(Math.sqrt(2 / 1.04), WeightInit.gain(mlp("leaky-relu:0.2")), 1e-15);
        assertEquals(5.0 / 3, WeightInit.gain(mlp("tanh")), 1e-15);
        assertEquals(1.0, WeightInit.gain(mlp("sigmoid")), 1e-15);
        // logistic regression: a sigmoid output is not a hidden activation
        assertEquals(Math.sqrt(2), WeightInit.gain(NetworkSpec.mlp(4, new int[0], 1, "tanh", "sigmoid")), 1e-15);
        NetworkSpec file = NetworkSpec.resolve(new int[] {4}, List.of(LayerSpec.of("linear", "out_features", 8),
                LayerSpec.of("dropout", "p", 0.1), LayerSpec.of("tanh"), LayerSpec.of("linear", "out_features", 8),
                LayerSpec.of("relu"), LayerSpec.of("linear", "out_features", 3)), null, "layers");
        assertEquals(5.0 / 3, WeightInit.gain(file), 1e-15);
    }

    @Test
    void normalAndUniformUseTheGivenSpread() {
        assertNormal(linearWeight(built(mlp("relu"), "normal:0.01", 3)), 0.01);
        assertUniform(linearWeight(built(mlp("relu"), "uniform:0.2", 3)), 0.2);
        Sequential net = built(cnn(), "normal:0.5", 3);
        assertNormal(convWeight(net), 0.5);
        assertNormal(((Linear) net.get(10)).weight(), 0.5); // [128, 3136]
    }

    @Test
    void theSameSeedGivesTheSameWeightsAndOnlyWeightsOfLinearAndConvLayersChange() {
        for (String scheme : List.of("xavier-uniform", "xavier-normal", "kaiming-uniform", "kaiming-normal", "normal:0.1",
                "uniform:0.1")) {
            Map<String, Tensor> a = built(cnn(), scheme, 5).stateDict();
            Map<String, Tensor> b = built(cnn(), scheme, 5).stateDict();
            Map<String, Tensor> other = built(cnn(), scheme, 6).stateDict();
            Map<String, Tensor> pytorchDefault = cnn().build(new Generator(5)).stateDict();
            assertEquals(pytorchDefault.keySet(), a.keySet());
            for (String name : a.keySet()) {
                assertArrayEquals(b.get(name).toDoubleArray(), a.get(name).toDoubleArray(), scheme + " " + name);
                boolean weight = List.of("0.weight", "4.weight", "10.weight", "13.weight").contains(name);
                // biases, batch norm's weight and bias, and its running statistics keep PyTorch's defaults
                assertEquals(!weight, java.util.Arrays.equals(pytorchDefault.get(name).toDoubleArray(),
                        a.get(name).toDoubleArray()), scheme + " " + name + " is " + (weight ? "" : "not ") + "drawn again");
                if (weight) {
                    assertFalse(java.util.Arrays.equals(other.get(name).toDoubleArray(), a.get(name).toDoubleArray()),
                            scheme + " " + name + " with another seed");
                }
            }
        }
        // default draws nothing: the weights are the build's, and the generator goes on from where the build left it
        Generator gen = new Generator(5);
        Sequential net = cnn().build(gen);
        long[] state = gen.state();
        WeightInit.parse("default").apply(cnn(), net, gen);
        assertArrayEquals(state, gen.state());
        assertArrayEquals(cnn().build(new Generator(5)).stateDict().get("0.weight").toDoubleArray(),
                net.stateDict().get("0.weight").toDoubleArray());
    }
}
