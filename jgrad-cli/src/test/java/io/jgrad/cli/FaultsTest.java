package io.jgrad.cli;

import static org.junit.jupiter.api.Assertions.*;

import io.jgrad.io.Safetensors;
import io.jgrad.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Numerical faults, impossible configurations, and what may never appear in the code. */
class FaultsTest {
    /** A regression CSV whose targets are large enough that SGD with a huge learning rate overflows. */
    private static Path regressionCsv(Path dir) throws IOException {
        StringBuilder sb = new StringBuilder("a,b,y\n");
        for (int i = 0; i < 64; i++) {
            sb.append(i % 7).append(',').append(i % 5).append(',').append(1000 * i).append('\n');
        }
        Path f = dir.resolve("r.csv");
        Files.writeString(f, sb.toString());
        return f;
    }

    @Test
    void divergenceStopsWithEpochStepAndLeavesTheLastCheckpointIntact(@TempDir Path dir) throws IOException {
        Path out = dir.resolve("run");
        Cli r = Cli.run("train", "--data", regressionCsv(dir).toString(), "--loss", "mse", "--layers", "8",
                "--optimizer", "sgd", "--lr", "1e6", "--batch-size", "8", "--epochs", "3", "--checkpoint-every", "1",
                "--out", out.toString(), "--no-report");
        r.assertUserError("training diverged at epoch 1, step ", "--lr", "--clip-grad-norm");
        assertFalse(r.err().contains("Trainer."), r.err()); // the library's advice names its API, not for this user
        // the checkpoint written before the fault is complete and finite
        Cli inspect = Cli.run("inspect", out.toString());
        assertEquals(0, inspect.exitCode(), inspect.err());
        for (Tensor t : Safetensors.read(out.resolve("model.safetensors")).tensors().values()) {
            for (float v : t.toFloatArray()) {
                assertTrue(Float.isFinite(v), "checkpointed weights must be finite");
            }
        }
        try (Stream<Path> files = Files.list(out)) {
            assertTrue(files.noneMatch(f -> f.toString().endsWith(".tmp")), "no temporary file left");
        }
    }

    /**
     * A directory in the way of an output file (OUT/metrics.csv, OUT/config.json) stops the checkpoint cleanly, but
     * left model.safetensors.next and optimizer.safetensors.next behind: written before the commit point, named by no
     * config.json. They are deleted; a checkpoint already there stays intact and usable.
     */
    @Test
    void aCheckpointThatFailsBeforeItsCommitLeavesNoNextFiles(@TempDir Path dir) throws IOException {
        Path csv = SyntheticData.blobsCsv(dir.resolve("blobs.csv"), 40, 2, 2, 5);
        for (String blocked : List.of("metrics.csv", "config.json")) {
            Path out = Files.createDirectories(dir.resolve("fresh-" + blocked).resolve(blocked)).getParent();
            Cli.run("train", "--data", csv.toString(), "--layers", "4", "--epochs", "1", "--threads", "1", "--no-report",
                    "--out", out.toString()).assertUserError("--out", "cannot write the checkpoint", blocked);
            try (Stream<Path> files = Files.list(out)) {
                // only the blocking directory: the first checkpoint's metrics.csv (written before its commit point)
                // goes too, which was left as the directory's only file
                assertEquals(List.of(blocked), files.map(f -> f.getFileName().toString()).sorted().toList(),
                        "half-written checkpoint files left beside the directory " + blocked);
            }
        }
        // a run with a checkpoint, continued into it (--out) from a copy, with its metrics.csv replaced by a directory:
        // the old checkpoint stays (the run itself is not resumed: --resume refuses a directory without its metrics.csv)
        Path run = Cli.train(dir.resolve("run"), "--data", csv.toString(), "--layers", "4", "--epochs", "1", "--no-report");
        Path copy = copyOf(run, dir.resolve("copy"));
        byte[] weights = Files.readAllBytes(run.resolve("model.safetensors"));
        Files.delete(run.resolve("metrics.csv"));
        Files.createDirectory(run.resolve("metrics.csv"));
        Cli.run("train", "--resume", copy.toString(), "--out", run.toString(), "--epochs", "2", "--threads", "1")
                .assertUserError("--out", "cannot write the checkpoint", "metrics.csv");
        try (Stream<Path> files = Files.list(run)) {
            assertEquals(List.of("config.json", "metrics.csv", "model.safetensors", "optimizer.safetensors"),
                    files.map(f -> f.getFileName().toString()).sorted().toList(), "half-written checkpoint files left behind");
        }
        assertArrayEquals(weights, Files.readAllBytes(run.resolve("model.safetensors")), "the previous checkpoint changed");
        assertEquals(0, Cli.run("inspect", run.toString()).exitCode());
    }

