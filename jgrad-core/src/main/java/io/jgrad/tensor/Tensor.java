package io.jgrad.tensor;

import java.util.Arrays;
import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.stream.DoubleStream;

/**
 * An n-dimensional array of float32 (default) or float64 numbers that records the operations applied to it,
 * so that {@link #backward()} can compute the gradient of a scalar result with respect to every tensor that
 * {@link #requiresGrad(boolean) requires a gradient}.
 *
 * <p>A tensor is a shape and strides over a contiguous primitive array; views ({@link #transpose},
 * {@link #permute}, {@link #slice}, {@link #expand}, {@link #squeeze}, {@link #unsqueeze}, and {@link #reshape} of
 * a contiguous tensor) share that array without copying.
 * Operations never modify their inputs and return new tensors, except the methods whose name ends in
 * {@code _} (PyTorch's convention), which modify this tensor in place and are not recorded for autograd.
 *
 * <p>Broadcasting follows NumPy and PyTorch: shapes are aligned on the right and a dimension of size 1
 * stretches to match. Shape errors name the op and both shapes. Operands of different dtypes are promoted as
 * PyTorch does: to float64 when either is float64, except that a 0-d tensor beside a tensor with dimensions takes
 * that tensor's dtype (a float32 tensor times a float64 {@link #scalar(DType, double) scalar} is float32).
 *
 * <p>The math of each op, and its derivative beside it, lives in one small package-private class per
 * concept: {@link ElementwiseOps}, {@link ReduceOps}, {@link ShapeOps}, {@link LinalgOps},
 * {@link IndexOps}, {@link SoftmaxOps}, {@link ConvOps}, {@link PoolOps}, {@link NormOps}. This class is the
 * front door that delegates to them.
 */
public final class Tensor {
    /** The most elements one tensor holds (about the largest Java array): a larger shape is refused. */
    public static final int MAX_NUMEL = Integer.MAX_VALUE - 8;

    final DType dtype;
    /** Exactly one of {@code f} and {@code d} is non-null, as {@link #dtype} says. */
    float[] f; // null once recycled (see recycling())
    double[] d;
    final int[] shape;
    final int[] strides;
    /** Not final only for {@link #window}s, which {@link #aim} moves; every other tensor keeps its offset. */
    int offset;

    boolean requiresGrad;
    Tensor grad;
    /** The gradient zeroGrad() dropped, whose memory the next backward inside a recycling() scope reuses. */
    Tensor spareGrad;
    Node node;
    boolean retainsGrad;
    /**
     * Set by a backward rule on a gradient it just allocated and hands to nobody else: autograd may then keep it
     * as a leaf's {@link #grad()} instead of copying it. Cleared when taken, so only one tensor ever owns it.
     */
    boolean exclusive;
    /**
     * Labels, kept beside the tensors rather than in a field: few tensors have one (parameters, hand-built
     * examples), and a field in every op's result would cost memory on the hot path for them.
     */
    private static final Map<Tensor, String> LABELS = Collections.synchronizedMap(new WeakHashMap<>());
    /** The tensor whose storage this one views (null: its own storage); it keeps {@link #changedAt}. */
    private Tensor root;
    /** When the storage was last changed by an in-place op, on {@link Autograd}'s clock (0: never). */
    long changedAt;

    Tensor(DType dtype, float[] f, double[] d, int[] shape, int[] strides, int offset) {
        this.dtype = dtype;
        this.f = f;
        this.d = d;
        this.shape = shape;
        this.strides = strides;
        this.offset = offset;
    }

    /**
     * Zeros of the given shape and dtype, like {@link #zeros(DType, int...)}, except that inside a
     * {@link #recycling()} scope the memory comes from the scope's pool and goes back to it when the scope closes
     * (as every op result's does). For buffers that live one training step, e.g. a data loader's batches.
     */
    public static Tensor empty(DType dtype, int... shape) {
        requireShape("Tensor.empty", dtype, shape);
        return BufferPool.zeros(dtype, shape);
    }

    /**
     * An op's result whose every element the op writes before anything reads it: inside a {@link #recycling()}
     * scope the memory is not zeroed first (a pass over memory saved per result).
     */
    static Tensor forOverwrite(DType dtype, int[] shape) {
        return BufferPool.forOverwrite(dtype, shape);
    }

    /** A new contiguous tensor of zeros that is never recycled: for the public factories. */
    static Tensor allocate(DType dtype, int[] shape) {
        int n = Shapes.numel(shape);
        int[] s = shape.clone();
        Tensor t = dtype == DType.FLOAT32
                ? new Tensor(dtype, new float[n], null, s, Shapes.contiguousStrides(s), 0)
                : new Tensor(dtype, null, new double[n], s, Shapes.contiguousStrides(s), 0);
        if (StepRecorder.active() != null) {
            Backends.current().fill(t, 0.0); // zeros now, but a replay of the step must zero it again
        }
        return t;
    }

    /** A view over the same storage with another shape, strides and offset. */
    Tensor view(int[] newShape, int[] newStrides, int newOffset) {
        Tensor v = new Tensor(dtype, f, d, newShape, newStrides, newOffset);
        v.root = storageOwner();
        if (BufferPool.active()) {
            BufferPool.viewed(v);
        }
        return v;
    }

    /**
     * A 2-D window for a backend's scratch operands: a tensor header that {@link #aim} points at part of another
     * tensor's storage, again and again, so that a kernel handing sub-matrices to GEMM call after call (the
     * convolution's groups and chunks) makes no view per call. Not a view: neither the pool nor autograd knows it,
     * so it must not leave the kernel that holds it.
     */
    static Tensor window(DType dtype) {
        return new Tensor(dtype, null, null, new int[2], new int[2], 0);
    }

    /**
     * Points this {@link #window} at base's storage as the [rows, cols] matrix with strides (rs, cs) starting at
     * offset (base's own offset not added); base has this window's dtype. Returns this. Modified: this.
     */
    Tensor aim(Tensor base, int rows, int cols, int rs, int cs, int offset) {
        f = base.f;
        d = base.d;
        shape[0] = rows;
        shape[1] = cols;
        strides[0] = rs;
        strides[1] = cs;
        this.offset = offset;
        return this;
    }

    /** The tensor that owns this one's storage: itself, or the one a view (or detach()) was taken of. */
    Tensor storageOwner() {
        return root == null ? this : root;
    }

    /** Records that the storage changes in place now, for the check before each backward rule. */
    void markChanged() {
        storageOwner().changedAt = Autograd.tick();
    }

    /** Throws if this tensor's memory went back to the pool; returns this. */
    Tensor usable() {
        if (f == null && d == null) {
            throw new IllegalStateException("tensor " + Shapes.str(shape) + " was created inside a Tensor.recycling() scope"
                    + " that has closed, and its memory is reused: read its values before closing the scope, or keep"
                    + " it with Recycling.keep(t)");
        }
        return this;
    }

    /** Called when this tensor's memory goes back to the pool: drops the data and the graph. */
    void recycle() {
        f = null;
        d = null;
        node = null;
        grad = null;
    }

    // ---------------------------------------------------------------- creation

    /** Zeros of the given shape, float32. */
    public static Tensor zeros(int... shape) {
        return zeros(DType.FLOAT32, shape);
    }

    /** Zeros of the given shape and dtype. */
    public static Tensor zeros(DType dtype, int... shape) {
        requireShape("Tensor.zeros", dtype, shape);
        return allocate(dtype, shape);
    }

    /** Ones of the given shape, float32. */
    public static Tensor ones(int... shape) {
        return ones(DType.FLOAT32, shape);
    }

    /** Ones of the given shape and dtype. */
    public static Tensor ones(DType dtype, int... shape) {
        requireShape("Tensor.ones", dtype, shape);
        return full(dtype, 1.0, shape);
    }

    /** Every element equal to {@code value}, float32. */
    public static Tensor full(double value, int... shape) {
        return full(DType.FLOAT32, value, shape);
    }

