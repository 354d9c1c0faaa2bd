package io.jgrad.tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * The backend that a {@code CapturedStep} puts in front of the real one while it records a step on this thread: every
 * call runs on the real backend and is kept, with its arguments, as a command that calls it again. Replaying the
 * commands in order redoes the step's arithmetic on the same memory without the ops, the graph or autograd, which
 * built the step's objects (about 150 per step for an MLP) only to make these calls.
 *
 * <p>A step can be replayed only if everything it computed went through here. Work done in Java on the tensors'
 * arrays (reading a value with item(), a dropout mask drawn from a generator, an index gather) would be baked into
 * the recording with this step's values, so the ops that do such work call {@link #hostWork} first, which marks the
 * recording as one that cannot be replayed, with the reason.
 */
final class StepRecorder implements Backend {
    private static final ThreadLocal<StepRecorder> ON_THREAD = new ThreadLocal<>();
    /** How many threads record now: 0 almost always, so that {@link #active} is one read of a field. */
    private static volatile int recording;

    private final Backend real;
    private final List<Runnable> commands = new ArrayList<>();
    /** Above 0 while a call runs on the real backend: what that backend calls in turn is part of the call. */
    private int inside;
    /** Why the recording cannot be replayed; null while it can. */
    private String refusal;
    /** The tensors whose gradient the step set, in the order it set them. */
    private final List<Tensor> leaves = new ArrayList<>();

    private StepRecorder(Backend real) {
        this.real = real;
    }

    /** Starts recording the backend calls of this thread. */
    static StepRecorder start() {
        if (ON_THREAD.get() != null) {
            throw new IllegalStateException("CapturedStep: a step is already being recorded on this thread");
        }
        StepRecorder r = new StepRecorder(Backends.real());
        ON_THREAD.set(r);
        synchronized (StepRecorder.class) {
            recording++;
        }
        return r;
    }

    /** Stops recording on this thread. */
    void stop() {
        ON_THREAD.remove();
        synchronized (StepRecorder.class) {
            recording--;
        }
    }

    /** The recorder of this thread where one records and no recorded call is running; otherwise null. */
    static StepRecorder active() {
        if (recording == 0) {
            return null;
        }
        StepRecorder r = ON_THREAD.get();
        return r == null || r.inside > 0 ? null : r;
    }

    /**
     * Marks the step being recorded on this thread, if any, as one that cannot be replayed: {@code what} is done in
     * Java on the tensors' values (a read, a write, a draw) and a replay would not do it again.
     */
    static void hostWork(String what) {
        StepRecorder r = active();
        if (r != null && r.refusal == null) {
            r.refusal = what;
        }
    }

    /**
     * Notes that the step sets or adds to t's gradient: the replays set it again. A gradient that was there before the
     * step (not zeroed) would be added to, which a replay cannot repeat.
     */
    static void gradient(Tensor t) {
        StepRecorder r = active();
        if (r == null) {
            return;
        }
        boolean ours = false;
        for (Tensor l : r.leaves) {
            ours |= l == t;
        }
        if (!ours) {
            if (t.grad != null && r.refusal == null) {
                r.refusal = "a gradient " + Shapes.str(t.shape) + " was not zeroed before the step, which adds to it";
            }
            r.leaves.add(t);
        }
    }

    /** The tensors whose gradient the step set. */
    Tensor[] leaves() {
        return leaves.toArray(Tensor[]::new);
    }

    /** Why the recording cannot be replayed, or null. */
    String refusal() {
        return refusal;
    }

    /** The recorded calls, in the order they ran. */
    Runnable[] commands() {
        return commands.toArray(Runnable[]::new);
    }

    /**
     * Refuses the recording if a call reads or writes a tensor whose memory an enclosing recycling scope lent: it goes
     * back to the pool when that scope closes, and a replay would use memory that others were given.
     */
    private void uses(Tensor... tensors) {
        for (Tensor t : tensors) {
            if (t != null && refusal == null && BufferPool.lentByEnclosingScope(t)) {
                refusal = "the step uses a tensor " + Shapes.str(t.shape) + " made in the enclosing Tensor.recycling()"
                        + " scope, whose memory goes back to the pool when that scope closes; make it inside the step"
                        + " or outside any scope";
            }
        }
    }

    /** Runs a call on the real backend now and keeps it for the replays. */
    private void run(Runnable call) {
        commands.add(call);
        inside++;
        try {
            call.run();
        } finally {
            inside--;
        }
    }

    @Override
    public String name() {
        return real.name();
    }

    @Override
    public int threads() {
        return real.threads();
    }

    @Override
    public void parallelFor(int n, long work, Backends.RangeBody body) {
        run(() -> real.parallelFor(n, work, body));
    }

    @Override
    public void gemm(double alpha, Tensor a, Tensor b, double beta, Tensor c) {
        uses(a, b, c);
        run(() -> real.gemm(alpha, a, b, beta, c));
    }

    @Override
    public void unary(UnaryOp op, double p, double q, Tensor x, Tensor out) {
        uses(x, out);
        run(() -> real.unary(op, p, q, x, out));
    }

    @Override
    public void binary(BinaryOp op, Tensor a, Tensor b, Tensor out) {
        uses(a, b, out);
        run(() -> real.binary(op, a, b, out));
    }

    @Override
    public void copy(Tensor src, Tensor dst) {
        uses(src, dst);
        run(() -> real.copy(src, dst));
    }

    @Override
    public void fill(Tensor out, double value) {
        uses(out);
        run(() -> real.fill(out, value));
    }

