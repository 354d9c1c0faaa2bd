package io.jgrad.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import org.junit.jupiter.api.Test;

/**
 * The in-place ops that optimizers use round in float32 as PyTorch's CPU kernels do; the expected values were
 * printed by PyTorch 1.13 (e.g. {@code torch.zeros(1).addcmul_(torch.tensor([3.]), torch.tensor([.7]), value=0.1)}).
 */
class InPlaceRoundingTest {
    @Test
    void divDividesInsteadOfMultiplyingByTheReciprocal() {
        Tensor x = Tensor.of(new float[] {5, 7, 10, 0.3f});
        x.div_(3.0);
        // x * (1/3) would give 1.6666667, 2.3333335, 3.3333335, 0.10000001
        assertArrayEquals(new float[] {1.6666666f, 2.3333333f, 3.3333333f, 0.1f}, x.toFloatArray());
    }

    @Test
    void addcmulAndAddcdivAssociateTheScalarWithTheFirstTensor() {
        Tensor t1 = Tensor.of(new float[] {3});
        Tensor t2 = Tensor.of(new float[] {0.7f});
        // (0.1 * 3) * 0.7 = 0.21000001 in float32; 0.1 * (3 * 0.7) would give 0.21
        assertArrayEquals(new float[] {0.21000001f}, Tensor.zeros(1).addcmul_(t1, t2, 0.1).toFloatArray());
        // (0.1 * 3) / 0.7 = 0.42857146; 0.1 * (3 / 0.7) would give 0.42857143
        assertArrayEquals(new float[] {0.42857146f}, Tensor.zeros(1).addcdiv_(t1, t2, 0.1).toFloatArray());
    }
}
