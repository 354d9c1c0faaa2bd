package io.jgrad.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jgrad.tensor.Generator;
import io.jgrad.tensor.Tensor;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Augmentation: every output is the input flipped and/or shifted within bounds, reproducibly from the seed. */
class AugmentationTest {
    private static final int C = 2, H = 4, W = 5;

    /** Distinct nonzero values, so that a shifted or flipped image identifies its transform. */
    private static float[] image() {
        float[] x = new float[C * H * W];
        for (int i = 0; i < x.length; i++) {
            x[i] = i + 1;
        }
        return x;
    }

    /** The image flipped (or not) and shifted by dy, dx with a zero border, computed independently. */
    private static float[] expected(float[] x, boolean flip, int dy, int dx) {
        float[] y = new float[x.length];
        for (int c = 0; c < C; c++) {
            for (int i = 0; i < H; i++) {
                for (int j = 0; j < W; j++) {
                    int si = i - dy, sj = j - dx; // shift first, in the flipped image's coordinates
                    if (si >= 0 && si < H && sj >= 0 && sj < W) {
                        y[c * H * W + i * W + j] = x[c * H * W + si * W + (flip ? W - 1 - sj : sj)];
                    }
                }
            }
        }
        return y;
    }

    @Test
    void everyResultIsOneOfTheAllowedTransformsAndAllOccur() {
        Augmentation aug = new Augmentation(true, 1);
        Generator gen = new Generator(5);
        Set<String> seen = new HashSet<>();
        float[] scratch = new float[C * H * W];
        for (int trial = 0; trial < 400; trial++) {
            float[] x = image();
            aug.apply(x, 0, C, H, W, gen, scratch);
            String match = null;
            for (int f = 0; f < 2 && match == null; f++) {
                for (int dy = -1; dy <= 1 && match == null; dy++) {
                    for (int dx = -1; dx <= 1 && match == null; dx++) {
                        if (java.util.Arrays.equals(x, expected(image(), f == 1, dy, dx))) {
                            match = f + "," + dy + "," + dx;
                        }
                    }
                }
            }
            assertTrue(match != null, "trial " + trial + ": not a flip/shift of the input");
            seen.add(match);
        }
        assertEquals(18, seen.size(), "all 2 x 3 x 3 transforms occur: " + seen);
    }

    @Test
    void theLoaderAugmentsReproduciblyAndOnlyWhenAsked() {
        Tensor x = Tensor.rand(new Generator(1), 6, C, H, W);
        TensorDataset ds = new TensorDataset(x, Tensor.of(new float[] {0, 1, 0, 1, 0, 1}), 2);
        float[] plain = new DataLoader(ds, 6, false, false, new Generator(2)).iterator().next().features().toFloatArray();
        assertArrayEquals(x.toFloatArray(), plain, "no augmentation: the samples as they are");
        float[] a = new DataLoader(ds, 6, false, false, new Generator(2)).augment(new Augmentation(true, 2))
                .iterator().next().features().toFloatArray();
        float[] b = new DataLoader(ds, 6, false, false, new Generator(2)).augment(new Augmentation(true, 2))
                .iterator().next().features().toFloatArray();
        assertArrayEquals(a, b, "the same seed gives the same images");
        assertTrue(!java.util.Arrays.equals(a, plain), "something changed");
        assertThrows(IllegalArgumentException.class, () -> new DataLoader(ds, 2, false, false, null)
                .augment(new Augmentation(true, 0)));
        TensorDataset flat = new TensorDataset(Tensor.rand(new Generator(3), 4, 10), Tensor.of(new float[] {0, 1, 0, 1}), 2);
        var e = assertThrows(IllegalArgumentException.class, () -> new DataLoader(flat, 2, true, false, new Generator(1))
                .augment(new Augmentation(false, 1)));
        assertTrue(e.getMessage().contains("[C, H, W]"), e.getMessage());
    }

    @Test
    void theUncoveredBorderTakesTheFillValue() {
        // data standardized before it is augmented is black at (0 - mean) / std, not at 0: the border takes that value,
        // as torchvision's RandomCrop(padding) before Normalize gives it
        Augmentation aug = new Augmentation(false, 1, -0.5f);
        Generator gen = new Generator(3);
        float[] scratch = new float[C * H * W];
        int shifted = 0;
        for (int trial = 0; trial < 50; trial++) {
            float[] x = image();
            aug.apply(x, 0, C, H, W, gen, scratch);
            boolean found = false;
            for (int dy = -1; dy <= 1 && !found; dy++) {
                for (int dx = -1; dx <= 1 && !found; dx++) {
                    float[] want = expected(image(), false, dy, dx);
                    for (int k = 0; k < want.length; k++) {
                        want[k] = want[k] == 0 ? -0.5f : want[k]; // the image has no 0: a 0 is the border
                    }
                    found = java.util.Arrays.equals(x, want);
                    shifted += found && (dy != 0 || dx != 0) ? 1 : 0;
                }
            }
            assertTrue(found, "trial " + trial + ": " + java.util.Arrays.toString(x));
        }
        assertTrue(shifted > 0, "some trial shifted the image");
        assertEquals(0f, new Augmentation(true, 2).fill(), "without a fill value, the border is 0");
    }
}
