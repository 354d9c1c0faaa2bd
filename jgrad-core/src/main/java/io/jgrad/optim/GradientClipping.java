package io.jgrad.optim;

import io.jgrad.tensor.Tensor;
import java.util.List;

/** Rescaling of gradients before an optimizer step, as {@code torch.nn.utils.clip_grad_norm_}. */
public final class GradientClipping {
    private GradientClipping() {}

    /**
     * Checks a limit for {@link #clipGradNorm} given to a trainer, where 0 means no clipping: finite and &gt;= 0 (a
     * typo's NaN or -1 would otherwise turn clipping off without a word).
     *
     * @param caller names the setter in the message, e.g. {@code "Trainer.clipGradNorm"}
     * @return maxNorm
     * @throws IllegalArgumentException if maxNorm is negative, infinite or NaN
     */
    public static double checkMaxNorm(String caller, double maxNorm) {
        if (!(maxNorm >= 0 && maxNorm < Double.POSITIVE_INFINITY)) {
            throw new IllegalArgumentException(caller + ": maxNorm must be a finite number >= 0 (0 turns clipping off), got "
                    + maxNorm);
        }
        return maxNorm;
    }

    /**
     * Scales all gradients together so that their total L2 norm ||g|| = sqrt(sum over params of sum g_i^2)
     * is at most {@code maxNorm}: when maxNorm / (||g|| + 1e-6) &lt; 1, every gradient is multiplied by it.
     * ||g|| is computed as PyTorch does, as the norm of the per-parameter norms, each accumulated in double. Parameters without a gradient are skipped. A non-finite norm leaves
     * the gradients unchanged (check the returned value to skip such a step).
     * Modified: the parameters' gradients.
     *
     * @return the total norm before clipping
     */
    public static double clipGradNorm(List<Tensor> params, double maxNorm) {
        checkArguments(params, maxNorm);
        // PyTorch's way: the norm of the parameters' norms, each summed in double without a copy of its gradient
        double sumSq = 0;
        for (int i = 0; i < params.size(); i++) {
            Tensor g = params.get(i).grad();
            if (g != null) {
                double norm = g.l2Norm();
                sumSq += norm * norm;
            }
        }
        double total = Math.sqrt(sumSq);
        scale(params, maxNorm, total);
        return total;
    }

    /**
     * {@link #clipGradNorm} for a caller that already has the gradients' total norm, e.g. a trainer that has taken
     * each parameter's norm for its metrics ({@link io.jgrad.train.GradientNorms#lastTotal()}): the same scaling,
     * without reading every gradient again. Modified: the parameters' gradients.
     *
     * @param totalNorm sqrt(sum over params of ||g_p||^2), as clipGradNorm computes it
     */
    public static void clipToNorm(List<Tensor> params, double maxNorm, double totalNorm) {
        checkArguments(params, maxNorm);
        scale(params, maxNorm, totalNorm);
    }

    private static void checkArguments(List<Tensor> params, double maxNorm) {
        if (!(maxNorm >= 0)) {
            throw new IllegalArgumentException("clipGradNorm: maxNorm = " + maxNorm + " is invalid; it must be >= 0");
        }
        if (params == null) {
            throw new IllegalArgumentException("clipGradNorm: params is null");
        }
        // by index here and in scale: trainers call this every step, and a list's iterator was an allocation each time
        // (JFR); get(i) on a linked list is slower, but over a model's few parameter tensors
        for (int i = 0; i < params.size(); i++) {
            if (params.get(i) == null) {
                throw new IllegalArgumentException("clipGradNorm: params[" + i + "] is null");
            }
        }
    }

    /** Multiplies every gradient by maxNorm / (total + 1e-6) where that is below 1 and total is finite. */
    private static void scale(List<Tensor> params, double maxNorm, double total) {
        double scale = maxNorm / (total + 1e-6);
        if (Double.isFinite(total) && scale < 1) {
            try (var scope = Tensor.noGrad()) {
                for (int i = 0; i < params.size(); i++) {
                    Tensor p = params.get(i);
                    Tensor g = p.grad();
                    if (g != null) {
                        p.setGrad(g.isContiguous() ? g.mul_(scale) : g.mul(scale));
                    }
                }
            }
        }
    }
}
