package io.jgrad.nn;

import static org.junit.jupiter.api.Assertions.*;

import io.jgrad.tensor.DType;
import io.jgrad.tensor.Generator;
import io.jgrad.tensor.GradCheck;
import io.jgrad.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** MaxPool2d, AvgPool2d, AdaptiveAvgPool2d: finite-difference gradients, forward against direct loops, errors. */
class PoolTest {
    /** Distinct values (a shuffled ramp) so that no max pooling window has a tie and finite differences are exact. */
    private static Tensor distinct(long seed, int... shape) {
        Tensor t = Tensor.zeros(DType.FLOAT64, shape);
        int n = t.numel();
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        new Generator(seed).shuffle(order);
        double[] v = t.doubleStorage();
        for (int i = 0; i < n; i++) {
            v[i] = order[i] * 0.1 - n * 0.05;
        }
        return t.requiresGrad(true);
    }

    private static void gradCheck(Module m, Tensor x) {
        GradCheck.Result r = GradCheck.check(() -> m.forward(x), x);
        assertTrue(r.passed(), m + ": " + r);
    }

    /** Window reduction straight from the definition; max when max is set, else the mean with divisor. */
    private static double[] reference(Tensor x, int k, int s, int p, boolean max) {
        int n = x.size(0), c = x.size(1), h = x.size(2), w = x.size(3);
        int ho = (h + 2 * p - k) / s + 1, wo = (w + 2 * p - k) / s + 1;
        double[] y = new double[n * c * ho * wo];
        int at = 0;
        for (int a = 0; a < n; a++) {
            for (int b = 0; b < c; b++) {
                for (int i = 0; i < ho; i++) {
                    for (int j = 0; j < wo; j++) {
                        double acc = max ? Double.NEGATIVE_INFINITY : 0;
                        for (int di = 0; di < k; di++) {
                            for (int dj = 0; dj < k; dj++) {
                                int ih = i * s - p + di, iw = j * s - p + dj;
                                boolean inside = ih >= 0 && ih < h && iw >= 0 && iw < w;
                                double v = inside ? x.get(a, b, ih, iw) : 0;
                                if (max && inside) {
                                    acc = Math.max(acc, v);
                                } else if (!max) {
                                    acc += v;
                                }
                            }
                        }
                        y[at++] = max ? acc : acc / (k * k);
                    }
                }
            }
        }
        return y;
    }

    @Test
    void maxPoolGradients() {
        gradCheck(new MaxPool2d(2), distinct(1, 2, 3, 4, 6));
        gradCheck(new MaxPool2d(3, 2), distinct(2, 2, 2, 7, 5)); // overlapping windows
        gradCheck(new MaxPool2d(3, 1, 1), distinct(3, 1, 2, 5, 4)); // overlapping and padded
        gradCheck(new MaxPool2d(2, 2, 1), distinct(4, 2, 1, 5, 6)); // padded, odd size
    }

    @Test
    void avgPoolGradients() {
        gradCheck(new AvgPool2d(2), distinct(5, 2, 3, 4, 6));
        gradCheck(new AvgPool2d(3, 2), distinct(6, 2, 2, 7, 5));
        gradCheck(new AvgPool2d(3, 1, 1), distinct(7, 1, 2, 5, 4));
    }

    @Test
    void adaptiveAvgPoolGradients() {
        gradCheck(new AdaptiveAvgPool2d(3, 2), distinct(8, 2, 2, 7, 5)); // uneven, overlapping windows
        gradCheck(new AdaptiveAvgPool2d(1, 1), distinct(9, 2, 3, 4, 3)); // global average
        gradCheck(new AdaptiveAvgPool2d(5, 4), distinct(10, 1, 2, 3, 2)); // larger than the input: windows repeat
    }

