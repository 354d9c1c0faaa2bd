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
 * @param gradNormSteps how many norms each of gradNormSums adds up ({@link GradientNorms#steps()}): step, except in
 *                     Spark's local SGD, where every partition's local steps count
 */
public record EpochProgress(int epoch, int step, double lossSum, long correct, int seen, Map<String, Double> gradNormSums,
                            double weightSum, int gradNormSteps) {
    public EpochProgress {
        gradNormSums = Collections.unmodifiableMap(new LinkedHashMap<>(gradNormSums));
    }

    /**
     * This progress as a run directory's config.json records it (state.epoch_in_progress, written by {@code jgrad train}
     * and jgrad-spark alike): epoch, step, loss_sum, correct, seen, weight_sum only where it is not seen (a class-weighted
     * loss's), grad_norm_sums, and grad_norm_steps only where it is not step (Spark's local SGD), a new map each call.
     */
    public Map<String, Object> toJson() {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("epoch", (long) epoch);
        p.put("step", (long) step);
        p.put("loss_sum", lossSum);
        p.put("correct", correct);
        p.put("seen", (long) seen);
        if (weightSum != seen) { // other runs' config.json stay as they were before class weights
            p.put("weight_sum", weightSum);
        }
        p.put("grad_norm_sums", new LinkedHashMap<String, Object>(gradNormSums));
        if (gradNormSteps != step) {
            p.put("grad_norm_steps", (long) gradNormSteps);
        }
        return p;
    }

    /** Progress whose norms were summed once per step: gradNormSteps is step. */
    public EpochProgress(int epoch, int step, double lossSum, long correct, int seen, Map<String, Double> gradNormSums,
                         double weightSum) {
        this(epoch, step, lossSum, correct, seen, gradNormSums, weightSum, step);
    }

    /** Progress of a loss that weighs every sample 1: weightSum is seen. */
    public EpochProgress(int epoch, int step, double lossSum, long correct, int seen, Map<String, Double> gradNormSums) {
        this(epoch, step, lossSum, correct, seen, gradNormSums, seen, step);
    }
}