    /** Every element equal to {@code value}. */
    public static Tensor full(DType dtype, double value, int... shape) {
        requireShape("Tensor.full", dtype, shape);
        Tensor t = allocate(dtype, shape);
        t.fill_(value);
        return t;
    }

    /** A zero-dimensional float32 tensor holding {@code value}. */
    public static Tensor scalar(double value) {
        return full(DType.FLOAT32, value);
    }

    /** A zero-dimensional tensor of the given dtype holding {@code value}. */
    public static Tensor scalar(DType dtype, double value) {
        requireDtype("Tensor.scalar", dtype);
        return full(dtype, value);
    }

    /** 0, 1, ..., n-1 as float32. */
    public static Tensor arange(int n) {
        return arange(DType.FLOAT32, n);
    }

    /** 0, 1, ..., n-1. */
    public static Tensor arange(DType dtype, int n) {
        requireDtype("Tensor.arange", dtype);
        Tensor t = allocate(dtype, new int[] {n});
        for (int i = 0; i < n; i++) {
            t.setFlat(i, i);
        }
        return t;
    }

    /** A float32 tensor holding a copy of {@code data} in row-major order; the shape defaults to [data.length]. */
    public static Tensor of(float[] data, int... shape) {
        requireArgument("Tensor.of", "data", data);
        requireArgument("Tensor.of", "shape", shape);
        int[] s = shape.length == 0 ? new int[] {data.length} : shape.clone();
        checkLength("Tensor.of", data.length, s);
        StepRecorder.hostWork("Tensor.of copies values from a Java array");
        return new Tensor(DType.FLOAT32, data.clone(), null, s, Shapes.contiguousStrides(s), 0);
    }

    /** A float64 tensor holding a copy of {@code data} in row-major order; the shape defaults to [data.length]. */
    public static Tensor of(double[] data, int... shape) {
        requireArgument("Tensor.of", "data", data);
        requireArgument("Tensor.of", "shape", shape);
        int[] s = shape.length == 0 ? new int[] {data.length} : shape.clone();
        checkLength("Tensor.of", data.length, s);
        StepRecorder.hostWork("Tensor.of copies values from a Java array");
        return new Tensor(DType.FLOAT64, null, data.clone(), s, Shapes.contiguousStrides(s), 0);
    }

    /**
     * Refuses a null argument (a tensor operand, a shape, dimension or index array, a factory's data) by the op's and
     * the argument's names, before the op reads it.
     */
    static void requireArgument(String op, String argument, Object value) {
        if (value == null) {
            throw new IllegalArgumentException(op + ": " + argument + " is null");
        }
    }

    /** Refuses a factory's null dtype or shape, naming the factory. */
    private static void requireShape(String factory, DType dtype, int[] shape) {
        requireDtype(factory, dtype);
        requireArgument(factory, "shape", shape);
    }

    private static void requireDtype(String factory, DType dtype) {
        if (dtype == null) {
            throw new IllegalArgumentException(factory + ": dtype is null; pass DType.FLOAT32 or DType.FLOAT64");
        }
    }

    private static void requireRows(Object[] rows) {
        if (rows == null) {
            throw new IllegalArgumentException("Tensor.of: rows is null");
        }
        for (int i = 0; i < rows.length; i++) {
            if (rows[i] == null) {
                throw new IllegalArgumentException("Tensor.of: row " + i + " is null");
            }
        }
    }

    /** A float32 matrix from rows of equal length. */
    public static Tensor of(float[][] rows) {
        requireRows(rows);
        StepRecorder.hostWork("Tensor.of copies values from a Java array");
        int cols = rows.length == 0 ? 0 : rows[0].length;
        float[] data = new float[rows.length * cols];
        for (int i = 0; i < rows.length; i++) {
            if (rows[i].length != cols) {
                throw new IllegalArgumentException("Tensor.of: row " + i + " has " + rows[i].length + " values, row 0 has " + cols);
            }
            System.arraycopy(rows[i], 0, data, i * cols, cols);
        }
        return new Tensor(DType.FLOAT32, data, null, new int[] {rows.length, cols}, new int[] {cols, 1}, 0);
    }

    /** A float64 matrix from rows of equal length. */
    public static Tensor of(double[][] rows) {
        requireRows(rows);
        StepRecorder.hostWork("Tensor.of copies values from a Java array");
        int cols = rows.length == 0 ? 0 : rows[0].length;
        double[] data = new double[rows.length * cols];
        for (int i = 0; i < rows.length; i++) {
            if (rows[i].length != cols) {
                throw new IllegalArgumentException("Tensor.of: row " + i + " has " + rows[i].length + " values, row 0 has " + cols);
            }
            System.arraycopy(rows[i], 0, data, i * cols, cols);
        }
        return new Tensor(DType.FLOAT64, null, data, new int[] {rows.length, cols}, new int[] {cols, 1}, 0);
    }

    /**
     * Wraps {@code data} without copying: the tensor and the array share storage, so writes to either are
     * seen by both. For loaders and kernels that fill buffers themselves. Changes made through the array, or
     * through another tensor wrapping it, are not seen by the check of in-place changes before backward.
     */
    public static Tensor wrap(float[] data, int... shape) {
        requireArgument("Tensor.wrap", "data", data);
        requireArgument("Tensor.wrap", "shape", shape);
        int[] s = shape.clone();
        checkLength("Tensor.wrap", data.length, s);
        StepRecorder.hostWork("Tensor.wrap shares a Java array");
        return new Tensor(DType.FLOAT32, data, null, s, Shapes.contiguousStrides(s), 0);
    }

    /** Wraps {@code data} without copying (see {@link #wrap(float[], int...)}). */
    public static Tensor wrap(double[] data, int... shape) {
        requireArgument("Tensor.wrap", "data", data);
        requireArgument("Tensor.wrap", "shape", shape);
        int[] s = shape.clone();
        checkLength("Tensor.wrap", data.length, s);
        StepRecorder.hostWork("Tensor.wrap shares a Java array");
        return new Tensor(DType.FLOAT64, null, data, s, Shapes.contiguousStrides(s), 0);
    }

    private static void checkLength(String op, int length, int[] shape) {
        if (Shapes.numel(shape) != length) {
            throw new IllegalArgumentException(op + ": " + length + " values do not fill shape " + Shapes.str(shape)
                    + " (" + Shapes.numel(shape) + " elements)");
        }
    }

    /** Uniform in [0, 1), float32, from {@code gen}. */
    public static Tensor rand(Generator gen, int... shape) {
        return uniform(gen, 0, 1, shape);
    }

    /** Uniform in [low, high), float32, from {@code gen}. */
    public static Tensor uniform(Generator gen, double low, double high, int... shape) {
        return uniform(DType.FLOAT32, gen, low, high, shape);
    }

    /**
     * Uniform in [low, high), from {@code gen}: element i is low + (high - low) * u_i, u_i in row-major order. low and
     * high must be finite in dtype, with low &lt;= high, as PyTorch's uniform_ requires. Modified: gen.
     */
    public static Tensor uniform(DType dtype, Generator gen, double low, double high, int... shape) {
        requireShape("Tensor.uniform", dtype, shape);
        double max = dtype == DType.FLOAT32 ? Float.MAX_VALUE : Double.MAX_VALUE;
        if (!(Math.abs(low) <= max && Math.abs(high) <= max)) {
            throw new IllegalArgumentException("Tensor.uniform: bounds [" + low + ", " + high + ") are not finite in " + dtype
                    + "; each must be within +-" + max);
        }
        if (!(low <= high)) {
            throw new IllegalArgumentException("Tensor.uniform: low " + low + " is above high " + high);
        }
        if (gen == null) {
            throw new IllegalArgumentException("Tensor.uniform: generator is null");
        }
        Tensor t = allocate(dtype, shape);
        synchronized (gen) { // once per tensor: threads may share a generator (see Generator)
            for (int i = 0, n = t.numel(); i < n; i++) {
                t.setFlat(i, low + (high - low) * gen.uniform());
            }
        }
        return t;
    }

