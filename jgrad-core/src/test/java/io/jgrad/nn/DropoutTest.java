package io.jgrad.nn;

import static org.junit.jupiter.api.Assertions.*;

import io.jgrad.tensor.DType;
import io.jgrad.tensor.Generator;
import io.jgrad.tensor.Tensor;
import java.util.Arrays;
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
    void probabilityOneZeroesEverythingInTrainingAndIsTheIdentityInEval() {
        // PyTorch 1.13 allows p = 1: x * 0 (so inf and NaN give NaN) with a zero gradient; eval returns x
        Generator gen = new Generator(6);
        long[] start = gen.state();
        Dropout d = new Dropout(1.0, gen);
        for (DType dt : DType.values()) {
            Tensor x = Tensor.of(new double[] {1.5, -2, 0, Double.POSITIVE_INFINITY, Double.NaN}).to(dt)
                    .requiresGrad(true);
            Tensor y = d.forward(x);
            double[] v = y.toDoubleArray();
            assertArrayEquals(new double[] {0, 0, 0}, Arrays.copyOf(v, 3), 0); // -2 * 0 is -0, as in PyTorch
            assertTrue(Double.isNaN(v[3]) && Double.isNaN(v[4]), Arrays.toString(v));
            y.mul(Tensor.of(new double[] {1, 2, 3, 4, 5}).to(dt)).sum().backward();
            assertArrayEquals(new double[5], x.grad().toDoubleArray());
        }
        assertArrayEquals(start, gen.state(), "p = 1 draws no mask");
        d.eval();
        Tensor x = Tensor.randn(new Generator(7), 3, 4);
        assertSame(x, d.forward(x));
        assertEquals("Dropout(p=1.0, inplace=False)", d.toString());
    }

    @Test
    void rejectsBadProbability() {
        var e = assertThrows(IllegalArgumentException.class, () -> new Dropout(1.0000001));
        assertEquals("Dropout: probability p must be in [0, 1], got 1.0000001", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Dropout(-0.1));
        assertThrows(IllegalArgumentException.class, () -> new Dropout(Double.NaN));
        e = assertThrows(IllegalArgumentException.class, () -> Tensor.ones(2).dropout(1.5, new Generator(1)));
        assertEquals("dropout: probability p must be in [0, 1], got 1.5", e.getMessage());
    }
}
