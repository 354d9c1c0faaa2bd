package io.jgrad.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jgrad.io.Json;
import io.jgrad.io.Safetensors;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The spark-submit entry point writes a run directory in the format of {@code jgrad train --out}. */
class SparkTrainMainTest {

    @Test
    void readsTheFlagsOfJgradTrainWithSparkAsTheMaster() {
        Map<String, String> f = SparkTrainMain.parse(new String[] {"--spark", "local[2]", "--epochs=3", "--local-steps", "4",
            "--target-column", "y"});
        assertEquals(Map.of("--master", "local[2]", "--epochs", "3", "--local-steps", "4", "--target-column", "y"), f);
    }

    @Test
    void aFlagOfSingleMachineTrainingIsNamedInTheError() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> SparkTrainMain.parse(new String[] {"--spark", "local[2]", "--normalize", "--epochs", "1"}));
        assertTrue(e.getMessage().startsWith("--normalize is not supported when training on Spark"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
        var unknown = assertThrows(IllegalArgumentException.class, () -> SparkTrainMain.parse(new String[] {"--epoch", "1"}));
        assertTrue(unknown.getMessage().startsWith("unknown option --epoch;"), unknown.getMessage());
        var missing = assertThrows(IllegalArgumentException.class, () -> SparkTrainMain.parse(new String[] {"--lr"}));
        assertEquals("--lr needs a value", missing.getMessage());
    }

    @Test
    void sparkWithoutAMasterUrlSaysSo() {
        // 'jgrad train --spark --data DIR' used to take --data as the master URL and then reject DIR as an unknown option
        for (String[] args : List.of(new String[] {"--spark", "--data", "d"}, new String[] {"--data", "d", "--spark"},
                new String[] {"--spark=", "--data", "d"})) {
            var e = assertThrows(IllegalArgumentException.class, () -> SparkTrainMain.parse(args));
            assertTrue(e.getMessage().startsWith("--spark needs a master URL such as local[2]"), e.getMessage());
        }
        var e = assertThrows(IllegalArgumentException.class, () -> SparkTrainMain.parse(new String[] {"--lr", "--epochs", "1"}));
        assertEquals("--lr needs a value", e.getMessage());
        var clip = assertThrows(IllegalArgumentException.class, () -> SparkTrainMain.parse(new String[] {"--clip-grad-norm", "1"}));
        assertTrue(clip.getMessage().startsWith("--clip-grad-norm is not supported when training on Spark"), clip.getMessage());
    }

    @Test
    void aNumberThatIsNotOneNamesItsFlag() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> SparkTrainMain.integer(Map.of("--local-steps", "abc"), "--local-steps", 1));
        assertEquals("--local-steps: expected an integer, got 'abc'", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> SparkTrainMain.integer(Map.of("--epochs", "2.5"), "--epochs", 10));
        assertEquals("--epochs: expected an integer, got '2.5'", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> SparkTrainMain.number(Map.of("--lr", "fast"), "--lr", 1e-3));
        assertEquals("--lr: expected a number, got 'fast'", e.getMessage());
        assertEquals(7, SparkTrainMain.integer(Map.of("--epochs", "7"), "--epochs", 10));
        assertEquals(10, SparkTrainMain.integer(Map.of(), "--epochs", 10));
        assertEquals(0.05, SparkTrainMain.number(Map.of("--lr", "0.05"), "--lr", 1e-3));
    }

    @Test
    @SuppressWarnings("unchecked")
    void writesTheSameRunDirectoryAsJgradTrain(@TempDir Path dir) throws Exception {
        StringBuilder csv = new StringBuilder("x1,x2,x3,label\n");
        for (int i = 0; i < 60; i++) {
            csv.append(i % 7).append(',').append(i % 5).append(',').append(i % 3).append(',').append(i % 2).append('\n');
        }
        Path data = dir.resolve("train.csv");
        Files.writeString(data, csv);
        Path out = dir.resolve("run");
        SparkTrainMain.main(new String[] {"--master", "local[2]", "--data", data.toString(), "--layers", "8",
            "--optimizer", "sgd", "--lr", "0.1", "--batch-size", "16", "--epochs", "2", "--seed", "3", "--out", out.toString(),
            "--partitions", "2"});
        var model = Safetensors.read(out.resolve("model.safetensors")).tensors();
        assertEquals(List.of("0.weight", "0.bias", "2.weight", "2.bias"), List.copyOf(model.keySet()));
        assertEquals(List.of(8, 3), java.util.Arrays.stream(model.get("0.weight").shape()).boxed().toList());
        assertTrue(Files.isRegularFile(out.resolve("optimizer.safetensors")));
        Map<String, Object> cfg = (Map<String, Object>) Json.read(out.resolve("config.json"));
        assertEquals("jgrad-run", cfg.get("format"));
        assertEquals(2L, ((Number) ((Map<String, Object>) cfg.get("state")).get("epochs_completed")).longValue());
        assertEquals(3L, ((Number) ((Map<String, Object>) cfg.get("model")).get("input_size")).longValue());
        assertEquals(2L, ((Number) cfg.get("num_classes")).longValue());
        assertEquals(6, ((List<Object>) ((Map<String, Object>) cfg.get("state")).get("shuffle_generator")).size());
        List<String> metrics = Files.readAllLines(out.resolve("metrics.csv"));
        assertEquals(3, metrics.size());
        assertTrue(metrics.get(0).startsWith("epoch,train_loss,train_accuracy,val_loss,val_accuracy,lr,seconds,grad_norm:0.weight"));
        assertTrue(metrics.get(2).startsWith("2,"));
    }

    /** A CSV with its label first: --target-column and --val-data must reach config.json, or jgrad eval picks column 'c'. */
    @Test
    @SuppressWarnings("unchecked")
    void recordsTheTargetColumnAndValidationFileForJgradEval(@TempDir Path dir) throws Exception {
        StringBuilder csv = new StringBuilder("label,a,b,c\n");
        for (int i = 0; i < 40; i++) {
            csv.append(i % 2).append(',').append(i % 7).append(',').append(i % 5).append(',').append(i * 0.25).append('\n');
        }
        Path train = dir.resolve("train.csv"), val = dir.resolve("val.csv");
        Files.writeString(train, csv);
        Files.writeString(val, csv);
        Path out = dir.resolve("run");
        SparkTrainMain.main(new String[] {"--master", "local[2]", "--data", train.toString(), "--val-data", val.toString(),
            "--target-column", "label", "--layers", "4", "--batch-size", "8", "--epochs", "1", "--out", out.toString()});
        Map<String, Object> data = (Map<String, Object>) ((Map<String, Object>) Json.read(out.resolve("config.json"))).get("data");
        assertEquals("label", data.get("target_column"));
        assertEquals(val.toString(), data.get("val_data"));
        assertEquals(0.0, ((Number) data.get("val_split")).doubleValue());
    }

    /** A Parquet data set is a directory: without --val-data there is no validation set, not an IDX t10k split to load. */
    @Test
    void aParquetDirectoryTrainsWithoutValidationData(@TempDir Path dir) throws Exception {
        SparkSession spark = SparkSession.builder().master("local[2]").config("spark.ui.enabled", "false").getOrCreate();
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            rows.add(RowFactory.create(new double[] {i % 7, i % 5}, i % 2));
        }
        StructType schema = new StructType().add("features", DataTypes.createArrayType(DataTypes.DoubleType))
                .add("label", DataTypes.IntegerType);
        Path parquet = dir.resolve("train.parquet");
        spark.createDataFrame(rows, schema).write().parquet(parquet.toString());
        Path out = dir.resolve("run");
        SparkTrainMain.main(new String[] {"--master", "local[2]", "--data", parquet.toString(), "--layers", "4", "--batch-size", "8",
            "--epochs", "1", "--out", out.toString()});
        assertTrue(Files.isRegularFile(out.resolve("model.safetensors")));
    }

    /** Counts are checked before the data is read (a missing path would be the error otherwise), and --epochs 0 is one. */
    @Test
    void countsThatCannotTrainAreRejectedBeforeReadingTheData(@TempDir Path dir) throws Exception {
        SparkSession spark = SparkSession.builder().master("local[2]").config("spark.ui.enabled", "false").getOrCreate();
        String missing = dir.resolve("absent.csv").toString();
        for (String[] bad : List.of(new String[] {"--epochs", "0"}, new String[] {"--batch-size", "0"},
                new String[] {"--local-steps", "0"}, new String[] {"--partitions", "0"}, new String[] {"--epochs", "-2"})) {
            Map<String, String> f = new java.util.HashMap<>(Map.of("--data", missing, "--out", dir.resolve("run").toString()));
            f.put(bad[0], bad[1]);
            var e = assertThrows(IllegalArgumentException.class, () -> SparkTrainMain.run(spark, f), String.join(" ", bad));
            assertTrue(e.getMessage().startsWith(bad[0] + " must be"), e.getMessage());
        }
        assertFalse(Files.exists(dir.resolve("run")), "nothing written");
    }
}
