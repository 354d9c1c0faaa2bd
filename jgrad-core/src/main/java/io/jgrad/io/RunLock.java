package io.jgrad.io;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * One {@code jgrad train} at a time in a run directory, on one machine or on Spark ({@code jgrad train --spark}): the
 * run holds an exclusive lock on {@code DIR/.jgrad-train.lock} while it writes there, and a second run into DIR is
 * refused, whichever kind each is. Without it both wrote: the second's start deleted the first's checkpoint files in
 * flight ({@link AtomicFiles#removeStaleTemporaries}), their checkpoints replaced each other's, and each run ended
 * saying it wrote DIR.
 *
 * <p>The lock is {@link FileChannel#tryLock}'s, which the operating system drops when the process ends, however it ends:
 * a run killed outright leaves at most the empty file, which the next run locks again. {@link #close} deletes the file
 * before it lets go, so a finished run leaves nothing; a run that opened the file before that and locks it afterwards
 * finds it gone and starts over with a new one.
 */
public final class RunLock implements AutoCloseable {
    /** The lock file's name in the run directory. */
    public static final String FILE = ".jgrad-train.lock";

    private final Path file;
    private final FileChannel channel;

    private RunLock(Path file, FileChannel channel) {
        this.file = file;
        this.channel = channel;
    }

    /**
     * Locks the run directory {@code dir}, which exists. Modified: the file {@link #FILE} in dir (created).
     *
     * @throws IllegalArgumentException naming --out and dir when another run holds it, in the words that jgrad train
     *     and jgrad train --spark print
     */
    public static RunLock acquire(Path dir) throws IOException {
        Path file = dir.resolve(FILE);
        while (true) {
            FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException e) { // held in this JVM: a command run in-process, as the tests do
                lock = null;
            }
            if (lock == null) {
                channel.close();
                throw new IllegalArgumentException("--out " + dir + ": another jgrad train is writing there (it holds " + file
                        + "); wait for it to end, or give another --out");
            }
            if (Files.exists(file)) {
                return new RunLock(file, channel);
            }
            channel.close(); // the lock of a file its holder deleted as it ended: a new file, locked afresh
        }
    }

    /** Deletes the lock file, for a process about to end without {@link #close} (its lock goes with it). */
    public void deleteFile() {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            // the next run locks the file that stays
        }
    }

    /** Deletes the lock file, then lets go of the lock. */
    @Override
    public void close() throws IOException {
        try {
            deleteFile();
        } finally {
            channel.close();
        }
    }
}