    /** Standard normal, float32, from {@code gen}. */
    public static Tensor randn(Generator gen, int... shape) {
        return normal(DType.FLOAT32, gen, 0, 1, shape);
    }

    /**
     * Normal with the given mean and standard deviation (std &gt;= 0, as PyTorch's normal requires), from {@code gen}.
     * Modified: gen.
     */
    public static Tensor normal(DType dtype, Generator gen, double mean, double std, int... shape) {
        requireShape("Tensor.normal", dtype, shape);
        if (!(std >= 0)) {
            throw new IllegalArgumentException("Tensor.normal: standard deviation must be >= 0, got " + std);
        }
        if (gen == null) {
            throw new IllegalArgumentException("Tensor.normal: generator is null");
        }
        Tensor t = allocate(dtype, shape);
        synchronized (gen) { // once per tensor, as uniform
            for (int i = 0, n = t.numel(); i < n; i++) {
                t.setFlat(i, mean + std * gen.gaussian());
            }
        }
        return t;
    }

    /** Zeros with this tensor's shape and dtype. */
    public Tensor zerosLike() {
        return allocate(dtype, shape);
    }

    /** Ones with this tensor's shape and dtype. */
    public Tensor onesLike() {
        return full(dtype, 1.0, shape);
    }

    // ---------------------------------------------------------------- properties

    /** The dimensions (a copy). */
    public int[] shape() {
        return shape.clone();
    }

    /** Size of dimension {@code dim} (negative counts from the end). */
    public int size(int dim) {
        Shapes.requireDims("size", shape);
        return shape[Shapes.dim("size", dim, shape.length)];
    }

    /** Number of dimensions (0 for a scalar). */
    public int dim() {
        return shape.length;
    }

    /** Number of elements. */
    public int numel() {
        return Shapes.numel(shape);
    }

    /**
     * The indices, one per dimension, of element i in row-major order (the order of {@link #toDoubleArray()}), as
     * {@link #get} takes them: for i = sum_d index[d] * (product of the sizes after d). PyTorch:
     * {@code torch.unravel_index(i, t.shape)}.
     *
     * @throws IndexOutOfBoundsException unless 0 &lt;= i &lt; numel()
     */
    public int[] unravelIndex(int i) {
        int n = numel();
        if (i < 0 || i >= n) {
            throw new IndexOutOfBoundsException("unravelIndex: element " + i + " out of range for shape " + Shapes.str(shape)
                    + " (" + n + " elements)");
        }
        int[] index = new int[shape.length];
        for (int d = shape.length - 1; d >= 0; d--) {
            index[d] = i % shape[d];
            i /= shape[d];
        }
        return index;
    }

    /** The element type, float32 or float64. */
    public DType dtype() {
        return dtype;
    }

    /** True if the elements are laid out row-major without gaps (views may not be). */
    public boolean isContiguous() {
        return Shapes.isContiguous(shape, strides);
    }

    /**
     * The Euclidean norm sqrt(sum x_i^2) of all elements, accumulated in double, as a number: for logs and
     * gradient clipping, not recorded in the graph (PyTorch: {@code torch.linalg.vector_norm(t).item()}).
     */
    public double l2Norm() {
        Tensor t = usable();
        if (t.isContiguous()) {
            return Math.sqrt(Backends.current().sumOfSquares(t));
        }
        double s = 0;
        for (double v : t.toDoubleArray()) {
            s += v * v;
        }
        return Math.sqrt(s);
    }

    /** The value of a one-element tensor. */
    public double item() {
        if (numel() != 1) {
            throw new IllegalStateException("item: tensor of shape " + Shapes.str(shape) + " has " + numel()
                    + " elements; item() needs exactly one");
        }
        usable();
        StepRecorder.hostWork("item() reads a value in Java");
        return dtype == DType.FLOAT32 ? f[offset] : d[offset];
    }

    /** The element at the given indices (checked; a negative index counts from the end, -1 the last). */
    public double get(int... index) {
        usable();
        StepRecorder.hostWork("get() reads a value in Java");
        requireArgument("get", "index", index);
        int p = position("get", index);
        return dtype == DType.FLOAT32 ? f[p] : d[p];
    }

    /**
     * Sets the element at the given indices; not recorded for autograd, so, as the other in-place ops, refused on a
     * tensor that requires grad outside {@link #noGrad()}. Modified: this.
     */
    public Tensor set(double value, int... index) {
        usable();
        checkRequiresGrad("set");
        StepRecorder.hostWork("set() writes a value in Java");
        requireArgument("set", "index", index);
        int p = position("set", index);
        markChanged();
        if (dtype == DType.FLOAT32) {
            f[p] = (float) value;
        } else {
            d[p] = value;
        }
        return this;
    }

    private int position(String op, int[] index) {
        if (index.length != shape.length) {
            throw new IllegalArgumentException(op + ": " + index.length + " indices for a tensor of rank " + shape.length
                    + " " + Shapes.str(shape));
        }
        int p = offset;
        for (int i = 0; i < index.length; i++) {
            if (index[i] < -shape[i] || index[i] >= shape[i]) {
                throw new IndexOutOfBoundsException(op + ": index " + index[i] + " out of range for dimension " + i
                        + " of size " + shape[i] + " in shape " + Shapes.str(shape));
            }
            p += (index[i] < 0 ? index[i] + shape[i] : index[i]) * strides[i]; // -1 is the last, as in Python
        }
        return p;
    }

    /**
     * The element i places past this tensor's offset in its storage, unchecked: row-major element i of a contiguous
     * tensor, element k of a 1-D one for i = k * strides[0].
     */
    double getFlat(int i) {
        StepRecorder.hostWork("an op reads values in Java");
        return dtype == DType.FLOAT32 ? f[offset + i] : d[offset + i];
    }

    /** Sets the element {@link #getFlat} reads, rounded to this tensor's dtype. Modified: this. */
    void setFlat(int i, double v) {
        StepRecorder.hostWork("an op writes values in Java");
        if (dtype == DType.FLOAT32) {
            f[offset + i] = (float) v;
        } else {
            d[offset + i] = v;
        }
    }

    /** The elements in row-major order as a new float array. */
    public float[] toFloatArray() {
        return toFloatArray(null);
    }

    /**
     * The elements in row-major order in {@code into} when it holds at least {@link #numel()} floats (those after
     * them untouched), else in a new array, as {@code Collection.toArray(T[])} does: for a caller that reads a
     * tensor every step without allocating. Modified: into.
     */
    public float[] toFloatArray(float[] into) {
        Tensor c = contiguous();
        StepRecorder.hostWork("toFloatArray() reads the values in Java");
        int n = c.numel();
        float[] out = into != null && into.length >= n ? into : new float[n];
        if (c.dtype == DType.FLOAT32) {
            System.arraycopy(c.f, c.offset, out, 0, n);
        } else {
            for (int i = 0; i < n; i++) {
                out[i] = (float) c.d[c.offset + i];
            }
        }
        return out;
    }

    /** The elements in row-major order as a new double array. */
    public double[] toDoubleArray() {
        Tensor c = contiguous();
        StepRecorder.hostWork("toDoubleArray() reads the values in Java");
        double[] out = new double[c.numel()];
        for (int i = 0; i < out.length; i++) {
            out[i] = c.getFlat(i);
        }
        return out;
    }

    /**
     * The backing float array of a contiguous float32 tensor that starts at offset 0: writes go straight into
     * the tensor and bypass autograd. For data loaders and kernels; everyone else uses {@link #toFloatArray()}.
     */
    public float[] floatStorage() {
        usable();
        StepRecorder.hostWork("floatStorage() hands out the array to Java code");
        if (dtype != DType.FLOAT32 || offset != 0 || !isContiguous() || f.length != numel()) {
            throw new IllegalStateException("floatStorage: needs a contiguous float32 tensor that owns its whole array; call"
                    + " contiguous().copy() first (this one: " + dtype + " " + Shapes.str(shape) + ")");
        }
        return f;
    }

