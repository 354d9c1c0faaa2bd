package io.jgrad.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jgrad.data.TensorDataset;
import io.jgrad.nn.spec.LayerSpec;
import io.jgrad.nn.spec.NetworkSpec;
import io.jgrad.tensor.Generator;
import io.jgrad.train.Callback;
import io.jgrad.train.EpochMetrics;
import io.jgrad.train.History;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Spark training in local[2] against jgrad's single-machine Trainer over the same global batches. */
class SparkTrainerTest {
    private static SparkSession spark;
    private static JavaSparkContext jsc;
    private static final TensorDataset DATA = SyntheticData.make(512, 7);

    @BeforeAll
    static void start() {
        spark = SparkSession.builder().master("local[2]").appName("SparkTrainerTest")
                .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "2").getOrCreate();
        jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    private static void assertSameWeights(Map<String, float[]> expected, Map<String, float[]> actual, double tolerance) {
        assertEquals(expected.keySet(), actual.keySet());
        expected.forEach((name, w) -> assertArrayEquals(w, actual.get(name), (float) tolerance, name));
    }

    private static void assertMatchesSingleMachine(DistributedDataset data, OptimizerSpec opt, int epochs) {
        assertMatchesSingleMachine(data, opt, epochs, 1);
    }

    private static void assertMatchesSingleMachine(DistributedDataset data, OptimizerSpec opt, int epochs, int treeDepth) {
        Map<String, float[]> reference = SyntheticData.singleMachine(DATA, opt, 3, 32, epochs);
        SparkTrainer trainer = new SparkTrainer(jsc, SyntheticData.SPEC, opt, 3).batchSize(32).epochs(epochs).treeDepth(treeDepth);
        Map<String, float[]> initial = SyntheticData.weights(trainer.model());
        List<EpochMetrics> history = trainer.fit(data, null).epochs();
        assertEquals(epochs, history.size());
        assertTrue(history.get(epochs - 1).trainLoss() < history.get(0).trainLoss(), "training lowers the loss");
        assertTrue(Math.abs(initial.get("0.weight")[0] - trainer.model().namedParameters().get("0.weight").toFloatArray()[0]) > 1e-4,
                "the weights moved");
        assertSameWeights(reference, SyntheticData.weights(trainer.model()), 1e-5);
    }

    /**
     * DistributedDataset.split holds out the rows TensorDataset.split (jgrad train --val-split) holds out, numbered in
     * the same order, so that training on its training part gives single-machine training's weights.
     */
    @Test
    void aValidationSplitHoldsOutTheRowsOfJgradTrainsSplitInItsOrder() {
        DistributedDataset data = DistributedDataset.of(jsc, DATA, 3);
        DistributedDataset.Split parts = data.split(0.25, 11);
        TensorDataset.Split expected = DATA.split(0.25, 11);
        for (var part : List.of(List.of(parts.train(), expected.train()), List.of(parts.validation(), expected.validation()))) {
            DistributedDataset got = (DistributedDataset) part.get(0);
            TensorDataset want = (TensorDataset) part.get(1);
            assertEquals(want.size(), got.size());
            assertEquals(3, got.partitions());
            float[] row = new float[20], label = new float[1];
            for (Block b : got.blocks().collect()) {
                for (int i = 0; i < b.rows(); i++) {
                    want.copySample(b.index()[i], row, 0);
                    want.copyTarget(b.index()[i], label, 0);
                    assertArrayEquals(row, java.util.Arrays.copyOfRange(b.features(), i * 20, i * 20 + 20), "row " + b.index()[i]);
                    assertEquals(label[0], b.labels()[i], "row " + b.index()[i]);
                }
            }
        }
        OptimizerSpec opt = new OptimizerSpec("sgd", 0.05, 0.9, 0);
        SparkTrainer trainer = new SparkTrainer(jsc, SyntheticData.SPEC, opt, 3).batchSize(32).epochs(2);
        trainer.fit(parts.train(), parts.validation());
        assertSameWeights(SyntheticData.singleMachine(expected.train(), opt, 3, 32, 2), SyntheticData.weights(trainer.model()), 1e-5);
        parts.train().unpersist();
        parts.validation().unpersist();
    }

    /** {@code n} random images [1, side, side] labelled 0..2 by the sign and size of their mean pixel. */
    private static TensorDataset images(int n, int side, long seed) {
        Generator g = new Generator(seed);
        float[] x = new float[n * side * side], y = new float[n];
        for (int i = 0; i < n; i++) {
            double sum = 0;
            for (int j = 0; j < side * side; j++) {
                x[i * side * side + j] = (float) g.nextGaussian();
                sum += x[i * side * side + j];
            }
            y[i] = sum > 2 ? 2 : sum > -2 ? 1 : 0;
        }
        return new TensorDataset(io.jgrad.tensor.Tensor.of(x, n, 1, side, side), io.jgrad.tensor.Tensor.of(y, n), 3);
    }

    private static NetworkSpec network(int side, String json) {
        List<LayerSpec> layers = new ArrayList<>();
        List<?> list = (List<?>) io.jgrad.io.Json.parse(json);
        for (int i = 0; i < list.size(); i++) {
            layers.add(LayerSpec.fromJson(list.get(i), null, "layers[" + i + "]"));
        }
        return NetworkSpec.resolve(new int[] {1, side, side}, layers, null, "layers");
    }

