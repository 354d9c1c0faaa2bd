package io.jgrad.nn;

import static org.junit.jupiter.api.Assertions.*;

import io.jgrad.tensor.DType;
import io.jgrad.tensor.Generator;
import io.jgrad.tensor.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Conv2d, the pools, BatchNorm1d/2d (training and eval), Dropout with p = 1 and Softmax/LogSoftmax over inner
 * dimensions against PyTorch 1.13 on the same data, in float32 and float64, on awkward shapes (batch 1, one channel,
 * unbatched [C, H, W] images): forward outputs, running statistics and num_batches_tracked, and the gradients of
 * the input, weight and bias of L = sum(y * r) for a fixed random r; and three SGD steps of a
 * small conv net with batch norm (running statistics, parameters, then eval-mode outputs). Data goes to
 * /usr/bin/python3 through raw little-endian files in a temporary directory; one python run serves all cases.
 */
class CnnTorchParityTest {
    private static final Path PYTHON = Path.of("/usr/bin/python3");
    private static final String NO_TORCH = "PyTorch not found: apt-get install python3-torch libopenblas0-pthread";
    private static final int NO_TORCH_EXIT = 77;
    private static final double LR = 0.1;
    private static final int STEPS = 3;

    /** One layer applied to x; {@code py} builds the same torch module. */
    private record Case(String name, DType dtype, String py, Module java, int[] inputShape) {}

    private static final String SCRIPT = """
            import json, sys
            try:
                import numpy as np
                import torch
            except ImportError:
                sys.exit(77)
            from torch import nn
            d = sys.argv[1]
            spec = json.load(open(d + '/spec.json'))
            def load(name, shape, dt):
                return torch.from_numpy(np.fromfile(d + '/' + name + '.bin', dtype=dt).reshape(shape).copy())
            def save(name, t):
                t = t.detach()
                t.numpy().astype(t.numpy().dtype.newbyteorder('<')).tofile(d + '/' + name + '.out.bin')
            def set_state(m, prefix, dt):
                state = m.state_dict()
                for k, v in state.items():
                    state[k] = load(prefix + k, list(v.shape), dt).to(v.dtype)
                m.load_state_dict(state)
            for c in spec['cases']:
                dt = c['dtype']
                torch.set_default_dtype(torch.float32 if dt == '<f4' else torch.float64)
                m = eval(c['py'])
                set_state(m, c['name'] + '.', dt)
                x = load(c['name'] + '.x', c['shape'], dt).requires_grad_(True)
                y = m(x)
                r = load(c['name'] + '.r', list(y.shape), dt)
                (y * r).sum().backward()
                save(c['name'] + '.y', y)
                save(c['name'] + '.gx', x.grad)
                for k, p in m.named_parameters():
                    save(c['name'] + '.g.' + k, p.grad)
                for k, b in m.named_buffers():
                    save(c['name'] + '.' + k, b.to(torch.float64))
            for net in spec['nets']:
                dt = net['dtype']
                torch.set_default_dtype(torch.float32 if dt == '<f4' else torch.float64)
                name = net['name']
                m = nn.Sequential(nn.Conv2d(2, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2),
                                  nn.Flatten(), nn.Linear(4 * 3 * 3, 3))
                set_state(m, name + '.', dt)
                for step in range(net['steps']):
                    x = load(name + '.x' + str(step), net['shape'], dt)
                    t = load(name + '.t' + str(step), [net['shape'][0], 3], dt)
                    m.zero_grad()
                    nn.functional.mse_loss(m(x), t).backward()
                    with torch.no_grad():
                        for p in m.parameters():
                            p -= net['lr'] * p.grad
                m.eval()
                save(name + '.eval', m(load(name + '.xe', net['shape'], dt)))
                for k, v in m.state_dict().items():
                    save(name + '.' + k, v.to(torch.float64))
            """;

