package io.jgrad.nn;

import io.jgrad.tensor.Generator;
import io.jgrad.tensor.Tensor;
import java.util.Arrays;

/**
 * Channel dropout, as PyTorch's {@code nn.Dropout2d}: in training mode each channel x[n, c] of an [N, C, H, W]
 * input is zeroed as a whole with probability p and the kept channels are scaled by 1 / (1 - p); in evaluation
 * mode it is the identity. The mask draws one {@code gen.nextDouble()} per (n, c) in row-major order (dropped
 * when it is below p; no draws for p = 1, which drops every channel), so a seed fixes the masks.
 */
public class Dropout2d extends Module {
    private final double p;
    private final Generator gen;

    /** Channel dropout with probability p, masks drawn from {@link Generator#defaultGenerator()}. */
    public Dropout2d(double p) {
        this(p, Generator.defaultGenerator());
    }

    /** Channel dropout with probability p in [0, 1] (1 zeroes everything, as PyTorch), masks drawn from gen (advanced on every training forward). */
    public Dropout2d(double p, Generator gen) {
        if (!(p >= 0 && p <= 1)) {
            throw new IllegalArgumentException("Dropout2d: probability p must be in [0, 1], got " + p);
        }
        if (gen == null) {
            // here, rather than as a NullPointerException at the first training forward
            throw new IllegalArgumentException("Dropout2d: generator is null");
        }
        this.p = p;
        this.gen = gen;
    }

    /**
     * In training mode (and p &gt; 0) x [N, C, H, W] times a per-channel mask, same shape; otherwise x itself.
     * Modified: the generator, in training mode with 0 &lt; p &lt; 1.
     */
    @Override
    public Tensor forward(Tensor x) {
        requireInput(x);
        if (x.dim() != 4) {
            throw new IllegalArgumentException("Dropout2d: input " + Arrays.toString(x.shape()) + " must be [N, C, H, W]");
        }
        if (!isTraining() || p == 0) {
            return x;
        }
        // the [N, C, 1, 1] mask is dropout applied to ones: the same draws, and drawn under one lock of gen for the
        // whole mask (threads may share a generator), not one per channel
        Tensor mask = Tensor.ones(x.dtype(), x.size(0), x.size(1), 1, 1).dropout(p, gen);
        return x.mul(mask);
    }

    @Override
    protected String extraRepr() {
        return "p=" + pythonRepr(p) + ", inplace=False"; // as PyTorch prints it: jgrad never drops in place
    }
}
