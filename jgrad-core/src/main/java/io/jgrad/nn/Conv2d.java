package io.jgrad.nn;

import io.jgrad.tensor.Generator;
import io.jgrad.tensor.Tensor;
import java.util.Arrays;

/**
 * A 2-D convolution over NCHW images, as PyTorch's {@code nn.Conv2d}: input [N, in, H, W] to [N, out, Ho, Wo] with
 * y[n, o] = b[o] + sum over the in/groups channels c of o's group of cross-correlate(w[o, c], x[n, c]), sampled
 * every {@code stride} pixels with taps {@code dilation} apart on the input zero-padded by {@code padding};
 * Ho = floor((H + 2 padding - dilation (k - 1) - 1) / stride) + 1, Wo alike. See {@link Tensor#conv2d}. An
 * unbatched image [in, H, W] gives [out, Ho, Wo], as a batch of one (as PyTorch 1.13).
 *
 * <p>The weight has shape [out, in/groups, k, k] and the bias [out], with PyTorch's names and initialisation:
 * both ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)) with fan_in = in/groups * k * k (kaiming_uniform with a = sqrt(5)),
 * the weight drawn first, in row-major order.
 */
public class Conv2d extends Module {
    private final int in;
    private final int out;
    private final int kernel;
    private final int stride;
    private final int padding;
    private final int dilation;
    private final int groups;
    private final boolean hasBias;

    /** A k x k convolution with stride 1, no padding and a bias, initialised from {@link Generator#defaultGenerator()}. */
    public Conv2d(int in, int out, int kernel) {
        this(in, out, kernel, 1, 0);
    }

    /** A k x k convolution with a bias, initialised from {@link Generator#defaultGenerator()}. */
    public Conv2d(int in, int out, int kernel, int stride, int padding) {
        this(in, out, kernel, stride, padding, 1, 1, true, Generator.defaultGenerator());
    }

    /**
     * A k x k convolution; in and out must be divisible by groups. Modified: gen (advanced by the weight's and the
     * bias's element counts).
     */
    public Conv2d(int in, int out, int kernel, int stride, int padding, int dilation, int groups, boolean bias,
                  Generator gen) {
        if (in <= 0 || out <= 0 || kernel <= 0 || stride <= 0 || padding < 0 || dilation <= 0 || groups <= 0) {
            throw new IllegalArgumentException("Conv2d: need positive in_channels, out_channels, kernel_size, stride,"
                    + " dilation, groups and padding >= 0, got in=" + in + ", out=" + out + ", kernel=" + kernel
                    + ", stride=" + stride + ", padding=" + padding + ", dilation=" + dilation + ", groups=" + groups);
        }
        if (in % groups != 0 || out % groups != 0) {
            throw new IllegalArgumentException("Conv2d: in_channels=" + in + " and out_channels=" + out
                    + " must both be divisible by groups=" + groups);
        }
        if (gen == null) {
            throw new IllegalArgumentException("Conv2d: generator is null");
        }
        this.in = in;
        this.out = out;
        this.kernel = kernel;
        this.stride = stride;
        this.padding = padding;
        this.dilation = dilation;
        this.groups = groups;
        this.hasBias = bias;
        Tensor w = registerParameter("weight", Tensor.zeros(out, in / groups, kernel, kernel));
        Init.kaimingUniform(w, Math.sqrt(5), FanMode.FAN_IN, "leaky_relu", gen);
        if (bias) {
            double bound = 1 / Math.sqrt((double) in / groups * kernel * kernel);
            Init.uniform(registerParameter("bias", Tensor.zeros(out)), -bound, bound, gen);
        }
    }

    @Override
    public Tensor forward(Tensor x) {
        requireInput(x);
        Pooling.checkRank("Conv2d", x);
        if (x.size(-3) != in) {
            throw new IllegalArgumentException("Conv2d: input " + Arrays.toString(x.shape()) + " has " + x.size(-3)
                    + " channels, weight expects " + in);
        }
        int span = dilation * (kernel - 1) + 1;
        if (x.size(-2) + 2 * padding < span || x.size(-1) + 2 * padding < span) {
            throw new IllegalArgumentException("Conv2d: input " + Arrays.toString(x.shape()) + " padded by " + padding
                    + " is smaller than the " + span + "x" + span + " (dilated) kernel");
        }
        return Pooling.batched(x, b -> Tensor.conv2d(b, weight(), bias(), stride, padding, dilation, groups));
    }

    /** The weight, shape [out, in/groups, k, k]. */
    public Tensor weight() {
        return param("weight");
    }

    /** The bias, shape [out], or null for a layer built without bias. */
    public Tensor bias() {
        return hasBias ? param("bias") : null;
    }

    /** The input channels {@code in}. */
    public int inChannels() {
        return in;
    }

    /** The output channels {@code out}. */
    public int outChannels() {
        return out;
    }

    @Override
    protected String extraRepr() {
        StringBuilder sb = new StringBuilder().append(in).append(", ").append(out)
                .append(", kernel_size=(").append(kernel).append(", ").append(kernel)
                .append("), stride=(").append(stride).append(", ").append(stride).append(')');
        if (padding != 0) {
            sb.append(", padding=(").append(padding).append(", ").append(padding).append(')');
        }
        if (dilation != 1) {
            sb.append(", dilation=(").append(dilation).append(", ").append(dilation).append(')');
        }
        if (groups != 1) {
            sb.append(", groups=").append(groups);
        }
        if (!hasBias) {
            sb.append(", bias=False");
        }
        return sb.toString();
    }
}
