package io.jgrad.nn;

import static org.junit.jupiter.api.Assertions.*;

import io.jgrad.tensor.DType;
import io.jgrad.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * One input x, a sigmoid hidden neuron (w1, b1), a sigmoid output neuron (w2, b2), E = 1/2 (t - a2)^2, and one
 * gradient-descent step, every number worked out by hand beforehand (checked with plain Python floats, not with
 * jgrad):
 *
 * <pre>
 * x = 0.5, t = 1, w1 = 0.4, b1 = 0.1, w2 = 0.7, b2 = -0.2, eta = 0.5
 * z1 = w1 x + b1          = 0.4 * 0.5 + 0.1                    = 0.3
 * a1 = s(z1) = 1/(1+e^-0.3)                                     = 0.574442516811659
 * z2 = w2 a1 + b2         = 0.7 * 0.574442516811659 - 0.2       = 0.2021097617681613
 * a2 = s(z2) = 1/(1+e^-0.2021097617681613)                      = 0.55035614322359
 * E  = 1/2 (1 - 0.55035614322359)^2 = 1/2 * 0.44964385677641^2  = 0.10108979896838233
 * dE/da2 = a2 - t                                               = -0.44964385677640994
 * dE/dz2 = dE/da2 * a2 (1 - a2) = -0.44964... * 0.55035... * 0.44964...  = -0.11127078375897391
 * dE/dw2 = dE/dz2 * a1    = -0.11127078375897391 * 0.574442516811659     = -0.06391866907011085
 * dE/db2 = dE/dz2                                               = -0.11127078375897391
 * dE/da1 = dE/dz2 * w2    = -0.11127078375897391 * 0.7          = -0.07788954863128174
 * dE/dz1 = dE/da1 * a1 (1 - a1) = -0.07788954863128174 * 0.574442516811659 * 0.425557483188341
 *                                                               = -0.019040747556757377
 * dE/dw1 = dE/dz1 * x     = -0.019040747556757377 * 0.5         = -0.009520373778378688
 * dE/db1 = dE/dz1                                               = -0.019040747556757377
 * w1' = 0.4  - 0.5 * (-0.009520373778378688)                    = 0.40476018688918936
 * b1' = 0.1  - 0.5 * (-0.019040747556757377)                    = 0.1095203737783787
 * w2' = 0.7  - 0.5 * (-0.06391866907011085)                     = 0.7319593345350554
 * b2' = -0.2 - 0.5 * (-0.11127078375897391)                     = -0.14436460812051305
 * </pre>
 */
class TwoNeuronByHandTest {
    private static final double TOL = 1e-6;

    @Test
    void forwardBackwardAndOneStepMatchTheHandCalculation() {
        Linear hidden = new Linear(1, 1);
        Linear output = new Linear(1, 1);
        Sequential net = new Sequential(hidden, new Sigmoid(), output, new Sigmoid());
        net.to(DType.FLOAT64);
        try (var scope = Tensor.noGrad()) {
            hidden.weight().set(0.4, 0, 0);
            hidden.bias().set(0.1, 0);
            output.weight().set(0.7, 0, 0);
            output.bias().set(-0.2, 0);
        }
        Tensor x = Tensor.of(new double[] {0.5}, 1, 1);
        Tensor t = Tensor.of(new double[] {1.0}, 1, 1);

        Tensor z1 = hidden.forward(x).retainGrad();
        Tensor a1 = z1.sigmoid().retainGrad();
        Tensor z2 = output.forward(a1).retainGrad();
        Tensor a2 = z2.sigmoid().retainGrad();
        Tensor e = new HalfSquaredErrorLoss().forward(a2, t);
        assertEquals(0.3, z1.item(), TOL);
        assertEquals(0.574442516811659, a1.item(), TOL);
        assertEquals(0.2021097617681613, z2.item(), TOL);
        assertEquals(0.55035614322359, a2.item(), TOL);
        assertEquals(0.10108979896838233, e.item(), TOL);
        assertEquals(a2.item(), net.forward(x).item(), 1e-15, "the Sequential computes the same network");

        e.backward();
        assertEquals(-0.44964385677640994, a2.grad().item(), TOL);
        assertEquals(-0.11127078375897391, z2.grad().item(), TOL);
        assertEquals(-0.06391866907011085, output.weight().grad().item(), TOL);
        assertEquals(-0.11127078375897391, output.bias().grad().item(), TOL);
        assertEquals(-0.07788954863128174, a1.grad().item(), TOL);
        assertEquals(-0.019040747556757377, z1.grad().item(), TOL);
        assertEquals(-0.009520373778378688, hidden.weight().grad().item(), TOL);
        assertEquals(-0.019040747556757377, hidden.bias().grad().item(), TOL);

        double eta = 0.5;
        try (var scope = Tensor.noGrad()) {
            for (Tensor p : net.parameters()) {
                p.add_(p.grad(), -eta);
            }
        }
        assertEquals(0.40476018688918936, hidden.weight().item(), TOL);
        assertEquals(0.1095203737783787, hidden.bias().item(), TOL);
        assertEquals(0.7319593345350554, output.weight().item(), TOL);
        assertEquals(-0.14436460812051305, output.bias().item(), TOL);
    }
}
