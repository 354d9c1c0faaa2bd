package io.jgrad.tensor;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link UnaryKernels} with the Vector API. The selections (the ReLU derivative among them) compare and blend; a blend
 * moves the chosen value's bits untouched, so they give the plain loops' bits. tanh, the sigmoid, ELU and GELU are
 * computed here from IEEE arithmetic (Cephes' single-precision algorithms, a Taylor series, and for GELU double
 * precision and polynomials fitted to erfc), not with the Vector API's EXP and TANH: those call Intel's SVML once C2
 * has compiled the loop (7 and 14 us per 32K floats) but run Math's functions lane by lane before that, so a value's
 * bits would change when the JIT got to the loop, and two runs with the same seed would differ. The last, partial
 * vector of a call runs under a mask.
 */
final class VectorUnaryKernels implements UnaryKernels {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    /** As many ints as S has floats. */
    private static final VectorSpecies<Integer> I = S.withLanes(int.class);

    @Override
    public boolean apply(UnaryOp op, float p, float q, float[] x, int xOff, float[] out, int oOff, int n) {
        switch (op) {
            case GT_SCALAR -> above(1f, p, x, xOff, out, oOff, n);
            case LT_SCALAR -> above(-1f, p, x, xOff, out, oOff, n);
            case INSIDE -> inside(p, q, x, xOff, out, oOff, n);
            case SIGN -> sign(x, xOff, out, oOff, n);
            case LEAKY_RELU -> leakyRelu(p, x, xOff, out, oOff, n);
            case TANH -> tanh(x, xOff, out, oOff, n);
            case SIGMOID -> sigmoid(x, xOff, out, oOff, n);
            case ELU -> elu(p, x, xOff, out, oOff, n);
            case ELU_GRAD -> eluGrad(p, x, xOff, out, oOff, n);
            case GELU -> gelu(false, x, xOff, out, oOff, n);
            case GELU_GRAD -> gelu(true, x, xOff, out, oOff, n);
            default -> {
                return false;
            }
        }
        return true;
    }

    /**
     * The lanes of the vector at element i that are below n: all of them but in the last, partial vector. Each loop
     * takes it first: C2 stops inlining in a method past a node count, and a mask or vector that crosses a call it
     * did not inline is boxed (measured on tanh: 98 KB allocated per call of 32K floats, 2.5 times slower).
     */
    private static VectorMask<Float> live(int i, int n) {
        return S.indexInRange(i, n);
    }

    /**
     * 1 where s x &gt; s p, else 0 (NaN gives 0): x &gt; p for s = 1, x &lt; p for s = -1 (negation is exact, so the
     * two comparisons are the same). One loop for both: the comparison itself must be a constant for C2.
     */
    private static void above(float s, float p, float[] x, int xOff, float[] out, int oOff, int n) {
        float sp = s * p;
        for (int i = 0; i < n; i += S.length()) {
            VectorMask<Float> m = live(i, n);
            FloatVector v = FloatVector.fromArray(S, x, xOff + i, m);
            ZERO.blend(ONE, v.mul(s).compare(VectorOperators.GT, sp)).intoArray(out, oOff + i, m);
        }
    }

    /** 1 where p &lt;= x &lt;= q, else 0 (NaN gives 0). */
    private static void inside(float p, float q, float[] x, int xOff, float[] out, int oOff, int n) {
        for (int i = 0; i < n; i += S.length()) {
            VectorMask<Float> m = live(i, n);
            FloatVector v = FloatVector.fromArray(S, x, xOff + i, m);
            VectorMask<Float> in = v.compare(VectorOperators.GE, p).and(v.compare(VectorOperators.LE, q));
            ZERO.blend(ONE, in).intoArray(out, oOff + i, m);
        }
    }

    /** Math.signum: 1 where x &gt; 0, -1 where x &lt; 0, x itself for zeros of either sign and NaN. */
    private static void sign(float[] x, int xOff, float[] out, int oOff, int n) {
        for (int i = 0; i < n; i += S.length()) {
            VectorMask<Float> m = live(i, n);
            FloatVector v = FloatVector.fromArray(S, x, xOff + i, m);
            v.blend(ONE, v.compare(VectorOperators.GT, 0f)).blend(MINUS_ONE, v.compare(VectorOperators.LT, 0f))
                    .intoArray(out, oOff + i, m);
        }
    }

    @Override
    public void reluGrad(float[] g, float[] y, float[] out, int from, int to) {
        int n = to - from;
        for (int i = 0; i < n; i += S.length()) {
            VectorMask<Float> m = live(i, n);
            FloatVector yi = FloatVector.fromArray(S, y, from + i, m);
            FloatVector.fromArray(S, g, from + i, m).blend(ZERO, yi.compare(VectorOperators.LE, 0f))
                    .intoArray(out, from + i, m);
        }
    }

