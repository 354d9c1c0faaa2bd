package io.jgrad.optim;

import io.jgrad.tensor.Tensor;
import java.util.List;
import java.util.Map;

/**
 * Adam (Kingma and Ba, "Adam: A Method for Stochastic Optimization", ICLR 2015), exactly as PyTorch 1.13's
 * {@code torch.optim.Adam} (weight decay is an L2 penalty added to the gradient). At step t:
 * <pre>
 *   g = grad + weightDecay * p
 *   m = beta1 * m + (1 - beta1) * g
 *   v = beta2 * v + (1 - beta2) * g * g
 *   vmax = max(vmax, v)                                   (amsgrad, Reddi et al. 2018; then v := vmax below)
 *   p = p - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
 * </pre>
 * State per parameter: {@code step}, {@code exp_avg} (m), {@code exp_avg_sq} (v), and {@code max_exp_avg_sq}
 * with amsgrad.
 */
public final class Adam extends Optimizer {
    private final double beta1;
    private final double beta2;
    private final double eps;
    private final double weightDecay;
    private final boolean amsgrad;

    /** Adam with PyTorch's defaults: lr 1e-3, betas (0.9, 0.999), eps 1e-8, no weight decay. */
    public Adam(List<Tensor> params) {
        this(params, 1e-3);
    }

    /** Adam with the given learning rate and PyTorch's other defaults. */
    public Adam(List<Tensor> params, double lr) {
        this(params, lr, 0.9, 0.999, 1e-8, 0, false);
    }

    /** Adam with every option of the class comment's update. */
    public Adam(List<Tensor> params, double lr, double beta1, double beta2, double eps, double weightDecay, boolean amsgrad) {
        this(NamedParams.of(params), lr, beta1, beta2, eps, weightDecay, amsgrad);
    }

    /** Adam over named parameters with the given learning rate and PyTorch's other defaults. */
    public Adam(Map<String, Tensor> params, double lr) {
        this(params, lr, 0.9, 0.999, 1e-8, 0, false);
    }

    /** Adam over named parameters with every option. */
    public Adam(Map<String, Tensor> params, double lr, double beta1, double beta2, double eps, double weightDecay,
            boolean amsgrad) {
        this(NamedParams.of(params), lr, beta1, beta2, eps, weightDecay, amsgrad);
    }

    private Adam(NamedParams params, double lr, double beta1, double beta2, double eps, double weightDecay, boolean amsgrad) {
        super(params, lr);
        AdamMoments.validate("Adam", beta1, beta2, eps, weightDecay);
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
        this.amsgrad = amsgrad;
    }

    @Override
    protected List<String> stateNames() {
        return AdamMoments.stateNames(amsgrad);
    }

    @Override
    boolean makesTemporaries() {
        return weightDecay != 0 || amsgrad; // grad + weightDecay * p; max(vmax, v) and the denominator
    }

    @Override
    protected void update(Tensor param, Tensor grad, Map<String, Tensor> state) {
        AdamMoments.step(param, withWeightDecay(grad, param, weightDecay), state, lr(), beta1, beta2, eps, amsgrad);
    }

    @Override
    protected Map<String, Double> options() {
        return AdamMoments.options(beta1, beta2, eps, weightDecay, amsgrad);
    }

    @Override
    protected Map<String, String> settings() {
        return AdamMoments.settings(beta1, beta2, eps, weightDecay, amsgrad);
    }
}
