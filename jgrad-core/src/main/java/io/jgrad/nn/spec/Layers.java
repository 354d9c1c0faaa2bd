package io.jgrad.nn.spec;

import io.jgrad.io.JgradFormatException;
import io.jgrad.nn.AdaptiveAvgPool2d;
import io.jgrad.nn.AvgPool2d;
import io.jgrad.nn.BatchNorm;
import io.jgrad.nn.BatchNorm1d;
import io.jgrad.nn.BatchNorm2d;
import io.jgrad.nn.Conv2d;
import io.jgrad.nn.Dropout;
import io.jgrad.nn.Dropout2d;
import io.jgrad.nn.ELU;
import io.jgrad.nn.Flatten;
import io.jgrad.nn.GELU;
import io.jgrad.nn.Identity;
import io.jgrad.nn.LeakyReLU;
import io.jgrad.nn.Linear;
import io.jgrad.nn.LogSoftmax;
import io.jgrad.nn.MaxPool2d;
import io.jgrad.nn.Module;
import io.jgrad.nn.ReLU;
import io.jgrad.nn.Sigmoid;
import io.jgrad.nn.Softmax;
import io.jgrad.nn.Tanh;
import io.jgrad.tensor.Generator;
import io.jgrad.tensor.Tensor;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * What a {@link LayerSpec} does to the shape of one sample (the batch dimension left out), and the module it
 * stands for. Shapes follow PyTorch: a convolution maps [C, H, W] to [out, Ho, Wo] with
 * Ho = floor((H + 2 padding - dilation (k - 1) - 1) / stride) + 1, a pool to [C, floor((H + 2 padding - k) /
 * stride) + 1, ...], a linear layer replaces the last dimension by out_features, flatten(start_dim) merges the
 * dimensions from start_dim (counting the batch as dimension 0, or, when negative, back from the last as -1) to the
 * last.
 */
public final class Layers {
    private Layers() {}

    /**
     * The layer with its input size (in_channels, in_features, num_features) set from {@code in}, checked against
     * it. Errors name the file, {@code field} (e.g. "layers[3]") and the shapes.
     */
    public static LayerSpec infer(LayerSpec l, int[] in, Path file, String field) {
        return switch (l.type()) {
            case "conv2d" -> {
                requireImages(l, in, file, field);
                LayerSpec c = matching(l, "in_channels", in[0], in, file, field);
                int groups = l.integer("groups", 1);
                if (in[0] % groups != 0 || l.integer("out_channels", 0) % groups != 0) {
                    throw new JgradFormatException(file, field + ".groups", "in_channels " + in[0] + " and out_channels "
                            + l.integer("out_channels", 0) + " must both be divisible by groups " + groups);
                }
                yield c;
            }
            case "linear" -> matching(l, "in_features", in[in.length - 1], in, file, field);
            case "batchnorm1d" -> {
                if (in.length > 2) {
                    throw new JgradFormatException(file, field, "batchnorm1d normalizes [N, C] or [N, C, L], but its input is "
                            + shape(in) + "; use batchnorm2d for images");
                }
                yield matching(l, "num_features", in[0], in, file, field);
            }
            case "batchnorm2d" -> {
                requireImages(l, in, file, field);
                yield matching(l, "num_features", in[0], in, file, field);
            }
            case "maxpool2d", "avgpool2d", "adaptiveavgpool2d", "dropout2d" -> {
                requireImages(l, in, file, field);
                yield l;
            }
            case "flatten", "softmax", "logsoftmax" -> {
                String f = dimField(l);
                int d = l.integer(f, 1);
                int resolved = dim(l, in);
                if (resolved < 1 || resolved > in.length) {
                    String where = resolved > in.length ? "past the last dimension" : resolved == 0
                            ? "the batch dimension 0" : "before the first dimension";
                    throw new JgradFormatException(file, field + "." + f, d + " is " + where + " of the input " + shape(in)
                            + (in.length == 1 ? "; expected 1, or -1 counting from the last" : "; expected 1 to " + in.length
                                    + ", or -" + in.length + " to -1 counting from the last")
                            + " (dimension 0 is the batch; each sample is taken alone)");
                }
                yield l;
            }
            default -> l;
        };
    }

