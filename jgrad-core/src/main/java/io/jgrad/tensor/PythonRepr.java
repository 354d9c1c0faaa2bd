package io.jgrad.tensor;

import java.math.BigDecimal;
import java.util.Locale;

/**
 * Numbers and booleans spelled as Python's {@code repr} spells them, for the {@code toString} of modules
 * ({@code io.jgrad.nn.Module}) and optimizers ({@code io.jgrad.optim.Optimizer}), so that they read as PyTorch
 * prints the same objects.
 */
public final class PythonRepr {
    private PythonRepr() {}

    /** A boolean as Python prints it: {@code True} or {@code False}. */
    public static String of(boolean b) {
        return b ? "True" : "False";
    }

    /**
     * A float as Python's {@code repr} prints it: the shortest digits that read back to the same double (as
     * {@link Double#toString(double)} chooses them), in positional notation with at least one decimal ({@code 0.1},
     * {@code 1.0}, {@code 0.0001}) when the decimal exponent is in [-4, 16), else as {@code 1e-05}, {@code 2.5e+16};
     * {@code nan}, {@code inf}, {@code -inf}.
     */
    public static String of(double v) {
        if (Double.isNaN(v)) {
            return "nan";
        }
        if (Double.isInfinite(v)) {
            return v > 0 ? "inf" : "-inf";
        }
        if (v == 0) {
            return 1 / v < 0 ? "-0.0" : "0.0";
        }
        BigDecimal d = new BigDecimal(Double.toString(Math.abs(v))).stripTrailingZeros();
        String digits = d.unscaledValue().toString();
        int exponent = digits.length() - 1 - d.scale();
        String sign = v < 0 ? "-" : "";
        if (exponent < -4 || exponent >= 16) {
            String mantissa = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
            return sign + mantissa + "e" + (exponent < 0 ? "-" : "+") + String.format(Locale.ROOT, "%02d", Math.abs(exponent));
        }
        String plain = d.toPlainString();
        return sign + (plain.contains(".") ? plain : plain + ".0");
    }
}
