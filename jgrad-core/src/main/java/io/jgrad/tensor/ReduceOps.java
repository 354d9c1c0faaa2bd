package io.jgrad.tensor;

import java.util.Arrays;

/** Reductions (sum, mean, max, min, arg-max) over chosen dimensions, with their derivatives beside them. */
final class ReduceOps {
    private ReduceOps() {}

    /**
     * Sorted, distinct, non-negative dims; all dims when {@code dims} is empty. A 0-d tensor accepts dim 0 or
     * -1 (as in PyTorch) and has no dims to reduce.
     */
    private static int[] normalize(String op, int[] dims, int rank) {
        if (rank == 0) {
            for (int d : dims) {
                Shapes.dim(op, d, rank);
            }
            return new int[0];
        }
        if (dims.length == 0) {
            int[] all = new int[rank];
            for (int i = 0; i < rank; i++) {
                all[i] = i;
            }
            return all;
        }
        int[] out = new int[dims.length];
        for (int i = 0; i < dims.length; i++) {
            out[i] = Shapes.dim(op, dims[i], rank);
        }
        Arrays.sort(out);
        for (int i = 1; i < out.length; i++) {
            if (out[i] == out[i - 1]) {
                throw new IllegalArgumentException(op + ": dimension " + out[i] + " given twice");
            }
        }
        return out;
    }

    private static int prod(int[] shape, int from, int to) {
        int p = 1;
        for (int i = from; i < to; i++) {
            p *= shape[i];
        }
        return p;
    }

    private static int[] keptShape(int[] shape, int[] dims) {
        int[] kept = shape.clone();
        for (int d : dims) {
            kept[d] = 1;
        }
        return kept;
    }

    private static int[] droppedShape(int[] shape, int[] dims) {
        int[] out = new int[shape.length - dims.length];
        for (int i = 0, j = 0, k = 0; i < shape.length; i++) {
            if (k < dims.length && dims[k] == i) {
                k++;
            } else {
                out[j++] = shape[i];
            }
        }
        return out;
    }

    /** The unrecorded sum over sorted dims, keeping them as size 1; always a new tensor at offset 0. */
    private static Tensor sumKeep(Tensor x, int[] dims) {
        if (dims.length == 0) {
            // nothing to sum (a 0-d tensor): a copy, never x itself, which the caller would record as its own input
            Tensor out = Tensor.empty(x.dtype, x.shape);
            Backends.current().copy(x, out);
            return out;
        }
        Tensor cur = x.contiguous();
        for (int k = dims.length - 1; k >= 0; k--) {
            int d = dims[k];
            int[] s = cur.shape;
            Tensor out = Tensor.empty(x.dtype, keptShape(s, new int[] {d}));
            Backends.current().sum(cur, prod(s, 0, d), s[d], prod(s, d + 1, s.length), out);
            cur = out;
        }
        return cur;
    }

    /** y = sum over dims of x; dy/dx = 1, so the gradient is g broadcast back to x's shape. */
    static Tensor sum(Tensor x, int[] dims, boolean keepDim) {
        Tensor.requireArgument("sum", "dims", dims);
        int[] ds = normalize("sum", dims, x.shape.length);
        Tensor kept = sumKeep(x, ds);
        Tensor y = keepDim ? kept : kept.view(droppedShape(x.shape, ds), Shapes.contiguousStrides(droppedShape(x.shape, ds)), 0);
        int[] keptShape = keptShape(x.shape, ds);
        return Autograd.record("sum", y, g -> new Tensor[] {g.reshape(keptShape).expand(x.shape)}, x);
    }

    static Tensor sumAll(Tensor x) {
        return sum(x, new int[0], false);
    }

    static Tensor mean(Tensor x, int[] dims, boolean keepDim) {
        Tensor.requireArgument("mean", "dims", dims);
        int[] ds = normalize("mean", dims, x.shape.length);
        int count = 1;
        for (int d : ds) {
            count *= x.shape[d];
        }
        return sum(x, ds, keepDim).div(count);
    }

    static Tensor meanAll(Tensor x) {
        return mean(x, new int[0], false);
    }

    private record Extreme(Tensor values, int[] arg, int outer, int n, int inner) {}

    private static Extreme extremeKeep(String op, Tensor x, int d, boolean min) {
        Tensor xc = x.contiguous();
        int[] s = x.shape;
        if (s.length > 0 && s[d] == 0) {
            throw new IllegalArgumentException(op + ": dimension " + d + " has size 0, so it has no " + (min ? "minimum" : "maximum"));
        }
        int outer = prod(s, 0, d), n = s.length == 0 ? 1 : s[d], inner = prod(s, d + 1, s.length);
        Tensor out = Tensor.empty(x.dtype, s.length == 0 ? s : keptShape(s, new int[] {d}));
        int[] arg = new int[outer * inner];
        Backends.current().extreme(xc, outer, n, inner, min, out, arg);
        return new Extreme(out, arg, outer, n, inner);
    }

