package io.jgrad.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jgrad.nn.AvgPool2d;
import io.jgrad.nn.BCEWithLogitsLoss;
import io.jgrad.nn.BatchNorm1d;
import io.jgrad.nn.BatchNorm2d;
import io.jgrad.nn.Conv2d;
import io.jgrad.nn.CrossEntropyLoss;
import io.jgrad.nn.Dropout;
import io.jgrad.nn.Flatten;
import io.jgrad.nn.Linear;
import io.jgrad.nn.Loss;
import io.jgrad.nn.MSELoss;
import io.jgrad.nn.MaxPool2d;
import io.jgrad.nn.Module;
import io.jgrad.nn.ReLU;
import io.jgrad.nn.Sequential;
import io.jgrad.nn.Sigmoid;
import io.jgrad.nn.Tanh;
import io.jgrad.optim.Adam;
import io.jgrad.optim.Optimizer;
import io.jgrad.optim.SGD;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * A replayed step trains exactly as the eager one: the same losses and parameters, bit for bit, step after step; and
 * a step whose work is not all in the backend's kernels is refused instead of replayed wrong.
 */
class CapturedStepTest {
    private static final int STEPS = 25;

    private static Sequential mlp(long seed) {
        Generator gen = new Generator(seed);
        return new Sequential(new Linear(12, 16, true, gen), new ReLU(), new Linear(16, 8, true, gen), new Tanh(),
                new Linear(8, 5, true, gen));
    }

    /** Batch k of n rows: features [n, 12] uniform in [-1, 1), class targets in [0, classes). */
    private static Tensor[] batch(int k, int n, int classes) {
        return batch(k, n, classes, 12);
    }

    /** Batch k of n samples of the given shape, uniform in [-1, 1), class targets in [0, classes). */
    private static Tensor[] batch(int k, int n, int classes, int... sample) {
        Generator gen = new Generator(1000 + k);
        int[] shape = new int[sample.length + 1];
        shape[0] = n;
        System.arraycopy(sample, 0, shape, 1, sample.length);
        Tensor x = Tensor.uniform(gen, -1, 1, shape);
        float[] t = new float[n];
        for (int i = 0; i < n; i++) {
            t[i] = (float) Math.floor(gen.uniform() * classes);
        }
        return new Tensor[] {x, Tensor.of(t)};
    }

    /**
     * Trains two copies of a model side by side: one eagerly, the other eagerly for its first step, then recording the
     * second and replaying it from the third on; asserts the losses and every parameter equal after every step.
     * Returns the two trained models, eager first.
     */
    private static Module[] assertReplayTrainsAsEager(Supplier<Module> model, Function<Module, Optimizer> optimizer,
                                                      Loss loss, int classes, boolean targetsAsMatrix) {
        return assertReplayTrainsAsEager(model, optimizer, loss, classes, targetsAsMatrix, 12);
    }

    private static Module[] assertReplayTrainsAsEager(Supplier<Module> model, Function<Module, Optimizer> optimizer,
                                                      Loss loss, int classes, boolean targetsAsMatrix, int... sample) {
        Module eager = model.get(), replayed = model.get();
        Optimizer oe = optimizer.apply(eager), or = optimizer.apply(replayed);
        CapturedStep step = null;
        for (int k = 0; k < STEPS; k++) {
            Tensor[] b = batch(k, 32, classes, sample);
            if (targetsAsMatrix) {
                b[1] = b[1].reshape(32, 1).div(classes);
            }
            oe.zeroGrad();
            Tensor le;
            try (var memory = Tensor.recycling()) {
                le = loss.forward(eager.forward(b[0]), b[1]);
                le.backward();
                le = memory.keep(le);
            }
            oe.step();
            or.zeroGrad();
            double lr;
            if (k == 0) {
                try (var memory = Tensor.recycling()) {
                    Tensor l = loss.forward(replayed.forward(b[0]), b[1]);
                    l.backward();
                    lr = l.item();
                }
            } else if (k == 1) {
                step = CapturedStep.record(in -> {
                    Tensor l = loss.forward(replayed.forward(in[0]), in[1]);
                    l.backward();
                    return new Tensor[] {l};
                }, b[0], b[1]);
                assertNull(step.refusal());
                lr = step.output(0).item();
            } else {
                step.input(0).copy_(b[0]);
                step.input(1).copy_(b[1]);
                step.replay();
                lr = step.output(0).item();
            }
            or.step();
            assertEquals(le.item(), lr, 0.0, "loss at step " + k);
            List<Tensor> pe = eager.parameters(), pr = replayed.parameters();
            for (int i = 0; i < pe.size(); i++) {
                assertArrayEquals(pe.get(i).toDoubleArray(), pr.get(i).toDoubleArray(), "parameter " + i + " after step " + k);
                assertArrayEquals(pe.get(i).grad().toDoubleArray(), pr.get(i).grad().toDoubleArray(),
                        "gradient " + i + " after step " + k);
            }
        }
        assertTrue(step.calls() > 10, step.toString());
        return new Module[] {eager, replayed};
    }