    private static Path dir;
    private static boolean torchMissing;
    private static final List<Case> CASES = new ArrayList<>();
    private static final Map<String, Tensor> INPUTS = new LinkedHashMap<>();

    private static Conv2d conv(int in, int out, int k, int s, int p, int d, int g, boolean bias, long seed) {
        return new Conv2d(in, out, k, s, p, d, g, bias, new Generator(seed));
    }

    private static void addCases(DType dt) {
        String t = dt == DType.FLOAT32 ? "32" : "64";
        CASES.addAll(List.of(
                new Case("conv_plain" + t, dt, "nn.Conv2d(3, 5, 3)", conv(3, 5, 3, 1, 0, 1, 1, true, 1), new int[] {2, 3, 7, 9}),
                new Case("conv_strided" + t, dt, "nn.Conv2d(3, 4, 3, stride=2, padding=1, bias=False)",
                        conv(3, 4, 3, 2, 1, 1, 1, false, 2), new int[] {3, 3, 8, 7}),
                new Case("conv_dilated_groups" + t, dt, "nn.Conv2d(4, 6, 3, stride=1, padding=2, dilation=2, groups=2)",
                        conv(4, 6, 3, 1, 2, 2, 2, true, 3), new int[] {2, 4, 9, 6}),
                new Case("conv_depthwise" + t, dt, "nn.Conv2d(4, 8, 5, stride=3, padding=2, groups=4)",
                        conv(4, 8, 5, 3, 2, 1, 4, true, 4), new int[] {2, 4, 11, 10}),
                new Case("maxpool" + t, dt, "nn.MaxPool2d(3, 2, 1)", new MaxPool2d(3, 2, 1), new int[] {2, 3, 9, 8}),
                new Case("maxpool_plain" + t, dt, "nn.MaxPool2d(2)", new MaxPool2d(2), new int[] {2, 3, 6, 7}),
                new Case("avgpool" + t, dt, "nn.AvgPool2d(3, 2, 1)", new AvgPool2d(3, 2, 1), new int[] {2, 3, 9, 8}),
                new Case("adaptive" + t, dt, "nn.AdaptiveAvgPool2d((3, 4))", new AdaptiveAvgPool2d(3, 4),
                        new int[] {2, 3, 7, 6}),
                new Case("bn2d" + t, dt, "nn.BatchNorm2d(3)", batchNorm(new BatchNorm2d(3)), new int[] {4, 3, 5, 6}),
                // awkward shapes: batch 1, one channel, kernel larger than stride and the reverse, odd sizes
                new Case("conv_batch1_stride_over_kernel" + t, dt, "nn.Conv2d(3, 2, 2, stride=3, padding=1)",
                        conv(3, 2, 2, 3, 1, 1, 1, true, 5), new int[] {1, 3, 8, 7}),
                new Case("conv_dilated_tap_in_padding" + t, dt, "nn.Conv2d(3, 2, 3, stride=1, padding=2, dilation=2)",
                        conv(3, 2, 3, 1, 2, 2, 1, true, 10), new int[] {2, 3, 7, 1}),
                new Case("conv_dilated_strided_tap_in_padding" + t, dt,
                        "nn.Conv2d(3, 1, 4, stride=2, padding=3, dilation=3, bias=False)",
                        conv(3, 1, 4, 2, 3, 3, 1, false, 11), new int[] {1, 3, 8, 5}),
                new Case("maxpool_k4_s1_p2" + t, dt, "nn.MaxPool2d(4, 1, 2)", new MaxPool2d(4, 1, 2),
                        new int[] {1, 1, 5, 6}),
                new Case("avgpool_s3_k2" + t, dt, "nn.AvgPool2d(2, 3)", new AvgPool2d(2, 3), new int[] {1, 2, 7, 8}),
                // unbatched images [C, H, W], which PyTorch 1.13 takes as a batch of one
                new Case("conv_unbatched" + t, dt, "nn.Conv2d(3, 4, 3, stride=2, padding=1)",
                        conv(3, 4, 3, 2, 1, 1, 1, true, 6), new int[] {3, 7, 6}),
                new Case("conv_unbatched_1ch" + t, dt, "nn.Conv2d(1, 2, 4, stride=3, padding=2, bias=False)",
                        conv(1, 2, 4, 3, 2, 1, 1, false, 7), new int[] {1, 8, 9}),
                new Case("maxpool_unbatched" + t, dt, "nn.MaxPool2d(3, 2, 1)", new MaxPool2d(3, 2, 1),
                        new int[] {3, 7, 6}),
                new Case("avgpool_unbatched" + t, dt, "nn.AvgPool2d(3, 2, 1)", new AvgPool2d(3, 2, 1),
                        new int[] {2, 5, 4}),
                new Case("adaptive_unbatched" + t, dt, "nn.AdaptiveAvgPool2d((4, 3))", new AdaptiveAvgPool2d(4, 3),
                        new int[] {3, 5, 7}),
                // batch norm: batch 1 with spatial extent, 2-d and 3-d BatchNorm1d, eps and momentum, eval mode
                new Case("bn1d_batch1" + t, dt, "nn.BatchNorm1d(3)", batchNorm(new BatchNorm1d(3)), new int[] {1, 3, 5}),
                new Case("bn1d_2d" + t, dt, "nn.BatchNorm1d(3, eps=0.01, momentum=0.5)",
                        batchNorm(new BatchNorm1d(3, 0.01, 0.5)), new int[] {2, 3}),
                new Case("bn2d_batch1" + t, dt, "nn.BatchNorm2d(3, eps=0.1, momentum=0.7)",
                        batchNorm(new BatchNorm2d(3, 0.1, 0.7)), new int[] {1, 3, 2, 3}),
                new Case("bn2d_eval" + t, dt, "nn.BatchNorm2d(3).eval()", batchNorm(new BatchNorm2d(3)).eval(),
                        new int[] {1, 3, 3, 2}),
                // dropout with p = 1: zeros and a zero gradient in training, the identity in eval
                new Case("dropout_p1" + t, dt, "nn.Dropout(1.0)", new Dropout(1.0, new Generator(8)),
                        new int[] {2, 3, 4}),
                new Case("dropout2d_p1" + t, dt, "nn.Dropout2d(1.0)", new Dropout2d(1.0, new Generator(9)),
                        new int[] {2, 3, 2, 2}),
                new Case("dropout_p1_eval" + t, dt, "nn.Dropout(1.0).eval()", new Dropout(1.0).eval(),
                        new int[] {2, 3}),
                // softmax over a dimension that is not the last
                new Case("softmax_channels" + t, dt, "nn.Softmax(1)", new Softmax(1), new int[] {2, 3, 4, 5}),
                new Case("logsoftmax_channels" + t, dt, "nn.LogSoftmax(1)", new LogSoftmax(1), new int[] {1, 4, 3, 2}),
                new Case("logsoftmax_middle" + t, dt, "nn.LogSoftmax(-2)", new LogSoftmax(-2), new int[] {2, 5, 3})));
    }

