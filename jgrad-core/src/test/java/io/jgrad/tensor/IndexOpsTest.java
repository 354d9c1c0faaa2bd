package io.jgrad.tensor;

import static io.jgrad.tensor.TensorAssertions.assertOp;
import static io.jgrad.tensor.TensorAssertions.assertValues;
import static io.jgrad.tensor.TensorAssertions.randn;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class IndexOpsTest {
    @Test
    void indexSelectWithRepeatedIndices() {
        Tensor x = Tensor.arange(DType.FLOAT64, 12).reshape(4, 3).requiresGrad(true);
        Tensor y = x.indexSelect(0, 2, 0, 2, 2);
        assertValues(new double[] {6, 7, 8, 0, 1, 2, 6, 7, 8, 6, 7, 8}, y, 0);
        y.sum().backward();
        assertValues(new double[] {1, 1, 1, 0, 0, 0, 3, 3, 3, 0, 0, 0}, x.grad(), 0);
        assertOp(v -> v[0].indexSelect(0, 3, 1, 1, 0, 3), randn(1, 4, 3));
        assertOp(v -> v[0].indexSelect(1, 2, 2, 0), randn(2, 2, 3, 2));
        assertOp(v -> v[0].indexSelect(-1, 0, 0), randn(3, 2, 3));
        assertOp(v -> v[0].t().indexSelect(0, 1, 1), randn(4, 3, 2)); // on a transposed view
    }

    @Test
    void gatherAlongEachDim() {
        Tensor x = Tensor.of(new double[] {1, 2, 3, 4, 5, 6}, 2, 3);
        Tensor idx = Tensor.of(new float[] {2, 0, 1, 1}, 2, 2);
        assertValues(new double[] {3, 1, 5, 5}, x.gather(1, idx), 0);
        Tensor idx0 = Tensor.of(new double[] {1, 0, 1}, 1, 3);
        assertValues(new double[] {4, 2, 6}, x.gather(0, idx0), 0);
        assertOp(v -> v[0].gather(1, idx), randn(5, 2, 3));
        assertOp(v -> v[0].gather(0, idx0), randn(6, 2, 3));
        Tensor rep = Tensor.of(new double[] {0, 0, 0, 2, 2, 1, 1, 1}, 2, 2, 2);
        assertOp(v -> v[0].gather(1, rep), randn(7, 2, 3, 2));
        assertOp(v -> v[0].permute(1, 0, 2).gather(-2, rep), randn(8, 3, 2, 2)); // on a permuted view, negative dim
        assertArrayEquals(new int[] {2, 2}, x.gather(1, idx).shape());
    }

    @Test
    void indexErrorsAreClear() {
        Tensor x = Tensor.zeros(2, 3);
        var e = assertThrows(IndexOutOfBoundsException.class, () -> x.indexSelect(1, 3));
        assertTrue(e.getMessage().contains("indexSelect") && e.getMessage().contains("3"), e.getMessage());
        var g = assertThrows(IndexOutOfBoundsException.class, () -> x.gather(1, Tensor.of(new float[] {0, 3}, 2, 1)));
        assertTrue(g.getMessage().contains("gather"), g.getMessage());
        var f = assertThrows(IndexOutOfBoundsException.class, () -> x.gather(1, Tensor.of(new float[] {0.5f, 1}, 2, 1)));
        assertTrue(f.getMessage().contains("gather") && f.getMessage().contains("0.5"), f.getMessage());
        var s = assertThrows(IllegalArgumentException.class, () -> x.gather(1, Tensor.zeros(3, 1)));
        assertTrue(s.getMessage().contains("gather") && s.getMessage().contains("[3, 1]"), s.getMessage());
    }
}
