package io.jgrad.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.jgrad.tensor.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Optimizers print their settings as PyTorch 1.13 prints them ({@code print(torch.optim.Adam(...))} with
 * /usr/bin/python3), less the keys jgrad has no setting for (foreach, maximize, differentiable, capturable, fused),
 * and with every number a float where PyTorch's int defaults print {@code 0}.
 */
class OptimizerReprTest {
    private static List<Tensor> params() {
        return List.of(Tensor.zeros(2, 3).requiresGrad(true));
    }

    @Test
    void optimizersPrintTheirSettingsAsPyTorchDoes() {
        // torch.optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True, weight_decay=1e-4)
        assertEquals("""
                SGD (
                Parameter Group 0
                    dampening: 0.0
                    lr: 0.1
                    momentum: 0.9
                    nesterov: True
                    weight_decay: 0.0001
                )""", new SGD(params(), 0.1, 0.9, 0, 1e-4, true).toString());
        // torch.optim.Adam(p) (eps: 1e-08, lr: 0.001)
        assertEquals("""
                Adam (
                Parameter Group 0
                    amsgrad: False
                    betas: (0.9, 0.999)
                    eps: 1e-08
                    lr: 0.001
                    weight_decay: 0.0
                )""", new Adam(params()).toString());
        assertEquals("""
                AdamW (
                Parameter Group 0
                    amsgrad: True
                    betas: (0.8, 0.99)
                    eps: 1e-06
                    lr: 0.01
                    weight_decay: 0.01
                )""", new AdamW(params(), 0.01, 0.8, 0.99, 1e-6, 0.01, true).toString());
        assertEquals("""
                RMSprop (
                Parameter Group 0
                    alpha: 0.99
                    centered: False
                    eps: 1e-08
                    lr: 0.01
                    momentum: 0.0
                    weight_decay: 0.0
                )""", new RMSprop(params()).toString());
        assertEquals("""
                Adagrad (
                Parameter Group 0
                    eps: 1e-10
                    initial_accumulator_value: 0.0
                    lr: 0.01
                    lr_decay: 0.0
                    weight_decay: 0.0
                )""", new Adagrad(params()).toString());
    }

    /** The learning rate shown is the current one, as PyTorch's param_groups[0]['lr'] after a scheduler's step. */
    @Test
    void theLearningRateShownIsTheCurrentOne() {
        SGD sgd = new SGD(params(), 0.1);
        StepLR schedule = new StepLR(sgd, 1, 0.5);
        schedule.step();
        assertEquals(true, sgd.toString().contains("\n    lr: 0.05\n"), sgd.toString());
        assertEquals("StepLR(step_size=1, gamma=0.5)", schedule.toString());
        assertEquals("ExponentialLR(gamma=0.9)", new ExponentialLR(sgd, 0.9).toString());
        assertEquals("CosineAnnealingLR(T_max=10, eta_min=1e-05)", new CosineAnnealingLR(sgd, 10, 1e-5).toString());
        assertEquals("ReduceLROnPlateau(mode='min', factor=0.1, patience=10, threshold=0.0001, cooldown=0, min_lr=0.0)",
                new ReduceLROnPlateau(sgd, ReduceLROnPlateau.Mode.MIN).toString());
    }
}
