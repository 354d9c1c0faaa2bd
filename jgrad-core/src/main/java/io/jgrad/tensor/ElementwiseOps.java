package io.jgrad.tensor;

/**
 * Element-wise ops, each with its derivative a few lines below its forward. Every backward rule reuses the
 * values saved by the forward pass (x, or the output y where the derivative is cheaper in terms of y, as
 * for exp, sigmoid and tanh) and is written with other tensor ops, so it broadcasts for free.
 */
final class ElementwiseOps {
    private ElementwiseOps() {}

    static Tensor map(UnaryOp op, double p, double q, Tensor x) {
        Tensor xc = x.contiguous();
        Tensor out = Tensor.forOverwrite(x.dtype, x.shape);
        Backends.current().unary(op, p, q, xc, out);
        return out;
    }

    /** y = x * mask with mask_i = 0 (probability p) or 1 / (1 - p); dy/dx = mask. */
    static Tensor dropout(Tensor x, double p, Generator gen) {
        if (!(p >= 0 && p <= 1)) {
            throw new IllegalArgumentException("dropout: probability p must be in [0, 1], got " + p);
        }
        if (gen == null) {
            throw new IllegalArgumentException("dropout: generator is null");
        }
        if (p == 1) {
            // 1 / (1 - p) is infinite; PyTorch multiplies by 0 instead, so inf and NaN inputs give NaN there too
            Tensor zero = Tensor.zeros(x.dtype, x.shape);
            return Autograd.record("dropout", compute(BinaryOp.MUL, x, zero), g -> new Tensor[] {g.mul(zero)}, x);
        }
        Tensor mask = Tensor.forOverwrite(x.dtype, x.shape);
        // drawn by the backend, so that a replayed step draws a new mask, as the step itself would
        Backends.current().dropoutMask(gen, p, 1 / (1 - p), mask);
        Tensor y = compute(BinaryOp.MUL, x, mask);
        return Autograd.record("dropout", y, g -> new Tensor[] {g.mul(mask)}, x);
    }

    static Tensor neg(Tensor x) {
        Tensor y = map(UnaryOp.NEG, 0, 0, x);
        return Autograd.record("neg", y, g -> new Tensor[] {g.neg()}, x);
    }

    static Tensor addScalar(Tensor x, double c) {
        Tensor y = map(UnaryOp.ADD_SCALAR, c, 0, x);
        return Autograd.record("add_scalar", y, g -> new Tensor[] {g}, x);
    }

    static Tensor mulScalar(Tensor x, double c) {
        Tensor y = map(UnaryOp.MUL_SCALAR, c, 0, x);
        return Autograd.record("mul_scalar", y, g -> new Tensor[] {g.mul(c)}, x);
    }

    /**
     * y = x / c; dy/dx = 1 / c. A division, not x * (1 / c), which PyTorch's x / c is not either: the product rounds
     * twice (off by one unit in the last place for a third of the elements at c = 3) and overflows for a subnormal c.
     */
    static Tensor divScalar(Tensor x, double c) {
        Tensor y = map(UnaryOp.DIV_SCALAR, c, 0, x);
        return Autograd.record("div_scalar", y, g -> new Tensor[] {g.div(c)}, x);
    }

    /** y = c / x; dy/dx = -c / x^2 = -y / x. */
    static Tensor rdivScalar(Tensor x, double c) {
        Tensor y = map(UnaryOp.RDIV_SCALAR, c, 0, x);
        return Autograd.record("rdiv_scalar", y, g -> new Tensor[] {g.mul(y).div(x).neg()}, x);
    }

    /** y = x^p; dy/dx = p x^(p-1), and 0 for p = 0 (where p x^(p-1) would be 0 * inf at x = 0). */
    static Tensor powScalar(Tensor x, double p) {
        Tensor y = map(UnaryOp.POW, p, 0, x);
        if (p == 0) {
            return Autograd.record("pow", y, g -> new Tensor[] {Tensor.empty(g.dtype, g.shape)}, x);
        }
        return Autograd.record("pow", y, g -> new Tensor[] {g.mul(map(UnaryOp.POW, p - 1, 0, x)).mul(p)}, x);
    }

