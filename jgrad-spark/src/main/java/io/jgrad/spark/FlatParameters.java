package io.jgrad.spark;

import io.jgrad.nn.Module;
import io.jgrad.tensor.Tensor;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * A model's state as one float array: its parameters in {@link Module#namedParameters()} order, then its buffers
 * (a batch norm layer's running_mean, running_var and num_batches_tracked) in {@link Module#stateDict()} order, each
 * row-major. It is the form in which weights travel between the driver and the executors (a plain array, never a
 * serialized jgrad object). An MLP has no buffers: its array is its parameters.
 */
final class FlatParameters {
    private FlatParameters() {}

    /** Total number of values: parameters, then buffers. */
    static int count(Module model) {
        return Math.toIntExact(model.parameterCount() + bufferCount(model));
    }

    /** Number of parameter values: where the buffers start in the array. */
    static int parameterCount(Module model) {
        return Math.toIntExact(model.parameterCount());
    }

    /** The model's buffers by dotted name, in state-dict order: every entry of the state dict that is no parameter. */
    static LinkedHashMap<String, Tensor> buffers(Module model) {
        Set<Tensor> params = Collections.newSetFromMap(new IdentityHashMap<>());
        params.addAll(model.namedParameters().values());
        LinkedHashMap<String, Tensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : model.stateDict().entrySet()) {
            if (!params.contains(e.getValue())) {
                out.put(e.getKey(), e.getValue());
            }
        }
        return out;
    }

    private static long bufferCount(Module model) {
        long n = 0;
        for (Tensor b : buffers(model).values()) {
            n += b.numel();
        }
        return n;
    }

    /** A copy of every parameter, then every buffer, concatenated. */
    static float[] pack(Module model) {
        float[] out = new float[count(model)];
        int offset = 0;
        for (Tensor p : model.namedParameters().values()) {
            float[] v = p.toFloatArray();
            System.arraycopy(v, 0, out, offset, v.length);
            offset += v.length;
        }
        for (Tensor b : buffers(model).values()) {
            float[] v = b.toFloatArray();
            System.arraycopy(v, 0, out, offset, v.length);
            offset += v.length;
        }
        return out;
    }

    /** Overwrites every parameter and buffer with its slice of {@code values}. Modified: the model's tensors. */
    static void unpack(float[] values, Module model) {
        if (values.length != count(model)) {
            throw new IllegalArgumentException("FlatParameters.unpack: " + values.length + " values for a model with "
                    + count(model) + " parameter and buffer values; the weights belong to another architecture");
        }
        int offset = 0;
        try (var scope = Tensor.noGrad()) {
            for (Tensor p : model.namedParameters().values()) {
                float[] storage = p.floatStorage();
                System.arraycopy(values, offset, storage, 0, storage.length);
                offset += storage.length;
            }
            for (Tensor b : buffers(model).values()) {
                int n = b.numel();
                float[] v = new float[n];
                System.arraycopy(values, offset, v, 0, n);
                b.copy_(Tensor.wrap(v, b.shape())); // converts to the buffer's dtype
                offset += n;
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
