package io.jgrad.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import io.jgrad.data.DataLoader;
import io.jgrad.data.TensorDataset;
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
import io.jgrad.tensor.Backends;
import io.jgrad.tensor.Generator;
import io.jgrad.tensor.Tensor;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * Two models trained at the same time on two threads of one JVM (as Spark's local mode runs tasks): each must get
 * bitwise what it gets alone. The threads share the kernels' worker pool (one loop at a time: the other thread's
 * loops run on that thread) and nothing else; recycling scopes, autograd's state and generators are per thread.
 */
class ConcurrentTrainingTest {

    /**
     * The weights and last gradients after two epochs of an MLP whose first product (C of 128 x 256, K = 784) has its
     * K split into partial products held per calling thread.
     */
    private static float[] mlp(long seed, CyclicBarrier start) throws Exception {
        Generator gen = new Generator(seed);
        Module net = new Sequential(new Linear(784, 256, true, gen), new ReLU(), new Dropout(0.2, gen),
                new Linear(256, 10, true, gen));
        Tensor x = Tensor.randn(gen, 1024, 784);
        Tensor y = labels(gen, 1024);
        return train(net, new DataLoader(new TensorDataset(x, y), 128, true, false, new Generator(seed + 1)), start);
    }

    /** The same for a small CNN with batch norm, pooling and dropout. */
    private static float[] cnn(long seed, CyclicBarrier start) throws Exception {
        Generator gen = new Generator(seed);
        Module net = new Sequential(new Conv2d(1, 4, 3, 1, 1, 1, 1, true, gen), new BatchNorm2d(4), new ReLU(),
                new MaxPool2d(2), new Dropout(0.3, gen), new Flatten(), new Linear(4 * 6 * 6, 10, true, gen));
        Tensor x = Tensor.randn(gen, 96, 1, 12, 12);
        Tensor y = labels(gen, 96);
        return train(net, new DataLoader(new TensorDataset(x, y), 32, true, false, new Generator(seed + 1)), start);
    }

    /** n class labels in [0, 10) as floats. */
    private static Tensor labels(Generator gen, int n) {
        float[] y = new float[n];
        for (int i = 0; i < n; i++) {
            y[i] = gen.nextInt(10);
        }
        return Tensor.of(y);
    }

    private static float[] train(Module net, DataLoader loader, CyclicBarrier start) throws Exception {
        Trainer trainer = new Trainer(net, new CrossEntropyLoss(), new Adam(net.parameters(), 1e-2),
                Task.CLASSIFICATION).epochs(2);
        if (start != null) {
            start.await();
        }
        trainer.fit(loader, loader);
        java.util.List<Float> out = new java.util.ArrayList<>();
        for (Tensor p : net.parameters()) {
            for (float v : p.toFloatArray()) {
                out.add(v);
            }
            for (float v : p.grad().toFloatArray()) {
                out.add(v);
            }
        }
        float[] a = new float[out.size()];
        for (int i = 0; i < a.length; i++) {
            a[i] = out.get(i);
        }
        return a;
    }

    @FunctionalInterface
    private interface Run {
        float[] on(long seed, CyclicBarrier start) throws Exception;
    }

    @Test
    void twoModelsTrainedAtOnceOnTwoThreadsEachGetWhatTheyGetAlone() throws Exception {
        int saved = Backends.threads();
        ExecutorService threads = Executors.newFixedThreadPool(2);
        try {
            for (int kernelThreads : new int[] {2, 1}) {
                Backends.setThreads(kernelThreads);
                for (Run[] pair : new Run[][] {{ConcurrentTrainingTest::mlp, ConcurrentTrainingTest::cnn},
                        {ConcurrentTrainingTest::mlp, ConcurrentTrainingTest::mlp}}) {
                    float[] aloneA = pair[0].on(1, null), aloneB = pair[1].on(2, null);
                    for (int round = 0; round < 2; round++) {
                        CyclicBarrier start = new CyclicBarrier(2);
                        Future<float[]> a = threads.submit((Callable<float[]>) () -> pair[0].on(1, start));
                        Future<float[]> b = threads.submit((Callable<float[]>) () -> pair[1].on(2, start));
                        assertArrayEquals(aloneA, a.get(), kernelThreads + " kernel threads, round " + round + ": first model");
                        assertArrayEquals(aloneB, b.get(), kernelThreads + " kernel threads, round " + round + ": second model");
                    }
                }
            }
        } finally {
            threads.shutdownNow();
            Backends.setThreads(saved);
        }
    }
}
