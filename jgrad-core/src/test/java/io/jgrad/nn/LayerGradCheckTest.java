package io.jgrad.nn;

import static org.junit.jupiter.api.Assertions.*;

import io.jgrad.tensor.DType;
import io.jgrad.tensor.Generator;
import io.jgrad.tensor.GradCheck;
import io.jgrad.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** Every module's backward pass against finite differences, in float64, wrt the input and every parameter. */
class LayerGradCheckTest {
    private static Tensor input(long seed, int... shape) {
        return Tensor.normal(DType.FLOAT64, new Generator(seed), 0, 1.5, shape).requiresGrad(true);
    }

    private static void check(Module m, Tensor x) {
        m.to(DType.FLOAT64);
        List<Tensor> vars = new ArrayList<>();
        vars.add(x);
        vars.addAll(m.parameters());
        GradCheck.Result r = GradCheck.check(() -> m.forward(x), vars.toArray(Tensor[]::new));
        assertTrue(r.passed(), m + ": " + r);
        assertEquals(x.numel() + m.parameterCount(), r.checked());
    }

    @Test
    void linear() {
        check(new Linear(4, 3, true, new Generator(1)), input(2, 5, 4));
        check(new Linear(4, 3, false, new Generator(1)), input(3, 5, 4));
        check(new Linear(4, 3, true, new Generator(1)), input(4, 2, 3, 4)); // leading batch dims
        check(new Linear(4, 3, true, new Generator(1)), input(5, 4)); // a single sample
    }

    /**
     * A float32 parameter is refused with the conversion that works for it: model.to(FLOAT64), not x.to(FLOAT64),
     * whose copy the model never reads (its gradient check would compare zeros with zeros).
     */
    @Test
    void aFloat32ParameterIsRefusedWithTheModelsConversion() {
        Linear l = new Linear(4, 3, true, new Generator(1));
        Tensor x = input(2, 5, 4);
        var e = assertThrows(IllegalArgumentException.class, () -> GradCheck.check(() -> l.forward(x.to(DType.FLOAT32)), x, l.weight()));
        assertEquals("GradCheck: variable 1 (weight) must be a contiguous float64 leaf tensor (got FLOAT32 [3, 4]); convert an"
                + " input with x.to(DType.FLOAT64) and a model with model.to(DType.FLOAT64), then pass the model's parameters()"
                + " fetched after the conversion", e.getMessage());
        Tensor computed = x.mul(2);
        e = assertThrows(IllegalArgumentException.class, () -> GradCheck.check(() -> computed, computed));
        assertTrue(e.getMessage().endsWith("(got FLOAT64 [5, 4], computed by mul_scalar); pass the leaf tensors it is computed from"),
                e.getMessage());
    }

    @Test
    void linear3dInputMatchesRowWise() {
        Linear l = new Linear(4, 3, true, new Generator(1));
        Tensor x = Tensor.randn(new Generator(2), 2, 3, 4);
        Tensor y = l.forward(x);
        assertArrayEquals(new int[] {2, 3, 3}, y.shape());
        for (int i = 0; i < 2; i++) {
            for (int j = 0; j < 3; j++) {
                for (int o = 0; o < 3; o++) {
                    double expect = l.bias().get(o);
                    for (int k = 0; k < 4; k++) {
                        expect += x.get(i, j, k) * l.weight().get(o, k);
                    }
                    assertEquals(expect, y.get(i, j, o), 1e-5);
                }
            }
        }
        var e = assertThrows(IllegalArgumentException.class, () -> l.forward(Tensor.zeros(2, 5)));
        assertTrue(e.getMessage().contains("[2, 5]"), e.getMessage());
    }

    @Test
    void activations() {
        // inputs stay away from the kinks at 0 with probability 1 (continuous random draws)
        check(new Identity(), input(10, 3, 4));
        check(new Sigmoid(), input(11, 3, 4));
        check(new Tanh(), input(12, 3, 4));
        check(new ReLU(), input(13, 3, 4));
        check(new LeakyReLU(), input(14, 3, 4));
        check(new LeakyReLU(0.2), input(15, 3, 4));
        check(new ELU(), input(16, 3, 4));
        check(new ELU(0.5), input(17, 3, 4));
        check(new GELU(), input(18, 3, 4));
        check(new Softmax(1), input(19, 3, 4));
        check(new Softmax(0), input(20, 3, 4));
        check(new LogSoftmax(1), input(21, 3, 4));
        check(new LogSoftmax(-1), input(22, 2, 3, 4));
    }

    @Test
    void eluGradientKeepsItsPrecisionForVeryNegativeInputs() {
        // PyTorch's backward is alpha e^x, computed from x (1.13 gives 3.09e-9 for alpha 0.5, x = -20, weight 3,
        // in float32 too); alpha e^x = y + alpha cancels to 0 there, so only x keeps the digits
        double[] xs = {-5, -20, -40, -80};
        for (DType dt : DType.values()) {
            Tensor x = Tensor.of(xs).to(dt).requiresGrad(true);
            new ELU(0.5).forward(x).sum().backward();
            double[] g = x.grad().toDoubleArray();
            for (int i = 0; i < xs.length; i++) {
                double expect = 0.5 * Math.exp(xs[i]);
                if (dt == DType.FLOAT32 && expect < Float.MIN_NORMAL) {
                    continue; // float32 subnormals carry too few digits for a relative bound
                }
                assertEquals(expect, g[i], (dt == DType.FLOAT32 ? 1e-6 : 1e-14) * expect, dt + " x = " + xs[i]);
            }
        }
    }

    @Test
    void flatten() {
        Tensor x = input(30, 2, 3, 2, 2);
        assertArrayEquals(new int[] {2, 12}, new Flatten().forward(x).shape());
        assertArrayEquals(new int[] {2, 3, 4}, new Flatten(2).forward(x).shape());
        check(new Flatten(), x);
        check(new Flatten(2), x);
    }

    @Test
    void dropoutWithAFixedMask() {
        Tensor x = input(40, 4, 5);
        // a fresh generator per evaluation gives the same mask every time, as finite differences need
        Supplier<Tensor> f = () -> new Dropout(0.3, new Generator(7)).forward(x);
        GradCheck.Result r = GradCheck.check(f, x);
        assertTrue(r.passed(), r.toString());
        check(new Dropout(0.3).eval(), input(41, 4, 5));
    }

    @Test
    void sequentialNetwork() {
        Generator g = new Generator(3);
        Sequential net = new Sequential(new Flatten(), new Linear(6, 5, true, g), new Tanh(), new Linear(5, 4, true, g),
                new ELU(), new Linear(4, 3, true, g), new LogSoftmax(1));
        check(net, input(50, 3, 2, 3));
    }
}