    /** The backing double array; as {@link #floatStorage()}, for float64 tensors. */
    public double[] doubleStorage() {
        usable();
        StepRecorder.hostWork("doubleStorage() hands out the array to Java code");
        if (dtype != DType.FLOAT64 || offset != 0 || !isContiguous() || d.length != numel()) {
            throw new IllegalStateException("doubleStorage: needs a contiguous float64 tensor that owns its whole array; call"
                    + " contiguous().copy() first (this one: " + dtype + " " + Shapes.str(shape) + ")");
        }
        return d;
    }

    // ---------------------------------------------------------------- autograd

    /** Whether gradients with respect to this tensor are computed by {@link #backward()}. */
    public boolean requiresGrad() {
        return requiresGrad;
    }

    /** Marks a leaf tensor (a parameter or input) as needing its gradient. Returns this. Modified: this. */
    public Tensor requiresGrad(boolean requires) {
        if (node != null && !requires) {
            throw new IllegalStateException("requiresGrad(false) on a tensor computed by '" + node.op()
                    + "': use detach() to cut it from the graph");
        }
        this.requiresGrad = requires;
        return this;
    }

    /** The accumulated gradient dL/d(this), or null before any backward pass reached it. */
    public Tensor grad() {
        return grad;
    }

    /**
     * Replaces the gradient (null clears it); it must have this tensor's shape and dtype, as PyTorch requires of an
     * assigned {@code .grad} (backward adds into it, and the optimizers update from it, in this dtype). Modified: this.
     */
    public void setGrad(Tensor g) {
        if (g != null && !Arrays.equals(g.shape, shape)) {
            throw new IllegalArgumentException("setGrad: gradient shape " + Shapes.str(g.shape) + " differs from tensor shape " + Shapes.str(shape));
        }
        if (g != null && g.dtype != dtype) {
            throw new IllegalArgumentException("setGrad: gradient dtype " + g.dtype + " differs from tensor dtype " + dtype
                    + "; convert it with g.to(DType." + dtype + ")");
        }
        if (g == this) {
            throw new IllegalArgumentException("setGrad: a tensor cannot be its own gradient (backward would add into its"
                    + " values); pass a copy()");
        }
        this.grad = g;
    }

    /**
     * Clears the accumulated gradient, as PyTorch's {@code zero_grad(set_to_none=True)}. Inside a
     * {@link #recycling()} scope the next backward may reuse the old gradient's memory, so a reference to it kept
     * across the call can change: copy it first (outside a scope, as in PyTorch, it keeps its values). Modified: this.
     */
    public void zeroGrad() {
        if (grad != null) {
            spareGrad = grad;
        }
        this.grad = null;
    }

    /**
     * Keeps the gradient of this intermediate (non-leaf) tensor after backward, for inspection and graphs; refused,
     * as in PyTorch, on a tensor that does not require grad (it would never get one). Modified: this.
     */
    public Tensor retainGrad() {
        if (!requiresGrad) {
            throw new IllegalStateException("retainGrad: this tensor does not require grad, so it never gets a gradient;"
                    + " call requiresGrad(true) on the leaves it is computed from, outside Tensor.noGrad()");
        }
        this.retainsGrad = true;
        return this;
    }

    /** True for tensors not computed by a recorded op: inputs, parameters, constants. */
    public boolean isLeaf() {
        return node == null;
    }

    /** The op that computed this tensor, or null for a leaf. */
    public Node gradFn() {
        return node;
    }

    /** A name shown in graph drawings and error messages (e.g. the parameter name). */
    public String label() {
        return LABELS.get(this);
    }

    /** Sets the label (null removes it); returns this. Modified: this. */
    public Tensor label(String name) {
        if (name == null) {
            LABELS.remove(this);
        } else {
            LABELS.put(this, name);
        }
        return this;
    }

    /**
     * A tensor sharing this one's storage but cut from the graph: no gradient flows through it. Changing it in place
     * changes this tensor too: if this tensor was used by a recorded op, a later backward pass through that op
     * refuses to run (IllegalStateException) rather than compute from the changed values.
     */
    public Tensor detach() {
        return view(shape, strides, offset);
    }

    /**
     * Computes dL/dx for every tensor x that requires a gradient and leads to this scalar L, adding it to
     * {@code x.grad()} (gradients accumulate across calls until {@link #zeroGrad()}). The graph is freed.
     * Modified: the grad() of every leaf reached (and of tensors that {@link #retainGrad()}).
     */
    public void backward() {
        backward(null, false);
    }

    /**
     * Backward pass seeded with dL/d(this) = {@code gradOutput} (same shape as this), for a non-scalar output: x.grad
     * gets sum over the elements j of this of gradOutput_j * d(this_j)/dx. The graph is freed. Modified: as
     * {@link #backward()}.
     */
    public void backward(Tensor gradOutput) {
        backward(gradOutput, false);
    }

    /**
     * Backward pass seeded with dL/d(this) = {@code gradOutput}, as {@link #backward(Tensor)}, or with 1 when
     * gradOutput is null and this is a scalar, as {@link #backward()} (PyTorch's {@code loss.backward(retain_graph=True)}
     * is {@code loss.backward(null, true)}); with {@code retainGraph} the graph is kept and can be walked again.
     * Modified: the grad() of the leaves reached.
     */
    public void backward(Tensor gradOutput, boolean retainGraph) {
        if (gradOutput == null) {
            if (numel() != 1) {
                throw new IllegalStateException("backward: output has shape " + Shapes.str(shape) + "; backward() without"
                        + " a gradient needs a scalar (one element): reduce it first (e.g. .sum() or .mean()) or pass"
                        + " backward(gradOfOutput)");
            }
            // the seed from the step's pool, as the gradients it starts: a new array per step otherwise
            Tensor seed = forOverwrite(dtype, shape);
            Backends.current().fill(seed, 1.0);
            Autograd.backward(this, seed, retainGraph);
            return;
        }
        if (!Arrays.equals(gradOutput.shape, shape)) {
            throw new IllegalArgumentException("backward: gradOutput has shape " + Shapes.str(gradOutput.shape)
                    + " but the output has shape " + Shapes.str(shape));
        }
        Autograd.backward(this, gradOutput.dtype == dtype ? gradOutput : gradOutput.to(dtype), retainGraph);
    }

    /**
     * Turns off graph recording on this thread until {@code close()}: for evaluation and weight updates.
     * In-place ops are allowed inside on tensors that require grad; a backward pass through an op that used a tensor
     * changed after the op ran refuses to run (see {@link #detach()}), so update weights after backward, as
     * optimizers do.
     * <pre>{@code try (var scope = Tensor.noGrad()) { ... } }</pre>
     */
    public static NoGrad noGrad() {
        Autograd.disable();
        return new NoGrad();
    }

    /**
     * Runs {@code body} with graph recording off on this thread, as inside {@link #noGrad()}, and turns it back on
     * after, also when body throws. Allocates nothing where body is a kept object (an optimizer's step runs this way
     * every step).
     */
    public static void noGrad(Runnable body) {
        Autograd.disable();
        try {
            body.run();
        } finally {
            Autograd.enable();
        }
    }

    /** Whether ops on this thread are being recorded for autograd now. */
    public static boolean isGradEnabled() {
        return Autograd.isEnabled();
    }

    /**
     * Opens a scope on this thread in which tensor operations take the memory of their results from a pool that
     * earlier scopes gave back, instead of allocating it. Closing the scope gives back the memory of every tensor
     * the operations created inside it (views included) and makes those tensors unusable: their data is gone,
     * and using one throws. This is for training loops, one scope per step around forward, loss and backward:
     * the step's activations and intermediate gradients are then the same arrays every step, and the JVM has
     * nothing to collect (see {@code Trainer}).
     * <pre>{@code
     * opt.zeroGrad();
     * try (var step = Tensor.recycling()) {
     *     Tensor loss = lossFn.forward(model.forward(x), y);
     *     lossValue = loss.item();       // read what you need before the scope closes
     *     loss.backward();
     * }
     * opt.step();                        // outside: optimizer state must outlive the step
     * }</pre>
     * Never recycled: tensors made by the factories ({@link #zeros}, {@link #wrap}, {@link #randn}, ...), the
     * gradients that backward stores in {@link #grad()}, and tensors passed to {@link Recycling#keep}. Inside the
     * scope, a leaf's gradient memory is reused from before its last {@link #zeroGrad()}: copy a gradient you
     * want to keep across steps. Scopes nest; each belongs to the thread that opened it.
     */
    public static Recycling recycling() {
        return new Recycling(BufferPool.open());
    }

