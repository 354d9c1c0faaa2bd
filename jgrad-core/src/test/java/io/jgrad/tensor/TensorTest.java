package io.jgrad.tensor;

import static io.jgrad.tensor.TensorAssertions.assertValues;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Locale;
import org.junit.jupiter.api.Test;

class TensorTest {
    /**
     * The indices of row-major element i, which get() takes: GradCheck names its worst element by them and the
     * checkpoint check its first non-finite weight (each had a copy of this arithmetic).
     */
    @Test
    void unravelIndexGivesTheIndicesOfARowMajorElement() {
        Tensor x = Tensor.arange(DType.FLOAT64, 24).reshape(2, 3, 4);
        for (int i = 0; i < 24; i++) {
            assertEquals(i, x.get(x.unravelIndex(i)), 0, "element " + i);
        }
        assertArrayEquals(new int[] {1, 2, 3}, x.unravelIndex(23));
        assertArrayEquals(new int[] {0, 1, 0}, x.unravelIndex(4));
        Tensor view = x.permute(2, 0, 1); // [4, 2, 3]: the order is the view's own, not its storage's
        assertArrayEquals(new int[] {0, 1, 1}, view.unravelIndex(4));
        assertArrayEquals(new int[] {}, Tensor.scalar(1).unravelIndex(0));
        var e = assertThrows(IndexOutOfBoundsException.class, () -> x.unravelIndex(24));
        assertEquals("unravelIndex: element 24 out of range for shape [2, 3, 4] (24 elements)", e.getMessage());
        assertThrows(IndexOutOfBoundsException.class, () -> x.unravelIndex(-1));
        assertThrows(IndexOutOfBoundsException.class, () -> Tensor.zeros(2, 0).unravelIndex(0));
    }

