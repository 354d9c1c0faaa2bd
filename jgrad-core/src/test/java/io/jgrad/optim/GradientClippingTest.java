package io.jgrad.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jgrad.tensor.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

class GradientClippingTest {
    private static Tensor withGrad(float[] grad) {
        Tensor p = Tensor.zeros(grad.length).requiresGrad(true);
        p.setGrad(Tensor.of(grad));
        return p;
    }

    @Test
    void scalesAllGradientsByOneFactorWhenTheNormIsTooLarge() {
        // grads (3, 0) and (4): total norm sqrt(9 + 16) = 5
        Tensor a = withGrad(new float[] {3, 0});
        Tensor b = withGrad(new float[] {4});
        Tensor none = Tensor.zeros(2).requiresGrad(true);
        double norm = GradientClipping.clipGradNorm(List.of(a, none, b), 1.0);
        assertEquals(5.0, norm, 1e-12);
        float scale = (float) (1.0 / (5.0 + 1e-6));
        assertArrayEquals(new float[] {3 * scale, 0}, a.grad().toFloatArray());
        assertArrayEquals(new float[] {4 * scale}, b.grad().toFloatArray());
        assertNull(none.grad());
        // the clipped gradients have norm maxNorm (to float rounding)
        double after = Math.hypot(a.grad().get(0), b.grad().get(0));
        assertEquals(1.0, after, 1e-6);
    }

    @Test
    void leavesSmallGradientsAlone() {
        Tensor a = withGrad(new float[] {0.3f, -0.4f});
        assertEquals(0.5, GradientClipping.clipGradNorm(List.of(a), 10.0), 1e-7);
        assertArrayEquals(new float[] {0.3f, -0.4f}, a.grad().toFloatArray());
        // maxNorm equal to the norm: factor 5 / (5 + 1e-6) is below 1, so it still scales (as PyTorch)
        Tensor b = withGrad(new float[] {3, 4});
        GradientClipping.clipGradNorm(List.of(b), 5.0);
        assertTrue(b.grad().get(1) <= 4f);
    }

    @Test
    void nonFiniteNormLeavesGradientsUnchanged() {
        Tensor a = withGrad(new float[] {Float.NaN, 1});
        assertTrue(Double.isNaN(GradientClipping.clipGradNorm(List.of(a), 1.0)));
        assertEquals(1f, a.grad().toFloatArray()[1]);
    }

    @Test
    void theNormIsTakenWithoutCopyingTheGradients() {
        // a training step with --clip-grad-norm calls this every step: a copy of every gradient in doubles (8 MB here)
        // was made just to sum its squares
        // float64: its sum of squares is a plain loop, which allocates nothing even before the JIT compiles it (the
        // float32 one runs the Vector API, whose vectors are objects until C2 compiles the loop)
        Tensor a = Tensor.zeros(io.jgrad.tensor.DType.FLOAT64, 1 << 20).requiresGrad(true);
        a.setGrad(Tensor.zeros(io.jgrad.tensor.DType.FLOAT64, 1 << 20).fill_(0.5));
        var threads = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        GradientClipping.clipGradNorm(List.of(a), 1e9); // warm: loads and compiles what the call needs
        long before = threads.getCurrentThreadAllocatedBytes();
        double norm = GradientClipping.clipGradNorm(List.of(a), 1e9);
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        assertEquals(512.0, norm, 1e-9); // sqrt(2^20 * 0.25)
        assertTrue(allocated < 1 << 16, "clipGradNorm allocated " + allocated + " bytes for a gradient of 8 MB");
    }
}
