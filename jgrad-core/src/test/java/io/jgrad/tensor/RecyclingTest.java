package io.jgrad.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Tensor.recycling(): memory reuse between scopes, what is never recycled, and loud failure on misuse. */
class RecyclingTest {

    @Test
    void aClosedScopesMemoryServesTheNextScopeZeroed() {
        Tensor a = Tensor.of(new float[] {1, 2, 3, 4, 5, 6});
        float[] first;
        try (var scope = Tensor.recycling()) {
            Tensor y = a.mul(a);
            first = y.f;
            assertArrayEquals(new float[] {1, 4, 9, 16, 25, 36}, y.toFloatArray());
        }
        try (var scope = Tensor.recycling()) {
            Tensor z = Tensor.empty(DType.FLOAT32, new int[] {2, 3});
            assertSame(first, z.f, "the same length is served from the free list");
            assertArrayEquals(new float[6], z.f, "and comes back as zeros");
            Tensor y = a.add(1.0);
            assertArrayEquals(new float[] {2, 3, 4, 5, 6, 7}, y.toFloatArray());
        }
    }

    /**
     * Steps whose sizes change every time (a Spark partition's share of a shuffled batch) left one free array per
     * length they had ever used: a CNN on Spark ran out of a 512 MB heap within two epochs. The free lists now hold at
     * most {@link BufferPool#retainedLimit} bytes: past it they are emptied, and the sizes in use fill them again.
     */
    @Test
    void theFreeListsHoldAtMostTheirLimitWhenEveryScopeTakesNewSizes() {
        long limit = BufferPool.retainedLimit;
        BufferPool.retainedLimit = 1 << 20; // 1 MiB
        try {
            for (int step = 0; step < 200; step++) { // 200 scopes of 4 arrays of sizes never seen before: 40+ MB
                try (var scope = Tensor.recycling()) {
                    for (int j = 0; j < 4; j++) {
                        Tensor.empty(DType.FLOAT32, new int[] {10_000 + 4 * step + j});
                    }
                }
                assertTrue(BufferPool.retainedBytes() <= (1 << 20), () -> BufferPool.retainedBytes() + " bytes retained");
            }
            float[] kept;
            try (var scope = Tensor.recycling()) { // the same size again and again is still served from the free list
                kept = Tensor.empty(DType.FLOAT32, new int[] {1000}).f;
            }
            try (var scope = Tensor.recycling()) {
                assertSame(kept, Tensor.empty(DType.FLOAT32, new int[] {1000}).f);
            }
        } finally {
            BufferPool.retainedLimit = limit;
        }
    }

    @Test
    void tensorsFromAClosedScopeThrowInsteadOfReadingReusedMemory() {
        Tensor a = Tensor.of(new float[] {1, 2, 3});
        Tensor y, view;
        try (var scope = Tensor.recycling()) {
            y = a.mul(2.0);
            view = y.reshape(3, 1);
        }
        var e = assertThrows(IllegalStateException.class, () -> y.toFloatArray());
        assertTrue(e.getMessage().contains("Tensor.recycling()"), e.getMessage());
        assertThrows(IllegalStateException.class, () -> view.item());
        assertThrows(IllegalStateException.class, () -> view.copy());
    }

    @Test
    void backwardThroughTensorsOfAClosedScopeThrowsInsteadOfLeavingTheGradientsOut() {
        // closing the scope drops its tensors' graph: a backward from them reached no parameter and returned quietly
        Tensor w = Tensor.of(new float[] {1, 2, 3}).requiresGrad(true);
        Tensor loss, kept;
        try (var scope = Tensor.recycling()) {
            loss = w.mul(w).sum();
            kept = scope.keep(w.mul(w).sum()); // its value stays, the graph behind it (w * w) does not
        }
        for (Tensor l : new Tensor[] {loss, kept}) {
            var e = assertThrows(IllegalStateException.class, l::backward);
            assertTrue(e.getMessage().contains("Tensor.recycling()"), e.getMessage());
        }
        assertNull(w.grad());
    }

    @Test
    void storageOfARecycledTensorThrowsTheRecyclingError() {
        Tensor a = Tensor.of(new float[] {1, 2, 3});
        Tensor f, d;
        try (var scope = Tensor.recycling()) {
            f = a.mul(2.0);
            d = a.to(DType.FLOAT64).mul(2.0);
        }
        var e = assertThrows(IllegalStateException.class, f::floatStorage); // was a NullPointerException
        assertTrue(e.getMessage().contains("Tensor.recycling()"), e.getMessage());
        e = assertThrows(IllegalStateException.class, d::doubleStorage);
        assertTrue(e.getMessage().contains("Tensor.recycling()"), e.getMessage());
    }

