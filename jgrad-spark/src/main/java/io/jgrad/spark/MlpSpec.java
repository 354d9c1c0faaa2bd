package io.jgrad.spark;

import io.jgrad.nn.Activations;
import io.jgrad.nn.Identity;
import io.jgrad.nn.Linear;
import io.jgrad.nn.Module;
import io.jgrad.nn.Sequential;
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
        if (Activations.hidden(activation) == null) {
            throw new IllegalArgumentException("MlpSpec: unknown activation '" + activation + "'; expected one of "
                    + Activations.HIDDEN_NAMES);
        }
        if (Activations.output(outputActivation) == null) {
            throw new IllegalArgumentException("MlpSpec: unknown output activation '" + outputActivation
                    + "'; expected one of " + Activations.OUTPUT_NAMES);
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

    /**
     * As jgrad train describes an MLP: "784-256-128-10 relu", "4-8-3 elu(alpha=-1)", "4-8-3 leakyrelu(negative_slope=0.2),
     * output softmax" (an activation's parameter named in parentheses, also its default; no activation word without a
     * hidden layer).
     */
    public String describe() {
        StringBuilder sb = new StringBuilder().append(inputSize);
        for (int h : hidden) {
            sb.append('-').append(h);
        }
        sb.append('-').append(outputSize);
        if (hidden.length > 0) {
            sb.append(' ').append(activationShown(activation));
        }
        String out = outputActivation.trim().toLowerCase(Locale.ROOT);
        return sb.append(out.equals("sigmoid") || out.equals("softmax") ? ", output " + out : "").toString();
    }

    /** A hidden activation spec (already valid) as jgrad train's layer descriptions name it: "relu", "elu(alpha=1)". */
    private static String activationShown(String spec) {
        String[] parts = spec.trim().toLowerCase(Locale.ROOT).split(":", 2);
        String type = parts[0].replace("-", "").replace("_", "");
        if (!type.equals("elu") && !type.equals("leakyrelu")) {
            return type;
        }
        double param = parts.length == 2 ? Double.parseDouble(parts[1]) : type.equals("elu") ? 1.0 : 0.01;
        String shown = Double.toString(param);
        shown = shown.endsWith(".0") ? shown.substring(0, shown.length() - 2) : shown;
        return type + (type.equals("elu") ? "(alpha=" : "(negative_slope=") + shown + ")";
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
}
