package io.jgrad.tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.ref.WeakReference;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * OpenBLAS's GEMM called through the FFM API on Java arrays, without copying: the downcalls are
 * {@link Linker.Option#critical(boolean) critical} with heap access, so the native code reads the arrays where
 * they lie (the GC waits for the call to return, which for one GEMM is milliseconds at most).
 *
 * <p>Which library: system property {@code jgrad.blas} = {@code auto} (default; also {@code openblas}): a system
 * libopenblas if there is one, else the natives jar of {@code org.bytedeco:openblas} on the classpath, else
 * none; {@code system} or {@code bundled}: only that one; {@code java}: never load native code. The system
 * library comes first because the bundled OpenBLAS 0.3.31 waits for its worker threads by spinning without
 * yielding the CPU: on a 2-core machine busy with other processes its 2-thread GEMMs ran at 3-16 GFLOP/s against
 * 40-60 with 1 thread, while Debian's 0.3.21 yields while it waits and kept its speed (bench/gemm.sh). Since
 * then {@link CpuBackend} runs OpenBLAS single-threaded and splits the products over its own threads, so neither
 * library's threads wait; the order stayed.
 * Any failure to load leaves the pure-Java kernels in charge with one line on stderr, never an exception;
 * a forced mode that finds nothing says so on that line too.
 */
final class OpenBlas {
    private static final int ROW_MAJOR = 101, NO_TRANS = 111, TRANS = 112;

    private static final Object LOCK = new Object();
    private static boolean searched;
    private static OpenBlas instance;

    private final MethodHandle sgemm, dgemm, setNumThreads;
    private final String description;

    private OpenBlas(SymbolLookup lib, String description) {
        Linker linker = Linker.nativeLinker();
        ValueLayout i = ValueLayout.JAVA_INT, p = ValueLayout.ADDRESS;
        Linker.Option critical = Linker.Option.critical(true);
        this.sgemm = linker.downcallHandle(lib.findOrThrow("cblas_sgemm"), FunctionDescriptor.ofVoid(
                i, i, i, i, i, i, ValueLayout.JAVA_FLOAT, p, i, p, i, ValueLayout.JAVA_FLOAT, p, i), critical);
        this.dgemm = linker.downcallHandle(lib.findOrThrow("cblas_dgemm"), FunctionDescriptor.ofVoid(
                i, i, i, i, i, i, ValueLayout.JAVA_DOUBLE, p, i, p, i, ValueLayout.JAVA_DOUBLE, p, i), critical);
        this.setNumThreads = linker.downcallHandle(lib.findOrThrow("openblas_set_num_threads"),
                FunctionDescriptor.ofVoid(i));
        String config = lib.find("openblas_get_config").map(f -> {
            try {
                MemorySegment s = (MemorySegment) linker.downcallHandle(f, FunctionDescriptor.of(p)).invokeExact();
                return s.reinterpret(1024).getString(0);
            } catch (Throwable t) {
                return "";
            }
        }).orElse("");
        this.description = description + (config.isEmpty() ? "" : " (" + config.trim() + ")");
    }

    /** The library chosen by {@code jgrad.blas}, loaded once per JVM; null when GEMM stays in Java. */
    static OpenBlas get() {
        synchronized (LOCK) {
            if (!searched) {
                searched = true;
                instance = load(System.getProperty("jgrad.blas", "auto").trim().toLowerCase(Locale.ROOT));
            }
            return instance;
        }
    }

    /** Searches as {@link #get()} does for the given mode, without remembering the answer. */
    static OpenBlas load(String mode) {
        boolean system = mode.equals("auto") || mode.equals("openblas") || mode.equals("system");
        boolean bundled = mode.equals("auto") || mode.equals("openblas") || mode.equals("bundled");
        if (!system && !bundled) {
            if (!mode.equals("java")) {
                System.err.println("jgrad: unknown -Djgrad.blas=" + mode + " (expected auto, openblas, system, bundled"
                        + " or java); using the Java GEMM kernels");
            }
            return null;
        }
        String failure = null;
        if (system) {
            for (Path p : OpenBlasLocator.system()) {
                try {
                    return open(List.of(p), "system " + p);
                } catch (RuntimeException | LinkageError e) {
                    failure = p + ": " + e;
                }
            }
        }
        if (bundled) {
            try {
                List<Path> files = OpenBlasLocator.bundled();
                if (!files.isEmpty()) {
                    return open(files, "bundled " + files.getLast().getParent());
                }
            } catch (RuntimeException | LinkageError e) {
                failure = (failure == null ? "" : failure + "; ") + "bundled OpenBLAS: " + e;
            }
        }
        if (failure != null || !mode.equals("auto")) {
            System.err.println("jgrad: OpenBLAS not loaded for -Djgrad.blas=" + mode + " ("
                    + (failure == null ? "none found" : failure) + "); using the Java GEMM kernels");
        }
        return null;
    }

    /** Opens the files in order (dependencies first) and binds the functions from the last one. */
    private static OpenBlas open(List<Path> files, String description) {
        // The libraries stay loaded for the life of the JVM: the global arena never closes.
        SymbolLookup last = null;
        for (Path f : files) {
            if (f.getFileName().toString().startsWith("libgcc_s")) {
                // a second copy of the unwinder beside the process's own one is asking for trouble: prefer it
                try {
                    SymbolLookup.libraryLookup("libgcc_s.so.1", Arena.global());
                    continue;
                } catch (IllegalArgumentException notOnSystem) {
                    // fall through: load the bundled one
                }
            }
            last = SymbolLookup.libraryLookup(f, Arena.global());
        }
        return new OpenBlas(last, description);
    }

    /** Where the library came from and how it was built, for logs and benchmarks. */
    String description() {
        return description;
    }

    /** Sets the number of threads OpenBLAS uses for the following calls (process-wide). */
    void setThreads(int threads) {
        try {
            setNumThreads.invokeExact(threads);
        } catch (Throwable t) {
            throw new IllegalStateException("openblas_set_num_threads(" + threads + ") failed", t);
        }
    }

    /**
     * C = alpha * op(A) * op(B) + beta * C, row-major, where op(A) is [m, k] and op(B) is [k, n]; op(X) is X^T
     * when its trans flag is set, and each matrix starts at its offset in its array with the given leading
     * dimension (row stride of the stored matrix). Modified: c.
     */
    void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha, float[] a, int aOff, int lda,
               float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc) {
        checkBounds("A", a.length, aOff, transA ? k : m, transA ? m : k, lda);
        checkBounds("B", b.length, bOff, transB ? n : k, transB ? k : n, ldb);
        checkBounds("C", c.length, cOff, m, n, ldc);
        Segments held = SEGMENTS.get();
        try {
            sgemm.invokeExact(ROW_MAJOR, transA ? TRANS : NO_TRANS, transB ? TRANS : NO_TRANS, m, n, k, alpha,
                    held.of(a, aOff), lda, held.of(b, bOff), ldb, beta, held.of(c, cOff), ldc);
        } catch (Throwable t) {
            throw new IllegalStateException("cblas_sgemm failed for m=" + m + " n=" + n + " k=" + k, t);
        }
    }

    /** As {@link #sgemm} for float64. Modified: c. */
    void dgemm(boolean transA, boolean transB, int m, int n, int k, double alpha, double[] a, int aOff, int lda,
               double[] b, int bOff, int ldb, double beta, double[] c, int cOff, int ldc) {
        checkBounds("A", a.length, aOff, transA ? k : m, transA ? m : k, lda);
        checkBounds("B", b.length, bOff, transB ? n : k, transB ? k : n, ldb);
        checkBounds("C", c.length, cOff, m, n, ldc);
        Segments held = SEGMENTS.get();
        try {
            dgemm.invokeExact(ROW_MAJOR, transA ? TRANS : NO_TRANS, transB ? TRANS : NO_TRANS, m, n, k, alpha,
                    held.of(a, aOff), lda, held.of(b, bOff), ldb, beta, held.of(c, cOff), ldc);
        } catch (Throwable t) {
            throw new IllegalStateException("cblas_dgemm failed for m=" + m + " n=" + n + " k=" + k, t);
        }
    }

    /** The calling thread's segments for the arrays it passes to OpenBLAS (one backend serves Spark's task threads). */
    private static final ThreadLocal<Segments> SEGMENTS = ThreadLocal.withInitial(Segments::new);

    /**
     * The heap segments a thread last passed to OpenBLAS, by array and offset, for the next calls on the same operands:
     * {@code MemorySegment.ofArray(a).asSlice(offset)} makes two segments and a session (216 bytes for a call's three
     * operands once compiled, about 3 KB per step of the MLP), and as they are passed on to the downcall the JIT does
     * not reliably remove them (with the downcall handle in a static final field it did in most runs, not all). A
     * training step calls GEMM on the same arrays at the same offsets step after step, so they are found here. Each
     * segment is held weakly, with a weak reference to its array for the lookup: the segment refers to its
     * array, which a strong hold would keep alive after its tensor is dropped. A collection clears the segments nothing
     * else refers to, and the next calls make them again.
     *
     * <p>{@link #SLOTS} slots, an operand's segment in one of the {@link #WAYS} that follow its hash; when those are
     * all taken by live segments, a new one replaces one in turn. Thread-confined, so no locking.
     */
    private static final class Segments {
        /** 256 slots hold the MLP's 40 or so operands per thread with room; WAYS bounds the search of a lookup. */
        static final int SLOTS = 256, WAYS = 8;

        private final Slot[] slots = new Slot[SLOTS];
        private int turn;

        /** A segment of array from element offset on. */
        MemorySegment of(float[] array, int offset) {
            MemorySegment s = find(array, 4L * offset);
            return s != null ? s : keep(array, 4L * offset, MemorySegment.ofArray(array).asSlice(4L * offset));
        }

        /** A segment of array from element offset on. */
        MemorySegment of(double[] array, int offset) {
            MemorySegment s = find(array, 8L * offset);
            return s != null ? s : keep(array, 8L * offset, MemorySegment.ofArray(array).asSlice(8L * offset));
        }

        /** The held segment of array from byte offset on; null if none (or it was collected). */
        private MemorySegment find(Object array, long offset) {
            int first = first(array, offset);
            for (int w = 0; w < WAYS; w++) {
                Slot s = slots[(first + w) & (SLOTS - 1)];
                if (s != null && s.offset == offset && s.array.get() == array) {
                    return s.get();
                }
            }
            return null;
        }

        /** Holds segment (array from byte offset on) in a free or collected way, else in the way whose turn it is. */
        private MemorySegment keep(Object array, long offset, MemorySegment segment) {
            int first = first(array, offset), slot = -1;
            for (int w = 0; w < WAYS && slot < 0; w++) {
                int i = (first + w) & (SLOTS - 1);
                if (slots[i] == null || slots[i].get() == null) {
                    slot = i;
                }
            }
            if (slot < 0) {
                slot = (first + (turn++ & (WAYS - 1))) & (SLOTS - 1);
            }
            slots[slot] = new Slot(segment, array, offset);
            return segment;
        }

        /** The first slot of the operand's ways: a Fibonacci hash of the array's identity and the offset. */
        private static int first(Object array, long offset) {
            return ((System.identityHashCode(array) + (int) offset) * 0x9E3779B9) >>> (32 - 8); // 2^8 = SLOTS
        }
    }

    /** A held segment (the referent) with the array and byte offset it was made for. */
    private static final class Slot extends WeakReference<MemorySegment> {
        final WeakReference<Object> array;
        final long offset;

        Slot(MemorySegment segment, Object array, long offset) {
            super(segment);
            this.array = new WeakReference<>(array);
            this.offset = offset;
        }
    }

    /**
     * Native code does not check array bounds, so a wrong stride would corrupt memory rather than throw:
     * check here that a stored [rows, cols] matrix with leading dimension ld fits in its array.
     */
    private static void checkBounds(String name, int length, int off, int rows, int cols, int ld) {
        if (rows <= 0 || cols <= 0 || ld < cols || off < 0 || off + (long) (rows - 1) * ld + cols > length) {
            throw new IllegalArgumentException("OpenBLAS gemm: matrix " + name + " [" + rows + ", " + cols
                    + "] with leading dimension " + ld + " at offset " + off + " does not fit its array of "
                    + length + " elements (rows and cols must be positive, ld >= cols)");
        }
    }
}
