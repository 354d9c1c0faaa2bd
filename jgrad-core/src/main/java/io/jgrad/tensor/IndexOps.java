package io.jgrad.tensor;

/**
 * Picking elements by index: index-select (whole slices) and gather (one element per position, as the
 * cross-entropy loss picks the log-probability of each sample's class). The backward of a pick is a
 * scatter-add: each picked element's gradient goes back where it came from, summed over repeats.
 */
final class IndexOps {
    private IndexOps() {}

    static Tensor indexSelect(Tensor x, int dim, int[] indices) {
        Tensor.requireArgument("indexSelect", "indices", indices);
        Shapes.requireDims("indexSelect", x.shape);
        int d = Shapes.dim("indexSelect", dim, x.shape.length);
        int n = x.shape[d];
        for (int i : indices) {
            if (i < 0 || i >= n) {
                throw new IndexOutOfBoundsException("indexSelect: index " + i + " out of range for dimension " + d + " of size " + n);
            }
        }
        StepRecorder.hostWork("indexSelect copies rows in Java");
        Tensor xc = x.contiguous();
        int outer = 1, inner = 1;
        for (int i = 0; i < d; i++) {
            outer *= x.shape[i];
        }
        for (int i = d + 1; i < x.shape.length; i++) {
            inner *= x.shape[i];
        }
        int[] shape = x.shape.clone();
        shape[d] = indices.length;
        Tensor y = Tensor.empty(x.dtype, shape);
        int m = indices.length;
        for (int o = 0; o < outer; o++) {
            for (int j = 0; j < m; j++) {
                int src = xc.offset + (o * n + indices[j]) * inner, dst = (o * m + j) * inner;
                if (x.dtype == DType.FLOAT32) {
                    System.arraycopy(xc.f, src, y.f, dst, inner);
                } else {
                    System.arraycopy(xc.d, src, y.d, dst, inner);
                }
            }
        }
        int[] picked = indices.clone();
        int fo = outer, fi = inner;
        return Autograd.record("index_select", y, g -> {
            Tensor gc = g.contiguous();
            Tensor gx = Tensor.empty(x.dtype, x.shape);
            for (int o = 0; o < fo; o++) {
                for (int j = 0; j < m; j++) {
                    int dst = (o * n + picked[j]) * fi, src = (o * m + j) * fi;
                    for (int i = 0; i < fi; i++) {
                        gx.setFlat(dst + i, gx.getFlat(dst + i) + gc.getFlat(src + i));
                    }
                }
            }
            return new Tensor[] {gx};
        }, x);
    }

    /** out[o, j, i] = x[o, index[o, j, i], i] with x and index viewed as [outer, n, inner] around dim. */
    static Tensor gather(Tensor x, int dim, Tensor index) {
        Tensor.requireArgument("gather", "index", index);
        int r = x.shape.length;
        Shapes.requireDims("gather", x.shape);
        int d = Shapes.dim("gather", dim, r);
        if (index.shape.length != r) {
            throw new IllegalArgumentException("gather: index has shape " + Shapes.str(index.shape) + " but input has shape "
                    + Shapes.str(x.shape) + " (same rank needed)");
        }
        for (int i = 0; i < r; i++) {
            if (i != d && index.shape[i] != x.shape[i]) {
                throw new IllegalArgumentException("gather: index shape " + Shapes.str(index.shape) + " must match input shape "
                        + Shapes.str(x.shape) + " except in dimension " + d);
            }
        }
        Tensor xc = x.contiguous(), ic = index.contiguous();
        int outer = 1, inner = 1;
        for (int i = 0; i < d; i++) {
            outer *= x.shape[i];
        }
        for (int i = d + 1; i < r; i++) {
            inner *= x.shape[i];
        }
        int n = x.shape[d], m = index.shape[d];
        int[] src = new int[index.numel()];
        for (int o = 0; o < outer; o++) {
            for (int j = 0; j < m; j++) {
                for (int i = 0; i < inner; i++) {
                    int p = (o * m + j) * inner + i;
                    double v = ic.getFlat(p);
                    int k = (int) v;
                    if (k != v || k < 0 || k >= n) {
                        throw new IndexOutOfBoundsException("gather: index value " + v + " at position " + p
                                + " is not an integer in [0, " + n + ") for dimension " + d);
                    }
                    src[p] = (o * n + k) * inner + i;
                }
            }
        }
        Tensor y = Tensor.empty(x.dtype, index.shape);
        for (int p = 0; p < src.length; p++) {
            y.setFlat(p, xc.getFlat(src[p]));
        }
        return Autograd.record("gather", y, g -> {
            Tensor gc = g.contiguous();
            Tensor gx = Tensor.empty(x.dtype, x.shape);
            for (int p = 0; p < src.length; p++) {
                gx.setFlat(src[p], gx.getFlat(src[p]) + gc.getFlat(p));
            }
            return new Tensor[] {gx, null};
        }, x, index);
    }
}
