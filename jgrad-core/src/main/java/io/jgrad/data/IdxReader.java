package io.jgrad.data;

import io.jgrad.io.JgradFormatException;
import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.function.Consumer;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Reads one IDX file, the format of MNIST and its relatives: two zero bytes, a type code, the number of
 * dimensions d, then d big-endian 32-bit sizes, then the elements in row-major order, big-endian. The file may
 * be gzip-compressed; that is detected from its first bytes, not its name.
 *
 * <p>Sizes in the header are not trusted: the element count is capped at 2^31 - 9 bytes of data, a raw file's
 * length must match the header exactly before anything is allocated, and a compressed stream is read in
 * growing chunks so that a header claiming billions of images fails at the end of the stream rather than by
 * allocating for them.
 */
public final class IdxReader {
    /** Most dimensions accepted. */
    public static final int MAX_DIMS = 8;
    /** Largest data section accepted, in bytes (the largest Java array). */
    public static final long MAX_DATA_BYTES = Integer.MAX_VALUE - 8;
    private static final int FIRST_CHUNK = 1 << 20;

    private IdxReader() {}

    /** Element types of the IDX format, with their type codes and sizes. */
    public enum ElementType {
        UNSIGNED_BYTE(0x08, 1), SIGNED_BYTE(0x09, 1), SHORT(0x0B, 2), INT(0x0C, 4), FLOAT(0x0D, 4), DOUBLE(0x0E, 8);

        private final int code;
        private final int bytes;

        ElementType(int code, int bytes) {
            this.code = code;
            this.bytes = bytes;
        }

        /** The type code in the file's third byte. */
        public int code() {
            return code;
        }

        /** Bytes per element. */
        public int bytes() {
            return bytes;
        }
    }

    /**
     * The content of an IDX file: its dimensions, element type and the raw big-endian element bytes.
     * Use {@link #get(int)} to decode one element.
     */
    public record IdxArray(int[] dims, ElementType type, byte[] data) {
        /** Number of elements (the product of the dimensions). */
        public int numel() {
            return data.length / type.bytes;
        }

        /** Element {@code i} in row-major order, decoded as a double (unsigned bytes give 0..255). */
        public double get(int i) {
            ByteBuffer b = ByteBuffer.wrap(data); // big-endian, as the format says
            return switch (type) {
                case UNSIGNED_BYTE -> data[i] & 0xFF;
                case SIGNED_BYTE -> data[i];
                case SHORT -> b.getShort(2 * i);
                case INT -> b.getInt(4 * i);
                case FLOAT -> b.getFloat(4 * i);
                case DOUBLE -> b.getDouble(8 * i);
            };
        }
    }

    /**
     * Reads {@code file}.
     *
     * @throws JgradFormatException if the content is not a complete, valid IDX file (or valid gzip of one)
     * @throws IOException if the file cannot be read
     */
    public static IdxArray read(Path file) throws IOException {
        return read(file, magic -> {});
    }

    /**
     * As {@link #read(Path)}, with {@code check} given the file's magic number before the dimensions are read, to refuse
     * a file that says it holds another kind of data in its own words (an IDX directory's labels file holding images):
     * read on, such a file's data was taken for dimensions. The file is opened once.
     */
    static IdxArray read(Path file, Consumer<Magic> check) throws IOException {
        return withStream(file, (in, fileSize, decompressed) -> readStream(in, file, fileSize, decompressed, check));
    }

    /**
     * The dimensions in {@code file}'s header, without reading its data (e.g. the image size of a large file whose
     * data was already read as another shape); the header is checked as {@link #read} checks it.
     *
     * @throws JgradFormatException if the file does not start with a valid IDX header (or valid gzip of one)
     */
    public static int[] dims(Path file) throws IOException {
        return withStream(file, (in, fileSize, decompressed) -> readHeader(in, file, decompressed, magic -> {}).dims());
    }

    /** The element type and number of dimensions that a file's 4-byte magic number gives. */
    record Magic(ElementType type, int nDims) {
        /** The magic number itself: 0x0000TTNN, type code TT, NN dimensions. */
        int value() {
            return type.code << 8 | nDims;
        }
    }

    /** What is read from an IDX stream: {@code fileSize} is an uncompressed file's exact size, or -1 if unknown. */
    private interface StreamReader<T> {
        T read(InputStream in, long fileSize, String decompressed) throws IOException;
    }

    /**
     * Refuses {@code file} when it exists and is not a regular file, naming what it is and what was expected (a gzipped
     * IDX file where the name ends in .gz, else an IDX file); nothing when it does not exist, which the caller names. A
     * named pipe is refused before it is opened: opening one with no writer waits for one. Every way in here ({@link
     * #read}, {@link #dims}) and an IDX directory's entries ({@link IdxDataset}) are checked by it.
     *
     * @throws JgradFormatException naming the file
     */
    static void requireRegularFile(Path file) {
        if (Files.exists(file) && !Files.isRegularFile(file)) {
            throw new JgradFormatException(file, "", (Files.isDirectory(file) ? "is a directory" : "is not a regular file (a"
                    + " pipe, socket or device)") + "; expected a regular file (" + (file.getFileName() != null
                    && file.getFileName().toString().endsWith(".gz") ? "a gzipped IDX file)" : "an IDX file)"));
        }
    }

