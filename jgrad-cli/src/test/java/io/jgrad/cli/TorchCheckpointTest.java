package io.jgrad.cli;

import static org.junit.jupiter.api.Assertions.*;

import io.jgrad.nn.Sequential;
import io.jgrad.tensor.Generator;
import io.jgrad.tensor.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Checkpoints cross between jgrad and PyTorch 1.13 in both directions: the equivalent nn.Sequential gives the same
 * logits. PyTorch 1.13 has no safetensors module, so the Python side reads and writes the format by hand (8-byte
 * little-endian header length, JSON header, raw little-endian data); inputs and logits travel as raw float32 files.
 */
class TorchCheckpointTest {
    private static final String PYTHON = "/usr/bin/python3";
    private static final int N = 6, F = 4;

    /** Python helpers: safetensors by the spec, and raw little-endian float32 arrays. */
    private static final String PRELUDE = """
            import json, struct, sys
            import torch
            from torch import nn
            torch.set_num_threads(1)
            def st_load(path):
                b = open(path, 'rb').read()
                n = struct.unpack('<Q', b[:8])[0]
                out = {}
                for k, v in json.loads(b[8:8 + n]).items():
                    if k == '__metadata__':
                        continue
                    assert v['dtype'] == 'F32', v
                    s, e = v['data_offsets']
                    out[k] = torch.frombuffer(bytearray(b[8 + n + s:8 + n + e]), dtype=torch.float32).reshape(v['shape'])
                return out
            def st_save(path, tensors):
                header, blobs, off = {}, [], 0
                for k, t in tensors.items():
                    vals = t.detach().to(torch.float32).flatten().tolist()
                    data = struct.pack('<%df' % len(vals), *vals)
                    header[k] = {'dtype': 'F32', 'shape': list(t.shape), 'data_offsets': [off, off + len(data)]}
                    off += len(data)
                    blobs.append(data)
                h = json.dumps(header).encode()
                h += b' ' * (-len(h) % 8)
                open(path, 'wb').write(struct.pack('<Q', len(h)) + h + b''.join(blobs))
            def raw_load(path, *shape):
                return torch.frombuffer(bytearray(open(path, 'rb').read()), dtype=torch.float32).reshape(*shape)
            def raw_save(path, t):
                vals = t.detach().flatten().tolist()
                open(path, 'wb').write(struct.pack('<%df' % len(vals), *vals))
            d = sys.argv[1]
            """;

    @TempDir
    Path dir;

    @BeforeAll
    static void needTorch() throws Exception {
        boolean ok = false;
        if (Files.isExecutable(Path.of(PYTHON))) {
            Process p = new ProcessBuilder(PYTHON, "-c", "import torch").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            ok = p.waitFor(120, TimeUnit.SECONDS) && p.exitValue() == 0;
        }
        Assumptions.assumeTrue(ok, "PyTorch not found: apt-get install python3-torch libopenblas0-pthread");
    }

