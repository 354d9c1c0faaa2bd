package io.jgrad.nn.spec;

import io.jgrad.nn.Conv2d;
import io.jgrad.nn.FanMode;
import io.jgrad.nn.Init;
import io.jgrad.nn.Linear;
import io.jgrad.nn.Sequential;
import io.jgrad.tensor.Generator;
import io.jgrad.tensor.Tensor;
import java.util.List;
import java.util.Locale;

/**
 * jgrad train's {@code --weight-init SCHEME}: how the weight of every Linear and Conv2d layer is drawn again once the
 * network is built, as a PyTorch user calls {@code nn.init.xavier_uniform_(layer.weight)} on each. Biases and batch
 * normalization's parameters keep the build's (PyTorch's default) initialization. {@code scheme} is one of
 * {@link #SCHEMES}; {@code parameter} is normal's standard deviation or uniform's bound (0 for the others).
 *
 * <ul>
 *   <li>default: the build's weights, drawn as PyTorch initializes each layer (nothing is drawn again);
 *   <li>xavier-uniform: U(-a, a), a = sqrt(6 / (fan_in + fan_out)); xavier-normal: N(0, 2 / (fan_in + fan_out));
 *       gain 1, torch's default;
 *   <li>kaiming-uniform: U(-b, b), b = gain * sqrt(3 / fan_in); kaiming-normal: N(0, gain^2 / fan_in); as torch's
 *       {@code kaiming_*_(w, a, mode='fan_in', nonlinearity)} with the gain of the network's hidden activation, its
 *       first activation layer that is not its last layer (relu sqrt(2), leakyrelu sqrt(2 / (1 + slope^2)), tanh 5/3,
 *       sigmoid 1; relu's for elu and gelu, which torch's calculate_gain does not know, and without one);
 *   <li>normal:STD: N(0, STD^2); uniform:A: U(-A, A).
 * </ul>
 * Fans are torch's: fan_in = in * kernel area, fan_out = out * kernel area.
 */
public record WeightInit(String scheme, double parameter) {
    /** The schemes, as --weight-init names them. */
    public static final List<String> SCHEMES = List.of("default", "xavier-uniform", "xavier-normal", "kaiming-uniform",
            "kaiming-normal", "normal", "uniform");

    /** What --weight-init takes, for messages and help. */
    public static final String EXPECTED = "default, xavier-uniform, xavier-normal, kaiming-uniform, kaiming-normal,"
            + " normal:STD (STD > 0, e.g. normal:0.01) or uniform:A (A > 0, e.g. uniform:0.05)";

    /**
     * @throws IllegalArgumentException unless scheme is one of {@link #SCHEMES} and parameter is a finite number above 0
     *         for normal and uniform, 0 for the others ({@link #parse} reads a flag's value into one)
     */
    public WeightInit {
        boolean takesValue = "normal".equals(scheme) || "uniform".equals(scheme);
        if (!SCHEMES.contains(scheme) || (takesValue ? !(parameter > 0) || !Double.isFinite(parameter) : parameter != 0)) {
            throw new IllegalArgumentException("WeightInit: scheme " + scheme + " with parameter " + parameter + "; expected one"
                    + " of " + SCHEMES + ", with a finite parameter above 0 for normal and uniform, else 0");
        }
    }

    /** PyTorch's default initialization, which the build already drew. */
    public static final WeightInit DEFAULT = new WeightInit("default", 0);

    /**
     * Reads a value of --weight-init, case and blanks around it ignored.
     *
     * @throws IllegalArgumentException naming --weight-init, the value given, the problem and {@link #EXPECTED}: an
     *         unknown scheme, a value after a scheme that takes none, normal or uniform without one, or one that is not a
     *         finite number above 0
     */
    public static WeightInit parse(String given) {
        String[] parts = given.trim().split(":", 2);
        String name = parts[0].toLowerCase(Locale.ROOT); // the number as given: Java reads NaN and Infinity, not nan
        if (!SCHEMES.contains(name)) {
            throw refused(given, "unknown scheme '" + given.trim() + "'");
        }
        boolean takesValue = name.equals("normal") || name.equals("uniform");
        if (!takesValue) {
            if (parts.length == 2) {
                throw refused(given, name + " takes no value after ':'");
            }
            return name.equals("default") ? DEFAULT : new WeightInit(name, 0);
        }
        String what = name.equals("normal") ? "the standard deviation" : "the bound";
        if (parts.length == 1) {
            throw refused(given, name + " needs " + (name.equals("normal") ? "its standard deviation, as normal:STD"
                    : "its bound, as uniform:A"));
        }
        double v;
        try {
            v = Double.parseDouble(parts[1].trim());
        } catch (NumberFormatException e) {
            throw refused(given, "'" + parts[1].trim() + "' is not a number");
        }
        // 0 would set every weight to 0 (no learning past the first layer); a negative one is no spread
        if (!(v > 0) || !Double.isFinite(v)) {
            throw refused(given, what + " must be a positive number, got " + parts[1].trim());
        }
        return new WeightInit(name, v);
    }