    @Test
    void unbatchedImagesAreABatchOfOne() {
        // PyTorch 1.13 maps [C, H, W] to [C, Ho, Wo]: the values of [1, C, H, W], and gradients to match
        Tensor x = distinct(12, 3, 7, 5);
        Module[] pools = {new MaxPool2d(3, 2, 1), new AvgPool2d(2, 3), new AdaptiveAvgPool2d(4, 3)};
        int[][] shapes = {{3, 4, 3}, {3, 2, 2}, {3, 4, 3}};
        for (int i = 0; i < pools.length; i++) {
            Tensor y = pools[i].forward(x);
            assertArrayEquals(shapes[i], y.shape(), pools[i].toString());
            assertArrayEquals(pools[i].forward(x.unsqueeze(0)).toDoubleArray(), y.toDoubleArray(), 0, pools[i].toString());
            gradCheck(pools[i], x);
        }
        gradCheck(new MaxPool2d(2), distinct(13, 1, 5, 4)); // one channel, odd size
    }

    @Test
    void forwardMatchesDirectLoops() {
        int[][] configs = {{2, 2, 0}, {3, 2, 1}, {3, 1, 1}, {4, 3, 2}, {1, 2, 0}}; // kernel, stride, padding
        for (DType dtype : DType.values()) {
            Tensor x = Tensor.normal(dtype, new Generator(11), 0, 1, 2, 3, 9, 7);
            for (int[] k : configs) {
                double[] mx = new MaxPool2d(k[0], k[1], k[2]).forward(x).toDoubleArray();
                double[] av = new AvgPool2d(k[0], k[1], k[2]).forward(x).toDoubleArray();
                assertArrayEquals(reference(x, k[0], k[1], k[2], true), mx, 0, "max " + java.util.Arrays.toString(k));
                assertArrayEquals(reference(x, k[0], k[1], k[2], false), av, 1e-6, "avg " + java.util.Arrays.toString(k));
            }
        }
    }

