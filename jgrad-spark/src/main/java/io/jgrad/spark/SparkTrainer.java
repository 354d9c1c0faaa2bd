package io.jgrad.spark;

import io.jgrad.io.Json;
import io.jgrad.nn.Sequential;
import io.jgrad.nn.spec.NetworkSpec;
import io.jgrad.nn.spec.WeightInit;
import io.jgrad.optim.GradientClipping;
import io.jgrad.optim.LrScheduler;
import io.jgrad.optim.Optimizer;
import io.jgrad.optim.ReduceLROnPlateau;
import io.jgrad.tensor.Generator;
import io.jgrad.tensor.Tensor;
import io.jgrad.train.Callback;
import io.jgrad.train.CallbackList;
import io.jgrad.train.EpochMetrics;
import io.jgrad.train.EpochProgress;
import io.jgrad.train.Evaluation;
import io.jgrad.train.GradientNorms;
import io.jgrad.train.History;
import io.jgrad.train.StoppingRules;
import io.jgrad.train.TrainingDivergedException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import scala.Tuple3;

/**
 * Synchronous data-parallel training of an {@link MlpSpec} or {@link NetworkSpec} network with cross-entropy loss on a
 * {@link DistributedDataset}, giving the same weights as single-machine training ({@code jgrad train}) with the
 * same seed, up to float summation order.
 *
 * <p>Global batches are those of single-machine training: each epoch draws a permutation of the global row
 * indices from {@code new Generator(seed + 1)} (as {@link io.jgrad.data.DataLoader} does), or with
 * {@link #shuffle shuffle(false)} takes them in their order, and cuts it into batches of {@code batchSize}. For step s
 * the driver sends the weights as one float array; every partition returns the sum over its rows in batch s of the
 * per-sample gradients (computed in a fixed row order, sent as float32); the driver adds them in double precision in partition order and divides by the batch's size (the mean
 * loss's gradient), sets each parameter's gradient and calls {@link Optimizer#step()} of the same optimizer as
 * single-machine training. With {@link #classWeights} w the partitions sum w[t_i] times each sample's gradient and
 * also return their sums of w[t_i], and the driver divides by the batch's total of those (the weighted mean
 * sum_i w[t_i] l_i / sum_i w[t_i] over the global batch, as {@code jgrad train --class-weights}; a batch whose
 * samples all weigh 0 has a zero gradient). Nothing depends on task scheduling or retries (with the default
 * {@link #treeDepth}).
 *
 * <p>With {@code localSteps(k)} for k &gt; 1 (local SGD), each partition instead runs k optimizer steps on its
 * rows of k consecutive global batches, starting from the driver's weights and optimizer state; the driver then
 * replaces both by their average over partitions, weighted by the rows each partition used (with
 * {@link #classWeights}, by its rows' sum of w[t_i], the weighted mean's denominator). Gradient norms and
 * {@link #clipGradNorm clipping} apply to each step's gradient as in the Trainer: the summed one of a synchronous step,
 * each partition's own in its local steps.
 *
 * <p>Batch norm layers: each partition normalizes with the statistics of its own rows of the batch, as PyTorch's
 * DistributedDataParallel does without SyncBatchNorm, so a step's gradient equals the single machine's only with one
 * partition. Their running statistics (running_mean, running_var, num_batches_tracked) travel with the weights; after a
 * synchronous step, and after a local-SGD round, the driver's are the partitions' updated ones averaged weighted by the
 * rows each partition used (num_batches_tracked rounded to an integer). DDP instead keeps rank 0's buffers and
 * broadcasts them at the next forward; the weighted average uses every partition's rows, and with equal partitions its
 * running mean is the mean of the whole batch's statistics. Dropout draws a distinct mask stream per step and partition,
 * seeded from the run's seed, the epoch, the step and the partition ({@link PartitionWorker#dropoutSeed}): reruns with
 * the same seed and partitions give the same weights, but the masks are not the single machine's.
 *
 * <p>After each epoch, as {@link io.jgrad.train.Trainer#fit}: the learning-rate schedule steps (so the next epoch's
 * steps and rounds use its rate), then the stopping rules ({@link StoppingRules}: target loss, early stopping on the
 * validation loss, restoring the best epoch) decide whether the run goes on.
 */
public final class SparkTrainer {
    private final JavaSparkContext jsc;
    private final String encoded; // the spec as the executors rebuild the network from it
    private final int outputs, inputSize; // inputSize: features per row, an image's C*H*W
    private final String description;
    private final boolean images; // whether the network takes images [C, H, W]
    private final long seed;
    private final OptimizerSpec optimizerSpec;
    private final Sequential model;
    private final Optimizer optimizer;
    private final Generator shuffle;
    private final List<Callback> callbacks = new ArrayList<>();
    private int batchSize = 64;
    private int epochs = 10;
    private int firstEpoch = 1;
    private List<EpochMetrics> earlier = List.of();
    private int localSteps = 1;
    private boolean shuffleEachEpoch = true;
    private EpochProgress resume;
    private int epochNow;
    private EpochSums running = new EpochSums(new GradientNorms(List.of()));
    private int treeDepth = 1;
    private double[] classWeights;
    private float[] augment; // PartitionWorker.encode's; null: none
    private double clipNorm;
    private double overheadMillis = Double.NaN;
    private double targetLoss = Double.NEGATIVE_INFINITY;
    private int patience;
    private boolean restoreBest;
    private LrScheduler scheduler;
    private ReduceLROnPlateau plateau;

