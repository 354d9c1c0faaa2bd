package io.jgrad.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class GeneratorTest {
    /*
     * Expected values computed offline by an independent Python implementation of SplitMix64 seeding
     * (state word i = splitmix64(seed + (i + 1) * 0x9E3779B97F4A7C15)) and xoshiro256++
     * (result = rotl(s0 + s3, 23) + s0, as in Blackman and Vigna's reference C code), with
     * unbounded Python integers masked to 64 bits and printed as signed longs:
     *
     *   M = (1 << 64) - 1
     *   def splitmix(z):
     *       z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M
     *       z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M
     *       return z ^ (z >> 31)
     *   def rotl(x, k): return ((x << k) | (x >> (64 - k))) & M
     *   s = [splitmix((seed + (i + 1) * 0x9E3779B97F4A7C15) & M) for i in range(4)]
     *   r = (rotl((s[0] + s[3]) & M, 23) + s[0]) & M; t = (s[1] << 17) & M
     *   s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3]; s[2] ^= t; s[3] = rotl(s[3], 45)
     */
    private static final long[] SEED_0 = {5987356902031041503L, 7051070477665621255L, 6633766593972829180L,
            211316841551650330L, 9136120204379184874L};
    private static final long[] SEED_42 = {-3425465463722317665L, 5881210131331364753L, -297100157724070516L,
            -5513075133950446152L, -3809169831026726285L};
    private static final long[] SEED_MINUS_1 = {6254647548650071986L, -1835911450961749104L, -2023886839381112181L,
            5048281510058307187L, -6352854761174047775L};
    /** (r >>> 11) * 2^-53 of the first three outputs for seed 42, from the same script. */
    private static final double[] DOUBLES_42 = {0.8143051451229099, 0.3188210400616611, 0.9838941681774888};

    private static long[] first(long seed, int n) {
        Generator g = new Generator(seed);
        long[] out = new long[n];
        for (int i = 0; i < n; i++) {
            out[i] = g.nextLong();
        }
        return out;
    }

    @Test
    void matchesIndependentReferenceImplementation() {
        assertArrayEquals(SEED_0, first(0, 5));
        assertArrayEquals(SEED_42, first(42, 5));
        assertArrayEquals(SEED_MINUS_1, first(-1, 5));
        Generator g = new Generator(42);
        for (double expected : DOUBLES_42) {
            assertEquals(expected, g.nextDouble(), 0);
        }
    }

    @Test
    void sameSeedSameSequenceDifferentSeedDifferent() {
        assertArrayEquals(first(7, 100), first(7, 100));
        assertNotEquals(Arrays.toString(first(7, 4)), Arrays.toString(first(8, 4)));
        Generator a = new Generator(3), b = new Generator(3);
        for (int i = 0; i < 50; i++) {
            assertEquals(a.nextGaussian(), b.nextGaussian(), 0);
            assertEquals(a.nextInt(17), b.nextInt(17));
        }
    }

    @Test
    void nextIntStaysInBoundsAndIsUnbiased() {
        Generator g = new Generator(11);
        // a bound just above 2^30 is where a modulo reduction of 31 bits would be most biased (towards the low half)
        int bound = (1 << 30) + (1 << 29);
        int low = 0, n = 60_000;
        for (int i = 0; i < n; i++) {
            int v = g.nextInt(bound);
            assertTrue(v >= 0 && v < bound);
            if (v < bound / 2) {
                low++;
            }
        }
        // unbiased: P(low) = 1/2, sd = sqrt(n)/2 ~ 122; a modulo reduction would give 5/8
        assertEquals(n / 2.0, low, 6 * Math.sqrt(n) / 2);
        int[] counts = new int[6];
        for (int i = 0; i < 60_000; i++) {
            counts[g.nextInt(6)]++;
        }
        for (int c : counts) {
            assertEquals(10_000, c, 500); // chi-square-sized band: sd ~ 91
        }
        assertEquals(0, g.nextInt(1));
        assertThrows(IllegalArgumentException.class, () -> g.nextInt(0));
        assertTrue(g.nextInt(Integer.MAX_VALUE) >= 0);
    }

    @Test
    void shuffleIsPermutationAndDeterministic() {
        int[] a = new int[100];
        for (int i = 0; i < a.length; i++) {
            a[i] = i;
        }
        int[] b = a.clone();
        new Generator(5).shuffle(a);
        new Generator(5).shuffle(b);
        assertArrayEquals(a, b);
        int[] sorted = a.clone();
        Arrays.sort(sorted);
        for (int i = 0; i < sorted.length; i++) {
            assertEquals(i, sorted[i]);
        }
        int fixed = 0;
        for (int i = 0; i < a.length; i++) {
            fixed += a[i] == i ? 1 : 0;
        }
        assertTrue(fixed < 10, "a shuffle of 100 leaves about 1 element in place, not " + fixed);
        // every permutation of 3 appears, about equally often
        int[] seen = new int[27];
        Generator g = new Generator(6);
        for (int t = 0; t < 6000; t++) {
            int[] p = {0, 1, 2};
            g.shuffle(p);
            seen[p[0] * 9 + p[1] * 3 + p[2]]++;
        }
        for (int[] p : new int[][] {{0, 1, 2}, {0, 2, 1}, {1, 0, 2}, {1, 2, 0}, {2, 0, 1}, {2, 1, 0}}) {
            assertEquals(1000, seen[p[0] * 9 + p[1] * 3 + p[2]], 150);
        }
    }

    @Test
    void stateResumesExactlyIncludingSpareGaussian() {
        Generator g = new Generator(9);
        g.nextLong();
        g.nextGaussian(); // leaves a spare normal in the state
        long[] state = g.state();
        double[] expected = {g.nextGaussian(), g.nextDouble(), g.nextGaussian(), g.nextInt(1000)};
        Generator h = new Generator(12345);
        h.setState(state);
        assertArrayEquals(expected, new double[] {h.nextGaussian(), h.nextDouble(), h.nextGaussian(), h.nextInt(1000)});
        assertThrows(IllegalArgumentException.class, () -> h.setState(new long[4]));
    }

    /**
     * xoshiro256** never leaves the all-zero state, and never reaches it from another: a generator set to it (a
     * checkpoint's zeroed state) drew 0 forever, so every shuffle and dropout mask was the same, without a word.
     */
    @Test
    void theAllZeroStateIsRefusedAndLeavesTheGeneratorAsItWas() {
        Generator g = new Generator(5);
        long expected = new Generator(5).nextLong();
        var e = assertThrows(IllegalArgumentException.class, () -> g.setState(new long[6]));
        assertEquals("Generator.setState: the four state words are all 0, a state xoshiro256** never reaches (it would"
                + " draw 0 forever); pass a state returned by state()", e.getMessage());
        assertEquals(expected, g.nextLong(), "the refused state was not taken");
        long[] spareOnly = new long[6];
        spareOnly[3] = 1; // one non-zero word is a valid state
        g.setState(spareOnly);
        assertNotEquals(0L, g.nextLong() | g.nextLong() | g.nextLong());
    }

    @Test
    void randnHasMeanZeroAndUnitStd() {
        Tensor x = Tensor.normal(DType.FLOAT64, new Generator(21), 0, 1, 100_000);
        double mean = x.mean().item();
        double std = Math.sqrt(x.sub(mean).pow(2).mean().item());
        assertEquals(0, mean, 0.015); // 4.7 standard errors (1/sqrt(1e5) = 0.0032)
        assertEquals(1, std, 0.01);
        Tensor y = Tensor.randn(new Generator(22), 100_000).mul(2.0).add(3.0);
        assertEquals(3, y.mean().item(), 0.03);
        double fourth = x.pow(4).mean().item();
        assertEquals(3, fourth, 0.15); // kurtosis of a normal, which a uniform (1.8) would fail
    }

    /**
     * The default generator is shared by every layer built without a generator, so threads that build or train such
     * models at once draw from it together. Three threads draw from it at once (a tensor at a time, a double at a
     * time, 64 bits at a time): together they must have drawn exactly the first draws of its stream, each once (a race
     * on its state draws some numbers twice and skips others), each tensor a run of consecutive draws, and the
     * generator must end where that many draws leave it.
     */
    @Test
    void threadsSharingTheDefaultGeneratorEachGetDistinctDrawsOfItsStream() throws Exception {
        long seed = 20240611L;
        int rounds = 400, size = 1000;
        Generator.manualSeed(seed);
        Generator shared = Generator.defaultGenerator();
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(3);
        List<double[]> tensors = new ArrayList<>();
        double[] singles = new double[rounds * size], fromLongs = new double[rounds * size];
        try {
            Future<?> a = pool.submit(() -> {
                start.await();
                for (int r = 0; r < rounds; r++) {
                    tensors.add(Tensor.uniform(DType.FLOAT64, shared, 0, 1, size).toDoubleArray());
                }
                return null;
            });
            Future<?> b = pool.submit(() -> {
                start.await();
                for (int i = 0; i < singles.length; i++) {
                    singles[i] = shared.nextDouble();
                }
                return null;
            });
            Future<?> c = pool.submit(() -> {
                start.await();
                for (int i = 0; i < fromLongs.length; i++) {
                    fromLongs[i] = (shared.nextLong() >>> 11) * 0x1.0p-53; // as nextDouble
                }
                return null;
            });
            start.countDown();
            a.get(60, TimeUnit.SECONDS);
            b.get(60, TimeUnit.SECONDS);
            c.get(60, TimeUnit.SECONDS);
        } finally {
            pool.shutdownNow();
        }
        int n = 3 * rounds * size;
        Generator reference = new Generator(seed);
        double[] expected = new double[n];
        Map<Double, Integer> position = new HashMap<>();
        for (int i = 0; i < n; i++) {
            expected[i] = reference.nextDouble();
            position.put(expected[i], i);
        }
        assertEquals(n, position.size(), "the reference stream's draws are distinct");
        double[] drawn = new double[n];
        int k = 0;
        for (double[] t : tensors) {
            System.arraycopy(t, 0, drawn, k, size);
            k += size;
        }
        System.arraycopy(singles, 0, drawn, k, singles.length);
        System.arraycopy(fromLongs, 0, drawn, k + singles.length, fromLongs.length);
        for (double v : drawn) {
            assertTrue(v >= 0 && v < 1, "a draw outside [0, 1): " + v);
        }
        double[] sorted = drawn.clone(), sortedExpected = expected.clone();
        Arrays.sort(sorted);
        Arrays.sort(sortedExpected);
        int differ = 0;
        for (int i = 0; i < n; i++) {
            differ += sorted[i] == sortedExpected[i] ? 0 : 1;
        }
        assertEquals(0, differ, "the threads' draws should be the stream's first " + n + ", each once");
        for (double[] t : tensors) {
            Integer first = position.get(t[0]);
            assertTrue(first != null && first + size <= n, "a tensor's first value is not a draw of the stream");
            assertArrayEquals(Arrays.copyOfRange(expected, first, first + size), t, 0,
                    "a tensor should hold consecutive draws, not ones interleaved with other threads'");
        }
        assertArrayEquals(reference.state(), shared.state(), "the default generator should be where " + n + " draws leave it");
        assertEquals(reference.nextLong(), shared.nextLong());
    }

    /** Locking the default generator changed none of its numbers: after manualSeed it is new Generator(seed), draw for draw. */
    @Test
    void theDefaultGeneratorAfterManualSeedDrawsAsANewGeneratorWithThatSeed() {
        for (long seed : new long[] {0, 42, -1}) {
            Generator.manualSeed(seed);
            Generator d = Generator.defaultGenerator(), g = new Generator(seed);
            assertArrayEquals(g.state(), d.state());
            assertEquals(g.nextLong(), d.nextLong());
            assertEquals(g.nextDouble(), d.nextDouble(), 0);
            assertEquals(g.nextGaussian(), d.nextGaussian(), 0);
            assertEquals(g.nextGaussian(), d.nextGaussian(), 0); // the spare
            assertEquals(g.nextInt(1000), d.nextInt(1000));
            int[] p = {0, 1, 2, 3, 4, 5, 6, 7}, q = p.clone();
            g.shuffle(p);
            d.shuffle(q);
            assertArrayEquals(p, q);
            assertArrayEquals(Tensor.uniform(DType.FLOAT64, g, -2, 3, 5, 7).toDoubleArray(),
                    Tensor.uniform(DType.FLOAT64, d, -2, 3, 5, 7).toDoubleArray(), 0);
            assertArrayEquals(Tensor.rand(g, 33).toFloatArray(), Tensor.rand(d, 33).toFloatArray(), 0f);
            assertArrayEquals(Tensor.normal(DType.FLOAT64, g, 1, 2, 9).toDoubleArray(),
                    Tensor.normal(DType.FLOAT64, d, 1, 2, 9).toDoubleArray(), 0);
            Tensor x = Tensor.ones(4, 16);
            assertArrayEquals(x.dropout(0.3, g).toFloatArray(), x.dropout(0.3, d).toFloatArray(), 0f);
            assertArrayEquals(g.state(), d.state());
        }
        Generator.manualSeed(42);
        Generator d = Generator.defaultGenerator();
        for (double expected : DOUBLES_42) {
            assertEquals(expected, d.nextDouble(), 0);
        }
        Generator.manualSeed(Generator.DEFAULT_SEED);
    }

    /** A dropout mask is u_i &lt; p ? 0 : 1 / (1 - p) for the draws u_i of nextDouble in row-major order, as before. */
    @Test
    void aDropoutMaskIsTheGeneratorsDrawsInRowMajorOrder() {
        Generator g = new Generator(77);
        double[] mask = Tensor.ones(DType.FLOAT64, 3, 50).dropout(0.4, g).toDoubleArray();
        Generator h = new Generator(77);
        for (double m : mask) {
            assertEquals(h.nextDouble() < 0.4 ? 0 : 1 / 0.6, m, 0);
        }
        assertArrayEquals(h.state(), g.state());
    }
}