    /** y = e^x; dy/dx = e^x = y. */
    static Tensor exp(Tensor x) {
        Tensor y = map(UnaryOp.EXP, 0, 0, x);
        return Autograd.record("exp", y, g -> new Tensor[] {g.mul(y)}, x);
    }

    /** y = ln x; dy/dx = 1 / x. */
    static Tensor log(Tensor x) {
        Tensor y = map(UnaryOp.LOG, 0, 0, x);
        return Autograd.record("log", y, g -> new Tensor[] {g.div(x)}, x);
    }

    /** y = sqrt x; dy/dx = 1 / (2 y). */
    static Tensor sqrt(Tensor x) {
        Tensor y = map(UnaryOp.SQRT, 0, 0, x);
        return Autograd.record("sqrt", y, g -> new Tensor[] {g.div(y).mul(0.5)}, x);
    }

    /**
     * y = |x|; dy/dx = sign x, taken as 0 at 0 and at NaN, as PyTorch's sgn: (x &gt; 0) - (x &lt; 0) rather than the
     * SIGN kernel, whose NaN (Math.signum's) would make the gradient NaN where PyTorch's is 0.
     */
    static Tensor abs(Tensor x) {
        Tensor y = map(UnaryOp.ABS, 0, 0, x);
        return Autograd.record("abs", y, g -> new Tensor[] {
                g.mul(map(UnaryOp.GT_SCALAR, 0, 0, x).sub(map(UnaryOp.LT_SCALAR, 0, 0, x)))}, x);
    }

    /**
     * y = max(x, 0); dy/dx = 0 where x &lt;= 0, else 1 (also at a NaN x, as PyTorch): the backward keeps g where x is
     * not at most 0, in one pass.
     */
    static Tensor relu(Tensor x) {
        Tensor y = map(UnaryOp.RELU, 0, 0, x);
        return Autograd.record("relu", y, g -> {
            Tensor gx = Tensor.forOverwrite(x.dtype, x.shape);
            Backends.current().binary(BinaryOp.RELU_GRAD, g, x, gx);
            return new Tensor[] {gx};
        }, x);
    }

    /** y = 1 / (1 + e^-x); dy/dx = y (1 - y). */
    static Tensor sigmoid(Tensor x) {
        Tensor y = map(UnaryOp.SIGMOID, 0, 0, x);
        return Autograd.record("sigmoid", y, g -> new Tensor[] {g.mul(y.mul(y.neg().add(1.0)))}, x);
    }

    /** y = tanh x; dy/dx = 1 - y^2. */
    static Tensor tanh(Tensor x) {
        Tensor y = map(UnaryOp.TANH, 0, 0, x);
        return Autograd.record("tanh", y, g -> new Tensor[] {g.mul(y.mul(y).neg().add(1.0))}, x);
    }

    /** y = x if x &gt; 0 else a x; dy/dx = 1 or a. */
    static Tensor leakyRelu(Tensor x, double a) {
        Tensor y = map(UnaryOp.LEAKY_RELU, a, 0, x);
        return Autograd.record("leaky_relu", y,
                g -> new Tensor[] {g.mul(map(UnaryOp.GT_SCALAR, 0, 0, x).mul(1.0 - a).add(a))}, x);
    }

    /**
     * y = x if x &gt; 0 else a (e^x - 1); dy/dx = 1, or a e^x. The backward computes a e^x from x in one pass
     * ({@link UnaryOp#ELU_GRAD}), as PyTorch: the equal y + a cancels to 0 once e^x is below y's rounding (x &lt; -17
     * in float32, -37 in float64).
     */
    static Tensor elu(Tensor x, double a) {
        Tensor y = map(UnaryOp.ELU, a, 0, x);
        return Autograd.record("elu", y, g -> new Tensor[] {g.mul(map(UnaryOp.ELU_GRAD, a, 0, x))}, x);
    }

