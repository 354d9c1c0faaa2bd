package io.jgrad.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.jgrad.tensor.DType;
import io.jgrad.tensor.Generator;
import io.jgrad.tensor.Tensor;
import io.jgrad.testing.PyTorch;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bounds and standard deviations of {@link Init}'s schemes, and of Linear's and Conv2d's default
 * initialisation, against PyTorch 1.13's {@code torch.nn.init}: the Python side replaces
 * {@code Tensor.uniform_} and {@code Tensor.normal_} by recorders, so PyTorch reports the exact (a, b) or
 * (mean, std) it would draw from; the Java side replays the seeded {@link Generator} and checks that every value
 * is a + (b - a) u_i or mean + std z_i for those numbers. Covers every nonlinearity's gain, FAN_IN and FAN_OUT,
 * and 2-d, 3-d and 4-d (conv) weights.
 */
class InitTorchParityTest {
    static final int[][] SHAPES = {{5, 7}, {16, 3, 5, 5}, {4, 6, 3}};
    static final String[][] NONLINEARITIES = {{"leaky_relu", "0"}, {"leaky_relu", "0.2"}, {"leaky_relu", "sqrt5"},
            {"relu", "0"}, {"tanh", "0"}, {"selu", "0"}, {"linear", "0"}, {"sigmoid", "0"}, {"conv2d", "0"}};
    static final double[] GAINS = {1, 5.0 / 3, Math.sqrt(2)};

    /** One initialisation: how PyTorch calls it, and how jgrad does it to a float64 tensor. */
    record Case(String torch, int[] shape, boolean uniform, Function<Tensor, Tensor> init) {}

    /** A layer built by both libraries; the weight then the bias are drawn from U(-b, b). */
    record Layer(String torch, Function<Generator, Module> make) {}

    static final List<Case> CASES = new ArrayList<>();
    static final List<Layer> LAYERS = List.of(
            new Layer("nn.Linear(7, 5)", g -> new Linear(7, 5, true, g)),
            new Layer("nn.Linear(1, 3)", g -> new Linear(1, 3, true, g)),
            new Layer("nn.Conv2d(3, 8, 5)", g -> new Conv2d(3, 8, 5, 1, 0, 1, 1, true, g)),
            new Layer("nn.Conv2d(6, 4, 3, groups=2)", g -> new Conv2d(6, 4, 3, 1, 0, 1, 2, true, g)),
            new Layer("nn.Conv2d(4, 4, 1, groups=4)", g -> new Conv2d(4, 4, 1, 1, 0, 1, 4, true, g)));
    static final long SEED = 77;
    static List<double[]> torch;

    static {
        for (int[] shape : SHAPES) {
            String t = "torch.empty(" + Arrays.stream(shape).mapToObj(Integer::toString).collect(Collectors.joining(", ")) + ")";
            for (FanMode mode : FanMode.values()) {
                for (String[] nl : NONLINEARITIES) {
                    double a = nl[1].equals("sqrt5") ? Math.sqrt(5) : Double.parseDouble(nl[1]);
                    String args = t + ", a=" + (nl[1].equals("sqrt5") ? "math.sqrt(5)" : nl[1]) + ", mode='"
                            + mode.name().toLowerCase() + "', nonlinearity='" + nl[0] + "'";
                    CASES.add(new Case("init.kaiming_uniform_(" + args + ")", shape, true,
                            w -> Init.kaimingUniform(w, a, mode, nl[0], new Generator(SEED))));
                    CASES.add(new Case("init.kaiming_normal_(" + args + ")", shape, false,
                            w -> Init.kaimingNormal(w, a, mode, nl[0], new Generator(SEED))));
                }
            }
            for (double gain : GAINS) {
                CASES.add(new Case("init.xavier_uniform_(" + t + ", gain=" + gain + ")", shape, true,
                        w -> Init.xavierUniform(w, gain, new Generator(SEED))));
                CASES.add(new Case("init.xavier_normal_(" + t + ", gain=" + gain + ")", shape, false,
                        w -> Init.xavierNormal(w, gain, new Generator(SEED))));
            }
        }
    }

