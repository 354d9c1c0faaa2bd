package io.jgrad.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.jgrad.data.TensorDataset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A task that fails once and is retried (master local[2,4] allows 4 failures) must not change the result. */
class SparkTrainerRetryTest {
    private static SparkSession spark;
    private static JavaSparkContext jsc;
    private static final TensorDataset DATA = SyntheticData.make(256, 9);
    /** Counts how often partition 1's block was computed; the 6th computation's first attempt throws. */
    private static final AtomicInteger PARTITION_ONE_RUNS = new AtomicInteger();
    private static final AtomicInteger FAILURES = new AtomicInteger();

    @BeforeAll
    static void start() {
        spark = SparkSession.builder().master("local[2,4]").appName("SparkTrainerRetryTest")
                .config("spark.ui.enabled", "false").getOrCreate();
        jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    /** The synthetic data in 2 partitions, optionally recomputed for every task with one planted failure. */
    private static DistributedDataset data(boolean failOnce) {
        int n = DATA.size();
        float[] x = DATA.features().toFloatArray();
        float[] y = DATA.targets().toFloatArray();
        List<Block> slices = new ArrayList<>();
        for (int p = 0; p < 2; p++) {
            int lo = n * p / 2, hi = n * (p + 1) / 2;
            Block.Builder block = new Block.Builder(hi - lo, 20);
            for (int i = lo; i < hi; i++) {
                block.add(i, x, i * 20, y[i]);
            }
            slices.add(block.build());
        }
        var rdd = jsc.parallelize(slices, 2).map(block -> {
            TaskContext tc = TaskContext.get();
            if (failOnce && tc.partitionId() == 1 && PARTITION_ONE_RUNS.incrementAndGet() == 6 && tc.attemptNumber() == 0) {
                FAILURES.incrementAndGet();
                throw new IllegalStateException("planted failure of partition 1 (attempt 0)");
            }
            return block;
        });
        DistributedDataset data = new DistributedDataset(rdd, 3);
        if (failOnce) {
            data.blocks().unpersist(true); // every training task now recomputes its block, so the failure hits a step
        }
        return data;
    }

    private static Map<String, float[]> train(DistributedDataset data) {
        SparkTrainer trainer = new SparkTrainer(jsc, SyntheticData.SPEC, new OptimizerSpec("adam", 0.01, 0, 0), 4)
                .batchSize(32).epochs(2);
        trainer.fit(data, null);
        return SyntheticData.weights(trainer.model());
    }

    @Test
    void aRetriedTaskGivesTheSameWeights() {
        Map<String, float[]> clean = train(data(false));
        Map<String, float[]> retried = train(data(true));
        assertEquals(1, FAILURES.get(), "exactly one task failed on purpose");
        // Two partial sums are added in either order with the same result, so the weights are bit-identical.
        clean.forEach((name, w) -> assertArrayEquals(w, retried.get(name), name));
    }
}
