package io.jgrad.tensor;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Reverse-mode automatic differentiation. Ops call {@link #record} as they run, which links the output to
 * its inputs through a {@link Node}. {@link #backward} then sorts the graph topologically (iteratively, so a
 * chain of 100,000 ops does not overflow the stack), seeds dL/dL = 1 and walks the nodes from the output
 * back to the leaves, applying each node's local chain rule and summing the gradients that reach a tensor
 * along different paths.
 */
final class Autograd {
    private Autograd() {}

    private static final ThreadLocal<int[]> DISABLED = ThreadLocal.withInitial(() -> new int[1]);

    /**
     * Counts in-place changes. A node keeps its value when the op ran, a storage the value of its last in-place
     * change: a backward rule whose input or output changed after the op ran would compute from the changed values
     * (PyTorch's version counters catch the same mistake). One counter for the whole JVM: only the order of
     * changes and ops matters, and in-place changes are few per step (the optimizer's), so threads rarely contend.
     */
    private static final AtomicLong CLOCK = new AtomicLong();

    static long tick() {
        return CLOCK.incrementAndGet();
    }

    static boolean isEnabled() {
        return DISABLED.get()[0] == 0;
    }

    static void disable() {
        DISABLED.get()[0]++;
    }

    static void enable() {
        DISABLED.get()[0]--;
    }

    /** Links {@code out} to {@code inputs} when gradient recording is on and any input requires a gradient. */
    static Tensor record(String op, Tensor out, Node.Backward backward, Tensor... inputs) {
        if (!isEnabled()) {
            return out;
        }
        for (Tensor t : inputs) {
            if (t != null && t.requiresGrad) {
                out.requiresGrad = true;
                out.node = new Node(op, inputs, backward, CLOCK.get());
                return out;
            }
        }
        return out;
    }

    static void backward(Tensor root, Tensor seed, boolean retainGraph) {
        if (!root.requiresGrad) {
            throw new IllegalStateException("backward: this tensor does not require a gradient: none of its inputs had"
                    + " requiresGrad(true), or it was computed inside Tensor.noGrad()");
        }
        Workspace w = Workspace.take();
        List<Tensor> order = w.order;
        Map<Tensor, Tensor> pending = w.pending;
        disable(); // the backward pass itself is not recorded
        try {
            topologicalOrder(root, w);
            pending.put(root, seed);
            for (int i = order.size() - 1; i >= 0; i--) {
                Tensor t = order.get(i);
                Tensor g = pending.remove(t);
                if (g == null) {
                    continue;
                }
                if (t.node == null || t.retainsGrad) {
                    accumulateInto(t, g);
                }
                Node node = t.node;
                if (node == null) {
                    continue;
                }
                Tensor[] inputs = node.inputArray();
                checkUnchanged(t, node, inputs);
                Tensor[] grads = node.backward(g);
                for (int j = 0; j < inputs.length; j++) {
                    Tensor in = inputs[j];
                    if (in == null || !in.requiresGrad || grads[j] == null) {
                        continue;
                    }
                    Tensor gj = grads[j];
                    if (!java.util.Arrays.equals(gj.shape, in.shape)) {
                        throw new IllegalStateException("backward of '" + node.op() + "': gradient for input " + j
                                + " has shape " + Shapes.str(gj.shape) + " but the input has shape " + Shapes.str(in.shape));
                    }
                    if (gj.dtype != in.dtype) {
                        gj = gj.to(in.dtype);
                    }
                    Tensor prev = pending.get(in);
                    if (prev == null) {
                        pending.put(in, gj);
                    } else {
                        Tensor sum = prev.add(gj);
                        sum.exclusive = true; // a new tensor that only this map refers to
                        pending.put(in, sum);
                    }
                }
                if (!retainGraph) {
                    node.release();
                }
            }
        } finally {
            enable();
            w.giveBack();
        }
    }

    /**
     * Refuses a backward rule whose output or inputs changed in place after its op ran. Every input is checked,
     * where PyTorch checks only the values a rule saved: any tensor of the graph changed between its use and
     * backward is refused (in PyTorch, the result of an addition may change without error).
     */
    private static void checkUnchanged(Tensor out, Node node, Tensor[] inputs) {
        long at = node.createdAt;
        int changed = out.storageOwner().changedAt > at ? -1 : -2;
        for (int j = 0; changed == -2 && j < inputs.length; j++) {
            if (inputs[j] != null && inputs[j].storageOwner().changedAt > at) {
                changed = j;
            }
        }
        if (changed != -2) {
            Tensor t = changed == -1 ? out : inputs[changed];
            String what = changed == -1 ? "the result" : "input " + changed + (t.node == null ? "" : " (computed by '"
                    + t.node.op() + "')");
            throw new IllegalStateException("backward: " + what + " of '" + node.op() + "' was changed in place (an"
                    + " in-place op or set, on it, a view of it or its detach()) after '" + node.op() + "' ran; the"
                    + " gradients would come from the changed values. Change a copy instead, or change it after backward");
        }
    }

    /**
     * The maps and lists of one backward pass, kept per thread and emptied after each pass, so that a training step
     * allocates none of them. A backward started inside another on the same thread (from a backward rule) gets its
     * own.
     */
    private static final class Workspace {
        private static final ThreadLocal<Workspace> OF_THREAD = ThreadLocal.withInitial(Workspace::new);

        final Map<Tensor, Tensor> pending = new IdentityHashMap<>();
        final Set<Tensor> visited = Collections.newSetFromMap(new IdentityHashMap<>());
        final ArrayList<Tensor> order = new ArrayList<>();
        final ArrayList<Tensor> stack = new ArrayList<>();
        int[] next = new int[16];
        private boolean busy;

        static Workspace take() {
            Workspace w = OF_THREAD.get();
            if (w.busy) {
                w = new Workspace();
            }
            w.busy = true;
            return w;
        }

        /** Empties everything (no tensor stays reachable from the thread) and marks it free. */
        void giveBack() {
            pending.clear();
            visited.clear();
            order.clear();
            stack.clear();
            busy = false;
        }
    }

    /**
     * Memory for the gradient that a backward rule computes for its input {@code in}, to be marked exclusive: inside a
     * {@link Tensor#recycling()} scope, where in is a leaf (a parameter) with no gradient yet whose gradient before
     * {@link Tensor#zeroGrad} fits, that memory, so that the rule writes the gradient where it is kept (a recycled
     * buffer would be copied there at the end of the step); otherwise a recycled buffer (outside a scope, new
     * memory). Only inside a scope, as {@link #accumulateInto} and zeroGrad's contract: outside one, a gradient
     * someone kept across zeroGrad() must keep its values. Modified: in (its spare gradient taken).
     */
    static Tensor gradientBuffer(Tensor in, DType dtype, int[] shape) {
        Tensor spare = in.spareGrad;
        if (BufferPool.active() && in.node == null && in.grad == null && fits(spare, dtype, shape)) {
            in.spareGrad = null;
            return spare;
        }
        return Tensor.forOverwrite(dtype, shape);
    }

    /** Whether a gradient dropped by zeroGrad() can hold a dtype gradient of that shape: its own whole memory. */
    private static boolean fits(Tensor spare, DType dtype, int[] shape) {
        return spare != null && spare.dtype == dtype && java.util.Arrays.equals(spare.shape, shape)
                && spare.offset == 0 && spare.isContiguous() && !BufferPool.isLent(spare);
    }

    private static void accumulateInto(Tensor t, Tensor g) {
        StepRecorder.gradient(t);
        if (t.grad == null && g.exclusive && !BufferPool.isLent(g)) {
            g.exclusive = false; // taken: another input handed the same tensor copies it
            t.grad = g; // memory of its own (see gradientBuffer): kept without a copy
        } else if (t.grad == null && BufferPool.active()) {
            // g's memory may be lent by a recycling scope, but a stored gradient outlives the step: copy it into
            // memory of our own, the memory this tensor's gradient had before zeroGrad() when it still fits
            Tensor spare = t.spareGrad;
            t.spareGrad = null;
            Tensor own = fits(spare, g.dtype, g.shape) ? spare : Tensor.allocate(g.dtype, g.shape);
            Backends.current().copy(g, own);
            t.grad = own;
        } else if (t.grad == null) {
            t.grad = g.copy(); // g may be shared with other inputs of the same op: never keep it
        } else {
            t.grad.add_(g, 1.0);
        }
    }

    /**
     * Appends to w.order the post-order of the nodes that lead to {@code root} through tensors that require
     * gradients. Modified: w.
     */
    private static void topologicalOrder(Tensor root, Workspace w) {
        Set<Tensor> visited = w.visited;
        List<Tensor> order = w.order;
        ArrayList<Tensor> stack = w.stack;
        int[] next = w.next;
        stack.add(root);
        visited.add(root);
        next[0] = 0;
        while (!stack.isEmpty()) {
            int top = stack.size() - 1;
            Tensor t = stack.get(top);
            if (t.f == null && t.d == null) {
                // recycle() dropped its node with its memory: walking on would treat it as a leaf, and the gradients
                // of everything before it would quietly never come
                throw new IllegalStateException("backward: the graph goes through a tensor " + Shapes.str(t.shape)
                        + " created inside a Tensor.recycling() scope that has closed, which took that part of the"
                        + " graph with its memory: call backward before closing the scope");
            }
            Node node = t.node;
            if (node != null && node.released()) {
                throw new IllegalStateException("backward: the graph through '" + node.op() + "' was already freed by an"
                        + " earlier backward(); pass retainGraph = true to the first backward to go through it twice");
            }
            Tensor[] inputs = node == null ? null : node.inputArray();
            int i = next[top];
            while (inputs != null && i < inputs.length
                    && (inputs[i] == null || !inputs[i].requiresGrad || visited.contains(inputs[i]))) {
                i++;
            }
            if (inputs != null && i < inputs.length) {
                next[top] = i + 1;
                Tensor child = inputs[i];
                visited.add(child);
                stack.add(child);
                if (stack.size() > next.length) {
                    next = java.util.Arrays.copyOf(next, next.length * 2);
                    w.next = next;
                }
                next[stack.size() - 1] = 0;
            } else {
                stack.remove(top);
                order.add(t);
            }
        }
    }
}
