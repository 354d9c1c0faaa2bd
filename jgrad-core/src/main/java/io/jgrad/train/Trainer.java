package io.jgrad.train;

import io.jgrad.data.DataLoader;
import io.jgrad.nn.Loss;
import io.jgrad.nn.Module;
import io.jgrad.nn.Reduction;
import io.jgrad.optim.GradientClipping;
import io.jgrad.optim.LrScheduler;
import io.jgrad.optim.Optimizer;
import io.jgrad.optim.ReduceLROnPlateau;
import io.jgrad.tensor.CapturedStep;
import io.jgrad.tensor.Tensor;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Trains a model: for each epoch, for each batch, forward pass, loss, backward pass, optimizer step; then
 * validation, the learning-rate schedule and the stopping rules. {@link #fit} is the whole loop, written to
 * be read top to bottom.
 *
 * <pre>{@code
 * Trainer trainer = new Trainer(model, new CrossEntropyLoss(), new Adam(model.parameters(), 1e-3), Task.CLASSIFICATION)
 *         .epochs(10).targetLoss(0.001);
 * History history = trainer.fit(trainLoader, testLoader);
 * }</pre>
 */
public final class Trainer {
    private final Module model;
    private final Loss loss;
    private final Optimizer optimizer;
    private final Task task;
    private final List<Callback> callbacks = new ArrayList<>();
    private int epochs = 10;
    private int firstEpoch = 1;
    private double targetLoss = Double.NEGATIVE_INFINITY;
    private int patience;
    private List<EpochMetrics> earlier = List.of();
    private boolean patienceOnAccuracy;
    private double minDelta;
    private boolean restoreBest;
    private double clipNorm;
    private LrScheduler scheduler;
    private ReduceLROnPlateau plateau;
    private EpochProgress resume;
    // the running epoch's sums, readable through progress() by callbacks that checkpoint mid-epoch
    private int epochNow;
    private int stepNow;
    private double lossSum;
    private double weightSum; // lossSum's denominator: the samples seen, or their weights (Loss.batchWeight)
    private long correct;
    private int seen;
    private GradientNorms gradNorms = new GradientNorms(List.of());
    private boolean captureSteps = !"false".equals(System.getProperty("jgrad.capture")); // -Djgrad.capture=false: off
    /** Why the last fit's steps were not replayed (see {@link #captureSteps}), or null. */
    private String captureRefusal;
    private long replayedSteps;

    /**
     * A trainer for {@code model}; {@code task} decides how accuracy is counted.
     *
     * @throws IllegalArgumentException if an argument is null, or the loss's reduction is {@link Reduction#NONE}
     */
    public Trainer(Module model, Loss loss, Optimizer optimizer, Task task) {
        requireNonNull("model", model);
        requireNonNull("loss", loss);
        requireNonNull("optimizer", optimizer);
        requireNonNull("task", task);
        requireReduced("Trainer", loss);
        this.model = model;
        this.loss = loss;
        this.optimizer = optimizer;
        this.task = task;
    }

    /**
     * The last epoch to train (default 10): training stops after epoch n, or earlier (target loss, early stopping).
     * With {@link #startEpoch} s > 1 (a resumed run) that is n - s + 1 epochs.
     */
    public Trainer epochs(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("epochs must be >= 0, got " + n);
        }
        this.epochs = n;
        return this;
    }

    /**
     * Stop after the first epoch whose mean training loss is at or below {@code target} (e.g. 0.001);
     * negative infinity (the default) turns it off.
     *
     * @throws IllegalArgumentException if target is NaN
     */
    public Trainer targetLoss(double target) {
        this.targetLoss = StoppingRules.checkTargetLoss("Trainer.targetLoss", target);
        return this;
    }

    /**
     * Early stopping: stop when the validation loss (or, with {@code onAccuracy}, the validation accuracy) has
     * not improved for {@code epochs} epochs in a row. 0 turns it off; otherwise {@link #fit} needs a validation
     * loader.
     *
     * @throws IllegalArgumentException as {@link #earlyStopping(int, boolean, double, boolean)}
     */
    public Trainer earlyStopping(int epochs, boolean onAccuracy) {
        return earlyStopping(epochs, onAccuracy, 0, false);
    }

    /**
     * Early stopping as {@link #earlyStopping(int, boolean)}, where an epoch improves only when it beats the best
     * by more than {@code minDelta} (in loss, or in accuracy as a fraction), and, with {@code restoreBest}, the
     * model ends with the weights and buffers of its best epoch (as Keras's restore_best_weights; the optimizer's
     * state stays that of the last epoch). Only epochs trained by this fit can be restored: when the best was one of
     * the {@link #earlierEpochs} of a resumed run, the stop reason says so. Modified at the end of fit, with
     * restoreBest: the model.
     *
     * @throws IllegalArgumentException if epochs or minDelta is negative (or NaN), restoreBest is set with epochs 0, or
     *     onAccuracy is set with {@code epochs > 0} for {@link Task#REGRESSION}, which has no accuracy
     */
    public Trainer earlyStopping(int epochs, boolean onAccuracy, double minDelta, boolean restoreBest) {
        if (epochs < 0 || !(minDelta >= 0)) {
            throw new IllegalArgumentException("earlyStopping: epochs must be >= 0 and minDelta >= 0, got " + epochs + " and " + minDelta);
        }
        if (onAccuracy && epochs > 0 && task == Task.REGRESSION) {
            // every epoch's accuracy is NaN: no epoch improves on another, whatever the loss does
            throw new IllegalArgumentException("earlyStopping: onAccuracy watches the validation accuracy, but Task.REGRESSION"
                    + " has none; watch the validation loss (onAccuracy false)");
        }
        if (restoreBest && epochs == 0) { // the best epoch is tracked only while early stopping watches
            throw new IllegalArgumentException("earlyStopping: restoreBest restores the best epoch that early stopping"
                    + " found, so it needs epochs > 0 (e.g. 3), got 0");
        }
        this.patience = epochs;
        this.patienceOnAccuracy = onAccuracy;
        this.minDelta = minDelta;
        this.restoreBest = restoreBest;
        return this;
    }

    /**
     * Rescale gradients whose global L2 norm exceeds {@code maxNorm} before each step (0 turns it off).
     *
     * @throws IllegalArgumentException if maxNorm is negative, infinite or NaN
     */
    public Trainer clipGradNorm(double maxNorm) {
        this.clipNorm = GradientClipping.checkMaxNorm("Trainer.clipGradNorm", maxNorm);
        return this;
    }

    /**
     * A learning-rate schedule, stepped once per epoch.
     *
     * @throws IllegalArgumentException if it schedules another optimizer than this trainer's
     */
    public Trainer scheduler(LrScheduler s) {
        requireOwnOptimizer(s == null ? null : s.optimizer(), s);
        this.scheduler = s;
        return this;
    }

    /**
     * Lowers the learning rate when the validation loss (the training loss without validation data) stalls: {@code s}
     * is stepped with that loss after each epoch, so it must be built with {@link ReduceLROnPlateau.Mode#MIN}. (To
     * follow another metric, step it from a {@link Callback#onEpochEnd} instead.)
     *
     * @throws IllegalArgumentException if it lowers another optimizer's rate than this trainer's, or its mode is MAX
     */
    public Trainer scheduler(ReduceLROnPlateau s) {
        requireOwnOptimizer(s == null ? null : s.optimizer(), s);
        if (s != null && s.mode() == ReduceLROnPlateau.Mode.MAX) {
            // it would take each fall of the loss for a plateau and cut the rate while training goes well
            throw new IllegalArgumentException("Trainer.scheduler: the ReduceLROnPlateau has Mode.MAX (higher is better), but"
                    + " the Trainer steps it with the validation loss, which is better lower; build it with Mode.MIN, or step"
                    + " it from a Callback's onEpochEnd with the metric it watches (e.g. metrics.valAccuracy())");
        }
        this.plateau = s;
        return this;
    }

    /** A scheduler of another optimizer (one built before the model was rebuilt or converted) would change nothing here. */
    private void requireOwnOptimizer(Optimizer scheduled, Object scheduler) {
        if (scheduled != null && scheduled != optimizer) {
            throw new IllegalArgumentException("Trainer.scheduler: the " + scheduler.getClass().getSimpleName() + " sets the"
                    + " learning rate of another optimizer than this trainer's " + optimizer.getClass().getSimpleName()
                    + "; build it from the optimizer given to the Trainer");
        }
    }

    /**
     * Whether full batches after the first step are trained by replaying a recorded step ({@link CapturedStep}; on by
     * default): the same arithmetic on the same memory, bit for bit the same results, without rebuilding the graph
     * each step, so that a step allocates nothing. A model whose step does work in Java on the values (dropout's
     * masks, batch normalization's running statistics, an index gather) is trained step by step as without it;
     * {@link #captureRefusal()} says why. The step is recorded again when a module's mode or a parameter's
     * requiresGrad changes (a callback that freezes a layer). The default is on unless the JVM runs with
     * {@code -Djgrad.capture=false} (for {@code jgrad train}: {@code JGRAD_JAVA_OPTS=-Djgrad.capture=false}).
     */
    public Trainer captureSteps(boolean on) {
        this.captureSteps = on;
        return this;
    }

    /** Why the last {@link #fit}'s steps were not replayed (the first thing its step did in Java), or null. */
    public String captureRefusal() {
        return captureRefusal;
    }

    /** How many of the last {@link #fit}'s steps were replays of a recorded step (see {@link #captureSteps}). */
    public long replayedSteps() {
        return replayedSteps;
    }

    /** Adds a callback (progress display, checkpoints, custom stopping); refuses null with IllegalArgumentException. */
    public Trainer callback(Callback c) {
        requireNonNull("callback", c);
        callbacks.add(c);
        return this;
    }

    /** Continue numbering from this epoch (after resuming from a checkpoint of epoch {@code epoch - 1}). */
    public Trainer startEpoch(int epoch) {
        this.firstEpoch = epoch;
        return this;
    }

    /**
     * Continue inside an epoch that a mid-epoch checkpoint saved: its first {@code progress.step()} batches
     * are drawn (so the shuffled order is the same) but not trained on again. The data loader's generator must
     * be in the state it had when that epoch started.
     */
    public Trainer resumeFrom(EpochProgress progress) {
        this.resume = progress;
        this.firstEpoch = progress.epoch();
        return this;
    }

    /**
     * The metrics of the epochs trained before a resume, oldest first: early stopping counts from them, so that a
     * resumed run stops where an uninterrupted one would have.
     */
    public Trainer earlierEpochs(List<EpochMetrics> metrics) {
        this.earlier = List.copyOf(metrics);
        return this;
    }

    /** The running epoch's progress (for callbacks that save mid-epoch checkpoints). */
    public EpochProgress progress() {
        return new EpochProgress(epochNow, stepNow, lossSum, correct, seen, gradNorms.sums(), weightSum);
    }

    private static void requireNonNull(String what, Object value) {
        if (value == null) {
            throw new IllegalArgumentException("Trainer: " + what + " is null");
        }
    }

    /** A step and an epoch's sums need one number per batch: a per-sample loss would fail at item(), naming no loss. */
    private static void requireReduced(String who, Loss loss) {
        if (loss.reduction() == Reduction.NONE) {
            String name = loss.getClass().getSimpleName();
            throw new IllegalArgumentException(who + ": the loss " + (name.isEmpty() ? "" : name + " ") + "has"
                    + " Reduction.NONE, one value per sample; training and evaluation need one per batch: use MEAN or SUM");
        }
    }

    private static void requireBatches(String which, DataLoader loader) {
        if (loader.numBatches() == 0) {
            throw new IllegalArgumentException("Trainer.fit: the " + which + " loader gives no batches (" + loader.dataset().size()
                    + " samples" + (loader.dataset().size() > 0 ? ", fewer than a batch, and dropLast is on" : "") + ")");
        }
    }

    /**
     * Runs the training loop on {@code train}, evaluating on {@code validation} (may be null) after each epoch.
     * Each epoch trains in training mode: a model in eval mode is put in training mode, every module of it; in a
     * model in training mode, a module the user put in eval mode (a frozen batch norm) stays so, as in PyTorch
     * Lightning. Modified: the model's parameters, buffers and modes, the optimizer, the loaders' generators.
     *
     * @throws IllegalArgumentException if the training loader is null or a loader gives no batches, early stopping is
     *     on without a validation loader, or the optimizer updates none of the model's parameters (built for another
     *     model, or before {@link Module#to} replaced them)
     */
    public History fit(DataLoader train, DataLoader validation) {
        return new CallbackList(callbacks).fit(calls -> run(train, validation, calls));
    }

    private History run(DataLoader train, DataLoader validation, CallbackList calls) {
        if (train == null) {
            throw new IllegalArgumentException("Trainer.fit: the training loader is null");
        }
        Map<String, Tensor> params = model.namedParameters();
        List<Tensor> paramList = new ArrayList<>(params.values());
        String[] paramNames = params.keySet().toArray(new String[0]);
        gradNorms = new GradientNorms(params.keySet());
        // the model's parameters the optimizer does not update (frozen or left out): their gradients are cleared each
        // step too, or they would add up over the whole run (and their norms grow); usually none
        Set<Tensor> optimized = Collections.newSetFromMap(new IdentityHashMap<>());
        optimized.addAll(optimizer.params());
        Tensor[] notOptimized = paramList.stream().filter(p -> !optimized.contains(p)).toArray(Tensor[]::new);
        if (!paramList.isEmpty() && notOptimized.length == paramList.size()) {
            // every epoch would run at the same loss without a word
            throw new IllegalArgumentException("Trainer.fit: the optimizer updates none of the model's " + paramList.size()
                    + " parameters " + params.keySet() + "; build it from this model's parameters() (after model.to(dtype),"
                    + " which replaces them, fetch them again)");
        }
        Accuracy accuracy = new Accuracy(task);
        Replay replay = new Replay(model, paramList);
        captureRefusal = null;
        replayedSteps = 0;
        int steps = train.numBatches();
        requireBatches("training", train);
        if (validation != null) {
            requireBatches("validation", validation); // an empty one would silently turn early stopping off
        } else if (patience > 0) { // else it would silently never stop
            throw new IllegalArgumentException("Trainer.fit: early stopping (earlyStopping(" + patience + ", ...)) compares"
                    + " the epochs' validation " + (patienceOnAccuracy ? "accuracy" : "loss") + ", but fit got no"
                    + " validation loader; pass one, or earlyStopping(0, false) to turn it off");
        }
        calls.trainStart(firstEpoch, epochs, steps);
        StoppingRules rules = new StoppingRules(targetLoss, patience, patienceOnAccuracy, minDelta, restoreBest);
        rules.start(calls, firstEpoch, earlier);
        for (int epoch = firstEpoch; epoch <= epochs; epoch++) {
            long start = System.nanoTime();
            if (!model.isTraining()) {
                // the whole model, left in eval mode (by the user, or a callback that evaluated): train it in training
                // mode. Not model.train() always: that also unfroze a layer put in eval mode in a training model (a batch
                // norm in fine-tuning), whose running statistics then moved; evaluate gives each module its mode back
                model.train();
            }
            int skip = resume != null && resume.epoch() == epoch ? resume.step() : 0;
            calls.epochStart(epoch, skip + 1);
            epochNow = epoch;
            stepNow = 0;
            lossSum = 0;
            weightSum = 0;
            correct = 0;
            seen = 0;
            gradNorms.restart(Map.of(), 0);
            if (resume != null && resume.epoch() == epoch) {
                lossSum = resume.lossSum();
                weightSum = resume.weightSum();
                correct = resume.correct();
                seen = resume.seen();
                gradNorms.restart(resume.gradNormSums(), resume.gradNormSteps());
                stepNow = skip;
            }
            resume = null;
            int step = 0;
            DataLoader.Epoch batches = train.iterator();
            while (batches.hasNext()) {
                step++;
                if (step <= skip) {
                    try (var memory = Tensor.recycling()) {
                        batches.next(); // taken before the checkpoint this run resumed from
                    }
                    continue;
                }
                calls.batchStart(epoch, step);
                optimizer.zeroGrad();
                for (Tensor p : notOptimized) {
                    p.zeroGrad();
                }
                double value, weight;
                long stepCorrect;
                int batchSize;
                CapturedStep captured = captureSteps ? replay.usable(batches.nextSize()) : null;
                if (captured != null) { // the recorded step again, on this batch: no graph, no allocation
                    batchSize = batches.nextInto(captured.input(0), captured.input(1));
                    captured.replay();
                    replayedSteps++;
                    value = captured.output(0).item();
                    Tensor output = captured.output(1), targets = captured.input(1);
                    weight = loss.batchWeight(output, targets);
                    if (!Double.isFinite(value)) {
                        throw new TrainingDivergedException(epoch, step, "the loss is " + value);
                    }
                    stepCorrect = task == Task.REGRESSION ? 0 : accuracy.correct(output, targets);
                } else {
                    try (var memory = Tensor.recycling()) { // the step's batch and activations reuse the last step's memory
                        DataLoader.Batch batch = batches.next();
                        batchSize = batch.size();
                        Tensor output, l;
                        boolean recorded = captureSteps && replay.recordNow(batchSize);
                        if (recorded) { // this step, recorded as it runs: the next full batches replay it
                            CapturedStep c = CapturedStep.record(in -> {
                                Tensor out = model.forward(in[0]);      // forward pass
                                Tensor lo = loss.forward(out, in[1]);  // loss
                                lo.backward();                         // backward pass: fills every param's grad
                                return new Tensor[] {lo, out};
                            }, batch.features(), batch.targets());
                            captureRefusal = replay.recorded(c);
                            l = c.output(0);
                            output = c.output(1);
                        } else {
                            output = model.forward(batch.features());    // forward pass
                            l = loss.forward(output, batch.targets());   // loss
                        }
                        value = l.item();
                        weight = loss.batchWeight(output, batch.targets());
                        if (!Double.isFinite(value)) {
                            throw new TrainingDivergedException(epoch, step, "the loss is " + value);
                        }
                        if (!recorded) {
                            l.backward();                               // backward pass: fills every param's grad
                        }
                        stepCorrect = task == Task.REGRESSION ? 0 : accuracy.correct(output, batch.targets());
                    }
                }
                int notFinite = gradNorms.addStep(paramList);           // before clipping, as --grad-norms shows them
                if (notFinite >= 0) {
                    throw new TrainingDivergedException(epoch, step, "the gradient of " + paramNames[notFinite] + " is not finite");
                }
                if (clipNorm > 0) {
                    GradientClipping.clipToNorm(paramList, clipNorm, gradNorms.lastTotal()); // the norms addStep just took
                }
                optimizer.step();                                       // gradient-descent step
                double total = total(loss, value, weight);
                lossSum += total;
                weightSum += weight;
                correct += stepCorrect;
                seen += batchSize;
                stepNow = step;
                calls.batchEnd(epoch, step, steps, weight == 0 ? value : total / weight, batchSize);
            }
            Map<String, Double> weightNorms = new LinkedHashMap<>();
            params.forEach((k, v) -> weightNorms.put(k, Norms.l2(v)));
            double trainLoss = seen == 0 ? Double.NaN : lossSum / weightSum;
            double trainAcc = task == Task.REGRESSION || seen == 0 ? Double.NaN : (double) correct / seen;
            Evaluation val = validation == null ? null : evaluate(validation, 0);
            double lr = optimizer.lr();
            EpochMetrics m = new EpochMetrics(epoch, trainLoss, trainAcc,
                    val == null ? Double.NaN : val.loss(), val == null ? Double.NaN : val.accuracy(),
                    lr, (System.nanoTime() - start) / 1e9, gradNorms.means(), weightNorms, val != null);
            if (plateau != null) {
                plateau.step(val == null ? trainLoss : val.loss());
            }
            if (scheduler != null) {
                scheduler.step();
            }
            rules.score(m, model);
            if (calls.epochEnd(m) || rules.stop(calls, m)) { // epochEnd adds m to the history
                break;
            }
        }
        rules.finish(calls, epochs, model);
        return calls.trainEnd();
    }

    /**
     * The sum over a batch's samples of their (weighted) loss, from the batch's loss {@code value} and its
     * {@link Loss#batchWeight} {@code weight}: weight * value for a mean, value for a sum. Epoch losses are these
     * totals over the sum of the weights (the samples seen, for an unweighted loss), whatever the batch sizes.
     */
    private static double total(Loss loss, double value, double weight) {
        return loss.reduction() == Reduction.SUM ? value : value * weight;
    }

    /** Adds {@code m} and its descendants to {@code out}, parents before their children. Modified: out. */
    static void modulesOf(Module m, List<Module> out) {
        out.add(m);
        for (Module child : m.children().values()) {
            modulesOf(child, out);
        }
    }

    /**
     * Loss, accuracy and confusion matrix of the model on {@code data}, in eval mode and without recording a
     * graph; afterwards every module is back in the mode it had (a layer frozen with {@code eval()} stays so).
     * {@code numClasses} sizes the confusion matrix (0: from the model's output width; for classification at least
     * that width).
     *
     * @throws IllegalArgumentException if numClasses is negative, or, for classification, positive but below the output
     *     width, or, for a binary task, 1; or if data is null
     */
    public Evaluation evaluate(DataLoader data, int numClasses) {
        return evaluate(model, loss, task, data, numClasses);
    }

    /**
     * As {@link #evaluate(DataLoader, int)}, for any model and loss.
     *
     * @throws IllegalArgumentException as {@link #evaluate(DataLoader, int)}, and if the loss's reduction is
     *     {@link Reduction#NONE}
     */
    public static Evaluation evaluate(Module model, Loss loss, Task task, DataLoader data, int numClasses) {
        requireReduced("Trainer.evaluate", loss);
        if (data == null) {
            throw new IllegalArgumentException("Trainer.evaluate: the loader is null");
        }
        if (numClasses < 0) {
            throw new IllegalArgumentException("Trainer.evaluate: numClasses = " + numClasses + "; pass 0 (the model's"
                    + " output width) or a class count");
        }
        if ((task == Task.BINARY || task == Task.BINARY_LOGITS) && numClasses == 1) {
            // the matrix would have no cell for class 1, the first sample of it or predicted as it
            throw new IllegalArgumentException("Trainer.evaluate: numClasses = 1, but Task." + task + " predicts class 0"
                    + " or 1; pass 0 or 2");
        }
        List<Module> modules = new ArrayList<>();
        modulesOf(model, modules);
        boolean[] training = new boolean[modules.size()];
        for (int i = 0; i < training.length; i++) {
            training[i] = modules.get(i).isTraining();
        }
        model.eval();
        double lossSum = 0, weightSum = 0;
        int seen = 0;
        ConfusionMatrix confusion = null;
        Accuracy accuracy = new Accuracy(task);
        try (var scope = Tensor.noGrad()) {
            for (Iterator<DataLoader.Batch> batches = data.iterator(); batches.hasNext(); ) {
                try (var memory = Tensor.recycling()) {
                    DataLoader.Batch batch = batches.next();
                    Tensor output = model.forward(batch.features());
                    double weight = loss.batchWeight(output, batch.targets());
                    lossSum += total(loss, loss.forward(output, batch.targets()).item(), weight);
                    weightSum += weight;
                    seen += batch.size();
                    if (task != Task.REGRESSION) {
                        if (confusion == null) {
                            if (task == Task.CLASSIFICATION && numClasses > 0 && numClasses < output.size(-1)) {
                                // a prediction of a class beyond the matrix would have no cell to count in
                                throw new IllegalArgumentException("Trainer.evaluate: numClasses = " + numClasses
                                        + " but the model gives " + output.size(-1) + " scores per sample; pass 0 (one"
                                        + " class per score) or at least " + output.size(-1));
                            }
                            int k = numClasses > 0 ? numClasses : (task == Task.CLASSIFICATION ? output.size(-1) : 2);
                            confusion = new ConfusionMatrix(k);
                        }
                        accuracy.addTo(confusion, output, batch.targets());
                    }
                }
            }
        } finally {
            // each module's own mode, not model.train(): that put a layer the user froze with eval() (a batch norm in
            // fine-tuning) back in training mode. In pre-order, each train(mode), which also sets the descendants, comes
            // before theirs.
            for (int i = 0; i < training.length; i++) {
                modules.get(i).train(training[i]);
            }
        }
        double acc = confusion == null ? Double.NaN : confusion.accuracy();
        return new Evaluation(seen == 0 ? Double.NaN : lossSum / weightSum, acc, confusion, seen);
    }
}