    @Override
    public void convert(Tensor src, Tensor dst) {
        uses(src, dst);
        run(() -> real.convert(src, dst));
    }

    @Override
    public void dropoutMask(Generator gen, double p, double keep, Tensor mask) {
        uses(mask);
        run(() -> real.dropoutMask(gen, p, keep, mask)); // a replay draws a new mask from gen, as the step would
    }

    @Override
    public void sum(Tensor x, int outer, int n, int inner, Tensor out) {
        uses(x, out);
        run(() -> real.sum(x, outer, n, inner, out));
    }

    @Override
    public void extreme(Tensor x, int outer, int n, int inner, boolean min, Tensor out, int[] arg) {
        uses(x, out);
        run(() -> real.extreme(x, outer, n, inner, min, out, arg));
    }

    @Override
    public void logSoftmax(Tensor x, int rows, int cols, Tensor out) {
        uses(x, out);
        run(() -> real.logSoftmax(x, rows, cols, out));
    }

    @Override
    public void axpby(double alpha, Tensor y, double beta, Tensor x) {
        uses(y, x);
        run(() -> real.axpby(alpha, y, beta, x));
    }

    @Override
    public void addcmul(Tensor y, double value, Tensor t1, Tensor t2) {
        uses(y, t1, t2);
        run(() -> real.addcmul(y, value, t1, t2));
    }

    @Override
    public void addcdiv(Tensor y, double value, Tensor t1, Tensor t2) {
        uses(y, t1, t2);
        run(() -> real.addcdiv(y, value, t1, t2));
    }

    @Override
    public void crossEntropy(Tensor x, Tensor target, int[] classes, Tensor logp, Tensor loss) {
        uses(x, target, logp, loss);
        run(() -> real.crossEntropy(x, target, classes, logp, loss));
    }

    @Override
    public void crossEntropyBackward(Tensor logp, int[] target, Tensor g, Tensor gx) {
        uses(logp, g, gx);
        run(() -> real.crossEntropyBackward(logp, target, g, gx));
    }

    @Override
    public void adam(Tensor p, Tensor g, Tensor m, Tensor v, double beta1, double beta2, double stepSize, double bc2Sqrt,
                     double eps) {
        uses(p, g, m, v);
        run(() -> real.adam(p, g, m, v, beta1, beta2, stepSize, bc2Sqrt, eps));
    }

    @Override
    public void momentum(Tensor p, Tensor g, Tensor buf, double momentum, double dampening, double lr) {
        uses(p, g, buf);
        run(() -> real.momentum(p, g, buf, momentum, dampening, lr));
    }

    @Override
    public double sumOfSquares(Tensor x) {
        hostWork("a sum of squares read back in Java");
        inside++;
        try {
            return real.sumOfSquares(x);
        } finally {
            inside--;
        }
    }

    @Override
    public void conv2d(Conv2dGeometry g, Tensor x, Tensor w, Tensor b, Tensor y) {
        uses(x, w, b, y);
        run(() -> real.conv2d(g, x, w, b, y));
    }

    @Override
    public void conv2dBackward(Conv2dGeometry g, Tensor x, Tensor w, Tensor gy, Tensor gx, Tensor gw, Tensor gb) {
        uses(x, w, gy, gx, gw, gb);
        run(() -> real.conv2dBackward(g, x, w, gy, gx, gw, gb));
    }

    @Override
    public void maxPool2d(Tensor x, int kernel, int stride, int padding, Tensor y, int[] arg) {
        uses(x, y);
        run(() -> real.maxPool2d(x, kernel, stride, padding, y, arg));
    }

    @Override
    public void maxPool2dBackward(Tensor gy, int[] arg, Tensor gx) {
        uses(gy, gx);
        run(() -> real.maxPool2dBackward(gy, arg, gx));
    }

    @Override
    public void avgPool2d(Tensor x, int kernel, int stride, int padding, Tensor y) {
        uses(x, y);
        run(() -> real.avgPool2d(x, kernel, stride, padding, y));
    }

    @Override
    public void avgPool2dBackward(Tensor gy, int kernel, int stride, int padding, Tensor gx) {
        uses(gy, gx);
        run(() -> real.avgPool2dBackward(gy, kernel, stride, padding, gx));
    }

    @Override
    public void adaptiveAvgPool2d(Tensor x, Tensor y) {
        uses(x, y);
        run(() -> real.adaptiveAvgPool2d(x, y));
    }

    @Override
    public void adaptiveAvgPool2dBackward(Tensor gy, Tensor gx) {
        uses(gy, gx);
        run(() -> real.adaptiveAvgPool2dBackward(gy, gx));
    }

    @Override
    public void batchNorm(Tensor x, Tensor weight, Tensor bias, Tensor runningMean, Tensor runningVar,
                          boolean batchStatistics, double momentum, double eps, double[] mean, double[] var,
                          double[] istd, double[] scale, double[] shift, Tensor y) {
        uses(x, weight, bias, runningMean, runningVar, y);
        run(() -> real.batchNorm(x, weight, bias, runningMean, runningVar, batchStatistics, momentum, eps, mean, var,
                istd, scale, shift, y));
    }

    @Override
    public void batchNormBackward(Tensor g, Tensor x, boolean batchStatistics, double[] mean, double[] istd,
                                  double[] scale, double[] sumG, double[] sumGX, Tensor gx, Tensor gw, Tensor gb) {
        uses(g, x, gx, gw, gb);
        run(() -> real.batchNormBackward(g, x, batchStatistics, mean, istd, scale, sumG, sumGX, gx, gw, gb));
    }
}
