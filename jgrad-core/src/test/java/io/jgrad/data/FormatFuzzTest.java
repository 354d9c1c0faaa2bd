package io.jgrad.data;

import static org.junit.jupiter.api.Assertions.*;

import io.jgrad.io.JgradFormatException;
import io.jgrad.io.Mutants;
import io.jgrad.tensor.Generator;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Seeded mutation fuzzing of the IDX and CSV loaders: every mutant must load or fail with a
 * {@link JgradFormatException}, never another exception, an OutOfMemoryError or a hang (the timeout only
 * catches hangs).
 */
class FormatFuzzTest {
    @TempDir
    Path dir;

    private interface Loader {
        void load(Path file) throws Exception;
    }

    private int fuzz(String what, byte[] valid, int mutants, int headerBytes, long seed, Loader loader) throws Exception {
        Generator g = new Generator(seed);
        Path f = dir.resolve("mutant-" + what);
        int rejected = 0;
        for (int i = 0; i < mutants; i++) {
            Files.write(f, Mutants.mutate(valid, g, headerBytes));
            try {
                loader.load(f);
            } catch (JgradFormatException expected) {
                rejected++;
                assertTrue(expected.getMessage().startsWith(f.toString()), expected.getMessage());
            } catch (Throwable t) {
                fail("mutant " + i + " of " + what + " threw " + t, t);
            }
        }
        return rejected;
    }

    @Test
    @Timeout(120)
    void idxRawAndGzipMutants() throws Exception {
        Generator g = new Generator(1);
        byte[] pixels = new byte[20 * 8 * 8];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (byte) g.nextInt(256);
        }
        byte[] raw = IdxReaderTest.idx(0x08, new int[] {20, 8, 8}, pixels);
        Loader read = f -> {
            IdxReader.IdxArray a = IdxReader.read(f);
            long n = 1;
            for (int d : a.dims()) {
                n *= d;
            }
            assertEquals(n * a.type().bytes(), a.data().length, "data length agrees with the header");
        };
        int rawRejected = fuzz("raw.idx", raw, 150, 16, 10, read);
        int gzRejected = fuzz("idx.gz", IdxReaderTest.gzip(raw), 150, 24, 11, read);
        assertTrue(rawRejected > 50, "raw rejected " + rawRejected);
        assertTrue(gzRejected > 50, "gz rejected " + gzRejected);
    }

    @Test
    @Timeout(120)
    void csvMutants() throws Exception {
        StringBuilder sb = new StringBuilder("\uFEFF\"x, 1\",x2,\"quoted \"\"name\"\"\",label\r\n");
        Generator g = new Generator(3);
        for (int i = 0; i < 30; i++) {
            sb.append(String.format(java.util.Locale.ROOT, "%.3f,\"%d\",%.2e,%d\r\n", g.nextGaussian(), g.nextInt(100), g.nextGaussian(), g.nextInt(3)));
        }
        byte[] valid = sb.toString().getBytes(StandardCharsets.UTF_8);
        int rejected = fuzz("csv", valid, 150, 64, 20, f -> {
            CsvDataset ds = CsvDataset.load(f, null, true);
            assertTrue(ds.size() > 0);
        });
        rejected += fuzz("csv-regression", valid, 150, 64, 21, f -> CsvDataset.load(f, "x2", false));
        assertTrue(rejected > 100, "rejected " + rejected);
    }
}