    private void python(String script) throws IOException, InterruptedException {
        Path file = dir.resolve("script.py");
        Files.writeString(file, PRELUDE + script);
        Path log = dir.resolve("python.log");
        ProcessBuilder pb = new ProcessBuilder(PYTHON, file.toString(), dir.toString()).redirectErrorStream(true)
                .redirectOutput(log.toFile()); // a file, not a pipe: the timeout works even if python hangs
        pb.environment().put("OMP_NUM_THREADS", "1");
        Process p = pb.start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("python timed out");
        }
        assertEquals(0, p.exitValue(), () -> "python failed:\n" + read(log));
    }

    private static String read(Path f) {
        try {
            return Files.readString(f);
        } catch (IOException e) {
            return e.toString();
        }
    }

    private static void writeRaw(Path file, float[] values) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            b.putFloat(v);
        }
        Files.write(file, b.array());
    }

    private static float[] readRaw(Path file) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        float[] v = new float[b.remaining() / 4];
        for (int i = 0; i < v.length; i++) {
            v[i] = b.getFloat();
        }
        return v;
    }

    private float[] inputs() throws IOException {
        Random r = new Random(17);
        float[] x = new float[N * F];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (3 * r.nextGaussian() + 3);
        }
        writeRaw(dir.resolve("x.bin"), x);
        return x;
    }

    private static float[] logits(Sequential net, float[] x) {
        try (var scope = Tensor.noGrad()) {
            return net.forward(Tensor.of(x, N, F)).toFloatArray();
        }
    }

    private Path train(String... extra) throws IOException {
        Path csv = SyntheticData.blobsCsv(dir.resolve("blobs.csv"), 60, F, 3, 2);
        Path run = dir.resolve("run");
        String[] base = {"train", "--data", csv.toString(), "--epochs", "2", "--threads", "1", "--no-report", "--out", run.toString()};
        String[] args = java.util.Arrays.copyOf(base, base.length + extra.length);
        System.arraycopy(extra, 0, args, base.length, extra.length);
        Cli r = Cli.run(args);
        assertEquals(0, r.exitCode(), r.err());
        return run;
    }

    @Test
    void jgradCheckpointLoadsIntoTheEquivalentTorchSequential() throws Exception {
        Path run = train("--layers", "8,6", "--activation", "relu");
        float[] x = inputs();
        float[] ours = logits(TrainedModel.load(run).network(), x);
        python("""
                net = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 6), nn.ReLU(), nn.Linear(6, 3))
                net.load_state_dict(st_load(d + '/run/model.safetensors'), strict=True)
                with torch.no_grad():
                    raw_save(d + '/torch-logits.bin', net(raw_load(d + '/x.bin', %d, %d)))
                """.formatted(N, F));
        float[] theirs = readRaw(dir.resolve("torch-logits.bin"));
        assertEquals(N * 3, theirs.length);
        for (int i = 0; i < ours.length; i++) {
            assertEquals(theirs[i], ours[i], 1e-5, "logit " + i);
        }
    }

    @Test
    void torchWeightsLoadIntoJgradByEvalAndInit() throws Exception {
        // a run directory of the same architecture, whose weights are then replaced by PyTorch's
        Path run = train("--layers", "5", "--activation", "tanh");
        float[] x = inputs();
        python("""
                torch.manual_seed(3)
                net = nn.Sequential(nn.Linear(4, 5), nn.Tanh(), nn.Linear(5, 3))
                st_save(d + '/torch.safetensors', net.state_dict())
                with torch.no_grad():
                    raw_save(d + '/torch-logits.bin', net(raw_load(d + '/x.bin', %d, %d)))
                """.formatted(N, F));
        float[] theirs = readRaw(dir.resolve("torch-logits.bin"));
        Files.copy(dir.resolve("torch.safetensors"), run.resolve("model.safetensors"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);

        // eval and inspect read the PyTorch-written checkpoint
        Cli eval = Cli.run("eval", "--model", run.toString());
        assertEquals(0, eval.exitCode(), eval.err());
        Cli inspect = Cli.run("inspect", dir.resolve("torch.safetensors").toString());
        assertEquals(0, inspect.exitCode(), inspect.err());
        assertTrue(inspect.out().contains("0.weight") && inspect.out().contains("[5, 4]"), inspect.out());
        float[] viaRun = logits(TrainedModel.load(run).network(), x);
        // --init loads the file into the network train builds (Checkpoint.loadWeights)
        Sequential net = TrainedModel.load(run).config().model().build(new Generator(99));
        Checkpoint.loadWeights(dir.resolve("torch.safetensors"), net);
        float[] viaInit = logits(net, x);
        for (int i = 0; i < theirs.length; i++) {
            assertEquals(theirs[i], viaRun[i], 1e-5, "logit " + i + " (run directory)");
            assertEquals(theirs[i], viaInit[i], 1e-5, "logit " + i + " (--init)");
        }
        // and train accepts it with --init
        Cli init = Cli.run("train", "--data", dir.resolve("blobs.csv").toString(), "--layers", "5", "--activation", "tanh",
                "--init", dir.resolve("torch.safetensors").toString(), "--epochs", "1", "--threads", "1", "--no-report",
                "--out", dir.resolve("from-torch").toString());
        assertEquals(0, init.exitCode(), init.err());
    }
}
