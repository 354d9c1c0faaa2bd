package io.jgrad.data;

import static io.jgrad.data.IdxReaderTest.gzip;
import static io.jgrad.data.IdxReaderTest.idx;
import static org.junit.jupiter.api.Assertions.*;

import io.jgrad.io.JgradFormatException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxDatasetTest {
    @TempDir
    Path dir;

    /**
     * The one rule by which jgrad-cli and jgrad-spark take a path for an IDX directory: a directory holding any of the
     * four files, raw or gzipped, also where others are missing (load then names the missing one); not a file, a
     * missing path, a directory without them (a Parquet or CSV data set), or a directory named like one of them.
     */
    @Test
    void isIdxDirectoryByAnyOfItsFourFiles() throws IOException {
        assertTrue(IdxDataset.isIdxDirectory(IdxReaderTest.mnistDir()), "the bundled data, gzipped");
        String[] names = {"train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"};
        for (String name : names) {
            for (String suffix : new String[] {"", ".gz"}) {
                Path d = Files.createDirectories(dir.resolve(name + suffix + "-only"));
                Files.write(d.resolve(name + suffix), new byte[0]);
                assertTrue(IdxDataset.isIdxDirectory(d), name + suffix + " alone");
            }
        }
        Path noLabels = Files.createDirectories(dir.resolve("no-labels"));
        for (String name : new String[] {names[0], names[2], names[3]}) {
            Files.write(noLabels.resolve(name), new byte[0]);
        }
        assertTrue(IdxDataset.isIdxDirectory(noLabels), "labels missing: load names the missing file");

        Path parquet = Files.createDirectories(dir.resolve("table.parquet"));
        Files.write(parquet.resolve("part-00000-x.snappy.parquet"), new byte[0]);
        Files.write(parquet.resolve("_SUCCESS"), new byte[0]);
        assertFalse(IdxDataset.isIdxDirectory(parquet), "a Parquet directory");
        assertFalse(IdxDataset.isIdxDirectory(Files.createDirectories(dir.resolve("empty"))), "an empty directory");
        Path file = Files.write(dir.resolve("train-images-idx3-ubyte"), new byte[0]);
        assertFalse(IdxDataset.isIdxDirectory(file), "an IDX file, not a directory");
        assertFalse(IdxDataset.isIdxDirectory(dir.resolve("missing")), "no such path");
        Path nested = Files.createDirectories(dir.resolve("nested", "train-images-idx3-ubyte"));
        assertFalse(IdxDataset.isIdxDirectory(nested.getParent()), "a directory named as the file");
    }

    @Test
    void loadsBundledMnist10k() throws IOException {
        TensorDataset train = IdxDataset.load(IdxReaderTest.mnistDir(), true, true);
        TensorDataset test = IdxDataset.load(IdxReaderTest.mnistDir(), false, false);
        assertEquals(8004, train.size());
        assertEquals(1996, test.size());
        assertArrayEquals(new int[] {784}, train.sampleShape());
        assertArrayEquals(new int[] {1, 28, 28}, test.sampleShape());
        assertArrayEquals(new int[0], train.targetShape());
        assertEquals(10, train.numClasses());
        float[] x = train.features().floatStorage();
        float min = Float.MAX_VALUE, max = -Float.MAX_VALUE;
        for (float v : x) {
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        assertEquals(0f, min);
        assertEquals(1f, max); // some pixel is 255
        int[] counts = new int[10];
        for (float t : test.targets().floatStorage()) {
            assertEquals(Math.floor(t), t);
            counts[(int) t]++;
        }
        for (int c : counts) {
            assertTrue(c >= 172 && c <= 225, "test class count " + c + " as the README says");
        }
        // pixel (i, j) of image n is raw byte 16 + n*784 + i*28 + j divided by 255, nothing more
        byte[] raw;
        try (InputStream in = new GZIPInputStream(Files.newInputStream(IdxReaderTest.mnistDir().resolve("t10k-images-idx3-ubyte.gz")))) {
            raw = in.readAllBytes();
        }
        float[] first = new float[784];
        test.copySample(5, first, 0);
        for (int k = 0; k < 784; k++) {
            assertEquals((raw[16 + 5 * 784 + k] & 0xFF) / 255f, first[k]);
        }
    }

    private void files(String prefix, byte[] images, byte[] labels) throws IOException {
        Files.write(dir.resolve(prefix + "-images-idx3-ubyte"), images);
        Files.write(dir.resolve(prefix + "-labels-idx1-ubyte.gz"), gzip(labels));
    }

    @Test
    void rawAndGzipMixAndLabelsAboveNine() throws IOException {
        files("train", idx(0x08, new int[] {3, 2, 2}, new byte[] {0, (byte) 255, 51, 102, 0, 0, 0, 0, 1, 2, 3, 4}),
                idx(0x08, new int[] {3}, new byte[] {0, 11, 4}));
        TensorDataset ds = IdxDataset.load(dir, true, false);
        assertArrayEquals(new int[] {1, 2, 2}, ds.sampleShape());
        assertEquals(12, ds.numClasses());
        assertArrayEquals(new float[] {0, 11, 4}, ds.targets().floatStorage());
        assertArrayEquals(new float[] {0, 1, 0.2f, 0.4f}, java.util.Arrays.copyOf(ds.features().floatStorage(), 4));
    }

    /**
     * An entry that is there but is no regular file (a directory, a named pipe) is named as what it is, with what was
     * expected: it was "file not found", as if it were missing.
     */
    @Test
    void anEntryThatIsNotARegularFileIsNamedAsWhatItIs() throws IOException, InterruptedException {
        files("train", idx(0x08, new int[] {1, 2, 2}, new byte[4]), idx(0x08, new int[] {1}, new byte[1]));
        Files.delete(dir.resolve("train-images-idx3-ubyte"));
        Path images = Files.createDirectories(dir.resolve("train-images-idx3-ubyte.gz"));
        var directory = assertThrows(JgradFormatException.class, () -> IdxDataset.load(dir, true, true));
        assertEquals(images + ": is a directory; expected a regular file (a gzipped IDX file)", directory.getMessage());

        Files.delete(images);
        Files.write(dir.resolve("train-images-idx3-ubyte"), idx(0x08, new int[] {1, 2, 2}, new byte[4]));
        Files.delete(dir.resolve("train-labels-idx1-ubyte.gz"));
        Path labels = dir.resolve("train-labels-idx1-ubyte");
        assertEquals(0, new ProcessBuilder("mkfifo", labels.toString()).start().waitFor(), "mkfifo");
        // refused before it is opened: opening a pipe with no writer would wait for one
        var pipe = assertThrows(JgradFormatException.class, () -> IdxDataset.load(dir, true, true));
        assertEquals(labels + ": is not a regular file (a pipe, socket or device); expected a regular file (an IDX file)",
                pipe.getMessage());
    }

    /**
     * A labels file whose magic number is an images file's (0x803) is refused as such, before its dimensions are read:
     * the labels' count and first bytes were taken for an image's height and width, and the message was about the
     * bytes those dimensions need. Likewise an images file with a labels file's magic number (0x801).
     */
    @Test
    void aLabelsFileWithAnImagesMagicNumberIsNamedAsHoldingImages() throws IOException {
        byte[] labels = idx(0x08, new int[] {3}, new byte[] {1, 2, 3});
        labels[3] = 3; // 0x00000803: the header now reads on into the labels as dimensions
        files("train", idx(0x08, new int[] {3, 2, 2}, new byte[12]), labels);
        Path labelsFile = dir.resolve("train-labels-idx1-ubyte.gz");
        var e = assertThrows(JgradFormatException.class, () -> IdxDataset.load(dir, true, true));
        assertEquals(labelsFile + ": byte 3: holds images (3 dimensions, magic number 0x00000803) where labels [N]"
                + " (1 dimension, magic number 0x00000801) were expected", e.getMessage());

        byte[] images = idx(0x08, new int[] {3, 2, 2}, new byte[12]);
        images[3] = 1;
        files("train", images, idx(0x08, new int[] {3}, new byte[] {1, 2, 3}));
        var swapped = assertThrows(JgradFormatException.class, () -> IdxDataset.load(dir, true, true));
        assertEquals(dir.resolve("train-images-idx3-ubyte") + ": byte 3: holds labels (1 dimension, magic number 0x00000801)"
                + " where images [N, H, W] (3 dimensions, magic number 0x00000803) were expected", swapped.getMessage());
    }

    @Test
    void errorsNameFilesAndCounts() throws IOException {
        var missing = assertThrows(JgradFormatException.class, () -> IdxDataset.load(dir, true, true));
        assertTrue(missing.getMessage().contains("train-images-idx3-ubyte"), missing.getMessage());
        assertTrue(missing.getMessage().contains("t10k-labels-idx1-ubyte"), missing.getMessage());
        assertTrue(missing.getMessage().contains("not found"), missing.getMessage());

        files("t10k", idx(0x08, new int[] {3, 2, 2}, new byte[12]), idx(0x08, new int[] {2}, new byte[2]));
        var count = assertThrows(JgradFormatException.class, () -> IdxDataset.load(dir, false, true));
        assertTrue(count.getMessage().contains("2 labels") && count.getMessage().contains("3 images"), count.getMessage());

        files("t10k", idx(0x08, new int[] {2, 2, 2}, new byte[8]), idx(0x0C, new int[] {2}, new byte[] {0, 0, 0, 1, -1, -1, -1, -1}));
        var range = assertThrows(JgradFormatException.class, () -> IdxDataset.load(dir, false, true));
        assertTrue(range.getMessage().contains("label -1 is out of range"), range.getMessage());
        assertTrue(range.getMessage().contains("label 1:"), range.getMessage());

        files("t10k", idx(0x08, new int[] {2, 4}, new byte[8]), idx(0x08, new int[] {2}, new byte[2]));
        var shape = assertThrows(JgradFormatException.class, () -> IdxDataset.load(dir, false, true));
        assertTrue(shape.getMessage().contains("[N, H, W]"), shape.getMessage());

        // images of no pixels made a network with no inputs, which failed later with an IllegalArgumentException
        files("t10k", idx(0x08, new int[] {2, 0, 5}, new byte[0]), idx(0x08, new int[] {2}, new byte[2]));
        var empty = assertThrows(JgradFormatException.class, () -> IdxDataset.load(dir, false, true));
        assertTrue(empty.getMessage().contains("t10k-images-idx3-ubyte") && empty.getMessage().contains("0x5"),
                empty.getMessage());
    }
}
