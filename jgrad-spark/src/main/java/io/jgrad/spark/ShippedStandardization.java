package io.jgrad.spark;

import io.jgrad.data.Standardization;
import java.io.Serializable;

/**
 * A {@link Standardization} as a task's closure carries it to the executors: Spark serializes closures with Java
 * serialization, which jgrad-core's classes do not take part in (the product never deserializes objects from files),
 * so the numbers travel and each executor builds the Standardization once.
 */
final class ShippedStandardization implements Serializable {
    private final double[] mean;
    private final double[] std;
    private final boolean perColumn;
    private transient Standardization value;

    ShippedStandardization(Standardization s) {
        this.mean = s.mean();
        this.std = s.std();
        this.perColumn = s.perColumn();
    }

    /** The Standardization shipped, built on first use where this copy lives. */
    Standardization get() {
        if (value == null) {
            value = new Standardization(mean, std, perColumn);
        }
        return value;
    }
}
