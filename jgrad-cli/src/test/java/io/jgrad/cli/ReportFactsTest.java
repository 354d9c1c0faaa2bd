package io.jgrad.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What report.html says about a real run: short trainings on small generated data, then the page read back. */
class ReportFactsTest {
    @TempDir
    Path dir;

    private static Cli ok(String... args) {
        Cli r = Cli.run(args);
        assertEquals(0, r.exitCode(), () -> String.join(" ", args) + "\nstderr:\n" + r.err() + "\nstdout:\n" + r.out());
        return r;
    }

    /** The rows of the page's facts table, in order. */
    static Map<String, String> facts(String html) {
        int start = html.indexOf("<table class=\"facts\">");
        String table = html.substring(start, html.indexOf("</table>", start));
        Map<String, String> facts = new LinkedHashMap<>();
        Matcher m = Pattern.compile("<tr><th>(.*?)</th><td>(.*?)</td></tr>").matcher(table);
        while (m.find()) {
            facts.put(m.group(1), m.group(2));
        }
        return facts;
    }

    private Path train(String name, String... args) throws IOException {
        Path run = dir.resolve(name);
        List<String> all = new ArrayList<>(List.of("train", "--threads", "1", "--out", run.toString()));
        all.addAll(List.of(args));
        ok(all.toArray(String[]::new));
        return run;
    }

    @Test
    void heldOutDataIsCalledValidationForASplitAndTestForIdx() throws IOException {
        Path csv = SyntheticData.blobsCsv(dir.resolve("blobs.csv"), 150, 4, 3, 7);
        String html = Files.readString(train("csv", "--data", csv.toString(), "--val-split", "0.2", "--layers", "8",
                "--epochs", "2").resolve("report.html"));
        Map<String, String> facts = facts(html);
        assertTrue(facts.get("Data").contains("(120 train, 30 validation"), facts.toString());
        assertTrue(facts.containsKey("Validation loss"), facts.toString());
        assertTrue(facts.containsKey("Validation accuracy"), facts.toString());
        assertFalse(html.contains("Test loss") || html.contains("Test accuracy"), facts.toString());
        assertTrue(html.contains("The final model on the validation set."), "confusion caption");

        Path idx = dir.resolve("idx");
        SyntheticData.idxDirectory(idx, 60, 20, 8, 3, 5);
        html = Files.readString(train("idx", "--data", idx.toString(), "--layers", "8", "--epochs", "1")
                .resolve("report.html"));
        facts = facts(html);
        assertTrue(facts.get("Data").endsWith("(60 train, 20 test)"), facts.toString());
        assertTrue(facts.containsKey("Test loss") && facts.containsKey("Test accuracy"), facts.toString());
        assertTrue(html.contains("Train and test loss per epoch."), "loss caption");
    }

    @Test
    void factsListTheOptionsTheRunWasGivenAndOnlyThose() throws IOException {
        Path csv = SyntheticData.blobsCsv(dir.resolve("blobs.csv"), 150, 4, 3, 7);
        Path first = train("first", "--data", csv.toString(), "--layers", "8", "--epochs", "1");
        Map<String, String> plain = facts(Files.readString(first.resolve("report.html")));
        assertEquals("adam, lr 0.001, weight decay 0.0", plain.get("Optimizer"), "adam ignores --momentum");
        assertEquals("64", plain.get("Batch size"));
        for (String absent : List.of("Initial weights", "Learning-rate schedule", "Gradient clipping", "Augmentation",
                "Early stopping", "Target loss")) {
            assertFalse(plain.containsKey(absent), absent + " listed for a run without it: " + plain);
        }

        Path run = train("all", "--data", csv.toString(), "--val-data", csv.toString(), "--layers", "8", "--epochs", "2",
                "--optimizer", "sgd", "--momentum", "0.9", "--schedule", "step:1:0.5", "--patience", "4",
                "--clip-grad-norm", "2.5", "--target-loss", "0.0001", "--no-shuffle",
                "--init", first.resolve("model.safetensors").toString());
        Map<String, String> facts = facts(Files.readString(run.resolve("report.html")));
        assertTrue(facts.get("Data").endsWith("(150 train, 150 validation; --val-data " + csv + ")"), facts.get("Data"));
        assertEquals("--init " + first.resolve("model.safetensors"), facts.get("Initial weights"));
        assertEquals("sgd, lr 0.05, momentum 0.9, weight decay 0.0", facts.get("Optimizer"));
        assertEquals("--schedule step:1:0.5", facts.get("Learning-rate schedule"));
        assertEquals("--clip-grad-norm 2.5 (global L2 norm)", facts.get("Gradient clipping"));
        assertEquals("64 (--no-shuffle: same order every epoch)", facts.get("Batch size"));
        assertEquals("--patience 4: stop when the validation loss has not improved for 4 epochs", facts.get("Early stopping"));
        assertTrue(facts.get("Target loss").startsWith("--target-loss 1.0E-4: stop when"), facts.get("Target loss"));

        Path split = train("split", "--data", csv.toString(), "--val-split", "0.2", "--layers", "8", "--epochs", "1");
        assertTrue(facts(Files.readString(split.resolve("report.html"))).get("Data").endsWith("(120 train, 30 validation; --val-split 0.2)"));

        Path idx = dir.resolve("idx");
        SyntheticData.idxDirectory(idx, 40, 10, 8, 3, 5);
        String cnnHtml = Files.readString(train("cnn", "--data", idx.toString(), "--model", "cnn",
                "--epochs", "1", "--augment", "flip", "--batch-size", "20").resolve("report.html"));
        assertEquals("--augment flip", facts(cnnHtml).get("Augmentation"));
        // Two convolutions and two Linear layers; the BatchNorm scales 1.weight and 5.weight are not layers.
        assertTrue(cnnHtml.contains("the first weight tensor (layer 1, 0.weight)"), "gradient note");
        assertTrue(cnnHtml.contains("and the last (layer 4, 13.weight)"), "gradient note");
    }
}
