package io.jgrad.io;

import static org.junit.jupiter.api.Assertions.*;

import io.jgrad.tensor.DType;
import io.jgrad.tensor.Generator;
import io.jgrad.tensor.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Both directions against PyTorch, which parses the file by the spec (struct + json + torch.frombuffer). */
class SafetensorsTorchInteropTest {
    private static final String PYTHON = "/usr/bin/python3";

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

    private static String runPython(Path script, String... args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of(PYTHON, script.toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "python timed out");
        assertEquals(0, p.exitValue(), out);
        return out;
    }

    private static final String PY_READ = """
            import json, struct, sys, torch
            path, expected_path = sys.argv[1], sys.argv[2]
            raw = open(path, 'rb').read()
            (n,) = struct.unpack('<Q', raw[:8])
            assert n % 8 == 0, n
            header = json.loads(raw[8:8 + n].decode('utf-8'))
            data = raw[8 + n:]
            expected = json.load(open(expected_path))
            assert header.pop('__metadata__') == expected.pop('__metadata__')
            assert list(header) == list(expected), (list(header), list(expected))
            end = 0
            for name, e in header.items():
                dtype = {'F32': torch.float32, 'F64': torch.float64}[e['dtype']]
                b, en = e['data_offsets']
                assert b == end, 'tensors must be contiguous'
                end = en
                t = torch.frombuffer(bytearray(data[b:en]), dtype=dtype).reshape(e['shape']) if en > b \
                    else torch.zeros(e['shape'], dtype=dtype)
                want = torch.tensor(expected[name]['values'], dtype=dtype).reshape(expected[name]['shape'])
                assert e['dtype'] == expected[name]['dtype'], name
                assert torch.equal(t, want), (name, t, want)
            assert end == len(data)
            print('OK', len(header))
            """;

    @Test
    void pytorchReadsJgradFile() throws Exception {
        Generator g = new Generator(7);
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        tensors.put("layer.weight", Tensor.randn(g, 3, 5));
        tensors.put("layer.bias", Tensor.normal(DType.FLOAT64, g, 0, 1, 3));
        tensors.put("scalar", Tensor.scalar(-1.25));
        tensors.put("empty", Tensor.zeros(2, 0));
        Path f = dir.resolve("jgrad.safetensors");
        Safetensors.write(f, tensors, Map.of("producer", "jgrad"));
        Map<String, Object> expected = new LinkedHashMap<>();
        for (var e : tensors.entrySet()) {
            List<Object> values = new java.util.ArrayList<>();
            for (double v : e.getValue().toDoubleArray()) {
                values.add(v); // float32 values are exact in double, so torch.tensor(..., float32) recreates them
            }
            List<Object> shape = new java.util.ArrayList<>();
            for (int s : e.getValue().shape()) {
                shape.add(s);
            }
            expected.put(e.getKey(), Map.of("dtype", e.getValue().dtype().safetensorsName(), "shape", shape, "values", values));
        }
        expected.put("__metadata__", Map.of("producer", "jgrad"));
        Path expectedFile = dir.resolve("expected.json");
        Files.writeString(expectedFile, Json.write(expected));
        Path script = dir.resolve("read.py");
        Files.writeString(script, PY_READ);
        assertTrue(runPython(script, f.toString(), expectedFile.toString()).contains("OK 4"));
    }

