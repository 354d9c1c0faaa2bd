package io.jgrad.io;

import static org.junit.jupiter.api.Assertions.*;

import io.jgrad.tensor.DType;
import io.jgrad.tensor.Generator;
import io.jgrad.tensor.Tensor;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsTest {
    @TempDir
    Path dir;

    /** A file made by hand: 8-byte length, header text as given (padded to 8), then data. */
    static byte[] craft(String header, byte[] data) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        int padded = (h.length + 7) / 8 * 8;
        ByteBuffer b = ByteBuffer.allocate(8 + padded + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(padded).put(h);
        for (int i = h.length; i < padded; i++) {
            b.put((byte) ' ');
        }
        return b.put(data).array();
    }

    private Path file(String name, byte[] content) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, content);
        return p;
    }

    @Test
    void roundTripF32F64EmptyScalarAndMetadata() throws IOException {
        Generator g = new Generator(1);
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        tensors.put("w", Tensor.randn(g, 3, 4));
        tensors.put("b64", Tensor.normal(DType.FLOAT64, g, 0, 1, 5));
        tensors.put("empty", Tensor.zeros(0, 3));
        tensors.put("scalar", Tensor.scalar(2.5));
        tensors.put("view", Tensor.randn(g, 4, 3).t()); // non-contiguous: written in logical order
        Map<String, String> meta = Map.of("format", "pt", "note", "é \"quoted\"");
        Path f = dir.resolve("m.safetensors");
        Safetensors.write(f, tensors, meta);
        var read = Safetensors.read(f);
        assertEquals(List.copyOf(tensors.keySet()), List.copyOf(read.tensors().keySet()));
        assertEquals(meta, read.metadata());
        for (var e : tensors.entrySet()) {
            Tensor back = read.tensors().get(e.getKey());
            assertEquals(e.getValue().dtype(), back.dtype(), e.getKey());
            assertArrayEquals(e.getValue().shape(), back.shape(), e.getKey());
            assertArrayEquals(e.getValue().toDoubleArray(), back.toDoubleArray(), 0.0, e.getKey());
        }
        assertEquals(0, read.tensors().get("scalar").dim());
        byte[] bytes = Files.readAllBytes(f);
        long headerLength = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertEquals(0, headerLength % 8, "header padded so that data starts 8-aligned");
        assertEquals(' ', bytes[(int) (8 + headerLength - 1)] == '}' ? ' ' : (char) bytes[(int) (8 + headerLength - 1)]);
        assertTrue(Safetensors.read(writeEmpty()).tensors().isEmpty());
    }

    private Path writeEmpty() throws IOException {
        Path f = dir.resolve("none.safetensors");
        Safetensors.write(f, Map.of(), null);
        return f;
    }

    @Test
    void bytesFollowTheSpec() throws IOException {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        tensors.put("a", Tensor.of(new float[] {1, 2}, 2));
        tensors.put("d", Tensor.of(new double[] {-2}, 1, 1));
        Path f = dir.resolve("spec.safetensors");
        Safetensors.write(f, tensors, Map.of("k", "v"));
        String header = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"d\":{\"dtype\":\"F64\",\"shape\":[1,1],\"data_offsets\":[8,16]},\"__metadata__\":{\"k\":\"v\"}}";
        assertEquals(135, header.length());
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        expected.writeBytes(new byte[] {(byte) 136, 0, 0, 0, 0, 0, 0, 0}); // 135 padded to 136, little-endian u64
        expected.writeBytes(header.getBytes(StandardCharsets.US_ASCII));
        expected.writeBytes(" ".getBytes(StandardCharsets.US_ASCII));
        expected.writeBytes(new byte[] {0, 0, (byte) 0x80, 0x3F, 0, 0, 0, 0x40}); // 1.0f, 2.0f little-endian
        expected.writeBytes(new byte[] {0, 0, 0, 0, 0, 0, 0, (byte) 0xC0}); // -2.0 as little-endian double
        assertArrayEquals(expected.toByteArray(), Files.readAllBytes(f));
    }

    @Test
    void readsHalfAndBfloat16AsFloat32() throws IOException {
        String header = "{\"h\":{\"dtype\":\"F16\",\"shape\":[3],\"data_offsets\":[0,6]},"
                + "\"b\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[6,10]}}";
        byte[] data = {0x00, 0x3C, 0x00, (byte) 0xC0, 0x00, 0x38, // F16 1.0, -2.0, 0.5
            (byte) 0x80, 0x3F, 0x40, (byte) 0xC0}; // BF16 1.0, -3.0
        var read = Safetensors.read(file("half.safetensors", craft(header, data)));
        Tensor h = read.tensors().get("h");
        assertEquals(DType.FLOAT32, h.dtype());
        assertArrayEquals(new float[] {1f, -2f, 0.5f}, h.toFloatArray());
        assertArrayEquals(new float[] {1f, -3f}, read.tensors().get("b").toFloatArray());
        assertTrue(read.metadata().isEmpty());
    }

    @Test
    void headerGivesTheMetadataAndStoredDtypesAndChecksAsReadDoes() throws IOException {
        String header = "{\"__metadata__\":{\"k\":\"v\"},\"h\":{\"dtype\":\"F16\",\"shape\":[3],\"data_offsets\":[0,6]},"
                + "\"n\":{\"dtype\":\"I64\",\"shape\":[],\"data_offsets\":[6,14]}}";
        Safetensors.Header h = Safetensors.header(file("h.safetensors", craft(header, new byte[14])));
        assertEquals(Map.of("k", "v"), h.metadata());
        assertEquals(List.of("h", "n"), List.copyOf(h.dtypes().keySet()));
        assertEquals(List.of("F16", "I64"), List.copyOf(h.dtypes().values()));
        // the same checks as read: data shorter than the header says is refused without reading any tensor
        Path shortData = file("short.safetensors", craft(header, new byte[10]));
        String readMessage = assertThrows(JgradFormatException.class, () -> Safetensors.read(shortData)).getMessage();
        assertEquals(readMessage, assertThrows(JgradFormatException.class, () -> Safetensors.header(shortData)).getMessage());
    }

    @Test
    void readsIntegersAndBooleansAsFloat64() throws IOException {
        String header = "{" + entry("n", "I64", "[]", "[0,8]") + "," + entry("i", "I32", "[2]", "[8,16]") + ","
                + entry("s", "I16", "[1]", "[16,18]") + "," + entry("b", "I8", "[1]", "[18,19]") + ","
                + entry("u", "U8", "[1]", "[19,20]") + "," + entry("z", "BOOL", "[2]", "[20,22]") + "}";
        ByteBuffer data = ByteBuffer.allocate(22).order(ByteOrder.LITTLE_ENDIAN);
        data.putLong((1L << 53) + 0).putInt(-7).putInt(Integer.MAX_VALUE).putShort((short) -300).put((byte) -5)
                .put((byte) 200).put((byte) 1).put((byte) 0);
        var read = Safetensors.read(file("ints.safetensors", craft(header, data.array())));
        Tensor n = read.tensors().get("n");
        assertEquals(DType.FLOAT64, n.dtype());
        assertEquals(0, n.dim());
        assertEquals(0x1p53, n.item());
        assertArrayEquals(new double[] {-7, Integer.MAX_VALUE}, read.tensors().get("i").toDoubleArray());
        assertArrayEquals(new double[] {-300}, read.tensors().get("s").toDoubleArray());
        assertArrayEquals(new double[] {-5}, read.tensors().get("b").toDoubleArray());
        assertArrayEquals(new double[] {200}, read.tensors().get("u").toDoubleArray());
        assertArrayEquals(new double[] {1, 0}, read.tensors().get("z").toDoubleArray());
    }

    /** PyTorch keeps BatchNorm's num_batches_tracked as int64: the tensors named in int64 are written as I64. */
    @Test
    void writesTheNamedTensorsAsInt64() throws IOException {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        tensors.put("w", Tensor.of(new float[] {1.5f}, 1));
        tensors.put("n", Tensor.scalar(DType.FLOAT64, 0x1p40 + 3)); // float32 would round it
        tensors.put("m", Tensor.of(new float[] {-2, 7}, 2));
        Path f = dir.resolve("int.safetensors");
        Safetensors.write(f, tensors, null, java.util.Set.of("n", "m"));
        assertEquals(List.of("F32", "I64", "I64"), List.copyOf(Safetensors.header(f).dtypes().values()));
        byte[] bytes = Files.readAllBytes(f);
        ByteBuffer data = ByteBuffer.wrap(bytes, bytes.length - 28, 28).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(1.5f, data.getFloat());
        assertEquals((1L << 40) + 3, data.getLong());
        assertEquals(-2L, data.getLong());
        assertEquals(7L, data.getLong());
        var read = Safetensors.read(f).tensors();
        assertEquals(DType.FLOAT64, read.get("n").dtype());
        assertEquals(0x1p40 + 3, read.get("n").item());
        assertArrayEquals(new double[] {-2, 7}, read.get("m").toDoubleArray());
    }

    @Test
    void refusesInt64ForAFractionOrAnUnknownName() throws IOException {
        Path f = Files.writeString(dir.resolve("kept.safetensors"), "old");
        var e = assertThrows(IllegalArgumentException.class, () -> Safetensors.write(f,
                Map.of("n", Tensor.of(new float[] {1, 2.5f}, 2)), null, java.util.Set.of("n")));
        assertEquals("Safetensors.write: tensor \"n\" is to be stored as I64 but holds 2.5, not a whole number in"
                + " [-2^63, 2^63)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Safetensors.write(f,
                Map.of("n", Tensor.scalar(Double.NaN)), null, java.util.Set.of("n")));
        assertTrue(e.getMessage().contains("holds NaN"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Safetensors.write(f,
                Map.of("n", Tensor.scalar(1)), null, java.util.Set.of("x")));
        assertEquals("Safetensors.write: int64 names \"x\", which is not among the tensors", e.getMessage());
        assertEquals("old", Files.readString(f), "nothing written");
    }

    @Test
    void metadataOrderDoesNotChangeTheBytes() throws IOException {
        // Map.of iterates in an order that changes between JVMs: two runs of the CLI wrote different files
        Map<String, Tensor> tensors = Map.of("w", Tensor.of(new float[] {1, 2}));
        Map<String, String> forward = new java.util.LinkedHashMap<>(), backward = new java.util.LinkedHashMap<>();
        for (String k : new String[] {"producer", "format", "checkpoint"}) {
            forward.put(k, k + "-value");
        }
        for (String k : new String[] {"checkpoint", "format", "producer"}) {
            backward.put(k, k + "-value");
        }
        Safetensors.write(dir.resolve("a.safetensors"), tensors, forward);
        Safetensors.write(dir.resolve("b.safetensors"), tensors, backward);
        assertArrayEquals(Files.readAllBytes(dir.resolve("a.safetensors")), Files.readAllBytes(dir.resolve("b.safetensors")));
        assertEquals(forward, Safetensors.read(dir.resolve("b.safetensors")).metadata());
    }

    @Test
    void refusesTensorNamedMetadata() {
        assertThrows(IllegalArgumentException.class,
                () -> Safetensors.write(dir.resolve("x"), Map.of(Safetensors.METADATA_KEY, Tensor.zeros(1)), null));
    }

    private void bad(byte[] content, String... expectedInMessage) throws IOException {
        Path f = file("bad.safetensors", content);
        var e = assertThrows(JgradFormatException.class, () -> Safetensors.read(f));
        assertEquals(f, e.file());
        assertTrue(e.getMessage().startsWith(f.toString() + ": "), e.getMessage());
        for (String s : expectedInMessage) {
            assertTrue(e.getMessage().contains(s), "expected '" + s + "' in: " + e.getMessage());
        }
    }

    private static String entry(String name, String dtype, String shape, String offsets) {
        return "\"" + name + "\":{\"dtype\":\"" + dtype + "\",\"shape\":" + shape + ",\"data_offsets\":" + offsets + "}";
    }

    @Test
    void rejectsHostileFilesWithUsefulMessages() throws IOException {
        byte[] eight = new byte[8];
        bad(new byte[5], "5 bytes long");
        bad(ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(1000).array(), "header length 1000", "8 bytes that follow");
        bad(ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(1L << 62).array(), "limit");
        bad(ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(-1).array(), "18446744073709551615", "limit");
        ByteBuffer badUtf8 = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(8);
        badUtf8.put(new byte[] {'{', '"', (byte) 0xC3, 0x28, '"', ':', '1', '}'});
        bad(badUtf8.array(), "UTF-8");
        bad(craft("{\"a\":", eight), "header character ", "expected a value");
        bad(craft("[1,2]", eight), "not a JSON object");
        bad(craft("{\"t\":{\"shape\":[2],\"data_offsets\":[0,8]}}", eight), "tensor 't'", "no \"dtype\"");
        bad(craft("{\"t\":{\"dtype\":\"F32\",\"data_offsets\":[0,8]}}", eight), "tensor 't'", "no \"shape\"");
        bad(craft("{\"t\":{\"dtype\":\"F32\",\"shape\":[2]}}", eight), "tensor 't'", "no \"data_offsets\"");
        bad(craft("{\"t\":5}", eight), "tensor 't'", "must be an object");
        bad(craft("{" + entry("t", "F32", "[2]", "[0,8]").replace("\"F32\"", "5") + "}", eight), "dtype must be a string");
        bad(craft("{" + entry("q", "F8_E4M3", "[8]", "[0,8]") + "}", eight), "tensor 'q'", "F8_E4M3", "not supported");
        bad(craft("{" + entry("t", "F32", "[-2]", "[0,8]") + "}", eight), "tensor 't'", "non-negative integers");
        bad(craft("{" + entry("t", "F32", "[1.5]", "[0,8]") + "}", eight), "tensor 't'", "non-negative integers");
        bad(craft("{" + entry("t", "F32", "2", "[0,8]") + "}", eight), "shape must be an array");
        bad(craft("{" + entry("t", "F32", "[65536,65536,65536]", "[0,8]") + "}", eight), "tensor 't'", "2^31");
        bad(craft("{" + entry("t", "F32", "[2]", "[0,16]") + "}", eight), "tensor 't'", "past the end");
        bad(craft("{" + entry("t", "F32", "[2]", "[8,0]") + "}", eight), "tensor 't'", "reversed");
        bad(craft("{" + entry("t", "F32", "[2]", "[0]") + "}", eight), "two integers");
        bad(craft("{" + entry("t", "F32", "[3]", "[0,8]") + "}", eight), "tensor 't'", "span 8 bytes", "needs 12");
        bad(craft("{" + entry("a", "F32", "[2]", "[0,8]") + "," + entry("b", "F32", "[2]", "[4,12]") + "}", new byte[12]),
                "tensor 'b'", "overlap", "'a'");
        bad(craft("{" + entry("a", "F32", "[2]", "[0,8]") + "," + entry("a", "F32", "[2]", "[0,8]") + "}", eight),
                "duplicate key \"a\"");
        bad(craft("{\"__metadata__\":{\"k\":1}}", eight), "__metadata__", "\"k\"", "must be a string");
        bad(craft("{\"__metadata__\":[]}", eight), "__metadata__", "object of strings");
    }

    /**
     * The spec's layout rule (the reference reader's {@code validate}: sorted by offset, each tensor begins where
     * the previous ended, the last ends at the end of the file): these files were read as if nothing were wrong.
     */
    @Test
    void rejectsGapsTrailingBytesAndEmptyTensorsInsideOthers() throws IOException {
        bad(craft("{" + entry("a", "F32", "[1]", "[0,4]") + "," + entry("b", "F32", "[1]", "[8,12]") + "}", new byte[12]),
                "tensor 'b'", "bytes [4, 8)", "contiguous");
        bad(craft("{" + entry("a", "F32", "[1]", "[4,8]") + "}", new byte[8]), "tensor 'a'", "bytes [0, 4)");
        byte[] trailing = craft("{" + entry("a", "F32", "[2]", "[0,8]") + "}", new byte[16]);
        int dataStart = trailing.length - 16;
        bad(trailing, "byte " + (dataStart + 8), "tensors end at byte 8 of the 16-byte data section", "8 bytes after them");
        bad(craft("{}", new byte[8]), "byte " + (8 + 8), "tensors end at byte 0 of the 8-byte data section");
        bad(craft("{" + entry("a", "F32", "[2]", "[0,8]") + "," + entry("z", "F32", "[0]", "[4,4]") + "}", new byte[8]),
                "tensor 'z'", "overlap", "'a'");
        // still read: any order of entries, empty tensors at a boundary or at the end, an empty file of tensors
        var ok = Safetensors.read(file("ok.safetensors", craft("{" + entry("b", "F32", "[1]", "[4,8]") + ","
                + entry("e", "F64", "[0,3]", "[8,8]") + "," + entry("a", "F32", "[1]", "[0,4]") + ","
                + entry("z", "F32", "[2,0]", "[4,4]") + "}", new byte[8])));
        assertEquals(List.of("b", "e", "a", "z"), List.copyOf(ok.tensors().keySet()));
        assertTrue(Safetensors.read(file("none.safetensors", craft("{}", new byte[0]))).tensors().isEmpty());
    }
}
