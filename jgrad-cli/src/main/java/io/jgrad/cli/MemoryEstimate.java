package io.jgrad.cli;

import io.jgrad.nn.spec.LayerSpec;
import io.jgrad.nn.spec.Layers;
import io.jgrad.nn.spec.NetworkSpec;
import io.jgrad.tensor.Tensor;

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

    /** Live float32 copies of a layer's input and output while evaluating without a graph. */
    static final int EVAL_COPIES = 3;

    /**
     * Weights, gradients and optimizer buffers for {@code parameters}, plus the larger of: training,
     * {@link #ACTIVATION_COPIES} float32 copies of the input and of every layer's output per sample of the batch
     * (the graph keeps them all); evaluation, {@link #EVAL_COPIES} copies of the widest layer's input and output
     * per sample of {@link #EVAL_BATCH} (nothing is kept between layers).
     */
    static long bytesNeeded(NetworkSpec spec, long parameters, int batchSize) {
        long widths = spec.inputSize(), widestStep = 0, previous = spec.inputSize();
        for (int[] shape : spec.shapes()) {
            long n = 1;
            for (int d : shape) {
                n *= d; // at most 2^31 values per sample: Layers.output refuses more
            }
            widths += n;
            widestStep = Math.max(widestStep, previous + n);
            previous = n;
        }
        // saturating: a huge --batch-size times a layer of ~2^31 values overflowed long, to an estimate that passed
        long weights = times(4L * parameters, 2 + OPTIMIZER_SLOTS);
        long activations = times(4, Math.max(times(times(widths, batchSize), ACTIVATION_COPIES),
                times(widestStep, (long) EVAL_BATCH * EVAL_COPIES)));
        return plus(weights, activations);
    }

    /** a * b for a, b >= 0, or Long.MAX_VALUE where that overflows. */
    static long times(long a, long b) {
        return Math.multiplyHigh(a, b) != 0 || a * b < 0 ? Long.MAX_VALUE : a * b;
    }

    private static long plus(long a, long b) {
        return a + b < 0 ? Long.MAX_VALUE : a + b;
    }

    /** Refuses layer {@code i} of {@code spec} if one of its tensors is too large for one array; {@code advice} names the flags. */
    static void checkTensorSize(NetworkSpec spec, int i, String advice) {
        LayerSpec l = spec.layers().get(i);
        long largest = Layers.largestTensor(l);
        if (largest > Tensor.MAX_NUMEL) {
            throw new UserError(String.format("layer %d (%s) would have a weight tensor of %,d values; one tensor holds at most %,d:"
                    + " %s", i, l.describe(), largest, Tensor.MAX_NUMEL, advice));
        }
    }

    /**
     * Refuses, before anything is allocated, a run with a tensor too large for one array or whose estimate
     * exceeds the heap still free.
     */
    static void check(NetworkSpec spec, int batchSize) {
        long parameters = 0;
        for (int i = 0; i < spec.layers().size(); i++) {
            LayerSpec l = spec.layers().get(i);
            checkTensorSize(spec, i, "use smaller --layers or a smaller model");
            parameters += Layers.parameters(l);
        }
        Runtime rt = Runtime.getRuntime();
        long free = rt.maxMemory() - (rt.totalMemory() - rt.freeMemory());
        long need = bytesNeeded(spec, parameters, batchSize);
        if (need > free) {
            throw new UserError(String.format("the network %s with batch size %d needs about %,d MiB of memory for weights,"
                    + " gradients, optimizer state and activations, but only %,d MiB of heap are free; use smaller --layers"
                    + " (or a smaller --model) or --batch-size, or give Java more heap: JGRAD_JAVA_OPTS=-Xmx%dg ./jgrad train ...",
                    spec.describe(), batchSize, need >> 20, free >> 20, Math.max(2, plus(need, rt.maxMemory()) >> 30) + 1));
        }
    }
}
