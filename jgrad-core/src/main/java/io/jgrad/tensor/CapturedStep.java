package io.jgrad.tensor;

import java.util.Arrays;
import java.util.function.Function;

/**
 * A training step (forward pass, loss, backward pass) recorded once and then replayed on new data of the same
 * shape. The recording runs the step as usual and keeps every kernel call it made, with its memory; a replay makes
 * the same calls again on that memory, without the ops, the graph or autograd, so it allocates nothing and skips the
 * step's bookkeeping. This is what {@code Trainer} does after a model's first steps; PyTorch's CUDA graphs are the
 * same idea.
 *
 * <pre>{@code
 * DataLoader.Epoch batches = loader.iterator();
 * DataLoader.Batch first = batches.next();
 * CapturedStep step = CapturedStep.record(in -> {  // runs the step once, on copies of the batch: gradients set
 *     Tensor loss = lossFn.forward(model.forward(in[0]), in[1]);
 *     loss.backward();
 *     return new Tensor[] {loss};
 * }, first.features(), first.targets());
 * optimizer.step();
 * while (batches.nextSize() == first.size()) {     // every later batch of the same size
 *     optimizer.zeroGrad();
 *     batches.nextInto(step.input(0), step.input(1));
 *     step.replay();
 *     double loss = step.output(0).item();
 *     optimizer.step();
 * }
 * }</pre>
 *
 * <p>A replay does what the recorded step did, with the values the inputs and the parameters hold now. It is only
 * right while the step would run the same kernels on the same tensors: the same modules in the same mode, the same
 * parameters requiring gradients, the parameters changed in place (as optimizers do), not replaced. A step that does
 * work in Java on the tensors' values (reads a value with item(), draws a dropout mask, gathers rows by index) cannot
 * be replayed, since that work would not be redone: {@link #refusal()} says which, and {@link #replay()} refuses.
 * Nor can a step that uses a tensor made in an enclosing {@link Tensor#recycling()} scope, whose memory goes back to
 * the pool when that scope closes. Values may be read after a replay, outside the step.
 */
public final class CapturedStep {
    private final Tensor[] inputs;
    private final Tensor[] outputs;
    private final Runnable[] commands;
    private final String refusal;
    private final Backend backend;
    /** The tensors whose gradient the step sets, and the gradient each got: a replay writes there again. */
    private final Tensor[] leaves;
    private final Tensor[] grads;

    private CapturedStep(Tensor[] inputs, Tensor[] outputs, StepRecorder recorder, Backend backend) {
        this.inputs = inputs;
        this.outputs = outputs;
        this.commands = recorder.commands();
        this.refusal = recorder.refusal();
        this.backend = backend;
        this.leaves = recorder.leaves();
        this.grads = new Tensor[leaves.length];
        for (int i = 0; i < leaves.length; i++) {
            grads[i] = leaves[i].grad;
        }
    }

    /**
     * Runs {@code step} once on copies of {@code inputs} (contiguous tensors that this capture owns, see
     * {@link #inputs()}) and records it. The step's effects are those of running it: the gradients it computes are
     * set. Gradients must have been zeroed before (as before every step).
     *
     * @param step the step: from the inputs, computes its outputs (e.g. the loss and the model's output), calling
     *     backward() on the loss; the outputs stay readable after each replay
     * @throws IllegalArgumentException if an input requires a gradient (inputs are data)
     * @throws IllegalStateException if a step is already being recorded on this thread
     */
    public static CapturedStep record(Function<Tensor[], Tensor[]> step, Tensor... inputs) {
        Tensor[] own = new Tensor[inputs.length];
        for (int i = 0; i < inputs.length; i++) {
            if (inputs[i].requiresGrad) {
                throw new IllegalArgumentException("CapturedStep.record: input " + i + " requires a gradient; the inputs"
                        + " are the data a replay copies in, not parameters");
            }
            own[i] = Tensor.allocate(inputs[i].dtype, inputs[i].shape);
            Backends.real().copy(inputs[i].usable(), own[i]);
        }
        Backend backend = Backends.real();
        StepRecorder recorder;
        Tensor[] outputs;
        try (var memory = Tensor.recycling()) {
            recorder = StepRecorder.start();
            try {
                outputs = step.apply(own);
            } finally {
                recorder.stop();
            }
            BufferPool.keepAll(); // the replays reuse the memory the step took: it never goes back to the pool
        }
        return new CapturedStep(own, outputs == null ? new Tensor[0] : outputs.clone(), recorder, backend);
    }

    /** The tensors a replay reads its data from: copy each new batch into them (same shapes, contiguous). */
    public Tensor[] inputs() {
        return inputs.clone();
    }

    /** The input {@code i} (see {@link #inputs()}), without copying the array of them. */
    public Tensor input(int i) {
        return inputs[i];
    }

    /** The tensors the step returned; each replay writes their new values. */
    public Tensor[] outputs() {
        return outputs.clone();
    }

    /** The output {@code i} (see {@link #outputs()}), without copying the array of them. */
    public Tensor output(int i) {
        return outputs[i];
    }

    /**
     * Why this step cannot be replayed (the first work it did in Java on the tensors' values, or a change of backend
     * since it was recorded), or null when it can.
     */
    public String refusal() {
        if (refusal != null) {
            return refusal;
        }
        return backend != Backends.real() ? "the backend changed since the step was recorded (Backends.setThreads)" : null;
    }

    /** Number of kernel calls a replay makes. */
    public int calls() {
        return commands.length;
    }

    /**
     * Runs the recorded step again on what the inputs and parameters hold now: the outputs and the gradients are those
     * the step would compute. Modified: the outputs, the grad() of the tensors the step set gradients of.
     *
     * @throws IllegalStateException if {@link #refusal()} is not null, or a gradient the step sets was not zeroed
     *     since the last step (a replay overwrites it, where the step would have added to it)
     */
    public void replay() {
        String why = refusal();
        if (why != null) {
            throw new IllegalStateException("CapturedStep.replay: this step cannot be replayed: " + why);
        }
        for (Tensor leaf : leaves) {
            if (leaf.grad != null) {
                throw new IllegalStateException("CapturedStep.replay: a gradient " + Shapes.str(leaf.shape) + " the step"
                        + " sets was not zeroed since the last step; call zeroGrad() (or the optimizer's) first");
            }
        }
        // a scope for what the kernels take from the pool inside a call (a convolution's columns), as in the step
        // itself: without one they would be new arrays at every replay
        BufferPool.Scope scope = BufferPool.open();
        try {
            for (Runnable call : commands) {
                call.run();
            }
        } finally {
            BufferPool.close(scope);
        }
        for (int i = 0; i < leaves.length; i++) {
            Tensor leaf = leaves[i];
            leaf.grad = grads[i];
            if (leaf.spareGrad == grads[i]) {
                leaf.spareGrad = null; // as the step itself took it (see Autograd.gradientBuffer)
            }
        }
    }

    @Override
    public String toString() {
        return "CapturedStep[" + commands.length + " calls, inputs " + Arrays.toString(Arrays.stream(inputs)
                .map(t -> Shapes.str(t.shape)).toArray()) + (refusal() == null ? "" : ", cannot replay: " + refusal()) + "]";
    }
}
