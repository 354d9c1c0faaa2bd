package io.jgrad.nn;

import static org.junit.jupiter.api.Assertions.*;

import io.jgrad.optim.Adam;
import io.jgrad.optim.Optimizer;
import io.jgrad.optim.SGD;
import io.jgrad.tensor.Generator;
import io.jgrad.tensor.Tensor;
import io.jgrad.testing.PyTorch;
import io.jgrad.testing.RawFiles;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A 3-layer MLP against PyTorch 1.13 from the same weights and data: logits, loss, every parameter gradient,
 * and the weights after 3 steps of SGD with momentum and of Adam agree to 1e-5 relative (float32).
 */
class MlpTorchParityTest {
    private static final List<String> NAMES = List.of("0.weight", "0.bias", "2.weight", "2.bias", "4.weight", "4.bias");

    private static Sequential mlp(Generator g) {
        return new Sequential(new Linear(10, 16, true, g), new ReLU(), new Linear(16, 8, true, g), new ReLU(), new Linear(8, 4, true, g));
    }

    private static final String SCRIPT = """
            import torch, os
            d = sys.argv[1]
            def load(name, *shape):
                with open(os.path.join(d, name), 'rb') as f:
                    return torch.frombuffer(bytearray(f.read()), dtype=torch.float32).reshape(*shape).clone()
            def save(name, t):
                with open(os.path.join(d, name), 'wb') as f:
                    f.write(t.detach().contiguous().numpy().astype('<f4').tobytes())
            def build():
                net = torch.nn.Sequential(torch.nn.Linear(10, 16), torch.nn.ReLU(), torch.nn.Linear(16, 8), torch.nn.ReLU(), torch.nn.Linear(8, 4))
                shapes = {k: v.shape for k, v in net.state_dict().items()}
                net.load_state_dict({k: load('w_' + k, *s) for k, s in shapes.items()})
                return net
            x = load('x', 6, 10)
            y = load('y', 6).long()
            loss_fn = torch.nn.CrossEntropyLoss()
            net = build()
            logits = net(x)
            loss = loss_fn(logits, y)
            loss.backward()
            save('t_logits', logits)
            save('t_loss', loss.reshape(1))
            for k, p in net.named_parameters():
                save('t_grad_' + k, p.grad)
            for name, make in [('sgd', lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.9)),
                               ('adam', lambda ps: torch.optim.Adam(ps, lr=0.01))]:
                net = build()
                opt = make(net.parameters())
                for _ in range(3):
                    opt.zero_grad()
                    loss_fn(net(x), y).backward()
                    opt.step()
                for k, p in net.named_parameters():
                    save(name + '_' + k, p)
            print('ok')
            """;

    private static void assertClose(float[] expected, float[] actual, String what) {
        assertEquals(expected.length, actual.length, what + ": length");
        for (int i = 0; i < expected.length; i++) {
            double tol = 1e-5 * Math.max(Math.abs(expected[i]), 1e-3);
            assertEquals(expected[i], actual[i], tol, what + " element " + i);
        }
    }

    @Test
    void logitsLossGradientsAndThreeOptimizerStepsMatchPyTorch(@TempDir Path dir) throws Exception {
        Generator g = new Generator(2026);
        Tensor x = Tensor.randn(g, 6, 10);
        Tensor y = Tensor.of(new float[] {0, 3, 1, 2, 3, 0});
        Sequential reference = mlp(g);
        Map<String, Tensor> weights = reference.stateDict();
        for (String k : NAMES) {
            RawFiles.write(dir.resolve("w_" + k), weights.get(k));
        }
        RawFiles.write(dir.resolve("x"), x);
        RawFiles.write(dir.resolve("y"), y);
        PyTorch.Result r = PyTorch.run(dir, SCRIPT, 180);
        assertEquals(0, r.exitCode(), r.output());

        Function<Void, Sequential> fresh = v -> {
            Sequential net = mlp(new Generator(0));
            net.loadStateDict(weights, true);
            return net;
        };
        CrossEntropyLoss ce = new CrossEntropyLoss();
        Sequential net = fresh.apply(null);
        Tensor logits = net.forward(x);
        Tensor loss = ce.forward(logits, y);
        loss.backward();
        assertClose(RawFiles.read(dir.resolve("t_logits")), logits.toFloatArray(), "logits");
        assertClose(RawFiles.read(dir.resolve("t_loss")), new float[] {(float) loss.item()}, "loss");
        for (String k : NAMES) {
            assertClose(RawFiles.read(dir.resolve("t_grad_" + k)), net.namedParameters().get(k).grad().toFloatArray(), "grad " + k);
        }
        for (String name : List.of("sgd", "adam")) {
            Sequential n = fresh.apply(null);
            Optimizer opt = name.equals("sgd") ? new SGD(n.parameters(), 0.1, 0.9) : new Adam(n.parameters(), 0.01);
            for (int step = 0; step < 3; step++) {
                opt.zeroGrad();
                ce.forward(n.forward(x), y).backward();
                opt.step();
            }
            for (String k : NAMES) {
                assertClose(RawFiles.read(dir.resolve(name + "_" + k)), n.namedParameters().get(k).toFloatArray(), name + " " + k);
            }
        }
    }
}
