package io.jgrad.data;

import static org.junit.jupiter.api.Assertions.*;

import io.jgrad.io.JgradFormatException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

class IdxReaderTest {
    @TempDir
    Path dir;

    /** The bundled MNIST-10k, found from the module directory (Maven) or the repository root. */
    static Path mnistDir() {
        for (Path p : new Path[] {Path.of("../data/mnist-10k"), Path.of("data/mnist-10k")}) {
            if (Files.isDirectory(p)) {
                return p;
            }
        }
        throw new IllegalStateException("data/mnist-10k not found from " + Path.of("").toAbsolutePath());
    }

    /** An IDX file by hand: magic 0 0 type ndims, big-endian sizes, then {@code data}. */
    static byte[] idx(int type, int[] dims, byte[] data) {
        ByteBuffer b = ByteBuffer.allocate(4 + 4 * dims.length + data.length);
        b.put((byte) 0).put((byte) 0).put((byte) type).put((byte) dims.length);
        for (int d : dims) {
            b.putInt(d);
        }
        return b.put(data).array();
    }

    static byte[] gzip(byte[] raw) throws IOException {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(bos)) {
            gz.write(raw);
        }
        return bos.toByteArray();
    }

    private Path write(String name, byte[] content) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, content);
        return p;
    }

    /**
     * A path that is no regular file is refused naming it and what was expected, before it is opened, by each way in
     * (read, dims): /dev/null was read as an IDX file of 0 bytes, a named pipe waited forever for a writer (jgrad
     * predict --idx hung). In the words of an IDX directory's entries, which {@link IdxDataset} refuses by the same check.
     */
    @Test
    void aPathThatIsNotARegularFileIsRefusedBeforeItIsOpened() throws IOException, InterruptedException {
        Path device = Path.of("/dev/null");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.exists(device), "no /dev/null here");
        String notRegular = "is not a regular file (a pipe, socket or device); expected a regular file";
        var e = assertThrows(JgradFormatException.class, () -> IdxReader.read(device));
        assertEquals(device + ": " + notRegular + " (an IDX file)", e.getMessage());
        Path sub = Files.createDirectory(dir.resolve("images.gz"));
        e = assertThrows(JgradFormatException.class, () -> IdxReader.read(sub));
        assertEquals(sub + ": is a directory; expected a regular file (a gzipped IDX file)", e.getMessage());
        Path pipe = dir.resolve("t10k-images-idx3-ubyte");
        assertEquals(0, new ProcessBuilder("mkfifo", pipe.toString()).start().waitFor(), "mkfifo");
        for (Executable read : new Executable[] {() -> IdxReader.read(pipe), () -> IdxReader.dims(pipe)}) {
            e = assertThrows(JgradFormatException.class, read);
            assertEquals(pipe + ": " + notRegular + " (an IDX file)", e.getMessage());
        }
    }

    /**
     * read's check sees the magic number before the dimensions are read, in the one pass over the file: a check that
     * refuses it is the error, not the dimensions that the data after a wrong magic number would give (IdxDataset's
     * labels holding images opened each file twice, once for the magic number and once to read it).
     */
    @Test
    void theCheckOfTheMagicNumberComesBeforeTheDimensions() throws IOException {
        byte[] labels = idx(0x08, new int[] {3}, new byte[] {1, 2, 3});
        labels[3] = 3; // an images file's magic number: the labels' bytes would be read as two more dimensions
        Path file = write("labels.gz", gzip(labels));
        List<IdxReader.Magic> seen = new ArrayList<>();
        var e = assertThrows(IllegalStateException.class, () -> IdxReader.read(file, magic -> {
            seen.add(magic);
            throw new IllegalStateException("refused");
        }));
        assertEquals("refused", e.getMessage());
        assertEquals(List.of(new IdxReader.Magic(IdxReader.ElementType.UNSIGNED_BYTE, 3)), seen);
        Path images = write("images", idx(0x08, new int[] {2, 1, 2}, new byte[] {5, 6, 7, 8}));
        IdxReader.IdxArray read = IdxReader.read(images, seen::add);
        assertArrayEquals(new int[] {2, 1, 2}, read.dims());
        assertEquals(2, seen.size());
    }

    @Test
    void readsBundledMnistAndRawEqualsGzip() throws IOException {
        Path gz = mnistDir().resolve("t10k-images-idx3-ubyte.gz");
        IdxReader.IdxArray fromGz = IdxReader.read(gz);
        assertArrayEquals(new int[] {1996, 28, 28}, fromGz.dims());
        assertEquals(IdxReader.ElementType.UNSIGNED_BYTE, fromGz.type());
        byte[] raw;
        try (InputStream in = new GZIPInputStream(Files.newInputStream(gz))) {
            raw = in.readAllBytes();
        }
        // a raw copy under a misleading .gz name: detection is by content, not name
        IdxReader.IdxArray fromRaw = IdxReader.read(write("really-raw.gz", raw));
        assertArrayEquals(fromGz.dims(), fromRaw.dims());
        assertArrayEquals(fromGz.data(), fromRaw.data());
        assertArrayEquals(Arrays.copyOfRange(raw, 16, raw.length), fromRaw.data());
        // the header alone, gzip or raw
        assertArrayEquals(new int[] {1996, 28, 28}, IdxReader.dims(gz));
        assertArrayEquals(new int[] {1996, 28, 28}, IdxReader.dims(write("header-only-raw", raw)));
        var e = assertThrows(JgradFormatException.class, () -> IdxReader.dims(write("not-idx", new byte[] {1, 2, 3, 4, 5})));
        assertTrue(e.getMessage().contains("two zero bytes"), e.getMessage());
    }

    @Test
    void decodesEveryElementTypeBigEndian() throws IOException {
        assertEquals(255.0, IdxReader.read(write("u8", idx(0x08, new int[] {2}, new byte[] {(byte) 0xFF, 7}))).get(0));
        assertEquals(-1.0, IdxReader.read(write("i8", idx(0x09, new int[] {1}, new byte[] {(byte) 0xFF}))).get(0));
        assertEquals(-2.0, IdxReader.read(write("i16", idx(0x0B, new int[] {1}, new byte[] {(byte) 0xFF, (byte) 0xFE}))).get(0));
        assertEquals(258.0, IdxReader.read(write("i32", idx(0x0C, new int[] {1}, new byte[] {0, 0, 1, 2}))).get(0));
        assertEquals(1.0, IdxReader.read(write("f32", idx(0x0D, new int[] {1}, new byte[] {0x3F, (byte) 0x80, 0, 0}))).get(0));
        IdxReader.IdxArray d = IdxReader.read(write("f64", idx(0x0E, new int[] {1, 2},
                new byte[] {(byte) 0xC0, 0, 0, 0, 0, 0, 0, 0, 0x3F, (byte) 0xF0, 0, 0, 0, 0, 0, 0})));
        assertEquals(-2.0, d.get(0));
        assertEquals(1.0, d.get(1));
        assertEquals(2, d.numel());
        assertEquals(0, IdxReader.read(write("empty", idx(0x08, new int[] {0, 28, 28}, new byte[0]))).numel());
    }

    private void bad(byte[] content, String... expected) throws IOException {
        Path f = write("bad-" + System.nanoTime(), content);
        var e = assertThrows(JgradFormatException.class, () -> IdxReader.read(f));
        assertTrue(e.getMessage().startsWith(f + ": "), e.getMessage());
        for (String s : expected) {
            assertTrue(e.getMessage().contains(s), "expected '" + s + "' in: " + e.getMessage());
        }
    }

    @Test
    void rejectsHostileHeaders() throws IOException {
        byte[] valid = idx(0x08, new int[] {2, 2}, new byte[4]);
        byte[] magic = valid.clone();
        magic[0] = 1;
        bad(magic, "byte 0", "two zero bytes");
        byte[] type = valid.clone();
        type[2] = 0x0A;
        bad(type, "byte 2", "unknown element type code 0x0A");
        bad(idx(0x08, new int[0], new byte[0]), "number of dimensions is 0");
        bad(idx(0x08, new int[9], new byte[0]), "number of dimensions is 9", "1 to 8");
        bad(new byte[] {0, 0}, "2 bytes long");
        bad(Arrays.copyOf(valid, 9), "ends inside the header");
        bad(idx(0x08, new int[] {65536, 65536, 65536}, new byte[0]), "need more than 2147483639 bytes");
        bad(idx(0x0E, new int[] {1 << 29}, new byte[0]), "need more than");
        bad(idx(0x08, new int[] {-1, 28, 28}, new byte[0]), "size 4294967295", "2^31 - 1");
    }

    @Test
    void fourBillionImagesFailWithoutAllocating() throws IOException {
        // 4e9 images as an unsigned size, then 2e9 images that fit the cap but are not in the file
        bad(idx(0x08, new int[] {(int) 4_000_000_000L, 28, 28}, new byte[784]), "4000000000");
        bad(gzip(idx(0x08, new int[] {(int) 4_000_000_000L, 28, 28}, new byte[784])), "4000000000");
        bad(idx(0x08, new int[] {2_000_000_000, 1}, new byte[784]), "need 2000000000 data bytes", "truncated");
        bad(gzip(idx(0x08, new int[] {2_000_000_000, 1}, new byte[784])), "data is truncated", "found 784");
    }

    @Test
    void rejectsTruncatedExtraAndCorruptData() throws IOException {
        byte[] valid = idx(0x08, new int[] {3, 100}, new byte[300]);
        Arrays.fill(valid, 12, valid.length, (byte) 9);
        bad(Arrays.copyOf(valid, valid.length - 1), "need 300 data bytes, but the file holds 299", "truncated");
        bad(Arrays.copyOf(valid, valid.length + 5), "extra bytes");
        bad(gzip(Arrays.copyOf(valid, valid.length - 1)), "data is truncated (after decompression)", "found 299");
        bad(gzip(Arrays.copyOf(valid, valid.length + 5)), "extra data");
        byte[] gz = gzip(valid);
        bad(Arrays.copyOf(gz, gz.length - 6), "gzip data is corrupt or truncated");
        byte[] crc = gz.clone();
        crc[crc.length - 6] ^= 0x55; // the CRC32 in the trailer
        bad(crc, "gzip data is corrupt");
        byte[] header = gz.clone();
        header[2] = 7; // compression method other than deflate
        bad(header, "gzip");
    }
}
