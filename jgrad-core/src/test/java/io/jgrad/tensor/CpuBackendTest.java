package io.jgrad.tensor;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * The CPU backend called directly: fill, cross-entropy's reading of the class indices, one backend shared by
 * calling threads at once (Spark's tasks), whose kernels reuse per-thread range bodies, and the image kernels called
 * again allocating nothing.
 */
class CpuBackendTest {
    /** A [n] tensor over an array with {@code offset} elements before it and 2 after, all 7. */
    private static Tensor at(DType dtype, int offset, int n) {
        int[] shape = {n}, strides = {1};
        if (dtype == DType.FLOAT32) {
            float[] a = new float[offset + n + 2];
            java.util.Arrays.fill(a, 7f);
            return new Tensor(dtype, a, null, shape, strides, offset);
        }
        double[] a = new double[offset + n + 2];
        java.util.Arrays.fill(a, 7.0);
        return new Tensor(dtype, null, a, shape, strides, offset);
    }

    private static double element(Tensor t, int i) {
        return t.dtype == DType.FLOAT32 ? t.f[i] : t.d[i];
    }

    @Test
    void fillWritesTheValueFromTheOffsetAndNothingElse() {
        CpuBackend backend = new CpuBackend(3);
        try {
            for (DType dtype : DType.values()) {
                // one range on the calling thread, and enough elements to be cut into ranges for the workers
                for (int n : new int[] {0, 1, 1000, (int) CpuBackend.PARALLEL_MIN_ELEMENTS * 3 + 5}) {
                    for (double value : new double[] {0, -2.5, Double.NaN}) {
                        Tensor out = at(dtype, 3, n);
                        backend.fill(out, value);
                        int length = dtype == DType.FLOAT32 ? out.f.length : out.d.length;
                        for (int i = 0; i < length; i++) {
                            double expected = i < 3 || i >= 3 + n ? 7 : value;
                            assertEquals(expected, element(out, i), dtype + " [" + n + "] filled with " + value
                                    + ", element " + i + " of the array");
                        }
                    }
                }
            }
        } finally {
            backend.shutdown();
        }
    }

    @Test
    void crossEntropyReadsTheClassesAndRefusesAValueThatIsNotOne() {
        CpuBackend backend = new CpuBackend(2);
        try {
            Tensor x = Tensor.of(new float[] {1, 2, 3, -1, 0, 4}, 2, 3);
            // the target contiguous from an offset, of another dtype than the logits
            Tensor target = new Tensor(DType.FLOAT64, null, new double[] {9, 2, 0}, new int[] {2}, new int[] {1}, 1);
            int[] classes = {-1, -1};
            Tensor logp = Tensor.zeros(DType.FLOAT32, 2, 3), loss = Tensor.zeros(DType.FLOAT32, 2);
            backend.crossEntropy(x, target, classes, logp, loss);
            assertArrayEquals(new int[] {2, 0}, classes);
            assertEquals(-logp.f[2], loss.f[0]);
            assertEquals(-logp.f[3], loss.f[1]);

            // the message SoftmaxOps.crossEntropy gave when it read the targets itself
            for (double bad : new double[] {3, -1, 1.5, Double.NaN}) {
                Tensor t = Tensor.of(new float[] {0, (float) bad});
                var e = assertThrows(IllegalArgumentException.class, () -> backend.crossEntropy(x, t, classes, logp, loss));
                assertEquals("crossEntropy: target value " + (double) (float) bad + " in row 1 is not a class index: it"
                        + " must be an integer in [0, 3)", e.getMessage());
            }
        } finally {
            backend.shutdown();
        }
    }

    /**
     * Two threads call the kernels of one backend at once, each many times: every result has the bits the same calls
     * give on a one-thread backend (a range body shared between the callers would mix their operands).
     */
    @Test
    void callersOnManyThreadsShareOneBackend() throws InterruptedException {
        Generator g = new Generator(5);
        Tensor a = Tensor.randn(g, 128, 784), w = Tensor.randn(g, 256, 784), tall = Tensor.randn(g, 512, 96);
        Tensor wide = Tensor.randn(g, 96, 700), row = Tensor.randn(g, 700), big = Tensor.randn(g, 300, 700);
        List<Function<Backend, Tensor>> calls = new ArrayList<>();
        calls.add(be -> gemm(be, a, w.t())); // K split
        calls.add(be -> gemm(be, tall, wide)); // rows of C
        calls.add(be -> gemm(be, wide.t(), tall.t())); // columns of C
        calls.add(be -> gemm(be, a.to(DType.FLOAT64), w.t().to(DType.FLOAT64)));
        calls.add(be -> {
            Tensor out = Tensor.zeros(DType.FLOAT32, 300, 700);
            be.unary(UnaryOp.TANH, 0, 0, big, out);
            return out;
        });
        calls.add(be -> {
            Tensor out = Tensor.zeros(DType.FLOAT32, 300, 700);
            be.binary(BinaryOp.MUL, big, big, out); // flat
            be.binary(BinaryOp.ADD, out, row, out); // broadcast
            return out;
        });
        calls.add(be -> {
            Tensor p = big.copy(), buf = Tensor.zeros(DType.FLOAT32, 300, 700);
            Tensor m = Tensor.zeros(DType.FLOAT32, 300, 700), v = Tensor.zeros(DType.FLOAT32, 300, 700);
            be.momentum(p, big, buf, 0.9, 0, 0.01);
            be.adam(p, big, m, v, 0.9, 0.999, 0.001, 0.5, 1e-8);
            be.fill(m, 0.25);
            be.axpby(0.5, p, 2, m);
            return p;
        });
        for (DType t : DType.values()) {
            calls.add(be -> imageKernels(be, new Generator(9), t)[0]); // the convolution's dX
            calls.add(be -> imageKernels(be, new Generator(9), t)[2]); // its dW, summed over chunks
            calls.add(be -> imageKernels(be, new Generator(9), t)[4]); // batch normalization's dX
        }
        CpuBackend one = new CpuBackend(1), shared = new CpuBackend(3);
        try {
            List<Tensor> expected = new ArrayList<>();
            for (var call : calls) {
                expected.add(call.apply(one));
            }
            OnThreads.run(2, 120_000, "a caller is stuck", id -> {
                for (int r = 0; r < 16; r++) {
                    int c = (r + 3 * id) % calls.size();
                    Tensor got = calls.get(c).apply(shared);
                    assertArrayEquals(expected.get(c).toDoubleArray(), got.toDoubleArray(), "call " + c + ", round " + r);
                }
            });
        } finally {
            one.shutdown();
            shared.shutdown();
        }
    }

    /**
     * The default CNN's image kernels on one batch of the given dtype: a grouped convolution whose batch is cut into two
     * chunks, forward and backward; max pooling and its adjoint; batch normalization in training and in evaluation,
     * forward and backward. Returns conv dX, conv y, conv dW, pooled gradient, batch norm dX (training), y (evaluation).
     */
    private static Tensor[] imageKernels(Backend be, Generator gen, DType t) {
        Inputs in = new Inputs(gen, t);
        imageKernels(be, in);
        return new Tensor[] {in.gx, in.y, in.gw, in.pooledGrad, in.bnGx, in.bnY};
    }

    /** The operands of {@link #imageKernels}: made once, so that the calls can be repeated on them. */
    private static final class Inputs {
        // 16 channels of 16 x 16, 3 x 3 windows: 7 samples' columns fit in a chunk, so 10 samples make 2 chunks of 5
        final Conv2dGeometry g = new Conv2dGeometry(10, 16, 16, 16, 8, 3, 3, 1, 1, 1, 2, 16, 16);
        final Tensor x, w, b, y, gy, gx, gw, gb, pooled, pooledGrad, bnY, bnGx, bnGw, bnGb, weight, bias, runMean, runVar;
        final int[] arg = new int[10 * 8 * 8 * 8];
        final double[] mean = new double[8], var = new double[8], istd = new double[8], scale = new double[8],
                shift = new double[8], sumG = new double[8], sumGX = new double[8];

        Inputs(Generator gen, DType t) {
            x = Tensor.randn(gen, 10, 16, 16, 16).to(t);
            w = Tensor.randn(gen, 8, 8, 3, 3).to(t);
            b = Tensor.randn(gen, 8).to(t);
            gy = Tensor.randn(gen, 10, 8, 16, 16).to(t);
            weight = Tensor.randn(gen, 8).to(t);
            bias = Tensor.randn(gen, 8).to(t);
            y = Tensor.zeros(t, 10, 8, 16, 16);
            gx = Tensor.zeros(t, 10, 16, 16, 16);
            gw = Tensor.zeros(t, 8, 8, 3, 3);
            gb = Tensor.zeros(t, 8);
            pooled = Tensor.zeros(t, 10, 8, 8, 8);
            pooledGrad = Tensor.zeros(t, 10, 8, 16, 16);
            bnY = Tensor.zeros(t, 10, 8, 16, 16);
            bnGx = Tensor.zeros(t, 10, 8, 16, 16);
            bnGw = Tensor.zeros(t, 8);
            bnGb = Tensor.zeros(t, 8);
            runMean = Tensor.zeros(t, 8);
            runVar = Tensor.ones(t, 8);
        }
    }

    private static void imageKernels(Backend be, Inputs in) {
        be.conv2d(in.g, in.x, in.w, in.b, in.y);
        be.conv2dBackward(in.g, in.x, in.w, in.gy, in.gx, in.gw, in.gb);
        be.maxPool2d(in.y, 2, 2, 0, in.pooled, in.arg);
        be.maxPool2dBackward(in.pooled, in.arg, in.pooledGrad);
        be.batchNorm(in.y, in.weight, in.bias, in.runMean, in.runVar, true, 0.1, 1e-5, in.mean, in.var, in.istd,
                in.scale, in.shift, in.bnY);
        be.batchNormBackward(in.gy, in.y, true, in.mean, in.istd, in.scale, in.sumG, in.sumGX, in.bnGx, in.bnGw, in.bnGb);
        // evaluation last, so that bnY is its output and bnGx has the training terms plus the evaluation's
        be.batchNorm(in.y, in.weight, in.bias, in.runMean, in.runVar, false, 0.1, 1e-5, in.mean, in.var, in.istd,
                in.scale, in.shift, in.bnY);
        be.batchNormBackward(in.gy, in.y, false, in.mean, in.istd, in.scale, in.sumG, in.sumGX, in.bnGx, null, null);
    }

    /**
     * A replayed CNN step calls the image kernels on the same operands step after step: called again, they allocate
     * nothing on the calling thread (each call made capturing lambdas for its parallel loops, the convolution its
     * column buffers, views and partial sums, batch normalization's backward two arrays). With one thread every range
     * runs on the caller, so all of a call's allocations are counted; with two the caller's share. In float64, with
     * the Java GEMM: the float32 sums and products go through the Vector API, whose vectors are objects until the JIT
     * compiles them (a megabyte per call here, in the JDK's frames); the range bodies are the same for both dtypes.
     * The fewest of 10 rounds is asked for, as the JIT's own one-time work may allocate in the first.
     */
    @Test
    void imageKernelsCalledAgainAllocateNothing() {
        var threads = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        for (int n : new int[] {1, 2}) {
            CpuBackend be = new CpuBackend(n, null);
            try {
                Inputs in = new Inputs(new Generator(9), DType.FLOAT64);
                long least = Long.MAX_VALUE;
                for (int round = 0; round < 10; round++) {
                    long before = threads.getCurrentThreadAllocatedBytes();
                    for (int i = 0; i < 5; i++) {
                        imageKernels(be, in);
                    }
                    least = Math.min(least, threads.getCurrentThreadAllocatedBytes() - before);
                }
                assertEquals(0, least, n + " thread(s): bytes allocated by the fewest of 10 rounds of 5 calls each");
            } finally {
                be.shutdown();
            }
        }
    }

    private static Tensor gemm(Backend be, Tensor a, Tensor b) {
        Tensor c = Tensor.zeros(a.dtype, a.size(0), b.size(1));
        be.gemm(1, a, b, 0, c);
        return c;
    }
}
