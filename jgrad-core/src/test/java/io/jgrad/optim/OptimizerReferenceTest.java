package io.jgrad.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.jgrad.tensor.DType;
import io.jgrad.tensor.Tensor;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Each optimizer against a plainly written scalar double implementation of its published update rule, on
 * L(p) = sum_i (c_i p_i^2 / 2 + d_i p_i), whose gradient c_i p_i + d_i the references compute by hand.
 */
class OptimizerReferenceTest {
    static final double[] P0 = {0.5, -1.5, 2.0};
    static final double[] C = {1.0, 2.0, 0.5};
    static final double[] D = {0.3, -0.2, 0.1};
    static final int STEPS = 4;

    /** One reference update of p given the gradient g at step t (1-based); keeps its own state. */
    interface Rule {
        void update(double[] p, double[] g, int t);
    }

    /** Runs the optimizer built by {@code make} for STEPS steps on float64 params and compares every step. */
    private static void check(Function<List<Tensor>, Optimizer> make, Rule rule) {
        Tensor p = Tensor.of(P0.clone()).requiresGrad(true);
        Tensor c = Tensor.of(C.clone());
        Tensor d = Tensor.of(D.clone());
        Optimizer opt = make.apply(List.of(p));
        double[] ref = P0.clone();
        for (int t = 1; t <= STEPS; t++) {
            opt.zeroGrad();
            p.mul(p).mul(c).mul(0.5).add(p.mul(d)).sum().backward();
            opt.step();
            double[] g = new double[ref.length];
            for (int i = 0; i < g.length; i++) {
                g[i] = C[i] * ref[i] + D[i];
            }
            rule.update(ref, g, t);
            double[] got = p.toDoubleArray();
            for (int i = 0; i < ref.length; i++) {
                assertEquals(ref[i], got[i], 1e-12 * Math.max(1, Math.abs(ref[i])), "step " + t + ", element " + i);
            }
        }
        assertEquals(STEPS, opt.stepCount());
    }

    static Rule sgd(double lr, double momentum, double dampening, double wd, boolean nesterov) {
        double[] b = new double[P0.length];
        return (p, g, t) -> {
            for (int i = 0; i < p.length; i++) {
                double gi = g[i] + wd * p[i];
                if (momentum != 0) {
                    b[i] = t == 1 ? gi : momentum * b[i] + (1 - dampening) * gi;
                    gi = nesterov ? gi + momentum * b[i] : b[i];
                }
                p[i] -= lr * gi;
            }
        };
    }

    static Rule adam(double lr, double b1, double b2, double eps, double wd, boolean decoupled, boolean amsgrad) {
        double[] m = new double[P0.length], v = new double[P0.length], vmax = new double[P0.length];
        return (p, g, t) -> {
            for (int i = 0; i < p.length; i++) {
                double gi = g[i];
                if (decoupled) {
                    p[i] -= lr * wd * p[i];
                } else {
                    gi += wd * p[i];
                }
                m[i] = b1 * m[i] + (1 - b1) * gi;
                v[i] = b2 * v[i] + (1 - b2) * gi * gi;
                vmax[i] = Math.max(vmax[i], v[i]);
                double mHat = m[i] / (1 - Math.pow(b1, t));
                double vHat = (amsgrad ? vmax[i] : v[i]) / (1 - Math.pow(b2, t));
                p[i] -= lr * mHat / (Math.sqrt(vHat) + eps);
            }
        };
    }

    static Rule rmsprop(double lr, double alpha, double eps, double wd, double momentum, boolean centered) {
        double[] s = new double[P0.length], a = new double[P0.length], b = new double[P0.length];
        return (p, g, t) -> {
            for (int i = 0; i < p.length; i++) {
                double gi = g[i] + wd * p[i];
                s[i] = alpha * s[i] + (1 - alpha) * gi * gi;
                a[i] = alpha * a[i] + (1 - alpha) * gi;
                double denom = Math.sqrt(centered ? s[i] - a[i] * a[i] : s[i]) + eps;
                if (momentum > 0) {
                    b[i] = momentum * b[i] + gi / denom;
                    p[i] -= lr * b[i];
                } else {
                    p[i] -= lr * gi / denom;
                }
            }
        };
    }

