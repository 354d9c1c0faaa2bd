package io.jgrad.cli;

/**
 * A pre-flight estimate of the heap a training run needs beyond its data, so that a configuration that
 * cannot fit is refused with numbers before the first step, not with an OutOfMemoryError mid-run.
 */
final class MemoryEstimate {
    private MemoryEstimate() {}

    /** Live float32 copies per activation during a training step: output, gradient, and temporaries of the ops. */
    static final int ACTIVATION_COPIES = 6;
    /** Buffers per parameter the most demanding optimizer keeps (Adam with AMSGrad: three). */
    static final int OPTIMIZER_SLOTS = 3;
    /** Evaluation runs in batches of this many samples. */
    static final int EVAL_BATCH = 1000;

    static long bytesNeeded(NetworkSpec spec, int batchSize) {
        long params = 0, widths = spec.inputSize();
        int in = spec.inputSize();
        for (int h : spec.hidden()) {
            params += (long) in * h + h;
            widths += 2L * h; // the linear output and its activation
            in = h;
        }
        params += (long) in * spec.outputSize() + spec.outputSize();
        widths += 2L * spec.outputSize();
        long weights = 4L * params * (2 + OPTIMIZER_SLOTS); // weights, gradients, optimizer buffers
        long activations = 4L * widths * Math.max(batchSize, EVAL_BATCH) * ACTIVATION_COPIES;
        return weights + activations;
    }

    /** Refuses a run whose estimate exceeds the heap still free, or with a layer too large for one array. */
    static void check(NetworkSpec spec, int batchSize) {
        int in = spec.inputSize();
        int[] sizes = java.util.Arrays.copyOf(spec.hidden(), spec.hidden().length + 1);
        sizes[sizes.length - 1] = spec.outputSize();
        for (int i = 0; i < sizes.length; i++) {
            if ((long) in * sizes[i] > Integer.MAX_VALUE - 8) {
                throw new UserError(String.format("layer %d would have %,d x %,d = %,d weights; one tensor holds at most %,d:"
                        + " use smaller --layers", i + 1, sizes[i], in, (long) in * sizes[i], Integer.MAX_VALUE - 8));
            }
            in = sizes[i];
        }
        Runtime rt = Runtime.getRuntime();
        long free = rt.maxMemory() - (rt.totalMemory() - rt.freeMemory());
        long need = bytesNeeded(spec, batchSize);
        if (need > free) {
            throw new UserError(String.format("the network %s with batch size %d needs about %,d MiB of memory for weights,"
                    + " gradients, optimizer state and activations, but only %,d MiB of heap are free; use smaller --layers"
                    + " or --batch-size, or give Java more heap: JGRAD_JAVA_OPTS=-Xmx%dg ./jgrad train ...",
                    spec.describe(), batchSize, need >> 20, free >> 20, Math.max(2, (need + rt.maxMemory()) >> 30) + 1));
        }
    }
}
