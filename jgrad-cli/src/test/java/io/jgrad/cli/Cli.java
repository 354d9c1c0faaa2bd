package io.jgrad.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/** Runs the jgrad command in-process and captures what it prints. */
record Cli(int exitCode, String out, String err) {
    static synchronized Cli run(String... args) {
        PrintStream oldOut = System.out, oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int code = Main.execute(args);
            return new Cli(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    /** Runs the command and asserts that it succeeded (exit code 0), showing its output otherwise. */
    static Cli ok(String... args) {
        Cli r = run(args);
        org.junit.jupiter.api.Assertions.assertEquals(0, r.exitCode,
                () -> String.join(" ", args) + "\nstderr:\n" + r.err + "\nstdout:\n" + r.out);
        return r;
    }

    /**
     * A run of {@code jgrad train} on a CSV file, one epoch on one thread without a report, into {@code out}:
     * a run directory for the tests that need one. Returns out.
     */
    static java.nio.file.Path trainedRun(java.nio.file.Path csv, String layers, java.nio.file.Path out) {
        return train(out, "--data", csv.toString(), "--layers", layers, "--epochs", "1", "--no-report");
    }

    /** {@code jgrad train --threads 1 --out OUT FLAGS...}, asserted to succeed; returns out. */
    static java.nio.file.Path train(java.nio.file.Path out, String... flags) {
        java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("train", "--threads", "1", "--out", out.toString()));
        args.addAll(java.util.List.of(flags));
        ok(args.toArray(String[]::new));
        return out;
    }

    /**
     * A user error: exit code 2, no stack trace, and the message on one line (the last on standard error;
     * progress lines may come before it, and picocli may add a "Try ... --help" hint after it).
     */
    void assertUserError(String... fragments) {
        org.junit.jupiter.api.Assertions.assertEquals(2, exitCode, () -> "exit code; stderr was: " + err);
        org.junit.jupiter.api.Assertions.assertFalse(err.contains("\tat ") || err.contains("Exception in"), () -> "stack trace printed:\n" + err);
        java.util.List<String> lines = err.lines().filter(l -> !l.isBlank() && !l.startsWith("Try '")).toList();
        org.junit.jupiter.api.Assertions.assertFalse(lines.isEmpty(), "nothing on stderr");
        String message = lines.get(lines.size() - 1);
        for (String f : fragments) {
            org.junit.jupiter.api.Assertions.assertTrue(message.contains(f), () -> "error line should mention '" + f + "':\n" + message + "\n(stderr:\n" + err + ")");
        }
    }
}
