package io.jgrad.io;

import io.jgrad.tensor.DType;
import io.jgrad.tensor.Tensor;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Tensors in the safetensors format (Hugging Face), which PyTorch, JAX and NumPy users read and write:
 *
 * <pre>
 *   8 bytes      N, little-endian unsigned header length
 *   N bytes      UTF-8 JSON: {"name": {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}, ...,
 *                             "__metadata__": {"key": "value"}}, padded with spaces to a multiple of 8
 *   the rest     raw little-endian element data; offsets count from the start of this section, and the
 *                tensors, taken in order of offset, cover it exactly: no gap, no overlap, nothing after the last
 * </pre>
 *
 * <p>{@link #write} stores float32 tensors as F32 and float64 as F64, contiguously in the map's order, and the
 * tensors the caller names as I64 (whole numbers, such as BatchNorm's num_batches_tracked, int64 in PyTorch).
 * {@link #read} also accepts F16 and BF16 (converted to float32, as half-precision checkpoints are common), and
 * I64, I32, I16, I8, U8 and BOOL (converted to float64, exact up to 2^53: PyTorch stores BatchNorm's
 * num_batches_tracked as I64), and rejects every other dtype. Reading treats the file as hostile: every size in it is checked against the file
 * before anything is allocated, and every problem is a {@link JgradFormatException} naming the tensor.
 */
public final class Safetensors {
    /** Key of the optional string-to-string map in the header. */
    public static final String METADATA_KEY = "__metadata__";
    /** Largest header accepted when reading (100 MiB), checked before anything is allocated. */
    public static final long MAX_HEADER_BYTES = 100L << 20;

    private Safetensors() {}

    /** What a file holds: tensors in file order, and the metadata map (empty when the file has none). */
    public record Contents(LinkedHashMap<String, Tensor> tensors, Map<String, String> metadata) {}

    /**
     * A file's header without its data: the metadata, and each tensor's dtype as the file stores it ("F16", "I64",
     * ...; {@link #read} widens F16 and BF16 to float32, integers and BOOL to float64), in file order.
     */
    public record Header(Map<String, String> metadata, Map<String, String> dtypes) {}

    /**
     * Writes {@code tensors} (in the map's iteration order) and {@code metadata} (may be null or empty; its keys
     * sorted, so that equal contents give equal bytes whatever the map's iteration order, which for
     * {@code Map.of} changes from one JVM to the next) to {@code file}, atomically. Modified: the file {@code file}.
     *
     * @throws IllegalArgumentException for a tensor named {@value #METADATA_KEY}, or a null tensors map, tensor name,
     *     tensor, metadata key or metadata value (nothing is written then)
     */
    public static void write(Path file, Map<String, Tensor> tensors, Map<String, String> metadata) throws IOException {
        write(file, tensors, metadata, Set.of());
    }

    /**
     * Writes as {@link #write(Path, Map, Map)} does, but the tensors named in {@code int64} as I64 (8-byte
     * little-endian two's complement), the dtype of PyTorch's integer buffers such as BatchNorm's num_batches_tracked;
     * {@link #read} gives them back as float64, exactly up to 2^53. Modified: the file {@code file}.
     *
     * @throws IllegalArgumentException as {@link #write(Path, Map, Map)}, and for a name in {@code int64} that is not
     *     among the tensors, or a tensor named there that holds anything but whole numbers in [-2^63, 2^63) (nothing
     *     is written then)
     */
    public static void write(Path file, Map<String, Tensor> tensors, Map<String, String> metadata, Set<String> int64)
            throws IOException {
        requireNoNulls(tensors, metadata);
        requireWholeNumbers(tensors, int64);
        Map<String, Object> header = new LinkedHashMap<>();
        List<Data> order = new ArrayList<>();
        long offset = 0;
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            if (e.getKey().equals(METADATA_KEY)) {
                throw new IllegalArgumentException("Safetensors.write: a tensor may not be named " + METADATA_KEY);
            }
            Tensor t = e.getValue();
            boolean asLong = int64.contains(e.getKey());
            long bytes = (long) t.numel() * (asLong ? Long.BYTES : t.dtype().bytes());
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("dtype", asLong ? "I64" : t.dtype().safetensorsName());
            List<Object> shape = new ArrayList<>();
            for (int s : t.shape()) {
                shape.add((long) s);
            }
            entry.put("shape", shape);
            entry.put("data_offsets", List.of(offset, offset + bytes));
            header.put(e.getKey(), entry);
            order.add(new Data(t, asLong));
            offset += bytes;
        }
        if (metadata != null && !metadata.isEmpty()) {
            header.put(METADATA_KEY, new TreeMap<>(metadata));
        }
        byte[] json = Json.writeCompact(header).getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;
        AtomicFiles.write(file, out -> {
            ByteBuffer length = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded);
            out.write(length.array());
            out.write(json);
            for (int i = json.length; i < padded; i++) {
                out.write(' ');
            }
            for (Data d : order) {
                writeData(out, d.tensor(), d.asLong());
            }
        });
    }

    /** Refuses null maps, names and values up front, before anything is written, naming what is null. */
    private static void requireNoNulls(Map<String, Tensor> tensors, Map<String, String> metadata) {
        if (tensors == null) {
            throw new IllegalArgumentException("Safetensors.write: tensors is null");
        }
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            if (e.getKey() == null) {
                throw new IllegalArgumentException("Safetensors.write: a tensor name is null");
            }
            if (e.getValue() == null) {
                throw new IllegalArgumentException("Safetensors.write: tensor \"" + e.getKey() + "\" is null");
            }
        }
        if (metadata != null) {
            for (Map.Entry<String, String> e : metadata.entrySet()) {
                if (e.getKey() == null) {
                    throw new IllegalArgumentException("Safetensors.write: a metadata key is null");
                }
                if (e.getValue() == null) {
                    throw new IllegalArgumentException("Safetensors.write: metadata \"" + e.getKey() + "\" is null");
                }
            }
        }
    }

    /** Refuses, before anything is written, an int64 name without its tensor, or a tensor it names with a non-integer. */
    private static void requireWholeNumbers(Map<String, Tensor> tensors, Set<String> int64) {
        if (int64 == null) {
            throw new IllegalArgumentException("Safetensors.write: int64 is null; pass Set.of() for none");
        }
        for (String name : int64) {
            Tensor t = tensors.get(name);
            if (t == null) {
                throw new IllegalArgumentException("Safetensors.write: int64 names \"" + name
                        + "\", which is not among the tensors");
            }
            for (double v : t.toDoubleArray()) {
                // -2^63 is a long, 2^63 is not; NaN fails the comparisons
                if (!(v == Math.rint(v) && v >= -0x1p63 && v < 0x1p63)) {
                    throw new IllegalArgumentException("Safetensors.write: tensor \"" + name + "\" is to be stored as"
                            + " I64 but holds " + v + ", not a whole number in [-2^63, 2^63)");
                }
            }
        }
    }

    /** A tensor in the order of the data section, and whether it goes there as I64. */
    private record Data(Tensor tensor, boolean asLong) {}

    private static void writeData(OutputStream out, Tensor t, boolean asLong) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
        if (asLong) {
            for (double v : t.toDoubleArray()) {
                if (buf.remaining() < 8) {
                    out.write(buf.array(), 0, buf.position());
                    buf.clear();
                }
                buf.putLong((long) v);
            }
        } else if (t.dtype() == DType.FLOAT32) {
            for (float v : t.toFloatArray()) {
                if (buf.remaining() < 4) {
                    out.write(buf.array(), 0, buf.position());
                    buf.clear();
                }
                buf.putFloat(v);
            }
        } else {
            for (double v : t.toDoubleArray()) {
                if (buf.remaining() < 8) {
                    out.write(buf.array(), 0, buf.position());
                    buf.clear();
                }
                buf.putDouble(v);
            }
        }
        out.write(buf.array(), 0, buf.position());
    }

    /**
     * Reads every tensor and the metadata from {@code file}.
     *
     * @throws JgradFormatException if the file is not valid safetensors, or holds a dtype other than
     *     F32, F64, F16, BF16, I64, I32, I16, I8, U8, BOOL; the message names the file, the tensor and what was wrong
     * @throws IOException if the file cannot be read
     */
    public static Contents read(Path file) throws IOException {
        return SafetensorsReader.read(file);
    }

    /**
     * Reads and checks only the header of {@code file}, as {@link #read} does, without reading the tensors: for a
     * look at the metadata or the stored dtypes of a large file.
     *
     * @throws JgradFormatException if the header is not valid safetensors (as {@link #read})
     * @throws IOException if the file cannot be read
     */
    public static Header header(Path file) throws IOException {
        return SafetensorsReader.header(file);
    }
}
