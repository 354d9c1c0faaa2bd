package io.jgrad.nn;

import io.jgrad.tensor.Generator;
import io.jgrad.tensor.Tensor;
import java.util.Arrays;

/**
 * A fully connected layer: y = x W^T + b, for x of shape [*, in] and y of shape [*, out]. The weight W has shape
 * [out, in] and the bias b shape [out], as in PyTorch, so state dicts are interchangeable.
 *
 * <p>Initialisation is PyTorch's: W ~ U(-1/sqrt(in), 1/sqrt(in)) (kaiming_uniform with a = sqrt(5)) and
 * b ~ U(-1/sqrt(in), 1/sqrt(in)), W drawn first, both in row-major order. Without a generator, each layer draws
 * from the process-wide {@link Generator#defaultGenerator()} (seeded with {@link Generator#DEFAULT_SEED}; reset it
 * with {@link Generator#manualSeed}), so layers differ from each other and a program gets the same weights on
 * every run; pass a generator to control it explicitly.
 */
public class Linear extends Module {

    private final int in;
    private final int out;
    private final boolean hasBias;

    /** A layer with bias, initialised from {@code Generator.defaultGenerator()}. */
    public Linear(int in, int out) {
        this(in, out, true);
    }

    /** A layer with or without bias, initialised from {@code Generator.defaultGenerator()}. */
    public Linear(int in, int out, boolean bias) {
        this(in, out, bias, Generator.defaultGenerator());
    }

    /** A layer initialised from {@code gen}. Modified: gen (advanced by in*out (+ out) draws). */
    public Linear(int in, int out, boolean bias, Generator gen) {
        if (in <= 0 || out <= 0) {
            throw new IllegalArgumentException("Linear: in_features and out_features must be positive, got in=" + in
                    + ", out=" + out);
        }
        if (gen == null) {
            throw new IllegalArgumentException("Linear: generator is null");
        }
        this.in = in;
        this.out = out;
        this.hasBias = bias;
        Tensor w = registerParameter("weight", Tensor.zeros(out, in));
        Init.kaimingUniform(w, Math.sqrt(5), FanMode.FAN_IN, "leaky_relu", gen);
        if (bias) {
            double bound = 1 / Math.sqrt(in);
            Init.uniform(registerParameter("bias", Tensor.zeros(out)), -bound, bound, gen);
        }
    }

    @Override
    public Tensor forward(Tensor x) {
        requireInput(x);
        if (x.dim() == 0 || x.size(-1) != in) {
            throw new IllegalArgumentException("Linear(in_features=" + in + ", out_features=" + out + "): input of shape "
                    + Arrays.toString(x.shape()) + " must have last dimension " + in);
        }
        return Tensor.linear(x, weight(), bias());
    }

    /** The weight W, shape [out, in]. */
    public Tensor weight() {
        return param("weight");
    }

    /** The bias b, shape [out], or null for a layer built without bias. */
    public Tensor bias() {
        return hasBias ? param("bias") : null;
    }

    /** The input size {@code in}. */
    public int inFeatures() {
        return in;
    }

    /** The output size {@code out}. */
    public int outFeatures() {
        return out;
    }

    @Override
    protected String extraRepr() {
        return "in_features=" + in + ", out_features=" + out + ", bias=" + pythonRepr(hasBias);
    }
}
