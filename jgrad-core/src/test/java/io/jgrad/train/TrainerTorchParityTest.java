package io.jgrad.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jgrad.data.DataLoader;
import io.jgrad.data.TensorDataset;
import io.jgrad.nn.CrossEntropyLoss;
import io.jgrad.nn.Linear;
import io.jgrad.nn.Module;
import io.jgrad.nn.Sequential;
import io.jgrad.nn.Sigmoid;
import io.jgrad.optim.SGD;
import io.jgrad.tensor.Generator;
import io.jgrad.tensor.Tensor;
import io.jgrad.testing.PyTorch;
import io.jgrad.testing.RawFiles;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One epoch of Trainer.fit on an 8-layer sigmoid MLP against the same loop in PyTorch 1.13 (same weights, data,
 * SGD, batches of 8 with a last one of 7): the epoch loss (per sample) and every parameter's mean gradient norm
 * agree, and those norms show the vanishing gradients the report explains.
 */
class TrainerTorchParityTest {
    static final int DEPTH = 8, WIDTH = 16, IN = 10, CLASSES = 3, N = 23, BATCH = 8;

    private static final String SCRIPT = """
            import torch, os, json
            d = sys.argv[1]
            DEPTH, WIDTH, IN, C, N, B = %d, %d, %d, %d, %d, %d
            def load(name, *shape):
                with open(os.path.join(d, name), 'rb') as f:
                    return torch.frombuffer(bytearray(f.read()), dtype=torch.float32).reshape(*shape).clone()
            layers = []
            sizes = [IN] + [WIDTH] * DEPTH
            for i in range(DEPTH):
                layers += [torch.nn.Linear(sizes[i], sizes[i + 1]), torch.nn.Sigmoid()]
            layers.append(torch.nn.Linear(WIDTH, C))
            net = torch.nn.Sequential(*layers)
            shapes = {k: v.shape for k, v in net.state_dict().items()}
            net.load_state_dict({k: load('w_' + k, *s) for k, s in shapes.items()})
            x = load('x', N, IN)
            y = load('y', N).long()
            opt = torch.optim.SGD(net.parameters(), lr=0.5)
            loss_fn = torch.nn.CrossEntropyLoss()
            sums = {k: 0.0 for k, _ in net.named_parameters()}
            loss_sum, steps = 0.0, 0
            for s in range(0, N, B):
                opt.zero_grad()
                xb, yb = x[s:s + B], y[s:s + B]
                l = loss_fn(net(xb), yb)
                l.backward()
                for k, p in net.named_parameters():
                    sums[k] += p.grad.double().norm().item()
                loss_sum += l.item() * len(yb)
                steps += 1
                opt.step()
            out = {'loss': loss_sum / N}
            out.update({'g:' + k: v / steps for k, v in sums.items()})
            print('RESULT ' + json.dumps(out))
            """.formatted(DEPTH, WIDTH, IN, CLASSES, N, BATCH);

    @Test
    void deepSigmoidEpochLossAndGradientNormsMatchPyTorch(@TempDir Path dir) throws Exception {
        Generator g = new Generator(11);
        List<Module> layers = new ArrayList<>();
        int in = IN;
        for (int i = 0; i < DEPTH; i++) {
            layers.add(new Linear(in, WIDTH, true, g));
            layers.add(new Sigmoid());
            in = WIDTH;
        }
        layers.add(new Linear(WIDTH, CLASSES, true, g));
        Sequential net = new Sequential(layers.toArray(new Module[0]));
        Tensor x = Tensor.randn(g, N, IN);
        float[] yv = new float[N];
        for (int i = 0; i < N; i++) {
            yv[i] = i % CLASSES;
        }
        Tensor y = Tensor.of(yv);
        for (var e : net.stateDict().entrySet()) {
            RawFiles.write(dir.resolve("w_" + e.getKey()), e.getValue());
        }
        RawFiles.write(dir.resolve("x"), x);
        RawFiles.write(dir.resolve("y"), y);
        PyTorch.Result r = PyTorch.run(dir, SCRIPT, 180);
        assertEquals(0, r.exitCode(), r.output());
        String json = r.output().substring(r.output().indexOf("RESULT ") + 7).trim();
        @SuppressWarnings("unchecked")
        Map<String, Object> torch = (Map<String, Object>) io.jgrad.io.Json.parse(json);

        DataLoader data = new DataLoader(new TensorDataset(x, y, CLASSES), BATCH, false, false, null);
        History h = new Trainer(net, new CrossEntropyLoss(), new SGD(net.parameters(), 0.5), Task.CLASSIFICATION).epochs(1).fit(data, null);
        EpochMetrics m = h.epochs().getFirst();
        assertEquals(((Number) torch.get("loss")).doubleValue(), m.trainLoss(), 1e-5);
        for (var e : m.gradNorms().entrySet()) {
            double t = ((Number) torch.get("g:" + e.getKey())).doubleValue();
            assertEquals(t, e.getValue(), 1e-4 * t, e.getKey());
        }
        // each sigmoid scales the backpropagated signal by at most 1/4: the first layer's gradient is decades below the last's
        double first = m.gradNorms().get("0.weight"), last = m.gradNorms().get((2 * DEPTH) + ".weight");
        assertTrue(last / first > 1e5, first + " vs " + last);
    }
}
