package io.jgrad.nn;

import io.jgrad.tensor.DType;
import io.jgrad.tensor.Generator;
import io.jgrad.tensor.Tensor;
import java.util.Arrays;
import java.util.Locale;

/**
 * Weight initialisation, with PyTorch's formulas ({@code torch.nn.init}). Every method overwrites its tensor in
 * place (under {@link Tensor#noGrad()}, so parameters can be initialised) and returns it. Random values are drawn
 * from the generator in row-major order, so a seed fixes the result.
 *
 * <p>Fans, as PyTorch's {@code _calculate_fan_in_and_fan_out}: for a tensor of shape [out, in, k1, k2, ...],
 * fan_in = in * k1 * k2 * ... and fan_out = out * k1 * k2 * ...; tensors need at least 2 dimensions.
 */
public final class Init {
    /** The nonlinearities {@link #calculateGain(String, double)} knows, for its messages. */
    private static final String GAIN_NAMES = "linear, conv1d/2d/3d, sigmoid, tanh, relu, leaky_relu, selu";

    private Init() {}

    /** Fills t with samples of U(a, b); a and b must be finite in t's dtype, with a &lt;= b. Modified: t, gen. */
    public static Tensor uniform(Tensor t, double a, double b, Generator gen) {
        requireArguments("Init.uniform", t, gen);
        // as PyTorch's uniform_: U(-inf, inf) would fill NaN, and a bound past Float.MAX_VALUE infinities in float32
        double max = t.dtype() == DType.FLOAT32 ? Float.MAX_VALUE : Double.MAX_VALUE;
        if (!(Math.abs(a) <= max && Math.abs(b) <= max)) {
            throw new IllegalArgumentException("Init.uniform: bounds [" + a + ", " + b + ") are not finite in " + t.dtype()
                    + "; each must be within +-" + max);
        }
        if (!(a <= b)) {
            throw new IllegalArgumentException("Init.uniform: lower bound " + a + " is above upper bound " + b);
        }
        return overwrite(t, Tensor.uniform(t.dtype(), gen, a, b, t.shape()));
    }

    /** Fills t with samples of N(mean, std^2). Modified: t, gen. */
    public static Tensor normal(Tensor t, double mean, double std, Generator gen) {
        requireArguments("Init.normal", t, gen);
        if (!(std >= 0)) {
            throw new IllegalArgumentException("Init.normal: standard deviation must be >= 0, got " + std);
        }
        return overwrite(t, Tensor.normal(t.dtype(), gen, mean, std, t.shape()));
    }

    /** Sets every element of t to v. Modified: t. */
    public static Tensor constant(Tensor t, double v) {
        if (t == null) {
            throw new IllegalArgumentException("Init.constant: tensor is null");
        }
        try (var scope = Tensor.noGrad()) {
            return t.fill_(v);
        }
    }

    /** Sets every element of t to 0. Modified: t. */
    public static Tensor zeros(Tensor t) {
        return constant(t, 0.0);
    }

    /** Sets every element of t to 1. Modified: t. */
    public static Tensor ones(Tensor t) {
        return constant(t, 1.0);
    }

    /** Glorot/Xavier uniform: U(-a, a) with a = gain * sqrt(6 / (fan_in + fan_out)). Modified: t, gen. */
    public static Tensor xavierUniform(Tensor t, double gain, Generator gen) {
        requireArguments("Init.xavierUniform", t, gen);
        int[] fans = fans("Init.xavierUniform", t.shape());
        double a = gain * Math.sqrt(6.0 / (fans[0] + fans[1]));
        return uniform(t, -a, a, gen);
    }

    /** Glorot/Xavier normal: N(0, std^2) with std = gain * sqrt(2 / (fan_in + fan_out)). Modified: t, gen. */
    public static Tensor xavierNormal(Tensor t, double gain, Generator gen) {
        requireArguments("Init.xavierNormal", t, gen);
        int[] fans = fans("Init.xavierNormal", t.shape());
        return normal(t, 0, gain * Math.sqrt(2.0 / (fans[0] + fans[1])), gen);
    }

