package io.jgrad.tensor;

/**
 * {@link CpuBackend}'s 2-D convolution, as GEMMs: the batch (in chunks that keep the buffer bounded) is unfolded by
 * im2col into columns cols [C*kH*kW, n*Ho*Wo], and per group Y_g = W_g cols_g. The backward pass unfolds again
 * instead of keeping the columns alive between passes: dW_g = dY_g cols_g^T, dcols_g = W_g^T dY_g folded back by
 * col2im (adding where windows overlap), and db = sum of dY over N, Ho, Wo. {@link ConvOps} holds the op (shapes,
 * dtypes, the graph); this class only computes.
 */
final class CpuConvolution {
    private CpuConvolution() {}

    /**
     * Most elements of the column buffer; larger batches are processed in chunks of samples. 1 MB of floats keeps
     * the columns that im2col writes in the L2 cache for the GEMM that reads them: the default CNN's MNIST-10k epoch
     * took 7.0-7.3 s with 2^16 to 2^18 elements against 9.0 s with 2^22 (the whole batch of 64), 1 thread.
     */
    static final int MAX_COLUMN_ELEMENTS = 1 << 18;

    /**
     * Samples per chunk: at most as many as fit in the column buffer (at least one), and the batch cut into chunks
     * of equal size (the last one may be shorter), so that threads get equal shares. Never depends on the thread
     * count, and neither do the results.
     */
    static int chunk(Conv2dGeometry g) {
        int most = (int) Math.max(1, Math.min(g.n(), MAX_COLUMN_ELEMENTS / Math.max(1L, (long) g.c() * g.kH() * g.kW() * g.plane())));
        int chunks = Math.max(1, (g.n() + most - 1) / most);
        return Math.max(1, (g.n() + chunks - 1) / chunks);
    }

    /** y = conv2d(x, w) + b, see {@link Backend#conv2d}. Modified: y. */
    static void forward(CpuBackend be, Conv2dGeometry g, Tensor xc, Tensor wc, Tensor bc, Tensor y) {
        Task t = CpuBackend.Task.claim(CpuBackend.TASKS.get().conv, Task::new);
        try {
            t.start(be, g, y.dtype, false);
            t.xc = xc;
            t.wc = wc;
            t.bc = bc;
            t.y = y;
            t.run(2L * g.n() * g.o() * g.kg() * g.plane());
        } finally {
            t.release();
        }
    }

    /**
     * The gradients of {@link #forward}, see {@link Backend#conv2dBackward}: dX chunk by chunk (each writes its own
     * samples); dW and db as one partial sum per chunk, added up in chunk order afterwards, so that the result is the
     * same whichever thread ran which chunk. Modified: gx, gw, gb (each may be null).
     */
    static void backward(CpuBackend be, Conv2dGeometry g, Tensor xc, Tensor wc, Tensor gc, Tensor gx, Tensor gw,
                         Tensor gb) {
        Task t = CpuBackend.Task.claim(CpuBackend.TASKS.get().conv, Task::new);
        try {
            DType type = xc.dtype;
            t.start(be, g, type, true);
            t.xc = xc;
            t.wc = wc;
            t.gc = gc;
            t.gx = gx;
            t.gw = gw;
            t.gb = gb;
            boolean needX = gx != null, needW = gw != null, needB = gb != null;
            int wSize = g.o() * g.kg();
            // per chunk: dW (written by a GEMM with beta 0) and db (sums in double)
            if (needW) {
                t.gwParts = grow(t.gwParts, type, t.chunks * wSize);
            }
            if (needB) {
                t.gbParts = grow(t.gbParts, DType.FLOAT64, t.chunks * g.o());
            }
            t.run(2L * g.n() * g.o() * g.kg() * g.plane() * ((needW ? 1 : 0) + (needX ? 1 : 0))
                    + (long) g.n() * g.o() * g.plane());
            if (needW && t.chunks > 0) {
                t.mode = Task.SUM_WEIGHT_GRADIENTS;
                be.parallelFor(wSize, (long) t.chunks * wSize, t);
            }
            if (needB) {
                for (int oc = 0; oc < g.o(); oc++) {
                    double sum = 0;
                    for (int k = 0; k < t.chunks; k++) {
                        sum += t.gbParts.d[k * g.o() + oc];
                    }
                    gb.setFlat(oc, sum);
                }
            }
        } finally {
            t.release();
        }
    }

