package io.jgrad.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jgrad.data.DataLoader;
import io.jgrad.data.TensorDataset;
import io.jgrad.nn.BCEWithLogitsLoss;
import io.jgrad.nn.BatchNorm1d;
import io.jgrad.nn.CrossEntropyLoss;
import io.jgrad.nn.HalfSquaredErrorLoss;
import io.jgrad.nn.Linear;
import io.jgrad.nn.Loss;
import io.jgrad.nn.MSELoss;
import io.jgrad.nn.Reduction;
import io.jgrad.nn.Sequential;
import io.jgrad.nn.Tanh;
import io.jgrad.optim.ReduceLROnPlateau;
import io.jgrad.optim.SGD;
import io.jgrad.optim.StepLR;
import io.jgrad.tensor.DType;
import io.jgrad.tensor.Generator;
import io.jgrad.tensor.Tensor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Trainer behaviour that the CLI tests do not reach directly. */
class TrainerTest {

    /** With lr 0 the validation loss never changes, so only the earlier epochs decide when patience runs out. */
    private static History fitAfter(List<EpochMetrics> earlier) {
        Generator gen = new Generator(1);
        Linear model = new Linear(3, 2, true, gen);
        Tensor x = Tensor.randn(gen, 8, 3);
        Tensor y = Tensor.of(new float[] {0, 1, 0, 1, 1, 0, 0, 1});
        DataLoader data = new DataLoader(new TensorDataset(x, y, 2), 4, false, false, null);
        Trainer trainer = new Trainer(model, new CrossEntropyLoss(), new SGD(model.parameters(), 0.0), Task.CLASSIFICATION)
                .epochs(5).startEpoch(earlier.size() + 1).earlyStopping(2, false).earlierEpochs(earlier);
        return trainer.fit(data, data);
    }

    /** MSE on one-hot targets, the textbook classifier: it trains and counts its accuracy by the targets' arg-max. */
    @Test
    void mseOnOneHotTargetsTrainsAsAClassifier() {
        Generator gen = new Generator(3);
        Linear model = new Linear(2, 2, true, gen);
        Tensor x = Tensor.of(new float[][] {{1, 0}, {0, 1}, {2, 0}, {0, 2}});
        Tensor y = Tensor.of(new float[][] {{1, 0}, {0, 1}, {1, 0}, {0, 1}});
        DataLoader data = new DataLoader(new TensorDataset(x, y), 4, false, false, null);
        History h = new Trainer(model, new MSELoss(), new SGD(model.parameters(), 0.2), Task.CLASSIFICATION).epochs(200)
                .fit(data, null);
        assertEquals(1.0, h.epochs().getLast().trainAccuracy(), 0);
    }

    private static EpochMetrics epoch(int n, double valLoss) {
        return new EpochMetrics(n, 1, 0.5, valLoss, 0.5, 0.1, 1, Map.of(), Map.of());
    }

    @Test
    void earlyStoppingCountsTheEpochsBeforeAResume() {
        History fresh = fitAfter(List.of());
        assertEquals(3, fresh.epochs().size(), "best at epoch 1, then 2 epochs without improvement: " + fresh.stopReason());
        double constant = fresh.epochs().get(0).valLoss();
        // epoch 1 was better than anything to come and epoch 2 did not improve: one more bad epoch stops the run
        History resumed = fitAfter(List.of(epoch(1, constant - 0.5), epoch(2, constant + 1)));
        assertEquals(1, resumed.epochs().size(), resumed.stopReason());
        assertEquals(3, resumed.epochs().get(0).epoch());
        assertTrue(resumed.stopReason().contains("did not improve for 2 epochs"), resumed.stopReason());
    }

    /** "for 1 epoch", not "for 1 epochs". */
    @Test
    void aPatienceOfOneEpochReadsInTheSingular() {
        Generator gen = new Generator(1);
        Linear model = new Linear(3, 2, true, gen);
        Tensor x = Tensor.randn(gen, 8, 3);
        DataLoader data = new DataLoader(new TensorDataset(x, Tensor.of(new float[] {0, 1, 0, 1, 1, 0, 0, 1}), 2), 4, false,
                false, null);
        History h = new Trainer(model, new CrossEntropyLoss(), new SGD(model.parameters(), 0.0), Task.CLASSIFICATION)
                .epochs(5).earlyStopping(1, false).fit(data, data);
        assertTrue(h.stopReason().contains("did not improve for 1 epoch") && !h.stopReason().contains("1 epochs"),
                h.stopReason());
    }

    /**
     * A linear regression of 3 inputs, from {@code firstEpoch} to epoch 5 with patience 2 after {@code earlier}, validated
     * on rows one of which holds a NaN: every validation loss is NaN, so no epoch improves.
     */
    private static History regressionWithNaNValidation(int lastEpoch, List<EpochMetrics> earlier, Linear model, SGD optimizer) {
        Generator gen = new Generator(2);
        DataLoader train = new DataLoader(new TensorDataset(Tensor.randn(gen, 8, 3), Tensor.randn(gen, 8, 1)), 4, false, false, null);
        float[][] features = new float[4][3];
        features[1][2] = Float.NaN;
        DataLoader val = new DataLoader(new TensorDataset(Tensor.of(features), Tensor.zeros(4, 1)), 4, false, false, null);
        return new Trainer(model, new MSELoss(), optimizer, Task.REGRESSION).epochs(lastEpoch).startEpoch(earlier.size() + 1)
                .earlierEpochs(earlier).earlyStopping(2, false).fit(train, val);
    }

