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

    /**
     * The last step's total norm is clipGradNorm's to the bit (the trainers clip with it rather than read every gradient
     * a second time), a parameter without a gradient counting 0; and clipping to it scales as clipGradNorm scales.
     */
    @Test
    void theLastTotalIsClipGradNormsTotal() {
        java.util.Random rnd = new java.util.Random(5);
        float[] a = new float[1000], b = new float[37];
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) (rnd.nextGaussian() * 1e3);
        }
        for (int i = 0; i < b.length; i++) {
            b[i] = (float) rnd.nextGaussian();
        }
        GradientNorms norms = new GradientNorms(List.of("a", "none", "b"));
        assertEquals(0.0, norms.lastTotal());
        List<Tensor> params = List.of(withGrad(a), Tensor.zeros(3), withGrad(b));
        norms.addStep(params);
        List<Tensor> copies = List.of(withGrad(a), Tensor.zeros(3), withGrad(b));
        double total = io.jgrad.optim.GradientClipping.clipGradNorm(copies, 1.0);
        assertEquals(total, norms.lastTotal(), 0.0);
        io.jgrad.optim.GradientClipping.clipToNorm(params, 1.0, norms.lastTotal());
        for (int i : new int[] {0, 2}) {
            org.junit.jupiter.api.Assertions.assertArrayEquals(copies.get(i).grad().toFloatArray(),
                    params.get(i).grad().toFloatArray(), "parameter " + i);
        }
        norms.addStep(List.of(withGrad(3, 4), withGrad(), withGrad(12)));
        assertEquals(13.0, norms.lastTotal(), 0.0, "the last step's alone: sqrt(25 + 144)");
    }

    @Test
    void theLineListsTheGivenWeightsInOrder() {
        assertEquals("  gradient norms: 0.weight 3.57e-09, 2.weight n/a, 4.weight 0.231",
                GradientNorms.line(Map.of("4.weight", 0.2314, "0.weight", 3.5712e-9, "0.bias", 1.0), List.of("0.weight", "2.weight", "4.weight")));
    }
}
