package io.jgrad.tensor;

/**
 * Matrix multiplication, the op where nearly all the time of a dense network goes. The backend does the
 * GEMM; this class handles shapes, batching and the derivative:
 * for Y = A B, dL/dA = dL/dY B^T and dL/dB = A^T dL/dY.
 */
final class LinalgOps {
    private LinalgOps() {}

    static Tensor matmul(Tensor a, Tensor b) {
        Tensor.requireArgument("matmul", "other", b);
        if (a.shape.length == 0 || b.shape.length == 0) {
            throw new IllegalArgumentException("matmul: both operands need at least 1 dimension, got shapes "
                    + Shapes.str(a.shape) + " and " + Shapes.str(b.shape));
        }
        // checked on the caller's shapes, before 1-D operands become matrices
        int ka = a.shape[a.shape.length - 1], kb = b.shape[Math.max(0, b.shape.length - 2)];
        if (ka != kb) {
            throw new IllegalArgumentException("matmul: " + Shapes.str(a.shape) + " x " + Shapes.str(b.shape)
                    + ": inner dimensions " + ka + " and " + kb + " differ");
        }
        for (int i = 3; i <= Math.min(a.shape.length, b.shape.length); i++) {
            int da = a.shape[a.shape.length - i], db = b.shape[b.shape.length - i];
            if (da != db && da != 1 && db != 1) {
                throw new IllegalArgumentException("matmul: " + Shapes.str(a.shape) + " x " + Shapes.str(b.shape)
                        + ": batch dimensions do not broadcast (" + da + " vs " + db + ")");
            }
        }
        if (a.dtype != b.dtype) {
            DType t = DType.promote(a.dtype, b.dtype);
            a = a.to(t);
            b = b.to(t);
        }
        // 1-D operands as in PyTorch: a vector on the left is a row, on the right a column; the added dim is removed
        if (a.shape.length == 1) {
            // the row's added dim is the second-to-last of the result, or the last once b's column dim is removed
            return matmul(a.unsqueeze(0), b).squeeze(b.shape.length == 1 ? -1 : -2);
        }
        if (b.shape.length == 1) {
            return matmul(a, b.unsqueeze(1)).squeeze(-1);
        }
        int ra = a.shape.length, rb = b.shape.length;
        int m = a.shape[ra - 2], k = a.shape[ra - 1], k2 = b.shape[rb - 2], n = b.shape[rb - 1];
        if (k != k2) {
            throw new IllegalArgumentException("matmul: " + Shapes.str(a.shape) + " x " + Shapes.str(b.shape)
                    + ": inner dimensions " + k + " and " + k2 + " differ");
        }
        Tensor x = a, w = b;
        if (ra == 2 && rb == 2) {
            Tensor y = Tensor.forOverwrite(a.dtype, new int[] {m, n});
            Backends.current().gemm(1.0, a, b, 0.0, y);
            return Autograd.record("matmul", y, g -> new Tensor[] {
                    x.requiresGrad ? g.matmul(w.t()) : null,
                    w.requiresGrad ? x.t().matmul(g) : null}, x, w);
        }
        int[] batchA = java.util.Arrays.copyOf(a.shape, ra - 2), batchB = java.util.Arrays.copyOf(b.shape, rb - 2);
        int[] batch = Shapes.broadcast("matmul", batchA, batchB);
        int[] shapeA = concat(batch, m, k), shapeB = concat(batch, k, n), shapeY = concat(batch, m, n);
        Tensor ea = a.expand(shapeA), eb = b.expand(shapeB);
        Tensor y = Tensor.empty(a.dtype, shapeY);
        int batches = Shapes.numel(batch);
        int[] idx = new int[batch.length];
        for (int i = 0; i < batches; i++) {
            Backends.current().gemm(1.0, matrix(ea, idx), matrix(eb, idx), 0.0, matrix(y, idx));
            for (int dd = batch.length - 1; dd >= 0 && ++idx[dd] == batch[dd]; dd--) {
                idx[dd] = 0;
            }
        }
        return Autograd.record("matmul", y, g -> new Tensor[] {
                x.requiresGrad ? g.matmul(w.transpose(-1, -2)).sumTo(x.shape) : null,
                w.requiresGrad ? x.transpose(-1, -2).matmul(g).sumTo(w.shape) : null}, x, w);
    }