    @Test
    void aResumedRegressionCountsTheEarlierEpochsWhoseValidationLossWasNaN(@TempDir Path dir) throws Exception {
        // metrics.csv wrote a regression's NaN validation loss as an empty cell, as it writes "no validation", and had no
        // other field to tell them apart: resumed after epoch 1, early stopping skipped that epoch and ran one epoch more
        // than the run that was never interrupted (stopped after epoch 3, not 2)
        Linear a = new Linear(3, 1, true, new Generator(1));
        History whole = regressionWithNaNValidation(5, List.of(), a, new SGD(a.parameters(), 0.1));
        assertEquals(List.of(1, 2), whole.epochs().stream().map(EpochMetrics::epoch).toList(), whole.stopReason());
        assertTrue(whole.epochs().getFirst().hasValidation(), "validated, its loss NaN");

        Linear b = new Linear(3, 1, true, new Generator(1));
        SGD optimizer = new SGD(b.parameters(), 0.1);
        History first = regressionWithNaNValidation(1, List.of(), b, optimizer);
        Path csv = dir.resolve("metrics.csv");
        MetricsCsv.write(csv, first.epochs());
        List<EpochMetrics> earlier = MetricsCsv.read(csv);
        History resumed = regressionWithNaNValidation(5, earlier, b, optimizer);
        assertEquals(List.of(2), resumed.epochs().stream().map(EpochMetrics::epoch).toList(), resumed.stopReason());
        assertEquals(whole.stopReason(), resumed.stopReason());
        assertEquals(first.epochs(), earlier);
    }

    /** One epoch of 4 batches of 4 (not shuffled); with {@code stopAfter} > 0 a callback stops it after that step. */
    private static History oneEpoch(Linear model, SGD optimizer, EpochProgress resume, int stopAfter, EpochProgress[] saved) {
        return oneEpoch(model, new CrossEntropyLoss(), optimizer, resume, stopAfter, saved);
    }

    private static History oneEpoch(Linear model, Loss loss, SGD optimizer, EpochProgress resume, int stopAfter,
                                    EpochProgress[] saved) {
        Tensor x = Tensor.randn(new Generator(7), 16, 3);
        Tensor y = Tensor.of(new float[] {0, 1, 0, 1, 1, 0, 0, 1, 1, 1, 0, 0, 1, 0, 1, 0});
        DataLoader data = new DataLoader(new TensorDataset(x, y, 2), 4, false, false, null);
        Trainer trainer = new Trainer(model, loss, optimizer, Task.CLASSIFICATION).epochs(1);
        if (resume != null) {
            trainer.resumeFrom(resume);
        }
        trainer.callback(new Callback() {
            @Override
            public void onBatchEnd(int epoch, int step, int stepsPerEpoch, double loss, int batchSize) {
                if (step == stopAfter) {
                    saved[0] = trainer.progress();
                    throw new IllegalStateException("stopped after step " + step);
                }
            }
        });
        return trainer.fit(data, null);
    }

    @Test
    void anEpochResumedMidWayReportsWhatAnUninterruptedOneDoes() {
        Linear a = new Linear(3, 2, true, new Generator(1));
        EpochMetrics whole = oneEpoch(a, new SGD(a.parameters(), 0.1), null, 0, null).epochs().getFirst();

        Linear b = new Linear(3, 2, true, new Generator(1));
        SGD optimizer = new SGD(b.parameters(), 0.1);
        EpochProgress[] saved = new EpochProgress[1];
        assertThrows(IllegalStateException.class, () -> oneEpoch(b, optimizer, null, 2, saved));
        assertEquals(2, saved[0].step());
        assertEquals(Map.of("weight", 0.0, "bias", 0.0).keySet(), saved[0].gradNormSums().keySet());
        assertTrue(saved[0].gradNormSums().get("weight") > 0);
        EpochMetrics resumed = oneEpoch(b, optimizer, saved[0], 0, null).epochs().getFirst();

        // the same sums over the same steps: equal to the last bit
        assertEquals(whole.trainLoss(), resumed.trainLoss(), 0);
        assertEquals(whole.trainAccuracy(), resumed.trainAccuracy(), 0);
        assertEquals(whole.gradNorms(), resumed.gradNorms());
        assertEquals(whole.weightNorms(), resumed.weightNorms());
    }

    /**
     * A class-weighted loss's epoch loss is the weighted mean of the whole set, whatever the batches: each batch counts by
     * the sum of its samples' weights (Loss.batchWeight), not by its size, which made the epoch loss of a class-sorted
     * file depend on the batch size (the batches' weighted means averaged by their sizes).
     */
    @Test
    void aClassWeightedEpochLossIsTheWholeSetsWeightedMean() {
        Tensor x = Tensor.randn(new Generator(5), 12, 3);
        Tensor y = Tensor.of(new float[] {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1}); // sorted by class
        CrossEntropyLoss loss = new CrossEntropyLoss(Tensor.of(new double[] {0.5, 3}), Reduction.MEAN, 0);
        Linear model = new Linear(3, 2, true, new Generator(1));
        double whole;
        try (var scope = Tensor.noGrad()) {
            whole = loss.forward(model.forward(x), y).item();
        }
        assertEquals(0.5 * 8 + 3 * 4, loss.batchWeight(model.forward(x), y), 0);
        for (int batch : new int[] {1, 5, 8, 12}) {
            DataLoader data = new DataLoader(new TensorDataset(x, y, 2), batch, false, false, null);
            History h = new Trainer(model, loss, new SGD(model.parameters(), 0.0), Task.CLASSIFICATION).epochs(1)
                    .fit(data, data);
            assertEquals(whole, h.epochs().getFirst().trainLoss(), 1e-6, "batches of " + batch);
            assertEquals(whole, h.epochs().getFirst().valLoss(), 1e-6, "batches of " + batch);
        }
    }