    /** y = x Phi(x); dy/dx = Phi(x) + x phi(x). */
    static Tensor gelu(Tensor x) {
        Tensor y = map(UnaryOp.GELU, 0, 0, x);
        return Autograd.record("gelu", y, g -> new Tensor[] {g.mul(map(UnaryOp.GELU_GRAD, 0, 0, x))}, x);
    }

    /** y = min(max(x, lo), hi); dy/dx = 1 inside [lo, hi], else 0. */
    static Tensor clamp(Tensor x, double lo, double hi) {
        if (lo > hi) {
            throw new IllegalArgumentException("clamp: lower bound " + lo + " is above upper bound " + hi);
        }
        Tensor y = map(UnaryOp.CLAMP, lo, hi, x);
        return Autograd.record("clamp", y, g -> new Tensor[] {g.mul(map(UnaryOp.INSIDE, lo, hi, x))}, x);
    }

    static Tensor compareScalar(UnaryOp op, Tensor x, double c) {
        return map(op, c, 0, x); // a mask: not differentiable, so not recorded
    }

    /**
     * The dtype a binary op computes in, as PyTorch's result_type: a 0-d tensor beside one with dimensions takes that
     * one's dtype (float32 x times a float64 0-d tensor stays float32), otherwise the wider of the two.
     */
    static DType resultType(Tensor a, Tensor b) {
        boolean scalarA = a.shape.length == 0, scalarB = b.shape.length == 0;
        if (scalarA != scalarB) {
            return scalarA ? b.dtype : a.dtype;
        }
        return DType.promote(a.dtype, b.dtype);
    }

    static Tensor compare(BinaryOp op, Tensor a, Tensor b) {
        if (b == null) { // the op's name is built only for the message: no string per call
            Tensor.requireArgument(name(op), "other", b);
        }
        if (a.dtype != b.dtype) {
            DType t = resultType(a, b);
            a = a.to(t);
            b = b.to(t);
        }
        return compute(op, a, b);
    }

    /** The op's name in messages and graphs: the Tensor method's, e.g. "maximum" where the reduction is "max". */
    private static String name(BinaryOp op) {
        return switch (op) {
            case MAX -> "maximum";
            case MIN -> "minimum";
            default -> op.name().toLowerCase(java.util.Locale.ROOT);
        };
    }

    /** The broadcast forward of a binary op; both operands must already have the same dtype. */
    private static Tensor compute(BinaryOp op, Tensor a, Tensor b) {
        int[] shape = Shapes.broadcast(name(op), a.shape, b.shape);
        Tensor out = Tensor.forOverwrite(a.dtype, shape);
        Backends.current().binary(op, a, b, out);
        return out;
    }