    private static int[] concat(int[] batch, int r, int c) {
        int[] s = java.util.Arrays.copyOf(batch, batch.length + 2);
        s[batch.length] = r;
        s[batch.length + 1] = c;
        return s;
    }

    /** The 2-D matrix at batch index idx of a tensor whose leading dims are the batch (a view, no copy). */
    private static Tensor matrix(Tensor t, int[] idx) {
        int r = t.shape.length;
        int off = t.offset;
        for (int i = 0; i < idx.length; i++) {
            off += idx[i] * t.strides[i];
        }
        return t.view(new int[] {t.shape[r - 2], t.shape[r - 1]}, new int[] {t.strides[r - 2], t.strides[r - 1]}, off);
    }

    /** y = x W^T + b as one GEMM with beta = 1 onto rows of b; see {@link Tensor#linear}. */
    static Tensor linear(Tensor x, Tensor w, Tensor b) {
        Tensor.requireArgument("linear", "input", x);
        Tensor.requireArgument("linear", "weight", w);
        if (w.shape.length != 2 || x.shape.length == 0 || x.shape[x.shape.length - 1] != w.shape[1]
                || (b != null && (b.shape.length != 1 || b.shape[0] != w.shape[0]))) {
            throw new IllegalArgumentException("linear: input " + Shapes.str(x.shape) + ", weight " + Shapes.str(w.shape)
                    + (b == null ? "" : ", bias " + Shapes.str(b.shape)) + ": expected input [*, in], weight [out, in]"
                    + " and bias [out]");
        }
        DType t = b == null ? DType.promote(x.dtype, w.dtype) : DType.promote(DType.promote(x.dtype, w.dtype), b.dtype);
        Tensor xt = x.to(t), wt = w.to(t), bt = b == null ? null : b.to(t);
        int in = wt.shape[1], out = wt.shape[0];
        Tensor x2 = xt.shape.length == 2 ? xt : xt.reshape(-1, in);
        int rows = x2.shape[0];
        Tensor y = Tensor.forOverwrite(t, new int[] {rows, out}); // the bias rows, or the GEMM with beta 0
        Tensor bc = bt == null ? null : bt.contiguous();
        Backend backend = Backends.current();
        if (bc != null) {
            backend.copy(bc.view(new int[] {rows, out}, new int[] {0, 1}, bc.offset), y); // b in every row
        }
        backend.gemm(1.0, x2, transposed(wt), bc == null ? 0.0 : 1.0, y);
        Node.Backward rule = g -> {
            Backend be = Backends.current();
            Tensor gx = null, gw = null, gb = null;
            if (x2.requiresGrad) {
                gx = Tensor.forOverwrite(t, x2.shape);
                be.gemm(1.0, g, wt, 0.0, gx);
            }
            if (wt.requiresGrad) {
                gw = Autograd.gradientBuffer(wt, t, wt.shape);
                be.gemm(1.0, transposed(g), x2, 0.0, gw);
                gw.exclusive = true;
            }
            if (bt != null && bt.requiresGrad) {
                gb = Autograd.gradientBuffer(bt, t, bt.shape);
                be.sum(g.contiguous(), 1, rows, out, gb);
                gb.exclusive = true;
            }
            return bt == null ? new Tensor[] {gx, gw} : new Tensor[] {gx, gw, gb};
        };
        Tensor rec = bt == null ? Autograd.record("linear", y, rule, x2, wt) : Autograd.record("linear", y, rule, x2, wt, bt);
        if (xt.shape.length == 2) {
            return rec;
        }
        int[] shape = xt.shape.clone();
        shape[shape.length - 1] = out;
        return rec.reshape(shape);
    }

    /** The unrecorded transposed view of a 2-D tensor. */
    private static Tensor transposed(Tensor m) {
        return m.view(new int[] {m.shape[1], m.shape[0]}, new int[] {m.strides[1], m.strides[0]}, m.offset);
    }
}