    /** y = max (or min) over dim; the gradient goes to the first element that attained it. */
    static Tensor extreme(Tensor x, int dim, boolean keepDim, boolean min) {
        String op = min ? "min" : "max";
        int d = Shapes.dim(op, dim, x.shape.length);
        Extreme e = extremeKeep(op, x, d, min);
        Tensor y = keepDim || x.shape.length == 0 ? e.values : e.values.reshape(droppedShape(x.shape, new int[] {d}));
        int[] keptShape = e.values.shape;
        return Autograd.record(op, y, g -> {
            Tensor gk = g.reshape(keptShape).contiguous();
            Tensor gx = Tensor.empty(x.dtype, x.shape);
            for (int o = 0; o < e.outer; o++) {
                for (int i = 0; i < e.inner; i++) {
                    gx.setFlat((o * e.n + e.arg[o * e.inner + i]) * e.inner + i, gk.getFlat(o * e.inner + i));
                }
            }
            return new Tensor[] {gx};
        }, x);
    }

    /**
     * y = max (or min) of all elements. The gradient g is shared equally by the k elements that equal y (those
     * that are NaN when y is NaN), g / k each, as PyTorch's evenly_distribute_backward for max() and min(): a tie
     * of the whole tensor is no choice of one element, where max(dim) returns an index that its gradient follows.
     */
    static Tensor extremeAll(Tensor x, boolean min) {
        Tensor y;
        try (var scope = Tensor.noGrad()) {
            y = extreme(x.reshape(-1), 0, false, min);
        }
        return Autograd.record(min ? "min" : "max", y, g -> {
            double v = y.item();
            boolean nan = Double.isNaN(v);
            Tensor xc = x.contiguous();
            int n = xc.numel(), k = 0;
            for (int i = 0; i < n; i++) {
                double e = xc.getFlat(i);
                k += (nan ? Double.isNaN(e) : e == v) ? 1 : 0;
            }
            double share = g.item() / k;
            Tensor gx = Tensor.empty(x.dtype, x.shape);
            for (int i = 0; i < n; i++) {
                double e = xc.getFlat(i);
                if (nan ? Double.isNaN(e) : e == v) {
                    gx.setFlat(i, share);
                }
            }
            return new Tensor[] {gx};
        }, x);
    }

    /**
     * s = sqrt(var(x)) over dim; ds = g / (2 s), but 0 where s = 0, as PyTorch's std_backward (masked_fill where
     * the result is 0): a constant row would otherwise give infinity times a zero deviation, NaN.
     */
    static Tensor std(Tensor x, int dim, boolean keepDim) {
        Tensor v = x.var(dim, keepDim);
        Tensor s = ElementwiseOps.map(UnaryOp.SQRT, 0, 0, v);
        return Autograd.record("std", s, g -> {
            Tensor zero = Tensor.zeros(g.dtype);
            return new Tensor[] {Tensor.where(s.eq(zero), zero, g.div(s).mul(0.5))};
        }, v);
    }

    /** Index of the first max (or min) along dim, as integral values in x's dtype; not differentiable. */
    static Tensor argExtreme(Tensor x, int dim, boolean keepDim, boolean min) {
        String op = min ? "argmin" : "argmax";
        int d = Shapes.dim(op, dim, x.shape.length);
        Extreme e = extremeKeep(op, x, d, min);
        Tensor idx = Tensor.empty(x.dtype, e.values.shape);
        for (int i = 0; i < e.arg.length; i++) {
            idx.setFlat(i, e.arg[i]);
        }
        return keepDim || x.shape.length == 0 ? idx : idx.reshape(droppedShape(x.shape, new int[] {d}));
    }

    /**
     * Sums x down to {@code target}, which x's shape broadcasts from: leading extra dims and dims where the
     * target has size 1 are summed. The adjoint of broadcasting, used by every broadcasting op's backward.
     */
    static Tensor sumTo(Tensor x, int[] target) {
        Tensor.requireArgument("sumTo", "shape", target);
        if (Arrays.equals(x.shape, target)) {
            return x;
        }
        int lead = x.shape.length - target.length;
        if (lead < 0) {
            throw new IllegalArgumentException("sumTo: shape " + Shapes.str(x.shape) + " has fewer dims than " + Shapes.str(target));
        }
        int[] dims = new int[x.shape.length];
        int nd = 0;
        for (int i = 0; i < x.shape.length; i++) {
            if (i < lead || (target[i - lead] == 1 && x.shape[i] != 1)) {
                dims[nd++] = i;
            } else if (target[i - lead] != x.shape[i]) {
                throw new IllegalArgumentException("sumTo: shape " + Shapes.str(x.shape) + " does not broadcast from " + Shapes.str(target));
            }
        }
        Tensor s = nd == 0 ? x : sum(x, Arrays.copyOf(dims, nd), true);
        return s.reshape(target);
    }
}