    /**
     * Asserts that two models hold the same parameters and buffers, bit for bit, and that in evaluation mode they
     * give the same outputs on a batch of samples of the given shape.
     */
    private static void assertSameStateAndEvalOutputs(Module[] models, int... sample) {
        var se = models[0].stateDict();
        var sr = models[1].stateDict();
        assertEquals(se.keySet(), sr.keySet());
        for (String name : se.keySet()) {
            assertArrayEquals(se.get(name).toFloatArray(), sr.get(name).toFloatArray(), name);
        }
        Tensor x = batch(STEPS, 32, 2, sample)[0];
        try (var scope = Tensor.noGrad()) {
            assertArrayEquals(models[0].eval().forward(x).toFloatArray(), models[1].eval().forward(x).toFloatArray(),
                    "outputs in evaluation mode");
        }
    }

    /** Records forward, cross-entropy and backward of net on the batch b. */
    private static CapturedStep recordCrossEntropy(Module net, Tensor[] b) {
        return CapturedStep.record(in -> {
            Tensor l = new CrossEntropyLoss().forward(net.forward(in[0]), in[1]);
            l.backward();
            return new Tensor[] {l};
        }, b[0], b[1]);
    }

    @Test
    void replayedStepsTrainAsEagerOnesWithSgdMomentum() {
        assertReplayTrainsAsEager(() -> mlp(3), m -> new SGD(m.parameters(), 0.1, 0.9), new CrossEntropyLoss(), 5, false);
    }

    @Test
    void replayedStepsTrainAsEagerOnesWithAdam() {
        assertReplayTrainsAsEager(() -> mlp(4), m -> new Adam(m.parameters(), 0.01), new CrossEntropyLoss(), 5, false);
    }

    @Test
    void replayedStepsTrainAsEagerOnesWithOtherLossesAndActivations() {
        Supplier<Module> sigmoidNet = () -> {
            Generator gen = new Generator(5);
            return new Sequential(new Linear(12, 6, true, gen), new Sigmoid(), new Linear(6, 1, true, gen));
        };
        assertReplayTrainsAsEager(sigmoidNet, m -> new SGD(m.parameters(), 0.05), new MSELoss(), 4, true);
        assertReplayTrainsAsEager(sigmoidNet, m -> new Adam(m.parameters(), 0.01), new BCEWithLogitsLoss(), 2, true);
    }

    @Test
    void aFloat64ModelReplaysOnFloat32Batches() {
        // the batch's conversion to float64 inside the step runs in the backend (Backend.convert)
        assertReplayTrainsAsEager(() -> mlp(15).to(DType.FLOAT64), m -> new Adam(m.parameters(), 0.01),
                new CrossEntropyLoss(), 5, false);
    }

