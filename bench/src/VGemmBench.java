import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Experiment: a Vector API (AVX-512) sgemm against OpenBLAS called as jgrad calls it (FFM critical downcall on
 * heap arrays), on the 8 GEMM shapes of a 784-256-128-10 MLP step (batch 128), same flags as jgrad's Linear.
 * {@code VGemm} below is the experiment's copy of the kernel that became io.jgrad.tensor.VectorSgemm (same
 * packing, tile and K blocking; the product adds M and N blocks for big matrices and reads views through their
 * strides). With 1 thread the times are the calling thread's CPU time (robust to other processes' load; -Dwall=true
 * for wall time); mode kernel times the micro-kernel alone on packed data.
 *
 * <p>Usage: java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED bench/src/VGemmBench.java
 * [threads] [rounds] [mode] [which]   mode: shapes (per-shape GFLOP/s, alternating) | epoch (the 469-step GEMM
 * epoch; which = both, vector or blas) | kernel. -Dblas=PATH picks the libopenblas (default: Debian's pthread one).
 */
public class VGemmBench {
    static final int BATCH = 128, STEPS = 469;
    static final int[] SIZES = {784, 256, 128, 10};

    record Shape(String name, boolean ta, boolean tb, int m, int n, int k, float beta) {}

    /** The MLP step's GEMMs, as LinalgOps.linear calls Backend.gemm: forward x W^T (beta 1: bias), dX = g W, dW = g^T x. */
    static Shape[] shapes() {
        java.util.List<Shape> s = new java.util.ArrayList<>();
        for (int l = 0; l < 3; l++) {
            s.add(new Shape("fwd" + l, false, true, BATCH, SIZES[l + 1], SIZES[l], 1f));
        }
        for (int l = 2; l >= 0; l--) {
            s.add(new Shape("dW" + l, true, false, SIZES[l + 1], SIZES[l], BATCH, 0f));
            if (l > 0) {
                s.add(new Shape("dX" + l, false, false, BATCH, SIZES[l], SIZES[l + 1], 0f));
            }
        }
        return s.toArray(new Shape[0]);
    }

    interface Gemm {
        void sgemm(boolean ta, boolean tb, int m, int n, int k, float alpha, float[] a, int aOff, int lda,
                   float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc);
    }

    static final class Blas implements Gemm {
        final MethodHandle sgemm, setThreads;

        Blas(String path) {
            Linker linker = Linker.nativeLinker();
            SymbolLookup lib = SymbolLookup.libraryLookup(Path.of(path), Arena.global());
            ValueLayout i = ValueLayout.JAVA_INT, p = ValueLayout.ADDRESS;
            sgemm = linker.downcallHandle(lib.findOrThrow("cblas_sgemm"), FunctionDescriptor.ofVoid(
                    i, i, i, i, i, i, ValueLayout.JAVA_FLOAT, p, i, p, i, ValueLayout.JAVA_FLOAT, p, i),
                    Linker.Option.critical(true));
            setThreads = linker.downcallHandle(lib.findOrThrow("openblas_set_num_threads"), FunctionDescriptor.ofVoid(i));
        }

        void threads(int t) {
            try {
                setThreads.invokeExact(t);
            } catch (Throwable e) {
                throw new RuntimeException(e);
            }
        }

        @Override
        public void sgemm(boolean ta, boolean tb, int m, int n, int k, float alpha, float[] a, int aOff, int lda,
                          float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc) {
            try {
                sgemm.invokeExact(101, ta ? 112 : 111, tb ? 112 : 111, m, n, k, alpha,
                        MemorySegment.ofArray(a).asSlice(4L * aOff), lda, MemorySegment.ofArray(b).asSlice(4L * bOff), ldb,
                        beta, MemorySegment.ofArray(c).asSlice(4L * cOff), ldc);
            } catch (Throwable e) {
                throw new RuntimeException(e);
            }
        }
    }

    /** Plain triple loop in double, for checking. */
    static void reference(boolean ta, boolean tb, int m, int n, int k, float alpha, float[] a, int lda, float[] b,
                          int ldb, float beta, float[] c, int ldc) {
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int p = 0; p < k; p++) {
                    s += (double) (ta ? a[p * lda + i] : a[i * lda + p]) * (tb ? b[j * ldb + p] : b[p * ldb + j]);
                }
                c[i * ldc + j] = (float) (alpha * s + (beta == 0 ? 0 : beta * c[i * ldc + j]));
            }
        }
    }

    public static void main(String[] args) throws Exception {
        int threads = args.length > 0 ? Integer.parseInt(args[0]) : 1;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        String mode = args.length > 2 ? args[2] : "shapes";
        String which = args.length > 3 ? args[3] : "both";
        Blas blas = new Blas(System.getProperty("blas", "/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblas.so.0"));
        blas.threads(threads);
        VGemm vg = new VGemm(threads);
        Shape[] sh = shapes();
        Random r = new Random(1);
        float[][] A = new float[sh.length][], B = new float[sh.length][], C1 = new float[sh.length][], C2 = new float[sh.length][];
        for (int s = 0; s < sh.length; s++) {
            A[s] = rnd(r, sh[s].m * sh[s].k);
            B[s] = rnd(r, sh[s].k * sh[s].n);
            C1[s] = rnd(r, sh[s].m * sh[s].n);
            C2[s] = C1[s].clone();
        }
        // correctness on the shapes
        for (int s = 0; s < sh.length; s++) {
            Shape x = sh[s];
            int lda = x.ta ? x.m : x.k, ldb = x.tb ? x.k : x.n;
            float[] ref = C1[s].clone(), got = C1[s].clone();
            reference(x.ta, x.tb, x.m, x.n, x.k, 1f, A[s], lda, B[s], ldb, x.beta, ref, x.n);
            vg.sgemm(x.ta, x.tb, x.m, x.n, x.k, 1f, A[s], 0, lda, B[s], 0, ldb, x.beta, got, 0, x.n);
            double err = 0;
            for (int i = 0; i < ref.length; i++) {
                err = Math.max(err, Math.abs(ref[i] - got[i]) / (1 + Math.abs(ref[i])));
            }
            if (err > 1e-4) {
                throw new AssertionError(x + " max rel err " + err);
            }
        }
        System.out.println("check ok; threads=" + threads + (threads == 1 && !Boolean.getBoolean("wall") ? " (thread CPU time)" : " (wall time)") + " load " + java.nio.file.Files.readString(Path.of("/proc/loadavg")).trim());
        if (mode.equals("kernel")) {
            int kc = VGemm.KC;
            float[] ap = rnd(r, VGemm.MR * kc * 16), bp = rnd(r, VGemm.NR * kc), tl = new float[VGemm.MR * VGemm.NR];
            for (int rd = 0; rd < rounds; rd++) {
                long t0 = clock(1);
                int reps = 200000;
                for (int i = 0; i < reps; i++) {
                    VGemm.kernel(kc, ap, (i & 15) * VGemm.MR * kc, bp, 0, tl);
                }
                System.out.printf("kernel %dx%d kc=%d: %.1f GFLOP/s%n", VGemm.MR, VGemm.NR, kc,
                        2.0 * VGemm.MR * VGemm.NR * kc * reps / (clock(1) - t0));
            }
            return;
        }
        if (mode.equals("shapes")) {
            double[][] gv = new double[sh.length][rounds], gb = new double[sh.length][rounds];
            for (int rd = 0; rd < rounds; rd++) {
                for (int s = 0; s < sh.length; s++) {
                    Shape x = sh[s];
                    int lda = x.ta ? x.m : x.k, ldb = x.tb ? x.k : x.n;
                    double flop = 2.0 * x.m * x.n * x.k;
                    int reps = (int) Math.max(20, 2e9 / 10 / flop);
                    for (int pass = 0; pass < 2; pass++) {
                        boolean v = (pass + rd) % 2 == 0;
                        Gemm g = v ? vg : blas;
                        float[] c = v ? C1[s] : C2[s];
                        long t0 = clock(threads);
                        for (int i = 0; i < reps; i++) {
                            g.sgemm(x.ta, x.tb, x.m, x.n, x.k, 1f, A[s], 0, lda, B[s], 0, ldb, 0.5f * x.beta, c, 0, x.n);
                        }
                        double gf = flop * reps / (clock(threads) - t0);
                        (v ? gv : gb)[s][rd] = gf;
                    }
                }
            }
            System.out.printf("%-6s %5s %5s %5s %3s %3s %10s %10s %7s%n", "shape", "m", "n", "k", "tA", "tB", "vector", "openblas", "ratio");
            for (int s = 0; s < sh.length; s++) {
                Shape x = sh[s];
                double mv = median(gv[s]), mb = median(gb[s]);
                System.out.printf("%-6s %5d %5d %5d %3s %3s %10.1f %10.1f %7.2f   v=%s b=%s%n", x.name, x.m, x.n, x.k, x.ta ? "T" : "N",
                        x.tb ? "T" : "N", mv, mb, mv / mb, fmt(gv[s]), fmt(gb[s]));
            }
        } else {
            double flop = 0;
            for (Shape x : sh) {
                flop += 2.0 * x.m * x.n * x.k;
            }
            flop *= STEPS;
            double[] tv = new double[rounds], tb = new double[rounds];
            for (int rd = 0; rd < rounds; rd++) {
                for (int pass = 0; pass < 2; pass++) {
                    boolean v = (pass + rd) % 2 == 0;
                    if (which.equals("vector") && !v || which.equals("blas") && v) {
                        continue;
                    }
                    Gemm g = v ? vg : blas;
                    long t0 = clock(threads);
                    for (int st = 0; st < STEPS; st++) {
                        for (int s = 0; s < sh.length; s++) {
                            Shape x = sh[s];
                            int lda = x.ta ? x.m : x.k, ldb = x.tb ? x.k : x.n;
                            g.sgemm(x.ta, x.tb, x.m, x.n, x.k, 1f, A[s], 0, lda, B[s], 0, ldb, 0.5f * x.beta, (v ? C1 : C2)[s], 0, x.n);
                        }
                    }
                    (v ? tv : tb)[rd] = (clock(threads) - t0) / 1e6;
                }
            }
            System.out.printf("epoch ms: vector %.1f (%.1f GFLOP/s) %s | openblas %.1f (%.1f GFLOP/s) %s | ratio %.2f%n",
                    median(tv), flop / median(tv) / 1e6, fmt(tv), median(tb), flop / median(tb) / 1e6, fmt(tb),
                    median(tv) / median(tb));
        }
        System.out.println("load " + java.nio.file.Files.readString(Path.of("/proc/loadavg")).trim());
        vg.close();
    }

    static final java.lang.management.ThreadMXBean MX = java.lang.management.ManagementFactory.getThreadMXBean();

    /** With 1 thread the calling thread's CPU time (robust to other processes on a shared machine), else wall time. */
    static long clock(int threads) {
        return threads == 1 && !Boolean.getBoolean("wall") ? MX.getCurrentThreadCpuTime() : System.nanoTime();
    }

    static String fmt(double[] v) {
        StringBuilder sb = new StringBuilder("[");
        for (double x : v) {
            sb.append(sb.length() > 1 ? " " : "").append(Math.round(x));
        }
        return sb.append("]").toString();
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    static float[] rnd(Random r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) r.nextGaussian();
        }
        return a;
    }
}

