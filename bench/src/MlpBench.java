import io.jgrad.data.DataLoader;
import io.jgrad.data.IdxDataset;
import io.jgrad.data.TensorDataset;
import io.jgrad.nn.Activations;
import io.jgrad.nn.CrossEntropyLoss;
import io.jgrad.nn.Linear;
import io.jgrad.nn.Module;
import io.jgrad.nn.Sequential;
import io.jgrad.optim.Adam;
import io.jgrad.optim.Optimizer;
import io.jgrad.optim.SGD;
import io.jgrad.tensor.Backends;
import io.jgrad.tensor.CapturedStep;
import io.jgrad.tensor.Generator;
import io.jgrad.tensor.Tensor;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The headline CPU workload through jgrad's public API: a 784-H1-H2-10 ReLU MLP trained on Fashion-MNIST with
 * cross-entropy, shuffled mini-batches, Adam (lr 1e-3) or SGD with momentum 0.9 (lr 0.05), float32. The same loop
 * as bench/torch_mlp.py, which bench/compare.sh runs alternately with this one.
 *
 * <p>Usage: java --enable-native-access=ALL-UNNAMED -cp CLASSPATH bench/src/MlpBench.java
 *     adam|sgd epochs threads hidden1 hidden2 batch maxSteps dataDir [seed]
 * (maxSteps 0 = whole epochs; otherwise each "epoch" stops after that many batches, for the scaling table).
 * Prints {@code RESULT jgrad <opt> <median s/epoch> <test accuracy %> <peak RSS MiB> <bytes allocated/step>
 * <median ms/step>} and the per-epoch times. The allocation is measured over 50 steps after the first epoch with
 * the JVM's per-thread allocation counters, summed over all threads. Before it, a PHASES line gives the mean
 * microseconds per step in each phase (zeroGrad, batch assembly, forward and loss, backward, optimizer step) over
 * the epochs after the first, for comparing two builds run alternately. {@code -Dactivation=NAME}, a name as
 * {@code jgrad train --activation} takes it (leaky_relu, tanh, sigmoid, elu, gelu...), replaces the ReLUs (not part
 * of the headline workload; for timing the other activations). From the second full batch on, the loop replays a
 * recorded step ({@link CapturedStep}), as {@code Trainer} does (the same results bit for bit);
 * {@code -Dcapture=false} runs every step through the ops and autograd instead. A replay's forward and backward
 * are one phase: the PHASES line puts it all under "forward+loss" and 0 under "backward".
 */
public class MlpBench {
    private static Module activation() {
        String name = System.getProperty("activation", "relu");
        Module module = Activations.hidden(name); // the names the command line takes (leaky_relu too)
        if (module == null) {
            throw new IllegalArgumentException("-Dactivation=" + name + ": expected " + Activations.HIDDEN_NAMES);
        }
        return module;
    }

