package io.jgrad.io;

import io.jgrad.tensor.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads safetensors files without trusting any size in them: the header length is checked against the file
 * size and a cap before its buffer is allocated, every entry is validated (dtype, shape, offsets within the
 * data section, length = numel * element size; together the tensors cover the data section without gap,
 * overlap or trailing bytes) before any tensor is allocated, and the data is read through a {@link FileChannel} in bounded chunks.
 */
final class SafetensorsReader {
    private static final int CHUNK = 1 << 16;

    private SafetensorsReader() {}

    /** The dtypes read; integers and booleans become float64 (exact up to 2^53), as PyTorch's int64 counters. */
    private enum StoredType {
        F32(4), F64(8), F16(2), BF16(2), I64(8), I32(4), I16(2), I8(1), U8(1), BOOL(1);

        final int bytes;

        StoredType(int bytes) {
            this.bytes = bytes;
        }

        boolean readAsDouble() {
            return this != F32 && this != F16 && this != BF16;
        }
    }

    private record Entry(String name, StoredType type, int[] shape, int numel, long begin, long end) {}

    /** A validated header: the metadata, the tensors' entries in file order, and where their data starts. */
    private record Parsed(Map<String, String> metadata, List<Entry> entries, long dataStart) {}

    static Safetensors.Contents read(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            Parsed parsed = parseHeader(ch, file);
            LinkedHashMap<String, Tensor> tensors = new LinkedHashMap<>();
            for (Entry entry : parsed.entries()) {
                tensors.put(entry.name, readTensor(ch, entry, parsed.dataStart(), file));
            }
            return new Safetensors.Contents(tensors, parsed.metadata());
        }
    }

    static Safetensors.Header header(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            Parsed parsed = parseHeader(ch, file);
            Map<String, String> dtypes = new LinkedHashMap<>();
            for (Entry entry : parsed.entries()) {
                dtypes.put(entry.name, entry.type.name());
            }
            return new Safetensors.Header(parsed.metadata(), dtypes);
        }
    }

    /** Reads and checks the header (length, JSON, entries, layout against the file's size); no tensor data. */
    private static Parsed parseHeader(FileChannel ch, Path file) throws IOException {
        long size = ch.size();
        if (size < 8) {
            throw new JgradFormatException(file, "", "file is " + size
                    + " bytes long; a safetensors file starts with an 8-byte header length");
        }
        ByteBuffer lengthBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        readFully(ch, lengthBuf, 0, file);
        long n = lengthBuf.getLong(0);
        if (n < 0 || n > Safetensors.MAX_HEADER_BYTES) {
            throw new JgradFormatException(file, "byte 0", "header length " + Long.toUnsignedString(n)
                    + " is larger than the limit of " + Safetensors.MAX_HEADER_BYTES + " bytes; not a safetensors file?");
        }
        if (n > size - 8) {
            throw new JgradFormatException(file, "byte 0", "header length " + n + " is larger than the "
                    + (size - 8) + " bytes that follow it; the file is truncated or not safetensors");
        }
        ByteBuffer headerBuf = ByteBuffer.allocate((int) n);
        readFully(ch, headerBuf, 8, file);
        String json = decodeUtf8(headerBuf, file);
        Object parsed = Json.parse(json, file, "header character ");
        if (!(parsed instanceof Map<?, ?> header)) {
            throw new JgradFormatException(file, "header", "header is not a JSON object");
        }
        long dataSize = size - 8 - n;
        Map<String, String> metadata = new LinkedHashMap<>();
        List<Entry> entries = new ArrayList<>();
        for (Map.Entry<?, ?> e : header.entrySet()) {
            String name = (String) e.getKey();
            if (name.equals(Safetensors.METADATA_KEY)) {
                metadata = metadata(e.getValue(), file);
            } else {
                entries.add(entry(name, e.getValue(), dataSize, file));
            }
        }
        checkLayout(entries, 8 + n, dataSize, file);
        return new Parsed(metadata, entries, 8 + n);
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long position, Path file) throws IOException {
        long p = position;
        while (buf.hasRemaining()) {
            int r = ch.read(buf, p);
            if (r < 0) {
                throw new JgradFormatException(file, "byte " + p, "unexpected end of file");
            }
            p += r;
        }
        buf.flip();
    }

    private static String decodeUtf8(ByteBuffer bytes, Path file) {
        try {
            CharBuffer chars = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(bytes);
            return chars.toString();
        } catch (CharacterCodingException e) {
            throw new JgradFormatException(file, "header", "header is not valid UTF-8", e);
        }
    }

    private static Map<String, String> metadata(Object value, Path file) {
        if (!(value instanceof Map<?, ?> map)) {
            throw new JgradFormatException(file, "header, " + Safetensors.METADATA_KEY,
                    Safetensors.METADATA_KEY + " must be an object of strings, got " + kind(value));
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : map.entrySet()) {
            if (!(e.getValue() instanceof String s)) {
                throw new JgradFormatException(file, "header, " + Safetensors.METADATA_KEY, "value of \"" + e.getKey()
                        + "\" must be a string, got " + kind(e.getValue()));
            }
            out.put((String) e.getKey(), s);
        }
        return out;
    }

    private static Entry entry(String name, Object value, long dataSize, Path file) {
        String where = "tensor '" + name + "'";
        if (!(value instanceof Map<?, ?> map)) {
            throw new JgradFormatException(file, where, "entry must be an object with dtype, shape and data_offsets, got "
                    + kind(value));
        }
        for (String key : new String[] {"dtype", "shape", "data_offsets"}) {
            if (!map.containsKey(key)) {
                throw new JgradFormatException(file, where, "entry has no \"" + key + "\"");
            }
        }
        if (!(map.get("dtype") instanceof String dtypeName)) {
            throw new JgradFormatException(file, where, "dtype must be a string, got " + kind(map.get("dtype")));
        }
        StoredType type;
        try {
            type = StoredType.valueOf(dtypeName);
        } catch (IllegalArgumentException e) {
            throw new JgradFormatException(file, where, "dtype " + dtypeName
                    + " is not supported; jgrad reads F32, F64, F16, BF16, I64, I32, I16, I8, U8 and BOOL");
        }
        List<?> shapeList = list(map.get("shape"), "shape", where, file);
        int[] shape = new int[shapeList.size()];
        long numel = 1;
        for (int i = 0; i < shape.length; i++) {
            if (!(shapeList.get(i) instanceof Long s) || s < 0) {
                throw new JgradFormatException(file, where, "shape must hold non-negative integers, got " + shapeList);
            }
            if (s > Integer.MAX_VALUE) {
                throw new JgradFormatException(file, where, "dimension " + s + " in shape " + shapeList + " is too large");
            }
            shape[i] = (int) (long) s;
            numel = numel * s;
            if (numel > Integer.MAX_VALUE - 8) {
                throw new JgradFormatException(file, where, "shape " + shapeList
                        + " has more than 2^31 elements, more than a jgrad tensor can hold");
            }
        }
        List<?> offsets = list(map.get("data_offsets"), "data_offsets", where, file);
        if (offsets.size() != 2 || !(offsets.get(0) instanceof Long begin) || !(offsets.get(1) instanceof Long end)) {
            throw new JgradFormatException(file, where, "data_offsets must be two integers [begin, end], got " + offsets);
        }
        if (begin < 0 || end < begin) {
            throw new JgradFormatException(file, where, "data_offsets " + offsets + " are reversed or negative");
        }
        if (end > dataSize) {
            throw new JgradFormatException(file, where, "data_offsets " + offsets + " reach past the end of the data section ("
                    + dataSize + " bytes); the file is truncated");
        }
        long expected = numel * type.bytes;
        if (end - begin != expected) {
            throw new JgradFormatException(file, where, "data_offsets " + offsets + " span " + (end - begin)
                    + " bytes, but shape " + shapeList + " of " + type + " needs " + expected);
        }
        return new Entry(name, type, shape, (int) numel, begin, end);
    }

    private static List<?> list(Object value, String key, String where, Path file) {
        if (!(value instanceof List<?> l)) {
            throw new JgradFormatException(file, where, key + " must be an array, got " + kind(value));
        }
        return l;
    }

    private static String kind(Object value) {
        return switch (value) {
            case null -> "null";
            case String s -> "the string \"" + (s.length() > 40 ? s.substring(0, 40) + "..." : s) + "\"";
            case Map<?, ?> m -> "an object";
            case List<?> l -> "an array";
            default -> value.toString();
        };
    }

    /**
     * The spec's layout rule, as the reference reader (safetensors' {@code validate}) enforces it: taken in
     * order of offset, each tensor begins where the previous one ended, and the last ends at the end of the
     * file. A gap or trailing bytes belong to no tensor; they mean a header edited by hand, two files joined, or
     * a file that is not what its header says, and PyTorch's safetensors refuses such a file.
     */
    private static void checkLayout(List<Entry> entries, long dataStart, long dataSize, Path file) {
        List<Entry> sorted = new ArrayList<>(entries);
        sorted.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        Entry previous = null;
        long covered = 0;
        for (Entry e : sorted) {
            String where = "tensor '" + e.name + "'";
            if (e.begin < covered) {
                throw new JgradFormatException(file, where, "data_offsets [" + e.begin + ", " + e.end + "] overlap those of tensor '"
                        + previous.name + "' [" + previous.begin + ", " + previous.end + "]");
            }
            if (e.begin > covered) {
                throw new JgradFormatException(file, where, "data_offsets [" + e.begin + ", " + e.end + "] leave bytes ["
                        + covered + ", " + e.begin + ") of the data section to no tensor; safetensors data must be contiguous");
            }
            covered = e.end;
            if (e.end > e.begin) {
                previous = e;
            }
        }
        if (covered != dataSize) {
            throw new JgradFormatException(file, "byte " + (dataStart + covered), "the tensors end at byte " + covered
                    + " of the " + dataSize + "-byte data section; the " + (dataSize - covered)
                    + " bytes after them belong to no tensor (trailing garbage, or two files joined)");
        }
    }

    private static Tensor readTensor(FileChannel ch, Entry e, long dataStart, Path file) throws IOException {
        float[] f = e.type.readAsDouble() ? null : new float[e.numel];
        double[] d = e.type.readAsDouble() ? new double[e.numel] : null;
        ByteBuffer buf = ByteBuffer.allocate(CHUNK).order(ByteOrder.LITTLE_ENDIAN);
        long position = dataStart + e.begin;
        int i = 0;
        while (i < e.numel) {
            int count = Math.min(e.numel - i, CHUNK / e.type.bytes);
            buf.clear().limit(count * e.type.bytes);
            readFully(ch, buf, position, file);
            position += (long) count * e.type.bytes;
            for (int k = 0; k < count; k++, i++) {
                switch (e.type) {
                    case F32 -> f[i] = buf.getFloat();
                    case F64 -> d[i] = buf.getDouble();
                    case F16 -> f[i] = Float.float16ToFloat(buf.getShort());
                    case BF16 -> f[i] = Float.intBitsToFloat((buf.getShort() & 0xFFFF) << 16);
                    case I64 -> d[i] = buf.getLong();
                    case I32 -> d[i] = buf.getInt();
                    case I16 -> d[i] = buf.getShort();
                    case I8 -> d[i] = buf.get();
                    case U8 -> d[i] = buf.get() & 0xFF;
                    case BOOL -> d[i] = buf.get() == 0 ? 0 : 1;
                }
            }
        }
        return f != null ? Tensor.wrap(f, e.shape) : Tensor.wrap(d, e.shape);
    }
}
