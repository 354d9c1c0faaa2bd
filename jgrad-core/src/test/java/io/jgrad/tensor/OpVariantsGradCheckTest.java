package io.jgrad.tensor;

import static io.jgrad.tensor.TensorAssertions.assertOp;
import static io.jgrad.tensor.TensorAssertions.awayFromZero;
import static io.jgrad.tensor.TensorAssertions.randn;
import static io.jgrad.tensor.TensorAssertions.uniform;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Every public differentiable op of {@link Tensor}, one row each, checked against finite differences (float64) and
 * float32 against float64 ({@link TensorAssertions#assertOp}) in the situations where a backward rule can go wrong
 * though the plain case passes:
 * <ul>
 * <li>plain: the op on contiguous leaves, shapes broadcasting both ways, 0-d and size-1 dimensions where the row
 * says so;
 * <li>strided: each input a view at offset 1 with every stride doubled (element [..., 1] of a tensor one dimension
 * longer), never contiguous;
 * <li>transposed: each input of rank 2 or more a transposed view;
 * <li>strided gradient: the output transposed, or summed over dimension 0 with keepDim (whose backward hands the op
 * an expanded gradient of stride 0);
 * <li>twice: the output multiplied by itself (one node receives the sum of two gradients), and the op run twice on
 * the same leaves, with every input the same tensor where the shapes allow (two paths into one leaf).
 * </ul>
 * Inputs stay away from kinks and ties (those are compared with PyTorch in {@link TensorApiTorchParityTest}).
 */
class OpVariantsGradCheckTest {
    /** One op: a name, the op over its inputs, and float64 inputs. */
    private record Op(String name, Function<Tensor[], Tensor> f, Tensor... inputs) {}

    private static Tensor pos(long seed, int... shape) {
        return uniform(seed, 0.5, 2.0, shape);
    }

    private static List<Op> ops() {
        List<Op> ops = new ArrayList<>();
        long s = 1;
        // broadcasting binary ops: [3, 1] against [1, 4] (each operand broadcast), [2, 3, 4] against [3, 1], 0-d on
        // either side, equal shapes
        int[][][] pairs = {{{3, 1}, {1, 4}}, {{2, 3, 4}, {3, 1}}, {{}, {2, 3}}, {{2, 3}, {}}, {{2, 3}, {2, 3}}};
        for (int[][] p : pairs) {
            String sh = Shapes.str(p[0]) + " " + Shapes.str(p[1]);
            ops.add(new Op("add " + sh, v -> v[0].add(v[1]), randn(s++, p[0]), randn(s++, p[1])));
            ops.add(new Op("sub " + sh, v -> v[0].sub(v[1]), randn(s++, p[0]), randn(s++, p[1])));
            ops.add(new Op("mul " + sh, v -> v[0].mul(v[1]), randn(s++, p[0]), randn(s++, p[1])));
            ops.add(new Op("div " + sh, v -> v[0].div(v[1]), randn(s++, p[0]), awayFromZero(s++, p[1])));
            ops.add(new Op("pow " + sh, v -> v[0].pow(v[1]), pos(s++, p[0]), randn(s++, p[1])));
            ops.add(new Op("maximum " + sh, v -> v[0].maximum(v[1]), randn(s++, p[0]), randn(s++, p[1])));
            ops.add(new Op("minimum " + sh, v -> v[0].minimum(v[1]), randn(s++, p[0]), randn(s++, p[1])));
        }
        Tensor mask = randn(s++, 3, 1).gt(0.0);
        ops.add(new Op("where", v -> Tensor.where(mask, v[0], v[1]), randn(s++, 3, 4), randn(s++, 4)));
        // element-wise with a constant
        ops.add(new Op("add(c)", v -> v[0].add(1.5), randn(s++, 3, 4)));
        ops.add(new Op("sub(c)", v -> v[0].sub(1.5), randn(s++, 3, 4)));
        ops.add(new Op("mul(c)", v -> v[0].mul(-2.5), randn(s++, 3, 4)));
        ops.add(new Op("div(c)", v -> v[0].div(4.0), randn(s++, 3, 4)));
        ops.add(new Op("rdiv", v -> v[0].rdiv(3.0), awayFromZero(s++, 3, 4)));
        ops.add(new Op("neg", v -> v[0].neg(), randn(s++, 3, 4)));
        ops.add(new Op("pow(3)", v -> v[0].pow(3), randn(s++, 3, 4)));
        ops.add(new Op("pow(-1.5)", v -> v[0].pow(-1.5), pos(s++, 3, 4)));
        ops.add(new Op("exp", v -> v[0].exp(), randn(s++, 3, 4)));
        ops.add(new Op("log", v -> v[0].log(), pos(s++, 3, 4)));
        ops.add(new Op("sqrt", v -> v[0].sqrt(), pos(s++, 3, 4)));
        ops.add(new Op("abs", v -> v[0].abs(), awayFromZero(s++, 3, 4)));
        ops.add(new Op("clamp", v -> v[0].clamp(-0.7, 0.9), awayFromZero(s++, 3, 4)));
        ops.add(new Op("relu", v -> v[0].relu(), awayFromZero(s++, 3, 4)));
        ops.add(new Op("sigmoid", v -> v[0].sigmoid(), randn(s++, 3, 4)));
        ops.add(new Op("tanh", v -> v[0].tanh(), randn(s++, 3, 4)));
        ops.add(new Op("leakyRelu", v -> v[0].leakyRelu(0.1), awayFromZero(s++, 3, 4)));
        ops.add(new Op("elu", v -> v[0].elu(1.3), awayFromZero(s++, 3, 4)));
        ops.add(new Op("gelu", v -> v[0].gelu(), randn(s++, 3, 4)));
        ops.add(new Op("dropout", v -> v[0].dropout(0.4, new Generator(7)), randn(s++, 3, 4))); // the same mask each call
        ops.add(new Op("exp 0-d", v -> v[0].exp(), randn(s++)));
        // reductions, with keepDim, size-1 dimensions and 0-d inputs
        ops.add(new Op("sum", v -> v[0].sum(), randn(s++, 3, 4)));
        ops.add(new Op("sum(dim)", v -> v[0].sum(1, false), randn(s++, 2, 3, 4)));
        ops.add(new Op("sum(dims, keep)", v -> v[0].sum(new int[] {0, -1}, true), randn(s++, 2, 3, 4)));
        ops.add(new Op("sum size-1 dim", v -> v[0].sum(1, false), randn(s++, 3, 1)));
        ops.add(new Op("sum 0-d", v -> v[0].sum(0, true), randn(s++)));
        ops.add(new Op("mean", v -> v[0].mean(), randn(s++, 3, 4)));
        ops.add(new Op("mean(dim, keep)", v -> v[0].mean(-2, true), randn(s++, 2, 3, 4)));
        ops.add(new Op("var", v -> v[0].var(1, false), randn(s++, 3, 4)));
        ops.add(new Op("std", v -> v[0].std(0, true), randn(s++, 3, 4)));
        ops.add(new Op("max", v -> v[0].max(), randn(s++, 3, 4)));
        ops.add(new Op("min", v -> v[0].min(), randn(s++, 3, 4)));
        ops.add(new Op("max 0-d", v -> v[0].max(), randn(s++)));
        ops.add(new Op("max(dim)", v -> v[0].max(1, false), randn(s++, 2, 3, 4)));
        ops.add(new Op("min(dim, keep)", v -> v[0].min(-1, true), randn(s++, 2, 3, 4)));
        ops.add(new Op("max size-1 dim", v -> v[0].max(1, true), randn(s++, 3, 1)));
        ops.add(new Op("sumTo", v -> v[0].sumTo(3, 1), randn(s++, 2, 3, 4)));
        // shapes and views
        ops.add(new Op("reshape", v -> v[0].reshape(4, -1), randn(s++, 2, 3, 4)));
        ops.add(new Op("reshape to 0-d", v -> v[0].reshape(), randn(s++, 1, 1)));
        ops.add(new Op("permute", v -> v[0].permute(2, 0, 1), randn(s++, 2, 3, 4)));
        ops.add(new Op("transpose", v -> v[0].transpose(0, -1), randn(s++, 2, 3, 4)));
        ops.add(new Op("t", v -> v[0].t(), randn(s++, 3, 4)));
        ops.add(new Op("slice", v -> v[0].slice(1, 1, 3), randn(s++, 2, 4, 3)));
        ops.add(new Op("expand", v -> v[0].expand(2, 3, 4), randn(s++, 3, 1)));
        ops.add(new Op("unsqueeze", v -> v[0].unsqueeze(1), randn(s++, 3, 4)));
        ops.add(new Op("squeeze(dim)", v -> v[0].squeeze(1), randn(s++, 3, 1, 4)));
        ops.add(new Op("squeeze()", v -> v[0].squeeze(), randn(s++, 1, 3, 1, 4)));
        ops.add(new Op("flatten", v -> v[0].flatten(1), randn(s++, 2, 3, 4)));
        ops.add(new Op("contiguous", v -> v[0].contiguous(), randn(s++, 3, 4)));
        ops.add(new Op("copy", v -> v[0].copy(), randn(s++, 3, 4)));
        ops.add(new Op("cat", v -> Tensor.cat(1, v[0], v[1]), randn(s++, 3, 2), randn(s++, 3, 4)));
        ops.add(new Op("stack", v -> Tensor.stack(1, v[0], v[1]), randn(s++, 3, 4), randn(s++, 3, 4)));
        ops.add(new Op("split", v -> {
            List<Tensor> pieces = v[0].split(2, 1);
            return pieces.get(0).mul(pieces.get(1)).add(pieces.get(2).sum(1, true));
        }, randn(s++, 3, 5)));
        // products, picks, softmax
        ops.add(new Op("matmul", v -> v[0].matmul(v[1]), randn(s++, 3, 4), randn(s++, 4, 5)));
        ops.add(new Op("matmul batched", v -> v[0].matmul(v[1]), randn(s++, 2, 3, 4), randn(s++, 4, 2)));
        ops.add(new Op("matmul vector", v -> v[0].matmul(v[1]), randn(s++, 4), randn(s++, 4, 3)));
        ops.add(new Op("linear", v -> Tensor.linear(v[0], v[1], v[2]), randn(s++, 5, 3), randn(s++, 4, 3), randn(s++, 4)));
        ops.add(new Op("linear 3-D", v -> Tensor.linear(v[0], v[1], null), randn(s++, 2, 5, 3), randn(s++, 4, 3)));
        ops.add(new Op("indexSelect", v -> v[0].indexSelect(1, 2, 0, 2), randn(s++, 3, 4)));
        Tensor index = Tensor.of(new double[] {2, 0, 2, 1, 1, 0}, 3, 2);
        ops.add(new Op("gather", v -> v[0].gather(1, index), randn(s++, 3, 4)));
        // along dim 1: softmax along 0 summed over 0 (the expanded-gradient variant) is constant, its gradient 0
        ops.add(new Op("softmax", v -> v[0].softmax(1), randn(s++, 3, 4)));
        ops.add(new Op("logSoftmax", v -> v[0].logSoftmax(-1), randn(s++, 3, 4)));
        Tensor target = Tensor.of(new double[] {3, 0, 1});
        ops.add(new Op("crossEntropy", v -> v[0].crossEntropy(target), randn(s++, 3, 4)));
        // convolution, normalization, pooling (NCHW)
        ops.add(new Op("conv2d", v -> Tensor.conv2d(v[0], v[1], v[2], 1, 1, 1, 1), randn(s++, 2, 2, 4, 4),
                randn(s++, 3, 2, 3, 3), randn(s++, 3)));
        ops.add(new Op("conv2d groups stride", v -> Tensor.conv2d(v[0], v[1], null, 2, 0, 1, 2), randn(s++, 2, 4, 5, 5),
                randn(s++, 2, 2, 2, 2)));
        ops.add(new Op("batchNorm training", v -> Tensor.batchNorm(v[0], v[1], v[2], null, null, true, 0.1, 1e-5),
                randn(s++, 3, 2, 2, 2), pos(s++, 2), randn(s++, 2)));
        Tensor mean = randn(s++, 2), var = pos(s++, 2);
        ops.add(new Op("batchNorm eval", v -> Tensor.batchNorm(v[0], v[1], v[2], mean, var, false, 0.1, 1e-5),
                randn(s++, 3, 2, 2, 2), pos(s++, 2), randn(s++, 2)));
        ops.add(new Op("maxPool2d", v -> v[0].maxPool2d(2, 2, 1), randn(s++, 2, 2, 4, 4)));
        ops.add(new Op("avgPool2d", v -> v[0].avgPool2d(3, 2, 1), randn(s++, 2, 2, 5, 5)));
        ops.add(new Op("adaptiveAvgPool2d", v -> v[0].adaptiveAvgPool2d(2, 3), randn(s++, 2, 2, 5, 4)));
        return ops;
    }

    /** Input i as element [..., 1] of a tensor of its shape + [2]: the op then reads a view at offset 1, strides doubled. */
    private static Tensor padded(Tensor x) {
        return Tensor.stack(-1, x.add(100.0), x); // junk at [..., 0], which the op must never read
    }

    private static Tensor unpadded(Tensor p) {
        return p.slice(-1, 1, 2).squeeze(-1);
    }

    private static Function<Tensor[], Tensor> onViews(Op op, Function<Tensor, Tensor> view) {
        return v -> {
            Tensor[] views = new Tensor[v.length];
            for (int i = 0; i < v.length; i++) {
                views[i] = view.apply(v[i]);
            }
            return op.f.apply(views);
        };
    }

    private static DynamicTest check(Op op, String variant, Function<Tensor[], Tensor> f, Tensor... inputs) {
        return DynamicTest.dynamicTest(op.name + ": " + variant, () -> {
            try {
                assertOp(f, inputs);
            } catch (AssertionError e) {
                throw new AssertionError(op.name + ", " + variant + ": " + e.getMessage(), e);
            }
        });
    }

    @TestFactory
    Stream<DynamicTest> everyOpInEveryVariant() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Op op : ops()) {
            Tensor[] in = op.inputs;
            tests.add(check(op, "plain", op.f, in));

            Tensor[] padded = new Tensor[in.length];
            for (int i = 0; i < in.length; i++) {
                padded[i] = padded(in[i]);
            }
            tests.add(check(op, "strided inputs at offset 1", onViews(op, OpVariantsGradCheckTest::unpadded), padded));

            boolean anyMatrix = false;
            Tensor[] swapped = new Tensor[in.length];
            for (int i = 0; i < in.length; i++) {
                boolean matrix = in[i].dim() >= 2;
                anyMatrix |= matrix;
                swapped[i] = matrix ? in[i].transpose(0, 1).contiguous() : in[i];
            }
            if (anyMatrix) {
                tests.add(check(op, "transposed inputs", onViews(op, t -> t.dim() >= 2 ? t.transpose(0, 1) : t), swapped));
            }

            int outRank = op.f.apply(in).dim();
            if (outRank >= 2) {
                tests.add(check(op, "transposed output", v -> op.f.apply(v).transpose(0, -1), in));
            }
            if (outRank >= 1) {
                tests.add(check(op, "expanded gradient", v -> op.f.apply(v).sum(0, true), in));
            }

            tests.add(check(op, "output used twice", v -> {
                Tensor y = op.f.apply(v);
                return y.mul(y);
            }, in));
            tests.add(check(op, "op run twice on the same leaves", v -> op.f.apply(v).add(op.f.apply(v).mul(0.5)), in));
            if (in.length > 1) {
                boolean sameShapes = true;
                for (Tensor t : in) {
                    sameShapes &= java.util.Arrays.equals(t.shape(), in[0].shape());
                }
                if (sameShapes) {
                    tests.add(check(op, "one tensor as every input", v -> {
                        Tensor[] same = new Tensor[in.length];
                        java.util.Arrays.fill(same, v[0]);
                        return op.f.apply(same);
                    }, in[0]));
                }
            }
        }
        return tests.stream();
    }
}
