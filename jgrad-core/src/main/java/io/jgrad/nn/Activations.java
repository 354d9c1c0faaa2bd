package io.jgrad.nn;

/**
 * Activations by name, as the command line, config.json and jgrad-spark spell them: {@code hidden("leaky-relu:0.1")}
 * is {@code new LeakyReLU(0.1)}, {@code output("softmax")} is {@code new Softmax(1)}.
 */
public final class Activations {
    private Activations() {}

    /** The hidden-layer activation names, for help texts and error messages. */
    public static final String HIDDEN_NAMES = "relu, sigmoid, tanh, leaky-relu[:alpha], elu[:alpha], gelu";
    /** The output activation names, for help texts and error messages. */
    public static final String OUTPUT_NAMES = "none, sigmoid, softmax";

    /**
     * The module for a hidden-layer activation such as "relu" or "leaky-relu:0.1"; null if the name is unknown (callers
     * test names this way before building anything). Throws IllegalArgumentException for a null spec.
     */
    public static Module hidden(String spec) {
        String[] parts = notNull("hidden", spec, HIDDEN_NAMES).trim().toLowerCase(java.util.Locale.ROOT).split(":", 2);
        Double param = null;
        if (parts.length == 2) {
            try {
                param = Double.parseDouble(parts[1]);
            } catch (NumberFormatException e) {
                return null;
            }
            if (!Double.isFinite(param)) {
                return null;
            }
        }
        return switch (parts[0]) {
            case "relu" -> param == null ? new ReLU() : null;
            case "sigmoid" -> param == null ? new Sigmoid() : null;
            case "tanh" -> param == null ? new Tanh() : null;
            case "gelu" -> param == null ? new GELU() : null;
            case "leaky-relu", "leaky_relu", "leakyrelu" -> new LeakyReLU(param == null ? 0.01 : param);
            case "elu" -> new ELU(param == null ? 1.0 : param);
            default -> null;
        };
    }

    /** The module for an output activation, Identity for "none"; null if unknown. Throws IllegalArgumentException for null. */
    public static Module output(String spec) {
        return switch (notNull("output", spec, OUTPUT_NAMES).trim().toLowerCase(java.util.Locale.ROOT)) {
            case "none", "identity", "linear" -> new Identity();
            case "sigmoid" -> new Sigmoid();
            case "softmax" -> new Softmax(1);
            default -> null;
        };
    }

    private static String notNull(String method, String spec, String names) {
        if (spec == null) {
            throw new IllegalArgumentException("Activations." + method + ": spec is null; expected one of " + names);
        }
        return spec;
    }
}
