package io.jgrad.tensor;

import java.util.Arrays;

/** Shape arithmetic shared by the ops: element counts, strides, broadcasting, dimension checks. */
final class Shapes {
    private Shapes() {}

    static int numel(int[] shape) {
        long n = 1;
        for (int s : shape) {
            if (s < 0) {
                throw new IllegalArgumentException("negative dimension in shape " + str(shape));
            }
            n *= s;
            if (n > Tensor.MAX_NUMEL) {
                throw new IllegalArgumentException("shape " + str(shape) + " has more than 2^31 elements");
            }
        }
        return (int) n;
    }

    static int[] contiguousStrides(int[] shape) {
        int[] strides = new int[shape.length];
        int s = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            strides[i] = s;
            s *= Math.max(shape[i], 1);
        }
        return strides;
    }

    static String str(int[] shape) {
        return Arrays.toString(shape);
    }

    /**
     * Normalizes a possibly negative dimension index against {@code rank}, as PyTorch does: a 0-d tensor
     * accepts 0 and -1, as if it had one dimension.
     */
    static int dim(String op, int dim, int rank) {
        int d = dim < 0 ? dim + Math.max(rank, 1) : dim;
        if (d < 0 || d >= Math.max(rank, 1)) {
            throw new IllegalArgumentException(op + ": dimension " + dim + " out of range for a tensor of rank " + rank);
        }
        return d;
    }

    /**
     * Throws for a 0-d tensor, which {@link #dim} lets through (dims 0 and -1, as PyTorch wraps them) but which has no
     * dimension to index along.
     */
    static void requireDims(String op, int[] shape) {
        if (shape.length == 0) {
            throw new IllegalArgumentException(op + ": a 0-d tensor has no dimensions; reshape(1) it first");
        }
    }

    private static boolean hasEmptyDimension(int[] shape) {
        for (int size : shape) {
            if (size == 0) {
                return true;
            }
        }
        return false;
    }

    /** NumPy broadcasting: align on the right; sizes must be equal or 1. */
    static int[] broadcast(String op, int[] a, int[] b) {
        int rank = Math.max(a.length, b.length);
        int[] out = new int[rank];
        for (int i = 0; i < rank; i++) {
            int da = i - (rank - a.length) >= 0 ? a[i - (rank - a.length)] : 1;
            int db = i - (rank - b.length) >= 0 ? b[i - (rank - b.length)] : 1;
            if (da != db && da != 1 && db != 1) {
                throw new IllegalArgumentException(op + ": shapes " + str(a) + " and " + str(b)
                        + " do not broadcast (dimension " + i + ": " + da + " vs " + db + ")");
            }
            out[i] = da == 1 ? db : da;
        }
        return out;
    }

    /**
     * Strides to read a tensor of shape {@code shape}/{@code strides} as if it had shape {@code target}:
     * broadcast dimensions get stride 0.
     */
    static int[] broadcastStrides(int[] shape, int[] strides, int[] target) {
        return broadcastStrides(shape, strides, target, new int[target.length]);
    }

    /**
     * {@link #broadcastStrides(int[], int[], int[])} written into the first target.length elements of out (the caller's
     * scratch, so that a kernel call allocates nothing); returns out. Modified: out.
     */
    static int[] broadcastStrides(int[] shape, int[] strides, int[] target, int[] out) {
        int lead = target.length - shape.length;
        for (int i = 0; i < target.length; i++) {
            int j = i - lead;
            out[i] = j < 0 || shape[j] == 1 ? 0 : strides[j];
        }
        return out;
    }

    /**
     * True when the strides are the row-major ones of {@link #contiguousStrides} up to dimensions of size 1, or there
     * are no elements at all (as in PyTorch: an empty tensor has nothing out of place, and its strides, computed with
     * empty dimensions counted as 1, match no product of the sizes).
     */
    static boolean isContiguous(int[] shape, int[] strides) {
        int s = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            if (shape[i] != 1 && strides[i] != s) {
                // only here, off the path of the contiguous tensors that nearly every op asks about
                return hasEmptyDimension(shape);
            }
            s *= shape[i];
        }
        return true;
    }
}
