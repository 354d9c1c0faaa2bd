package io.jgrad.tensor;

/** Special functions the JDK lacks, accurate to double precision (GELU needs erf; gradient checks need it exact). */
final class SpecialFunctions {
    private SpecialFunctions() {}

    private static final double TWO_OVER_SQRT_PI = 1.1283791670955126;

    /**
     * erf(x) = 2/sqrt(pi) * e^(-x^2) * sum_n 2^n x^(2n+1) / (1*3*...*(2n+1)).
     * Every term of this series is positive, so it has no cancellation; beyond |x| = 6, erf(x) = sign(x) to
     * double precision.
     */
    static double erf(double x) {
        double ax = Math.abs(x);
        if (ax >= 6.0) {
            return Math.signum(x);
        }
        double x2 = ax * ax;
        double term = ax;
        double sum = ax;
        for (int n = 1; n < 200; n++) {
            term *= 2.0 * x2 / (2 * n + 1);
            sum += term;
            if (term < sum * 1e-17) {
                break;
            }
        }
        double r = TWO_OVER_SQRT_PI * Math.exp(-x2) * sum;
        return x < 0 ? -r : r;
    }

    /** Standard normal CDF Phi(x) = (1 + erf(x / sqrt 2)) / 2. */
    static double normalCdf(double x) {
        return 0.5 * (1.0 + erf(x * 0.7071067811865476));
    }

    /** Standard normal density phi(x) = e^(-x^2/2) / sqrt(2 pi). */
    static double normalPdf(double x) {
        return 0.3989422804014327 * Math.exp(-0.5 * x * x);
    }
}
