package io.jgrad.tensor;

import static io.jgrad.tensor.TensorAssertions.assertOp;
import static io.jgrad.tensor.TensorAssertions.randn;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * The fused fast paths of the training step (linear, cross-entropy, ReLU backward, the one-pass optimizer
 * updates, gradients kept without a copy) against plain compositions of the basic ops, on awkward shapes.
 */
class FusedOpsTest {
    private static final int[][] SHAPES = {{1, 1, 1}, {7, 13, 5}, {3, 17, 9}, {0, 4, 3}};

    /** linear(x, W, b) against x.matmul(W^T) + b: values and all three gradients, float64 so they compare tightly. */
    @Test
    void linearMatchesMatmulPlusBias() {
        for (int[] s : SHAPES) {
            int rows = s[0], in = s[1], out = s[2];
            for (boolean bias : new boolean[] {true, false}) {
                Tensor x = randn(1, rows, in), w = randn(2, out, in), b = bias ? randn(3, out) : null;
                Tensor[] fused = run(x, w, b, true), plain = run(x, w, b, false);
                for (int i = 0; i < fused.length; i++) {
                    if (plain[i] == null) {
                        assertNull(fused[i]);
                        continue;
                    }
                    assertArrayEquals(plain[i].shape(), fused[i].shape());
                    assertArrayEquals(plain[i].toDoubleArray(), fused[i].toDoubleArray(), 1e-12,
                            "output/gradient " + i + " for " + rows + "x" + in + "->" + out + " bias=" + bias);
                }
            }
        }
    }

    private static Tensor[] run(Tensor x0, Tensor w0, Tensor b0, boolean fused) {
        Tensor x = x0.detach().copy().requiresGrad(true), w = w0.detach().copy().requiresGrad(true);
        Tensor b = b0 == null ? null : b0.detach().copy().requiresGrad(true);
        Tensor y = fused ? Tensor.linear(x, w, b) : b == null ? x.matmul(w.t()) : x.matmul(w.t()).add(b);
        Tensor weights = randn(4, y.shape());
        y.mul(weights).sum().backward();
        return new Tensor[] {y, x.grad(), w.grad(), b == null ? null : b.grad()};
    }

    @Test
    void linearGradCheckOnTransposedAndBatchedInputs() {
        Tensor w = randn(5, 6, 4), b = randn(6, 6);
        // a transposed (column-major) input and weight, and a 3-D input [2, 3, in]
        assertOp(t -> Tensor.linear(t[0].t(), t[1].t(), t[2]), randn(7, 4, 5), randn(8, 4, 6), b);
        assertOp(t -> Tensor.linear(t[0], t[1], t[2]), randn(9, 2, 3, 4), w, b);
        assertOp(t -> Tensor.linear(t[0], t[1], null), randn(10, 4), w);
        assertArrayEquals(new int[] {6}, Tensor.linear(randn(11, 4), w, b).shape());
        var e = assertThrows(IllegalArgumentException.class, () -> Tensor.linear(randn(12, 3, 5), w, b));
        assertTrue(e.getMessage().contains("linear") && e.getMessage().contains("[3, 5]"), e.getMessage());
    }

