package io.jgrad.tensor;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The float32 sums of batch normalization and of the convolution's bias gradient with the Vector API: floats
 * widened to double a vector at a time (vcvtps2pd), added into two vectors of double partial sums, which are added
 * across lanes at the end. The plain loops (in {@link FloatConvKernels}) convert and add one element per cycle,
 * four partial sums deep; these reductions were 17% of a CNN step's CPU time on 2 threads (JFR, MNIST-10k).
 * Used by {@link FloatConvKernels} as {@link Reductions#VECTOR} where the incubator module is there; the sums are in
 * double either way, in another order, so the last bits differ from the plain loops (and never between thread
 * counts).
 */
final class VectorReductions implements Reductions {
    private static final VectorSpecies<Double> D = DoubleVector.SPECIES_PREFERRED;
    /** As many floats as D has doubles: one load widens into one vector of doubles. */
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED.withShape(
            VectorShape.forBitSize(D.vectorBitSize() / 2));
    private static final int L = D.length();

    /**
     * The lanes added from the first to the last. Not reduceLanes(ADD), which leaves the order open: its compiled form
     * added them in another order than the interpreted one, so a sum's last bits depended on whether the JIT had
     * compiled it yet (the same gradient's norm differed between two runs).
     */
    private static double inLaneOrder(DoubleVector v) {
        double s = v.lane(0);
        for (int i = 1; i < L; i++) {
            s += v.lane(i);
        }
        return s;
    }

    private static DoubleVector widen(float[] x, int at) {
        return (DoubleVector) FloatVector.fromArray(F, x, at).convertShape(VectorOperators.F2D, D, 0);
    }

    @Override
    public double sum(float[] x, int off, int len) {
        DoubleVector a = DoubleVector.zero(D), b = DoubleVector.zero(D);
        int j = 0;
        for (; j + 2 * L <= len; j += 2 * L) {
            a = a.add(widen(x, off + j));
            b = b.add(widen(x, off + j + L));
        }
        double s = inLaneOrder(a.add(b));
        for (; j < len; j++) {
            s += x[off + j];
        }
        return s;
    }

    @Override
    public double squaredDeviations(float[] x, int off, int len, double mu) {
        DoubleVector a = DoubleVector.zero(D), b = DoubleVector.zero(D), m = DoubleVector.broadcast(D, mu);
        int j = 0;
        for (; j + 2 * L <= len; j += 2 * L) {
            DoubleVector d0 = widen(x, off + j).sub(m), d1 = widen(x, off + j + L).sub(m);
            a = d0.fma(d0, a);
            b = d1.fma(d1, b);
        }
        double s = inLaneOrder(a.add(b));
        for (; j < len; j++) {
            double d = x[off + j] - mu;
            s += d * d;
        }
        return s;
    }

    @Override
    public void gradSums(float[] g, int gOff, float[] x, int xOff, int len, double mu, double[] sumG, double[] sumGX,
                         int k) {
        DoubleVector sg = DoubleVector.zero(D), sgx = DoubleVector.zero(D), m = DoubleVector.broadcast(D, mu);
        int j = 0;
        for (; j + L <= len; j += L) {
            DoubleVector gv = widen(g, gOff + j);
            sg = sg.add(gv);
            sgx = gv.fma(widen(x, xOff + j).sub(m), sgx);
        }
        double s0 = inLaneOrder(sg), s1 = inLaneOrder(sgx);
        for (; j < len; j++) {
            double v = g[gOff + j];
            s0 += v;
            s1 += v * (x[xOff + j] - mu);
        }
        sumG[k] += s0;
        sumGX[k] += s1;
    }
}
