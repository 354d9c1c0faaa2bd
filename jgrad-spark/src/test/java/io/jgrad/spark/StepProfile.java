package io.jgrad.spark;

import io.jgrad.data.Standardization;
import io.jgrad.tensor.Tensor;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;
import scala.Tuple2;

/**
 * Not a test: {@code java ... io.jgrad.spark.StepProfile DIR STEPS [BROADCAST_COMPRESS [THREADS [direct]]]}: where a
 * synchronous step's time goes (Fashion-MNIST 784-256-128-10, Adam, batch 64, local[2], 2 partitions). Tasks run
 * in the driver JVM in local mode, so System.nanoTime() is comparable between driver and tasks. Prints medians over
 * STEPS steps per phase (the first STEPS/5, at most 10, left out). THREADS sets the kernel threads first;
 * {@code direct} times the partition's gradient without Spark. {@code -Dclosure=1} sends the weights in the task
 * closure instead of a Broadcast; {@code -Dtiny=1} first times a job over a 2-element RDD (Spark's floor).
 */
public final class StepProfile {
    private StepProfile() {}

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        int steps = Integer.parseInt(args[1]);
        String compress = args.length > 2 ? args[2] : "true";
        SparkSession spark = SparkSession.builder().master("local[2]").appName("profile").config("spark.ui.enabled", "false")
                .config("spark.broadcast.compress", compress).getOrCreate();
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        DistributedDataset train = DistributedDataset.readIdx(spark, dir, true, 2);
        MlpSpec spec = new MlpSpec(784, new int[] {256, 128}, 10, "relu", "none");
        SparkTrainer t = new SparkTrainer(jsc, spec, new OptimizerSpec("adam", 1e-3, 0, 0), 42);
        int n = train.size();
        int[] order = new int[n];
        Arrays.setAll(order, i -> i);
        t.shuffleGenerator().shuffle(order);
        int[] rank = new int[n];
        for (int i = 0; i < n; i++) {
            rank[order[i]] = i;
        }
        Broadcast<int[]> rankB = jsc.broadcast(rank);
        String encoded = spec.encode();
        if (System.getProperty("tiny") != null) {
            var tiny = jsc.parallelize(List.of(1, 2), 2).cache();
            tiny.count();
            double[] v = new double[steps];
            for (int s = 0; s < steps; s++) {
                long a = System.nanoTime();
                tiny.map(x -> x + 1).collect();
                v[s] = (System.nanoTime() - a) / 1e6;
            }
            Arrays.sort(v);
            System.out.printf("tiny job median %.2f ms, p10 %.2f ms%n", v[steps / 2], v[steps / 10]);
        }
        if (args.length > 3) { // kernel threads
            io.jgrad.tensor.Backends.setThreads(Integer.parseInt(args[3]));
        }
        System.out.println("kernels: " + io.jgrad.tensor.Backends.name() + ", threads " + io.jgrad.tensor.Backends.threads());
        if (args.length > 4) { // direct: gradientSum on the driver, no Spark
            var block = train.blocks().first();
            float[] w = FlatParameters.pack(t.model());
            double[] v = new double[steps];
            for (int s = 0; s < steps; s++) {
                long a = System.nanoTime();
                PartitionWorker.gradientSum(block, Standardization.NONE, encoded, w, rank, 64, s, null);
                v[s] = (System.nanoTime() - a) / 1e6;
            }
            Arrays.sort(v);
            System.out.printf("direct gradientSum (%s, %d threads) median %.2f ms%n", io.jgrad.tensor.Backends.name(),
                    io.jgrad.tensor.Backends.threads(), v[steps / 2]);
            spark.stop();
            return;
        }
        String[] names = {"pack", "broadcast", "submit->first task", "task compute (max)", "last task end->result", "driver sum",
            "optimizer", "total", "empty job"};
        double[][] ms = new double[names.length][steps];
        for (int s = 0; s < steps; s++) {
            long a = System.nanoTime();
            float[] w = FlatParameters.pack(t.model());
            long b = System.nanoTime();
            boolean closure = System.getProperty("closure") != null;
            Broadcast<float[]> wB = closure ? null : jsc.broadcast(w);
            long c = System.nanoTime();
            int step = s;
            List<Tuple2<long[], Tuple2<float[], double[]>>> parts = train.blocks().map(block -> {
                long ts = System.nanoTime();
                var g = PartitionWorker.gradientSum(block, Standardization.NONE, encoded, closure ? w : wB.value(), rankB.value(), 64,
                        step, null);
                return new Tuple2<>(new long[] {ts, System.nanoTime()}, g);
            }).collect();
            long d = System.nanoTime();
            if (wB != null) {
                wB.destroy();
            }
            double[] total = new double[w.length + PartitionWorker.STATS];
            for (var p : parts) {
                PartitionWorker.addPartial(total, p._2());
            }
            long e = System.nanoTime();
            t.optimizer().zeroGrad();
            int off = 0;
            for (Tensor p : t.model().namedParameters().values()) {
                p.setGrad(FlatParameters.slice(total, off, p.shape(), 64));
                off += p.numel();
            }
            t.optimizer().step();
            long f = System.nanoTime();
            long firstStart = Long.MAX_VALUE, lastEnd = 0, maxCompute = 0;
            for (var p : parts) {
                firstStart = Math.min(firstStart, p._1()[0]);
                lastEnd = Math.max(lastEnd, p._1()[1]);
                maxCompute = Math.max(maxCompute, p._1()[1] - p._1()[0]);
            }
            long g0 = System.nanoTime();
            train.blocks().map(block -> block.rows()).collect();
            long g1 = System.nanoTime();
            double[] row = {b - a, c - b, firstStart - c, maxCompute, d - lastEnd, e - d, f - e, f - a, g1 - g0};
            for (int i = 0; i < row.length; i++) {
                ms[i][s] = row[i] / 1e6;
            }
        }
        int skip = Math.min(10, steps / 5); // warm-up
        for (int i = 0; i < names.length; i++) {
            double[] v = Arrays.copyOfRange(ms[i], skip, steps);
            Arrays.sort(v);
            System.out.printf("%-24s median %7.2f ms  p90 %7.2f ms%n", names[i], v[v.length / 2], v[(int) (v.length * 0.9)]);
        }
        spark.stop();
    }
}
