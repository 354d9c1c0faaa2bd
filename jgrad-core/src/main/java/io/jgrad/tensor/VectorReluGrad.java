package io.jgrad.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link ReluGrad.Kernel} with the Vector API: +0 blended with g where y &gt; 0. The blend moves g's bits untouched
 * and a NaN y compares false, so the result is the scalar select's, bit for bit.
 */
final class VectorReluGrad implements ReluGrad.Kernel {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    @Override
    public void keepWherePositive(float[] g, float[] y, float[] out, int from, int to) {
        FloatVector zero = FloatVector.zero(S);
        int i = from;
        for (int bound = from + S.loopBound(to - from); i < bound; i += S.length()) {
            FloatVector yi = FloatVector.fromArray(S, y, i);
            zero.blend(FloatVector.fromArray(S, g, i), yi.compare(VectorOperators.GT, 0f)).intoArray(out, i);
        }
        for (; i < to; i++) {
            out[i] = y[i] > 0 ? g[i] : 0f;
        }
    }
}