    private static IllegalArgumentException refused(String given, String problem) {
        return new IllegalArgumentException("--weight-init " + given + ": " + problem + "; expected " + EXPECTED);
    }

    /** The value as config.json records it and --weight-init reads it: "kaiming-normal", "normal:0.01". */
    public String value() {
        return parameter == 0 ? scheme : scheme + ":" + parameter;
    }

    /** Whether this leaves the build's weights as they are. */
    public boolean isDefault() {
        return scheme.equals("default");
    }

    /**
     * Draws the weight of every Linear and Conv2d of {@code net}, in their order, from {@code gen} by this scheme; for
     * default, draws nothing. {@code spec} is the network {@code net} was built from (kaiming's gain). Modified: the
     * weights of net, gen.
     */
    public void apply(NetworkSpec spec, Sequential net, Generator gen) {
        if (isDefault()) {
            return;
        }
        Nonlinearity act = hiddenActivation(spec);
        for (int i = 0; i < net.size(); i++) {
            Tensor w = net.get(i) instanceof Linear l ? l.weight() : net.get(i) instanceof Conv2d c ? c.weight() : null;
            if (w == null) {
                continue;
            }
            switch (scheme) {
                case "xavier-uniform" -> Init.xavierUniform(w, 1, gen);
                case "xavier-normal" -> Init.xavierNormal(w, 1, gen);
                case "kaiming-uniform" -> Init.kaimingUniform(w, act.slope(), FanMode.FAN_IN, act.name(), gen);
                case "kaiming-normal" -> Init.kaimingNormal(w, act.slope(), FanMode.FAN_IN, act.name(), gen);
                case "normal" -> Init.normal(w, 0, parameter, gen);
                case "uniform" -> Init.uniform(w, -parameter, parameter, gen);
                default -> throw new IllegalStateException(scheme);
            }
        }
    }

    /**
     * Kaiming's gain for {@code spec}: torch's calculate_gain of its hidden activation, the first activation layer that
     * is not the network's last layer (an output activation): relu sqrt(2), leakyrelu sqrt(2 / (1 + slope^2)), tanh 5/3,
     * sigmoid 1. For elu and gelu, which torch's calculate_gain does not know, and for a network without a hidden
     * activation (logistic regression), relu's, which is also what torch's kaiming_*_ defaults to (leaky_relu, a = 0).
     */
    static double gain(NetworkSpec spec) {
        Nonlinearity act = hiddenActivation(spec);
        return Init.calculateGain(act.name(), act.slope());
    }

    /** A nonlinearity as {@link Init#calculateGain(String, double)} names it, and leaky_relu's negative slope. */
    private record Nonlinearity(String name, double slope) {}

    /** The hidden activation of spec (see gain), as torch's kaiming_*_ takes it (nonlinearity, a). */
    private static Nonlinearity hiddenActivation(NetworkSpec spec) {
        List<LayerSpec> layers = spec.layers();
        for (int i = 0; i < layers.size() - 1; i++) {
            LayerSpec l = layers.get(i);
            switch (l.type()) {
                case "relu", "elu", "gelu" -> {
                    return new Nonlinearity("relu", 0);
                }
                case "leakyrelu" -> {
                    return new Nonlinearity("leaky_relu", l.number("negative_slope", 0.01));
                }
                case "tanh", "sigmoid" -> {
                    return new Nonlinearity(l.type(), 0);
                }
                default -> { } // weights, pooling, normalization, dropout, flatten: not an activation
            }
        }
        return new Nonlinearity("relu", 0);
    }
}
