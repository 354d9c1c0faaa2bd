package io.jgrad.spark;

import java.io.Serializable;
import java.util.Arrays;

/**
 * One partition's rows, sorted by global index: {@code index[i]} is row i's position in the source (as {@link
 * DistributedDataset} numbers rows), {@code labels[i]} its class, and its {@code width} feature values are held
 * either as 8-bit {@code pixels} (byte p standing for the float32 value {@code (p & 0xFF) / 255f}, as jgrad's IDX
 * loader keeps images: a quarter of the memory) or as {@code features} (float32); the other array is null.
 * {@link Builder} picks the bytes whenever every value of the block is exactly such a quotient, so the encoding
 * never changes a value.
 *
 * <p>Only plain arrays are serialized (a block travels once, when an in-memory data set is distributed).
 */
record Block(int[] index, byte[] pixels, float[] features, float[] labels, int width) implements Serializable {

    /** Rows in the block. */
    int rows() {
        return index.length;
    }

    /** Copies row {@code row}'s values (as float32) to {@code dst[offset ..]}. Modified: dst. */
    void copyRow(int row, float[] dst, int offset) {
        int start = row * width;
        if (features != null) {
            System.arraycopy(features, start, dst, offset, width);
            return;
        }
        for (int i = 0; i < width; i++) {
            dst[offset + i] = (pixels[start + i] & 0xFF) / 255f;
        }
    }

    /** Bytes the block's arrays take. */
    long bytes() {
        return 4L * index.length + 4L * labels.length + (pixels != null ? pixels.length : 4L * features.length);
    }

    /** The 8-bit code of {@code v} if {@code (code & 0xFF) / 255f} reproduces v bit for bit, else -1. */
    static int pixelCode(float v) {
        int p = Math.round(v * 255f);
        return p >= 0 && p <= 255 && Float.floatToRawIntBits(p / 255f) == Float.floatToRawIntBits(v) ? p : -1;
    }

    /**
     * Fills a block row by row, as bytes while every value so far has a {@link #pixelCode}, switching to float32 for
     * good (and converting what it has) at the first one that does not.
     */
    static final class Builder {
        private final int[] index;
        private final float[] labels;
        private final int width;
        private byte[] pixels;
        private float[] features;
        private int filled;

        Builder(int rows, int width) {
            this.index = new int[rows];
            this.labels = new float[rows];
            this.width = width;
            this.pixels = new byte[Math.multiplyExact(rows, width)];
        }

        /** Appends a row: global index, {@code width} values from {@code values[offset ..]}, label. */
        void add(int globalIndex, float[] values, int offset, float label) {
            if (values.length - offset < width) {
                throw new UserMistake("DistributedDataset: row " + globalIndex + " has " + (values.length - offset)
                        + " features, the block's rows have " + width + "; every row needs the same number");
            }
            int start = filled * width;
            if (pixels != null) {
                for (int i = 0; i < width; i++) {
                    int p = pixelCode(values[offset + i]);
                    if (p < 0) {
                        toFloats();
                        break;
                    }
                    pixels[start + i] = (byte) p;
                }
            }
            if (features != null) {
                System.arraycopy(values, offset, features, start, width);
            }
            index[filled] = globalIndex;
            labels[filled] = label;
            filled++;
        }

        private void toFloats() {
            features = new float[pixels.length];
            for (int i = 0; i < filled * width; i++) {
                features[i] = (pixels[i] & 0xFF) / 255f;
            }
            pixels = null;
        }

        Block build() {
            if (filled != index.length) {
                throw new IllegalStateException("Block.Builder: " + filled + " of " + index.length + " rows added");
            }
            return new Block(index, pixels, features, labels, width);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Block b && width == b.width && Arrays.equals(index, b.index) && Arrays.equals(pixels, b.pixels)
                && Arrays.equals(features, b.features) && Arrays.equals(labels, b.labels);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(index) * 31 + Arrays.hashCode(labels);
    }

    @Override
    public String toString() {
        return "Block[" + index.length + " rows x " + width + (pixels != null ? ", 8-bit" : ", float32") + "]";
    }
}
