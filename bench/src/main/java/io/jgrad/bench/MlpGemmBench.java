package io.jgrad.bench;

import io.jgrad.tensor.Backends;
import io.jgrad.tensor.Generator;
import io.jgrad.tensor.Tensor;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The 8 matrix products of one training step of the 784-256-128-10 MLP at batch 128, through the public
 * {@link Tensor#matmul} on the same views as {@code Linear} (weights stored [out, in]), so with what a user gets:
 * the backend jgrad picked. {@code memory=recycled} takes the output from a {@code Tensor.recycling()} scope opened
 * around each call, as {@code Trainer} opens one around each step (the GEMM writes every element, so nothing is
 * zeroed); {@code memory=plain} allocates a zeroed output per call, as outside such a scope.
 *
 * <p>Shapes are named {@code <product><layer>_MxKxN} for C[M, N] = A[M, K] B[K, N]: {@code fwd} is x W^T (B a
 * transposed view), {@code dX} is dY W (both row-major; not for the first layer, whose input needs no gradient),
 * {@code dW} is dY^T x (A a transposed view). {@link #step} runs all 8 in the order of a step, 128.9 MFLOP.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
public class MlpGemmBench {
    static final int BATCH = 128;
    static final int[] SIZES = {784, 256, 128, 10};

    /** One product: its operands and FLOP count. */
    @State(Scope.Benchmark)
    public static class Product {
        @Param({"fwd1_128x784x256", "fwd2_128x256x128", "fwd3_128x128x10", "dX3_128x10x128", "dW3_10x128x128",
                "dX2_128x128x256", "dW2_128x128x256", "dW1_256x128x784"})
        public String shape;

        @Param({"1", "2"})
        public int threads;

        @Param({"recycled", "plain"})
        public String memory;

        Tensor a, b;
        long flop;

        @Setup
        public void setup() {
            Backends.setThreads(threads);
            Generator g = new Generator(1);
            String kind = shape.substring(0, 2);
            String[] mkn = shape.substring(shape.indexOf('_') + 1).split("x");
            int m = Integer.parseInt(mkn[0]), k = Integer.parseInt(mkn[1]), n = Integer.parseInt(mkn[2]);
            switch (kind) {
                case "fw" -> {  // x [batch, in] times W^T, W [out, in]
                    a = Tensor.randn(g, m, k);
                    b = Tensor.randn(g, n, k).t();
                }
                case "dX" -> {  // dY [batch, out] times W [out, in]
                    a = Tensor.randn(g, m, k);
                    b = Tensor.randn(g, k, n);
                }
                case "dW" -> {  // dY^T, dY [batch, out], times x [batch, in]
                    a = Tensor.randn(g, k, m).t();
                    b = Tensor.randn(g, k, n);
                }
                default -> throw new IllegalArgumentException("unknown GEMM shape " + shape);
            }
            flop = 2L * m * k * n;
        }
    }

    /** The operands of all 8 products of a step. */
    @State(Scope.Benchmark)
    public static class Step {
        @Param({"1", "2"})
        public int threads;

        @Param({"recycled", "plain"})
        public String memory;

        final Tensor[] x = new Tensor[3], w = new Tensor[3], dy = new Tensor[3];
        long flop;

        @Setup
        public void setup() {
            Backends.setThreads(threads);
            Generator g = new Generator(1);
            for (int l = 0; l < 3; l++) {
                x[l] = Tensor.randn(g, BATCH, SIZES[l]);
                w[l] = Tensor.randn(g, SIZES[l + 1], SIZES[l]);
                dy[l] = Tensor.randn(g, BATCH, SIZES[l + 1]);
                flop += 2L * BATCH * SIZES[l] * SIZES[l + 1] * (l > 0 ? 3 : 2);
            }
        }
    }

    /** One of the 8 products, chosen by {@code shape}. */
    @Benchmark
    public Tensor gemm(Product p, Flops f) {
        f.flop += p.flop;
        try (var scope = p.memory.equals("recycled") ? Tensor.recycling() : null) {
            return p.a.matmul(p.b);
        }
    }

    /** All 8 products of a step (forward layer 1 to 3, then backward 3 to 1). */
    @Benchmark
    public float step(Step s, Flops f) {
        float sink = 0;
        try (var scope = s.memory.equals("recycled") ? Tensor.recycling() : null) {
            for (int l = 0; l < 3; l++) {
                sink += s.x[l].matmul(s.w[l].t()).floatStorage()[0];
            }
            for (int l = 2; l >= 0; l--) {
                sink += s.dy[l].t().matmul(s.x[l]).floatStorage()[0];
                if (l > 0) {
                    sink += s.dy[l].matmul(s.w[l]).floatStorage()[0];
                }
            }
        }
        f.flop += s.flop;
        return sink;
    }
}