    /** crossEntropy against -logSoftmax(x).gather(target): bitwise in float32, and its gradient by finite differences. */
    @Test
    void crossEntropyMatchesLogSoftmaxAndGather() {
        for (int[] s : new int[][] {{1, 1}, {7, 13}, {5, 3}, {128, 10}}) {
            int n = s[0], c = s[1];
            float[] t = new float[n];
            Generator gen = new Generator(n * 31L + c);
            for (int i = 0; i < n; i++) {
                t[i] = gen.nextInt(c);
            }
            Tensor target = Tensor.of(t, n);
            Tensor x0 = randn(n + c, n, c).mul(3).to(DType.FLOAT32);
            Tensor xa = x0.detach().copy().requiresGrad(true), xb = x0.detach().copy().requiresGrad(true);
            Tensor fused = xa.crossEntropy(target);
            Tensor plain = xb.logSoftmax(1).gather(1, target.reshape(n, 1)).neg().reshape(n);
            assertArrayEquals(plain.toFloatArray(), fused.toFloatArray(), "forward " + n + "x" + c);
            fused.mean().backward();
            plain.mean().backward();
            assertArrayEquals(xb.grad().toFloatArray(), xa.grad().toFloatArray(), "backward " + n + "x" + c);
            TensorAssertions.assertGradCheck(in -> in[0].crossEntropy(target).mul(randn(3, n)).sum(),
                    randn(n * c, n, c));
        }
        var e = assertThrows(IllegalArgumentException.class, () -> randn(1, 2, 3).crossEntropy(Tensor.of(new float[] {0, 3})));
        assertTrue(e.getMessage().contains("target value 3.0"), e.getMessage());
    }

    @Test
    void reluBackwardKeepsGradientWherePositiveOnly() {
        Tensor x = Tensor.of(new float[] {-1, 0, 2, 3, -0.5f, 7, 1, -2, 4}, 3, 3).requiresGrad(true);
        // a non-contiguous upstream gradient with a NaN where x <= 0: PyTorch gives 0 there
        Tensor g = Tensor.of(new float[] {Float.NaN, 1, 2, 3, 4, 5, 6, 7, 8}, 3, 3).t();
        x.relu().backward(g);
        float[] gv = g.toFloatArray(), xv = x.toFloatArray(), got = x.grad().toFloatArray();
        for (int i = 0; i < xv.length; i++) {
            assertEquals(xv[i] > 0 ? gv[i] : 0f, got[i], "element " + i);
        }
        assertOp(t -> t[0].relu(), TensorAssertions.awayFromZero(13, 7, 13));
    }

    /** The one-pass updates give bitwise the same parameters and state as the in-place op sequences they replace. */
    @Test
    void fusedUpdatesMatchTheUnfusedOpsBitwise() {
        for (DType dt : DType.values()) {
            for (int n : new int[] {1, 7, 13, 1000}) {
                Tensor p1 = randn(n, n).to(dt).copy(), g = randn(n + 1, n).to(dt), m1 = randn(n + 2, n).to(dt).copy();
                Tensor v1 = randn(n + 3, n).abs().to(dt).copy();
                Tensor p2 = p1.copy(), m2 = m1.copy(), v2 = v1.copy();
                double b1 = 0.9, b2 = 0.999, lr = 1e-3, eps = 1e-8, step = 3;
                double stepSize = lr / (1 - Math.pow(b1, step)), bc2 = Math.sqrt(1 - Math.pow(b2, step));
                try (var s = Tensor.noGrad()) {
                    FusedUpdates.adam_(p1, g, m1, v1, b1, b2, stepSize, bc2, eps);
                    m2.mul_(b1).add_(g, 1 - b1);
                    v2.mul_(b2).addcmul_(g, g, 1 - b2);
                    p2.addcdiv_(m2, v2.sqrt().div_(bc2).add_(eps), -stepSize);
                }
                assertArrayEquals(p2.toDoubleArray(), p1.toDoubleArray(), 0.0, "adam param " + dt + " n=" + n);
                assertArrayEquals(m2.toDoubleArray(), m1.toDoubleArray(), 0.0);
                assertArrayEquals(v2.toDoubleArray(), v1.toDoubleArray(), 0.0);

                Tensor q1 = randn(n + 4, n).to(dt).copy(), buf1 = randn(n + 5, n).to(dt).copy();
                Tensor q2 = q1.copy(), buf2 = buf1.copy();
                try (var s = Tensor.noGrad()) {
                    FusedUpdates.momentum_(q1, g, buf1, 0.9, 0.1, 0.05);
                    buf2.mul_(0.9).add_(g, 1 - 0.1);
                    q2.add_(buf2, -0.05);
                }
                assertArrayEquals(q2.toDoubleArray(), q1.toDoubleArray(), 0.0, "momentum param " + dt + " n=" + n);
                assertArrayEquals(buf2.toDoubleArray(), buf1.toDoubleArray(), 0.0);
            }
        }
        var e = assertThrows(IllegalArgumentException.class,
                () -> FusedUpdates.momentum_(Tensor.zeros(3), Tensor.zeros(4), Tensor.zeros(3), 0.9, 0, 0.1));
        assertTrue(e.getMessage().contains("momentum_") && e.getMessage().contains("[4]"), e.getMessage());
    }

