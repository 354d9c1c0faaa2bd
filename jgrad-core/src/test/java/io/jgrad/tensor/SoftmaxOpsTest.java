package io.jgrad.tensor;

import static io.jgrad.tensor.TensorAssertions.assertOp;
import static io.jgrad.tensor.TensorAssertions.assertValues;
import static io.jgrad.tensor.TensorAssertions.randn;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class SoftmaxOpsTest {
    @Test
    void gradCheckOverDims() {
        for (int dim : new int[] {0, 1, -1}) {
            assertOp(v -> v[0].softmax(dim), randn(1, 3, 4));
            assertOp(v -> v[0].logSoftmax(dim), randn(2, 3, 4));
        }
        for (int dim : new int[] {0, 1, 2, -2}) {
            assertOp(v -> v[0].softmax(dim), randn(3, 2, 3, 4));
            assertOp(v -> v[0].logSoftmax(dim), randn(4, 2, 3, 4));
        }
        assertOp(v -> v[0].t().logSoftmax(1), randn(5, 4, 3)); // on a transposed view
        assertOp(v -> v[0].softmax(0), randn(6, 5));
    }

    @Test
    void forwardMatchesDefinition() {
        Tensor x = randn(7, 3, 4);
        double[] v = x.toDoubleArray(), expected = new double[12];
        for (int r = 0; r < 3; r++) {
            double s = 0;
            for (int j = 0; j < 4; j++) {
                s += Math.exp(v[r * 4 + j]);
            }
            for (int j = 0; j < 4; j++) {
                expected[r * 4 + j] = Math.exp(v[r * 4 + j]) / s;
            }
        }
        assertValues(expected, x.softmax(1), 1e-15);
        double[] logs = new double[12];
        for (int i = 0; i < 12; i++) {
            logs[i] = Math.log(expected[i]);
        }
        assertValues(logs, x.logSoftmax(-1), 1e-14);
        assertValues(new double[] {1, 1, 1, 1}, x.softmax(0).sum(0, false), 1e-15);
    }

    @Test
    void extremeLogitsStayFiniteAndCorrect() {
        for (DType dt : DType.values()) {
            Tensor x = Tensor.of(new double[] {1000, 0, -1000}).to(dt);
            assertValues(new double[] {0, -1000, -2000}, x.logSoftmax(0), 0);
            assertValues(new double[] {1, 0, 0}, x.softmax(0), 0);
            Tensor xg = Tensor.of(new double[] {1000, 0, -1000}).to(dt).requiresGrad(true);
            xg.logSoftmax(0).mul(Tensor.of(new double[] {1, 2, 3}).to(dt)).sum().backward();
            // d/dx_i sum_j w_j (x_j - lse) = w_i - softmax_i * sum(w) = [1 - 6, 2, 3]
            assertValues(new double[] {-5, 2, 3}, xg.grad(), 0);
        }
    }

    @Test
    void largeLogitsKeepFloat32Precision() {
        // x - max is exact here and log(sum) is small, so the result should be within an ulp of the float64 value;
        // subtracting a rounded max + log(sum) (an ulp of 1e4 is 1e-3) was 4e-4 off, where PyTorch is exact
        for (double offset : new double[] {-1e4, 1e4, 3e5}) {
            double[] row = {offset, offset + 1, offset + 2};
            double max = offset + 2, s = 0;
            for (double v : row) {
                s += Math.exp(v - max);
            }
            double[] expected = new double[3];
            for (int j = 0; j < 3; j++) {
                expected[j] = row[j] - max - Math.log(s);
            }
            Tensor x = Tensor.of(row).to(DType.FLOAT32);
            assertValues(expected, x.logSoftmax(0), 1e-6);
            double[] probabilities = new double[3];
            for (int j = 0; j < 3; j++) {
                probabilities[j] = Math.exp(expected[j]);
            }
            assertValues(probabilities, x.softmax(0), 1e-7);
        }
    }

    @Test
    void zeroDimensionalInputAsPyTorch() {
        // known edge: PyTorch gives softmax(0-d) = 1 and log_softmax(0-d) = 0, with zero gradient
        Tensor x = Tensor.scalar(DType.FLOAT64, 2.5).requiresGrad(true);
        assertEquals(1.0, x.softmax(0).item());
        assertEquals(1.0, x.softmax(-1).item());
        assertEquals(0.0, x.logSoftmax(0).item());
        assertEquals(0, x.logSoftmax(-1).dim());
        x.softmax(0).add(x.logSoftmax(-1)).backward();
        assertEquals(0.0, x.grad().item());
        assertOp(v -> v[0].softmax(0).mul(v[0]), Tensor.scalar(DType.FLOAT64, -0.7));
        assertOp(v -> v[0].logSoftmax(0).add(v[0]), Tensor.scalar(DType.FLOAT64, 0.3));
        assertTrue(Tensor.scalar(DType.FLOAT32, 1e30).logSoftmax(0).item() == 0);
    }
}
