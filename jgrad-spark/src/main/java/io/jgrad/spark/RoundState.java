package io.jgrad.spark;

import io.jgrad.nn.Sequential;
import io.jgrad.tensor.DType;
import io.jgrad.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A model's weights and its optimizer's state as the plain arrays a local-SGD round ships: {@code packed} holds the
 * weights ({@link FlatParameters} order) followed by every tensor buffer of the state (float32, as the optimizer
 * keeps them, so nothing is rounded); {@code scalars} holds the 0-d entries ({@code step}, {@code lr}, per-parameter
 * counters such as {@code 0.step}) in float64. {@code keys} names the tensor buffers, then the scalars, in
 * {@link io.jgrad.optim.Optimizer#stateDict()} order.
 */
record RoundState(String[] keys, float[] packed, double[] scalars) {

    /** Packs {@code net}'s weights and {@code stateDict} (from an optimizer over {@code net}'s parameters). */
    static RoundState pack(Sequential net, Map<String, Tensor> stateDict) {
        List<String> tensorKeys = new ArrayList<>(), scalarKeys = new ArrayList<>();
        List<Double> scalarValues = new ArrayList<>();
        int size = FlatParameters.count(net);
        for (var e : stateDict.entrySet()) {
            if (e.getValue().dim() == 0) {
                scalarKeys.add(e.getKey());
                scalarValues.add(e.getValue().item());
            } else {
                tensorKeys.add(e.getKey());
                size += e.getValue().numel();
            }
        }
        float[] packed = Arrays.copyOf(FlatParameters.pack(net), size);
        int offset = FlatParameters.count(net);
        for (String key : tensorKeys) {
            float[] v = stateDict.get(key).toFloatArray();
            System.arraycopy(v, 0, packed, offset, v.length);
            offset += v.length;
        }
        tensorKeys.addAll(scalarKeys);
        return new RoundState(tensorKeys.toArray(new String[0]), packed,
                scalarValues.stream().mapToDouble(Double::doubleValue).toArray());
    }

    /**
     * The optimizer state in {@code packed} (after the weights) and {@code scalars}, as tensors for
     * {@link io.jgrad.optim.Optimizer#loadStateDict}: buffer {@code "i.name"} gets parameter i's shape.
     */
    static LinkedHashMap<String, Tensor> unpack(float[] packed, String[] keys, double[] scalars, Sequential net) {
        List<Tensor> params = List.copyOf(net.namedParameters().values());
        int tensors = keys.length - scalars.length;
        int offset = FlatParameters.count(net);
        LinkedHashMap<String, Tensor> out = new LinkedHashMap<>();
        for (int i = 0; i < tensors; i++) {
            int[] shape = params.get(Integer.parseInt(keys[i].substring(0, keys[i].indexOf('.')))).shape();
            int numel = Arrays.stream(shape).reduce(1, Math::multiplyExact);
            out.put(keys[i], Tensor.wrap(Arrays.copyOfRange(packed, offset, offset + numel), shape));
            offset += numel;
        }
        if (offset != packed.length) {
            throw new IllegalArgumentException("RoundState.unpack: " + packed.length + " packed values but the weights and"
                    + " buffers " + Arrays.toString(Arrays.copyOf(keys, tensors)) + " take " + offset);
        }
        for (int i = tensors; i < keys.length; i++) {
            out.put(keys[i], Tensor.scalar(DType.FLOAT64, scalars[i - tensors]));
        }
        return out;
    }
}
