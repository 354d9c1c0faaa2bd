package io.jgrad.cli;

import static org.junit.jupiter.api.Assertions.*;

import io.jgrad.io.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** predict --csv and eval --data FILE.csv pick the feature columns recorded in config.json by name. */
class CsvColumnsTest {
    @TempDir
    Path dir;

    private Path run;
    private Path features;
    private Path reordered;

    @BeforeEach
    void train() throws IOException {
        Path csv = SyntheticData.linearCsv(dir.resolve("linear.csv"), 40, 3); // x0,x1,y with y = 2 x0 - x1 + 0.5
        run = dir.resolve("run");
        Cli.ok("train", "--data", csv.toString(), "--loss", "mse", "--layers", "", "--epochs", "1", "--threads", "1",
                "--no-report", "--out", run.toString());
        features = write("features.csv", "x0,x1", "0.5,-0.25", "-1,0.75", "0.1,0.9");
        reordered = write("reordered.csv", "x1,x0", "-0.25,0.5", "0.75,-1", "0.9,0.1");
    }

    private Path write(String name, String... lines) throws IOException {
        return Files.writeString(dir.resolve(name), String.join("\n", lines) + "\n");
    }

    /** The predicted values, without the input names (which hold the file name). */
    private static List<String> values(Cli predict) {
        return predict.out().lines().map(l -> l.substring(l.lastIndexOf(": ") + 2)).toList();
    }

    /** eval's loss line. */
    private static String loss(Cli eval) {
        return eval.out().lines().filter(l -> l.startsWith("loss")).findFirst().orElseThrow();
    }

    /**
     * A CSV file without a header row trains on all but its first row, whose numbers become the column names: jgrad
     * says so. It said nothing (and 'predict --csv' on a second such file then missed columns named after numbers).
     */
    @Test
    void aFileWithoutAHeaderRowIsNoted() throws IOException {
        Path headerless = write("headerless.csv", "0.5,-0.25,0.75", "-1,0.75,-2.25", "0.1,0.9,-0.7", "1,1,1.5");
        Cli train = Cli.ok("train", "--data", headerless.toString(), "--loss", "mse", "--layers", "", "--epochs", "1",
                "--threads", "1", "--no-report", "--out", dir.resolve("headerless").toString(), "--val-data", headerless.toString());
        List<String> notes = train.err().lines().filter(l -> l.startsWith("note: " + headerless)).toList();
        assertEquals(2, notes.size(), train.err()); // --data and --val-data
        assertTrue(notes.get(0).contains("(0.5,-0.25,0.75) is a number") && notes.get(0).contains("add a line of column names"), notes.get(0));
        // numbered feature columns with a named target are a header: no note
        Path numbered = write("numbered.csv", "0,1,y", "0.5,-0.25,0.75", "-1,0.75,-2.25");
        Cli named = Cli.ok("train", "--data", numbered.toString(), "--loss", "mse", "--layers", "", "--epochs", "1",
                "--threads", "1", "--no-report", "--out", dir.resolve("numbered").toString());
        assertFalse(named.err().contains("is a number"), named.err());
    }

    /** A regression model's --output file: input and the predicted value, the value the printed line shows. */
    @Test
    void predictOutputOfARegressionModel() throws IOException {
        Path out = dir.resolve("values.csv");
        Cli.ok("predict", "--model", run.toString(), "--csv", features.toString(), "--output", out.toString());
        List<String> lines = java.nio.file.Files.readAllLines(out);
        assertEquals("input,predicted", lines.get(0));
        List<String> printed = values(Cli.ok("predict", "--model", run.toString(), "--csv", features.toString()));
        for (int i = 0; i < 3; i++) {
            assertEquals("features.csv row " + (i + 1) + "," + printed.get(i), lines.get(i + 1));
        }
    }

    @Test
    void configRecordsTheFeatureColumns() throws IOException {
        Map<?, ?> data = (Map<?, ?>) ((Map<?, ?>) Json.read(run.resolve("config.json"))).get("data");
        assertEquals(List.of("x0", "x1"), data.get("feature_columns"));
    }

