package io.jgrad.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.jgrad.tensor.DType;
import io.jgrad.tensor.Generator;
import io.jgrad.tensor.Tensor;
import io.jgrad.testing.PyTorch;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link GradientClipping#clipGradNorm} against PyTorch 1.13's {@code clip_grad_norm_} (norm type 2): the returned
 * total norm and the clipped gradients, in float32 and float64, for max norms below, near and above the norm
 * (and 0), over parameters of shapes [3, 4], [4] (no gradient), [2] and [] (0-d), and for all-zero gradients.
 * Non-finite norms are not compared: PyTorch multiplies the gradients by NaN or 0 there, jgrad leaves them
 * unchanged (documented on clipGradNorm).
 */
class GradientClippingTorchTest {
    static final double[] MAX_NORMS = {0, 0.5, 2.0, 2.6, 100};
    static final int[][] SHAPES = {{3, 4}, {4}, {2}, {}};
    static final int NUMEL = 12 + 4 + 2 + 1;
    /** grads[k] for case k: values for the [3, 4], [2] and [] gradients (the [4] parameter has none). */
    static double[][] grads;
    static List<double[]> torch;

    @BeforeAll
    static void runTorch(@TempDir Path dir) throws IOException {
        Generator gen = new Generator(3);
        grads = new double[2][12 + 2 + 1];
        for (int i = 0; i < grads[0].length; i++) {
            grads[0][i] = (float) (gen.nextGaussian() * 0.7); // norm about 2.7
        }
        String g0 = Arrays.stream(grads[0]).mapToObj(Double::toString).collect(Collectors.joining(", "));
        String script = """
                d = sys.argv[1]
                out = open(d + '/out.txt.tmp', 'w')
                for values in ([@G0@], [0.0] * 15):
                    v = torch.tensor(values, dtype=torch.float64)
                    for dt in (torch.float32, torch.float64):
                        for max_norm in (@MAX@):
                            ps = [torch.zeros(s, dtype=dt, requires_grad=True) for s in ((3, 4), (4,), (2,), ())]
                            ps[0].grad = v[:12].reshape(3, 4).to(dt).clone()
                            ps[2].grad = v[12:14].to(dt).clone()
                            ps[3].grad = v[14].to(dt).clone()
                            total = torch.nn.utils.clip_grad_norm_(ps, max_norm)
                            row = [float(total)] + ps[0].grad.flatten().tolist() + ps[2].grad.tolist() + [float(ps[3].grad)]
                            out.write(' '.join(repr(float(x)) for x in row) + '\\n')
                empty = torch.nn.utils.clip_grad_norm_([torch.zeros(2, requires_grad=True)], 1.0)
                out.write(repr(float(empty)) + '\\n')
                out.close()
                import os
                os.replace(d + '/out.txt.tmp', d + '/out.txt')
                """.replace("@G0@", g0).replace("@MAX@", Arrays.stream(MAX_NORMS).mapToObj(Double::toString)
                        .collect(Collectors.joining(", ")));
        PyTorch.Result r = PyTorch.run(dir, script, 60);
        assertEquals(0, r.exitCode(), "python failed:\n" + r.output());
        torch = new ArrayList<>();
        for (String line : Files.readAllLines(dir.resolve("out.txt"))) {
            torch.add(Arrays.stream(line.trim().split(" ")).mapToDouble(Double::parseDouble).toArray());
        }
    }

    @Test
    void totalNormAndClippedGradientsMatchTorch() {
        int row = 0;
        for (double[] g : grads) {
            for (DType dt : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
                // float32: PyTorch sums squares and forms the factor in float32, jgrad in double
                double tol = dt == DType.FLOAT32 ? 1e-6 : 1e-14;
                for (double maxNorm : MAX_NORMS) {
                    List<Tensor> ps = new ArrayList<>();
                    for (int[] s : SHAPES) {
                        ps.add(Tensor.zeros(dt, s).requiresGrad(true));
                    }
                    ps.get(0).setGrad(Tensor.of(Arrays.copyOfRange(g, 0, 12), 3, 4).to(dt));
                    ps.get(2).setGrad(Tensor.of(Arrays.copyOfRange(g, 12, 14), 2).to(dt));
                    ps.get(3).setGrad(Tensor.scalar(dt, g[14]));
                    double total = GradientClipping.clipGradNorm(ps, maxNorm);
                    double[] want = torch.get(row++);
                    String what = dt + " maxNorm " + maxNorm + (g[0] == 0 ? " zero grads" : "");
                    assertEquals(want[0], total, tol * Math.max(want[0], 1), what + ": total norm");
                    double[] got = new double[NUMEL - 4];
                    System.arraycopy(ps.get(0).grad().toDoubleArray(), 0, got, 0, 12);
                    System.arraycopy(ps.get(2).grad().toDoubleArray(), 0, got, 12, 2);
                    got[14] = ps.get(3).grad().item();
                    for (int i = 0; i < got.length; i++) {
                        assertEquals(want[1 + i], got[i], tol * Math.max(Math.abs(want[1 + i]), 1e-3), what + ": grad " + i);
                    }
                    assertNull(ps.get(1).grad(), "a parameter without gradient keeps none");
                }
            }
        }
        double[] empty = torch.get(row);
        assertEquals(empty[0], GradientClipping.clipGradNorm(List.of(Tensor.zeros(2).requiresGrad(true)), 1.0));
    }
}
