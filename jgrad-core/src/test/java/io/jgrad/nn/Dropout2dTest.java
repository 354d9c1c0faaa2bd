package io.jgrad.nn;

import static org.junit.jupiter.api.Assertions.*;

import io.jgrad.tensor.DType;
import io.jgrad.tensor.Generator;
import io.jgrad.tensor.GradCheck;
import io.jgrad.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** Dropout2d drops whole channels, rescales the others, is the identity in eval mode, and differentiates. */
class Dropout2dTest {
    @Test
    void dropsWholeChannelsAndScalesTheRest() {
        Dropout2d d = new Dropout2d(0.5, new Generator(3));
        Tensor x = Tensor.uniform(new Generator(1), 1, 2, 8, 16, 3, 4); // no zeros in the input
        Tensor y = d.forward(x);
        int dropped = 0;
        for (int n = 0; n < 8; n++) {
            for (int c = 0; c < 16; c++) {
                boolean zero = y.get(n, c, 0, 0) == 0;
                dropped += zero ? 1 : 0;
                for (int i = 0; i < 3; i++) {
                    for (int j = 0; j < 4; j++) {
                        assertEquals(zero ? 0 : 2 * x.get(n, c, i, j), y.get(n, c, i, j), 1e-6);
                    }
                }
            }
        }
        assertTrue(dropped > 30 && dropped < 98, "128 channels at p = 0.5, dropped " + dropped);
        d.eval();
        assertSame(x, d.forward(x));
    }

    @Test
    void gradientWithAFixedMask() {
        Generator gen = new Generator(9);
        long[] start = gen.state();
        Dropout2d d = new Dropout2d(0.3, gen);
        Tensor x = Tensor.normal(DType.FLOAT64, new Generator(2), 0, 1, 3, 4, 2, 3).requiresGrad(true);
        GradCheck.Result r = GradCheck.check(() -> {
            gen.setState(start); // the same mask on every evaluation
            return d.forward(x);
        }, x);
        assertTrue(r.passed(), r.toString());
        x.zeroGrad(); // GradCheck leaves its own weighted gradient in x
        gen.setState(start);
        Tensor y = d.forward(x);
        y.sum().backward();
        for (int n = 0; n < 3; n++) {
            for (int c = 0; c < 4; c++) {
                double expect = y.get(n, c, 1, 2) == 0 ? 0 : 1 / 0.7;
                assertEquals(expect, x.grad().get(n, c, 1, 2), 1e-12);
            }
        }
    }

    @Test
    void probabilityOneDropsEveryChannelAndErrorsNameTheLayer() {
        Generator gen = new Generator(4);
        long[] start = gen.state();
        Dropout2d d = new Dropout2d(1.0, gen);
        Tensor x = Tensor.normal(DType.FLOAT64, new Generator(5), 0, 1, 2, 3, 2, 2).requiresGrad(true);
        Tensor y = d.forward(x);
        assertArrayEquals(new double[x.numel()], y.toDoubleArray(), 0); // 0 or -0
        y.sum().backward();
        assertArrayEquals(new double[x.numel()], x.grad().toDoubleArray());
        assertArrayEquals(start, gen.state(), "p = 1 draws no mask");
        d.eval();
        assertSame(x, d.forward(x));
        var e = assertThrows(IllegalArgumentException.class, () -> new Dropout2d(1.5));
        assertEquals("Dropout2d: probability p must be in [0, 1], got 1.5", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Dropout2d(-0.5));
    }

    /** Channel (n, c) is dropped when the generator's (n * C + c)-th nextDouble is below p, else scaled by 1 / (1 - p). */
    @Test
    void theMaskIsTheGeneratorsDrawsInRowMajorOrder() {
        Generator gen = new Generator(31);
        Tensor x = Tensor.ones(4, 6, 2, 3);
        Tensor y = new Dropout2d(0.35, gen).forward(x);
        Generator h = new Generator(31);
        for (int n = 0; n < 4; n++) {
            for (int c = 0; c < 6; c++) {
                float expect = h.nextDouble() < 0.35 ? 0f : (float) (1 / 0.65);
                for (int i = 0; i < 2; i++) {
                    for (int j = 0; j < 3; j++) {
                        assertEquals(expect, (float) y.get(n, c, i, j), 0f);
                    }
                }
            }
        }
        assertArrayEquals(h.state(), gen.state(), "one draw per channel");
    }
}
