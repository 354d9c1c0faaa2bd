package io.jgrad.tensor;

import java.lang.ref.SoftReference;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * The memory behind {@link Tensor#recycling()}: per thread, free arrays by length, and the stack of open
 * scopes. A training step allocates the same sizes every time (activations, their gradients, im2col columns),
 * so after the first step every request is served from the free lists and the step allocates no large arrays:
 * without this the JVM's young collections copy the step's live activations over and over (measured: 31 s of
 * pauses in a 46 s CNN epoch with a 32 MB young generation).
 *
 * <p>The free lists sit behind a soft reference: the collector may drop them when memory runs short, and a
 * thread that stops training keeps nothing once they are collected. While a scope is open they are held strongly, so
 * they are also bounded: past {@link #retainedLimit} bytes a scope's close empties them. Steps whose sizes change every
 * time (a Spark partition's share of a shuffled batch) otherwise kept an array of every length they had used.
 */
final class BufferPool {
    private BufferPool() {}

    private static final ThreadLocal<Scope> CURRENT = new ThreadLocal<>();
    private static final ThreadLocal<SoftReference<Free>> FREE = new ThreadLocal<>();

    /**
     * Bytes of free arrays one thread's lists may hold after a scope closes; more, and they are emptied (the next
     * steps fill them again with the sizes they use). An eighth of the heap, at least 64 MiB: 64 MiB under Spark's
     * 512 MB default, far above an MLP's or the default CNN's step on one machine, which so keeps every array.
     * Not final for tests.
     */
    static long retainedLimit = Math.max(64L << 20, Runtime.getRuntime().maxMemory() / 8);

    /** Free arrays by length, and the closed scopes kept for reuse. */
    private static final class Free {
        final ByLength<float[]> floats = new ByLength<>();
        final ByLength<double[]> doubles = new ByLength<>();
        final ByLength<int[]> ints = new ByLength<>();
        final ArrayDeque<Scope> scopes = new ArrayDeque<>();
        final Layouts layouts = new Layouts();
        /** Bytes of the arrays in the three lists. */
        long retained;

        /** Drops every free array. */
        void clear() {
            floats.clear();
            doubles.clear();
            ints.clear();
            retained = 0;
        }
    }

    /** Bytes of free arrays this thread's lists hold (0 where it has none), for tests. */
    static long retainedBytes() {
        SoftReference<Free> ref = FREE.get();
        Free free = ref == null ? null : ref.get();
        return free == null ? 0 : free.retained;
    }

    /**
     * The shapes of the tensors taken so far, each with its contiguous strides, shared by every tensor of that shape
     * instead of a copy of both per tensor (nothing writes a tensor's shape or strides). At most {@code MAX} of them,
     * so that a program of ever new shapes does not make the search long; beyond that, copies as before.
     */
    private static final class Layouts {
        private static final int MAX = 64;
        private int[][] shapes = new int[16][];
        private int[][] strides = new int[16][];
        private int size;

        /** The index of shape's entry, added if there is room; -1 where it is not there and there is none. */
        int find(int[] shape) {
            for (int i = 0; i < size; i++) {
                if (Arrays.equals(shapes[i], shape)) {
                    return i;
                }
            }
            if (size == MAX) {
                return -1;
            }
            if (size == shapes.length) {
                shapes = Arrays.copyOf(shapes, size * 2);
                strides = Arrays.copyOf(strides, size * 2);
            }
            shapes[size] = shape.clone();
            strides[size] = Shapes.contiguousStrides(shapes[size]);
            return size++;
        }
    }

    /**
     * Queues of free arrays keyed by their length, in an open-addressing table of plain int keys: a map with boxed
     * keys allocated an Integer per request for every length above 127.
     */
    private static final class ByLength<A> {
        private int[] keys = new int[32]; // a length + 1, 0 for an empty slot
        private Object[] queues = new Object[32];
        private int size;

        private int slot(int n) {
            int mask = keys.length - 1;
            int i = (n * 0x9E3779B9) >>> 16 & mask;
            while (keys[i] != 0 && keys[i] != n + 1) {
                i = (i + 1) & mask;
            }
            return i;
        }

        @SuppressWarnings("unchecked")
        A poll(int n) {
            int i = slot(n);
            return keys[i] == 0 ? null : ((ArrayDeque<A>) queues[i]).poll();
        }

        @SuppressWarnings("unchecked")
        void push(int n, A array) {
            int i = slot(n);
            if (keys[i] == 0) {
                if (2 * (size + 1) > keys.length) {
                    grow();
                    i = slot(n);
                }
                keys[i] = n + 1;
                queues[i] = new ArrayDeque<A>();
                size++;
            }
            ((ArrayDeque<A>) queues[i]).push(array);
        }

        void clear() {
            Arrays.fill(keys, 0);
            Arrays.fill(queues, null);
            size = 0;
        }

        private void grow() {
            int[] oldKeys = keys;
            Object[] oldQueues = queues;
            keys = new int[oldKeys.length * 2];
            queues = new Object[oldKeys.length * 2];
            for (int k = 0; k < oldKeys.length; k++) {
                if (oldKeys[k] != 0) {
                    int i = slot(oldKeys[k] - 1);
                    keys[i] = oldKeys[k];
                    queues[i] = oldQueues[k];
                }
            }
        }
    }

    /**
     * One open scope: the arrays it lent, and every tensor made over them (views included). Closed scopes are
     * reused, their map and lists emptied but not shrunk, so that a step opens one without allocating;
     * {@code generation} tells a reused scope from the one a stale {@link Tensor.Recycling} refers to.
     */
    static final class Scope {
        Scope parent;
        final Free free;
        final Map<Object, Boolean> lent = new IdentityHashMap<>(); // value: kept by keep()
        final List<Object> lentArrays = new ArrayList<>(); // lent's keys, walked without an iterator's entries
        final List<Tensor> tensors = new ArrayList<>();
        int generation;
        /** The thread that opened it: only its scope stack holds it. */
        Thread owner;

        Scope(Free free) {
            this.free = free;
        }
    }

    static Scope open() {
        SoftReference<Free> ref = FREE.get();
        Free free = ref == null ? null : ref.get();
        if (free == null) {
            free = new Free();
            FREE.set(new SoftReference<>(free));
        }
        Scope s = free.scopes.poll();
        if (s == null) {
            s = new Scope(free);
        }
        s.parent = CURRENT.get();
        s.owner = Thread.currentThread();
        CURRENT.set(s);
        return s;
    }

    /**
     * Closes {@code s}: its arrays (except kept ones) return to the free lists and its tensors lose their data.
     * Scopes close innermost first; closing an outer one closes the inner ones still open.
     */
    static void close(Scope s) {
        Scope c = CURRENT.get();
        boolean open = false;
        for (Scope x = c; x != null; x = x.parent) {
            open |= x == s;
        }
        if (!open) {
            return; // already closed
        }
        while (c != s) {
            Scope parent = c.parent;
            release(c);
            c = parent;
        }
        Scope parent = s.parent;
        release(s);
        CURRENT.set(parent);
    }

    /**
     * Closes {@code s} unless it was closed since it was opened as that generation: a closed scope is kept for reuse
     * under the next generation, which a stale {@link Tensor.Recycling} must not close.
     *
     * @throws IllegalStateException if s is open and this is not the thread that opened it
     */
    static void close(Scope s, int generation) {
        if (s.generation == generation) {
            Thread owner = s.owner;
            if (owner != Thread.currentThread()) {
                // this thread's stack does not hold it: close(s) would return as if it were closed, and the scope
                // would stay open on its thread for good, lending memory it never gives back
                throw new IllegalStateException("Tensor.recycling(): the scope was opened on thread '" + owner.getName()
                        + "' and only that thread can close it, not '" + Thread.currentThread().getName() + "'");
            }
            close(s);
        }
    }

    private static void release(Scope s) {
        StepRecorder.hostWork("a Tensor.recycling() scope closed inside the step gave back memory the step used");
        for (int i = 0; i < s.tensors.size(); i++) { // by index: an iterator per close was a replay's only allocation
            Tensor t = s.tensors.get(i);
            Object array = t.f != null ? t.f : t.d;
            if (array != null && s.lent.get(array) == Boolean.FALSE) {
                t.recycle();
            }
        }
        for (int i = 0; i < s.lentArrays.size(); i++) {
            Object array = s.lentArrays.get(i);
            if (s.lent.get(array)) {
                continue;
            }
            switch (array) {
                case float[] a -> {
                    s.free.floats.push(a.length, a);
                    s.free.retained += 4L * a.length;
                }
                case double[] a -> {
                    s.free.doubles.push(a.length, a);
                    s.free.retained += 8L * a.length;
                }
                default -> {
                    s.free.ints.push(((int[]) array).length, (int[]) array);
                    s.free.retained += 4L * ((int[]) array).length;
                }
            }
        }
        if (s.free.retained > retainedLimit) {
            s.free.clear();
        }
        s.tensors.clear();
        s.lent.clear();
        s.lentArrays.clear();
        s.parent = null;
        s.generation++;
        s.free.scopes.push(s);
    }

    /**
     * Test switch: recycled memory handed out by {@link #forOverwrite} is filled with NaN instead of being left as
     * it was, so that an op that does not write every element of such a result shows up in a comparison.
     */
    static boolean poison;

    /** A new contiguous tensor of zeros, its memory from the pool when a scope is open on this thread. */
    static Tensor zeros(DType dtype, int[] shape) {
        return take(dtype, shape, true);
    }

    /**
     * A new contiguous tensor whose every element the caller overwrites before anything reads it: recycled
     * memory is handed out as it is, without the pass that zeroes it (outside a scope: zeros).
     */
    static Tensor forOverwrite(DType dtype, int[] shape) {
        return take(dtype, shape, false);
    }

    private static Tensor take(DType dtype, int[] shape, boolean zero) {
        Scope s = CURRENT.get();
        int n = Shapes.numel(shape);
        int k = s == null ? -1 : s.free.layouts.find(shape);
        int[] sh = k < 0 ? shape.clone() : s.free.layouts.shapes[k];
        int[] st = k < 0 ? Shapes.contiguousStrides(sh) : s.free.layouts.strides[k];
        if (s == null) {
            return dtype == DType.FLOAT32 ? new Tensor(dtype, new float[n], null, sh, st, 0)
                    : new Tensor(dtype, null, new double[n], sh, st, 0);
        }
        Object a = dtype == DType.FLOAT32 ? s.free.floats.poll(n) : s.free.doubles.poll(n);
        boolean fresh = a == null;
        if (fresh) {
            a = dtype == DType.FLOAT32 ? new float[n] : new double[n];
        } else {
            s.free.retained -= (dtype == DType.FLOAT32 ? 4L : 8L) * n;
        }
        lend(s, a);
        Tensor t = dtype == DType.FLOAT32 ? new Tensor(dtype, (float[]) a, null, sh, st, 0)
                : new Tensor(dtype, null, (double[]) a, sh, st, 0);
        if (!fresh && (zero || poison)) {
            // on the kernels' threads: a few MB per CNN layer, read from memory
            Backends.current().fill(t, zero ? 0.0 : Double.NaN);
        } else if (zero && StepRecorder.active() != null) {
            Backends.current().fill(t, 0.0); // zeros now, but a replay of the step must zero it again
        }
        s.tensors.add(t);
        return t;
    }

    /**
     * An int array of length n that an op keeps for its backward (e.g. argmax indices), from the pool while a
     * scope is open; its contents are unspecified.
     */
    static int[] ints(int n) {
        Scope s = CURRENT.get();
        if (s == null) {
            return new int[n];
        }
        int[] a = s.free.ints.poll(n);
        if (a == null) {
            a = new int[n];
        } else {
            s.free.retained -= 4L * n;
        }
        lend(s, a);
        return a;
    }

    private static void lend(Scope s, Object array) {
        s.lent.put(array, Boolean.FALSE);
        s.lentArrays.add(array);
    }

    /** Registers a view made over lent memory, so that it too loses its data when the memory goes back. */
    static void viewed(Tensor v) {
        Object array = v.f != null ? v.f : v.d;
        for (Scope s = CURRENT.get(); s != null; s = s.parent) {
            if (s.lent.containsKey(array)) {
                s.tensors.add(v);
                return;
            }
        }
    }

    /** Whether {@code t}'s memory was lent by an open scope of this thread and goes back when it closes. */
    static boolean isLent(Tensor t) {
        return lentFrom(CURRENT.get(), t);
    }

    /** Whether {@code from} or a scope enclosing it lent t's memory (and did not keep it out of recycling). */
    private static boolean lentFrom(Scope from, Tensor t) {
        Object array = t.f != null ? t.f : t.d;
        for (Scope s = from; s != null; s = s.parent) {
            if (s.lent.get(array) == Boolean.FALSE) {
                return true;
            }
        }
        return false;
    }

    /** Whether a scope is open on this thread. */
    static boolean active() {
        return CURRENT.get() != null;
    }

    /**
     * Whether {@code t}'s memory was lent by an open scope of this thread other than the innermost one, and so goes
     * back to the pool when that enclosing scope closes (a recorded step, whose scope is the innermost, cannot keep it).
     */
    static boolean lentByEnclosingScope(Tensor t) {
        Scope inner = CURRENT.get();
        return inner != null && lentFrom(inner.parent, t);
    }

    /** Takes everything the innermost open scope lent out of recycling, for a recorded step's replays. */
    static void keepAll() {
        Scope s = CURRENT.get();
        for (Object array : s.lentArrays) {
            s.lent.put(array, Boolean.TRUE);
        }
    }

    /** Takes {@code t}'s memory out of recycling: it stays valid after the scope that lent it closes. */
    static void keep(Tensor t) {
        Object array = t.f != null ? t.f : t.d;
        for (Scope s = CURRENT.get(); s != null; s = s.parent) {
            if (s.lent.containsKey(array)) {
                s.lent.put(array, Boolean.TRUE);
            }
        }
    }
}