/**
 * Packed, blocked sgemm with an MR x NR register tile of 512-bit vectors. Row-major; C = alpha op(A) op(B) + beta C.
 * Panels are zero-padded to whole tiles so the micro-kernel has no edge cases; the tile goes through a small
 * buffer into C.
 */
final class VGemm implements VGemmBench.Gemm, AutoCloseable {
    static final VectorSpecies<Float> S = FloatVector.SPECIES_512;
    static final int MR = 8, NR = 32, KC = Integer.getInteger("kc", 256);

    private final int threads;
    private final ExecutorService pool;
    private final float[][] apack, bpack, tile;

    VGemm(int threads) {
        this.threads = threads;
        this.pool = threads > 1 ? Executors.newFixedThreadPool(threads - 1) : null;
        apack = new float[threads][];
        bpack = new float[threads][];
        tile = new float[threads][MR * NR];
        for (int t = 0; t < threads; t++) {
            apack[t] = new float[0];
            bpack[t] = new float[0];
        }
    }

    @Override
    public void close() {
        if (pool != null) {
            pool.shutdown();
        }
    }

    @Override
    public void sgemm(boolean ta, boolean tb, int m, int n, int k, float alpha, float[] a, int aOff, int lda,
                      float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc) {
        int panels = (n + NR - 1) / NR;
        int parts = (int) Math.min(Math.min(threads, panels), Math.max(1, (long) m * n * k / (1 << 18)));
        if (parts <= 1) {
            range(0, 0, n, ta, tb, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
            return;
        }
        int per = (panels + parts - 1) / parts;
        Future<?>[] f = new Future<?>[parts - 1];
        for (int t = 1; t < parts; t++) {
            int j0 = Math.min(n, t * per * NR), j1 = Math.min(n, (t + 1) * per * NR);
            int tt = t;
            f[t - 1] = pool.submit(() -> range(tt, j0, j1, ta, tb, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc));
        }
        range(0, 0, Math.min(n, per * NR), ta, tb, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
        for (Future<?> x : f) {
            try {
                x.get();
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        }
    }

    /** Columns [j0, j1) of C, by worker t (which owns the packing buffers t). */
    private void range(int t, int j0, int j1, boolean ta, boolean tb, int m, int n, int k, float alpha, float[] a,
                       int aOff, int lda, float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc) {
        if (j0 >= j1) {
            return;
        }
        int nc = j1 - j0, npan = (nc + NR - 1) / NR, mpan = (m + MR - 1) / MR;
        // equal K blocks of at most KC: a short last block would pay the tile's C update for little work
        int kb = (k + KC - 1) / KC, kcMax = (k + kb - 1) / kb;
        for (int p0 = 0; p0 < k; p0 += kcMax) {
            int kc = Math.min(kcMax, k - p0);
            if (bpack[t].length < npan * NR * kc) {
                bpack[t] = new float[npan * NR * kc];
            }
            if (apack[t].length < mpan * MR * kc) {
                apack[t] = new float[mpan * MR * kc];
            }
            float[] bp = bpack[t], ap = apack[t], tl = tile[t];
            packB(tb, b, bOff, ldb, p0, kc, j0, nc, bp);
            packA(ta, a, aOff, lda, p0, kc, m, ap);
            boolean first = p0 == 0;
            for (int jp = 0; jp < npan; jp++) {
                int jj = j0 + jp * NR, nw = Math.min(NR, j1 - jj);
                for (int ip = 0; ip < mpan; ip++) {
                    int ii = ip * MR, mw = Math.min(MR, m - ii);
                    float bt = first ? beta : 1f;
                    kernel(kc, ap, ip * MR * kc, bp, jp * NR * kc, tl);
                    if (mw == MR && nw == NR) {
                        storeFull(tl, alpha, bt, c, cOff + ii * ldc + jj, ldc);
                    } else {
                        store(tl, mw, nw, alpha, bt, c, cOff + ii * ldc + jj, ldc);
                    }
                }
            }
        }
    }

    /** Rows of op(A)[:, p0:p0+kc] in panels of MR rows: ap[(ip*kc + p)*MR + i]; rows past m are zero. */
    static void packA(boolean ta, float[] a, int aOff, int lda, int p0, int kc, int m, float[] ap) {
        int mpan = (m + MR - 1) / MR;
        for (int ip = 0; ip < mpan; ip++) {
            int base = ip * MR * kc, i0 = ip * MR, mw = Math.min(MR, m - i0);
            if (ta) {
                for (int p = 0; p < kc; p++) {
                    int src = aOff + (p0 + p) * lda + i0, dst = base + p * MR;
                    for (int i = 0; i < mw; i++) {
                        ap[dst + i] = a[src + i];
                    }
                    for (int i = mw; i < MR; i++) {
                        ap[dst + i] = 0f;
                    }
                }
            } else {
                for (int i = 0; i < MR; i++) {
                    if (i < mw) {
                        int src = aOff + (i0 + i) * lda + p0;
                        for (int p = 0; p < kc; p++) {
                            ap[base + p * MR + i] = a[src + p];
                        }
                    } else {
                        for (int p = 0; p < kc; p++) {
                            ap[base + p * MR + i] = 0f;
                        }
                    }
                }
            }
        }
    }

    /** Columns j0..j0+nc of op(B)[p0:p0+kc, :] in panels of NR: bp[(jp*kc + p)*NR + j]; columns past nc are zero. */
    static void packB(boolean tb, float[] b, int bOff, int ldb, int p0, int kc, int j0, int nc, float[] bp) {
        int npan = (nc + NR - 1) / NR;
        for (int jp = 0; jp < npan; jp++) {
            int base = jp * NR * kc, jj = j0 + jp * NR, nw = Math.min(NR, j0 + nc - jj);
            if (!tb) {
                for (int p = 0; p < kc; p++) {
                    int src = bOff + (p0 + p) * ldb + jj, dst = base + p * NR;
                    if (nw == NR) {
                        FloatVector.fromArray(S, b, src).intoArray(bp, dst);
                        FloatVector.fromArray(S, b, src + 16).intoArray(bp, dst + 16);
                    } else {
                        for (int j = 0; j < nw; j++) {
                            bp[dst + j] = b[src + j];
                        }
                        for (int j = nw; j < NR; j++) {
                            bp[dst + j] = 0f;
                        }
                    }
                }
            } else {
                for (int j = 0; j < NR; j++) {
                    if (j < nw) {
                        int src = bOff + (jj + j) * ldb + p0;
                        for (int p = 0; p < kc; p++) {
                            bp[base + p * NR + j] = b[src + p];
                        }
                    } else {
                        for (int p = 0; p < kc; p++) {
                            bp[base + p * NR + j] = 0f;
                        }
                    }
                }
            }
        }
    }

    /** C[0:MR, 0:NR] = alpha * tile + beta * C (C not read when beta is 0), with vectors. */
    static void storeFull(float[] tl, float alpha, float beta, float[] c, int off, int ldc) {
        FloatVector va = FloatVector.broadcast(S, alpha), vb = FloatVector.broadcast(S, beta);
        for (int i = 0; i < MR; i++) {
            int co = off + i * ldc, to = i * NR;
            FloatVector t0 = FloatVector.fromArray(S, tl, to).mul(va), t1 = FloatVector.fromArray(S, tl, to + 16).mul(va);
            if (beta != 0f) {
                t0 = FloatVector.fromArray(S, c, co).fma(vb, t0);
                t1 = FloatVector.fromArray(S, c, co + 16).fma(vb, t1);
            }
            t0.intoArray(c, co);
            t1.intoArray(c, co + 16);
        }
    }

    /** C[0:mw, 0:nw] = alpha * tile + beta * C (C not read when beta is 0). */
    static void store(float[] tl, int mw, int nw, float alpha, float beta, float[] c, int off, int ldc) {
        for (int i = 0; i < mw; i++) {
            int co = off + i * ldc, to = i * NR;
            if (beta == 0f) {
                for (int j = 0; j < nw; j++) {
                    c[co + j] = alpha * tl[to + j];
                }
            } else {
                for (int j = 0; j < nw; j++) {
                    c[co + j] = alpha * tl[to + j] + beta * c[co + j];
                }
            }
        }
    }

    /** tile[i*NR + j] = sum_p ap[ai + p*MR + i] * bp[bi + p*NR + j] for the MR x NR tile. Modified: tile. */
    static void kernel(int kc, float[] ap, int ai, float[] bp, int bi, float[] tile) {
        FloatVector c00 = FloatVector.zero(S), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00,
                c40 = c00, c41 = c00, c50 = c00, c51 = c00, c60 = c00, c61 = c00, c70 = c00, c71 = c00;
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
