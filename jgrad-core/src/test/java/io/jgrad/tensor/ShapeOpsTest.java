package io.jgrad.tensor;

import static io.jgrad.tensor.TensorAssertions.assertOp;
import static io.jgrad.tensor.TensorAssertions.assertValues;
import static io.jgrad.tensor.TensorAssertions.randn;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ShapeOpsTest {
    @Test
    void viewsGradCheck() {
        Tensor x = randn(1, 2, 3, 4);
        assertOp(v -> v[0].reshape(4, 6), x);
        assertOp(v -> v[0].reshape(-1, 2), x);
        assertOp(v -> v[0].permute(2, 0, 1), x);
        assertOp(v -> v[0].transpose(0, -1), x);
        assertOp(v -> v[0].slice(1, 1, 3), x);
        assertOp(v -> v[0].slice(-1, 0, 1), x);
        assertOp(v -> v[0].unsqueeze(1).unsqueeze(-1), x);
        assertOp(v -> v[0].slice(1, 0, 1).squeeze(1), x);
        assertOp(v -> v[0].flatten(1), x);
        assertOp(v -> v[0].expand(2, 3, 5), randn(2, 3, 1));
        assertOp(v -> v[0].expand(4, -1, 5), randn(3, 3, 1));
        assertOp(v -> v[0].expand(2, 3), randn(4, 3));
    }

    @Test
    void reshapeOfNonContiguousCopiesInRowMajorOrder() {
        Tensor x = Tensor.arange(DType.FLOAT64, 6).reshape(2, 3);
        Tensor y = x.t().reshape(6);
        assertValues(new double[] {0, 3, 1, 4, 2, 5}, y, 0);
        assertOp(v -> v[0].t().reshape(3, 2), randn(5, 2, 3));
        assertOp(v -> v[0].permute(1, 0, 2).reshape(3, -1).mul(v[0].permute(1, 0, 2).reshape(3, -1)), randn(6, 2, 3, 2));
        assertOp(v -> v[0].expand(2, 3, 4).reshape(6, 4), randn(7, 3, 1));
    }

    @Test
    void viewsShareStorageAndReadCorrectElements() {
        Tensor x = Tensor.arange(DType.FLOAT64, 24).reshape(2, 3, 4);
        Tensor p = x.permute(2, 0, 1);
        assertArrayEquals(new int[] {4, 2, 3}, p.shape());
        assertEquals(x.get(1, 2, 3), p.get(3, 1, 2));
        assertFalse(p.isContiguous());
        Tensor s = x.slice(2, 1, 3);
        assertEquals(x.get(1, 1, 2), s.get(1, 1, 1));
        x.set(-7, 1, 1, 2);
        assertEquals(-7, s.get(1, 1, 1), "a slice is a view");
        Tensor c = p.contiguous();
        assertTrue(c.isContiguous());
        assertEquals(p.get(3, 1, 2), c.get(3, 1, 2));
        Tensor e = Tensor.of(new double[] {1, 2, 3}).reshape(3, 1).expand(3, 4);
        assertValues(new double[] {1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3}, e, 0);
    }

    @Test
    void squeezeAndUnsqueezeOfStridedViewsAreViews() {
        // bug: both went through reshape, which copies a non-contiguous tensor, so they shared nothing with it;
        // in PyTorch x.t().unsqueeze(0) and x.t()[:, :1].squeeze(1) see later writes to x
        Tensor x = Tensor.arange(DType.FLOAT64, 6).reshape(2, 3);
        Tensor u = x.t().unsqueeze(0), u2 = x.t().unsqueeze(-1), u1 = x.t().unsqueeze(1);
        Tensor s = x.t().slice(1, 0, 1).squeeze(1), all = x.slice(1, 1, 2).unsqueeze(0).squeeze();
        x.set(-7, 0, 1);
        assertArrayEquals(new int[] {1, 3, 2}, u.shape());
        assertEquals(-7, u.get(0, 1, 0), "unsqueeze(0) of a transposed view is a view");
        assertEquals(-7, u2.get(1, 0, 0));
        assertEquals(-7, u1.get(1, 0, 0));
        assertValues(new double[] {0, 3, -7, 4, 2, 5}, u, 0);
        x.set(-8, 0, 0);
        assertValues(new double[] {-8, -7, 2}, s, 0);
        assertValues(new double[] {-7, 4}, all, 0);
        // writes through them reach x, and backward through them is the inverse movement
        u.slice(1, 2, 3).squeeze(1).squeeze(0).fill_(9);
        assertValues(new double[] {-8, -7, 9, 3, 4, 9}, x, 0);
        assertOp(v -> v[0].t().unsqueeze(1).mul(v[0].t().unsqueeze(-1)), randn(9, 3, 4));
        assertOp(v -> v[0].permute(1, 0, 2).slice(1, 1, 2).squeeze(1).unsqueeze(0), randn(10, 3, 4, 2));
        Tensor w = randn(11, 2, 3).requiresGrad(true);
        Tensor y = w.t().unsqueeze(0);
        assertEquals("unsqueeze", y.gradFn().op());
        try (var scope = Tensor.noGrad()) {
            w.add_(1); // changes y's input after y was computed: the shared storage makes it visible
        }
        assertThrows(IllegalStateException.class, () -> y.mul(y).sum().backward());
    }

    @Test
    void copyAndToGradCheckAndIndependence() {
        assertOp(v -> v[0].copy().mul(v[0]), randn(8, 3, 4));
        assertOp(v -> v[0].t().copy(), randn(9, 3, 4));
        // through float32 the function is only float32-accurate: a linear one, a wide step, a float32-sized tolerance
        Tensor v64 = randn(10, 3).requiresGrad(true);
        GradCheck.Result r = GradCheck.check(() -> v64.to(DType.FLOAT32).mul(3.0).to(DType.FLOAT64), 1e-2, 1e-4, 1e-4, v64);
        assertTrue(r.passed(), r.toString());
        TensorAssertions.assertGradCheck(v -> v[0].to(DType.FLOAT64).mul(v[0]), randn(10, 3)); // to() of its own dtype
        Tensor x = Tensor.of(new double[] {1, 2});
        Tensor c = x.copy();
        x.set(9, 0);
        assertEquals(1, c.get(0), "copy shares nothing");
        Tensor f = Tensor.of(new double[] {0.1}).to(DType.FLOAT32);
        assertEquals(DType.FLOAT32, f.dtype());
        assertEquals((float) 0.1, f.item(), 0);
        Tensor back = Tensor.of(new float[] {1.5f, 2}).requiresGrad(true);
        back.to(DType.FLOAT64).mul(Tensor.of(new double[] {3, 4})).sum().backward();
        assertEquals(DType.FLOAT32, back.grad().dtype());
        assertValues(new double[] {3, 4}, back.grad(), 0);
    }

    @Test
    void catOfThreeTensorsGradCheck() {
        assertOp(v -> Tensor.cat(0, v[0], v[1], v[2]), randn(11, 1, 3), randn(12, 2, 3), randn(13, 4, 3));
        assertOp(v -> Tensor.cat(-1, v[0], v[1].t(), v[2]), randn(14, 2, 2), randn(15, 3, 2), randn(16, 2, 1));
        assertOp(v -> Tensor.cat(1, v[0], v[0], v[1]), randn(17, 2, 2, 3), randn(18, 2, 1, 3)); // a repeated input
    }

    @Test
    void catOfDifferentDtypesPromotesAndReturnsEachGradientInItsDtype() {
        Tensor a = Tensor.of(new float[] {1, 2}, 1, 2).requiresGrad(true);
        Tensor b = Tensor.of(new double[] {3, 4, 5, 6}, 2, 2).requiresGrad(true);
        Tensor c = Tensor.of(new float[] {7, 8}, 1, 2).requiresGrad(true);
        Tensor y = Tensor.cat(0, a, b, c);
        assertEquals(DType.FLOAT64, y.dtype());
        assertValues(new double[] {1, 2, 3, 4, 5, 6, 7, 8}, y, 0);
        y.mul(Tensor.arange(DType.FLOAT64, 8).reshape(4, 2)).sum().backward();
        assertEquals(DType.FLOAT32, a.grad().dtype());
        assertEquals(DType.FLOAT64, b.grad().dtype());
        assertValues(new double[] {0, 1}, a.grad(), 0);
        assertValues(new double[] {2, 3, 4, 5}, b.grad(), 0);
        assertValues(new double[] {6, 7}, c.grad(), 0);
    }

    @Test
    void shapeErrorsNameOpAndShapes() {
        var cat = assertThrows(IllegalArgumentException.class, () -> Tensor.cat(0, Tensor.zeros(2, 3), Tensor.zeros(2, 4)));
        assertTrue(cat.getMessage().contains("cat") && cat.getMessage().contains("[2, 3]") && cat.getMessage().contains("[2, 4]"),
                cat.getMessage());
        var reshape = assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(2, 3).reshape(4, 2));
        assertTrue(reshape.getMessage().contains("reshape") && reshape.getMessage().contains("[2, 3]")
                && reshape.getMessage().contains("[4, 2]"), reshape.getMessage());
        var expand = assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(2, 3).expand(4, 3));
        assertTrue(expand.getMessage().contains("expand") && expand.getMessage().contains("[2, 3]"), expand.getMessage());
        var slice = assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(2, 3).slice(1, 2, 5));
        assertTrue(slice.getMessage().contains("slice") && slice.getMessage().contains("[2, 3]"), slice.getMessage());
        // bug: a 0-d tensor gave an ArrayIndexOutOfBoundsException instead of a message
        var cat0 = assertThrows(IllegalArgumentException.class, () -> Tensor.cat(0, Tensor.scalar(1), Tensor.scalar(2)));
        assertTrue(cat0.getMessage().contains("cat") && cat0.getMessage().contains("zero-dimensional"), cat0.getMessage());
        var squeeze = assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(2, 3).squeeze(0));
        assertTrue(squeeze.getMessage().contains("squeeze"), squeeze.getMessage());
    }

    @Test
    void dimensionOpsOnA0dTensorThrowAClearError() {
        // bug: dims 0 and -1 pass the dimension check for a 0-d tensor (as in PyTorch), and these ops then indexed
        // the empty shape: ArrayIndexOutOfBoundsException
        Tensor s = Tensor.scalar(DType.FLOAT64, 3);
        for (var op : java.util.List.<java.util.function.Consumer<Tensor>>of(t -> t.slice(0, 0, 1), t -> t.size(-1),
                t -> t.indexSelect(0, 0), t -> t.gather(0, Tensor.scalar(0)))) {
            var e = assertThrows(IllegalArgumentException.class, () -> op.accept(s));
            assertTrue(e.getMessage().contains("a 0-d tensor has no dimensions; reshape(1) it first"), e.getMessage());
        }
        // squeeze and transpose of dim 0 of a 0-d tensor leave it as it is, as in PyTorch (values: the parity test)
        assertArrayEquals(new int[0], s.squeeze(0).shape());
        assertArrayEquals(new int[0], s.transpose(-1, 0).shape());
    }

    @Test
    void stackSplitAndSqueezeAll() {
        Tensor a = Tensor.of(new double[] {1, 2}), b = Tensor.of(new double[] {3, 4});
        assertArrayEquals(new int[] {2, 2}, Tensor.stack(0, a, b).shape());
        assertValues(new double[] {1, 2, 3, 4}, Tensor.stack(0, a, b), 0);
        assertValues(new double[] {1, 3, 2, 4}, Tensor.stack(1, a, b), 0);
        assertValues(new double[] {1, 3, 2, 4}, Tensor.stack(-1, a, b), 0);
        assertThrows(IllegalArgumentException.class, () -> Tensor.stack(0, a, Tensor.zeros(3)));
        assertOp(v -> Tensor.stack(1, v[0], v[1].mul(2)), randn(5, 3, 2), randn(6, 3, 2));
        Tensor x = Tensor.arange(DType.FLOAT64, 7).reshape(7, 1);
        var pieces = x.split(3, 0);
        assertEquals(3, pieces.size());
        assertValues(new double[] {3, 4, 5}, pieces.get(1), 0);
        assertValues(new double[] {6}, pieces.get(2), 0);
        assertArrayEquals(new int[] {7}, x.squeeze().shape());
        assertArrayEquals(new int[] {}, Tensor.zeros(1, 1).squeeze().shape());
        // bug: an empty dimension gave no pieces; torch.zeros(0).split(2) is one empty piece
        var empty = Tensor.zeros(2, 0).split(3, -1);
        assertEquals(1, empty.size());
        assertArrayEquals(new int[] {2, 0}, empty.get(0).shape());
        // bug: a 0-d tensor threw ArrayIndexOutOfBoundsException
        var zeroD = assertThrows(IllegalArgumentException.class, () -> Tensor.scalar(1).split(1, 0));
        assertTrue(zeroD.getMessage().contains("split"), zeroD.getMessage());
    }
}