    /** x where x &gt; 0, else p x (NaN and -0 take the product, as the plain loop). */
    private static void leakyRelu(float p, float[] x, int xOff, float[] out, int oOff, int n) {
        for (int i = 0; i < n; i += S.length()) {
            VectorMask<Float> m = live(i, n);
            FloatVector v = FloatVector.fromArray(S, x, xOff + i, m);
            v.mul(p).blend(v, v.compare(VectorOperators.GT, 0f)).intoArray(out, oOff + i, m);
        }
    }

    /** Cephes' tanhf polynomial in x^2, for |x| &lt; 0.625. */
    private static final FloatVector T0 = c(-5.70498872745e-3f), T1 = c(2.06390887954e-2f), T2 = c(-5.37397155531e-2f),
            T3 = c(1.33314422036e-1f), T4 = c(-3.33332819422e-1f), TWO = c(2f);

    /**
     * tanh x = 1 - 2 / (e^2|x| + 1), with x's sign, from |x| = 0.625 up; x + x^3 P(x^2) below (Cephes' tanhf); x
     * itself below 2^-12, where that is the float nearest tanh x (and the sign of a zero is kept).
     */
    private static void tanh(float[] x, int xOff, float[] out, int oOff, int n) {
        for (int i = 0; i < n; i += S.length()) {
            VectorMask<Float> m = live(i, n);
            FloatVector v = FloatVector.fromArray(S, x, xOff + i, m), a = v.abs(), z = v.mul(v);
            FloatVector large = ONE.sub(TWO.div(exp(a.add(a)).add(ONE)));
            FloatVector small = z.fma(T0, T1).fma(z, T2).fma(z, T3).fma(z, T4).mul(z).fma(v, v);
            FloatVector y = large.blend(large.neg(), v.compare(VectorOperators.LT, 0f))
                    .blend(small, a.compare(VectorOperators.LT, 0.625f))
                    .blend(v, a.compare(VectorOperators.LT, 0x1p-12f));
            y.intoArray(out, oOff + i, m);
        }
    }

    /** 1 / (1 + e^-x) as 1 / (1 + e) for x &gt;= 0 and e / (1 + e) below, e = e^-|x| in (0, 1]: no overflow. */
    private static void sigmoid(float[] x, int xOff, float[] out, int oOff, int n) {
        for (int i = 0; i < n; i += S.length()) {
            VectorMask<Float> m = live(i, n);
            FloatVector v = FloatVector.fromArray(S, x, xOff + i, m);
            FloatVector e = exp(v.abs().neg()), d = e.add(ONE);
            ONE.div(d).blend(e.div(d), v.compare(VectorOperators.LT, 0f)).intoArray(out, oOff + i, m);
        }
    }

    /** 1/k! for k = 2..8: e^x - 1 = x (1 + x/2! + ... + x^7/8!), the rest under 1e-8 of it for |x| &lt;= 1/2. */
    private static final FloatVector F2 = c(1f / 2), F3 = c(1f / 6), F4 = c(1f / 24), F5 = c(1f / 120),
            F6 = c(1f / 720), F7 = c(1f / 5040), F8 = c(1f / 40320);

    /**
     * x where x &gt; 0, else p (e^x - 1): e^x - 1 by its Taylor series above -1/2, where the subtraction would cancel,
     * and from {@link #exp} below.
     */
    private static void elu(float p, float[] x, int xOff, float[] out, int oOff, int n) {
        for (int i = 0; i < n; i += S.length()) {
            VectorMask<Float> m = live(i, n);
            FloatVector v = FloatVector.fromArray(S, x, xOff + i, m);
            FloatVector series = v.fma(F8, F7).fma(v, F6).fma(v, F5).fma(v, F4).fma(v, F3).fma(v, F2).fma(v, ONE)
                    .mul(v);
            FloatVector em1 = exp(v.min(0f)).sub(ONE).blend(series, v.compare(VectorOperators.GT, -0.5f));
            em1.mul(p).blend(v, v.compare(VectorOperators.GT, 0f)).intoArray(out, oOff + i, m);
        }
    }

    /** ELU's derivative: p e^x where x &lt;= 0, else 1 (also at NaN). */
    private static void eluGrad(float p, float[] x, int xOff, float[] out, int oOff, int n) {
        for (int i = 0; i < n; i += S.length()) {
            VectorMask<Float> m = live(i, n);
            FloatVector v = FloatVector.fromArray(S, x, xOff + i, m);
            exp(v.min(0f)).mul(p).blend(ONE, v.compare(VectorOperators.LE, 0f).not()).intoArray(out, oOff + i, m);
        }
    }

