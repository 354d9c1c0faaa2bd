package io.jgrad.spark;

import io.jgrad.data.Augmentation;
import io.jgrad.data.Standardization;
import io.jgrad.io.Json;
import io.jgrad.nn.CrossEntropyLoss;
import io.jgrad.nn.Reduction;
import io.jgrad.nn.Sequential;
import io.jgrad.nn.spec.Layers;
import io.jgrad.nn.spec.NetworkSpec;
import io.jgrad.optim.GradientClipping;
import io.jgrad.optim.Optimizer;
import io.jgrad.tensor.Backends;
import io.jgrad.tensor.DType;
import io.jgrad.tensor.Generator;
import io.jgrad.tensor.Tensor;
import io.jgrad.train.GradientNorms;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.TaskContext;
import scala.Tuple2;
import scala.Tuple3;

/**
 * What a task does with its partition's block (executor side). Inputs arrive as plain arrays and strings; the
 * network is rebuilt from its encoded spec ({@link MlpSpec#encode} or a {@link NetworkSpec}'s JSON) once per executor
 * thread and then only has its weights and buffers overwritten ({@link FlatParameters}). Everything is computed in a
 * fixed order (rows sorted by their position in the global batch), so a retried task returns exactly the same numbers.
 *
 * <p>Training runs the network in training mode: each batch norm layer normalizes with the batch statistics of this
 * partition's rows of the batch (as PyTorch's DistributedDataParallel without SyncBatchNorm) and updates its running
 * statistics from them, which the task returns for the driver to average. Dropout draws its masks from a generator
 * seeded anew for each (step, partition) ({@link #dropoutSeed}), so reruns with the same seed and partitions draw the same
 * masks, and a retried task too. Evaluation runs in eval mode, on the driver's running statistics.
 */
final class PartitionWorker {
    private PartitionWorker() {}

    /**
     * Index in a stats array: summed per-sample losses (weighted, with class weights), samples, correct predictions,
     * slowest compute time (ns), and the summed sample weights w[t_i] (the samples, without class weights): the
     * loss's mean divides by them.
     */
    static final int LOSS = 0, COUNT = 1, CORRECT = 2, NANOS = 3, WEIGHT = 4, STATS = 5;

    /**
     * Index in the numbers {@link #localSteps} returns, after its stats: the local steps the partition took, then where it
     * diverged ({@link #DIVERGED_STEP}), then from {@code NORMS} on each parameter's summed gradient norm over them
     * ({@link GradientNorms}).
     */
    static final int LOCAL_STEPS = STATS, NORMS = STATS + 4;

    /**
     * Index in the numbers {@link #localSteps} returns, after {@link #LOCAL_STEPS}: the step of the epoch (1-based) whose
     * loss or gradient was not finite, where the partition stopped (0: none); that loss (the mean over the partition's
     * rows of the batch) where it was the loss, else 0; the index of the parameter whose gradient was not finite, else -1.
     */
    static final int DIVERGED_STEP = STATS + 1, DIVERGED_LOSS = STATS + 2, DIVERGED_PARAM = STATS + 3;

    /**
     * A rebuilt network, the generator its dropout layers draw from, one sample's shape ([features] or [C, H, W]), and
     * what its first batch norm layer that one sample gives one value per channel needs ("layers[2] (batchnorm1d) needs 2
     * or more values ..."; null: none such), which a partition's share of one row of a batch leaves without a variance.
     */
    private record Net(Sequential model, Generator dropout, int[] sampleShape, String oneRowBatchNorm) {}

    private static final ThreadLocal<Map<String, Net>> MODELS = ThreadLocal.withInitial(HashMap::new);

    /**
     * Runs once per JVM, before a task's first kernel: the kernels of a task use the task's share of cores
     * ({@code spark.task.cpus}, default 1). Spark already runs one task per core, and kernel threads on top of
     * that made a Fashion-MNIST half-batch gradient 7x slower in local[2] (20 ms against 3 ms, measured).
     */
    private static final class KernelThreads {
        static {
            TaskContext task = TaskContext.get();
            Backends.setThreads(task == null ? 1 : task.cpus());
        }

        static void configure() {}
    }