    /**
     * A network of layers (a model file's: a convolution) on images, one partition, synchronous: the rows travel flat and
     * are reshaped to [N, 1, 8, 8] on the executor, and two steps give the single-machine Trainer's weights.
     */
    @Test
    void aSmallCnnOnOnePartitionMatchesTheSingleMachineTrainer() {
        TensorDataset data = images(32, 8, 5);
        NetworkSpec net = network(8, "[{\"type\": \"conv2d\", \"out_channels\": 4, \"kernel_size\": 3, \"padding\": 1},"
                + " {\"type\": \"relu\"}, {\"type\": \"maxpool2d\", \"kernel_size\": 2}, {\"type\": \"flatten\"},"
                + " {\"type\": \"linear\", \"out_features\": 3}]");
        OptimizerSpec opt = new OptimizerSpec("sgd", 0.1, 0.9, 0);
        io.jgrad.nn.Sequential single = net.build(new Generator(3));
        new io.jgrad.train.Trainer(single, new io.jgrad.nn.CrossEntropyLoss(), opt.create(single.namedParameters()),
                io.jgrad.train.Task.CLASSIFICATION).epochs(1)
                .fit(new io.jgrad.data.DataLoader(data, 16, false, false, new Generator(4)), null);
        DistributedDataset distributed = DistributedDataset.of(jsc, data, 1);
        assertArrayEquals(new int[] {1, 8, 8}, distributed.sampleShape());
        SparkTrainer trainer = new SparkTrainer(jsc, net, opt, 3).batchSize(16).epochs(1).shuffle(false);
        Map<String, float[]> initial = SyntheticData.weights(trainer.model());
        trainer.fit(distributed, null);
        assertTrue(Math.abs(initial.get("0.weight")[0] - trainer.model().namedParameters().get("0.weight").toFloatArray()[0]) > 1e-4,
                "the weights moved");
        assertSameWeights(SyntheticData.weights(single), SyntheticData.weights(trainer.model()), 1e-6);
        distributed.unpersist();
    }

    /**
     * --augment on Spark: each partition flips and shifts its rows of a step with its seeded generator, so a run differs
     * from one without augmentation, a rerun gives the same weights, and a network of flat vectors refuses it.
     */
    @Test
    void augmentationChangesTheImagesReproducibly() {
        TensorDataset data = images(32, 8, 5);
        NetworkSpec net = network(8, "[{\"type\": \"conv2d\", \"out_channels\": 2, \"kernel_size\": 3},"
                + " {\"type\": \"flatten\"}, {\"type\": \"linear\", \"out_features\": 3}]");
        OptimizerSpec opt = new OptimizerSpec("sgd", 0.1, 0, 0);
        DistributedDataset distributed = DistributedDataset.of(jsc, data, 2);
        float[][] runs = new float[3][];
        for (int k = 0; k < 3; k++) {
            SparkTrainer t = new SparkTrainer(jsc, net, opt, 3).batchSize(16).epochs(1)
                    .augment(k < 2 ? new io.jgrad.data.Augmentation(true, 1) : null);
            t.fit(distributed, null);
            runs[k] = FlatParameters.pack(t.model());
        }
        assertArrayEquals(runs[0], runs[1], "the same seed and partitions: the same images");
        assertTrue(java.util.stream.IntStream.range(0, runs[0].length).anyMatch(i -> Math.abs(runs[0][i] - runs[2][i]) > 1e-4),
                "augmented images move the weights elsewhere");
        var e = assertThrows(IllegalArgumentException.class, () -> new SparkTrainer(jsc, SyntheticData.SPEC, opt, 3)
                .augment(new io.jgrad.data.Augmentation(true, 0)));
        assertEquals("SparkTrainer.augment: augmentation changes images [C, H, W], but the network 20-16-3 relu takes flat"
                + " feature vectors", e.getMessage());
        distributed.unpersist();
    }

