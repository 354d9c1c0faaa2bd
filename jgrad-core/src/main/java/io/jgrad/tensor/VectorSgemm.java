package io.jgrad.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * float32 GEMM in pure Java with the Vector API on 512-bit vectors: C = alpha * A * B + beta * C, blocked and
 * packed as in BLIS, with an 8 x 32 register tile (16 accumulators of 16 floats).
 *
 * <p>Why it looks the way it does (each point measured with bench/src/VGemmBench.java):
 * <ul>
 * <li>A and B are copied into panels padded with zeros to whole tiles, so the micro-kernel has no edge cases and
 * its loads are linear in one counted loop: C2 then hoists the Vector API's bounds checks out of the loop (the
 * same speed as with {@code -Djdk.incubator.vector.VECTOR_ACCESS_OOB_CHECK=0}).</li>
 * <li>The micro-kernel only multiplies and writes its tile to a small buffer; the C update is another small
 * method. With the update inlined into the kernel, C2 hit its inlining node-count cutoff, left Vector API calls
 * un-inlined and boxed the vectors: 6x slower. Every method here stays small for that reason.</li>
 * <li>K is cut into equal blocks of at most {@link #KC} (a short last block would pay a whole C update for little
 * work); the B panel of one block (KC x 32 floats) stays in L1 while the A panels stream from L2.</li>
 * <li>Operands whose panels need a transpose (a row-major A, a transposed B such as W^T in x W^T) are packed
 * through 16 x 16 transposes of two-vector permutes, held in registers from the sixteen loads to the sixteen
 * stores. Measured on a quiet Intel Xeon, 1 thread, alternating: the forward GEMM of the MLP's first layer
 * (128 x 256 x 784) took 419-435 microseconds against 462-500 with a scalar copy of B; the register transpose
 * then took packing B (W^T, 784 x 256) from 82-92 to 42-43 microseconds and A (128 x 784) from 40-42 to 24-27
 * against the same transpose staged through a scratch array. Vector gathers were slower than the scalar copy.
 * The transpose is written out, stores included: a helper for the stores was not inlined and C2 boxed every
 * vector (2.5 times slower than the scratch array).</li>
 * <li>Every vector is 512 bits wide. A transposed A was once packed with 256-bit copies; FloatVector's shared
 * methods then profiled two vector classes, and in some JVM runs C2 compiled packB's row copies without the Vector
 * API intrinsics (-XX:+PrintInlining: "failed to inline (intrinsic)"): packing B for the first layer's weight
 * gradient took 70-230 microseconds instead of 15-22, 1 thread. The copies are now 512 bits, each overwritten in
 * part by the next.</li>
 * </ul>
 * Each element of C is summed in the same order whatever the column range a thread gets, so results are
 * bitwise the same for any thread count. This class links against {@code jdk.incubator.vector}: only
 * {@link CpuBackend} loads it, reflectively, after checking that the module is there.
 */
final class VectorSgemm implements CpuBackend.FloatGemm {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_512;
    /** Rows and columns of the register tile; NR is two vectors. */
    static final int MR = 8, NR = 32;
    /** Largest K block. */
    static final int KC = 256;
    /**
     * Largest blocks of M and N packed at once: they bound the packing buffers (MC x KC and KC x NC floats, 256 KiB
     * and 1 MiB) for big matrices; the MLP's GEMMs (m, n at most 256 and 784) fit in one block.
     */
    static final int MC = 256, NC = 1024;

    /** Packing buffers of one thread, grown on demand and then reused: no allocation per call. */
    private static final class Buffers {
        float[] a = new float[0], b = new float[0];
        final float[] tile = new float[MR * NR], scratch = new float[T_SCRATCH];
    }

    private final ThreadLocal<Buffers> buffers = ThreadLocal.withInitial(Buffers::new);

    /**
     * Whether this JVM runs 512-bit float vectors in hardware: the Vector API's preferred species is that wide
     * only when C2 supports it on this CPU (AVX-512 on x86); narrower machines would emulate this kernel slowly.
     */
    static boolean supported() {
        return preferredBits() >= 512;
    }

    /** The width of the Vector API's preferred float species on this CPU and JVM, in bits. */
    static int preferredBits() {
        return FloatVector.SPECIES_PREFERRED.vectorBitSize();
    }

    @Override
    public int columnBlock() {
        return NR;
    }

    @Override
    public int rowBlock() {
        return MR;
    }

