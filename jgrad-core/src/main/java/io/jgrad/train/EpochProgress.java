package io.jgrad.train;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How far the running epoch has got: the last finished step and the sums the epoch's metrics are made of.
 * A mid-epoch checkpoint saves it; {@link Trainer#resumeFrom} continues from it, so that a resumed run takes
 * the same steps and reports the same epoch metrics as one that never stopped.
 *
 * @param epoch        the epoch, from 1
 * @param step         steps of this epoch already taken
 * @param lossSum      sum over the samples seen of the per-sample loss (a mean batch loss times the batch size)
 * @param correct      correctly classified samples so far
 * @param seen         samples seen so far
 * @param gradNormSums per parameter, the sum over the steps so far of its gradient's L2 norm
 * @param weightSum    the sum of the batches' {@link io.jgrad.nn.Loss#batchWeight} so far, lossSum's denominator: seen,
 *                     unless the loss weighs its samples (class weights)
 */
public record EpochProgress(int epoch, int step, double lossSum, long correct, int seen, Map<String, Double> gradNormSums,
                            double weightSum) {
    public EpochProgress {
        gradNormSums = Collections.unmodifiableMap(new LinkedHashMap<>(gradNormSums));
    }

    /** Progress of a loss that weighs every sample 1: weightSum is seen. */
    public EpochProgress(int epoch, int step, double lossSum, long correct, int seen, Map<String, Double> gradNormSums) {
        this(epoch, step, lossSum, correct, seen, gradNormSums, seen);
    }
}
