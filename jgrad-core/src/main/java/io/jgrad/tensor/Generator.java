package io.jgrad.tensor;

/**
 * A seeded pseudo-random generator (xoshiro256++, seeded through SplitMix64) whose output is the same on
 * every machine and JVM: it uses only integer arithmetic and {@link StrictMath}, never the platform's
 * intrinsics, so {@code new Generator(42)} gives the same weights everywhere.
 *
 * <p>Threads may share a generator, as they share PyTorch's default CPU generator (which a mutex guards): each
 * public method holds the generator's lock for the whole call, and the tensor ops that fill a tensor from a
 * generator ({@link Tensor#uniform}, {@link Tensor#normal}, {@link Tensor#dropout}) hold it once for the whole tensor,
 * so a tensor's values are a run of consecutive draws even when other threads draw too, and no lock is taken per
 * element. The per-call lock of the other methods is uncontended in a single thread, and no loop of jgrad's calls
 * them per element (augmentation draws three numbers per image). {@link #state()} and {@link #setState(long[])} let a checkpoint save and restore the
 * exact position in the stream.
 */
public final class Generator {
    /** Seed of the process-wide default generator until {@link #manualSeed} changes it. */
    public static final long DEFAULT_SEED = 42;
    private static final Generator DEFAULT = new Generator(DEFAULT_SEED);

    private long s0, s1, s2, s3;
    private double spareNormal;
    private boolean hasSpare;

    /** A generator whose stream is fixed by {@code seed}. */
    public Generator(long seed) {
        long x = seed;
        s0 = splitMix(x += 0x9E3779B97F4A7C15L);
        s1 = splitMix(x += 0x9E3779B97F4A7C15L);
        s2 = splitMix(x += 0x9E3779B97F4A7C15L);
        s3 = splitMix(x + 0x9E3779B97F4A7C15L);
    }

    /**
     * The process-wide generator that layers use when none is passed (as PyTorch's global generator): each
     * new layer draws its own numbers from it, so two layers of the same shape start different, and a
     * program that builds its layers in the same order gets the same weights on every run. Threads may share it:
     * concurrent calls are serialized (the order in which two threads' draws interleave is then up to the scheduler).
     */
    public static Generator defaultGenerator() {
        return DEFAULT;
    }

    /** Restarts the default generator at {@code seed} (as torch.manual_seed). Modified: the default generator. */
    public static void manualSeed(long seed) {
        DEFAULT.setState(new Generator(seed).state());
    }

    private static long splitMix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** The next 64 random bits. Modified: this. */
    public synchronized long nextLong() {
        return next();
    }

    private long next() {
        long result = Long.rotateLeft(s0 + s3, 23) + s0;
        long t = s1 << 17;
        s2 ^= s0;
        s3 ^= s1;
        s1 ^= s2;
        s0 ^= s3;
        s2 ^= t;
        s3 = Long.rotateLeft(s3, 45);
        return result;
    }

    /** Uniform in [0, 1) with 53 random bits: (nextLong() >>> 11) * 2^-53. Modified: this. */
    public synchronized double nextDouble() {
        return uniform();
    }

    /**
     * {@link #nextDouble()} without taking the lock: for the loops of this package that fill a whole
     * tensor inside {@code synchronized (gen)}.
     */
    double uniform() {
        return (next() >>> 11) * 0x1.0p-53;
    }

    /** Uniform integer in [0, bound), without modulo bias. Modified: this. */
    public synchronized int nextInt(int bound) {
        if (bound <= 0) {
            throw new IllegalArgumentException("nextInt: bound must be positive, got " + bound);
        }
        return below(bound);
    }

    private int below(int bound) {
        long r = next() >>> 33; // 31 random bits
        long m = r * bound;
        long l = m & 0x7FFFFFFFL;
        if (l < bound) {
            long threshold = (0x80000000L - bound) % bound;
            while (l < threshold) {
                r = next() >>> 33;
                m = r * bound;
                l = m & 0x7FFFFFFFL;
            }
        }
        return (int) (m >>> 31);
    }

    /** Standard normal N(0, 1) by the Box-Muller transform (StrictMath, so reproducible everywhere). Modified: this. */
    public synchronized double nextGaussian() {
        return gaussian();
    }

    /** {@link #nextGaussian()} without taking the lock, as {@link #uniform()}. */
    double gaussian() {
        if (hasSpare) {
            hasSpare = false;
            return spareNormal;
        }
        double u1;
        do {
            u1 = uniform();
        } while (u1 == 0.0);
        double u2 = uniform();
        double r = StrictMath.sqrt(-2.0 * StrictMath.log(u1));
        double theta = 2.0 * Math.PI * u2;
        spareNormal = r * StrictMath.sin(theta);
        hasSpare = true;
        return r * StrictMath.cos(theta);
    }

    /** Fisher-Yates shuffle of {@code a} in place. Modified: {@code a}, this. */
    public synchronized void shuffle(int[] a) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = below(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }

    /** The full state (6 longs), for checkpoints. */
    public synchronized long[] state() {
        return new long[] {s0, s1, s2, s3, Double.doubleToRawLongBits(spareNormal), hasSpare ? 1 : 0};
    }

    /**
     * Restores a state returned by {@link #state()}. Modified: this.
     *
     * @throws IllegalArgumentException if it is not 6 longs, or its first four (the xoshiro256** state) are all 0
     */
    public synchronized void setState(long[] state) {
        if (state.length != 6) {
            throw new IllegalArgumentException("Generator state has 6 longs, got " + state.length);
        }
        if ((state[0] | state[1] | state[2] | state[3]) == 0) {
            // the one state xoshiro256** maps to itself: every draw after it would be 0
            throw new IllegalArgumentException("Generator.setState: the four state words are all 0, a state xoshiro256**"
                    + " never reaches (it would draw 0 forever); pass a state returned by state()");
        }
        s0 = state[0];
        s1 = state[1];
        s2 = state[2];
        s3 = state[3];
        spareNormal = Double.longBitsToDouble(state[4]);
        hasSpare = state[5] != 0;
    }
}