    /**
     * Columns [j0, j1) of C = alpha * op(A) * op(B) + beta * C, where op(A) is [m, k] with element (i, p) at
     * a[aOff + i * ars + p * acs], op(B) is [k, n] with element (p, j) at b[bOff + p * brs + j * bcs], and C is
     * row-major with leading dimension ldc. C is not read when beta is 0. Call with j0 a multiple of {@link #NR}
     * when splitting columns between threads. Modified: c (columns j0 to j1 only).
     */
    @Override
    public void columns(int j0, int j1, int m, int k, float alpha, float[] a, int aOff, int ars, int acs,
                        float[] b, int bOff, int brs, int bcs, float beta, float[] c, int cOff, int ldc) {
        if (j0 >= j1 || m <= 0) {
            return;
        }
        if (k <= 0) {
            scale(m, j0, j1, beta, c, cOff, ldc);
            return;
        }
        Buffers buf = buffers.get();
        int blocks = (k + KC - 1) / KC, kcMax = (k + blocks - 1) / blocks;
        int ncMax = Math.min(NC, j1 - j0), mcMax = Math.min(MC, m);
        int bSize = (ncMax + NR - 1) / NR * NR * kcMax, aSize = (mcMax + MR - 1) / MR * MR * kcMax + MR;
        if (buf.b.length < bSize) {
            buf.b = new float[bSize];
        }
        if (buf.a.length < aSize) {
            buf.a = new float[aSize];
        }
        // Each element of C gets its K blocks added in order whatever the blocking of M and N: same bits.
        for (int jc = j0; jc < j1; jc += NC) {
            int nc = Math.min(NC, j1 - jc);
            for (int p0 = 0; p0 < k; p0 += kcMax) {
                int kc = Math.min(kcMax, k - p0);
                packB(b, bOff + p0 * brs, brs, bcs, kc, jc, nc, buf.b, buf.scratch);
                for (int ic = 0; ic < m; ic += MC) {
                    int mc = Math.min(MC, m - ic);
                    packA(a, aOff + ic * ars + p0 * acs, ars, acs, kc, mc, buf.a, buf.scratch);
                    multiply(kc, mc, nc, buf, alpha, p0 == 0 ? beta : 1f, c, cOff + ic * ldc + jc, ldc);
                }
            }
        }
    }

    /** The mc x nc block of C at c[off] from the packed panels: every tile through the micro-kernel. */
    private static void multiply(int kc, int mc, int nc, Buffers buf, float alpha, float beta, float[] c, int off, int ldc) {
        float[] ap = buf.a, bp = buf.b, tile = buf.tile;
        int npan = (nc + NR - 1) / NR, mpan = (mc + MR - 1) / MR;
        for (int jp = 0; jp < npan; jp++) {
            int jj = jp * NR, nw = Math.min(NR, nc - jj);
            for (int ip = 0; ip < mpan; ip++) {
                int ii = ip * MR, mw = Math.min(MR, mc - ii);
                kernel(kc, ap, ip * MR * kc, bp, jp * NR * kc, tile);
                if (mw == MR && nw == NR) {
                    storeTile(tile, alpha, beta, c, off + ii * ldc + jj, ldc);
                } else {
                    storeEdge(tile, mw, nw, alpha, beta, c, off + ii * ldc + jj, ldc);
                }
            }
        }
    }

    /** C[:, j0:j1] *= beta (k = 0: the product is empty), writing zeros when beta is 0. */
    private static void scale(int m, int j0, int j1, float beta, float[] c, int cOff, int ldc) {
        for (int i = 0; i < m; i++) {
            for (int j = j0; j < j1; j++) {
                int at = cOff + i * ldc + j;
                c[at] = beta == 0f ? 0f : beta * c[at];
            }
        }
    }

