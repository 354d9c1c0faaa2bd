package io.jgrad.data;

import static org.junit.jupiter.api.Assertions.*;

import io.jgrad.io.JgradFormatException;
import io.jgrad.io.Json;
import io.jgrad.io.Safetensors;
import io.jgrad.tensor.DType;
import io.jgrad.tensor.Generator;
import io.jgrad.tensor.Tensor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;

/**
 * Property: every mutation of a valid file (bit flips, truncation, overwritten or inserted or deleted runs,
 * edits of the header bytes) either loads correctly or fails with {@link JgradFormatException} naming the
 * file; never another exception, an OutOfMemoryError, an index error or a hang. jqwik generates the edits and,
 * when a case fails, shrinks it to a minimal list of edits. Fixed seeds keep CI repeatable.
 */
class HostileFilesPropertyTest {
    /** One change to a file; positions are fractions of its length so that one edit fits any file. */
    sealed interface Edit permits Flip, Truncate, Overwrite, Insert, Delete, HeaderByte {}

    record Flip(double at, int bit) implements Edit {}

    record Truncate(double at) implements Edit {}

    record Overwrite(double at, byte[] run) implements Edit {}

    record Insert(double at, byte[] run) implements Edit {}

    record Delete(double at, int length) implements Edit {}

    /** A byte that parsers treat specially, put among the first bytes, where headers live. */
    record HeaderByte(int position, byte value) implements Edit {}

    static byte[] apply(byte[] valid, List<Edit> edits) {
        byte[] b = valid.clone();
        for (Edit e : edits) {
            int n = b.length;
            int at = e instanceof HeaderByte ? 0 : (int) Math.min(n, Math.floor(position(e) * (n + 1)));
            b = switch (e) {
                case Flip f -> {
                    if (at < n) {
                        b[at] ^= (byte) (1 << f.bit());
                    }
                    yield b;
                }
                case Truncate t -> java.util.Arrays.copyOf(b, Math.min(at, Math.max(0, n - 1)));
                case Overwrite o -> {
                    for (int k = 0; k < o.run().length && at + k < n; k++) {
                        b[at + k] = o.run()[k];
                    }
                    yield b;
                }
                case Insert ins -> {
                    byte[] out = new byte[n + ins.run().length];
                    System.arraycopy(b, 0, out, 0, at);
                    System.arraycopy(ins.run(), 0, out, at, ins.run().length);
                    System.arraycopy(b, at, out, at + ins.run().length, n - at);
                    yield out;
                }
                case Delete d -> {
                    int len = Math.min(d.length(), n - at);
                    byte[] out = new byte[n - len];
                    System.arraycopy(b, 0, out, 0, at);
                    System.arraycopy(b, at + len, out, at, n - at - len);
                    yield out;
                }
                case HeaderByte h -> {
                    if (h.position() < n) {
                        b[h.position()] = h.value();
                    }
                    yield b;
                }
            };
        }
        return b;
    }

    private static double position(Edit e) {
        return switch (e) {
            case Flip f -> f.at();
            case Truncate t -> t.at();
            case Overwrite o -> o.at();
            case Insert i -> i.at();
            case Delete d -> d.at();
            case HeaderByte h -> 0;
        };
    }

    @Provide
    Arbitrary<List<Edit>> edits() {
        Arbitrary<Double> at = Arbitraries.doubles().between(0, 1);
        Arbitrary<byte[]> run = Arbitraries.bytes().array(byte[].class).ofMinSize(1).ofMaxSize(16);
        Arbitrary<Edit> flip = Combinators.combine(at, Arbitraries.integers().between(0, 7)).as(Flip::new);
        Arbitrary<Edit> truncate = at.map(Truncate::new);
        Arbitrary<Edit> overwrite = Combinators.combine(at, run).as(Overwrite::new);
        Arbitrary<Edit> insert = Combinators.combine(at, run).as(Insert::new);
        Arbitrary<Edit> delete = Combinators.combine(at, Arbitraries.integers().between(1, 32)).as(Delete::new);
        Arbitrary<Edit> header = Combinators.combine(Arbitraries.integers().between(0, 63),
                Arbitraries.of((byte) 0, (byte) 0xFF, (byte) 0x7F, (byte) 0x80, (byte) 1, (byte) '"', (byte) '{',
                        (byte) ']', (byte) ',', (byte) '-', (byte) '9', (byte) 0x0D)).as(HeaderByte::new);
        return Arbitraries.oneOf(flip, truncate, overwrite, insert, delete, header).list().ofMinSize(1).ofMaxSize(4);
    }

    private interface Loader {
        void load(Path file) throws IOException;
    }

    private static final Path DIR;

