package io.jgrad.spark;

import io.jgrad.data.IdxDataset;
import io.jgrad.data.TensorDataset;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.ml.classification.MultilayerPerceptronClassificationModel;
import org.apache.spark.ml.classification.MultilayerPerceptronClassifier;
import org.apache.spark.ml.evaluation.MulticlassClassificationEvaluator;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Not a test: {@code java ... io.jgrad.spark.MllibBenchmark DIR MAX_ITER}: Spark MLlib's MultilayerPerceptronClassifier
 * (784-256-128-10, L-BFGS, seed 42) on Fashion-MNIST in local[2] with 2 partitions, the baseline jgrad-spark is
 * compared with. Pixels are scaled to [0, 1] as jgrad reads them. Prints training time, test accuracy and the
 * process's peak RSS (VmHWM).
 */
public final class MllibBenchmark {
    private MllibBenchmark() {}

    private static Dataset<Row> frame(SparkSession spark, TensorDataset data) {
        float[] x = data.features().toFloatArray();
        float[] y = data.targets().toFloatArray();
        int n = data.size(), d = x.length / n;
        List<Row> rows = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            double[] v = new double[d];
            for (int j = 0; j < d; j++) {
                v[j] = x[i * d + j];
            }
            rows.add(RowFactory.create(Vectors.dense(v), (double) y[i]));
        }
        StructType schema = new StructType().add("features", SQLDataTypes.VectorType()).add("label", DataTypes.DoubleType);
        return spark.createDataFrame(rows, schema).repartition(2).cache();
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        int maxIter = Integer.parseInt(args[1]);
        SparkSession spark = SparkSession.builder().master("local[2]").appName("mllib").config("spark.ui.enabled", "false")
                .config("spark.sql.shuffle.partitions", "2").getOrCreate();
        Dataset<Row> train = frame(spark, IdxDataset.load(dir, true, true));
        Dataset<Row> test = frame(spark, IdxDataset.load(dir, false, true));
        System.out.printf("rows: %d train, %d test%n", train.count(), test.count());
        long start = System.nanoTime();
        MultilayerPerceptronClassificationModel model = new MultilayerPerceptronClassifier()
                .setLayers(new int[] {784, 256, 128, 10}).setSolver("l-bfgs").setMaxIter(maxIter).setSeed(42).fit(train);
        double seconds = (System.nanoTime() - start) / 1e9;
        double accuracy = new MulticlassClassificationEvaluator().setMetricName("accuracy").evaluate(model.transform(test));
        String hwm = Files.readAllLines(Path.of("/proc/self/status")).stream().filter(l -> l.startsWith("VmHWM")).findFirst().orElse("?");
        System.out.printf("mllib l-bfgs maxIter %d: %.1f s training, test accuracy %.4f, %s%n", maxIter, seconds, accuracy, hwm);
        spark.stop();
    }
}