    @Test
    void aScopeClosedOnAnotherThreadThrowsAndStaysOpenForItsOwnThread() throws Exception {
        // the other thread's close found no open scope of its own and returned: the scope stayed open for good on
        // the thread that opened it, lending memory it would never give back
        Tensor a = Tensor.of(new float[] {1, 2});
        var scope = Tensor.recycling();
        Tensor y = a.mul(2.0);
        Throwable[] thrown = new Throwable[1];
        Thread other = new Thread(() -> {
            try {
                scope.close();
            } catch (Throwable t) {
                thrown[0] = t;
            }
        });
        other.start();
        other.join();
        try {
            assertTrue(thrown[0] instanceof IllegalStateException, String.valueOf(thrown[0]));
            assertTrue(thrown[0].getMessage().contains(Thread.currentThread().getName()), thrown[0].getMessage());
            assertArrayEquals(new float[] {2, 4}, y.toFloatArray());
        } finally {
            scope.close(); // here, on its own thread, it closes
        }
        assertFalse(BufferPool.active());
        assertThrows(IllegalStateException.class, y::toFloatArray);
    }

    @Test
    void aNoGradScopeClosedOnAnotherThreadThrowsAndChangesNeitherThread() throws Exception {
        // it decremented the closing thread's counter to -1 (recording off there for good) and left this one off
        var scope = Tensor.noGrad();
        Object[] seen = new Object[2];
        Thread other = new Thread(() -> {
            try {
                scope.close();
            } catch (Throwable t) {
                seen[0] = t;
            }
            seen[1] = Tensor.isGradEnabled();
        });
        other.start();
        other.join();
        try {
            assertTrue(seen[0] instanceof IllegalStateException, String.valueOf(seen[0]));
            assertTrue(((Throwable) seen[0]).getMessage().contains(Thread.currentThread().getName()));
            assertTrue((Boolean) seen[1], "recording on the other thread");
            assertFalse(Tensor.isGradEnabled(), "still off here");
            scope.close();
            assertTrue(Tensor.isGradEnabled());
        } finally {
            if (!Tensor.isGradEnabled()) {
                Autograd.enable(); // a failure above must not leave recording off for the tests run after it
            }
        }
    }

    @Test
    void closingAClosedScopeAgainOnAnotherThreadDoesNothingForBothKinds() throws Exception {
        // a second close does nothing: a closed noGrad() scope threw there, where a closed recycling() scope did not
        var noGrad = Tensor.noGrad();
        noGrad.close();
        var recycling = Tensor.recycling();
        recycling.close();
        Throwable[] thrown = new Throwable[2];
        Thread other = new Thread(() -> {
            try {
                noGrad.close();
            } catch (Throwable t) {
                thrown[0] = t;
            }
            try {
                recycling.close();
            } catch (Throwable t) {
                thrown[1] = t;
            }
        });
        other.start();
        other.join();
        assertNull(thrown[0], "noGrad: " + thrown[0]);
        assertNull(thrown[1], "recycling: " + thrown[1]);
        assertTrue(Tensor.isGradEnabled());
        assertFalse(BufferPool.active());
    }

    @Test
    void factoriesKeptTensorsAndOutsideResultsAreNotRecycled() {
        Tensor a = Tensor.of(new float[] {1, 2, 3});
        Tensor made, kept, kept2;
        try (var scope = Tensor.recycling()) {
            made = Tensor.zeros(3).add_(a, 1.0);
            kept = scope.keep(a.mul(3.0));
            kept2 = kept.reshape(3, 1);
        }
        try (var scope = Tensor.recycling()) {
            a.mul(5.0);
            a.add(7.0); // would take kept's array if it had been returned
        }
        assertArrayEquals(new float[] {1, 2, 3}, made.toFloatArray());
        assertArrayEquals(new float[] {3, 6, 9}, kept.toFloatArray());
        assertArrayEquals(new float[] {3, 6, 9}, kept2.toFloatArray());
        Tensor outside = a.mul(2.0);
        try (var scope = Tensor.recycling()) {
            assertFalse(BufferPool.isLent(outside));
        }
        assertArrayEquals(new float[] {2, 4, 6}, outside.toFloatArray());
    }

