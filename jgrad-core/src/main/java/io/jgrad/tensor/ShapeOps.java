package io.jgrad.tensor;

import java.util.Arrays;

/**
 * Ops that move or reinterpret elements without arithmetic: views (reshape, permute, slice, expand),
 * copies, concatenation and dtype conversion. Each backward is the inverse movement of the gradient.
 */
final class ShapeOps {
    private ShapeOps() {}

    static Tensor reshape(Tensor x, int[] newShape) {
        Tensor.requireArgument("reshape", "shape", newShape);
        int[] s = newShape.clone();
        int infer = -1, known = 1;
        for (int i = 0; i < s.length; i++) {
            if (s[i] == -1) {
                if (infer >= 0) {
                    throw new IllegalArgumentException("reshape: only one dimension can be -1, got " + Shapes.str(newShape));
                }
                infer = i;
            } else if (s[i] < 0) {
                throw new IllegalArgumentException("reshape: negative size in " + Shapes.str(newShape));
            } else {
                known *= s[i];
            }
        }
        int n = x.numel();
        if (infer >= 0) {
            if (known == 0 || n % known != 0) {
                throw new IllegalArgumentException("reshape: cannot reshape " + Shapes.str(x.shape) + " (" + n
                        + " elements) into " + Shapes.str(newShape));
            }
            s[infer] = n / known;
        }
        if (Shapes.numel(s) != n) {
            throw new IllegalArgumentException("reshape: cannot reshape " + Shapes.str(x.shape) + " (" + n
                    + " elements) into " + Shapes.str(newShape) + " (" + Shapes.numel(s) + " elements)");
        }
        if (Arrays.equals(s, x.shape)) {
            return x;
        }
        Tensor c = contiguous(x);
        Tensor y = c.view(s, Shapes.contiguousStrides(s), c.offset);
        int[] original = c.shape;
        return Autograd.record("reshape", y, g -> new Tensor[] {g.reshape(original)}, c);
    }

    static Tensor permute(Tensor x, int[] order) {
        Tensor.requireArgument("permute", "order", order);
        int r = x.shape.length;
        if (order.length != r) {
            throw new IllegalArgumentException("permute: " + order.length + " dims given for a tensor of rank " + r);
        }
        int[] shape = new int[r], strides = new int[r], inverse = new int[r];
        boolean[] seen = new boolean[r];
        for (int i = 0; i < r; i++) {
            int d = Shapes.dim("permute", order[i], r);
            if (seen[d]) {
                throw new IllegalArgumentException("permute: dimension " + d + " repeated in " + Arrays.toString(order));
            }
            seen[d] = true;
            shape[i] = x.shape[d];
            strides[i] = x.strides[d];
            inverse[d] = i;
        }
        Tensor y = x.view(shape, strides, x.offset);
        return Autograd.record("permute", y, g -> new Tensor[] {g.permute(inverse)}, x);
    }

    static Tensor transpose(Tensor x, int d0, int d1) {
        int r = x.shape.length;
        int a = Shapes.dim("transpose", d0, r), b = Shapes.dim("transpose", d1, r);
        if (r == 0) {
            return permute(x, new int[0]); // dims 0 and -1 of a 0-d tensor name no real dimension, as in PyTorch
        }
        int[] order = new int[r];
        for (int i = 0; i < r; i++) {
            order[i] = i;
        }
        order[a] = b;
        order[b] = a;
        return permute(x, order);
    }

    static Tensor slice(Tensor x, int dim, int from, int to) {
        Shapes.requireDims("slice", x.shape);
        int d = Shapes.dim("slice", dim, x.shape.length);
        // negative ends count from the end, as Python's x[-2:]
        int start = from < 0 ? from + x.shape[d] : from, end = to < 0 ? to + x.shape[d] : to;
        if (start < 0 || end < start || end > x.shape[d]) {
            throw new IllegalArgumentException("slice: range [" + from + ", " + to + ") does not fit dimension " + d
                    + " of size " + x.shape[d] + " in shape " + Shapes.str(x.shape));
        }
        int[] shape = x.shape.clone();
        shape[d] = end - start;
        Tensor y = x.view(shape, x.strides, x.offset + start * x.strides[d]);
        return Autograd.record("slice", y, g -> {
            // the adjoint of taking a slice is padding the gradient with zeros around it
            int[] before = x.shape.clone(), after = x.shape.clone();
            before[d] = start;
            after[d] = x.shape[d] - end;
            return new Tensor[] {cat(d, Tensor.empty(g.dtype, before), g, Tensor.empty(g.dtype, after))};
        }, x);
    }

