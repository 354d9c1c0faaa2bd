package io.jgrad.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.jgrad.testing.PyTorch;
import io.jgrad.testing.RawFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tensor.toString spells every element as PyTorch 1.13's own formatter ({@code torch._tensor_str._Formatter}) spells
 * it in the same tensor, over random tensors that mix integers, fractions from 1e-10 to 1e10, exact rounding ties,
 * signed zeros, NaN and infinities, in both dtypes. Two differences are by design: PyTorch pads to a common width
 * (stripped here) and writes an integer as {@code 3.} where jgrad writes {@code 3.0}.
 */
class TensorPrintTorchTest {
    private static final String SCRIPT = """
            import sys, struct
            from torch._tensor_str import _Formatter
            d = sys.argv[1]
            out = []
            for line in open(d + '/cases.txt'):
                name, dtype = line.split()
                raw = open(d + '/' + name, 'rb').read()
                vals = struct.unpack('<%dd' % (len(raw) // 8), raw)
                t = torch.tensor(vals, dtype=torch.float64 if dtype == 'FLOAT64' else torch.float32)
                f = _Formatter(t)
                cells = [f.format(v.item()).strip() for v in t]
                cells = [c + '0' if c.endswith('.') else c for c in cells]
                out.append(name + ' ' + ', '.join(cells))
            open(d + '/torch.txt', 'w').write('\\n'.join(out) + '\\n')
            """;

    private static double value(Generator gen) {
        return switch (gen.nextInt(7)) {
            case 0 -> gen.nextInt(2001) - 1000;
            case 1 -> (gen.nextInt(2001) - 1000) * Math.pow(10, gen.nextInt(8));
            case 2 -> gen.nextGaussian() * Math.pow(10, gen.nextInt(21) - 10);
            case 3 -> (gen.nextInt(64) + 1) / 64.0 * (gen.nextInt(2) == 0 ? 1 : -1); // ties at 4 decimals: 0.03125
            case 4 -> gen.nextInt(2) == 0 ? 0.0 : -0.0;
            case 5 -> new double[] {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY}[gen.nextInt(3)];
            default -> gen.nextGaussian();
        };
    }

    @Test
    void elementsArePrintedAsPyTorchPrintsThem(@TempDir Path dir) throws IOException {
        Generator gen = new Generator(613);
        List<String> cases = new ArrayList<>();
        List<Tensor> tensors = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            DType dtype = i % 2 == 0 ? DType.FLOAT32 : DType.FLOAT64;
            double[] v = new double[1 + gen.nextInt(6)];
            int family = gen.nextInt(3); // most tensors hold one kind of number, as real ones do
            for (int j = 0; j < v.length; j++) {
                v[j] = family == 0 ? value(gen) : family == 1 ? gen.nextGaussian() * Math.pow(10, gen.nextInt(9) - 4)
                        : gen.nextInt(100) * (gen.nextInt(10) == 0 ? Double.NaN : 1);
            }
            Tensor t = Tensor.of(v).to(dtype);
            RawFiles.writeDoubles(dir.resolve("c" + i), t.toDoubleArray()); // float32 cases: the rounded values
            cases.add("c" + i + " " + dtype);
            tensors.add(t);
        }
        Files.write(dir.resolve("cases.txt"), cases);
        PyTorch.Result python = PyTorch.run(dir, SCRIPT, 120);
        assertEquals(0, python.exitCode(), () -> "python failed:\n" + python.output());
        List<String> theirs = Files.readAllLines(dir.resolve("torch.txt"));
        for (int i = 0; i < tensors.size(); i++) {
            String ours = tensors.get(i).toString();
            String values = ours.substring("tensor([".length(), ours.indexOf("], shape="));
            assertEquals(theirs.get(i), "c" + i + " " + values, Arrays.toString(tensors.get(i).toDoubleArray()));
        }
    }
}
