package io.jgrad.nn;

import io.jgrad.tensor.Tensor;
import java.util.Arrays;
import java.util.Map;

/**
 * Batch normalization over the channel dimension 1 of [N, C, ...] inputs, as PyTorch's {@code _BatchNorm}:
 * y = (x - mean) / sqrt(var + eps) * weight + bias, per channel.
 *
 * <p>In training mode mean and var are the batch's, over every dimension but 1, var biased (divided by the
 * count m = N * spatial size); the running statistics then move towards the batch's:
 * running_mean = (1 - momentum) running_mean + momentum mean, running_var likewise with the UNBIASED variance
 * var * m / (m - 1), and num_batches_tracked counts the steps. An empty input (m = 0) gives an empty output and
 * leaves running_mean and running_var alone, while num_batches_tracked still counts it, as in PyTorch. In
 * evaluation mode the running statistics normalize. The arithmetic is {@link Tensor#batchNorm}, one fused op with its backward.
 *
 * <p>State names are PyTorch's: weight (ones), bias (zeros), running_mean (zeros), running_var (ones),
 * num_batches_tracked (a 0-d tensor).
 */
public abstract class BatchNorm extends Module {
    /** PyTorch's default eps. */
    public static final double DEFAULT_EPS = 1e-5;
    /** PyTorch's default momentum. */
    public static final double DEFAULT_MOMENTUM = 0.1;

    private final int features;
    private final double eps;
    private final double momentum;

    BatchNorm(int features, double eps, double momentum) {
        if (features <= 0 || !(eps > 0) || !(momentum >= 0 && momentum <= 1)) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": need num_features > 0, eps > 0 and"
                    + " momentum in [0, 1], got num_features=" + features + ", eps=" + eps + ", momentum=" + momentum);
        }
        this.features = features;
        this.eps = eps;
        this.momentum = momentum;
        registerParameter("weight", Tensor.ones(features));
        registerParameter("bias", Tensor.zeros(features));
        registerBuffer("running_mean", Tensor.zeros(features));
        registerBuffer("running_var", Tensor.ones(features));
        registerBuffer("num_batches_tracked", Tensor.zeros());
    }

    /** Whether this layer accepts inputs of that many dimensions. */
    abstract boolean acceptsRank(int rank);

    /** The accepted input shapes, for error messages, e.g. "[N, C, H, W]". */
    abstract String expectedShape();

    /**
     * Normalizes x [N, C, ...] per channel (see the class comment); same shape out. Modified: in training mode
     * running_mean, running_var and num_batches_tracked.
     */
    @Override
    public Tensor forward(Tensor x) {
        requireInput(x);
        String name = getClass().getSimpleName();
        if (!acceptsRank(x.dim())) {
            throw new IllegalArgumentException(name + ": input " + Arrays.toString(x.shape()) + " must be "
                    + expectedShape());
        }
        if (x.size(1) != features) {
            throw new IllegalArgumentException(name + ": input " + Arrays.toString(x.shape()) + " has " + x.size(1)
                    + " channels, the layer was built for num_features=" + features);
        }
        // exactly 1 (not 0): an empty batch passes through as in PyTorch, where a pipeline's last batch may be empty
        if (isTraining() && x.numel() / features == 1) {
            throw new IllegalArgumentException(name + ": training needs more than 1 value per channel to compute"
                    + " a variance, got input " + Arrays.toString(x.shape()) + "; use a larger batch or eval()");
        }
        Tensor y = Tensor.batchNorm(x, weight(), bias(), runningMean(), runningVar(), isTraining(), momentum, eps);
        if (isTraining()) {
            try (var scope = Tensor.noGrad()) {
                numBatchesTracked().add_(1);
            }
        }
        return y;
    }

    /**
     * num_batches_tracked = 0 where {@code state} lacks it, as PyTorch's {@code _NormBase._load_from_state_dict} for
     * state dicts older than the buffer (those without version metadata, which safetensors files never carry).
     * Modified: state.
     */
    @Override
    void addLegacyDefaults(String prefix, Map<String, Tensor> state) {
        super.addLegacyDefaults(prefix, state);
        String key = prefix + "num_batches_tracked";
        if (!state.containsKey(key)) {
            state.put(key, Tensor.zeros());
        }
    }

    /** The scale, shape [C], initially ones. */
    public Tensor weight() {
        return param("weight");
    }

    /** The shift, shape [C], initially zeros. */
    public Tensor bias() {
        return param("bias");
    }

    /** The running mean, shape [C], used in evaluation mode. */
    public Tensor runningMean() {
        return buffer("running_mean");
    }

    /** The running (unbiased) variance, shape [C], used in evaluation mode. */
    public Tensor runningVar() {
        return buffer("running_var");
    }

    /** The number of training-mode forward passes, a 0-d tensor. */
    public Tensor numBatchesTracked() {
        return buffer("num_batches_tracked");
    }

    /** The number of channels C. */
    public int numFeatures() {
        return features;
    }

    /** The eps added to the variance before the square root. */
    public double eps() {
        return eps;
    }

    /** The weight of a new batch's statistics in the running ones. */
    public double momentum() {
        return momentum;
    }

    @Override
    protected String extraRepr() {
        return features + ", eps=" + pythonRepr(eps) + ", momentum=" + pythonRepr(momentum) + ", affine=True, track_running_stats=True";
    }
}
