package io.jgrad.optim;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** The options an optimizer or scheduler records in its state dict, in the order given. */
final class Options {
    private Options() {}

    /** An unmodifiable map of alternating names (String) and values (Number), in that order. */
    static Map<String, Double> of(Object... namesAndValues) {
        Map<String, Double> out = new LinkedHashMap<>();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            out.put((String) namesAndValues[i], ((Number) namesAndValues[i + 1]).doubleValue());
        }
        return Collections.unmodifiableMap(out);
    }
}
