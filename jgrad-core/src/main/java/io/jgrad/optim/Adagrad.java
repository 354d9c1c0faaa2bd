package io.jgrad.optim;

import io.jgrad.tensor.DType;
import io.jgrad.tensor.PythonRepr;
import io.jgrad.tensor.Tensor;
import java.util.List;
import java.util.Map;

/**
 * Adagrad (Duchi, Hazan and Singer, "Adaptive Subgradient Methods for Online Learning and Stochastic
 * Optimization", JMLR 2011), exactly as PyTorch 1.13's {@code torch.optim.Adagrad}. At step t:
 * <pre>
 *   g = grad + weightDecay * p
 *   clr = lr / (1 + (t - 1) * lrDecay)
 *   s = s + g * g                       (s starts at initialAccumulatorValue)
 *   p = p - clr * g / (sqrt(s) + eps)
 * </pre>
 * State per parameter: {@code step}, {@code sum} (s).
 */
public final class Adagrad extends Optimizer {
    private final double lrDecay;
    private final double weightDecay;
    private final double initialAccumulatorValue;
    private final double eps;

    /** Adagrad with PyTorch's defaults: lr 1e-2, no lr decay or weight decay, accumulator 0, eps 1e-10. */
    public Adagrad(List<Tensor> params) {
        this(params, 1e-2, 0, 0, 0, 1e-10);
    }

    /** Adagrad with the given learning rate and PyTorch's other defaults. */
    public Adagrad(List<Tensor> params, double lr) {
        this(params, lr, 0, 0, 0, 1e-10);
    }

    /** Adagrad with every option of the class comment's update. */
    public Adagrad(List<Tensor> params, double lr, double lrDecay, double weightDecay, double initialAccumulatorValue,
            double eps) {
        this(NamedParams.of(params), lr, lrDecay, weightDecay, initialAccumulatorValue, eps);
    }

    /** Adagrad over named parameters with every option. */
    public Adagrad(Map<String, Tensor> params, double lr, double lrDecay, double weightDecay, double initialAccumulatorValue,
            double eps) {
        this(NamedParams.of(params), lr, lrDecay, weightDecay, initialAccumulatorValue, eps);
    }

    private Adagrad(NamedParams params, double lr, double lrDecay, double weightDecay, double initialAccumulatorValue,
            double eps) {
        super(params, lr);
        require(lrDecay >= 0, "Adagrad", "lrDecay", lrDecay, ">= 0");
        require(weightDecay >= 0, "Adagrad", "weightDecay", weightDecay, ">= 0");
        require(initialAccumulatorValue >= 0, "Adagrad", "initialAccumulatorValue", initialAccumulatorValue, ">= 0");
        require(eps >= 0, "Adagrad", "eps", eps, ">= 0");
        this.lrDecay = lrDecay;
        this.weightDecay = weightDecay;
        this.initialAccumulatorValue = initialAccumulatorValue;
        this.eps = eps;
    }

    @Override
    protected List<String> stateNames() {
        return List.of("step", "sum");
    }

    @Override
    boolean makesTemporaries() {
        return true; // the denominator sqrt(s) + eps, and grad + weightDecay * p
    }

    @Override
    protected void update(Tensor param, Tensor grad, Map<String, Tensor> state) {
        if (state.isEmpty()) {
            state.put("step", Tensor.scalar(DType.FLOAT64, 0));
            state.put("sum", Tensor.full(param.dtype(), initialAccumulatorValue, param.shape()));
        }
        double step = incrementStep(state);
        Tensor g = withWeightDecay(grad, param, weightDecay);
        double clr = lr() / (1 + (step - 1) * lrDecay);
        Tensor sum = state.get("sum");
        sum.addcmul_(g, g, 1);
        Tensor std = sum.sqrt().add_(eps);
        param.addcdiv_(g, std, -clr);
    }

    @Override
    protected Map<String, Double> options() {
        return Options.of("lr_decay", lrDecay, "weight_decay", weightDecay, "initial_accumulator_value",
                initialAccumulatorValue, "eps", eps);
    }

    @Override
    protected Map<String, String> settings() {
        return Map.of("lr_decay", PythonRepr.of(lrDecay), "weight_decay", PythonRepr.of(weightDecay),
                "initial_accumulator_value", PythonRepr.of(initialAccumulatorValue), "eps", PythonRepr.of(eps));
    }
}
