package io.jgrad.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every method of the ops that reads or writes a tensor's array in Java, outside the backend, tells the step recorder
 * so (StepRecorder.hostWork): a replay of a recorded step redoes only the backend's calls, and would silently skip
 * that work. Reads the sources, as {@link KernelsBehindBackendTest} does.
 */
class HostWorkMarkedTest {
    /** A tensor's data array indexed or copied in Java (not its shape or strides). */
    private static final Pattern HOST_ACCESS = Pattern.compile(
            "(\\b(f|d)\\[|\\.(f|d)\\[|System\\.arraycopy\\((?!\\w+\\.(shape|strides))|Arrays\\.fill\\()");
    private static final Pattern METHOD = Pattern.compile("^    \\S[\\w<>\\[\\], .]* \\w+\\([^;]*$");
    /** The backend and its kernels (their work is the recorded calls), and the pool and recorder themselves. */
    private static final Set<String> EXEMPT = Set.of("CpuBackend.java", "CpuConvolution.java", "FloatKernels.java",
            "DoubleKernels.java", "FloatConvKernels.java", "DoubleConvKernels.java", "VectorSgemm.java", "ReluGrad.java",
            "Reductions.java", "VectorReductions.java", "Updates.java", "VectorUpdates.java", "UnaryKernels.java",
            "VectorUnaryKernels.java", "VectorModule.java", "BufferPool.java", "OpenBlas.java", "Pixels.java",
            "VectorPixels.java", "Generator.java", "StepRecorder.java", "CapturedStep.java", "GradCheck.java");

    @Test
    void everyMethodThatWorksOnTheArraysInJavaTellsTheRecorder() throws IOException {
        List<String> unmarked = new ArrayList<>();
        int hits = 0;
        try (Stream<Path> all = Files.list(Path.of("src/main/java/io/jgrad/tensor"))) {
            for (Path file : all.filter(f -> f.toString().endsWith(".java")).sorted().toList()) {
                if (EXEMPT.contains(file.getFileName().toString())) {
                    continue;
                }
                String[] lines = Files.readAllLines(file).toArray(String[]::new);
                for (int i = 0; i < lines.length; i++) {
                    String code = lines[i].strip();
                    if (code.startsWith("*") || code.startsWith("/*") || code.startsWith("//")
                            || !HOST_ACCESS.matcher(code.replaceAll("//.*", "")).find()) {
                        continue;
                    }
                    hits++;
                    int start = i;
                    while (start > 0 && !METHOD.matcher(lines[start]).matches()) {
                        start--;
                    }
                    int end = i + 1;
                    while (end < lines.length && !METHOD.matcher(lines[end]).matches()) {
                        end++;
                    }
                    boolean marked = false;
                    for (int k = start; k < end; k++) {
                        marked |= lines[k].contains("StepRecorder.hostWork(");
                    }
                    if (!marked) {
                        unmarked.add(file.getFileName() + ":" + (i + 1) + ": " + code);
                    }
                }
            }
        }
        assertTrue(hits > 10, "found only " + hits + " accesses: run from jgrad-core");
        assertEquals(List.of(), unmarked, "these methods work on tensors' arrays in Java without StepRecorder.hostWork(...)");
    }
}
