package io.jgrad.nn;

import static org.junit.jupiter.api.Assertions.*;

import io.jgrad.tensor.Generator;
import io.jgrad.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** XOR, the classic problem a single layer cannot solve, learned by a 2-4-1 network with plain gradient descent. */
class XorTest {
    private static final int MAX_EPOCHS = 2000;

    @Test
    void twoFourOneNetworkLearnsXor() {
        Generator gen = new Generator(7);
        Sequential net = new Sequential(new Linear(2, 4, true, gen), new Tanh(), new Linear(4, 1, true, gen), new Sigmoid());
        Tensor x = Tensor.of(new float[][] {{0, 0}, {0, 1}, {1, 0}, {1, 1}});
        Tensor t = Tensor.of(new float[][] {{0}, {1}, {1}, {0}});
        Loss mse = new MSELoss();
        double lr = 2.0;
        double loss = Double.NaN;
        int epoch = 0;
        while (epoch < MAX_EPOCHS) {
            net.zeroGrad();
            Tensor l = mse.forward(net.forward(x), t);
            loss = l.item();
            if (loss < 0.001) {
                break;
            }
            l.backward();
            try (var scope = Tensor.noGrad()) {
                for (Tensor p : net.parameters()) {
                    p.add_(p.grad(), -lr);
                }
            }
            epoch++;
        }
        assertTrue(loss < 0.001, "loss " + loss + " after " + epoch + " epochs");
        float[] y;
        try (var scope = Tensor.noGrad()) {
            y = net.forward(x).toFloatArray();
        }
        assertArrayEquals(new float[] {0, 1, 1, 0}, new float[] {Math.round(y[0]), Math.round(y[1]), Math.round(y[2]),
                Math.round(y[3])}, "predictions " + java.util.Arrays.toString(y));
    }
}
