package io.jgrad.cli;

import io.jgrad.nn.Activations;
import io.jgrad.nn.CrossEntropyLoss;
import io.jgrad.nn.FanMode;
import io.jgrad.nn.Init;
import io.jgrad.nn.Linear;
import io.jgrad.nn.Sequential;
import io.jgrad.tensor.DType;
import io.jgrad.tensor.Generator;
import io.jgrad.tensor.Tensor;
import io.jgrad.train.GradientNorms;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Deep MLPs of the same shape, differing only in the hidden activation and the initialization, on one batch: the L2
 * norm of each Linear weight's gradient after one backward pass, layer by layer, and what the numbers say. The batch is
 * drawn from the seed rather than read from MNIST: the effect belongs to the network's backward pass, not to the data,
 * and the example then runs anywhere, in milliseconds.
 */
@Command(name = "vanishing-gradients",
        mixinStandardHelpOptions = true,
        header = "Deep sigmoid, tanh and ReLU networks side by side: the gradient norm of every layer after one backward pass.",
        description = {
            "",
            "Builds networks of DEPTH hidden layers of WIDTH units, Linear(WIDTH, WIDTH) and an activation each, with a",
            "Linear(WIDTH, 10) on top, in float64:",
            "    sigmoid          PyTorch's default init, W ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)), as jgrad's Linear",
            "    tanh             the same weights",
            "    relu             the same weights",
            "    sigmoid-xavier   Xavier (Glorot) uniform weights, W ~ U(-a, a), a = sqrt(6 / (fan_in + fan_out)),",
            "                     biases 0",
            "    relu-kaiming     Kaiming (He) normal weights for ReLU, W ~ N(0, 2 / fan_in), biases 0",
            "On one batch of SAMPLES rows (WIDTH standard-normal inputs each, class labels 0-9 drawn uniformly from",
            "the seed), it computes the cross-entropy loss and its backward pass, and prints the L2 norm ||dL/dW|| of",
            "each Linear weight's gradient, layer 1 nearest the input, as 'jgrad train --grad-norms' measures it.",
            "The inputs are drawn, not read from a data set: the effect belongs to the backward pass, and the example",
            "then runs anywhere, at the defaults in well under a second.",
            "",
            "Backpropagation multiplies the gradient dL/dz of a Linear's output, on its way from layer k+1 back to",
            "layer k, by W(k+1)^T and by the activation's derivative at layer k: by about sqrt(WIDTH) * rms(W) *",
            "rms(derivative) per layer. The sigmoid's derivative s(1 - s) is at most 1/4, so through a deep sigmoid",
            "network the gradient shrinks geometrically and the first layers learn almost nothing. ReLU's derivative",
            "is 1 on the active units, about half, and 0 on the others; Kaiming init's weights, with a gain of about",
            "sqrt(2) against the default init's sqrt(1/3), make up for that: a factor near 1 per layer. Under the table,",
            "the command states from its own numbers how far apart the layers are, and both factors of each layer.",
            ""},
        footerHeading = "%n",
        footer = {
            "@|bold EXAMPLES|@",
            "  jgrad example vanishing-gradients",
            "  jgrad example vanishing-gradients --depth 20 --width 64",
            "  jgrad example vanishing-gradients --seed 7 --samples 256",
            "",
            "@|bold EXIT STATUS|@",
            "  0 printed; 1 internal error; 2 a bad flag value (the message names the flag)."})
final class VanishingGradientsCommand implements Callable<Integer> {
    /** The classes of the labels, and the outputs of the last layer. */
    static final int CLASSES = 10;
    /** The width of the explanation's lines. */
    private static final int COLUMNS = 110;
    static final int MAX_DEPTH = 100, MAX_WIDTH = 256, MAX_SAMPLES = 1000;

    /** How a network's weights are drawn: by Linear's constructor (PyTorch's default), or redrawn by Xavier or Kaiming init. */
    enum Weights { DEFAULT, XAVIER, KAIMING }

    /** A network of the comparison: its column heading, hidden activation and weights. */
    record Network(String name, String activation, Weights weights) {}

