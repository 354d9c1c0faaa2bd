package io.jgrad.cli;

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
            "Builds a small network with the given architecture, a random batch and random targets, computes every",
            "gradient of the loss by backpropagation, and compares each one with the central difference",
            "(E(w + eps) - E(w - eps)) / (2 eps). Prints the worst error and where it is; exits 1 if a gradient is off.", ""},
        footerHeading = "%n",
        footer = {"@|bold EXAMPLES|@", "  jgrad gradcheck", "  jgrad gradcheck --inputs 4 --layers 5,3 --activation tanh --outputs 2 --loss mse"})
final class GradcheckCommand implements Callable<Integer> {
    @Option(names = "--inputs", description = "Input size (default: ${DEFAULT-VALUE}).", defaultValue = "6")
    int inputs;

    @Option(names = "--layers", split = ",", paramLabel = "N,N,...", description = "Hidden layer sizes (default: 5,4).")
    List<String> layers;

    @Option(names = "--outputs", description = "Output size or number of classes (default: ${DEFAULT-VALUE}).", defaultValue = "3")
    int outputs;

    @Option(names = "--activation", description = "Hidden activation (default: ${DEFAULT-VALUE}).", defaultValue = "tanh")
    String activation;

    @Option(names = "--output-activation", description = "Output activation (default: ${DEFAULT-VALUE}).", defaultValue = "none")
    String outputActivation;

    @Option(names = "--loss", description = "Loss: " + Losses.NAMES + " (default: ${DEFAULT-VALUE}).", defaultValue = "cross-entropy")
    String loss;

    @Option(names = "--batch", description = "Samples in the random batch (default: ${DEFAULT-VALUE}).", defaultValue = "4")
    int batch;

    @Option(names = "--seed", description = "Seed (default: ${DEFAULT-VALUE}).", defaultValue = "1")
    long seed;

    @Override
    public Integer call() {
        Flags.positive("--inputs", inputs);
        Flags.positive("--outputs", outputs);
        Flags.positive("--batch", batch);
        int[] hidden = layers == null ? new int[] {5, 4} : Flags.layers(layers);
        boolean classes = !Losses.task(loss).equals("regression");
        Objective obj = Objective.of(loss, classes ? Math.max(outputs, 2) : 0);
        NetworkSpec spec;
        try {
            spec = NetworkSpec.mlp(inputs, hidden, obj.outputSize(), activation, outputActivation);
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage());
        }
        Generator gen = new Generator(seed);
        Sequential net = spec.build(gen);
        net.to(DType.FLOAT64);
        Tensor x = Tensor.normal(DType.FLOAT64, gen, 0, 1, batch, inputs);
        float[] t = new float[batch];
        for (int i = 0; i < batch; i++) {
            t[i] = classes ? gen.nextInt(Math.max(outputs, 2)) : (float) gen.nextGaussian();
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
