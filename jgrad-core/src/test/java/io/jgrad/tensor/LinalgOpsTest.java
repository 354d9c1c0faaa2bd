package io.jgrad.tensor;

import static io.jgrad.tensor.TensorAssertions.assertOp;
import static io.jgrad.tensor.TensorAssertions.assertValues;
import static io.jgrad.tensor.TensorAssertions.randn;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class LinalgOpsTest {
    /** Reference product of the last two dims of row-major [batch..., m, k] and [batch..., k, n], same batch. */
    private static double[] reference(double[] a, double[] b, int batch, int m, int k, int n) {
        double[] c = new double[batch * m * n];
        for (int t = 0; t < batch; t++) {
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    double s = 0;
                    for (int p = 0; p < k; p++) {
                        s += a[(t * m + i) * k + p] * b[(t * k + p) * n + j];
                    }
                    c[(t * m + i) * n + j] = s;
                }
            }
        }
        return c;
    }

    @Test
    void matmul2dForwardAndGradCheck() {
        Tensor a = randn(1, 3, 4), b = randn(2, 4, 5);
        assertValues(reference(a.toDoubleArray(), b.toDoubleArray(), 1, 3, 4, 5), a.matmul(b), 1e-14);
        assertOp(v -> v[0].matmul(v[1]), a, b);
        assertOp(v -> v[0].t().matmul(v[1]), randn(3, 4, 3), b); // transposed A
        assertOp(v -> v[0].matmul(v[1].t()), a, randn(4, 5, 4)); // transposed B
        assertOp(v -> v[0].t().matmul(v[1].t()), randn(5, 4, 3), randn(6, 5, 4));
        assertOp(v -> v[0].slice(1, 1, 5).matmul(v[1].slice(0, 2, 6)), randn(7, 3, 6), randn(8, 7, 5)); // sliced
        assertOp(v -> v[0].expand(3, 4).matmul(v[1]), randn(9, 1, 4), b); // stride-0 rows
    }

    @Test
    void matmulBatchedAndBroadcastBatch() {
        Tensor a = randn(10, 2, 3, 4), b = randn(11, 2, 4, 5);
        assertValues(reference(a.toDoubleArray(), b.toDoubleArray(), 2, 3, 4, 5), a.matmul(b), 1e-14);
        assertOp(v -> v[0].matmul(v[1]), a, b);
        assertOp(v -> v[0].matmul(v[1]), randn(12, 2, 3, 4, 5), randn(13, 5, 6));
        assertOp(v -> v[0].matmul(v[1]), randn(14, 3, 4), randn(15, 2, 4, 5));
        assertOp(v -> v[0].matmul(v[1]), randn(16, 2, 1, 3, 4), randn(17, 3, 4, 2)); // [2,1] x [3] batch
        assertOp(v -> v[0].transpose(-1, -2).matmul(v[1].permute(1, 0, 2)), randn(18, 2, 4, 3), randn(19, 4, 2, 5));
        Tensor y = randn(20, 2, 3, 4, 5).matmul(randn(21, 5, 6));
        assertArrayEquals(new int[] {2, 3, 4, 6}, y.shape());
    }

    @Test
    void matmulWithVectors() {
        Tensor v1 = randn(22, 4), v2 = randn(23, 4), m = randn(24, 4, 3), mt = randn(25, 3, 4);
        // bug: vector x vector threw (squeeze(-2) of a 1-D result); PyTorch gives the 0-d dot product
        Tensor dot = v1.matmul(v2);
        assertEquals(0, dot.dim());
        double expected = 0;
        for (int i = 0; i < 4; i++) {
            expected += v1.get(i) * v2.get(i);
        }
        assertEquals(expected, dot.item(), 1e-14);
        assertOp(v -> v[0].matmul(v[1]), v1, v2);
        assertArrayEquals(new int[] {3}, v1.matmul(m).shape());
        assertArrayEquals(new int[] {3}, mt.matmul(v1).shape());
        assertOp(v -> v[0].matmul(v[1]), v1, m);
        assertOp(v -> v[0].matmul(v[1]), mt, v1);
        assertOp(v -> v[0].matmul(v[1]), v1, randn(26, 2, 4, 3)); // -> [2,3]
        assertOp(v -> v[0].matmul(v[1]), randn(27, 2, 3, 4), v2); // -> [2,3]
        assertArrayEquals(new int[] {2, 3}, v1.matmul(randn(26, 2, 4, 3)).shape());
    }

    @Test
    void matmulShapeErrorsNameShapes() {
        var e = assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(2, 3).matmul(Tensor.zeros(4, 5)));
        assertTrue(e.getMessage().contains("matmul") && e.getMessage().contains("[2, 3]") && e.getMessage().contains("[4, 5]"),
                e.getMessage());
        var b = assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(2, 3, 4).matmul(Tensor.zeros(3, 4, 5)));
        assertTrue(b.getMessage().contains("matmul"), b.getMessage());
        var s = assertThrows(IllegalArgumentException.class, () -> Tensor.scalar(1).matmul(Tensor.zeros(3)));
        assertTrue(s.getMessage().contains("matmul"), s.getMessage());
        // bug: 1-D operands were named by the matrices made of them ("[1, 3] x [4, 1]"), batch dims without the shapes
        var v = assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(3).matmul(Tensor.zeros(4)));
        assertTrue(v.getMessage().contains("[3] x [4]") && v.getMessage().contains("3 and 4"), v.getMessage());
        var mv = assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(5, 2, 3).matmul(Tensor.zeros(4)));
        assertTrue(mv.getMessage().contains("[5, 2, 3] x [4]"), mv.getMessage());
        var vm = assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(3).matmul(Tensor.zeros(4, 5)));
        assertTrue(vm.getMessage().contains("[3] x [4, 5]"), vm.getMessage());
        assertTrue(b.getMessage().contains("[2, 3, 4] x [3, 4, 5]") && b.getMessage().contains("batch"), b.getMessage());
    }
}
