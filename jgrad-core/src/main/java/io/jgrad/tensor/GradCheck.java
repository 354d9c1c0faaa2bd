package io.jgrad.tensor;

import java.util.ArrayDeque;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Checks a backward pass against finite differences, in float64.
 *
 * <p>For a function f of some variables, it draws a fixed random weighting v of the output and compares,
 * for every element x_i of every variable, the analytic derivative of L = sum(v * f) computed by
 * {@link Tensor#backward()} with the central difference (L(x_i + eps) - L(x_i - eps)) / (2 eps). An element
 * passes when |analytic - numeric| &lt;= atol + rtol * |numeric| + r, where r = sqrt(n) u max(|L(x_i + eps)|,
 * |L(x_i - eps)|) / eps allows for the rounding error of the difference: u = 2^-53 is float64's unit roundoff and
 * n the number of elements that the ops of f's graph read, so sqrt(n) u models the relative rounding error of
 * computing L (the probabilistic bound of Higham and Mary, 2019), which the division by eps magnifies. r is below
 * 1e-8 for a loss of about 1 computed from thousands of numbers, but a correct backward pass through a summed loss
 * of 3e4 over 60,000 samples has errors of 3e-4 in gradients of about 20, which atol and rtol alone fail.
 *
 * <pre>{@code
 * var x = Tensor.randn(new Generator(1), 3, 4).to(DType.FLOAT64).requiresGrad(true);
 * GradCheck.Result r = GradCheck.check(() -> x.tanh().sum(), x);
 * assert r.passed() : r;
 * }</pre>
 * To check a module, convert it with {@code model.to(DType.FLOAT64)} (which replaces its parameters) and pass its
 * {@code parameters()}, fetched after the conversion, as variables along with the input.
 */
public final class GradCheck {
    private GradCheck() {}

    /** Default finite-difference step. */
    public static final double EPS = 1e-6;
    /** Default absolute tolerance. */
    public static final double ATOL = 1e-6;
    /** Default relative tolerance. */
    public static final double RTOL = 1e-5;
    /** float64's unit roundoff 2^-53: a rounded operation's result is within a relative u of the exact one. */
    private static final double UNIT_ROUNDOFF = 0x1p-53;

    /**
     * The outcome: the worst element, whose |analytic - numeric| is the largest multiple of its tolerance
     * atol + rtol * |numeric| + r (above 1 for a failed element; r, the rounding allowance, is in the class comment),
     * where it is, and how many elements were checked. The largest absolute and relative errors may lie at other
     * elements.
     */
    public record Result(boolean passed, int checked, double maxAbsError, double maxRelError,
                         String worstAt, double analytic, double numeric) {
        @Override
        public String toString() {
            return String.format("GradCheck %s: %d elements, max abs error %.3g, max relative error %.3g; worst at %s"
                            + " (analytic %.10g, numeric %.10g)", passed ? "passed" : "FAILED", checked, maxAbsError,
                    maxRelError, worstAt, analytic, numeric);
        }
    }

    /** Checks f with default eps and tolerances; variables must be float64 tensors that f reads. */
    public static Result check(Supplier<Tensor> f, Tensor... variables) {
        return check(f, EPS, ATOL, RTOL, variables);
    }

    /**
     * Checks a function of its inputs: each input is copied to float64 with requiresGrad, and f is applied to
     * the copies.
     */
    public static Result check(Function<Tensor[], Tensor> f, Tensor... inputs) {
        Tensor[] vars = new Tensor[inputs.length];
        for (int i = 0; i < inputs.length; i++) {
            vars[i] = inputs[i].detach().to(DType.FLOAT64).copy().detach().requiresGrad(true);
        }
        return check(() -> f.apply(vars), EPS, ATOL, RTOL, vars);
    }

    /**
     * Checks f against finite differences over every element of every variable. Modified: the variables are
     * perturbed and restored, and their gradients are replaced.
     */
    public static Result check(Supplier<Tensor> f, double eps, double atol, double rtol, Tensor... variables) {
        for (int i = 0; i < variables.length; i++) {
            Tensor v = variables[i];
            if (v.dtype != DType.FLOAT64 || !v.isContiguous() || !v.isLeaf()) {
                // the variables must be the very tensors f reads: a converted copy of a module's parameter is not
                String fix = v.dtype != DType.FLOAT64
                        ? "convert an input with x.to(DType.FLOAT64) and a model with model.to(DType.FLOAT64), then pass"
                                + " the model's parameters() fetched after the conversion"
                        : !v.isLeaf() ? "pass the leaf tensors it is computed from"
                        : "pass a contiguous copy (x.contiguous().detach()) and let f read that copy";
                throw new IllegalArgumentException("GradCheck: variable " + i + (v.label() != null ? " (" + v.label() + ")" : "")
                        + " must be a contiguous float64 leaf tensor (got " + v.dtype + " " + Shapes.str(v.shape)
                        + (v.isLeaf() ? "" : ", computed by " + v.node.op()) + (v.isContiguous() ? "" : ", not contiguous")
                        + "); " + fix);
            }
            v.requiresGrad(true);
            v.zeroGrad();
        }
        Tensor out = f.get();
        // before backward, which frees the graph that the count walks
        double roundingPerStep = Math.sqrt(Math.max(1, elementsRead(out))) * UNIT_ROUNDOFF / eps;
        Tensor weights = Tensor.uniform(DType.FLOAT64, new Generator(0x5EED), 0.5, 1.5, out.shape);
        out.mul(weights).sum().backward();
        double[][] analytic = new double[variables.length][];
        for (int i = 0; i < variables.length; i++) {
            Tensor g = variables[i].grad();
            analytic[i] = g == null ? new double[variables[i].numel()] : g.toDoubleArray();
        }
        boolean passed = true;
        int checked = 0;
        double worstRatio = Double.NEGATIVE_INFINITY, maxAbs = 0, maxRel = 0, worstA = 0, worstN = 0;
        String worstAt = "nowhere";
        try (var scope = Tensor.noGrad()) {
            for (int i = 0; i < variables.length; i++) {
                Tensor v = variables[i];
                for (int e = 0, n = v.numel(); e < n; e++) {
                    double orig = v.getFlat(e);
                    v.setFlat(e, orig + eps);
                    double plus = f.get().mul(weights).sum().item();
                    v.setFlat(e, orig - eps);
                    double minus = f.get().mul(weights).sum().item();
                    v.setFlat(e, orig);
                    double num = (plus - minus) / (2 * eps);
                    double a = analytic[i][e];
                    double abs = Math.abs(a - num);
                    double scale = Math.max(Math.abs(a), Math.abs(num));
                    double rel = scale > 0 ? abs / scale : 0;
                    // max rather than a sum of the two: a finite loss near Double.MAX_VALUE must not make r infinite
                    double rounding = roundingPerStep * Math.max(Math.abs(plus), Math.abs(minus));
                    double tolerance = atol + rtol * Math.abs(num) + rounding;
                    if (!(abs - tolerance <= 0)) {
                        passed = false;
                    }
                    maxAbs = Math.max(maxAbs, abs);
                    if (scale > atol) {
                        maxRel = Math.max(maxRel, rel);
                    }
                    // Ranked by the share of its own tolerance: the margin abs - tolerance itself is largest where
                    // |numeric| (and so the tolerance) is smallest, an exact 0 = 0 rather than the real worst.
                    double ratio = abs == 0 ? 0 : abs / tolerance;
                    if (Double.isNaN(ratio)) { // a NaN error, or an infinite one over an infinite tolerance (overflow)
                        ratio = Double.POSITIVE_INFINITY;
                    }
                    if (ratio > worstRatio) {
                        worstRatio = ratio;
                        worstAt = "variable " + i + (v.label() != null ? " (" + v.label() + ")" : "") + " element "
                                + java.util.Arrays.toString(v.unravelIndex(e));
                        worstA = a;
                        worstN = num;
                    }
                    checked++;
                }
            }
        }
        return new Result(passed, checked, maxAbs, maxRel, worstAt, worstA, worstN);
    }

    /**
     * The number of elements that the ops of out's graph read: the sum of numel over the inputs of every node
     * reachable from out, each node counted once (the number of rounded operations, up to the ops' inner
     * dimensions). Iterative: a graph thousands of ops deep must not overflow the stack.
     */
    static long elementsRead(Tensor out) {
        long n = 0;
        Set<Node> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        ArrayDeque<Node> todo = new ArrayDeque<>();
        if (out.node != null) {
            todo.push(out.node);
        }
        while (!todo.isEmpty()) {
            Node node = todo.pop();
            if (!seen.add(node) || node.inputArray() == null) {
                continue;
            }
            for (Tensor in : node.inputArray()) {
                if (in == null) {
                    continue;
                }
                n += in.numel();
                if (in.node != null) {
                    todo.push(in.node);
                }
            }
        }
        return n;
    }
}