    /**
     * Packs the kc columns of op(A) starting at a[off] into panels of MR rows: ap[(ip * kc + p) * MR + i] =
     * op(A)(ip * MR + i, p), zero for rows past m. ap needs MR floats of slack past the panels. Modified: ap, t
     * (scratch of {@link #T_SCRATCH} floats).
     */
    static void packA(float[] a, int off, int rs, int cs, int kc, int m, float[] ap, float[] t) {
        int mpan = (m + MR - 1) / MR, ip = 0;
        if (cs == 1) {
            // row-major A, the usual case: two panels (16 rows) at a time through 16 x 16 transposes
            for (; ip + 1 < mpan && (ip + 2) * MR <= m; ip += 2) {
                int base = ip * MR * kc, src = off + ip * MR * rs, p = 0;
                for (; p + T <= kc; p += T) { // row q of the transpose: op(A)(16 rows, p + q); 8 to each panel
                    transpose16(a, src + p, rs, t, ap, base + p * MR, MR, base + MR * kc + p * MR);
                }
                for (; p < kc; p++) {
                    for (int i = 0; i < 2 * MR; i++) {
                        ap[base + (i / MR) * MR * kc + p * MR + i % MR] = a[src + i * rs + p];
                    }
                }
            }
        }
        for (; ip < mpan; ip++) {
            int base = ip * MR * kc, i0 = ip * MR, mw = Math.min(MR, m - i0);
            if (rs == 1 && mw == MR) {
                // a transposed operand: the MR values of one p are contiguous. One 512-bit copy each, whose second
                // half the next p overwrites (ap has MR floats of slack past the last panel); a copy that would
                // read past a's end goes float by float
                for (int p = 0; p < kc; p++) {
                    int src = off + i0 + p * cs, dst = base + p * MR;
                    if (src + 2 * MR <= a.length) {
                        FloatVector.fromArray(S, a, src).intoArray(ap, dst);
                    } else {
                        for (int i = 0; i < MR; i++) {
                            ap[dst + i] = a[src + i];
                        }
                    }
                }
            } else {
                packStrided(a, off + i0 * rs, rs, cs, mw, MR, kc, ap, base);
            }
        }
    }

    /**
     * Packs columns j0 to j0 + nc of the kc rows of op(B) starting at b[off] into panels of NR columns:
     * bp[(jp * kc + p) * NR + j] = op(B)(p, j0 + jp * NR + j), zero for columns past nc. Modified: bp, t
     * (scratch of {@link #T_SCRATCH} floats).
     */
    static void packB(float[] b, int off, int rs, int cs, int kc, int j0, int nc, float[] bp, float[] t) {
        int npan = (nc + NR - 1) / NR;
        for (int jp = 0; jp < npan; jp++) {
            int base = jp * NR * kc, jj = j0 + jp * NR, nw = Math.min(NR, j0 + nc - jj);
            if (cs == 1 && nw == NR) {
                for (int p = 0; p < kc; p++) {
                    int src = off + p * rs + jj, dst = base + p * NR;
                    FloatVector.fromArray(S, b, src).intoArray(bp, dst);
                    FloatVector.fromArray(S, b, src + 16).intoArray(bp, dst + 16);
                }
            } else if (rs == 1 && nw == NR) {
                // a transposed operand (columns contiguous along p, as W^T in x W^T): 16 x 16 transposes
                int p = 0;
                for (; p + T <= kc; p += T) {
                    for (int half = 0; half < NR; half += T) {
                        transpose16(b, off + p + (jj + half) * cs, cs, t, bp, base + p * NR + half, NR, -1);
                    }
                }
                for (; p < kc; p++) {
                    for (int j = 0; j < NR; j++) {
                        bp[base + p * NR + j] = b[off + p + (jj + j) * cs];
                    }
                }
            } else {
                packStrided(b, off + jj * cs, cs, rs, nw, NR, kc, bp, base);
            }
        }
    }

    /**
     * The general case of {@link #packA} and {@link #packB}, element by element: one panel of {@code width} lines over
     * kc steps, out[base + p * width + l] = x[first + l * lineStride + p * step] for the {@code lines} lines there are,
     * zero for the lines past them. Modified: out.
     */
    private static void packStrided(float[] x, int first, int lineStride, int step, int lines, int width, int kc,
                                    float[] out, int base) {
        for (int l = 0; l < width; l++) {
            if (l < lines) {
                int src = first + l * lineStride;
                for (int p = 0; p < kc; p++) {
                    out[base + p * width + l] = x[src + p * step];
                }
            } else {
                for (int p = 0; p < kc; p++) {
                    out[base + p * width + l] = 0f;
                }
            }
        }
    }

    /** Side of the transposed blocks: one 512-bit vector of floats. */
    private static final int T = 16;
    /** Floats of scratch that packing needs: the transposed halves. */
    static final int T_SCRATCH = T * T;
    /**
     * Index vectors of the transpose's four stages, for lanes selected from two rows r and r + h (h = 8, 4, 2, 1):
     * LOW keeps row r's lanes c with bit h clear and takes row r + h's lanes c - h for the others; HIGH takes row
     * r's lanes c + h where bit h is clear and keeps row r + h's lanes otherwise (indices >= 16 pick the second row).
     */
    private static final float[][] LOW = new float[4][T], HIGH = new float[4][T];

    static {
        for (int s = 0, h = 8; s < 4; s++, h >>= 1) {
            for (int c = 0; c < T; c++) {
                boolean clear = (c & h) == 0;
                LOW[s][c] = clear ? c : T + c - h;
                HIGH[s][c] = clear ? c + h : T + c;
            }
        }
    }