    /** A mid-epoch checkpoint of a class-weighted loss keeps the weights' sum, so the resumed epoch's loss is the same. */
    @Test
    void aClassWeightedEpochResumedMidWayReportsWhatAnUninterruptedOneDoes() {
        CrossEntropyLoss loss = new CrossEntropyLoss(Tensor.of(new double[] {0.25, 4}), Reduction.MEAN, 0);
        Linear a = new Linear(3, 2, true, new Generator(1));
        EpochMetrics whole = oneEpoch(a, loss, new SGD(a.parameters(), 0.1), null, 0, null).epochs().getFirst();
        Linear b = new Linear(3, 2, true, new Generator(1));
        SGD optimizer = new SGD(b.parameters(), 0.1);
        EpochProgress[] saved = new EpochProgress[1];
        assertThrows(IllegalStateException.class, () -> oneEpoch(b, loss, optimizer, null, 2, saved));
        assertNotEquals(saved[0].seen(), saved[0].weightSum(), 0); // 8 samples, weighing 0.25 or 4
        EpochMetrics resumed = oneEpoch(b, loss, optimizer, saved[0], 0, null).epochs().getFirst();
        assertEquals(whole.trainLoss(), resumed.trainLoss(), 0);
    }

    @Test
    void callbacksLearnTheFirstStepOfAnEpochResumedMidWay() {
        // a progress bar could not tell the first report of an epoch resumed after step 2 (one step taken) from a report
        // after three steps from step 1; a callback that overrides only onEpochStart(epoch) still hears it
        List<String> heard = new ArrayList<>();
        Callback both = new Callback() {
            @Override
            public void onEpochStart(int epoch, int firstStep) {
                heard.add("epoch " + epoch + " from step " + firstStep);
            }

            @Override
            public void onBatchEnd(int epoch, int step, int stepsPerEpoch, double loss, int batchSize) {
                heard.add("step " + step);
            }
        };
        Callback old = new Callback() {
            @Override
            public void onEpochStart(int epoch) {
                heard.add("epoch " + epoch);
            }
        };
        Linear model = new Linear(3, 2, true, new Generator(1));
        DataLoader data = new DataLoader(new TensorDataset(Tensor.randn(new Generator(7), 16, 3),
                Tensor.of(new float[] {0, 1, 0, 1, 1, 0, 0, 1, 1, 1, 0, 0, 1, 0, 1, 0}), 2), 4, false, false, null);
        new Trainer(model, new CrossEntropyLoss(), new SGD(model.parameters(), 0.1), Task.CLASSIFICATION).epochs(2)
                .resumeFrom(new EpochProgress(1, 2, 0.5, 3, 8, Map.of())).callback(both).callback(old).fit(data, null);
        assertEquals(List.of("epoch 1 from step 3", "epoch 1", "step 3", "step 4", "epoch 2 from step 1", "epoch 2", "step 1",
                "step 2", "step 3", "step 4"), heard);
    }

    @Test
    void onBatchStartComesBeforeEachStepRunAndNotBeforeTheStepsAResumedEpochSkips() {
        // a progress bar timed a resumed epoch's first frame from onEpochStart, before the batches already trained were
        // drawn again and skipped, so that frame's rate and time left counted the skipping as training
        List<String> heard = new ArrayList<>();
        Callback calls = new Callback() {
            @Override
            public void onEpochStart(int epoch, int firstStep) {
                heard.add("epoch " + epoch + " from step " + firstStep);
            }

            @Override
            public void onBatchStart(int epoch, int step) {
                heard.add("start " + epoch + "." + step);
            }

            @Override
            public void onBatchEnd(int epoch, int step, int stepsPerEpoch, double loss, int batchSize) {
                heard.add("end " + epoch + "." + step);
            }
        };
        Linear model = new Linear(3, 2, true, new Generator(1));
        DataLoader data = new DataLoader(new TensorDataset(Tensor.randn(new Generator(7), 12, 3),
                Tensor.of(new float[] {0, 1, 0, 1, 1, 0, 0, 1, 1, 1, 0, 0}), 2), 4, false, false, null);
        new Trainer(model, new CrossEntropyLoss(), new SGD(model.parameters(), 0.1), Task.CLASSIFICATION).epochs(2)
                .resumeFrom(new EpochProgress(1, 2, 0.5, 3, 8, Map.of())).callback(calls).fit(data, null);
        assertEquals(List.of("epoch 1 from step 3", "start 1.3", "end 1.3", "epoch 2 from step 1", "start 2.1", "end 2.1",
                "start 2.2", "end 2.2", "start 2.3", "end 2.3"), heard);
    }

    @Test
    void parametersTheOptimizerLeavesOutDoNotAccumulateGradients() {
        // one batch, lr 0: every step computes the same gradients, so each epoch's norms must equal the first's
        Generator gen = new Generator(3);
        Sequential model = new Sequential(new Linear(3, 4, true, gen), new Tanh(), new Linear(4, 2, true, gen));
        Tensor x = Tensor.randn(gen, 4, 3);
        Tensor y = Tensor.of(new float[] {0, 1, 1, 0});
        DataLoader data = new DataLoader(new TensorDataset(x, y, 2), 4, false, false, null);
        SGD headOnly = new SGD(model.get(2).parameters(), 0.0);
        History h = new Trainer(model, new CrossEntropyLoss(), headOnly, Task.CLASSIFICATION).epochs(3).fit(data, null);
        double first = h.epochs().get(0).gradNorms().get("0.weight");
        assertTrue(first > 0);
        for (EpochMetrics m : h.epochs()) {
            assertEquals(first, m.gradNorms().get("0.weight"), first * 1e-6, "epoch " + m.epoch());
            assertEquals(h.epochs().get(0).gradNorms().get("2.weight"), m.gradNorms().get("2.weight"), 1e-6);
        }
    }