    @Test
    void nestedScopesCloseInnermostFirst() {
        Tensor a = Tensor.of(new float[] {1, 2});
        try (var outer = Tensor.recycling()) {
            Tensor o = a.mul(2.0);
            Tensor in;
            try (var inner = Tensor.recycling()) {
                in = a.mul(3.0);
            }
            assertThrows(IllegalStateException.class, in::toFloatArray);
            assertArrayEquals(new float[] {2, 4}, o.toFloatArray(), "the outer scope's tensors live on");
            var inner2 = Tensor.recycling();
            Tensor left = a.mul(4.0);
            outer.close(); // closes the inner scope left open too
            assertThrows(IllegalStateException.class, left::toFloatArray);
            assertThrows(IllegalStateException.class, o::toFloatArray);
            inner2.close(); // already closed: nothing happens
        }
        assertFalse(BufferPool.active());
    }

    @Test
    void aStaleScopeDoesNotCloseTheScopeThatReusedItsBookkeeping() {
        Tensor a = Tensor.of(new float[] {1, 2});
        var first = Tensor.recycling();
        first.close();
        try (var second = Tensor.recycling()) { // served the closed scope's maps and lists
            Tensor y = a.mul(2.0);
            first.close(); // closed already: must not close second
            assertTrue(BufferPool.active());
            assertArrayEquals(new float[] {2, 4}, y.toFloatArray());
        }
        assertFalse(BufferPool.active());
    }

    @Test
    void manyDistinctLengthsAreEachServedTheirOwnArrayBack() {
        int lengths = 300; // past the first tables of free lists and of shared layouts
        float[][] first = new float[lengths + 1][];
        try (var scope = Tensor.recycling()) {
            for (int n = 0; n <= lengths; n++) {
                first[n] = Tensor.empty(DType.FLOAT32, new int[] {n}).f;
            }
        }
        try (var scope = Tensor.recycling()) {
            for (int n = lengths; n >= 0; n--) {
                Tensor t = Tensor.empty(DType.FLOAT32, new int[] {n});
                assertSame(first[n], t.f, "length " + n);
                assertArrayEquals(new int[] {n}, t.shape());
            }
        }
    }

    @Test
    void tensorsOfOneShapeShareTheirLayoutButNotTheirMemory() {
        try (var scope = Tensor.recycling()) {
            Tensor a = Tensor.empty(DType.FLOAT32, new int[] {2, 3}), b = Tensor.empty(DType.FLOAT32, new int[] {2, 3});
            assertSame(a.shape, b.shape);
            assertSame(a.strides, b.strides);
            assertFalse(a.f == b.f);
            int[] s = a.shape();
            s[0] = 7; // a copy: the shared array is not reachable from outside
            assertArrayEquals(new int[] {2, 3}, b.shape());
            assertArrayEquals(new int[] {3, 1}, b.strides);
        }
    }

    @Test
    void trainingStepsGiveTheSameGradientsWithAndWithoutRecycling() {
        double[][] plain = gradientsOverSteps(false);
        double[][] recycled = gradientsOverSteps(true);
        for (int i = 0; i < plain.length; i++) {
            assertArrayEquals(plain[i], recycled[i], 0, "gradient " + i + " (bitwise)");
        }
    }

    /** Three SGD steps of a small two-layer network; returns the gradients of the last step, then the weights. */
    private static double[][] gradientsOverSteps(boolean recycle) {
        Generator gen = new Generator(3);
        Tensor w1 = Tensor.randn(gen, 4, 5).requiresGrad(true), w2 = Tensor.randn(gen, 5, 2).requiresGrad(true);
        Tensor x = Tensor.randn(gen, 6, 4), target = Tensor.of(new float[] {0, 1, 1, 0, 1, 0});
        for (int step = 0; step < 3; step++) {
            w1.zeroGrad();
            w2.zeroGrad();
            var scope = recycle ? Tensor.recycling() : null;
            Tensor loss = x.matmul(w1).relu().matmul(w2).crossEntropy(target).mean();
            loss.backward();
            if (scope != null) {
                scope.close();
            }
            assertNotNull(w1.grad());
            try (var ng = Tensor.noGrad()) {
                w1.add_(w1.grad(), -0.1);
                w2.add_(w2.grad(), -0.1);
            }
        }
        return new double[][] {w1.grad().toDoubleArray(), w2.grad().toDoubleArray(), w1.toDoubleArray(),
                w2.toDoubleArray()};
    }

