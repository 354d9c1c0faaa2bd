package io.jgrad.train;

import java.io.PrintStream;

/**
 * Shows training progress. On a terminal: a bar redrawn in place with the running loss, the rate in samples
 * per second and the time left in the epoch. Otherwise (a file, a pipe, CI): one plain line per epoch.
 */
public final class ProgressBar implements Callback {
    /** Redraws at most this often, so that drawing never costs training time. */
    static final long REDRAW_NANOS = 100_000_000L;
    private static final int WIDTH = 24;

    private final PrintStream out;
    private final boolean terminal;
    private String heldOut = "val";
    private int lastEpoch;
    private long epochStart;
    private long lastDraw;
    private int samples;
    private double lossSum;
    // the samples of the steps that ended after epochStart: the rate and the time left are measured on these alone
    private int timedSamples;
    // the step at epochStart, -1 when the clock started with the epoch and the first report is still to come: a report
    // may cover several steps (Spark's rounds of local steps), so the steps timed are counted by their numbers
    private int clockStep = -1;
    // the first step this run takes in the epoch (onEpochStart's): the first report covers the steps from it
    private int firstStep = 1;
    // a bar is drawn on the current line (a terminal's), which the epoch's line replaces
    private boolean barShown;

    /** A progress display on {@code out}; {@code terminal} chooses the redrawn bar over plain lines. */
    public ProgressBar(PrintStream out, boolean terminal) {
        this.out = out;
        this.terminal = terminal;
    }

    /**
     * Names the held-out metrics in the epoch lines: "val" (the default, as Keras: val_loss, val_acc), or "test" when
     * the data evaluated after each epoch is a test set (test_loss, test_acc). Returns this.
     */
    public ProgressBar heldOutName(String name) {
        if (!name.matches("[a-z]+")) {
            throw new IllegalArgumentException("ProgressBar.heldOutName: expected a lower-case word such as val or test, got \"" + name + "\"");
        }
        this.heldOut = name;
        return this;
    }

    /** Progress on standard error, as a bar when it is a terminal. */
    public static ProgressBar onStandardError() {
        java.io.Console console = System.console();
        return new ProgressBar(System.err, console != null && console.isTerminal());
    }

    @Override
    public void onTrainStart(int firstEpoch, int lastEpoch, int stepsPerEpoch) {
        this.lastEpoch = lastEpoch;
    }

    /** As {@link #onEpochStart(int, int)} for an epoch whose first step is 1. */
    @Override
    public void onEpochStart(int epoch) {
        onEpochStart(epoch, 1);
    }

    /**
     * Starts the epoch's clock and sums here, not at step 1: an epoch resumed from a mid-epoch checkpoint begins at a
     * later step, and timed from a stale start its rate and time left were nonsense. {@code firstStep} says how many
     * steps the epoch's first report covers: from firstStep to its step (a Spark round's K, a resumed epoch's one).
     */
    @Override
    public void onEpochStart(int epoch, int firstStep) {
        this.firstStep = firstStep;
        restart(System.nanoTime());
    }

    /**
     * Restarts the clock of an epoch resumed mid-way at its first step's start: between onEpochStart and here the
     * trainer drew and skipped the batches trained before the checkpoint, which are not this run's steps. A trainer
     * that does not call this (one that never resumes mid-way) is timed from onEpochStart, as before.
     */
    @Override
    public void onBatchStart(int epoch, int step) {
        if (clockStep < 0 && step == firstStep && step > 1) {
            epochStart = System.nanoTime();
        }
    }

    private void restart(long now) {
        clockStep = -1;
        epochStart = now;
        samples = 0;
        lossSum = 0;
        timedSamples = 0;
        lastDraw = 0;
    }