    static Tensor expand(Tensor x, int[] newShape) {
        Tensor.requireArgument("expand", "shape", newShape);
        if (newShape.length < x.shape.length) {
            throw new IllegalArgumentException("expand: cannot expand " + Shapes.str(x.shape) + " to fewer dims " + Shapes.str(newShape));
        }
        int[] shape = newShape.clone();
        int lead = shape.length - x.shape.length;
        for (int i = 0; i < shape.length; i++) {
            int own = i < lead ? 1 : x.shape[i - lead];
            if (shape[i] == -1) {
                if (i < lead) {
                    throw new IllegalArgumentException("expand: -1 is not allowed for a new leading dimension");
                }
                shape[i] = own;
            } else if (own != 1 && own != shape[i]) {
                throw new IllegalArgumentException("expand: shape " + Shapes.str(x.shape) + " cannot be broadcast to "
                        + Shapes.str(newShape) + " (dimension " + i + ": " + own + " vs " + shape[i] + ")");
            }
        }
        if (Arrays.equals(shape, x.shape)) {
            return x;
        }
        Tensor y = x.view(shape, Shapes.broadcastStrides(x.shape, x.strides, shape), x.offset);
        return Autograd.record("expand", y, g -> new Tensor[] {g.sumTo(x.shape)}, x);
    }

    static Tensor unsqueeze(Tensor x, int dim) {
        int r = x.shape.length;
        int d = dim < 0 ? dim + r + 1 : dim;
        if (d < 0 || d > r) {
            throw new IllegalArgumentException("unsqueeze: dimension " + dim + " out of range for rank " + r);
        }
        int[] s = new int[r + 1];
        for (int i = 0, j = 0; i <= r; i++) {
            s[i] = i == d ? 1 : x.shape[j++];
        }
        if (x.isContiguous()) {
            return reshape(x, s);
        }
        // a strided view stays a view of the same storage, as in PyTorch (reshape would copy it); the new dim's
        // stride is never read, PyTorch's choice keeps it at least 1
        int[] st = new int[r + 1];
        for (int i = 0, j = 0; i <= r; i++) {
            st[i] = i == d ? (d < r ? Math.max(1, x.shape[d] * x.strides[d]) : 1) : x.strides[j++];
        }
        Tensor y = x.view(s, st, x.offset);
        int[] original = x.shape;
        return Autograd.record("unsqueeze", y, g -> new Tensor[] {g.reshape(original)}, x);
    }

    static Tensor squeeze(Tensor x, int dim) {
        int d = Shapes.dim("squeeze", dim, x.shape.length);
        if (x.shape.length == 0) {
            return reshape(x, new int[0]); // nothing to remove, as PyTorch's squeeze(0) of a 0-d tensor
        }
        if (x.shape[d] != 1) {
            throw new IllegalArgumentException("squeeze: dimension " + d + " of shape " + Shapes.str(x.shape) + " is not 1");
        }
        int[] s = new int[x.shape.length - 1], st = new int[s.length];
        for (int i = 0, j = 0; i < x.shape.length; i++) {
            if (i != d) {
                st[j] = x.strides[i];
                s[j++] = x.shape[i];
            }
        }
        if (x.isContiguous()) {
            return reshape(x, s);
        }
        Tensor y = x.view(s, st, x.offset); // a view of a strided tensor too, as unsqueeze
        int[] original = x.shape;
        return Autograd.record("squeeze", y, g -> new Tensor[] {g.reshape(original)}, x);
    }

