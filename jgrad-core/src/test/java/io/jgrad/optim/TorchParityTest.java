package io.jgrad.optim;

import io.jgrad.testing.PyTorch;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jgrad.tensor.DType;
import io.jgrad.tensor.Generator;
import io.jgrad.tensor.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Optimizers and schedulers against PyTorch 1.13 itself: the same start weights W [3, 4] and b [4], the loss
 * sum(tanh((x * b) W^T)) for a fixed x [5, 4], 5 steps in float32 and in float64, one Python run for all cases.
 */
class TorchParityTest {
    static final int STEPS = 5;

    record OptCase(String name, String torch, Function<List<Tensor>, Optimizer> make) {}

    record SchedCase(String name, String torch, Function<Optimizer, Object> make) {}

    static final List<OptCase> OPTIMIZERS = List.of(
            new OptCase("sgd", "SGD(params, lr=0.1)", ps -> new SGD(ps, 0.1)),
            new OptCase("sgd_momentum", "SGD(params, lr=0.1, momentum=0.9)", ps -> new SGD(ps, 0.1, 0.9)),
            new OptCase("sgd_dampening_wd", "SGD(params, lr=0.05, momentum=0.9, dampening=0.1, weight_decay=0.01)",
                    ps -> new SGD(ps, 0.05, 0.9, 0.1, 0.01, false)),
            new OptCase("sgd_nesterov", "SGD(params, lr=0.05, momentum=0.9, weight_decay=0.01, nesterov=True)",
                    ps -> new SGD(ps, 0.05, 0.9, 0, 0.01, true)),
            new OptCase("adam", "Adam(params)", ps -> new Adam(ps)),
            new OptCase("adam_wd", "Adam(params, lr=0.01, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1)",
                    ps -> new Adam(ps, 0.01, 0.8, 0.99, 1e-6, 0.1, false)),
            new OptCase("adam_amsgrad", "Adam(params, lr=0.01, amsgrad=True)", ps -> new Adam(ps, 0.01, 0.9, 0.999, 1e-8, 0, true)),
            new OptCase("adamw", "AdamW(params)", ps -> new AdamW(ps)),
            new OptCase("adamw_amsgrad", "AdamW(params, lr=0.01, weight_decay=0.1, amsgrad=True)",
                    ps -> new AdamW(ps, 0.01, 0.9, 0.999, 1e-8, 0.1, true)),
            new OptCase("rmsprop", "RMSprop(params)", ps -> new RMSprop(ps)),
            new OptCase("rmsprop_momentum_wd", "RMSprop(params, lr=0.01, alpha=0.9, eps=1e-6, weight_decay=0.01, momentum=0.9)",
                    ps -> new RMSprop(ps, 0.01, 0.9, 1e-6, 0.01, 0.9, false)),
            new OptCase("rmsprop_centered", "RMSprop(params, lr=0.01, alpha=0.95, momentum=0.5, centered=True)",
                    ps -> new RMSprop(ps, 0.01, 0.95, 1e-8, 0, 0.5, true)),
            new OptCase("adagrad", "Adagrad(params)", ps -> new Adagrad(ps)),
            new OptCase("adagrad_options", "Adagrad(params, lr=0.1, lr_decay=0.01, weight_decay=0.01,"
                    + " initial_accumulator_value=0.1, eps=1e-8)", ps -> new Adagrad(ps, 0.1, 0.01, 0.01, 0.1, 1e-8)));

    static final double[] METRICS = {1.0, 0.9, 0.95, 0.9, 0.91, 0.92, 0.8, 0.85, 0.85, 0.85, 0.85, 0.7, 0.9, 0.9, 0.9, 0.9};

    static final List<SchedCase> SCHEDULERS = List.of(
            new SchedCase("step", "lr_scheduler.StepLR(opt, step_size=3, gamma=0.5)", o -> new StepLR(o, 3, 0.5)),
            new SchedCase("exponential", "lr_scheduler.ExponentialLR(opt, gamma=0.9)", o -> new ExponentialLR(o, 0.9)),
            new SchedCase("cosine", "lr_scheduler.CosineAnnealingLR(opt, T_max=5)", o -> new CosineAnnealingLR(o, 5)),
            new SchedCase("cosine_eta_min", "lr_scheduler.CosineAnnealingLR(opt, T_max=4, eta_min=0.01)",
                    o -> new CosineAnnealingLR(o, 4, 0.01)),
            new SchedCase("plateau_min", "lr_scheduler.ReduceLROnPlateau(opt, 'min', factor=0.5, patience=1, cooldown=1)",
                    o -> new ReduceLROnPlateau(o, ReduceLROnPlateau.Mode.MIN, 0.5, 1, 1e-4, 1, 0)),
            new SchedCase("plateau_max", "lr_scheduler.ReduceLROnPlateau(opt, 'max', factor=0.3, patience=2, min_lr=0.02)",
                    o -> new ReduceLROnPlateau(o, ReduceLROnPlateau.Mode.MAX, 0.3, 2, 1e-4, 0, 0.02)));

    static double[] start;
    static Map<String, double[]> torch;