    /** Opens {@code file}, decompressing it when it starts with gzip's magic bytes, and reads it with {@code reader}. */
    private static <T> T withStream(Path file, StreamReader<T> reader) throws IOException {
        requireRegularFile(file);
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            raw.mark(2);
            boolean gzip = raw.read() == 0x1f && raw.read() == 0x8b;
            raw.reset();
            if (gzip) {
                try (InputStream in = new GZIPInputStream(raw, 1 << 16)) {
                    return reader.read(in, -1, " (after decompression)");
                } catch (ZipException | EOFException e) {
                    throw new JgradFormatException(file, "", "gzip data is corrupt or truncated (" + e.getMessage() + ")", e);
                }
            }
            return reader.read(raw, Files.size(file), "");
        }
    }

    /** An IDX header: the element type, the dimensions, and the data bytes they need. */
    private record Header(ElementType type, int[] dims, long dataBytes) {}

    /** {@code fileSize} is the exact size of an uncompressed file, or -1 for a stream of unknown length. */
    private static IdxArray readStream(InputStream in, Path file, long fileSize, String decompressed, Consumer<Magic> check)
            throws IOException {
        Header h = readHeader(in, file, decompressed, check);
        int[] dims = h.dims();
        ElementType type = h.type();
        long bytes = h.dataBytes();
        long headerBytes = 4 + 4L * dims.length;
        if (fileSize >= 0 && fileSize != headerBytes + bytes) {
            throw new JgradFormatException(file, "header", "dimensions " + Arrays.toString(dims) + " of " + type + " need "
                    + bytes + " data bytes, but the file holds " + (fileSize - headerBytes)
                    + (fileSize < headerBytes + bytes ? "; the file is truncated" : "; it has extra bytes at the end"));
        }
        byte[] data = readData(in, (int) bytes, file, dims, type, decompressed);
        if (in.read() >= 0) {
            throw new JgradFormatException(file, "byte " + (headerBytes + bytes), "extra data after the " + bytes
                    + " bytes that dimensions " + Arrays.toString(dims) + " need" + decompressed);
        }
        return new IdxArray(dims, type, data);
    }

    /** The magic number, the element type and the dimensions, each checked; {@code check} sees the magic number first. */
    private static Header readHeader(InputStream in, Path file, String decompressed, Consumer<Magic> check) throws IOException {
        Magic magic = readMagic(in, file, decompressed);
        check.accept(magic);
        ElementType type = magic.type();
        int nDims = magic.nDims();
        byte[] dimBytes = in.readNBytes(4 * nDims);
        if (dimBytes.length < 4 * nDims) {
            throw new JgradFormatException(file, "byte " + (4 + dimBytes.length), "file ends inside the header" + decompressed
                    + "; expected " + nDims + " dimension sizes");
        }
        ByteBuffer dimBuf = ByteBuffer.wrap(dimBytes);
        int[] dims = new int[nDims];
        long bytes = type.bytes;
        for (int i = 0; i < nDims; i++) {
            long d = Integer.toUnsignedLong(dimBuf.getInt());
            if (d > Integer.MAX_VALUE) {
                throw new JgradFormatException(file, "byte " + (4 + 4 * i), "dimension " + i + " has size " + d
                        + ", more than 2^31 - 1");
            }
            dims[i] = (int) d;
            bytes *= d;
            if (bytes > MAX_DATA_BYTES) {
                throw new JgradFormatException(file, "header", "dimensions " + Arrays.toString(Arrays.copyOf(dims, i + 1))
                        + (i + 1 < nDims ? "..." : "") + " of " + type + " need more than " + MAX_DATA_BYTES
                        + " bytes, more than jgrad can load");
            }
        }
        return new Header(type, dims, bytes);
    }

    /** The 4-byte magic number: two zero bytes, the element type, the number of dimensions; each checked. */
    private static Magic readMagic(InputStream in, Path file, String decompressed) throws IOException {
        byte[] head = in.readNBytes(4);
        if (head.length < 4) {
            throw new JgradFormatException(file, "byte 0", "file is " + head.length + " bytes long" + decompressed
                    + "; an IDX file starts with a 4-byte magic number");
        }
        if (head[0] != 0 || head[1] != 0) {
            throw new JgradFormatException(file, "byte 0", String.format(
                    "magic number starts with 0x%02X%02X; an IDX file starts with two zero bytes (is this an IDX file?)",
                    head[0] & 0xFF, head[1] & 0xFF));
        }
        ElementType type = null;
        for (ElementType t : ElementType.values()) {
            if (t.code == (head[2] & 0xFF)) {
                type = t;
            }
        }
        if (type == null) {
            throw new JgradFormatException(file, "byte 2", String.format("unknown element type code 0x%02X; expected one of"
                    + " 0x08 (unsigned byte), 0x09, 0x0B, 0x0C, 0x0D, 0x0E", head[2] & 0xFF));
        }
        int nDims = head[3] & 0xFF;
        if (nDims == 0 || nDims > MAX_DIMS) {
            throw new JgradFormatException(file, "byte 3", "number of dimensions is " + nDims + "; expected 1 to " + MAX_DIMS);
        }
        return new Magic(type, nDims);
    }

    /** Reads exactly {@code n} bytes, growing the buffer only as data actually arrives. */
    private static byte[] readData(InputStream in, int n, Path file, int[] dims, ElementType type, String decompressed)
            throws IOException {
        byte[] buf = new byte[Math.min(n, FIRST_CHUNK)];
        int filled = 0;
        while (filled < n) {
            if (filled == buf.length) {
                buf = Arrays.copyOf(buf, (int) Math.min(n, 2L * buf.length));
            }
            int r = in.read(buf, filled, buf.length - filled);
            if (r < 0) {
                throw new JgradFormatException(file, "", "data is truncated" + decompressed + ": dimensions "
                        + Arrays.toString(dims) + " of " + type + " need " + n + " bytes, found " + filled);
            }
            filled += r;
        }
        return buf;
    }
}
