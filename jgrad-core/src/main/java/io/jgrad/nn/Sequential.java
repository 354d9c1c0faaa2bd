package io.jgrad.nn;

import io.jgrad.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;

/** Modules applied one after another: forward(x) = m_{n-1}(... m_1(m_0(x))). Children are named "0", "1", .... */
public class Sequential extends Module {
    private final List<Module> layers = new ArrayList<>();

    /** A chain of the given modules, in order. */
    public Sequential(Module... layers) {
        for (Module m : layers) {
            add(m);
        }
    }

    /** Appends a module, named by its position. Modified: this. Returns this. */
    public Sequential add(Module m) {
        if (m == null) {
            // the usual source: Activations.hidden or output given a name it does not know
            throw new IllegalArgumentException("Sequential.add: module " + layers.size() + " is null (Activations.hidden"
                    + " and Activations.output return null for an unknown name; hidden: " + Activations.HIDDEN_NAMES
                    + "; output: " + Activations.OUTPUT_NAMES + ")");
        }
        registerModule(String.valueOf(layers.size()), m);
        layers.add(m);
        return this;
    }

    /** The module at position i. */
    public Module get(int i) {
        if (i < 0 || i >= layers.size()) {
            throw new IndexOutOfBoundsException("Sequential.get: index " + i + " out of range for " + layers.size()
                    + " modules");
        }
        return layers.get(i);
    }

    /** Number of modules. */
    public int size() {
        return layers.size();
    }

    @Override
    public Tensor forward(Tensor x) {
        requireInput(x);
        for (int i = 0; i < layers.size(); i++) { // by index: the list's iterator was an allocation per forward (JFR)
            x = layers.get(i).forward(x);
        }
        return x;
    }
}