    /** Doubles, as many as {@link #NARROW} has floats: GELU's Phi is computed in double, then rounded once to float. */
    private static final VectorSpecies<Double> D = DoubleVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Float> NARROW = VectorSpecies.of(float.class,
            VectorShape.forBitSize(D.length() * Float.SIZE));

    private static DoubleVector d(double value) {
        return DoubleVector.broadcast(D, value);
    }

    /**
     * erfc(z) e^(z^2) = G(z - 1) on [0, 2] and H(1/z^2 - 1/8) / z from 2 to 14.2: polynomials fitted to Python's
     * math.erfc by weighted least squares at Chebyshev nodes (relative error 6e-14 and 1.5e-9, far below a float's).
     */
    private static final DoubleVector G0 = d(1.3164479905874697e-08), G1 = d(-5.148239093366591e-08),
            G2 = d(1.2174280461231994e-07), G3 = d(-3.989302009522469e-07), G4 = d(1.441156168049375e-06),
            G5 = d(-4.7114454425103185e-06), G6 = d(1.4755043749598918e-05), G7 = d(-4.512065806540149e-05),
            G8 = d(0.00013366069138305366), G9 = d(-0.00038196353705644714), G10 = d(0.0010502704528831217),
            G11 = d(-0.0027690627425838435), G12 = d(0.006970142136381916), G13 = d(-0.016661869337021063),
            G14 = d(0.03757229624066882), G15 = d(-0.07922696892785022), G16 = d(0.15437156137091082),
            G17 = d(-0.27321201478411195), G18 = d(0.4275835761558137);
    private static final DoubleVector H0 = d(-0.35554610548359855), H1 = d(-105.63190794714296),
            H2 = d(33.75074833694575), H3 = d(-7.29931802198267), H4 = d(2.8074629332627845),
            H5 = d(-1.2331770373141753), H6 = d(0.5709167682896716), H7 = d(-0.30840953732172627),
            H8 = d(0.20935188438774188), H9 = d(-0.2084388038775978), H10 = d(0.5340672380328405);
    /** Cephes' exp in double: e^r = 1 + 2 r P(r^2) / (Q(r^2) - r P(r^2)) after the reduction by n ln 2. */
    private static final DoubleVector DP0 = d(1.26177193074810590878e-4), DP1 = d(3.02994407707441961300e-2),
            DP2 = d(9.99999999999999999910e-1), DQ0 = d(3.00198505138664455042e-6), DQ1 = d(2.52448340349684104192e-3),
            DQ2 = d(2.27265548208155028766e-1), DQ3 = d(2.0), D_LN2_HI = d(-6.93145751953125e-1),
            D_LN2_LO = d(-1.42860682030941723212e-6), D_LOG2E = d(1.4426950408889634073599), D_ROUND = d(0x1.8p52),
            D_ONE = d(1), D_HALF = d(0.5), D_SQRT_HALF = d(0.70710678118654752440), D_EIGHTH = d(0.125),
            D_INV_SQRT_2PI = d(0.39894228040143267794);
    private static final LongVector D_ROUND_BITS = LongVector.broadcast(D.withLanes(long.class),
            Double.doubleToRawLongBits(0x1.8p52)), D_BIAS = LongVector.broadcast(D.withLanes(long.class), 1023);

    /** e^y for y in [-200, 0] (Cephes' exp; 2^n stays a normal double there). */
    private static DoubleVector exp(DoubleVector y) {
        DoubleVector shifted = y.fma(D_LOG2E, D_ROUND), nf = shifted.sub(D_ROUND);
        DoubleVector r = nf.fma(D_LN2_HI, y).add(nf.mul(D_LN2_LO)), rr = r.mul(r);
        DoubleVector px = rr.fma(DP0, DP1).fma(rr, DP2).mul(r), qx = rr.fma(DQ0, DQ1).fma(rr, DQ2).fma(rr, DQ3);
        DoubleVector e = px.div(qx.sub(px)).mul(2).add(D_ONE);
        LongVector k = shifted.reinterpretAsLongs().sub(D_ROUND_BITS); // n, from the low bits
        return e.mul(k.add(D_BIAS).lanewise(VectorOperators.LSHL, 52).reinterpretAsDoubles());
    }

