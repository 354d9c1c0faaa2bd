package io.jgrad.nn;

import static org.junit.jupiter.api.Assertions.*;

import io.jgrad.tensor.DType;
import io.jgrad.tensor.Generator;
import io.jgrad.tensor.GradCheck;
import io.jgrad.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** BatchNorm1d/2d: gradients, statistics by hand, running-stat updates, eval mode, errors. */
class BatchNormTest {
    private static void gradCheck(BatchNorm bn, Tensor x) {
        bn.to(DType.FLOAT64);
        // non-trivial affine parameters so that their gradients and their effect on dx are exercised
        try (var s = Tensor.noGrad()) {
            bn.weight().copy_(Tensor.uniform(DType.FLOAT64, new Generator(5), 0.5, 1.5, bn.numFeatures()));
            bn.bias().copy_(Tensor.uniform(DType.FLOAT64, new Generator(6), -1, 1, bn.numFeatures()));
        }
        List<Tensor> vars = new ArrayList<>(List.of(x));
        vars.addAll(bn.parameters());
        GradCheck.Result r = GradCheck.check(() -> bn.forward(x), vars.toArray(Tensor[]::new));
        assertTrue(r.passed(), bn + " " + java.util.Arrays.toString(x.shape()) + ": " + r);
        assertEquals(x.numel() + 2 * bn.numFeatures(), r.checked());
    }

    private static Tensor input(long seed, int... shape) {
        return Tensor.normal(DType.FLOAT64, new Generator(seed), 0.5, 2, shape).requiresGrad(true);
    }

    @Test
    void trainingGradientsMatchFiniteDifferences() {
        gradCheck(new BatchNorm1d(3), input(1, 5, 3));
        gradCheck(new BatchNorm1d(3), input(2, 4, 3, 5));
        gradCheck(new BatchNorm2d(2), input(3, 3, 2, 4, 3));
    }

    @Test
    void functionalFormWithoutAffineParametersOrRunningStatisticsMatchesFiniteDifferences() {
        Tensor x = input(7, 4, 3, 2);
        GradCheck.Result r = GradCheck.check(() -> Tensor.batchNorm(x, null, null, null, null, true, 0.1, 1e-5), x);
        assertTrue(r.passed(), r.toString());
        Tensor y = Tensor.batchNorm(x, null, null, null, null, true, 0.1, 1e-5);
        assertEquals(0, y.slice(1, 1, 2).mean().item(), 1e-12, "each channel has mean 0");
    }

    @Test
    void evalGradientsMatchFiniteDifferences() {
        BatchNorm2d bn = new BatchNorm2d(2);
        bn.to(DType.FLOAT64);
        try (var s = Tensor.noGrad()) {
            bn.runningMean().copy_(Tensor.of(new double[] {0.3, -0.2}));
            bn.runningVar().copy_(Tensor.of(new double[] {1.7, 0.4}));
        }
        bn.eval();
        gradCheck(bn, input(4, 2, 2, 3, 3));
    }

    @Test
    void trainingNormalizesPerChannelAndUpdatesRunningStatistics() {
        Tensor x = input(7, 4, 2, 3, 3).detach();
        BatchNorm2d bn = new BatchNorm2d(2);
        bn.to(DType.FLOAT64);
        Tensor y = bn.forward(x);
        for (int c = 0; c < 2; c++) {
            double sum = 0, sq = 0;
            int m = 0;
            for (int n = 0; n < 4; n++) {
                for (int i = 0; i < 3; i++) {
                    for (int j = 0; j < 3; j++) {
                        double v = x.get(n, c, i, j);
                        sum += v;
                        sq += v * v;
                        m++;
                    }
                }
            }
            double mean = sum / m, biased = sq / m - mean * mean, unbiased = biased * m / (m - 1);
            assertEquals((x.get(1, c, 2, 0) - mean) / Math.sqrt(biased + 1e-5), y.get(1, c, 2, 0), 1e-10);
            assertEquals(0.9 * 0 + 0.1 * mean, bn.runningMean().get(c), 1e-12);
            assertEquals(0.9 * 1 + 0.1 * unbiased, bn.runningVar().get(c), 1e-12);
        }
        assertEquals(1.0, bn.numBatchesTracked().item());
        bn.forward(x);
        assertEquals(2.0, bn.numBatchesTracked().item());
    }

    @Test
    void anExpandedRunningStatisticIsRefusedInTraining() {
        // bug: Tensor.zeros(1).expand(3) as running mean took the three channels' updates into its one element, one
        // after the other (0.45, then 0.955, then 1.5095), silently; PyTorch refuses to write such a view in place
        Tensor x = Tensor.arange(12).reshape(4, 3);
        Tensor shared = Tensor.zeros(1);
        var e = assertThrows(IllegalArgumentException.class,
                () -> Tensor.batchNorm(x, null, null, shared.expand(3), Tensor.ones(3), true, 0.1, 1e-5));
        assertTrue(e.getMessage().contains("batch_norm: a running statistic of shape [3] is an expand()ed view"),
                e.getMessage());
        assertEquals(0.0, shared.item(), "left alone");
        assertThrows(IllegalArgumentException.class,
                () -> Tensor.batchNorm(x, null, null, Tensor.zeros(3), Tensor.ones(1).expand(3), true, 0.1, 1e-5));
        // evaluation only reads them, and one channel has nothing to share
        Tensor.batchNorm(x, null, null, shared.expand(3), Tensor.ones(1).expand(3), false, 0.1, 1e-5);
        Tensor one = Tensor.zeros(1, 1).expand(1, 1).squeeze(0);
        Tensor.batchNorm(Tensor.arange(4).reshape(4, 1), null, null, one, Tensor.ones(1), true, 0.1, 1e-5);
        assertEquals(0.15, one.item(), 1e-7, "0.1 of the mean 1.5");
    }

