package io.jgrad.nn.spec;

import static org.junit.jupiter.api.Assertions.*;

import io.jgrad.io.JgradFormatException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The model-file checks jgrad train and jgrad train --spark share: each trainer says which loss it trains, and turns the
 * refusal into its own error, but the rule and the rest of the words are one.
 */
class NetworkSpecTest {

    private static final Path FILE = Path.of("net.json");

    private static NetworkSpec network(int[] inputShape, LayerSpec... layers) {
        return NetworkSpec.resolve(inputShape, List.of(layers), FILE, "layers");
    }

    /** The last layer must give one value per output; the message names the file, the last layer and the fix. */
    @Test
    void aNetworkWhoseOutputIsNotOneValuePerOutputIsRefusedNamingTheLastLayer() {
        NetworkSpec five = network(new int[] {4}, LayerSpec.of("linear", "out_features", 5), LayerSpec.of("relu"));
        var e = assertThrows(JgradFormatException.class,
                () -> five.checkOutputs(FILE, 3, "the loss", "one value per class, 1 for bce"));
        assertEquals("net.json: layers[1]: the network outputs [N, 5], but the loss needs [N, 3] (one value per class, 1 for"
                + " bce); end with {\"type\": \"linear\", \"out_features\": 3}", e.getMessage());
        // an image network not flattened: the fix says where the linear layer goes
        NetworkSpec maps = network(new int[] {1, 4, 4}, LayerSpec.of("conv2d", "out_channels", 2, "kernel_size", 3));
        e = assertThrows(JgradFormatException.class, () -> maps.checkOutputs(FILE, 10, "cross-entropy", "one value per class"));
        assertEquals("net.json: layers[0]: the network outputs [N, 2, 2, 2], but cross-entropy needs [N, 10] (one value per"
                + " class); end with {\"type\": \"linear\", \"out_features\": 10} after a flatten", e.getMessage());
        five.checkOutputs(FILE, 5, "cross-entropy", "one value per class");
    }

    /** --model cnn and a file with a layer that works on images only take images; mlp and a file of linear layers rows. */
    @Test
    void takesImagesIsTheCnnOrAFileWithAnImageLayer() {
        assertTrue(NetworkSpec.takesImages("cnn", null));
        assertFalse(NetworkSpec.takesImages("mlp", null));
        assertTrue(NetworkSpec.takesImages("f.json", List.of(LayerSpec.of("conv2d", "out_channels", 2, "kernel_size", 3),
                LayerSpec.of("flatten"), LayerSpec.of("linear", "out_features", 2))));
        assertFalse(NetworkSpec.takesImages("f.json", List.of(LayerSpec.of("linear", "out_features", 2))));
    }

    /**
     * One refusal of a batch that gives a batch normalization layer one value per channel, for both trainers: on one
     * machine (one partition) the smallest batch must have 2 samples, on Spark 2 per partition; where no batch size helps
     * it names the data instead.
     */
    @Test
    void aBatchOfOneValuePerChannelIsRefusedForEachPartitionCount() {
        NetworkSpec bn1d = network(new int[] {4}, LayerSpec.of("linear", "out_features", 8), LayerSpec.of("batchnorm1d"),
                LayerSpec.of("linear", "out_features", 3));
        assertEquals("--batch-size 21: the last batch of each epoch has 1 of the 64 training samples, and layers[1] (batchnorm1d)"
                + " needs 2 or more values per channel in training to compute a variance, but its input [N, 8] gives 1 per"
                + " sample; use a --batch-size that leaves no batch of one sample, e.g. --batch-size 22",
                bn1d.batchNormRefusal(64, 21, 1, "d.csv"));
        assertEquals("--data d.csv: the training set has 1 sample, and layers[1] (batchnorm1d) needs 2 or more values per"
                + " channel in training to compute a variance, but its input [N, 8] gives 1 per sample, whatever the"
                + " --batch-size; expected more training data (or less --val-split), or a model without batchnorm1d",
                bn1d.batchNormRefusal(1, 64, 1, "d.csv"));
        assertEquals("--batch-size 3: each batch has 3 of the 300 training samples, spread over the 2 partitions by the rows"
                + " each holds, so that a partition's share of a batch can be 1 sample, and layers[1] (batchnorm1d) normalizes"
                + " each partition's share by its own statistics: it needs 2 or more values per channel in training to compute"
                + " a variance, but its input [N, 8] gives 1 per sample; use a --batch-size of 2 or more per partition, e.g."
                + " --batch-size 4, or fewer --partitions", bn1d.batchNormRefusal(300, 3, 2, "d"));
        assertNull(bn1d.batchNormRefusal(64, 22, 1, "d.csv"));
        assertNull(bn1d.batchNormRefusal(300, 4, 2, "d"));
        // several values per channel and sample: one sample is enough, as in PyTorch
        NetworkSpec bn2d = network(new int[] {1, 4, 4}, LayerSpec.of("conv2d", "out_channels", 2, "kernel_size", 3),
                LayerSpec.of("batchnorm2d"), LayerSpec.of("flatten"), LayerSpec.of("linear", "out_features", 3));
        assertNull(bn2d.batchNormRefusal(1, 1, 1, "d"));
        assertNull(bn2d.batchNormRefusal(300, 1, 4, "d"));
    }
}