    /**
     * GELU x Phi(x), or its derivative Phi(x) + x phi(x) when grad, in double: Phi(-|x|) = e^(-x^2/2) G or H / 2
     * (erfc, so no cancellation where Phi is small), phi(x) = e^(-x^2/2) / sqrt(2 pi); x^2 of a float is exact in
     * double. x is clamped to [-20, 20], beyond which Phi is 0 or 1 and phi 0 to float precision (taken as 0, so
     * that an infinite x gives the plain loop's NaN for the derivative). One rounding to float at the end.
     */
    private static void gelu(boolean grad, float[] x, int xOff, float[] out, int oOff, int n) {
        // which result is a mask, not a branch: vectors merged after a branch are boxed (500 KB per MLP step)
        VectorMask<Double> derivative = D.maskAll(grad);
        for (int i = 0; i < n; i += D.length()) {
            VectorMask<Float> m = NARROW.indexInRange(i, n);
            DoubleVector v = (DoubleVector) FloatVector.fromArray(NARROW, x, xOff + i, m)
                    .convertShape(VectorOperators.F2D, D, 0);
            DoubleVector w = v.max(-20).min(20), a = w.abs(), z = a.mul(D_SQRT_HALF);
            DoubleVector e = exp(w.mul(w).mul(-0.5)).blend(0, a.compare(VectorOperators.GE, 20)); // e^(-x^2/2)
            DoubleVector u = z.sub(D_ONE), t = D_ONE.div(z.mul(z)).sub(D_EIGHTH);
            DoubleVector near = u.fma(G0, G1).fma(u, G2).fma(u, G3).fma(u, G4).fma(u, G5).fma(u, G6).fma(u, G7)
                    .fma(u, G8).fma(u, G9).fma(u, G10).fma(u, G11).fma(u, G12).fma(u, G13).fma(u, G14).fma(u, G15)
                    .fma(u, G16).fma(u, G17).fma(u, G18);
            DoubleVector far = t.fma(H0, H1).fma(t, H2).fma(t, H3).fma(t, H4).fma(t, H5).fma(t, H6).fma(t, H7)
                    .fma(t, H8).fma(t, H9).fma(t, H10).div(z);
            DoubleVector tail = e.mul(near.blend(far, z.compare(VectorOperators.GE, 2))).mul(D_HALF); // Phi(-|x|)
            DoubleVector cdf = D_ONE.sub(tail).blend(tail, w.compare(VectorOperators.LT, 0));
            DoubleVector slope = v.mul(e.mul(D_INV_SQRT_2PI)), r = v.mul(cdf).blend(slope.add(cdf), derivative);
            // a derivative that is zero keeps the sign of x phi(x), as the plain loop's double sum does
            r = r.blend(slope, r.compare(VectorOperators.EQ, 0));
            ((FloatVector) r.convertShape(VectorOperators.D2F, NARROW, 0)).intoArray(out, oOff + i, m);
        }
    }

    /** 1.5 * 2^23: adding it to a float below 2^22 in magnitude rounds that float to an integer, in its low bits. */
    private static final float ROUNDER = 0x1.8p23f;
    /** exp's constants as vectors: held in static finals, each is one load, not a broadcast call (smaller code). */
    private static final FloatVector LOW = c(-110f), HIGH = c(100f), LOG2E = c(1.44269504088896341f),
            ROUND = c(ROUNDER), LN2_HI = c(-0.693359375f), LN2_LO = c(2.12194440e-4f), P0 = c(1.9875691500e-4f),
            P1 = c(1.3981999507e-3f), P2 = c(8.3334519073e-3f), P3 = c(4.1665795894e-2f), P4 = c(1.6666665459e-1f),
            P5 = c(5.0000001201e-1f), ONE = c(1f), ZERO = c(0f), MINUS_ONE = c(-1f);
    private static final IntVector ROUND_BITS = IntVector.broadcast(I, Float.floatToRawIntBits(ROUNDER)),
            BIAS = IntVector.broadcast(I, 127);

    private static FloatVector c(float value) {
        return FloatVector.broadcast(S, value);
    }

    /**
     * e^x with only IEEE arithmetic and bit operations (Cephes' expf): x = n ln 2 + r with |r| &lt;= ln 2 / 2 (ln 2 in
     * two parts, so that n ln 2 is exact), e^r by a degree-7 polynomial, then 2^n applied in two factors so that
     * results near overflow and in the subnormal range round once. +inf above 88.72, 0 below -103.97, NaN for NaN.
     * No library call and no approximate instruction: the same bits in the interpreter, C1 and C2, on every machine.
     */
    private static FloatVector exp(FloatVector x) {
        FloatVector c = x.max(LOW).min(HIGH); // keeps n in int range; NaN stays NaN
        FloatVector shifted = c.fma(LOG2E, ROUND);
        FloatVector nf = shifted.sub(ROUND);
        FloatVector r = nf.fma(LN2_HI, c).add(nf.mul(LN2_LO));
        FloatVector p = r.fma(P0, P1).fma(r, P2).fma(r, P3).fma(r, P4).fma(r, P5);
        FloatVector y = p.fma(r.mul(r), r).add(ONE);
        IntVector k = shifted.reinterpretAsInts().sub(ROUND_BITS); // n, from the low bits
        IntVector k1 = k.lanewise(VectorOperators.ASHR, 1), k2 = k.sub(k1);
        return y.mul(k1.add(BIAS).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats())
                .mul(k2.add(BIAS).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats());
    }
}
