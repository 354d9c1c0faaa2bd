package io.jgrad.tensor;

import static io.jgrad.tensor.TensorAssertions.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.jgrad.testing.PyTorch;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * The public tensor API op by op against PyTorch 1.13 (CPU): each case is one expression written twice, in jgrad
 * and in torch, over the same leaf inputs. The output (values, shape and dtype) and, where it is differentiable,
 * the gradient of every input after a backward pass seeded with the same non-scalar gradient are compared:
 * float64 to 1e-12 relative, float32 to float32 rounding. Covers views, negative dims, keepdim reductions with
 * ties and NaN, broadcasting with 0-d tensors in every binary op, float32/float64 promotion, matmul on 1-D, 2-D
 * and batched shapes, cat/stack/split/gather/index_select, clamp, where and comparisons, and the edge points of
 * the differentiable ops: kinks at 0 (abs, relu, leaky ReLU, ELU), poles and infinities (sqrt, log, x^p, c / x,
 * division by 0, softmax of -inf), ties in max() and min(), constant rows in std, size-1 dimensions and 0-d tensors,
 * linear on 1-D, strided and shared operands, and tensors with an empty dimension (products with K = 0 included).
 */
class TensorApiTorchParityTest {

    private static final String SCRIPT = """
            import os, sys, torch
            d = sys.argv[1]
            DT = {"f32": torch.float32, "f64": torch.float64}
            def vals(s):
                return [float(v) for v in s.split(",")] if s else []
            def shape(s):
                return [int(v) for v in s.split("x")] if s != "-" else []
            def fmt(t):
                return ",".join(repr(v) for v in t.detach().to(torch.float64).reshape(-1).tolist())
            out = []
            case = None
            for line in open(os.path.join(d, "cases.txt")):
                f = line.rstrip("\\n").split(" ", 3)
                if f[0] == "case":
                    case, expr, ins = f[1], line.rstrip("\\n").split(" ", 2)[2], []
                elif f[0] == "in":
                    ins.append(torch.tensor(vals(f[3] if len(f) > 3 else ""), dtype=torch.float64)
                               .reshape(shape(f[2])).to(DT[f[1]]).requires_grad_())
                elif f[0] == "g":
                    env = {"torch": torch}
                    for i, t in enumerate(ins):
                        env["abc"[i]] = t
                    y = eval(expr, env)
                    out.append("case " + case)
                    out.append("out " + str(y.dtype).replace("torch.", "") + " " + ("x".join(str(s) for s in y.shape) or "-")
                               + " " + fmt(y))
                    if y.requires_grad and f[2] != "none":  # none: the jgrad side threw
                        y.backward(torch.tensor(vals(f[3] if len(f) > 3 else ""), dtype=torch.float64)
                                   .reshape(shape(f[2])).to(y.dtype))
                        for t in ins:
                            out.append("grad " + ("none" if t.grad is None else fmt(t.grad)))
            with open(os.path.join(d, "results.txt"), "w") as fo:
                fo.write("\\n".join(out) + "\\n")
            """;

    /** One expression: its torch form over inputs a, b, c and its jgrad form over v[0], v[1], v[2]. */
    private record Case(String name, String torch, Function<Tensor[], Tensor> jgrad, Input... inputs) {}

    /** An input's dtype, shape and values; kinds: randn, "pos" (0.5 to 2), "ties" (a few small integers). */
    private record Input(DType dtype, int[] shape, String kind) {}

    private static Input in(int... shape) {
        return new Input(DType.FLOAT64, shape, "randn");
    }

    private static Input in32(int... shape) {
        return new Input(DType.FLOAT32, shape, "randn");
    }

    private static Input pos(int... shape) {
        return new Input(DType.FLOAT64, shape, "pos");
    }

    private static Input ties(int... shape) {
        return new Input(DType.FLOAT64, shape, "ties");
    }

    private static Input withNan(int... shape) {
        return new Input(DType.FLOAT64, shape, "nan");
    }

    /** 0, 0.5 and 1 at random: the edge of sqrt, log and x^p at 0 (and ties). */
    private static Input nonNeg(int... shape) {
        return new Input(DType.FLOAT64, shape, "nonneg");
    }