    @Test
    void evalUsesRunningStatisticsAndLeavesThemAlone() {
        BatchNorm1d bn = new BatchNorm1d(2);
        try (var s = Tensor.noGrad()) {
            bn.runningMean().copy_(Tensor.of(new float[] {1, -2}));
            bn.runningVar().copy_(Tensor.of(new float[] {4, 0.25f}));
            bn.weight().copy_(Tensor.of(new float[] {2, 3}));
            bn.bias().copy_(Tensor.of(new float[] {0.5f, -1}));
        }
        bn.eval();
        Tensor y = bn.forward(Tensor.of(new float[][] {{3, -1}, {1, -2}}));
        assertEquals((3 - 1) / Math.sqrt(4 + 1e-5) * 2 + 0.5, y.get(0, 0), 1e-5);
        assertEquals((-1 + 2) / Math.sqrt(0.25 + 1e-5) * 3 - 1, y.get(0, 1), 1e-5);
        assertEquals(0.5, y.get(1, 0), 1e-6);
        assertEquals(1.0f, bn.runningMean().get(0));
        assertEquals(0.0, bn.numBatchesTracked().item());
    }

    @Test
    void anEmptyBatchGivesAnEmptyOutputAndLeavesTheRunningStatisticsAlone() {
        // PyTorch 1.13: an empty output, running_mean/var unchanged, num_batches_tracked still counts the step,
        // and zero (not NaN) gradients for weight and bias
        BatchNorm[] layers = {new BatchNorm1d(3), new BatchNorm1d(3), new BatchNorm2d(3), new BatchNorm1d(3)};
        int[][] shapes = {{0, 3}, {0, 3, 4}, {0, 3, 2, 2}, {2, 3, 0}};
        for (int i = 0; i < layers.length; i++) {
            BatchNorm bn = layers[i];
            try (var s = Tensor.noGrad()) {
                bn.runningMean().fill_(0.5);
                bn.runningVar().fill_(2);
            }
            Tensor x = Tensor.zeros(shapes[i]).requiresGrad(true);
            Tensor y = bn.forward(x);
            assertArrayEquals(shapes[i], y.shape());
            assertArrayEquals(new double[] {0.5, 0.5, 0.5}, bn.runningMean().toDoubleArray());
            assertArrayEquals(new double[] {2, 2, 2}, bn.runningVar().toDoubleArray());
            assertEquals(1.0, bn.numBatchesTracked().item());
            y.sum().backward();
            assertArrayEquals(shapes[i], x.grad().shape());
            assertArrayEquals(new double[] {0, 0, 0}, bn.weight().grad().toDoubleArray());
            assertArrayEquals(new double[] {0, 0, 0}, bn.bias().grad().toDoubleArray());
        }
    }

    @Test
    void stateNamesAndErrors() {
        BatchNorm2d bn = new BatchNorm2d(4);
        assertEquals(List.of("weight", "bias", "running_mean", "running_var", "num_batches_tracked"),
                List.copyOf(bn.stateDict().keySet()));
        assertEquals(List.of("weight", "bias"), List.copyOf(bn.namedParameters().keySet()));
        var e = assertThrows(IllegalArgumentException.class, () -> bn.forward(Tensor.zeros(2, 3, 5, 5)));
        assertEquals("BatchNorm2d: input [2, 3, 5, 5] has 3 channels, the layer was built for num_features=4",
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> bn.forward(Tensor.zeros(2, 4)));
        assertTrue(e.getMessage().contains("[N, C, H, W]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new BatchNorm1d(4).forward(Tensor.zeros(1, 4)));
        assertTrue(e.getMessage().contains("more than 1 value per channel"), e.getMessage());
        assertEquals("BatchNorm2d(4, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)", bn.toString());
    }

    /** PyTorch 1.13: {@code load_state_dict(strict=True)} of a plain dict without "1.num_batches_tracked" sets it to 0. */
    @Test
    void aStateWithoutNumBatchesTrackedLoadsItAsZeroAsPyTorchDoes() {
        Sequential model = new Sequential(new Linear(3, 2, true, new Generator(1)), new BatchNorm1d(2));
        BatchNorm bn = (BatchNorm) model.get(1);
        try (var s = Tensor.noGrad()) {
            bn.numBatchesTracked().fill_(5);
        }
        java.util.Map<String, Tensor> state = new java.util.LinkedHashMap<>();
        model.stateDict().forEach((k, t) -> state.put(k, t.detach().copy()));
        state.remove("1.num_batches_tracked");
        try (var s = Tensor.noGrad()) {
            state.get("1.running_mean").fill_(0.25);
        }
        model.loadStateDict(state, true);
        assertEquals(0.0, bn.numBatchesTracked().item(), "filled in as 0, not kept");
        assertArrayEquals(new double[] {0.25, 0.25}, bn.runningMean().toDoubleArray());
        assertFalse(state.containsKey("1.num_batches_tracked"), "the caller's map is not modified");

        try (var s = Tensor.noGrad()) {
            bn.numBatchesTracked().fill_(5);
        }
        model.loadStateDict(state, false);
        assertEquals(0.0, bn.numBatchesTracked().item(), "non-strict fills it in too, as PyTorch");

        state.remove("1.running_var"); // every other key stays required
        var e = assertThrows(IllegalArgumentException.class, () -> model.loadStateDict(state, true));
        assertTrue(e.getMessage().contains("missing keys [1.running_var]"), e.getMessage());
    }
}
