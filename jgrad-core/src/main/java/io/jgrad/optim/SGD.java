package io.jgrad.optim;

import io.jgrad.tensor.FusedUpdates;
import io.jgrad.tensor.PythonRepr;
import io.jgrad.tensor.Tensor;
import java.util.List;
import java.util.Map;

/**
 * Stochastic gradient descent with optional momentum (Polyak 1964; Sutskever et al. 2013 for Nesterov), exactly
 * as PyTorch 1.13's {@code torch.optim.SGD}:
 * <pre>
 *   g = grad + weightDecay * p
 *   b = g at the first step, else momentum * b + (1 - dampening) * g      (when momentum != 0)
 *   g = nesterov ? g + momentum * b : b                                     (when momentum != 0)
 *   p = p - lr * g
 * </pre>
 * State per parameter: {@code momentum_buffer} (only when momentum != 0).
 */
public final class SGD extends Optimizer {
    private final double momentum;
    private final double dampening;
    private final double weightDecay;
    private final boolean nesterov;

    /** Plain SGD: p -= lr * grad. */
    public SGD(List<Tensor> params, double lr) {
        this(params, lr, 0, 0, 0, false);
    }

    /** SGD with (heavy-ball) momentum. */
    public SGD(List<Tensor> params, double lr, double momentum) {
        this(params, lr, momentum, 0, 0, false);
    }

    /** SGD with every option of the class comment's update; nesterov needs momentum &gt; 0 and dampening 0. */
    public SGD(List<Tensor> params, double lr, double momentum, double dampening, double weightDecay, boolean nesterov) {
        this(NamedParams.of(params), lr, momentum, dampening, weightDecay, nesterov);
    }

    /** Plain SGD over named parameters. */
    public SGD(Map<String, Tensor> params, double lr) {
        this(params, lr, 0, 0, 0, false);
    }

    /** As {@link #SGD(List, double, double, double, double, boolean)}, over named parameters. */
    public SGD(Map<String, Tensor> params, double lr, double momentum, double dampening, double weightDecay, boolean nesterov) {
        this(NamedParams.of(params), lr, momentum, dampening, weightDecay, nesterov);
    }

    private SGD(NamedParams params, double lr, double momentum, double dampening, double weightDecay, boolean nesterov) {
        super(params, lr);
        require(momentum >= 0, "SGD", "momentum", momentum, ">= 0");
        require(weightDecay >= 0, "SGD", "weightDecay", weightDecay, ">= 0");
        require(Double.isFinite(dampening), "SGD", "dampening", dampening, "finite");
        if (nesterov && (momentum <= 0 || dampening != 0)) {
            throw new IllegalArgumentException("SGD: nesterov = true needs momentum > 0 and dampening = 0 (got momentum = "
                    + momentum + ", dampening = " + dampening + ")");
        }
        this.momentum = momentum;
        this.dampening = dampening;
        this.weightDecay = weightDecay;
        this.nesterov = nesterov;
    }

    @Override
    protected List<String> stateNames() {
        return momentum != 0 ? List.of("momentum_buffer") : List.of();
    }

    @Override
    boolean makesTemporaries() {
        return weightDecay != 0 || nesterov; // grad + weightDecay * p; g + momentum * b
    }

    @Override
    protected void update(Tensor param, Tensor grad, Map<String, Tensor> state) {
        Tensor g = withWeightDecay(grad, param, weightDecay);
        if (momentum != 0) {
            Tensor buf = state.get("momentum_buffer");
            if (buf == null) {
                buf = param.zerosLike().add_(g, 1.0); // state from a factory: never recycled by Tensor.recycling()
                state.put("momentum_buffer", buf);
            } else if (!nesterov) {
                FusedUpdates.momentum_(param, g, buf, momentum, dampening, lr()); // the lines below, in one pass
                return;
            } else {
                buf.mul_(momentum).add_(g, 1 - dampening);
            }
            g = nesterov ? g.copy().add_(buf, momentum) : buf;
        }
        param.add_(g, -lr());
    }

    @Override
    protected Map<String, Double> options() {
        return Options.of("momentum", momentum, "dampening", dampening, "weight_decay", weightDecay, "nesterov", nesterov ? 1 : 0);
    }

    @Override
    protected Map<String, String> settings() {
        return Map.of("momentum", PythonRepr.of(momentum), "dampening", PythonRepr.of(dampening),
                "weight_decay", PythonRepr.of(weightDecay), "nesterov", PythonRepr.of(nesterov));
    }
}
