package io.jgrad.nn;

import static org.junit.jupiter.api.Assertions.*;

import io.jgrad.tensor.DType;
import io.jgrad.tensor.Generator;
import io.jgrad.tensor.GradCheck;
import io.jgrad.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Conv2d: gradients against finite differences, forward against a direct loop, shapes, errors and init. */
class ConvTest {
    private static Tensor input(long seed, int... shape) {
        return Tensor.normal(DType.FLOAT64, new Generator(seed), 0, 1, shape).requiresGrad(true);
    }

    private static void gradCheck(Conv2d conv, Tensor x) {
        conv.to(DType.FLOAT64);
        List<Tensor> vars = new ArrayList<>();
        vars.add(x);
        vars.addAll(conv.parameters());
        GradCheck.Result r = GradCheck.check(() -> conv.forward(x), vars.toArray(Tensor[]::new));
        assertTrue(r.passed(), conv + ": " + r);
        assertEquals(x.numel() + conv.parameterCount(), r.checked());
    }

    /** y[n,o,i,j] = b[o] + sum_{c,ki,kj} w[o,c,ki,kj] x[n, g*cg + c, i*s-p+ki*d, j*s-p+kj*d], straight from the definition. */
    private static double[] reference(Tensor x, Tensor w, Tensor b, int s, int p, int d, int groups) {
        int n = x.size(0), h = x.size(2), wd = x.size(3);
        int o = w.size(0), cg = w.size(1), kh = w.size(2), kw = w.size(3), og = o / groups;
        int ho = (h + 2 * p - d * (kh - 1) - 1) / s + 1, wo = (wd + 2 * p - d * (kw - 1) - 1) / s + 1;
        double[] xs = x.toDoubleArray(), ws = w.toDoubleArray();
        double[] y = new double[n * o * ho * wo];
        int c = x.size(1);
        for (int in = 0; in < n; in++) {
            for (int oc = 0; oc < o; oc++) {
                for (int i = 0; i < ho; i++) {
                    for (int j = 0; j < wo; j++) {
                        double acc = b == null ? 0 : b.get(oc);
                        for (int ic = 0; ic < cg; ic++) {
                            int channel = (oc / og) * cg + ic;
                            for (int ki = 0; ki < kh; ki++) {
                                for (int kj = 0; kj < kw; kj++) {
                                    int ih = i * s - p + ki * d, iw = j * s - p + kj * d;
                                    if (ih >= 0 && ih < h && iw >= 0 && iw < wd) {
                                        acc += ws[((oc * cg + ic) * kh + ki) * kw + kj]
                                                * xs[((in * c + channel) * h + ih) * wd + iw];
                                    }
                                }
                            }
                        }
                        y[((in * o + oc) * ho + i) * wo + j] = acc;
                    }
                }
            }
        }
        return y;
    }

    @Test
    void gradientsMatchFiniteDifferences() {
        gradCheck(new Conv2d(2, 3, 3, 1, 0, 1, 1, true, new Generator(1)), input(2, 2, 2, 5, 6));
        gradCheck(new Conv2d(2, 3, 3, 2, 1, 1, 1, true, new Generator(3)), input(4, 2, 2, 7, 6));
        gradCheck(new Conv2d(2, 2, 3, 1, 2, 2, 1, false, new Generator(5)), input(6, 1, 2, 6, 5));
        gradCheck(new Conv2d(4, 6, 2, 1, 1, 1, 2, true, new Generator(7)), input(8, 2, 4, 4, 5));
        gradCheck(new Conv2d(4, 4, 3, 2, 1, 2, 2, false, new Generator(9)), input(10, 2, 4, 7, 8));
        gradCheck(new Conv2d(3, 3, 1, 1, 0, 1, 3, true, new Generator(11)), input(12, 2, 3, 3, 2)); // depthwise 1x1
        // "same" padding (output as large as the input): im2col's shifted-plane path, also for one-row images
        gradCheck(new Conv2d(2, 3, 3, 1, 1, 1, 1, true, new Generator(13)), input(14, 2, 2, 4, 5));
        gradCheck(new Conv2d(2, 2, 3, 1, 1, 1, 1, true, new Generator(15)), input(16, 2, 2, 1, 3));
        // dilated taps that fall in the padding for every output column
        gradCheck(new Conv2d(2, 2, 3, 1, 2, 2, 1, true, new Generator(17)), input(18, 2, 2, 4, 1));
        gradCheck(new Conv2d(2, 1, 4, 2, 3, 3, 1, true, new Generator(19)), input(20, 1, 2, 5, 5));
    }

