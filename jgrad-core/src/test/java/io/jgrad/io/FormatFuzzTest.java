package io.jgrad.io;

import static org.junit.jupiter.api.Assertions.*;

import io.jgrad.tensor.DType;
import io.jgrad.tensor.Generator;
import io.jgrad.tensor.Tensor;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Seeded mutation fuzzing: every mutant of a valid file must either load or fail with a
 * {@link JgradFormatException}; any other exception or error (including OutOfMemoryError) fails the test. The
 * timeout only catches hangs.
 */
class FormatFuzzTest {
    private static final int MUTANTS = 300;

    @TempDir
    Path dir;

    @Test
    @Timeout(120)
    void safetensorsMutants() throws Exception {
        Generator g = new Generator(2024);
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        tensors.put("w", Tensor.randn(g, 4, 3));
        tensors.put("b", Tensor.normal(DType.FLOAT64, g, 0, 1, 3));
        tensors.put("s", Tensor.scalar(1.5));
        tensors.put("e", Tensor.zeros(0));
        Path valid = dir.resolve("valid.safetensors");
        Safetensors.write(valid, tensors, Map.of("k", "v"));
        byte[] bytes = Files.readAllBytes(valid);
        Path f = dir.resolve("mutant.safetensors");
        int rejected = 0;
        for (int i = 0; i < MUTANTS; i++) {
            byte[] m = Mutants.mutate(bytes, g, 200);
            Files.write(f, m);
            try {
                var read = Safetensors.read(f);
                for (Tensor t : read.tensors().values()) {
                    assertEquals(t.numel(), t.toFloatArray().length);
                }
            } catch (JgradFormatException expected) {
                rejected++;
                assertTrue(expected.getMessage().startsWith(f.toString()), expected.getMessage());
            } catch (Throwable t) {
                fail("mutant " + i + " of safetensors threw " + t, t);
            }
        }
        assertTrue(rejected > MUTANTS / 3, "most mutants are invalid, rejected " + rejected);
    }

    @Test
    @Timeout(120)
    void jsonMutants() {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("name", "mlp \"x\" \u00e9\uD83D\uDE00");
        doc.put("layers", List.of(784, 128, 10));
        doc.put("lr", 0.001);
        doc.put("nested", Map.of("flag", true, "none", List.of(), "neg", -1.5e-7));
        doc.put("nothing", null);
        byte[] bytes = Json.write(doc).getBytes(StandardCharsets.UTF_8);
        Generator g = new Generator(77);
        int rejected = 0;
        for (int i = 0; i < MUTANTS; i++) {
            String text = new String(Mutants.mutate(bytes, g, bytes.length), StandardCharsets.UTF_8);
            try {
                Object parsed = Json.parse(text);
                assertEquals(parsed, Json.parse(Json.write(parsed)), "a value that parses writes back to itself");
            } catch (JgradFormatException expected) {
                rejected++;
                assertTrue(expected.getMessage().contains("character "), expected.getMessage());
            } catch (Throwable t) {
                fail("mutant " + i + " of JSON threw " + t + " for text: " + text, t);
            }
        }
        assertTrue(rejected > MUTANTS / 3, "rejected " + rejected);
    }
}
