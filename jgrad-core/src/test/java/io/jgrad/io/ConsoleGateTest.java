package io.jgrad.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What {@link ConsoleGate} lets through: everything until it is shut, nothing after, and the streams back on close. */
class ConsoleGateTest {
    /**
     * One log of both streams, as {@code > log 2>&1} makes it: what was printed before {@link ConsoleGate#shut} comes
     * first (standard output's buffer flushed before the last message), then the message, then nothing that any
     * thread printed through the gate after it.
     */
    @Test
    void theLastMessageFollowsWhatWasPrintedBeforeAndNothingFollowsIt() throws Exception {
        PrintStream oldOut = System.out, oldErr = System.err;
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        // standard output without autoflush, behind a buffer: what it holds must reach the log before the message
        PrintStream out = new PrintStream(new BufferedOutputStream(log, 8192), false, StandardCharsets.UTF_8);
        PrintStream err = new PrintStream(log, true, StandardCharsets.UTF_8);
        System.setOut(out);
        System.setErr(err);
        try (ConsoleGate gate = ConsoleGate.install()) {
            PrintStream progress = System.err; // taken before the gate shuts, as a progress bar takes it
            progress.println("epoch 1/1  loss 0.9005");
            System.out.println("printed before");
            out.println("printed before, to the stream the gate replaced"); // still in out's buffer
            PrintStream last = gate.shut();
            assertSame(err, last);
            last.println("interrupted");
            Thread training = new Thread(() -> {
                progress.println("completed 1 epoch");
                System.out.println("test loss 0.4302");
                System.out.flush();
            });
            training.start();
            training.join();
            out.flush();
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
        assertEquals(List.of("epoch 1/1  loss 0.9005", "printed before", "printed before, to the stream the gate replaced",
                "interrupted"),
                log.toString(StandardCharsets.UTF_8).lines().toList());
    }

    /** Closed without being shut, the gate puts the streams it replaced back. */
    @Test
    void closePutsTheStreamsBack() {
        PrintStream oldOut = System.out, oldErr = System.err;
        try {
            try (ConsoleGate gate = ConsoleGate.install()) {
                assertEquals(false, System.out == oldOut || System.err == oldErr);
            }
            assertSame(oldOut, System.out);
            assertSame(oldErr, System.err);
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }
}