    @Test
    void anOptimizerOfNoneOfTheModelsParametersIsAnError() {
        // model.to(FLOAT64) after the optimizer was built replaces every parameter: the optimizer kept the old
        // tensors, and fit used to run every epoch at the same loss without a word
        Linear model = new Linear(3, 2, true, new Generator(1));
        SGD stale = new SGD(model.parameters(), 0.1);
        model.to(DType.FLOAT64);
        Tensor x = Tensor.randn(new Generator(2), 4, 3);
        DataLoader data = new DataLoader(new TensorDataset(x, Tensor.of(new float[] {0, 1, 0, 1}), 2), 2, false, false, null);
        Trainer trainer = new Trainer(model, new CrossEntropyLoss(), stale, Task.CLASSIFICATION).epochs(1);
        var e = assertThrows(IllegalArgumentException.class, () -> trainer.fit(data, null));
        assertTrue(e.getMessage().contains("none of the model's 2 parameters") && e.getMessage().contains("weight")
                && e.getMessage().contains("to(dtype)"), e.getMessage());
        // an optimizer of some of them (the others frozen or left out on purpose) still trains
        new Trainer(model, new CrossEntropyLoss(), new SGD(List.of(model.weight()), 0.1), Task.CLASSIFICATION).epochs(1)
                .fit(data, null);
    }

    @Test
    void evaluateRefusesFewerClassesThanTheModelHasOutputs() {
        // the confusion matrix had numClasses rows and columns, and the first prediction of a class beyond them threw
        // ArrayIndexOutOfBoundsException
        Linear model = new Linear(2, 3, true, new Generator(3));
        Tensor x = Tensor.randn(new Generator(1), 40, 2);
        DataLoader data = new DataLoader(new TensorDataset(x, Tensor.zeros(40), 2), 8, false, false, null);
        assertEquals(2, model.forward(x).argmax(1, false).max().item(), "the data must make the model predict class 2");
        var e = assertThrows(IllegalArgumentException.class,
                () -> Trainer.evaluate(model, new CrossEntropyLoss(), Task.CLASSIFICATION, data, 2));
        assertTrue(e.getMessage().contains("numClasses = 2") && e.getMessage().contains("3 scores"), e.getMessage());
        assertTrue(model.isTraining(), "evaluate puts the model back in training mode");
        assertEquals(3, Trainer.evaluate(model, new CrossEntropyLoss(), Task.CLASSIFICATION, data, 0).confusion().classes());
        assertEquals(4, Trainer.evaluate(model, new CrossEntropyLoss(), Task.CLASSIFICATION, data, 4).confusion().classes());
    }

    @Test
    void evaluateRefusesANegativeNumClasses() {
        // a negative count was taken as 0 (the model's width) without a word, where the caller meant something else
        Linear model = new Linear(2, 3, true, new Generator(3));
        DataLoader data = new DataLoader(new TensorDataset(Tensor.randn(new Generator(1), 8, 2), Tensor.zeros(8), 3), 4,
                false, false, null);
        var e = assertThrows(IllegalArgumentException.class,
                () -> Trainer.evaluate(model, new CrossEntropyLoss(), Task.CLASSIFICATION, data, -1));
        assertEquals("Trainer.evaluate: numClasses = -1; pass 0 (the model's output width) or a class count", e.getMessage());
        assertTrue(model.isTraining(), "refused before the model was put in eval mode");
    }

    @Test
    void evaluateRefusesOneClassForABinaryTask() {
        // a binary task predicts class 0 or 1; numClasses = 1 made a 1 x 1 confusion matrix, and the first sample of
        // class 1 (or predicted 1) threw ArrayIndexOutOfBoundsException: Index 1 out of bounds for length 1
        Linear model = new Linear(2, 1, true, new Generator(3));
        DataLoader data = new DataLoader(new TensorDataset(Tensor.randn(new Generator(1), 8, 2),
                Tensor.of(new float[][] {{0}, {1}, {0}, {1}, {1}, {0}, {0}, {1}})), 4, false, false, null);
        for (Task task : new Task[] {Task.BINARY_LOGITS, Task.BINARY}) {
            Loss loss = task == Task.BINARY ? new MSELoss() : new BCEWithLogitsLoss();
            var e = assertThrows(IllegalArgumentException.class, () -> Trainer.evaluate(model, loss, task, data, 1));
            assertTrue(e.getMessage().contains("numClasses = 1") && e.getMessage().contains("Task." + task)
                    && e.getMessage().contains("pass 0 or 2"), e.getMessage());
            assertEquals(2, Trainer.evaluate(model, loss, task, data, 0).confusion().classes());
            assertEquals(2, Trainer.evaluate(model, loss, task, data, 2).confusion().classes());
        }
    }