    static Tensor binary(BinaryOp op, Tensor a, Tensor b) {
        if (b == null) { // the op's name is built only for the message: no string per call
            Tensor.requireArgument(name(op), "other", b);
        }
        if (a.dtype != b.dtype) {
            DType t = resultType(a, b);
            a = a.to(t);
            b = b.to(t);
        }
        Tensor x = a, z = b;
        Tensor y = compute(op, x, z);
        String name = name(op);
        return switch (op) {
            // d(x+z) = dx + dz; broadcasting in the forward becomes summation in the backward (sumTo)
            case ADD -> Autograd.record(name, y, g -> new Tensor[] {g.sumTo(x.shape), g.sumTo(z.shape)}, x, z);
            case SUB -> Autograd.record(name, y, g -> new Tensor[] {g.sumTo(x.shape), g.neg().sumTo(z.shape)}, x, z);
            // d(xz) = z dx + x dz
            case MUL -> Autograd.record(name, y, g -> new Tensor[] {
                    x.requiresGrad ? g.mul(z).sumTo(x.shape) : null,
                    z.requiresGrad ? g.mul(x).sumTo(z.shape) : null}, x, z);
            // d(x/z) = dx / z - (x / z^2) dz = dx / z - (y / z) dz
            case DIV -> Autograd.record(name, y, g -> new Tensor[] {
                    x.requiresGrad ? g.div(z).sumTo(x.shape) : null,
                    z.requiresGrad ? g.mul(y).div(z).neg().sumTo(z.shape) : null}, x, z);
            // d(x^z) = z x^(z-1) dx + x^z ln(x) dz, zero as in PyTorch where a factor is 0 and the other infinite:
            // no dx where z = 0 (0 x^-1 at x = 0), no dz where x = 0 and z >= 0 (0^z ln 0)
            case POW -> Autograd.record(name, y, g -> {
                Tensor zero = Tensor.zeros(y.dtype);
                return new Tensor[] {
                    x.requiresGrad ? Tensor.where(z.eq(zero), zero, g.mul(z).mul(x.pow(z.sub(1.0)))).sumTo(x.shape) : null,
                    z.requiresGrad ? Tensor.where(x.eq(zero).mul(z.ge(zero)), zero, g.mul(y).mul(x.log())).sumTo(z.shape) : null};
            }, x, z);
            // the gradient goes to the operand that was chosen; ties go to x. Where either is NaN (so is y) both
            // get it, as in PyTorch, whose masks (self < other, self > other) are false there: hence "not below"
            // rather than "at least" (which NaN is not either). Each mask is one op (NOT_LT, NOT_GE), and none is made
            // for a constant operand: the backward runs on loss-sized tensors (BCEWithLogitsLoss's maximum(x, 0)).
            // For minimum, "not x > z" is "not z < x".
            case MAX -> Autograd.record(name, y, g -> new Tensor[] {
                    x.requiresGrad ? g.mul(compute(BinaryOp.NOT_LT, x, z)).sumTo(x.shape) : null,
                    z.requiresGrad ? g.mul(compute(BinaryOp.NOT_GE, x, z)).sumTo(z.shape) : null}, x, z);
            case MIN -> Autograd.record(name, y, g -> new Tensor[] {
                    x.requiresGrad ? g.mul(compute(BinaryOp.NOT_LT, z, x)).sumTo(x.shape) : null,
                    z.requiresGrad ? g.mul(compute(BinaryOp.NOT_GE, z, x)).sumTo(z.shape) : null}, x, z);
            default -> y; // comparisons: masks without gradient
        };
    }

    /** out = a where mask != 0, else b, all broadcast; the gradient follows the same choice. */
    static Tensor where(Tensor mask, Tensor a, Tensor b) {
        Tensor.requireArgument("where", "mask", mask);
        Tensor.requireArgument("where", "a", a);
        Tensor.requireArgument("where", "b", b);
        if (a.dtype != b.dtype) {
            DType t = resultType(a, b);
            a = a.to(t);
            b = b.to(t);
        }
        int[] shape = Shapes.broadcast("where", Shapes.broadcast("where", mask.shape, a.shape), b.shape);
        Tensor m = mask.expand(shape).contiguous();
        Tensor ac = a.expand(shape).contiguous();
        Tensor bc = b.expand(shape).contiguous();
        Tensor out = Tensor.empty(a.dtype, shape);
        for (int i = 0, n = out.numel(); i < n; i++) {
            out.setFlat(i, m.getFlat(i) != 0 ? ac.getFlat(i) : bc.getFlat(i));
        }
        Tensor x = a, z = b;
        return Autograd.record("where", out, g -> {
            Tensor zero = Tensor.zeros(g.dtype);
            return new Tensor[] {null, where(m, g, zero).sumTo(x.shape), where(m, zero, g).sumTo(z.shape)};
        }, mask, x, z);
    }
}