    @Test
    void replayedStepsOfAConvolutionalNetworkTrainAsEagerOnes() {
        // convolutions, max and average pooling whole behind the backend (their argmax indices in the step's memory)
        Supplier<Module> cnn = () -> {
            Generator gen = new Generator(12);
            return new Sequential(new Conv2d(2, 4, 3, 1, 1, 1, 1, true, gen), new ReLU(), new MaxPool2d(2),
                    new Conv2d(4, 3, 3, 1, 1, 1, 1, true, gen), new Tanh(), new AvgPool2d(2), new Flatten(),
                    new Linear(12, 5, true, gen));
        };
        assertReplayTrainsAsEager(cnn, m -> new Adam(m.parameters(), 0.01), new CrossEntropyLoss(), 5, false, 2, 8, 8);
    }

    @Test
    void replayedStepsOfAConvolutionalNetworkWithBatchNormTrainAsEagerOnes() {
        // batch normalization whole behind the backend: its parameters read, its running statistics updated there
        Supplier<Module> cnn = () -> {
            Generator gen = new Generator(14);
            return new Sequential(new Conv2d(2, 4, 3, 1, 1, 1, 1, true, gen), new BatchNorm2d(4), new ReLU(),
                    new MaxPool2d(2), new Conv2d(4, 3, 3, 1, 1, 1, 1, true, gen), new BatchNorm2d(3, 1e-3, 0.3),
                    new Tanh(), new AvgPool2d(2), new Flatten(), new Linear(12, 5, true, gen));
        };
        Module[] trained = assertReplayTrainsAsEager(cnn, m -> new Adam(m.parameters(), 0.01), new CrossEntropyLoss(),
                5, false, 2, 8, 8);
        assertSameStateAndEvalOutputs(trained, 2, 8, 8);
    }

    @Test
    void replayedStepsOfAnMlpWithBatchNormTrainAsEagerOnes() {
        Supplier<Module> mlp = () -> {
            Generator gen = new Generator(15);
            return new Sequential(new Linear(12, 16, true, gen), new BatchNorm1d(16), new ReLU(),
                    new Linear(16, 8, true, gen), new BatchNorm1d(8, 1e-4, 0.05), new Tanh(), new Linear(8, 5, true, gen));
        };
        Module[] trained = assertReplayTrainsAsEager(mlp, m -> new SGD(m.parameters(), 0.1, 0.9), new CrossEntropyLoss(),
                5, false);
        assertSameStateAndEvalOutputs(trained, 12);
    }

    @Test
    void aStepThatReadsAValueInJavaIsNotReplayed() {
        Sequential net = mlp(6);
        Tensor[] b = batch(0, 8, 5);
        CapturedStep step = CapturedStep.record(in -> {
            Tensor l = new CrossEntropyLoss().forward(net.forward(in[0]), in[1]);
            double v = l.item(); // a value read in the step: the replay would not read it again
            l.backward();
            return new Tensor[] {l.mul(v)};
        }, b[0], b[1]);
        assertNotNull(step.refusal());
        assertTrue(step.refusal().contains("item()"), step.refusal());
        net.zeroGrad();
        IllegalStateException e = assertThrows(IllegalStateException.class, step::replay);
        assertTrue(e.getMessage().contains("cannot be replayed: item()"), e.getMessage());
    }

    @Test
    void dropoutIsReplayedWithANewMaskEachStep() {
        // the mask is drawn by the backend: a replay draws the next one from the generator, as the step itself would
        Supplier<Module> net = () -> {
            Generator gen = new Generator(8);
            return new Sequential(new Linear(12, 16, true, gen), new Dropout(0.5, gen), new ReLU(),
                    new Linear(16, 5, true, gen));
        };
        assertReplayTrainsAsEager(net, m -> new SGD(m.parameters(), 0.1, 0.9), new CrossEntropyLoss(), 5, false);
    }

    @Test
    void aStepThatGathersByIndexInJavaIsNotReplayed() {
        Sequential net = mlp(8);
        Tensor[] b = batch(0, 8, 5);
        CapturedStep step = CapturedStep.record(in -> {
            Tensor l = new CrossEntropyLoss().forward(net.forward(in[0]).indexSelect(1, new int[] {0, 2, 1, 4, 3}), in[1]);
            l.backward();
            return new Tensor[] {l};
        }, b[0], b[1]);
        assertNotNull(step.refusal());
        assertTrue(step.refusal().contains("indexSelect"), step.refusal());
    }

