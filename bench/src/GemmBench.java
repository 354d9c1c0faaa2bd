import io.jgrad.tensor.Backends;
import io.jgrad.tensor.Generator;
import io.jgrad.tensor.Tensor;
import java.util.Arrays;

/**
 * Times the 8 GEMMs of one training step of a 784-256-128-10 MLP (batch 128, weights stored [out, in] as in
 * jgrad's and PyTorch's Linear) and reports the time of one Fashion-MNIST "epoch of GEMMs" (469 steps).
 * Run by bench/gemm.sh; the backend is chosen with -Djgrad.blas=java|system|bundled|auto.
 *
 * <p>Usage: java --enable-native-access=ALL-UNNAMED -cp CLASSPATH bench/src/GemmBench.java [threads] [epochs] [warmupEpochs]
 * Prints one line: {@code RESULT <backend> <median ms/epoch> <GFLOP/s>} plus the per-epoch times, wall and (robust to
 * other processes when threads = 1) CPU time of the calling thread.
 */
public class GemmBench {
    static final int BATCH = 128, STEPS = 469;
    static final int[] SIZES = {784, 256, 128, 10};

    public static void main(String[] args) {
        int threads = args.length > 0 ? Integer.parseInt(args[0]) : 2;
        int epochs = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        int warmup = args.length > 2 ? Integer.parseInt(args[2]) : 1;
        Backends.setThreads(threads);
        Generator g = new Generator(1);
        int layers = SIZES.length - 1;
        Tensor[] x = new Tensor[layers], w = new Tensor[layers], dy = new Tensor[layers];
        for (int l = 0; l < layers; l++) {
            x[l] = Tensor.randn(g, BATCH, SIZES[l]);            // layer input
            w[l] = Tensor.randn(g, SIZES[l + 1], SIZES[l]);     // weight [out, in]
            dy[l] = Tensor.randn(g, BATCH, SIZES[l + 1]);       // gradient of the layer output
        }
        double flop = 0;
        for (int l = 0; l < layers; l++) {
            flop += 2.0 * BATCH * SIZES[l] * SIZES[l + 1];                 // forward y = x w^T
            flop += 2.0 * BATCH * SIZES[l] * SIZES[l + 1];                 // dW = dy^T x
            if (l > 0) flop += 2.0 * BATCH * SIZES[l] * SIZES[l + 1];      // dX = dy w (not for the input layer)
        }
        flop *= STEPS;
        double[] ms = new double[epochs], cpu = new double[epochs];
        // CPU time of this thread: with 1 thread, all the GEMM work, and not inflated by other processes' load
        java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
        float sink = 0;
        try (var s = Tensor.noGrad()) {
            for (int e = -warmup; e < epochs; e++) {
                long t0 = System.nanoTime(), c0 = mx.getCurrentThreadCpuTime();
                for (int step = 0; step < STEPS; step++) {
                    // results from the step's pool, as in training (Trainer opens this scope around each step):
                    // without it every product allocates and zeroes its result, which the GEMM does not need
                    try (var r = Tensor.recycling()) {
                        for (int l = 0; l < layers; l++) {
                            sink += x[l].matmul(w[l].t()).floatStorage()[0];
                        }
                        for (int l = layers - 1; l >= 0; l--) {
                            sink += dy[l].t().matmul(x[l]).floatStorage()[0];
                            if (l > 0) sink += dy[l].matmul(w[l]).floatStorage()[0];
                        }
                    }
                }
                if (e >= 0) {
                    ms[e] = (System.nanoTime() - t0) / 1e6;
                    cpu[e] = (mx.getCurrentThreadCpuTime() - c0) / 1e6;
                }
            }
        }
        double[] sorted = ms.clone();
        Arrays.sort(sorted);
        double med = sorted[epochs / 2];
        System.out.printf("RESULT jgrad-%s %.1f %.2f epochs_ms=%s threads=%d gflop=%.2f sink=%s main_thread_cpu_ms=%s%n",
                Backends.name(), med, flop / med / 1e6, Arrays.toString(Arrays.stream(ms).map(v -> Math.round(v)).toArray()),
                threads, flop / 1e9, Float.isFinite(sink) ? "ok" : "nan",
                Arrays.toString(Arrays.stream(cpu).map(v -> Math.round(v)).toArray()));
    }
}