    @Test
    void randomFactoriesRefuseBoundsPyTorchRefuses() {
        // bug: uniform(1, 0) sampled (0, 1] and normal with std -1 sampled N(0, 1) negated, silently; Init.uniform and
        // Init.normal refused them, and so does PyTorch ("uniform_ expects to return a [from, to) range, but found
        // from=1 > to=0", "normal expects std >= 0.0")
        Generator gen = new Generator(3);
        var e = assertThrows(IllegalArgumentException.class, () -> Tensor.uniform(gen, 1, 0, 3));
        assertTrue(e.getMessage().contains("Tensor.uniform: low 1.0 is above high 0.0"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Tensor.uniform(gen, 0, Double.POSITIVE_INFINITY, 3));
        assertTrue(e.getMessage().contains("not finite in FLOAT32"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Tensor.uniform(gen, -1e39, 0, 3));
        assertTrue(e.getMessage().contains("not finite in FLOAT32"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Tensor.normal(DType.FLOAT64, gen, 0, -1, 3));
        assertTrue(e.getMessage().contains("Tensor.normal: standard deviation must be >= 0, got -1.0"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Tensor.normal(DType.FLOAT64, gen, 0, Double.NaN, 3));
        assertEquals(-1e39, Tensor.uniform(DType.FLOAT64, gen, -1e39, -1e39, 1).item(), 0, "finite in float64");
        assertEquals(2.0, Tensor.normal(DType.FLOAT32, gen, 2, 0, 1).item(), 0, "std 0 is the mean");
    }

    @Test
    void inPlaceOpsOnEmptyTensorsAreNoOps() {
        // bug: [2, 0] got strides [1, 1], which isContiguous() refused, and every in-place op then went through a
        // contiguous copy with the same strides, recursing until StackOverflowError (Tensor.ones(2, 0) among them)
        for (DType dt : DType.values()) {
            for (int[] shape : new int[][] {{2, 0}, {0, 3}, {3, 0, 2}}) {
                Tensor x = Tensor.zeros(dt, shape);
                assertTrue(x.isContiguous(), "an empty tensor is contiguous, as in PyTorch");
                x.fill_(1).add_(2).mul_(3).div_(2).sqrt_().zero_().add_(Tensor.ones(dt, shape), 2).axpby_(1, 1, x.copy());
                assertArrayEquals(shape, x.shape());
                assertArrayEquals(shape, Tensor.ones(dt, shape).shape());
                assertArrayEquals(shape, Tensor.full(dt, 7, shape).shape());
            }
        }
    }

    @Test
    void toStringIsReadable() {
        Tensor t = Tensor.of(new float[] {1, 2.5f, -3, 0.125f}, 2, 2);
        assertEquals("tensor([[1.0000, 2.5000], [-3.0000, 0.1250]], shape=[2, 2])", t.toString());
        assertEquals("tensor(3.0, shape=[], dtype=FLOAT64, requires_grad=true)",
                Tensor.scalar(DType.FLOAT64, 3).requiresGrad(true).toString());
        assertEquals("tensor([1.0, -2.0, 0.0], shape=[3])", Tensor.of(new float[] {1, -2, 0}).toString());
    }

    /**
     * One number format per tensor, chosen from the values shown as PyTorch 1.13 chooses it: the values of
     * print(torch.tensor(...)) under /usr/bin/python3, less its padding to a common width (and its integers 1. are
     * 1.0 here). The format mixed before: 1.000e-08, 100000000.0, NaN, Infinity in one tensor.
     */
    @Test
    void everyElementIsPrintedInTheTensorsOneFormatAsPyTorchChoosesIt() {
        // tensor([1.0000e-08, 1.0000e+08, nan, inf])
        assertEquals("tensor([1.0000e-08, 1.0000e+08, nan, inf], shape=[4], dtype=FLOAT64)",
                Tensor.of(new double[] {1e-8, 1e8, Double.NaN, Double.POSITIVE_INFINITY}).toString());
        // tensor([1., 2., nan, -inf]): integers stay integers beside non-finite values
        assertEquals("tensor([1.0, 2.0, nan, -inf], shape=[4])",
                Tensor.of(new float[] {1, 2, Float.NaN, Float.NEGATIVE_INFINITY}).toString());
        // tensor([1.0000e+00, 2.0000e+03]): integers spanning more than a factor 1000
        assertEquals("tensor([1.0000e+00, 2.0000e+03], shape=[2])", Tensor.of(new float[] {1, 2000}).toString());
        // tensor([1.0000e-05, 5.0000e-01]): a value below 1e-4
        assertEquals("tensor([1.0000e-05, 5.0000e-01], shape=[2])", Tensor.of(new float[] {1e-5f, 0.5f}).toString());
        // tensor([1.2346e+05, 5.0000e-01]), tensor([-0.0000, 1.5000]), tensor([0., 0.]), tensor(nan), tensor(2.5000)
        assertEquals("tensor([1.2346e+05, 5.0000e-01], shape=[2], dtype=FLOAT64)",
                Tensor.of(new double[] {123456.789, 0.5}).toString());
        assertEquals("tensor([-0.0000, 1.5000], shape=[2])", Tensor.of(new float[] {-0f, 1.5f}).toString());
        assertEquals("tensor([0.0, 0.0], shape=[2])", Tensor.zeros(2).toString());
        assertEquals("tensor(nan, shape=[])", Tensor.scalar(DType.FLOAT32, Double.NaN).toString());
        assertEquals("tensor(2.5000, shape=[])", Tensor.scalar(DType.FLOAT32, 2.5).toString());
        // '{:.4f}'.format(0.03125) is '0.0312': the exact tie rounds to even, where Java's %.4f gives 0.0313
        assertEquals("tensor([0.0312, 1.0000], shape=[2])", Tensor.of(new float[] {0.03125f, 1}).toString());
        // torch.arange(2000.): the format comes from the values shown, 0 to 2 and 1997 to 1999
        assertTrue(Tensor.arange(2000).toString().startsWith("tensor([0.0000e+00, 1.0000e+00, 2.0000e+00, ..., 1.9970e+03,"
                + " 1.9980e+03, 1.9990e+03], shape=[2000]"), Tensor.arange(2000).toString());
        assertTrue(Tensor.arange(1001).mul(0).add(7).toString().startsWith("tensor([7.0, 7.0, 7.0, ..., 7.0, 7.0, 7.0]"));
    }

    @Test
    void toStringDoesNotDependOnLocale() {
        // bug: String.format used the default locale, so a German JVM printed "1,0"
        Locale saved = Locale.getDefault();
        try {
            Locale.setDefault(Locale.GERMANY);
            assertEquals("tensor([1.0000, 2.5000], shape=[2])", Tensor.of(new float[] {1, 2.5f}).toString());
        } finally {
            Locale.setDefault(saved);
        }
    }

    @Test
    void creation() {
        assertValues(new double[] {0, 1, 2}, Tensor.arange(3), 0);
        assertValues(new double[] {7, 7}, Tensor.full(7, 2), 0);
        assertEquals(DType.FLOAT64, Tensor.ones(DType.FLOAT64, 2).dtype());
        assertArrayEquals(new int[] {}, Tensor.scalar(2).shape());
        assertValues(new double[] {1, 2, 3, 4}, Tensor.of(new double[][] {{1, 2}, {3, 4}}), 0);
        float[] data = {1, 2};
        Tensor w = Tensor.wrap(data, 2);
        data[0] = 5;
        assertEquals(5, w.get(0), "wrap shares the array");
        var e = assertThrows(IllegalArgumentException.class, () -> Tensor.of(new float[] {1, 2, 3}, 2, 2));
        assertTrue(e.getMessage().contains("[2, 2]"), e.getMessage());
        Tensor u = Tensor.uniform(DType.FLOAT64, new Generator(1), -2, 3, 1000);
        for (double v : u.toDoubleArray()) {
            assertTrue(v >= -2 && v < 3);
        }
    }

    @Test
    void inPlaceOps() {
        Tensor y = Tensor.of(new double[] {1, 2, 3});
        y.add_(Tensor.of(new double[] {1, 1, 1}), 2.0);
        assertValues(new double[] {3, 4, 5}, y, 0);
        y.axpby_(0.5, 2.0, Tensor.of(new double[] {1, 0, -1}));
        assertValues(new double[] {3.5, 2, 0.5}, y, 0);
        y.addcmul_(Tensor.of(new double[] {1, 2, 3}), Tensor.of(new double[] {2, 2, 2}), 0.5);
        assertValues(new double[] {4.5, 4, 3.5}, y, 0);
        y.addcdiv_(Tensor.of(new double[] {1, 2, 3}), Tensor.of(new double[] {2, 2, 2}), 2.0);
        assertValues(new double[] {5.5, 6, 6.5}, y, 0);
        y.clamp_(5.8, 6.2);
        assertValues(new double[] {5.8, 6, 6.2}, y, 0);
        // bug: clamp(1, -1) is refused, but clamp_(1, -1) set every element to -1 (PyTorch's rule, which jgrad's
        // clamp does not follow)
        Tensor before = y.copy();
        var bounds = assertThrows(IllegalArgumentException.class, () -> y.clamp_(6.2, 5.8));
        assertTrue(bounds.getMessage().contains("clamp_: lower bound 6.2 is above upper bound 5.8"), bounds.getMessage());
        assertValues(before.toDoubleArray(), y, 0);
        y.mul_(0).add_(4).sqrt_();
        assertValues(new double[] {2, 2, 2}, y, 0);
        var e = assertThrows(IllegalStateException.class, () -> Tensor.zeros(3).expand(2, 3).fill_(1));
        assertTrue(e.getMessage().contains("fill_"), e.getMessage()); // strided views: inPlaceOpsWorkOnStridedViews
    }

    @Test
    void copyIntoTensorHoldingInfinityOrNaN() {
        // bug: copy_ computed 0 * this + src, so an infinite or NaN destination stayed NaN
        Tensor y = Tensor.of(new float[] {Float.POSITIVE_INFINITY, Float.NaN, 1});
        y.copy_(Tensor.of(new float[] {4, 5, 6}));
        assertValues(new double[] {4, 5, 6}, y, 0);
    }

    @Test
    void inPlaceWithBroadcastAndOtherDtype() {
        // bug: the broadcast branch skipped the dtype conversion, so the float32 kernel read a float64 operand
        Tensor y = Tensor.zeros(2, 2);
        y.copy_(Tensor.of(new double[] {1, 2}));
        assertValues(new double[] {1, 2, 1, 2}, y, 0);
        y.add_(Tensor.of(new double[] {10}).reshape(1, 1), 1.0);
        assertValues(new double[] {11, 12, 11, 12}, y, 0);
        Tensor z = Tensor.zeros(DType.FLOAT64, 2);
        z.copy_(Tensor.of(new float[] {0.5f, 1.5f}));
        assertValues(new double[] {0.5, 1.5}, z, 0);
    }

    @Test
    void inPlaceOpsReadAnOverlappingArgumentAsItWasBefore() {
        // bug: x[1:4].add_(x[0:3]) read x[1] after it had added to it, giving [0, 1, 3, 6, 4]; with the argument
        // read first it is [0, 1, 3, 5, 4] (PyTorch refuses the partial overlap: clone() first)
        for (DType dt : DType.values()) {
            Tensor x = Tensor.arange(dt, 5);
            x.slice(0, 1, 4).add_(x.slice(0, 0, 3), 1);
            assertValues(new double[] {0, 1, 3, 5, 4}, x, 0);
            Tensor y = Tensor.arange(dt, 5);
            y.slice(0, 1, 5).axpby_(2, 1, y.slice(0, 0, 4));
            assertValues(new double[] {0, 2, 5, 8, 11}, y, 0);
            Tensor z = Tensor.arange(dt, 5);
            z.slice(0, 1, 4).addcmul_(z.slice(0, 0, 3), z.slice(0, 2, 5), 1);
            assertValues(new double[] {0, 1 + 0 * 2, 2 + 1 * 3, 3 + 2 * 4, 4}, z, 0);
            Tensor w = Tensor.arange(dt, 5);
            w.slice(0, 0, 4).copy_(w.slice(0, 1, 5));
            assertValues(new double[] {1, 2, 3, 4, 4}, w, 0);
            Tensor self = Tensor.arange(dt, 3);
            self.add_(self, 1); // the same elements: no overlap problem
            assertValues(new double[] {0, 2, 4}, self, 0);
        }
    }

    @Test
    void inPlaceShapeErrorsNameTheOp() {
        // bug: the message came from expand ("expand: shape [4] cannot be broadcast..."), not from add_
        Tensor x = Tensor.zeros(2, 3);
        var e = assertThrows(IllegalArgumentException.class, () -> x.add_(Tensor.zeros(4), 1));
        assertTrue(e.getMessage().startsWith("add_") && e.getMessage().contains("[4]") && e.getMessage().contains("[2, 3]"),
                e.getMessage());
        var bigger = assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(1, 3).copy_(Tensor.zeros(2, 3)));
        assertTrue(bigger.getMessage().startsWith("copy_") && bigger.getMessage().contains("[2, 3]")
                && bigger.getMessage().contains("[1, 3]"), bigger.getMessage());
        var cm = assertThrows(IllegalArgumentException.class, () -> x.addcmul_(Tensor.zeros(3), Tensor.zeros(3, 1), 1));
        assertTrue(cm.getMessage().startsWith("addcmul_") && cm.getMessage().contains("[3, 1]"), cm.getMessage());
    }

    @Test
    void getSetItemAndStorage() {
        Tensor x = Tensor.zeros(DType.FLOAT64, 2, 3);
        x.set(4, 1, 2);
        assertEquals(4, x.get(1, 2));
        assertEquals(4, x.doubleStorage()[5]);
        assertThrows(IndexOutOfBoundsException.class, () -> x.get(2, 0));
        // bug: set reported its mistakes as get's, and an index out of range named no op or shape
        var rank = assertThrows(IllegalArgumentException.class, () -> x.set(1, 0));
        assertTrue(rank.getMessage().startsWith("set:") && rank.getMessage().contains("[2, 3]"), rank.getMessage());
        var range = assertThrows(IndexOutOfBoundsException.class, () -> x.set(1, 0, 5));
        assertTrue(range.getMessage().startsWith("set:") && range.getMessage().contains("5")
                && range.getMessage().contains("[2, 3]"), range.getMessage());
        var get = assertThrows(IndexOutOfBoundsException.class, () -> x.get(-3, 0));
        assertTrue(get.getMessage().startsWith("get:"), get.getMessage());
        var e = assertThrows(IllegalStateException.class, x::item);
        assertTrue(e.getMessage().contains("item") && e.getMessage().contains("[2, 3]"), e.getMessage());
        assertThrows(IllegalStateException.class, () -> x.t().doubleStorage());
        assertArrayEquals(new float[] {0, 0, 0, 0, 0, 4}, x.toFloatArray());
    }

    @Test
    void toFloatArrayWritesIntoAnArrayThatIsBigEnough() {
        Tensor m = Tensor.of(new float[][] {{1, 2, 3}, {4, 5, 6}});
        float[] big = {9, 9, 9, 9, 9, 9, 9, 9};
        assertSame(big, m.toFloatArray(big));
        assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6, 9, 9}, big, "the elements after numel() are left alone");
        assertSame(big, m.t().toFloatArray(big), "a strided view, row-major");
        assertArrayEquals(new float[] {1, 4, 2, 5, 3, 6, 9, 9}, big);
        float[] small = new float[5];
        float[] fresh = Tensor.of(new double[] {1.5, 2.5, 3.5, 4.5, 5.5, 6.5}).toFloatArray(small);
        assertArrayEquals(new float[] {1.5f, 2.5f, 3.5f, 4.5f, 5.5f, 6.5f}, fresh, "float64, into a new array");
        assertArrayEquals(new float[5], small, "too small: untouched");
        assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, m.toFloatArray(null));
    }

