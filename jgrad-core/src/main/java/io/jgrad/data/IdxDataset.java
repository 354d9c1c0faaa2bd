package io.jgrad.data;

import io.jgrad.io.JgradFormatException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * MNIST-style image classification data from a directory of IDX files:
 * {@code train-images-idx3-ubyte}, {@code train-labels-idx1-ubyte}, {@code t10k-images-idx3-ubyte} and
 * {@code t10k-labels-idx1-ubyte}, each raw or with a {@code .gz} suffix. Works for MNIST, Fashion-MNIST, KMNIST
 * and the bundled {@code data/mnist-10k}.
 */
public final class IdxDataset {
    /** Largest label accepted; larger values are almost certainly a corrupt file. */
    public static final int MAX_LABEL = 65535;

    private IdxDataset() {}

    /**
     * Loads the training ({@code train == true}) or test split of the IDX files in {@code dir}. Pixels are
     * divided by 255, giving [0, 1], and nothing more; the data set stores them as bytes and converts them as
     * samples are copied out, so the values are the same at a quarter of the memory. Features are [N, H*W] when {@code flatten}, else
     * [N, 1, H, W]; targets are [N] class indices (as floats); numClasses is max(10, largest label + 1).
     *
     * @throws JgradFormatException if a file is missing or invalid, the images have no pixels, the image and label
     *     counts differ, or a label is negative or above {@value #MAX_LABEL}
     */
    public static TensorDataset load(Path dir, boolean train, boolean flatten) throws IOException {
        String prefix = train ? "train" : "t10k";
        Path imagesFile = find(dir, prefix + "-images-idx3-ubyte");
        Path labelsFile = find(dir, prefix + "-labels-idx1-ubyte");
        IdxReader.IdxArray images = IdxReader.read(imagesFile, magic -> checkDimensionCount(imagesFile, magic, 3, 1));
        IdxReader.IdxArray labels = IdxReader.read(labelsFile, magic -> checkDimensionCount(labelsFile, magic, 1, 3));
        if (images.dims().length != 3 || images.type() != IdxReader.ElementType.UNSIGNED_BYTE) {
            throw new JgradFormatException(imagesFile, "header", "expected images as unsigned bytes [N, H, W], got "
                    + images.type() + " " + Arrays.toString(images.dims()));
        }
        if (labels.dims().length != 1 || labels.type() == IdxReader.ElementType.FLOAT
                || labels.type() == IdxReader.ElementType.DOUBLE) {
            throw new JgradFormatException(labelsFile, "header", "expected labels as integers [N], got "
                    + labels.type() + " " + Arrays.toString(labels.dims()));
        }
        int n = images.dims()[0];
        int h = images.dims()[1];
        int w = images.dims()[2];
        if (h == 0 || w == 0) {
            throw new JgradFormatException(imagesFile, "header", "images are " + h + "x" + w + "; expected at least 1x1");
        }
        if (labels.dims()[0] != n) {
            throw new JgradFormatException(labelsFile, "header", "holds " + labels.dims()[0] + " labels but "
                    + imagesFile.getFileName() + " holds " + n + " images; the counts must match");
        }
        byte[] pixels = images.data(); // kept as bytes, converted per batch: a quarter of the memory of floats
        float[] targets = new float[n];
        int maxLabel = -1;
        for (int i = 0; i < n; i++) {
            double label = labels.get(i);
            if (label < 0 || label > MAX_LABEL) {
                throw new JgradFormatException(labelsFile, "label " + i, "label " + (long) label + " is out of range; expected 0.."
                        + MAX_LABEL);
            }
            targets[i] = (float) label;
            maxLabel = Math.max(maxLabel, (int) label);
        }
        int[] sampleShape = flatten ? new int[] {h * w} : new int[] {1, h, w};
        return new TensorDataset(n, pixels, sampleShape, targets, new int[0], Math.max(10, maxLabel + 1));
    }

    /**
     * Refuses {@code file} when its {@code magic} number gives another number of dimensions than {@code expected} (3 for
     * images, 1 for labels), before the dimensions are read: a labels file with an images file's 0x803 had its count and
     * first labels read as dimensions, and was refused for the bytes those need. {@code other} is the other file's count,
     * named as what the file holds when it has it (a swapped or misnamed file).
     */
    private static void checkDimensionCount(Path file, IdxReader.Magic magic, int expected, int other) {
        if (magic.nDims() != expected) {
            String number = String.format("magic number 0x%08X", magic.value());
            throw new JgradFormatException(file, "byte 3", "holds " + (magic.nDims() == other
                    ? kind(other) + " (" + dimensions(other) + ", " + number + ")" : dimensions(magic.nDims()) + " (" + number + ")")
                    + " where " + kind(expected) + (expected == 3 ? " [N, H, W]" : " [N]") + " (" + dimensions(expected)
                    + String.format(", magic number 0x%08X) were expected", 0x800 | expected));
        }
    }

    private static String kind(int nDims) {
        return nDims == 3 ? "images" : "labels";
    }

    private static String dimensions(int n) {
        return n + (n == 1 ? " dimension" : " dimensions");
    }

    /**
     * Height and width of the images of the training ({@code train == true}) or test split in {@code dir}, read from
     * the images file's header only. Meant for a directory that {@link #load} has already accepted.
     */
    public static int[] imageShape(Path dir, boolean train) throws IOException {
        int[] dims = IdxReader.dims(find(dir, (train ? "train" : "t10k") + "-images-idx3-ubyte"));
        return Arrays.copyOfRange(dims, dims.length - 2, dims.length);
    }

    /** The four files of an IDX directory, each raw or with a {@code .gz} suffix. */
    private static final String[] FILES = {"train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
        "t10k-labels-idx1-ubyte"};

    /**
     * Whether {@code path} is to be read as an IDX directory: a directory holding at least one of the four files that
     * {@link #load} reads (train or t10k, images or labels), raw or {@code .gz}. One is enough, so that a directory
     * missing some is refused by load naming the missing file, not read as data of another kind (a Parquet or CSV
     * directory); whether the files are valid is load's to say.
     */
    public static boolean isIdxDirectory(Path path) {
        if (!Files.isDirectory(path)) {
            return false;
        }
        for (String name : FILES) {
            if (Files.isRegularFile(path.resolve(name)) || Files.isRegularFile(path.resolve(name + ".gz"))) {
                return true;
            }
        }
        return false;
    }

    private static Path find(Path dir, String name) {
        Path raw = dir.resolve(name);
        if (Files.isRegularFile(raw)) {
            return raw;
        }
        Path gz = dir.resolve(name + ".gz");
        if (Files.isRegularFile(gz)) {
            return gz;
        }
        // there but not a file (it was "file not found"), named as what it is
        IdxReader.requireRegularFile(raw);
        IdxReader.requireRegularFile(gz);
        throw new JgradFormatException(raw, "", "file not found (nor " + gz.getFileName() + "); an IDX data directory must"
                + " contain train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte and"
                + " t10k-labels-idx1-ubyte, each optionally ending in .gz");
    }
}