    /** held when it is of dtype t and holds at least n elements, else a new 1-D buffer of n (this call's to keep). */
    private static Tensor grow(Tensor held, DType t, int n) {
        if (held != null && held.dtype == t && (t == DType.FLOAT32 ? held.f.length : held.d.length) >= n) {
            return held;
        }
        int size = Math.max(n, 1);
        return t == DType.FLOAT32 ? new Tensor(t, new float[size], null, new int[] {size}, new int[] {1}, 0)
                : new Tensor(t, null, new double[size], new int[] {size}, new int[] {1}, 0);
    }

    /**
     * A calling thread's convolution, reused from call to call (as {@link CpuBackend}'s other range bodies are) so
     * that a call allocates nothing: the operands, and one {@link Slot} per thread that shares the chunks.
     *
     * <p>The threads' share of a convolution: the batch's chunks cut into one contiguous run per thread, each with
     * its own column and product buffers (1 MB of columns, kept in that core's L2 from im2col to the GEMM that reads
     * them). A chunk goes through im2col, GEMM and the copies on one thread, whose nested parallel loops then run
     * inline: one hand-over per convolution instead of three per chunk, and no thread waits at the end of each
     * small loop. Measured on the default CNN (MNIST-10k epoch, 2 threads): 3.4-3.9 s against 4.2-4.5 s with the
     * chunks one after another and each step split over the threads; 1 thread unchanged (6.7 s). Where the batch
     * is one chunk, the single slot runs on the caller and its GEMM and copies split over the threads as before.
     * Which thread runs a chunk never changes what it writes. The slots' buffers and the partial sums of the weight
     * and bias gradients are this body's own memory, grown on demand to the largest convolution called on the thread
     * and kept for the next call: for the default CNN at batch 64 in float32, 4.1 MB per slot (the first layer's
     * products, 32 x 25,088, and the second's columns, 288 x 784) and 1.2 MB of the second layer's dW parts (16 chunks).
     * They came from the step's pool before, with tensor headers, views and range bodies made at every call.
     */
    static final class Task extends CpuBackend.Task {
        /** {@link #run(int, int)}: slots [s, e) take their chunks; or elements [s, e) of dW sum the chunks' parts. */
        static final int SLOTS = 0, SUM_WEIGHT_GRADIENTS = 1;

        int mode;
        CpuBackend be;
        Conv2dGeometry g;
        boolean backward;
        Tensor xc, wc, bc, y, gc, gx, gw, gb;
        /** Samples per chunk, the number of chunks, the slots in use, and the column buffers' leading dimension. */
        int chunk, chunks, slotCount, ld;
        Tensor gwParts, gbParts;
        Slot[] slots = new Slot[0];

        /** Sets the call's geometry and readies its slots' buffers for dtype t. */
        void start(CpuBackend be, Conv2dGeometry g, DType t, boolean backward) {
            this.be = be;
            this.g = g;
            this.backward = backward;
            mode = SLOTS;
            chunk = chunk(g);
            chunks = (g.n() + chunk - 1) / chunk;
            ld = chunk * g.plane();
            slotCount = Math.max(1, Math.min(chunks, be.threads()));
            if (slots.length < slotCount) {
                Slot[] more = java.util.Arrays.copyOf(slots, slotCount);
                for (int s = slots.length; s < slotCount; s++) {
                    more[s] = new Slot(this);
                }
                slots = more;
            }
            // columns and products are written (im2col, GEMM with beta 0, copies) before they are read
            for (int s = 0; s < slotCount; s++) {
                slots[s].cols = grow(slots[s].cols, t, g.c() * g.kH() * g.kW() * ld);
                slots[s].tmp = grow(slots[s].tmp, t, g.o() * ld);
            }
        }

