package io.jgrad.cli;

import static org.junit.jupiter.api.Assertions.*;

import io.jgrad.nn.FanMode;
import io.jgrad.nn.Init;
import io.jgrad.nn.Linear;
import io.jgrad.tensor.DType;
import io.jgrad.tensor.Generator;
import io.jgrad.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class VanishingGradientsCommandTest {
    private static final String[] NETWORKS = {"sigmoid", "tanh", "relu", "sigmoid-xavier", "relu-kaiming"};

    /**
     * One network's numbers, recomputed by hand in float64 loops: the loss, ||dL/dW|| and ||dL/dz|| of each Linear, the
     * rms of the activation's derivative over the hidden units, and sqrt(width) * rms(W) over hidden layers 2 to depth.
     */
    private record Expected(double loss, double[] weightNorms, double[] zNorms, double rmsDerivative, double gain) {}

    /**
     * The command's recipe as its help and javadoc state it, drawn through the library's Linear, Init and Generator,
     * then a forward and backward pass written out here: z = a W^T + b, the activation, softmax cross-entropy averaged
     * over the rows (dL/dlogits = (p - onehot) / n), dL/dW = dL/dz^T a, dL/da = dL/dz W.
     */
    private static Expected recompute(String network, int depth, int width, int samples, long seed) {
        Generator data = new Generator(seed);
        double[] x = Tensor.normal(DType.FLOAT64, data, 0, 1, samples, width).toDoubleArray();
        int[] labels = new int[samples];
        for (int i = 0; i < samples; i++) {
            labels[i] = data.nextInt(10);
        }
        Generator gen = new Generator(seed + 1);
        List<Linear> layers = new ArrayList<>();
        for (int i = 0; i < depth; i++) {
            layers.add(new Linear(width, width, true, gen));
        }
        layers.add(new Linear(width, 10, true, gen));
        if (network.equals("sigmoid-xavier")) {
            for (Linear l : layers) {
                Init.xavierUniform(l.weight(), 1.0, gen);
                Init.zeros(l.bias());
            }
        }
        if (network.equals("relu-kaiming")) { // He et al.: N(0, 2 / fan_in), drawn here without Init's gain
            for (Linear l : layers) {
                Init.normal(l.weight(), 0, Math.sqrt(2.0 / l.inFeatures()), gen);
                Init.zeros(l.bias());
            }
        }
        String act = act(network);
        int n = layers.size();
        double[][] a = new double[n + 1][], z = new double[n][], w = new double[n][], b = new double[n][];
        int[] in = new int[n], out = new int[n];
        a[0] = x;
        for (int l = 0; l < n; l++) {
            w[l] = layers.get(l).weight().toDoubleArray();
            b[l] = layers.get(l).bias().toDoubleArray();
            in[l] = layers.get(l).inFeatures();
            out[l] = layers.get(l).outFeatures();
            z[l] = new double[samples * out[l]];
            a[l + 1] = new double[samples * out[l]];
            for (int r = 0; r < samples; r++) {
                for (int o = 0; o < out[l]; o++) {
                    double s = b[l][o];
                    for (int k = 0; k < in[l]; k++) {
                        s += a[l][r * in[l] + k] * w[l][o * in[l] + k];
                    }
                    z[l][r * out[l] + o] = s;
                    a[l + 1][r * out[l] + o] = l == n - 1 ? s : switch (act) {
                        case "sigmoid" -> 1 / (1 + Math.exp(-s));
                        case "tanh" -> Math.tanh(s);
                        default -> Math.max(0, s);
                    };
                }
            }
        }
        double derivativeSquares = 0;
        int units = 0;
        for (int l = 0; l < depth; l++) {
            for (int i = 0; i < z[l].length; i++) {
                double d = switch (act) {
                    case "sigmoid" -> Math.exp(-z[l][i]) / Math.pow(1 + Math.exp(-z[l][i]), 2);
                    case "tanh" -> 1 / Math.pow(Math.cosh(z[l][i]), 2);
                    default -> z[l][i] > 0 ? 1 : 0;
                };
                derivativeSquares += d * d;
                units++;
            }
        }
        double weightSquares = 0;
        int weights = 0;
        for (int l = 1; l < depth; l++) {
            weightSquares += norm(w[l]) * norm(w[l]);
            weights += w[l].length;
        }
        double loss = 0;
        double[] dz = new double[samples * 10];
        for (int r = 0; r < samples; r++) {
            double max = Double.NEGATIVE_INFINITY, sum = 0;
            for (int c = 0; c < 10; c++) {
                max = Math.max(max, z[n - 1][r * 10 + c]);
            }
            for (int c = 0; c < 10; c++) {
                sum += Math.exp(z[n - 1][r * 10 + c] - max);
            }
            loss += (max + Math.log(sum) - z[n - 1][r * 10 + labels[r]]) / samples;
            for (int c = 0; c < 10; c++) {
                dz[r * 10 + c] = (Math.exp(z[n - 1][r * 10 + c] - max) / sum - (c == labels[r] ? 1 : 0)) / samples;
            }
        }
        double[] weightNorms = new double[n], zNorms = new double[n];
        for (int l = n - 1; l >= 0; l--) {
            zNorms[l] = norm(dz);
            double[] dw = new double[out[l] * in[l]];
            double[] da = new double[samples * in[l]];
            for (int r = 0; r < samples; r++) {
                for (int o = 0; o < out[l]; o++) {
                    for (int k = 0; k < in[l]; k++) {
                        dw[o * in[l] + k] += dz[r * out[l] + o] * a[l][r * in[l] + k];
                        da[r * in[l] + k] += dz[r * out[l] + o] * w[l][o * in[l] + k];
                    }
                }
            }
            weightNorms[l] = norm(dw);
            if (l > 0) {
                for (int i = 0; i < da.length; i++) {
                    double y = a[l][i];
                    da[i] *= switch (act) {
                        case "sigmoid" -> y * (1 - y);
                        case "tanh" -> 1 - y * y;
                        default -> z[l - 1][i] > 0 ? 1 : 0;
                    };
                }
                dz = da;
            }
        }
        return new Expected(loss, weightNorms, zNorms, Math.sqrt(derivativeSquares / units), Math.sqrt(width * weightSquares / weights));
    }

    /** The hidden activation of a network: its name up to the init's. */
    private static String act(String network) {
        return network.replaceFirst("-.*", "");
    }

    private static double norm(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x * x;
        }
        return Math.sqrt(s);
    }

    /** The four numbers of the table's row that starts with {@code label}. */
    private static double[] row(String out, String label) {
        String line = out.lines().filter(l -> l.startsWith(label)).findFirst().orElseThrow(() -> new AssertionError(label + " in\n" + out));
        String[] f = line.trim().split("\\s+");
        double[] v = new double[NETWORKS.length];
        for (int i = 0; i < v.length; i++) {
            v[i] = Double.parseDouble(f[f.length - NETWORKS.length + i]);
        }
        return v;
    }

    @Test
    void theTableAndTheSentencesHoldTheNumbersOfAnIndependentFloat64Recomputation() {
        int depth = 4, width = 6, samples = 5;
        long seed = 7;
        Cli r = Cli.ok("example", "vanishing-gradients", "--depth", "" + depth, "--width", "" + width, "--samples", "" + samples,
                "--seed", "" + seed);
        String flat = r.out().replaceAll("\\s+", " ");
        double[] losses = row(r.out(), "loss ");
        Expected sigmoid = recompute("sigmoid", depth, width, samples, seed);
        for (int k = 0; k < NETWORKS.length; k++) {
            Expected e = recompute(NETWORKS[k], depth, width, samples, seed);
            assertEquals(e.loss(), losses[k], 5e-5, NETWORKS[k] + " loss in\n" + r.out());
            for (int l = 0; l <= depth; l++) {
                double printed = row(r.out(), "layer " + (l + 1) + " (" + 2 * l + ".weight)")[k];
                // %.3e: four significant digits, a relative error of at most 5e-4
                assertEquals(e.weightNorms()[l], printed, 5.01e-4 * e.weightNorms()[l], NETWORKS[k] + " layer " + (l + 1) + " in\n" + r.out());
            }
            double ratio = e.weightNorms()[depth - 1] / e.weightNorms()[0];
            Matcher m = Pattern.compile(Pattern.quote(NETWORKS[k]) + ": layer 1's weight gradient is (\\S+) times (smaller|larger) than layer "
                    + depth + "'s; dL/dz was scaled by a factor of (\\S+) per layer").matcher(flat);
            assertTrue(m.find(), NETWORKS[k] + " in\n" + r.out());
            assertEquals(ratio >= 1 ? "smaller" : "larger", m.group(2));
            double stated = Double.parseDouble(m.group(1));
            assertEquals(ratio >= 1 ? ratio : 1 / ratio, stated, 5e-3 * stated, NETWORKS[k] + " ratio in\n" + r.out());
            double factor = Math.pow(e.zNorms()[0] / e.zNorms()[depth - 1], 1.0 / (depth - 1));
            assertEquals(factor, Double.parseDouble(m.group(3)), 5.01e-5, NETWORKS[k] + " factor in\n" + r.out());
            Matcher why = Pattern.compile("\\(its rms(?: here)?: (\\S+)\\), and W scales a vector by about sqrt\\(" + width
                    + "\\) \\* rms\\(W\\) = (\\S+), so the factor is about (\\S+) \\* (\\S+) = (\\S+)\\.").matcher(flat.substring(m.end()));
            assertTrue(why.find(), NETWORKS[k] + " in\n" + r.out());
            assertEquals(e.rmsDerivative(), Double.parseDouble(why.group(1)), 5.01e-5, NETWORKS[k] + " derivative in\n" + r.out());
            assertEquals(e.gain(), Double.parseDouble(why.group(2)), 5.01e-5, NETWORKS[k] + " gain in\n" + r.out());
            assertEquals(e.rmsDerivative(), Double.parseDouble(why.group(3)), 5.01e-5, NETWORKS[k] + " derivative in\n" + r.out());
            assertEquals(e.gain(), Double.parseDouble(why.group(4)), 5.01e-5, NETWORKS[k] + " gain in\n" + r.out());
            assertEquals(e.rmsDerivative() * e.gain(), Double.parseDouble(why.group(5)), 5.01e-5, NETWORKS[k] + " product in\n" + r.out());
            if (act(NETWORKS[k]).equals("relu")) { // the derivative is 0 or 1: its mean square is the fraction of active units
                Matcher active = Pattern.compile("ReLU's derivative is 1 on the (\\S+)% of units").matcher(flat.substring(m.end()));
                assertTrue(active.find(), NETWORKS[k] + " in\n" + r.out());
                assertEquals(100 * e.rmsDerivative() * e.rmsDerivative(), Double.parseDouble(active.group(1)), 0.0501,
                        NETWORKS[k] + " active units in\n" + r.out());
            }
            if (k > 0) {
                Matcher gets = Pattern.compile("Layer 1 of " + Pattern.quote(NETWORKS[k]) + " gets (\\S+) times the gradient that layer 1"
                        + " of sigmoid gets\\.").matcher(flat);
                assertTrue(gets.find(), NETWORKS[k] + " in\n" + r.out());
                double times = e.weightNorms()[0] / sigmoid.weightNorms()[0];
                // %.3g or %.2e: three significant digits
                assertEquals(times, Double.parseDouble(gets.group(1)), 5.01e-3 * times, NETWORKS[k] + " against sigmoid in\n" + r.out());
            }
        }
    }

    /**
     * The defaults show the effect: the sigmoid network's first layer gets far less gradient than its tenth, and than the
     * other networks' first; ReLU's gradient vanishes too with the default init, but not with Kaiming's.
     */
    @Test
    void byDefaultTheSigmoidNetworksFirstLayerGetsTheLeastGradient() {
        Cli r = Cli.ok("example", "vanishing-gradients");
        double[] first = row(r.out(), "layer 1 (0.weight)"), tenth = row(r.out(), "layer 10 (18.weight)");
        assertTrue(first[0] * 1e4 < tenth[0], r.out());
        for (int k = 1; k < NETWORKS.length; k++) {
            assertTrue(first[0] < first[k], NETWORKS[k] + " in\n" + r.out());
        }
        int relu = List.of(NETWORKS).indexOf("relu"), kaiming = List.of(NETWORKS).indexOf("relu-kaiming");
        assertTrue(first[relu] * 100 < tenth[relu], r.out());
        assertTrue(first[kaiming] * 10 > tenth[kaiming] && first[kaiming] < 10 * tenth[kaiming], r.out());
        assertTrue(r.out().contains("the sigmoid's derivative s(1 - s) is at most 1/4"), r.out());
        assertTrue(r.out().replaceAll("\\s+", " ").contains("Kaiming init draws W with variance 2 / fan_in, for a gain of about"
                + " sqrt(2) = 1.4142, to make up for the units ReLU zeroes"), r.out());
        assertTrue(r.out().lines().noneMatch(l -> l.length() > 110), r.out());
    }

    @Test
    void theSeedMakesTheOutputDeterministic() {
        String[] flags = {"example", "vanishing-gradients", "--depth", "3", "--width", "8", "--samples", "10", "--seed", "3"};
        Cli a = Cli.ok(flags), b = Cli.ok(flags);
        assertEquals(a.out(), b.out());
        Cli other = Cli.ok("example", "vanishing-gradients", "--depth", "3", "--width", "8", "--samples", "10", "--seed", "4");
        assertNotEquals(row(a.out(), "layer 1 (0.weight)")[0], row(other.out(), "layer 1 (0.weight)")[0]);
    }

    @Test
    void badFlagsAreRefusedNamingTheFlag() {
        String[] cmd = {"example", "vanishing-gradients"};
        Cli.run(cat(cmd, "--depth", "1")).assertUserError("--depth must be from 2 to 100, got 1");
        Cli.run(cat(cmd, "--depth", "101")).assertUserError("--depth must be from 2 to 100, got 101");
        Cli.run(cat(cmd, "--width", "0")).assertUserError("--width must be from 1 to 256, got 0");
        Cli.run(cat(cmd, "--width", "257")).assertUserError("--width must be from 1 to 256, got 257");
        Cli.run(cat(cmd, "--samples", "0")).assertUserError("--samples must be from 1 to 1000, got 0");
        Cli.run(cat(cmd, "--samples", "1001")).assertUserError("--samples must be from 1 to 1000, got 1001");
        Cli.run(cat(cmd, "--seed", "x")).assertUserError("jgrad example vanishing-gradients: ", "--seed");
        Cli r = Cli.run(cat(cmd, "--depth", "1"));
        assertEquals("", r.out(), "nothing printed before the refusal");
    }

    @Test
    void itsHelpIsAManPageAndTheExamplesListIt() {
        Cli help = Cli.ok("help", "example", "vanishing-gradients");
        assertEquals(Cli.ok("example", "vanishing-gradients", "--help").out(), help.out());
        assertTrue(help.out().startsWith("Deep sigmoid, tanh and ReLU networks side by side"), help.out());
        for (String s : List.of("--depth=N", "--width=N", "--samples=N", "--seed=N", "EXAMPLES", "EXIT STATUS",
                "jgrad example vanishing-gradients --depth 20 --width 64", "s(1 - s) is at most 1/4", "relu-kaiming     Kaiming (He) normal weights for ReLU, W ~ N(0, 2 / fan_in), biases 0")) {
            assertTrue(help.out().contains(s), () -> s + " in\n" + help.out());
        }
        String examples = Cli.ok("example", "--help").out();
        assertTrue(examples.lines().anyMatch(l -> l.strip().equals("jgrad example vanishing-gradients")), examples);
    }

    private static String[] cat(String[] a, String... b) {
        String[] all = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }
}