    /** The scope returned by {@link #recycling()}. */
    public static final class Recycling implements AutoCloseable {
        private final BufferPool.Scope scope;
        private final int generation;

        private Recycling(BufferPool.Scope scope) {
            this.scope = scope;
            this.generation = scope.generation;
        }

        /** Takes {@code t}'s memory out of recycling, so that {@code t} stays valid after the scope; returns t. */
        public Tensor keep(Tensor t) {
            BufferPool.keep(t);
            return t;
        }

        /**
         * Gives back the memory of the tensors created inside; they become unusable. Closing it again does nothing.
         *
         * @throws IllegalStateException if the scope is open and this is not the thread that opened it
         */
        @Override
        public void close() {
            BufferPool.close(scope, generation);
        }
    }

    /** The scope returned by {@link #noGrad()}; closing it, on the thread that opened it, restores recording. */
    public static final class NoGrad implements AutoCloseable {
        private final Thread owner = Thread.currentThread();
        private boolean closed;

        private NoGrad() {}

        /**
         * Restores recording on the thread that opened this scope; a second close does nothing, on any thread (as
         * {@link Recycling#close()}).
         *
         * @throws IllegalStateException if the scope is open and this is not the thread that opened it: it would turn
         *     recording on there (or off for good, below zero) and leave it off on the opener
         */
        @Override
        public void close() {
            if (!closed && owner != Thread.currentThread()) {
                throw new IllegalStateException("Tensor.noGrad(): the scope was opened on thread '" + owner.getName()
                        + "' and only that thread can close it, not '" + Thread.currentThread().getName() + "'");
            }
            if (!closed) {
                closed = true;
                Autograd.enable();
            }
        }
    }

    // ---------------------------------------------------------------- element-wise (ElementwiseOps)

    /** this + other, broadcast. */
    public Tensor add(Tensor other) { return ElementwiseOps.binary(BinaryOp.ADD, this, other); }
    /** this + c. */
    public Tensor add(double c) { return ElementwiseOps.addScalar(this, c); }
    /** this - other, broadcast. */
    public Tensor sub(Tensor other) { return ElementwiseOps.binary(BinaryOp.SUB, this, other); }
    /** this - c. */
    public Tensor sub(double c) { return ElementwiseOps.addScalar(this, -c); }
    /** this * other (element-wise), broadcast. */
    public Tensor mul(Tensor other) { return ElementwiseOps.binary(BinaryOp.MUL, this, other); }
    /** this * c. */
    public Tensor mul(double c) { return ElementwiseOps.mulScalar(this, c); }
    /** this / other, broadcast. */
    public Tensor div(Tensor other) { return ElementwiseOps.binary(BinaryOp.DIV, this, other); }
    /** this / c, divided (as PyTorch's), not multiplied by 1 / c. */
    public Tensor div(double c) { return ElementwiseOps.divScalar(this, c); }
    /** c / this. */
    public Tensor rdiv(double c) { return ElementwiseOps.rdivScalar(this, c); }
    /** -this. */
    public Tensor neg() { return ElementwiseOps.neg(this); }
    /** this^p. */
    public Tensor pow(double p) { return ElementwiseOps.powScalar(this, p); }
    /** this^other, broadcast. */
    public Tensor pow(Tensor other) { return ElementwiseOps.binary(BinaryOp.POW, this, other); }
    /** e^this. */
    public Tensor exp() { return ElementwiseOps.exp(this); }
    /** Natural logarithm. */
    public Tensor log() { return ElementwiseOps.log(this); }
    /** Square root. */
    public Tensor sqrt() { return ElementwiseOps.sqrt(this); }
    /** |this|; the derivative at 0 is taken as 0, as in PyTorch. */
    public Tensor abs() { return ElementwiseOps.abs(this); }
    /** min(max(this, lo), hi); the gradient passes where lo &lt;= x &lt;= hi. */
    public Tensor clamp(double lo, double hi) { return ElementwiseOps.clamp(this, lo, hi); }
    /**
     * max(this, other) element-wise, broadcast (NaN where either is NaN); ties send the gradient to this (PyTorch splits
     * it), a NaN on either side to both, as in PyTorch.
     */
    public Tensor maximum(Tensor other) { return ElementwiseOps.binary(BinaryOp.MAX, this, other); }
    /** min(this, other) element-wise, broadcast; gradient at ties and NaN as {@link #maximum}. */
    public Tensor minimum(Tensor other) { return ElementwiseOps.binary(BinaryOp.MIN, this, other); }
    /** 1 where this &gt; other, else 0, in the operands' dtype (jgrad has no boolean dtype); no gradient. */
    public Tensor gt(Tensor other) { return ElementwiseOps.compare(BinaryOp.GT, this, other); }
    /** 1 where this &gt; c, else 0 (no gradient). */
    public Tensor gt(double c) { return ElementwiseOps.compareScalar(UnaryOp.GT_SCALAR, this, c); }
    /** 1 where this &gt;= other, else 0. */
    public Tensor ge(Tensor other) { return ElementwiseOps.compare(BinaryOp.GE, this, other); }
    /** 1 where this &lt; other, else 0. */
    public Tensor lt(Tensor other) { return ElementwiseOps.compare(BinaryOp.LT, this, other); }
    /** 1 where this &lt; c, else 0. */
    public Tensor lt(double c) { return ElementwiseOps.compareScalar(UnaryOp.LT_SCALAR, this, c); }
    /** 1 where this &lt;= other, else 0. */
    public Tensor le(Tensor other) { return ElementwiseOps.compare(BinaryOp.LE, this, other); }
    /** 1 where this == other, else 0. */
    public Tensor eq(Tensor other) { return ElementwiseOps.compare(BinaryOp.EQ, this, other); }
    /** 1 where this &gt;= c, else 0 (0 for NaN), in this dtype. */
    public Tensor ge(double c) { return ge(scalar(dtype, c)); }
    /** 1 where this &lt;= c, else 0 (0 for NaN), in this dtype. */
    public Tensor le(double c) { return le(scalar(dtype, c)); }
    /** 1 where this == c, else 0, in this dtype. */
    public Tensor eq(double c) { return eq(scalar(dtype, c)); }
    /** where(mask, a, b): a where mask is non-zero, b elsewhere, all broadcast. */
    public static Tensor where(Tensor mask, Tensor a, Tensor b) { return ElementwiseOps.where(mask, a, b); }

    /** max(x, 0). */
    public Tensor relu() { return ElementwiseOps.relu(this); }
    /** 1 / (1 + e^-x). */
    public Tensor sigmoid() { return ElementwiseOps.sigmoid(this); }
    /** tanh x. */
    public Tensor tanh() { return ElementwiseOps.tanh(this); }
    /** x if x &gt; 0 else alpha * x. */
    public Tensor leakyRelu(double alpha) { return ElementwiseOps.leakyRelu(this, alpha); }
    /** x if x &gt; 0 else alpha * (e^x - 1). */
    public Tensor elu(double alpha) { return ElementwiseOps.elu(this, alpha); }
    /** x * Phi(x), the exact (erf) GELU, PyTorch's default. */
    public Tensor gelu() { return ElementwiseOps.gelu(this); }

    // ---------------------------------------------------------------- reductions (ReduceOps)

