package io.jgrad.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import org.junit.jupiter.api.Test;

/** The pieces of --normalize on Spark that need no Spark job: a block's sums and squared deviations. */
class SparkStandardizationTest {

    private static Block block(int first, float[][] rows) {
        Block.Builder b = new Block.Builder(rows.length, rows[0].length);
        for (int i = 0; i < rows.length; i++) {
            b.add(first + i, rows[i], 0, 0f);
        }
        return b.build();
    }

    /**
     * A block's per-column sums, and its squared deviations from given centres keeping their digits around a large mean
     * (1e6), where E[x^2] - E[x]^2 in double would keep none of them; a block without rows (an empty partition) adds 0s.
     */
    @Test
    void sumsAndSquaredDeviationsOfABlocksColumns() {
        float[][] rows = new float[8][];
        for (int i = 0; i < 8; i++) {
            rows[i] = new float[] {1e6f + i % 3, 0.25f * i, 7f};
        }
        Block block = block(0, rows);
        // column 0 is 1e6 + (0,1,2,0,1,2,0,1), column 1 0.25 * (0..7), column 2 constant
        assertArrayEquals(new double[] {8e6 + 7, 7, 56}, SparkStandardization.columnSums(block, 3));
        assertArrayEquals(new double[] {39 / 8.0, 2.625, 0}, SparkStandardization.squaredDeviations(block, new double[] {1e6 + 7 / 8.0, 0.875, 7}));
        Block empty = new Block.Builder(0, 0).build();
        assertArrayEquals(new double[3], SparkStandardization.columnSums(empty, 3));
        assertArrayEquals(new double[3], SparkStandardization.squaredDeviations(empty, new double[] {1, 2, 3}));
    }
}
