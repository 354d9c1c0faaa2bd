package io.jgrad.nn;

import io.jgrad.tensor.Generator;
import io.jgrad.tensor.Tensor;

/**
 * Inverted dropout: in training mode each element is zeroed with probability p and the survivors are scaled by
 * 1 / (1 - p), so the expected output equals the input and evaluation needs no rescaling; in evaluation mode it
 * is the identity. The mask draws one {@code gen.nextDouble()} per element in row-major order (zeroed when it is
 * below p; no draws for p = 1, which zeroes everything), so a seed fixes the masks.
 */
public class Dropout extends Module {
    private final double p;
    private final Generator gen;

    /** Dropout with probability p, masks drawn from {@code Generator.defaultGenerator()}. */
    public Dropout(double p) {
        this(p, Generator.defaultGenerator());
    }

    /** Dropout with probability p in [0, 1] (1 zeroes everything, as PyTorch), masks drawn from gen (advanced on every training forward). */
    public Dropout(double p, Generator gen) {
        if (!(p >= 0 && p <= 1)) {
            throw new IllegalArgumentException("Dropout: probability p must be in [0, 1], got " + p);
        }
        if (gen == null) {
            // here, rather than as a NullPointerException at the first training forward
            throw new IllegalArgumentException("Dropout: generator is null");
        }
        this.p = p;
        this.gen = gen;
    }

    /**
     * In training mode (and p &gt; 0) x with the dropout mask applied, same shape; otherwise x itself. Modified: the
     * generator, in training mode with 0 &lt; p &lt; 1.
     */
    @Override
    public Tensor forward(Tensor x) {
        requireInput(x);
        if (!isTraining() || p == 0) {
            return x;
        }
        return x.dropout(p, gen);
    }

    @Override
    protected String extraRepr() {
        return "p=" + pythonRepr(p) + ", inplace=False"; // as PyTorch prints it: jgrad never drops in place
    }
}