    /** Sum of all elements, a scalar. */
    public Tensor sum() { return ReduceOps.sumAll(this); }
    /**
     * Sum over the given dimensions (negative count from the end): those dimensions are removed from the shape, or
     * kept with size 1 when {@code keepDim}.
     */
    public Tensor sum(int[] dims, boolean keepDim) { return ReduceOps.sum(this, dims, keepDim); }
    /** Sum over one dimension, removed from the shape (size 1 when {@code keepDim}). */
    public Tensor sum(int dim, boolean keepDim) { return ReduceOps.sum(this, new int[] {dim}, keepDim); }
    /** Mean of all elements, a scalar. */
    public Tensor mean() { return ReduceOps.meanAll(this); }
    /** Mean over the given dimensions: their sum divided by the product of their sizes; shape as {@link #sum(int[], boolean)}. */
    public Tensor mean(int[] dims, boolean keepDim) { return ReduceOps.mean(this, dims, keepDim); }
    /** Mean over one dimension; shape as {@link #sum(int, boolean)}. */
    public Tensor mean(int dim, boolean keepDim) { return ReduceOps.mean(this, new int[] {dim}, keepDim); }
    /**
     * Variance over one dimension, sum((x - mean)^2) / (n - 1) (unbiased, as PyTorch's default; NaN for n = 1 and, as
     * 0 / 0, for an empty dimension), composed of mean, sub, mul and sum.
     */
    public Tensor var(int dim, boolean keepDim) {
        int d = Shapes.dim("var", dim, shape.length);
        int n = shape.length == 0 ? 1 : shape[d]; // a 0-d tensor is one value along its dim 0, as PyTorch: NaN
        Tensor centred = sub(mean(dim, true));
        return centred.mul(centred).sum(dim, keepDim).div(Math.max(n - 1, 0)); // n = 0: 0 / 0, not 0 / -1
    }
    /**
     * Standard deviation over one dimension: s = sqrt of the unbiased {@link #var(int, boolean)}. Its gradient
     * g / (2 s) times that of the variance is taken as 0 where s = 0 (a constant row), as PyTorch's, not the
     * NaN of infinity times 0.
     */
    public Tensor std(int dim, boolean keepDim) { return ReduceOps.std(this, dim, keepDim); }
    /**
     * Maximum of all elements, a scalar; the gradient is shared equally by the elements equal to it (by the NaNs
     * when it is NaN), as PyTorch's max(). Unlike {@link #max(int, boolean)}, which sends it to the first.
     */
    public Tensor max() { return ReduceOps.extremeAll(this, false); }
    /** Maximum over one dimension; the gradient goes to the first maximal element of each slice, as PyTorch's. */
    public Tensor max(int dim, boolean keepDim) { return ReduceOps.extreme(this, dim, keepDim, false); }
    /** Minimum of all elements, a scalar; ties share the gradient, as in {@link #max()}. */
    public Tensor min() { return ReduceOps.extremeAll(this, true); }
    /** Minimum over one dimension; the gradient goes to the first minimal element of each slice. */
    public Tensor min(int dim, boolean keepDim) { return ReduceOps.extreme(this, dim, keepDim, true); }
    /**
     * Index of the first maximum along {@code dim}, as integral values in this tensor's dtype (jgrad has no integer
     * dtype; float32 holds indices exactly up to 2^24), no gradient.
     */
    public Tensor argmax(int dim, boolean keepDim) { return ReduceOps.argExtreme(this, dim, keepDim, false); }
    /** Index of the first minimum along {@code dim}, as {@link #argmax(int, boolean)}. */
    public Tensor argmin(int dim, boolean keepDim) { return ReduceOps.argExtreme(this, dim, keepDim, true); }
    /** Sums broadcast dimensions away so that the result has {@code targetShape}: the adjoint of broadcasting. */
    public Tensor sumTo(int... targetShape) { return ReduceOps.sumTo(this, targetShape); }

    // ---------------------------------------------------------------- shape (ShapeOps)

    /** Same elements, new shape (one dimension may be -1); a view when this is contiguous. */
    public Tensor reshape(int... newShape) { return ShapeOps.reshape(this, newShape); }
    /** Dimensions reordered: result dim i is this dim {@code order[i]}; a view. */
    public Tensor permute(int... order) { return ShapeOps.permute(this, order); }
    /** Two dimensions swapped; a view. */
    public Tensor transpose(int dim0, int dim1) { return ShapeOps.transpose(this, dim0, dim1); }
    /** Matrix transpose of a 2-D tensor; a view. */
    public Tensor t() {
        if (shape.length != 2) {
            throw new IllegalArgumentException("t: needs a 2-D tensor, got shape " + Shapes.str(shape));
        }
        return ShapeOps.transpose(this, 0, 1);
    }
    /** Elements [start, end) along {@code dim}, a negative end counting from the end (as Python's x[-2:]); a view. */
    public Tensor slice(int dim, int start, int end) { return ShapeOps.slice(this, dim, start, end); }
    /** Broadcast to {@code newShape} (-1 keeps a dimension) without copying: a view in which size-1 dimensions repeat. */
    public Tensor expand(int... newShape) { return ShapeOps.expand(this, newShape); }
    /** Inserts a dimension of size 1 at {@code dim} (negative counts from the end of the result); a view. */
    public Tensor unsqueeze(int dim) { return ShapeOps.unsqueeze(this, dim); }
    /** Removes dimension {@code dim}, which must have size 1; a view. */
    public Tensor squeeze(int dim) { return ShapeOps.squeeze(this, dim); }
    /** Removes every dimension of size 1; a view, as {@link #squeeze(int)}. */
    public Tensor squeeze() {
        Tensor t = this;
        for (int i = shape.length - 1; i >= 0; i--) {
            if (shape[i] == 1) {
                t = t.squeeze(i); // a view, as squeeze(dim)
            }
        }
        return t;
    }
    /** Flattens dimensions from {@code startDim} on into one: [d0, ..., dk, ..., dn] to [d0, ..., dk * ... * dn]. */
    public Tensor flatten(int startDim) { return ShapeOps.flatten(this, startDim); }
    /** This tensor laid out row-major without gaps (itself when it already is). */
    public Tensor contiguous() { return ShapeOps.contiguous(usable()); }
    /** A contiguous copy that shares nothing with this tensor; recorded for autograd (identity gradient). */
    public Tensor copy() { return ShapeOps.copy(usable()); }
    /** Joins tensors of equal shape except along {@code dim}; the result's size along dim is the sum of theirs. */
    public static Tensor cat(int dim, Tensor... tensors) { return ShapeOps.cat(dim, tensors); }
    /** Joins tensors of equal shape along a new dimension {@code dim} (in [0, rank]): cat of the unsqueezed tensors. */
    public static Tensor stack(int dim, Tensor... tensors) {
        requireArgument("stack", "tensors", tensors);
        for (int i = 0; i < tensors.length; i++) {
            if (tensors[i] == null) { // the argument's name is built only for the message: no string per call
                requireArgument("stack", "tensor " + i, null);
            }
        }
        if (tensors.length == 0) {
            throw new IllegalArgumentException("stack: no tensors");
        }
        int d = Shapes.dim("stack", dim, tensors[0].shape.length + 1);
        Tensor[] lifted = new Tensor[tensors.length];
        for (int i = 0; i < tensors.length; i++) {
            if (!Arrays.equals(tensors[i].shape, tensors[0].shape)) {
                throw new IllegalArgumentException("stack: tensor " + i + " has shape " + Shapes.str(tensors[i].shape)
                        + ", tensor 0 " + Shapes.str(tensors[0].shape) + "; they must be equal");
            }
            lifted[i] = tensors[i].unsqueeze(d);
        }
        return cat(d, lifted);
    }
    /**
     * Views of consecutive pieces of {@code size} along {@code dim} (the last may be smaller), as PyTorch's split; one
     * empty piece when the dimension is empty.
     */
    public java.util.List<Tensor> split(int size, int dim) {
        if (shape.length == 0) {
            throw new IllegalArgumentException("split: a 0-d tensor has no dimension to split; reshape(1) it first");
        }
        int d = Shapes.dim("split", dim, shape.length);
        if (size < 1) {
            throw new IllegalArgumentException("split: size must be at least 1, got " + size);
        }
        java.util.List<Tensor> pieces = new java.util.ArrayList<>();
        for (int start = 0; start < shape[d] || start == 0; start += size) {
            pieces.add(slice(d, start, Math.min(shape[d], start + size)));
        }
        return pieces;
    }
    /** This tensor in another dtype (itself if already so); the gradient converts back. */
    public Tensor to(DType target) { return ShapeOps.to(this, target); }

