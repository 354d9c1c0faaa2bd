package io.jgrad.cli;

import static org.junit.jupiter.api.Assertions.*;

import io.jgrad.io.RunLock;
import io.jgrad.io.Safetensors;
import io.jgrad.tensor.Tensor;
import io.jgrad.train.Divergence;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real training process killed with SIGKILL in the middle of an epoch, then resumed with --resume, ends
 * with bitwise the same weights as a run that was never interrupted.
 */
class KillAndResumeTest {
    private static final Path DATA = Path.of("..", "data", "mnist-10k").toAbsolutePath().normalize();

    private static List<String> trainArgs(Path out) {
        return List.of("train", "--data", DATA.toString(), "--layers", "32", "--batch-size", "32", "--epochs", "2",
                "--optimizer", "adam", "--seed", "7", "--threads", "2", "--checkpoint-every", "20", "--no-report",
                "--out", out.toString());
    }

    @Test
    @Timeout(300)
    void killedMidEpochAndResumedGivesIdenticalWeights(@TempDir Path tmp) throws Exception {
        Path straight = tmp.resolve("straight"), killed = tmp.resolve("killed");
        Cli a = Cli.run(trainArgs(straight).toArray(new String[0]));
        assertEquals(0, a.exitCode(), a.err());

        Process p = start(trainArgs(killed), tmp.resolve("log.txt"));
        // kill once the run has written a checkpoint inside its second epoch
        boolean midEpoch = awaitConfig(p, killed, text -> text.contains("\"epochs_completed\": 1") && text.contains("\"step\""));
        assertTrue(p.isAlive(), "the training process ended before it could be killed:\n" + Files.readString(tmp.resolve("log.txt")));
        p.destroyForcibly(); // SIGKILL on Unix: no shutdown hooks, no flushing
        p.waitFor(30, TimeUnit.SECONDS);
        assertTrue(midEpoch, "no mid-epoch checkpoint appeared");

        Cli b = Cli.run("train", "--resume", killed.toString(), "--no-report");
        assertEquals(0, b.exitCode(), b.err());
        Map<String, Tensor> expected = Safetensors.read(straight.resolve("model.safetensors")).tensors();
        Map<String, Tensor> actual = Safetensors.read(killed.resolve("model.safetensors")).tensors();
        assertEquals(expected.keySet(), actual.keySet());
        for (String name : expected.keySet()) {
            assertArrayEquals(expected.get(name).toFloatArray(), actual.get(name).toFloatArray(), 0f, name + " differs after resume");
        }
        List<String> m1 = Files.readAllLines(straight.resolve("metrics.csv")), m2 = Files.readAllLines(killed.resolve("metrics.csv"));
        assertEquals(m1.size(), m2.size());
        for (int i = 1; i < m1.size(); i++) {
            String[] c1 = m1.get(i).split(","), c2 = m2.get(i).split(",");
            assertEquals(c1[1], c2[1], "train loss of epoch " + i); // identical sums, so identical to the last digit
            assertEquals(c1[3], c2[3], "validation loss of epoch " + i);
        }
        try (var files = Files.list(killed)) {
            assertTrue(files.noneMatch(f -> f.getFileName().toString().endsWith(".tmp")), "temporary files left behind");
        }
    }