    static {
        try {
            DIR = Files.createTempDirectory("jgrad-hostile");
            DIR.toFile().deleteOnExit();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes the mutant, loads it, and fails on anything but a clean load or a JgradFormatException. */
    private static void check(String name, byte[] valid, List<Edit> edits, Loader loader) throws IOException {
        Path f = DIR.resolve(name);
        Files.write(f, apply(valid, edits));
        try {
            loader.load(f);
            Statistics.label(name).collect("loaded");
        } catch (JgradFormatException expected) {
            Statistics.label(name).collect("rejected: JgradFormatException");
            assertTrue(expected.getMessage().startsWith(f.toString()), () -> "message should start with the file: " + expected.getMessage());
        } finally {
            Files.deleteIfExists(f);
        }
    }

    private static final byte[] IDX;
    private static final byte[] IDX_GZ;
    private static final byte[] CSV;
    private static final byte[] SAFETENSORS;
    private static final byte[] JSON;

    static {
        try {
            Generator g = new Generator(1);
            byte[] pixels = new byte[20 * 8 * 8];
            for (int i = 0; i < pixels.length; i++) {
                pixels[i] = (byte) g.nextInt(256);
            }
            IDX = IdxReaderTest.idx(0x08, new int[] {20, 8, 8}, pixels);
            IDX_GZ = IdxReaderTest.gzip(IDX);
            StringBuilder sb = new StringBuilder("\uFEFF\"x, 1\",x2,\"quoted \"\"name\"\"\",label\r\n");
            for (int i = 0; i < 30; i++) {
                sb.append(String.format(Locale.ROOT, "%.3f,\"%d\",%.2e,%d\r\n", g.nextGaussian(), g.nextInt(100), g.nextGaussian(), g.nextInt(3)));
            }
            CSV = sb.toString().getBytes(StandardCharsets.UTF_8);
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            tensors.put("w", Tensor.randn(g, 4, 3));
            tensors.put("b", Tensor.normal(DType.FLOAT64, g, 0, 1, 3));
            tensors.put("s", Tensor.scalar(1.5));
            tensors.put("e", Tensor.zeros(0));
            Path st = DIR.resolve("valid.safetensors");
            Safetensors.write(st, tensors, Map.of("k", "v"));
            SAFETENSORS = Files.readAllBytes(st);
            Files.delete(st);
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("name", "mlp \"x\" \u00e9\uD83D\uDE00");
            doc.put("layers", List.of(784L, 128L, 10L));
            doc.put("lr", 0.001);
            doc.put("nested", Map.of("flag", true, "none", List.of(), "neg", -1.5e-7));
            JSON = Json.write(doc).getBytes(StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Property(tries = 250, seed = "1124")
    void idxMutantsLoadOrFailCleanly(@ForAll("edits") List<Edit> edits) throws IOException {
        Loader read = f -> {
            IdxReader.IdxArray a = IdxReader.read(f);
            long n = 1;
            for (int d : a.dims()) {
                n *= d;
            }
            assertEquals(n * a.type().bytes(), a.data().length, "data length agrees with the header");
        };
        check("mutant.idx", IDX, edits, read);
        check("mutant.idx.gz", IDX_GZ, edits, read);
    }

    @Property(tries = 250, seed = "1125")
    void csvMutantsLoadOrFailCleanly(@ForAll("edits") List<Edit> edits) throws IOException {
        check("mutant.csv", CSV, edits, f -> assertTrue(CsvDataset.load(f, null, true).size() > 0));
        check("mutant-regression.csv", CSV, edits, f -> CsvDataset.load(f, "x2", false));
    }

    @Property(tries = 250, seed = "1126")
    void safetensorsMutantsLoadOrFailCleanly(@ForAll("edits") List<Edit> edits) throws IOException {
        check("mutant.safetensors", SAFETENSORS, edits, f -> {
            for (Tensor t : Safetensors.read(f).tensors().values()) {
                assertEquals(t.numel(), t.toFloatArray().length);
            }
        });
    }

    @Property(tries = 250, seed = "1127")
    void jsonMutantsParseOrFailCleanly(@ForAll("edits") List<Edit> edits) {
        String text = new String(apply(JSON, edits), StandardCharsets.UTF_8);
        try {
            Object parsed = Json.parse(text);
            assertEquals(parsed, Json.parse(Json.write(parsed)), "a value that parses writes back to itself");
            Statistics.label("json").collect("loaded");
        } catch (JgradFormatException expected) {
            Statistics.label("json").collect("rejected: JgradFormatException");
            assertTrue(expected.getMessage().matches("<text>: line [0-9]+, column [0-9]+: .*"), expected.getMessage());
        }
    }
}