    /**
     * With the Vector API (the surefire JVM has the module) the float32 updates store subnormal state as +0 instead
     * of letting it decay through the subnormal range (slow on x86); every other element, and every parameter, is
     * bitwise what the unfused ops give, on a length with a vector part and a scalar tail.
     */
    @Test
    void fusedUpdatesStoreSubnormalStateAsZero() {
        org.junit.jupiter.api.Assumptions.assumeTrue(Updates.VECTOR != null, "runs where the Vector API is loaded");
        int n = 37;
        float[] sub = {1e-39f, -3e-40f, Float.MIN_VALUE, -Float.MIN_VALUE, Float.MIN_NORMAL * 1.05f};
        float[] gv = randn(11L, n).toFloatArray(), mv = randn(12L, n).toFloatArray();
        float[] vv = randn(13L, n).abs().add(1e-3).toFloatArray();
        java.util.Set<Integer> flushed = new java.util.HashSet<>();
        for (int k = 0; k < sub.length; k++) {
            for (int at : new int[] {3 * k, n - 1 - k}) { // in the vector part and in the tail
                gv[at] = 0f;
                mv[at] = sub[k];
                if (Math.abs(sub[k] * 0.9f) < Float.MIN_NORMAL) {
                    flushed.add(at);
                }
            }
        }
        Tensor g = Tensor.of(gv, n), p1 = randn(14L, n).to(DType.FLOAT32).copy(), m1 = Tensor.of(mv.clone(), n);
        Tensor v1 = Tensor.of(vv, n), p2 = p1.copy(), m2 = m1.copy(), v2 = v1.copy();
        Tensor q1 = randn(15L, n).to(DType.FLOAT32).copy(), buf1 = Tensor.of(mv.clone(), n), q2 = q1.copy(), buf2 = buf1.copy();
        double b1 = 0.9, b2 = 0.999, stepSize = 1e-3 / (1 - b1), bc2 = Math.sqrt(1 - b2), eps = 1e-8;
        try (var s = Tensor.noGrad()) {
            FusedUpdates.adam_(p1, g, m1, v1, b1, b2, stepSize, bc2, eps);
            m2.mul_(b1).add_(g, 1 - b1);
            v2.mul_(b2).addcmul_(g, g, 1 - b2);
            p2.addcdiv_(m2, v2.sqrt().div_(bc2).add_(eps), -stepSize);
            FusedUpdates.momentum_(q1, g, buf1, 0.9, 0, 0.05);
            buf2.mul_(0.9).add_(g, 1.0);
            q2.add_(buf2, -0.05);
        }
        assertArrayEquals(p2.toFloatArray(), p1.toFloatArray(), 0f, "adam parameters");
        assertArrayEquals(q2.toFloatArray(), q1.toFloatArray(), 0f, "momentum parameters");
        assertArrayEquals(v2.toFloatArray(), v1.toFloatArray(), 0f, "adam v (no subnormals)");
        float[] m = m1.toFloatArray(), mRef = m2.toFloatArray(), b = buf1.toFloatArray(), bRef = buf2.toFloatArray();
        assertEquals(10, flushed.size(), "the test's subnormal products");
        for (int i = 0; i < n; i++) {
            if (flushed.contains(i)) {
                assertTrue(mRef[i] != 0f && Math.abs(mRef[i]) < Float.MIN_NORMAL, "unfused m[" + i + "] is subnormal");
                assertEquals(0, Float.floatToRawIntBits(m[i]), "m[" + i + "] stored as +0");
                assertEquals(0, Float.floatToRawIntBits(b[i]), "momentum buffer[" + i + "] stored as +0");
            } else {
                assertEquals(mRef[i], m[i], 0f, "m[" + i + "]");
                assertEquals(bRef[i], b[i], 0f, "momentum buffer[" + i + "]");
            }
        }
    }