    /**
     * A trainer whose model is {@code spec.build(new Generator(seed))} and whose optimizer is
     * {@code optimizer.create(model.namedParameters())}, shuffling with {@code new Generator(seed + 1)}: the same
     * start as {@code jgrad train --seed seed}.
     */
    public SparkTrainer(JavaSparkContext jsc, MlpSpec spec, OptimizerSpec optimizer, long seed) {
        this(jsc, spec, optimizer, seed, WeightInit.DEFAULT);
    }

    /**
     * As {@link #SparkTrainer(JavaSparkContext, MlpSpec, OptimizerSpec, long)}, with the weights of its Linear layers
     * drawn again by {@code weights} from the same generator after the build: the start of {@code jgrad train --seed seed
     * --weight-init SCHEME}.
     */
    public SparkTrainer(JavaSparkContext jsc, MlpSpec spec, OptimizerSpec optimizer, long seed, WeightInit weights) {
        this(jsc, spec.encode(), spec.inputSize(), spec.outputSize(), spec.describe(), false, built(gen -> spec.build(gen),
                NetworkSpec.mlp(spec.inputSize(), spec.hidden(), spec.outputSize(), spec.activation(), spec.outputActivation()),
                weights, seed), optimizer, seed);
    }

    /**
     * A trainer of the network {@code spec} describes (the CNN of {@code jgrad train --model cnn}, or a model file's
     * layers), whose model is {@code spec.build(new Generator(seed))}, as {@link #SparkTrainer(JavaSparkContext, MlpSpec,
     * OptimizerSpec, long)}: the same start as {@code jgrad train --model ... --seed seed}. Its output is the last layer's,
     * one score per class; images [C, H, W] travel as flat rows and are reshaped on the executors.
     *
     * @throws IllegalArgumentException if the network's output is not one value per sample [N, K]
     */
    public SparkTrainer(JavaSparkContext jsc, NetworkSpec spec, OptimizerSpec optimizer, long seed) {
        this(jsc, spec, optimizer, seed, WeightInit.DEFAULT);
    }

    /**
     * As {@link #SparkTrainer(JavaSparkContext, NetworkSpec, OptimizerSpec, long)}, with the weights of its Linear and
     * Conv2d layers drawn again by {@code weights} as {@link #SparkTrainer(JavaSparkContext, MlpSpec, OptimizerSpec, long,
     * WeightInit)} draws them.
     */
    public SparkTrainer(JavaSparkContext jsc, NetworkSpec spec, OptimizerSpec optimizer, long seed, WeightInit weights) {
        this(jsc, Json.writeCompact(spec.toJson()), spec.inputSize(), outputs(spec), spec.describe(), spec.images(),
                built(spec::build, spec, weights, seed), optimizer, seed);
    }

    /** {@code build(gen)}, then {@code weights} drawn from the same gen, gen = new Generator(seed), as jgrad train draws them. */
    private static Sequential built(java.util.function.Function<Generator, Sequential> build, NetworkSpec spec,
                                    WeightInit weights, long seed) {
        Generator gen = new Generator(seed);
        Sequential model = build.apply(gen);
        weights.apply(spec, model, gen);
        return model;
    }

    private SparkTrainer(JavaSparkContext jsc, String encoded, int inputSize, int outputs, String description, boolean images,
                         Sequential model, OptimizerSpec optimizer, long seed) {
        this.images = images;
        this.jsc = jsc;
        this.encoded = encoded;
        this.inputSize = inputSize;
        this.outputs = outputs;
        this.description = description;
        this.seed = seed;
        this.optimizerSpec = optimizer;
        this.model = model;
        this.optimizer = optimizer.create(model.namedParameters());
        this.shuffle = new Generator(seed + 1);
    }

    private static int outputs(NetworkSpec spec) {
        int[] out = spec.shapes()[spec.layers().size() - 1];
        if (out.length != 1) {
            throw new IllegalArgumentException("SparkTrainer: the network outputs " + java.util.Arrays.toString(out)
                    + " per sample; cross-entropy needs one score per class (end with a linear layer after a flatten)");
        }
        return out[0];
    }

    /** The seed of an epoch's dropout masks, from which each step's and partition's are drawn. */
    private long epochSeed() {
        return PartitionWorker.dropoutSeed(seed, -1, -1) + epochNow;
    }

    /** Samples per global batch (default 64). */
    public SparkTrainer batchSize(int b) {
        if (b < 1) {
            throw new IllegalArgumentException("SparkTrainer: batch size must be positive, got " + b);
        }
        this.batchSize = b;
        return this;
    }

