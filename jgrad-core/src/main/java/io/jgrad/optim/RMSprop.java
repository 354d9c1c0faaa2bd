package io.jgrad.optim;

import io.jgrad.tensor.PythonRepr;
import io.jgrad.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * RMSprop (Hinton, "Neural Networks for Machine Learning", lecture 6e, 2012; centered variant from Graves,
 * "Generating Sequences With Recurrent Neural Networks", 2013), exactly as PyTorch 1.13's {@code torch.optim.RMSprop}:
 * <pre>
 *   g = grad + weightDecay * p
 *   s = alpha * s + (1 - alpha) * g * g
 *   a = alpha * a + (1 - alpha) * g;  d = sqrt(s - a * a) + eps     (centered)
 *   d = sqrt(s) + eps                                                (otherwise)
 *   b = momentum * b + g / d;  p = p - lr * b                        (momentum &gt; 0)
 *   p = p - lr * g / d                                               (otherwise)
 * </pre>
 * State per parameter: {@code square_avg} (s), {@code momentum_buffer} (b) when momentum &gt; 0,
 * {@code grad_avg} (a) when centered.
 */
public final class RMSprop extends Optimizer {
    private final double alpha;
    private final double eps;
    private final double weightDecay;
    private final double momentum;
    private final boolean centered;

    /** RMSprop with PyTorch's defaults: lr 1e-2, alpha 0.99, eps 1e-8, no weight decay or momentum. */
    public RMSprop(List<Tensor> params) {
        this(params, 1e-2, 0.99, 1e-8, 0, 0, false);
    }

    /** RMSprop with the given learning rate and PyTorch's other defaults. */
    public RMSprop(List<Tensor> params, double lr) {
        this(params, lr, 0.99, 1e-8, 0, 0, false);
    }

    /** RMSprop with every option of the class comment's update. */
    public RMSprop(List<Tensor> params, double lr, double alpha, double eps, double weightDecay, double momentum, boolean centered) {
        this(NamedParams.of(params), lr, alpha, eps, weightDecay, momentum, centered);
    }

    /** RMSprop over named parameters with every option. */
    public RMSprop(Map<String, Tensor> params, double lr, double alpha, double eps, double weightDecay, double momentum,
            boolean centered) {
        this(NamedParams.of(params), lr, alpha, eps, weightDecay, momentum, centered);
    }

    private RMSprop(NamedParams params, double lr, double alpha, double eps, double weightDecay, double momentum, boolean centered) {
        super(params, lr);
        require(alpha >= 0, "RMSprop", "alpha", alpha, ">= 0");
        require(eps >= 0, "RMSprop", "eps", eps, ">= 0");
        require(weightDecay >= 0, "RMSprop", "weightDecay", weightDecay, ">= 0");
        require(momentum >= 0, "RMSprop", "momentum", momentum, ">= 0");
        this.alpha = alpha;
        this.eps = eps;
        this.weightDecay = weightDecay;
        this.momentum = momentum;
        this.centered = centered;
    }

    @Override
    protected List<String> stateNames() {
        List<String> names = new ArrayList<>(List.of("step", "square_avg"));
        if (momentum > 0) {
            names.add("momentum_buffer");
        }
        if (centered) {
            names.add("grad_avg");
        }
        return names;
    }

    @Override
    boolean makesTemporaries() {
        return true; // the denominator sqrt(s) + eps, and grad + weightDecay * p
    }

    @Override
    protected void update(Tensor param, Tensor grad, Map<String, Tensor> state) {
        if (state.isEmpty()) {
            for (String name : stateNames()) {
                if (!name.equals("step")) {
                    state.put(name, param.zerosLike());
                }
            }
        }
        incrementStep(state);
        Tensor g = withWeightDecay(grad, param, weightDecay);
        Tensor squareAvg = state.get("square_avg");
        squareAvg.mul_(alpha).addcmul_(g, g, 1 - alpha);
        Tensor avg;
        if (centered) {
            Tensor gradAvg = state.get("grad_avg");
            gradAvg.mul_(alpha).add_(g, 1 - alpha);
            avg = squareAvg.copy().addcmul_(gradAvg, gradAvg, -1).sqrt_();
        } else {
            avg = squareAvg.sqrt();
        }
        avg.add_(eps);
        if (momentum > 0) {
            Tensor buf = state.get("momentum_buffer");
            buf.mul_(momentum).addcdiv_(g, avg, 1);
            param.add_(buf, -lr());
        } else {
            param.addcdiv_(g, avg, -lr());
        }
    }

    @Override
    protected Map<String, Double> options() {
        return Options.of("alpha", alpha, "eps", eps, "weight_decay", weightDecay, "momentum", momentum, "centered",
                centered ? 1 : 0);
    }

    @Override
    protected Map<String, String> settings() {
        return Map.of("alpha", PythonRepr.of(alpha), "eps", PythonRepr.of(eps), "weight_decay", PythonRepr.of(weightDecay),
                "momentum", PythonRepr.of(momentum), "centered", PythonRepr.of(centered));
    }
}