    private static final String PY_WRITE = """
            import json, struct, sys, torch
            out, ref = sys.argv[1], sys.argv[2]
            torch.manual_seed(0)
            tensors = {
                'f32': torch.randn(2, 3),
                'f64': torch.randn(4, dtype=torch.float64),
                'f16': torch.randn(3, 2).half(),
                'bf16': torch.randn(5).bfloat16(),
                'zero_d': torch.tensor(3.5),
                'counter': torch.nn.BatchNorm1d(2).num_batches_tracked.add(41),  # int64, 0-d
                'i32': torch.tensor([-3, 0, 2**31 - 1], dtype=torch.int32),
                'i16': torch.tensor([-300, 7], dtype=torch.int16),
                'i8': torch.tensor([-128, 127], dtype=torch.int8),
                'u8': torch.tensor([0, 255], dtype=torch.uint8),
                'mask': torch.tensor([True, False, True]),
            }
            names = {torch.float32: 'F32', torch.float64: 'F64', torch.float16: 'F16', torch.bfloat16: 'BF16',
                     torch.int64: 'I64', torch.int32: 'I32', torch.int16: 'I16', torch.int8: 'I8', torch.uint8: 'U8',
                     torch.bool: 'BOOL'}
            header, blobs, offset = {'__metadata__': {'format': 'pt'}}, [], 0
            for k, t in tensors.items():
                b = t.contiguous().view(torch.uint8).numpy().tobytes() if t.dim() > 0 else t.reshape(1).view(torch.uint8).numpy().tobytes()
                header[k] = {'dtype': names[t.dtype], 'shape': list(t.shape), 'data_offsets': [offset, offset + len(b)]}
                blobs.append(b)
                offset += len(b)
            h = json.dumps(header).encode('utf-8')
            h += b' ' * ((8 - len(h) % 8) % 8)
            with open(out, 'wb') as f:
                f.write(struct.pack('<Q', len(h)) + h + b''.join(blobs))
            # reference values as little-endian float64, converted by torch itself
            with open(ref, 'wb') as f:
                for t in tensors.values():
                    f.write(t.double().reshape(-1).numpy().astype('<f8').tobytes())
            """;

    @Test
    void jgradReadsPytorchFile() throws Exception {
        Path f = dir.resolve("torch.safetensors");
        Path ref = dir.resolve("ref.f64");
        Path script = dir.resolve("write.py");
        Files.writeString(script, PY_WRITE);
        runPython(script, f.toString(), ref.toString());
        var read = Safetensors.read(f);
        assertEquals(List.of("f32", "f64", "f16", "bf16", "zero_d", "counter", "i32", "i16", "i8", "u8", "mask"),
                List.copyOf(read.tensors().keySet()));
        assertEquals(41.0, read.tensors().get("counter").item());
        assertEquals(DType.FLOAT64, read.tensors().get("counter").dtype());
        assertEquals(Map.of("format", "pt"), read.metadata());
        assertArrayEquals(new int[] {2, 3}, read.tensors().get("f32").shape());
        assertArrayEquals(new int[] {3, 2}, read.tensors().get("f16").shape());
        assertArrayEquals(new int[0], read.tensors().get("zero_d").shape());
        assertEquals(DType.FLOAT64, read.tensors().get("f64").dtype());
        assertEquals(DType.FLOAT32, read.tensors().get("bf16").dtype());
        ByteBuffer expected = ByteBuffer.wrap(Files.readAllBytes(ref)).order(ByteOrder.LITTLE_ENDIAN);
        for (var e : read.tensors().entrySet()) {
            for (double v : e.getValue().toDoubleArray()) {
                assertEquals(expected.getDouble(), v, 0.0, e.getKey());
            }
        }
        assertFalse(expected.hasRemaining());
    }

    @Test
    void roundTripThroughBothReadersIsExact() throws IOException {
        // jgrad -> file -> jgrad keeps float32 bits exactly, including signed zero and subnormals
        Tensor t = Tensor.of(new float[] {-0.0f, Float.MIN_VALUE, 1e-30f, 3.4e38f}, 4);
        Path f = dir.resolve("bits.safetensors");
        Safetensors.write(f, Map.of("t", t), null);
        float[] back = Safetensors.read(f).tensors().get("t").toFloatArray();
        for (int i = 0; i < 4; i++) {
            assertEquals(Float.floatToRawIntBits(t.toFloatArray()[i]), Float.floatToRawIntBits(back[i]));
        }
    }
}
