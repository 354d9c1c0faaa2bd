package io.jgrad.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jgrad.data.Standardization;
import io.jgrad.data.TensorDataset;
import io.jgrad.nn.CrossEntropyLoss;
import io.jgrad.nn.Reduction;
import io.jgrad.nn.Sequential;
import io.jgrad.tensor.Generator;
import io.jgrad.tensor.Tensor;
import io.jgrad.train.EpochMetrics;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.apache.spark.SparkException;
import org.apache.spark.TaskContext;
import org.apache.spark.TaskKilledException;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * One synchronous step, checked directly: the partitions' gradient sums, added and divided by the batch size, equal the
 * single-machine mean-loss gradient of the same global batch, also with uneven or empty partitions and for the last,
 * partial batch; and whole runs over such layouts still match single-machine training.
 */
class SparkGradientTest {
    private static SparkSession spark;
    private static JavaSparkContext jsc;
    /** 100 rows: with batch 32 the last global batch holds 4. */
    private static final TensorDataset DATA = SyntheticData.make(100, 13);

    @BeforeAll
    static void start() {
        spark = SparkSession.builder().master("local[2]").appName("SparkGradientTest")
                .config("spark.ui.enabled", "false").getOrCreate();
        jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    @ParameterizedTest(name = "{0} partitions, step {1}")
    @CsvSource({"1, 0", "2, 1", "3, 3", "7, 0", "7, 3", "150, 2", "150, 3"})
    void summedPartitionGradientsEqualTheSingleMachineGradient(int partitions, int step) {
        assertStepMatchesSingleMachine(partitions, step, null);
    }

    /**
     * With class weights w the partitions' weighted sums, divided by the global batch's total of w[t_i] (not by its
     * size, nor per partition), give the single-machine gradient of sum_i w[t_i] l_i / sum_i w[t_i] over the batch.
     */
    @ParameterizedTest(name = "{0} partitions, step {1}")
    @CsvSource({"3, 0", "7, 3"})
    void classWeightedPartitionGradientsEqualTheSingleMachineWeightedMeansGradient(int partitions, int step) {
        assertStepMatchesSingleMachine(partitions, step, new double[] {0.5, 3, 1.25});
    }

    /** One synchronous step's partition sums against the single-machine gradient; {@code classWeights} may be null. */
    private static void assertStepMatchesSingleMachine(int partitions, int step, double[] classWeights) {
        int b = 32, n = DATA.size();
        DistributedDataset data = DistributedDataset.of(jsc, DATA, partitions);
        Sequential model = SyntheticData.SPEC.build(new Generator(21));
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        new Generator(22).shuffle(order);
        int[] rank = new int[n];
        for (int i = 0; i < n; i++) {
            rank[order[i]] = i;
        }
        float[] weights = FlatParameters.pack(model);
        String encoded = SyntheticData.SPEC.encode();
        double[] total = new double[weights.length + PartitionWorker.STATS];
        for (var partial : data.blocks().map(block -> PartitionWorker.gradientSum(block, Standardization.NONE, encoded, weights, rank,
                b, step, classWeights)).collect()) {
            PartitionWorker.addPartial(total, partial);
        }
        int lo = step * b, hi = Math.min(n, lo + b);
        assertEquals(hi - lo, total[weights.length + PartitionWorker.COUNT], "every row of the batch counted once");

        // single machine: the batch's rows in permutation order, mean cross-entropy (weighted: PyTorch's), backward
        float[] x = DATA.features().toFloatArray(), y = DATA.targets().toFloatArray();
        float[] bx = new float[(hi - lo) * 20], by = new float[hi - lo];
        double weightSum = 0;
        for (int i = lo; i < hi; i++) {
            System.arraycopy(x, order[i] * 20, bx, (i - lo) * 20, 20);
            by[i - lo] = y[order[i]];
            weightSum += classWeights == null ? 1 : classWeights[(int) by[i - lo]];
        }
        assertEquals(weightSum, total[weights.length + PartitionWorker.WEIGHT], 1e-12, "the batch's sum of w[t_i]");
        model.zeroGrad();
        CrossEntropyLoss ce = classWeights == null ? new CrossEntropyLoss()
                : new CrossEntropyLoss(Tensor.of(classWeights), Reduction.MEAN, 0);
        Tensor loss = ce.forward(model.forward(Tensor.of(bx, hi - lo, 20)), Tensor.of(by, hi - lo));
        loss.backward();
        assertEquals(loss.item() * weightSum, total[weights.length + PartitionWorker.LOSS], 1e-4);
        int offset = 0;
        for (Map.Entry<String, Tensor> e : model.namedParameters().entrySet()) {
            float[] expected = e.getValue().grad().toFloatArray();
            float[] actual = FlatParameters.slice(total, offset, e.getValue().shape(), total[weights.length + PartitionWorker.WEIGHT])
                    .toFloatArray();
            assertArrayEquals(expected, actual, 1e-5f, e.getKey());
            offset += expected.length;
        }
        data.unpersist();
    }

    /**
     * Whole runs with class weights over uneven partitions: the weights, each epoch's training loss (the weighted mean
     * over the epoch's samples, as jgrad train reports it) and the validation loss equal single-machine training's.
     */
    @Test
    void aClassWeightedRunMatchesSingleMachineTrainingAndItsWeightedLosses() {
        double[] w = {0.5, 3, 1.25};
        DistributedDataset data = DistributedDataset.of(jsc, DATA, 3);
        OptimizerSpec opt = new OptimizerSpec("sgd", 0.05, 0.9, 0);
        List<EpochMetrics> reference = new ArrayList<>();
        Sequential single = SyntheticData.singleMachine(DATA, DATA, new CrossEntropyLoss(Tensor.of(w), Reduction.MEAN, 0), opt, 5,
                32, 2, reference);
        SparkTrainer trainer = new SparkTrainer(jsc, SyntheticData.SPEC, opt, 5).batchSize(32).epochs(2).classWeights(w);
        List<EpochMetrics> history = trainer.fit(data, data).epochs();
        SyntheticData.weights(single).forEach((name, v) -> assertArrayEquals(v, SyntheticData.weights(trainer.model()).get(name),
                1e-5f, name));
        for (int e = 0; e < 2; e++) {
            assertEquals(reference.get(e).trainLoss(), history.get(e).trainLoss(), 1e-5, "epoch " + (e + 1) + " train loss");
            assertEquals(reference.get(e).valLoss(), history.get(e).valLoss(), 1e-5, "epoch " + (e + 1) + " validation loss");
        }
        // the unweighted mean differs: the test tells the two apart
        SparkTrainer unweighted = new SparkTrainer(jsc, SyntheticData.SPEC, opt, 5).batchSize(32).epochs(1);
        assertTrue(Math.abs(unweighted.fit(data, null).epochs().get(0).trainLoss() - history.get(0).trainLoss()) > 1e-3);
        data.unpersist();
    }

    /**
     * Local SGD with class weights averages the partitions' states weighted by each one's sum of w[t_i] over its rows
     * of the round, the weighted mean's denominator, not by its rows. With one local step per round (here the epoch's
     * only batch, all 100 rows), each partition's SGD step (momentum included: linear in the gradient) moves by the
     * gradient of sum_i w[t_i] l_i / W_p over its rows, and the average weighted by W_p / W is the step of
     * sum_i w[t_i] l_i / W over the whole batch: the single machine's, and the weights must be its weights. Averaged by
     * rows, as before, the partitions whose rows weigh more per row counted for less than their share of the loss, and
     * the weights differed from single-machine training's.
     */
    @Test
    void classWeightedLocalSgdAveragesThePartitionsByTheirSumsOfClassWeights() {
        double[] w = {0.5, 3, 1.25};
        DistributedDataset data = DistributedDataset.of(jsc, DATA, 3);
        OptimizerSpec opt = new OptimizerSpec("sgd", 0.05, 0.9, 0);
        Sequential single = SyntheticData.singleMachine(DATA, null, new CrossEntropyLoss(Tensor.of(w), Reduction.MEAN, 0), opt, 5,
                100, 3, new ArrayList<>());
        SparkTrainer trainer = new SparkTrainer(jsc, SyntheticData.SPEC, opt, 5).batchSize(100).epochs(3).classWeights(w)
                .localSteps(2); // rounds of one step: an epoch has one
        trainer.fit(data, null);
        SyntheticData.weights(single).forEach((name, v) -> assertArrayEquals(v, SyntheticData.weights(trainer.model()).get(name),
                1e-5f, name));
        data.unpersist();
    }

    @ParameterizedTest(name = "{0} partitions")
    @CsvSource({"3", "7", "150"})
    void unevenAndEmptyPartitionsWithAPartialLastBatchMatchSingleMachineTraining(int partitions) {
        DistributedDataset data = DistributedDataset.of(jsc, DATA, partitions);
        OptimizerSpec opt = new OptimizerSpec("adam", 0.01, 0, 0);
        Map<String, float[]> reference = SyntheticData.singleMachine(DATA, opt, 5, 32, 2);
        SparkTrainer trainer = new SparkTrainer(jsc, SyntheticData.SPEC, opt, 5).batchSize(32).epochs(2);
        var history = trainer.fit(data, null).epochs();
        reference.forEach((name, w) -> assertArrayEquals(w, SyntheticData.weights(trainer.model()).get(name), 1e-5f, name));
        assertEquals(8, trainer.optimizer().stepCount());
        // the same seed and partition count give the same bits
        SparkTrainer again = new SparkTrainer(jsc, SyntheticData.SPEC, opt, 5).batchSize(32).epochs(2);
        var history2 = again.fit(data, null).epochs();
        SyntheticData.weights(trainer.model()).forEach((name, w) -> assertArrayEquals(w, SyntheticData.weights(again.model()).get(name), name));
        assertEquals(history.get(1).trainLoss(), history2.get(1).trainLoss());
        data.unpersist();
    }

    /** What the second task of {@link #aTaskThatSparkAsksToStopEndsAtItsNextLocalStepOrEvaluationChunk} saw. */
    private static final CompletableFuture<String> LOCAL_STEPS = new CompletableFuture<>(), EVALUATION = new CompletableFuture<>();

    /**
     * A task that Spark asks to stop (another task of its job failed) ends at its next local step or chunk of evaluation,
     * as killed: Spark's kill only sets a flag, and a round of local steps (or an evaluation) ran on to its end while the
     * driver waited for it before stopping Spark. Here the job's second task waits for the flag, then starts a round of
     * ten local steps over its rows, and an evaluation of its block: each ends before its first step or chunk.
     */
    @Test
    void aTaskThatSparkAsksToStopEndsAtItsNextLocalStepOrEvaluationChunk() throws Exception {
        DistributedDataset data = DistributedDataset.of(jsc, DATA, 2);
        Sequential model = SyntheticData.SPEC.build(new Generator(21));
        RoundState state = RoundState.pack(model, new OptimizerSpec("sgd", 0.05, 0, 0).create(model.namedParameters()).stateDict());
        float[] packed = state.packed();
        String[] keys = state.keys();
        double[] scalars = state.scalars();
        float[] weights = FlatParameters.pack(model);
        String encoded = SyntheticData.SPEC.encode();
        int[] rank = new int[DATA.size()];
        Arrays.setAll(rank, i -> i);
        assertThrows(SparkException.class, () -> data.blocks().foreach(block -> {
            TaskContext task = TaskContext.get();
            if (task.partitionId() == 0) {
                throw new IllegalStateException("the task that fails the job");
            }
            long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!task.isInterrupted() && System.nanoTime() < giveUp) {
                LockSupport.parkNanos(1_000_000);
            }
            LOCAL_STEPS.complete(outcome(() -> PartitionWorker.localSteps(block, Standardization.NONE, encoded, "sgd",
                    new double[] {0.05, 0, 0}, packed, keys, scalars, rank, 10, 0, 10, null, 0, 1, null)));
            EVALUATION.complete(outcome(() -> PartitionWorker.evaluate(block, Standardization.NONE, encoded, weights, null)));
        }));
        assertEquals("killed", LOCAL_STEPS.get(60, TimeUnit.SECONDS));
        assertEquals("killed", EVALUATION.get(60, TimeUnit.SECONDS));
        data.unpersist();
    }

    private static String outcome(Runnable work) {
        try {
            work.run();
            return "ran to its end";
        } catch (TaskKilledException e) {
            return "killed";
        }
    }
}
