package io.jgrad.nn;

import static org.junit.jupiter.api.Assertions.*;

import io.jgrad.tensor.DType;
import io.jgrad.tensor.Generator;
import io.jgrad.tensor.Tensor;
import io.jgrad.testing.PyTorch;
import io.jgrad.testing.RawFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Forward values and input gradients of every activation and loss against PyTorch 1.13 on the same random float64
 * inputs. Data goes to /usr/bin/python3 through raw little-endian float64 files in a temporary directory.
 */
class TorchParityTest {
    private static final double TOL = 1e-6;

    /** One comparison: {@code py} is a Python expression of the named tensors, {@code java} the same in jgrad. */
    private record Case(String name, String input, String py, Function<Tensor, Tensor> java, boolean weighted) {}

    private static final String SCRIPT = """
            import json, sys
            try:
                import numpy as np
                import torch
            except ImportError:
                sys.exit(77)
            import torch.nn.functional as F
            d = sys.argv[1]
            spec = json.load(open(d + '/spec.json'))
            def load(name):
                return torch.from_numpy(np.fromfile(d + '/' + name + '.bin', dtype='<f8').reshape(spec['shapes'][name]))
            data = {n: load(n) for n in spec['shapes']}
            for c in spec['cases']:
                env = dict(data)
                env.update(F=F, torch=torch)
                x = data[c['input']].clone().requires_grad_(True)
                env[c['input']] = x
                y = eval(c['py'], env)
                # the first y.numel() weights in y's shape (all of w for the activations)
                loss = (y * data['w'].reshape(-1)[:y.numel()].reshape(y.shape)).sum() if c['weighted'] else y
                loss.backward()
                y.detach().numpy().astype('<f8').tofile(d + '/' + c['name'] + '.y.bin')
                x.grad.numpy().astype('<f8').tofile(d + '/' + c['name'] + '.g.bin')
            """;

    private static void assertClose(String what, double[] expected, double[] actual) {
        assertEquals(expected.length, actual.length, what + ": element count");
        for (int i = 0; i < expected.length; i++) {
            double tol = TOL * Math.max(1, Math.abs(expected[i]));
            assertEquals(expected[i], actual[i], tol, what + " element " + i);
        }
    }

