package io.jgrad.bench;

import io.jgrad.nn.BatchNorm2d;
import io.jgrad.nn.Conv2d;
import io.jgrad.nn.CrossEntropyLoss;
import io.jgrad.nn.Dropout;
import io.jgrad.nn.Flatten;
import io.jgrad.nn.Linear;
import io.jgrad.nn.MaxPool2d;
import io.jgrad.nn.Module;
import io.jgrad.nn.ReLU;
import io.jgrad.nn.Sequential;
import io.jgrad.optim.Adam;
import io.jgrad.optim.Optimizer;
import io.jgrad.tensor.Backends;
import io.jgrad.tensor.CapturedStep;
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
 * Whole training steps through the public API, as a user writes them: forward, cross-entropy, zeroGrad, backward,
 * Adam step (lr 1e-3). Run with {@code -prof gc}: its {@code gc.alloc.rate.norm} is the bytes allocated per step
 * (on all threads), which buffer reuse should bring towards 0. The {@link Flops} counter holds the FLOP of the
 * step's convolutions and matrix products only (what dominates), so its rate is a lower bound of the work done.
 * Each step takes the next of 8 fixed random batches.
 *
 * <ul>
 *   <li>{@code mlp}: 784-256-128-10 ReLU MLP, batch 128 (the headline workload of bench/compare.sh).
 *   <li>{@code cnn}: {@code jgrad train --model cnn}'s network (conv32 3x3 pad 1, bn2d, relu, maxpool 2, conv64 3x3
 *       pad 1, bn2d, relu, maxpool 2, dropout .25, flatten, linear 128, relu, dropout .5, linear 10) on batches of
 *       64 images 1x28x28.
 * </ul>
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
@State(Scope.Thread)
public class StepBench {
    private static final int BATCHES = 8;

    @Param({"mlp", "cnn"})
    public String model;

    @Param({"1", "2"})
    public int threads;

    @Param({"recycled", "plain", "replayed"})
    public String memory;

    /** With memory=replayed: the step recorded in setup, replayed by each call. */
    private CapturedStep captured;

    private Module net;
    private Optimizer optimizer;
    private final CrossEntropyLoss lossFn = new CrossEntropyLoss();
    private final Tensor[] inputs = new Tensor[BATCHES], targets = new Tensor[BATCHES];
    private int next;
    private long flop;

    @Setup
    public void setup() {
        Backends.setThreads(threads);
        Generator.manualSeed(0);
        Generator gen = new Generator(1);
        int batch;
        int[] sample;
        if (model.equals("mlp")) {
            net = new Sequential(new Linear(784, 256), new ReLU(), new Linear(256, 128), new ReLU(), new Linear(128, 10));
            batch = 128;
            sample = new int[] {784};
            flop = 2L * batch * (784 * 256 * 2 + 256 * 128 * 3 + 128 * 10 * 3);
        } else if (model.equals("cnn")) {
            net = new Sequential(
                    new Conv2d(1, 32, 3, 1, 1), new BatchNorm2d(32), new ReLU(), new MaxPool2d(2),
                    new Conv2d(32, 64, 3, 1, 1), new BatchNorm2d(64), new ReLU(), new MaxPool2d(2),
                    new Dropout(0.25), new Flatten(), new Linear(64 * 7 * 7, 128), new ReLU(), new Dropout(0.5),
                    new Linear(128, 10));
            batch = 64;
            sample = new int[] {1, 28, 28};
            // per product 2 * M * K * N; the first convolution needs no input gradient (x, dW), the others 3
            long conv1 = 2L * batch * 28 * 28 * 32 * 9, conv2 = 2L * batch * 14 * 14 * 64 * 32 * 9;
            long fc1 = 2L * batch * 3136 * 128, fc2 = 2L * batch * 128 * 10;
            flop = 2 * conv1 + 3 * conv2 + 3 * fc1 + 3 * fc2;
        } else {
            throw new IllegalArgumentException("model must be mlp or cnn, got " + model);
        }
        net.train();
        optimizer = new Adam(net.parameters(), 1e-3);
        int[] shape = new int[sample.length + 1];
        shape[0] = batch;
        System.arraycopy(sample, 0, shape, 1, sample.length);
        for (int i = 0; i < BATCHES; i++) {
            inputs[i] = Tensor.rand(gen, shape);
            float[] t = new float[batch];
            for (int r = 0; r < batch; r++) {
                t[r] = gen.nextInt(10);
            }
            targets[i] = Tensor.of(t, batch);
        }
        if (memory.equals("replayed")) { // as Trainer does: one step as usual, then the second one recorded
            step(new Flops());
            optimizer.zeroGrad();
            captured = CapturedStep.record(in -> {
                Tensor loss = lossFn.forward(net.forward(in[0]), in[1]);
                loss.backward();
                return new Tensor[] {loss};
            }, inputs[1], targets[1]);
            if (captured.refusal() != null) {
                throw new IllegalStateException("StepBench: the " + model + " step cannot be replayed: " + captured.refusal());
            }
            optimizer.step();
            next = 2;
        }
    }

    /**
     * One training step; returns the loss. With {@code memory=recycled} the forward, loss and backward run in a
     * {@code Tensor.recycling()} scope, as {@code Trainer} runs them; {@code plain} is the loop without it;
     * {@code replayed} copies the batch into the inputs of a step recorded in setup and replays it (as {@code Trainer}
     * trains full batches after its first step).
     */
    @Benchmark
    public double step(Flops f) {
        int i = next;
        next = (next + 1) % BATCHES;
        optimizer.zeroGrad();
        double value;
        if (captured != null) {
            captured.input(0).copy_(inputs[i]);
            captured.input(1).copy_(targets[i]);
            captured.replay();
            value = captured.output(0).item();
            optimizer.step();
            f.flop += flop;
            return value;
        }
        try (var scope = memory.equals("recycled") ? Tensor.recycling() : null) {
            Tensor loss = lossFn.forward(net.forward(inputs[i]), targets[i]);
            loss.backward();
            value = loss.item();
        }
        optimizer.step();
        f.flop += flop;
        return value;
    }
}
