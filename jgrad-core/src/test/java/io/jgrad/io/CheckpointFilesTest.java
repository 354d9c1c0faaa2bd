package io.jgrad.io;

import static org.junit.jupiter.api.Assertions.*;

import io.jgrad.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointFilesTest {
    @TempDir
    Path dir;

    /** A run directory that cannot hold checkpoints is refused with the flag, the path and what was expected; nothing is created. */
    @Test
    void aRunDirectoryMustBeADirectoryOrCreatableAsOne() throws IOException {
        CheckpointFiles.checkRunDirectory(dir, "--out", null);
        CheckpointFiles.checkRunDirectory(dir.resolve("new").resolve("deeper"), "--out", null);
        assertFalse(Files.exists(dir.resolve("new")), "nothing created");
        Path file = Files.writeString(dir.resolve("file"), "keep me");
        var e = assertThrows(IllegalArgumentException.class, () -> CheckpointFiles.checkRunDirectory(file, "--out", null));
        assertEquals("--out " + file + ": exists and is not a directory; expected a directory for the run's files", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> CheckpointFiles.checkRunDirectory(file.resolve("sub"), "--out", null));
        assertEquals("--out " + file.resolve("sub") + ": " + file + " is a file, not a directory, so the output directory"
                + " cannot be created", e.getMessage());
        assertEquals("keep me", Files.readString(file));
    }

    /**
     * The file system's root and the home directory are refused as a run directory, whatever the path that names them:
     * jgrad train --out / (as root) trained into / (a run writes config.json, model.safetensors, metrics.csv there and
     * deletes report.html and the charts of an earlier run).
     */
    @Test
    void theRootAndTheHomeDirectoryAreNoRunDirectories() throws IOException {
        Path up = dir.toAbsolutePath();
        for (int i = dir.toAbsolutePath().getNameCount(); i > 0; i--) {
            up = up.resolve(".."); // /tmp/junit1/../..: the root by another name
        }
        for (Path p : List.of(dir.toAbsolutePath().getRoot(), up)) {
            var e = assertThrows(IllegalArgumentException.class, () -> CheckpointFiles.checkRunDirectory(p, "--out", null));
            assertEquals("--out " + p + ": is the root of the file system; expected a directory for the run's files alone,"
                    + " such as runs/NAME", e.getMessage());
        }
        Path home = Files.createDirectory(dir.resolve("home"));
        Files.writeString(home.resolve(".profile"), "keep me");
        for (Path p : List.of(home, home.resolve("."), Files.createSymbolicLink(dir.resolve("link"), home))) {
            var e = assertThrows(IllegalArgumentException.class, () -> CheckpointFiles.checkRunDirectory(p, "--out", null, home));
            assertEquals("--out " + p + ": is the home directory; expected a directory for the run's files alone, such as "
                    + home.resolve("runs").resolve("NAME"), e.getMessage());
        }
        CheckpointFiles.checkRunDirectory(home.resolve("runs").resolve("x"), "--out", null, home);
    }

    /**
     * An existing directory that holds a file of a name the run writes (or deletes: an earlier run's report), and no run,
     * is refused naming that file, before the run replaced it: someone's config.json or report.html. Taken: an empty
     * directory, one holding other files (a data directory), an earlier run's (config.json of format jgrad-run), the
     * resumed run's own (whose config.json its reader checks), and what a run killed in its first checkpoint leaves (.next
     * files and metrics.csv). A name that is not a regular file is no one's file to lose.
     */
    @Test
    void anExistingDirectoryMustNotHoldSomeoneElsesFilesOfARunsNames() throws IOException {
        CheckpointFiles.checkRunDirectory(Files.createDirectory(dir.resolve("empty")), "--out", null);
        Path data = Files.createDirectory(dir.resolve("data"));
        Files.writeString(data.resolve("train-images-idx3-ubyte"), "x");
        CheckpointFiles.checkRunDirectory(data, "--out", null);
        Path killed = Files.createDirectory(dir.resolve("killed"));
        for (String name : List.of(MODEL_NEXT, CheckpointFiles.METRICS, RunLock.FILE, ".config.json.123.abc.tmp")) {
            Files.writeString(killed.resolve(name), "x");
        }
        CheckpointFiles.checkRunDirectory(killed, "--out", null);
        Path earlier = Files.createDirectory(dir.resolve("earlier"));
        Files.writeString(earlier.resolve("config.json"), "{\"format\": \"jgrad-run\", \"format_version\": 2}");
        Files.writeString(earlier.resolve("report.html"), "its report");
        CheckpointFiles.checkRunDirectory(earlier, "--out", null);
        Path blocked = Files.createDirectory(dir.resolve("blocked"));
        Files.createDirectory(blocked.resolve("config.json"));
        CheckpointFiles.checkRunDirectory(blocked, "--out", null);

        Path project = Files.createDirectory(dir.resolve("project"));
        Files.writeString(project.resolve("report.html"), "mine");
        var e = assertThrows(IllegalArgumentException.class, () -> CheckpointFiles.checkRunDirectory(project, "--out", null));
        assertEquals("--out " + project + ": holds report.html but no jgrad run (no config.json), and a run replaces or deletes"
                + " the files of its own names there (config.json, model.safetensors, report.html, loss.png, ...); expected a"
                + " directory without them, or an earlier run's", e.getMessage());
        Files.writeString(project.resolve("config.json"), "{\"name\": \"my project\"}");
        e = assertThrows(IllegalArgumentException.class, () -> CheckpointFiles.checkRunDirectory(project, "--out", null));
        assertTrue(e.getMessage().startsWith("--out " + project + ": holds config.json but no jgrad run (its config.json is not"
                + " a run's), and a run replaces"), e.getMessage());
        CheckpointFiles.checkRunDirectory(project, "--resume", project); // the resumed run's: --resume reads its config.json
        assertEquals("mine", Files.readString(project.resolve("report.html")));
    }

    private static final String MODEL_NEXT = CheckpointFiles.MODEL + CheckpointFiles.NEXT;

    /**
     * A run directory to read (--resume, --model) that does not exist is named as missing, not as a directory without
     * config.json: jgrad train --spark --resume /no/such/dir said "config.json is missing". With the flag that gave it, or
     * without one where the path is a command's own argument.
     */
    @Test
    void aRunDirectoryToReadMustExistAndHoldConfigJson() throws IOException {
        Path missing = dir.resolve("no").resolve("such");
        var e = assertThrows(IllegalArgumentException.class, () -> CheckpointFiles.requireRunDirectory(missing, "--resume"));
        assertEquals("--resume " + missing + ": no such directory; expected the --out directory of 'jgrad train'", e.getMessage());
        Path file = Files.writeString(dir.resolve("file"), "x");
        e = assertThrows(IllegalArgumentException.class, () -> CheckpointFiles.requireRunDirectory(file, "--model"));
        assertEquals("--model " + file + ": not a directory; expected the --out directory of 'jgrad train'", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> CheckpointFiles.requireRunDirectory(dir, "--resume"));
        assertEquals("--resume " + dir + ": not a jgrad run directory: config.json is missing", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> CheckpointFiles.requireRunDirectory(missing, null));
        assertEquals(missing + ": no such directory; expected the --out directory of 'jgrad train'", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> CheckpointFiles.requireRunDirectory(dir, null));
        assertEquals(dir + " is not a jgrad run directory: config.json is missing", e.getMessage());
        Files.writeString(dir.resolve("config.json"), "{}");
        CheckpointFiles.requireRunDirectory(dir, "--resume"); // what it holds is the reader's to check
        assertFalse(Files.exists(missing.getParent()), "nothing created");
    }

    @Test
    void aRunDirectoryInADirectoryThatCannotBeWrittenIsRefused() throws IOException {
        Path locked = Files.createDirectory(dir.resolve("locked"));
        Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("r-xr-xr-x"));
        try {
            Assumptions.assumeFalse(Files.isWritable(locked), "root writes in a read-only directory");
            var e = assertThrows(IllegalArgumentException.class, () -> CheckpointFiles.checkRunDirectory(locked.resolve("run"), "--out", null));
            assertEquals("--out " + locked.resolve("run") + ": cannot write in " + locked + " (read-only or no permission);"
                    + " choose another --out", e.getMessage());
        } finally {
            Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
    }

    /**
     * PyTorch's state_dict holds BatchNorm's num_batches_tracked as int64: the model file stores it as I64 (it held
     * F32), the other tensors as before; the optimizer file is untouched by the rule.
     */
    @Test
    void aBatchNormCounterIsWrittenAsInt64() throws IOException {
        Map<String, Tensor> model = new LinkedHashMap<>();
        model.put("1.running_mean", Tensor.zeros(2));
        model.put("1.num_batches_tracked", Tensor.scalar(12));
        model.put("num_batches_tracked", Tensor.scalar(3));
        Map<String, Tensor> optimizer = Map.of("num_batches_tracked", Tensor.scalar(0.5));
        CheckpointFiles.write(dir, "commit", model, Map.of(CheckpointFiles.TAG, "1"), optimizer, Map.of(),
                () -> {}, () -> Files.writeString(dir.resolve("commit"), "1"));
        var header = Safetensors.header(dir.resolve(CheckpointFiles.MODEL));
        assertEquals(List.of("F32", "I64", "I64"), List.copyOf(header.dtypes().values()));
        assertEquals(12.0, Safetensors.read(dir.resolve(CheckpointFiles.MODEL)).tensors().get("1.num_batches_tracked").item());
        assertEquals(List.of("F32"), List.copyOf(Safetensors.header(dir.resolve(CheckpointFiles.OPTIMIZER)).dtypes().values()));
    }
}