    @BeforeAll
    static void runTorch(@TempDir Path dir) throws IOException {
        StringBuilder script = new StringBuilder("""
                import math
                from torch import nn
                from torch.nn import init
                d = sys.argv[1]
                out = open(d + '/out.txt.tmp', 'w')
                calls = []
                def uniform_(self, a=0.0, b=1.0, generator=None):
                    calls.append((a, b))
                    return self
                def normal_(self, mean=0.0, std=1.0, generator=None):
                    calls.append((mean, std))
                    return self
                torch.Tensor.uniform_ = uniform_
                torch.Tensor.normal_ = normal_
                def record(make):
                    calls.clear()
                    make()
                    out.write(' '.join(repr(float(x)) for c in calls for x in c) + '\\n')
                """);
        for (Case c : CASES) {
            script.append("record(lambda: ").append(c.torch()).append(")\n");
        }
        for (Layer l : LAYERS) {
            script.append("record(lambda: ").append(l.torch()).append(")\n");
        }
        script.append("out.close()\nimport os\nos.replace(d + '/out.txt.tmp', d + '/out.txt')\n");
        PyTorch.Result r = PyTorch.run(dir, script.toString(), 60);
        assertEquals(0, r.exitCode(), "python failed:\n" + r.output());
        torch = new ArrayList<>();
        for (String line : Files.readAllLines(dir.resolve("out.txt"))) {
            torch.add(Arrays.stream(line.trim().split(" ")).mapToDouble(Double::parseDouble).toArray());
        }
    }

    /** Checks values[from, from + n) against a + (b - a) u (uniform) or a + b z (normal), u and z replayed from gen. */
    private static void assertDrawn(double[] values, int from, int n, boolean uniform, double a, double b, Generator gen,
            double rel, String what) {
        double scale = uniform ? Math.max(Math.abs(a), Math.abs(b)) : b;
        for (int i = from; i < from + n; i++) {
            double expected = uniform ? a + (b - a) * gen.nextDouble() : a + b * gen.nextGaussian();
            assertEquals(expected, values[i], rel * scale, what + ": element " + (i - from) + " (torch draws from "
                    + (uniform ? "U(" : "N(") + a + ", " + b + "))");
        }
    }

    @Test
    void schemesDrawFromTorchsBoundsAndStds() {
        for (int k = 0; k < CASES.size(); k++) {
            Case c = CASES.get(k);
            double[] want = torch.get(k);
            assertEquals(2, want.length, c.torch());
            Tensor w = c.init().apply(Tensor.zeros(DType.FLOAT64, c.shape()));
            assertDrawn(w.toDoubleArray(), 0, w.numel(), c.uniform(), want[0], want[1], new Generator(SEED), 1e-14, c.torch());
        }
    }

    @Test
    void linearAndConv2dDefaultsDrawFromTorchsBounds() {
        for (int k = 0; k < LAYERS.size(); k++) {
            Layer l = LAYERS.get(k);
            double[] want = torch.get(CASES.size() + k); // weight (a, b), then bias (a, b)
            assertEquals(4, want.length, l.torch());
            Module m = l.make().apply(new Generator(SEED));
            Tensor weight = m.param("weight"), bias = m.param("bias");
            Generator replay = new Generator(SEED);
            // float32 parameters: each value is rounded once from the double a + (b - a) u
            assertDrawn(weight.toDoubleArray(), 0, weight.numel(), true, want[0], want[1], replay, 1e-7, l.torch() + " weight");
            assertDrawn(bias.toDoubleArray(), 0, bias.numel(), true, want[2], want[3], replay, 1e-7, l.torch() + " bias");
        }
    }
}
