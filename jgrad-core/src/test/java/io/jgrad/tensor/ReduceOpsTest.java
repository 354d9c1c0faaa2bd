package io.jgrad.tensor;

import static io.jgrad.tensor.TensorAssertions.assertOp;
import static io.jgrad.tensor.TensorAssertions.assertValues;
import static io.jgrad.tensor.TensorAssertions.randn;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ReduceOpsTest {
    @Test
    void l2NormOfContiguousStridedOffsetAndDoubleTensors() {
        Generator gen = new Generator(11);
        Tensor a = Tensor.uniform(gen, -2, 3, 37, 29); // 1073 elements: not a multiple of any vector width
        double[] v = a.toDoubleArray();
        double sq = 0;
        for (double x : v) {
            sq += x * x;
        }
        assertEquals(Math.sqrt(sq), a.l2Norm(), 1e-12 * Math.sqrt(sq));
        assertEquals(Math.sqrt(sq), a.t().l2Norm(), 1e-12 * Math.sqrt(sq), "a transposed view");
        assertEquals(Math.sqrt(sq), a.to(DType.FLOAT64).l2Norm(), 1e-12 * Math.sqrt(sq), "float64");
        Tensor rows = a.slice(0, 5, 9); // contiguous rows at an offset
        double part = 0;
        for (int i = 5 * 29; i < 9 * 29; i++) {
            part += v[i] * v[i];
        }
        assertEquals(Math.sqrt(part), rows.l2Norm(), 1e-12 * Math.sqrt(part), "rows 5-8 at an offset");
        assertEquals(0.0, Tensor.zeros(DType.FLOAT32, 0).l2Norm());
        assertEquals(5.0, Tensor.wrap(new float[] {3, -4}, 2).l2Norm());
    }

    @Test
    void sumAndMeanGradCheckOverDimsAndKeepDim() {
        Tensor x = randn(1, 2, 3, 4);
        for (boolean keep : new boolean[] {true, false}) {
            for (int dim : new int[] {0, 1, 2, -1, -3}) {
                assertOp(v -> v[0].sum(dim, keep), x);
                assertOp(v -> v[0].mean(dim, keep), x);
            }
            assertOp(v -> v[0].sum(new int[] {0, 2}, keep), x);
            assertOp(v -> v[0].mean(new int[] {-1, 0}, keep), x);
            assertOp(v -> v[0].max(1, keep), x);
            assertOp(v -> v[0].min(-1, keep), x);
        }
        assertOp(v -> v[0].sum(), x);
        assertOp(v -> v[0].mean(), x);
        assertOp(v -> v[0].max(), x);
        assertOp(v -> v[0].min(), x);
    }

    @Test
    void reductionsOfViews() {
        Tensor x = randn(2, 4, 3, 5);
        assertOp(v -> v[0].permute(2, 0, 1).sum(1, false), x);
        assertOp(v -> v[0].t().mean(0, true), randn(3, 3, 5));
        assertOp(v -> v[0].slice(1, 1, 3).max(1, false), x);
        assertOp(v -> v[0].expand(4, 3, 5).sum(new int[] {0, 2}, false), randn(4, 3, 1));
        assertOp(v -> v[0].sumTo(3, 1), randn(5, 2, 3, 4));
        assertOp(v -> v[0].sumTo(4), randn(6, 2, 3, 4));
        assertOp(v -> v[0].sumTo(), randn(7, 2, 3));
    }

    @Test
    void forwardMatchesLoops() {
        Tensor x = randn(3, 2, 3, 4);
        double[] v = x.toDoubleArray();
        double[] sum1 = new double[8], max2 = new double[6], arg2 = new double[6];
        java.util.Arrays.fill(max2, Double.NEGATIVE_INFINITY);
        for (int i = 0; i < 2; i++) {
            for (int j = 0; j < 3; j++) {
                for (int k = 0; k < 4; k++) {
                    double e = v[(i * 3 + j) * 4 + k];
                    sum1[i * 4 + k] += e;
                    if (e > max2[i * 3 + j]) {
                        max2[i * 3 + j] = e;
                        arg2[i * 3 + j] = k;
                    }
                }
            }
        }
        double total = 0;
        for (double e : v) {
            total += e;
        }
        assertValues(sum1, x.sum(1, false), 1e-14);
        assertArrayEquals(new int[] {2, 1, 4}, x.sum(1, true).shape());
        assertValues(max2, x.max(2, false), 0);
        assertValues(arg2, x.argmax(-1, false), 0);
        assertEquals(total, x.sum().item(), 1e-13);
        assertEquals(total / 24, x.mean().item(), 1e-14);
        assertEquals(0, x.sum().dim());
    }

    @Test
    void maxGradientGoesToFirstMaximumAndArgTakesFirst() {
        Tensor x = Tensor.of(new double[] {1, 5, 5, 2, 0, 0}, 2, 3).requiresGrad(true);
        x.max(1, false).sum().backward();
        assertValues(new double[] {0, 1, 0, 1, 0, 0}, x.grad(), 0);
        assertValues(new double[] {1, 0}, x.argmax(1, false), 0);
        assertValues(new double[] {0, 1}, x.argmin(1, false), 0);
        assertValues(new double[] {0, 1, 1}, x.argmin(0, false), 0);
    }

    @Test
    void sumOfZeroDimViewReadsItsOwnElement() {
        // bug: summing a 0-d tensor returned a view at offset 0 of the storage, i.e. the wrong element
        Tensor element = Tensor.arange(DType.FLOAT64, 5).slice(0, 2, 3).reshape();
        assertEquals(0, element.dim());
        assertEquals(2.0, element.item());
        assertEquals(2.0, element.sum().item());
        assertEquals(2.0, element.mean().item());
    }

    @Test
    void sumOfZeroDimIsNewTensorAndLeafStaysLeaf() {
        // bug: sum(keepDim=true) of a 0-d tensor returned the tensor itself and recorded it as its own input
        Tensor x = Tensor.scalar(DType.FLOAT64, 3).requiresGrad(true);
        Tensor s = x.sum(new int[0], true);
        assertTrue(x.isLeaf(), "x must stay a leaf");
        assertTrue(s != x);
        s.backward();
        assertEquals(1.0, x.grad().item());
    }

    @Test
    void reductionsOverDimZeroOfZeroDimTensor() {
        // as PyTorch: a 0-d tensor can be reduced over dim 0 or -1, giving itself
        Tensor x = Tensor.scalar(DType.FLOAT64, 4).requiresGrad(true);
        assertEquals(4.0, x.sum(0, false).item());
        assertEquals(4.0, x.sum(-1, true).item());
        assertEquals(4.0, x.mean(0, false).item());
        assertEquals(4.0, x.max(0, false).item());
        assertOp(v -> v[0].sum(0, true).mul(v[0]), x);
    }

    @Test
    void sumToIsIdentityForSameShape() {
        Tensor x = randn(8, 2, 3);
        assertSame(x, x.sumTo(2, 3));
        assertValues(x.sum(0, true).toDoubleArray(), x.sumTo(1, 3), 0);
        assertNull(x.sum().gradFn());
    }

    @Test
    void middleAxisSumsOfShrinkingAndGrowingWidthsReuseNoStaleAccumulator() {
        // the per-thread accumulators are reused across calls: a narrower sum after a wider one, then a wider one
        // again, must each start from zero (float32 and float64 kernels)
        for (DType dt : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
            for (int inner : new int[] {7, 3, 11, 1, 5}) {
                Tensor x = Tensor.normal(dt, new Generator(40 + inner), 0, 1, 2, 4, inner);
                double[] v = x.toDoubleArray(), got = x.sum(1, false).toDoubleArray();
                for (int o = 0; o < 2; o++) {
                    for (int i = 0; i < inner; i++) {
                        double want = 0;
                        for (int k = 0; k < 4; k++) {
                            want += v[(o * 4 + k) * inner + i];
                        }
                        assertEquals(want, got[o * inner + i], 1e-5 * (1 + Math.abs(want)), dt + " inner " + inner);
                    }
                }
            }
        }
    }

    @Test
    void varianceAndStandardDeviationAreUnbiasedAsPyTorch() {
        Tensor x = Tensor.of(new double[][] {{1, 2, 4}, {3, 3, 3}});
        // row 0: mean 7/3, squared deviations 16/9 + 1/9 + 25/9 = 42/9, over n - 1 = 2
        assertValues(new double[] {21.0 / 9, 0}, x.var(1, false), 1e-15);
        assertValues(new double[] {Math.sqrt(21.0 / 9), 0}, x.std(1, false), 1e-15);
        assertArrayEquals(new int[] {1, 3}, x.var(0, true).shape());
        assertValues(new double[] {2, 0.5, 0.5}, x.var(0, false), 1e-15);
        assertOp(v -> v[0].var(1, false), randn(3, 4, 5));
        assertOp(v -> v[0].std(0, true), randn(4, 3, 2).add(0.0));
        // bug: a 0-d tensor threw ArrayIndexOutOfBoundsException; PyTorch: tensor(2.).var(0) is nan (one value)
        Tensor x0 = Tensor.scalar(DType.FLOAT64, 2);
        assertEquals(0, x0.var(0, false).dim());
        assertTrue(Double.isNaN(x0.var(0, false).item()));
        assertTrue(Double.isNaN(x0.std(-1, true).item()));
    }

    @Test
    void maxAndMinOfAllElementsShareTheGradientAmongTiesAsPyTorch() {
        // bug: the gradient went whole to the first tied element; PyTorch 1.13's max() and min() (no dim) share it
        // equally (evenly_distribute_backward): torch.tensor([1., 3., 3., 2.]).max() gives [0, .5, .5, 0]
        Tensor x = Tensor.of(new double[] {1, 3, 3, 2}).requiresGrad(true);
        x.max().backward();
        assertValues(new double[] {0, 0.5, 0.5, 0}, x.grad(), 0);
        Tensor leaf = Tensor.of(new double[] {1, 1, 3, 1}, 2, 2).requiresGrad(true);
        leaf.t().min().mul(6.0).backward(); // through a transposed view, 3 ties
        assertValues(new double[] {2, 2, 0, 2}, leaf.grad(), 1e-15);
        // a NaN maximum: the NaNs share it, as torch
        Tensor n = Tensor.of(new double[] {Double.NaN, 1, Double.NaN}).requiresGrad(true);
        n.max().backward();
        assertValues(new double[] {0.5, 0, 0.5}, n.grad(), 0);
        // float32 and a 0-d tensor
        Tensor f = Tensor.of(new float[] {2, 2, 2}).requiresGrad(true);
        f.max().backward();
        assertValues(new double[] {1 / 3f, 1 / 3f, 1 / 3f}, f.grad(), 0);
        Tensor s = Tensor.scalar(DType.FLOAT64, 4).requiresGrad(true);
        s.min().backward();
        assertEquals(1.0, s.grad().item());
        // max(dim) still sends each slice's gradient to its first maximum, as PyTorch's (it follows the index)
        Tensor d = Tensor.of(new double[] {1, 3, 3, 2}).requiresGrad(true);
        d.max(0, false).backward();
        assertValues(new double[] {0, 1, 0, 0}, d.grad(), 0);
    }

    @Test
    void stdOfAConstantRowHasZeroGradientAsPyTorch() {
        // bug: std = sqrt(var) gave g / (2 * 0) times zero deviations, NaN; PyTorch's std_backward sets it to 0 where
        // the result is 0: torch.tensor([[2., 2., 2.], [1., 2., 4.]]).std(1) gives [0, 0, 0] on the constant row
        Tensor x = Tensor.of(new double[][] {{2, 2, 2}, {1, 2, 4}}).requiresGrad(true);
        Tensor s = x.std(1, false);
        s.sum().backward();
        double sd = Math.sqrt(7.0 / 3); // row 1: mean 7/3, squared deviations 16/9 + 1/9 + 25/9 over 2
        double[] dev = {1 - 7.0 / 3, 2 - 7.0 / 3, 4 - 7.0 / 3};
        assertValues(new double[] {0, 0, 0, dev[0] / (2 * sd), dev[1] / (2 * sd), dev[2] / (2 * sd)}, x.grad(), 1e-15);
        Tensor c = Tensor.full(DType.FLOAT32, 0.75, 4, 3).requiresGrad(true);
        c.std(0, true).sum().backward();
        assertValues(new double[12], c.grad(), 0);
    }
}