    @Test
    void everyOpWritesAllOfARecycledResult() {
        // recycled memory handed out without zeroing is NaN-poisoned: an op that skips an element would show it
        for (DType dtype : DType.values()) {
            double[] plain = cnnSteps(dtype, false);
            BufferPool.poison = true;
            try {
                assertArrayEquals(plain, cnnSteps(dtype, true), 0, dtype + ": same gradients and weights, bitwise");
            } finally {
                BufferPool.poison = false;
            }
        }
    }

    /** Three Adam steps of a network with every layer kind of the default CNN; returns all gradients and weights. */
    private static double[] cnnSteps(DType dtype, boolean recycle) {
        Generator.manualSeed(4); // Conv2d draws its initial weights from the default generator
        Generator gen = new Generator(4);
        io.jgrad.nn.Module net = new io.jgrad.nn.Sequential(new io.jgrad.nn.Conv2d(2, 3, 3, 1, 1),
                new io.jgrad.nn.BatchNorm2d(3), new io.jgrad.nn.ReLU(), new io.jgrad.nn.MaxPool2d(2),
                new io.jgrad.nn.Dropout(0.3, gen), new io.jgrad.nn.Flatten(),
                new io.jgrad.nn.Linear(3 * 3 * 2, 5, false, gen), new io.jgrad.nn.Tanh(),
                new io.jgrad.nn.Linear(5, 4, true, gen));
        net.to(dtype);
        var opt = new io.jgrad.optim.Adam(net.parameters(), 0.01);
        Tensor x = Tensor.randn(gen, 5, 2, 7, 5).to(dtype);
        Tensor target = Tensor.of(new float[] {0, 3, 1, 2, 3});
        java.util.List<Double> out = new java.util.ArrayList<>();
        for (int step = 0; step < 3; step++) {
            opt.zeroGrad();
            var scope = recycle ? Tensor.recycling() : null;
            Tensor y = net.forward(x);
            Tensor loss = y.crossEntropy(target).mean().add(y.softmax(1).pow(2.0).sum().mul(0.01));
            loss.backward();
            if (scope != null) {
                scope.close();
            }
            opt.step();
        }
        for (Tensor p : net.parameters()) {
            for (double v : p.grad().toDoubleArray()) {
                out.add(v);
            }
            for (double v : p.toDoubleArray()) {
                out.add(v);
            }
        }
        return out.stream().mapToDouble(Double::doubleValue).toArray();
    }

    @Test
    void optimizerStateCreatedInsideAScopeOutlivesIt() {
        java.util.List<java.util.function.Function<java.util.List<Tensor>, io.jgrad.optim.Optimizer>> makers = java.util.List.of(
                p -> new io.jgrad.optim.SGD(p, 0.1, 0.9),
                p -> new io.jgrad.optim.SGD(p, 0.1, 0.9, 0, 0.01, true),
                p -> new io.jgrad.optim.Adam(p, 0.01),
                p -> new io.jgrad.optim.AdamW(p, 0.01),
                p -> new io.jgrad.optim.RMSprop(p, 0.01, 0.99, 1e-8, 0, 0.9, true),
                p -> new io.jgrad.optim.Adagrad(p));
        for (int k = 0; k < makers.size(); k++) {
            assertArrayEquals(stepsWithStepInside(makers.get(k), false), stepsWithStepInside(makers.get(k), true), 0,
                    "optimizer " + k + ": step() inside the scope gives the same weights");
        }
    }

    private static double[] stepsWithStepInside(
            java.util.function.Function<java.util.List<Tensor>, io.jgrad.optim.Optimizer> maker, boolean recycle) {
        Generator gen = new Generator(9);
        Tensor w = Tensor.randn(gen, 3, 2).requiresGrad(true);
        Tensor x = Tensor.randn(gen, 4, 3);
        io.jgrad.optim.Optimizer opt = maker.apply(java.util.List.of(w));
        for (int step = 0; step < 4; step++) {
            opt.zeroGrad();
            var scope = recycle ? Tensor.recycling() : null;
            x.matmul(w).tanh().sum().backward();
            opt.step();
            a.mul(1.0); // takes any memory the step's scope gave back too early
            if (scope != null) {
                scope.close();
            }
        }
        return w.toDoubleArray();
    }

