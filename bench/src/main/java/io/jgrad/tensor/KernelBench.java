package io.jgrad.tensor;

import io.jgrad.bench.Bytes;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The memory-bound kernels of an MLP training step, called through the backend on outputs allocated once, so the
 * figure is the kernel's alone (the op around it also allocates its output; see StepBench for the whole step).
 * In this package because {@link Backend} is package-private. Shapes are those of the 784-256-128-10 MLP at batch
 * 128: activations [128, 256] (the largest), logits [128, 10], and the optimizer updates over the 6 parameter
 * tensors (235,146 floats). {@link Bytes} counts each array read or written once: bench/jmh.sh prints GB/s.
 * One thread: these kernels do not split work.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
@State(Scope.Thread)
public class KernelBench {
    private static final int BATCH = 128, HIDDEN = 256, CLASSES = 10;
    private static final int[][] PARAMS = {{256, 784}, {256}, {128, 256}, {128}, {10, 128}, {10}};

    private Backend be;
    private Tensor x, g, out, bias;
    private Tensor logits, logp, loss, lossGrad, logitsGrad;
    private Tensor target;
    private int[] classes;
    private final Tensor[] p = new Tensor[PARAMS.length], pg = new Tensor[PARAMS.length], m = new Tensor[PARAMS.length],
            v = new Tensor[PARAMS.length];
    private long paramCount;

    @Setup
    public void setup() {
        Backends.setThreads(1);
        be = Backends.current();
        Generator gen = new Generator(1);
        x = Tensor.randn(gen, BATCH, HIDDEN);
        g = Tensor.randn(gen, BATCH, HIDDEN);
        out = Tensor.empty(DType.FLOAT32, new int[] {BATCH, HIDDEN});
        bias = Tensor.randn(gen, HIDDEN);
        logits = Tensor.randn(gen, BATCH, CLASSES);
        logp = Tensor.empty(DType.FLOAT32, new int[] {BATCH, CLASSES});
        loss = Tensor.empty(DType.FLOAT32, new int[] {BATCH});
        lossGrad = Tensor.full(1.0 / BATCH, BATCH);
        logitsGrad = Tensor.empty(DType.FLOAT32, new int[] {BATCH, CLASSES});
        float[] t = new float[BATCH];
        for (int r = 0; r < BATCH; r++) {
            t[r] = r % CLASSES;
        }
        target = Tensor.of(t, BATCH);
        classes = new int[BATCH];
        be.crossEntropy(logits, target, classes, logp, loss);
        paramCount = 0;
        for (int i = 0; i < PARAMS.length; i++) {
            p[i] = Tensor.randn(gen, PARAMS[i]);
            pg[i] = Tensor.randn(gen, PARAMS[i]).mul(1e-2);
            m[i] = Tensor.zeros(PARAMS[i]);
            v[i] = Tensor.zeros(PARAMS[i]);
            paramCount += p[i].numel();
        }
    }

    /** out = max(x, 0): reads x, writes out. */
    @Benchmark
    public Tensor reluForward(Bytes b) {
        be.unary(UnaryOp.RELU, 0, 0, x, out);
        b.bytes += 8L * out.numel();
        return out;
    }

    /** out = g where x &gt; 0 else 0: reads g and x, writes out. */
    @Benchmark
    public Tensor reluBackward(Bytes b) {
        be.binary(BinaryOp.RELU_GRAD, g, x, out);
        b.bytes += 12L * out.numel();
        return out;
    }

    /** out = x + bias, bias [256] broadcast over the rows: reads x (and bias), writes out. */
    @Benchmark
    public Tensor addBias(Bytes b) {
        be.binary(BinaryOp.ADD, x, bias, out);
        b.bytes += 8L * out.numel() + 4L * bias.numel();
        return out;
    }

    /** The fused Adam update of all MLP parameters: reads p, g, m, v, writes p, m, v. */
    @Benchmark
    public Tensor adam(Bytes b) {
        for (int i = 0; i < p.length; i++) {
            be.adam(p[i], pg[i], m[i], v[i], 0.9, 0.999, 1e-3, 0.03, 1e-8);
        }
        b.bytes += 28L * paramCount;
        return p[0];
    }

    /** The fused SGD-momentum update of all MLP parameters: reads p, g, buf, writes p, buf. */
    @Benchmark
    public Tensor momentum(Bytes b) {
        for (int i = 0; i < p.length; i++) {
            be.momentum(p[i], pg[i], m[i], 0.9, 0, 1e-3);
        }
        b.bytes += 20L * paramCount;
        return p[0];
    }

    /** Cross-entropy forward on logits [128, 10]: reads x and the targets, writes logp, the classes and the loss. */
    @Benchmark
    public Tensor crossEntropy(Bytes b) {
        be.crossEntropy(logits, target, classes, logp, loss);
        b.bytes += 8L * logits.numel() + 16L * BATCH;
        return loss;
    }

    /** Cross-entropy backward on logits [128, 10]: reads logp and dL/dloss, writes dL/dx. */
    @Benchmark
    public Tensor crossEntropyBackward(Bytes b) {
        be.crossEntropyBackward(logp, classes, lossGrad, logitsGrad);
        b.bytes += 8L * logits.numel() + 8L * BATCH;
        return logitsGrad;
    }
}
