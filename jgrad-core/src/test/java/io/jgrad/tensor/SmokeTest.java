package io.jgrad.tensor;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

class SmokeTest {
    @Test
    void matmulAndBackward() {
        Tensor a = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3).requiresGrad(true);
        Tensor b = Tensor.of(new float[] {1, 0, 0, 1, 1, 1}, 3, 2).requiresGrad(true);
        Tensor y = a.matmul(b);
        assertArrayEquals(new float[] {4, 5, 10, 11}, y.toFloatArray());
        y.sum().backward();
        assertArrayEquals(new float[] {1, 1, 2, 1, 1, 2}, a.grad().toFloatArray());
        assertArrayEquals(new float[] {5, 5, 7, 7, 9, 9}, b.grad().toFloatArray());
    }

    @Test
    void gradcheckComposite() {
        Generator g = new Generator(3);
        Tensor x = Tensor.randn(g, 4, 5);
        Tensor w = Tensor.randn(g, 5, 3);
        Tensor bias = Tensor.randn(g, 3);
        var r = GradCheck.check(v -> v[0].matmul(v[1]).add(v[2]).tanh().logSoftmax(1).mul(v[0].sum(1, true)).mean(), x, w, bias);
        assertTrue(r.passed(), r.toString());
        var r2 = GradCheck.check(v -> v[0].sigmoid().mul(v[0].exp()).div(v[1].pow(2).add(1)).max(1, false).sum(), x, x.add(1));
        assertTrue(r2.passed(), r2.toString());
    }

    @Test
    void longChain() {
        Tensor x = Tensor.scalar(1.0).requiresGrad(true);
        Tensor y = x;
        for (int i = 0; i < 100_000; i++) {
            y = y.mul(1.0);
        }
        y.backward();
        assertEquals(1.0, x.grad().item(), 0);
    }
}
