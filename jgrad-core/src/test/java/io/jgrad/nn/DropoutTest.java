package io.jgrad.nn;

import static org.junit.jupiter.api.Assertions.*;

import io.jgrad.tensor.Generator;
import io.jgrad.tensor.Tensor;
import org.junit.jupiter.api.Test;

class DropoutTest {
    @Test
    void evalIsIdentity() {
        Dropout d = new Dropout(0.5);
        d.eval();
        Tensor x = Tensor.randn(new Generator(1), 10, 10);
        assertSame(x, d.forward(x));
    }

    @Test
    void trainingZeroesAboutPAndScalesTheRest() {
        double p = 0.3;
        Tensor x = Tensor.ones(200, 100);
        float[] y = new Dropout(p, new Generator(2)).forward(x).toFloatArray();
        int zeros = 0;
        for (float v : y) {
            if (v == 0) {
                zeros++;
            } else {
                assertEquals(1 / (1 - p), v, 1e-6);
            }
        }
        // binomial(20000, 0.3): sd ~ 65 elements, so +-400 is > 6 sd
        assertEquals(0.3 * y.length, zeros, 400);
    }

    @Test
    void sameSeedSameMaskAndFreshMasksPerCall() {
        Tensor x = Tensor.randn(new Generator(3), 8, 9);
        assertArrayEquals(new Dropout(0.5, new Generator(4)).forward(x).toFloatArray(),
                new Dropout(0.5, new Generator(4)).forward(x).toFloatArray());
        Dropout d = new Dropout(0.5, new Generator(4));
        assertFalse(java.util.Arrays.equals(d.forward(x).toFloatArray(), d.forward(x).toFloatArray()));
    }

    @Test
    void gradientFlowsOnlyThroughKeptElements() {
        Tensor x = Tensor.ones(50).requiresGrad(true);
        Tensor y = new Dropout(0.4, new Generator(5)).forward(x);
        y.sum().backward();
        assertArrayEquals(y.toFloatArray(), x.grad().toFloatArray(), "d(sum y)/dx equals the mask");
    }

    @Test
    void rejectsBadProbability() {
        assertThrows(IllegalArgumentException.class, () -> new Dropout(1.0));
        assertThrows(IllegalArgumentException.class, () -> new Dropout(-0.1));
        assertThrows(IllegalArgumentException.class, () -> new Dropout(Double.NaN));
    }
}