    public static void main(String[] args) throws Exception {
        String opt = args[0];
        if (!opt.equals("adam") && !opt.equals("sgd")) { // anything else ran SGD under that name
            System.err.println("MlpBench: optimizer: expected adam or sgd, got '" + opt + "'");
            System.exit(2);
        }
        int epochs = Integer.parseInt(args[1]);
        int threads = Integer.parseInt(args[2]);
        int h1 = Integer.parseInt(args[3]), h2 = Integer.parseInt(args[4]), batch = Integer.parseInt(args[5]);
        int maxSteps = Integer.parseInt(args[6]);
        Path dir = Path.of(args[7]);
        long seed = args.length > 8 ? Long.parseLong(args[8]) : 0; // initialisation; shuffling uses seed + 1
        Backends.setThreads(threads);
        Generator.manualSeed(seed);
        TensorDataset train = IdxDataset.load(dir, true, true);
        TensorDataset test = IdxDataset.load(dir, false, true);
        Sequential model = new Sequential(new Linear(784, h1), activation(), new Linear(h1, h2), activation(),
                new Linear(h2, 10));
        Optimizer optimizer = opt.equals("adam") ? new Adam(model.parameters(), 1e-3)
                : new SGD(model.parameters(), 0.05, 0.9);
        CrossEntropyLoss lossFn = new CrossEntropyLoss();
        DataLoader loader = new DataLoader(train, batch, true, false, new Generator(seed + 1));
        double[] seconds = new double[epochs];
        long steps = 0;
        double lastLoss = Double.NaN;
        long allocBytes = -1;
        int allocSteps = 0;
        var mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long[] phases = new long[6]; // ns in zeroGrad, batch, forward + loss, backward + item, step; steps timed
        boolean capture = Boolean.parseBoolean(System.getProperty("capture", "true"));
        CapturedStep captured = null;
        int eagerSteps = 0;
        for (int e = 0; e < epochs; e++) {
            model.train();
            long t0 = System.nanoTime();
            int s = 0;
            long alloc0 = 0;
            for (DataLoader.Epoch batches = loader.iterator(); batches.hasNext(); ) {
                if (e == 1 && s == 10) {
                    alloc0 = mx.getTotalThreadAllocatedBytes();
                }
                long q0 = System.nanoTime();
                optimizer.zeroGrad();
                long q1 = System.nanoTime(), q2, q3, q4;
                if (captured != null && batches.nextSize() == batch) { // the recorded step on this batch
                    batches.nextInto(captured.input(0), captured.input(1));
                    q2 = System.nanoTime();
                    captured.replay();
                    lastLoss = captured.output(0).item();
                    q3 = q4 = System.nanoTime();
                } else {
                    try (var memory = Tensor.recycling()) { // as Trainer runs a step: the batch and activations reuse memory
                        DataLoader.Batch b = batches.next();
                        q2 = System.nanoTime();
                        if (capture && eagerSteps++ > 0 && b.size() == batch) { // the second full step, recorded
                            captured = CapturedStep.record(in -> {
                                Tensor l = lossFn.forward(model.forward(in[0]), in[1]);
                                l.backward();
                                return new Tensor[] {l};
                            }, b.features(), b.targets());
                            if (captured.refusal() != null) {
                                throw new IllegalStateException("MlpBench: the step cannot be replayed: " + captured.refusal());
                            }
                            lastLoss = captured.output(0).item();
                            q3 = q4 = System.nanoTime();
                        } else {
                            Tensor loss = lossFn.forward(model.forward(b.features()), b.targets());
                            q3 = System.nanoTime();
                            loss.backward();
                            lastLoss = loss.item();
                            q4 = System.nanoTime();
                        }
                    }
                }
                optimizer.step();
                if (e > 0) {
                    phases[0] += q1 - q0;
                    phases[1] += q2 - q1;
                    phases[2] += q3 - q2;
                    phases[3] += q4 - q3;
                    phases[4] += System.nanoTime() - q4;
                    phases[5]++;
                }
                s++;
                if (e == 1 && s == 60) {
                    allocBytes = mx.getTotalThreadAllocatedBytes() - alloc0;
                    allocSteps = 50;
                }
                if (maxSteps > 0 && s >= maxSteps) {
                    break;
                }
            }
            seconds[e] = (System.nanoTime() - t0) / 1e9;
            steps = s;
        }
        long timed = Math.max(1, phases[5]);
        System.out.printf("PHASES us/step after the first epoch: zeroGrad %.1f batch %.1f forward+loss %.1f backward %.1f"
                + " step %.1f%n", phases[0] / 1e3 / timed, phases[1] / 1e3 / timed, phases[2] / 1e3 / timed,
                phases[3] / 1e3 / timed, phases[4] / 1e3 / timed);
        double accuracy = accuracy(model, test);
        double[] sorted = seconds.clone();
        Arrays.sort(sorted);
        double median = epochs % 2 == 1 ? sorted[epochs / 2] : (sorted[epochs / 2 - 1] + sorted[epochs / 2]) / 2;
        System.out.printf("RESULT jgrad %s %.4f %.2f %.1f %d %.3f epochs_s=%s loss=%.4f backend=%s threads=%d%n", opt, median,
                accuracy, peakRssMiB(), allocSteps > 0 ? allocBytes / allocSteps : -1, median * 1e3 / steps,
                Arrays.toString(Arrays.stream(seconds).map(v -> Math.round(v * 1000) / 1000.0).toArray()), lastLoss,
                Backends.name(), threads);
    }

    /** Percentage of test samples whose largest logit is the true class. */
    static double accuracy(Module model, TensorDataset test) {
        model.eval();
        long correct = 0;
        try (var scope = Tensor.noGrad()) {
            for (DataLoader.Batch b : new DataLoader(test, 1000, false, false, null)) {
                float[] predicted = model.forward(b.features()).argmax(1, false).toFloatArray();
                float[] truth = b.targets().toFloatArray();
                for (int i = 0; i < predicted.length; i++) {
                    correct += predicted[i] == truth[i] ? 1 : 0;
                }
            }
        }
        return 100.0 * correct / test.size();
    }

    /** VmHWM of this process: the peak resident set of the whole JVM. */
    static double peakRssMiB() throws java.io.IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmHWM:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
            }
        }
        return -1;
    }
}
