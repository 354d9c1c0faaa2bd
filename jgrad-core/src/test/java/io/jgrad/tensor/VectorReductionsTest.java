package io.jgrad.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.util.Random;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

class VectorReductionsTest {
    @Test
    void sumsEqualPlainDoubleLoopsOnAwkwardLengthsAndOffsets() {
        Assumptions.assumeTrue(ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent(),
                "the JVM runs without --add-modules jdk.incubator.vector");
        Reductions r = Reductions.VECTOR;
        assertNotNull(r, "the Vector API reductions should load where the module is present");
        Random rnd = new Random(7);
        float[] x = new float[2000], g = new float[2000];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (rnd.nextGaussian() * 3 + 1); // a mean away from 0: the deviations matter
            g[i] = (float) rnd.nextGaussian();
        }
        for (int len : new int[] {0, 1, 3, 7, 8, 15, 16, 17, 31, 33, 196, 784, 1001}) {
            for (int off : new int[] {0, 1, 5, 13}) {
                double sum = 0, sq = 0, sg = 0, sgx = 0, mu = 0.75;
                for (int j = off; j < off + len; j++) {
                    sum += x[j];
                    sq += (x[j] - mu) * (x[j] - mu);
                }
                int gOff = off + 3;
                for (int j = 0; j < len; j++) {
                    sg += g[gOff + j];
                    sgx += g[gOff + j] * (x[off + j] - mu);
                }
                String at = "len " + len + " off " + off;
                assertEquals(sum, r.sum(x, off, len), 1e-12 * Math.max(1, len * 4.0), "sum " + at);
                assertEquals(sq, r.squaredDeviations(x, off, len, mu), 1e-12 * Math.max(1, sq), "squares " + at);
                double[] sumG = {0, 10}, sumGX = {0, -5}; // adds into index k = 1
                r.gradSums(g, gOff, x, off, len, mu, sumG, sumGX, 1);
                assertEquals(0, sumG[0]);
                assertEquals(10 + sg, sumG[1], 1e-12 * Math.max(1, len * 4.0), "sum of g " + at);
                assertEquals(-5 + sgx, sumGX[1], 1e-12 * Math.max(1, len * 12.0), "sum of g (x - mu) " + at);
            }
        }
    }
}
