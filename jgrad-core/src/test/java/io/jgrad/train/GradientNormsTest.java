package io.jgrad.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.jgrad.tensor.Tensor;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GradientNormsTest {
    private static Tensor withGrad(float... g) {
        Tensor p = Tensor.zeros(g.length);
        p.setGrad(Tensor.of(g, g.length));
        return p;
    }

    /**
     * Each parameter's mean over the steps of its gradient's L2 norm (0 without a gradient), with the steps another
     * record added (a Spark partition's sums and count) counted as its own, and a restart from a checkpoint's sums.
     */
    @Test
    void meansAreEachParametersNormSummedOverTheStepsOverTheirCount() {
        GradientNorms norms = new GradientNorms(List.of("w", "b"));
        assertEquals(-1, norms.addStep(List.of(withGrad(3, 4), withGrad(1))));  // ||(3, 4)|| = 5
        assertEquals(-1, norms.addStep(List.of(withGrad(0, 1), Tensor.zeros(2)))); // no gradient: 0
        norms.add(new double[] {9, 3}, 2);
        assertEquals(4, norms.steps());
        assertEquals(Map.of("w", 15.0, "b", 4.0), norms.sums());
        assertEquals(List.of("w", "b"), List.copyOf(norms.means().keySet()));
        assertEquals(Map.of("w", 3.75, "b", 1.0), norms.means());
        norms.restart(Map.of("w", 2.0), 1);
        assertEquals(Map.of("w", 2.0, "b", 0.0), norms.means());
        norms.restart(Map.of(), 0);
        assertEquals(Map.of("w", 0.0, "b", 0.0), norms.means(), "no step: sums over 1, not 0/0");
        assertEquals(1, norms.addStep(List.of(withGrad(1), withGrad(Float.NaN))), "diverged: b's gradient");
        assertThrows(IllegalArgumentException.class, () -> norms.addStep(List.of(withGrad(1))));
        assertThrows(IllegalArgumentException.class, () -> norms.add(new double[] {1}, 1));
        assertThrows(IllegalArgumentException.class, () -> norms.add(new double[] {1, 1}, -1));
    }

    @Test
    void theLineListsTheGivenWeightsInOrder() {
        assertEquals("  gradient norms: 0.weight 3.57e-09, 2.weight n/a, 4.weight 0.231",
                GradientNorms.line(Map.of("4.weight", 0.2314, "0.weight", 3.5712e-9, "0.bias", 1.0), List.of("0.weight", "2.weight", "4.weight")));
    }
}