    @Test
    void activationsAndLossesMatchPyTorch() throws Exception {
        Generator g = new Generator(2024);
        Map<String, Tensor> data = new LinkedHashMap<>();
        data.put("x", Tensor.normal(DType.FLOAT64, g, 0, 2, 6, 7));
        data.put("w", Tensor.uniform(DType.FLOAT64, g, 0.5, 1.5, 6, 7));
        data.put("p", Tensor.uniform(DType.FLOAT64, g, 0.05, 0.95, 6, 7));
        data.put("t", Tensor.uniform(DType.FLOAT64, g, 0, 1, 6, 7));
        data.put("r", Tensor.normal(DType.FLOAT64, g, 0, 1, 6, 7));
        data.put("z", Tensor.normal(DType.FLOAT64, g, 0, 2, 5, 4));
        double[] cls = new double[5];
        for (int i = 0; i < 5; i++) {
            cls[i] = g.nextInt(4);
        }
        data.put("c", Tensor.of(cls));
        data.put("cw", Tensor.uniform(DType.FLOAT64, g, 0.2, 2, 4));
        data.put("s", Tensor.normal(DType.FLOAT64, g, 0, 1.5, 5, 4).softmax(1)); // class probabilities per row
        Tensor t = data.get("t"), r = data.get("r"), c = data.get("c");

        List<Case> cases = new ArrayList<>(List.of(
                new Case("sigmoid", "x", "torch.sigmoid(x)", x -> new Sigmoid().forward(x), true),
                new Case("tanh", "x", "torch.tanh(x)", x -> new Tanh().forward(x), true),
                new Case("relu", "x", "F.relu(x)", x -> new ReLU().forward(x), true),
                new Case("leaky_relu", "x", "F.leaky_relu(x)", x -> new LeakyReLU().forward(x), true),
                new Case("leaky_relu_02", "x", "F.leaky_relu(x, 0.2)", x -> new LeakyReLU(0.2).forward(x), true),
                new Case("elu", "x", "F.elu(x)", x -> new ELU().forward(x), true),
                new Case("elu_07", "x", "F.elu(x, 0.7)", x -> new ELU(0.7).forward(x), true),
                new Case("gelu", "x", "F.gelu(x)", x -> new GELU().forward(x), true),
                new Case("softmax1", "x", "F.softmax(x, dim=1)", x -> new Softmax(1).forward(x), true),
                new Case("softmax0", "x", "F.softmax(x, dim=0)", x -> new Softmax(0).forward(x), true),
                new Case("log_softmax", "x", "F.log_softmax(x, dim=1)", x -> new LogSoftmax(1).forward(x), true),
                new Case("identity", "x", "x * 1", x -> new Identity().forward(x), true),
                new Case("flatten", "x", "torch.flatten(x.reshape(6, 7, 1), 1)",
                        x -> new Flatten().forward(x.reshape(6, 7, 1)), true),
                new Case("half_squared", "x", "0.5 * F.mse_loss(x, r, reduction='sum')",
                        x -> new HalfSquaredErrorLoss().forward(x, r), false)));
        for (Reduction red : Reduction.values()) {
            String rs = red.name().toLowerCase();
            boolean none = red == Reduction.NONE; // per-element losses: weighted and summed as the activations are
            cases.add(new Case("mse_" + rs, "x", "F.mse_loss(x, r, reduction='" + rs + "')",
                    x -> new MSELoss(red).forward(x, r), none));
            cases.add(new Case("bce_" + rs, "p", "F.binary_cross_entropy(p, t, reduction='" + rs + "')",
                    x -> new BCELoss(red).forward(x, t), none));
            cases.add(new Case("bce_logits_" + rs, "x", "F.binary_cross_entropy_with_logits(x, t, reduction='" + rs + "')",
                    x -> new BCEWithLogitsLoss(red).forward(x, t), none));
            cases.add(new Case("nll_" + rs, "z", "F.nll_loss(z, c.long(), reduction='" + rs + "')",
                    x -> new NLLLoss(red).forward(x, c), none));
            for (double eps : new double[] {0, 0.1, 0.3}) {
                cases.add(new Case("ce_" + rs + "_" + eps, "z",
                        "F.cross_entropy(z, c.long(), reduction='" + rs + "', label_smoothing=" + eps + ")",
                        x -> new CrossEntropyLoss(red, eps).forward(x, c), none));
                Tensor cw = data.get("cw");
                cases.add(new Case("ce_weighted_" + rs + "_" + eps, "z",
                        "F.cross_entropy(z, c.long(), weight=cw, reduction='" + rs + "', label_smoothing=" + eps + ")",
                        x -> new CrossEntropyLoss(cw, red, eps).forward(x, c), none));
                Tensor s = data.get("s");
                cases.add(new Case("ce_soft_" + rs + "_" + eps, "z",
                        "F.cross_entropy(z, s, reduction='" + rs + "', label_smoothing=" + eps + ")",
                        x -> new CrossEntropyLoss(red, eps).forward(x, s), none));
                cases.add(new Case("ce_soft_weighted_" + rs + "_" + eps, "z",
                        "F.cross_entropy(z, s, weight=cw, reduction='" + rs + "', label_smoothing=" + eps + ")",
                        x -> new CrossEntropyLoss(cw, red, eps).forward(x, s), none));
            }
        }

        Path dir = Files.createTempDirectory("jgrad-torch-parity");
        try {
            for (var e : data.entrySet()) {
                RawFiles.writeDoubles(dir.resolve(e.getKey() + ".bin"), e.getValue().toDoubleArray());
            }
            String shapes = data.entrySet().stream()
                    .map(e -> "\"" + e.getKey() + "\": " + Arrays.toString(e.getValue().shape()))
                    .collect(Collectors.joining(", ", "{", "}"));
            String caseJson = cases.stream()
                    .map(k -> "{\"name\": \"" + k.name() + "\", \"input\": \"" + k.input() + "\", \"py\": \""
                            + k.py() + "\", \"weighted\": " + k.weighted() + "}")
                    .collect(Collectors.joining(", ", "[", "]"));
            Files.writeString(dir.resolve("spec.json"), "{\"shapes\": " + shapes + ", \"cases\": " + caseJson + "}");
            PyTorch.Result python = PyTorch.run(dir, SCRIPT, 120);
            assertEquals(0, python.exitCode(), "python failed:\n" + python.output());

            for (Case k : cases) {
                Tensor x = data.get(k.input()).copy().requiresGrad(true);
                Tensor y = k.java().apply(x);
                Tensor w = data.get("w");
                (k.weighted() ? y.mul(w.reshape(w.numel()).slice(0, 0, y.numel()).reshape(y.shape())).sum() : y).backward();
                assertClose(k.name() + " forward", RawFiles.readDoubles(dir.resolve(k.name() + ".y.bin")), y.toDoubleArray());
                assertClose(k.name() + " gradient", RawFiles.readDoubles(dir.resolve(k.name() + ".g.bin")), x.grad().toDoubleArray());
            }
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path f : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(f);
                }
            }
        }
    }
}
