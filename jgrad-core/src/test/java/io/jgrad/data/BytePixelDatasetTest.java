package io.jgrad.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** A TensorDataset holding 8-bit pixels gives the same float values as one holding (p &amp; 0xFF) / 255f. */
class BytePixelDatasetTest {
    @Test
    void bytesReadAsTheirFloatValuesEverywhere() {
        int n = 256 / 4;
        byte[] pixels = new byte[256];
        float[] asFloats = new float[256];
        float[] targets = new float[n];
        for (int i = 0; i < 256; i++) {
            pixels[i] = (byte) (i * 37 + 11); // every value 0..255 once, in a scrambled order
            asFloats[i] = (pixels[i] & 0xFF) / 255f;
        }
        for (int i = 0; i < n; i++) {
            targets[i] = i % 10;
        }
        TensorDataset bytes = new TensorDataset(n, pixels, new int[] {2, 2}, targets, new int[0], 10);
        TensorDataset floats = new TensorDataset(n, asFloats, new int[] {2, 2}, targets.clone(), new int[0], 10);
        assertArrayEquals(floats.features().toFloatArray(), bytes.features().toFloatArray());
        assertArrayEquals(new int[] {n, 2, 2}, bytes.features().shape());
        float[] a = new float[5], b = new float[5];
        bytes.copySample(17, a, 1);
        floats.copySample(17, b, 1);
        assertArrayEquals(b, a);
        int[] picked = {3, 0, 3, 63};
        assertArrayEquals(floats.subset(picked).features().toFloatArray(), bytes.subset(picked).features().toFloatArray());
        float[] batch = new DataLoader(bytes, 8, false, false, null).iterator().next().features().toFloatArray();
        assertArrayEquals(java.util.Arrays.copyOf(asFloats, 32), batch);
        assertEquals(1f, (((byte) 255) & 0xFF) / 255f);
    }
}
