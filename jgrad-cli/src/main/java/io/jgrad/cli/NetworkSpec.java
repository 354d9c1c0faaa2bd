package io.jgrad.cli;

import io.jgrad.io.JgradFormatException;
import io.jgrad.nn.Identity;
import io.jgrad.nn.Linear;
import io.jgrad.nn.Module;
import io.jgrad.nn.Sequential;
import io.jgrad.tensor.Generator;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The architecture of a network built by the CLI: input size, hidden sizes, activations, output size. It
 * builds the equivalent of PyTorch's {@code nn.Sequential(Linear, act, Linear, act, ..., Linear[, out_act])},
 * so the checkpoint's tensor names are {@code 0.weight, 0.bias, 2.weight, ...} exactly as PyTorch's.
 */
record NetworkSpec(int inputSize, int[] hidden, int outputSize, String activation, String outputActivation) {

    NetworkSpec {
        if (inputSize < 1 || outputSize < 1) {
            throw new IllegalArgumentException("input and output sizes must be positive, got " + inputSize + " and " + outputSize);
        }
        for (int h : hidden) {
            if (h < 1) {
                throw new IllegalArgumentException("hidden layer sizes must be positive, got " + h);
            }
        }
        if (Activations.hidden(activation) == null) {
            throw new IllegalArgumentException("unknown activation '" + activation + "'; expected one of " + Activations.HIDDEN_NAMES);
        }
        if (Activations.output(outputActivation) == null) {
            throw new IllegalArgumentException("unknown output activation '" + outputActivation + "'; expected one of " + Activations.OUTPUT_NAMES);
        }
    }

    /** The network, initialized as PyTorch initializes nn.Linear, drawing from {@code gen}. */
    Sequential build(Generator gen) {
        Sequential net = new Sequential();
        int in = inputSize;
        for (int h : hidden) {
            net.add(new Linear(in, h, true, gen));
            net.add(Activations.hidden(activation));
            in = h;
        }
        net.add(new Linear(in, outputSize, true, gen));
        Module out = Activations.output(outputActivation);
        if (!(out instanceof Identity)) {
            net.add(out);
        }
        return net;
    }

    /** "784-256-128-10 relu" */
    String describe() {
        StringBuilder sb = new StringBuilder().append(inputSize);
        for (int h : hidden) {
            sb.append('-').append(h);
        }
        sb.append('-').append(outputSize);
        if (hidden.length > 0) {
            sb.append(' ').append(activation);
        }
        if (!outputActivation.equals("none")) {
            sb.append(", output ").append(outputActivation);
        }
        return sb.toString();
    }

    Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("input_size", (long) inputSize);
        List<Object> hs = new ArrayList<>();
        for (int h : hidden) {
            hs.add((long) h);
        }
        m.put("hidden_sizes", hs);
        m.put("output_size", (long) outputSize);
        m.put("activation", activation);
        m.put("output_activation", outputActivation);
        return m;
    }

    /** Reads the "model" object of a config.json; every problem names the file and the field. */
    static NetworkSpec fromJson(Object node, Path file) {
        Map<String, Object> m = ConfigFields.object(node, file, "model");
        int in = ConfigFields.positiveInt(m, "input_size", file, "model");
        int out = ConfigFields.positiveInt(m, "output_size", file, "model");
        List<Object> hs = ConfigFields.list(m, "hidden_sizes", file, "model");
        int[] hidden = new int[hs.size()];
        for (int i = 0; i < hidden.length; i++) {
            hidden[i] = ConfigFields.positiveInt(hs.get(i), file, "model.hidden_sizes[" + i + "]");
        }
        String act = ConfigFields.string(m, "activation", file, "model");
        String outAct = ConfigFields.string(m, "output_activation", file, "model");
        if (Activations.hidden(act) == null) {
            throw new JgradFormatException(file, "model.activation", "unknown activation '" + act + "'; expected one of " + Activations.HIDDEN_NAMES);
        }
        if (Activations.output(outAct) == null) {
            throw new JgradFormatException(file, "model.output_activation", "unknown output activation '" + outAct
                    + "'; expected one of " + Activations.OUTPUT_NAMES);
        }
        return new NetworkSpec(in, hidden, out, act, outAct);
    }
}