    @Test
    void unbatchedImagesAreABatchOfOne() {
        // PyTorch 1.13 maps [C, H, W] to [out, Ho, Wo]: the same values and gradients as [1, C, H, W]
        Conv2d conv = new Conv2d(3, 2, 3, 2, 1, 1, 1, true, new Generator(21));
        conv.to(DType.FLOAT64);
        Tensor x = input(22, 3, 5, 6);
        Tensor y = conv.forward(x);
        assertArrayEquals(new int[] {2, 3, 3}, y.shape());
        assertArrayEquals(reference(x.unsqueeze(0), conv.weight(), conv.bias(), 2, 1, 1, 1), y.toDoubleArray(), 1e-12);
        gradCheck(conv, x);
        gradCheck(new Conv2d(1, 2, 4, 3, 2, 1, 1, false, new Generator(23)), input(24, 1, 7, 5)); // one channel
        gradCheck(new Conv2d(4, 4, 3, 1, 1, 2, 2, true, new Generator(25)), input(26, 4, 5, 5)); // dilated, grouped
    }

    @Test
    void forwardMatchesDirectLoopOnAwkwardShapes() {
        int[][] configs = { // in, out, k, stride, padding, dilation, groups, bias, N, H, W
                {3, 5, 3, 1, 1, 1, 1, 1, 2, 7, 9},
                {3, 4, 2, 3, 0, 1, 1, 0, 3, 8, 5},
                {6, 4, 3, 2, 2, 3, 2, 1, 1, 9, 11},
                {4, 8, 5, 1, 2, 1, 4, 1, 2, 5, 5},
                {1, 2, 4, 1, 0, 2, 1, 1, 2, 7, 12},
                {2, 2, 3, 5, 1, 1, 1, 0, 1, 3, 4},
                {2, 3, 3, 1, 1, 1, 1, 1, 2, 1, 4}, // same padding on one-row images: kernel rows fully outside
                {3, 2, 1, 1, 0, 1, 1, 1, 2, 4, 3},
                // a dilated tap in the padding for every output column (W = 1; W = 5 with stride 2): im2col threw
                {3, 2, 3, 1, 2, 2, 1, 0, 3, 7, 1},
                {3, 1, 4, 2, 3, 3, 1, 1, 2, 8, 5},
                // "same" padding wider than the image (a 5x5 kernel on 1x1 and 3x1 maps): im2col threw
                {2, 3, 5, 1, 2, 1, 1, 1, 2, 1, 1}, {2, 2, 5, 1, 2, 1, 1, 0, 2, 3, 1}};
        for (DType dtype : DType.values()) {
            for (int[] k : configs) {
                Conv2d conv = new Conv2d(k[0], k[1], k[2], k[3], k[4], k[5], k[6], k[7] == 1, new Generator(k[2]));
                conv.to(dtype);
                Tensor x = Tensor.normal(dtype, new Generator(k[9]), 0, 1, k[8], k[0], k[9], k[10]);
                Tensor y = conv.forward(x);
                double[] expect = reference(x, conv.weight(), conv.bias(), k[3], k[4], k[5], k[6]);
                int ho = (k[9] + 2 * k[4] - k[5] * (k[2] - 1) - 1) / k[3] + 1;
                int wo = (k[10] + 2 * k[4] - k[5] * (k[2] - 1) - 1) / k[3] + 1;
                assertArrayEquals(new int[] {k[8], k[1], ho, wo}, y.shape(), conv.toString());
                assertEquals(dtype, y.dtype());
                double[] got = y.toDoubleArray();
                double tol = dtype == DType.FLOAT32 ? 1e-5 : 1e-12;
                for (int i = 0; i < expect.length; i++) {
                    assertEquals(expect[i], got[i], tol * Math.max(1, Math.abs(expect[i])), conv + " element " + i);
                }
            }
        }
    }

    @Test
    void batchesLargerThanTheColumnBufferAreProcessedInChunks() {
        // 1x1 kernel, 1 channel, 64x64: the 256K-element column buffer holds 64 samples, so 1030 take 17 chunks,
        // of 61 samples and a last one of 54
        Conv2d conv = new Conv2d(1, 2, 1, 1, 0, 1, 1, true, new Generator(1));
        int n = 1030;
        Tensor x = Tensor.uniform(new Generator(2), -1, 1, n, 1, 64, 64);
        Tensor y = conv.forward(x);
        for (int sample : new int[] {0, 63, 64, 1023, 1024, 1029}) {
            for (int o = 0; o < 2; o++) {
                double expect = conv.weight().get(o, 0, 0, 0) * x.get(sample, 0, 37, 11) + conv.bias().get(o);
                assertEquals(expect, y.get(sample, o, 37, 11), 1e-6, "sample " + sample);
            }
        }
        y.sum().backward();
        double total = 0;
        for (float v : x.toFloatArray()) {
            total += v;
        }
        // dL/dw[o] = sum of every input pixel; dL/db[o] = number of output pixels
        assertEquals(total, conv.weight().grad().get(1, 0, 0, 0), 1e-6 * n * 4096);
        assertEquals(n * 4096.0, conv.bias().grad().get(0), 1e-3);
    }