    @Override
    public void onBatchEnd(int epoch, int step, int stepsPerEpoch, double loss, int batchSize) {
        long now = System.nanoTime();
        double secs; // this frame's clock, and the steps and samples it timed
        int steps, stepsSamples;
        if (step == 1) {
            restart(now);
            clockStep = 1;
            secs = 0;
            steps = 0;
            stepsSamples = 0;
        } else if (clockStep < 0) {
            // the first report of an epoch that did not start at step 1 (resumed mid-way), or of one reported in rounds:
            // this frame is timed from the epoch's start (a resumed one's: its first step's, onBatchStart) over the steps
            // since firstStep, the next ones from here by their step numbers. Counted as one step, the first frame of a
            // round of K showed K times the time left
            secs = (now - epochStart) / 1e9;
            steps = Math.max(1, step - firstStep + 1);
            stepsSamples = batchSize;
            epochStart = now;
            clockStep = step;
            timedSamples = 0;
        } else {
            timedSamples += batchSize;
            secs = (now - epochStart) / 1e9;
            steps = step - clockStep;
            stepsSamples = timedSamples;
        }
        samples += batchSize;
        lossSum += loss * batchSize;
        if (!terminal || (now - lastDraw < REDRAW_NANOS && step != stepsPerEpoch)) {
            return;
        }
        lastDraw = now;
        // the clock starts at the end of step 1, so its frame has no time measured yet: "--", not "0 samples/s ETA 0:00"
        // step 1 ends when the clock starts, so it is not in the rate: counted, it doubled the rate at step 2
        boolean timed = secs > 0 && steps > 0;
        String rate = timed ? String.format("%,.0f", stepsSamples / secs) : "--";
        String eta = timed ? clock(secs / steps * (stepsPerEpoch - step)) : "--"; // from the steps this run took
        int filled = stepsPerEpoch == 0 ? WIDTH : (int) ((long) WIDTH * step / stepsPerEpoch);
        out.print("\r\033[K" + String.format("epoch %d/%d [%s%s] %d/%d  loss %s  %s samples/s  ETA %s",
                epoch, lastEpoch, "#".repeat(filled), "-".repeat(WIDTH - filled), step, stepsPerEpoch,
                loss(lossSum / Math.max(samples, 1)), rate, eta));
        out.flush();
        barShown = true;
    }

    /**
     * Ends the bar's line, kept as it was when training failed: the error that follows (on the same terminal) would
     * otherwise be written at the end of it.
     */
    @Override
    public void onTrainFailed(Throwable failure) {
        if (barShown) {
            out.println();
            out.flush();
            barShown = false;
        }
    }

    @Override
    public boolean onEpochEnd(EpochMetrics m) {
        StringBuilder line = new StringBuilder(String.format("epoch %d/%d  loss %s", m.epoch(), lastEpoch, loss(m.trainLoss())));
        if (!Double.isNaN(m.trainAccuracy())) {
            line.append(String.format("  acc %.4f", m.trainAccuracy()));
        }
        if (m.hasValidation()) {
            line.append("  ").append(heldOut).append("_loss ").append(loss(m.valLoss()));
            if (!Double.isNaN(m.valAccuracy())) {
                line.append(String.format("  %s_acc %.4f", heldOut, m.valAccuracy()));
            }
        }
        line.append(String.format("  lr %.3g  %.1fs", m.learningRate(), m.seconds()));
        out.println((terminal ? "\r\033[K" : "") + line);
        barShown = false;
        out.flush();
        return false;
    }

    @Override
    public void onTrainEnd(History history) {
        out.println(history.stopReason());
    }

    /**
     * A loss as these lines show it: four decimals from 0.001 up to 100,000 (and for 0, NaN and infinities), else
     * four significant digits with an exponent ("1.402e+21", "9.500e-04"). With four decimals alone a diverging run
     * printed "1401531532200236000000.0000" and a run trained to --target-loss 0.0001 printed "0.0000" every epoch.
     * Public so that jgrad's other console lines and its report write losses the same way.
     */
    public static String loss(double v) {
        double a = Math.abs(v);
        return a == 0 || !Double.isFinite(v) || (a >= 1e-3 && a < 1e5) ? String.format("%.4f", v) : String.format("%.3e", v);
    }

    static String clock(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format("%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String.format("%d:%02d", s / 60, s % 60);
    }
}