    @Test
    void setIsCheckedAsTheOtherInPlaceOps() {
        Tensor w = Tensor.of(new double[] {1, 2}).requiresGrad(true);
        Tensor y = w.exp();
        var e = assertThrows(IllegalStateException.class, () -> y.set(0, 0));
        assertTrue(e.getMessage().contains("set") && e.getMessage().contains("'exp'"), e.getMessage());
        assertThrows(IllegalStateException.class, () -> w.set(5, 0));
        try (var scope = Tensor.noGrad()) {
            w.set(5, 0); // as an optimizer would
        }
        assertEquals(5.0, w.get(0));
        Tensor kept;
        Tensor source = Tensor.of(new float[] {1, 2});
        try (var memory = Tensor.recycling()) {
            kept = source.add(1); // from the scope's pool: its memory goes back when the scope closes
        }
        assertThrows(IllegalStateException.class, () -> kept.set(1, 0));
    }

    @Test
    void negativeIndicesCountFromTheEnd() {
        Tensor x = Tensor.of(new float[][] {{1, 2, 3}, {4, 5, 6}});
        assertEquals(6.0, x.get(-1, -1));
        assertEquals(4.0, x.get(-1, 0));
        x.set(9, -2, -3);
        assertEquals(9.0, x.get(0, 0));
        assertThrows(IndexOutOfBoundsException.class, () -> x.get(0, -4));
        assertArrayEquals(new float[] {2, 3, 5, 6}, x.slice(1, -2, 3).contiguous().toFloatArray());
        assertArrayEquals(new float[] {2, 5}, x.slice(1, 1, -1).contiguous().toFloatArray());
        var e = assertThrows(IllegalArgumentException.class, () -> x.slice(1, -4, 3));
        assertTrue(e.getMessage().contains("[-4, 3)"), e.getMessage());
    }

