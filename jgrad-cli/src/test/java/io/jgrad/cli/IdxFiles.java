package io.jgrad.cli;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

/** Small MNIST-layout IDX directories of random images and labels 0..9, for fast CLI tests. */
final class IdxFiles {
    private IdxFiles() {}

    /** Writes DIR/{train,t10k}-{images-idx3,labels-idx1}-ubyte with {@code train}/{@code test} side x side images. */
    static Path write(Path dir, int train, int test, int side, long seed) throws IOException {
        return write(dir, train, test, side, side, seed);
    }

    /** As {@link #write(Path, int, int, int, long)}, with {@code height} x {@code width} images. */
    static Path write(Path dir, int train, int test, int height, int width, long seed) throws IOException {
        Files.createDirectories(dir);
        Random rnd = new Random(seed);
        writeSplit(dir, "train", train, height, width, rnd);
        writeSplit(dir, "t10k", test, height, width, rnd);
        return dir;
    }

    private static void writeSplit(Path dir, String prefix, int n, int height, int width, Random rnd) throws IOException {
        byte[] pixels = new byte[n * height * width];
        rnd.nextBytes(pixels);
        byte[] labels = new byte[n];
        for (int i = 0; i < n; i++) {
            labels[i] = (byte) rnd.nextInt(10);
        }
        Files.write(dir.resolve(prefix + "-images-idx3-ubyte"), idx(0x0803, new int[] {n, height, width}, pixels));
        Files.write(dir.resolve(prefix + "-labels-idx1-ubyte"), idx(0x0801, new int[] {n}, labels));
    }

    private static byte[] idx(int magic, int[] dims, byte[] data) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes); // big-endian, as IDX wants
        out.writeInt(magic);
        for (int d : dims) {
            out.writeInt(d);
        }
        out.write(data);
        out.flush();
        return bytes.toByteArray();
    }
}