    /** bn with non-trivial weight, bias and running statistics, for 3 channels. Returns bn. */
    private static BatchNorm batchNorm(BatchNorm bn) {
        try (var s = Tensor.noGrad()) {
            bn.weight().copy_(Tensor.uniform(new Generator(5), 0.5, 1.5, 3));
            bn.bias().copy_(Tensor.uniform(new Generator(6), -1, 1, 3));
            bn.runningMean().copy_(Tensor.of(new float[] {0.2f, -0.1f, 0.4f}));
            bn.runningVar().copy_(Tensor.of(new float[] {1.5f, 0.7f, 2}));
        }
        return bn;
    }

    private static Sequential net(DType dt) {
        Generator g = new Generator(77);
        Sequential net = new Sequential(new Conv2d(2, 4, 3, 1, 1, 1, 1, true, g), new BatchNorm2d(4), new ReLU(),
                new MaxPool2d(2), new Flatten(), new Linear(4 * 3 * 3, 3, true, g));
        net.to(dt);
        return net;
    }

    private static String tag(DType dt) {
        return dt == DType.FLOAT32 ? "<f4" : "<f8";
    }

    private static Tensor random(DType dt, long seed, int... shape) {
        return Tensor.normal(dt, new Generator(seed), 0, 1.5, shape);
    }

