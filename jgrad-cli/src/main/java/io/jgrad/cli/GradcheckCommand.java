package io.jgrad.cli;

import io.jgrad.nn.spec.NetworkSpec;
import io.jgrad.nn.Activations;
import io.jgrad.nn.Sequential;
import io.jgrad.tensor.DType;
import io.jgrad.tensor.Generator;
import io.jgrad.tensor.GradCheck;
import io.jgrad.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code jgrad gradcheck}: compares backpropagation with finite differences on a configured network. */
@Command(name = "gradcheck",
        mixinStandardHelpOptions = true,
        header = "Check a network's backpropagated gradients against finite differences, in float64.",
        description = {"",
            "Builds a small MLP with the given architecture (Linear layers with the hidden activation between them),",
            "a random batch of standard normal inputs and random targets (class indices for cross-entropy, bce and",
            "bce-logits; standard normal numbers for mse and half-sse), computes every gradient of the loss by",
            "backpropagation, and compares each one with the central difference (E(w + eps) - E(w - eps)) / (2 eps),",
            "eps = 1e-6. A gradient passes when |analytic - numeric| <= 1e-6 + 1e-5 * |numeric| + r (absolute tolerance",
            "1e-6, relative 1e-5, and r = sqrt(n) * 2^-53 * |E| / eps for float64's rounding of the loss E, computed",
            "from n numbers, which the difference magnifies: about 2e-9 for the defaults, 5e-3 for a half-sse loss of",
            "3e4 over --batch 60000). Prints the largest absolute and relative errors, and the worst element: the one",
            "whose error is the largest multiple of its own tolerance (past it when the check failed).", ""},
        footerHeading = "%n",
        footer = {"@|bold EXAMPLES|@",
            "  jgrad gradcheck",
            "  jgrad gradcheck --inputs 4 --layers 5,3 --activation sigmoid --outputs 2 --loss bce-logits",
            "  jgrad gradcheck --inputs 4 --layers 5,3 --activation elu:0.5 --loss mse     regression: one output",
            "",
            "@|bold EXIT STATUS|@",
            "  0 every gradient passed; 1 a gradient failed the check; 2 bad input (a flag): the message says which."})
final class GradcheckCommand implements Callable<Integer> {
    @Option(names = "--inputs", paramLabel = "N", description = "Input features (default: ${DEFAULT-VALUE}).", defaultValue = "6")
    int inputs;

    @Option(names = "--layers", paramLabel = "SIZES", hideParamSyntax = true,
            description = "Hidden layer sizes, comma-separated, e.g. 5,4 (default: 5,4).")
    List<String> layers;

    @Option(names = "--outputs", paramLabel = "N",
            description = "Number of classes (at least 2) for cross-entropy, bce and bce-logits; bce and bce-logits with 2 "
                    + "classes have one output unit (default: 3). Not accepted with mse and half-sse, whose network has one output.")
    Integer outputs;

    @Option(names = "--activation", paramLabel = "NAME", description = "Hidden activation: " + Activations.HIDDEN_NAMES
            + " (default: ${DEFAULT-VALUE}).", defaultValue = "tanh")
    String activation;

    @Option(names = "--output-activation", paramLabel = "NAME", description = "Output activation: " + Activations.OUTPUT_NAMES
            + " (default: sigmoid for --loss bce, else none); softmax needs two or more outputs.")
    String outputActivation;

    @Option(names = "--loss", paramLabel = "NAME", description = "Loss: " + Losses.NAMES + " (default: ${DEFAULT-VALUE}).",
            defaultValue = "cross-entropy")
    String loss;

    @Option(names = "--batch", paramLabel = "N", description = "Samples in the random batch (default: ${DEFAULT-VALUE}).", defaultValue = "4")
    int batch;

    @Option(names = "--seed", paramLabel = "N", description = "Seed of the weights, inputs and targets (default: ${DEFAULT-VALUE}).",
            defaultValue = "1")
    long seed;

    @Override
    public Integer call() {
        Flags.positive("--inputs", inputs);
        Flags.positive("--batch", batch);
        int[] hidden = layers == null ? new int[] {5, 4} : Flags.layers(layers);
        Losses.require(loss); // before the --outputs checks, which depend on the loss's task
        boolean classes = !Losses.task(loss).equals("regression");
        if (!classes && outputs != null) {
            throw new UserError("--outputs: --loss " + loss + " checks a regression network, which has one output; leave --outputs out");
        }
        int numClasses = outputs == null ? 3 : Flags.positive("--outputs", outputs);
        if (classes && numClasses < 2) {
            throw new UserError("--outputs must be at least 2 classes for --loss " + loss + ", got " + numClasses);
        }
        Objective obj = Objective.of(loss, classes ? numClasses : 0);
        NetworkSpec spec;
        try {
            spec = NetworkSpec.mlp(inputs, hidden, obj.outputSize(), activation, Losses.outputActivation(loss, outputActivation));
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage());
        }
        // as 'jgrad train' refuses it (ModelChoice.spec): the network is constant, so the check would compare zeros
        if (obj.outputSize() == 1 && spec.outputActivation().equals("softmax")) {
            throw new UserError("--output-activation softmax: a softmax over the network's one output is always 1, whatever"
                    + " the input, so every gradient is exactly 0 and the check would pass without checking anything; use"
                    + " sigmoid or none with --loss " + loss);
        }
        for (int i = 0; i < spec.layers().size(); i++) {
            MemoryEstimate.checkTensorSize(spec, i, "use smaller --inputs, --layers or --outputs");
        }
        Generator gen = new Generator(seed);
        Sequential net = spec.build(gen);
        net.to(DType.FLOAT64);
        Tensor x = Tensor.normal(DType.FLOAT64, gen, 0, 1, batch, inputs);
        float[] t = new float[batch];
        for (int i = 0; i < batch; i++) {
            t[i] = classes ? gen.nextInt(numClasses) : (float) gen.nextGaussian();
        }
        Tensor target = Tensor.of(t).to(DType.FLOAT64);
        List<Tensor> vars = new ArrayList<>(net.namedParameters().values());
        GradCheck.Result r = GradCheck.check(() -> obj.loss().forward(net.forward(x), target), vars.toArray(new Tensor[0]));
        System.out.printf("network   %s, %s loss, batch %d, %,d parameters%n", spec.describe(), loss, batch, net.parameterCount());
        System.out.println(r);
        List<String> names = new ArrayList<>(net.namedParameters().keySet());
        System.out.println("variables " + String.join(", ", names) + " (in that order)");
        return r.passed() ? 0 : 1;
    }
}
