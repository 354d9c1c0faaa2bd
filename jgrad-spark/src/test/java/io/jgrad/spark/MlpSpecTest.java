package io.jgrad.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** An MLP described as jgrad train describes it (no Spark needed). */
class MlpSpecTest {

    /**
     * The activation as jgrad train's layer descriptions name it, its parameter in parentheses (also the default), and the
     * output activation after it: Spark's said "4-8-3 elu:-1", which reads as a layer of size 3 and one of -1.
     */
    @Test
    void describesTheNetworkAsJgradTrainDoes() {
        assertEquals("784-256-128-10 relu", new MlpSpec(784, new int[] {256, 128}, 10, "relu", "none").describe());
        assertEquals("4-8-3 elu(alpha=-1)", new MlpSpec(4, new int[] {8}, 3, "elu:-1", "none").describe());
        assertEquals("4-8-3 elu(alpha=1)", new MlpSpec(4, new int[] {8}, 3, "ELU", "none").describe());
        assertEquals("4-8-3 leakyrelu(negative_slope=0.2), output softmax",
                new MlpSpec(4, new int[] {8}, 3, "leaky-relu:0.2", "softmax").describe());
        assertEquals("4-8-3 leakyrelu(negative_slope=0.01)", new MlpSpec(4, new int[] {8}, 3, "leaky_relu", "none").describe());
        assertEquals("4-3, output sigmoid", new MlpSpec(4, new int[0], 3, "relu", "Sigmoid").describe());
    }
}