    /** Every element 0.75: a constant row, whose variance is 0. */
    private static Input constant(int... shape) {
        return new Input(DType.FLOAT64, shape, "const");
    }

    /** randn with -infinity in the middle element: a class that softmax gives probability 0. */
    private static Input withNegInf(int... shape) {
        return new Input(DType.FLOAT64, shape, "neginf");
    }

    private static double[] values(Input in, Generator gen) {
        int n = Shapes.numel(in.shape);
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            // float32-representable, so that float32 inputs start from the same numbers on both sides
            v[i] = switch (in.kind) {
                case "pos" -> (float) (0.5 + 1.5 * gen.nextDouble());
                case "ties" -> gen.nextInt(3) * 0.5 - 0.5;
                case "nonneg" -> gen.nextInt(3) * 0.5;
                case "const" -> 0.75;
                default -> (float) gen.nextGaussian();
            };
        }
        if (in.kind.equals("nan") && n > 1) {
            v[n / 2] = Double.NaN;
        }
        if (in.kind.equals("neginf") && n > 1) {
            v[n / 2] = Double.NEGATIVE_INFINITY;
        }
        return v;
    }

    private static String str(double[] v) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < v.length; i++) {
            sb.append(i == 0 ? "" : ",").append(v[i]);
        }
        return sb.toString();
    }

    private static String shape(int[] s) {
        if (s.length == 0) {
            return "-";
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < s.length; i++) {
            sb.append(i == 0 ? "" : "x").append(s[i]);
        }
        return sb.toString();
    }

    private static double[] parse(String s) {
        if (s.isEmpty()) {
            return new double[0];
        }
        String[] p = s.split(",");
        double[] v = new double[p.length];
        for (int i = 0; i < p.length; i++) {
            v[i] = switch (p[i]) {
                case "nan" -> Double.NaN;
                case "inf" -> Double.POSITIVE_INFINITY;
                case "-inf" -> Double.NEGATIVE_INFINITY;
                default -> Double.parseDouble(p[i]);
            };
        }
        return v;
    }

    private static final String[] BINARY_TORCH = {"a + b", "a - b", "a * b", "a / b", "a ** b", "torch.maximum(a, b)",
            "torch.minimum(a, b)", "torch.where(a > 0, a, b)"};
    private static final List<Function<Tensor[], Tensor>> BINARY_JGRAD = List.of(v -> v[0].add(v[1]), v -> v[0].sub(v[1]),
            v -> v[0].mul(v[1]), v -> v[0].div(v[1]), v -> v[0].pow(v[1]), v -> v[0].maximum(v[1]),
            v -> v[0].minimum(v[1]), v -> Tensor.where(v[0].gt(0), v[0], v[1]));

    private static List<Case> cases() {
        List<Case> cs = new ArrayList<>();
        // views, negative dims, and their gradients
        cs.add(new Case("reshape", "a.reshape(4, -1) * 2", v -> v[0].reshape(4, -1).mul(2), in(2, 3, 4)));
        cs.add(new Case("transpose_reshape", "a.transpose(0, -1).reshape(-1, 2)", v -> v[0].transpose(0, -1).reshape(-1, 2),
                in(2, 3, 4)));
        cs.add(new Case("permute_slice", "a.permute(2, 0, 1)[:, :, 1:]", v -> v[0].permute(2, 0, 1).slice(2, 1, 3),
                in(2, 3, 4)));
        cs.add(new Case("narrow_neg", "a.narrow(-1, 1, 2)", v -> v[0].slice(-1, 1, 3), in(2, 3, 4)));
        cs.add(new Case("slice_neg_from", "a[..., -3:-1]", v -> v[0].slice(-1, -3, -1), in(2, 3, 4)));
        cs.add(new Case("expand", "b.expand(2, 3, 4) * a", v -> v[1].expand(2, 3, 4).mul(v[0]), in(2, 3, 4), in(3, 1)));
        cs.add(new Case("expand_neg1", "a.expand(2, -1, 4)", v -> v[0].expand(2, -1, 4), in(3, 1)));
        cs.add(new Case("unsqueeze_squeeze", "a.t().unsqueeze(0).unsqueeze(-1).squeeze(-1) * 3",
                v -> v[0].t().unsqueeze(0).unsqueeze(-1).squeeze(-1).mul(3), in(3, 4)));
        cs.add(new Case("squeeze_all", "a.squeeze()", v -> v[0].squeeze(), in(1, 3, 1, 2)));
        cs.add(new Case("flatten", "a.transpose(0, 1).flatten(1)", v -> v[0].transpose(0, 1).flatten(1), in(2, 3, 4)));
        cs.add(new Case("view_of_view", "a[1:, :].t()[1:3] + a[0]", v -> v[0].slice(0, 1, 4).t().slice(0, 1, 3)
                .add(v[0].slice(0, 0, 1).squeeze(0)), in(4, 3)));
        // keepdim reductions, negative dims, ties and NaN
        cs.add(new Case("sum_dims_keep", "a.sum(dim=[0, -1], keepdim=True)", v -> v[0].sum(new int[] {0, -1}, true),
                in(2, 3, 4)));
        cs.add(new Case("sum_all_0d", "a.sum()", v -> v[0].sum(), in()));
        cs.add(new Case("mean_neg", "a.mean(-2)", v -> v[0].mean(-2, false), in(2, 3, 4)));
        cs.add(new Case("mean_keep", "a.mean(dim=[1], keepdim=True)", v -> v[0].mean(new int[] {1}, true), in(2, 3, 4)));
        cs.add(new Case("max_dim_ties_keep", "a.max(1, keepdim=True).values", v -> v[0].max(1, true), ties(4, 5, 2)));
        cs.add(new Case("min_dim_ties", "a.min(-1).values", v -> v[0].min(-1, false), ties(4, 5)));
        cs.add(new Case("argmax_ties_keep", "a.argmax(-1, keepdim=True).double()", v -> v[0].argmax(-1, true), ties(4, 5)));
        cs.add(new Case("argmin_ties", "a.argmin(0).double()", v -> v[0].argmin(0, false), ties(4, 5)));
        cs.add(new Case("max_nan", "a.max(1).values", v -> v[0].max(1, false), withNan(2, 3)));
        cs.add(new Case("argmax_nan", "a.argmax(1).double()", v -> v[0].argmax(1, false), withNan(2, 3)));
        cs.add(new Case("min_nan", "a.min(0).values", v -> v[0].min(0, false), withNan(3, 2)));
        cs.add(new Case("sum_nan", "a.sum(1, keepdim=True)", v -> v[0].sum(1, true), withNan(2, 3)));
        cs.add(new Case("var_keep", "a.var(1, keepdim=True)", v -> v[0].var(1, true), in(3, 4)));
        cs.add(new Case("std_neg", "a.std(-1)", v -> v[0].std(-1, false), in(3, 4)));
        cs.add(new Case("var_one", "a.var(1)", v -> v[0].var(1, false), in(3, 1)));
        // forward only: torch's gradient of this degenerate variance is inf for a 0-d tensor but NaN for [1, 1]
        cs.add(new Case("var_0d", "a.var(0).detach()", v -> v[0].var(0, false).detach(), in()));
        // every broadcasting binary op, 0-d tensors on either side and on both
        int[][][] pairs = {{{2, 3}, {}}, {{}, {2, 3}}, {{}, {}}, {{3}, {2, 1}}, {{2, 1, 4}, {3, 1}}, {{1}, {}}};
        for (int op = 0; op < BINARY_TORCH.length; op++) {
            for (int[][] p : pairs) {
                boolean power = BINARY_TORCH[op].contains("**");
                cs.add(new Case("binary" + op + "_" + shape(p[0]) + "_" + shape(p[1]), BINARY_TORCH[op], BINARY_JGRAD.get(op),
                        power ? pos(p[0]) : in(p[0]), in(p[1])));
            }
        }
        // forward only where values tie: on ties torch splits the gradient in half, jgrad gives it to this (documented)
        cs.add(new Case("maximum_ties", "torch.maximum(a, b).detach()", v -> v[0].maximum(v[1]).detach(), ties(3, 4), ties(4)));
        cs.add(new Case("minimum_ties", "torch.minimum(a, b).detach()", v -> v[0].minimum(v[1]).detach(), ties(3, 4), ties(4)));
        // a NaN on either side: torch sends the gradient to both operands; jgrad sent it to the other one only
        cs.add(new Case("maximum_nan", "torch.maximum(a, b)", v -> v[0].maximum(v[1]), withNan(3, 3), in(3, 3)));
        cs.add(new Case("minimum_nan", "torch.minimum(b, a)", v -> v[1].minimum(v[0]), withNan(3, 3), in(3, 3)));
        cs.add(new Case("maximum_nan_bcast", "torch.maximum(b, a)", v -> v[1].maximum(v[0]), withNan(2, 3), in(3)));
        // float32/float64 promotion, 0-d tensors included
        cs.add(new Case("promote_dims", "a * b", v -> v[0].mul(v[1]), in32(2, 3), in(3)));
        cs.add(new Case("promote_0d_both", "a + b", v -> v[0].add(v[1]), in32(), in()));
        cs.add(new Case("promote_0d_f64", "a * b", v -> v[0].mul(v[1]), in32(2, 3), in()));
        cs.add(new Case("promote_0d_f64_left", "a - b", v -> v[0].sub(v[1]), in(), in32(3)));
        cs.add(new Case("promote_0d_f32", "a / b", v -> v[0].div(v[1]), in(2, 3), in32()));
        cs.add(new Case("promote_where_0d", "torch.where(a > 0, a, b)", v -> Tensor.where(v[0].gt(0), v[0], v[1]),
                in32(2, 3), in()));
        cs.add(new Case("promote_cat", "torch.cat([a, b], 0)", v -> Tensor.cat(0, v[0], v[1]), in32(1, 3), in(2, 3)));
        // matmul: 1-D, 2-D and batched, broadcast batch
        int[][][] mm = {{{3}, {3}}, {{3}, {3, 4}}, {{2, 3}, {3}}, {{3}, {5, 3, 4}}, {{5, 2, 3}, {3}}, {{2, 3}, {3, 4}},
                {{5, 2, 3}, {5, 3, 4}}, {{2, 1, 2, 3}, {5, 3, 4}}, {{2, 3}, {4, 3, 5}}, {{4, 2, 3}, {3, 5}}};
        for (int[][] p : mm) {
            cs.add(new Case("matmul_" + shape(p[0]) + "_" + shape(p[1]), "a @ b", v -> v[0].matmul(v[1]), in(p[0]), in(p[1])));
        }
        // joins, splits, picks
        cs.add(new Case("cat_neg", "torch.cat([a, b, a], -1)", v -> Tensor.cat(-1, v[0], v[1], v[0]), in(2, 3), in(2, 2)));
        cs.add(new Case("stack_neg", "torch.stack([a, b], -1)", v -> Tensor.stack(-1, v[0], v[1]), in(2, 3), in(2, 3)));
        cs.add(new Case("stack_0", "torch.stack([a, b.t()], 0)", v -> Tensor.stack(0, v[0], v[1].t()), in(2, 3), in(3, 2)));
        cs.add(new Case("split", "torch.cat([p * (i + 1) for i, p in enumerate(a.split(2, -1))], -1)", v -> {
            List<Tensor> ps = v[0].split(2, -1);
            Tensor[] scaled = new Tensor[ps.size()];
            for (int i = 0; i < scaled.length; i++) {
                scaled[i] = ps.get(i).mul(i + 1);
            }
            return Tensor.cat(-1, scaled);
        }, in(3, 5)));
        cs.add(new Case("gather_neg", "a.gather(-1, torch.tensor([[2, 0, 2], [1, 1, 0]]))",
                v -> v[0].gather(-1, Tensor.of(new double[] {2, 0, 2, 1, 1, 0}, 2, 3)), in(2, 4)));
        cs.add(new Case("gather_0", "a.gather(0, torch.tensor([[1, 0], [1, 1], [0, 0]]))",
                v -> v[0].gather(0, Tensor.of(new double[] {1, 0, 1, 1, 0, 0}, 3, 2)), in(2, 2)));
        cs.add(new Case("index_select", "a.index_select(-1, torch.tensor([2, 0, 2]))", v -> v[0].indexSelect(-1, 2, 0, 2),
                in(2, 3)));
        // clamp (gradient on the bounds), where, comparisons (masks, ties and NaN)
        cs.add(new Case("clamp_bounds", "a.clamp(-0.5, 0.5)", v -> v[0].clamp(-0.5, 0.5), ties(4, 5)));
        cs.add(new Case("clamp_nan", "a.clamp(-0.5, 0.5)", v -> v[0].clamp(-0.5, 0.5), withNan(2, 3)));
        cs.add(new Case("where_broadcast", "torch.where(c > 0, a, b)", v -> Tensor.where(v[2].gt(0), v[0], v[1]),
                in(3, 1), in(4), in(2, 3, 4)));
        String[] cmp = {">", ">=", "<", "<=", "=="};
        List<Function<Tensor[], Tensor>> cmpJ = List.of(v -> v[0].gt(v[1]), v -> v[0].ge(v[1]), v -> v[0].lt(v[1]),
                v -> v[0].le(v[1]), v -> v[0].eq(v[1]));
        for (int i = 0; i < cmp.length; i++) {
            cs.add(new Case("cmp" + i, "(a " + cmp[i] + " b).double()", cmpJ.get(i), ties(3, 4), ties(4)));
            cs.add(new Case("cmp_nan" + i, "(a " + cmp[i] + " b).double()", cmpJ.get(i), withNan(2, 3), in()));
        }
        // the edge points of each differentiable op, gradients included: kinks at 0, poles and infinities, ties
        cs.add(new Case("abs_zero", "a.abs()", v -> v[0].abs(), ties(3, 4)));
        cs.add(new Case("abs_nan", "a.abs()", v -> v[0].abs(), withNan(2, 3)));
        cs.add(new Case("relu_zero", "a.relu()", v -> v[0].relu(), ties(3, 4)));
        cs.add(new Case("leaky_relu_zero", "torch.nn.functional.leaky_relu(a, 0.1)", v -> v[0].leakyRelu(0.1), ties(3, 4)));
        cs.add(new Case("elu_zero", "torch.nn.functional.elu(a, 1.3)", v -> v[0].elu(1.3), ties(3, 4)));
        cs.add(new Case("gelu_zero", "torch.nn.functional.gelu(a)", v -> v[0].gelu(), ties(3, 4)));
        cs.add(new Case("sigmoid_tanh_zero", "a.sigmoid() * a.tanh()", v -> v[0].sigmoid().mul(v[0].tanh()), ties(3, 4)));
        cs.add(new Case("sqrt_zero", "a.sqrt()", v -> v[0].sqrt(), nonNeg(3, 4)));
        cs.add(new Case("log_zero", "a.log()", v -> v[0].log(), nonNeg(3, 4)));
        cs.add(new Case("exp_neginf", "a.exp()", v -> v[0].exp(), withNegInf(2, 3)));
        cs.add(new Case("pow2_zero", "a ** 2", v -> v[0].pow(2), ties(3, 4)));
        cs.add(new Case("pow1_zero", "a ** 1", v -> v[0].pow(1), ties(3, 4)));
        cs.add(new Case("pow0_zero", "a ** 0", v -> v[0].pow(0), ties(3, 4)));
        cs.add(new Case("pow_half_zero", "a ** 0.5", v -> v[0].pow(0.5), nonNeg(3, 4)));
        cs.add(new Case("pow_neg_zero", "a ** -1", v -> v[0].pow(-1), nonNeg(3, 4)));
        cs.add(new Case("rdiv_zero", "3.0 / a", v -> v[0].rdiv(3), ties(3, 4)));
        cs.add(new Case("div_by_zero", "a / b", v -> v[0].div(v[1]), in(3, 4), ties(3, 4)));
        cs.add(new Case("clamp_point", "a.clamp(0, 0)", v -> v[0].clamp(0, 0), ties(3, 4)));
        cs.add(new Case("max_all_ties", "a.max()", v -> v[0].max(), ties(4, 5)));
        cs.add(new Case("min_all_ties", "a.min()", v -> v[0].min(), ties(4, 5)));
        cs.add(new Case("max_all_0d", "a.max() * a", v -> v[0].max().mul(v[0]), in()));
        cs.add(new Case("max_all_nan", "a.max()", v -> v[0].max(), withNan(2, 3)));
        cs.add(new Case("max_size1_dim", "a.max(1).values", v -> v[0].max(1, false), in(3, 1)));
        cs.add(new Case("min_all_0d_view", "a.t()[1:].min()", v -> v[0].t().slice(0, 1, 3).min(), ties(4, 3)));
        cs.add(new Case("maximum_self", "torch.maximum(a, a)", v -> v[0].maximum(v[0]), ties(3, 4)));
        cs.add(new Case("minimum_self", "torch.minimum(a, a)", v -> v[0].minimum(v[0]), ties(3, 4)));
        cs.add(new Case("std_constant", "a.std(1)", v -> v[0].std(1, false), constant(3, 4)));
        cs.add(new Case("std_constant_keep", "a.std(0, keepdim=True)", v -> v[0].std(0, true), constant(3, 4)));
        cs.add(new Case("var_constant", "a.var(1)", v -> v[0].var(1, false), constant(3, 4)));
        cs.add(new Case("sum_size1", "a.sum(1, keepdim=True) * a", v -> v[0].sum(1, true).mul(v[0]), in(3, 1)));
        cs.add(new Case("mean_size1_0d", "a.mean(0) * b", v -> v[0].mean(0, false).mul(v[1]), in(1), in()));
        cs.add(new Case("softmax_size1", "a.softmax(1)", v -> v[0].softmax(1), in(3, 1)));
        cs.add(new Case("softmax_neginf", "a.softmax(-1)", v -> v[0].softmax(-1), withNegInf(2, 3)));
        cs.add(new Case("log_softmax_neginf", "a.log_softmax(1)", v -> v[0].logSoftmax(1), withNegInf(2, 3)));
        cs.add(new Case("cross_entropy_ties", "torch.nn.functional.cross_entropy(a, torch.tensor([0, 2, 1, 1]),"
                + " reduction='none')", v -> v[0].crossEntropy(Tensor.of(new double[] {0, 2, 1, 1})), ties(4, 3)));
        cs.add(new Case("cross_entropy_view", "torch.nn.functional.cross_entropy(a.t(), torch.tensor([0, 2]),"
                + " reduction='none').sum() * a", v -> v[0].t().crossEntropy(Tensor.of(new double[] {0, 2})).sum().mul(v[0]),
                in(3, 2)));
        cs.add(new Case("linear", "torch.nn.functional.linear(a, b, c)", v -> Tensor.linear(v[0], v[1], v[2]),
                in(2, 3), in(4, 3), in(4)));
        cs.add(new Case("linear_1d", "torch.nn.functional.linear(a, b, c)", v -> Tensor.linear(v[0], v[1], v[2]),
                in(3), in(4, 3), in(4)));
        cs.add(new Case("linear_views", "torch.nn.functional.linear(a.t(), b[:, 1:], c[1:])",
                v -> Tensor.linear(v[0].t(), v[1].slice(1, 1, 4), v[2].slice(0, 1, 5)), in(3, 2), in(4, 4), in(5)));
        cs.add(new Case("linear_self", "torch.nn.functional.linear(a, a)", v -> Tensor.linear(v[0], v[0], null), in(3, 3)));
        cs.add(new Case("where_self", "torch.where(a > 0, a, a * 2)", v -> Tensor.where(v[0].gt(0), v[0], v[0].mul(2)),
                ties(3, 4)));
        cs.add(new Case("cmp_scalar_gt", "(a > 0).double()", v -> v[0].gt(0), withNan(2, 3)));
        cs.add(new Case("cmp_scalar_le", "(a <= 0).double()", v -> v[0].le(0), withNan(2, 3)));
        // empty tensors: a 0 after the first dim gave strides that isContiguous() refused, so in-place ops (and ones(),
        // full(), which fill in place) recursed until StackOverflowError; a product with an empty output indexed C's
        // rows
        cs.add(new Case("ones_empty", "a + torch.ones(2, 0)", v -> v[0].add(Tensor.ones(2, 0)), in(2, 0)));
        cs.add(new Case("full_empty", "a * torch.full((3, 0, 2), 2.0)", v -> v[0].mul(Tensor.full(2, 3, 0, 2)), in(0, 2)));
        cs.add(new Case("matmul_k0", "a @ b", v -> v[0].matmul(v[1]), in(2, 0), in(0, 3)));
        cs.add(new Case("matmul_k0_f32", "a @ b", v -> v[0].matmul(v[1]), in32(2, 0), in32(0, 3)));
        cs.add(new Case("matmul_n0", "a @ b", v -> v[0].matmul(v[1]), in(2, 3), in(3, 0)));
        cs.add(new Case("matmul_m0_batched", "a @ b", v -> v[0].matmul(v[1]), in(2, 0, 3), in(3, 4)));
        cs.add(new Case("linear_empty_in", "torch.nn.functional.linear(a, b, c)", v -> Tensor.linear(v[0], v[1], v[2]),
                in(2, 0), in(3, 0), in(3)));
        // flatten of an empty batch: the flattened size is the product of the sizes, [0, 2, 3] -> [0, 6], not 0 (a
        // CNN's Flatten gave the next Linear [0, 0])
        cs.add(new Case("flatten_empty_batch", "a.flatten(1)", v -> v[0].flatten(1), in(0, 2, 3)));
        cs.add(new Case("flatten_empty_middle", "a.flatten(-2)", v -> v[0].flatten(-2), in(2, 3, 0, 4)));
        cs.add(new Case("flatten_empty_0", "a.flatten(0)", v -> v[0].flatten(0), in(3, 0, 2)));
        // the variance over an empty dimension divided its sum 0 by n - 1 = -1, giving -0 where torch gives NaN
        cs.add(new Case("var_empty_dim", "a.var(1)", v -> v[0].var(1, false), in(2, 0)));
        cs.add(new Case("std_empty_dim", "a.std(0, keepdim=True)", v -> v[0].std(0, true), in(0, 3)));
        // 0-d tensors: dims 0 and -1 name no real dimension, and squeeze and transpose indexed the empty shape
        cs.add(new Case("squeeze_0d", "a.squeeze(0) * 2", v -> v[0].squeeze(0).mul(2), in()));
        cs.add(new Case("squeeze_neg_0d", "a.squeeze(-1) * 2", v -> v[0].squeeze(-1).mul(2), in()));
        cs.add(new Case("transpose_0d", "a.transpose(0, -1) * 2", v -> v[0].transpose(0, -1).mul(2), in()));
        return cs;
    }

    @Test
    void publicOpsMatchTorchForwardAndBackward() throws Exception {
        List<Case> cs = cases();
        Generator gen = new Generator(1913);
        List<String> lines = new ArrayList<>();
        Map<String, Tensor> ours = new HashMap<>();
        Map<String, Tensor[]> leaves = new HashMap<>();
        Map<String, String> failures = new HashMap<>();
        for (Case c : cs) {
            Tensor[] v = new Tensor[c.inputs.length];
            lines.add("case " + c.name + " " + c.torch);
            for (int i = 0; i < v.length; i++) {
                Input in = c.inputs[i];
                double[] x = values(in, gen);
                v[i] = of(x, in.shape).to(in.dtype).requiresGrad(true);
                lines.add("in " + (in.dtype == DType.FLOAT32 ? "f32" : "f64") + " " + shape(in.shape) + " " + str(x));
            }
            Tensor y;
            try {
                y = c.jgrad.apply(v);
            } catch (RuntimeException e) {
                failures.put(c.name, "jgrad threw " + e);
                y = null;
            }
            double[] g = new double[y == null ? 0 : y.numel()];
            for (int i = 0; i < g.length; i++) {
                g[i] = 0.5 + gen.nextDouble();
            }
            lines.add("g f64 " + (y == null ? "none" : shape(y.shape)) + " " + str(g));
            if (y != null && y.requiresGrad()) {
                y.backward(of(g, y.shape));
            }
            ours.put(c.name, y);
            leaves.put(c.name, v);
        }
        Path dir = Files.createTempDirectory("jgrad-api-parity");
        try {
            Files.write(dir.resolve("cases.txt"), lines, StandardCharsets.UTF_8);
            PyTorch.Result python = PyTorch.run(dir, SCRIPT, 120);
            assertEquals(0, python.exitCode(), () -> "python failed:\n" + python.output());
            List<String> res = Files.readAllLines(dir.resolve("results.txt"), StandardCharsets.UTF_8);
            int at = 0;
            for (Case c : cs) {
                assertEquals("case " + c.name, res.get(at++));
                String[] out = res.get(at++).split(" ", 4);
                Tensor y = ours.get(c.name);
                Tensor[] v = leaves.get(c.name);
                boolean torchGrad = at < res.size() && res.get(at).startsWith("grad ");
                double[][] torchGrads = new double[v.length][];
                for (int i = 0; torchGrad && i < v.length; i++) {
                    String gl = res.get(at++).substring(5);
                    torchGrads[i] = gl.equals("none") ? null : parse(gl);
                }
                if (y == null) {
                    continue;
                }
                try {
                    compare(c, y, v, out, torchGrad, torchGrads);
                } catch (AssertionError e) {
                    failures.put(c.name, e.getMessage());
                }
            }
        } finally {
            try (var files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
        if (!failures.isEmpty()) {
            StringBuilder sb = new StringBuilder(failures.size() + " of " + cs.size() + " cases differ from PyTorch:");
            failures.forEach((k, m) -> sb.append("\n  ").append(k).append(": ").append(m));
            fail(sb.toString());
        }
    }

    private static void compare(Case c, Tensor y, Tensor[] v, String[] out, boolean torchGrad, double[][] torchGrads) {
        String torchDtype = out[1];
        int[] torchShape = out[2].equals("-") ? new int[0] : java.util.Arrays.stream(out[2].split("x")).mapToInt(Integer::parseInt).toArray();
        assertArrayEquals(torchShape, y.shape(), "shape " + Shapes.str(torchShape) + " expected, got " + Shapes.str(y.shape));
        if (torchDtype.startsWith("float")) {
            DType want = torchDtype.equals("float32") ? DType.FLOAT32 : DType.FLOAT64;
            assertEquals(want, y.dtype(), "result dtype");
        }
        double rtol = y.dtype() == DType.FLOAT32 ? 2e-6 : 1e-12;
        assertClose("output", parse(out.length > 3 ? out[3] : ""), y.toDoubleArray(), rtol);
        assertEquals(torchGrad, y.requiresGrad(), "differentiable");
        for (int i = 0; torchGrad && i < v.length; i++) {
            Tensor g = v[i].grad();
            if (torchGrads[i] == null) {
                assertTrue(g == null || allZero(g), "input " + i + " has a gradient, torch none");
                continue;
            }
            assertTrue(g != null, "input " + i + " has no gradient");
            assertEquals(v[i].dtype(), g.dtype(), "gradient dtype of input " + i);
            // a float64 0-d operand of a float32 op gets a gradient computed in float32, as in torch
            boolean f32 = v[i].dtype() == DType.FLOAT32 || y.dtype() == DType.FLOAT32;
            assertClose("gradient of input " + i, torchGrads[i], g.toDoubleArray(), f32 ? 2e-6 : 1e-12);
        }
    }

    /** A float64 tensor of any rank, 0 included (Tensor.of reads an empty shape as [length]). */
    private static Tensor of(double[] values, int[] shape) {
        return shape.length == 0 ? Tensor.of(values).reshape() : Tensor.of(values, shape);
    }

    private static boolean allZero(Tensor t) {
        for (double x : t.toDoubleArray()) {
            if (x != 0) {
                return false;
            }
        }
        return true;
    }
}
