package io.jgrad.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jgrad.data.TensorDataset;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Training on {@code local-cluster[2,1,1024]}: two executor JVMs started by an in-process standalone cluster, so
 * blocks, weights and gradients really cross process boundaries (serialization, class loading on executors).
 */
class LocalClusterTest {

    @Test
    void trainsOnTwoExecutorJvms(@TempDir Path sparkHome) throws IOException {
        // A standalone worker launches executors from spark.test.home (with spark.testing set) and puts
        // <home>/jars/* on their classpath; the test classpath (Spark, jgrad-core, these classes) goes in front.
        // The launcher also asks <home>/launcher/target/scala-2.13 for the Scala version.
        Files.createDirectories(sparkHome.resolve("jars"));
        Files.createDirectories(sparkHome.resolve("launcher/target/scala-2.13"));
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        System.setProperty("spark.testing", "true");
        System.setProperty("spark.test.home", sparkHome.toString());
        SparkSession spark = SparkSession.builder().master("local-cluster[2,1,1024]").appName("LocalClusterTest")
                .config("spark.ui.enabled", "false")
                .config("spark.executor.memory", "512m")
                .config("spark.executor.extraClassPath", classpath)
                .config("spark.executor.extraJavaOptions", System.getProperty("spark.jvm.options", ""))
                .getOrCreate();
        try {
            JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
            TensorDataset data = SyntheticData.make(256, 13);
            DistributedDataset distributed = DistributedDataset.of(jsc, data, 2);
            List<String> executorHosts = jsc.parallelize(List.of(1, 2, 3, 4), 4)
                    .map(i -> java.lang.management.ManagementFactory.getRuntimeMXBean().getPid() + "").distinct().collect();
            long driverPid = ProcessHandle.current().pid();
            assertTrue(executorHosts.stream().noneMatch(p -> p.equals(Long.toString(driverPid))), "tasks run outside the driver JVM");
            OptimizerSpec sgd = new OptimizerSpec("sgd", 0.05, 0.9, 0);
            SparkTrainer trainer = new SparkTrainer(jsc, SyntheticData.SPEC, sgd, 21).batchSize(64).epochs(1);
            trainer.fit(distributed, null);
            Map<String, float[]> reference = SyntheticData.singleMachine(data, sgd, 21, 64, 1);
            Map<String, float[]> actual = SyntheticData.weights(trainer.model());
            reference.forEach((name, w) -> {
                for (int i = 0; i < w.length; i++) {
                    assertEquals(w[i], actual.get(name)[i], 1e-5, name + "[" + i + "]");
                }
            });
        } finally {
            spark.stop();
            System.clearProperty("spark.testing");
            System.clearProperty("spark.test.home");
        }
    }
}
