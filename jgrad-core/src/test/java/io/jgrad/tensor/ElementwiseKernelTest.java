package io.jgrad.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.function.Consumer;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * The backend's element-wise kernels (every unary and binary op, and the in-place updates optimizers use) against
 * plain scalar math, on lengths around the vector widths (1, 15, 16, 17, 33, 64 elements: loop tails and
 * no-tail cases), at offset 0 and inside larger arrays, in place and not. Each check is repeated ({@link #REPEATS}) so
 * that the JIT compiles (and vectorizes) the kernels while they are still being checked, and every array carries
 * sentinels around the view to catch writes outside it.
 */
class ElementwiseKernelTest {
    private static final int[] SIZES = {1, 15, 16, 17, 33, 64};
    private static final int REPEATS = 60;
    /** Fewer for the binary kernels: 6 layouts of 3 rows call them 18 times as often per repeat. */
    private static final int BINARY_REPEATS = 15;
    private static final double SENTINEL = -7777;

    /** The scalar parameters each unary op is tested with; exact in float32, so both dtypes see the same p, q. */
    private static double[] params(UnaryOp op) {
        return switch (op) {
            case POW -> new double[] {1.5, 0};
            case ADD_SCALAR -> new double[] {1.25, 0};
            case MUL_SCALAR -> new double[] {-2.5, 0};
            case DIV_SCALAR -> new double[] {3, 0};
            case RDIV_SCALAR -> new double[] {3, 0};
            case LEAKY_RELU -> new double[] {0.125, 0};
            case ELU -> new double[] {1.25, 0};
            case CLAMP, INSIDE -> new double[] {-0.75, 0.5};
            case GT_SCALAR, LT_SCALAR -> new double[] {0.25, 0};
            default -> new double[] {0, 0};
        };
    }

    /** True for ops tested on positive inputs only (their domain, or where a negative base has no real power). */
    private static boolean positive(UnaryOp op) {
        return op == UnaryOp.LOG || op == UnaryOp.SQRT || op == UnaryOp.POW || op == UnaryOp.RDIV_SCALAR;
    }

    /** op(x; p, q) in double, straight from the definition. */
    private static double unaryRef(UnaryOp op, double p, double q, double x) {
        return switch (op) {
            case NEG -> -x;
            case EXP -> Math.exp(x);
            case LOG -> Math.log(x);
            case SQRT -> Math.sqrt(x);
            case ABS -> Math.abs(x);
            case SIGN -> Math.signum(x);
            case RELU -> Math.max(x, 0);
            case SIGMOID -> 1 / (1 + Math.exp(-x));
            case TANH -> Math.tanh(x);
            case POW -> Math.pow(x, p);
            case ADD_SCALAR -> x + p;
            case MUL_SCALAR -> x * p;
            case DIV_SCALAR -> x / p;
            case RDIV_SCALAR -> p / x;
            case LEAKY_RELU -> x > 0 ? x : p * x;
            case ELU -> x > 0 ? x : p * Math.expm1(x);
            case ELU_GRAD -> x <= 0 ? p * Math.exp(x) : 1;
            case GELU -> x * SpecialFunctions.normalCdf(x);
            case GELU_GRAD -> SpecialFunctions.normalCdf(x) + x * SpecialFunctions.normalPdf(x);
            case CLAMP -> Math.min(Math.max(x, p), q);
            case INSIDE -> x >= p && x <= q ? 1 : 0;
            case GT_SCALAR -> x > p ? 1 : 0;
            case LT_SCALAR -> x < p ? 1 : 0;
        };
    }

    /** a op b in double, straight from the definition. */
    private static double binaryRef(BinaryOp op, double a, double b) {
        return switch (op) {
            case ADD -> a + b;
            case SUB -> a - b;
            case MUL -> a * b;
            case DIV -> a / b;
            case POW -> Math.pow(a, b);
            case MAX -> Math.max(a, b);
            case MIN -> Math.min(a, b);
            case GT -> a > b ? 1 : 0;
            case GE -> a >= b ? 1 : 0;
            case LT -> a < b ? 1 : 0;
            case LE -> a <= b ? 1 : 0;
            case EQ -> a == b ? 1 : 0;
            case NOT_LT -> !(a < b) ? 1 : 0;
            case NOT_GE -> !(a >= b) ? 1 : 0;
            case RELU_GRAD -> b <= 0 ? 0 : a;
        };
    }

    /** x rounded to the dtype: +, -, *, / and sqrt of dtype values done in double and rounded once are exact. */
    private static double round(DType dt, double x) {
        return dt == DType.FLOAT32 ? (float) x : x;
    }

    /**
     * A 1-D view of n elements at offset {@code off} of an array of n + off + 3, filled with values from gen
     * (|x| in [0.1, 3], positive if asked, every 7th one exactly 0 unless positive); the rest holds SENTINEL.
     */
    private record Buf(Tensor base, Tensor view, int off) {
        static Buf of(DType dt, Generator gen, int n, int off, boolean positive) {
            Tensor base = Tensor.full(dt, SENTINEL, n + off + 3);
            Tensor view = base.slice(0, off, off + n);
            for (int i = 0; i < n; i++) {
                double v = 0.1 + 2.9 * gen.nextDouble();
                view.set(positive ? v : i % 7 == 3 ? 0 : gen.nextDouble() < 0.5 ? -v : v, i);
            }
            return new Buf(base, view, off);
        }

        /** Fails if anything outside the view changed. */
        void assertSentinels(String what) {
            double[] all = base.toDoubleArray();
            for (int i = 0; i < all.length; i++) {
                if ((i < off || i >= off + view.numel()) && all[i] != SENTINEL) {
                    fail(what + ": element " + i + " of the array outside the view [" + off + ", " + (off + view.numel())
                            + ") was overwritten with " + all[i]);
                }
            }
        }
    }

    /** Fails unless got equals expected rounded to the dtype, within 2 ulps unless exact; what is built only then. */
    private static void assertClose(DType dt, double expected, double got, boolean exact, Supplier<String> what) {
        double e = round(dt, expected);
        double tol = exact ? 0 : 2 * (dt == DType.FLOAT32 ? Math.ulp((float) e) : Math.ulp(e));
        if (got != e && !(Math.abs(got - e) <= tol) && !(Double.isNaN(e) && Double.isNaN(got))) {
            fail(what.get() + ": got " + got + ", expected " + e + " (tolerance " + tol + ")");
        }
    }

    /** True for the ops whose float results the kernel must round exactly as one IEEE operation. */
    private static boolean exact(UnaryOp op) {
        return switch (op) {
            case NEG, ABS, SIGN, RELU, SQRT, ADD_SCALAR, MUL_SCALAR, DIV_SCALAR, RDIV_SCALAR, LEAKY_RELU, CLAMP, INSIDE, GT_SCALAR,
                 LT_SCALAR -> true;
            default -> false;
        };
    }

    @Test
    void unaryKernelsOnAwkwardLengthsOffsetsAndInPlace() {
        Backend be = Backends.current();
        for (DType dt : DType.values()) {
            for (UnaryOp op : UnaryOp.values()) {
                double[] pq = params(op);
                for (int n : SIZES) {
                    for (int variant = 0; variant < 3; variant++) { // 0: offset 0, 1: offsets 3 and 5, 2: in place at offset 2
                        Generator gen = new Generator(n * 131L + variant * 7L + op.ordinal());
                        Buf x = Buf.of(dt, gen, n, variant == 0 ? 0 : variant == 1 ? 3 : 2, positive(op));
                        double[] x0 = x.view.toDoubleArray();
                        for (int rep = 0; rep < REPEATS; rep++) {
                            Buf out = variant == 2 ? x : Buf.of(dt, gen, n, variant == 0 ? 0 : 5, false);
                            if (variant == 2) {
                                for (int i = 0; i < n; i++) {
                                    x.view.set(x0[i], i);
                                }
                            }
                            be.unary(op, pq[0], pq[1], x.view, out.view);
                            String what = dt + " " + op + " n=" + n + " variant " + variant + " repeat " + rep;
                            for (int i = 0; i < n; i++) {
                                int at = i;
                                assertClose(dt, unaryRef(op, pq[0], pq[1], x0[i]), out.view.get(i), exact(op),
                                        () -> what + " element " + at);
                            }
                            out.assertSentinels(what);
                            x.assertSentinels(what);
                        }
                    }
                }
            }
        }
    }

    /** A 2-D operand: rows x cols filled by gen, stored as given or transposed, at an offset. */
    private static Tensor matrix(DType dt, Generator gen, int rows, int cols, boolean transposed, int off, boolean positive) {
        Buf b = Buf.of(dt, gen, rows * cols, off, positive);
        return transposed ? b.view.reshape(cols, rows).t() : b.view.reshape(rows, cols);
    }

    @Test
    void binaryKernelsOnAwkwardLengthsLayoutsAndBroadcasts() {
        Backend be = Backends.current();
        int rows = 3;
        for (DType dt : DType.values()) {
            for (BinaryOp op : BinaryOp.values()) {
                for (int n : SIZES) {
                    // 0: contiguous, offset 0; 1: contiguous at offsets; 2: b [rows, 1] broadcast along a row;
                    // 3: a [rows, 1] broadcast; 4: a transposed; 5: out is a (in place), offset 0
                    for (int layout = 0; layout < 6; layout++) {
                        Generator gen = new Generator(n * 71L + layout * 13L + op.ordinal());
                        boolean posA = op == BinaryOp.POW;
                        for (int rep = 0; rep < BINARY_REPEATS; rep++) {
                            Tensor a = switch (layout) {
                                case 1 -> matrix(dt, gen, rows, n, false, 3, posA);
                                case 3 -> matrix(dt, gen, rows, 1, false, 0, posA);
                                case 4 -> matrix(dt, gen, rows, n, true, 1, posA);
                                default -> matrix(dt, gen, rows, n, false, 0, posA);
                            };
                            Tensor b = switch (layout) {
                                case 1 -> matrix(dt, gen, rows, n, false, 5, false);
                                case 2 -> matrix(dt, gen, rows, 1, false, 0, false);
                                default -> matrix(dt, gen, rows, n, false, 0, false);
                            };
                            if (op == BinaryOp.EQ && b.shape()[1] == n && a.shape()[1] == n) {
                                for (int j = 0; j < n; j += 2) {
                                    b.set(a.get(1, j), 1, j); // some equal pairs
                                }
                            }
                            double[][] av = new double[rows][n], bv = new double[rows][n];
                            for (int i = 0; i < rows; i++) {
                                for (int j = 0; j < n; j++) {
                                    av[i][j] = a.get(i, a.shape()[1] == 1 ? 0 : j);
                                    bv[i][j] = b.get(i, b.shape()[1] == 1 ? 0 : j);
                                }
                            }
                            Tensor out = layout == 5 ? a : Tensor.empty(dt, new int[] {rows, n});
                            be.binary(op, a, b, out);
                            for (int i = 0; i < rows; i++) {
                                for (int j = 0; j < n; j++) {
                                    int r = i, c = j, l = layout, k = rep;
                                    assertClose(dt, binaryRef(op, av[i][j], bv[i][j]), out.get(i, j), op != BinaryOp.POW,
                                            () -> dt + " " + op + " [" + rows + ", " + n + "] layout " + l + " repeat " + k
                                                    + " element (" + r + ", " + c + ")");
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /**
     * The in-place tensor methods optimizers and users call (they run the backend's axpby, addcmul, addcdiv, unary
     * and binary kernels on this tensor's array) on views that start inside a larger array.
     */
    @Test
    void inPlaceOpsOnOffsetViews() {
        for (DType dt : DType.values()) {
            for (int n : SIZES) {
                for (int off : new int[] {0, 4}) {
                    Generator gen = new Generator(n * 17L + off);
                    Tensor t1 = Buf.of(dt, gen, n, 1, false).view, t2 = Buf.of(dt, gen, n, 2, true).view;
                    double[] a = t1.toDoubleArray(), b = t2.toDoubleArray();
                    checkInPlace(dt, gen, n, off, "add_(t, alpha)", y -> y.add_(t1, -0.75), (y, i) -> y + round(dt, -0.75 * a[i]));
                    checkInPlace(dt, gen, n, off, "add_(c)", y -> y.add_(1.25), (y, i) -> y + 1.25);
                    checkInPlace(dt, gen, n, off, "mul_", y -> y.mul_(-2.5), (y, i) -> y * -2.5);
                    checkInPlace(dt, gen, n, off, "div_", y -> y.div_(3), (y, i) -> y / 3);
                    checkInPlace(dt, gen, n, off, "axpby_", y -> y.axpby_(0.5, 1.5, t1),
                            (y, i) -> round(dt, 0.5 * y) + round(dt, 1.5 * a[i]));
                    checkInPlace(dt, gen, n, off, "addcmul_", y -> y.addcmul_(t1, t2, 0.25),
                            (y, i) -> y + round(dt, round(dt, 0.25 * a[i]) * b[i]));
                    checkInPlace(dt, gen, n, off, "addcdiv_", y -> y.addcdiv_(t1, t2, -0.5),
                            (y, i) -> y + round(dt, round(dt, -0.5 * a[i]) / b[i]));
                    checkInPlace(dt, gen, n, off, "clamp_", y -> y.clamp_(-0.75, 0.5), (y, i) -> Math.min(Math.max(y, -0.75), 0.5));
                    checkInPlace(dt, gen, n, off, "copy_", y -> y.copy_(t1), (y, i) -> a[i]);
                    checkInPlace(dt, gen, n, off, "sqrt_", Tensor::sqrt_, (y, i) -> Math.sqrt(Math.abs(y)));
                }
            }
        }
    }

    @FunctionalInterface
    private interface IndexedOp {
        double apply(double y, int i);
    }

    /** Applies op to a view of n elements at offset off and checks each element against expected(y, i), rounded. */
    private static void checkInPlace(DType dt, Generator gen, int n, int off, String name, Consumer<Tensor> op, IndexedOp expected) {
        for (int rep = 0; rep < REPEATS; rep++) {
            Buf y = Buf.of(dt, gen, n, off, name.equals("sqrt_"));
            double[] y0 = y.view.toDoubleArray();
            try (var s = Tensor.noGrad()) {
                op.accept(y.view);
            }
            String what = dt + " " + name + " n=" + n + " offset " + off + " repeat " + rep;
            for (int i = 0; i < n; i++) {
                assertEquals(round(dt, expected.apply(y0[i], i)), y.view.get(i), 0.0, what + " element " + i);
            }
            y.assertSentinels(what);
        }
    }
}
