package io.jgrad.cli;

import static org.junit.jupiter.api.Assertions.*;

import io.jgrad.io.Json;
import io.jgrad.io.Safetensors;
import io.jgrad.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** jgrad train --weight-init: its refusals, what a run draws and records, and --resume. */
class WeightInitCliTest {
    @TempDir
    Path dir;

    private static final String EXPECTED = "expected default, xavier-uniform, xavier-normal, kaiming-uniform,"
            + " kaiming-normal, normal:STD (STD > 0, e.g. normal:0.01) or uniform:A (A > 0, e.g. uniform:0.05)";

    private static Map<String, Tensor> weights(Path run) throws IOException {
        return Safetensors.read(run.resolve("model.safetensors")).tensors();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> training(Path run) throws IOException {
        return (Map<String, Object>) ((Map<String, Object>) Json.read(run.resolve("config.json"))).get("training");
    }

    /** The last line of standard error, the refusal (picocli's "Try ..." hint left out). */
    private static String refusal(Cli r) {
        r.assertUserError();
        List<String> lines = r.err().lines().filter(l -> !l.isBlank() && !l.startsWith("Try '")).toList();
        return lines.get(lines.size() - 1);
    }

    @Test
    void aBadSchemeIsRefusedInOneLineBeforeTheDataIsRead() {
        Path out = dir.resolve("r");
        for (String bad : List.of("normal:0", "normal:-1", "uniform:abc", "glorot", "kaiming")) {
            // --data names no file: the flag is refused first
            Cli r = Cli.run("train", "--data", dir.resolve("missing.csv").toString(), "--weight-init", bad, "--out",
                    out.toString());
            String line = refusal(r);
            assertTrue(line.startsWith("jgrad train: --weight-init " + bad + ": "), line);
            assertTrue(line.endsWith("; " + EXPECTED), line);
        }
        assertFalse(Files.exists(out), "a bad flag must stop the run before it creates --out");
    }

    @Test
    void weightInitAndInitAreRefusedTogether() throws IOException {
        Path csv = SyntheticData.blobsCsv(dir.resolve("blobs.csv"), 30, 4, 3, 5);
        Path first = Cli.trainedRun(csv, "8", dir.resolve("first"));
        Cli r = Cli.run("train", "--data", csv.toString(), "--layers", "8", "--weight-init", "xavier-uniform", "--init",
                first.resolve("model.safetensors").toString(), "--out", dir.resolve("r").toString());
        assertEquals("jgrad train: --weight-init xavier-uniform and --init " + first.resolve("model.safetensors") + " both give"
                + " the initial weights; use one of them (--init loads every weight from the file, so nothing would be left"
                + " to draw)", refusal(r));
        assertFalse(Files.exists(dir.resolve("r")));
    }

    /**
     * One epoch at a learning rate too small to change a float32 weight: model.safetensors holds the drawn weights. The
     * first layer's 200 x 4 weights are N(0, 0.5^2): their sd within 5 standard errors (0.5 / sqrt(2 * 800)); the biases
     * are those of a run at PyTorch's default, drawn by the same seed.
     */
    @Test
    void aRunDrawsItsWeightsByTheSchemeAndRecordsIt() throws IOException {
        Path csv = SyntheticData.blobsCsv(dir.resolve("blobs.csv"), 30, 4, 3, 5);
        List<String> common = List.of("--data", csv.toString(), "--layers", "200", "--optimizer", "sgd", "--lr", "1e-30",
                "--epochs", "1", "--seed", "3");
        Path drawn = Cli.train(dir.resolve("drawn"), concat(common, "--weight-init", "Normal:0.5"));
        Path again = Cli.train(dir.resolve("again"), concat(common, "--weight-init", "normal:0.5", "--no-report"));
        Path plain = Cli.train(dir.resolve("plain"), concat(common, "--no-report"));
        double[] w = weights(drawn).get("0.weight").toDoubleArray();
        double sq = 0;
        for (double v : w) {
            sq += v * v;
        }
        assertEquals(0.5, Math.sqrt(sq / w.length), 5 * 0.5 / Math.sqrt(2.0 * w.length), "sd of the first layer's weights");
        assertArrayEquals(w, weights(again).get("0.weight").toDoubleArray(), "the same --seed draws the same weights");
        assertFalse(java.util.Arrays.equals(w, weights(plain).get("0.weight").toDoubleArray()));
        for (String bias : List.of("0.bias", "2.bias")) {
            assertArrayEquals(weights(plain).get(bias).toDoubleArray(), weights(drawn).get(bias).toDoubleArray(),
                    bias + " keeps PyTorch's default");
        }
        assertEquals("normal:0.5", training(drawn).get("weight_init"));
        assertFalse(training(plain).containsKey("weight_init"), "a run at the default writes its config.json as before");
        assertEquals("--weight-init normal:0.5 (weights; biases and batch norm as PyTorch initializes them)",
                ReportFactsTest.facts(Files.readString(drawn.resolve("report.html"))).get("Initial weights"));
        assertTrue(Cli.ok("inspect", drawn.toString()).out().contains("\ninit        --weight-init normal:0.5\n"), "inspect");
    }

    /** The scheme matters only at the start; --resume keeps it, takes it again, and refuses another. */
    @Test
    void resumeKeepsTheSchemeAndRefusesAnother() throws IOException {
        Path csv = SyntheticData.blobsCsv(dir.resolve("blobs.csv"), 60, 4, 3, 5);
        List<String> common = List.of("--data", csv.toString(), "--layers", "8", "--batch-size", "20", "--weight-init",
                "kaiming-normal", "--no-report");
        Path straight = Cli.train(dir.resolve("straight"), concat(common, "--epochs", "2"));
        Path first = Cli.train(dir.resolve("first"), concat(common, "--epochs", "1"));
        Cli.ok("train", "--resume", first.toString(), "--epochs", "2", "--threads", "1", "--weight-init", "Kaiming-Normal");
        assertArrayEquals(Files.readAllBytes(straight.resolve("model.safetensors")),
                Files.readAllBytes(first.resolve("model.safetensors")), "resumed, the run trains as it would have");
        assertEquals("kaiming-normal", training(first).get("weight_init"));

        assertEquals("jgrad train: --weight-init is fixed by the run in " + first.resolve("config.json") + "; leave it out"
                + " (the run has kaiming-normal, --weight-init gives xavier-uniform)",
                refusal(Cli.run("train", "--resume", first.toString(), "--epochs", "3", "--weight-init", "xavier-uniform")));
        // a run at the default (a config.json without the field, as older jgrads wrote) is one of default
        Path plain = Cli.trainedRun(csv, "8", dir.resolve("plain"));
        assertEquals("jgrad train: --weight-init is fixed by the run in " + plain.resolve("config.json") + "; leave it out"
                + " (the run has default, --weight-init gives normal:0.01)",
                refusal(Cli.run("train", "--resume", plain.toString(), "--epochs", "2", "--weight-init", "normal:1e-2")));
        Cli.ok("train", "--resume", plain.toString(), "--epochs", "2", "--weight-init", "default");
    }

    @Test
    void aConfigJsonWithAnUnknownSchemeIsRefusedNamingTheField() throws IOException {
        Path csv = SyntheticData.blobsCsv(dir.resolve("blobs.csv"), 30, 4, 3, 5);
        Path run = Cli.train(dir.resolve("run"), "--data", csv.toString(), "--layers", "8", "--epochs", "1", "--no-report",
                "--weight-init", "uniform:0.1");
        Path config = run.resolve("config.json");
        Files.writeString(config, Files.readString(config).replace("\"uniform:0.1\"", "\"uniform:-0.1\""));
        String line = refusal(Cli.run("inspect", run.toString()));
        assertTrue(line.contains(config + ": training.weight_init: \"uniform:-0.1\" is not a scheme of --weight-init; "
                + EXPECTED), line);
    }

    private static String[] concat(List<String> a, String... more) {
        List<String> all = new java.util.ArrayList<>(a);
        all.addAll(List.of(more));
        return all.toArray(String[]::new);
    }
}