        /** Every chunk, slot s taking chunks [s * chunks / slots, (s + 1) * chunks / slots). */
        void run(long work) {
            mode = SLOTS;
            be.parallelFor(slotCount, work, this);
        }

        @Override
        public void run(int s, int e) {
            if (mode == SUM_WEIGHT_GRADIENTS) {
                sumWeightGradients(s, e);
                return;
            }
            for (int slot = s; slot < e; slot++) {
                for (int k = (int) ((long) slot * chunks / slotCount), end = (int) ((long) (slot + 1) * chunks / slotCount);
                     k < end; k++) {
                    if (backward) {
                        slots[slot].backward(k);
                    } else {
                        slots[slot].forward(k);
                    }
                }
            }
        }

        /** gw's elements [e0, e1) as the chunks' parts in chunk order: gw = ((p0 + p1) + p2) + ... Modified: gw. */
        private void sumWeightGradients(int e0, int e1) {
            int wSize = g.o() * g.kg();
            for (int e = e0; e < e1; e++) {
                if (gw.dtype == DType.FLOAT32) {
                    float sum = gwParts.f[e];
                    for (int k = 1; k < chunks; k++) {
                        sum += gwParts.f[k * wSize + e];
                    }
                    gw.f[gw.offset + e] = sum;
                } else {
                    double sum = gwParts.d[e];
                    for (int k = 1; k < chunks; k++) {
                        sum += gwParts.d[k * wSize + e];
                    }
                    gw.d[gw.offset + e] = sum;
                }
            }
        }

        @Override
        void clear() {
            be = null;
            g = null;
            xc = wc = bc = y = gc = gx = gw = gb = null;
            for (Slot s : slots) {
                s.clear();
            }
        }
    }

    /**
     * One thread's share of a convolution ({@link Task}): its column and product buffers, the windows it hands to GEMM,
     * and the range body of the loops inside a chunk (which {@link #step} names), run by this slot's thread and, where
     * there is one slot, split over the others.
     */
    private static final class Slot implements Backends.RangeBody {
        static final int UNFOLD = 0, ADD_BIAS = 1, GATHER_GRADIENT = 2, BIAS_SUMS = 3, FOLD = 4;

        private final Task t;
        Tensor cols, tmp;
        /** The GEMM's operands A, B and C, by dtype. */
        private final Tensor[] windowsF = new Tensor[3], windowsD = new Tensor[3];
        int step, n0, count, k, m;

        Slot(Task t) {
            this.t = t;
        }

        /** Window i (0: A, 1: B, 2: C) aimed at base's [rows, cols] matrix with strides (rs, cs) from offset. */
        private Tensor window(int i, Tensor base, int rows, int cols, int rs, int cs, int offset) {
            Tensor[] held = base.dtype == DType.FLOAT32 ? windowsF : windowsD;
            if (held[i] == null) {
                held[i] = Tensor.window(base.dtype);
            }
            return held[i].aim(base, rows, cols, rs, cs, offset);
        }

        /** Rows [start, start + count) of the row-major matrix m with row stride ld, as a [count, cols] window. */
        private Tensor rows(int i, Tensor base, int start, int count, int cols, int ld) {
            return window(i, base, count, cols, ld, 1, base.offset + start * ld);
        }