    static Rule adagrad(double lr, double lrDecay, double wd, double init, double eps) {
        double[] s = new double[P0.length];
        java.util.Arrays.fill(s, init);
        return (p, g, t) -> {
            double clr = lr / (1 + (t - 1) * lrDecay);
            for (int i = 0; i < p.length; i++) {
                double gi = g[i] + wd * p[i];
                s[i] += gi * gi;
                p[i] -= clr * gi / (Math.sqrt(s[i]) + eps);
            }
        };
    }

    @Test
    void sgdVariants() {
        check(ps -> new SGD(ps, 0.1), sgd(0.1, 0, 0, 0, false));
        check(ps -> new SGD(ps, 0.1, 0.9), sgd(0.1, 0.9, 0, 0, false));
        check(ps -> new SGD(ps, 0.05, 0.8, 0.3, 0.01, false), sgd(0.05, 0.8, 0.3, 0.01, false));
        check(ps -> new SGD(ps, 0.05, 0.9, 0, 0.1, true), sgd(0.05, 0.9, 0, 0.1, true));
    }

    @Test
    void plainSgdIsGeometricOnAQuadratic() {
        // L = p^2 / 2, grad = p: each step multiplies p by (1 - lr), so 3 steps of lr 0.1 give 0.9^3.
        Tensor p = Tensor.scalar(DType.FLOAT64, 1.0).requiresGrad(true);
        SGD opt = new SGD(List.of(p), 0.1);
        for (int t = 0; t < 3; t++) {
            opt.zeroGrad();
            p.mul(p).mul(0.5).backward();
            opt.step();
        }
        assertEquals(0.729, p.item(), 1e-15);
    }

    @Test
    void adamFirstStepMovesEachWeightByLr() {
        // At t = 1, mHat = g and vHat = g^2, so the step is lr * g / (|g| + eps): lr times the sign of g.
        Tensor p = Tensor.of(P0.clone()).requiresGrad(true);
        Adam opt = new Adam(List.of(p), 0.01);
        p.mul(p).mul(Tensor.of(C.clone())).mul(0.5).add(p.mul(Tensor.of(D.clone()))).sum().backward();
        opt.step();
        for (int i = 0; i < P0.length; i++) {
            double g = C[i] * P0[i] + D[i];
            assertEquals(P0[i] - 0.01 * Math.signum(g), p.get(i), 1e-9);
        }
    }

    @Test
    void adamVariants() {
        check(ps -> new Adam(ps), adam(1e-3, 0.9, 0.999, 1e-8, 0, false, false));
        check(ps -> new Adam(ps, 0.1, 0.8, 0.99, 1e-6, 0.05, false), adam(0.1, 0.8, 0.99, 1e-6, 0.05, false, false));
        check(ps -> new Adam(ps, 0.1, 0.5, 0.9, 1e-8, 0, true), adam(0.1, 0.5, 0.9, 1e-8, 0, false, true));
    }

    @Test
    void adamWVariants() {
        check(ps -> new AdamW(ps, 0.1), adam(0.1, 0.9, 0.999, 1e-8, 1e-2, true, false));
        check(ps -> new AdamW(ps, 0.1, 0.5, 0.9, 1e-8, 0.2, true), adam(0.1, 0.5, 0.9, 1e-8, 0.2, true, true));
    }

    @Test
    void rmspropVariants() {
        check(ps -> new RMSprop(ps), rmsprop(1e-2, 0.99, 1e-8, 0, 0, false));
        check(ps -> new RMSprop(ps, 0.003), rmsprop(0.003, 0.99, 1e-8, 0, 0, false));
        check(ps -> new RMSprop(ps, 0.05, 0.9, 1e-6, 0.1, 0, false), rmsprop(0.05, 0.9, 1e-6, 0.1, 0, false));
        check(ps -> new RMSprop(ps, 0.05, 0.9, 1e-8, 0, 0.7, false), rmsprop(0.05, 0.9, 1e-8, 0, 0.7, false));
        check(ps -> new RMSprop(ps, 0.01, 0.9, 1e-8, 0.01, 0.5, true), rmsprop(0.01, 0.9, 1e-8, 0.01, 0.5, true));
    }

    @Test
    void adagradVariants() {
        check(ps -> new Adagrad(ps), adagrad(1e-2, 0, 0, 0, 1e-10));
        check(ps -> new Adagrad(ps, 0.2), adagrad(0.2, 0, 0, 0, 1e-10));
        check(ps -> new Adagrad(ps, 0.5, 0.1, 0.05, 0.3, 1e-6), adagrad(0.5, 0.1, 0.05, 0.3, 1e-6));
    }
}
