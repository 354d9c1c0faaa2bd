package io.jgrad.io;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFilesTest {
    @TempDir
    Path dir;

    private long filesIn(Path d) throws IOException {
        try (Stream<Path> s = Files.list(d)) {
            return s.count();
        }
    }

    @Test
    void writesAndReplaces() throws IOException {
        Path f = dir.resolve("a.txt");
        AtomicFiles.writeString(f, "first");
        assertEquals("first", Files.readString(f));
        AtomicFiles.writeBytes(f, new byte[] {1, 2, 3});
        assertArrayEquals(new byte[] {1, 2, 3}, Files.readAllBytes(f));
        AtomicFiles.write(f, out -> {
            out.write("streamed".getBytes());
            out.close(); // a body that closes its stream must not break the write
        });
        assertEquals("streamed", Files.readString(f));
        assertEquals(1, filesIn(dir), "no temporary file left behind");
    }

    @Test
    void failureLeavesOldContentAndNoTempFile() throws IOException {
        Path f = dir.resolve("keep.txt");
        AtomicFiles.writeString(f, "old");
        var e = assertThrows(IOException.class, () -> AtomicFiles.write(f, out -> {
            out.write("partial new content".getBytes());
            throw new IOException("disk full (simulated)");
        }));
        assertEquals("disk full (simulated)", e.getMessage());
        assertEquals("old", Files.readString(f));
        assertEquals(1, filesIn(dir));
        assertThrows(IllegalStateException.class, () -> AtomicFiles.write(f, out -> {
            throw new IllegalStateException("bug in body");
        }));
        assertEquals("old", Files.readString(f));
        assertEquals(1, filesIn(dir));
    }

    @Test
    void aMissingDirectoryIsReportedWithTheTargetsName() {
        // the error named the temporary file (".x.safetensors.<pid>.<time>.tmp"), a name the caller never gave
        Path target = dir.resolve("absent").resolve("x.safetensors");
        var e = assertThrows(NoSuchFileException.class, () -> AtomicFiles.writeString(target, "x"));
        assertEquals(target.toAbsolutePath().toString(), e.getFile());
        assertTrue(e.getMessage().contains("directory " + dir.resolve("absent") + " does not exist"), e.getMessage());
        assertFalse(e.getMessage().contains(".tmp"), e.getMessage());
    }

    /**
     * A directory that this user may not create files in was reported by the temporary file's name, which the caller
     * never gave, and by a bare AccessDeniedException that the command line read as a file it could not read.
     */
    @Test
    void aDirectoryWithoutWritePermissionIsReportedWithTheTargetsName() throws IOException {
        Path locked = Files.createDirectory(dir.resolve("locked"));
        Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("r-xr-xr-x"));
        try {
            Path in = canCreateIn(locked) ? Path.of("/sys") : locked; // root writes anywhere but in sysfs
            Assumptions.assumeFalse(canCreateIn(in), "no directory here that this user may not write in");
            Path target = in.resolve("predictions.csv");
            var e = assertThrows(AccessDeniedException.class, () -> AtomicFiles.writeString(target, "x"));
            assertEquals(target.toString(), e.getFile());
            assertEquals("cannot write in " + in + " (read-only or no permission); expected a directory this user may"
                    + " write in", e.getReason());
            assertFalse(Files.exists(target));
        } finally {
            Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
    }

    /** Whether a file can be created in {@code d} (and is deleted again). */
    private static boolean canCreateIn(Path d) {
        try {
            Files.delete(Files.createTempFile(d, "probe", ".tmp"));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * A directory that exists but takes no new file names the target, not the temporary file: as root, /proc passes the
     * check of write permission and the temporary file's creation failed with "/proc/.x.csv.PID.ID.tmp: no such file or
     * directory" (jgrad predict --output /proc/x.csv). Another user is refused the permission, in the same way.
     */
    @Test
    void aDirectoryThatTakesNoNewFilesIsReportedWithTheTargetsName() {
        Path target = Path.of("/proc/jgrad-atomic-files-test.csv");
        Assumptions.assumeTrue(Files.isDirectory(target.getParent()), "no /proc here");
        var e = assertThrows(AccessDeniedException.class, () -> AtomicFiles.writeString(target, "x"));
        assertEquals(target.toString(), e.getFile());
        assertTrue(e.getReason().startsWith("cannot write in /proc (") || e.getReason().startsWith("cannot create a file in /proc ("),
                e.getReason());
        assertTrue(e.getReason().endsWith("; expected a directory this user may write in"), e.getReason());
        assertFalse(e.getMessage().contains(".tmp"), e.getMessage());
    }

    /**
     * A rename that fails names the target, not the temporary file, which is deleted: here a directory appears where the
     * file was to go while it is written (checked before, as {@link #aDirectoryAsTargetIsRefusedWithItsName}).
     */
    @Test
    void aFailedRenameIsReportedWithTheTargetsName() throws IOException {
        Path target = dir.resolve("predictions.csv");
        var e = assertThrows(FileSystemException.class, () -> AtomicFiles.write(target, out -> {
            Files.createDirectory(target);
            out.write(1);
        }));
        assertEquals(target.toAbsolutePath().toString(), e.getFile());
        assertNull(e.getOtherFile());
        assertTrue(e.getReason().startsWith("cannot put the written file in its place ("), e.getReason());
        assertFalse(e.getMessage().contains(".tmp"), e.getMessage());
        try (var left = Files.list(dir)) {
            assertEquals(List.of(target), left.toList(), "the temporary file deleted");
        }
    }

    @Test
    void aDirectoryAsTargetIsRefusedWithItsName() throws IOException {
        // the rename's error named the temporary file beside it
        Path target = Files.createDirectory(dir.resolve("model.safetensors"));
        var e = assertThrows(FileSystemException.class, () -> AtomicFiles.writeString(target, "x"));
        assertEquals(target.toAbsolutePath().toString(), e.getFile());
        assertEquals("is a directory; expected a file name", e.getReason());
        assertTrue(Files.isDirectory(target));
        try (var left = Files.list(dir)) {
            assertEquals(List.of(target), left.toList());
        }
    }

    @Test
    void staleTemporariesGoAndNothingElse() throws IOException {
        Path target = dir.resolve("model.safetensors");
        AtomicFiles.writeString(target, "kept");
        Files.writeString(dir.resolve(".model.safetensors.4242.k3j9x.tmp"), "a killed write's temporary file");
        Files.writeString(dir.resolve(".notes.tmp"), "not one of AtomicFiles' names");
        AtomicFiles.removeStaleTemporaries(dir);
        try (Stream<Path> left = Files.list(dir)) {
            assertEquals(List.of(".notes.tmp", "model.safetensors"), left.map(p -> p.getFileName().toString()).sorted().toList());
        }
        AtomicFiles.removeStaleTemporaries(target); // not a directory: nothing to do
        assertEquals("kept", Files.readString(target));
    }

    @Test
    void worksWithRelativePath() throws IOException {
        Path rel = Path.of("").toAbsolutePath().relativize(dir.resolve("rel.txt"));
        AtomicFiles.writeString(rel, "x");
        assertEquals("x", Files.readString(dir.resolve("rel.txt")));
    }

    /**
     * createDirectories returns the outermost directory it made, and removeCreated takes back exactly those, innermost
     * first, while they are empty: a parent that held something before, or got a file since, stays.
     */
    @Test
    void removeCreatedTakesBackOnlyTheEmptyDirectoriesThatCreateDirectoriesMade() throws IOException {
        Path existing = Files.createDirectories(dir.resolve("existing"));
        Path run = existing.resolve("a/b/run");
        Path top = AtomicFiles.createDirectories(run);
        assertEquals(existing.resolve("a").toAbsolutePath(), top);
        assertTrue(Files.isDirectory(run));
        assertNull(AtomicFiles.createDirectories(run), "nothing created for a directory that exists");
        assertFalse(AtomicFiles.removeCreated(run, null), "nothing to remove where nothing was created");
        assertTrue(Files.isDirectory(run));

        Files.writeString(existing.resolve("a/other.txt"), "kept");
        assertTrue(AtomicFiles.removeCreated(run, top));
        assertFalse(Files.exists(existing.resolve("a/b")), "the empty directories below the non-empty one go");
        assertEquals("kept", Files.readString(existing.resolve("a/other.txt")));

        Path again = existing.resolve("c/run");
        Path top2 = AtomicFiles.createDirectories(again);
        Files.writeString(again.resolve("model.safetensors"), "written");
        assertFalse(AtomicFiles.removeCreated(again, top2), "a directory with a file in it is not removed");
        assertTrue(Files.exists(again.resolve("model.safetensors")));

        Path empty = existing.resolve("d/e");
        assertTrue(AtomicFiles.removeCreated(empty, AtomicFiles.createDirectories(empty)));
        assertEquals(List.of("a", "c"), Files.list(existing).map(p -> p.getFileName().toString()).sorted().toList());
    }
}