    /**
     * The executor thread's network for {@code spec}, holding the first {@link FlatParameters#count} values of
     * {@code weights} (its parameters and buffers), in training mode or not.
     */
    private static Net model(String spec, float[] weights, boolean training) {
        KernelThreads.configure();
        Net net = MODELS.get().computeIfAbsent(spec, PartitionWorker::decode);
        int count = FlatParameters.count(net.model());
        // A local-SGD round sends the weights followed by the optimizer's buffers (RoundState).
        FlatParameters.unpack(weights.length > count ? Arrays.copyOf(weights, count) : weights, net.model());
        net.model().zeroGrad();
        net.model().train(training);
        return net;
    }

    /** The network of an encoded spec: a NetworkSpec's JSON object, or {@link MlpSpec#encode}'s string. */
    private static Net decode(String spec) {
        Generator gen = new Generator(0); // the weights are overwritten; dropout draws from it after dropoutSeed set it
        if (spec.startsWith("{")) {
            NetworkSpec n = NetworkSpec.fromJson(Json.parse(spec), null);
            return new Net(n.build(gen), gen, n.inputShape(), oneRowBatchNorm(n));
        }
        MlpSpec m = MlpSpec.decode(spec);
        return new Net(m.build(gen), gen, new int[] {m.inputSize()}, null);
    }

    /** {@link Net#oneRowBatchNorm} of {@code spec}. */
    private static String oneRowBatchNorm(NetworkSpec spec) {
        for (NetworkSpec.BatchNormInput bn : spec.batchNormInputs()) {
            if (bn.perSample() == 1) {
                return "layers[" + bn.index() + "] (" + bn.type() + ") needs 2 or more values per channel in training to"
                        + " compute a variance, but its input " + Layers.shape(bn.inputShape()) + " gives 1 per sample";
            }
        }
        return null;
    }

    /**
     * Refuses a partition's share of one row of global batch {@code step} (0-based, within the epoch) where {@code net} has
     * a batch norm layer that it would give one value per channel, naming the flags that decide the shares: the layer's
     * own refusal named neither. {@code SparkTrainMain.checkBatchNormRows} refuses before training the batch sizes that
     * always leave such a share; a shuffled batch's rows can still fall so by chance.
     */
    private static void checkShare(Net net, int rows, int batchSize, int step) {
        if (rows == 1 && net.oneRowBatchNorm() != null) {
            TaskContext task = TaskContext.get();
            throw new UserMistake("--batch-size " + batchSize + ": batch " + (step + 1) + " of the epoch put 1 of"
                    + " its rows on partition " + (task == null ? 0 : task.partitionId()) + " (a shuffled batch's rows fall on"
                    + " the partitions that hold them), and " + net.oneRowBatchNorm() + "; use a larger --batch-size (more rows"
                    + " per partition) or fewer --partitions");
        }
    }

    /**
     * Ends this task where Spark has asked it to stop (another task of its job failed, or the job was cancelled): Spark's
     * kill only sets a flag, and the driver waits for the job's tasks before it stops Spark ({@link RunningTasks}), so a
     * task that ran on to the end of its round kept the user waiting. Checked between local steps and evaluation chunks,
     * where it costs nothing beside them.
     */
    private static void stopIfKilled() {
        TaskContext task = TaskContext.get();
        if (task != null && task.isInterrupted()) {
            // the executor reports a task that throws this as killed, not failed (killTaskIfInterrupted does the same,
            // but is private to Spark in its Scala source: public in the bytecode only)
            throw new org.apache.spark.TaskKilledException();
        }
    }

