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

    /**
     * Half the summed squared error of the least-squares line through n points: loss = 1/2 sum_i (a x_i + b - y_i)^2
     * at its minimum (a, b), where the exact gradients are 0 and the numeric ones only rounding error, with the
     * last {@code wrong} points computed from detached a and b, whose gradients backpropagation then misses (the
     * finite difference still sees them: a detached tensor reads the perturbed values).
     */
    private static GradCheck.Result leastSquaresLoss(int n, int wrong) {
        Generator gen = new Generator(3);
        double[] xs = new double[n], ys = new double[n];
        double mx = 0, my = 0;
        for (int i = 0; i < n; i++) {
            xs[i] = gen.nextGaussian();
            ys[i] = 2 * xs[i] + 10 * gen.nextGaussian(); // a loss of about 50 n
            mx += xs[i] / n;
            my += ys[i] / n;
        }
        double sxy = 0, sxx = 0;
        for (int i = 0; i < n; i++) {
            sxy += (xs[i] - mx) * (ys[i] - my);
            sxx += (xs[i] - mx) * (xs[i] - mx);
        }
        Tensor a = leaf("a", sxy / sxx);
        Tensor b = leaf("b", my - sxy / sxx * mx);
        int m = n - wrong;
        Tensor x = Tensor.of(java.util.Arrays.copyOf(xs, m)), y = Tensor.of(java.util.Arrays.copyOf(ys, m));
        Tensor xw = Tensor.of(java.util.Arrays.copyOfRange(xs, m, n)), yw = Tensor.of(java.util.Arrays.copyOfRange(ys, m, n));
        return GradCheck.check(() -> {
            Tensor loss = x.mul(a).add(b).sub(y).pow(2).sum().mul(0.5);
            return wrong == 0 ? loss : loss.add(xw.mul(a.detach()).add(b.detach()).sub(yw).pow(2).sum().mul(0.5));
        }, a, b);
    }

    /**
     * A summed loss of about 1e7 over 200,000 points at its minimum, backpropagated correctly: float64's rounding of
     * the loss, which the division by 2 eps magnifies, left numeric gradients far above atol where the exact ones are
     * 0, and the check FAILED; the tolerance now allows for that rounding.
     */
    @Test
    void aCorrectGradientOfALargeSummedLossPasses() {
        GradCheck.Result r = leastSquaresLoss(200_000, 0);
        assertTrue(r.passed(), r.toString());
        assertTrue(r.maxAbsError() > 100 * GradCheck.ATOL, "the example needs rounding error above atol: " + r);
    }

    /**
     * The rounding allowance does not hide a wrong backward pass of that loss: one that misses 1 point in 100 (a
     * gradient wrong by about 1%) still fails, as does one that misses 1 in 1000 when the loss is 100 times smaller.
     */
    @Test
    void aGradientThatMissesSomePointsOfALargeSummedLossFails() {
        GradCheck.Result r = leastSquaresLoss(200_000, 2_000);
        assertFalse(r.passed(), r.toString());
        GradCheck.Result smaller = leastSquaresLoss(2_000, 2);
        assertFalse(smaller.passed(), smaller.toString());
    }

    /** The allowance is far below atol for a loss of about 1: a gradient wrong by 1e-4 (relative) fails. */
    @Test
    void aSlightlyWrongGradientOfASmallLossFails() {
        Tensor x = leaf("x", 0.9, -1.1, 1.3);
        GradCheck.Result r = GradCheck.check(() -> x.tanh().sum().add(x.mul(x.detach()).sum().mul(1e-4)), x);
        assertFalse(r.passed(), r.toString());
    }

    /** The rounding model's n: every element read by every op of the graph, an op shared by two paths once. */
    @Test
    void elementsReadCountsTheInputsOfEveryOpOnce() {
        Tensor x = leaf("x", 1, 2, 3);
        Tensor y = x.mul(2.0); // reads 3
        Tensor z = y.add(y).sum(); // add reads 3 + 3, sum reads 3; y's op counted once
        assertEquals(12, GradCheck.elementsRead(z));
        assertEquals(0, GradCheck.elementsRead(x));
    }
}
