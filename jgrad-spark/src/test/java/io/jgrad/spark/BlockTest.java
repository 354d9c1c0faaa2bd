package io.jgrad.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

class BlockTest {

    @Test
    void everyByteQuotientHasItsCodeAndOtherValuesHaveNone() {
        for (int p = 0; p < 256; p++) {
            assertEquals(p, Block.pixelCode(p / 255f), "code of " + p + "/255");
        }
        assertEquals(-1, Block.pixelCode(0.5f));
        assertEquals(-1, Block.pixelCode(Math.nextUp(1 / 255f)));
        assertEquals(-1, Block.pixelCode(-0f), "-0 would come back as +0");
        assertEquals(-1, Block.pixelCode(2f));
        assertEquals(-1, Block.pixelCode(Float.NaN));
    }

    @Test
    void pixelRowsStayBytesAndReadBackExactly() {
        Block.Builder b = new Block.Builder(2, 3);
        b.add(4, new float[] {0f, 1f, 128 / 255f}, 0, 1f);
        b.add(9, new float[] {9f, 3 / 255f, 254 / 255f, 7 / 255f}, 1, 0f);
        Block block = b.build();
        assertNotNull(block.pixels());
        assertNull(block.features());
        float[] row = new float[4];
        block.copyRow(1, row, 1);
        assertArrayEquals(new float[] {0f, 3 / 255f, 254 / 255f, 7 / 255f}, row);
        assertArrayEquals(new int[] {4, 9}, block.index());
        assertEquals(2 * 4 + 2 * 4 + 6, block.bytes());
    }

    @Test
    void oneValueThatIsNoByteQuotientSwitchesTheBlockToFloats() {
        Block.Builder b = new Block.Builder(3, 2);
        b.add(0, new float[] {1f, 2 / 255f}, 0, 0f);
        b.add(1, new float[] {5 / 255f, 0.3f}, 0, 1f);
        b.add(2, new float[] {6 / 255f, 1f}, 0, 2f);
        Block block = b.build();
        assertNull(block.pixels());
        assertArrayEquals(new float[] {1f, 2 / 255f, 5 / 255f, 0.3f, 6 / 255f, 1f}, block.features());
    }
}
