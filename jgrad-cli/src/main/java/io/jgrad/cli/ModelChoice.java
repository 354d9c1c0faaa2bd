package io.jgrad.cli;

import io.jgrad.nn.spec.LayerSpec;
import io.jgrad.nn.spec.NetworkSpec;
import io.jgrad.io.JgradFormatException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * What {@code jgrad train --model} names: "mlp" (the default multi-layer network), "cnn" (the default
 * convolutional network, {@link NetworkSpec#CNN_DESCRIPTION}) or a JSON file of layers, already read.
 *
 * @param name       mlp, cnn or the file name
 * @param fileLayers the layers of the file, null for mlp and cnn
 */
record ModelChoice(String name, List<LayerSpec> fileLayers) {

    static ModelChoice of(String value) throws IOException {
        try {
            return new ModelChoice(value, NetworkSpec.modelLayers(value));
        } catch (IllegalArgumentException e) { // the value itself: empty, a directory, no such file (a file's content: JgradFormatException)
            throw new UserError(e.getMessage());
        }
    }

    /** Whether the network takes images [C, H, W]: the CNN, or a file with a convolution, pooling or 2-D layer. */
    boolean images() {
        return NetworkSpec.takesImages(name, fileLayers);
    }

    /**
     * Null when the network takes flat feature vectors; else, for {@link DataSource#load}'s refusal of a CSV file ("--data
     * FILE.csv"), that --model's network takes images, why, and what to train instead: jgrad-spark's words for it.
     */
    java.util.function.Function<String, String> csvRefusal() {
        return images() ? file -> NetworkSpec.imagesExpected(name, fileLayers, file) : null;
    }

    /** Why a network of one output may not end with a softmax or log-softmax. */
    private static final String ONE_SOFTMAX = "a softmax over the network's one output is always 1 (a log-softmax always 0),"
            + " whatever the input, so the network would learn nothing";

    /**
     * The network for samples of {@code sampleShape} and {@code outputs} values per sample, to be trained with
     * {@code lossName}; {@code hidden}, {@code activation} and {@code outputActivation} shape the MLP only. A file's
     * network must end in a sigmoid for --loss bce, as the MLP's --output-activation must be, and neither may end in
     * one for --loss bce-logits ({@link Losses#sigmoidTwice}); a network of one output may not end with a softmax.
     */
    NetworkSpec spec(int[] sampleShape, int outputs, String lossName, int[] hidden, String activation, String outputActivation) {
        if (name.equals("mlp")) {
            NetworkSpec spec;
            try {
                spec = NetworkSpec.mlp(sampleShape[0], hidden, outputs, activation, outputActivation);
            } catch (IllegalArgumentException e) {
                throw new UserError(e.getMessage());
            }
            String twice = Losses.sigmoidTwice(lossName, spec.outputActivation());
            if (twice != null) {
                throw new UserError("--output-activation sigmoid: " + twice);
            }
            if (outputs == 1 && spec.outputActivation().equals("softmax")) {
                throw new UserError("--output-activation softmax: " + ONE_SOFTMAX + "; use sigmoid for a probability, or none");
            }
            return spec;
        }
        if (name.equals("cnn")) {
            try {
                return NetworkSpec.cnn(sampleShape, outputs);
            } catch (IllegalArgumentException e) { // images smaller than its two poolings allow
                throw new UserError(e.getMessage());
            }
        }
        Path file = Path.of(name);
        NetworkSpec spec = NetworkSpec.resolve(sampleShape, fileLayers, file, "layers");
        // as MemoryEstimate's check, which would name "layer i" and advise --layers, a flag of --model mlp only
        spec.checkTensorSizes(file);
        spec.checkOutputs(file, outputs, "the loss", Losses.task(lossName).equals("regression") ? "one value, the numeric target"
                : "one value per class, 1 for bce");
        int last = fileLayers.size() - 1;
        // on scores outside [0, 1] BCE takes the log of negative numbers: the first step's loss is NaN, reported as a
        // divergence that blames the learning rate; a softmax over the one output is always 1 and learns nothing
        if (lossName.equals("bce") && !spec.outputActivation().equals("sigmoid")) {
            throw new JgradFormatException(file, "layers[" + last + "]", "--loss bce needs probabilities, but the network"
                    + " ends with " + fileLayers.get(last).type() + ", which " + Losses.notProbabilities(fileLayers.get(last).type())
                    + "; end it with {\"type\": \"sigmoid\"}, or use --loss bce-logits on raw scores");
        }
        String twice = Losses.sigmoidTwice(lossName, spec.outputActivation());
        if (twice != null) {
            throw new JgradFormatException(file, "layers[" + last + "]", twice);
        }
        // after bce's own check above, which says what bce needs instead
        if (outputs == 1 && (spec.outputActivation().equals("softmax") || spec.outputActivation().equals("logsoftmax"))) {
            throw new JgradFormatException(file, "layers[" + last + "]", fileLayers.get(last).type() + ": " + ONE_SOFTMAX
                    + "; end with {\"type\": \"sigmoid\"} for a probability, or with the linear layer");
        }
        spec.checkHasWeights(file);
        return spec;
    }
}
