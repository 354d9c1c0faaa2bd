package io.jgrad.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.util.Random;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** The float32 ReLU derivative loops (branch-free, Vector API) against the select, bit for bit, on any float. */
class ReluGradTest {
    @Test
    void branchFreeLoopGivesTheSelectsBits() {
        check(ReluGrad::plain, "plain");
    }

    @Test
    void vectorLoopGivesTheSelectsBits() {
        Assumptions.assumeTrue(ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent(),
                "the JVM runs without --add-modules jdk.incubator.vector");
        assertNotNull(UnaryKernels.VECTOR, "the Vector API loop should load where the module is present");
        check(UnaryKernels.VECTOR::reluGrad, "vector");
    }

    @Test
    void entryPointGivesTheSelectsBits() {
        check(ReluGrad::reluGrad, "reluGrad");
    }

    /** A float32 ReLU derivative loop: out[i] = y[i] &lt;= 0 ? +0 : g[i] for i in [from, to). */
    private interface Loop {
        void reluGrad(float[] g, float[] y, float[] out, int from, int to);
    }

    private static void check(Loop kernel, String name) {
        float[] special = {Float.NaN, Float.intBitsToFloat(0xFFC00001), 0f, -0f, Float.POSITIVE_INFINITY,
                Float.NEGATIVE_INFINITY, Float.MIN_VALUE, -Float.MIN_VALUE, Float.MAX_VALUE, -Float.MAX_VALUE,
                Float.MIN_NORMAL, -Float.MIN_NORMAL, 1f, -1f, Float.intBitsToFloat(0x7F800001)};
        int n = (1 << 16) + 7; // not a multiple of any vector width: the scalar tail runs too
        float[] g = new float[n], y = new float[n], out = new float[n];
        Random r = new Random(41);
        for (int i = 0; i < n; i++) {
            // every combination of the special values, then random bit patterns (all signs, exponents, NaNs)
            g[i] = i < special.length * special.length ? special[i % special.length] : Float.intBitsToFloat(r.nextInt());
            y[i] = i < special.length * special.length ? special[i / special.length] : Float.intBitsToFloat(r.nextInt());
        }
        for (int repeat = 0; repeat < 30; repeat++) { // until the JIT has compiled (and vectorized) the loop
            kernel.reluGrad(g, y, out, 3, n - 5);
        }
        for (int i = 0; i < n; i++) {
            float want = i < 3 || i >= n - 5 ? 0f : y[i] <= 0 ? 0f : g[i]; // a NaN y keeps g, as PyTorch
            assertEquals(Float.floatToRawIntBits(want), Float.floatToRawIntBits(out[i]),
                    name + ": g=" + g[i] + " y=" + y[i] + " (bits " + Integer.toHexString(Float.floatToRawIntBits(y[i]))
                            + ")");
        }
    }
}