    /**
     * Batch norm on 2 partitions of 12 and 13 rows, one synchronous step of the whole batch: each partition normalizes
     * with its own rows' statistics, and the driver's running statistics are the partitions' updated ones averaged
     * weighted by rows, computed here by running each partition's rows through the initial network. Not the whole
     * batch's statistics (the running variance differs: within the partitions against across them), nor partition 0's
     * (as DDP keeps). A local-SGD round of 2 steps then counts 2 more batches, and the run is deterministic.
     */
    @Test
    void batchNormRunningStatisticsAreThePartitionsAveragedByRows() {
        TensorDataset plain = images(25, 6, 9);
        float[] shifted = new float[25 * 36], labels = new float[25];
        for (int i = 0; i < 25; i++) { // partition 1's pixels shifted by 5: its statistics differ from partition 0's
            plain.copySample(i, shifted, i * 36);
            plain.copyTarget(i, labels, i);
            for (int j = 0; j < 36 && i >= 12; j++) {
                shifted[i * 36 + j] += 5f;
            }
        }
        TensorDataset data = new TensorDataset(io.jgrad.tensor.Tensor.of(shifted, 25, 1, 6, 6), io.jgrad.tensor.Tensor.of(labels, 25), 3);
        NetworkSpec net = network(6, "[{\"type\": \"conv2d\", \"out_channels\": 2, \"kernel_size\": 3, \"padding\": 1},"
                + " {\"type\": \"batchnorm2d\", \"momentum\": 1}, {\"type\": \"relu\"}, {\"type\": \"dropout\", \"p\": 0.3},"
                + " {\"type\": \"flatten\"}, {\"type\": \"linear\", \"out_features\": 3}]");
        OptimizerSpec opt = new OptimizerSpec("sgd", 0.1, 0, 0);
        DistributedDataset distributed = DistributedDataset.of(jsc, data, 2);
        SparkTrainer trainer = new SparkTrainer(jsc, net, opt, 3).batchSize(25).epochs(1).shuffle(false);
        trainer.fit(distributed, null);
        // each partition's rows (contiguous: 0..11, 12..24) through the initial network in training mode
        double[][] expected = new double[2][2]; // [running_mean, running_var][channel]
        double[][] whole = new double[2][2];
        int[][] ranges = {{0, 12}, {12, 25}, {0, 25}};
        for (int[] r : ranges) {
            io.jgrad.nn.Sequential fresh = net.build(new Generator(3));
            fresh.train();
            float[] x = new float[(r[1] - r[0]) * 36];
            for (int i = r[0]; i < r[1]; i++) {
                data.copySample(i, x, (i - r[0]) * 36);
            }
            fresh.forward(io.jgrad.tensor.Tensor.of(x, r[1] - r[0], 1, 6, 6));
            float[] mean = fresh.stateDict().get("1.running_mean").toFloatArray(), var = fresh.stateDict().get("1.running_var").toFloatArray();
            for (int c = 0; c < 2; c++) {
                if (r[1] - r[0] == 25) {
                    whole[0][c] = mean[c];
                    whole[1][c] = var[c];
                } else {
                    expected[0][c] += (r[1] - r[0]) / 25.0 * mean[c];
                    expected[1][c] += (r[1] - r[0]) / 25.0 * var[c];
                }
            }
        }
        Map<String, io.jgrad.tensor.Tensor> state = trainer.model().stateDict();
        float[] mean = state.get("1.running_mean").toFloatArray(), var = state.get("1.running_var").toFloatArray();
        for (int c = 0; c < 2; c++) {
            assertEquals(expected[0][c], mean[c], 1e-6, "running_mean[" + c + "]");
            assertEquals(expected[1][c], var[c], 1e-6, "running_var[" + c + "]");
            assertTrue(Math.abs(whole[1][c] - var[c]) > 1e-4, "not the whole batch's running_var[" + c + "]: " + whole[1][c]);
        }
        assertEquals(1f, state.get("1.num_batches_tracked").item(), "one batch");

        // local SGD: 2 steps of 12-13 rows, each partition holding some rows of each; the run is deterministic
        float[][] runs = new float[2][];
        for (int k = 0; k < 2; k++) {
            SparkTrainer local = new SparkTrainer(jsc, net, opt, 3).batchSize(13).epochs(1).shuffle(true).localSteps(2);
            local.fit(distributed, null);
            assertEquals(2f, local.model().stateDict().get("1.num_batches_tracked").item(), "two batches");
            runs[k] = FlatParameters.pack(local.model());
        }
        assertArrayEquals(runs[0], runs[1], "the same seed and partitions: the same dropout masks and weights");
        distributed.unpersist();
    }

    @Test
    void sgdWithMomentumMatchesSingleMachineTraining() {
        DistributedDataset data = DistributedDataset.of(jsc, DATA, 2);
        assertMatchesSingleMachine(data, new OptimizerSpec("sgd", 0.05, 0.9, 0), 3);
        data.unpersist();
    }

    @Test
    void treeAggregationOverFivePartitionsMatchesSingleMachineTraining() {
        DistributedDataset data = DistributedDataset.of(jsc, DATA, 5);
        // An in-memory data set must not stay in the lineage, or every task would ship its whole block again.
        assertTrue(data.blocks().rdd().isCheckpointed(), "the cached blocks replaced the parallelized collection");
        assertMatchesSingleMachine(data, new OptimizerSpec("sgd", 0.05, 0.9, 0), 2, 2);
        data.unpersist();
    }

