package io.jgrad.cli;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.zip.GZIPOutputStream;

/** Small data sets written for the CLI tests: CSV tables and MNIST-style IDX directories. */
final class SyntheticData {
    private SyntheticData() {}

    /**
     * {@code rows} rows of {@code classes} well-separated Gaussian blobs in {@code features} dimensions
     * (class k centred at 3k in every coordinate, standard deviation 0.5), header f0..f{F-1},label.
     */
    static Path blobsCsv(Path file, int rows, int features, int classes, long seed) throws IOException {
        Random r = new Random(seed);
        StringBuilder sb = new StringBuilder(header(features)).append(",label\n");
        for (int i = 0; i < rows; i++) {
            int k = i % classes;
            for (int j = 0; j < features; j++) {
                sb.append(String.format("%.5f,", 3.0 * k + 0.5 * r.nextGaussian()));
            }
            sb.append(k).append('\n');
        }
        Files.writeString(file, sb);
        return file;
    }

    /** The features of {@code rows} blob rows only (no label column), with the class of each row in {@code classesOut}. */
    static Path blobFeaturesCsv(Path file, int[] classesOut, int features, int classes, long seed) throws IOException {
        Random r = new Random(seed);
        StringBuilder sb = new StringBuilder(header(features)).append('\n');
        for (int i = 0; i < classesOut.length; i++) {
            int k = r.nextInt(classes);
            classesOut[i] = k;
            for (int j = 0; j < features; j++) {
                sb.append(j == 0 ? "" : ",").append(String.format("%.5f", 3.0 * k + 0.5 * r.nextGaussian()));
            }
            sb.append('\n');
        }
        Files.writeString(file, sb);
        return file;
    }

    /** A regression table: y = 2 x0 - x1 + 0.5 with x uniform in [-1, 1], header x0,x1,y. */
    static Path linearCsv(Path file, int rows, long seed) throws IOException {
        Random r = new Random(seed);
        StringBuilder sb = new StringBuilder("x0,x1,y\n");
        for (int i = 0; i < rows; i++) {
            double x0 = 2 * r.nextDouble() - 1, x1 = 2 * r.nextDouble() - 1;
            sb.append(String.format("%.6f,%.6f,%.6f%n", x0, x1, 2 * x0 - x1 + 0.5));
        }
        Files.writeString(file, sb);
        return file;
    }

    private static String header(int features) {
        StringBuilder sb = new StringBuilder();
        for (int j = 0; j < features; j++) {
            sb.append(j == 0 ? "" : ",").append('f').append(j);
        }
        return sb.toString();
    }

    /**
     * An IDX images file: magic 0x00000803, big-endian dimensions [n, side, side], unsigned bytes.
     * {@code pixels} holds n*side*side values 0..255.
     */
    static byte[] idxImages(int n, int side, int[] pixels) {
        return idx(0x00000803, new int[] {n, side, side}, pixels);
    }

    /** An IDX labels file: magic 0x00000801, one big-endian dimension [n], unsigned bytes. */
    static byte[] idxLabels(int[] labels) {
        return idx(0x00000801, new int[] {labels.length}, labels);
    }

    static byte[] idx(int magic, int[] dims, int[] values) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) { // DataOutputStream writes big-endian
            out.writeInt(magic);
            for (int d : dims) {
                out.writeInt(d);
            }
            for (int v : values) {
                out.writeByte(v);
            }
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        return bytes.toByteArray();
    }

    /**
     * An MNIST-style directory of {@code side x side} images in {@code classes} classes: class k lights the k-th
     * horizontal band of the image (bright 200..255) over dark noise (0..40), so that a small network learns it in
     * a few epochs. The train files are gzipped, the t10k files raw, so both readers are exercised.
     *
     * @return the labels of the t10k (test) images
     */
    static int[] idxDirectory(Path dir, int trainCount, int testCount, int side, int classes, long seed) throws IOException {
        Files.createDirectories(dir);
        Random r = new Random(seed);
        writeSplit(dir, "train", trainCount, side, classes, r, true);
        return writeSplit(dir, "t10k", testCount, side, classes, r, false);
    }

    private static int[] writeSplit(Path dir, String prefix, int n, int side, int classes, Random r, boolean gzip)
            throws IOException {
        int[] labels = new int[n];
        int[] pixels = new int[n * side * side];
        for (int i = 0; i < n; i++) {
            labels[i] = i % classes;
            int[] img = bandImage(labels[i], side, classes, r);
            System.arraycopy(img, 0, pixels, i * side * side, img.length);
        }
        write(dir.resolve(prefix + "-images-idx3-ubyte"), idxImages(n, side, pixels), gzip);
        write(dir.resolve(prefix + "-labels-idx1-ubyte"), idxLabels(labels), gzip);
        return labels;
    }

    /** Pixels 0..255 of one image of class {@code k} (see {@link #idxDirectory}). */
    static int[] bandImage(int k, int side, int classes, Random r) {
        int[] p = new int[side * side];
        int rowsPerBand = side / classes;
        for (int y = 0; y < side; y++) {
            boolean lit = y / rowsPerBand == k;
            for (int x = 0; x < side; x++) {
                p[y * side + x] = lit ? 200 + r.nextInt(56) : r.nextInt(41);
            }
        }
        return p;
    }

    private static void write(Path file, byte[] bytes, boolean gzip) throws IOException {
        if (!gzip) {
            Files.write(file, bytes);
            return;
        }
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(file.resolveSibling(file.getFileName() + ".gz")))) {
            out.write(bytes);
        }
    }
}