    /** Starts {@code jgrad ARGS} in a JVM of its own (this one's, with its classpath), output to {@code log}. */
    private static Process start(List<String> args, Path log) throws java.io.IOException {
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java")));
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent()) {
            // the same float32 GEMM as this JVM (the Vector API kernel where it has the module), hence the same bits
            cmd.addAll(List.of("--add-modules", "jdk.incubator.vector"));
        }
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "io.jgrad.cli.Main"));
        cmd.addAll(args);
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    /** What a run given a SIGTERM said ({@code out}) and its exit status; {@code reached}: the signal came at the point awaited. */
    private record Terminated(boolean reached, int exitCode, String out) {}

    /**
     * Runs {@code jgrad ARGS} as {@link #start} does, and sends it a SIGTERM once its run directory {@code run}'s
     * config.json satisfies {@code when} (or the run has ended, or 2 minutes have passed).
     */
    private static Terminated terminate(List<String> args, Path run, Path log, java.util.function.Predicate<String> when)
            throws Exception {
        Process p = start(args, log);
        boolean reached = awaitConfig(p, run, when);
        p.destroy(); // SIGTERM on Unix: the JVM runs its shutdown hooks, as on Ctrl-C (SIGINT)
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the process did not stop");
        return new Terminated(reached, p.exitValue(), Files.readString(log));
    }

    /** Waits (up to 2 minutes) until {@code dir}'s config.json satisfies {@code ready}; false if it never did. */
    private static boolean awaitConfig(Process p, Path dir, java.util.function.Predicate<String> ready) throws Exception {
        Path config = dir.resolve("config.json");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (p.isAlive() && System.nanoTime() < deadline) {
            if (Files.exists(config) && ready.test(Files.readString(config))) {
                return true;
            }
            Thread.sleep(5);
        }
        return false;
    }

    @Test
    @Timeout(300)
    void terminatedWhileCheckpointingLeavesACompleteCheckpointAndSaysHowToContinue(@TempDir Path tmp) throws Exception {
        // a checkpoint after every step, so that the signal almost always comes while one is being written
        Path run = tmp.resolve("run");
        List<String> args = new ArrayList<>(trainArgs(run));
        args.set(args.indexOf("--checkpoint-every") + 1, "1");
        args.set(args.indexOf("--epochs") + 1, "50");
        Path log = tmp.resolve("log.txt");
        Process p = start(args, log);
        boolean saved = awaitConfig(p, run, text -> text.contains("\"step\""));
        assertTrue(p.isAlive() && saved, "no checkpoint while the run was alive:\n" + Files.readString(log));
        p.destroy(); // SIGTERM on Unix: the JVM runs its shutdown hooks, as on Ctrl-C (SIGINT)
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the process did not stop");
        String out = Files.readString(log);
        assertEquals(143, p.exitValue(), out);
        assertTrue(out.contains("jgrad train: interrupted; " + run + " holds the checkpoint ")
                && out.contains("continue with 'jgrad train --resume " + run + "'"), out);
        try (var files = Files.list(run)) {
            assertEquals(List.of("config.json", "metrics.csv", "model.safetensors", "optimizer.safetensors"),
                    files.map(f -> f.getFileName().toString()).sorted().toList(), "temporary or .next files left behind");
        }
        // and the checkpoint it names continues: one epoch more than it completed
        String config = Files.readString(run.resolve("config.json"));
        var completed = java.util.regex.Pattern.compile("\"epochs_completed\": (\\d+)").matcher(config);
        assertTrue(completed.find(), config);
        Cli resumed = Cli.run("train", "--resume", run.toString(), "--epochs", String.valueOf(Integer.parseInt(completed.group(1)) + 1));
        assertEquals(0, resumed.exitCode(), resumed.err());
    }

    /**
     * A SIGTERM after the last epoch's checkpoint (during the final evaluation and the report) says that the run has
     * finished training and how to evaluate it or train on. It said "continue with 'jgrad train --resume DIR'", which
     * then failed: the run had no epochs left.
     */
    @Test
    @Timeout(300)
    void terminatedAfterTheLastEpochSaysTheRunIsTrained(@TempDir Path tmp) throws Exception {
        for (int attempt = 0; attempt < 5; attempt++) {
            Path run = tmp.resolve("run" + attempt);
            List<String> args = new ArrayList<>(trainArgs(run));
            args.set(args.indexOf("--epochs") + 1, "1");
            args.remove("--no-report"); // the report takes a while: the signal comes while it is made
            Terminated t = terminate(args, run, tmp.resolve("log" + attempt + ".txt"), text -> text.contains("\"epochs_completed\": 1"));
            String out = t.out();
            assertTrue(t.reached() || t.exitCode() == 0, out);
            if (t.exitCode() == 0) {
                continue; // it had finished before the signal: try again
            }
            assertEquals(143, t.exitCode(), out);
            // the report's charts, drawn as the JVM stops, fail: that is the interruption, not an error with a stack trace
            assertFalse(out.contains("Exception"), out);
            assertTrue(out.contains("jgrad train: interrupted after the last epoch, before the report was written; " + run
                    + " holds the trained model (the checkpoint after epoch 1 of 1): 'jgrad eval --model " + run + "' evaluates it,"
                    + " and 'jgrad train --resume " + run + " --epochs N' with N > 1 trains on"), out);
            assertEquals(0, Cli.run("eval", "--model", run.toString()).exitCode());
            assertEquals(0, Cli.run("train", "--resume", run.toString(), "--epochs", "2", "--no-report").exitCode());
            return;
        }
        fail("each of 5 runs finished before the signal reached it");
    }

    /**
     * A SIGTERM while jgrad train draws the report of a run that diverged says, in one line, that the run was
     * interrupted, where it diverged, and which checkpoint --resume or --init goes on from: the report's charts, drawn as
     * the JVM stops, failed (ImageIO cannot register its cache's shutdown hook then), and the run printed "note: the
     * report of the epochs before the divergence could not be written: Shutdown in progress" and the divergence before
     * the interruption's message; then it said only "interrupted; DIR holds the checkpoint ...: continue with 'jgrad
     * train --resume DIR'", as for a run that had not diverged. The files of the report written before the signal are
     * whole: each is written to a temporary file and renamed.
     */
    @Test
    @Timeout(300)
    void terminatedWhileDrawingADivergedRunsReportSaysWhereItDiverged(@TempDir Path tmp) throws Exception {
        Path csv = SyntheticData.linearCsv(tmp.resolve("lin.csv"), 200, 3);
        int interrupted = 0;
        for (int attempt = 0; attempt < 8 && interrupted < 3; attempt++) {
            Path run = tmp.resolve("run" + attempt);
            // as TrainCommandTest's diverged run: the loss explodes after an epoch or more, then the report is drawn
            List<String> args = List.of("train", "--data", csv.toString(), "--loss", "mse", "--optimizer", "sgd", "--lr", "1.5",
                    "--layers", "16", "--epochs", "8", "--batch-size", "16", "--threads", "1", "--out", run.toString());
            // config.json records the divergence just before the report is drawn
            Terminated t = terminate(args, run, tmp.resolve("log" + attempt + ".txt"), text -> text.contains("\"diverged\""));
            String out = t.out();
            assertTrue(t.reached() || t.exitCode() == 2, out);
            if (t.exitCode() == 2) {
                continue; // the report was written before the signal: try again
            }
            assertEquals(143, t.exitCode(), out);
            interrupted++;
            // what the run says of its end (the JVM's own warnings, the epoch lines and the run's first notes aside)
            List<String> said = out.lines().filter(l -> l.startsWith("jgrad train") || l.contains("Exception")
                    || l.startsWith("note: ") && !l.startsWith("note: no validation data")).toList();
            Divergence diverged = RunConfig.read(run).diverged();
            assertEquals(List.of("jgrad train: interrupted while writing the report of a run that diverged at "
                    + diverged.words() + "; " + run + " holds the checkpoint after epoch " + epochBefore(run) + " of 8, before"
                    + " the divergence: 'jgrad train --resume " + run + "' goes on from it with the run's own settings, which"
                    + " will most likely diverge there again; for a smaller --lr or --clip-grad-norm MAX, start a new run from"
                    + " its weights: --init " + run.resolve("model.safetensors")), said, out);
            try (var files = Files.list(run)) {
                assertTrue(files.noneMatch(f -> f.getFileName().toString().endsWith(".tmp")), "temporary files left behind");
            }
        }
        assertTrue(interrupted > 0, "each of 8 runs wrote its report before the signal reached it");
    }

    /** The epochs completed that run directory {@code run}'s config.json records. */
    private static int epochBefore(Path run) throws java.io.IOException {
        var completed = java.util.regex.Pattern.compile("\"epochs_completed\": (\\d+)").matcher(Files.readString(run.resolve("config.json")));
        assertTrue(completed.find());
        return Integer.parseInt(completed.group(1));
    }

    /**
     * A SIGTERM before the first checkpoint left behind the empty --out directory that the run had created. It is
     * removed (with the parents the run created), and said to be; a directory that existed before stays.
     */
    @Test
    @Timeout(300)
    void terminatedBeforeTheFirstCheckpointRemovesTheDirectoryItCreatedOnly(@TempDir Path tmp) throws Exception {
        Path existing = Files.createDirectory(tmp.resolve("existing"));
        for (Path run : List.of(tmp.resolve("new").resolve("run"), existing)) {
            boolean tested = false;
            for (int attempt = 0; attempt < 5 && !tested; attempt++) {
                // a wide network, one checkpoint at the end of the epoch: seconds between creating the directory and writing
                List<String> args = new ArrayList<>(trainArgs(run));
                args.set(args.indexOf("--layers") + 1, "1024,1024");
                args.set(args.indexOf("--checkpoint-every") + 1, "0");
                Path log = tmp.resolve("log" + attempt + ".txt");
                Process p = start(args, log);
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
                // the run directory is created once the first line is out (for "existing": it already exists)
                while (p.isAlive() && System.nanoTime() < deadline
                        && !(Files.isDirectory(run) && Files.readString(log).contains("jgrad: "))) {
                    Thread.sleep(5);
                }
                Thread.sleep(200);
                boolean early;
                try (var files = Files.list(run)) { // nothing but the run's lock (RunLock) yet
                    early = files.allMatch(f -> f.getFileName().toString().equals(RunLock.FILE));
                }
                p.destroy();
                assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the process did not stop");
                String out = Files.readString(log);
                if (!early || p.exitValue() == 0) {
                    deleteRecursively(tmp.resolve("new"));
                    deleteRecursively(existing);
                    Files.createDirectory(existing);
                    continue; // it had written its first checkpoint before the signal: try again
                }
                assertEquals(143, p.exitValue(), out);
                assertTrue(out.contains("jgrad train: interrupted before the first checkpoint; nothing to continue from"), out);
                if (run.equals(existing)) {
                    assertTrue(Files.isDirectory(existing), "removed a directory that existed before the run");
                    assertFalse(Files.exists(existing.resolve(RunLock.FILE)), "left its lock file");
                    assertFalse(out.contains("removed"), out);
                } else {
                    assertFalse(Files.exists(tmp.resolve("new")), "left the empty directories it created");
                    assertTrue(out.contains("; removed the empty " + run + " it had created"), out);
                }
                tested = true;
            }
            assertTrue(tested, "each of 5 runs wrote its first checkpoint before the signal reached it");
        }
    }

    private static void deleteRecursively(Path dir) throws java.io.IOException {
        if (Files.exists(dir)) {
            try (var all = Files.walk(dir)) {
                for (Path p : all.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
    }

    @Test
    @Timeout(300)
    void resumingANetworkWithDropoutIsExactToo(@TempDir Path tmp) throws Exception {
        // dropout masks come from the model's generator: its state is part of every checkpoint
        Path model = tmp.resolve("model.json");
        Files.writeString(model, """
                {"layers": [{"type": "flatten"}, {"type": "linear", "out_features": 32}, {"type": "relu"},
                            {"type": "dropout", "p": 0.5}, {"type": "linear", "out_features": 10}]}
                """);
        Path straight = tmp.resolve("straight"), resumed = tmp.resolve("resumed");
        List<String> common = List.of("--data", DATA.toString(), "--model", model.toString(), "--batch-size", "64",
                "--seed", "3", "--threads", "2", "--no-report");
        List<String> a = new ArrayList<>(List.of("train", "--epochs", "2", "--out", straight.toString()));
        a.addAll(common);
        assertEquals(0, Cli.run(a.toArray(new String[0])).exitCode());
        List<String> b = new ArrayList<>(List.of("train", "--epochs", "1", "--out", resumed.toString()));
        b.addAll(common);
        assertEquals(0, Cli.run(b.toArray(new String[0])).exitCode());
        Cli c = Cli.run("train", "--resume", resumed.toString(), "--epochs", "2", "--no-report");
        assertEquals(0, c.exitCode(), c.err());
        Map<String, Tensor> expected = Safetensors.read(straight.resolve("model.safetensors")).tensors();
        Map<String, Tensor> actual = Safetensors.read(resumed.resolve("model.safetensors")).tensors();
        for (String name : expected.keySet()) {
            assertArrayEquals(expected.get(name).toFloatArray(), actual.get(name).toFloatArray(), 0f, name + " differs after resume");
        }
    }
}
