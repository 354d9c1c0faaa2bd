package io.jgrad.optim;

import io.jgrad.tensor.DType;
import io.jgrad.tensor.FusedUpdates;
import io.jgrad.tensor.PythonRepr;
import io.jgrad.tensor.Tensor;
import java.util.List;
import java.util.Map;

/** The moment estimates and bias-corrected step shared by {@link Adam} and {@link AdamW}. */
final class AdamMoments {
    private AdamMoments() {}

    /** The settings Adam and AdamW print ({@link Optimizer#settings}), by PyTorch's names. */
    static Map<String, String> settings(double beta1, double beta2, double eps, double weightDecay, boolean amsgrad) {
        return Map.of("betas", "(" + PythonRepr.of(beta1) + ", " + PythonRepr.of(beta2) + ")", "eps", PythonRepr.of(eps),
                "weight_decay", PythonRepr.of(weightDecay), "amsgrad", PythonRepr.of(amsgrad));
    }

    /** The options Adam and AdamW record in their state dicts ({@link Optimizer#options}). */
    static Map<String, Double> options(double beta1, double beta2, double eps, double weightDecay, boolean amsgrad) {
        return Options.of("beta1", beta1, "beta2", beta2, "eps", eps, "weight_decay", weightDecay, "amsgrad", amsgrad ? 1 : 0);
    }

    static List<String> stateNames(boolean amsgrad) {
        return amsgrad ? List.of("step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq") : List.of("step", "exp_avg", "exp_avg_sq");
    }

    static void validate(String optimizer, double beta1, double beta2, double eps, double weightDecay) {
        Optimizer.require(beta1 >= 0 && beta1 < 1, optimizer, "beta1", beta1, "in [0, 1)");
        Optimizer.require(beta2 >= 0 && beta2 < 1, optimizer, "beta2", beta2, "in [0, 1)");
        Optimizer.require(eps >= 0, optimizer, "eps", eps, ">= 0");
        Optimizer.require(weightDecay >= 0, optimizer, "weightDecay", weightDecay, ">= 0");
    }

    /**
     * m = beta1 m + (1 - beta1) g; v = beta2 v + (1 - beta2) g^2; vmax = max(vmax, v) with amsgrad;
     * p -= lr / (1 - beta1^t) * m / (sqrt(v or vmax) / sqrt(1 - beta2^t) + eps), in PyTorch 1.13's operation
     * order. Modified: param, state.
     */
    static void step(Tensor param, Tensor g, Map<String, Tensor> state, double lr, double beta1, double beta2,
            double eps, boolean amsgrad) {
        if (state.isEmpty()) {
            state.put("step", Tensor.scalar(DType.FLOAT64, 0));
            state.put("exp_avg", param.zerosLike());
            state.put("exp_avg_sq", param.zerosLike());
            if (amsgrad) {
                state.put("max_exp_avg_sq", param.zerosLike());
            }
        }
        double step = Optimizer.incrementStep(state);
        Tensor expAvg = state.get("exp_avg");
        Tensor expAvgSq = state.get("exp_avg_sq");
        if (!amsgrad) {
            // the same arithmetic as the lines below, element by element, in one pass without temporaries
            FusedUpdates.adam_(param, g, expAvg, expAvgSq, beta1, beta2, lr / (1 - Math.pow(beta1, step)), beta2Sqrt(beta2, step), eps);
            return;
        }
        expAvg.mul_(beta1).add_(g, 1 - beta1);
        expAvgSq.mul_(beta2).addcmul_(g, g, 1 - beta2);
        double biasCorrection1 = 1 - Math.pow(beta1, step);
        double biasCorrection2 = 1 - Math.pow(beta2, step);
        double stepSize = lr / biasCorrection1;
        double biasCorrection2Sqrt = Math.sqrt(biasCorrection2);
        Tensor second = expAvgSq;
        if (amsgrad) {
            Tensor max = state.get("max_exp_avg_sq");
            max.copy_(max.maximum(expAvgSq));
            second = max;
        }
        Tensor denom = second.sqrt().div_(biasCorrection2Sqrt).add_(eps);
        param.addcdiv_(expAvg, denom, -stepSize);
    }

    /** sqrt(1 - beta2^step), the bias correction of the second moment's square root. */
    private static double beta2Sqrt(double beta2, double step) {
        return Math.sqrt(1 - Math.pow(beta2, step));
    }
}