    static final List<Network> NETWORKS = List.of(new Network("sigmoid", "sigmoid", Weights.DEFAULT),
            new Network("tanh", "tanh", Weights.DEFAULT), new Network("relu", "relu", Weights.DEFAULT),
            new Network("sigmoid-xavier", "sigmoid", Weights.XAVIER), new Network("relu-kaiming", "relu", Weights.KAIMING));

    @Option(names = "--depth", paramLabel = "N", description = "Hidden layers, 2 to " + MAX_DEPTH + " (default: ${DEFAULT-VALUE}).",
            defaultValue = "10")
    int depth;

    @Option(names = "--width", paramLabel = "N", description = "Units per hidden layer, and inputs per row, 1 to " + MAX_WIDTH
            + " (default: ${DEFAULT-VALUE}).", defaultValue = "32")
    int width;

    @Option(names = "--samples", paramLabel = "N", description = "Rows of the batch, 1 to " + MAX_SAMPLES + " (default: ${DEFAULT-VALUE}).",
            defaultValue = "64")
    int samples;

    @Option(names = "--seed", paramLabel = "N", description = "Seed of the batch and the weights: the same seed prints the same"
            + " numbers (default: ${DEFAULT-VALUE}).", defaultValue = "42")
    long seed;

    /**
     * What one network's backward pass showed: the loss, ||dL/dW|| of each Linear weight (first to last), the rms of the
     * activation's derivative over every hidden unit and row, the gain sqrt(width) * rms(W) of the hidden weights after
     * the first, and the mean factor per layer by which ||dL/dz|| (z a hidden Linear's output) shrank from the last hidden
     * layer back to the first: the (depth - 1)th root of their ratio.
     */
    record Measured(Network network, double loss, double[] norms, double rmsDerivative, double gain, double dzFactor) {}

    @Override
    public Integer call() {
        within("--depth", depth, 2, MAX_DEPTH);
        within("--width", width, 1, MAX_WIDTH);
        within("--samples", samples, 1, MAX_SAMPLES);
        Tensor[] batch = batch(seed, samples, width);
        List<Measured> measured = new ArrayList<>();
        for (Network n : NETWORKS) {
            measured.add(measure(n, build(n, depth, width, seed), batch[0], batch[1]));
        }
        PrintStream out = System.out;
        printTable(out, measured);
        printExplanation(out, measured);
        return 0;
    }

    private static void within(String flag, long v, long min, long max) {
        if (v < min || v > max) {
            throw new UserError(flag + " must be from " + min + " to " + max + ", got " + v);
        }
    }

    /**
     * The batch of the seed: x [samples, width] standard normal, then one label per row uniform in 0..9, drawn in that
     * order from {@code new Generator(seed)}. Returns {x, labels} in float64.
     */
    static Tensor[] batch(long seed, int samples, int width) {
        Generator gen = new Generator(seed);
        Tensor x = Tensor.normal(DType.FLOAT64, gen, 0, 1, samples, width);
        double[] labels = new double[samples];
        for (int i = 0; i < samples; i++) {
            labels[i] = gen.nextInt(CLASSES);
        }
        return new Tensor[] {x, Tensor.of(labels, samples)};
    }

    /**
     * The network {@code n}: Linear(width, width) and the activation, depth times, then Linear(width, 10), each Linear
     * drawn by its constructor from {@code new Generator(seed + 1)} in that order (another stream than the batch's, so
     * that the first layer's weights are not the inputs' draws), so all networks with the default weights share them.
     * With Xavier (uniform, gain 1) or Kaiming (normal, fan_in, gain sqrt(2) for ReLU) init, each weight is then
     * redrawn, first layer first, from the same generator, and each bias set to 0. Converted to float64.
     */
    static Sequential build(Network n, int depth, int width, long seed) {
        Generator gen = new Generator(seed + 1);
        Sequential net = new Sequential();
        List<Linear> linears = new ArrayList<>();
        for (int i = 0; i < depth; i++) {
            linears.add(new Linear(width, width, true, gen));
            net.add(linears.getLast());
            net.add(Activations.hidden(n.activation()));
        }
        linears.add(new Linear(width, CLASSES, true, gen));
        net.add(linears.getLast());
        if (n.weights() != Weights.DEFAULT) {
            for (Linear l : linears) {
                if (n.weights() == Weights.XAVIER) {
                    Init.xavierUniform(l.weight(), 1.0, gen);
                } else {
                    Init.kaimingNormal(l.weight(), 0, FanMode.FAN_IN, "relu", gen);
                }
                Init.zeros(l.bias());
            }
        }
        net.to(DType.FLOAT64);
        return net;
    }

