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
        Slots slots = new Slots(be, g, y.dtype);
        int chunk = slots.chunk, ld = slots.ld;
        slots.run(2L * g.n() * g.o() * g.kg() * g.plane(), (slot, k) -> {
            int n0 = k * chunk, count = Math.min(chunk, g.n() - n0), m = count * g.plane();
            Tensor cols = slots.cols[slot], tmp = slots.tmp[slot];
            unfold(be, g, xc, n0, count, cols, ld);
            for (int gr = 0; gr < g.groups(); gr++) {
                be.gemm(1.0, rows(wc, gr * g.og(), g.og(), g.kg(), g.kg()),
                        rows(cols, gr * g.kg(), g.kg(), m, ld), 0.0, rows(tmp, gr * g.og(), g.og(), m, ld));
            }
            // tmp is [O, count*Ho*Wo]; y wants [count, O, Ho*Wo]
            addBiasToSamples(be, g, tmp, ld, bc, y, n0, count);
        });
    }

    /** The work on chunk k of the batch, with the buffers of one slot. */
    @FunctionalInterface
    private interface ChunkBody {
        void run(int slot, int k);
    }

    /**
     * The threads' share of a convolution: the batch's chunks cut into one contiguous run per thread, each with its
     * own column and product buffers (1 MB of columns, kept in that core's L2 from im2col to the GEMM that reads
     * them). A chunk goes through im2col, GEMM and the copies on one thread, whose nested parallel loops then run
     * inline: one hand-over per convolution instead of three per chunk, and no thread waits at the end of each
     * small loop. Measured on the default CNN (MNIST-10k epoch, 2 threads): 3.4-3.9 s against 4.2-4.5 s with the
     * chunks one after another and each step split over the threads; 1 thread unchanged (6.7 s). Where the batch
     * is one chunk, the single slot runs on the caller and its GEMM and copies split over the threads as before.
     * Which thread runs a chunk never changes what it writes.
     */
    private static final class Slots {
        /** Samples per chunk, the number of chunks, and the leading dimension of the column and product buffers. */
        final int chunk, chunks, ld;
        final Tensor[] cols, tmp;
        private final CpuBackend be;

        Slots(CpuBackend be, Conv2dGeometry g, DType t) {
            this.be = be;
            chunk = chunk(g);
            chunks = (g.n() + chunk - 1) / chunk;
            ld = chunk * g.plane();
            int count = Math.max(1, Math.min(chunks, be.threads()));
            cols = new Tensor[count];
            tmp = new Tensor[count];
            // columns and products are written (im2col, GEMM with beta 0, copies) before they are read
            for (int s = 0; s < count; s++) {
                cols[s] = Tensor.forOverwrite(t, new int[] {g.c() * g.kH() * g.kW(), ld});
                tmp[s] = Tensor.forOverwrite(t, new int[] {g.o(), ld});
            }
        }

        /** Runs body for every chunk, slot s taking chunks [s * chunks / slots, (s + 1) * chunks / slots). */
        void run(long work, ChunkBody body) {
            int count = cols.length;
            be.parallelFor(count, work, (s0, s1) -> {
                for (int s = s0; s < s1; s++) {
                    for (int k = (int) ((long) s * chunks / count), end = (int) ((long) (s + 1) * chunks / count); k < end; k++) {
                        body.run(s, k);
                    }
                }
            });
        }
    }

    /**
     * y[n0 + i, oc] = tmp[oc, i * Ho*Wo ...] + bias[oc] for the count samples of a chunk, split over the backend's
     * threads by sample. Modified: y.
     */
    private static void addBiasToSamples(CpuBackend be, Conv2dGeometry g, Tensor tmp, int ld, Tensor bc, Tensor y,
                                         int n0, int count) {
        int plane = g.plane();
        be.parallelFor(count, 2L * count * g.o() * plane, (i0, i1) -> {
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
        });
    }

    /**
     * The gradients of {@link #forward}, see {@link Backend#conv2dBackward}: dX chunk by chunk (each writes its own
     * samples); dW and db as one partial sum per chunk, added up in chunk order afterwards, so that the result is the
     * same whichever thread ran which chunk. Modified: gx, gw, gb (each may be null).
     */
    static void backward(CpuBackend be, Conv2dGeometry g, Tensor xc, Tensor wc, Tensor gc, Tensor gx, Tensor gw,
                         Tensor gb) {
        DType t = xc.dtype;
        boolean needX = gx != null, needW = gw != null, needB = gb != null;
        Slots slots = new Slots(be, g, t);
        int chunk = slots.chunk, ld = slots.ld, wSize = g.o() * g.kg();
        // per chunk: dW (written by a GEMM with beta 0) and db (sums in double)
        Tensor gwParts = needW ? Tensor.forOverwrite(t, new int[] {slots.chunks, wSize}) : null;
        Tensor gbParts = needB ? Tensor.forOverwrite(DType.FLOAT64, new int[] {slots.chunks, g.o()}) : null;
        long work = 2L * g.n() * g.o() * g.kg() * g.plane() * ((needW ? 1 : 0) + (needX ? 1 : 0))
                + (long) g.n() * g.o() * g.plane();
        slots.run(work, (slot, k) -> {
            int n0 = k * chunk, count = Math.min(chunk, g.n() - n0), m = count * g.plane();
            Tensor cols = slots.cols[slot], tmp = slots.tmp[slot];
            // dY of the chunk laid out as the forward's tmp: [O, count*Ho*Wo]
            be.parallelFor(count, 2L * count * g.o() * g.plane(), (i0, i1) -> {
                for (int i = i0; i < i1; i++) {
                    for (int oc = 0; oc < g.o(); oc++) {
                        int src = gc.offset + ((n0 + i) * g.o() + oc) * g.plane(), dst = oc * ld + i * g.plane();
                        if (t == DType.FLOAT32) {
                            System.arraycopy(gc.f, src, tmp.f, dst, g.plane());
                        } else {
                            System.arraycopy(gc.d, src, tmp.d, dst, g.plane());
                        }
                    }
                }
            });
            if (needB) {
                be.parallelFor(g.o(), (long) g.o() * m, (o0, o1) -> {
                    for (int oc = o0; oc < o1; oc++) {
                        gbParts.d[k * g.o() + oc] = t == DType.FLOAT32 ? FloatConvKernels.sumRun(tmp.f, oc * ld, m)
                                : DoubleConvKernels.sumRun(tmp.d, oc * ld, m);
                    }
                });
            }
            if (needW) {
                unfold(be, g, xc, n0, count, cols, ld);
                for (int gr = 0; gr < g.groups(); gr++) {
                    Tensor colsT = rows(cols, gr * g.kg(), g.kg(), m, ld);
                    colsT = colsT.view(new int[] {m, g.kg()}, new int[] {1, ld}, colsT.offset);
                    be.gemm(1.0, rows(tmp, gr * g.og(), g.og(), m, ld), colsT, 0.0,
                            rows(gwParts, k * g.o() + gr * g.og(), g.og(), g.kg(), g.kg()));
                }
            }
            if (needX) {
                for (int gr = 0; gr < g.groups(); gr++) {
                    Tensor wg = rows(wc, gr * g.og(), g.og(), g.kg(), g.kg());
                    Tensor wT = wg.view(new int[] {g.kg(), g.og()}, new int[] {1, g.kg()}, wg.offset);
                    be.gemm(1.0, wT, rows(tmp, gr * g.og(), g.og(), m, ld), 0.0, rows(cols, gr * g.kg(), g.kg(), m, ld));
                }
                fold(be, g, cols, n0, count, gx, ld);
            }
        });
        if (needW && slots.chunks > 0) {
            // the chunks' dW in chunk order: gw = ((p0 + p1) + p2) + ...
            be.parallelFor(wSize, (long) slots.chunks * wSize, (e0, e1) -> {
                for (int e = e0; e < e1; e++) {
                    if (t == DType.FLOAT32) {
                        float sum = gwParts.f[e];
                        for (int k = 1; k < slots.chunks; k++) {
                            sum += gwParts.f[k * wSize + e];
                        }
                        gw.f[gw.offset + e] = sum;
                    } else {
                        double sum = gwParts.d[e];
                        for (int k = 1; k < slots.chunks; k++) {
                            sum += gwParts.d[k * wSize + e];
                        }
                        gw.d[gw.offset + e] = sum;
                    }
                }
            });
        }
        if (needB) {
            for (int oc = 0; oc < g.o(); oc++) {
                double sum = 0;
                for (int k = 0; k < slots.chunks; k++) {
                    sum += gbParts.d[k * g.o() + oc];
                }
                gb.setFlat(oc, sum);
            }
        }
    }

    /** Rows [start, start + count) of a row-major matrix with row stride ld, as a [count, cols] view. */
    private static Tensor rows(Tensor m, int start, int count, int cols, int ld) {
        return m.view(new int[] {count, cols}, new int[] {ld, 1}, m.offset + start * ld);
    }

    /** Columns of the samples [n0, n0 + count) into cols, split over the backend's threads by sample. */
    private static void unfold(CpuBackend be, Conv2dGeometry g, Tensor xc, int n0, int count, Tensor cols, int ld) {
        be.parallelFor(count, (long) count * g.kg() * g.groups() * g.plane(), (i0, i1) -> unfold(g, xc, n0, i0, i1, cols, ld));
    }

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

    /** The adjoint of {@link #unfold}, split over the backend's threads by sample (each writes its own image). */
    private static void fold(CpuBackend be, Conv2dGeometry g, Tensor cols, int n0, int count, Tensor gx, int ld) {
        be.parallelFor(count, 2L * count * g.kg() * g.groups() * g.plane(), (i0, i1) -> fold(g, cols, n0, i0, i1, gx, ld));
    }

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