    /** n elements of randn(seed) at offset off of an array of n + off + 2 whose other elements are -99. */
    private static Tensor offsetView(DType dt, long seed, int n, int off, boolean positive) {
        Tensor base = Tensor.full(dt, -99, n + off + 2);
        Tensor view = base.slice(0, off, off + n);
        Tensor values = positive ? randn(seed, n).abs().add(0.1) : randn(seed, n);
        try (var s = Tensor.noGrad()) {
            view.copy_(values.to(dt));
        }
        return view;
    }

    /** A copy of the whole array behind a view, including the elements outside it. */
    private static double[] wholeArray(Tensor view) {
        if (view.dtype() == DType.FLOAT64) {
            return view.d.clone();
        }
        double[] all = new double[view.f.length];
        for (int i = 0; i < all.length; i++) {
            all[i] = view.f[i];
        }
        return all;
    }

    /**
     * The fused updates on parameter, gradient and state tensors that are views at different offsets inside larger
     * arrays (the kernels' general path; whole arrays take a separate same-index loop), on lengths around the vector
     * widths: bitwise the same as the fused update of offset-0 copies and as the unfused in-place ops on the
     * views, and nothing outside the views written.
     */
    @Test
    void fusedUpdatesOnOffsetViews() {
        for (DType dt : DType.values()) {
            for (int n : new int[] {1, 15, 16, 17, 33}) {
                Tensor p = offsetView(dt, n, n, 1, false), g = offsetView(dt, n + 1, n, 2, false);
                Tensor m = offsetView(dt, n + 2, n, 3, false), v = offsetView(dt, n + 3, n, 5, true);
                Tensor pc = p.copy(), mc = m.copy(), vc = v.copy();
                Tensor pu = offsetView(dt, n, n, 4, false), mu = offsetView(dt, n + 2, n, 1, false);
                Tensor vu = offsetView(dt, n + 3, n, 2, true);
                double[] pAll = wholeArray(p), mAll = wholeArray(m), vAll = wholeArray(v), gAll = wholeArray(g);
                double b1 = 0.9, b2 = 0.999, lr = 1e-3, eps = 1e-8, step = 2;
                double stepSize = lr / (1 - Math.pow(b1, step)), bc2 = Math.sqrt(1 - Math.pow(b2, step));
                try (var s = Tensor.noGrad()) {
                    FusedUpdates.adam_(p, g, m, v, b1, b2, stepSize, bc2, eps);
                    FusedUpdates.adam_(pc, g.copy(), mc, vc, b1, b2, stepSize, bc2, eps);
                    mu.mul_(b1).add_(g, 1 - b1);
                    vu.mul_(b2).addcmul_(g, g, 1 - b2);
                    pu.addcdiv_(mu, vu.sqrt().div_(bc2).add_(eps), -stepSize);
                }
                String what = "adam " + dt + " n=" + n;
                assertArrayEquals(pc.toDoubleArray(), p.toDoubleArray(), 0.0, what + ": param, views against copies");
                assertArrayEquals(mc.toDoubleArray(), m.toDoubleArray(), 0.0, what + ": m");
                assertArrayEquals(vc.toDoubleArray(), v.toDoubleArray(), 0.0, what + ": v");
                assertArrayEquals(pu.toDoubleArray(), p.toDoubleArray(), 0.0, what + ": param, fused against unfused");
                assertArrayEquals(mu.toDoubleArray(), m.toDoubleArray(), 0.0, what + ": m, fused against unfused");
                assertArrayEquals(vu.toDoubleArray(), v.toDoubleArray(), 0.0, what + ": v, fused against unfused");
                assertOutsideUnchanged(pAll, p, what + ": param");
                assertOutsideUnchanged(mAll, m, what + ": m");
                assertOutsideUnchanged(vAll, v, what + ": v");
                assertArrayEquals(gAll, wholeArray(g), 0.0, what + ": the gradient must not change");

                Tensor q = offsetView(dt, n + 4, n, 3, false), buf = offsetView(dt, n + 5, n, 1, false);
                Tensor qc = q.copy(), bufc = buf.copy();
                Tensor qu = offsetView(dt, n + 4, n, 2, false), bufu = offsetView(dt, n + 5, n, 6, false);
                double[] qAll = wholeArray(q), bufAll = wholeArray(buf);
                try (var s = Tensor.noGrad()) {
                    FusedUpdates.momentum_(q, g, buf, 0.9, 0.1, 0.05);
                    FusedUpdates.momentum_(qc, g.copy(), bufc, 0.9, 0.1, 0.05);
                    bufu.mul_(0.9).add_(g, 1 - 0.1);
                    qu.add_(bufu, -0.05);
                }
                what = "momentum " + dt + " n=" + n;
                assertArrayEquals(qc.toDoubleArray(), q.toDoubleArray(), 0.0, what + ": param, views against copies");
                assertArrayEquals(bufc.toDoubleArray(), buf.toDoubleArray(), 0.0, what + ": buffer");
                assertArrayEquals(qu.toDoubleArray(), q.toDoubleArray(), 0.0, what + ": param, fused against unfused");
                assertArrayEquals(bufu.toDoubleArray(), buf.toDoubleArray(), 0.0, what + ": buffer, fused against unfused");
                assertOutsideUnchanged(qAll, q, what + ": param");
                assertOutsideUnchanged(bufAll, buf, what + ": buffer");
            }
        }
    }