    /**
     * The shape of one sample after the (inferred) layer; fails when a dimension would be empty, or when one sample
     * alone would have more values than one tensor holds (a batch tensor [N, ...] holds at least one sample). The sizes
     * are computed in long: a padding or a channel count near 2^31 must not wrap around to a small or negative size.
     */
    public static int[] output(LayerSpec l, int[] in, Path file, String field) {
        long[] out = switch (l.type()) {
            case "conv2d" -> {
                long k = l.integer("kernel_size", 1), s = l.integer("stride", 1), p = l.integer("padding", 0);
                long d = l.integer("dilation", 1);
                yield new long[] {l.integer("out_channels", 1), Math.floorDiv(in[1] + 2 * p - d * (k - 1) - 1, s) + 1,
                    Math.floorDiv(in[2] + 2 * p - d * (k - 1) - 1, s) + 1};
            }
            case "maxpool2d", "avgpool2d" -> {
                long k = l.integer("kernel_size", 1), s = l.integer("stride", (int) k), p = l.integer("padding", 0);
                if (2 * p > k) {
                    throw new JgradFormatException(file, field + ".padding", p + " is more than half of kernel_size " + k
                            + " (PyTorch refuses it too)");
                }
                yield new long[] {in[0], Math.floorDiv(in[1] + 2 * p - k, s) + 1, Math.floorDiv(in[2] + 2 * p - k, s) + 1};
            }
            case "adaptiveavgpool2d" -> new long[] {in[0], l.size("output_size")[0], l.size("output_size")[1]};
            case "linear" -> {
                long[] o = longs(in);
                o[o.length - 1] = l.integer("out_features", 1);
                yield o;
            }
            case "flatten" -> {
                int from = dim(l, in) - 1;
                long[] o = Arrays.copyOf(longs(in), from + 1);
                for (int i = from + 1; i < in.length; i++) {
                    o[from] = saturatingTimes(o[from], in[i]);
                }
                yield o;
            }
            default -> longs(in);
        };
        long values = 1;
        for (long d : out) {
            if (d < 1) {
                throw new JgradFormatException(file, field, l.type() + " turns the input " + shape(in) + " into " + shape(out)
                        + ", which is empty; the image is too small for this layer (pad it, or pool less before it)");
            }
            values = saturatingTimes(values, d);
        }
        if (values > Tensor.MAX_NUMEL) {
            throw new JgradFormatException(file, field, String.format("%s turns the input %s into %s, %s values per sample;"
                    + " one tensor holds at most %,d: use fewer channels or features, or less padding", l.type(), shape(in),
                    shape(out), values == Long.MAX_VALUE ? "more than 2^63" : String.format("%,d", values), Tensor.MAX_NUMEL));
        }
        int[] result = new int[out.length];
        for (int i = 0; i < out.length; i++) {
            result[i] = (int) out[i];
        }
        return result;
    }

    private static long[] longs(int[] v) {
        long[] o = new long[v.length];
        for (int i = 0; i < v.length; i++) {
            o[i] = v[i];
        }
        return o;
    }

    /** Number of trainable values of an inferred layer (its weight and bias). */
    public static long parameters(LayerSpec l) {
        return switch (l.type()) {
            case "conv2d", "linear" -> largestTensor(l) + (l.flag("bias", true) ? outputs(l) : 0);
            case "batchnorm1d", "batchnorm2d" -> 2L * l.integer("num_features", 0);
            default -> 0;
        };
    }

    /** Elements of the layer's largest tensor (the weight), checked before anything is allocated. */
    public static long largestTensor(LayerSpec l) {
        return switch (l.type()) {
            case "conv2d" -> (long) l.integer("out_channels", 0) * (l.integer("in_channels", 0) / Math.max(1, l.integer("groups", 1)))
                    * l.integer("kernel_size", 0) * l.integer("kernel_size", 0);
            case "linear" -> (long) l.integer("out_features", 0) * l.integer("in_features", 0);
            case "batchnorm1d", "batchnorm2d" -> l.integer("num_features", 0);
            default -> 0;
        };
    }

    private static int outputs(LayerSpec l) {
        return l.type().equals("conv2d") ? l.integer("out_channels", 0) : l.integer("out_features", 0);
    }