    static Tensor flatten(Tensor x, int startDim) {
        if (x.shape.length == 0) {
            return reshape(x, new int[] {1});
        }
        int d = Shapes.dim("flatten", startDim, x.shape.length);
        int[] s = new int[d + 1];
        System.arraycopy(x.shape, 0, s, 0, d);
        // the product of the flattened sizes, not -1 for reshape to infer: with a 0 before startDim there is nothing
        // to infer it from, and an empty batch [0, 2, 3] must give [0, 6] (what a following Linear checks), not [0, 0]
        s[d] = Shapes.numel(Arrays.copyOfRange(x.shape, d, x.shape.length));
        return reshape(x, s);
    }

    static Tensor contiguous(Tensor x) {
        return x.isContiguous() ? x : copy(x);
    }

    static Tensor copy(Tensor x) {
        Tensor y = Tensor.forOverwrite(x.dtype, x.shape);
        Backends.current().copy(x, y);
        return Autograd.record("copy", y, g -> new Tensor[] {g}, x);
    }

    static Tensor to(Tensor x, DType target) {
        if (target == null) {
            throw new IllegalArgumentException("to: dtype is null; pass DType.FLOAT32 or DType.FLOAT64");
        }
        if (x.dtype == target) {
            return x;
        }
        Tensor xc = x.contiguous();
        Tensor y = Tensor.forOverwrite(target, x.shape);
        Backends.current().convert(xc, y);
        DType source = x.dtype;
        return Autograd.record("to_" + target.name().toLowerCase(java.util.Locale.ROOT), y, g -> new Tensor[] {g.to(source)}, x);
    }

    /** Joins along dim; the gradient of each input is its slice of the output's gradient. */
    static Tensor cat(int dim, Tensor... xs) {
        if (xs == null) {
            throw new IllegalArgumentException("cat: tensors is null");
        }
        for (int i = 0; i < xs.length; i++) {
            if (xs[i] == null) {
                throw new IllegalArgumentException("cat: tensor " + i + " is null");
            }
        }
        if (xs.length == 0) {
            throw new IllegalArgumentException("cat: needs at least one tensor");
        }
        int r = xs[0].shape.length;
        if (r == 0) {
            throw new IllegalArgumentException("cat: zero-dimensional tensors have no dimension to join along;"
                    + " reshape(1) them first");
        }
        int d = Shapes.dim("cat", dim, r);
        DType dtype = xs[0].dtype;
        int total = 0;
        for (Tensor x : xs) {
            if (x.shape.length != r) {
                throw new IllegalArgumentException("cat: shapes " + Shapes.str(xs[0].shape) + " and " + Shapes.str(x.shape) + " differ in rank");
            }
            for (int i = 0; i < r; i++) {
                if (i != d && x.shape[i] != xs[0].shape[i]) {
                    throw new IllegalArgumentException("cat: shapes " + Shapes.str(xs[0].shape) + " and " + Shapes.str(x.shape)
                            + " differ in dimension " + i + " (only dimension " + d + " may differ)");
                }
            }
            dtype = DType.promote(dtype, x.dtype);
            total += x.shape[d];
        }
        int[] shape = xs[0].shape.clone();
        shape[d] = total;
        Tensor out = Tensor.empty(dtype, shape);
        int outer = 1;
        for (int i = 0; i < d; i++) {
            outer *= shape[i];
        }
        int inner = 1;
        for (int i = d + 1; i < r; i++) {
            inner *= shape[i];
        }
        int rowOut = total * inner, at = 0;
        StepRecorder.hostWork("cat copies blocks in Java");
        for (Tensor x : xs) {
            Tensor xc = x.to(dtype).contiguous();
            int block = x.shape[d] * inner;
            for (int o = 0; o < outer; o++) {
                if (dtype == DType.FLOAT32) {
                    System.arraycopy(xc.f, xc.offset + o * block, out.f, o * rowOut + at, block);
                } else {
                    System.arraycopy(xc.d, xc.offset + o * block, out.d, o * rowOut + at, block);
                }
            }
            at += block;
        }
        Tensor[] inputs = xs.clone();
        return Autograd.record("cat", out, g -> {
            Tensor[] grads = new Tensor[inputs.length];
            int start = 0;
            for (int i = 0; i < inputs.length; i++) {
                int len = inputs[i].shape[d];
                grads[i] = inputs[i].requiresGrad ? g.slice(d, start, start + len) : null;
                start += len;
            }
            return grads;
        }, inputs);
    }
}