    @Test
    void chunkedGradientsEqualTheSumOverSingleSamples() {
        // 4 channels, 3x3 kernel, 2 groups, 32x32 "same": 36 column rows of 1024 per sample, so the 256K buffer
        // holds 7 samples and a batch of 20 is 3 chunks (7, 7, 6) run by the threads, whose dW and db are partial
        // sums added afterwards. Each sample alone is one chunk: the per-sample gradients must add up to them.
        int saved = io.jgrad.tensor.Backends.threads();
        try {
            io.jgrad.tensor.Backends.setThreads(2);
            Conv2d conv = new Conv2d(4, 6, 3, 1, 1, 1, 2, true, new Generator(5));
            int n = 20;
            Tensor x = Tensor.uniform(new Generator(6), -1, 1, n, 4, 32, 32).requiresGrad(true);
            Tensor weights = Tensor.uniform(new Generator(7), -1, 1, n, 6, 32, 32);
            conv.forward(x).mul(weights).sum().backward();
            double[] gw = conv.weight().grad().toDoubleArray(), gb = conv.bias().grad().toDoubleArray();
            double[] gx = x.grad().toDoubleArray();
            double[] sumW = new double[gw.length], sumB = new double[gb.length];
            int image = 4 * 32 * 32;
            for (int i = 0; i < n; i++) {
                conv.zeroGrad();
                Tensor xi = x.detach().slice(0, i, i + 1).contiguous().requiresGrad(true);
                conv.forward(xi).mul(weights.slice(0, i, i + 1)).sum().backward();
                double[] w = conv.weight().grad().toDoubleArray(), b = conv.bias().grad().toDoubleArray();
                for (int j = 0; j < w.length; j++) {
                    sumW[j] += w[j];
                }
                for (int j = 0; j < b.length; j++) {
                    sumB[j] += b[j];
                }
                double[] g = xi.grad().toDoubleArray();
                for (int j = 0; j < image; j++) {
                    assertEquals(g[j], gx[i * image + j], 1e-5, "dX of sample " + i + " element " + j);
                }
            }
            for (int j = 0; j < gw.length; j++) {
                assertEquals(sumW[j], gw[j], 1e-3 * Math.max(1, Math.abs(sumW[j])), "dW element " + j);
            }
            for (int j = 0; j < gb.length; j++) {
                assertEquals(sumB[j], gb[j], 1e-3 * Math.max(1, Math.abs(sumB[j])), "db element " + j);
            }
        } finally {
            io.jgrad.tensor.Backends.setThreads(saved);
        }
    }

    @Test
    void initialisationFollowsPyTorchBounds() {
        Conv2d conv = new Conv2d(6, 8, 3, 1, 0, 1, 2, true, new Generator(3));
        assertArrayEquals(new int[] {8, 3, 3, 3}, conv.weight().shape());
        assertArrayEquals(new int[] {8}, conv.bias().shape());
        double bound = 1 / Math.sqrt(3 * 3 * 3);
        double maxAbs = 0;
        for (float v : conv.weight().toFloatArray()) {
            assertTrue(Math.abs(v) <= bound, "weight " + v + " outside +-" + bound);
            maxAbs = Math.max(maxAbs, Math.abs(v));
        }
        assertTrue(maxAbs > 0.8 * bound, "216 draws of U(-b, b) should come near b; max |w| = " + maxAbs);
        for (float v : conv.bias().toFloatArray()) {
            assertTrue(Math.abs(v) <= bound, "bias " + v);
        }
        assertNull(new Conv2d(2, 2, 3, 1, 0, 1, 1, false, new Generator(1)).bias());
        assertEquals(List.of("weight", "bias"), List.copyOf(conv.stateDict().keySet()));
        assertEquals("Conv2d(6, 8, kernel_size=(3, 3), stride=(1, 1), groups=2)", conv.toString());
        assertEquals("Conv2d(1, 4, kernel_size=(5, 5), stride=(2, 2), padding=(1, 1), dilation=(2, 2), bias=False)",
                new Conv2d(1, 4, 5, 2, 1, 2, 1, false, new Generator(1)).toString());
    }