        /** The forward pass of chunk k: columns, a GEMM per group, then the bias and the samples' layout. */
        void forward(int k) {
            Conv2dGeometry g = t.g;
            int ld = t.ld;
            start(k);
            loop(UNFOLD, (long) count * g.kg() * g.groups() * g.plane());
            for (int gr = 0; gr < g.groups(); gr++) {
                t.be.gemm(1.0, rows(0, t.wc, gr * g.og(), g.og(), g.kg(), g.kg()),
                        rows(1, cols, gr * g.kg(), g.kg(), m, ld), 0.0, rows(2, tmp, gr * g.og(), g.og(), m, ld));
            }
            // tmp is [O, count*Ho*Wo]; y wants [count, O, Ho*Wo]
            loop(ADD_BIAS, 2L * count * g.o() * g.plane());
        }

        /** The backward pass of chunk k: dY laid out as the forward's tmp, then db's, dW's and dX's parts. */
        void backward(int k) {
            Conv2dGeometry g = t.g;
            int ld = t.ld;
            start(k);
            loop(GATHER_GRADIENT, 2L * count * g.o() * g.plane());
            if (t.gb != null) {
                t.be.parallelFor(g.o(), (long) g.o() * m, rangeOf(BIAS_SUMS));
            }
            if (t.gw != null) {
                loop(UNFOLD, (long) count * g.kg() * g.groups() * g.plane());
                for (int gr = 0; gr < g.groups(); gr++) {
                    // cols_g^T: [m, kg] read through the columns' strides
                    t.be.gemm(1.0, rows(0, tmp, gr * g.og(), g.og(), m, ld),
                            window(1, cols, m, g.kg(), 1, ld, cols.offset + gr * g.kg() * ld), 0.0,
                            rows(2, t.gwParts, k * g.o() + gr * g.og(), g.og(), g.kg(), g.kg()));
                }
            }
            if (t.gx != null) {
                for (int gr = 0; gr < g.groups(); gr++) {
                    // W_g^T: [kg, og]
                    t.be.gemm(1.0, window(0, t.wc, g.kg(), g.og(), 1, g.kg(), t.wc.offset + gr * g.og() * g.kg()),
                            rows(1, tmp, gr * g.og(), g.og(), m, ld), 0.0, rows(2, cols, gr * g.kg(), g.kg(), m, ld));
                }
                loop(FOLD, 2L * count * g.kg() * g.groups() * g.plane());
            }
        }

        private void start(int k) {
            this.k = k;
            n0 = k * t.chunk;
            count = Math.min(t.chunk, t.g.n() - n0);
            m = count * t.g.plane();
        }

        /** The loop named step over the chunk's samples, split over the backend's threads. */
        private void loop(int step, long work) {
            t.be.parallelFor(count, work, rangeOf(step));
        }

        private Slot rangeOf(int step) {
            this.step = step;
            return this;
        }

        @Override
        public void run(int s, int e) {
            Conv2dGeometry g = t.g;
            switch (step) {
                case UNFOLD -> unfold(g, t.xc, n0, s, e, cols, t.ld);
                case ADD_BIAS -> addBiasToSamples(g, tmp, t.ld, t.bc, t.y, n0, s, e);
                case GATHER_GRADIENT -> gatherGradient(g, t.gc, n0, s, e, tmp, t.ld);
                case BIAS_SUMS -> {
                    for (int oc = s; oc < e; oc++) {
                        t.gbParts.d[k * g.o() + oc] = tmp.dtype == DType.FLOAT32
                                ? FloatConvKernels.sumRun(tmp.f, oc * t.ld, m) : DoubleConvKernels.sumRun(tmp.d, oc * t.ld, m);
                    }
                }
                case FOLD -> fold(g, cols, n0, s, e, t.gx, t.ld);
                default -> throw new IllegalStateException("CpuConvolution.Slot: step " + step);
            }
        }

        void clear() {
            for (Tensor w : windowsF) {
                if (w != null) {
                    w.f = null;
                }
            }
            for (Tensor w : windowsD) {
                if (w != null) {
                    w.d = null;
                }
            }
        }
    }

