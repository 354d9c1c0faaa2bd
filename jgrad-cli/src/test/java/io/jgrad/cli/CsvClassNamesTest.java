package io.jgrad.cli;

import static org.junit.jupiter.api.Assertions.*;

import io.jgrad.io.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A CSV target of class names (iris's species) trains as classes 0..K-1 in the names' sorted order; config.json
 * records the names, and predict, eval, the report and --resume use them. It was refused ("setosa" is not a number).
 */
class CsvClassNamesTest {
    @TempDir
    Path dir;

    /** Three separable clusters named out of sorted order in the file: virginica comes first. */
    private Path flowers(String name, int rows, String... extraLines) throws IOException {
        List<String> lines = new ArrayList<>(List.of("a,b,species"));
        String[] names = {"virginica", "setosa", "versicolor"};
        double[][] centers = {{3, 3}, {-3, 0}, {0, -3}};
        for (int i = 0; i < rows; i++) {
            int c = i % 3;
            double jitter = 0.1 * ((i * 7) % 5 - 2);
            lines.add((centers[c][0] + jitter) + "," + (centers[c][1] - jitter) + "," + names[c]);
        }
        lines.addAll(List.of(extraLines));
        return Files.writeString(dir.resolve(name), String.join("\n", lines) + "\n");
    }

    private Path train(Path out, Path csv, String... flags) {
        List<String> args = new ArrayList<>(List.of("--data", csv.toString(), "--layers", "8", "--no-report"));
        args.addAll(List.of(flags));
        return Cli.train(out, args.toArray(String[]::new));
    }

    @Test
    void namesTrainAndAreRecordedPredictedAndEvaluated() throws IOException {
        Path csv = flowers("flowers.csv", 60);
        Path val = flowers("val.csv", 9);
        Path run = dir.resolve("run");
        Cli train = Cli.run("train", "--threads", "1", "--out", run.toString(), "--data", csv.toString(), "--val-data",
                val.toString(), "--layers", "8", "--epochs", "30", "--lr", "0.05", "--batch-size", "8");
        assertEquals(0, train.exitCode(), train.err());
        assertTrue(train.err().contains("note: " + csv + ": column 'species' holds class names; classes 0..2 are 'setosa',"
                + " 'versicolor', 'virginica' (sorted)"), train.err());
        Map<?, ?> data = (Map<?, ?>) ((Map<?, ?>) Json.read(run.resolve("config.json"))).get("data");
        assertEquals(List.of("setosa", "versicolor", "virginica"), data.get("class_names"));
        assertTrue(train.out().contains("accuracy 100.00%"), train.out());

        List<String> predicted = Cli.ok("predict", "--model", run.toString(), "--csv", val.toString(), "--top", "1").out()
                .lines().map(l -> l.substring(l.indexOf(": ") + 2)).toList();
        assertEquals(9, predicted.size());
        for (int i = 0; i < 9; i++) {
            String want = List.of("virginica", "setosa", "versicolor").get(i % 3);
            assertTrue(predicted.get(i).matches("class " + want + "  \\(" + want + ": [01]\\.\\d{4}\\)"), predicted.get(i));
        }

        String eval = Cli.ok("eval", "--model", run.toString()).out();
        assertTrue(eval.contains(" true\\pred     setosa versicolor  virginica   recall\n"
                + "     setosa          3          0          0   1.0000\n"), eval);
        assertTrue(eval.contains("\nmacro avg precision 1.0000  recall 1.0000  F1 1.0000  (unweighted"), eval);
        assertTrue(Cli.ok("inspect", run.toString()).out().contains("task        classification, loss cross-entropy, 3 classes"
                + " ('setosa', 'versicolor', 'virginica')\n"));
        String report = Files.readString(run.resolve("report.html"));
        assertTrue(report.contains("<td class=\"num\">versicolor</td>"), "the per-class table names the classes");
    }

    /**
     * train --help's iris example, whose note said the class column "must hold class numbers 0, 1, 2, not species
     * names": it trains on either, as its note now says (with fewer epochs here).
     */
    @Test
    void theIrisExampleOfTrainsHelpTakesSpeciesNames() throws IOException {
        List<String> example = Cli.ok("help", "train").out().lines().dropWhile(l -> !l.contains(" --data iris.csv ")).limit(2)
                .map(String::strip).toList();
        assertEquals("(the column may hold class numbers 0, 1, 2 or species names)", example.get(1));
        List<String> words = new ArrayList<>(List.of(example.get(0).split(" ")));
        assertEquals(List.of("jgrad", "train", "--data", "iris.csv", "--target-column", "class"), words.subList(0, 6));
        words.set(words.indexOf("--epochs") + 1, "2");
        String names = Files.readString(flowers("names.csv", 30)).replace("a,b,species", "a,b,class");
        String numbers = names.replace("setosa", "0").replace("versicolor", "1").replace("virginica", "2");
        for (String text : List.of(names, numbers)) {
            words.set(3, Files.writeString(dir.resolve("iris.csv"), text).toString());
            List<String> args = new ArrayList<>(words.subList(1, words.size()));
            args.addAll(List.of("--out", dir.resolve("run").toString(), "--no-report", "--threads", "1"));
            Cli r = Cli.run(args.toArray(String[]::new));
            assertEquals(0, r.exitCode(), r.err());
        }
    }

    /**
     * predict --output FILE.csv: a header, then per input its name (quoted where it holds a comma), the predicted
     * class and every class's probability, the same classes as the printed lines; written whole, nothing printed
     * but where it went.
     */
    @Test
    void predictWritesACsvFileOfEveryClasssProbability() throws IOException {
        Path run = train(dir.resolve("run"), flowers("flowers.csv", 30), "--epochs", "30", "--lr", "0.05", "--batch-size", "8");
        Path input = flowers("in, put.csv", 4);
        Path out = dir.resolve("predictions.csv");
        Cli predict = Cli.ok("predict", "--model", run.toString(), "--csv", input.toString(), "--output", out.toString());
        assertEquals("wrote " + out + " (4 predictions)\n", predict.out());
        List<String> lines = Files.readAllLines(out);
        assertEquals("input,predicted,p_setosa,p_versicolor,p_virginica", lines.get(0));
        List<String> printed = Cli.ok("predict", "--model", run.toString(), "--csv", input.toString()).out().lines().toList();
        assertEquals(5, lines.size());
        for (int i = 1; i <= 4; i++) {
            String[] cells = lines.get(i).split(",(?=[^ ])"); // the quoted name holds ", "
            assertEquals("\"in, put.csv row " + i + "\"", cells[0]);
            assertTrue(printed.get(i - 1).startsWith("in, put.csv row " + i + ": class " + cells[1] + "  ("), printed.get(i - 1));
            double sum = 0;
            for (int j = 2; j < 5; j++) {
                sum += Double.parseDouble(cells[j]);
            }
            assertEquals(1, sum, 1e-5, "a softmax's probabilities: " + lines.get(i));
        }
        Cli.run("predict", "--model", run.toString(), "--csv", input.toString(), "--output", out.toString(), "--top", "2")
                .assertUserError("--top", "--output " + out, "leave --top out");
        Cli.run("predict", "--model", run.toString(), "--csv", input.toString(), "--output", dir.resolve("no/p.csv").toString())
                .assertUserError("--output " + dir.resolve("no/p.csv"), "no directory " + dir.resolve("no"));
        Cli.run("predict", "--model", run.toString(), "--csv", input.toString(), "--output", dir.toString())
                .assertUserError("--output " + dir, "is a directory");
        // the file it reads, by another spelling too: replaced by the predictions, the rows were lost
        String rows = Files.readString(input), config = Files.readString(run.resolve("config.json"));
        Path again = dir.resolve(".").resolve(input.getFileName());
        Cli.run("predict", "--model", run.toString(), "--csv", input.toString(), "--output", again.toString())
                .assertUserError("--output " + again + ": is " + input + ", which predict reads");
        Cli.run("predict", "--model", run.toString(), "--csv", input.toString(), "--output", run.resolve("config.json").toString())
                .assertUserError("--output " + run.resolve("config.json"), "which predict reads");
        assertEquals(rows, Files.readString(input));
        assertEquals(config, Files.readString(run.resolve("config.json")));
    }

    /** A binary model of names: p(class 1) under that class's name, on the lines and in the --output file. */
    @Test
    void aBinaryModelShowsTheProbabilityOfItsSecondClassByName() throws IOException {
        Path csv = Files.writeString(dir.resolve("yn.csv"), "x,ok\n0.1,no\n0.9,yes\n0.2,no\n0.8,yes\n");
        Path run = Cli.train(dir.resolve("run"), "--data", csv.toString(), "--loss", "bce", "--layers", "", "--epochs", "1");
        String line = Cli.ok("predict", "--model", run.toString(), "--csv", csv.toString(), "--limit", "1").out();
        assertTrue(line.matches("yn.csv row 1: class (no|yes) \\(p\\(yes\\) = 0\\.\\d{4}\\)\n"), line);
        Path out = dir.resolve("p.csv");
        Cli.ok("predict", "--model", run.toString(), "--csv", csv.toString(), "--output", out.toString());
        List<String> lines = Files.readAllLines(out);
        assertEquals("input,predicted,p_yes", lines.get(0));
        String[] cells = lines.get(1).split(",");
        assertEquals(Double.parseDouble(cells[2]) >= 0.5 ? "yes" : "no", cells[1]);
        assertTrue(line.contains("class " + cells[1] + " "), line);
    }

    /** Validation, evaluation and resumed data must use the training file's names: another name is no class. */
    @Test
    void aNameTheTrainingDataLacksIsRefusedWithItsLine() throws IOException {
        Path csv = flowers("flowers.csv", 12);
        Path val = flowers("val.csv", 3, "1,1,rose");
        Cli.run("train", "--threads", "1", "--out", dir.resolve("x").toString(), "--data", csv.toString(), "--val-data",
                val.toString(), "--epochs", "1").assertUserError("--val-data " + val + ": line 5, column 'species': \"rose\" is not"
                + " one of the 3 classes of the training data, ['setosa', 'versicolor', 'virginica']");
        assertFalse(Files.exists(dir.resolve("x")), "nothing written");

        Path run = train(dir.resolve("run"), csv, "--epochs", "1");
        Cli.run("eval", "--model", run.toString(), "--data", val.toString())
                .assertUserError("--data " + val + ": line 5, column 'species': \"rose\" is not one of the 3 classes");

        // --resume reads the data again by the recorded names, not by the sorted names of what the file holds now: a
        // file that lost its setosa rows keeps versicolor as class 1
        Path fewer = Files.writeString(dir.resolve("fewer.csv"), "a,b,species\n3,3,virginica\n0,-3,versicolor\n");
        Path small = train(dir.resolve("small"), fewer, "--epochs", "1");
        assertEquals(List.of("versicolor", "virginica"), ((Map<?, ?>) ((Map<?, ?>) Json.read(small.resolve("config.json")))
                .get("data")).get("class_names"));
        Files.writeString(fewer, "a,b,species\n3,3,virginica\n0,-3,versicolor\n-3,0,setosa\n");
        Cli.run("train", "--resume", small.toString(), "--epochs", "2").assertUserError(small.resolve("config.json")
                + ": data.path " + fewer + ": line 4, column 'species': \"setosa\" is not one of the 2 classes of the training data");
        Files.writeString(fewer, "a,b,species\n0,-3,versicolor\n3,3,virginica\n");
        Cli.ok("train", "--resume", small.toString(), "--epochs", "2", "--threads", "1");
    }

    /** One class name is one class: refused as one class of indices is, in words for names. */
    @Test
    void oneClassNameIsRefused() throws IOException {
        Path one = Files.writeString(dir.resolve("one.csv"), "x,y\n1,cat\n2,cat\n");
        Cli.run("train", "--data", one.toString(), "--out", dir.resolve("x").toString()).assertUserError(
                "every label in column 'y' is 'cat', so the data has one class", "expected two or more class names");
    }

    /** A hand-edited config.json's class names must be one per class, distinct and non-blank. */
    @Test
    void recordedClassNamesAreChecked() throws IOException {
        Path run = train(dir.resolve("run"), flowers("flowers.csv", 12), "--epochs", "1");
        Path config = run.resolve("config.json");
        String good = Files.readString(config);
        String[][] cases = {
            {"\"virginica\"\n", "\"virginica\",\n      \"rose\"\n", "lists 4 names, but num_classes is 3"},
            {"\"virginica\"\n", "\"setosa\"\n", "class 'setosa' is listed twice"},
            {"\"virginica\"\n", "\" \"\n", "expected class names (non-blank strings)"},
        };
        for (String[] c : cases) {
            assertTrue(good.contains(c[0]), good);
            Files.writeString(config, good.replace(c[0], c[1]));
            Cli.run("eval", "--model", run.toString()).assertUserError(config.toString(), "data.class_names", c[2]);
        }
    }

    /** A run of class indices (or one from before names were read) takes indices only: a name is refused. */
    @Test
    void aRunOfClassIndicesRefusesNames() throws IOException {
        Path indices = Files.writeString(dir.resolve("indices.csv"), "a,b,species\n3,3,0\n-3,0,1\n0,-3,2\n");
        Path run = train(dir.resolve("run"), indices, "--epochs", "1");
        assertFalse(Files.readString(run.resolve("config.json")).contains("class_names"), "written only for names");
        Path names = flowers("names.csv", 3);
        Cli.run("eval", "--model", run.toString(), "--data", names.toString())
                .assertUserError(names + ": line 2, column 'species': \"virginica\" is not a number");
    }
}
