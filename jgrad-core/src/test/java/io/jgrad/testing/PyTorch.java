package io.jgrad.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/** Runs a Python script under /usr/bin/python3 with PyTorch for parity tests, skipping the test when torch is absent. */
public final class PyTorch {
    private static final String PYTHON = "/usr/bin/python3";
    private static final String SKIP = "PyTorch not found: apt-get install python3-torch libopenblas0-pthread";
    /** Exit code of the prelude when torch cannot be imported. */
    private static final int NO_TORCH = 86;

    private PyTorch() {}

    public record Result(int exitCode, String output) {}

    /**
     * Runs {@code script} with {@code dir} as its only argument, after a prelude that imports torch (one Python
     * start, as importing torch takes seconds); skips the calling test when there is no torch. Fails after
     * {@code timeoutSeconds}.
     */
    public static Result run(Path dir, String script, int timeoutSeconds) throws IOException {
        Assumptions.assumeTrue(Files.isExecutable(Path.of(PYTHON)), SKIP);
        String prelude = "import sys\ntry:\n    import torch\nexcept ImportError:\n    sys.exit(" + NO_TORCH + ")\n";
        Path file = Files.createTempFile("jgrad-torch", ".py");
        Path log = Files.createTempFile("jgrad-torch", ".log");
        try {
            Files.writeString(file, prelude + script);
            ProcessBuilder pb = new ProcessBuilder(PYTHON, file.toString(), dir.toString());
            pb.redirectErrorStream(true);
            pb.redirectOutput(log.toFile()); // a file, not a pipe: the timeout below works even if python hangs
            pb.environment().put("OMP_NUM_THREADS", "1");
            Process p = pb.start();
            p.getOutputStream().close();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("python timed out after " + timeoutSeconds + " s");
            }
            Assumptions.assumeTrue(p.exitValue() != NO_TORCH, SKIP);
            return new Result(p.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for python", e);
        } finally {
            Files.deleteIfExists(file);
            Files.deleteIfExists(log);
        }
    }

    /** Writes {@code bytes} to {@code target} through a temp file in the same folder and a rename. */
    public static void writeAtomically(Path target, byte[] bytes) throws IOException {
        Path tmp = Files.createTempFile(target.getParent(), target.getFileName().toString(), ".tmp");
        Files.write(tmp, bytes);
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}
