package io.jgrad.tensor;

import java.util.Arrays;

/**
 * Optimizer updates done in one pass over each parameter instead of one pass per in-place op, for the
 * optimizers in {@code io.jgrad.optim}. Each rounds every element exactly as the sequence of in-place ops it
 * replaces (PyTorch 1.13's single-tensor CPU path), so results are bitwise the same, only with fewer memory passes
 * and no temporaries; one exception: where the JVM has the Vector API, float32 state (Adam's m and v, the momentum
 * buffer) that falls below {@link Float#MIN_NORMAL} in magnitude is stored as zero, because arithmetic on
 * subnormals is slow on x86 (see {@code Updates}) and such a value moves no parameter that is not itself tiny.
 * Not recorded for autograd; call inside {@link Tensor#noGrad()} as optimizers do.
 */
public final class FusedUpdates {
    private FusedUpdates() {}

    /**
     * One Adam step: m = beta1 m + (1 - beta1) g; v = beta2 v + (1 - beta2) g^2;
     * p -= stepSize * m / (sqrt(v) / bc2Sqrt + eps), with stepSize = lr / (1 - beta1^t) and
     * bc2Sqrt = sqrt(1 - beta2^t). All four tensors must have the same shape and dtype; m and v contiguous (p
     * may be a strided view: it is then updated through a contiguous copy). Modified: p, m, v.
     */
    public static void adam_(Tensor p, Tensor g, Tensor m, Tensor v, double beta1, double beta2, double stepSize,
                             double bc2Sqrt, double eps) {
        check("adam_", p, g, m, v);
        Tensor c = contiguous(p);
        Backends.current().adam(c, g.contiguous(), m, v, beta1, beta2, stepSize, bc2Sqrt, eps);
        writeBack(p, c);
    }

    /**
     * One SGD-with-momentum step after the first: buf = momentum buf + (1 - dampening) g; p -= lr buf. All three
     * tensors must have the same shape and dtype; buf contiguous (p may be a strided view, as in adam_). Modified:
     * p, buf.
     */
    public static void momentum_(Tensor p, Tensor g, Tensor buf, double momentum, double dampening, double lr) {
        check("momentum_", p, g, buf, buf);
        Tensor c = contiguous(p);
        Backends.current().momentum(c, g.contiguous(), buf, momentum, dampening, lr);
        writeBack(p, c);
    }

    /**
     * p itself, or a contiguous copy of a strided parameter (a transposed or sliced view a user registered, which
     * PyTorch's optimizers accept too): the kernels run over contiguous storage.
     */
    private static Tensor contiguous(Tensor p) {
        return p.isContiguous() ? p : p.contiguous();
    }

    /** Copies the updated values back into a strided parameter; nothing to do where p was updated in place. */
    private static void writeBack(Tensor p, Tensor updated) {
        if (updated != p) {
            p.copy_(updated);
        }
    }

    private static void check(String op, Tensor p, Tensor g, Tensor a, Tensor b) {
        // one tensor at a time, not over an array of them: the optimizers call this for every parameter every step
        sameAsParameter(op, p, g);
        sameAsParameter(op, p, a);
        sameAsParameter(op, p, b);
        updatable(op, p, true);
        updatable(op, a, false);
        updatable(op, b, false);
        p.markChanged();
        a.markChanged();
        if (b != a) {
            b.markChanged();
        }
    }

    private static void sameAsParameter(String op, Tensor p, Tensor t) {
        if (!Arrays.equals(t.shape, p.shape) || t.dtype != p.dtype) {
            throw new IllegalArgumentException("FusedUpdates." + op + ": parameter " + p.dtype + " " + Shapes.str(p.shape)
                    + " and a gradient or state buffer " + t.dtype + " " + Shapes.str(t.shape) + " differ; all must"
                    + " have the parameter's shape and dtype");
        }
    }

    private static void updatable(String op, Tensor t, boolean parameter) {
        if (!parameter && !t.isContiguous()) {
            throw new IllegalArgumentException("FusedUpdates." + op + ": the state buffers must be contiguous (one is"
                    + " a strided view of shape " + Shapes.str(t.shape) + ")");
        }
        if (Autograd.isEnabled() && t.requiresGrad) {
            throw new IllegalStateException("FusedUpdates." + op + ": in-place update of a tensor that requires grad;"
                    + " do it inside Tensor.noGrad(), as optimizers do");
        }
    }
}