    /** The elements of the array behind view that lie outside it equal those in before (the array before the update). */
    private static void assertOutsideUnchanged(double[] before, Tensor view, String what) {
        double[] after = wholeArray(view);
        for (int i = 0; i < after.length; i++) {
            if (i < view.offset || i >= view.offset + view.numel()) {
                assertEquals(before[i], after[i], 0.0, what + ": array element " + i + ", outside the view at offset "
                        + view.offset + ", was written");
            }
        }
    }

    /** A gradient kept without a copy must never be shared between two tensors, nor with a retained gradient. */
    @Test
    void keptGradientsAreNeverShared() {
        Tensor w = randn(20, 3, 4).requiresGrad(true), b = randn(21, 3).requiresGrad(true);
        Tensor x = randn(22, 5, 4);
        // w reaches the loss along two paths: its gradient is the sum of two, which is kept without a copy
        Tensor y = Tensor.linear(x, w, b).add(Tensor.linear(x.mul(2), w, null));
        y.sum().backward();
        Tensor expected = Tensor.ones(DType.FLOAT64, 5, 3).t().matmul(x).mul(3);
        assertArrayEquals(expected.toDoubleArray(), w.grad().toDoubleArray(), 1e-12);
        // the same gradient object handed to two leaves by add: each gets its own storage
        Tensor p = randn(23, 2, 2).requiresGrad(true), q = randn(24, 2, 2).requiresGrad(true);
        Tensor h = Tensor.linear(randn(25, 2, 2), p, null).retainGrad();
        h.add(q).sum().backward();
        assertNotSame(h.grad(), q.grad());
        try (var s = Tensor.noGrad()) {
            h.grad().mul_(5);
        }
        assertArrayEquals(new double[] {1, 1, 1, 1}, q.grad().toDoubleArray(), 0.0);
    }
}