    /** Train up to this epoch number (default 10). */
    public SparkTrainer epochs(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("SparkTrainer: epochs must be >= 0, got " + n);
        }
        this.epochs = n;
        return this;
    }

    /** Continue numbering from this epoch (after restoring a checkpoint of epoch {@code epoch - 1}). */
    public SparkTrainer startEpoch(int epoch) {
        this.firstEpoch = epoch;
        return this;
    }

    /**
     * Continue inside an epoch that a mid-epoch checkpoint saved, as {@link io.jgrad.train.Trainer#resumeFrom}: its
     * first {@code progress.step()} steps (a whole number of rounds with local SGD, as the checkpoints are taken) are
     * not taken again, and its metrics go on from the progress's sums. The shuffle generator must be in the state it
     * had when that epoch started, so that the epoch draws the same order.
     */
    public SparkTrainer resumeFrom(EpochProgress progress) {
        this.resume = progress;
        this.firstEpoch = progress.epoch();
        return this;
    }

    /**
     * The running epoch's progress after its last step or round, for a callback that checkpoints inside an epoch:
     * lossSum and weightSum the (class-weighted) loss's sum and denominator, gradNormSums and gradNormSteps those of
     * {@link GradientNorms} (with local SGD, over every partition's local steps).
     */
    public EpochProgress progress() {
        EpochSums s = running;
        return new EpochProgress(epochNow, s.steps, s.loss, (long) s.correct, s.seen, s.gradNorms.sums(), s.weight,
                s.gradNorms.steps());
    }

    /**
     * The metrics of the epochs trained before a resume, oldest first, as {@link io.jgrad.train.Trainer#earlierEpochs}:
     * early stopping counts from them, so that a resumed run stops where an uninterrupted one would have.
     */
    public SparkTrainer earlierEpochs(List<EpochMetrics> metrics) {
        this.earlier = List.copyOf(metrics);
        return this;
    }

    /** Local SGD with k optimizer steps per partition between averagings; 1 (default) is synchronous training. */
    public SparkTrainer localSteps(int k) {
        if (k < 1) {
            throw new IllegalArgumentException("SparkTrainer: local steps must be at least 1 (1 = synchronous), got " + k);
        }
        this.localSteps = k;
        return this;
    }

    /**
     * Whether each epoch draws a new order of the rows (true, the default); false takes them in the data's order every
     * epoch, as {@code jgrad train --no-shuffle}, and never draws from the shuffle generator.
     */
    public SparkTrainer shuffle(boolean eachEpoch) {
        this.shuffleEachEpoch = eachEpoch;
        return this;
    }

    /**
     * How the partitions' gradients are summed: 1 (default) collects them on the driver and adds them in partition
     * order (the same bits whatever the task timing); 2 or more uses {@code treeAggregate} of that depth, which
     * spares the driver's memory and network with hundreds of partitions but adds in task completion order.
     */
    public SparkTrainer treeDepth(int depth) {
        if (depth < 1) {
            throw new IllegalArgumentException("SparkTrainer: tree depth must be at least 1, got " + depth);
        }
        this.treeDepth = depth;
        return this;
    }

    /**
     * Rescale each step's gradient so that its global L2 norm is at most {@code maxNorm}, as
     * {@link io.jgrad.train.Trainer#clipGradNorm} (0, the default, turns it off): in a synchronous step the driver
     * clips the summed gradient of the global batch, the single machine's; with local SGD each partition clips the
     * gradient of each of its local steps (the mean over its rows of the batch), as the single machine clips each of its
     * steps. The epochs' gradient norms are taken before clipping, as the Trainer takes them.
     *
     * @throws IllegalArgumentException if maxNorm is negative, infinite or NaN
     */
    public SparkTrainer clipGradNorm(double maxNorm) {
        this.clipNorm = GradientClipping.checkMaxNorm("SparkTrainer.clipGradNorm", maxNorm);
        return this;
    }

    /**
     * Stop after the first epoch whose mean training loss is at or below {@code target}, as
     * {@link io.jgrad.train.Trainer#targetLoss}; negative infinity (the default) turns it off.
     *
     * @throws IllegalArgumentException if target is NaN
     */
    public SparkTrainer targetLoss(double target) {
        this.targetLoss = StoppingRules.checkTargetLoss("SparkTrainer.targetLoss", target);
        return this;
    }

    /**
     * Early stopping on the validation loss, as {@link io.jgrad.train.Trainer#earlyStopping(int, boolean, double, boolean)}
     * with onAccuracy false and minDelta 0: stop when it has not improved for {@code epochs} epochs in a row (0, the
     * default, turns it off; otherwise {@link #fit} needs validation data), and, with {@code restoreBest}, end with the
     * weights of the best epoch (the optimizer's state stays the last epoch's). Modified at the end of fit, with
     * restoreBest: the model.
     *
     * @throws IllegalArgumentException if epochs is negative, or restoreBest is set with epochs 0
     */
    public SparkTrainer earlyStopping(int epochs, boolean restoreBest) {
        if (epochs < 0) {
            throw new IllegalArgumentException("SparkTrainer.earlyStopping: epochs must be >= 0, got " + epochs);
        }
        if (restoreBest && epochs == 0) { // the best epoch is tracked only while early stopping watches
            throw new IllegalArgumentException("SparkTrainer.earlyStopping: restoreBest restores the best epoch that early"
                    + " stopping found, so it needs epochs > 0 (e.g. 3), got 0");
        }
        this.patience = epochs;
        this.restoreBest = restoreBest;
        return this;
    }

    /**
     * A learning-rate schedule of {@link #optimizer()}, stepped once per epoch: each epoch's steps, and with local SGD
     * each partition's steps of its rounds, use the rate it set after the epoch before. Replaces a
     * {@link #scheduler(ReduceLROnPlateau)}; null: none.
     *
     * @throws IllegalArgumentException if it schedules another optimizer than this trainer's
     */
    public SparkTrainer scheduler(LrScheduler s) {
        requireOwnOptimizer(s == null ? null : s.optimizer(), s);
        this.scheduler = s;
        this.plateau = null;
        return this;
    }

    /**
     * Lowers the learning rate when the validation loss (the training loss without validation data) stalls, as
     * {@link io.jgrad.train.Trainer#scheduler(ReduceLROnPlateau)}: {@code s} is stepped with that loss after each epoch.
     * Replaces a {@link #scheduler(LrScheduler)}; null: none.
     *
     * @throws IllegalArgumentException if it lowers another optimizer's rate than this trainer's, or its mode is MAX
     */
    public SparkTrainer scheduler(ReduceLROnPlateau s) {
        requireOwnOptimizer(s == null ? null : s.optimizer(), s);
        if (s != null && s.mode() == ReduceLROnPlateau.Mode.MAX) { // it would cut the rate each time the loss falls
            throw new IllegalArgumentException("SparkTrainer.scheduler: the ReduceLROnPlateau has Mode.MAX (higher is better),"
                    + " but it is stepped with the validation loss, which is better lower; build it with Mode.MIN");
        }
        this.plateau = s;
        this.scheduler = null;
        return this;
    }

    private void requireOwnOptimizer(Optimizer scheduled, Object s) {
        if (scheduled != null && scheduled != optimizer) { // a schedule of another optimizer would change nothing here
            throw new IllegalArgumentException("SparkTrainer.scheduler: the " + s.getClass().getSimpleName() + " sets the"
                    + " learning rate of another optimizer than this trainer's; build it from optimizer()");
        }
    }

    /**
     * Cross-entropy's weight of each class, as PyTorch's {@code weight} and {@code jgrad train --class-weights}: one
     * finite weight >= 0 per output of the network, not all 0 (copied); null (the default) weighs every class 1.
     * Losses are then weighted means, sum_i w[t_i] l_i / sum_i w[t_i], in training and in {@link #evaluate}. With
     * {@link #localSteps} the partitions' states are averaged weighted by each one's sum of w[t_i] over its rows of the
     * round: a round of one SGD step is then the synchronous step of the global batch's weighted mean.
     */
    public SparkTrainer classWeights(double[] weights) {
        if (weights == null) {
            this.classWeights = null;
            return this;
        }
        try { // one output per class: the rule of --class-weights
            io.jgrad.nn.ClassWeights.check(java.util.Arrays.stream(weights).boxed().toList(), outputs, List.of());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("SparkTrainer.classWeights: " + e.getMessage(), e);
        }
        this.classWeights = weights.clone();
        return this;
    }

    /**
     * Random changes to the training images of each step, as {@code jgrad train --augment} (null or the identity: none;
     * the data must be images, {@link DistributedDataset#sampleShape()} [C, H, W]). Each partition draws them for its rows
     * of a step from the generator its dropout masks come from, seeded by the seed, the epoch, the step and the partition:
     * the same images on a rerun with the same partitions, not those of one machine, whose loader draws them in batch
     * order. Its {@code fill} is the value of the pixels a shift uncovers, in the data as the partitions see it
     * (standardized, with --normalize).
     *
     * @throws IllegalArgumentException if it changes images and the network takes flat feature vectors
     */
    public SparkTrainer augment(io.jgrad.data.Augmentation a) {
        if (a != null && !a.isIdentity() && !images) {
            throw new IllegalArgumentException("SparkTrainer.augment: augmentation changes images [C, H, W], but the network "
                    + description + " takes flat feature vectors");
        }
        this.augment = PartitionWorker.encode(a);
        return this;
    }

    /**
     * Adds a callback; onBatchStart and onBatchEnd are called per global step (per averaging round with local SGD:
     * onBatchStart with the round's first step, onBatchEnd with its last). Refuses null with
     * IllegalArgumentException, as {@link io.jgrad.train.Trainer#callback} does.
     */
    public SparkTrainer callback(Callback c) {
        if (c == null) {
            throw new IllegalArgumentException("SparkTrainer: callback is null");
        }
        callbacks.add(c);
        return this;
    }

    /** The driver's model: after {@link #fit}, the trained weights. */
    public Sequential model() {
        return model;
    }

    /** The driver's optimizer (its state is what optimizer.safetensors saves). */
    public Optimizer optimizer() {
        return optimizer;
    }

    /** The generator of the epochs' permutations; save its state to resume exactly. */
    public Generator shuffleGenerator() {
        return shuffle;
    }

    /**
     * Mean wall-clock milliseconds per step (or round) of the last epoch not spent computing in the slowest
     * partition: job scheduling, shipping weights and gradients, summing them, the optimizer step.
     */
    public double stepOverheadMillis() {
        return overheadMillis;
    }

    /**
     * Trains on {@code train}, evaluating on {@code validation} (may be null) after every epoch, and calls the callbacks
     * as {@link io.jgrad.train.Trainer#fit} does: onTrainStart once the data is checked, onEpochEnd after each epoch (one
     * returning true stops the run after it), then onTrainEnd with the returned History, or, when an exception ends
     * the run after onTrainStart (a failed Spark job, a callback's error), onTrainFailed before it is rethrown. The
     * History holds the metrics of every epoch run and why the run stopped, in Trainer's words ("completed N epochs",
     * "stopped by a callback after epoch E", "reached target loss ...", "early stop after epoch E: ...", and
     * "; restored the weights of epoch B, the best"). Modified: the model, the optimizer (and its rate, by the schedule),
     * the shuffle generator.
     *
     * @throws IllegalArgumentException if the data's or the validation data's width or labels do not fit the network,
     *     or early stopping is on without validation data
     * @throws TrainingDivergedException as the Trainer throws it, when a step's loss or gradient is not finite: the
     *     global batch's in a synchronous step, or with local SGD a partition's local step (the earliest of the round;
     *     its {@code what} names the partition); the model and optimizer keep the state from before that step or round
     */
    public History fit(DistributedDataset train, DistributedDataset validation) {
        if (train.featureSize() != inputSize) {
            throw new IllegalArgumentException("SparkTrainer.fit: the data has " + train.featureSize()
                    + " features per row but the network " + description + " takes " + inputSize);
        }
        if (train.numClasses() > outputs) {
            throw new IllegalArgumentException("SparkTrainer.fit: the data has labels up to " + (train.numClasses() - 1)
                    + " but the network has only " + outputs + " outputs");
        }
        if (validation != null && validation.featureSize() != inputSize) { // else found only after the first epoch
            throw new IllegalArgumentException("SparkTrainer.fit: the validation data has " + validation.featureSize()
                    + " features per row but the network " + description + " takes " + inputSize);
        }
        if (validation != null && validation.numClasses() > outputs) {
            throw new IllegalArgumentException("SparkTrainer.fit: the validation data has labels up to " + (validation.numClasses() - 1)
                    + " but the network has only " + outputs + " outputs");
        }
        if (validation == null && patience > 0) { // else it would silently never stop
            throw new IllegalArgumentException("SparkTrainer.fit: early stopping (earlyStopping(" + patience + ", ...)) compares"
                    + " the epochs' validation loss, but fit got no validation data; pass some, or earlyStopping(0, false) to"
                    + " turn it off");
        }
        if (resume != null) {
            int steps = (train.size() + batchSize - 1) / batchSize;
            if (resume.step() >= steps || resume.step() % localSteps != 0) { // a checkpoint is taken after a round, inside the epoch
                throw new IllegalArgumentException("SparkTrainer.resumeFrom: step " + resume.step() + " of epoch " + resume.epoch()
                        + " is not the end of a round inside an epoch of " + steps + " steps in rounds of " + localSteps);
            }
        }
        return new CallbackList(callbacks).fit(calls -> run(train, validation, calls));
    }

    /** The epochs of {@link #fit}, once the data is checked. */
    private History run(DistributedDataset train, DistributedDataset validation, CallbackList calls) {
        int n = train.size();
        int steps = (n + batchSize - 1) / batchSize;
        calls.trainStart(firstEpoch, epochs, steps);
        StoppingRules rules = new StoppingRules(targetLoss, patience, false, 0, restoreBest);
        rules.start(calls, firstEpoch, earlier);
        for (int epoch = firstEpoch; epoch <= epochs; epoch++) {
            long start = System.nanoTime();
            int skip = resume != null && resume.epoch() == epoch ? resume.step() : 0;
            calls.epochStart(epoch, skip + 1); // before the shuffle, as the Callback contract says and the Trainer does
            int[] order = new int[n];
            for (int i = 0; i < n; i++) {
                order[i] = i;
            }
            if (shuffleEachEpoch) {
                shuffle.shuffle(order);
            }
            int[] rank = new int[n];
            for (int i = 0; i < n; i++) {
                rank[order[i]] = i;
            }
            Broadcast<int[]> rankB = jsc.broadcast(rank);
            EpochSums sums = new EpochSums(new GradientNorms(model.namedParameters().keySet()));
            if (skip > 0) { // the sums of the steps taken before the checkpoint this run resumed from
                sums.loss = resume.lossSum();
                sums.weight = resume.weightSum();
                sums.correct = resume.correct();
                sums.seen = resume.seen();
                sums.steps = skip;
                sums.gradNorms.restart(resume.gradNormSums(), resume.gradNormSteps());
            }
            resume = null;
            epochNow = epoch;
            running = sums;
            try {
                for (int s = skip; s < steps; s += localSteps) {
                    calls.batchStart(epoch, s + 1); // the round's first step, as batchEnd gets its last
                    long t0 = System.nanoTime();
                    int k = Math.min(localSteps, steps - s);
                    int expected = Math.min(n, (s + k) * batchSize) - s * batchSize;
                    double nanos = localSteps == 1 ? synchronousStep(train, rankB, s, expected, sums)
                            : localRound(train, rankB, s, k, expected, sums);
                    sums.overheadNanos += System.nanoTime() - t0 - nanos;
                    sums.timed++;
                    sums.steps = s + k;
                    sums.seen += expected;
                    calls.batchEnd(epoch, s + k, steps, sums.lastLoss, expected);
                }
            } finally {
                rankB.destroy();
            }
            overheadMillis = sums.overheadNanos / 1e6 / Math.max(1, sums.timed);
            Map<String, Double> weightNorms = new LinkedHashMap<>();
            model.namedParameters().forEach((name, p) -> weightNorms.put(name, l2(p.toFloatArray())));
            Evaluation val = validation == null ? null : evaluate(validation);
            EpochMetrics m = new EpochMetrics(epoch, sums.loss / sums.weight, sums.correct / n,
                    val == null ? Double.NaN : val.loss(), val == null ? Double.NaN : val.accuracy(), optimizer.lr(),
                    (System.nanoTime() - start) / 1e9, sums.gradNorms.means(), weightNorms, val != null);
            if (plateau != null) {
                plateau.step(val == null ? m.trainLoss() : val.loss());
            }
            if (scheduler != null) {
                scheduler.step(); // before the callbacks: the checkpoint they write holds the next epoch's rate, as jgrad train's
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
     * Running totals of one epoch; {@code gradNorms} over its steps, with local SGD over every partition's local steps, so
     * that the epoch records each layer's mean over all of them.
     */
    private static final class EpochSums {
        double loss, weight, correct, lastLoss, overheadNanos;
        int timed, steps, seen; // timed: the rounds of this run, whose overhead overheadNanos sums
        final GradientNorms gradNorms;

        EpochSums(GradientNorms gradNorms) {
            this.gradNorms = gradNorms;
        }
    }

    /** One synchronous step; returns the slowest partition's compute time in ns. */
    private double synchronousStep(DistributedDataset train, Broadcast<int[]> rankB, int step, int expected, EpochSums sums) {
        // The weights travel inside the task's closure: Spark broadcasts every job's serialized tasks anyway, and a
        // Broadcast of its own cost a second block-manager round trip plus its removal (~8 ms per step in local[2]).
        float[] weights = FlatParameters.pack(model); // then the buffers, whose updated values come back after the gradients
        String encoded = this.encoded;
        int b = batchSize;
        double[] w = classWeights;
        long epochSeed = epochSeed();
        float[] aug = augment;
        int firstBuffer = FlatParameters.parameterCount(model);
        double[] total = new double[weights.length + PartitionWorker.STATS];
        ShippedStandardization scaling = new ShippedStandardization(train.standardization());
        var partials = train.blocks()
                .map(block -> PartitionWorker.gradientSum(block, scaling.get(), encoded, weights, rankB.value(), b, step, w, epochSeed,
                        aug));
        if (treeDepth == 1) {
            // Collected in partition order, so the double sums do not depend on which task finished first.
            for (var partial : partials.collect()) {
                PartitionWorker.addPartial(total, partial, firstBuffer);
            }
        } else {
            total = partials.treeAggregate(total, (sum, partial) -> {
                PartitionWorker.addPartial(sum, partial, firstBuffer);
                return sum;
            }, PartitionWorker::addGradients, treeDepth);
        }
        int s = total.length - PartitionWorker.STATS;
        checkCount(total[s + PartitionWorker.COUNT], expected, step);
        // the mean's denominator: the batch's size, or its samples' summed class weights (0 where all weigh 0, and so
        // does every term of the gradient sum: divided by 1, the gradient is 0, as jgrad train's)
        double weight = total[s + PartitionWorker.WEIGHT];
        double loss = total[s + PartitionWorker.LOSS] / (weight == 0 ? 1 : weight);
        if (!Double.isFinite(loss)) { // as the Trainer: stop with the weights of the step before, not train on NaN
            throw new TrainingDivergedException(epochNow, step + 1, "the loss is " + loss);
        }
        optimizer.zeroGrad();
        int offset = 0;
        List<Tensor> params = List.copyOf(model.namedParameters().values());
        for (Tensor p : params) {
            Tensor g = FlatParameters.slice(total, offset, p.shape(), weight == 0 ? 1 : weight);
            p.setGrad(g.to(p.dtype())); // the partial sums travel as float32; setGrad wants the parameter's dtype
            offset += p.numel();
        }
        // as the Trainer's step: the norms of the global batch's gradient, then clipping, then the update
        int notFinite = sums.gradNorms.addStep(params);
        if (notFinite >= 0) {
            throw new TrainingDivergedException(epochNow, step + 1, "the gradient of "
                    + List.copyOf(model.namedParameters().keySet()).get(notFinite) + " is not finite");
        }
        if (clipNorm > 0) {
            GradientClipping.clipToNorm(params, clipNorm, sums.gradNorms.lastTotal()); // the norms addStep just took
        }
        optimizer.step();
        // the buffers: the partitions' updated running statistics, averaged weighted by their rows (addPartial)
        setBuffers(total, firstBuffer, total[s + PartitionWorker.COUNT]);
        sums.loss += total[s + PartitionWorker.LOSS];
        sums.weight += weight;
        sums.correct += total[s + PartitionWorker.CORRECT];
        sums.lastLoss = weight == 0 ? 0 : total[s + PartitionWorker.LOSS] / weight;
        return total[s + PartitionWorker.NANOS];
    }

    /** One round of local SGD over {@code k} global batches; returns the slowest partition's compute time in ns. */
    private double localRound(DistributedDataset train, Broadcast<int[]> rankB, int step, int k, int expected, EpochSums sums) {
        // Like a synchronous step's weights, the state travels in the task closure, which Spark broadcasts anyway.
        RoundState in = RoundState.pack(model, optimizer.stateDict());
        float[] packed = in.packed();
        String[] keys = in.keys();
        double[] scalars = in.scalars();
        String encoded = this.encoded;
        long epochSeed = epochSeed();
        float[] aug = augment;
        String name = optimizerSpec.name();
        // the epoch's rate (a schedule's, not the spec's), which the state's "lr" carries too
        double[] settings = {optimizer.lr(), optimizerSpec.momentum(), optimizerSpec.weightDecay()};
        int b = batchSize;
        ShippedStandardization scaling = new ShippedStandardization(train.standardization());
        double[] cw = classWeights;
        double clip = clipNorm;
        List<Tuple3<String[], float[], double[]>> results = train.blocks()
                .map(block -> PartitionWorker.localSteps(block, scaling.get(), encoded, name, settings, packed, keys, scalars, rankB.value(),
                        b, step, k, cw, clip, epochSeed, aug))
                .collect();
        checkDiverged(results);
        // a partition's numbers: its stats, its local steps, where it diverged, one norm sum per parameter, then its
        // optimizer's scalars
        int firstScalarValue = PartitionWorker.NORMS + model.namedParameters().size();
        // The average over partitions weighted by each one's share of the loss's denominator, added in double in
        // partition order: its sum of w[t_i] over the rows of its local steps (with class weights the weighted mean
        // divides by these sums; without, they are its rows). Each partition's step moves by the gradient of
        // sum_i w[t_i] l_i / W_p over its rows, and these weighted by W_p / W make the whole batch's weighted mean, so
        // a round of one SGD step is the synchronous step. Should every row of the round weigh 0 (each partition's
        // gradient is 0 and their states are equal), the rows weigh instead.
        double[] stats = new double[PartitionWorker.STATS];
        for (var r : results) {
            PartitionWorker.addStats(stats, Arrays.copyOf(r._3(), PartitionWorker.STATS));
        }
        int share = stats[PartitionWorker.WEIGHT] > 0 ? PartitionWorker.WEIGHT : PartitionWorker.COUNT;
        String[] outKeys = null;
        double[] packedSum = null, scalarSum = null;
        // the buffers (after the weights) are averaged weighted by rows, whatever the class weights
        int firstBuffer = FlatParameters.parameterCount(model), endBuffers = FlatParameters.count(model);
        double[] bufferSum = new double[FlatParameters.count(model)];
        for (var r : results) {
            double[] rs = r._3();
            double w = rs[share];
            if (rs[PartitionWorker.COUNT] == 0) { // no rows in the round: no state came back
                continue;
            }
            // each local step's gradient norms: the epoch's are their mean over all the partitions' local steps
            sums.gradNorms.add(Arrays.copyOfRange(rs, PartitionWorker.NORMS, firstScalarValue), (int) rs[PartitionWorker.LOCAL_STEPS]);
            if (outKeys == null) {
                outKeys = r._1();
                packedSum = new double[r._2().length];
                scalarSum = new double[rs.length - firstScalarValue];
            } else if (!Arrays.equals(outKeys, r._1())) {
                throw new IllegalStateException("SparkTrainer: partitions returned different optimizer state keys, "
                        + Arrays.toString(outKeys) + " and " + Arrays.toString(r._1()));
            }
            float[] v = r._2();
            for (int i = 0; i < v.length; i++) {
                packedSum[i] += w * v[i];
            }
            for (int i = firstBuffer; i < endBuffers; i++) {
                bufferSum[i] += rs[PartitionWorker.COUNT] * v[i];
            }
            for (int i = 0; i < scalarSum.length; i++) {
                scalarSum[i] += w * rs[firstScalarValue + i];
            }
        }
        checkCount(stats[PartitionWorker.COUNT], expected, step);
        double weight = stats[share];
        float[] averaged = new float[packedSum.length];
        for (int i = 0; i < averaged.length; i++) {
            averaged[i] = (float) (packedSum[i] / weight);
        }
        double[] averagedScalars = new double[scalarSum.length];
        int firstScalar = outKeys.length - scalarSum.length;
        Map<String, Double> before0d = new HashMap<>();
        for (int i = 0; i < in.scalars().length; i++) {
            before0d.put(in.keys()[in.keys().length - in.scalars().length + i], in.scalars()[i]);
        }
        for (int i = 0; i < scalarSum.length; i++) {
            String key = outKeys[firstScalar + i];
            averagedScalars[i] = switch (key) {
                case "step" -> optimizer.stepCount() + k;
                case "lr" -> optimizer.lr();
                // an option ("SGD.momentum") is every partition's own: a weighted average of equal values can round off
                // it, and loadStateDict then refuses the state as saved with other options
                default -> !Character.isDigit(key.charAt(0)) && before0d.containsKey(key) ? before0d.get(key)
                        // partitions that skipped an empty batch counted one step fewer
                        : key.endsWith(".step") ? Math.round(scalarSum[i] / weight) : scalarSum[i] / weight;
            };
        }
        var newState = RoundState.unpack(averaged, outKeys, averagedScalars, model);
        FlatParameters.unpack(Arrays.copyOf(averaged, FlatParameters.count(model)), model);
        setBuffers(bufferSum, firstBuffer, stats[PartitionWorker.COUNT]);
        optimizer.loadStateDict(newState);
        sums.loss += stats[PartitionWorker.LOSS];
        sums.weight += stats[PartitionWorker.WEIGHT];
        sums.correct += stats[PartitionWorker.CORRECT];
        sums.lastLoss = stats[PartitionWorker.WEIGHT] == 0 ? 0 : stats[PartitionWorker.LOSS] / stats[PartitionWorker.WEIGHT];
        return stats[PartitionWorker.NANOS];
    }

    /**
     * Throws the divergence of the earliest local step, over the partitions of a round, whose loss or gradient was not
     * finite (the first such partition in partition order among those of that step), as the Trainer throws it for a
     * step; the driver's weights and optimizer state stay those from before the round.
     */
    private void checkDiverged(List<Tuple3<String[], float[], double[]>> results) {
        int first = -1;
        for (int p = 0; p < results.size(); p++) {
            double[] r = results.get(p)._3();
            double step = r.length > PartitionWorker.DIVERGED_STEP ? r[PartitionWorker.DIVERGED_STEP] : 0; // else it used no rows
            if (step > 0 && (first < 0 || step < results.get(first)._3()[PartitionWorker.DIVERGED_STEP])) {
                first = p;
            }
        }
        if (first < 0) {
            return;
        }
        double[] r = results.get(first)._3();
        int param = (int) r[PartitionWorker.DIVERGED_PARAM];
        String what = param < 0 ? "the loss is " + r[PartitionWorker.DIVERGED_LOSS]
                : "the gradient of " + List.copyOf(model.namedParameters().keySet()).get(param) + " is not finite";
        throw new TrainingDivergedException(epochNow, (int) r[PartitionWorker.DIVERGED_STEP], what
                + " in a local step of partition " + first);
    }

    /**
     * Sets the model's buffers to {@code sums[firstBuffer ..]} divided by {@code rows} (the partitions' values weighted by
     * their rows, summed); num_batches_tracked rounded to an integer, as partitions that had no rows of a local step
     * counted one batch fewer. Modified: the model's buffers.
     */
    private void setBuffers(double[] sums, int firstBuffer, double rows) {
        int offset = firstBuffer;
        try (var scope = Tensor.noGrad()) {
            for (var e : FlatParameters.buffers(model).entrySet()) {
                Tensor b = e.getValue();
                float[] v = new float[b.numel()];
                for (int i = 0; i < v.length; i++) {
                    double mean = sums[offset + i] / rows;
                    v[i] = (float) (e.getKey().endsWith("num_batches_tracked") ? Math.round(mean) : mean);
                }
                b.copy_(Tensor.wrap(v, b.shape()));
                offset += v.length;
            }
        }
    }

    private static void checkCount(double got, int expected, int step) {
        if (got != expected) {
            throw new IllegalStateException("SparkTrainer: step " + step + " saw " + (long) got + " samples but its global batch has "
                    + expected + "; the partitions do not hold each row exactly once (were the blocks recomputed from a"
                    + " nondeterministic source?)");
        }
    }

    /**
     * Mean cross-entropy loss (with {@link #classWeights}, the weighted mean over all of {@code data}) and accuracy of
     * the current model on {@code data}, computed on the executors.
     */
    public Evaluation evaluate(DistributedDataset data) {
        Broadcast<float[]> weightsB = jsc.broadcast(FlatParameters.pack(model));
        String encoded = this.encoded;
        double[] w = classWeights;
        try {
            ShippedStandardization scaling = new ShippedStandardization(data.standardization());
            double[] t = data.blocks().map(block -> PartitionWorker.evaluate(block, scaling.get(), encoded, weightsB.value(), w))
                    .treeReduce(PartitionWorker::addStats, treeDepth);
            double count = t[PartitionWorker.COUNT];
            return new Evaluation(t[PartitionWorker.LOSS] / t[PartitionWorker.WEIGHT], t[PartitionWorker.CORRECT] / count, null,
                    (int) count);
        } finally {
            weightsB.destroy();
        }
    }

    private static double l2(float[] v) {
        double sq = 0;
        for (float x : v) {
            sq += (double) x * x;
        }
        return Math.sqrt(sq);
    }
}
