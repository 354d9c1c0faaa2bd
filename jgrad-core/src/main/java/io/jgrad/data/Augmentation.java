package io.jgrad.data;

import io.jgrad.tensor.Generator;

/**
 * Random changes to image samples [C, H, W] made as a {@link DataLoader} assembles a batch, so that every epoch
 * sees slightly different images: a horizontal flip with probability 1/2 (torchvision's RandomHorizontalFlip)
 * and a shift by dy, dx drawn uniformly from [-maxShift, maxShift] with the uncovered border {@code fill} (what
 * RandomCrop(H, padding=maxShift) does: 0, a black pixel; for images standardized before they are augmented, a
 * black pixel's standardized value, (0 - mean) / std, which RandomCrop before Normalize gives). The draws come from
 * the loader's generator, in sample order: flip first, then dy, then dx, so a seed gives the same images on every
 * machine, and a resumed run the same ones.
 *
 * @param horizontalFlip whether to flip left-right with probability 1/2
 * @param maxShift       largest shift in pixels, 0 for none
 * @param fill           the value of the pixels a shift uncovers
 */
public record Augmentation(boolean horizontalFlip, int maxShift, float fill) {
    /** Checks maxShift &gt;= 0 and a finite fill. */
    public Augmentation {
        if (maxShift < 0) {
            throw new IllegalArgumentException("Augmentation: maxShift must be >= 0, got " + maxShift);
        }
        if (!Float.isFinite(fill)) {
            throw new IllegalArgumentException("Augmentation: fill must be a finite number, got " + fill);
        }
    }

    /** A flip and a shift whose uncovered border is 0. */
    public Augmentation(boolean horizontalFlip, int maxShift) {
        this(horizontalFlip, maxShift, 0f);
    }

    /**
     * The augmentation of {@code --augment SPEC}: none, flip, shift:N or flip,shift:N (identity for none). A mistake
     * is an IllegalArgumentException whose message names --augment and says what is expected.
     */
    public static Augmentation parse(String spec) {
        boolean flip = false;
        int shift = 0;
        String expected = "; expected none, flip, shift:N or flip,shift:N (N a pixel count, e.g. flip,shift:2)";
        if (spec.trim().endsWith(",") || spec.trim().startsWith(",")) {
            throw new IllegalArgumentException("--augment: \"" + spec + "\" has an empty part" + expected);
        }
        for (String part : spec.trim().toLowerCase(java.util.Locale.ROOT).split(",")) {
            String p = part.trim();
            if (p.equals("none") && spec.trim().equalsIgnoreCase("none")) {
                continue;
            } else if (p.equals("flip") && !flip) {
                flip = true;
            } else if (p.startsWith("shift:") && shift == 0) {
                try {
                    shift = Integer.parseInt(p.substring("shift:".length()));
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("--augment: \"" + p + "\" needs a whole number of pixels" + expected);
                }
                if (shift < 1) {
                    throw new IllegalArgumentException("--augment: a shift must be at least 1 pixel, got " + p + expected);
                }
            } else {
                throw new IllegalArgumentException("--augment: \"" + p + "\" is not understood in \"" + spec + "\"" + expected);
            }
        }
        return new Augmentation(flip, shift);
    }

    /** Whether this changes anything. */
    public boolean isIdentity() {
        return !horizontalFlip && maxShift == 0;
    }

    /**
     * Transforms one sample x[c, i, j] (c &lt; channels, i &lt; h, j &lt; w, at {@code off}) in place:
     * x'[c, i, j] = x[c, i - dy, k - dx] with k = w - 1 - j when flipped (else j), fill where that is outside the image.
     * {@code scratch} holds at least channels * h * w floats. Modified: x, scratch, gen.
     */
    public void apply(float[] x, int off, int channels, int h, int w, Generator gen, float[] scratch) {
        boolean flip = horizontalFlip && gen.nextDouble() < 0.5;
        int dy = maxShift == 0 ? 0 : (int) (gen.nextDouble() * (2 * maxShift + 1)) - maxShift;
        int dx = maxShift == 0 ? 0 : (int) (gen.nextDouble() * (2 * maxShift + 1)) - maxShift;
        if (!flip && dy == 0 && dx == 0) {
            return;
        }
        int n = channels * h * w;
        System.arraycopy(x, off, scratch, 0, n);
        for (int c = 0; c < channels; c++) {
            int plane = c * h * w;
            for (int i = 0; i < h; i++) {
                int si = i - dy;
                for (int j = 0; j < w; j++) {
                    int sj = (flip ? w - 1 - j : j) - dx;
                    x[off + plane + i * w + j] = si < 0 || si >= h || sj < 0 || sj >= w ? fill : scratch[plane + si * w + sj];
                }
            }
        }
    }
}
