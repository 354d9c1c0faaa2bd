package io.jgrad.train;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ProgressBarTest {
    private static EpochMetrics epoch(int n, double loss, double valLoss, double valAcc) {
        return new EpochMetrics(n, loss, 0.75, valLoss, valAcc, 0.001, 1.5, Map.of(), Map.of());
    }

    /** Drives one fit of {@code epochs} epochs of {@code steps} batches of 10 samples (loss 1/step) through the bar. */
    private static String drive(boolean terminal, int epochs, int steps) throws InterruptedException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ProgressBar bar = new ProgressBar(new PrintStream(bytes, true, StandardCharsets.UTF_8), terminal);
        bar.onTrainStart(1, epochs, steps);
        History h = new History();
        for (int e = 1; e <= epochs; e++) {
            for (int s = 1; s <= steps; s++) {
                bar.onBatchEnd(e, s, steps, 1.0 / s, 10);
                if (s == 1) {
                    Thread.sleep(ProgressBar.REDRAW_NANOS / 1_000_000 + 5); // so that the next step redraws
                }
            }
            EpochMetrics m = epoch(e, 0.5 / e, 0.6 / e, 0.9);
            h.add(m);
            bar.onEpochEnd(m);
        }
        h.stopReason("completed " + epochs + " epochs");
        bar.onTrainEnd(h);
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void plainLinesWhenNotATerminal() throws Exception {
        String out = drive(false, 2, 4);
        assertFalse(out.contains("\r") || out.contains("\033"), "control characters in plain output: " + out);
        String[] lines = out.split("\n");
        assertEquals(3, lines.length, out);
        assertTrue(lines[0].startsWith("epoch 1/2  loss 0.5000  acc 0.7500  val_loss 0.6000  val_acc 0.9000"), lines[0]);
        assertTrue(lines[1].startsWith("epoch 2/2  loss 0.2500"), lines[1]);
        assertEquals("completed 2 epochs", lines[2]);
    }

    @Test
    void heldOutMetricsCanBeNamedForATestSet() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ProgressBar bar = new ProgressBar(new PrintStream(bytes, true, StandardCharsets.UTF_8), false).heldOutName("test");
        bar.onTrainStart(1, 1, 1);
        bar.onEpochEnd(epoch(1, 0.5, 0.6, 0.9));
        assertTrue(bytes.toString(StandardCharsets.UTF_8).startsWith("epoch 1/1  loss 0.5000  acc 0.7500  test_loss 0.6000  test_acc 0.9000  lr "),
                bytes.toString(StandardCharsets.UTF_8));
        var e = assertThrows(IllegalArgumentException.class, () -> bar.heldOutName("val loss"));
        assertTrue(e.getMessage().contains("\"val loss\""), e.getMessage());
    }

    @Test
    void barWithRateAndEtaOnATerminal() throws Exception {
        String out = drive(true, 1, 4);
        // redraws start with a carriage return and clear the line
        String[] draws = out.split("\r\033\\[K");
        String last = null;
        for (String d : draws) {
            if (d.startsWith("epoch 1/1 [")) {
                last = d;
            }
        }
        assertNotNull(last, "no bar drawn: " + out);
        // after the last step: full bar, 4/4, mean loss over 40 samples = (1 + 1/2 + 1/3 + 1/4) / 4, ETA 0:00
        assertTrue(last.startsWith("epoch 1/1 [########################] 4/4  loss "
                + String.format("%.4f", (1 + 0.5 + 1.0 / 3 + 0.25) / 4)), last);
        assertTrue(last.matches("(?s).* [0-9,]+ samples/s  ETA 0:00$"), last);
        // a partial bar was drawn after step 2 with the time left in the epoch
        assertTrue(out.contains("[############------------] 2/4"), out);
        // the epoch summary replaces the bar on its own line
        assertTrue(out.contains("\r\033[Kepoch 1/1  loss 0.5000"), out);
    }

    @Test
    void theFirstFrameShowsNoRateBeforeOneIsMeasured() throws Exception {
        // the clock starts when step 1 ends, so its frame has no time measured: it said "0 samples/s  ETA 0:00"
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ProgressBar bar = new ProgressBar(new PrintStream(bytes, true, StandardCharsets.UTF_8), true);
        bar.onTrainStart(1, 1, 100);
        bar.onEpochStart(1);
        bar.onBatchEnd(1, 1, 100, 0.5, 10);
        String first = bytes.toString(StandardCharsets.UTF_8);
        assertTrue(first.endsWith("1/100  loss 0.5000  -- samples/s  ETA --"), first);
        Thread.sleep(ProgressBar.REDRAW_NANOS / 1_000_000 + 5);
        bar.onBatchEnd(1, 2, 100, 0.5, 10);
        String second = bytes.toString(StandardCharsets.UTF_8).substring(first.length());
        assertTrue(second.matches("(?s).*2/100  loss 0\\.5000  [0-9,]+ samples/s  ETA \\d+:\\d\\d$"), second);
    }

    @Test
    void theRateAndTimeLeftCountOnlyTheStepsTimed() throws Exception {
        // the clock starts when step 1 ends, but step 1's samples and step were counted with the time after it: at step 2
        // the rate was two batches over one step's time, twice the real one, and the time left half of it
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ProgressBar bar = new ProgressBar(new PrintStream(bytes, true, StandardCharsets.UTF_8), true);
        bar.onTrainStart(1, 1, 100);
        bar.onEpochStart(1);
        bar.onBatchEnd(1, 1, 100, 0.5, 10);
        Thread.sleep(300);
        bar.onBatchEnd(1, 2, 100, 0.5, 10);
        String out = bytes.toString(StandardCharsets.UTF_8);
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("2/100  loss 0\\.5000  ([0-9,]+) samples/s  ETA (\\d+):(\\d\\d)").matcher(out);
        assertTrue(m.find(), out);
        // step 2 took at least 0.3 s for its 10 samples: at most 33 samples/s, and 98 more such steps at least 29 s
        assertTrue(Long.parseLong(m.group(1).replace(",", "")) <= 10 / 0.3, out);
        assertTrue(Integer.parseInt(m.group(2)) * 60 + Integer.parseInt(m.group(3)) >= 29, out);
    }

    @Test
    void aFailureEndsTheBarsLine() {
        // the error after a failed fit was written at the end of the bar's line ("...ETA 0:03jgrad train: training
        // diverged"); the bar's line is now ended first, and kept: where it stopped is worth seeing
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ProgressBar bar = new ProgressBar(new PrintStream(bytes, true, StandardCharsets.UTF_8), true);
        bar.onTrainStart(1, 1, 4);
        bar.onEpochStart(1);
        bar.onBatchEnd(1, 1, 4, 0.5, 10);
        bar.onTrainFailed(new IllegalStateException("x"));
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertTrue(out.endsWith("ETA --\n"), out);
        bar.onTrainFailed(new IllegalStateException("again"));
        assertEquals(out, bytes.toString(StandardCharsets.UTF_8), "one line end, not an empty line per call");
        ByteArrayOutputStream epochs = new ByteArrayOutputStream();
        ProgressBar ended = new ProgressBar(new PrintStream(epochs, true, StandardCharsets.UTF_8), true);
        ended.onTrainStart(1, 1, 1);
        ended.onEpochStart(1);
        ended.onBatchEnd(1, 1, 1, 0.5, 10);
        ended.onEpochEnd(new EpochMetrics(1, 0.5, Double.NaN, Double.NaN, Double.NaN, 0.1, 1.0, java.util.Map.of(), java.util.Map.of()));
        String before = epochs.toString(StandardCharsets.UTF_8);
        ended.onTrainFailed(new IllegalStateException("after the epoch's line"));
        assertEquals(before, epochs.toString(StandardCharsets.UTF_8), "the epoch's line was ended already");
    }

    @Test
    void stepsReportedInRoundsAreTimedByTheirNumbers() throws Exception {
        // Spark's local SGD reports once per round of K steps (here 3): each report counted as one step, so the time left
        // was K times too long (at step 6 of 30, 24 steps of about 0.1 s each were shown as 24 rounds of 0.3 s)
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ProgressBar bar = new ProgressBar(new PrintStream(bytes, true, StandardCharsets.UTF_8), true);
        bar.onTrainStart(1, 1, 30);
        bar.onEpochStart(1);
        Thread.sleep(300);
        bar.onBatchEnd(1, 3, 30, 0.5, 192);
        Thread.sleep(300);
        bar.onBatchEnd(1, 6, 30, 0.5, 192);
        String out = bytes.toString(StandardCharsets.UTF_8);
        long[] frame = rateAndEtaSeconds(out, "6/30");
        // 3 steps in at least 0.3 s, 24 left: at least 2 s; K times too long would be at least 7 s (at most 5 s here, on a
        // machine that sleeps up to 0.6 s for 0.3)
        assertTrue(frame[1] >= 2 && frame[1] <= 5, out);
        assertTrue(frame[0] <= 192 / 0.3, out);
    }

    @Test
    void theFirstFrameOfAnEpochReportedInRoundsCountsTheRoundsSteps() throws Exception {
        // Spark's local SGD reports step 3 first, after a round of 3 steps from the epoch's step 1: that frame was timed
        // as one step, so it showed 3 times the time left (27 steps of 0.3 s: 8 s or more, for 27 of 0.1 s)
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ProgressBar bar = new ProgressBar(new PrintStream(bytes, true, StandardCharsets.UTF_8), true);
        bar.onTrainStart(1, 1, 30);
        bar.onEpochStart(1);
        Thread.sleep(300);
        bar.onBatchEnd(1, 3, 30, 0.5, 192);
        String out = bytes.toString(StandardCharsets.UTF_8);
        long[] frame = rateAndEtaSeconds(out, "3/30");
        // 3 steps in at least 0.3 s, 27 left: at least 2.7 s, at most 5.4 s on a machine that sleeps up to 0.6 s for 0.3
        assertTrue(frame[1] >= 2 && frame[1] <= 6, out);
        assertTrue(frame[0] <= 192 / 0.3, out);
    }

    /**
     * The samples per second and the seconds left of the frame for {@code step} ("6/30") of a bar whose loss is 0.5,
     * asserted to be in {@code out}.
     */
    private static long[] rateAndEtaSeconds(String out, String step) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile(java.util.regex.Pattern.quote(step)
                + "  loss 0\\.5000  ([0-9,]+) samples/s  ETA (\\d+):(\\d\\d)").matcher(out);
        assertTrue(m.find(), out);
        return new long[] {Long.parseLong(m.group(1).replace(",", "")),
                Integer.parseInt(m.group(2)) * 60L + Integer.parseInt(m.group(3))};
    }

    @Test
    void anEpochResumedMidWayIsTimedFromItsStart() throws Exception {
        // resumed from a checkpoint after step 2 of 4: the first batch this run sees is step 3. Its rate and time left
        // used to be measured from a start never set (0 ns), which gave about 0 samples/s and hours left
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ProgressBar bar = new ProgressBar(new PrintStream(bytes, true, StandardCharsets.UTF_8), true);
        bar.onTrainStart(1, 1, 4);
        bar.onEpochStart(1, 3);
        Thread.sleep(ProgressBar.REDRAW_NANOS / 1_000_000 + 5);
        bar.onBatchEnd(1, 3, 4, 0.5, 10);
        String out = bytes.toString(StandardCharsets.UTF_8);
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("3/4  loss 0\\.5000  ([0-9,]+) samples/s  ETA (\\S+)").matcher(out);
        assertTrue(m.find(), out);
        assertTrue(Long.parseLong(m.group(1).replace(",", "")) >= 1, "10 samples in about 0.1 s: " + out);
        assertEquals("0:00", m.group(2), out); // one step left, as long as the one step taken

        // the first frame of a resumed epoch covers the one step from firstStep, not every step from 1: after the
        // checkpoint of step 2 of 30, step 3 took at least 0.3 s, so 27 more take at least 8 s (not 2.7 s, a third)
        ByteArrayOutputStream later = new ByteArrayOutputStream();
        ProgressBar resumed = new ProgressBar(new PrintStream(later, true, StandardCharsets.UTF_8), true);
        resumed.onTrainStart(1, 1, 30);
        resumed.onEpochStart(1, 3);
        Thread.sleep(300);
        resumed.onBatchEnd(1, 3, 30, 0.5, 10);
        String text = later.toString(StandardCharsets.UTF_8);
        java.util.regex.Matcher eta = java.util.regex.Pattern.compile("3/30  loss 0\\.5000  [0-9,]+ samples/s  ETA (\\d+):(\\d\\d)")
                .matcher(text);
        assertTrue(eta.find(), text);
        assertTrue(Integer.parseInt(eta.group(1)) * 60 + Integer.parseInt(eta.group(2)) >= 8, text);
    }

    @Test
    void theFirstFrameOfAResumedEpochLeavesOutTheBatchesItSkipped() throws Exception {
        // resumed after step 2 of 30: between onEpochStart and step 3's start the trainer draws and skips the 2 batches
        // trained before (here 2 s). The first frame counted them as the time of step 3: 10 samples in over 2 s and
        // 27 steps left at over 2 s each, 54 s or more, for a step of 0.1 s
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ProgressBar bar = new ProgressBar(new PrintStream(bytes, true, StandardCharsets.UTF_8), true);
        bar.onTrainStart(1, 1, 30);
        bar.onEpochStart(1, 3);
        Thread.sleep(2000);
        bar.onBatchStart(1, 3);
        Thread.sleep(100);
        bar.onBatchEnd(1, 3, 30, 0.5, 10);
        String out = bytes.toString(StandardCharsets.UTF_8);
        long[] frame = rateAndEtaSeconds(out, "3/30");
        // timed from step 3's start: at least 0.1 s, so at most 100 samples/s and at least 2.7 s left; the skipping
        // counted would be over 2 s, 5 samples/s or less and 54 s or more
        assertTrue(frame[0] > 5 && frame[0] <= 100, out);
        assertTrue(frame[1] >= 2 && frame[1] < 54, out);
    }

    @Test
    void lossesFarFromOneKeepFourSignificantDigits() {
        // a diverging run printed "loss 1401531532200236000000.0000"; one trained to --target-loss 0.0001, "loss 0.0000"
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ProgressBar bar = new ProgressBar(new PrintStream(bytes, true, StandardCharsets.UTF_8), false);
        bar.onTrainStart(1, 3, 1);
        bar.onEpochEnd(epoch(1, 1.401531532200236e21, 1.8085069035453458e18, 0.1));
        bar.onEpochEnd(epoch(2, 9.5e-4, 0.1234, 0.9));
        bar.onEpochEnd(epoch(3, 0, 99999.0, 0.9));
        String[] lines = bytes.toString(StandardCharsets.UTF_8).split("\n");
        assertTrue(lines[0].startsWith("epoch 1/3  loss 1.402e+21  acc 0.7500  val_loss 1.809e+18  val_acc 0.1000"), lines[0]);
        assertTrue(lines[1].startsWith("epoch 2/3  loss 9.500e-04  acc 0.7500  val_loss 0.1234"), lines[1]);
        assertTrue(lines[2].startsWith("epoch 3/3  loss 0.0000  acc 0.7500  val_loss 99999.0000"), lines[2]);
        assertEquals("NaN", ProgressBar.loss(Double.NaN));
    }

    /** Trains a 3-input, 2-class linear model on 8 fixed samples for {@code epochs} epochs, SGD lr 0.1. */
    private static History fitLinear(int epochs, double targetLoss) {
        return fitLinear(epochs, targetLoss, null);
    }

    /** As {@link #fitLinear(int, double)}, with {@code callback} (null: none). */
    private static History fitLinear(int epochs, double targetLoss, Callback callback) {
        io.jgrad.tensor.Generator gen = new io.jgrad.tensor.Generator(1);
        io.jgrad.nn.Linear model = new io.jgrad.nn.Linear(3, 2, true, gen);
        io.jgrad.data.DataLoader data = new io.jgrad.data.DataLoader(new io.jgrad.data.TensorDataset(
                io.jgrad.tensor.Tensor.randn(gen, 8, 3), io.jgrad.tensor.Tensor.of(new float[] {0, 1, 0, 1, 1, 0, 0, 1}), 2),
                8, false, false, null);
        Trainer trainer = new Trainer(model, new io.jgrad.nn.CrossEntropyLoss(), new io.jgrad.optim.SGD(model.parameters(), 0.1),
                Task.CLASSIFICATION).epochs(epochs).targetLoss(targetLoss);
        if (callback != null) {
            trainer.callback(callback);
        }
        return trainer.fit(data, null);
    }

    @Test
    void targetLossStopSaysTheTargetAsGiven() {
        History h = fitLinear(3, 100);
        // it read "reached target loss 100.000 at epoch 1 (loss 0.775412)": the target reformatted, the loss unlike the epoch line's
        assertEquals("reached target loss 100 at epoch 1 (loss " + ProgressBar.loss(h.epochs().getFirst().trainLoss()) + ")",
                h.stopReason());
        assertTrue(h.stopReason().matches("reached target loss 100 at epoch 1 \\(loss \\d\\.\\d{4}\\)"), h.stopReason());
    }

    /**
     * A run that uses up its epochs without reaching its target loss says so: it read "completed 3 epochs" alone, as if
     * no target had been given. Without a target the reason stays as it was.
     */
    @Test
    void aTargetLossNotReachedIsSaid() {
        History h = fitLinear(3, 0.001);
        assertEquals("completed 3 epochs without reaching the target loss 0.001 (the last epoch's loss "
                + ProgressBar.loss(h.epochs().getLast().trainLoss()) + ")", h.stopReason());
        History plain = fitLinear(2, Double.NEGATIVE_INFINITY); // the default: no target
        assertEquals("completed 2 epochs", plain.stopReason());
        // a run that something else stopped at its last epoch keeps that reason alone: it read "stopped by a callback
        // after epoch 3 without reaching the target loss ..."
        History stopped = fitLinear(3, 0.001, new Callback() {
            @Override
            public boolean onEpochEnd(EpochMetrics m) {
                return m.epoch() == 3;
            }
        });
        assertEquals("stopped by a callback after epoch 3", stopped.stopReason());
    }

    @Test
    void clockFormatsMinutesAndHours() {
        assertEquals("0:05", ProgressBar.clock(5));
        assertEquals("2:03", ProgressBar.clock(123));
        assertEquals("1:00:01", ProgressBar.clock(3601));
    }
}
