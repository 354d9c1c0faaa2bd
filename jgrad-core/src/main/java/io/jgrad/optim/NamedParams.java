package io.jgrad.optim;

import io.jgrad.tensor.Tensor;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/** The parameters an optimizer updates, with a name for each (from a map, or "param i" for a plain list). */
record NamedParams(List<Tensor> tensors, List<String> names) {

    static NamedParams of(List<Tensor> params) {
        if (params == null) {
            throw new IllegalArgumentException("optimizer: params is null; pass the list of parameter tensors");
        }
        List<String> names = new ArrayList<>();
        for (int i = 0; i < params.size(); i++) {
            Tensor p = params.get(i);
            names.add(p != null && p.label() != null ? p.label() : "param " + i);
        }
        return checked(new ArrayList<>(params), names);
    }

    static NamedParams of(Map<String, Tensor> params) {
        if (params == null) {
            throw new IllegalArgumentException("optimizer: params is null; pass the map of named parameter tensors");
        }
        return checked(new ArrayList<>(params.values()), new ArrayList<>(params.keySet()));
    }

    private static NamedParams checked(List<Tensor> tensors, List<String> names) {
        if (tensors.isEmpty()) {
            throw new IllegalArgumentException("optimizer: got an empty parameter list; pass the model's parameters");
        }
        Map<Tensor, Integer> seen = new IdentityHashMap<>();
        for (int i = 0; i < tensors.size(); i++) {
            Tensor p = tensors.get(i);
            String where = "parameter " + i + " ('" + names.get(i) + "')";
            if (p == null) {
                throw new IllegalArgumentException("optimizer: " + where + " is null");
            }
            // a frozen leaf (requiresGrad false) is accepted as in PyTorch: it gets no gradient, so steps skip it
            if (!p.isLeaf()) {
                throw new IllegalArgumentException("optimizer: " + where + " must be a leaf tensor (a parameter), but it was"
                        + " computed by '" + p.gradFn().op() + "'");
            }
            Integer before = seen.put(p, i);
            if (before != null) {
                throw new IllegalArgumentException("optimizer: " + where + " is the same tensor as parameter " + before
                        + " ('" + names.get(before) + "'); pass each parameter once");
            }
        }
        return new NamedParams(List.copyOf(tensors), List.copyOf(names));
    }
}