    private static final Tensor a = Tensor.of(new float[] {1, 2, 3, 4, 5, 6});

    @Test
    void aLeafGradientReusesItsMemoryAfterZeroGradInsideAScope() {
        Tensor w = Tensor.of(new float[] {1, 2, 3}).requiresGrad(true);
        float[] first = null;
        for (int step = 0; step < 3; step++) {
            w.zeroGrad();
            try (var scope = Tensor.recycling()) {
                w.mul(w).sum().backward();
            }
            assertArrayEquals(new float[] {2, 4, 6}, w.grad().toFloatArray(), "d(sum w^2)/dw = 2w, step " + step);
            if (first == null) {
                first = w.grad().f;
            } else {
                assertSame(first, w.grad().f);
            }
        }
    }

    @Test
    void linearWritesParameterGradientsInTheirOwnMemoryOncePastTheFirstStep() {
        // from the second step the weight and bias gradients are written where they are kept (no copy out of the
        // scope's memory): same bits as without recycling, the same arrays every step, untouched by later scopes
        Generator gen = new Generator(5);
        Tensor x = Tensor.randn(gen, 6, 4), target = Tensor.of(new float[] {0, 1, 2, 0, 1, 2});
        Tensor w = Tensor.randn(gen, 3, 4).requiresGrad(true), b = Tensor.randn(gen, 3).requiresGrad(true);
        w.zeroGrad();
        b.zeroGrad();
        Tensor.linear(x, w, b).crossEntropy(target).mean().backward();
        float[] wantW = w.grad().toFloatArray(), wantB = b.grad().toFloatArray();
        float[] firstW = null, firstB = null;
        for (int step = 0; step < 3; step++) {
            w.zeroGrad();
            b.zeroGrad();
            try (var scope = Tensor.recycling()) {
                Tensor.linear(x, w, b).crossEntropy(target).mean().backward();
            }
            try (var scope = Tensor.recycling()) { // a later scope reusing whatever memory the step lent
                Tensor.linear(x, w, b).mul(Tensor.scalar(1e6)).sum();
                Tensor.linear(x, w.detach(), b.detach()).add(Tensor.scalar(7));
            }
            assertArrayEquals(wantW, w.grad().toFloatArray(), 0, "weight gradient, step " + step);
            assertArrayEquals(wantB, b.grad().toFloatArray(), 0, "bias gradient, step " + step);
            if (step == 0) {
                firstW = w.grad().f;
                firstB = b.grad().f;
            } else {
                assertSame(firstW, w.grad().f, "weight gradient memory, step " + step);
                assertSame(firstB, b.grad().f, "bias gradient memory, step " + step);
            }
        }
    }

    @Test
    void outsideAScopeAGradientKeptAcrossZeroGradKeepsItsValues() {
        // bug: linear's backward wrote the weight and bias gradients into the memory of the gradients zeroGrad()
        // dropped even outside a recycling() scope, so a gradient kept from the step before (to log or compare it)
        // changed under its holder; zeroGrad's contract limits that reuse to inside a scope, as PyTorch's
        // zero_grad(set_to_none=True) leaves the old tensor alone
        Tensor x = Tensor.of(new double[] {1, 2, 3, 4, 5, 6}, 2, 3);
        Tensor w = Tensor.of(new double[] {1, 0, 0, 0, 1, 0}, 2, 3).requiresGrad(true);
        Tensor b = Tensor.of(new double[] {0, 0}).requiresGrad(true);
        Tensor.linear(x, w, b).sum().backward();
        Tensor keptW = w.grad(), keptB = b.grad();
        w.zeroGrad();
        b.zeroGrad();
        Tensor.linear(x.mul(10.0), w, b).mul(3.0).sum().backward();
        assertArrayEquals(new double[] {5, 7, 9, 5, 7, 9}, keptW.toDoubleArray(), 0, "the kept weight gradient");
        assertArrayEquals(new double[] {2, 2}, keptB.toDoubleArray(), 0, "the kept bias gradient");
        assertArrayEquals(new double[] {150, 210, 270, 150, 210, 270}, w.grad().toDoubleArray(), 0);
        assertArrayEquals(new double[] {6, 6}, b.grad().toDoubleArray(), 0);
    }
}