    /**
     * The transpose of the 16 x 16 block x[off + r * ld + c] (r, c &lt; 16): its row q (column q of the block) goes to
     * d[dOff + q * stride], or, when hiOff >= 0, its first 8 values there and the last 8 to d[hiOff + q * stride] (the
     * two 8-row panels of A). Four stages each swap the off-diagonal h x h blocks of every 2h x 2h block (h = 8, 4, 2,
     * 1) with two-vector permutes (vpermt2ps on AVX-512); they commute, so each half of the rows takes stages 4, 2 and
     * 1 in registers ({@link #eightRows}) and stage 8 pairs the halves on the way to d. Modified: d, t[0, 256).
     */
    private static void transpose16(float[] x, int off, int ld, float[] t, float[] d, int dOff, int stride, int hiOff) {
        eightRows(x, off, ld, t, 0);
        eightRows(x, off + 8 * ld, ld, t, 8 * T);
        FloatVector lo = FloatVector.fromArray(S, LOW[0], 0), hi = FloatVector.fromArray(S, HIGH[0], 0);
        for (int r = 0; r < 8; r++) {
            FloatVector u = FloatVector.fromArray(S, t, r * T), v = FloatVector.fromArray(S, t, (r + 8) * T);
            FloatVector first = lo.selectFrom(u, v), second = hi.selectFrom(u, v); // rows r and r + 8 of the result
            if (hiOff < 0) {
                first.intoArray(d, dOff + r * stride);
                second.intoArray(d, dOff + (r + 8) * stride);
            } else {
                first.intoArray(d, dOff + r * stride, FIRST8);
                first.intoArray(d, hiOff - 8 + r * stride, LAST8);
                second.intoArray(d, dOff + (r + 8) * stride, FIRST8);
                second.intoArray(d, hiOff - 8 + (r + 8) * stride, LAST8);
            }
        }
    }

    /**
     * Stages h = 4, 2, 1 of {@link #transpose16} on the eight rows x[off + r * ld] (r &lt; 8), written out in registers
     * (a loop over vectors held in an array would box them), to t[tOff + r * 16]. Modified: t.
     */
    private static void eightRows(float[] x, int off, int ld, float[] t, int tOff) {
        FloatVector r0 = FloatVector.fromArray(S, x, off);
        FloatVector r1 = FloatVector.fromArray(S, x, off + 1 * ld);
        FloatVector r2 = FloatVector.fromArray(S, x, off + 2 * ld);
        FloatVector r3 = FloatVector.fromArray(S, x, off + 3 * ld);
        FloatVector r4 = FloatVector.fromArray(S, x, off + 4 * ld);
        FloatVector r5 = FloatVector.fromArray(S, x, off + 5 * ld);
        FloatVector r6 = FloatVector.fromArray(S, x, off + 6 * ld);
        FloatVector r7 = FloatVector.fromArray(S, x, off + 7 * ld);
        FloatVector lo = FloatVector.fromArray(S, LOW[1], 0), hi = FloatVector.fromArray(S, HIGH[1], 0);
        FloatVector s1_0 = lo.selectFrom(r0, r4), s1_4 = hi.selectFrom(r0, r4);
        FloatVector s1_1 = lo.selectFrom(r1, r5), s1_5 = hi.selectFrom(r1, r5);
        FloatVector s1_2 = lo.selectFrom(r2, r6), s1_6 = hi.selectFrom(r2, r6);
        FloatVector s1_3 = lo.selectFrom(r3, r7), s1_7 = hi.selectFrom(r3, r7);
        lo = FloatVector.fromArray(S, LOW[2], 0);
        hi = FloatVector.fromArray(S, HIGH[2], 0);
        FloatVector s2_0 = lo.selectFrom(s1_0, s1_2), s2_2 = hi.selectFrom(s1_0, s1_2);
        FloatVector s2_1 = lo.selectFrom(s1_1, s1_3), s2_3 = hi.selectFrom(s1_1, s1_3);
        FloatVector s2_4 = lo.selectFrom(s1_4, s1_6), s2_6 = hi.selectFrom(s1_4, s1_6);
        FloatVector s2_5 = lo.selectFrom(s1_5, s1_7), s2_7 = hi.selectFrom(s1_5, s1_7);
        lo = FloatVector.fromArray(S, LOW[3], 0);
        hi = FloatVector.fromArray(S, HIGH[3], 0);
        FloatVector s3_0 = lo.selectFrom(s2_0, s2_1), s3_1 = hi.selectFrom(s2_0, s2_1);
        FloatVector s3_2 = lo.selectFrom(s2_2, s2_3), s3_3 = hi.selectFrom(s2_2, s2_3);
        FloatVector s3_4 = lo.selectFrom(s2_4, s2_5), s3_5 = hi.selectFrom(s2_4, s2_5);
        FloatVector s3_6 = lo.selectFrom(s2_6, s2_7), s3_7 = hi.selectFrom(s2_6, s2_7);
        s3_0.intoArray(t, tOff + 0);
        s3_1.intoArray(t, tOff + 16);
        s3_2.intoArray(t, tOff + 32);
        s3_3.intoArray(t, tOff + 48);
        s3_4.intoArray(t, tOff + 64);
        s3_5.intoArray(t, tOff + 80);
        s3_6.intoArray(t, tOff + 96);
        s3_7.intoArray(t, tOff + 112);
    }