    /**
     * The seed of the dropout masks of global step {@code step} (0-based, within the epoch) on partition
     * {@code partition}, from {@code epochSeed} (the run's seed and the epoch, {@link SparkTrainer}): a SplitMix64
     * mix of the three, so that neighbouring steps and partitions get unrelated streams.
     */
    static long dropoutSeed(long epochSeed, int step, int partition) {
        long z = epochSeed + 0x9E3779B97F4A7C15L * (step + 1L) + 0xC2B2AE3D27D4EB4FL * (partition + 1L);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** Seeds {@code net}'s dropout generator for global step {@code step} on this task's partition. Modified: its state. */
    private static void seedDropout(Net net, long epochSeed, int step) {
        TaskContext task = TaskContext.get();
        int partition = task == null ? 0 : task.partitionId();
        net.dropout().setState(new Generator(dropoutSeed(epochSeed, step, partition)).state());
    }

    /** Positions in the block of the rows whose rank lies in [lo, hi), ordered by rank. */
    static int[] rowsOf(int[] globalIndex, int[] rank, int lo, int hi) {
        return rowsOfBatches(globalIndex, rank, lo, hi - lo, 1)[0];
    }

    /**
     * For each of {@code steps} consecutive global batches of {@code batchSize} ranks starting at rank {@code lo}, the
     * positions in the block of the rows in that batch, ordered by rank: one pass over the block for a whole round.
     */
    static int[][] rowsOfBatches(int[] globalIndex, int[] rank, int lo, int batchSize, int steps) {
        long hi = lo + (long) batchSize * steps;
        long[] keys = new long[globalIndex.length];
        int m = 0;
        for (int j = 0; j < globalIndex.length; j++) {
            int r = rank[globalIndex[j]];
            if (r >= lo && r < hi) {
                keys[m++] = ((long) r << 32) | j;
            }
        }
        Arrays.sort(keys, 0, m);
        int[][] out = new int[steps][];
        int i = 0;
        for (int s = 0; s < steps; s++) {
            long end = ((long) lo + (long) batchSize * (s + 1)) << 32;
            int first = i;
            while (i < m && keys[i] < end) {
                i++;
            }
            out[s] = new int[i - first];
            for (int j = first; j < i; j++) {
                out[s][j - first] = (int) keys[j];
            }
        }
        return out;
    }

    /**
     * The rows' features, standardized by {@code scaling} (--normalize), and labels as tensors made by {@link
     * Tensor#empty}: inside a {@link Tensor#recycling()} scope they reuse the previous step's memory. Training images are
     * then augmented by {@code augment} (null: none; {@link #augmentation}), drawing from {@code net}'s generator in row
     * order, as jgrad train's DataLoader augments after standardizing. Modified: net's generator, with augment.
     */
    private static Tensor[] gather(Block block, int[] rows, Standardization scaling, int[] sampleShape, float[] augment, Net net) {
        int width = block.width();
        // images travel as flat rows: the network's [N, C, H, W] is the same values in the same order
        int[] shape = new int[sampleShape.length + 1];
        shape[0] = rows.length;
        System.arraycopy(sampleShape, 0, shape, 1, sampleShape.length);
        Tensor features = Tensor.empty(DType.FLOAT32, shape), labels = Tensor.empty(DType.FLOAT32, rows.length);
        float[] x = features.floatStorage(), y = labels.floatStorage();
        for (int i = 0; i < rows.length; i++) {
            block.copyRow(rows[i], x, i * width);
            y[i] = block.labels()[rows[i]];
        }
        if (!scaling.isNone()) {
            scaling.apply(x, 0, rows.length, width);
        }
        if (augment != null) {
            Augmentation a = augmentation(augment);
            float[] scratch = new float[width];
            for (int i = 0; i < rows.length; i++) {
                a.apply(x, i * width, sampleShape[0], sampleShape[1], sampleShape[2], net.dropout(), scratch);
            }
        }
        return new Tensor[] {features, labels};
    }

    /** An augmentation as it travels to the tasks: {flip (1 or 0), the largest shift, the fill}; null for none. */
    static float[] encode(Augmentation a) {
        return a == null || a.isIdentity() ? null : new float[] {a.horizontalFlip() ? 1 : 0, a.maxShift(), a.fill()};
    }

    private static Augmentation augmentation(float[] encoded) {
        return new Augmentation(encoded[0] == 1, (int) encoded[1], encoded[2]);
    }

    /**
     * Cross-entropy summed over the samples: with class weights w ({@code classWeights}, one per class; null for none)
     * sum_i w[t_i] l_i, as PyTorch's {@code CrossEntropyLoss(weight, reduction="sum")}.
     */
    private static CrossEntropyLoss summedLoss(double[] classWeights) {
        return classWeights == null ? new CrossEntropyLoss(Reduction.SUM, 0)
                : new CrossEntropyLoss(Tensor.of(classWeights), Reduction.SUM, 0);
    }

    private static int correct(Tensor output, Tensor labels) {
        float[] predicted = output.argmax(1, false).toFloatArray();
        float[] y = labels.toFloatArray();
        int c = 0;
        for (int i = 0; i < y.length; i++) {
            c += predicted[i] == y[i] ? 1 : 0;
        }
        return c;
    }

    /**
     * {@link #gradientSum(Block, Standardization, String, float[], int[], int, int, double[], long, float[])} with
     * epochSeed 0 and no augmentation.
     */
    static Tuple2<float[], double[]> gradientSum(Block block, Standardization scaling, String spec, float[] weights, int[] rank,
                                                 int batchSize, int step, double[] classWeights) {
        return gradientSum(block, scaling, spec, weights, rank, batchSize, step, classWeights, 0, null);
    }

    /**
     * The sum over this block's rows in global batch {@code step} (ranks [step*B, step*B+B)) of the per-sample
     * cross-entropy gradients (each weighted by its class's weight w[t_i], with {@code classWeights}; null for none),
     * flattened in parameter order (float32, as the backward pass computes it: half the bytes of double, and under
     * Spark's 1 MB limit for results sent directly for networks up to ~260k parameters), and the {@link #STATS}
     * numbers, whose {@link #WEIGHT} is the global mean's share of its denominator sum_i w[t_i]. The features are
     * standardized by {@code scaling} (--normalize). {@code weights} holds the parameters then the buffers
     * ({@link FlatParameters}); after the gradients come the buffers as this partition's forward pass left them (a batch
     * norm layer's running statistics, updated from its rows' batch statistics), which {@link #addPartial} weighs by the
     * partition's rows. Dropout masks, and the changes of {@code augment} ({@link #encode}; null: none), are drawn from a
     * generator seeded by {@code epochSeed}, the step and the partition ({@link #dropoutSeed}).
     */
    static Tuple2<float[], double[]> gradientSum(Block block, Standardization scaling, String spec, float[] weights, int[] rank,
                                                 int batchSize, int step, double[] classWeights, long epochSeed, float[] augment) {
        long start = System.nanoTime();
        float[] out = new float[weights.length];
        double[] stats = new double[STATS];
        int[] rows = rowsOf(block.index(), rank, step * batchSize, step * batchSize + batchSize);
        if (rows.length > 0) {
            Net n = model(spec, weights, true);
            Sequential net = n.model();
            seedDropout(n, epochSeed, step);
            checkShare(n, rows.length, batchSize, step);
            try (var memory = Tensor.recycling()) { // activations and gradients reuse the previous task's memory
                Tensor[] xy = gather(block, rows, scaling, n.sampleShape(), augment, n);
                Tensor output = net.forward(xy[0]);
                CrossEntropyLoss ce = summedLoss(classWeights);
                Tensor loss = ce.forward(output, xy[1]);
                loss.backward();
                int offset = 0;
                for (Tensor p : net.namedParameters().values()) {
                    float[] g = p.grad().toFloatArray();
                    System.arraycopy(g, 0, out, offset, g.length);
                    offset += g.length;
                }
                for (Tensor b : FlatParameters.buffers(net).values()) {
                    float[] v = b.toFloatArray();
                    System.arraycopy(v, 0, out, offset, v.length);
                    offset += v.length;
                }
                stats[LOSS] = loss.item();
                stats[COUNT] = rows.length;
                stats[CORRECT] = correct(output, xy[1]);
                stats[WEIGHT] = ce.batchWeight(output, xy[1]);
            }
        }
        stats[NANOS] = System.nanoTime() - start;
        return new Tuple2<>(out, stats);
    }

    /** {@link #addPartial(double[], Tuple2, int)} for a network without buffers. Modified: sum. */
    static void addPartial(double[] sum, Tuple2<float[], double[]> partial) {
        addPartial(sum, partial, partial._1().length);
    }

    /**
     * Adds a partition's result into {@code sum}: its gradient values (those before {@code firstBuffer}), its buffer
     * values times its rows (divided by the batch's rows, the sum is their average weighted by rows), then the stats
     * (NANOS takes the maximum). Modified: sum.
     */
    static void addPartial(double[] sum, Tuple2<float[], double[]> partial, int firstBuffer) {
        float[] g = partial._1();
        double rows = partial._2()[COUNT];
        for (int i = 0; i < firstBuffer; i++) {
            sum[i] += g[i];
        }
        for (int i = firstBuffer; i < g.length; i++) {
            sum[i] += rows * g[i];
        }
        double[] stats = partial._2();
        int s = g.length;
        for (int i = 0; i < STATS; i++) {
            sum[s + i] = i == NANOS ? Math.max(sum[s + i], stats[i]) : sum[s + i] + stats[i];
        }
    }

    /**
     * Loss sum, sample count, correct predictions and weight sum over the whole block, in chunks of 1024 rows, its
     * features standardized by {@code scaling} (with {@code classWeights}, or null, as {@link #gradientSum}), in eval mode
     * (batch norm on the running statistics in {@code weights}, no dropout).
     */
    static double[] evaluate(Block block, Standardization scaling, String spec, float[] weights, double[] classWeights) {
        double[] out = new double[STATS];
        int n = block.rows();
        if (n == 0) {
            return out;
        }
        Net built = model(spec, weights, false);
        Sequential net = built.model();
        try (var scope = Tensor.noGrad()) {
            for (int lo = 0; lo < n; lo += 1024) {
                stopIfKilled();
                int[] rows = new int[Math.min(1024, n - lo)];
                Arrays.setAll(rows, i -> i);
                for (int i = 0; i < rows.length; i++) {
                    rows[i] += lo;
                }
                try (var memory = Tensor.recycling()) {
                    Tensor[] xy = gather(block, rows, scaling, built.sampleShape(), null, built);
                    Tensor output = net.forward(xy[0]);
                    CrossEntropyLoss ce = summedLoss(classWeights);
                    out[LOSS] += ce.forward(output, xy[1]).item();
                    out[COUNT] += rows.length;
                    out[CORRECT] += correct(output, xy[1]);
                    out[WEIGHT] += ce.batchWeight(output, xy[1]);
                }
            }
        }
        return out;
    }

    /**
     * Local SGD: starting from the driver's weights and optimizer state, runs one optimizer step per global batch
     * {@code firstStep .. firstStep+steps-1} on this block's rows of that batch (mean loss over those rows, weighted
     * by {@code classWeights} as {@link #gradientSum}, or null; a batch with none of them is skipped, and one whose
     * rows all weigh 0 has a zero gradient, as in jgrad train). Each step's gradient norms are taken, and with
     * {@code clipNorm} &gt; 0 the gradient is then clipped to that global L2 norm, as jgrad train takes and clips each of
     * its steps' ({@link GradientClipping}). The state arrives as {@link RoundState#pack} lays it out: {@code packed} =
     * weights, then the tensor buffers named {@code keys[0..]}; {@code scalars} = the values of the remaining keys.
     * Returns the same layout after the steps (keys, packed values, then {@link #STATS} stats, the steps taken
     * ({@link #LOCAL_STEPS}), where it diverged ({@link #DIVERGED_STEP}), each parameter's summed gradient norm from
     * {@link #NORMS} on, and the scalar values); a local step whose loss or gradient is not finite is not taken, and
     * the partition takes no more, as the Trainer stops there (the driver then stops the run). A
     * block that used no rows returns no keys and an empty array, only stats (COUNT 0). The features are standardized
     * by {@code scaling}. The weights in {@code packed} are followed by the model's buffers ({@link FlatParameters}), and
     * come back so: a batch norm layer's running statistics as this partition's steps left them. Each local step's dropout
     * masks, and the changes of {@code augment} (null: none), are drawn from a generator seeded by {@code epochSeed}, its
     * global step and the partition ({@link #dropoutSeed}).
     */
    static Tuple3<String[], float[], double[]> localSteps(Block block, Standardization scaling, String spec, String optimizer,
                                                         double[] optimizerSettings, float[] packed, String[] keys, double[] scalars,
                                                         int[] rank, int batchSize, int firstStep, int steps,
                                                         double[] classWeights, double clipNorm, long epochSeed, float[] augment) {
        long start = System.nanoTime();
        double[] stats = new double[STATS];
        Net n = null;
        Sequential net = null;
        Optimizer opt = null;
        List<Tensor> params = null;
        GradientNorms norms = null;
        int[][] batches = rowsOfBatches(block.index(), rank, firstStep * batchSize, batchSize, steps);
        int divergedStep = 0, divergedParam = -1;
        double divergedLoss = 0;
        for (int j = 0; j < batches.length && divergedStep == 0; j++) {
            stopIfKilled();
            int[] rows = batches[j];
            if (rows.length == 0) {
                continue;
            }
            if (net == null) {
                n = model(spec, packed, true);
                net = n.model();
                opt = new OptimizerSpec(optimizer, optimizerSettings[0], optimizerSettings[1], optimizerSettings[2])
                        .create(net.namedParameters());
                opt.loadStateDict(RoundState.unpack(packed, keys, scalars, net));
                params = List.copyOf(net.namedParameters().values());
                norms = new GradientNorms(net.namedParameters().keySet());
            }
            opt.zeroGrad();
            // as the Trainer: the step's batch, activations and gradients reuse the previous step's memory
            seedDropout(n, epochSeed, firstStep + j);
            checkShare(n, rows.length, batchSize, firstStep + j);
            try (var memory = Tensor.recycling()) {
                Tensor[] xy = gather(block, rows, scaling, n.sampleShape(), augment, n);
                Tensor output = net.forward(xy[0]);
                CrossEntropyLoss ce = summedLoss(classWeights);
                Tensor loss = ce.forward(output, xy[1]);
                double weight = ce.batchWeight(output, xy[1]);
                double value = loss.item();
                // a sum over rows that all weigh 0 is 0, and so is its gradient: divided by 1, not by 0
                double mean = value / (weight == 0 ? 1 : weight);
                if (!Double.isFinite(mean)) { // as the Trainer: no step from it, and the driver stops the run
                    divergedStep = firstStep + j + 1;
                    divergedLoss = mean;
                    break;
                }
                stats[LOSS] += value;
                stats[COUNT] += rows.length;
                stats[CORRECT] += correct(output, xy[1]);
                stats[WEIGHT] += weight;
                loss.div(weight == 0 ? 1 : weight).backward();
            }
            int notFinite = norms.addStep(params); // before clipping, as jgrad train takes them
            if (notFinite >= 0) {
                divergedStep = firstStep + j + 1;
                divergedParam = notFinite;
                break;
            }
            if (clipNorm > 0) {
                GradientClipping.clipToNorm(params, clipNorm, norms.lastTotal()); // the norms addStep just took
            }
            opt.step();
        }
        stats[NANOS] = System.nanoTime() - start;
        if (net == null) {
            return new Tuple3<>(new String[0], new float[0], stats);
        }
        RoundState out = RoundState.pack(net, opt.stateDict());
        double[] numbers = Arrays.copyOf(stats, NORMS + params.size() + out.scalars().length);
        numbers[LOCAL_STEPS] = norms.steps();
        numbers[DIVERGED_STEP] = divergedStep;
        numbers[DIVERGED_LOSS] = divergedLoss;
        numbers[DIVERGED_PARAM] = divergedParam;
        int i = NORMS;
        for (double sum : norms.sums().values()) {
            numbers[i++] = sum;
        }
        System.arraycopy(out.scalars(), 0, numbers, i, out.scalars().length);
        return new Tuple3<>(out.keys(), out.packed(), numbers);
    }

    /** Element-wise sum, the last {@link #STATS} entries being stats. Modified: a. Returns a. */
    static double[] addGradients(double[] a, double[] b) {
        int s = a.length - STATS;
        double nanos = Math.max(a[s + NANOS], b[s + NANOS]);
        add(a, b);
        a[s + NANOS] = nanos;
        return a;
    }

    static double[] addStats(double[] a, double[] b) {
        return addGradients(a, b);
    }

    private static double[] add(double[] a, double[] b) {
        for (int i = 0; i < a.length; i++) {
            a[i] += b[i];
        }
        return a;
    }
}
