package io.jgrad.spark;

import io.jgrad.data.DataLoader;
import io.jgrad.data.IdxDataset;
import io.jgrad.data.TensorDataset;
import io.jgrad.nn.CrossEntropyLoss;
import io.jgrad.nn.Sequential;
import io.jgrad.optim.Optimizer;
import io.jgrad.tensor.Generator;
import io.jgrad.train.EpochMetrics;
import io.jgrad.train.Task;
import io.jgrad.train.Trainer;
import java.nio.file.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;

/**
 * Not a test: {@code java ... io.jgrad.spark.FashionBenchmark DIR EPOCHS MODE...} with MODE = single, sync, local4,
 * local8. Fashion-MNIST 784-256-128-10 ReLU, Adam 1e-3, batch 64, local[2] with 2 partitions.
 */
public final class FashionBenchmark {
    private FashionBenchmark() {}

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        int epochs = Integer.parseInt(args[1]);
        MlpSpec spec = new MlpSpec(784, new int[] {256, 128}, 10, "relu", "none");
        OptimizerSpec adam = new OptimizerSpec("adam", 1e-3, 0, 0);
        SparkSession spark = null;
        for (int a = 2; a < args.length; a++) {
            String mode = args[a];
            if (mode.equals("single")) {
                TensorDataset train = IdxDataset.load(dir, true, true), test = IdxDataset.load(dir, false, true);
                Sequential model = spec.build(new Generator(42));
                Optimizer opt = adam.create(model.namedParameters());
                Trainer t = new Trainer(model, new CrossEntropyLoss(), opt, Task.CLASSIFICATION).epochs(epochs);
                long t0 = System.nanoTime();
                var h = t.fit(new DataLoader(train, 64, true, false, new Generator(43)), new DataLoader(test, 1000, false, false, null));
                System.out.printf("single: %d epochs in %.1f s%n", epochs, (System.nanoTime() - t0) / 1e9);
                for (EpochMetrics m : h.epochs()) {
                    System.out.printf("single epoch %d: %.1f s, train loss %.4f, test acc %.4f%n", m.epoch(), m.seconds(), m.trainLoss(), m.valAccuracy());
                }
                continue;
            }
            if (spark == null) {
                SparkSession.Builder builder = SparkSession.builder().master("local[2]").appName("bench").config("spark.ui.enabled", "false");
                // -Dconf.spark.x=y overrides or adds Spark settings, to compare them
                System.getProperties().stringPropertyNames().stream().filter(k -> k.startsWith("conf."))
                        .forEach(k -> builder.config(k.substring(5), System.getProperty(k)));
                spark = builder.getOrCreate();
            }
            JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
            DistributedDataset train = DistributedDataset.readIdx(spark, dir, true, 2);
            DistributedDataset test = DistributedDataset.readIdx(spark, dir, false, 2);
            int k = mode.equals("sync") ? 1 : Integer.parseInt(mode.substring(5));
            long t0 = System.nanoTime();
            SparkTrainer t = new SparkTrainer(jsc, spec, adam, 42).batchSize(64).epochs(epochs).localSteps(k);
            t.callback(new io.jgrad.train.Callback() {
                @Override
                public boolean onEpochEnd(EpochMetrics m) {
                    System.out.printf("%s epoch %d: %.1f s, train loss %.4f, test acc %.4f, overhead %.2f ms per step/round%n",
                            mode, m.epoch(), m.seconds(), m.trainLoss(), m.valAccuracy(), t.stepOverheadMillis());
                    return false;
                }
            });
            t.fit(train, test);
            System.out.printf("%s: %d epochs in %.1f s%n", mode, epochs, (System.nanoTime() - t0) / 1e9);
            train.unpersist();
            test.unpersist();
        }
        if (spark != null) {
            spark.stop();
        }
    }
}
