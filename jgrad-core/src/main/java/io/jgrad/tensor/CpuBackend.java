package io.jgrad.tensor;

import java.util.Locale;

/**
 * The CPU backend: {@link FloatKernels} and {@link DoubleKernels}, with GEMM either handed to OpenBLAS (when
 * {@link OpenBlas#get()} found it; single-threaded, one call per block of the output, the blocks split over the
 * {@link WorkerPool}) or split over the pool by rows of the output. float32 GEMM goes to the Vector API kernel
 * {@link VectorSgemm} instead when {@link #vectorSgemm()} found it usable (faster than OpenBLAS's AVX2 kernels
 * where the CPU has AVX-512, level with its AVX-512 kernels in whole training, and the same bits for any thread
 * count), split over the pool by column panels, rows or K. {@link #parallelFor} splits the memory-bound loops of
 * the ops (element-wise, optimizer updates, the image kernels) the same way. In the Java and Vector API GEMMs and
 * in those loops each output element is computed by exactly one thread in a fixed order, so results are bitwise
 * the same for any thread count; OpenBLAS results are the same from run to run for a fixed thread count.
 */
final class CpuBackend implements Backend {
    /** Below this many multiply-adds a GEMM runs on the calling thread: handing work over costs more. */
    static final long PARALLEL_GEMM_MIN_FLOPS = 1L << 18;
    /**
     * Below this many elements read and written a memory-bound kernel runs on the calling thread: 64K floats take
     * 10-30 microseconds, about what waking a parked worker costs.
     */
    static final long PARALLEL_MIN_ELEMENTS = 1L << 16;

    private final int threads;
    private final WorkerPool pool;
    /** Null when GEMM runs in Java. */
    private final OpenBlas blas;
    /** Null when float32 GEMM goes where {@link #blas} says. */
    private final FloatGemm vector;

    CpuBackend(int threads) {
        this(threads, OpenBlas.get(), vectorSgemm());
    }

    CpuBackend(int threads, OpenBlas blas) {
        this(threads, blas, null);
    }

    CpuBackend(int threads, OpenBlas blas, FloatGemm vector) {
        this.threads = threads;
        this.blas = blas;
        this.vector = vector;
        if (blas != null) {
            // the products are split over this backend's pool instead (see nativeGemm): a second pool of threads
            // would contend with its spinning workers for the same cores
            blas.setThreads(1);
        }
        this.pool = threads > 1 ? new WorkerPool(threads - 1) : null;
    }

    void shutdown() {
        if (pool != null) {
            pool.shutdown();
        }
    }

    /** A float32 GEMM that computes a range of columns of C; implemented by {@link VectorSgemm}. */
    interface FloatGemm {
        /** Column ranges handed to threads start at multiples of this. */
        int columnBlock();

        /** Row ranges handed to threads start at multiples of this. */
        int rowBlock();

        /**
         * Columns [j0, j1) of C = alpha * op(A) * op(B) + beta * C for k > 0, op(A) [m, k] with element (i, p) at
         * a[aOff + i * ars + p * acs], op(B) [k, n] with element (p, j) at b[bOff + p * brs + j * bcs], C row-major
         * with leading dimension ldc and not read when beta is 0. A range of C's rows is the same call on those rows
         * of A and C (offsets moved on, m their count). Modified: c.
         */
        void columns(int j0, int j1, int m, int k, float alpha, float[] a, int aOff, int ars, int acs,
                     float[] b, int bOff, int brs, int bcs, float beta, float[] c, int cOff, int ldc);
    }

    private static final Object VECTOR_LOCK = new Object();
    private static boolean vectorSearched;
    private static FloatGemm vectorInstance;

    /** The float32 GEMM chosen by {@code jgrad.sgemm}, looked for once per JVM; null when there is none. */
    static FloatGemm vectorSgemm() {
        synchronized (VECTOR_LOCK) {
            if (!vectorSearched) {
                vectorSearched = true;
                vectorInstance = loadVector(System.getProperty("jgrad.sgemm", "auto").trim().toLowerCase(Locale.ROOT));
            }
            return vectorInstance;
        }
    }

