package io.jgrad.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class GradCheckTest {
    private static Tensor leaf(String label, double... values) {
        return Tensor.of(values).to(DType.FLOAT64).detach().requiresGrad(true).label(label);
    }

    /** x * detach(x): backpropagation sees x, the finite difference 2x; the check fails and names the element. */
    @Test
    void aWrongGradientFailsAtItsElement() {
        Tensor a = leaf("a", 0.0, 0.0);
        Tensor x = leaf("x", 0.0, 3.0, 0.0);
        GradCheck.Result r = GradCheck.check(() -> a.mul(1.0).sum().add(x.mul(x.detach()).sum()), a, x);
        assertFalse(r.passed(), r.toString());
        assertEquals("variable 1 (x) element [1]", r.worstAt(), r.toString());
        assertEquals(r.analytic() * 2, r.numeric(), 1e-6, r.toString());
        assertTrue(r.toString().startsWith("GradCheck FAILED: 5 elements"), r.toString());
    }

    /**
     * A passing check reports where the error is largest relative to its tolerance atol + rtol * |numeric|. It
     * reported the element with the most room below its tolerance instead, in effect the one with the smallest
     * |numeric|: here the unused variable a, whose analytic and numeric derivatives are both exactly 0, while
     * b's derivative 3000 b^2 carries the rounding error that "max abs error" shows.
     */
    @Test
    void thePassingWorstElementIsTheOneClosestToItsTolerance() {
        Tensor a = leaf("a", 0.7);
        Tensor b = leaf("b", 1.2345, -0.6789);
        GradCheck.Result r = GradCheck.check(() -> b.pow(3).mul(1000).sum(), a, b);
        assertTrue(r.passed(), r.toString());
        assertTrue(r.maxAbsError() > 0, "the example needs some rounding error: " + r);
        assertTrue(r.worstAt().startsWith("variable 1 (b)"), r.toString());
        assertTrue(r.analytic() != r.numeric(), r.toString());
    }

    /**
     * A numeric derivative that overflows (exp at the edge of float64: exp(x + eps) is infinite, exp(x - eps) and the
     * analytic exp(x) are not) fails the check; its error and its tolerance are then both infinite, and their ratio,
     * NaN, ranked below every number: the worst element reported was the unused a, 0 = 0, not the failed x. (The 0.5
     * keeps the check's output weight, in [0.5, 1.5), from overflowing the other values.)
     */
    @Test
    void aFailedElementWithAnInfiniteNumericDerivativeIsTheWorst() {
        Tensor a = leaf("a", 0.5);
        Tensor x = Tensor.scalar(DType.FLOAT64, Math.log(Double.MAX_VALUE) - 1e-7).requiresGrad(true).label("x");
        GradCheck.Result r = GradCheck.check(() -> x.exp().mul(0.5), a, x);
        assertFalse(r.passed(), r.toString());
        assertTrue(r.worstAt().startsWith("variable 1 (x)"), r.toString());
        assertEquals(Double.POSITIVE_INFINITY, r.numeric(), r.toString());
        assertTrue(Double.isFinite(r.analytic()), r.toString());
    }
}
