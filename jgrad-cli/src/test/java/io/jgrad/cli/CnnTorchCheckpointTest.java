package io.jgrad.cli;

import static org.junit.jupiter.api.Assertions.*;

import io.jgrad.data.TensorDataset;
import io.jgrad.tensor.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A CNN trained by {@code jgrad train --model FILE.json} loads into the equivalent PyTorch nn.Sequential (built
 * from the run's config.json layer list, strict load_state_dict of model.safetensors) and gives the same logits
 * in evaluation mode, batch-norm running statistics included, and negative dims counted as PyTorch counts them.
 * num_batches_tracked is stored as I64 and loads as PyTorch's int64 counter with jgrad's count.
 */
class CnnTorchCheckpointTest {
    private static final Path PYTHON = Path.of("/usr/bin/python3");
    private static final String SKIP = "PyTorch not found: apt-get install python3-torch libopenblas0-pthread";

    /** Builds the Sequential from config.json, loads the checkpoint, compares logits; prints the relative error. */
    private static final String SCRIPT = """
            import json, struct, sys
            import numpy as np
            try:
                import torch
                from torch import nn
            except ImportError:
                sys.exit(86)
            d = sys.argv[1]
            cfg = json.load(open(d + "/run/config.json"))["model"]
            def layer(l):
                t, g = l["type"], l.get
                if t == "conv2d": return nn.Conv2d(l["in_channels"], l["out_channels"], l["kernel_size"], stride=g("stride", 1),
                    padding=g("padding", 0), dilation=g("dilation", 1), groups=g("groups", 1), bias=g("bias", True))
                if t == "linear": return nn.Linear(l["in_features"], l["out_features"], bias=g("bias", True))
                if t == "batchnorm1d": return nn.BatchNorm1d(l["num_features"], eps=g("eps", 1e-5), momentum=g("momentum", 0.1))
                if t == "batchnorm2d": return nn.BatchNorm2d(l["num_features"], eps=g("eps", 1e-5), momentum=g("momentum", 0.1))
                if t == "maxpool2d": return nn.MaxPool2d(l["kernel_size"], g("stride", l["kernel_size"]), g("padding", 0))
                if t == "avgpool2d": return nn.AvgPool2d(l["kernel_size"], g("stride", l["kernel_size"]), g("padding", 0))
                if t == "dropout": return nn.Dropout(g("p", 0.5))
                if t == "dropout2d": return nn.Dropout2d(g("p", 0.5))
                if t == "flatten": return nn.Flatten(g("start_dim", 1))
                if t == "relu": return nn.ReLU()
                if t == "softmax": return nn.Softmax(g("dim", 1))
                if t == "elu": return nn.ELU(g("alpha", 1.0))
                raise SystemExit("no mapping for " + t)
            net = nn.Sequential(*[layer(l) for l in cfg["layers"]])
            with open(d + "/run/model.safetensors", "rb") as f:
                n = struct.unpack("<Q", f.read(8))[0]
                header = json.loads(f.read(n))
                blob = f.read()
            kinds = {"F32": np.float32, "F64": np.float64, "I64": np.int64}
            state = {k: torch.from_numpy(np.frombuffer(blob[v["data_offsets"][0]:v["data_offsets"][1]], dtype=kinds[v["dtype"]])
                     .reshape(v["shape"]).copy()) for k, v in header.items() if k != "__metadata__"}
            net.load_state_dict(state, strict=True)
            counters = [k for k in header if k.endswith("num_batches_tracked")]
            assert len(counters) == 3 and all(header[k]["dtype"] == "I64" for k in counters), {k: header[k]["dtype"] for k in counters}
            got = {k: (t.dtype, t.item()) for k, t in net.state_dict().items() if k in counters}
            assert got == {k: (torch.int64, 8) for k in counters}, got  # 2 epochs of 4 batches
            net.eval()
            x = torch.from_numpy(np.fromfile(d + "/x.bin", dtype="<f4").reshape([-1] + cfg["input_shape"]))
            ours = torch.from_numpy(np.fromfile(d + "/logits.bin", dtype="<f4"))
            with torch.no_grad():
                theirs = net(x).reshape(-1)
            print("relerr %.3e" % ((ours - theirs).abs().max() / theirs.abs().max()).item())
            """;

    @Test
    void checkpointLoadsIntoTorchSequentialWithTheSameLogits(@TempDir Path tmp) throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(PYTHON), SKIP);
        Path data = IdxFiles.write(tmp.resolve("data"), 64, 16, 8, 5);
        Files.writeString(tmp.resolve("model.json"), """
                {"layers": [
                  {"type": "conv2d", "out_channels": 4, "kernel_size": 3, "padding": 1}, {"type": "batchnorm2d"},
                  {"type": "relu"}, {"type": "softmax", "dim": -3}, {"type": "avgpool2d", "kernel_size": 2},
                  {"type": "conv2d", "out_channels": 6, "kernel_size": 3, "stride": 1, "bias": false}, {"type": "batchnorm2d"},
                  {"type": "elu"}, {"type": "maxpool2d", "kernel_size": 2, "stride": 1}, {"type": "dropout2d", "p": 0.2},
                  {"type": "flatten", "start_dim": -3}, {"type": "linear", "out_features": 12}, {"type": "batchnorm1d"}, {"type": "relu"},
                  {"type": "dropout"}, {"type": "linear", "out_features": 10}
                ]}""");
        Path run = tmp.resolve("run");
        Cli c = Cli.run("train", "--model", tmp.resolve("model.json").toString(), "--data", data.toString(), "--epochs", "2",
                "--batch-size", "16", "--threads", "1", "--no-report", "--out", run.toString());
        assertEquals(0, c.exitCode(), c.err());

        TrainedModel tm = TrainedModel.load(run);
        TensorDataset test = tm.data(null).test();
        Tensor logits;
        try (var s = Tensor.noGrad()) {
            logits = tm.network().forward(test.features());
        }
        assertArrayEquals(new int[] {16, 10}, logits.shape());
        writeFloats(tmp.resolve("x.bin"), test.features().toFloatArray());
        writeFloats(tmp.resolve("logits.bin"), logits.toFloatArray());
        Files.writeString(tmp.resolve("check.py"), SCRIPT);
        Process p = new ProcessBuilder(PYTHON.toString(), tmp.resolve("check.py").toString(), tmp.toString())
                .redirectErrorStream(true).redirectOutput(tmp.resolve("log.txt").toFile()).start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "python timed out");
        String log = Files.readString(tmp.resolve("log.txt"));
        Assumptions.assumeTrue(p.exitValue() != 86, SKIP);
        assertEquals(0, p.exitValue(), log);
        double relErr = Double.parseDouble(log.strip().substring(log.strip().lastIndexOf(' ') + 1));
        assertTrue(relErr <= 1e-4, "max |jgrad - torch| / max |torch| = " + relErr);
    }

    private static void writeFloats(Path file, float[] v) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(v);
        Files.write(file, b.array());
    }
}
