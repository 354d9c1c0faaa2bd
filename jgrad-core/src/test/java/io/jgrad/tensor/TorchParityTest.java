package io.jgrad.tensor;

import static io.jgrad.tensor.TensorAssertions.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.jgrad.testing.PyTorch;
import io.jgrad.testing.RawFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Forward and backward of composite expressions against PyTorch (CPU), in float64 and float32. Data goes to
 * python as raw little-endian float64 files in a temporary directory; results come back the same way.
 */
class TorchParityTest {

    private static final String SCRIPT = """
            import os, struct, sys, torch
            import torch.nn.functional as F
            d = sys.argv[1]
            def load(name, shape):
                b = open(os.path.join(d, name), "rb").read()
                return torch.tensor(struct.unpack("<%dd" % (len(b) // 8), b), dtype=torch.float64).reshape(shape)
            def save(name, t):
                v = t.detach().to(torch.float64).reshape(-1).tolist()
                p = os.path.join(d, name)
                with open(p + ".tmp", "wb") as f:
                    f.write(struct.pack("<%dd" % len(v), *v))
                os.replace(p + ".tmp", p)
            for line in open(os.path.join(d, "cases.txt")):
                c, dt, n, k, m, rows = line.split()
                n, k, m = int(n), int(k), int(m)
                rows = torch.tensor([int(r) for r in rows.split(",")])
                dtype = torch.float32 if dt == "FLOAT32" else torch.float64
                x = load(c + "_x", (n, k)).to(dtype).requires_grad_()
                w = load(c + "_w", (k, m)).to(dtype).requires_grad_()
                b = load(c + "_b", (m,)).to(dtype).requires_grad_()
                idx = load(c + "_idx", (n, 1)).long()
                h = torch.tanh(x @ w + b)
                lp = torch.log_softmax(h, 1)
                loss1 = -lp.gather(1, idx).mean() + h.mean()
                a = x @ w
                s = torch.softmax(a, 0) * torch.sigmoid(b)
                g = torch.cat([s, F.gelu(a), F.leaky_relu(F.elu(a, 0.7), 0.2)], 1)
                q = torch.index_select(g, 0, rows).clamp(-0.5, 2.0).exp()
                loss2 = (torch.log(q.sum(1)) + torch.sqrt(q.max(1).values)).mean() / (torch.relu(x).t().sum(0) + 1).sum()
                (loss1 + loss2).backward()
                p = c + "_" + dt + "_"
                for name, t in (("lp", lp), ("loss1", loss1), ("loss2", loss2), ("gx", x.grad), ("gw", w.grad), ("gb", b.grad)):
                    save(p + name, t)
            """;

    private record Case(int n, int k, int m, int[] rows) {}

    private static final Case[] CASES = {new Case(6, 5, 4, new int[] {5, 0, 0, 2}), new Case(3, 7, 10, new int[] {1}),
            new Case(1, 3, 2, new int[] {0, 0})};

    private static String join(int[] a) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < a.length; i++) {
            sb.append(i == 0 ? "" : ",").append(a[i]);
        }
        return sb.toString();
    }

    /** The same two expressions as the python script, on jgrad tensors; returns lp, loss1, loss2, gx, gw, gb. */
    private static double[][] jgrad(DType dt, Case c, double[] xv, double[] wv, double[] bv, double[] iv) {
        Tensor x = Tensor.of(xv, c.n, c.k).to(dt).requiresGrad(true);
        Tensor w = Tensor.of(wv, c.k, c.m).to(dt).requiresGrad(true);
        Tensor b = Tensor.of(bv, c.m).to(dt).requiresGrad(true);
        Tensor idx = Tensor.of(iv, c.n, 1);
        Tensor h = x.matmul(w).add(b).tanh();
        Tensor lp = h.logSoftmax(1);
        Tensor loss1 = lp.gather(1, idx).mean().neg().add(h.mean());
        Tensor a = x.matmul(w);
        Tensor s = a.softmax(0).mul(b.sigmoid());
        Tensor g = Tensor.cat(1, s, a.gelu(), a.elu(0.7).leakyRelu(0.2));
        Tensor q = g.indexSelect(0, c.rows).clamp(-0.5, 2.0).exp();
        Tensor loss2 = q.sum(1, false).log().add(q.max(1, false).sqrt()).mean().div(x.relu().t().sum(0, false).add(1.0).sum());
        loss1.add(loss2).backward();
        assertEquals(dt, loss2.dtype());
        return new double[][] {lp.toDoubleArray(), loss1.toDoubleArray(), loss2.toDoubleArray(),
                x.grad().toDoubleArray(), w.grad().toDoubleArray(), b.grad().toDoubleArray()};
    }

    @Test
    void compositeExpressionsMatchTorch() throws Exception {
        Path dir = Files.createTempDirectory("jgrad-torch-parity");
        try {
            List<String> lines = new ArrayList<>();
            List<double[][]> inputs = new ArrayList<>();
            Generator gen = new Generator(2024);
            for (int ci = 0; ci < CASES.length; ci++) {
                Case c = CASES[ci];
                // float32-representable inputs, so that both dtypes start from exactly the same numbers
                double[] x = Tensor.randn(gen, c.n, c.k).toDoubleArray();
                double[] w = Tensor.randn(gen, c.k, c.m).toDoubleArray();
                double[] b = Tensor.randn(gen, c.m).toDoubleArray();
                double[] idx = new double[c.n];
                for (int i = 0; i < c.n; i++) {
                    idx[i] = gen.nextInt(c.m);
                }
                RawFiles.writeDoubles(dir.resolve(ci + "_x"), x);
                RawFiles.writeDoubles(dir.resolve(ci + "_w"), w);
                RawFiles.writeDoubles(dir.resolve(ci + "_b"), b);
                RawFiles.writeDoubles(dir.resolve(ci + "_idx"), idx);
                inputs.add(new double[][] {x, w, b, idx});
                for (DType dt : DType.values()) {
                    lines.add(ci + " " + dt + " " + c.n + " " + c.k + " " + c.m + " " + join(c.rows));
                }
            }
            Files.write(dir.resolve("cases.txt"), lines, StandardCharsets.UTF_8);
            PyTorch.Result python = PyTorch.run(dir, SCRIPT, 120);
            assertEquals(0, python.exitCode(), () -> "python failed:\n" + python.output());
            String[] names = {"lp", "loss1", "loss2", "gx", "gw", "gb"};
            for (int ci = 0; ci < CASES.length; ci++) {
                double[][] in = inputs.get(ci);
                for (DType dt : DType.values()) {
                    double[][] ours = jgrad(dt, CASES[ci], in[0], in[1], in[2], in[3]);
                    for (int r = 0; r < names.length; r++) {
                        double[] theirs = RawFiles.readDoubles(dir.resolve(ci + "_" + dt + "_" + names[r]));
                        String what = "case " + ci + " " + dt + " " + names[r];
                        if (dt == DType.FLOAT64) {
                            org.junit.jupiter.api.Assertions.assertArrayEquals(theirs, ours[r], 1e-10, what);
                        } else {
                            assertClose(what, theirs, ours[r], 1e-5);
                        }
                    }
                }
            }
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }
}
