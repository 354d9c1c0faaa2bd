package io.jgrad.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The ops reach the CPU's kernels only through {@link Backend}, so that another backend (a GPU's) replaces all of
 * them: no code outside the CPU backend's own classes calls the kernel classes. Comments may name them.
 */
class KernelsBehindBackendTest {
    /** The kernel classes, called as Name.method(...). */
    private static final Pattern CALL = Pattern.compile(
            "\\b(FloatKernels|DoubleKernels|FloatConvKernels|DoubleConvKernels|VectorSgemm|ReluGrad|Reductions|Updates)\\.\\w+\\(");
    /** The CPU backend and the kernels themselves (which call each other). */
    private static final Set<String> CPU_SIDE = Set.of("CpuBackend.java", "CpuConvolution.java", "FloatKernels.java",
            "DoubleKernels.java", "FloatConvKernels.java", "DoubleConvKernels.java", "VectorSgemm.java", "ReluGrad.java",
            "Reductions.java", "VectorReductions.java", "Updates.java", "VectorUpdates.java", "UnaryKernels.java",
            "VectorUnaryKernels.java", "VectorModule.java");

    @Test
    void onlyTheCpuBackendCallsTheKernels() throws IOException {
        List<String> bad = new ArrayList<>();
        int files = 0;
        try (Stream<Path> all = Files.walk(Path.of("src/main/java/io/jgrad"))) {
            for (Path file : all.filter(f -> f.toString().endsWith(".java")).sorted().toList()) {
                if (CPU_SIDE.contains(file.getFileName().toString())) {
                    continue;
                }
                files++;
                String[] lines = Files.readAllLines(file).toArray(String[]::new);
                for (int i = 0; i < lines.length; i++) {
                    String code = lines[i].strip();
                    if (code.startsWith("*") || code.startsWith("/*") || code.startsWith("//")) {
                        continue;
                    }
                    Matcher m = CALL.matcher(code.replaceAll("//.*", ""));
                    if (m.find()) {
                        bad.add(file + ":" + (i + 1) + " calls " + m.group() + "...)");
                    }
                }
            }
        }
        assertTrue(files > 50, "read only " + files + " files: run from jgrad-core");
        assertEquals(List.of(), bad, "ops must go through Backend (Backends.current()), not call the CPU's kernels");
    }
}
