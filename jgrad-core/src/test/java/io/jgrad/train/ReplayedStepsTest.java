package io.jgrad.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jgrad.data.DataLoader;
import io.jgrad.data.TensorDataset;
import io.jgrad.nn.BatchNorm1d;
import io.jgrad.nn.CrossEntropyLoss;
import io.jgrad.nn.Dropout;
import io.jgrad.nn.Linear;
import io.jgrad.nn.Loss;
import io.jgrad.nn.Module;
import io.jgrad.nn.ReLU;
import io.jgrad.nn.Reduction;
import io.jgrad.nn.Sequential;
import io.jgrad.optim.Adam;
import io.jgrad.optim.Optimizer;
import io.jgrad.optim.SGD;
import io.jgrad.tensor.Generator;
import io.jgrad.tensor.Tensor;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * The Trainer's replayed steps ({@link Trainer#captureSteps}) train exactly as its step-by-step training: the same
 * metrics and parameters, bit for bit, over epochs whose last batch is smaller, with validation between them, with a
 * callback that freezes a layer mid-run, and for a model whose step cannot be replayed.
 */
class ReplayedStepsTest {
    private record Run(History history, List<Tensor> params, String refusal, long replayed) {}

    private static Run train(boolean capture, Function<Generator, Module> net, Function<Module, Optimizer> opt,
                             Callback callback) {
        return train(capture, net, opt, callback, new CrossEntropyLoss());
    }

    private static Run train(boolean capture, Function<Generator, Module> net, Function<Module, Optimizer> opt,
                             Callback callback, Loss loss) {
        Generator gen = new Generator(21);
        Module model = net.apply(gen);
        Tensor x = Tensor.randn(new Generator(22), 70, 6);
        float[] labels = Tensor.uniform(new Generator(23), 0, 3, 70).toFloatArray();
        for (int i = 0; i < labels.length; i++) {
            labels[i] = (float) Math.floor(labels[i]);
        }
        DataLoader train = new DataLoader(new TensorDataset(x, Tensor.of(labels), 3), 16, true, false, new Generator(24));
        DataLoader val = new DataLoader(new TensorDataset(x, Tensor.of(labels), 3), 32, false, false, null);
        Trainer trainer = new Trainer(model, loss, opt.apply(model), Task.CLASSIFICATION)
                .epochs(4).captureSteps(capture);
        if (callback != null) {
            trainer.callback(callback);
        }
        History h = trainer.fit(train, val);
        return new Run(h, model.parameters(), trainer.captureRefusal(), trainer.replayedSteps());
    }

    private static void assertSameTraining(Run eager, Run replayed) {
        assertEquals(eager.history().epochs().size(), replayed.history().epochs().size());
        for (int e = 0; e < eager.history().epochs().size(); e++) {
            EpochMetrics a = eager.history().epochs().get(e), b = replayed.history().epochs().get(e);
            assertEquals(a.trainLoss(), b.trainLoss(), 0.0, "train loss, epoch " + (e + 1));
            assertEquals(a.trainAccuracy(), b.trainAccuracy(), 0.0, "train accuracy, epoch " + (e + 1));
            assertEquals(a.valLoss(), b.valLoss(), 0.0, "validation loss, epoch " + (e + 1));
            assertEquals(a.gradNorms(), b.gradNorms(), "gradient norms, epoch " + (e + 1));
        }
        for (int i = 0; i < eager.params().size(); i++) {
            assertArrayEquals(eager.params().get(i).toFloatArray(), replayed.params().get(i).toFloatArray(), "parameter " + i);
        }
    }

    private static Module mlp(Generator gen) {
        return new Sequential(new Linear(6, 12, true, gen), new ReLU(), new Linear(12, 3, true, gen));
    }

    @Test
    void replayedStepsTrainAsStepByStepWithSgdAndAdam() {
        Function<Module, Optimizer> sgd = m -> new SGD(m.parameters(), 0.1, 0.9);
        Run eager = train(false, ReplayedStepsTest::mlp, sgd, null);
        Run replayed = train(true, ReplayedStepsTest::mlp, sgd, null);
        assertNull(replayed.refusal());
        // 5 batches an epoch, the last of 6 samples: epoch 1 runs step 1, records step 2 and replays 3 and 4; the other
        // epochs replay steps 1 to 4
        assertEquals(2 + 3 * 4, replayed.replayed());
        assertEquals(0, eager.replayed());
        assertSameTraining(eager, replayed);
        Function<Module, Optimizer> adam = m -> new Adam(m.parameters(), 0.01);
        assertSameTraining(train(false, ReplayedStepsTest::mlp, adam, null), train(true, ReplayedStepsTest::mlp, adam, null));
    }

