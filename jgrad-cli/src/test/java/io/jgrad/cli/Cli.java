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

    /** A user error: exit code 2 and exactly one line on standard error, without a stack trace. */
    void assertUserError(String... fragments) {
        org.junit.jupiter.api.Assertions.assertEquals(2, exitCode, () -> "exit code; stderr was: " + err);
        String[] lines = err.strip().split("\n");
        // one line; picocli adds a second for a malformed command line: "Try 'jgrad train --help' for the options."
        boolean oneLine = lines.length == 1 || lines.length == 2 && lines[1].startsWith("Try '");
        org.junit.jupiter.api.Assertions.assertTrue(oneLine, () -> "expected a one-line error, got:\n" + err);
        org.junit.jupiter.api.Assertions.assertFalse(err.contains("\tat "), () -> "stack trace printed:\n" + err);
        for (String f : fragments) {
            org.junit.jupiter.api.Assertions.assertTrue(err.contains(f), () -> "error should mention '" + f + "':\n" + err);
        }
    }
}
