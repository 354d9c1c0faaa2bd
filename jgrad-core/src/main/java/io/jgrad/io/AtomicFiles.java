package io.jgrad.io;

import java.io.BufferedOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Writes files so that a reader (or a crash) sees either the old content or the complete new content, never a
 * half-written file: the content goes to a temporary file in the target's directory, which is flushed to disk
 * and then renamed over the target in one step. If anything fails, the temporary file is deleted and the old
 * target is left untouched.
 */
public final class AtomicFiles {
    private AtomicFiles() {}

    /**
     * Writes {@code target} atomically with the content that {@code body} writes to the stream it is given.
     * The body need not close the stream. Modified: the file {@code target} (replaced), its directory.
     * Package-private: {@link Safetensors} streams through it; other modules write whole strings or byte arrays.
     *
     * @throws NoSuchFileException naming {@code target} when its directory does not exist
     * @throws FileSystemException naming {@code target} when it is a directory
     * @throws AccessDeniedException naming {@code target}, its reason saying so, when no file can be created in its
     *     directory (this user may not, the file system is read-only, or the directory takes no new files, as /proc)
     * @throws FileSystemException naming {@code target} (never the temporary file) when the written file cannot be
     *     renamed over it
     */
    static void write(Path target, IOConsumer<OutputStream> body) throws IOException {
        Path absolute = target.toAbsolutePath();
        Path dir = absolute.getParent();
        // Not Files.createTempFile: its owner-only permissions would survive the rename.
        Path tmp = temporaryFor(absolute);
        if (!Files.isDirectory(dir)) {
            // else the open below fails naming the temporary file, a name the caller never gave
            throw new NoSuchFileException(absolute.toString(), null, "the directory " + dir + " does not exist");
        }
        if (Files.isDirectory(absolute)) { // else the rename fails naming the temporary file
            throw new FileSystemException(absolute.toString(), null, "is a directory; expected a file name");
        }
        boolean done = false;
        try {
            FileChannel opened;
            try {
                opened = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.CREATE_NEW);
            } catch (FileSystemException e) {
                // else the error names the temporary file, a name the caller never gave, and reads as a file that could
                // not be read; root passes the permission check in /proc, which then answers "no such file"
                throw new AccessDeniedException(absolute.toString(), null, (e instanceof AccessDeniedException
                        ? "cannot write in " + dir + " (read-only or no permission)"
                        : "cannot create a file in " + dir + " (" + (e.getReason() != null ? e.getReason()
                        : e instanceof NoSuchFileException ? "no such file or directory" : e.getClass().getSimpleName()) + ")")
                        + "; expected a directory this user may write in");
            }
            try (FileChannel channel = opened) {
                OutputStream out = new BufferedOutputStream(new KeepOpen(Channels.newOutputStream(channel)), 1 << 16);
                body.accept(out);
                out.flush();
                channel.force(true);
            }
            putInPlace(tmp, absolute); // the temporary file is deleted below if it fails
            done = true;
            syncDirectory(dir);
        } finally {
            if (!done) {
                Files.deleteIfExists(tmp);
            }
        }
    }

    /**
     * Renames the written file {@code tmp} (a {@link #temporaryFor} name beside {@code target}) over {@code target}, in
     * one step where the file system can. Modified: both files; a failed rename leaves tmp to the caller to delete.
     *
     * @throws FileSystemException naming {@code target} (never the temporary file), its reason "cannot put the written
     *     file in its place (WHY)", when the rename fails (target is a directory, ...)
     */
    public static void putInPlace(Path tmp, Path target) throws IOException {
        try {
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (FileSystemException e) { // it named the temporary file first, a name the caller never gave
            throw new FileSystemException(target.toString(), null, "cannot put the written file in its place ("
                    + (e.getReason() != null ? e.getReason() : e.getClass().getSimpleName()) + ")");
        }
    }

    /**
     * A new name for a temporary file beside {@code target}, through which to write it and then rename it over it:
     * ".NAME.PID.ID.tmp", the name the writes of this class use and {@link #removeStaleTemporaries} recognizes, so a
     * writer killed before its rename leaves nothing the next run in the directory keeps.
     */
    public static Path temporaryFor(Path target) {
        Path absolute = target.toAbsolutePath();
        return absolute.resolveSibling("." + absolute.getFileName() + "." + ProcessHandle.current().pid() + "."
                + Long.toUnsignedString(System.nanoTime(), 36) + ".tmp");
    }

    /**
     * Deletes the temporary files that a process killed while writing left in {@code dir} (named
     * ".NAME.PID.ID.tmp" by the writes of this class); the files they were meant to replace are intact. Nothing when dir is not
     * a directory. Modified: the directory.
     */
    public static void removeStaleTemporaries(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return;
        }
        try (var files = Files.list(dir)) {
            for (Path f : files.filter(p -> p.getFileName().toString().matches("\\..+\\.[0-9]+\\.[0-9a-z]+\\.tmp")).toList()) {
                Files.deleteIfExists(f);
            }
        }
    }

    /**
     * Creates {@code dir} and its missing parents, and returns the outermost directory this created (null when
     * {@code dir} existed): what {@link #removeCreated} removes again when a run stops before it writes anything there.
     * Modified: the file system.
     */
    public static Path createDirectories(Path dir) throws IOException {
        Path top = null;
        for (Path p = dir.toAbsolutePath(); p != null && !Files.exists(p); p = p.getParent()) {
            top = p;
        }
        Files.createDirectories(dir);
        return top;
    }

    /**
     * Deletes {@code dir} and its parents up to {@code top} (from {@link #createDirectories}; null: nothing), innermost
     * first, where they are empty; true if {@code dir} is gone. Files.delete refuses a directory that is not empty, so
     * whatever something else put there stays. Modified: the file system.
     */
    public static boolean removeCreated(Path dir, Path top) {
        if (top == null) {
            return false;
        }
        try {
            for (Path p = dir.toAbsolutePath(); p != null && p.startsWith(top); p = p.getParent()) {
                Files.delete(p);
            }
            return true;
        } catch (IOException | RuntimeException e) {
            return !Files.exists(dir); // a parent that is not empty stays: the directory itself is still gone
        }
    }

    /**
     * Whether the JVM is stopping: its shutdown hooks run (Ctrl-C, a SIGTERM), and no other can be added. A write of a
     * run directory that fails then is the interruption's doing, which the run's hook reports (jgrad train's, on one
     * machine and on Spark), not an error of its own: ImageIO, drawing a report's charts, cannot register its cache's
     * hook; Spark's context is stopped under the round in flight.
     */
    public static boolean jvmStopping() {
        Thread probe = new Thread(() -> {});
        try {
            Runtime.getRuntime().addShutdownHook(probe);
        } catch (IllegalStateException e) {
            return true; // "Shutdown in progress"
        }
        Runtime.getRuntime().removeShutdownHook(probe);
        return false;
    }

    /** Writes {@code text} as UTF-8 to {@code target} atomically. Modified: the file {@code target}. */
    public static void writeString(Path target, String text) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        write(target, out -> out.write(bytes));
    }

    /** Writes {@code bytes} to {@code target} atomically. Modified: the file {@code target}. */
    public static void writeBytes(Path target, byte[] bytes) throws IOException {
        write(target, out -> out.write(bytes));
    }

    /** Makes the rename itself durable; not every platform can open a directory, and then there is nothing to do. */
    private static void syncDirectory(Path dir) {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            // Windows and some file systems refuse; the rename has still happened.
        }
    }

    /** Lets the body close "its" stream without closing the channel before it is forced to disk. */
    private static final class KeepOpen extends FilterOutputStream {
        KeepOpen(OutputStream out) {
            super(out);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
        }

        @Override
        public void close() throws IOException {
            out.flush();
        }
    }
}
