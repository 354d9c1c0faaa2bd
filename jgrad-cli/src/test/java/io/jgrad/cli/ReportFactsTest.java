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
        assertTrue(facts.get("Data").endsWith("(120 train, 30 validation)"), facts.toString());
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
}
