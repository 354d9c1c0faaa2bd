package io.jgrad.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.jgrad.data.TensorDataset;
import io.jgrad.nn.CrossEntropyLoss;
import io.jgrad.nn.Sequential;
import io.jgrad.tensor.Generator;
import io.jgrad.tensor.Tensor;
import java.util.Map;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
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
        for (var partial : data.blocks().map(block -> PartitionWorker.gradientSum(block, Standardization.NONE, encoded, weights, rank, b, step)).collect()) {
            PartitionWorker.addPartial(total, partial);
        }
        int lo = step * b, hi = Math.min(n, lo + b);
        assertEquals(hi - lo, total[weights.length + PartitionWorker.COUNT], "every row of the batch counted once");

        // single machine: the batch's rows in permutation order, mean cross-entropy, backward
        float[] x = DATA.features().toFloatArray(), y = DATA.targets().toFloatArray();
        float[] bx = new float[(hi - lo) * 20], by = new float[hi - lo];
        for (int i = lo; i < hi; i++) {
            System.arraycopy(x, order[i] * 20, bx, (i - lo) * 20, 20);
            by[i - lo] = y[order[i]];
        }
        model.zeroGrad();
        Tensor loss = new CrossEntropyLoss().forward(model.forward(Tensor.of(bx, hi - lo, 20)), Tensor.of(by, hi - lo));
        loss.backward();
        assertEquals(loss.item() * (hi - lo), total[weights.length + PartitionWorker.LOSS], 1e-4);
        int offset = 0;
        for (Map.Entry<String, Tensor> e : model.namedParameters().entrySet()) {
            float[] expected = e.getValue().grad().toFloatArray();
            float[] actual = FlatParameters.slice(total, offset, e.getValue().shape(), hi - lo).toFloatArray();
            assertArrayEquals(expected, actual, 1e-5f, e.getKey());
            offset += expected.length;
        }
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
}