    @Test
    void aLayerFrozenMidRunIsNotUpdatedByTheReplays() {
        // a callback freezes the first layer at epoch 2: the recorded step computed its gradient and must be recorded again
        Function<Module, Optimizer> sgd = m -> new SGD(m.parameters(), 0.1, 0.9);
        Function<Boolean, Run> run = capture -> {
            Module[] model = new Module[1];
            Function<Generator, Module> net = gen -> model[0] = mlp(gen);
            return train(capture, net, sgd, new Callback() {
                @Override
                public void onEpochStart(int epoch) {
                    if (epoch == 2) {
                        for (Tensor p : ((Sequential) model[0]).get(0).parameters()) {
                            p.requiresGrad(false);
                        }
                    }
                }
            });
        };
        Run eager = run.apply(false), replayed = run.apply(true);
        // epoch 2 drops the recording, runs step 1, records step 2 and replays 3 and 4
        assertEquals(2 + 2 + 2 * 4, replayed.replayed());
        assertSameTraining(eager, replayed);
    }

    @Test
    void aModelWithDropoutIsReplayedWithNewMasks() {
        Function<Generator, Module> net = gen -> new Sequential(new Linear(6, 12, true, gen), new Dropout(0.3, gen),
                new Linear(12, 3, true, gen));
        Function<Module, Optimizer> sgd = m -> new SGD(m.parameters(), 0.1);
        Run eager = train(false, net, sgd, null), replayed = train(true, net, sgd, null);
        assertNull(replayed.refusal());
        assertEquals(2 + 3 * 4, replayed.replayed());
        assertSameTraining(eager, replayed);
    }

    @Test
    void aModelWithBatchNormAndDropoutIsReplayed() {
        // batch normalization's statistics are updated by the backend; validation between epochs runs in eval mode
        // and gives the modes back, so the recording stays valid
        Function<Generator, Module> net = gen -> new Sequential(new Linear(6, 12, true, gen), new BatchNorm1d(12),
                new ReLU(), new Dropout(0.2, gen), new Linear(12, 3, true, gen));
        Function<Module, Optimizer> adam = m -> new Adam(m.parameters(), 0.01);
        Run eager = train(false, net, adam, null), replayed = train(true, net, adam, null);
        assertNull(replayed.refusal());
        assertEquals(2 + 3 * 4, replayed.replayed());
        assertSameTraining(eager, replayed);
    }

    @Test
    void aClassWeightedLossIsTrainedStepByStepAndSaysWhy() {
        // the weighted cross-entropy gathers each row's class weight in Java
        Function<Module, Optimizer> sgd = m -> new SGD(m.parameters(), 0.1);
        CrossEntropyLoss weighted = new CrossEntropyLoss(Tensor.of(new double[] {0.5, 2, 1}), Reduction.MEAN, 0);
        Run eager = train(false, ReplayedStepsTest::mlp, sgd, null, weighted);
        Run replayed = train(true, ReplayedStepsTest::mlp, sgd, null, weighted);
        assertNotNull(replayed.refusal());
        assertEquals(0, replayed.replayed());
        assertSameTraining(eager, replayed);
    }

    /** body's result, computed with the system property jgrad.capture set to value (and restored after). */
    private static <T> T withCaptureProperty(String value, java.util.function.Supplier<T> body) {
        String before = System.getProperty("jgrad.capture");
        System.setProperty("jgrad.capture", value);
        try {
            return body.get();
        } finally {
            if (before == null) {
                System.clearProperty("jgrad.capture");
            } else {
                System.setProperty("jgrad.capture", before);
            }
        }
    }

    @Test
    void aSystemPropertyTurnsReplaysOffForTheTrainersMadeAfter() {
        Function<Module, Optimizer> sgd = m -> new SGD(m.parameters(), 0.1);
        // captureSteps(true), given explicitly, still wins over the property
        assertEquals(2 + 3 * 4, withCaptureProperty("false", () -> train(true, ReplayedStepsTest::mlp, sgd, null)).replayed());
        Module model = mlp(new Generator(21));
        Trainer trainer = withCaptureProperty("false",
                () -> new Trainer(model, new CrossEntropyLoss(), sgd.apply(model), Task.CLASSIFICATION).epochs(2));
        Tensor x = Tensor.randn(new Generator(22), 64, 6);
        trainer.fit(new DataLoader(new TensorDataset(x, Tensor.zeros(64), 3), 16, false, false, null), null);
        assertEquals(0, trainer.replayedSteps());
    }
}