    @Test
    void inPlaceOpsWorkOnStridedViews() {
        for (DType dt : DType.values()) {
            Tensor x = Tensor.of(new double[][] {{1, 2, 3}, {4, 5, 6}}).to(dt);
            x.t().add_(1); // a transposed view
            assertArrayEquals(new double[] {2, 3, 4, 5, 6, 7}, x.toDoubleArray());
            x.slice(1, 0, 2).mul_(10); // the first two columns: rows are strided
            assertArrayEquals(new double[] {20, 30, 4, 50, 60, 7}, x.toDoubleArray());
            x.slice(1, 2, 3).copy_(Tensor.of(new double[] {-1, -2}).reshape(2, 1));
            assertArrayEquals(new double[] {20, 30, -1, 50, 60, -2}, x.toDoubleArray());
            x.t().slice(0, 1, 2).clamp_(0, 40); // column 1 through two views
            assertArrayEquals(new double[] {20, 30, -1, 50, 40, -2}, x.toDoubleArray());
            var e = assertThrows(IllegalStateException.class, () -> Tensor.zeros(1, 3).expand(2, 3).fill_(1));
            assertTrue(e.getMessage().contains("repeats elements"), e.getMessage());
        }
        Tensor w = Tensor.of(new double[][] {{1, 2}, {3, 4}}).requiresGrad(true);
        assertThrows(IllegalStateException.class, () -> w.t().add_(1)); // a leaf that requires grad, outside noGrad()
    }
}