    /**
     * He/Kaiming uniform: U(-bound, bound) with bound = gain * sqrt(3 / fan), gain =
     * {@link #calculateGain(String, double) calculateGain(nonlinearity, a)} and fan chosen by {@code mode}.
     * {@code a} is the negative slope of a following leaky ReLU (ignored by other nonlinearities). PyTorch's
     * {@code nn.Linear} uses a = sqrt(5), FAN_IN, "leaky_relu", which gives bound = 1 / sqrt(fan_in). Modified: t, gen.
     */
    public static Tensor kaimingUniform(Tensor t, double a, FanMode mode, String nonlinearity, Generator gen) {
        requireArguments("Init.kaimingUniform", t, gen);
        double bound = calculateGain(nonlinearity, a) * Math.sqrt(3.0 / fan("Init.kaimingUniform", t, mode));
        return uniform(t, -bound, bound, gen);
    }

    /** He/Kaiming normal: N(0, std^2) with std = gain / sqrt(fan) (gain as in {@link #kaimingUniform}). Modified: t, gen. */
    public static Tensor kaimingNormal(Tensor t, double a, FanMode mode, String nonlinearity, Generator gen) {
        requireArguments("Init.kaimingNormal", t, gen);
        double std = calculateGain(nonlinearity, a) / Math.sqrt(fan("Init.kaimingNormal", t, mode));
        return normal(t, 0, std, gen);
    }

    /** {@link #calculateGain(String, double)} with PyTorch's default parameter (negative slope 0.01 for leaky_relu). */
    public static double calculateGain(String nonlinearity) {
        return calculateGain(nonlinearity, 0.01);
    }

    /**
     * The recommended gain for a nonlinearity, as PyTorch's {@code calculate_gain}: 1 for linear, conv and sigmoid;
     * 5/3 for tanh; sqrt(2) for relu; sqrt(2 / (1 + param^2)) for leaky_relu (param = negative slope); 3/4 for selu.
     */
    public static double calculateGain(String nonlinearity, double param) {
        if (nonlinearity == null) {
            throw new IllegalArgumentException("Init.calculateGain: nonlinearity is null; use one of " + GAIN_NAMES);
        }
        return switch (nonlinearity.toLowerCase(Locale.ROOT)) {
            case "linear", "identity", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
                 "conv_transpose3d", "sigmoid" -> 1.0;
            case "tanh" -> 5.0 / 3.0;
            case "relu" -> Math.sqrt(2.0);
            case "leaky_relu" -> Math.sqrt(2.0 / (1 + param * param));
            case "selu" -> 3.0 / 4.0;
            default -> throw new IllegalArgumentException("Init.calculateGain: unsupported nonlinearity '" + nonlinearity
                    + "'; use one of " + GAIN_NAMES);
        };
    }

    /** {fan_in, fan_out} of a weight of the given shape (see the class comment). */
    static int[] fans(String op, int[] shape) {
        if (shape.length < 2) {
            throw new IllegalArgumentException(op + ": fan in and fan out need a tensor of at least 2 dimensions, got shape "
                    + Arrays.toString(shape));
        }
        int receptive = 1;
        for (int i = 2; i < shape.length; i++) {
            receptive *= shape[i];
        }
        return new int[] {shape[1] * receptive, shape[0] * receptive};
    }

    private static int fan(String op, Tensor t, FanMode mode) {
        if (mode == null) { // else it would silently be fan_out
            throw new IllegalArgumentException(op + ": mode is null; pass FanMode.FAN_IN or FanMode.FAN_OUT");
        }
        int[] fans = fans(op, t.shape());
        int fan = mode == FanMode.FAN_IN ? fans[0] : fans[1];
        if (fan == 0) {
            throw new IllegalArgumentException(op + ": " + mode + " is 0 for shape " + Arrays.toString(t.shape())
                    + "; cannot initialise an empty tensor");
        }
        return fan;
    }

    /** At the entry of a public method: a null tensor or generator would fail deep inside, under another name. */
    private static void requireArguments(String op, Tensor t, Generator gen) {
        if (t == null) {
            throw new IllegalArgumentException(op + ": tensor is null");
        }
        if (gen == null) {
            throw new IllegalArgumentException(op + ": generator is null");
        }
    }

    private static Tensor overwrite(Tensor t, Tensor values) {
        try (var scope = Tensor.noGrad()) {
            return t.copy_(values);
        }
    }
}
