package io.jgrad.nn;

import io.jgrad.tensor.Tensor;
import java.util.Arrays;

/**
 * Batch normalization over the channel dimension 1 of [N, C, ...] inputs, as PyTorch's {@code _BatchNorm}:
 * y = (x - mean) / sqrt(var + eps) * weight + bias, per channel.
 *
 * <p>In training mode mean and var are the batch's, over every dimension but 1, var biased (divided by the
 * count m = N * spatial size); the running statistics then move towards the batch's:
 * running_mean = (1 - momentum) running_mean + momentum mean, running_var likewise with the UNBIASED variance
 * var * m / (m - 1), and num_batches_tracked counts the steps. In evaluation mode the running statistics
 * normalize. The forward is composed of differentiable tensor ops, so gradients reach the input, weight and bias.
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

    @Override
    public Tensor forward(Tensor x) {
        String name = getClass().getSimpleName();
        if (!acceptsRank(x.dim())) {
            throw new IllegalArgumentException(name + ": input " + Arrays.toString(x.shape()) + " must be "
                    + expectedShape());
        }
        if (x.size(1) != features) {
            throw new IllegalArgumentException(name + ": input " + Arrays.toString(x.shape()) + " has " + x.size(1)
                    + " channels, the layer was built for num_features=" + features);
        }
        int rank = x.dim();
        int[] dims = new int[rank - 1];
        int[] perChannel = new int[rank - 1]; // [C, 1, ...]: broadcasts against [N, C, ...] from the right
        Arrays.fill(perChannel, 1);
        perChannel[0] = features;
        for (int i = 0, k = 0; i < rank; i++) {
            if (i != 1) {
                dims[k++] = i;
            }
        }
        Tensor normalized;
        if (isTraining()) {
            int count = x.numel() / features;
            if (count <= 1) {
                throw new IllegalArgumentException(name + ": training needs more than 1 value per channel to compute"
                        + " a variance, got input " + Arrays.toString(x.shape()) + "; use a larger batch or eval()");
            }
            Tensor mean = x.mean(dims, true);
            Tensor centered = x.sub(mean);
            Tensor var = centered.mul(centered).mean(dims, true);
            normalized = centered.div(var.add(eps).sqrt());
            try (var scope = Tensor.noGrad()) {
                runningMean().axpby_(1 - momentum, momentum, mean.detach().reshape(features));
                runningVar().axpby_(1 - momentum, momentum * count / (count - 1.0), var.detach().reshape(features));
                numBatchesTracked().add_(1);
            }
        } else {
            normalized = x.sub(runningMean().reshape(perChannel))
                    .div(runningVar().add(eps).sqrt().reshape(perChannel));
        }
        return normalized.mul(weight().reshape(perChannel)).add(bias().reshape(perChannel));
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

    public int numFeatures() {
        return features;
    }

    public double eps() {
        return eps;
    }

    public double momentum() {
        return momentum;
    }

    @Override
    protected String extraRepr() {
        return features + ", eps=" + eps + ", momentum=" + momentum + ", affine=True, track_running_stats=True";
    }
}