    @Test
    void adamOnADataFrameMatchesSingleMachineTraining() {
        float[] x = DATA.features().toFloatArray();
        float[] y = DATA.targets().toFloatArray();
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < DATA.size(); i++) {
            Double[] f = new Double[20];
            for (int j = 0; j < 20; j++) {
                f[j] = (double) x[i * 20 + j];
            }
            rows.add(RowFactory.create(f, (int) y[i]));
        }
        StructType schema = new StructType()
                .add("features", DataTypes.createArrayType(DataTypes.DoubleType))
                .add("label", DataTypes.IntegerType);
        // Rows keep their DataFrame order as global index; the 3 partitions receive them round-robin.
        Dataset<Row> df = spark.createDataFrame(rows, schema);
        DistributedDataset data = DistributedDataset.fromDataFrame(df, "features", "label", 3);
        assertEquals(3, data.partitions());
        assertEquals(512, data.size());
        assertEquals(20, data.featureSize());
        assertEquals(3, data.numClasses());
        assertMatchesSingleMachine(data, new OptimizerSpec("adam", 0.01, 0, 0), 3);
        data.unpersist();
    }

    @Test
    void csvFileIsReadWithTheLastColumnAsLabel(@TempDir Path dir) throws IOException {
        StringBuilder csv = new StringBuilder("a,b,class\n");
        for (int i = 0; i < 40; i++) {
            csv.append(i).append(',').append(i * 0.5).append(',').append(i % 4).append('\n');
        }
        Path file = dir.resolve("small.csv");
        Files.writeString(file, csv);
        DistributedDataset data = DistributedDataset.read(spark, file.toString(), null, null, 2);
        assertEquals(40, data.size());
        assertEquals(2, data.featureSize());
        assertEquals(4, data.numClasses());
        // Row 7 must keep global index 7: its features are (7, 3.5) and its label 3.
        var blocks = data.blocks().collect();
        boolean found = false;
        for (var b : blocks) {
            for (int j = 0; j < b.rows(); j++) {
                if (b.index()[j] == 7) {
                    float[] row = new float[2];
                    b.copyRow(j, row, 0);
                    assertArrayEquals(new float[] {7f, 3.5f}, row);
                    assertEquals(3f, b.labels()[j]);
                    found = true;
                }
            }
        }
        assertTrue(found, "row 7 is in some partition");
        data.unpersist();
    }

    /**
     * A directory of part files numbers its rows file by file in path order, each file's rows in order, as one file
     * holding them all would. Spark reads the largest piece first (and equal sizes as the file system lists them): the
     * 100-row part-00001 came first, so the same files could make other batches elsewhere. The CSV case also splits the
     * largest file into byte ranges that Spark reads in separate tasks.
     */
    @Test
    void partFilesAreNumberedInPathOrderWhateverTheirSizes(@TempDir Path dir) throws IOException {
        int[] sizes = {10, 100, 30};
        StructType schema = new StructType().add("x", DataTypes.DoubleType).add("label", DataTypes.IntegerType);
        Path parquet = Files.createDirectories(dir.resolve("parts.parquet")), csv = Files.createDirectories(dir.resolve("parts.csv"));
        for (int p = 0, id = 0; p < sizes.length; p++) {
            List<Row> rows = new ArrayList<>();
            StringBuilder text = new StringBuilder("x,label\n");
            for (int i = 0; i < sizes[p]; i++, id++) {
                rows.add(RowFactory.create((double) id, id % 3));
                text.append(id).append(',').append(id % 3).append('\n');
            }
            Path written = dir.resolve("written" + p);
            spark.createDataFrame(rows, schema).coalesce(1).write().parquet(written.toString());
            try (var files = Files.list(written)) {
                Files.move(files.filter(f -> f.toString().endsWith(".parquet")).findFirst().orElseThrow(),
                        parquet.resolve(String.format("part-%05d.parquet", p)));
            }
            Files.writeString(csv.resolve(String.format("part-%05d.csv", p)), text);
        }
        for (Path data : List.of(parquet, csv)) {
            String before = spark.conf().get("spark.sql.files.maxPartitionBytes");
            spark.conf().set("spark.sql.files.maxPartitionBytes", "256"); // part-00001.csv (~600 bytes) is read in pieces
            DistributedDataset ds;
            try {
                ds = DistributedDataset.read(spark, data.toString(), null, null, 2);
            } finally {
                spark.conf().set("spark.sql.files.maxPartitionBytes", before);
            }
            assertEquals(140, ds.size());
            int rows = 0;
            for (Block b : ds.blocks().collect()) {
                for (int j = 0; j < b.rows(); j++, rows++) {
                    float[] x = new float[1];
                    b.copyRow(j, x, 0);
                    assertEquals(b.index()[j], x[0], data + ": the row holding x = " + x[0]);
                    assertEquals(b.index()[j] % 3, b.labels()[j]);
                }
            }
            assertEquals(140, rows);
            ds.unpersist();
        }
    }

    /**
     * An error names a CSV row by its part file and line, as jgrad train names a file's rows (the header is line 1), also
     * where Spark reads the file in byte ranges: Spark training named the row by its index counted from 0 over all the
     * files ("row 66"), which no editor shows.
     */
    @Test
    void aBadCsvRowIsNamedByItsFileAndLine(@TempDir Path dir) throws IOException {
        Path parts = Files.createDirectories(dir.resolve("parts"));
        Files.writeString(parts.resolve("part-00000.csv"), "x,label\n" + "1,0\n".repeat(10));
        StringBuilder text = new StringBuilder("x,label\n");
        for (int i = 0; i < 100; i++) {
            text.append(i).append(',').append(i == 56 ? -1 : i % 3).append('\n'); // the 57th row: line 58
        }
        Files.writeString(parts.resolve("part-00001.csv"), text);
        String before = spark.conf().get("spark.sql.files.maxPartitionBytes");
        spark.conf().set("spark.sql.files.maxPartitionBytes", "128"); // part-00001.csv is read in pieces
        try {
            var e = assertThrows(Exception.class, () -> DistributedDataset.read(spark, parts.toString(), null, null, 2));
            assertEquals("part-00001.csv: line 58 has label -1 in column 'label'; labels must be class indices 0, 1, 2, ...",
                    SparkTrainMain.dataError(e));
        } finally {
            spark.conf().set("spark.sql.files.maxPartitionBytes", before);
        }
    }

    /** A directory of CSV part files whose name does not end in .csv was read as Parquet ("... is not a Parquet file"). */
    @Test
    void aDirectoryOfCsvPartFilesIsReadAsCsv(@TempDir Path dir) throws IOException {
        Path parts = Files.createDirectories(dir.resolve("parts"));
        Files.writeString(parts.resolve("_SUCCESS"), "");
        Files.writeString(parts.resolve("part-00000.csv"), "a,b,label\n1,2,0\n3,4,1\n");
        Files.writeString(parts.resolve("part-00001.csv"), "a,b,label\n5,6,2\n");
        DistributedDataset data = DistributedDataset.read(spark, parts.toString(), null, null, 2);
        assertEquals(3, data.size());
        assertEquals(2, data.featureSize());
        assertEquals(3, data.numClasses());
        assertEquals(List.of("a", "b"), data.featureColumns());
        data.unpersist();
    }

    /**
     * ML Vectors in Parquet, read where spark-mllib's VectorUDT is not on the classpath (jgrad train --spark's
     * classpath has only spark-mllib-local): Spark gives the column as the vector's storage struct, which was refused
     * ("column 'features' holds values of type struct&lt;type:tinyint,size:int,...&gt;, not numbers"). Dense and sparse.
     */
    @Test
    void mlVectorsReadAsTheirStorageStructAreFeatures(@TempDir Path dir) throws IOException {
        StructType stored = new StructType().add("type", DataTypes.ByteType, false).add("size", DataTypes.IntegerType)
                .add("indices", DataTypes.createArrayType(DataTypes.IntegerType, false))
                .add("values", DataTypes.createArrayType(DataTypes.DoubleType, false));
        List<Row> rows = List.of(RowFactory.create(RowFactory.create((byte) 1, null, null, new double[] {0.5, 1, 2}), 0),
                RowFactory.create(RowFactory.create((byte) 0, 3, new int[] {2}, new double[] {4}), 1));
        Path file = dir.resolve("vectors.parquet");
        spark.createDataFrame(rows, new StructType().add("features", stored).add("label", DataTypes.IntegerType)).coalesce(1)
                .write().parquet(file.toString());
        DistributedDataset data = DistributedDataset.read(spark, file.toString(), null, null, 1);
        assertEquals(2, data.size());
        assertEquals(3, data.featureSize());
        Block b = data.blocks().collect().get(0);
        float[] x = new float[6];
        b.copyRow(0, x, 0);
        b.copyRow(1, x, 3);
        assertArrayEquals(new float[] {0.5f, 1, 2, 0, 0, 4}, x);
        assertArrayEquals(new float[] {0, 1}, b.labels());
        data.unpersist();
    }

    @Test
    void localSgdOnOnePartitionEqualsSingleMachineTraining() {
        // One partition runs every global batch itself, so k local steps then "averaging" over one partition must
        // reproduce single-machine training, Adam's moments and step counters included.
        DistributedDataset data = DistributedDataset.of(jsc, DATA, 1);
        OptimizerSpec adam = new OptimizerSpec("adam", 0.01, 0, 0);
        Map<String, float[]> reference = SyntheticData.singleMachine(DATA, adam, 5, 32, 2);
        SparkTrainer trainer = new SparkTrainer(jsc, SyntheticData.SPEC, adam, 5).batchSize(32).epochs(2).localSteps(3);
        trainer.fit(data, null);
        assertSameWeights(reference, SyntheticData.weights(trainer.model()), 1e-5);
        assertEquals(2 * 16, trainer.optimizer().stepCount());
        data.unpersist();
    }

    /**
     * --grad-norms and --clip-grad-norm mean on Spark what they mean to jgrad train. On one partition, a synchronous step
     * and each local step of local SGD are the single machine's step, so each epoch records the Trainer's gradient norms
     * (each layer's mean over the epoch's steps, before clipping), and with each step's gradient clipped to a global norm
     * of 0.5 the weights are the Trainer's too, and unlike the unclipped run's. Local SGD recorded the norm of a round's
     * update over the rate (K gradients' worth), and SparkTrainer could not clip.
     */
    @Test
    void gradientNormsAndClippingOnOnePartitionAreThoseOfSingleMachineTraining() {
        DistributedDataset data = DistributedDataset.of(jsc, DATA, 1);
        OptimizerSpec sgd = new OptimizerSpec("sgd", 0.05, 0.9, 0);
        List<Map<String, float[]>> references = new ArrayList<>();
        for (double clip : new double[] {0, 0.5}) {
            List<EpochMetrics> expected = new ArrayList<>();
            Map<String, float[]> reference = SyntheticData.weights(SyntheticData.singleMachine(DATA, null,
                    new io.jgrad.nn.CrossEntropyLoss(), sgd, 5, 32, 2, clip, expected));
            references.add(reference);
            for (int k : new int[] {1, 3}) {
                String run = "clip " + clip + ", local steps " + k;
                SparkTrainer trainer = new SparkTrainer(jsc, SyntheticData.SPEC, sgd, 5).batchSize(32).epochs(2).localSteps(k)
                        .clipGradNorm(clip);
                List<EpochMetrics> got = trainer.fit(data, null).epochs();
                for (int e = 0; e < 2; e++) {
                    Map<String, Double> want = expected.get(e).gradNorms(), norms = got.get(e).gradNorms();
                    assertEquals(want.keySet(), norms.keySet(), run);
                    for (var n : want.entrySet()) {
                        assertEquals(n.getValue(), norms.get(n.getKey()), 1e-5 * n.getValue(), run + ", epoch " + (e + 1) + " " + n.getKey());
                    }
                }
                assertSameWeights(reference, SyntheticData.weights(trainer.model()), 1e-5);
            }
        }
        float[] free = references.get(0).get("0.weight"), clipped = references.get(1).get("0.weight");
        double apart = 0;
        for (int i = 0; i < free.length; i++) {
            apart = Math.max(apart, Math.abs(free[i] - clipped[i]));
        }
        assertTrue(apart > 1e-2, "clipping changed the training: " + apart);
        assertThrows(IllegalArgumentException.class, () -> new SparkTrainer(jsc, SyntheticData.SPEC, sgd, 5).clipGradNorm(-1));
        assertThrows(IllegalArgumentException.class, () -> new SparkTrainer(jsc, SyntheticData.SPEC, sgd, 5).clipGradNorm(Double.NaN));
        data.unpersist();
    }

    /**
     * A tiny --clip-grad-norm MAX on two partitions: a synchronous step clips the summed gradient (the one left on the
     * driver's parameters after the last step has a norm of at most MAX), and local SGD clips each partition's local steps,
     * so with plain SGD no step moves the weights by more than lr * MAX, and an epoch of 16 steps ends within 16 lr MAX of
     * where it started, where the unclipped run went far further. The recorded norms are the gradients' before clipping.
     */
    @Test
    void aClippedRunMovesEachStepAtMostTheRateTimesMax() {
        DistributedDataset data = DistributedDataset.of(jsc, DATA, 2);
        OptimizerSpec sgd = new OptimizerSpec("sgd", 0.1, 0, 0);
        double max = 0.01, bound = 16 * 0.1 * max;
        for (int k : new int[] {1, 4}) {
            SparkTrainer free = new SparkTrainer(jsc, SyntheticData.SPEC, sgd, 5).batchSize(32).epochs(1).localSteps(k);
            float[] start = FlatParameters.pack(free.model());
            free.fit(data, null);
            SparkTrainer clipped = new SparkTrainer(jsc, SyntheticData.SPEC, sgd, 5).batchSize(32).epochs(1).localSteps(k)
                    .clipGradNorm(max);
            EpochMetrics m = clipped.fit(data, null).last();
            double moved = distance(start, FlatParameters.pack(clipped.model()));
            assertTrue(moved <= bound * (1 + 1e-4) && moved > bound / 2, "local steps " + k + ": moved " + moved + ", bound " + bound);
            assertTrue(distance(start, FlatParameters.pack(free.model())) > 10 * bound, "local steps " + k + ": unclipped");
            assertTrue(m.gradNorms().get("2.weight") > 10 * max, "before clipping: " + m.gradNorms());
            if (k == 1) {
                double sq = 0;
                for (var p : clipped.model().parameters()) {
                    sq += Math.pow(p.grad().l2Norm(), 2);
                }
                assertTrue(Math.sqrt(sq) <= max, "the last step's gradient has norm " + Math.sqrt(sq));
            }
        }
        data.unpersist();
    }

    private static double distance(float[] a, float[] b) {
        double sq = 0;
        for (int i = 0; i < a.length; i++) {
            sq += ((double) a[i] - b[i]) * ((double) a[i] - b[i]);
        }
        return Math.sqrt(sq);
    }

    @Test
    void callbacksHearEachEpochAndRoundStartBeforeItsSteps() {
        // SparkTrainer never called onEpochStart: a ProgressBar, which starts an epoch's clock there when the epoch's
        // first call is not step 1 (local SGD reports step 3, 6, ...), timed epoch 1 from a start never set (about 0
        // samples/s, hours left) and each later epoch from the one before
        DistributedDataset data = DistributedDataset.of(jsc, DATA, 1);
        List<String> events = new ArrayList<>();
        SparkTrainer trainer = new SparkTrainer(jsc, SyntheticData.SPEC, new OptimizerSpec("sgd", 0.05, 0, 0), 5)
                .batchSize(64).epochs(2).localSteps(3).callback(new io.jgrad.train.Callback() {
                    @Override
                    public void onEpochStart(int epoch, int firstStep) {
                        events.add("start " + epoch + (firstStep == 1 ? "" : " from step " + firstStep));
                    }

                    @Override
                    public void onBatchStart(int epoch, int step) {
                        events.add("before " + epoch + ":" + step);
                    }

                    @Override
                    public void onBatchEnd(int epoch, int step, int stepsPerEpoch, double loss, int batchSize) {
                        events.add(epoch + ":" + step);
                    }
                });
        trainer.fit(data, null);
        // onBatchStart before each round, with its first step (Trainer calls it before each step), as onBatchEnd
        // after it with its last: it was never called
        assertEquals(List.of("start 1", "before 1:1", "1:3", "before 1:4", "1:6", "before 1:7", "1:8",
                "start 2", "before 2:1", "2:3", "before 2:4", "2:6", "before 2:7", "2:8"), events);
        data.unpersist();
    }

    @Test
    void fitEndsAsTrainersFitDoes() {
        // SparkTrainer called neither onTrainEnd nor onTrainFailed and returned the epochs' metrics alone: a callback
        // never heard that the run ended, nor why, and one that ends a progress line or closes a log on a failure (a
        // failed Spark job) never heard of it either
        DistributedDataset data = DistributedDataset.of(jsc, DATA, 1);
        OptimizerSpec sgd = new OptimizerSpec("sgd", 0.05, 0, 0);
        List<String> heard = new ArrayList<>();
        Callback listener = new Callback() {
            @Override
            public void onTrainEnd(History h) {
                heard.add("ended: " + h.stopReason() + " (" + h.epochs().size() + ")");
            }

            @Override
            public void onTrainFailed(Throwable failure) {
                heard.add("failed: " + failure.getMessage());
            }
        };
        History h = new SparkTrainer(jsc, SyntheticData.SPEC, sgd, 5).batchSize(128).epochs(2).callback(listener).fit(data, data);
        assertEquals(List.of(1, 2), h.epochs().stream().map(EpochMetrics::epoch).toList());
        assertTrue(h.last().valAccuracy() >= 0, "validated: " + h.last());
        assertEquals("completed 2 epochs", h.stopReason());
        assertEquals(0, h.restoredEpoch());
        assertEquals(List.of("ended: completed 2 epochs (2)"), heard);

        heard.clear(); // a callback that stops the run, in Trainer's words
        History stopped = new SparkTrainer(jsc, SyntheticData.SPEC, sgd, 5).batchSize(128).epochs(3).callback(listener)
                .callback(new Callback() {
                    @Override
                    public boolean onEpochEnd(EpochMetrics m) {
                        return m.epoch() == 1;
                    }
                }).fit(data, null);
        assertEquals("stopped by a callback after epoch 1", stopped.stopReason());
        assertEquals(List.of("ended: stopped by a callback after epoch 1 (1)"), heard);

        heard.clear(); // a failure after onTrainStart: onTrainFailed instead, and a callback's own failure there is suppressed
        RuntimeException boom = new IllegalStateException("boom");
        SparkTrainer failing = new SparkTrainer(jsc, SyntheticData.SPEC, sgd, 5).batchSize(128).epochs(2).callback(listener)
                .callback(new Callback() {
                    @Override
                    public void onBatchEnd(int epoch, int step, int stepsPerEpoch, double loss, int batchSize) {
                        throw boom;
                    }

                    @Override
                    public void onTrainFailed(Throwable failure) {
                        throw new IllegalArgumentException("while failing");
                    }
                });
        var e = assertThrows(IllegalStateException.class, () -> failing.fit(data, null));
        assertSame(boom, e);
        assertEquals(List.of("failed: boom"), heard);
        assertEquals("while failing", e.getSuppressed()[0].getMessage());

        heard.clear(); // data refused before onTrainStart: not a failure of training
        DistributedDataset narrow = DistributedDataset.of(jsc, new TensorDataset(io.jgrad.tensor.Tensor.zeros(4, 3),
                io.jgrad.tensor.Tensor.zeros(4), 3), 1);
        SparkTrainer refused = new SparkTrainer(jsc, SyntheticData.SPEC, sgd, 5).callback(listener);
        assertThrows(IllegalArgumentException.class, () -> refused.fit(data, narrow));
        assertEquals(List.of(), heard);
        assertThrows(IllegalArgumentException.class, () -> refused.callback(null));
        data.unpersist();
        narrow.unpersist();
    }

    /**
     * --target-loss on Spark: the run stops after the first epoch whose training loss is at or below the target, and
     * History says so in Trainer's words; a target never reached is said after the last epoch. Spark training had no
     * target loss (jgrad train --spark refused the flag).
     */
    @Test
    void aTargetLossStopsTheRunAtTheEpochThatReachesIt() {
        DistributedDataset data = DistributedDataset.of(jsc, DATA, 2);
        OptimizerSpec sgd = new OptimizerSpec("sgd", 0.05, 0, 0);
        List<EpochMetrics> full = new SparkTrainer(jsc, SyntheticData.SPEC, sgd, 5).batchSize(128).epochs(4).fit(data, null).epochs();
        double target = full.get(1).trainLoss(); // epoch 2's loss, which epoch 1's is above
        assertTrue(full.get(0).trainLoss() > target, full.toString());
        History reached = new SparkTrainer(jsc, SyntheticData.SPEC, sgd, 5).batchSize(128).epochs(4).targetLoss(target).fit(data, null);
        assertEquals(List.of(1, 2), reached.epochs().stream().map(EpochMetrics::epoch).toList());
        assertEquals("reached target loss " + java.math.BigDecimal.valueOf(target).stripTrailingZeros().toPlainString()
                + " at epoch 2 (loss " + io.jgrad.train.ProgressBar.loss(target) + ")", reached.stopReason());
        History missed = new SparkTrainer(jsc, SyntheticData.SPEC, sgd, 5).batchSize(128).epochs(2).targetLoss(0.001).fit(data, null);
        assertEquals("completed 2 epochs without reaching the target loss 0.001 (the last epoch's loss "
                + io.jgrad.train.ProgressBar.loss(full.get(1).trainLoss()) + ")", missed.stopReason());
        assertEquals("SparkTrainer.targetLoss: target must be a number (e.g. 0.001; negative infinity turns it off), got NaN",
                assertThrows(IllegalArgumentException.class, () -> new SparkTrainer(jsc, SyntheticData.SPEC, sgd, 5)
                        .targetLoss(Double.NaN)).getMessage());
        data.unpersist();
    }

    /**
     * A step decay's rate reaches the partitions' local steps: one partition taking every global batch in rounds of 3
     * local steps, with StepLR halving the rate after each epoch, ends with the weights of single-machine training under
     * the same schedule, and each epoch's metrics record the rate its rounds used (0.1, 0.05, 0.025).
     */
    @Test
    void aScheduleSetsTheRateOfEachEpochsRounds() {
        DistributedDataset data = DistributedDataset.of(jsc, DATA, 1);
        OptimizerSpec sgd = new OptimizerSpec("sgd", 0.1, 0.9, 0);
        Map<String, float[]> reference = SyntheticData.singleMachine(DATA, sgd, 5, 32, 3,
                opt -> new io.jgrad.optim.StepLR(opt, 1, 0.5));
        SparkTrainer trainer = new SparkTrainer(jsc, SyntheticData.SPEC, sgd, 5).batchSize(32).epochs(3).localSteps(3);
        trainer.scheduler(new io.jgrad.optim.StepLR(trainer.optimizer(), 1, 0.5));
        History h = trainer.fit(data, null);
        assertEquals(List.of(0.1, 0.05, 0.025), h.epochs().stream().map(EpochMetrics::learningRate).toList());
        assertEquals(0.0125, trainer.optimizer().lr(), "the rate after the last epoch's step, which a resumed run continues from");
        assertSameWeights(reference, SyntheticData.weights(trainer.model()), 1e-5);
        // a schedule of another optimizer would change nothing here
        var other = new OptimizerSpec("sgd", 0.1, 0, 0).create(SyntheticData.SPEC.build(new Generator(1)).namedParameters());
        assertThrows(IllegalArgumentException.class, () -> trainer.scheduler(new io.jgrad.optim.StepLR(other, 1)));
        data.unpersist();
    }

    @Test
    void localSgdOnTwoPartitionsLearns() {
        DistributedDataset data = DistributedDataset.of(jsc, DATA, 2);
        SparkTrainer trainer = new SparkTrainer(jsc, SyntheticData.SPEC, new OptimizerSpec("adam", 0.01, 0, 0), 11)
                .batchSize(32).epochs(4).localSteps(4);
        double before = trainer.evaluate(data).accuracy();
        List<EpochMetrics> history = trainer.fit(data, data).epochs();
        assertTrue(history.get(3).valAccuracy() > 0.85 && history.get(3).valAccuracy() > before + 0.3,
                "accuracy " + before + " -> " + history.get(3).valAccuracy());
        data.unpersist();
    }

    @Test
    void evaluateCountsEveryRowOnce() {
        DistributedDataset data = DistributedDataset.of(jsc, DATA, 3);
        SparkTrainer trainer = new SparkTrainer(jsc, SyntheticData.SPEC, new OptimizerSpec("sgd", 0.1, 0, 0), 1);
        var eval = trainer.evaluate(data);
        var local = io.jgrad.train.Trainer.evaluate(SyntheticData.SPEC.build(new Generator(1)), new io.jgrad.nn.CrossEntropyLoss(),
                io.jgrad.train.Task.CLASSIFICATION, new io.jgrad.data.DataLoader(DATA, 100, false, false, null), 3);
        assertEquals(512, eval.samples());
        assertEquals(local.loss(), eval.loss(), 1e-5);
        assertEquals(local.accuracy(), eval.accuracy(), 1e-12);
        data.unpersist();
    }

    @Test
    void validationDataOfAnotherWidthIsRejectedBeforeTraining() {
        DistributedDataset data = DistributedDataset.of(jsc, DATA, 2);
        DistributedDataset narrow = DistributedDataset.of(jsc, new TensorDataset(io.jgrad.tensor.Tensor.zeros(4, 3),
                io.jgrad.tensor.Tensor.zeros(4), 3), 2);
        SparkTrainer trainer = new SparkTrainer(jsc, SyntheticData.SPEC, new OptimizerSpec("sgd", 0.1, 0, 0), 1).batchSize(32).epochs(1);
        var e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> trainer.fit(data, narrow));
        assertTrue(e.getMessage().contains("validation data has 3 features"), e.getMessage());
        assertEquals(0, trainer.optimizer().stepCount(), "no epoch was trained first");
        data.unpersist();
        narrow.unpersist();
    }

    @Test
    void validationLabelsWithoutAnOutputAreRejectedBeforeTraining() {
        DistributedDataset data = DistributedDataset.of(jsc, DATA, 2);
        // label 3 for a network with 3 outputs (classes 0..2): found only when the first epoch's evaluation failed
        DistributedDataset four = DistributedDataset.of(jsc, new TensorDataset(io.jgrad.tensor.Tensor.zeros(4, 20),
                io.jgrad.tensor.Tensor.of(new float[] {0, 1, 2, 3}, 4), 4), 2);
        SparkTrainer trainer = new SparkTrainer(jsc, SyntheticData.SPEC, new OptimizerSpec("sgd", 0.1, 0, 0), 1).batchSize(32).epochs(1);
        var e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> trainer.fit(data, four));
        assertEquals("SparkTrainer.fit: the validation data has labels up to 3 but the network has only 3 outputs", e.getMessage());
        assertEquals(0, trainer.optimizer().stepCount(), "no epoch was trained first");
        data.unpersist();
        four.unpersist();
    }
}
