package io.jgrad.cli;

import static org.junit.jupiter.api.Assertions.*;

import io.jgrad.io.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * --normalize columns: a mean and standard deviation per CSV column (scikit-learn's StandardScaler), recorded and
 * applied again by eval, predict and --resume. --normalize alone keeps one pair for all values.
 */
class NormalizeColumnsTest {
    @TempDir
    Path dir;

    private static Map<?, ?> data(Path run) throws IOException {
        return (Map<?, ?>) ((Map<?, ?>) Json.read(run.resolve("config.json"))).get("data");
    }

    private static double[] numbers(Object list) {
        return ((List<?>) list).stream().mapToDouble(v -> ((Number) v).doubleValue()).toArray();
    }

    @Test
    void eachColumnGetsItsOwnMeanAndStandardDeviation() throws IOException {
        // columns 1..3, 100..300 and a constant one: means 2, 200, 7; population std sqrt(2/3), 100 sqrt(2/3), and 1 for
        // the constant column (as StandardScaler: it becomes 0, not a division by 0)
        Path csv = Files.writeString(dir.resolve("scales.csv"), "a,b,c,y\n1,100,7,0.5\n2,200,7,1\n3,300,7,1.5\n");
        Path run = Cli.train(dir.resolve("run"), "--data", csv.toString(), "--normalize", "columns", "--loss", "mse",
                "--layers", "", "--epochs", "1", "--no-report");
        Map<?, ?> data = data(run);
        assertArrayEquals(new double[] {2, 200, 7}, numbers(data.get("normalize_mean")), 1e-12);
        double s = Math.sqrt(2.0 / 3);
        assertArrayEquals(new double[] {s, 100 * s, 1}, numbers(data.get("normalize_std")), 1e-12);

        // predict standardizes each row as training did: a row at the columns' means is the model's bias
        Path means = Files.writeString(dir.resolve("means.csv"), "a,b,c\n2,200,7\n");
        String line = Cli.ok("predict", "--model", run.toString(), "--csv", means.toString()).out();
        float bias = io.jgrad.io.Safetensors.read(run.resolve("model.safetensors")).tensors().get("0.bias").toFloatArray()[0];
        assertEquals(bias, Double.parseDouble(line.substring(line.lastIndexOf(": ") + 2).trim()), 1e-5, line);
        assertTrue(Cli.ok("eval", "--model", run.toString()).out().contains("(normalized: per column)"));
        String inspect = Cli.ok("inspect", run.toString()).out();
        assertTrue(inspect.contains("data        " + csv + ", target column 'y' (normalized: per column, 3 columns)\n"), inspect);

        Cli.ok("train", "--resume", run.toString(), "--epochs", "2", "--normalize", "columns", "--threads", "1");
        Cli.run("train", "--resume", run.toString(), "--epochs", "3", "--normalize")
                .assertUserError("--normalize is fixed by the run", "the run has columns, --normalize gives all");

        // a hand-edited list must have one value per input
        Path config = run.resolve("config.json");
        Files.writeString(config, Files.readString(config).replaceFirst("\"normalize_mean\": \\[\\s*2.0,", "\"normalize_mean\": ["));
        Cli.run("eval", "--model", run.toString()).assertUserError(config.toString(), "data.normalize_mean",
                "lists 2 values, but the network takes 3 inputs");
    }

    /**
     * A file of one feature column: its pair per column is the same numbers as one pair for all values, but the mode
     * is still columns. config.json wrote it as a number, --resume then took it for --normalize (all) and refused
     * --normalize columns.
     */
    @Test
    void oneFeatureColumnKeepsTheColumnsMode() throws IOException {
        Path csv = Files.writeString(dir.resolve("one.csv"), "a,y\n1,0\n2,1\n3,0\n4,1\n");
        Path run = Cli.train(dir.resolve("run"), "--data", csv.toString(), "--normalize", "columns", "--layers", "",
                "--epochs", "1", "--no-report");
        assertArrayEquals(new double[] {2.5}, numbers(data(run).get("normalize_mean")), 1e-12);
        assertArrayEquals(new double[] {Math.sqrt(1.25)}, numbers(data(run).get("normalize_std")), 1e-12);
        assertTrue(Cli.ok("eval", "--model", run.toString()).out().contains("(normalized: per column)"));
        String inspect = Cli.ok("inspect", run.toString()).out();
        assertTrue(inspect.contains("data        " + csv + ", target column 'y' (normalized: per column, 1 column)\n"), inspect);
        Cli.ok("train", "--resume", run.toString(), "--epochs", "2", "--normalize", "columns", "--threads", "1");
        Cli.run("train", "--resume", run.toString(), "--epochs", "3", "--normalize")
                .assertUserError("--normalize is fixed by the run", "the run has columns, --normalize gives all");
        // a hand-edited config.json with a list and a number: which mode it is cannot be told
        Path config = run.resolve("config.json");
        Files.writeString(config, Files.readString(config).replaceFirst("\"normalize_std\": \\[\\s*([0-9.]+)\\s*\\]",
                "\"normalize_std\": $1"));
        Cli.run("eval", "--model", run.toString()).assertUserError(config.toString(), "data.normalize_std: is a number and"
                + " normalize_mean a list; expected two numbers (one pair for all values) or two lists (a pair per column)");
    }

    @Test
    void modesAreCheckedAndImagesShareOneScale() throws IOException {
        Path csv = Files.writeString(dir.resolve("d.csv"), "a,y\n1,0\n2,1\n");
        Cli.run("train", "--data", csv.toString(), "--normalize", "rows", "--out", dir.resolve("x").toString())
                .assertUserError("--normalize must be all or columns (or the flag alone, for all), got rows");
        Path idx = IdxFiles.write(dir.resolve("idx"), 20, 10, 8, 1);
        Cli.run("train", "--data", idx.toString(), "--normalize", "columns", "--out", dir.resolve("x").toString())
                .assertUserError("--normalize columns standardizes each column of a CSV file", "use --normalize");
        assertFalse(Files.exists(dir.resolve("x")));
        // images of 4x6 pixels flatten to 24 values, no square: they were taken column by column
        Path wide = IdxFiles.write(dir.resolve("wide"), 20, 10, 4, 6, 1);
        Cli.run("train", "--data", wide.toString(), "--normalize", "columns", "--out", dir.resolve("x").toString())
                .assertUserError("--normalize columns standardizes each column of a CSV file", "use --normalize");
        assertFalse(Files.exists(dir.resolve("x")));
        // the flag alone, followed by another flag, is one mean for all values
        Path run = Cli.train(dir.resolve("all"), "--data", csv.toString(), "--normalize", "--layers", "", "--epochs", "1",
                "--no-report", "--loss", "mse");
        assertEquals(1.5, ((Number) data(run).get("normalize_mean")).doubleValue(), 1e-12);
        String inspect = Cli.ok("inspect", run.toString()).out();
        assertTrue(inspect.contains("data        " + csv + ", target column 'y' (normalized: mean 1.5000, std 0.5000)\n"), inspect);
    }
}
