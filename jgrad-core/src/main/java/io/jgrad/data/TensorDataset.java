package io.jgrad.data;

import io.jgrad.tensor.Backends;
import io.jgrad.tensor.Generator;
import io.jgrad.tensor.Tensor;
import java.util.Arrays;

/**
 * Row {@code i} of a features tensor [N, ...] paired with row {@code i} of a targets tensor [N, ...] (or [N]
 * for scalar targets), both held as float32 in one array each so that batches are assembled with
 * {@link System#arraycopy}.
 */
public final class TensorDataset implements Dataset {
    /** Null when the features are held as {@link #pixels}. */
    private final float[] features;
    /** Unsigned 8-bit features, each meaning (byte &amp; 0xFF) / 255f; null when held as floats. A quarter of the memory. */
    private final byte[] pixels;
    private final float[] targets;
    private final int[] sampleShape;
    private final int[] targetShape;
    private final int sampleSize;
    private final int targetSize;
    private final int size;
    private final int numClasses;

    /** The two halves of {@link #split}. */
    public record Split(TensorDataset train, TensorDataset validation) {}

    /** A regression data set (numClasses 0). The tensors are copied, converted to float32 if needed. */
    public TensorDataset(Tensor features, Tensor targets) {
        this(features, targets, 0);
    }

    /**
     * A classification data set when {@code numClasses > 0}: targets must then be scalars holding integers in
     * [0, numClasses). The tensors are copied, converted to float32 if needed.
     */
    public TensorDataset(Tensor features, Tensor targets, int numClasses) {
        int[] sample = rowShape(features, "features");
        int[] target = rowShape(targets, "targets");
        if (features.size(0) != targets.size(0)) {
            throw new IllegalArgumentException("TensorDataset: features have " + features.size(0) + " rows but targets have "
                    + targets.size(0) + "; both need one row per sample");
        }
        this(features.size(0), features.toFloatArray(), sample, targets.toFloatArray(), target, numClasses);
    }

    /** Takes ownership of the arrays; for loaders that fill them. */
    TensorDataset(int size, float[] features, int[] sampleShape, float[] targets, int[] targetShape, int numClasses) {
        this(size, features, null, sampleShape, targets, targetShape, numClasses);
    }

    /**
     * Takes ownership of the arrays; features are 8-bit pixels p standing for the float32 value (p &amp; 0xFF) / 255f,
     * converted as samples are copied out (for image loaders: 60,000 MNIST images take 47 MB instead of 188 MB).
     */
    TensorDataset(int size, byte[] pixels, int[] sampleShape, float[] targets, int[] targetShape, int numClasses) {
        this(size, null, pixels, sampleShape, targets, targetShape, numClasses);
    }

    private TensorDataset(int size, float[] features, byte[] pixels, int[] sampleShape, float[] targets, int[] targetShape,
                          int numClasses) {
        this.features = features;
        this.pixels = pixels;
        this.targets = targets;
        this.sampleShape = sampleShape.clone();
        this.targetShape = targetShape.clone();
        this.sampleSize = numel(sampleShape);
        this.targetSize = numel(targetShape);
        this.size = size;
        int featureCount = features != null ? features.length : pixels.length;
        if ((long) size * sampleSize != featureCount || (long) size * targetSize != targets.length) {
            throw new IllegalArgumentException("TensorDataset: " + featureCount + " feature and " + targets.length
                    + " target values do not make " + size + " samples of shapes " + Arrays.toString(sampleShape) + " and "
                    + Arrays.toString(targetShape));
        }
        this.numClasses = numClasses;
        if (numClasses < 0) {
            throw new IllegalArgumentException("TensorDataset: numClasses must be >= 0, got " + numClasses);
        }
        if (numClasses > 0) {
            if (targetShape.length != 0) {
                throw new IllegalArgumentException("TensorDataset: class targets must be one index per sample (shape [N]), got"
                        + " target shape " + Arrays.toString(targetShape));
            }
            for (int i = 0; i < targets.length; i++) {
                float t = targets[i];
                // compared in float64: as a float, numClasses 2^24 + 1 would round down to 2^24 and refuse class 2^24
                if (!(t >= 0 && t < (double) numClasses && t == Math.floor(t))) {
                    throw new IllegalArgumentException("TensorDataset: target " + t + " of sample " + i
                            + " is not a class index in [0, " + numClasses + ")");
                }
            }
        }
    }

