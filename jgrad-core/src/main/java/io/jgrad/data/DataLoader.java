package io.jgrad.data;

import io.jgrad.tensor.Backends;
import io.jgrad.tensor.DType;
import io.jgrad.tensor.Generator;
import io.jgrad.tensor.Tensor;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Mini-batches of a {@link Dataset}: each {@link #iterator()} is one epoch that visits every sample once, in
 * order or in a random permutation drawn from the {@link Generator} when the epoch starts. The same seed gives
 * the same batches on every machine; to resume training mid-run, save {@link Generator#state()} before an
 * epoch begins and restore it with {@link Generator#setState(long[])}.
 *
 * <p>Batches are new float32 tensors: features [B, ...sampleShape], targets [B, ...targetShape]. The last
 * batch holds the remaining {@code size % batchSize} samples unless {@code dropLast} is set. A batch taken
 * inside a {@link Tensor#recycling()} scope lives in the scope's memory (made by {@link Tensor#empty}), so that
 * a training loop that takes each batch inside its step's scope allocates nothing for it after the first step.
 */
public final class DataLoader implements Iterable<DataLoader.Batch> {
    private final Dataset dataset;
    private final int batchSize;
    private final boolean shuffle;
    private final boolean dropLast;
    private final Generator generator;
    private Augmentation augmentation;
    /**
     * The permutation of the last epoch that ran to its end, which the next epoch draws into instead of a new array:
     * 4 bytes per sample (240 KB for Fashion-MNIST), about 500 bytes per step at batch 128 (bench/alloc.sh). An epoch
     * hands it back only after its last batch, so epochs that overlap each have their own.
     */
    private final AtomicReference<int[]> spareOrder = new AtomicReference<>();

    /** One mini-batch; {@code size} is its number of samples (the first dimension of both tensors). */
    public record Batch(Tensor features, Tensor targets, int size) {}

    /**
     * @param generator source of the per-epoch permutations (its state advances each epoch); may be null when
     *     {@code shuffle} is false
     * @throws IllegalArgumentException if the data set is null, batchSize is not positive, or shuffle is set and the
     *     generator is null or the data set empty (as PyTorch; an empty data set without shuffling gives epochs of no
     *     batches)
     */
    public DataLoader(Dataset dataset, int batchSize, boolean shuffle, boolean dropLast, Generator generator) {
        if (dataset == null) {
            throw new IllegalArgumentException("DataLoader: dataset is null");
        }
        if (batchSize <= 0) {
            throw new IllegalArgumentException("DataLoader: batchSize must be positive, got " + batchSize);
        }
        if (shuffle && generator == null) {
            throw new IllegalArgumentException("DataLoader: shuffling needs a Generator, e.g. new Generator(seed)");
        }
        if (shuffle && dataset.size() == 0) {
            // as PyTorch's RandomSampler refuses num_samples=0: an epoch of no steps is a mistake upstream
            throw new IllegalArgumentException("DataLoader: cannot shuffle an empty data set (size 0)");
        }
        this.dataset = dataset;
        this.batchSize = batchSize;
        this.shuffle = shuffle;
        this.dropLast = dropLast;
        this.generator = generator;
    }

    /**
     * Applies {@code a} to every sample as batches are assembled, drawing from this loader's generator (the one
     * that shuffles). Needs samples [C, H, W] and a generator; returns this. Modified: this.
     */
    public DataLoader augment(Augmentation a) {
        if (a != null && !a.isIdentity()) {
            if (generator == null) {
                throw new IllegalArgumentException("DataLoader: augmentation needs a Generator, e.g. new Generator(seed)");
            }
            if (dataset.sampleShape().length != 3) {
                throw new IllegalArgumentException("DataLoader: augmentation works on images [C, H, W], the samples are "
                        + java.util.Arrays.toString(dataset.sampleShape()));
            }
        }
        this.augmentation = a == null || a.isIdentity() ? null : a;
        return this;
    }

    /** Number of batches per epoch: ceil(size / batchSize), or floor when dropLast. */
    public int numBatches() {
        int n = dataset.size();
        return dropLast ? n / batchSize : (n + batchSize - 1) / batchSize;
    }

    /** The data set batched. */
    public Dataset dataset() {
        return dataset;
    }

    /**
     * One epoch's batches, from {@link #iterator()}. Besides {@link #next()}, which makes each batch's tensors,
     * {@link #nextInto} assembles a batch into tensors the caller keeps from batch to batch (the inputs of a
     * {@link io.jgrad.tensor.CapturedStep}), so that taking a batch makes nothing.
     */
    public interface Epoch extends Iterator<Batch> {
        /** The number of samples in the next batch; 0 when the epoch has no more. */
        int nextSize();

        /**
         * Assembles the next batch into {@code features} and {@code targets}: contiguous float32 tensors of shapes
         * [nextSize(), ...sample shape] and [nextSize(), ...target shape] that own their whole arrays. Returns the
         * batch's number of samples. Modified: features, targets, and the generator as {@link #next()}.
         *
         * @throws NoSuchElementException if the epoch has no more batches
         * @throws IllegalArgumentException if a tensor does not have the batch's shape
         */
        int nextInto(Tensor features, Tensor targets);
    }

    /**
     * Starts an epoch; when shuffling, this draws the epoch's permutation from the generator, and augmentation
     * draws from it as batches are assembled. Modified: the generator, when shuffling or augmenting.
     */
    @Override
    public Epoch iterator() {
        int n = dataset.size();
        int[] spare = spareOrder.getAndSet(null);
        int[] order = spare != null && spare.length == n ? spare : new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        if (shuffle) {
            generator.shuffle(order);
        }
        return new EpochBatches(order);
    }

    /** An epoch's walk through its permutation; one range body, reused for every batch's copies. */
    private final class EpochBatches implements Epoch, Backends.RangeBody {
        private final int[] order;
        private final int n = dataset.size();
        private final int batches = numBatches();
        private final int[] sampleShape = dataset.sampleShape();
        private final int[] targetShape = dataset.targetShape();
        private final int sampleSize = numel(sampleShape);
        private final int targetSize = numel(targetShape);
        private final Augmentation aug = augmentation;
        private final float[] scratch = aug == null ? null : new float[sampleSize];
        private int next;
        // the batch being copied, for run()
        private int start;
        private float[] f;
        private float[] t;

        EpochBatches(int[] order) {
            this.order = order;
        }

        @Override
        public boolean hasNext() {
            return next < batches;
        }

        @Override
        public int nextSize() {
            return hasNext() ? Math.min(batchSize, n - next * batchSize) : 0;
        }

        @Override
        public Batch next() {
            int b = nextSize();
            if (b == 0) {
                throw new NoSuchElementException("DataLoader: epoch has only " + batches + " batches");
            }
            Math.multiplyExact(b, Math.max(sampleSize, targetSize)); // refuse a batch beyond 2^31 elements
            Tensor features = Tensor.empty(DType.FLOAT32, prepend(b, sampleShape));
            Tensor targets = Tensor.empty(DType.FLOAT32, prepend(b, targetShape));
            assemble(b, features.floatStorage(), targets.floatStorage());
            return new Batch(features, targets, b);
        }

        @Override
        public int nextInto(Tensor features, Tensor targets) {
            int b = nextSize();
            if (b == 0) {
                throw new NoSuchElementException("DataLoader: epoch has only " + batches + " batches");
            }
            requireShape("features", features, b, sampleShape);
            requireShape("targets", targets, b, targetShape);
            assemble(b, features.floatStorage(), targets.floatStorage());
            return b;
        }

        private static void requireShape(String what, Tensor t, int b, int[] shape) {
            if (t == null) {
                throw new IllegalArgumentException("DataLoader.nextInto: " + what + " is null");
            }
            boolean same = t.dtype() == DType.FLOAT32 && t.dim() == shape.length + 1 && t.size(0) == b;
            for (int i = 0; same && i < shape.length; i++) {
                same = t.size(i + 1) == shape[i];
            }
            if (!same) { // compared without copying the shapes: a step's batch allocates nothing
                throw new IllegalArgumentException("DataLoader.nextInto: " + what + " must be float32 "
                        + java.util.Arrays.toString(prepend(b, shape)) + " for the next batch, got " + t.dtype() + " "
                        + java.util.Arrays.toString(t.shape()));
            }
        }

        /** Copies the next batch's b samples into f and t and moves past it. */
        private void assemble(int b, float[] f, float[] t) {
            this.start = next * batchSize;
            this.f = f;
            this.t = t;
            next++;
            if (dataset instanceof TensorDataset) {
                // read-only, so safe to copy from on several threads: a batch's random reads from a large data
                // set wait on memory, and were a quarter of an MLP step's time on one thread (measured)
                Backends.parallelFor(b, 2L * b * (sampleSize + targetSize), this);
            } else {
                run(0, b); // a user's Dataset need not be thread-safe
            }
            this.f = null;
            this.t = null;
            if (aug != null) { // in sample order after the copies: the generator's draws are the same as before
                for (int i = 0; i < b; i++) {
                    aug.apply(f, i * sampleSize, sampleShape[0], sampleShape[1], sampleShape[2], generator, scratch);
                }
            }
            if (next == batches) {
                spareOrder.set(order); // this epoch reads it no more
            }
        }

        /** Copies samples [i0, i1) of the batch being assembled. */
        @Override
        public void run(int i0, int i1) {
            for (int i = i0; i < i1; i++) {
                dataset.copySample(order[start + i], f, i * sampleSize);
                dataset.copyTarget(order[start + i], t, i * targetSize);
            }
        }
    }

    private static int numel(int[] shape) {
        int n = 1;
        for (int s : shape) {
            n = Math.multiplyExact(n, s);
        }
        return n;
    }

    private static int[] prepend(int n, int[] shape) {
        int[] out = new int[shape.length + 1];
        out[0] = n;
        System.arraycopy(shape, 0, out, 1, shape.length);
        return out;
    }
}