    /** The weights' names (0.weight, 2.weight, ...), first layer to last. */
    private static List<String> weightNames(Sequential net) {
        return net.namedParameters().keySet().stream().filter(k -> k.endsWith("weight")).toList();
    }

    /**
     * One forward and backward pass of the mean cross-entropy loss, the gradient norms by {@link GradientNorms} (one
     * step: its means are the norms), and the numbers of {@link Measured}: the hidden weights after the first are those
     * the gradient passes back through between the last hidden layer and the first. Modified: the parameters'
     * gradients.
     */
    private Measured measure(Network n, Sequential net, Tensor x, Tensor labels) {
        double derivativeSquares = 0;
        long units = 0;
        Tensor h = x;
        List<Tensor> zs = new ArrayList<>();
        for (int i = 0; i < net.size(); i++) {
            h = net.get(i).forward(h);
            if (i % 2 == 0) { // a Linear's output z, whose gradient is the one backpropagation carries
                zs.add(h.retainGrad());
            } else { // an activation's output a: its derivative is a function of a
                for (double a : h.toDoubleArray()) {
                    double d = switch (n.activation()) {
                        case "sigmoid" -> a * (1 - a);
                        case "tanh" -> 1 - a * a;
                        default -> a > 0 ? 1 : 0;
                    };
                    derivativeSquares += d * d;
                    units++;
                }
            }
        }
        Tensor loss = new CrossEntropyLoss().forward(h, labels);
        loss.backward();
        double[] dz = zs.stream().mapToDouble(z -> z.grad().l2Norm()).toArray();
        Map<String, Tensor> params = net.namedParameters();
        List<String> names = weightNames(net);
        GradientNorms norms = new GradientNorms(names);
        norms.addStep(names.stream().map(params::get).toList());
        double squares = 0;
        long count = 0;
        for (int layer = 1; layer < depth; layer++) {
            for (double w : params.get(names.get(layer)).toDoubleArray()) {
                squares += w * w;
                count++;
            }
        }
        return new Measured(n, loss.item(), norms.means().values().stream().mapToDouble(Double::doubleValue).toArray(),
                Math.sqrt(derivativeSquares / units), Math.sqrt(width * squares / count), Math.pow(dz[0] / dz[depth - 1], 1.0 / (depth - 1)));
    }

    private void printTable(PrintStream out, List<Measured> measured) {
        wrap(out, "", String.format("%d networks of %d hidden layers of %d units and a Linear(%d, %d) on top, in float64; one batch"
                + " of %d rows (%d standard-normal inputs each, labels 0-9 drawn uniformly; --seed %d); the cross-entropy loss"
                + " and one backward pass.", measured.size(), depth, width, width, CLASSES, samples, width, seed));
        out.println();
        // the labels' column fits the longest label, the output layer's, so that its numbers line up with the others
        String labels = "%-" + (label(depth).length() + 2) + "s";
        StringBuilder head = new StringBuilder(String.format(labels, "network"));
        StringBuilder loss = new StringBuilder(String.format(labels, "loss"));
        for (Measured m : measured) {
            head.append(String.format("%16s", m.network().name()));
            loss.append(String.format("%16s", fixed(m.loss())));
        }
        out.println(head);
        out.println(loss);
        out.println();
        out.println("||dL/dW||, the L2 norm of each Linear weight's gradient (layer 1 nearest the input):");
        out.println(head);
        for (int layer = 0; layer <= depth; layer++) {
            StringBuilder row = new StringBuilder(String.format(labels, label(layer)));
            for (Measured m : measured) {
                row.append(String.format(Locale.ROOT, "%16.3e", m.norms()[layer]));
            }
            out.println(row);
        }
    }

    /** The table's label of Linear {@code layer} (0 nearest the input): its number from 1 and its weight's name. */
    private String label(int layer) {
        return "layer " + (layer + 1) + " (" + 2 * layer + ".weight)" + (layer == depth ? " out" : "");
    }

