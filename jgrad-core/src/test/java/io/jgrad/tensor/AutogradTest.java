package io.jgrad.tensor;

import static io.jgrad.tensor.TensorAssertions.assertGradCheck;
import static io.jgrad.tensor.TensorAssertions.assertValues;
import static io.jgrad.tensor.TensorAssertions.randn;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class AutogradTest {
    private static Tensor leaf(double... values) {
        return Tensor.of(values).requiresGrad(true);
    }

    @Test
    void gradientsAccumulateAcrossBackwardCallsUntilZeroGrad() {
        Tensor x = leaf(1, 2);
        x.mul(3.0).sum().backward();
        x.mul(x).sum().backward();
        assertValues(new double[] {3 + 2, 3 + 4}, x.grad(), 0);
        x.zeroGrad();
        assertNull(x.grad());
        x.mul(5.0).sum().backward();
        assertValues(new double[] {5, 5}, x.grad(), 0);
    }

    @Test
    void detachStopsTheGradient() {
        Tensor x = leaf(2, 3);
        Tensor d = x.detach();
        assertFalse(d.requiresGrad());
        assertTrue(d.isLeaf());
        x.mul(d).sum().backward(); // d/dx (x * const) = const
        assertValues(new double[] {2, 3}, x.grad(), 0);
    }

    @Test
    void noGradScopesNestAndRestoreAfterException() {
        Tensor x = leaf(1);
        assertTrue(Tensor.isGradEnabled());
        try (var outer = Tensor.noGrad()) {
            try (var inner = Tensor.noGrad()) {
                assertFalse(Tensor.isGradEnabled());
            }
            assertFalse(Tensor.isGradEnabled(), "closing the inner scope must not re-enable recording");
            Tensor y = x.mul(2.0);
            assertFalse(y.requiresGrad());
            assertNull(y.gradFn());
        }
        assertTrue(Tensor.isGradEnabled());
        assertThrows(IllegalStateException.class, () -> {
            try (var scope = Tensor.noGrad()) {
                throw new IllegalStateException("boom");
            }
        });
        assertTrue(Tensor.isGradEnabled(), "an exception inside noGrad must restore recording");
        var scope = Tensor.noGrad();
        scope.close();
        scope.close(); // closing twice is harmless
        assertTrue(Tensor.isGradEnabled());
        assertNotNull(x.mul(2.0).gradFn());
    }

    @Test
    void retainGradKeepsIntermediateGradients() {
        Tensor x = leaf(1, 2);
        Tensor h = x.mul(3.0).retainGrad();
        Tensor k = h.exp();
        assertEquals("mul_scalar", h.gradFn().op());
        assertEquals(x, h.gradFn().inputs().get(0));
        k.sum().backward();
        assertNotNull(h.grad());
        assertValues(k.toDoubleArray(), h.grad(), 0);
        assertNull(k.grad(), "intermediates do not keep gradients unless asked");
        assertFalse(h.isLeaf());
        assertTrue(h.gradFn().inputs().isEmpty(), "the graph is freed after backward");
        // bug: on a tensor that does not require grad it did nothing, and grad() stayed null; PyTorch refuses it
        var e = assertThrows(IllegalStateException.class, () -> Tensor.of(new double[] {1}).retainGrad());
        assertTrue(e.getMessage().contains("retainGrad") && e.getMessage().contains("require"), e.getMessage());
    }

    @Test
    void secondBackwardNeedsRetainGraph() {
        Tensor x = leaf(1, 2);
        Tensor y = x.exp().sum();
        y.backward();
        var e = assertThrows(IllegalStateException.class, y::backward);
        assertTrue(e.getMessage().contains("already freed") && e.getMessage().contains("retainGraph"), e.getMessage());

        Tensor z = leaf(1, 2);
        Tensor w = z.exp().sum();
        w.backward(Tensor.scalar(DType.FLOAT64, 1), true);
        w.backward(Tensor.scalar(DType.FLOAT64, 1), true);
        assertValues(new double[] {2 * Math.exp(1), 2 * Math.exp(2)}, z.grad(), 1e-15);
    }

    @Test
    void retainGraphWithoutAGradientSeedsAScalarWithOne() {
        // bug: loss.backward(null, true), PyTorch's loss.backward(retain_graph=True), threw NullPointerException
        Tensor x = leaf(1, 2);
        Tensor y = x.exp().sum();
        y.backward(null, true);
        y.backward(null, false);
        assertValues(new double[] {2 * Math.exp(1), 2 * Math.exp(2)}, x.grad(), 1e-15);
        var e = assertThrows(IllegalStateException.class, () -> x.exp().backward(null, true));
        assertTrue(e.getMessage().contains("shape [2]") && e.getMessage().contains("backward(gradOfOutput)"), e.getMessage());
    }

    @Test
    void aBackwardPassLeavesNothingForTheNext() {
        // a pass keeps its maps per thread and reuses them: one that failed half-way, or one run from inside a
        // backward rule, must leave no marks that change another
        Tensor x = leaf(1, 2);
        Tensor y = x.exp().sum();
        y.backward();
        assertThrows(IllegalStateException.class, y::backward); // fails in the sort, with tensors already visited
        x.zeroGrad();
        x.mul(3.0).sum().backward();
        assertValues(new double[] {3, 3}, x.grad(), 0);

        Tensor inner = leaf(2);
        Tensor innerLoss = inner.mul(inner).sum();
        Tensor z = leaf(1, 2);
        Tensor probe = Autograd.record("probe", Tensor.of(new double[] {1, 2}), g -> {
            innerLoss.backward(); // a whole pass while the outer one is half-way
            return new Tensor[] {g.mul(5.0)};
        }, z);
        probe.mul(z).sum().backward();
        assertValues(new double[] {4}, inner.grad(), 0);
        assertValues(new double[] {1 + 5 * 1, 2 + 5 * 2}, z.grad(), 0); // probe + 5 z: both paths to z
    }

    @Test
    void backwardErrors() {
        Tensor x = leaf(1, 2);
        var nonScalar = assertThrows(IllegalStateException.class, () -> x.mul(2.0).backward());
        assertTrue(nonScalar.getMessage().contains("scalar") && nonScalar.getMessage().contains("[2]"), nonScalar.getMessage());
        var noGrad = assertThrows(IllegalStateException.class, () -> Tensor.of(new double[] {1}).sum().backward());
        assertTrue(noGrad.getMessage().contains("does not require a gradient"), noGrad.getMessage());
        var wrongShape = assertThrows(IllegalArgumentException.class, () -> x.mul(2.0).backward(Tensor.zeros(3)));
        assertTrue(wrongShape.getMessage().contains("[3]") && wrongShape.getMessage().contains("[2]"), wrongShape.getMessage());
        Tensor seeded = leaf(1, 2);
        seeded.mul(2.0).backward(Tensor.of(new double[] {1, 10}));
        assertValues(new double[] {2, 20}, seeded.grad(), 0);
    }

    @Test
    void diamondAndReusedTensorsSumGradients() {
        Tensor x = leaf(0.5, -1.5);
        // y = x*x*x + x + x*x  ->  dy/dx = 3x^2 + 1 + 2x
        x.mul(x).mul(x).add(x).add(x.mul(x)).sum().backward();
        double[] xs = {0.5, -1.5};
        assertValues(new double[] {3 * xs[0] * xs[0] + 1 + 2 * xs[0], 3 * xs[1] * xs[1] + 1 + 2 * xs[1]}, x.grad(), 1e-15);
        // a diamond: a feeds b and c, which meet again
        assertGradCheck(v -> {
            Tensor a = v[0].mul(2.0).tanh();
            Tensor b = a.exp(), c = a.mul(v[0]);
            return b.mul(c).add(a).sum(1, false);
        }, randn(1, 3, 4));
    }

    @Test
    void longChainBackpropagatesWithoutStackOverflow() {
        Tensor x = Tensor.scalar(DType.FLOAT64, 1.0).requiresGrad(true);
        Tensor y = x;
        for (int i = 0; i < 100_000; i++) {
            y = y.mul(1.00001);
        }
        y.backward();
        assertEquals(Math.pow(1.00001, 100_000), x.grad().item(), 1e-9);
    }

    @Test
    void inPlaceOnTensorsThatRequireGradIsRejectedOutsideNoGrad() {
        Tensor w = leaf(1, 2);
        var e = assertThrows(IllegalStateException.class, () -> w.add_(1.0));
        assertTrue(e.getMessage().contains("add_") && e.getMessage().contains("noGrad"), e.getMessage());
        assertThrows(IllegalStateException.class, () -> w.mul_(2.0));
        assertThrows(IllegalStateException.class, () -> w.fill_(0));
        try (var scope = Tensor.noGrad()) {
            w.add_(1.0);
        }
        assertValues(new double[] {2, 3}, w, 0);
        // bug: an intermediate was not protected, so an in-place change silently corrupted the saved values
        Tensor h = w.exp();
        var inter = assertThrows(IllegalStateException.class, () -> h.mul_(2.0));
        assertTrue(inter.getMessage().contains("mul_"), inter.getMessage());
    }

    @Test
    void gradientsKeepTheLeafDtype() {
        Tensor x = Tensor.of(new float[] {1, 2}).requiresGrad(true);
        x.to(DType.FLOAT64).mul(x.to(DType.FLOAT64)).sum().backward();
        assertEquals(DType.FLOAT32, x.grad().dtype());
        assertValues(new double[] {2, 4}, x.grad(), 0);
    }

    @Test
    void setGradRefusesAnotherDtypeAndTheTensorItself() {
        // bug: a float32 gradient set on a float64 parameter was kept; backward then accumulated float32 into it, and
        // Adam failed deep inside its fused update ("FusedUpdates.adam_: ... differ"). PyTorch: "assigned grad has
        // data of a different type", "can't assign Variable as its own grad"
        Tensor x = leaf(1, 2);
        var e = assertThrows(IllegalArgumentException.class, () -> x.setGrad(Tensor.ones(2)));
        assertTrue(e.getMessage().contains("setGrad: gradient dtype FLOAT32 differs from tensor dtype FLOAT64"), e.getMessage());
        var self = assertThrows(IllegalArgumentException.class, () -> x.setGrad(x));
        assertTrue(self.getMessage().contains("its own gradient"), self.getMessage());
        assertNull(x.grad(), "nothing set");
        x.setGrad(Tensor.ones(DType.FLOAT64, 2));
        x.mul(3).sum().backward();
        assertValues(new double[] {4, 4}, x.grad(), 0);
    }

    @Test
    void aValueChangedInPlaceAfterItsOpRanIsRefusedAtBackward() {
        // through detach(): exp's backward uses its result
        Tensor w = Tensor.of(new double[] {1, 2}).requiresGrad(true);
        Tensor e = w.exp();
        Tensor l = e.sum();
        e.detach().mul_(0);
        var ex = assertThrows(IllegalStateException.class, l::backward);
        assertTrue(ex.getMessage().contains("input 0 (computed by 'exp') of 'sum'") && ex.getMessage().contains("changed in place"),
                ex.getMessage());
        // inside noGrad(): mul's backward uses its inputs
        Tensor w3 = Tensor.of(new double[] {1, 2}).requiresGrad(true);
        Tensor y = w3.mul(w3);
        try (var scope = Tensor.noGrad()) {
            w3.mul_(10);
        }
        ex = assertThrows(IllegalStateException.class, () -> y.sum().backward());
        assertTrue(ex.getMessage().contains("input 0 of 'mul'"), ex.getMessage());
        // data changed through a view, and a weight changed by an optimizer step between two backward passes
        Tensor x = Tensor.of(new double[] {3, 4, 5});
        Tensor v = Tensor.of(new double[] {1, 1, 1}).requiresGrad(true);
        Tensor z = v.mul(x).sum();
        x.slice(0, 1, 3).fill_(0);
        assertThrows(IllegalStateException.class, z::backward);
        Tensor p = Tensor.of(new float[] {1, 2}).requiresGrad(true);
        Tensor loss = p.mul(p).sum();
        loss.backward(Tensor.scalar(DType.FLOAT32, 1), true);
        var sgd = new io.jgrad.optim.SGD(java.util.List.of(p), 0.1, 0.9);
        sgd.step(); // the first step sets the momentum buffer; the second is FusedUpdates.momentum_
        Tensor loss2 = p.mul(p).sum();
        loss2.backward(Tensor.scalar(DType.FLOAT32, 1), true);
        sgd.step();
        assertThrows(IllegalStateException.class, loss2::backward);
        Tensor q = Tensor.of(new float[] {1, 2}).requiresGrad(true);
        Tensor lossQ = q.mul(q).sum();
        lossQ.backward(Tensor.scalar(DType.FLOAT32, 1), true);
        new io.jgrad.optim.Adam(java.util.List.of(q), 0.1).step(); // FusedUpdates.adam_
        assertThrows(IllegalStateException.class, lossQ::backward);
    }

    @Test
    void changesBeforeTheOpRanAreFine() {
        Tensor w = Tensor.of(new double[] {1, 2}).requiresGrad(true);
        w.detach().mul_(2);
        Tensor y = w.exp().sum();
        y.backward();
        assertArrayEquals(new double[] {Math.exp(2), Math.exp(4)}, w.grad().toDoubleArray(), 1e-12);
        try (var scope = Tensor.noGrad()) {
            w.add_(1); // an update after backward, as optimizers make, and a fresh graph after it
        }
        w.zeroGrad();
        w.exp().sum().backward();
        assertArrayEquals(new double[] {Math.exp(3), Math.exp(5)}, w.grad().toDoubleArray(), 1e-12);
        // an in-place op refused for its arguments changed nothing, so it is no reason to refuse backward
        Tensor x = Tensor.of(new double[] {1, 2}).requiresGrad(true);
        Tensor ex = x.exp();
        try (var scope = Tensor.noGrad()) {
            assertThrows(IllegalArgumentException.class, () -> x.add_(Tensor.zeros(3), 1));
        }
        ex.sum().backward();
        assertArrayEquals(new double[] {Math.exp(1), Math.exp(2)}, x.grad().toDoubleArray(), 1e-12);
    }

    @Test
    void aSecondLossThroughAFreedPartOfTheGraphIsRefusedAndChangesNoGradient() {
        // as PyTorch ("Trying to backward through the graph a second time"): two losses sharing exp(x), the first
        // backward without retainGraph frees it; the second names the freed op and how to keep it, before adding
        // anything to x.grad
        Tensor x = leaf(1, 2);
        Tensor e = x.exp();
        Tensor first = e.sum(), second = e.mul(2.0).sum();
        first.backward();
        double[] after = x.grad().toDoubleArray();
        var ex = assertThrows(IllegalStateException.class, second::backward);
        assertTrue(ex.getMessage().contains("'exp'") && ex.getMessage().contains("retainGraph"), ex.getMessage());
        assertArrayEquals(after, x.grad().toDoubleArray(), 0);
        // with retainGraph on the first, the second goes through and adds its own
        Tensor y = leaf(1, 2);
        Tensor ey = y.exp();
        ey.sum().backward(Tensor.scalar(DType.FLOAT64, 1), true);
        ey.mul(2.0).sum().backward();
        assertValues(new double[] {3 * Math.exp(1), 3 * Math.exp(2)}, y.grad(), 1e-15);
    }

    @Test
    void requiresGradPropagatesFromAnyInputAndStopsAtNoGradAndDetach() {
        Tensor w = leaf(1, 2), c = Tensor.of(new double[] {3, 4});
        Tensor y = c.mul(w);
        assertTrue(y.requiresGrad() && !y.isLeaf(), "one input that requires grad is enough");
        assertFalse(c.mul(c).requiresGrad());
        Tensor inside;
        try (var scope = Tensor.noGrad()) {
            inside = w.mul(2.0).add(c);
        }
        assertFalse(inside.requiresGrad());
        assertTrue(inside.isLeaf());
        Tensor d = y.detach();
        assertFalse(d.requiresGrad());
        assertTrue(d.isLeaf());
        // a result mixing a detached or noGrad value with w gets w's gradient only
        y.mul(d).add(inside).sum().backward();
        assertValues(new double[] {3 * 3 * 1, 4 * 4 * 2}, w.grad(), 0); // d(c w * c w0)/dw = c^2 w0, w0 = [1, 2]
        assertNull(y.grad(), "an intermediate keeps no gradient unless retainGrad()");
        var e = assertThrows(IllegalStateException.class, () -> y.requiresGrad(false));
        assertTrue(e.getMessage().contains("requiresGrad(false)") && e.getMessage().contains("detach()"), e.getMessage());
        var none = assertThrows(IllegalStateException.class, () -> inside.sum().backward());
        assertTrue(none.getMessage().contains("does not require a gradient") && none.getMessage().contains("noGrad"),
                none.getMessage());
    }
}
