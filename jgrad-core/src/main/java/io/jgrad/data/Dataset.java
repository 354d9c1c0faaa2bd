package io.jgrad.data;

/**
 * A fixed number of (sample, target) pairs addressed by index, every sample of one shape and every target of
 * another. A {@link DataLoader} copies them into batches.
 */
public interface Dataset {
    /** Number of samples. */
    int size();

    /** Shape of one sample, e.g. [784] or [1, 28, 28]. */
    int[] sampleShape();

    /** Shape of one target; empty for a scalar target (a class index or a single regression value). */
    int[] targetShape();

    /**
     * Copies sample {@code index} (row-major, {@code numel(sampleShape())} values) into {@code dst} starting at
     * {@code offset}. Modified: {@code dst}.
     */
    void copySample(int index, float[] dst, int offset);

    /** Copies target {@code index} into {@code dst} starting at {@code offset}. Modified: {@code dst}. */
    void copyTarget(int index, float[] dst, int offset);

    /** Number of classes when targets are class indices 0..numClasses-1; 0 for regression. */
    default int numClasses() {
        return 0;
    }
}