    /**
     * A run stopped between its checkpoint's commit point and the renames leaves config.json naming the .next files.
     * Resumed, its first checkpoint wrote model.safetensors.next over them before its own commit point, so a failure
     * there (deleting what it wrote) or a crash left config.json naming weights that existed nowhere: the run could not
     * be evaluated nor resumed. The resumed run now finishes the renames first.
     */
    @Test
    void aResumeFinishesTheRenamesOfACheckpointStoppedAfterItsCommit(@TempDir Path dir) throws IOException {
        Path csv = SyntheticData.blobsCsv(dir.resolve("blobs.csv"), 40, 2, 2, 5);
        Path first = Cli.train(dir.resolve("first"), "--data", csv.toString(), "--layers", "4", "--epochs", "1", "--no-report");
        Path run = dir.resolve("run");
        Cli.ok("train", "--resume", first.toString(), "--out", run.toString(), "--epochs", "2", "--threads", "1", "--no-report");
        String eval = Cli.ok("eval", "--model", run.toString()).out();
        // the state of a process stopped after writing config.json (epoch 2) and before renaming the .next files
        for (String name : List.of("model.safetensors", "optimizer.safetensors")) {
            Files.move(run.resolve(name), run.resolve(name + ".next"));
            Files.copy(first.resolve(name), run.resolve(name));
        }
        // continued into it (from a copy, as --resume refuses a directory without its metrics.csv), the next checkpoint
        // fails before its commit point
        Path copy = copyOf(run, dir.resolve("copy"));
        Files.delete(run.resolve("metrics.csv"));
        Files.createDirectory(run.resolve("metrics.csv"));
        Cli.run("train", "--resume", copy.toString(), "--out", run.toString(), "--epochs", "3", "--threads", "1", "--no-report")
                .assertUserError("--out", "cannot write the checkpoint", "metrics.csv");
        // the epoch-2 checkpoint that config.json names is still there, now under the plain names
        assertEquals(eval, Cli.ok("eval", "--model", run.toString()).out());
        try (Stream<Path> files = Files.list(run)) {
            assertEquals(List.of("config.json", "metrics.csv", "model.safetensors", "optimizer.safetensors"),
                    files.map(f -> f.getFileName().toString()).sorted().toList());
        }
    }

    /** A copy of the files of run directory {@code from} in {@code to}. */
    private static Path copyOf(Path from, Path to) throws IOException {
        Files.createDirectory(to);
        try (Stream<Path> files = Files.list(from)) {
            for (Path f : files.toList()) {
                Files.copy(f, to.resolve(f.getFileName()));
            }
        }
        return to;
    }

    /**
     * A run that diverged before its first checkpoint left the empty --out directory (and parents) it had created.
     * They are removed, as on an interruption; a directory that existed before stays.
     */
    @Test
    void aRunThatFailsBeforeItsFirstCheckpointRemovesTheDirectoryItCreated(@TempDir Path dir) throws IOException {
        Path csv = regressionCsv(dir);
        Path created = dir.resolve("new").resolve("run");
        Path existing = Files.createDirectory(dir.resolve("existing"));
        for (Path out : List.of(created, existing)) {
            Cli.run("train", "--data", csv.toString(), "--loss", "mse", "--layers", "8", "--optimizer", "sgd", "--lr", "1e6",
                    "--batch-size", "8", "--epochs", "3", "--out", out.toString(), "--no-report")
                    .assertUserError("training diverged at epoch 1, step ");
        }
        assertFalse(Files.exists(dir.resolve("new")), "left the empty directories it created");
        assertTrue(Files.isDirectory(existing), "removed a directory that existed before the run");
    }

    @Test
    void aNetworkThatCannotFitIsRefusedBeforeTraining(@TempDir Path dir) throws IOException {
        Path csv = regressionCsv(dir);
        Cli.run("train", "--data", csv.toString(), "--loss", "mse", "--layers", "20000,20000", "--out", dir.resolve("a").toString())
                .assertUserError("needs about", "MiB", "--layers");
        Cli.run("train", "--data", csv.toString(), "--loss", "mse", "--layers", "100000,100000", "--out", dir.resolve("b").toString())
                .assertUserError("weight tensor", "--layers");
    }

    /**
     * The estimate, 4 bytes x 6 copies x (values per sample of all layers) x batch, overflowed long for a layer near
     * 2^31 values and a huge --batch-size: at this batch size to a negative number, so the run started and died
     * allocating the first batch's [48, 10, 14008, 14008] with a stack trace.
     */
    @Test
    void anEstimateBeyondLongIsRefusedNotWrappedAround(@TempDir Path dir) throws IOException {
        Path data = IdxFiles.write(dir.resolve("data8"), 48, 8, 8, 1);
        Path model = Files.writeString(dir.resolve("wide.json"), "{\"layers\": [{\"type\": \"conv2d\", \"out_channels\": 10,"
                + " \"kernel_size\": 1, \"padding\": 7000}, {\"type\": \"adaptiveavgpool2d\", \"output_size\": 1}, {\"type\": \"flatten\"}]}");
        Cli.run("train", "--model", model.toString(), "--data", data.toString(), "--batch-size", "195851678", "--epochs", "1",
                "--threads", "1", "--no-report", "--out", dir.resolve("run").toString())
                .assertUserError("with batch size 195851678 needs about", "MiB", "--batch-size");
        assertFalse(Files.exists(dir.resolve("run")), "left the run directory behind");
    }

    @Test
    void noJavaObjectSerializationInTheProduct() throws IOException {
        // files from others are never deserialized into objects: nothing in a file can make jgrad run code
        List<String> banned = List.of("ObjectInputStream", "ObjectOutputStream", "implements Serializable", "readObject(");
        for (Path root : List.of(Path.of("src/main/java"), Path.of("../jgrad-core/src/main/java"))) {
            try (Stream<Path> files = Files.walk(root)) {
                for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                    String text = Files.readString(f);
                    for (String b : banned) {
                        assertFalse(text.contains(b), f + " uses " + b);
                    }
                }
            }
        }
    }
}