    @Test
    void aStepThatRunsItsOwnParallelLoopIsNotReplayed() {
        // Backends.parallelFor runs the caller's Java code on the arrays: a replay would not run it again
        Sequential net = mlp(14);
        Tensor[] b = batch(0, 8, 5);
        CapturedStep step = CapturedStep.record(in -> {
            Tensor y = net.forward(in[0]);
            Backends.parallelFor(1, 1, (s, e) -> { });
            Tensor l = new CrossEntropyLoss().forward(y, in[1]);
            l.backward();
            return new Tensor[] {l};
        }, b[0], b[1]);
        assertNotNull(step.refusal());
        assertTrue(step.refusal().contains("Backends.parallelFor"), step.refusal());
    }

    @Test
    void aReplayRefusesGradientsNotZeroed() {
        Sequential net = mlp(9);
        Tensor[] b = batch(0, 8, 5);
        CapturedStep step = recordCrossEntropy(net, b);
        assertNull(step.refusal());
        IllegalStateException e = assertThrows(IllegalStateException.class, step::replay);
        assertTrue(e.getMessage().contains("zeroGrad()"), e.getMessage());
        net.zeroGrad();
        step.replay();
        assertNotNull(net.parameters().get(0).grad());
    }

    @Test
    void aStepRecordedOverGradientsNotZeroedIsNotReplayed() {
        Sequential net = mlp(10);
        Tensor[] b = batch(0, 8, 5);
        new CrossEntropyLoss().forward(net.forward(b[0]), b[1]).backward(); // gradients left in place
        CapturedStep step = recordCrossEntropy(net, b);
        assertNotNull(step.refusal());
        assertTrue(step.refusal().contains("not zeroed"), step.refusal());
    }

    @Test
    void aStepThatUsesATensorOfTheEnclosingScopeIsNotReplayed() {
        // the scale's memory goes back to the pool when the outer scope closes: a replay would read whatever is there
        Sequential net = mlp(13);
        Tensor[] b = batch(0, 8, 5);
        try (var outer = Tensor.recycling()) {
            Tensor scale = Tensor.empty(DType.FLOAT32, 8, 5).add(2.0);
            CapturedStep step = CapturedStep.record(in -> {
                Tensor l = new CrossEntropyLoss().forward(net.forward(in[0]).mul(scale), in[1]);
                l.backward();
                return new Tensor[] {l};
            }, b[0], b[1]);
            assertNotNull(step.refusal());
            assertTrue(step.refusal().contains("enclosing Tensor.recycling() scope"), step.refusal());
        }
    }

    @Test
    void inputsThatRequireGradientsAreRefused() {
        Tensor x = Tensor.zeros(2, 3).requiresGrad(true);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CapturedStep.record(in -> new Tensor[] {in[0].sum()}, x));
        assertTrue(e.getMessage().contains("input 0 requires a gradient"), e.getMessage());
    }

    @Test
    void theRecordedMemoryIsNotHandedOutAgain() {
        // a replay rewrites the memory the step took: after the recording, the pool must not lend it to anyone else
        Sequential net = mlp(11);
        Tensor[] b = batch(0, 8, 5);
        CapturedStep step;
        try (var outer = Tensor.recycling()) {
            step = CapturedStep.record(in -> {
                Tensor l = new CrossEntropyLoss().forward(net.forward(in[0]), in[1]);
                l.backward();
                return new Tensor[] {l, net.forward(in[0])};
            }, b[0], b[1]);
        }
        float[] before = step.output(1).toFloatArray();
        for (int k = 0; k < 3; k++) {
            try (var memory = Tensor.recycling()) {
                Tensor y = Tensor.empty(DType.FLOAT32, 8, 5); // the output's size: would take its array if it were free
                y.fill_(123);
                y = Tensor.empty(DType.FLOAT32, 8, 16);
                y.fill_(123);
            }
        }
        assertArrayEquals(before, step.output(1).toFloatArray());
    }
}