    @Test
    void adaptiveWindowsAreFloorToCeil() {
        // H = 5 to 3 rows: windows [0, 2), [1, 4), [3, 5); W = 4 to 2 columns: [0, 2), [2, 4)
        Tensor x = Tensor.arange(DType.FLOAT64, 20).reshape(1, 1, 5, 4);
        Tensor y = new AdaptiveAvgPool2d(3, 2).forward(x);
        assertArrayEquals(new int[] {1, 1, 3, 2}, y.shape());
        double[][] rows = {{0, 2}, {1, 4}, {3, 5}};
        double[][] cols = {{0, 2}, {2, 4}};
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 2; j++) {
                double sum = 0;
                int count = 0;
                for (int r = (int) rows[i][0]; r < rows[i][1]; r++) {
                    for (int c = (int) cols[j][0]; c < cols[j][1]; c++) {
                        sum += 4 * r + c;
                        count++;
                    }
                }
                assertEquals(sum / count, y.get(0, 0, i, j), 1e-12);
            }
        }
    }

    @Test
    void maxPoolGradientGoesToTheFirstMaximum() {
        Tensor x = Tensor.of(new float[] {1, 5, 5, 2, 0, 5, 3, 5}, 1, 1, 2, 4).requiresGrad(true);
        Tensor y = new MaxPool2d(2).forward(x);
        assertArrayEquals(new float[] {5, 5}, y.toFloatArray());
        y.sum().backward();
        assertArrayEquals(new float[] {0, 1, 1, 0, 0, 0, 0, 0}, x.grad().toFloatArray());
    }

    @Test
    void maxPoolNaNWinsAndTheLastNaNTakesTheGradient() {
        // PyTorch's rule (v > best || isnan(v)) in window order; the 2x2 stride-2 window has its own loop
        for (int[] k : new int[][] {{2, 2, 0}, {3, 3, 0}}) {
            float nan = Float.NaN;
            Tensor input = (k[0] == 2 ? Tensor.of(new float[] {1, nan, 3, nan}, 1, 1, 2, 2)
                    : Tensor.of(new float[] {1, nan, 0, 3, nan, 2, 4, 4, 4}, 1, 1, 3, 3)).requiresGrad(true);
            Tensor y = new MaxPool2d(k[0], k[1], k[2]).forward(input);
            assertTrue(Float.isNaN(y.toFloatArray()[0]));
            y.sum().backward();
            float[] g = input.grad().toFloatArray();
            int lastNaN = k[0] == 2 ? 3 : 4; // [1, nan, 3, nan] or the full 3x3 window
            for (int i = 0; i < g.length; i++) {
                assertEquals(i == lastNaN ? 1f : 0f, g[i], "kernel " + k[0] + ", element " + i);
            }
        }
    }

    @Test
    void maxPool2x2FollowsTheScanOrderRuleOnTiesZerosInfinitiesAndNaNs() {
        // the 2x2 stride-2 loop finds its winner without branches: compare it, value bits and gradient routing,
        // with the rule itself (v > best || isnan(v), in window order) on values drawn from a small set
        float[] pool = {0f, -0f, 1f, -1f, 2f, Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY};
        int n = 3, c = 4, h = 6, w = 8;
        float[] v = new float[n * c * h * w];
        java.util.Random rnd = new java.util.Random(3);
        for (int i = 0; i < v.length; i++) {
            v[i] = pool[rnd.nextInt(pool.length)];
        }
        for (DType t : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
            Tensor x = Tensor.of(v, n, c, h, w).to(t).requiresGrad(true);
            Tensor y = new MaxPool2d(2, 2, 0).forward(x);
            Tensor weights = Tensor.arange(y.numel()).reshape(y.shape()).to(t); // a distinct gradient per window
            y.mul(weights).sum().backward();
            double[] got = y.toDoubleArray(), gx = x.grad().toDoubleArray();
            double[] expectGx = new double[v.length];
            int o = 0;
            for (int plane = 0; plane < n * c; plane++) {
                for (int oh = 0; oh < h / 2; oh++) {
                    for (int ow = 0; ow < w / 2; ow++, o++) {
                        int at = -1;
                        float best = 0;
                        for (int q = 0; q < 4; q++) {
                            int i = plane * h * w + (2 * oh + q / 2) * w + 2 * ow + q % 2;
                            if (at < 0 || v[i] > best || Float.isNaN(v[i])) {
                                best = v[i];
                                at = i;
                            }
                        }
                        assertEquals(Double.doubleToRawLongBits(best), Double.doubleToRawLongBits(got[o]),
                                t + " window " + o + ": " + best + " against " + got[o]);
                        expectGx[at] += o;
                    }
                }
            }
            assertArrayEquals(expectGx, gx, t + " gradient routing");
        }
    }

    @Test
    void avgPoolCountsPaddingInTheDivisor() {
        Tensor y = new AvgPool2d(3, 3, 1).forward(Tensor.ones(1, 1, 3, 3));
        // the only window spans rows and columns -1..1: 4 ones and 5 padding zeros, divided by 9
        assertEquals(4.0 / 9, y.get(0, 0, 0, 0), 1e-7);
    }

    @Test
    void errorsNameTheLayerAndShape() {
        var e = assertThrows(IllegalArgumentException.class, () -> new MaxPool2d(2, 2, 2));
        assertTrue(e.getMessage().startsWith("MaxPool2d:") && e.getMessage().contains("padding=2"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new AvgPool2d(3).forward(Tensor.zeros(1, 1, 2, 5)));
        assertTrue(e.getMessage().startsWith("AvgPool2d: input [1, 1, 2, 5]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new MaxPool2d(2).forward(Tensor.zeros(4, 4)));
        assertEquals("MaxPool2d: input [4, 4] must be [N, C, H, W] or an unbatched image [C, H, W]", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new AvgPool2d(3).forward(Tensor.zeros(2, 2, 5)));
        assertEquals("AvgPool2d: input [2, 2, 5] padded by 0 is smaller than the 3x3 window", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new AdaptiveAvgPool2d(2, 2).forward(Tensor.zeros(1, 2, 3, 4, 5)));
        assertEquals("AdaptiveAvgPool2d: input [1, 2, 3, 4, 5] must be [N, C, H, W] or an unbatched image [C, H, W]",
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new AdaptiveAvgPool2d(0, 1));
        assertTrue(e.getMessage().startsWith("AdaptiveAvgPool2d:"), e.getMessage());
        assertEquals("MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)",
                new MaxPool2d(2).toString());
    }
}