    /** The module of an inferred layer. Modified: gen (drawn from for the initial weights and dropout masks). */
    public static Module build(LayerSpec l, Generator gen) {
        return switch (l.type()) {
            case "conv2d" -> new Conv2d(l.integer("in_channels", 0), l.integer("out_channels", 0), l.integer("kernel_size", 0),
                    l.integer("stride", 1), l.integer("padding", 0), l.integer("dilation", 1), l.integer("groups", 1),
                    l.flag("bias", true), gen);
            case "linear" -> new Linear(l.integer("in_features", 0), l.integer("out_features", 0), l.flag("bias", true), gen);
            case "batchnorm1d" -> new BatchNorm1d(l.integer("num_features", 0), l.number("eps", BatchNorm.DEFAULT_EPS),
                    l.number("momentum", BatchNorm.DEFAULT_MOMENTUM));
            case "batchnorm2d" -> new BatchNorm2d(l.integer("num_features", 0), l.number("eps", BatchNorm.DEFAULT_EPS),
                    l.number("momentum", BatchNorm.DEFAULT_MOMENTUM));
            case "maxpool2d" -> new MaxPool2d(l.integer("kernel_size", 0), l.integer("stride", l.integer("kernel_size", 0)),
                    l.integer("padding", 0));
            case "avgpool2d" -> new AvgPool2d(l.integer("kernel_size", 0), l.integer("stride", l.integer("kernel_size", 0)),
                    l.integer("padding", 0));
            case "adaptiveavgpool2d" -> new AdaptiveAvgPool2d(l.size("output_size")[0], l.size("output_size")[1]);
            case "dropout" -> new Dropout(l.number("p", 0.5), gen);
            case "dropout2d" -> new Dropout2d(l.number("p", 0.5), gen);
            case "flatten" -> new Flatten(l.integer("start_dim", 1));
            case "relu" -> new ReLU();
            case "sigmoid" -> new Sigmoid();
            case "tanh" -> new Tanh();
            case "gelu" -> new GELU();
            case "leakyrelu" -> new LeakyReLU(l.number("negative_slope", 0.01));
            case "elu" -> new ELU(l.number("alpha", 1.0));
            case "softmax" -> new Softmax(l.integer("dim", 1));
            case "logsoftmax" -> new LogSoftmax(l.integer("dim", 1));
            case "identity" -> new Identity();
            default -> throw new IllegalStateException("LayerSpec accepted the unknown type " + l.type());
        };
    }

    /** "start_dim" for flatten, "dim" for softmax and logsoftmax. */
    private static String dimField(LayerSpec l) {
        return l.type().equals("flatten") ? "start_dim" : "dim";
    }

    /**
     * The dimension of the batched input [N, in...] that flatten's start_dim or softmax's dim names, counted as PyTorch
     * does: d &gt;= 0 is itself, d &lt; 0 is d + 1 + in.length (-1 the last). {@link #infer} refuses a
     * result outside [1, in.length]: 0 is the batch.
     */
    private static int dim(LayerSpec l, int[] in) {
        int d = l.integer(dimField(l), 1);
        return d < 0 ? d + 1 + in.length : d;
    }

    /** "[N, 32, 14, 14]" for a sample shape [32, 14, 14]. */
    public static String shape(int[] sample) {
        return shape(longs(sample));
    }

    private static String shape(long[] sample) {
        StringBuilder sb = new StringBuilder("[N");
        for (long d : sample) {
            sb.append(", ").append(d);
        }
        return sb.append(']').toString();
    }

    private static void requireImages(LayerSpec l, int[] in, Path file, String field) {
        if (in.length != 3) {
            throw new JgradFormatException(file, field, l.type() + " needs images [N, C, H, W], but its input is " + shape(in)
                    + (in.length < 3 ? "; put it before flatten/linear, and train on image data (an IDX directory)" : ""));
        }
    }

    /** The layer with {@code name} = {@code actual}, or an error if the layer gives another value. */
    private static LayerSpec matching(LayerSpec l, String name, int actual, int[] in, Path file, String field) {
        int given = l.integer(name, actual);
        if (given != actual) {
            throw new JgradFormatException(file, field + "." + name, "is " + given + " but the input of this layer is "
                    + shape(in) + ", so it must be " + actual + " (or left out to be inferred)");
        }
        return l.with(name, actual);
    }

    /** a * b, or Long.MAX_VALUE where it overflows (both >= 0): a shape too large to hold is refused, not wrapped. */
    private static long saturatingTimes(long a, long b) {
        return Math.multiplyHigh(a, b) != 0 || a * b < 0 ? Long.MAX_VALUE : a * b;
    }
}
