package io.jgrad.tensor;

import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * The record of one operation in the computation graph: its name, its inputs in order, and the rule that
 * turns the gradient of its output into gradients of its inputs (the chain rule, one op at a time). Created
 * by the ops as they run; {@link Tensor#gradFn()} returns it, {@link Graph} draws it.
 */
public final class Node {
    /** The local chain rule of one op: given dL/d(output), return dL/d(input_i) for each input (null where not needed). */
    @FunctionalInterface
    interface Backward {
        Tensor[] apply(Tensor gradOutput);
    }

    private final String op;
    private Tensor[] inputs;
    private Backward backward;

    /** {@link Autograd}'s clock when the op ran: a later in-place change of an input or the output is an error. */
    final long createdAt;

    Node(String op, Tensor[] inputs, Backward backward, long createdAt) {
        this.op = op;
        this.inputs = inputs;
        this.backward = backward;
        this.createdAt = createdAt;
    }

    /** The operation's name, e.g. {@code "matmul"}, {@code "sigmoid"}. */
    public String op() {
        return op;
    }

    /** The inputs in argument order (empty once the graph was freed by a backward pass). */
    public List<Tensor> inputs() {
        return inputs == null ? List.of() : Collections.unmodifiableList(Arrays.asList(inputs));
    }

    Tensor[] inputArray() {
        return inputs;
    }

    boolean released() {
        return backward == null;
    }

    Tensor[] backward(Tensor gradOutput) {
        return backward.apply(gradOutput);
    }

    /** Drops the saved tensors so that memory is returned after backward, as PyTorch frees its graph. */
    void release() {
        backward = null;
        inputs = null;
    }
}
