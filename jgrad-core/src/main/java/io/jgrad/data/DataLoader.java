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
     * @throws IllegalArgumentException if batchSize is not positive, or shuffle is set and the generator is null or
     *     the data set empty (as PyTorch; an empty data set without shuffling gives epochs of no batches)
     */
    public DataLoader(Dataset dataset, int batchSize, boolean shuffle, boolean dropLast, Generator generator) {
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
     * Starts an epoch; when shuffling, this draws the epoch's permutation from the generator, and augmentation
     * draws from it as batches are assembled. Modified: the generator, when shuffling or augmenting.
     */
    @Override
    public Iterator<Batch> iterator() {
        int n = dataset.size();
        int[] spare = spareOrder.getAndSet(null);
        int[] order = spare != null && spare.length == n ? spare : new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        if (shuffle) {
            generator.shuffle(order);
        }
        int batches = numBatches();
        int[] sampleShape = dataset.sampleShape();
        int[] targetShape = dataset.targetShape();
        int sampleSize = numel(sampleShape);
        int targetSize = numel(targetShape);
        Augmentation aug = augmentation;
        float[] scratch = aug == null ? null : new float[sampleSize];
        return new Iterator<>() {
            private int next;

            @Override
            public boolean hasNext() {
                return next < batches;
            }

            @Override
            public Batch next() {
                if (!hasNext()) {
                    throw new NoSuchElementException("DataLoader: epoch has only " + batches + " batches");
                }
                int start = next * batchSize;
                int b = Math.min(batchSize, n - start);
                next++;
                Math.multiplyExact(b, Math.max(sampleSize, targetSize)); // refuse a batch beyond 2^31 elements
                Tensor features = Tensor.empty(DType.FLOAT32, prepend(b, sampleShape));
                Tensor targets = Tensor.empty(DType.FLOAT32, prepend(b, targetShape));
                float[] f = features.floatStorage(), t = targets.floatStorage();
                Backends.RangeBody copy = (i0, i1) -> {
                    for (int i = i0; i < i1; i++) {
                        dataset.copySample(order[start + i], f, i * sampleSize);
                        dataset.copyTarget(order[start + i], t, i * targetSize);
                    }
                };
                if (dataset instanceof TensorDataset) {
                    // read-only, so safe to copy from on several threads: a batch's random reads from a large data
                    // set wait on memory, and were a quarter of an MLP step's time on one thread (measured)
                    Backends.parallelFor(b, 2L * b * (sampleSize + targetSize), copy);
                } else {
                    copy.run(0, b); // a user's Dataset need not be thread-safe
                }
                if (aug != null) { // in sample order after the copies: the generator's draws are the same as before
                    for (int i = 0; i < b; i++) {
                        aug.apply(f, i * sampleSize, sampleShape[0], sampleShape[1], sampleShape[2], generator, scratch);
                    }
                }
                if (next == batches) {
                    spareOrder.set(order); // this epoch reads it no more
                }
                return new Batch(features, targets, b);
            }
        };
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
