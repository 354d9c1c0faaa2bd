package io.jgrad.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Flag values and files that used to slip past validation (crashing later with a stack trace, or silently doing
 * something else): each now gives exit code 2 and one line naming the flag or file, before training starts.
 */
class CliRobustnessTest {
    @TempDir
    static Path shared;
    static Path blobs;
    /** A finished 4-4-3 run on blobs.csv, one epoch. */
    static Path run;

    @TempDir
    Path dir;

    @BeforeAll
    static void trainOnce() throws IOException {
        blobs = SyntheticData.blobsCsv(shared.resolve("blobs.csv"), 60, 4, 3, 1);
        run = shared.resolve("run");
        Cli r = Cli.run("train", "--data", blobs.toString(), "--layers", "4", "--epochs", "1", "--threads", "1",
                "--no-report", "--out", run.toString());
        assertEquals(0, r.exitCode(), r.err());
    }

    private Path out() {
        return dir.resolve("out");
    }

    /** Runs train on {@code data} with the extra flags, and fast settings for the flags they leave out. */
    private Cli train(Path data, String... extra) {
        List<String> args = new ArrayList<>(List.of("train", "--data", data.toString(), "--threads", "1", "--no-report"));
        args.addAll(Arrays.asList(extra));
        for (String[] d : new String[][] {{"--layers", "4"}, {"--epochs", "1"}, {"--out", out().toString()}}) {
            if (!args.contains(d[0])) {
                args.addAll(List.of(d));
            }
        }
        return Cli.run(args.toArray(String[]::new));
    }

    /** No file at all under --out (a failed run must not leave a half-written one). */
    private void assertNothingWritten() throws IOException {
        if (Files.exists(out())) {
            try (Stream<Path> files = Files.walk(out())) {
                assertEquals(List.of(), files.filter(Files::isRegularFile).toList(), "a failed run left files in --out");
            }
        }
    }

    @Test
    void nanAndInfinityAreRejectedBeforeTraining() throws IOException {
        train(blobs, "--val-split", "NaN").assertUserError("--val-split", "NaN");
        assertNothingWritten();
        train(blobs, "--target-loss", "NaN").assertUserError("--target-loss", "NaN");
        train(blobs, "--target-loss", "Infinity").assertUserError("--target-loss", "Infinity");
        assertNothingWritten();
    }
}
