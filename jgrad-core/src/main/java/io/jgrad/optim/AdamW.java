package io.jgrad.optim;

import io.jgrad.tensor.Tensor;
import java.util.List;
import java.util.Map;

/**
 * AdamW: Adam with decoupled weight decay (Loshchilov and Hutter, "Decoupled Weight Decay Regularization",
 * ICLR 2019), exactly as PyTorch 1.13's {@code torch.optim.AdamW}. At step t:
 * <pre>
 *   p = p * (1 - lr * weightDecay)
 *   m = beta1 * m + (1 - beta1) * grad
 *   v = beta2 * v + (1 - beta2) * grad * grad
 *   vmax = max(vmax, v)                                   (amsgrad; then v := vmax below)
 *   p = p - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
 * </pre>
 * State per parameter: as {@link Adam}.
 */
public final class AdamW extends Optimizer {
    private final double beta1;
    private final double beta2;
    private final double eps;
    private final double weightDecay;
    private final boolean amsgrad;

    /** AdamW with PyTorch's defaults: lr 1e-3, betas (0.9, 0.999), eps 1e-8, weight decay 1e-2. */
    public AdamW(List<Tensor> params) {
        this(params, 1e-3);
    }

    /** AdamW with the given learning rate and PyTorch's other defaults (weight decay 1e-2). */
    public AdamW(List<Tensor> params, double lr) {
        this(params, lr, 0.9, 0.999, 1e-8, 1e-2, false);
    }

    /** AdamW with every option of the class comment's update. */
    public AdamW(List<Tensor> params, double lr, double beta1, double beta2, double eps, double weightDecay, boolean amsgrad) {
        this(NamedParams.of(params), lr, beta1, beta2, eps, weightDecay, amsgrad);
    }

    /** AdamW over named parameters with the given learning rate and PyTorch's other defaults. */
    public AdamW(Map<String, Tensor> params, double lr) {
        this(params, lr, 0.9, 0.999, 1e-8, 1e-2, false);
    }

    /** AdamW over named parameters with every option. */
    public AdamW(Map<String, Tensor> params, double lr, double beta1, double beta2, double eps, double weightDecay,
            boolean amsgrad) {
        this(NamedParams.of(params), lr, beta1, beta2, eps, weightDecay, amsgrad);
    }

    private AdamW(NamedParams params, double lr, double beta1, double beta2, double eps, double weightDecay, boolean amsgrad) {
        super(params, lr);
        AdamMoments.validate("AdamW", beta1, beta2, eps, weightDecay);
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
        return amsgrad; // max(vmax, v) and the denominator
    }

    @Override
    protected void update(Tensor param, Tensor grad, Map<String, Tensor> state) {
        param.mul_(1 - lr() * weightDecay);
        AdamMoments.step(param, grad, state, lr(), beta1, beta2, eps, amsgrad);
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
