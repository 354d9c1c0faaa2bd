package io.jgrad.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** Pixels to floats: every byte value gives the float of (p &amp; 0xFF) / 255f, bit for bit, in the vector part and the tail. */
class PixelsTest {
    private static final byte[] SRC = new byte[3 * 256 + 40];

    static {
        for (int i = 0; i < SRC.length; i++) {
            SRC[i] = (byte) (i * 37 + 11); // every value 0..255 in each run of 256, scrambled
        }
    }

    private static void check(Pixels kernel, String name) {
        for (int n : new int[] {0, 1, 7, 15, 16, 17, 33, 256, 513, 784}) {
            for (int srcOff : new int[] {0, 3, 17}) {
                int dstOff = 5;
                float[] dst = new float[dstOff + n + 2];
                dst[dstOff + n] = -1f; // past the end: must stay
                kernel.toFloats(SRC, srcOff, dst, dstOff, n);
                for (int i = 0; i < n; i++) {
                    float expected = (SRC[srcOff + i] & 0xFF) / 255f;
                    assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(dst[dstOff + i]),
                            name + ": n " + n + " src offset " + srcOff + " element " + i);
                }
                assertEquals(0f, dst[dstOff - 1], name + ": wrote before the range");
                assertEquals(-1f, dst[dstOff + n], name + ": wrote past the range");
            }
        }
    }

    @Test
    void plainTableGivesTheDivisionsFloats() {
        check(Pixels.PLAIN, "plain");
    }

    @Test
    void vectorConversionGivesTheDivisionsFloats() {
        Assumptions.assumeTrue(ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent(),
                "the JVM runs without --add-modules jdk.incubator.vector");
        assertNotNull(Pixels.VECTOR, "the Vector API conversion should load where the module is present");
        check(Pixels.VECTOR, "vector");
    }

    @Test
    void publicEntryChecksRanges() {
        float[] dst = new float[10];
        Backends.pixelsToFloats(SRC, 0, dst, 2, 8);
        assertEquals((SRC[7] & 0xFF) / 255f, dst[9]);
        assertThrows(IndexOutOfBoundsException.class, () -> Backends.pixelsToFloats(SRC, 0, dst, 3, 8));
        assertThrows(IndexOutOfBoundsException.class, () -> Backends.pixelsToFloats(SRC, SRC.length - 2, dst, 0, 8));
    }
}