    @Test
    void predictPicksColumnsByName() throws IOException {
        List<String> want = values(Cli.ok("predict", "--model", run.toString(), "--csv", features.toString()));
        assertEquals(3, want.size());
        assertEquals(want, values(Cli.ok("predict", "--model", run.toString(), "--csv", reordered.toString())));
        // the target and other columns, even text, are ignored
        Path extra = write("extra.csv", "y,id,x1,x0", "0,a,-0.25,0.5", "0,b,0.75,-1", "0,c,0.9,0.1");
        assertEquals(want, values(Cli.ok("predict", "--model", run.toString(), "--csv", extra.toString())));
    }

    @Test
    void evalPicksColumnsByName() throws IOException {
        Path plain = write("plain.csv", "x0,x1,y", "0.5,-0.25,1.75", "-1,0.75,-2.25", "0.1,0.9,-0.2");
        Path moved = write("moved.csv", "y,x1,x0", "1.75,-0.25,0.5", "-2.25,0.75,-1", "-0.2,0.9,0.1");
        String want = loss(Cli.ok("eval", "--model", run.toString(), "--data", plain.toString()));
        assertEquals(want, loss(Cli.ok("eval", "--model", run.toString(), "--data", moved.toString())));
    }

    /**
     * The training file's target column is recorded by name even when it was the default (the last column), so that
     * eval finds it among other columns: with an id column after it, eval used to take the id as the target.
     */
    @Test
    void evalFindsTheDefaultTargetColumnByName() throws IOException {
        Map<?, ?> data = (Map<?, ?>) ((Map<?, ?>) Json.read(run.resolve("config.json"))).get("data");
        assertEquals("y", data.get("target_column"));
        Path plain = write("plain.csv", "x0,x1,y", "0.5,-0.25,1.75", "-1,0.75,-2.25", "0.1,0.9,-0.2");
        Path withId = write("with-id.csv", "x1,y,x0,id", "-0.25,1.75,0.5,7", "0.75,-2.25,-1,8", "0.9,-0.2,0.1,9");
        String want = loss(Cli.ok("eval", "--model", run.toString(), "--data", plain.toString()));
        assertEquals(want, loss(Cli.ok("eval", "--model", run.toString(), "--data", withId.toString())));
    }

    @Test
    void aMissingColumnIsAUserErrorNamingIt() throws IOException {
        Path renamed = write("renamed.csv", "x0,z", "0.5,-0.25");
        Cli.run("predict", "--model", run.toString(), "--csv", renamed.toString()).assertUserError("renamed.csv", "'x1'");
        Path noX0 = write("no-x0.csv", "x1,z,y", "0.5,-0.25,1");
        Cli.run("eval", "--model", run.toString(), "--data", noX0.toString()).assertUserError("no-x0.csv", "'x0'");
    }

    @Test
    void anOldConfigWithoutTheColumnsStillWorks() throws IOException {
        List<String> want = values(Cli.ok("predict", "--model", run.toString(), "--csv", features.toString()));
        Path config = run.resolve("config.json");
        @SuppressWarnings("unchecked")
        Map<String, Object> m = (Map<String, Object>) Json.read(config);
        ((Map<?, ?>) m.get("data")).remove("feature_columns");
        Files.writeString(config, Json.write(m) + "\n");
        assertEquals(want, values(Cli.ok("predict", "--model", run.toString(), "--csv", features.toString())));
        // no names to check: the columns are taken in file order, as before they were recorded
        assertNotEquals(want, values(Cli.ok("predict", "--model", run.toString(), "--csv", reordered.toString())));
        Path plain = write("plain.csv", "x0,x1,y", "0.5,-0.25,1.75", "-1,0.75,-2.25");
        assertTrue(loss(Cli.ok("eval", "--model", run.toString(), "--data", plain.toString())).startsWith("loss"));
    }
}
