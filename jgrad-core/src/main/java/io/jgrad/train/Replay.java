package io.jgrad.train;

import io.jgrad.nn.Module;
import io.jgrad.tensor.CapturedStep;
import io.jgrad.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * When the {@link Trainer} records its step, and whether the recorded one still fits the next batch. It records the
 * second step of a batch size seen twice in a row (the first builds the gradients' memory that the recording then
 * writes into); the recording is dropped when a module's mode or a parameter's requiresGrad changes (a callback that
 * freezes a layer), and taken again at the next steps. A step that cannot be replayed is not recorded again.
 */
final class Replay {
    private final Module[] modules;
    private final Tensor[] params;
    private final boolean[] modes;
    private final boolean[] requires;
    private CapturedStep step;
    private boolean refused;
    private int lastSize = -1;

    Replay(Module model, List<Tensor> params) {
        List<Module> all = new ArrayList<>();
        Trainer.modulesOf(model, all);
        this.modules = all.toArray(Module[]::new);
        this.params = params.toArray(Tensor[]::new);
        this.modes = new boolean[modules.length];
        this.requires = new boolean[this.params.length];
    }

    /** The recorded step if it can train the next batch, of batchSize samples; otherwise null. */
    CapturedStep usable(int batchSize) {
        if (step != null && (!sameGraph() || step.refusal() != null)) {
            step = null;
            lastSize = -1;
        }
        return step != null && step.input(0).size(0) == batchSize ? step : null;
    }

    /** Whether to record the step about to run on a batch of batchSize samples. */
    boolean recordNow(int batchSize) {
        boolean now = !refused && step == null && batchSize == lastSize;
        lastSize = batchSize;
        return now;
    }

    /** Keeps a step just recorded, if it can be replayed; returns why not, or null. */
    String recorded(CapturedStep s) {
        String why = s.refusal();
        if (why != null) {
            refused = true;
            return why;
        }
        step = s;
        for (int i = 0; i < modules.length; i++) {
            modes[i] = modules[i].isTraining();
        }
        for (int i = 0; i < params.length; i++) {
            requires[i] = params[i].requiresGrad();
        }
        return null;
    }

    private boolean sameGraph() {
        for (int i = 0; i < modules.length; i++) {
            if (modules[i].isTraining() != modes[i]) {
                return false;
            }
        }
        for (int i = 0; i < params.length; i++) {
            if (params[i].requiresGrad() != requires[i]) {
                return false;
            }
        }
        return true;
    }
}