    @Test
    void shapeErrorsNameTheLayerAndShapes() {
        Conv2d conv = new Conv2d(1, 4, 3);
        var e = assertThrows(IllegalArgumentException.class, () -> conv.forward(Tensor.zeros(8, 3, 28, 28)));
        assertEquals("Conv2d: input [8, 3, 28, 28] has 3 channels, weight expects 1", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> conv.forward(Tensor.zeros(28, 28)));
        assertEquals("Conv2d: input [28, 28] must be [N, C, H, W] or an unbatched image [C, H, W]", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> conv.forward(Tensor.zeros(3, 28, 28)));
        assertEquals("Conv2d: input [3, 28, 28] has 3 channels, weight expects 1", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> conv.forward(Tensor.zeros(1, 2, 9)));
        assertEquals("Conv2d: input [1, 2, 9] padded by 0 is smaller than the 3x3 (dilated) kernel", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> conv.forward(Tensor.zeros(1, 1, 2, 5)));
        assertTrue(e.getMessage().startsWith("Conv2d: input [1, 1, 2, 5]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new Conv2d(3, 4, 3, 1, 0, 1, 2, true, new Generator(1)));
        assertTrue(e.getMessage().contains("groups=2"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Tensor.conv2d(Tensor.zeros(1, 4, 5, 5), Tensor.zeros(2, 3, 3, 3), null, 1, 0, 1, 1));
        assertTrue(e.getMessage().contains("[1, 4, 5, 5]") && e.getMessage().contains("[2, 3, 3, 3]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Tensor.conv2d(Tensor.zeros(1, 3, 5, 5), Tensor.zeros(2, 3, 3, 3), Tensor.zeros(3), 1, 0, 1, 1));
        assertTrue(e.getMessage().contains("bias has shape [3], expected [2]"), e.getMessage());
    }

    @Test
    void stateDictNamesOfASmallConvNetAreTorchs() {
        Sequential net = new Sequential(new Conv2d(1, 4, 3), new BatchNorm2d(4), new ReLU(), new MaxPool2d(2),
                new Flatten(), new Linear(4 * 3 * 3, 10));
        assertEquals(List.of("0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean", "1.running_var",
                "1.num_batches_tracked", "5.weight", "5.bias"), List.copyOf(net.stateDict().keySet()));
        assertEquals(List.of("0.weight", "0.bias", "1.weight", "1.bias", "5.weight", "5.bias"),
                List.copyOf(net.namedParameters().keySet()));
        Tensor y = net.forward(Tensor.randn(new Generator(1), 2, 1, 8, 8));
        assertArrayEquals(new int[] {2, 10}, y.shape());
        assertEquals(0, net.stateDict().get("1.num_batches_tracked").dim());
        assertEquals(1.0, net.stateDict().get("1.num_batches_tracked").item());
    }

    @Test
    void aConvNetStepIsBitwiseTheSameOnOneAndOnThreeThreads() {
        // large enough that im2col/col2im, batch norm, ReLU and pooling split their work over the threads: each
        // range writes its own outputs in a fixed order, so the split must not change a bit
        float[][] results = new float[2][];
        int saved = io.jgrad.tensor.Backends.threads();
        try {
            for (int run = 0; run < 2; run++) {
                io.jgrad.tensor.Backends.setThreads(run == 0 ? 1 : 3);
                Sequential net = new Sequential(new Conv2d(3, 16, 3, 1, 1, 1, 1, true, new Generator(31)),
                        new BatchNorm2d(16), new ReLU(), new MaxPool2d(2), new Flatten(),
                        new Linear(16 * 16 * 16, 5, true, new Generator(32)));
                Tensor x = Tensor.randn(new Generator(33), 8, 3, 32, 32);
                Tensor y = net.forward(x);
                Tensor loss = y.mul(y).mean();
                loss.backward();
                java.util.List<Float> all = new java.util.ArrayList<>();
                all.add((float) loss.item());
                for (Tensor p : net.parameters()) {
                    for (float v : p.grad().toFloatArray()) {
                        all.add(v);
                    }
                }
                for (float v : ((BatchNorm) net.get(1)).runningVar().toFloatArray()) {
                    all.add(v);
                }
                results[run] = new float[all.size()];
                for (int i = 0; i < all.size(); i++) {
                    results[run][i] = all.get(i);
                }
            }
        } finally {
            io.jgrad.tensor.Backends.setThreads(saved);
        }
        assertArrayEquals(results[0], results[1]);
    }
}
