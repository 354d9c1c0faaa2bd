package io.jgrad.spark;

import io.jgrad.nn.Module;
import io.jgrad.tensor.Tensor;

/**
 * A model's parameters as one float array, in {@link Module#namedParameters()} order, row-major: the form in
 * which weights travel between the driver and the executors (a plain array, never a serialized jgrad object).
 */
final class FlatParameters {
    private FlatParameters() {}

    /** Total number of parameter values. */
    static int count(Module model) {
        return Math.toIntExact(model.parameterCount());
    }

    /** A copy of every parameter, concatenated. */
    static float[] pack(Module model) {
        float[] out = new float[count(model)];
        int offset = 0;
        for (Tensor p : model.namedParameters().values()) {
            float[] v = p.toFloatArray();
            System.arraycopy(v, 0, out, offset, v.length);
            offset += v.length;
        }
        return out;
    }

    /** Overwrites every parameter with its slice of {@code values}. Modified: the model's parameters. */
    static void unpack(float[] values, Module model) {
        if (values.length != count(model)) {
            throw new IllegalArgumentException("FlatParameters.unpack: " + values.length + " values for a model with "
                    + count(model) + " parameters; the weights belong to another architecture");
        }
        int offset = 0;
        try (var scope = Tensor.noGrad()) {
            for (Tensor p : model.namedParameters().values()) {
                float[] storage = p.floatStorage();
                System.arraycopy(values, offset, storage, 0, storage.length);
                offset += storage.length;
            }
        }
    }

    /** Copies {@code source[offset .. offset+numel)} divided by {@code divisor} into a new float32 tensor of {@code shape}. */
    static Tensor slice(double[] source, int offset, int[] shape, double divisor) {
        int n = 1;
        for (int s : shape) {
            n *= s;
        }
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = (float) (source[offset + i] / divisor);
        }
        return Tensor.wrap(out, shape);
    }
}
