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
        CheckpointFiles.checkRunDirectory(dir, "--out");
        CheckpointFiles.checkRunDirectory(dir.resolve("new").resolve("deeper"), "--out");
        assertFalse(Files.exists(dir.resolve("new")), "nothing created");
        Path file = Files.writeString(dir.resolve("file"), "keep me");
        var e = assertThrows(IllegalArgumentException.class, () -> CheckpointFiles.checkRunDirectory(file, "--out"));
        assertEquals("--out " + file + ": exists and is not a directory; expected a directory for the run's files", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> CheckpointFiles.checkRunDirectory(file.resolve("sub"), "--out"));
        assertEquals("--out " + file.resolve("sub") + ": " + file + " is a file, not a directory, so the output directory"
                + " cannot be created", e.getMessage());
        assertEquals("keep me", Files.readString(file));
    }

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
            var e = assertThrows(IllegalArgumentException.class, () -> CheckpointFiles.checkRunDirectory(locked.resolve("run"), "--out"));
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