    @Test
    void aLoaderWithoutBatchesIsAnError() {
        // it used to run silently, reporting a NaN loss (training) or no early stopping (validation)
        Linear model = new Linear(3, 2, true, new Generator(1));
        Tensor x = Tensor.randn(new Generator(2), 3, 3);
        DataLoader tooSmall = new DataLoader(new TensorDataset(x, Tensor.of(new float[] {0, 1, 0}), 2), 4, false, true, null);
        DataLoader fine = new DataLoader(new TensorDataset(x, Tensor.of(new float[] {0, 1, 0}), 2), 2, false, false, null);
        Trainer trainer = new Trainer(model, new CrossEntropyLoss(), new SGD(model.parameters(), 0.1), Task.CLASSIFICATION).epochs(1);
        var e = assertThrows(IllegalArgumentException.class, () -> trainer.fit(tooSmall, null));
        assertTrue(e.getMessage().contains("training loader gives no batches") && e.getMessage().contains("dropLast"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> trainer.fit(fine, tooSmall));
        assertTrue(e.getMessage().contains("validation loader"), e.getMessage());
    }

    @Test
    void clipGradNormRefusesALimitThatIsNotAFiniteNonNegativeNumber() {
        Linear model = new Linear(3, 2, true, new Generator(1));
        Trainer trainer = new Trainer(model, new CrossEntropyLoss(), new SGD(model.parameters(), 0.1), Task.CLASSIFICATION);
        for (double bad : new double[] {-1, Double.NaN, Double.POSITIVE_INFINITY}) {
            var e = assertThrows(IllegalArgumentException.class, () -> trainer.clipGradNorm(bad));
            assertTrue(e.getMessage().contains("maxNorm") && e.getMessage().contains(String.valueOf(bad)), e.getMessage());
        }
        trainer.clipGradNorm(0).clipGradNorm(1.5); // off, and a limit
    }

    @Test
    void aLossWithoutReductionIsRefused() {
        // a per-sample loss failed at the first step with "item: tensor of shape [4] has 4 elements", naming no loss
        Linear model = new Linear(3, 1, true, new Generator(1));
        SGD sgd = new SGD(model.parameters(), 0.1);
        var e = assertThrows(IllegalArgumentException.class,
                () -> new Trainer(model, new MSELoss(Reduction.NONE), sgd, Task.REGRESSION));
        assertTrue(e.getMessage().contains("MSELoss") && e.getMessage().contains("Reduction.NONE")
                && e.getMessage().contains("MEAN or SUM"), e.getMessage());
        DataLoader data = new DataLoader(new TensorDataset(Tensor.zeros(4, 3), Tensor.zeros(4, 1)), 2, false, false, null);
        e = assertThrows(IllegalArgumentException.class,
                () -> Trainer.evaluate(model, new MSELoss(Reduction.NONE), Task.REGRESSION, data, 0));
        assertTrue(e.getMessage().contains("Reduction.NONE"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new Trainer(model, null, sgd, Task.REGRESSION));
        assertTrue(e.getMessage().contains("loss is null"), e.getMessage());
        // a null callback was taken and failed inside fit with a NullPointerException, at the first epoch's start
        Trainer trainer = new Trainer(model, new MSELoss(), sgd, Task.REGRESSION);
        e = assertThrows(IllegalArgumentException.class, () -> trainer.callback(null));
        assertEquals("Trainer: callback is null", e.getMessage());
    }

    @Test
    void earlyStoppingNeedsValidationData() {
        // without a validation loader the patience was never counted: the run went on to its last epoch silently
        // (the CLI refuses --patience without held-out data; the library did not), and restoreBest without patience
        // never took a snapshot
        Linear model = new Linear(3, 2, true, new Generator(1));
        DataLoader data = new DataLoader(new TensorDataset(Tensor.randn(new Generator(2), 4, 3),
                Tensor.of(new float[] {0, 1, 0, 1}), 2), 2, false, false, null);
        Trainer trainer = new Trainer(model, new CrossEntropyLoss(), new SGD(model.parameters(), 0.0), Task.CLASSIFICATION)
                .epochs(5).earlyStopping(2, false);
        var e = assertThrows(IllegalArgumentException.class, () -> trainer.fit(data, null));
        assertTrue(e.getMessage().contains("early stopping") && e.getMessage().contains("validation"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> trainer.earlyStopping(0, false, 0, true));
        assertTrue(e.getMessage().contains("restoreBest") && e.getMessage().contains("epochs > 0"), e.getMessage());
        assertEquals(3, trainer.fit(data, data).epochs().size(), "with validation data, lr 0 stops after 1 + 2 epochs");
    }

    @Test
    void callbacksHearOfAFailureBeforeFitRethrowsIt() {
        // no callback heard of an exception that ended fit: a terminal progress bar left its line open, so the error
        // printed after it landed at the end of the bar's line, and a log could not be closed
        Linear model = new Linear(3, 1, true, new Generator(1));
        Generator gen = new Generator(2);
        DataLoader data = new DataLoader(new TensorDataset(Tensor.randn(gen, 8, 3), Tensor.randn(gen, 8, 1)), 4, false,
                false, null);
        List<String> heard = new ArrayList<>();
        RuntimeException boom = new IllegalStateException("boom");
        Callback listener = new Callback() {
            @Override
            public void onTrainFailed(Throwable failure) {
                heard.add("failed: " + failure.getMessage());
            }

            @Override
            public void onTrainEnd(History history) {
                heard.add("ended");
            }
        };
        Trainer trainer = new Trainer(model, new MSELoss(), new SGD(model.parameters(), 0.1), Task.REGRESSION).epochs(2)
                .callback(listener).callback(new Callback() {
                    @Override
                    public void onBatchEnd(int epoch, int step, int stepsPerEpoch, double loss, int batchSize) {
                        throw boom;
                    }

                    @Override
                    public void onTrainFailed(Throwable failure) {
                        throw new IllegalArgumentException("while failing");
                    }
                });
        var e = assertThrows(IllegalStateException.class, () -> trainer.fit(data, null));
        assertSame(boom, e);
        assertEquals(List.of("failed: boom"), heard);
        assertEquals("while failing", e.getSuppressed()[0].getMessage());
        // a divergence too; a setup refused before onTrainStart is not a failure of training
        Trainer diverging = new Trainer(model, new MSELoss(), new SGD(model.parameters(), 1e30), Task.REGRESSION).epochs(3)
                .callback(listener);
        heard.clear();
        TrainingDivergedException d = assertThrows(TrainingDivergedException.class, () -> diverging.fit(data, null));
        assertEquals(List.of("failed: " + d.getMessage()), heard);
        heard.clear();
        assertThrows(IllegalArgumentException.class, () -> diverging.earlyStopping(1, false).fit(data, null));
        assertEquals(List.of(), heard);
    }

    @Test
    void earlyStoppingOnAccuracyIsRefusedForRegression() {
        // a regression's accuracy is NaN every epoch, and a NaN score "improved" on the NaN best: the run silently went
        // on to its last epoch however long the validation loss stalled (and restoreBest snapshotted every epoch)
        Linear model = new Linear(3, 1, true, new Generator(1));
        Generator gen = new Generator(2);
        DataLoader data = new DataLoader(new TensorDataset(Tensor.randn(gen, 8, 3), Tensor.randn(gen, 8, 1)), 4, false,
                false, null);
        Trainer trainer = new Trainer(model, new MSELoss(), new SGD(model.parameters(), 0.0), Task.REGRESSION).epochs(6);
        var e = assertThrows(IllegalArgumentException.class, () -> trainer.earlyStopping(2, true));
        assertTrue(e.getMessage().contains("accuracy") && e.getMessage().contains("REGRESSION"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> trainer.earlyStopping(2, true, 0, true));
        assertTrue(e.getMessage().contains("onAccuracy false"), e.getMessage());
        // on the loss it works: lr 0 keeps the validation loss constant, so the run stops after 1 + 2 epochs
        assertEquals(3, trainer.earlyStopping(2, false).fit(data, data).epochs().size());
        trainer.earlyStopping(0, true); // turning it off needs no accuracy
    }

    @Test
    void evaluateGivesEachModuleBackItsOwnMode() {
        // fine-tuning with a frozen batch norm (eval() on that layer alone, the rest training): evaluate switched the
        // whole model to eval and then called train() on it, which put the frozen layer back in training mode, so that
        // the next training step's batches overwrote the running statistics it was meant to keep
        Generator gen = new Generator(4);
        BatchNorm1d frozen = new BatchNorm1d(3);
        Linear head = new Linear(3, 2, true, gen);
        Sequential model = new Sequential(frozen, head);
        model.train();
        frozen.eval();
        DataLoader data = new DataLoader(new TensorDataset(Tensor.randn(gen, 6, 3), Tensor.of(new float[] {0, 1, 0, 1, 1, 0}),
                2), 4, false, false, null);
        Trainer trainer = new Trainer(model, new CrossEntropyLoss(), new SGD(model.parameters(), 0.1), Task.CLASSIFICATION);
        trainer.evaluate(data, 0);
        assertTrue(model.isTraining() && head.isTraining(), "the training modules train again");
        assertFalse(frozen.isTraining(), "the frozen batch norm stays in eval mode");
        model.eval(); // and a model evaluated in eval mode stays there
        trainer.evaluate(data, 0);
        assertFalse(model.isTraining() || head.isTraining() || frozen.isTraining());
    }

    @Test
    void aValidationLossThatIsNaNNeverImprovesAndIsShown() {
        // a validation sample with a NaN feature: every epoch's validation loss is NaN. A NaN score "improved" on the
        // NaN that stood for "no best yet", so early stopping never counted a bad epoch and the run went on to its last
        // epoch; and the progress lines left val_loss and val_acc out, as if there were no validation data
        Generator gen = new Generator(1);
        Linear model = new Linear(3, 2, true, gen);
        DataLoader train = new DataLoader(new TensorDataset(Tensor.randn(gen, 10, 3),
                Tensor.of(new float[] {0, 1, 0, 1, 1, 0, 0, 1, 1, 0}), 2), 4, false, false, null);
        float[][] features = new float[4][3];
        features[2][1] = Float.NaN;
        DataLoader val = new DataLoader(new TensorDataset(Tensor.of(features), Tensor.of(new float[] {0, 1, 0, 1}), 2), 4,
                false, false, null);
        java.io.ByteArrayOutputStream lines = new java.io.ByteArrayOutputStream();
        History h = new Trainer(model, new CrossEntropyLoss(), new SGD(model.parameters(), 0.1), Task.CLASSIFICATION)
                .epochs(6).earlyStopping(2, false, 0, true)
                .callback(new ProgressBar(new java.io.PrintStream(lines, true, java.nio.charset.StandardCharsets.UTF_8), false))
                .fit(train, val);
        assertEquals(2, h.epochs().size(), "no epoch improved, so patience 2 runs out after epoch 2: " + h.stopReason());
        assertTrue(h.stopReason().contains("did not improve for 2 epochs") && h.stopReason().contains("NaN"), h.stopReason());
        assertEquals(0, h.restoredEpoch(), "no epoch was the best");
        assertTrue(h.epochs().getFirst().hasValidation());
        String out = lines.toString(java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(out.contains("val_loss NaN  val_acc "), out);
    }

    @Test
    void fitKeepsAFrozenLayerInEvalMode() {
        // fit called model.train() at the start of every epoch, which unfroze a batch norm the user had put in eval mode
        // (fine-tuning a pretrained feature extractor): its running statistics moved to the new data's, epoch after epoch
        Generator gen = new Generator(4);
        BatchNorm1d frozen = new BatchNorm1d(3);
        Sequential model = new Sequential(frozen, new Linear(3, 2, true, gen));
        frozen.eval();
        Tensor x = Tensor.randn(gen, 8, 3).mul(3).add(5); // far from the running mean 0 and variance 1
        DataLoader data = new DataLoader(new TensorDataset(x, Tensor.of(new float[] {0, 1, 0, 1, 1, 0, 0, 1}), 2), 4,
                false, false, null);
        Map<String, Tensor> before = model.stateDict();
        float[] mean = before.get("0.running_mean").toFloatArray(), variance = before.get("0.running_var").toFloatArray();
        new Trainer(model, new CrossEntropyLoss(), new SGD(model.parameters(), 0.1), Task.CLASSIFICATION).epochs(2)
                .fit(data, data);
        assertFalse(frozen.isTraining());
        assertTrue(model.isTraining() && model.get(1).isTraining());
        assertArrayEquals(mean, model.stateDict().get("0.running_mean").toFloatArray());
        assertArrayEquals(variance, model.stateDict().get("0.running_var").toFloatArray());

        // a model left wholly in eval mode (after an evaluation of the user's) still trains in training mode
        model.eval();
        new Trainer(model, new CrossEntropyLoss(), new SGD(model.parameters(), 0.1), Task.CLASSIFICATION).epochs(1)
                .fit(data, null);
        assertTrue(frozen.isTraining() && model.isTraining());
        assertFalse(java.util.Arrays.equals(mean, model.stateDict().get("0.running_mean").toFloatArray()));
    }

    @Test
    void aSchedulerOfAnotherOptimizerIsRefused() {
        // it scheduled the other optimizer's rate, and the Trainer's stayed where it was, epoch after epoch
        Linear model = new Linear(3, 2, true, new Generator(1));
        SGD sgd = new SGD(model.parameters(), 0.1);
        SGD other = new SGD(model.parameters(), 0.1);
        Trainer trainer = new Trainer(model, new CrossEntropyLoss(), sgd, Task.CLASSIFICATION);
        var e = assertThrows(IllegalArgumentException.class, () -> trainer.scheduler(new StepLR(other, 1, 0.5)));
        assertTrue(e.getMessage().contains("StepLR") && e.getMessage().contains("another optimizer"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> trainer.scheduler(new ReduceLROnPlateau(other, ReduceLROnPlateau.Mode.MIN)));
        assertTrue(e.getMessage().contains("ReduceLROnPlateau") && e.getMessage().contains("another optimizer"), e.getMessage());
        trainer.scheduler(new StepLR(sgd, 1, 0.5)).scheduler(new ReduceLROnPlateau(sgd, ReduceLROnPlateau.Mode.MIN));
    }

    @Test
    void aPlateauScheduleThatWantsAHigherMetricIsRefused() {
        // the Trainer steps it with the validation loss: one built with Mode.MAX (meant for an accuracy, as Keras's
        // mode='max') took every fall of the loss for a plateau and cut the learning rate while training went well
        Linear model = new Linear(3, 2, true, new Generator(1));
        SGD sgd = new SGD(model.parameters(), 0.1);
        Trainer trainer = new Trainer(model, new CrossEntropyLoss(), sgd, Task.CLASSIFICATION);
        var e = assertThrows(IllegalArgumentException.class,
                () -> trainer.scheduler(new ReduceLROnPlateau(sgd, ReduceLROnPlateau.Mode.MAX)));
        assertTrue(e.getMessage().contains("Mode.MAX") && e.getMessage().contains("loss") && e.getMessage().contains("onEpochEnd"),
                e.getMessage());
        trainer.scheduler(new ReduceLROnPlateau(sgd, ReduceLROnPlateau.Mode.MIN));
    }

    @Test
    void targetLossRefusesNaN() {
        // NaN compares false with every epoch's loss, so a NaN target (a computation gone wrong) silently never stopped
        Linear model = new Linear(3, 2, true, new Generator(1));
        Trainer trainer = new Trainer(model, new CrossEntropyLoss(), new SGD(model.parameters(), 0.1), Task.CLASSIFICATION);
        var e = assertThrows(IllegalArgumentException.class, () -> trainer.targetLoss(Double.NaN));
        assertEquals("Trainer.targetLoss: target must be a number (e.g. 0.001; negative infinity turns it off), got NaN",
                e.getMessage());
        trainer.targetLoss(0.001).targetLoss(Double.NEGATIVE_INFINITY); // a target, and off
    }

    @Test
    void earlyStoppingCanRestoreTheBestWeightsAndNeedsMoreThanMinDelta() {
        // trained towards class 0, validated against class 1 on the same inputs: the validation loss only grows, so
        // epoch 1 is the best
        Tensor x = Tensor.randn(new Generator(5), 8, 3);
        DataLoader train = new DataLoader(new TensorDataset(x, Tensor.zeros(8), 2), 4, false, false, null);
        DataLoader val = new DataLoader(new TensorDataset(x, Tensor.ones(8), 2), 8, false, false, null);
        for (boolean restore : new boolean[] {true, false}) {
            Linear model = new Linear(3, 2, true, new Generator(1));
            float[][] afterEpoch1 = new float[1][];
            History h = new Trainer(model, new CrossEntropyLoss(), new SGD(model.parameters(), 0.5), Task.CLASSIFICATION)
                    .epochs(10).earlyStopping(2, false, 0, restore).callback(new Callback() {
                        @Override
                        public boolean onEpochEnd(EpochMetrics m) {
                            if (m.epoch() == 1) {
                                afterEpoch1[0] = model.weight().toFloatArray();
                            }
                            return false;
                        }
                    }).fit(train, val);
            assertEquals(3, h.epochs().size(), h.stopReason());
            assertEquals(restore, java.util.Arrays.equals(afterEpoch1[0], model.weight().toFloatArray()), h.stopReason());
            assertEquals(restore, h.stopReason().contains("restored the weights of epoch 1"), h.stopReason());
            assertEquals(restore ? 1 : 0, h.restoredEpoch(), h.stopReason());
        }
        // trained and validated on the same data the loss keeps falling, by less than minDelta = 10 per epoch
        Linear model = new Linear(3, 2, true, new Generator(1));
        DataLoader same = new DataLoader(new TensorDataset(x, Tensor.zeros(8), 2), 8, false, false, null);
        History plain = new Trainer(model, new CrossEntropyLoss(), new SGD(model.parameters(), 0.1), Task.CLASSIFICATION)
                .epochs(6).earlyStopping(2, false).fit(same, same);
        assertEquals(6, plain.epochs().size(), plain.stopReason());
        Linear other = new Linear(3, 2, true, new Generator(1));
        History strict = new Trainer(other, new CrossEntropyLoss(), new SGD(other.parameters(), 0.1), Task.CLASSIFICATION)
                .epochs(6).earlyStopping(2, false, 10, false).fit(same, same);
        assertEquals(3, strict.epochs().size(), strict.stopReason());
        assertTrue(strict.epochs().get(2).valLoss() < strict.epochs().get(0).valLoss()); // it did improve, by too little
    }

    @Test
    void restoreBestSaysWhenTheBestEpochCameBeforeAResume() {
        Generator gen = new Generator(1);
        Linear model = new Linear(3, 2, true, gen);
        Tensor x = Tensor.randn(gen, 8, 3);
        DataLoader data = new DataLoader(new TensorDataset(x, Tensor.of(new float[] {0, 1, 0, 1, 1, 0, 0, 1}), 2), 4, false, false, null);
        History h = new Trainer(model, new CrossEntropyLoss(), new SGD(model.parameters(), 0.0), Task.CLASSIFICATION)
                .epochs(5).startEpoch(3).earlyStopping(2, false, 0, true)
                .earlierEpochs(List.of(epoch(1, 0.01), epoch(2, 5))).fit(data, data);
        assertTrue(h.stopReason().contains("the best epoch, 1, came before this fit"), h.stopReason());
    }

    @Test
    void aLossThatSumsOverTheBatchIsReportedPerSample() {
        // E = 1/2 sum (t - y)^2 sums over the batch: its epoch loss is the total over the samples divided by their
        // number, whatever the batch size. It used to be weighted by the batch size once more: the training loss
        // (batches of 4, 4 and 2) and the validation loss (one batch of 10) of the same unchanged model differed
        Generator gen = new Generator(4);
        Linear model = new Linear(3, 1, true, gen);
        Tensor x = Tensor.randn(gen, 10, 3);
        Tensor t = Tensor.randn(gen, 10, 1);
        double expected;
        try (var scope = Tensor.noGrad()) {
            expected = new HalfSquaredErrorLoss().forward(model.forward(x), t).item() / 10;
        }
        DataLoader train = new DataLoader(new TensorDataset(x, t), 4, false, false, null);
        DataLoader val = new DataLoader(new TensorDataset(x, t), 10, false, false, null);
        double[] batchSum = {0};
        History h = new Trainer(model, new HalfSquaredErrorLoss(), new SGD(model.parameters(), 0.0), Task.REGRESSION)
                .epochs(1).callback(new Callback() {
                    @Override
                    public void onBatchEnd(int epoch, int step, int stepsPerEpoch, double loss, int batchSize) {
                        batchSum[0] += loss * batchSize; // what ProgressBar's running loss adds up
                    }
                }).fit(train, val);
        EpochMetrics m = h.epochs().getFirst();
        assertEquals(expected, m.trainLoss(), 1e-6 * expected);
        assertEquals(expected, m.valLoss(), 1e-6 * expected);
        assertEquals(expected, batchSum[0] / 10, 1e-6 * expected);
        assertEquals(expected, Trainer.evaluate(model, new HalfSquaredErrorLoss(), Task.REGRESSION, train, 0).loss(), 1e-6 * expected);
        // with one output, the per-sample squared error is the same whether MSELoss sums or averages the batch
        double mean = Trainer.evaluate(model, new MSELoss(Reduction.MEAN), Task.REGRESSION, train, 0).loss();
        assertEquals(2 * expected, mean, 1e-6 * mean);
        assertEquals(mean, Trainer.evaluate(model, new MSELoss(Reduction.SUM), Task.REGRESSION, train, 0).loss(), 1e-6 * mean);
    }

    @Test
    void restoreBestCountsTheEpochThatStopsTheRun() {
        // trained and validated on the same data, the loss falls every epoch, so the last epoch is the best. When the
        // target loss (or a callback) stopped the run, that epoch was never compared, and restoreBest put back the
        // weights of the one before it
        Tensor x = Tensor.randn(new Generator(5), 8, 3);
        DataLoader same = new DataLoader(new TensorDataset(x, Tensor.zeros(8), 2), 8, false, false, null);
        for (boolean byCallback : new boolean[] {false, true}) {
            Linear model = new Linear(3, 2, true, new Generator(1));
            float[][] atEnd = new float[1][];
            double[] lastLoss = {Double.NaN};
            Trainer trainer = new Trainer(model, new CrossEntropyLoss(), new SGD(model.parameters(), 0.1), Task.CLASSIFICATION)
                    .epochs(10).earlyStopping(3, false, 0, true).callback(new Callback() {
                        @Override
                        public boolean onEpochEnd(EpochMetrics m) {
                            atEnd[0] = model.weight().toFloatArray();
                            lastLoss[0] = m.trainLoss();
                            return byCallback && m.epoch() == 3;
                        }
                    });
            if (!byCallback) {
                // a target just above epoch 3's loss, from a run that went on
                Linear probe = new Linear(3, 2, true, new Generator(1));
                History all = new Trainer(probe, new CrossEntropyLoss(), new SGD(probe.parameters(), 0.1), Task.CLASSIFICATION)
                        .epochs(3).fit(same, same);
                trainer.targetLoss(all.epochs().get(2).trainLoss() * (1 + 1e-9));
            }
            History h = trainer.fit(same, same);
            assertEquals(3, h.epochs().size(), h.stopReason());
            assertTrue(h.epochs().get(2).valLoss() < h.epochs().get(1).valLoss(), "epoch 3 is the best");
            assertTrue(java.util.Arrays.equals(atEnd[0], model.weight().toFloatArray()), h.stopReason());
            assertTrue(!h.stopReason().contains("restored"), h.stopReason());
            assertEquals(0, h.restoredEpoch());
        }
    }
}
