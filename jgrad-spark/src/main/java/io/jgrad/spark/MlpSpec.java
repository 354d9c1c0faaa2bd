package io.jgrad.spark;

import io.jgrad.nn.ELU;
import io.jgrad.nn.GELU;
import io.jgrad.nn.LeakyReLU;
import io.jgrad.nn.Linear;
import io.jgrad.nn.Module;
import io.jgrad.nn.ReLU;
import io.jgrad.nn.Sequential;
import io.jgrad.nn.Sigmoid;
import io.jgrad.nn.Softmax;
import io.jgrad.nn.Tanh;
import io.jgrad.tensor.Generator;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A multi-layer perceptron as {@code jgrad train} builds it: PyTorch's
 * {@code nn.Sequential(Linear, act, ..., Linear[, outputActivation])}, so parameters are named
 * {@code 0.weight, 0.bias, 2.weight, ...}. The spec is small and made of numbers and strings, which is what
 * travels to the executors; each rebuilds the network from it.
 *
 * @param activation       hidden activation: relu, sigmoid, tanh, gelu, leaky-relu[:alpha], elu[:alpha]
 * @param outputActivation none, sigmoid or softmax
 */
public record MlpSpec(int inputSize, int[] hidden, int outputSize, String activation, String outputActivation) {

    public MlpSpec {
        if (inputSize < 1 || outputSize < 1) {
            throw new IllegalArgumentException("MlpSpec: input and output sizes must be positive, got " + inputSize + " and " + outputSize);
        }
        hidden = hidden.clone();
        for (int h : hidden) {
            if (h < 1) {
                throw new IllegalArgumentException("MlpSpec: hidden layer sizes must be positive, got " + h);
            }
        }
        if (hiddenActivation(activation) == null) {
            throw new IllegalArgumentException("MlpSpec: unknown activation '" + activation
                    + "'; expected relu, sigmoid, tanh, gelu, leaky-relu[:alpha] or elu[:alpha]");
        }
        if (!List.of("none", "sigmoid", "softmax").contains(outputActivation)) {
            throw new IllegalArgumentException("MlpSpec: unknown output activation '" + outputActivation
                    + "'; expected none, sigmoid or softmax");
        }
    }

    /** The hidden sizes (a copy). */
    @Override
    public int[] hidden() {
        return hidden.clone();
    }

    /** The network, initialized as PyTorch initializes nn.Linear, drawing from {@code gen}. Modified: gen. */
    public Sequential build(Generator gen) {
        Sequential net = new Sequential();
        int in = inputSize;
        for (int h : hidden) {
            net.add(new Linear(in, h, true, gen));
            net.add(hiddenActivation(activation));
            in = h;
        }
        net.add(new Linear(in, outputSize, true, gen));
        switch (outputActivation) {
            case "sigmoid" -> net.add(new Sigmoid());
            case "softmax" -> net.add(new Softmax(1));
            default -> { }
        }
        return net;
    }

    /** "784-256-128-10 relu" */
    public String describe() {
        StringBuilder sb = new StringBuilder().append(inputSize);
        for (int h : hidden) {
            sb.append('-').append(h);
        }
        return sb.append('-').append(outputSize).append(' ').append(activation).toString();
    }

    /** The "model" object of a jgrad run's config.json. */
    public Map<String, Object> toJson() {
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

    /** The spec as one string, "784;256,128;10;relu;none": what the task closures capture. */
    String encode() {
        StringBuilder sb = new StringBuilder().append(inputSize).append(';');
        for (int i = 0; i < hidden.length; i++) {
            sb.append(i == 0 ? "" : ",").append(hidden[i]);
        }
        return sb.append(';').append(outputSize).append(';').append(activation).append(';').append(outputActivation).toString();
    }

    /** The inverse of {@link #encode()}. */
    static MlpSpec decode(String s) {
        String[] f = s.split(";", -1);
        int[] hidden = f[1].isEmpty() ? new int[0]
                : java.util.Arrays.stream(f[1].split(",")).mapToInt(Integer::parseInt).toArray();
        return new MlpSpec(Integer.parseInt(f[0]), hidden, Integer.parseInt(f[2]), f[3], f[4]);
    }

    private static Module hiddenActivation(String spec) {
        String[] parts = spec.trim().toLowerCase(Locale.ROOT).split(":", 2);
        Double param = null;
        if (parts.length == 2) {
            try {
                param = Double.parseDouble(parts[1]);
            } catch (NumberFormatException e) {
                return null;
            }
        }
        return switch (parts[0]) {
            case "relu" -> param == null ? new ReLU() : null;
            case "sigmoid" -> param == null ? new Sigmoid() : null;
            case "tanh" -> param == null ? new Tanh() : null;
            case "gelu" -> param == null ? new GELU() : null;
            case "leaky-relu" -> new LeakyReLU(param == null ? 0.01 : param);
            case "elu" -> new ELU(param == null ? 1.0 : param);
            default -> null;
        };
    }
}