    @BeforeAll
    static void runPyTorch() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(PYTHON), NO_TORCH);
        dir = Files.createTempDirectory("jgrad-cnn-parity");
        addCases(DType.FLOAT32);
        addCases(DType.FLOAT64);
        StringBuilder cases = new StringBuilder();
        long seed = 100;
        for (Case c : CASES) {
            c.java().to(c.dtype());
            for (var e : c.java().stateDict().entrySet()) {
                write(c.name() + "." + e.getKey(), e.getValue().to(c.dtype()));
            }
            Tensor x = random(c.dtype(), seed++, c.inputShape());
            INPUTS.put(c.name() + ".x", x);
            write(c.name() + ".x", x);
            // a training-mode forward moves batch-norm statistics: restore the state python starts from
            Map<String, Tensor> state = new LinkedHashMap<>();
            c.java().stateDict().forEach((k, v) -> state.put(k, v.detach().copy()));
            Tensor y;
            try (var s = Tensor.noGrad()) {
                y = c.java().forward(x);
            }
            c.java().loadStateDict(state, true);
            Tensor r = Tensor.uniform(c.dtype(), new Generator(seed++), 0.5, 1.5, y.shape());
            INPUTS.put(c.name() + ".r", r);
            write(c.name() + ".r", r);
            cases.append(cases.isEmpty() ? "" : ", ").append("{\"name\": \"").append(c.name()).append("\", \"dtype\": \"")
                    .append(tag(c.dtype())).append("\", \"py\": \"").append(c.py()).append("\", \"shape\": ")
                    .append(Arrays.toString(c.inputShape())).append('}');
        }
        StringBuilder nets = new StringBuilder();
        for (DType dt : DType.values()) {
            String name = "net" + dt.bytes();
            for (var e : net(dt).stateDict().entrySet()) {
                write(name + "." + e.getKey(), e.getValue());
            }
            for (int s = 0; s < STEPS; s++) {
                write(name + ".x" + s, random(dt, 200 + s, 5, 2, 6, 6));
                write(name + ".t" + s, random(dt, 300 + s, 5, 3));
            }
            write(name + ".xe", random(dt, 400, 5, 2, 6, 6));
            nets.append(nets.isEmpty() ? "" : ", ").append("{\"name\": \"").append(name).append("\", \"dtype\": \"")
                    .append(tag(dt)).append("\", \"shape\": [5, 2, 6, 6], \"steps\": ").append(STEPS)
                    .append(", \"lr\": ").append(LR).append('}');
        }
        Files.writeString(dir.resolve("spec.json"), "{\"cases\": [" + cases + "], \"nets\": [" + nets + "]}");
        Files.writeString(dir.resolve("parity.py"), SCRIPT);
        Process proc = new ProcessBuilder(PYTHON.toString(), dir.resolve("parity.py").toString(), dir.toString())
                .redirectErrorStream(true).start();
        String out = new String(proc.getInputStream().readAllBytes());
        assertTrue(proc.waitFor(120, TimeUnit.SECONDS), "python timed out");
        torchMissing = proc.exitValue() == NO_TORCH_EXIT;
        Assumptions.assumeFalse(torchMissing, NO_TORCH);
        assertEquals(0, proc.exitValue(), "python failed:\n" + out);
    }

    @AfterAll
    static void cleanUp() throws IOException {
        if (dir == null) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(f);
            }
        }
    }

    private static void write(String name, Tensor t) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(t.numel() * t.dtype().bytes()).order(ByteOrder.LITTLE_ENDIAN);
        if (t.dtype() == DType.FLOAT32) {
            for (float v : t.toFloatArray()) {
                b.putFloat(v);
            }
        } else {
            for (double v : t.toDoubleArray()) {
                b.putDouble(v);
            }
        }
        Files.write(dir.resolve(name + ".bin"), b.array());
    }

    /** A python result, read in the case's dtype (buffers come as float64). */
    private static double[] read(String name, DType dt) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(dir.resolve(name + ".out.bin"))).order(ByteOrder.LITTLE_ENDIAN);
        double[] v = new double[b.remaining() / dt.bytes()];
        for (int i = 0; i < v.length; i++) {
            v[i] = dt == DType.FLOAT32 ? b.getFloat() : b.getDouble();
        }
        return v;
    }

    private static void assertClose(String what, DType dt, double[] expected, Tensor actual) {
        // float32 values (running statistics included) to float32 precision, float64 to float64 precision
        double tol = dt == DType.FLOAT32 || actual.dtype() == DType.FLOAT32 ? 1e-5 : 1e-10;
        double[] got = actual.toDoubleArray();
        assertEquals(expected.length, got.length, what + ": element count");
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], got[i], tol * Math.max(1, Math.abs(expected[i])), what + " element " + i);
        }
    }

    @Test
    void layersMatchPyTorchForwardAndGradients() throws IOException {
        for (Case c : CASES) {
            DType dt = c.dtype();
            Tensor x = INPUTS.get(c.name() + ".x").copy().requiresGrad(true);
            Module m = c.java();
            m.zeroGrad();
            Tensor y = m.forward(x);
            y.mul(INPUTS.get(c.name() + ".r")).sum().backward();
            assertClose(c.name() + " forward", dt, read(c.name() + ".y", dt), y);
            assertClose(c.name() + " input gradient", dt, read(c.name() + ".gx", dt), x.grad());
            for (var e : m.namedParameters().entrySet()) {
                assertClose(c.name() + " gradient of " + e.getKey(), dt, read(c.name() + ".g." + e.getKey(), dt),
                        e.getValue().grad());
            }
            if (m instanceof BatchNorm bn) {
                assertClose(c.name() + " running_mean", DType.FLOAT64, read(c.name() + ".running_mean", DType.FLOAT64),
                        bn.runningMean());
                assertClose(c.name() + " running_var", DType.FLOAT64, read(c.name() + ".running_var", DType.FLOAT64),
                        bn.runningVar());
                assertClose(c.name() + " num_batches_tracked", DType.FLOAT64,
                        read(c.name() + ".num_batches_tracked", DType.FLOAT64), bn.numBatchesTracked());
            }
        }
    }

    @Test
    void threeSgdStepsOfAConvNetMatchPyTorch() throws IOException {
        for (DType dt : DType.values()) {
            String name = "net" + dt.bytes();
            Sequential net = net(dt);
            MSELoss loss = new MSELoss();
            for (int s = 0; s < STEPS; s++) {
                net.zeroGrad();
                loss.forward(net.forward(random(dt, 200 + s, 5, 2, 6, 6)), random(dt, 300 + s, 5, 3)).backward();
                try (var scope = Tensor.noGrad()) {
                    for (Tensor p : net.parameters()) {
                        p.add_(p.grad(), -LR);
                    }
                }
            }
            for (var e : net.stateDict().entrySet()) { // python writes the whole state in float64
                assertClose(name + " " + e.getKey(), dt, read(name + "." + e.getKey(), DType.FLOAT64), e.getValue());
            }
            net.eval();
            assertClose(name + " eval output", dt, read(name + ".eval", dt), net.forward(random(dt, 400, 5, 2, 6, 6)));
        }
    }
}
