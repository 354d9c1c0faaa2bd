package io.jgrad.tensor;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.Locale;

/**
 * The number format of one printed tensor, chosen from the values shown as PyTorch 1.13's {@code _Formatter} chooses
 * it, so that every element of a tensor is spelled alike. Over the finite nonzero values:
 * <ul>
 *   <li>scientific with 4 decimals ({@code 1.0000e-08}) when max / min &gt; 1000 or max &gt; 1e8, or, unless all are
 *       integers, min &lt; 1e-4;</li>
 *   <li>else integers ({@code 3.0}; PyTorch writes {@code 3.}) when all are integers;</li>
 *   <li>else fixed with 4 decimals ({@code 0.1250}).</li>
 * </ul>
 * NaN and infinities print as {@code nan}, {@code inf}, {@code -inf}. Rounding is to nearest, ties to even, of the
 * value's exact binary expansion, as Python's {@code format}. Unlike PyTorch, elements are not padded to a common
 * width: a jgrad tensor prints on one line.
 */
record PrintFormat(boolean integers, boolean scientific) {
    private static final int DECIMALS = 4;

    /** The format for a tensor showing {@code values}. */
    static PrintFormat of(double[] values) {
        double min = Double.POSITIVE_INFINITY, max = 0;
        boolean integers = true;
        for (double v : values) {
            if (v != 0 && Double.isFinite(v)) {
                min = Math.min(min, Math.abs(v));
                max = Math.max(max, Math.abs(v));
                integers &= v == Math.ceil(v);
            }
        }
        if (max == 0) { // nothing but zeros, NaN and infinities
            return new PrintFormat(true, false);
        }
        boolean wide = max / min > 1000 || max > 1e8;
        return new PrintFormat(integers, wide || !integers && min < 1e-4);
    }

    String format(double v) {
        if (Double.isNaN(v)) {
            return "nan";
        }
        if (Double.isInfinite(v)) {
            return v > 0 ? "inf" : "-inf";
        }
        if (integers && !scientific) {
            return String.format(Locale.ROOT, "%.1f", v); // exact: an integer below 1e8 in magnitude
        }
        String sign = v < 0 || v == 0 && 1 / v < 0 ? "-" : "";
        BigDecimal exact = new BigDecimal(Math.abs(v));
        if (!scientific) {
            return sign + exact.setScale(DECIMALS, RoundingMode.HALF_EVEN).toPlainString();
        }
        int exponent = 0;
        BigDecimal mantissa = BigDecimal.ZERO.setScale(DECIMALS);
        if (v != 0) {
            BigDecimal rounded = exact.round(new MathContext(DECIMALS + 1, RoundingMode.HALF_EVEN));
            exponent = rounded.precision() - rounded.scale() - 1;
            mantissa = rounded.movePointLeft(exponent).setScale(DECIMALS, RoundingMode.UNNECESSARY);
        }
        return sign + mantissa.toPlainString() + "e" + (exponent < 0 ? "-" : "+")
                + String.format(Locale.ROOT, "%02d", Math.abs(exponent));
    }
}