    /**
     * The sentences under the table, each from the numbers above it: how many times smaller layer 1's weight gradient is
     * than the last hidden layer's; the mean factor by which ||dL/dz|| shrank per layer on the way back; and the two
     * factors backpropagation multiplies it by at each layer, the activation's derivative and the weights, whose
     * product estimates that factor.
     */
    private void printExplanation(PrintStream out, List<Measured> measured) {
        out.println();
        wrap(out, "", "What the numbers show. Going back from layer k+1 to layer k, the gradient dL/dz of a Linear's output z is"
                + " multiplied by W(k+1)^T and by the activation's derivative at layer k; a layer's dL/dW is its dL/dz times"
                + " its input.");
        for (Measured m : measured) {
            double first = m.norms()[0], last = m.norms()[depth - 1];
            String name = m.network().name();
            if (!(first > 0) || !(last > 0)) {
                wrap(out, "  ", String.format("%s: layer 1's gradient norm is %s and layer %d's %s: no ratio to state.", name,
                        sci(first), depth, sci(last)));
                continue;
            }
            double ratio = last / first;
            wrap(out, "  ", String.format("%s: layer 1's weight gradient is %s times %s than layer %d's; dL/dz was scaled by a"
                    + " factor of %s per layer on average from layer %d back to layer 1.", name, sci(ratio >= 1 ? ratio : 1 / ratio),
                    ratio >= 1 ? "smaller" : "larger", depth, fixed(m.dzFactor()), depth));
            String derivative = switch (m.network().activation()) {
                case "sigmoid" -> "the sigmoid's derivative s(1 - s) is at most 1/4 (its rms here: " + fixed(m.rmsDerivative()) + ")";
                case "tanh" -> "tanh's derivative 1 - tanh^2 is at most 1 (its rms here: " + fixed(m.rmsDerivative()) + ")";
                default -> String.format(Locale.ROOT, "ReLU's derivative is 1 on the %.1f%% of units that are active and 0 on"
                        + " the others (its rms: %s)", 100 * m.rmsDerivative() * m.rmsDerivative(), fixed(m.rmsDerivative()));
            };
            wrap(out, "    ", String.format("Each layer: %s, and W scales a vector by about sqrt(%d) * rms(W) = %s, so the"
                    + " factor is about %s * %s = %s.%s", derivative, width, fixed(m.gain()), fixed(m.rmsDerivative()),
                    fixed(m.gain()), fixed(m.gain() * m.rmsDerivative()), switch (m.network().weights()) {
                        case DEFAULT, XAVIER -> "";
                        case KAIMING -> " Kaiming init draws W with variance 2 / fan_in, for a gain of about sqrt(2) ="
                                + " 1.4142, to make up for the units ReLU zeroes: with half of them active, the derivative's"
                                + " rms is sqrt(1/2) = 0.7071 and the product 1.";
                    }));
        }
        Measured sigmoid = measured.getFirst();
        double least = sigmoid.norms()[0];
        for (Measured m : measured.subList(1, measured.size())) {
            if (least > 0 && m.norms()[0] > 0) {
                wrap(out, "  ", String.format("Layer 1 of %s gets %s times the gradient that layer 1 of %s gets.",
                        m.network().name(), sci(m.norms()[0] / least), sigmoid.network().name()));
            }
        }
    }

    /** Prints {@code text} in lines of at most {@link #COLUMNS} characters, the first after {@code indent}, the others two further in. */
    private static void wrap(PrintStream out, String indent, String text) {
        StringBuilder line = new StringBuilder(indent);
        for (String word : text.split(" ")) {
            if (line.length() > indent.length() && line.length() + 1 + word.length() > COLUMNS) {
                out.println(line);
                line = new StringBuilder(indent + "  ");
            } else if (!line.toString().isBlank()) {
                line.append(' ');
            }
            line.append(word);
        }
        out.println(line);
    }

    /** Four decimals: losses, factors and fractions, all of order 1. */
    private static String fixed(double v) {
        return String.format(Locale.ROOT, "%.4f", v);
    }

    /** Three significant digits, in scientific notation from 1000 on: ratios that may span many decades. */
    private static String sci(double v) {
        return String.format(Locale.ROOT, v >= 1000 ? "%.2e" : "%.3g", v);
    }
}
