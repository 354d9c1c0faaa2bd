package io.jgrad.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.jgrad.nn.Sequential;
import io.jgrad.optim.Optimizer;
import io.jgrad.tensor.Generator;
import io.jgrad.tensor.Tensor;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A local-SGD round's arrays carry the weights and the optimizer state without loss. */
class RoundStateTest {

    @Test
    void adamStateSurvivesPackingIncludingAOneElementBias() {
        // One output: the last bias and its Adam moments have one element but are buffers, not scalars.
        MlpSpec spec = new MlpSpec(3, new int[] {4}, 1, "tanh", "none");
        Sequential net = spec.build(new Generator(1));
        Optimizer adam = new OptimizerSpec("adam", 0.01, 0, 0).create(net.namedParameters());
        for (int i = 0; i < 2; i++) {
            adam.zeroGrad();
            net.forward(Tensor.randn(new Generator(i), 5, 3)).pow(2).sum().backward();
            adam.step();
        }
        var state = adam.stateDict();
        RoundState packed = RoundState.pack(net, state);
        assertEquals(state.values().stream().filter(t -> t.dim() == 0).count(), packed.scalars().length);
        assertEquals(List.of(1), List.of(state.get("3.exp_avg").shape().length), "the bias moments keep their shape [1]");

        Sequential other = spec.build(new Generator(99));
        var restored = RoundState.unpack(packed.packed(), packed.keys(), packed.scalars(), other);
        assertEquals(state.keySet(), restored.keySet());
        state.forEach((key, t) -> {
            assertArrayEquals(t.shape(), restored.get(key).shape(), key);
            assertArrayEquals(t.toDoubleArray(), restored.get(key).toDoubleArray(), key);
        });
        float[] weights = FlatParameters.pack(net);
        assertArrayEquals(weights, Arrays.copyOf(packed.packed(), weights.length));
    }

    @Test
    void aTruncatedArrayIsRejected() {
        Sequential net = new MlpSpec(2, new int[0], 2, "relu", "none").build(new Generator(1));
        Optimizer sgd = new OptimizerSpec("sgd", 0.1, 0.9, 0).create(net.namedParameters());
        net.forward(Tensor.ones(1, 2)).sum().backward();
        sgd.step();
        RoundState packed = RoundState.pack(net, sgd.stateDict());
        float[] shorter = Arrays.copyOf(packed.packed(), packed.packed().length - 1);
        assertThrows(IllegalArgumentException.class, () -> RoundState.unpack(shorter, packed.keys(), packed.scalars(), net));
    }
}