    /**
     * y[n0 + i, oc] = tmp[oc, i * Ho*Wo ...] + bias[oc] for the samples [i0, i1) of a chunk. Modified: y.
     */
    private static void addBiasToSamples(Conv2dGeometry g, Tensor tmp, int ld, Tensor bc, Tensor y, int n0, int i0,
                                         int i1) {
        int plane = g.plane();
        for (int i = i0; i < i1; i++) {
            for (int oc = 0; oc < g.o(); oc++) {
                int src = oc * ld + i * plane, dst = ((n0 + i) * g.o() + oc) * plane, end = dst + plane;
                double bias = bc == null ? 0 : bc.getFlat(oc);
                // copy, then add in place: a loop over one array with one index is vectorized, one that reads
                // another array at another offset is not (the two might overlap)
                if (y.dtype == DType.FLOAT32) {
                    System.arraycopy(tmp.f, src, y.f, dst, plane);
                    float fb = (float) bias;
                    for (int q = dst; q < end; q++) {
                        y.f[q] += fb;
                    }
                } else {
                    System.arraycopy(tmp.d, src, y.d, dst, plane);
                    for (int q = dst; q < end; q++) {
                        y.d[q] += bias;
                    }
                }
            }
        }
    }

    /** dY of the samples [i0, i1) of the chunk at n0 into tmp, laid out as the forward's: [O, count*Ho*Wo]. */
    private static void gatherGradient(Conv2dGeometry g, Tensor gc, int n0, int i0, int i1, Tensor tmp, int ld) {
        for (int i = i0; i < i1; i++) {
            for (int oc = 0; oc < g.o(); oc++) {
                int src = gc.offset + ((n0 + i) * g.o() + oc) * g.plane(), dst = oc * ld + i * g.plane();
                if (gc.dtype == DType.FLOAT32) {
                    System.arraycopy(gc.f, src, tmp.f, dst, g.plane());
                } else {
                    System.arraycopy(gc.d, src, tmp.d, dst, g.plane());
                }
            }
        }
    }

    /** Columns of the samples [n0 + i0, n0 + i1) into cols (sample i's at column i * Ho*Wo). Modified: cols. */
    private static void unfold(Conv2dGeometry g, Tensor xc, int n0, int i0, int i1, Tensor cols, int ld) {
        int image = g.c() * g.h() * g.w();
        for (int i = i0; i < i1; i++) {
            int xOff = xc.offset + (n0 + i) * image, colOff = i * g.plane();
            if (xc.dtype == DType.FLOAT32) {
                FloatConvKernels.im2col(xc.f, xOff, g.c(), g.h(), g.w(), g.kH(), g.kW(), g.s(), g.p(), g.d(), g.ho(),
                        g.wo(), cols.f, colOff, ld);
            } else {
                DoubleConvKernels.im2col(xc.d, xOff, g.c(), g.h(), g.w(), g.kH(), g.kW(), g.s(), g.p(), g.d(), g.ho(),
                        g.wo(), cols.d, colOff, ld);
            }
        }
    }

    /** The adjoint of {@link #unfold}: samples [n0 + i0, n0 + i1) of gx (each its own image). Modified: gx. */
    private static void fold(Conv2dGeometry g, Tensor cols, int n0, int i0, int i1, Tensor gx, int ld) {
        int image = g.c() * g.h() * g.w();
        for (int i = i0; i < i1; i++) {
            int xOff = gx.offset + (n0 + i) * image, colOff = i * g.plane();
            if (gx.dtype == DType.FLOAT32) {
                FloatConvKernels.col2im(cols.f, colOff, ld, g.c(), g.h(), g.w(), g.kH(), g.kW(), g.s(), g.p(), g.d(),
                        g.ho(), g.wo(), gx.f, xOff);
            } else {
                DoubleConvKernels.col2im(cols.d, colOff, ld, g.c(), g.h(), g.w(), g.kH(), g.kW(), g.s(), g.p(), g.d(),
                        g.ho(), g.wo(), gx.d, xOff);
            }
        }
    }
}
