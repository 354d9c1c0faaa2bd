package io.jgrad.data;

import static org.junit.jupiter.api.Assertions.*;

import io.jgrad.tensor.Generator;
import io.jgrad.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class DataLoaderTest {
    /** 10 samples [1, 2, 2] whose values are 10*i + k, targets i. */
    private static TensorDataset images() {
        float[] x = new float[40];
        float[] y = new float[10];
        for (int i = 0; i < 10; i++) {
            for (int k = 0; k < 4; k++) {
                x[4 * i + k] = 10 * i + k;
            }
            y[i] = i;
        }
        return new TensorDataset(Tensor.of(x, 10, 1, 2, 2), Tensor.of(y, 10), 10);
    }

    private static List<Integer> order(DataLoader loader) {
        List<Integer> out = new ArrayList<>();
        for (DataLoader.Batch b : loader) {
            float[] x = b.features().toFloatArray();
            float[] y = b.targets().toFloatArray();
            for (int i = 0; i < b.size(); i++) {
                assertEquals(10 * y[i], x[4 * i], "features and targets stay paired");
                assertEquals(10 * y[i] + 3, x[4 * i + 3]);
                out.add((int) y[i]);
            }
        }
        return out;
    }

    @Test
    void batchShapesAndLastPartialBatch() {
        DataLoader loader = new DataLoader(images(), 4, false, false, null);
        assertEquals(3, loader.numBatches());
        List<int[]> shapes = new ArrayList<>();
        List<Integer> sizes = new ArrayList<>();
        for (DataLoader.Batch b : loader) {
            shapes.add(b.features().shape());
            sizes.add(b.size());
            assertArrayEquals(new int[] {b.size()}, b.targets().shape());
        }
        assertEquals(List.of(4, 4, 2), sizes);
        assertArrayEquals(new int[] {4, 1, 2, 2}, shapes.get(0));
        assertArrayEquals(new int[] {2, 1, 2, 2}, shapes.get(2));

        DataLoader drop = new DataLoader(images(), 4, true, true, new Generator(1));
        assertEquals(2, drop.numBatches());
        int batches = 0;
        for (DataLoader.Batch b : drop) {
            assertEquals(4, b.size());
            batches++;
        }
        assertEquals(2, batches);
        assertEquals(1, new DataLoader(images(), 100, false, false, null).numBatches());
        assertEquals(0, new DataLoader(images(), 100, false, true, null).numBatches());
    }

    @Test
    void noShuffleKeepsOrder() {
        assertEquals(List.of(0, 1, 2, 3, 4, 5, 6, 7, 8, 9), order(new DataLoader(images(), 3, false, false, null)));
    }

    @Test
    void shuffleIsSeededPermutationPerEpoch() {
        DataLoader a = new DataLoader(images(), 3, true, false, new Generator(42));
        DataLoader b = new DataLoader(images(), 3, true, false, new Generator(42));
        List<Integer> a1 = order(a);
        List<Integer> a2 = order(a);
        assertEquals(a1, order(b), "same seed, same order");
        assertEquals(a2, order(b));
        assertNotEquals(a1, a2, "each epoch draws a new permutation");
        for (List<Integer> epoch : List.of(a1, a2)) {
            List<Integer> sorted = new ArrayList<>(epoch);
            sorted.sort(null);
            assertEquals(List.of(0, 1, 2, 3, 4, 5, 6, 7, 8, 9), sorted, "every sample exactly once");
        }
        assertNotEquals(a1, order(new DataLoader(images(), 3, true, false, new Generator(43))));
    }

    @Test
    void overlappingAndAbandonedEpochsKeepTheirOwnOrder() {
        // an epoch's permutation array is reused by the next epoch once the first has ended: epochs that run at the
        // same time, or one left half-way, must not see another's order
        DataLoader loader = new DataLoader(images(), 3, true, false, new Generator(7));
        DataLoader twin = new DataLoader(images(), 3, true, false, new Generator(7));
        List<Integer> first = order(twin), second = order(twin), third = order(twin), fourth = order(twin);
        assertEquals(first, order(loader));
        var outer = loader.iterator(); // the second epoch, read one batch at a time
        List<Integer> outerOrder = new ArrayList<>();
        float[] y0 = outer.next().targets().toFloatArray();
        for (float v : y0) {
            outerOrder.add((int) v);
        }
        assertEquals(third, order(loader), "an epoch started while another runs draws the next permutation");
        while (outer.hasNext()) {
            for (float v : outer.next().targets().toFloatArray()) {
                outerOrder.add((int) v);
            }
        }
        assertEquals(second, outerOrder, "the running epoch kept its own order");
        var abandoned = loader.iterator();
        abandoned.next();
        List<Integer> after = order(loader);
        assertNotEquals(fourth, after, "the abandoned epoch drew the fourth permutation");
        List<Integer> sorted = new ArrayList<>(after);
        sorted.sort(null);
        assertEquals(List.of(0, 1, 2, 3, 4, 5, 6, 7, 8, 9), sorted, "every sample exactly once");
    }

    @Test
    void generatorStateResumesAnEpoch() {
        Generator g = new Generator(5);
        DataLoader loader = new DataLoader(images(), 4, true, false, g);
        order(loader);
        long[] saved = g.state();
        List<Integer> epoch2 = order(loader);
        Generator resumed = new Generator(999);
        resumed.setState(saved);
        assertEquals(epoch2, order(new DataLoader(images(), 4, true, false, resumed)));
    }

    @Test
    void rejectsBadArguments() {
        assertThrows(IllegalArgumentException.class, () -> new DataLoader(images(), 0, false, false, null));
        assertThrows(IllegalArgumentException.class, () -> new DataLoader(images(), 2, true, false, null));
    }

    @Test
    void emptyDataSetIsRefusedWhenShuffledAndEmptyOtherwise() {
        // as PyTorch 1.13: DataLoader(empty, shuffle=True) raises "num_samples should be a positive integer value";
        // without shuffling len() is 0 and an epoch has no batches
        TensorDataset empty = new TensorDataset(Tensor.zeros(0, 3), Tensor.zeros(0));
        var e = assertThrows(IllegalArgumentException.class, () -> new DataLoader(empty, 4, true, false, new Generator(1)));
        assertTrue(e.getMessage().contains("empty"), e.getMessage());
        DataLoader plain = new DataLoader(empty, 4, false, false, null);
        assertEquals(0, plain.numBatches());
        assertFalse(plain.iterator().hasNext());
        assertThrows(java.util.NoSuchElementException.class, () -> plain.iterator().next());
    }

    @Test
    void tensorDatasetValidatesAndSplits() {
        var rows = assertThrows(IllegalArgumentException.class, () -> new TensorDataset(Tensor.zeros(3, 2), Tensor.zeros(4)));
        assertTrue(rows.getMessage().contains("3 rows") && rows.getMessage().contains("4"), rows.getMessage());
        var cls = assertThrows(IllegalArgumentException.class,
                () -> new TensorDataset(Tensor.zeros(2, 2), Tensor.of(new float[] {0, 2.5f}, 2), 3));
        assertTrue(cls.getMessage().contains("2.5"), cls.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new TensorDataset(Tensor.zeros(2, 2), Tensor.of(new float[] {0, 3}, 2), 3));

        TensorDataset ds = images();
        TensorDataset sub = ds.subset(new int[] {7, 2, 7});
        assertEquals(3, sub.size());
        assertArrayEquals(new float[] {7, 2, 7}, sub.targets().toFloatArray());
        assertEquals(10, sub.numClasses());

        TensorDataset.Split split = ds.split(0.3, 11);
        assertEquals(7, split.train().size());
        assertEquals(3, split.validation().size());
        List<Float> all = new ArrayList<>();
        for (float v : split.train().targets().toFloatArray()) {
            all.add(v);
        }
        for (float v : split.validation().targets().toFloatArray()) {
            all.add(v);
        }
        all.sort(null);
        assertEquals(List.of(0f, 1f, 2f, 3f, 4f, 5f, 6f, 7f, 8f, 9f), all, "disjoint and complete");
        assertArrayEquals(split.validation().targets().toFloatArray(), ds.split(0.3, 11).validation().targets().toFloatArray());
        assertFalse(Arrays.equals(split.validation().targets().toFloatArray(), ds.split(0.3, 12).validation().targets().toFloatArray())
                && Arrays.equals(split.validation().targets().toFloatArray(), ds.split(0.3, 13).validation().targets().toFloatArray()));
        assertThrows(IllegalArgumentException.class, () -> ds.split(1.0, 1));
    }

    /** A split whose training or validation part would be empty is refused at once, not at the DataLoader or fit. */
    @Test
    void aSplitThatLeavesAPartEmptyIsRefused() {
        TensorDataset ds = images(); // 10 samples
        var e = assertThrows(IllegalArgumentException.class, () -> ds.split(0.99, 1));
        assertEquals("TensorDataset.split: valFraction 0.99 of 10 samples leaves 0 for training and 10 for validation;"
                + " both need at least one (valFraction in [0.05, 0.95))", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ds.split(0.04, 1));
        assertTrue(e.getMessage().contains("leaves 10 for training and 0 for validation"), e.getMessage());
        assertEquals(1, ds.split(0.05, 1).validation().size(), "the range's lower end holds one out");
        assertEquals(1, ds.split(0.949, 1).train().size(), "just below its upper end one trains");
        assertEquals(10, ds.split(0, 1).train().size(), "0 holds nothing out");
        e = assertThrows(IllegalArgumentException.class, () -> ds.subset(new int[] {3}).split(0.5, 1));
        assertTrue(e.getMessage().endsWith("both need at least one, so 1 sample cannot be split"), e.getMessage());
    }

    @Test
    void regressionTargetsWithShape() {
        TensorDataset ds = new TensorDataset(Tensor.arange(6).reshape(3, 2), Tensor.arange(6).reshape(3, 2).add(10));
        assertArrayEquals(new int[] {2}, ds.targetShape());
        DataLoader.Batch b = new DataLoader(ds, 2, false, false, null).iterator().next();
        assertArrayEquals(new int[] {2, 2}, b.targets().shape());
        assertArrayEquals(new float[] {10, 11, 12, 13}, b.targets().toFloatArray());
    }

    @Test
    void nextIntoAssemblesTheSameBatchesAsNextIntoTheCallersTensors() {
        DataLoader a = new DataLoader(images(), 4, true, false, new Generator(5));
        DataLoader b = new DataLoader(images(), 4, true, false, new Generator(5));
        DataLoader.Epoch ea = a.iterator(), eb = b.iterator();
        Tensor features = Tensor.zeros(4, 1, 2, 2), targets = Tensor.zeros(4);
        for (int batch = 0; batch < 2; batch++) {
            assertEquals(4, eb.nextSize());
            DataLoader.Batch expected = ea.next();
            assertEquals(4, eb.nextInto(features, targets));
            assertArrayEquals(expected.features().toFloatArray(), features.toFloatArray(), "batch " + batch);
            assertArrayEquals(expected.targets().toFloatArray(), targets.toFloatArray(), "batch " + batch);
        }
        assertEquals(2, eb.nextSize(), "the last batch holds the 2 samples left");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> eb.nextInto(features, targets));
        assertTrue(e.getMessage().contains("features must be float32 [2, 1, 2, 2] for the next batch, got FLOAT32 [4, 1, 2, 2]"),
                e.getMessage());
        assertEquals(2, eb.nextSize(), "a refused batch is not taken");
        assertEquals(2, eb.nextInto(Tensor.zeros(2, 1, 2, 2), Tensor.zeros(2)));
        assertEquals(0, eb.nextSize());
        assertFalse(eb.hasNext());
        assertThrows(java.util.NoSuchElementException.class, () -> eb.nextInto(features, targets));
    }
}
