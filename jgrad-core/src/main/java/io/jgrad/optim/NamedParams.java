package io.jgrad.optim;

import io.jgrad.tensor.Tensor;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * The parameters an optimizer updates, with a name for each (from a map, or the label or "param i" for a plain list),
 * as given: null when params was null; {@link #checked} validates them.
 */
record NamedParams(List<Tensor> tensors, List<String> names) {

    static NamedParams of(List<Tensor> params) {
        if (params == null) {
            return new NamedParams(null, null);
        }
        List<String> names = new ArrayList<>();
        for (int i = 0; i < params.size(); i++) {
            Tensor p = params.get(i);
            names.add(p != null && p.label() != null ? p.label() : "param " + i);
        }
        return new NamedParams(new ArrayList<>(params), names);
    }

    static NamedParams of(Map<String, Tensor> params) {
        if (params == null) {
            return new NamedParams(null, null);
        }
        return new NamedParams(new ArrayList<>(params.values()), new ArrayList<>(params.keySet()));
    }

    /**
     * These parameters checked (not null, not empty, leaves, each once) and made immutable; {@code who} (the
     * optimizer's class) begins every message.
     */
    NamedParams checked(String who) {
        if (tensors == null) {
            throw new IllegalArgumentException(who + ": params is null; pass the model's parameters() or namedParameters()");
        }
        if (tensors.isEmpty()) {
            // a Module finds only what its constructor registered: a layer kept in a plain field is not among them
            throw new IllegalArgumentException(who + ": got an empty parameter list; pass the model's parameters() (a"
                    + " Module subclass must register its layers with registerModule and its own tensors with"
                    + " registerParameter, or parameters() does not find them)");
        }
        Map<Tensor, Integer> seen = new IdentityHashMap<>();
        for (int i = 0; i < tensors.size(); i++) {
            Tensor p = tensors.get(i);
            String where = "parameter " + i + " ('" + names.get(i) + "')";
            if (p == null) {
                throw new IllegalArgumentException(who + ": " + where + " is null");
            }
            // a frozen leaf (requiresGrad false) is accepted as in PyTorch: it gets no gradient, so steps skip it
            if (!p.isLeaf()) {
                throw new IllegalArgumentException(who + ": " + where + " must be a leaf tensor (a parameter), but it was"
                        + " computed by '" + p.gradFn().op() + "'");
            }
            Integer before = seen.put(p, i);
            if (before != null) {
                throw new IllegalArgumentException(who + ": " + where + " is the same tensor as parameter " + before
                        + " ('" + names.get(before) + "'); pass each parameter once");
            }
        }
        return new NamedParams(List.copyOf(tensors), List.copyOf(names));
    }
}
