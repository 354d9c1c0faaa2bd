package io.jgrad.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link Updates} with the Vector API: the plain loops' operations in the same order (no fused multiply-add, so
 * the same roundings), a vector at a time, with a compare and blend that stores subnormal state as zero. The plain
 * loops cannot flush without a branch, and C2 leaves a loop with a branch scalar (measured: 4 times slower).
 */
final class VectorUpdates implements Updates {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    /** x with the lanes whose magnitude is below {@link Float#MIN_NORMAL} (subnormals and zeros) set to +0. */
    private static FloatVector flush(FloatVector x) {
        return x.blend(0f, x.abs().lt(Float.MIN_NORMAL));
    }

    private static float flush(float x) {
        return Math.abs(x) < Float.MIN_NORMAL ? 0f : x;
    }

    @Override
    public void adam(float[] p, float[] g, float[] m, float[] v, int off, int n, float beta1, float a1, float beta2,
                     float a2, float ns, float bc2Sqrt, float eps) {
        int i = off, end = off + n;
        for (int bound = off + S.loopBound(n); i < bound; i += S.length()) {
            FloatVector gi = FloatVector.fromArray(S, g, i);
            FloatVector mi = flush(FloatVector.fromArray(S, m, i).mul(beta1).add(gi.mul(a1)));
            mi.intoArray(m, i);
            FloatVector vi = flush(FloatVector.fromArray(S, v, i).mul(beta2).add(gi.mul(a2).mul(gi)));
            vi.intoArray(v, i);
            FloatVector denom = vi.sqrt().div(bc2Sqrt).add(eps);
            FloatVector.fromArray(S, p, i).add(mi.mul(ns).div(denom)).intoArray(p, i);
        }
        for (; i < end; i++) {
            float gi = g[i];
            float mi = m[i] * beta1;
            mi = flush(mi + a1 * gi);
            m[i] = mi;
            float vi = v[i] * beta2;
            vi = flush(vi + a2 * gi * gi);
            v[i] = vi;
            float denom = (float) Math.sqrt(vi) / bc2Sqrt + eps;
            p[i] += ns * mi / denom;
        }
    }

    @Override
    public void momentum(float[] p, float[] g, float[] buf, int off, int n, float momentum, float a, float nl) {
        int i = off, end = off + n;
        for (int bound = off + S.loopBound(n); i < bound; i += S.length()) {
            FloatVector b = flush(FloatVector.fromArray(S, buf, i).mul(momentum).add(FloatVector.fromArray(S, g, i).mul(a)));
            b.intoArray(buf, i);
            FloatVector.fromArray(S, p, i).add(b.mul(nl)).intoArray(p, i);
        }
        for (; i < end; i++) {
            float b = buf[i] * momentum;
            b = flush(b + a * g[i]);
            buf[i] = b;
            p[i] += nl * b;
        }
    }
}
