package io.jgrad.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jgrad.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The statistics of --normalize (jgrad train's and jgrad-spark's), applied to tensors and to float arrays alike. */
class StandardizationTest {

    private static TensorDataset data(float[][] rows) {
        return new TensorDataset(Tensor.of(rows), Tensor.zeros(rows.length));
    }

    /**
     * Per column: the population mean and std, the digits of a column around 1e6 kept (two passes; E[x^2] - E[x]^2
     * in double keeps none of them), a constant column's std 1. Over all values: one mean and std of every value.
     */
    @Test
    void theStatisticsOfEachColumnOrOfAllValues() {
        float[][] rows = new float[8][];
        for (int i = 0; i < 8; i++) {
            rows[i] = new float[] {1e6f + i % 3, 0.25f * i, 7f};
        }
        Standardization columns = Standardization.of(data(rows), true);
        assertTrue(columns.perColumn());
        assertArrayEquals(new double[] {1e6 + 7 / 8.0, 0.875, 7}, columns.mean(), 1e-9);
        assertArrayEquals(new double[] {Math.sqrt(39 / 64.0), Math.sqrt(2.625 / 8), 1}, columns.std(), 1e-12);

        float[][] small = {{1, 2}, {3, 4}};
        Standardization all = Standardization.of(data(small), false);
        assertArrayEquals(new double[] {2.5}, all.mean());
        assertArrayEquals(new double[] {Math.sqrt(1.25)}, all.std(), 1e-15);
        assertEquals("mean 2.5000, std 1.1180", all.describe());
        assertEquals("per column", columns.describe());
    }

    /** Data of one value: over all values the std is the floor 1e-6, not 0, so that nothing is divided by 0. */
    @Test
    void dataOfOneValueIsNotDividedByZero() {
        Standardization all = Standardization.of(data(new float[][] {{3, 3}, {3, 3}}), false);
        assertArrayEquals(new double[] {1e-6}, all.std(), 1e-18);
        assertArrayEquals(new double[] {1}, Standardization.of(data(new float[][] {{3}, {3}}), true).std());
    }

    /** The centres of the first pass: each column's mean, or the mean of all values repeated. */
    @Test
    void centersOfTheFirstPass() {
        assertArrayEquals(new double[] {2, 3}, Standardization.centers(new double[] {4, 6}, 2, true));
        assertArrayEquals(new double[] {2.5, 2.5}, Standardization.centers(new double[] {4, 6}, 2, false));
    }

    /** apply on a tensor and on a float array give the same float32 bits, for one pair and for a pair per column. */
    @Test
    void aTensorAndAFloatArrayAreStandardizedAlike() {
        float[][] rows = {{0.1f, 7f, -3f}, {0.7f, 9f, 2.5f}};
        for (Standardization s : List.of(new Standardization(new double[] {0.1307}, new double[] {0.3081}, false),
                new Standardization(new double[] {0.1, 8, -0.25}, new double[] {0.3, 1.5, 2}, true))) {
            float[] expected = s.apply(Tensor.of(rows)).toFloatArray();
            float[] x = new float[8];
            System.arraycopy(new float[] {0.1f, 7f, -3f, 0.7f, 9f, 2.5f}, 0, x, 2, 6);
            s.apply(x, 2, 2, 3);
            float[] got = new float[6];
            System.arraycopy(x, 2, got, 0, 6);
            assertArrayEquals(expected, got, s.describe());
        }
        assertTrue(Standardization.NONE.isNone());
    }

    /** config.json's fields: two numbers, or two lists (also for one column). */
    @Test
    void configFieldsAreNumbersOrLists() {
        Map<String, Object> d = new LinkedHashMap<>();
        new Standardization(new double[] {0.5}, new double[] {2}, false).putInto(d);
        assertEquals(Map.of("normalize_mean", 0.5, "normalize_std", 2.0), d);
        new Standardization(new double[] {0.5}, new double[] {2}, true).putInto(d);
        assertEquals(Map.of("normalize_mean", List.of(0.5), "normalize_std", List.of(2.0)), d);
    }

    /** A std that is not positive, a mean that is not finite, or lengths that do not fit are refused. */
    @Test
    void refusesWhatCannotStandardize() {
        assertThrows(IllegalArgumentException.class, () -> new Standardization(new double[] {0}, new double[] {0}, false));
        assertThrows(IllegalArgumentException.class, () -> new Standardization(new double[] {Double.NaN}, new double[] {1}, false));
        assertThrows(IllegalArgumentException.class, () -> new Standardization(new double[] {0, 1}, new double[] {1, 1}, false));
        assertThrows(IllegalArgumentException.class, () -> new Standardization(new double[] {0, 1}, new double[] {1}, true));
        assertThrows(IllegalArgumentException.class, () -> new Standardization(null, new double[] {1}, true));
    }
}