    @BeforeAll
    static void runTorch(@TempDir Path dir) throws IOException {
        // start values drawn as float32 so that the float32 and float64 runs begin at the same point
        Generator gen = new Generator(11);
        start = new double[12 + 4 + 20];
        for (int i = 0; i < start.length; i++) {
            start[i] = (float) (gen.nextDouble() * 2 - 1);
        }
        ByteBuffer buf = ByteBuffer.allocate(8 * start.length).order(ByteOrder.LITTLE_ENDIAN);
        for (double v : start) {
            buf.putDouble(v);
        }
        PyTorch.writeAtomically(dir.resolve("init.bin"), buf.array());
        StringBuilder script = new StringBuilder("""
                import struct
                from torch import optim
                from torch.optim import lr_scheduler
                torch.set_num_threads(1)
                d = sys.argv[1]
                raw = open(d + '/init.bin', 'rb').read()
                v = torch.tensor(struct.unpack('<%dd' % (len(raw) // 8), raw), dtype=torch.float64)
                out = open(d + '/out.txt.tmp', 'w')
                def emit(name, values):
                    out.write(name + ' ' + ' '.join(repr(float(x)) for x in values) + '\\n')
                def run_opt(name, make):
                    for dt in (torch.float32, torch.float64):
                        W = v[:12].reshape(3, 4).to(dt).clone().requires_grad_(True)
                        b = v[12:16].to(dt).clone().requires_grad_(True)
                        x = v[16:36].reshape(5, 4).to(dt)
                        params = [W, b]
                        opt = make(params)
                        for _ in range(@STEPS@):
                            opt.zero_grad()
                            torch.tanh((x * b) @ W.t()).sum().backward()
                            opt.step()
                        emit(name + '/' + str(dt), torch.cat([W.detach().flatten(), b.detach()]).tolist())
                METRICS = @METRICS@
                def run_sched(name, make):
                    p = torch.zeros(1, requires_grad=True)
                    opt = optim.SGD([p], lr=0.5)
                    s = make(opt)
                    lrs = [opt.param_groups[0]['lr']]
                    for m in METRICS:
                        opt.step()
                        if isinstance(s, lr_scheduler.ReduceLROnPlateau):
                            s.step(m)
                        else:
                            s.step()
                        lrs.append(opt.param_groups[0]['lr'])
                    emit(name, lrs)
                """.replace("@STEPS@", Integer.toString(STEPS)).replace("@METRICS@", Arrays.toString(METRICS)));
        for (OptCase c : OPTIMIZERS) {
            int close = c.torch().lastIndexOf(')');
            String ctor = c.torch().substring(0, close) + ", foreach=False)"; // PyTorch's single-tensor code path
            script.append("run_opt('").append(c.name()).append("', lambda params: optim.").append(ctor).append(")\n");
        }
        for (SchedCase c : SCHEDULERS) {
            script.append("run_sched('").append(c.name()).append("', lambda opt: ").append(c.torch()).append(")\n");
        }
        script.append("out.close()\nimport os\nos.replace(d + '/out.txt.tmp', d + '/out.txt')\n");
        PyTorch.Result r = PyTorch.run(dir, script.toString(), 120);
        assertEquals(0, r.exitCode(), "python failed:\n" + r.output());
        torch = new HashMap<>();
        for (String line : Files.readAllLines(dir.resolve("out.txt"))) {
            String[] parts = line.trim().split(" ");
            torch.put(parts[0], Arrays.stream(parts, 1, parts.length).mapToDouble(Double::parseDouble).toArray());
        }
    }

    private static double[] runJgrad(OptCase c, DType dtype) {
        Tensor all = Tensor.of(start.clone()).to(dtype);
        Tensor w = all.slice(0, 0, 12).reshape(3, 4).contiguous().copy().requiresGrad(true);
        Tensor b = all.slice(0, 12, 16).contiguous().copy().requiresGrad(true);
        Tensor x = all.slice(0, 16, 36).reshape(5, 4).contiguous();
        Optimizer opt = c.make().apply(List.of(w, b));
        for (int s = 0; s < STEPS; s++) {
            opt.zeroGrad();
            x.mul(b).matmul(w.t()).tanh().sum().backward();
            opt.step();
        }
        double[] out = new double[16];
        System.arraycopy(w.toDoubleArray(), 0, out, 0, 12);
        System.arraycopy(b.toDoubleArray(), 0, out, 12, 4);
        return out;
    }

    private static void assertClose(double[] expected, double[] actual, double rel, String what) {
        assertEquals(expected.length, actual.length, what + ": length");
        for (int i = 0; i < expected.length; i++) {
            double tol = rel * Math.max(Math.abs(expected[i]), 1e-3);
            assertEquals(expected[i], actual[i], tol, what + ": element " + i);
        }
    }

    @Test
    void optimizersMatchTorch() {
        for (OptCase c : OPTIMIZERS) {
            double[] t32 = torch.get(c.name() + "/torch.float32");
            double[] t64 = torch.get(c.name() + "/torch.float64");
            double[] j32 = runJgrad(c, DType.FLOAT32);
            double[] j64 = runJgrad(c, DType.FLOAT64);
            assertTrue(!Arrays.equals(Arrays.copyOf(start, 16), j64), c.name() + ": weights did not move");
            assertClose(t32, j32, 1e-5, c.name() + " float32"); // observed <= 2e-6
            assertClose(t64, j64, 1e-12, c.name() + " float64"); // observed ~1e-15: only summation order differs
        }
    }

    @Test
    void schedulersMatchTorch() {
        for (SchedCase c : SCHEDULERS) {
            Tensor p = Tensor.zeros(1).requiresGrad(true);
            SGD opt = new SGD(List.of(p), 0.5);
            Object s = c.make().apply(opt);
            double[] lrs = new double[METRICS.length + 1];
            lrs[0] = opt.lr();
            for (int i = 0; i < METRICS.length; i++) {
                opt.step();
                if (s instanceof ReduceLROnPlateau plateau) {
                    plateau.step(METRICS[i]);
                } else {
                    ((LrScheduler) s).step();
                }
                lrs[i + 1] = opt.lr();
            }
            assertClose(torch.get(c.name()), lrs, 1e-14, c.name());
        }
    }
}