    /**
     * The Vector API float32 GEMM for system property {@code jgrad.sgemm} = {@code auto} (default: when the JVM
     * was started with {@code --add-modules jdk.incubator.vector} and runs 512-bit vectors in hardware),
     * {@code vector} (the same, but says on stderr why not when it cannot) or {@code blas} (never: float32 GEMM
     * goes where {@code jgrad.blas} says). Null when not used; never throws. The class is loaded by name because
     * it links against the incubator module, which a JVM started without that option does not have.
     */
    static FloatGemm loadVector(String mode) {
        if (mode.equals("blas")) {
            return null;
        }
        boolean forced = mode.equals("vector");
        if (!forced && !mode.equals("auto")) {
            System.err.println("jgrad: unknown -Djgrad.sgemm=" + mode + " (expected auto, vector or blas); using auto");
        }
        String why;
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
            why = "the JVM was started without --add-modules jdk.incubator.vector";
        } else {
            try {
                Class<?> k = Class.forName("io.jgrad.tensor.VectorSgemm");
                if ((boolean) k.getDeclaredMethod("supported").invoke(null)) {
                    return (FloatGemm) k.getDeclaredConstructor().newInstance();
                }
                why = "this CPU or JVM has no 512-bit vectors (the Vector API's preferred float species is "
                        + k.getDeclaredMethod("preferredBits").invoke(null) + " bits)";
            } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
                why = "loading it failed: " + e;
            }
        }
        if (forced) {
            System.err.println("jgrad: -Djgrad.sgemm=vector, but " + why + "; float32 GEMM goes where jgrad.blas says");
        }
        return null;
    }

    @Override
    public String name() {
        return vector != null ? "vector" : blas != null ? "openblas" : "java";
    }

    @Override
    public int threads() {
        return threads;
    }

    @Override
    public void parallelFor(int n, long work, Backends.RangeBody body) {
        // more ranges than threads, taken as threads come free: a worker that starts late (woken from parking after a
        // serial stretch) takes fewer, instead of the caller waiting for its fixed half
        split(n, work / PARALLEL_MIN_ELEMENTS, RANGES_PER_THREAD, body);
    }

    /** Ranges per thread of a memory-bound loop ({@link #parallelFor}); a GEMM cuts one per thread. */
    static final int RANGES_PER_THREAD = 4;

    /**
     * Runs body(start, end) over [0, n) in at most min(threads * perThread, pieces) contiguous ranges (at least one;
     * one thread runs it whole).
     */
    private void split(int n, long pieces, int perThread, Backends.RangeBody body) {
        int parts = (int) Math.min(Math.min((long) threads * perThread, n), Math.max(1, pieces));
        if (parts <= 1 || pool == null) {
            body.run(0, n);
        } else {
            pool.run(n, parts, body);
        }
    }

    @Override
    public void gemm(double alpha, Tensor a, Tensor b, double beta, Tensor c) {
        int m = a.shape[0], k = a.shape[1], n = b.shape[1];
        if (m == 0 || n == 0) {
            return; // no C to write; the row loops below would still index C's rows through its strides
        }
        GemmTask t = Task.claim(TASKS.get().gemm, GemmTask::new);
        try {
            t.alpha = alpha;
            t.beta = beta;
            t.c = c;
            t.m = m;
            t.n = n;
            t.k = k;
            if (vector != null && c.dtype == DType.FLOAT32 && k > 0) {
                // the kernel packs its operands through their strides: transposed views need no copy
                t.vector = vector;
                t.a = a;
                t.b = b;
                t.ldc = m == 1 ? n : c.strides[0];
                int parts = kParts(m, n, k);
                if (parts > 1) {
                    splitK(t, parts);
                    return;
                }
                long pieces = (long) m * n * k / PARALLEL_GEMM_MIN_FLOPS;
                if (m > n) {
                    // each thread packs the whole operand that the threads share, so share the smaller one: a split of
                    // C's rows packs B (k x n) on every thread, a split of its columns A (m x k). Measured on the MLP
                    // at batch 1024 (2 threads, Adam): 0.366-0.385 s per epoch against 0.409-0.421 with columns only
                    t.mode = GemmTask.VECTOR_ROWS;
                    t.block = vector.rowBlock();
                    split((m + t.block - 1) / t.block, pieces, 1, t);
                    return;
                }
                t.mode = GemmTask.VECTOR_COLUMNS;
                t.block = vector.columnBlock();
                split((n + t.block - 1) / t.block, pieces, 1, t);
                return;
            }
            if (blas != null && k > 0) {
                nativeGemm(t, a, b);
                return;
            }
            // The kernel wants row-major A and B; a transposed view is packed once (O(mk) against O(mnk) work).
            t.mode = GemmTask.JAVA_ROWS;
            t.rowMajor(a, 0);
            t.rowMajor(b, 1);
            t.ldc = c.strides[0];
            split(m, (long) m * n * k / PARALLEL_GEMM_MIN_FLOPS, 1, t);
        } finally {
            t.release();
        }
    }

    /** Products whose C has from this many to this many elements may have their K split ({@link #kParts}). */
    static final int K_SPLIT_MIN_OUTPUT = 1 << 15, K_SPLIT_MAX_OUTPUT = 1 << 16;
    /** The shortest part of K when it is split, and the most parts. */
    static final int K_SPLIT_MIN_PART = 384, K_SPLIT_MAX_PARTS = 8;

    /**
     * How many parts of K a float32 product is cut into (1: none): a small C with a long K, such as the first layer's
     * forward product of an MLP (128 x 256 with K = 784), split by columns leaves each thread packing all of A and
     * sharing a cache line of C in every row with its neighbour; split by K, each thread packs its own parts of A and
     * B into a C of its own, and the parts are added in order. A function of the shape alone, so the result is the
     * same for any thread count. Measured on the MLP at batch 128 (2 threads, alternated, 3 rounds each): forward
     * and loss 432-460 against 457-491 us per step with SGD, 442-455 against 458-476 with Adam. Smaller products
     * keep one part: among them the convolution's weight gradients (64 x 288 in the benchmark's CNN, K the pixels of
     * a chunk), which already come in chunks on their own threads; splitting those again made the CNN step no faster
     * (JMH StepBench, 2 threads: 26.5 against 25.5 ms).
     */
    static int kParts(int m, int n, int k) {
        long size = (long) m * n;
        if (size < K_SPLIT_MIN_OUTPUT || size > K_SPLIT_MAX_OUTPUT || k < 2 * K_SPLIT_MIN_PART) {
            return 1;
        }
        return Math.min(K_SPLIT_MAX_PARTS, k / K_SPLIT_MIN_PART);
    }

    /** Per-thread memory for the partial products of {@link #splitK}, grown on demand. */
    private static final ThreadLocal<float[][]> PARTIALS = ThreadLocal.withInitial(() -> new float[][] {new float[0]});

    /**
     * C = alpha A B + beta C (the operands in t) with K cut into {@code parts} ranges (starts rounded to multiples of
     * 16): part 0 onto C with beta, part p > 0 into partial product p - 1, taken by the threads as they come free; then
     * C += partial 0, C += partial 1, ..., each element in that order. Modified: c.
     */
    private void splitK(GemmTask t, int parts) {
        float[][] held = PARTIALS.get(); // the caller's: it waits for the loop, whichever thread runs a part
        int size = t.m * t.n;
        if (held[0].length < (parts - 1) * size) {
            held[0] = new float[(parts - 1) * size];
        }
        t.partial = held[0];
        t.parts = parts;
        t.mode = GemmTask.K_PARTS;
        split(parts, parts, 1, t);
        t.mode = GemmTask.K_SUM;
        split(t.m, (long) parts * size / PARALLEL_MIN_ELEMENTS, 1, t);
    }

    /** Where part p of K begins: p k / parts rounded down to a multiple of 16, k for p = parts. */
    private static int kStart(int p, int parts, int k) {
        return p == parts ? k : (int) ((long) p * k / parts) / 16 * 16;
    }

    /** The OpenBLAS path of {@link #gemm}, whose task t holds alpha, beta, c and the sizes. */
    private void nativeGemm(GemmTask t, Tensor a, Tensor b) {
        int m = t.m, n = t.n, k = t.k;
        // BLAS reads a row-major or a transposed (column-major) matrix in place; anything else is copied once
        Tensor sa = blasLayout(a) != 0 ? a : a.contiguous();
        Tensor sb = blasLayout(b) != 0 ? b : b.contiguous();
        t.blas = blas;
        t.a = sa;
        t.b = sb;
        t.ta = blasLayout(sa) < 0;
        t.tb = blasLayout(sb) < 0;
        t.lda = leadingDim(sa, t.ta);
        t.ldb = leadingDim(sb, t.tb);
        t.ldc = Math.max(n, t.c.strides[0]);
        // OpenBLAS runs single-threaded; the pool splits C into blocks of rows (or of columns, when C is wider than
        // tall: each thread then packs the smaller operand whole), one call per block. Measured on the MLP with
        // -Djgrad.sgemm=blas, 2 threads: 0.514-0.518 s per epoch against 0.659-0.677 with OpenBLAS's own 2 threads,
        // whose second thread shared a core with this pool's spinning worker (no faster than 1 thread, 0.64)
        long pieces = (long) m * n * k / PARALLEL_GEMM_MIN_FLOPS;
        if (m >= n) {
            t.mode = GemmTask.BLAS_ROWS;
            split((m + BLAS_BLOCK - 1) / BLAS_BLOCK, pieces, 1, t);
        } else {
            t.mode = GemmTask.BLAS_COLUMNS;
            split((n + BLAS_BLOCK - 1) / BLAS_BLOCK, pieces, 1, t);
        }
    }

    /** Rows or columns of C handed to a thread start at multiples of this: whole cache lines of C. */
    private static final int BLAS_BLOCK = 16;

    /** One OpenBLAS call on a block of C; the offsets say where the block's operands and result start. */
    private static void blasBlock(OpenBlas blas, boolean ta, boolean tb, int m, int n, int k, double alpha, Tensor a,
                                  int aOff, int lda, Tensor b, int bOff, int ldb, double beta, Tensor c, int cOff, int ldc) {
        if (c.dtype == DType.FLOAT32) {
            blas.sgemm(ta, tb, m, n, k, (float) alpha, a.f, aOff, lda, b.f, bOff, ldb, (float) beta, c.f, cOff, ldc);
        } else {
            blas.dgemm(ta, tb, m, n, k, alpha, a.d, aOff, lda, b.d, bOff, ldb, beta, c.d, cOff, ldc);
        }
    }

    /**
     * 1 if the 2-D view x is row-major with a valid leading dimension (row stride at least the row length),
     * -1 if it is column-major (a transposed row-major matrix) with one, 0 if neither. A dimension of size 1
     * has a stride that is never used, so it does not decide.
     */
    private static int blasLayout(Tensor x) {
        int rows = x.shape[0], cols = x.shape[1], rs = x.strides[0], cs = x.strides[1];
        if ((cols == 1 || cs == 1) && (rows == 1 || rs >= cols)) {
            return 1;
        }
        if ((rows == 1 || rs == 1) && (cols == 1 || cs >= rows)) {
            return -1;
        }
        return 0;
    }

    /** The BLAS leading dimension of x stored row-major (or, when transposed, of x^T stored row-major). */
    private static int leadingDim(Tensor x, boolean transposed) {
        int rows = x.shape[0], cols = x.shape[1];
        return transposed ? (cols == 1 ? rows : x.strides[1]) : (rows == 1 ? cols : x.strides[0]);
    }

    @Override
    public void unary(UnaryOp op, double p, double q, Tensor x, Tensor out) {
        int n = x.numel();
        UnaryTask t = Task.claim(TASKS.get().unary, UnaryTask::new);
        try {
            t.op = op;
            t.p = p;
            t.q = q;
            t.x = x;
            t.out = out;
            parallelFor(n, 2L * n, t);
        } finally {
            t.release();
        }
    }

    @Override
    public void binary(BinaryOp op, Tensor a, Tensor b, Tensor out) {
        int[] shape = out.shape;
        if (java.util.Arrays.equals(a.shape, shape) && java.util.Arrays.equals(b.shape, shape)
                && a.isContiguous() && b.isContiguous()) {
            // same-shape contiguous operands: flat loops the JIT vectorizes, on ranges of the elements
            int n = out.numel();
            BinaryTask t = Task.claim(TASKS.get().binary, BinaryTask::new);
            try {
                t.op = op;
                t.a = a;
                t.b = b;
                t.out = out;
                parallelFor(n, 3L * n, t);
            } finally {
                t.release();
            }
            return;
        }
        // on this thread alone, in its scratch: the kernel calls nothing that could use the scratch meanwhile
        Tasks scratch = TASKS.get().fit(shape.length);
        int[] as = Shapes.broadcastStrides(a.shape, a.strides, shape, scratch.as);
        int[] bs = Shapes.broadcastStrides(b.shape, b.strides, shape, scratch.bs);
        if (out.dtype == DType.FLOAT32) {
            FloatKernels.binary(op, shape, a.f, a.offset, as, b.f, b.offset, bs, out.f, out.offset, scratch.idx);
        } else {
            DoubleKernels.binary(op, shape, a.d, a.offset, as, b.d, b.offset, bs, out.d, out.offset, scratch.idx);
        }
    }

    @Override
    public void copy(Tensor src, Tensor dst) {
        int[] idx = TASKS.get().fit(src.shape.length).idx;
        if (src.dtype == DType.FLOAT32) {
            FloatKernels.copyStrided(src.shape, src.f, src.offset, src.strides, dst.f, dst.offset, idx);
        } else {
            DoubleKernels.copyStrided(src.shape, src.d, src.offset, src.strides, dst.d, dst.offset, idx);
        }
    }

    @Override
    public void fill(Tensor out, double value) {
        int n = out.numel();
        FillTask t = Task.claim(TASKS.get().fill, FillTask::new);
        try {
            t.out = out;
            t.value = value;
            parallelFor(n, n, t);
        } finally {
            t.release();
        }
    }

    @Override
    public void convert(Tensor src, Tensor dst) {
        int n = dst.numel(), so = src.offset, d0 = dst.offset;
        if (dst.dtype == DType.FLOAT64) {
            float[] s = src.f;
            double[] d = dst.d;
            for (int i = 0; i < n; i++) {
                d[d0 + i] = s[so + i];
            }
        } else {
            double[] s = src.d;
            float[] d = dst.f;
            for (int i = 0; i < n; i++) {
                d[d0 + i] = (float) s[so + i];
            }
        }
    }

    @Override
    public void dropoutMask(Generator gen, double p, double keep, Tensor mask) {
        int n = mask.numel(), off = mask.offset;
        synchronized (gen) { // once per mask, not per draw: threads may share a generator (see Generator)
            if (mask.dtype == DType.FLOAT32) {
                float[] a = mask.f;
                for (int i = 0; i < n; i++) {
                    a[off + i] = gen.uniform() < p ? 0f : (float) keep;
                }
            } else {
                double[] a = mask.d;
                for (int i = 0; i < n; i++) {
                    a[off + i] = gen.uniform() < p ? 0 : keep;
                }
            }
        }
    }

    @Override
    public void sum(Tensor x, int outer, int n, int inner, Tensor out) {
        if (x.dtype == DType.FLOAT32) {
            FloatKernels.sum(x.f, x.offset, outer, n, inner, out.f);
        } else {
            DoubleKernels.sum(x.d, x.offset, outer, n, inner, out.d);
        }
    }

    @Override
    public void extreme(Tensor x, int outer, int n, int inner, boolean min, Tensor out, int[] arg) {
        if (x.dtype == DType.FLOAT32) {
            FloatKernels.extreme(x.f, x.offset, outer, n, inner, min, out.f, arg);
        } else {
            DoubleKernels.extreme(x.d, x.offset, outer, n, inner, min, out.d, arg);
        }
    }

    @Override
    public void logSoftmax(Tensor x, int rows, int cols, Tensor out) {
        if (x.dtype == DType.FLOAT32) {
            FloatKernels.logSoftmax(x.f, x.offset, rows, cols, out.f);
        } else {
            DoubleKernels.logSoftmax(x.d, x.offset, rows, cols, out.d);
        }
    }

    @Override
    public void axpby(double alpha, Tensor y, double beta, Tensor x) {
        int n = y.numel();
        if (y.dtype == DType.FLOAT32) {
            FloatKernels.axpby((float) alpha, y.f, y.offset, (float) beta, x.f, x.offset, n);
        } else {
            DoubleKernels.axpby(alpha, y.d, y.offset, beta, x.d, x.offset, n);
        }
    }

    @Override
    public void addcmul(Tensor y, double value, Tensor t1, Tensor t2) {
        int n = y.numel();
        if (y.dtype == DType.FLOAT32) {
            FloatKernels.addcmul(y.f, y.offset, (float) value, t1.f, t1.offset, t2.f, t2.offset, n);
        } else {
            DoubleKernels.addcmul(y.d, y.offset, value, t1.d, t1.offset, t2.d, t2.offset, n);
        }
    }

    @Override
    public void addcdiv(Tensor y, double value, Tensor t1, Tensor t2) {
        int n = y.numel();
        if (y.dtype == DType.FLOAT32) {
            FloatKernels.addcdiv(y.f, y.offset, (float) value, t1.f, t1.offset, t2.f, t2.offset, n);
        } else {
            DoubleKernels.addcdiv(y.d, y.offset, value, t1.d, t1.offset, t2.d, t2.offset, n);
        }
    }

    @Override
    public void crossEntropy(Tensor x, Tensor target, int[] classes, Tensor logp, Tensor loss) {
        int rows = logp.shape[0], cols = logp.shape[1];
        readClasses(target, rows, cols, classes);
        if (x.dtype == DType.FLOAT32) {
            FloatKernels.crossEntropy(x.f, x.offset, rows, cols, classes, logp.f, loss.f);
        } else {
            DoubleKernels.crossEntropy(x.d, x.offset, rows, cols, classes, logp.d, loss.d);
        }
    }

    /**
     * classes[r] = target[r] for r &lt; rows, target contiguous (either dtype), refusing a value that is not an integer
     * in [0, cols) with an IllegalArgumentException that names it and its row. Modified: classes.
     */
    static void readClasses(Tensor target, int rows, int cols, int[] classes) {
        for (int i = 0; i < rows; i++) {
            double v = target.dtype == DType.FLOAT32 ? target.f[target.offset + i] : target.d[target.offset + i];
            if (!(v >= 0 && v < cols && v == Math.rint(v))) {
                throw new IllegalArgumentException("crossEntropy: target value " + v + " in row " + i
                        + " is not a class index: it must be an integer in [0, " + cols + ")");
            }
            classes[i] = (int) v;
        }
    }

    @Override
    public void crossEntropyBackward(Tensor logp, int[] target, Tensor g, Tensor gx) {
        int rows = logp.shape[0], cols = logp.shape[1], gs = g.shape.length == 0 ? 0 : g.strides[0];
        if (logp.dtype == DType.FLOAT32) {
            FloatKernels.crossEntropyBackward(logp.f, rows, cols, target, g.f, g.offset, gs, gx.f);
        } else {
            DoubleKernels.crossEntropyBackward(logp.d, rows, cols, target, g.d, g.offset, gs, gx.d);
        }
    }

    @Override
    public void adam(Tensor p, Tensor g, Tensor m, Tensor v, double beta1, double beta2, double stepSize, double bc2Sqrt,
                     double eps) {
        int n = p.numel();
        AdamTask t = Task.claim(TASKS.get().adam, AdamTask::new);
        try {
            t.p = p;
            t.g = g;
            t.m = m;
            t.v = v;
            t.beta1 = beta1;
            t.beta2 = beta2;
            t.stepSize = stepSize;
            t.bc2Sqrt = bc2Sqrt;
            t.eps = eps;
            parallelFor(n, 7L * n, t);
        } finally {
            t.release();
        }
    }

    @Override
    public void momentum(Tensor p, Tensor g, Tensor buf, double momentum, double dampening, double lr) {
        int n = p.numel();
        MomentumTask t = Task.claim(TASKS.get().momentum, MomentumTask::new);
        try {
            t.p = p;
            t.g = g;
            t.buf = buf;
            t.momentum = momentum;
            t.dampening = dampening;
            t.lr = lr;
            parallelFor(n, 5L * n, t);
        } finally {
            t.release();
        }
    }

    @Override
    public double sumOfSquares(Tensor x) {
        return x.dtype == DType.FLOAT32 ? FloatConvKernels.squaredDeviations(x.f, x.offset, x.numel(), 0)
                : DoubleConvKernels.squaredDeviations(x.d, x.offset, x.numel(), 0);
    }

    @Override
    public void conv2d(Conv2dGeometry g, Tensor x, Tensor w, Tensor b, Tensor y) {
        CpuConvolution.forward(this, g, x, w, b, y);
    }

    @Override
    public void conv2dBackward(Conv2dGeometry g, Tensor x, Tensor w, Tensor gy, Tensor gx, Tensor gw, Tensor gb) {
        CpuConvolution.backward(this, g, x, w, gy, gx, gw, gb);
    }

    @Override
    public void maxPool2d(Tensor x, int kernel, int stride, int padding, Tensor y, int[] arg) {
        int h = x.shape[2], w = x.shape[3], ho = y.shape[2], wo = y.shape[3], planes = y.shape[0] * y.shape[1];
        PoolTask t = Task.claim(TASKS.get().pool, PoolTask::new);
        try {
            t.forward = true;
            t.x = x;
            t.y = y;
            t.arg = arg;
            t.h = h;
            t.w = w;
            t.ho = ho;
            t.wo = wo;
            t.kernel = kernel;
            t.stride = stride;
            t.padding = padding;
            parallelFor(planes, (long) planes * (h * w + 2L * ho * wo), t);
        } finally {
            t.release();
        }
    }

    @Override
    public void maxPool2dBackward(Tensor gy, int[] arg, Tensor gx) {
        int hw = gx.shape[2] * gx.shape[3], howo = gy.shape[2] * gy.shape[3], planes = gy.shape[0] * gy.shape[1];
        PoolTask t = Task.claim(TASKS.get().pool, PoolTask::new);
        try {
            t.forward = false;
            t.x = gx;
            t.y = gy;
            t.arg = arg;
            t.h = gx.shape[2];
            t.w = gx.shape[3];
            t.ho = gy.shape[2];
            t.wo = gy.shape[3];
            parallelFor(planes, (long) planes * (hw + 2L * howo), t);
        } finally {
            t.release();
        }
    }

    @Override
    public void avgPool2d(Tensor x, int kernel, int stride, int padding, Tensor y) {
        avgPool(true, x, kernel, stride, padding, y);
    }

    @Override
    public void avgPool2dBackward(Tensor gy, int kernel, int stride, int padding, Tensor gx) {
        avgPool(false, gx, kernel, stride, padding, gy);
    }

    /** Average pooling of image into pooled when forward, else its adjoint from pooled onto image (the kernels' way). */
    private static void avgPool(boolean forward, Tensor image, int kernel, int stride, int padding, Tensor pooled) {
        int planes = image.shape[0] * image.shape[1], h = image.shape[2], w = image.shape[3];
        int ho = pooled.shape[2], wo = pooled.shape[3];
        if (image.dtype == DType.FLOAT32) {
            FloatConvKernels.avgPool(forward, image.f, image.offset, planes, h, w, kernel, kernel, stride, stride, padding,
                    padding, ho, wo, pooled.f, pooled.offset);
        } else {
            DoubleConvKernels.avgPool(forward, image.d, image.offset, planes, h, w, kernel, kernel, stride, stride, padding,
                    padding, ho, wo, pooled.d, pooled.offset);
        }
    }

    @Override
    public void adaptiveAvgPool2d(Tensor x, Tensor y) {
        adaptiveAvgPool(true, x, y);
    }

    @Override
    public void adaptiveAvgPool2dBackward(Tensor gy, Tensor gx) {
        adaptiveAvgPool(false, gx, gy);
    }

    /** As {@link #avgPool} for adaptive windows (the output size is pooled's shape). */
    private static void adaptiveAvgPool(boolean forward, Tensor image, Tensor pooled) {
        int planes = image.shape[0] * image.shape[1], h = image.shape[2], w = image.shape[3];
        int outH = pooled.shape[2], outW = pooled.shape[3];
        if (image.dtype == DType.FLOAT32) {
            FloatConvKernels.adaptiveAvgPool(forward, image.f, image.offset, planes, h, w, outH, outW, pooled.f, pooled.offset);
        } else {
            DoubleConvKernels.adaptiveAvgPool(forward, image.d, image.offset, planes, h, w, outH, outW, pooled.d, pooled.offset);
        }
    }

    @Override
    public void batchNorm(Tensor x, Tensor weight, Tensor bias, Tensor runningMean, Tensor runningVar,
                          boolean batchStatistics, double momentum, double eps, double[] mean, double[] var,
                          double[] istd, double[] scale, double[] shift, Tensor y) {
        int n = x.shape[0], c = x.shape[1], s = c == 0 || n == 0 ? 0 : x.numel() / (n * c);
        // Channel by channel, each channel's passes back to back: its n * s values (200 KB for the default CNN's
        // first layer at batch 64) are still in the L2 cache for the second and third pass, where pass by pass
        // over the whole tensor read it from memory three times.
        BatchNormTask t = Task.claim(TASKS.get().batchNorm, BatchNormTask::new);
        try {
            t.backward = false;
            t.x = x;
            t.weight = weight;
            t.bias = bias;
            t.runningMean = runningMean;
            t.runningVar = runningVar;
            t.batchStatistics = batchStatistics;
            t.eps = eps;
            t.mean = mean;
            t.var = var;
            t.istd = istd;
            t.scale = scale;
            t.shift = shift;
            t.y = y;
            t.n = n;
            t.c = c;
            t.s = s;
            parallelFor(c, 3L * n * s * c, t);
        } finally {
            t.release();
        }
        if (batchStatistics) {
            // on this thread after the loop: a running statistic may share memory with x or the weight (odd but
            // legal), which every channel above must read unchanged
            long m = (long) n * s;
            for (int k = 0; k < c; k++) {
                if (runningMean != null) {
                    setChannel(runningMean, k, (1 - momentum) * channel(runningMean, k, 0) + momentum * mean[k]);
                }
                if (runningVar != null) {
                    setChannel(runningVar, k, (1 - momentum) * channel(runningVar, k, 0) + momentum * var[k] * m / (m - 1.0));
                }
            }
        }
    }

    @Override
    public void batchNormBackward(Tensor g, Tensor x, boolean batchStatistics, double[] mean, double[] istd,
                                  double[] scale, double[] sumG, double[] sumGX, Tensor gx, Tensor gw, Tensor gb) {
        int n = x.shape[0], c = x.shape[1], s = c == 0 || n == 0 ? 0 : x.numel() / (n * c);
        long m = (long) n * s;
        BatchNormTask t = Task.claim(TASKS.get().batchNorm, BatchNormTask::new);
        try {
            if (t.bx.length < c) {
                t.bx = new double[c];
                t.e = new double[c];
            }
            if (!batchStatistics) {
                // the statistics are constants then: no terms through them
                java.util.Arrays.fill(t.bx, 0, c, 0.0);
                java.util.Arrays.fill(t.e, 0, c, 0.0);
            }
            t.backward = true;
            t.g = g;
            t.x = x;
            t.batchStatistics = batchStatistics;
            t.mean = mean;
            t.istd = istd;
            t.scale = scale;
            t.sumG = sumG;
            t.sumGX = sumGX;
            t.gx = gx;
            t.gw = gw;
            t.gb = gb;
            t.n = n;
            t.c = c;
            t.s = s;
            t.m = m;
            // as the forward: per channel the sums, then at once (from L2) the input gradient
            parallelFor(c, 5L * m * c, t);
        } finally {
            t.release();
        }
    }

    /** Element k of the 1-D tensor p (a channel's parameter or statistic, any strides), or absent where p is null. */
    private static double channel(Tensor p, int k, double absent) {
        if (p == null) {
            return absent;
        }
        int i = p.offset + k * p.strides[0];
        return p.dtype == DType.FLOAT32 ? p.f[i] : p.d[i];
    }

    /** Sets element k of the 1-D tensor p to v rounded to p's dtype. Modified: p. */
    private static void setChannel(Tensor p, int k, double v) {
        int i = p.offset + k * p.strides[0];
        if (p.dtype == DType.FLOAT32) {
            p.f[i] = (float) v;
        } else {
            p.d[i] = v;
        }
    }

    /**
     * The range bodies of the kernels that loop in parallel, one of each per calling thread, reused from call to call
     * so that a call allocates nothing: a lambda capturing a call's operands is a new object each time (with the pool's
     * loop object, 1.6 KB of an MLP step's 5.5). Per calling thread because one backend serves Spark's task threads
     * at once; the workers only read a body's fields, which the caller sets before the loop and keeps until it ends.
     */
    static final ThreadLocal<Tasks> TASKS = ThreadLocal.withInitial(Tasks::new);

    /** A calling thread's range bodies, and scratch for the strided kernels it runs alone (broadcast binary, copy). */
    static final class Tasks {
        final GemmTask gemm = new GemmTask();
        final UnaryTask unary = new UnaryTask();
        final BinaryTask binary = new BinaryTask();
        final FillTask fill = new FillTask();
        final AdamTask adam = new AdamTask();
        final MomentumTask momentum = new MomentumTask();
        final CpuConvolution.Task conv = new CpuConvolution.Task();
        final PoolTask pool = new PoolTask();
        final BatchNormTask batchNorm = new BatchNormTask();
        int[] as = new int[8], bs = new int[8], idx = new int[8];

        /** This, with scratch arrays of at least rank elements. */
        Tasks fit(int rank) {
            if (idx.length < rank) {
                as = new int[rank];
                bs = new int[rank];
                idx = new int[rank];
            }
            return this;
        }
    }

    /** A reusable range body: its fields are one call's operands, set by the calling thread before its loop. */
    abstract static class Task implements Backends.RangeBody {
        boolean busy;

        /**
         * held, marked in use, or a fresh body from fresh when held is in use already: the thread called a kernel of
         * the same family from inside one of held's ranges (a range that calls a kernel, as the convolution's do).
         */
        static <T extends Task> T claim(T held, java.util.function.Supplier<T> fresh) {
            T t = held.busy ? fresh.get() : held;
            t.busy = true;
            return t;
        }

        /** Lets go of the call's tensors (so that a held body does not keep arrays alive) and frees the body. */
        final void release() {
            clear();
            busy = false;
        }

        abstract void clear();
    }

    /** The ranges of {@link #gemm}'s paths, which {@link #mode} names. */
    private static final class GemmTask extends Task {
        /** Blocks of C's rows or columns for the Vector API kernel. */
        static final int VECTOR_ROWS = 0, VECTOR_COLUMNS = 1;
        /** {@link #splitK}: the parts of K, then the partial products' sum by rows of C. */
        static final int K_PARTS = 2, K_SUM = 3;
        /** Rows of C for the Java kernel (row-major a and b). */
        static final int JAVA_ROWS = 4;
        /** Blocks of C's rows or columns, one OpenBLAS call each. */
        static final int BLAS_ROWS = 5, BLAS_COLUMNS = 6;

        int mode;
        FloatGemm vector;
        OpenBlas blas;
        Tensor a, b, c;
        double alpha, beta;
        int m, n, k, ldc, block, parts, lda, ldb;
        boolean ta, tb;
        float[] partial;
        /** The Java kernel's operands A (slot 0) and B (slot 1) row-major: array, offset, leading dimension. */
        final Object[] rowMajor = new Object[2];
        final int[] rowMajorOff = new int[2], rowMajorLd = new int[2];
        /** This body's memory for a transposed operand of the Java kernel, by slot, grown on demand. */
        private final float[][] packedF = {new float[0], new float[0]};
        private final double[][] packedD = {new double[0], new double[0]};

        /**
         * Points slot (0: A, 1: B) at x read row-major: x's own array when its rows are contiguous (or it has one
         * column, whose column stride is unused), else a column-major view transposed into this body's memory, else
         * a contiguous copy.
         */
        void rowMajor(Tensor x, int slot) {
            Tensor src = x;
            if (x.strides[1] != 1 && !(x.shape[1] == 1 && x.strides[0] > 0)) {
                if (x.strides[0] == 1 && x.strides[1] > 0) {
                    // column-major view of a row-major [cols, rows] block
                    int rows = x.shape[0], cols = x.shape[1], size = rows * cols;
                    if (x.dtype == DType.FLOAT32) {
                        if (packedF[slot].length < size) {
                            packedF[slot] = new float[size];
                        }
                        FloatKernels.transpose(x.f, x.offset, x.strides[1], cols, rows, packedF[slot]);
                        rowMajor[slot] = packedF[slot];
                    } else {
                        if (packedD[slot].length < size) {
                            packedD[slot] = new double[size];
                        }
                        DoubleKernels.transpose(x.d, x.offset, x.strides[1], cols, rows, packedD[slot]);
                        rowMajor[slot] = packedD[slot];
                    }
                    rowMajorOff[slot] = 0;
                    rowMajorLd[slot] = Math.max(cols, 1);
                    return;
                }
                src = x.contiguous();
            }
            rowMajor[slot] = src.dtype == DType.FLOAT32 ? src.f : src.d;
            rowMajorOff[slot] = src.offset;
            rowMajorLd[slot] = src.strides[0];
        }

        @Override
        public void run(int s, int e) {
            switch (mode) {
                case VECTOR_ROWS -> {
                    int i0 = s * block, i1 = Math.min(m, e * block), ars = a.strides[0];
                    vector.columns(0, n, i1 - i0, k, (float) alpha, a.f, a.offset + i0 * ars, ars, a.strides[1], b.f,
                            b.offset, b.strides[0], b.strides[1], (float) beta, c.f, c.offset + i0 * ldc, ldc);
                }
                case VECTOR_COLUMNS -> vector.columns(s * block, Math.min(n, e * block), m, k, (float) alpha, a.f,
                        a.offset, a.strides[0], a.strides[1], b.f, b.offset, b.strides[0], b.strides[1], (float) beta,
                        c.f, c.offset, ldc);
                case K_PARTS -> {
                    int ars = a.strides[0], acs = a.strides[1], brs = b.strides[0], bcs = b.strides[1], size = m * n;
                    for (int p = s; p < e; p++) {
                        int k0 = kStart(p, parts, k), k1 = kStart(p + 1, parts, k);
                        float[] out = p == 0 ? c.f : partial;
                        vector.columns(0, n, m, k1 - k0, (float) alpha, a.f, a.offset + k0 * acs, ars, acs, b.f,
                                b.offset + k0 * brs, brs, bcs, p == 0 ? (float) beta : 0f, out,
                                p == 0 ? c.offset : (p - 1) * size, p == 0 ? ldc : n);
                    }
                }
                case K_SUM -> {
                    int size = m * n;
                    for (int i = s; i < e; i++) {
                        int row = c.offset + i * ldc;
                        for (int p = 0; p < parts - 1; p++) {
                            FloatKernels.axpby(1f, c.f, row, 1f, partial, p * size + i * n, n);
                        }
                    }
                }
                case JAVA_ROWS -> {
                    if (c.dtype == DType.FLOAT32) {
                        FloatKernels.gemmRows(s, e, n, k, (float) alpha, (float[]) rowMajor[0], rowMajorOff[0],
                                rowMajorLd[0], (float[]) rowMajor[1], rowMajorOff[1], rowMajorLd[1], (float) beta, c.f,
                                c.offset, ldc);
                    } else {
                        DoubleKernels.gemmRows(s, e, n, k, alpha, (double[]) rowMajor[0], rowMajorOff[0], rowMajorLd[0],
                                (double[]) rowMajor[1], rowMajorOff[1], rowMajorLd[1], beta, c.d, c.offset, ldc);
                    }
                }
                case BLAS_ROWS -> {
                    int i0 = s * BLAS_BLOCK, i1 = Math.min(m, e * BLAS_BLOCK);
                    blasBlock(blas, ta, tb, i1 - i0, n, k, alpha, a, a.offset + i0 * a.strides[0], lda, b, b.offset, ldb,
                            beta, c, c.offset + i0 * ldc, ldc);
                }
                case BLAS_COLUMNS -> {
                    int j0 = s * BLAS_BLOCK, j1 = Math.min(n, e * BLAS_BLOCK);
                    blasBlock(blas, ta, tb, m, j1 - j0, k, alpha, a, a.offset, lda, b, b.offset + j0 * b.strides[1], ldb,
                            beta, c, c.offset + j0, ldc);
                }
                default -> throw new IllegalStateException("GemmTask: mode " + mode);
            }
        }

        @Override
        void clear() {
            vector = null;
            blas = null;
            a = b = c = null;
            partial = null;
            rowMajor[0] = rowMajor[1] = null;
        }
    }

    /** The ranges of {@link #unary}: out = op(x; p, q). */
    private static final class UnaryTask extends Task {
        UnaryOp op;
        double p, q;
        Tensor x, out;

        @Override
        public void run(int s, int e) {
            if (x.dtype == DType.FLOAT32) {
                FloatKernels.unary(op, p, q, x.f, x.offset + s, out.f, out.offset + s, e - s);
            } else {
                DoubleKernels.unary(op, p, q, x.d, x.offset + s, out.d, out.offset + s, e - s);
            }
        }

        @Override
        void clear() {
            x = out = null;
        }
    }

    /** The ranges of {@link #binary} on same-shape contiguous operands: out = op(a, b) element by element. */
    private static final class BinaryTask extends Task {
        BinaryOp op;
        Tensor a, b, out;

        @Override
        public void run(int s, int e) {
            if (out.dtype == DType.FLOAT32) {
                FloatKernels.binaryRow(op, a.f, a.offset + s, 1, b.f, b.offset + s, 1, out.f, out.offset + s, e - s);
            } else {
                DoubleKernels.binaryRow(op, a.d, a.offset + s, 1, b.d, b.offset + s, 1, out.d, out.offset + s, e - s);
            }
        }

        @Override
        void clear() {
            a = b = out = null;
        }
    }

    /** The ranges of {@link #fill}. */
    private static final class FillTask extends Task {
        Tensor out;
        double value;

        @Override
        public void run(int s, int e) {
            if (out.dtype == DType.FLOAT32) {
                java.util.Arrays.fill(out.f, out.offset + s, out.offset + e, (float) value);
            } else {
                java.util.Arrays.fill(out.d, out.offset + s, out.offset + e, value);
            }
        }

        @Override
        void clear() {
            out = null;
        }
    }

    /** The ranges of {@link #adam}. */
    private static final class AdamTask extends Task {
        Tensor p, g, m, v;
        double beta1, beta2, stepSize, bc2Sqrt, eps;

        @Override
        public void run(int s, int e) {
            if (p.dtype == DType.FLOAT32) {
                FloatKernels.adam(p.f, p.offset + s, g.f, g.offset + s, m.f, m.offset + s, v.f, v.offset + s, e - s,
                        (float) beta1, (float) (1 - beta1), (float) beta2, (float) (1 - beta2), (float) -stepSize,
                        (float) bc2Sqrt, (float) eps);
            } else {
                DoubleKernels.adam(p.d, p.offset + s, g.d, g.offset + s, m.d, m.offset + s, v.d, v.offset + s, e - s,
                        beta1, 1 - beta1, beta2, 1 - beta2, -stepSize, bc2Sqrt, eps);
            }
        }

        @Override
        void clear() {
            p = g = m = v = null;
        }
    }

    /** The ranges of {@link #momentum}. */
    private static final class MomentumTask extends Task {
        Tensor p, g, buf;
        double momentum, dampening, lr;

        @Override
        public void run(int s, int e) {
            if (p.dtype == DType.FLOAT32) {
                FloatKernels.momentum(p.f, p.offset + s, g.f, g.offset + s, buf.f, buf.offset + s, e - s,
                        (float) momentum, (float) (1 - dampening), (float) -lr);
            } else {
                DoubleKernels.momentum(p.d, p.offset + s, g.d, g.offset + s, buf.d, buf.offset + s, e - s, momentum,
                        1 - dampening, -lr);
            }
        }

        @Override
        void clear() {
            p = g = buf = null;
        }
    }

    /** The ranges of {@link #maxPool2d} (forward: x into y and arg) and {@link #maxPool2dBackward} (y into x). */
    private static final class PoolTask extends Task {
        boolean forward;
        /** The image (forward: input; backward: its gradient) and the pooled tensor (output, or its gradient). */
        Tensor x, y;
        int[] arg;
        int h, w, ho, wo, kernel, stride, padding;

        @Override
        public void run(int p0, int p1) {
            if (forward) {
                if (x.dtype == DType.FLOAT32) {
                    FloatConvKernels.maxPool(x.f, x.offset, p0, p1, h, w, kernel, kernel, stride, stride, padding,
                            padding, ho, wo, y.f, arg);
                } else {
                    DoubleConvKernels.maxPool(x.d, x.offset, p0, p1, h, w, kernel, kernel, stride, stride, padding,
                            padding, ho, wo, y.d, arg);
                }
            } else if (x.dtype == DType.FLOAT32) {
                FloatConvKernels.maxPoolBackward(y.f, y.offset, p0, p1, h * w, ho * wo, arg, x.f);
            } else {
                DoubleConvKernels.maxPoolBackward(y.d, y.offset, p0, p1, h * w, ho * wo, arg, x.d);
            }
        }

        @Override
        void clear() {
            x = y = null;
            arg = null;
        }
    }

    /** The ranges (of channels) of {@link #batchNorm} and {@link #batchNormBackward}. */
    private static final class BatchNormTask extends Task {
        boolean backward, batchStatistics;
        Tensor x, weight, bias, runningMean, runningVar, y, g, gx, gw, gb;
        double eps;
        double[] mean, var, istd, scale, shift, sumG, sumGX;
        /** The backward pass's per-channel terms of the input gradient through the batch's statistics (grown on demand). */
        double[] bx = new double[0], e = new double[0];
        int n, c, s;
        long m;

        @Override
        public void run(int k0, int k1) {
            if (backward) {
                backward(k0, k1);
                return;
            }
            for (int k = k0; k < k1; k++) {
                if (batchStatistics) {
                    if (x.dtype == DType.FLOAT32) {
                        FloatConvKernels.channelMoments(x.f, x.offset, n, c, s, k, mean, var);
                    } else {
                        DoubleConvKernels.channelMoments(x.d, x.offset, n, c, s, k, mean, var);
                    }
                } else {
                    mean[k] = channel(runningMean, k, mean[k]);
                    var[k] = channel(runningVar, k, var[k]);
                }
                istd[k] = 1 / Math.sqrt(var[k] + eps);
                scale[k] = istd[k] * channel(weight, k, 1);
                shift[k] = channel(bias, k, 0);
                if (x.dtype == DType.FLOAT32) {
                    FloatConvKernels.channelAffine(x.f, x.offset, n, c, s, k, mean, scale, shift, y.f);
                } else {
                    DoubleConvKernels.channelAffine(x.d, x.offset, n, c, s, k, mean, scale, shift, y.d);
                }
            }
        }

        private void backward(int k0, int k1) {
            for (int k = k0; k < k1; k++) {
                if (x.dtype == DType.FLOAT32) {
                    FloatConvKernels.channelGradSums(g.f, g.offset, x.f, x.offset, n, c, s, k, mean, sumG, sumGX);
                } else {
                    DoubleConvKernels.channelGradSums(g.d, g.offset, x.d, x.offset, n, c, s, k, mean, sumG, sumGX);
                }
                if (gw != null) {
                    setChannel(gw, k, sumGX[k] * istd[k]);
                }
                if (gb != null) {
                    setChannel(gb, k, sumG[k]);
                }
                if (gx == null) {
                    continue;
                }
                if (batchStatistics) {
                    bx[k] = -scale[k] * istd[k] * istd[k] * sumGX[k] / m;
                    e[k] = -scale[k] * sumG[k] / m;
                }
                if (x.dtype == DType.FLOAT32) {
                    FloatConvKernels.channelGradInput(g.f, g.offset, x.f, x.offset, n, c, s, k, mean, scale, bx, e, gx.f);
                } else {
                    DoubleConvKernels.channelGradInput(g.d, g.offset, x.d, x.offset, n, c, s, k, mean, scale, bx, e, gx.d);
                }
            }
        }

        @Override
        void clear() {
            x = weight = bias = runningMean = runningVar = y = g = gx = gw = gb = null;
            mean = var = istd = scale = shift = sumG = sumGX = null;
        }
    }
}