    private static int[] rowShape(Tensor t, String what) {
        if (t == null) {
            throw new IllegalArgumentException("TensorDataset: " + what + " is null");
        }
        if (t.dim() == 0) {
            throw new IllegalArgumentException("TensorDataset: " + what + " must have a first dimension of samples, got a 0-d tensor");
        }
        return Arrays.copyOfRange(t.shape(), 1, t.dim());
    }

    private static int numel(int[] shape) {
        int n = 1;
        for (int s : shape) {
            n *= s;
        }
        return n;
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public int[] sampleShape() {
        return sampleShape.clone();
    }

    @Override
    public int[] targetShape() {
        return targetShape.clone();
    }

    @Override
    public int numClasses() {
        return numClasses;
    }

    @Override
    public void copySample(int index, float[] dst, int offset) {
        int start = Math.multiplyExact(checkIndex(index), sampleSize);
        if (features != null) {
            System.arraycopy(features, start, dst, offset, sampleSize);
            return;
        }
        Backends.pixelsToFloats(pixels, start, dst, offset, sampleSize);
    }

    @Override
    public void copyTarget(int index, float[] dst, int offset) {
        System.arraycopy(targets, checkIndex(index) * targetSize, dst, offset, targetSize);
    }

    private int checkIndex(int index) {
        if (index < 0 || index >= size) {
            throw new IndexOutOfBoundsException("TensorDataset: index " + index + " out of range for " + size + " samples");
        }
        return index;
    }

    /**
     * All features as one tensor [N, ...sampleShape]: sharing this data set's storage (do not modify) when it holds
     * floats, a new float32 tensor when it holds 8-bit pixels (as {@link IdxDataset} loads them).
     */
    public Tensor features() {
        if (features == null) {
            float[] all = new float[pixels.length];
            Backends.pixelsToFloats(pixels, 0, all, 0, pixels.length);
            return Tensor.wrap(all, prepend(size, sampleShape));
        }
        return Tensor.wrap(features, prepend(size, sampleShape));
    }

    /** All targets as one tensor [N, ...targetShape] sharing this data set's storage (do not modify). */
    public Tensor targets() {
        return Tensor.wrap(targets, prepend(size, targetShape));
    }

    private static int[] prepend(int n, int[] shape) {
        int[] out = new int[shape.length + 1];
        out[0] = n;
        System.arraycopy(shape, 0, out, 1, shape.length);
        return out;
    }

    /** A new data set holding copies of the samples at {@code indices}, in that order (repeats allowed). */
    public TensorDataset subset(int[] indices) {
        float[] f = new float[Math.multiplyExact(indices.length, sampleSize)];
        float[] t = new float[Math.multiplyExact(indices.length, targetSize)];
        for (int i = 0; i < indices.length; i++) {
            copySample(indices[i], f, i * sampleSize);
            copyTarget(indices[i], t, i * targetSize);
        }
        return new TensorDataset(indices.length, f, sampleShape, t, targetShape, numClasses);
    }

    /**
     * Splits into a training and a validation part: the samples are shuffled by a {@link Generator} seeded with
     * {@code seed}, and the first {@code round(size * valFraction)} go to validation (rounding half up). A fraction
     * that leaves either part empty is refused: it must lie in [0.5 / size, (size - 0.5) / size). A valFraction of 0
     * holds nothing out: every sample is in the training part and the validation part is empty.
     */
    public Split split(double valFraction, long seed) {
        if (!(valFraction >= 0 && valFraction < 1)) {
            throw new IllegalArgumentException("TensorDataset.split: valFraction must be in [0, 1), got " + valFraction);
        }
        long held = Math.round(size * valFraction);
        if (valFraction > 0 && (held == 0 || held == size)) {
            // an empty part fails only later, in a DataLoader or at the first epoch, far from its cause
            throw new IllegalArgumentException("TensorDataset.split: valFraction " + valFraction + " of " + size
                    + " samples leaves " + (size - held) + " for training and " + held + " for validation; both need at least one"
                    + (size < 2 ? ", so " + size + (size == 1 ? " sample" : " samples") + " cannot be split"
                            : " (valFraction in [" + 0.5 / size + ", " + (size - 0.5) / size + "))"));
        }
        int[] order = new int[size];
        for (int i = 0; i < size; i++) {
            order[i] = i;
        }
        new Generator(seed).shuffle(order);
        int nVal = (int) Math.round(size * valFraction);
        return new Split(subset(Arrays.copyOfRange(order, nVal, size)), subset(Arrays.copyOfRange(order, 0, nVal)));
    }
}