    // ---------------------------------------------------------------- matrix products, indexing, softmax

    /**
     * The affine map of a fully connected layer, y = x W^T + b, for x [*, in], weight W [out, in] and bias b [out]
     * (null for none), giving y [*, out]: one GEMM onto the broadcast bias, with a backward of two GEMMs and a
     * column sum (dx = g W, dW = g^T x, db = sum of g over rows). The same values as
     * {@code x.matmul(weight.t()).add(bias)} up to float rounding (the bias enters the GEMM's sums, as in
     * PyTorch's addmm).
     */
    public static Tensor linear(Tensor x, Tensor weight, Tensor bias) { return LinalgOps.linear(x, weight, bias); }
    /** Matrix product: [m,k] x [k,n] -&gt; [m,n]; batched over leading dims with broadcasting; 1-D operands as in PyTorch. */
    public Tensor matmul(Tensor other) { return LinalgOps.matmul(this, other); }
    /**
     * Slices along {@code dim} picked by {@code indices} (each in [0, size(dim)), repeats allowed): out has this shape with size
     * indices.length along dim, and out[..., i, ...] = this[..., indices[i], ...]; the gradient adds back into the
     * picked slices.
     */
    public Tensor indexSelect(int dim, int... indices) { return IndexOps.indexSelect(this, dim, indices); }
    /** out[i][j] = this[i][index[i][j]] (for dim 1), as torch.gather; index holds integral values. */
    public Tensor gather(int dim, Tensor index) { return IndexOps.gather(this, dim, index); }
    /** softmax along {@code dim}: e^x_i / sum_j e^x_j, computed stably. */
    public Tensor softmax(int dim) { return SoftmaxOps.softmax(this, dim); }
    /**
     * Per-sample cross-entropy of logits [N, C] against target [N] holding class indices (integral values in
     * [0, C)): loss[i] = -logSoftmax(this)[i, target[i]], shape [N]. One fused op whose backward is
     * softmax(this) - onehot(target), scaled by the incoming gradient, in one pass. No gradient flows to target.
     */
    public Tensor crossEntropy(Tensor target) { return SoftmaxOps.crossEntropy(this, target); }
    /** log softmax along {@code dim}: x_i - log sum_j e^x_j, computed stably. */
    public Tensor logSoftmax(int dim) { return SoftmaxOps.logSoftmax(this, dim); }

    // ---------------------------------------------------------------- convolution and pooling (NCHW)

    /**
     * 2-D convolution (cross-correlation, as PyTorch's conv2d) of input [N, C, H, W] with weight
     * [O, C/groups, kH, kW] and optional bias [O] (null for none): y[n, o, i, j] = b[o] + sum over the channels c
     * of o's group and the kernel offsets of w[o, c, ki, kj] * x[n, c, i*stride - padding + ki*dilation,
     * j*stride - padding + kj*dilation], zero outside the image. Output [N, O, Ho, Wo] with
     * Ho = floor((H + 2 padding - dilation (kH - 1) - 1) / stride) + 1, Wo alike.
     */
    public static Tensor conv2d(Tensor input, Tensor weight, Tensor bias, int stride, int padding, int dilation,
                                int groups) {
        return ConvOps.conv2d(input, weight, bias, stride, padding, dilation, groups);
    }

    /**
     * Batch normalization of input [N, C, ...] over every dimension but 1 (PyTorch's F.batch_norm): per channel k,
     * y = (x - mu_k) / sqrt(var_k + eps) * weight_k + bias_k. In training mu and var are the batch's (var biased),
     * and the running statistics (when not null) move towards them: running_mean = (1 - momentum) running_mean +
     * momentum mu, running_var likewise with the unbiased variance var m / (m - 1), m the values per channel;
     * training needs m != 1, and an empty input (m = 0) leaves them alone and gives an empty output. Otherwise the running statistics normalize. weight and bias [C] may be null (1 and 0); in training a running
     * statistic must not be an expand()ed view of one element (its channels' updates would share that element).
     * Modified: runningMean and runningVar, in training.
     */
    public static Tensor batchNorm(Tensor input, Tensor weight, Tensor bias, Tensor runningMean, Tensor runningVar,
                                   boolean training, double momentum, double eps) {
        return NormOps.batchNorm(input, weight, bias, runningMean, runningVar, training, momentum, eps);
    }

    /**
     * Inverted dropout: each element is zeroed with probability p in [0, 1] and the others scaled by 1 / (1 - p),
     * the mask drawn from {@code gen} (one uniform number per element, row-major); the gradient goes through the
     * mask. p = 1 multiplies by 0 without drawing from gen, as PyTorch. Modified: gen.
     */
    public Tensor dropout(double p, Generator gen) { return ElementwiseOps.dropout(this, p, gen); }

    /** Max over kernel x kernel windows of [N, C, H, W], padding never chosen; gradient to each window's first max. */
    public Tensor maxPool2d(int kernel, int stride, int padding) { return PoolOps.maxPool2d(this, kernel, stride, padding); }
    /** Mean over kernel x kernel windows of [N, C, H, W]; zero padding counts in the divisor (count_include_pad). */
    public Tensor avgPool2d(int kernel, int stride, int padding) { return PoolOps.avgPool2d(this, kernel, stride, padding); }
    /** Mean over the windows [floor(i H / outH), ceil((i+1) H / outH)) (columns alike) giving [N, C, outH, outW]. */
    public Tensor adaptiveAvgPool2d(int outH, int outW) { return PoolOps.adaptiveAvgPool2d(this, outH, outW); }

    // ---------------------------------------------------------------- in place (not recorded)

    /**
     * Checks an in-place op and records the change (so call it after checking the op's other arguments); true when
     * this is a strided view, which the op then changes through {@link #throughCopy} (the kernels work on contiguous
     * memory).
     */
    private boolean onView(String op) {
        checkRequiresGrad(op);
        boolean view = !isContiguous();
        for (int i = 0; view && i < shape.length; i++) {
            if (strides[i] == 0 && shape[i] > 1) {
                throw new IllegalStateException(op + ": this view repeats elements (an expand()ed dimension " + i
                        + " of size " + shape[i] + "), so an in-place change would write one element several times;"
                        + " change a contiguous() copy");
            }
        }
        markChanged();
        return view;
    }

    /** An in-place op on a strided view: applied to a contiguous copy, written back element by element. */
    private Tensor throughCopy(java.util.function.Consumer<Tensor> op) {
        StepRecorder.hostWork("an in-place op on a strided view writes back in Java");
        Tensor c = ShapeOps.copy(this);
        op.accept(c);
        int[] index = new int[shape.length];
        for (int k = 0, n = numel(); k < n; k++) {
            int p = offset;
            for (int j = 0; j < index.length; j++) {
                p += index[j] * strides[j];
            }
            if (dtype == DType.FLOAT32) {
                f[p] = c.f[k];
            } else {
                d[p] = c.d[k];
            }
            for (int j = index.length - 1; j >= 0 && ++index[j] == shape[j]; j--) {
                index[j] = 0;
            }
        }
        return this;
    }

    private void checkRequiresGrad(String op) {
        if (Autograd.isEnabled() && requiresGrad) {
            // in-place ops are not recorded: on a leaf the change would be invisible to autograd, and on an
            // intermediate it would corrupt the values its op saved for the backward pass
            throw new IllegalStateException(op + ": in-place change of a " + (node == null ? "leaf" : "tensor computed by '"
                    + node.op() + "'") + " that requires grad; do it inside Tensor.noGrad() (as optimizers do), or on a"
                    + " detach()ed or copied tensor");
        }
    }

