package io.jgrad.tensor;

/**
 * Element type of a tensor. {@link #FLOAT32} is the default, as in PyTorch; {@link #FLOAT64} exists for
 * gradient checks and numerically delicate work.
 */
public enum DType {
    FLOAT32("F32", 4),
    FLOAT64("F64", 8);

    private final String safetensorsName;
    private final int bytes;

    DType(String safetensorsName, int bytes) {
        this.safetensorsName = safetensorsName;
        this.bytes = bytes;
    }

    /** Size of one element in bytes. */
    public int bytes() {
        return bytes;
    }

    /** The dtype string used in safetensors headers ({@code "F32"}, {@code "F64"}). */
    public String safetensorsName() {
        return safetensorsName;
    }

    /** The wider of two types: mixing float32 and float64 gives float64, as PyTorch promotes. */
    public static DType promote(DType a, DType b) {
        return a == FLOAT64 || b == FLOAT64 ? FLOAT64 : FLOAT32;
    }
}