    /** The lanes of the first and of the last 8 floats of a vector. */
    private static final VectorMask<Float> FIRST8 = VectorMask.fromLong(S, 0xFFL), LAST8 = VectorMask.fromLong(S, 0xFF00L);

    /** C[0:MR, 0:NR] at c[off] = alpha * tile + beta * C; C is not read when beta is 0. Modified: c. */
    private static void storeTile(float[] tile, float alpha, float beta, float[] c, int off, int ldc) {
        FloatVector va = FloatVector.broadcast(S, alpha), vb = FloatVector.broadcast(S, beta);
        for (int i = 0; i < MR; i++) {
            int co = off + i * ldc, to = i * NR;
            FloatVector t0 = FloatVector.fromArray(S, tile, to).mul(va);
            FloatVector t1 = FloatVector.fromArray(S, tile, to + 16).mul(va);
            if (beta != 0f) {
                t0 = FloatVector.fromArray(S, c, co).fma(vb, t0);
                t1 = FloatVector.fromArray(S, c, co + 16).fma(vb, t1);
            }
            t0.intoArray(c, co);
            t1.intoArray(c, co + 16);
        }
    }

    /** As {@link #storeTile} for the top-left mw x nw corner of the tile (edges of C). Modified: c. */
    private static void storeEdge(float[] tile, int mw, int nw, float alpha, float beta, float[] c, int off, int ldc) {
        for (int i = 0; i < mw; i++) {
            int co = off + i * ldc, to = i * NR;
            for (int j = 0; j < nw; j++) {
                float v = alpha * tile[to + j];
                c[co + j] = beta == 0f ? v : Math.fma(beta, c[co + j], v);
            }
        }
    }

    /**
     * tile[i * NR + j] = sum over p &lt; kc of ap[ai + p * MR + i] * bp[bi + p * NR + j], in order of p, for the
     * MR x NR tile. Modified: tile.
     */
    static void kernel(int kc, float[] ap, int ai, float[] bp, int bi, float[] tile) {
        FloatVector c00 = FloatVector.zero(S), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00;
        FloatVector c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00, c60 = c00, c61 = c00, c70 = c00, c71 = c00;
        for (int p = 0; p < kc; p++) {
            int bo = bi + p * NR, ao = ai + p * MR;
            FloatVector b0 = FloatVector.fromArray(S, bp, bo), b1 = FloatVector.fromArray(S, bp, bo + 16);
            FloatVector x = FloatVector.broadcast(S, ap[ao]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(S, ap[ao + 1]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(S, ap[ao + 2]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(S, ap[ao + 3]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(S, ap[ao + 4]);
            c40 = x.fma(b0, c40);
            c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(S, ap[ao + 5]);
            c50 = x.fma(b0, c50);
            c51 = x.fma(b1, c51);
            x = FloatVector.broadcast(S, ap[ao + 6]);
            c60 = x.fma(b0, c60);
            c61 = x.fma(b1, c61);
            x = FloatVector.broadcast(S, ap[ao + 7]);
            c70 = x.fma(b0, c70);
            c71 = x.fma(b1, c71);
        }
        c00.intoArray(tile, 0);
        c01.intoArray(tile, 16);
        c10.intoArray(tile, 32);
        c11.intoArray(tile, 48);
        c20.intoArray(tile, 64);
        c21.intoArray(tile, 80);
        c30.intoArray(tile, 96);
        c31.intoArray(tile, 112);
        c40.intoArray(tile, 128);
        c41.intoArray(tile, 144);
        c50.intoArray(tile, 160);
        c51.intoArray(tile, 176);
        c60.intoArray(tile, 192);
        c61.intoArray(tile, 208);
        c70.intoArray(tile, 224);
        c71.intoArray(tile, 240);
    }
}