    /**
     * other broadcast to this shape, contiguous and in this dtype, as the in-place kernels need; a copy where it
     * would share memory with this at another place (x[1:].add_(x[:-1])), which the kernels, writing this as they
     * read other, would otherwise read after they changed it.
     */
    private Tensor sameShape(String op, String argument, Tensor other) {
        requireArgument(op, argument, other);
        if (!Arrays.equals(other.shape, shape) && !Arrays.equals(Shapes.broadcast(op, other.shape, shape), shape)) {
            throw new IllegalArgumentException(op + ": the argument of shape " + Shapes.str(other.shape)
                    + " does not broadcast to this tensor's shape " + Shapes.str(shape));
        }
        Tensor c = Arrays.equals(other.shape, shape) ? other.contiguous() : other.expand(shape).contiguous();
        c = c.dtype == dtype ? c : c.to(dtype);
        boolean shared = c.dtype == DType.FLOAT32 ? c.f == f : c.d == d;
        return shared && c.offset != offset ? ShapeOps.copy(c) : c;
    }

    /** this = value everywhere. Modified: this. */
    public Tensor fill_(double value) {
        if (onView("fill_")) {
            return throughCopy(t -> t.fill_(value));
        }
        Backends.current().fill(this, value);
        return this;
    }

    /** this = 0. Modified: this. */
    public Tensor zero_() {
        return fill_(0.0);
    }

    /** this = src (broadcast to this shape; src may overlap this, it is read as it was before). Modified: this. */
    public Tensor copy_(Tensor src) {
        Tensor s = sameShape("copy_", "src", src); // checked before onView records a change
        if (onView("copy_")) {
            return throughCopy(t -> t.copy_(s));
        }
        // a plain copy, not 0 * this + src, which would leave NaN where this held an infinity or NaN
        Backends.current().copy(s, this);
        return this;
    }

    /** this += alpha * other (other broadcast, read as it was before when it overlaps this). Modified: this. */
    public Tensor add_(Tensor other, double alpha) {
        Tensor o = sameShape("add_", "other", other);
        if (onView("add_")) {
            return throughCopy(t -> t.add_(o, alpha));
        }
        Backends.current().axpby(1.0, this, alpha, o);
        return this;
    }

    /** this += c. Modified: this. */
    public Tensor add_(double c) {
        if (onView("add_")) {
            return throughCopy(t -> t.add_(c));
        }
        Backends.current().unary(UnaryOp.ADD_SCALAR, c, 0, this, this);
        return this;
    }

    /** this *= c. Modified: this. */
    public Tensor mul_(double c) {
        if (onView("mul_")) {
            return throughCopy(t -> t.mul_(c));
        }
        Backends.current().unary(UnaryOp.MUL_SCALAR, c, 0, this, this);
        return this;
    }

    /**
     * this = this / c. Divides by (float) c rather than multiplying by 1/c, as PyTorch does, so that optimizer
     * updates round the same way. Modified: this.
     */
    public Tensor div_(double c) {
        if (onView("div_")) {
            return throughCopy(t -> t.div_(c));
        }
        Backends.current().binary(BinaryOp.DIV, this, scalar(dtype, c), this);
        return this;
    }

    /** this = alpha * this + beta * other, in one pass. Modified: this. */
    public Tensor axpby_(double alpha, double beta, Tensor other) {
        Tensor o = sameShape("axpby_", "other", other);
        if (onView("axpby_")) {
            return throughCopy(t -> t.axpby_(alpha, beta, o));
        }
        Backends.current().axpby(alpha, this, beta, o);
        return this;
    }

    /** this += value * t1 * t2 (element-wise). Modified: this. */
    public Tensor addcmul_(Tensor t1, Tensor t2, double value) {
        Tensor a = sameShape("addcmul_", "t1", t1), b = sameShape("addcmul_", "t2", t2);
        if (onView("addcmul_")) {
            return throughCopy(t -> t.addcmul_(a, b, value));
        }
        Backends.current().addcmul(this, value, a, b);
        return this;
    }

    /** this += value * t1 / t2 (element-wise). Modified: this. */
    public Tensor addcdiv_(Tensor t1, Tensor t2, double value) {
        Tensor a = sameShape("addcdiv_", "t1", t1), b = sameShape("addcdiv_", "t2", t2);
        if (onView("addcdiv_")) {
            return throughCopy(t -> t.addcdiv_(a, b, value));
        }
        Backends.current().addcdiv(this, value, a, b);
        return this;
    }

    /** this = min(max(this, lo), hi), lo &lt;= hi (as {@link #clamp}). Modified: this. */
    public Tensor clamp_(double lo, double hi) {
        if (lo > hi) { // checked before onView records a change
            throw new IllegalArgumentException("clamp_: lower bound " + lo + " is above upper bound " + hi);
        }
        if (onView("clamp_")) {
            return throughCopy(t -> t.clamp_(lo, hi));
        }
        Backends.current().unary(UnaryOp.CLAMP, lo, hi, this, this);
        return this;
    }

    /** this = sqrt(this). Modified: this. */
    public Tensor sqrt_() {
        if (onView("sqrt_")) {
            return throughCopy(t -> t.sqrt_());
        }
        Backends.current().unary(UnaryOp.SQRT, 0, 0, this, this);
        return this;
    }

    // ---------------------------------------------------------------- printing

    /**
     * The values, with at most the first and last 3 entries of each dimension once there are more than 1000, then
     * the shape, a dtype other than float32 and the gradient state: {@code tensor([[1.0000, 2.5000], [-3.0000,
     * 0.1250]], shape=[2, 2])}. The values shown share one number format, chosen from them as PyTorch 1.13 chooses
     * it (integers {@code 3.0}, fixed {@code 0.1250} or scientific {@code 1.0000e-08}), without its padding to a
     * common width.
     */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("tensor(");
        Tensor c = contiguous();
        int n = c.numel();
        boolean full = n <= 1000;
        if (shape.length == 0) {
            double v = c.getFlat(0);
            sb.append(PrintFormat.of(new double[] {v}).format(v));
        } else {
            DoubleStream.Builder shown = DoubleStream.builder(); // first the values, for their common format
            walkShown(c, 0, 0, full, null, shown::add);
            PrintFormat format = PrintFormat.of(shown.build().toArray());
            walkShown(c, 0, 0, full, sb, v -> sb.append(format.format(v)));
        }
        sb.append(", shape=").append(Shapes.str(shape));
        if (dtype != DType.FLOAT32) {
            sb.append(", dtype=").append(dtype);
        }
        if (node != null) {
            sb.append(", grad_fn=").append(node.op());
        } else if (requiresGrad) {
            sb.append(", requires_grad=true");
        }
        return sb.append(')').toString();
    }

    /**
     * Walks the entries {@link #toString} shows, in order (the first and last 3 of a dimension of more than 6 when not
     * {@code full}), giving each to {@code entry}; with {@code sb}, also writes the brackets, commas and "..." around
     * them. Modified: sb.
     */
    private void walkShown(Tensor c, int dimIdx, int base, boolean full, StringBuilder sb, java.util.function.DoubleConsumer entry) {
        int size = shape[dimIdx];
        int stride = c.strides[dimIdx];
        if (sb != null) {
            sb.append('[');
        }
        for (int i = 0; i < size; i++) {
            if (!full && size > 6 && i == 3) {
                if (sb != null) {
                    sb.append("..., ");
                }
                i = size - 3;
            }
            if (dimIdx == shape.length - 1) {
                entry.accept(c.getFlat(base + i * stride));
            } else {
                walkShown(c, dimIdx + 1, base + i * stride, full, sb, entry);
            }
            if (sb != null && i < size - 1) {
                sb.append(", ");
            }
        }
        if (sb != null) {
            sb.append(']');
        }
    }
}
