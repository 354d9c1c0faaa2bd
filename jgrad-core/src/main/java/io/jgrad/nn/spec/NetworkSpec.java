package io.jgrad.nn.spec;

import io.jgrad.io.ConfigFields;
import io.jgrad.io.JgradFormatException;
import io.jgrad.io.Json;
import io.jgrad.nn.Activations;
import io.jgrad.nn.Sequential;
import io.jgrad.tensor.Generator;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The architecture of a network built by the CLI: the shape of one input sample and the layers, each with its
 * input size inferred. It builds the equivalent of PyTorch's {@code nn.Sequential(layer0, layer1, ...)}, so the
 * checkpoint's tensor names are {@code 0.weight, 0.bias, 1.running_mean, ...} exactly as PyTorch's.
 *
 * @param inputShape one sample's shape without the batch dimension: [features] or images [C, H, W]
 * @param layers     the layers, in_channels / in_features / num_features filled in
 */
public record NetworkSpec(int[] inputShape, List<LayerSpec> layers) {

    /** The documented default of {@code --model cnn}; see {@link #cnn}. */
    public static final String CNN_DESCRIPTION = "conv2d(32, 3x3, padding 1) - batchnorm2d - relu - maxpool2d(2) - conv2d(64, 3x3,"
            + " padding 1) - batchnorm2d - relu - maxpool2d(2) - dropout(0.25) - flatten - linear(128) - relu - dropout(0.5)"
            + " - linear(classes)";

    public NetworkSpec {
        layers = List.copyOf(layers);
        inputShape = inputShape.clone();
    }

    /**
     * Infers every layer's input size from {@code inputShape} and checks that each layer accepts what reaches it.
     * Errors name {@code file} and {@code field}[i] (e.g. "model.json: layers[3].in_channels: ...").
     */
    public static NetworkSpec resolve(int[] inputShape, List<LayerSpec> layers, Path file, String field) {
        if (layers.isEmpty()) {
            throw new JgradFormatException(file, field, "the network has no layers; list at least one, e.g. {\"type\": \"linear\","
                    + " \"out_features\": 10}");
        }
        List<LayerSpec> done = new ArrayList<>();
        int[] shape = inputShape;
        for (int i = 0; i < layers.size(); i++) {
            LayerSpec l = Layers.infer(layers.get(i), shape, file, field + "[" + i + "]");
            shape = Layers.output(l, shape, file, field + "[" + i + "]");
            done.add(l);
        }
        return new NetworkSpec(inputShape, done);
    }

    /**
     * An MLP: Linear, act, Linear, act, ..., Linear[, output act]. Throws IllegalArgumentException for bad names, its
     * message naming the flag that gave them (--activation, --output-activation), as the commands' other errors do.
     */
    public static NetworkSpec mlp(int inputSize, int[] hidden, int outputSize, String activation, String outputActivation) {
        if (Activations.hidden(activation) == null) {
            throw new IllegalArgumentException("--activation " + activation + ": unknown activation; expected one of "
                    + Activations.HIDDEN_NAMES);
        }
        if (Activations.output(outputActivation) == null) {
            throw new IllegalArgumentException("--output-activation " + outputActivation + ": unknown output activation;"
                    + " expected one of " + Activations.OUTPUT_NAMES);
        }
        List<LayerSpec> layers = new ArrayList<>();
        for (int h : hidden) {
            layers.add(LayerSpec.of("linear", "out_features", h));
            layers.add(activationLayer(activation));
        }
        layers.add(LayerSpec.of("linear", "out_features", outputSize));
        String out = outputActivation.trim().toLowerCase(Locale.ROOT);
        if (out.equals("sigmoid") || out.equals("softmax")) {
            layers.add(LayerSpec.of(out));
        }
        return resolve(new int[] {inputSize}, layers, null, "layers");
    }

    /**
     * The default CNN of {@code --model cnn} ({@link #CNN_DESCRIPTION}) for images [C, H, W] with H, W >= 4:
     * on 28x28 inputs the feature maps are 32x28x28, 32x14x14, 64x14x14, 64x7x7, then 3136 features.
     *
     * @throws IllegalArgumentException naming --model cnn if the images are smaller than 4x4
     */
    public static NetworkSpec cnn(int[] imageShape, int outputs) {
        if (imageShape[1] < 4 || imageShape[2] < 4) {
            throw new IllegalArgumentException("--model cnn pools twice by 2, so it needs images of at least 4x4, got "
                    + imageShape[1] + "x" + imageShape[2]);
        }
        List<LayerSpec> layers = List.of(
                LayerSpec.of("conv2d", "out_channels", 32, "kernel_size", 3, "padding", 1), LayerSpec.of("batchnorm2d"),
                LayerSpec.of("relu"), LayerSpec.of("maxpool2d", "kernel_size", 2),
                LayerSpec.of("conv2d", "out_channels", 64, "kernel_size", 3, "padding", 1), LayerSpec.of("batchnorm2d"),
                LayerSpec.of("relu"), LayerSpec.of("maxpool2d", "kernel_size", 2),
                LayerSpec.of("dropout", "p", 0.25), LayerSpec.of("flatten"),
                LayerSpec.of("linear", "out_features", 128), LayerSpec.of("relu"), LayerSpec.of("dropout", "p", 0.5),
                LayerSpec.of("linear", "out_features", outputs));
        return resolve(imageShape, layers, null, "--model cnn: layers");
    }

    /**
     * jgrad train's refusal, on one machine and on Spark, of {@code data} ("--data FILE.csv"), whose samples are rows of
     * features, for {@code --model model}: the CNN ({@code fileLayers} null) or a file of {@code fileLayers} of which one
     * works on images only ({@link LayerSpec#spatial}). It names --model, whose network is what cannot take rows.
     */
    public static String imagesExpected(String model, List<LayerSpec> fileLayers, String data) {
        String why = fileLayers == null ? "the network is convolutional: it takes images [N, C, H, W]"
                : "its " + LayerSpec.firstSpatial(fileLayers) + " works on images [N, C, H, W]";
        return "--model " + model + ": " + why + ", but " + data + " holds rows of features; give --data an IDX directory of"
                + " images, or use a network without image layers (conv2d, batchnorm2d, maxpool2d, avgpool2d, adaptiveavgpool2d,"
                + " dropout2d), e.g. --model mlp";
    }

    /**
     * What {@code --model VALUE} names, read: null for "mlp" and "cnn" (built from flags and data), else the layers of
     * the JSON file VALUE ({@link #readLayers}).
     *
     * @throws IllegalArgumentException naming --model if VALUE is empty, a directory or no file;
     *     JgradFormatException as {@link #readLayers}
     */
    public static List<LayerSpec> modelLayers(String value) throws IOException {
        if (value.isBlank()) {
            // as a path, "" is the current directory: it was refused as "--model : is a directory"
            throw new IllegalArgumentException("--model: empty; expected mlp, cnn or a JSON file of layers");
        }
        if (value.equals("mlp") || value.equals("cnn")) {
            return null;
        }
        Path file = Path.of(value);
        if (java.nio.file.Files.isDirectory(file)) {
            throw new IllegalArgumentException("--model " + file + ": is a directory; expected mlp, cnn or a JSON file of layers");
        }
        if (!java.nio.file.Files.isRegularFile(file)) {
            throw new IllegalArgumentException("--model " + file + ": no such file; expected mlp, cnn or a JSON file of layers");
        }
        return readLayers(file);
    }

    /**
     * Refuses a layer of this network (read from {@code file}) whose weight tensor would hold more than
     * {@link io.jgrad.tensor.Tensor#MAX_NUMEL} values, naming the file and the layer.
     */
    public void checkTensorSizes(Path file) {
        for (int i = 0; i < layers.size(); i++) {
            long largest = Layers.largestTensor(layers.get(i));
            if (largest > io.jgrad.tensor.Tensor.MAX_NUMEL) {
                throw new JgradFormatException(file, "layers[" + i + "]", String.format("%s would have a weight tensor of %,d"
                        + " values; one tensor holds at most %,d: use fewer features or channels", layers.get(i).type(),
                        largest, io.jgrad.tensor.Tensor.MAX_NUMEL));
            }
        }
    }

    /**
     * Refuses this network (read from {@code file}) unless its last layer gives {@code outputs} values per sample,
     * [N, outputs], as {@code loss} needs; {@code which} says what those values are ("one value per class"). jgrad train
     * names its --loss, jgrad train --spark cross-entropy, the one loss it trains.
     *
     * @throws JgradFormatException naming the file and the last layer, and the linear layer that ends such a network
     */
    public void checkOutputs(Path file, int outputs, String loss, String which) {
        int last = layers.size() - 1;
        int[] out = shapes()[last];
        if (out.length != 1 || out[0] != outputs) {
            throw new JgradFormatException(file, "layers[" + last + "]", "the network outputs " + Layers.shape(out) + ", but "
                    + loss + " needs [N, " + outputs + "] (" + which + "); end with {\"type\": \"linear\", \"out_features\": "
                    + outputs + "}" + (out.length > 1 ? " after a flatten" : ""));
        }
    }

    /**
     * Refuses this network (read from {@code file}) if no layer has weights: an optimizer refuses an empty parameter
     * list, in words meant for Java code (registerModule).
     */
    public void checkHasWeights(Path file) {
        if (layers.stream().mapToLong(Layers::parameters).sum() == 0) {
            throw new JgradFormatException(file, "layers", "the network has no weights to train; expected at least one layer"
                    + " with weights (conv2d, linear, batchnorm1d, batchnorm2d)");
        }
    }

    /** The layers of a model file: {@code {"layers": [{"type": ...}, ...]}}; errors name the file and the field. */
    public static List<LayerSpec> readLayers(Path file) throws IOException {
        Map<String, Object> m = ConfigFields.object(Json.read(file), file, "(top level)");
        // as a layer's unknown field: a key such as "input_shape" or "loss" here would otherwise be silently ignored
        for (String key : m.keySet()) {
            if (!key.equals("layers")) {
                throw new JgradFormatException(file, key, "not a field of a model file; it has only \"layers\" (the input"
                        + " shape comes from the data, the loss from --loss)");
            }
        }
        List<Object> list = ConfigFields.list(m, "layers", file, "");
        List<LayerSpec> layers = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            layers.add(LayerSpec.fromJson(list.get(i), file, "layers[" + i + "]"));
        }
        return layers;
    }

    /** Whether the network takes images [C, H, W] (else flat feature vectors). */
    public boolean images() {
        return inputShape.length == 3;
    }

    /**
     * Whether the network of {@code --model model} takes images [C, H, W]: the CNN ({@code fileLayers} null), or a file
     * of {@code fileLayers} of which one works on images only ({@link LayerSpec#spatial}); mlp takes flat feature vectors.
     */
    public static boolean takesImages(String model, List<LayerSpec> fileLayers) {
        return model.equals("cnn") || fileLayers != null && fileLayers.stream().anyMatch(LayerSpec::spatial);
    }

    /**
     * jgrad train's refusal, on one machine and on Spark, of {@code --augment augment} (any but none) for {@code --model
     * model}, whose network takes flat feature vectors ({@link #takesImages} false): augmentation flips and shifts images.
     */
    public static String augmentRefusal(String augment, String model) {
        return "--augment " + augment + " changes images, but --model " + model + " takes flat feature vectors; use --model"
                + " cnn or a model file with convolutions";
    }

    /**
     * Null when the network takes flat feature vectors; else, for the CLI's refusal of a CSV file, that
     * the trained network takes images, because of which layer, and {@code advice}: what to give instead.
     */
    public String imageNetwork(String advice) {
        if (!images()) {
            return null;
        }
        String layer = LayerSpec.firstSpatial(layers);
        return "the run's network takes images [N, C, H, W]" + (layer == null ? "" : ": its " + layer + " works on images")
                + "; " + advice;
    }

    public int inputSize() {
        int n = 1;
        for (int d : inputShape) {
            n *= d;
        }
        return n;
    }

    /** The shape of one sample after each layer. */
    public int[][] shapes() {
        int[][] out = new int[layers.size()][];
        int[] shape = inputShape;
        for (int i = 0; i < out.length; i++) {
            shape = Layers.output(layers.get(i), shape, null, "layers[" + i + "]");
            out[i] = shape;
        }
        return out;
    }

    /**
     * A batch normalization layer's place and input: layers[{@code index}] of {@code type} (batchnorm1d or batchnorm2d)
     * takes samples of {@code inputShape} [C, ...], which give it {@code perSample} values per channel (1 for [C], L for
     * [C, L], H x W for [C, H, W]). In training it needs 2 or more values per channel over a batch to compute a variance.
     */
    public record BatchNormInput(int index, String type, int[] inputShape, long perSample) {}

    /** The batch normalization layers, in order, with the values per channel one sample gives each. */
    public List<BatchNormInput> batchNormInputs() {
        int[][] shapes = shapes();
        List<BatchNormInput> out = new java.util.ArrayList<>();
        for (int i = 0; i < layers.size(); i++) {
            String type = layers.get(i).type();
            if (!type.equals("batchnorm1d") && !type.equals("batchnorm2d")) {
                continue;
            }
            int[] in = i == 0 ? inputShape : shapes[i - 1];
            long perSample = 1;
            for (int d = 1; d < in.length; d++) {
                perSample *= in[d];
            }
            out.add(new BatchNormInput(i, type, in, perSample));
        }
        return out;
    }

    /**
     * Null when every batch of an epoch gives each batch normalization layer 2 or more values per channel in training on
     * each of {@code partitions} parts, else why not, naming the flag to change: a variance over one value is undefined,
     * and the layer refuses it in training, as PyTorch's does. Only a layer with one value per channel and sample
     * (batchnorm1d on [N, C], or a 1x1 map) can get one: where the smallest batch of an epoch ({@code samples} mod {@code
     * batchSize}, when not 0) has fewer than 2 rows per partition. jgrad train has one partition; jgrad train --spark
     * normalizes each partition's share of a batch by that share's statistics, and with --no-shuffle, whose rows go to
     * the partitions round-robin, some partition then holds exactly 1 row (in shuffled batches almost surely one does
     * within an epoch). The message suggests the next batch size that works, or fewer partitions, or, where no batch size
     * helps (fewer than 2 training samples), names {@code data} (--data's value) instead.
     */
    public String batchNormRefusal(int samples, int batchSize, int partitions, String data) {
        for (BatchNormInput bn : batchNormInputs()) {
            int smallest = smallestBatch(samples, batchSize);
            if (bn.perSample() >= 2 || smallest >= 2 * partitions) {
                continue; // one row gives a variance, or every partition can get 2 rows of each batch
            }
            String layer = "layers[" + bn.index() + "] (" + bn.type() + ")";
            String input = "its input " + Layers.shape(bn.inputShape()) + " gives " + bn.perSample() + " per sample";
            if (samples < 2) { // every batch is the whole training set: a larger --batch-size cannot help
                return "--data " + data + ": the training set has " + samples + " sample" + (samples == 1 ? "" : "s") + ", and "
                        + layer + " needs 2 or more values per channel in training to compute a variance, but " + input
                        + ", whatever the --batch-size; expected more training data (or less --val-split), or a model without "
                        + bn.type();
            }
            String has = (smallest == Math.min(batchSize, samples) ? "each batch has " : "the last batch of each epoch has ")
                    + smallest + " of the " + samples + " training samples";
            int works = batchSize + 1;
            while (works < samples && smallestBatch(samples, works) < 2 * partitions) {
                works++;
            }
            if (partitions == 1) {
                return "--batch-size " + batchSize + ": " + has + ", and " + layer + " needs 2 or more values per channel in"
                        + " training to compute a variance, but " + input + "; use a --batch-size that leaves no batch of one"
                        + " sample, e.g. --batch-size " + works;
            }
            String fix = smallestBatch(samples, works) >= 2 * partitions
                    ? "use a --batch-size of 2 or more per partition, e.g. --batch-size " + works + ", or fewer --partitions"
                    : "use --partitions " + samples / 2 + " or fewer";
            return "--batch-size " + batchSize + ": " + has + ", spread over the " + partitions + " partitions by the rows each"
                    + " holds, so that a partition's share of a batch can be 1 sample, and " + layer + " normalizes each"
                    + " partition's share by its own statistics: it needs 2 or more values per channel in training to compute a"
                    + " variance, but " + input + "; " + fix;
        }
        return null;
    }

    /** The number of samples in the smallest batch of an epoch. */
    private static int smallestBatch(int samples, int batchSize) {
        return samples <= batchSize ? samples : samples % batchSize == 0 ? batchSize : samples % batchSize;
    }

    /** "softmax", "logsoftmax" or "sigmoid" when the last layer is one of them, else "none". */
    public String outputActivation() {
        String last = layers.getLast().type();
        return List.of("softmax", "logsoftmax", "sigmoid").contains(last) ? last : "none";
    }

    /** The network, initialized as PyTorch initializes its layers, drawing from {@code gen}. Modified: gen. */
    public Sequential build(Generator gen) {
        Sequential net = new Sequential();
        for (LayerSpec l : layers) {
            net.add(Layers.build(l, gen));
        }
        return net;
    }

    /** "784-256-128-10 relu" for an MLP, else "1x28x28 conv32k3p1-bn2d-relu-...-linear10". */
    public String describe() {
        StringBuilder sizes = new StringBuilder().append(inputSize());
        String act = null, out = null;
        boolean mlp = inputShape.length == 1;
        for (int i = 0; i < layers.size() && mlp; i++) {
            LayerSpec l = layers.get(i);
            boolean last = i == layers.size() - 1;
            if (i % 2 == 0) {
                mlp = l.type().equals("linear");
                sizes.append('-').append(l.integer("out_features", 0));
            } else if (last && (l.type().equals("sigmoid") || l.type().equals("softmax"))) {
                out = l.type();
            } else {
                mlp = (act == null || act.equals(l.describe())) && Activations.hidden(l.type()) != null && !last;
                act = l.describe();
            }
        }
        if (mlp) {
            return sizes + (act == null ? "" : " " + act) + (out == null ? "" : ", output " + out);
        }
        StringBuilder sb = new StringBuilder();
        for (int d : inputShape) {
            sb.append(sb.isEmpty() ? "" : "x").append(d);
        }
        sb.append(' ');
        for (int i = 0; i < layers.size(); i++) {
            sb.append(i == 0 ? "" : "-").append(layers.get(i).describe());
        }
        return sb.toString();
    }

    public Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        List<Object> shape = new ArrayList<>();
        for (int d : inputShape) {
            shape.add((long) d);
        }
        m.put("input_shape", shape);
        List<Object> ls = new ArrayList<>();
        for (LayerSpec l : layers) {
            ls.add(l.toJson());
        }
        m.put("layers", ls);
        return m;
    }

    /**
     * Reads the "model" object of a config.json: {@code input_shape} and {@code layers}, or the MLP fields of
     * format_version 1 (input_size, hidden_sizes, output_size, activation, output_activation). Every problem
     * names the file and the field.
     */
    public static NetworkSpec fromJson(Object node, Path file) {
        Map<String, Object> m = ConfigFields.object(node, file, "model");
        if (m.containsKey("hidden_sizes")) {
            ConfigFields.onlyKnown(m, file, "model", Set.of("input_size", "hidden_sizes", "output_size", "activation", "output_activation"));
            return fromVersion1(m, file);
        }
        ConfigFields.onlyKnown(m, file, "model", Set.of("input_shape", "layers"));
        List<Object> shape = ConfigFields.list(m, "input_shape", file, "model");
        if (shape.size() != 1 && shape.size() != 3) {
            throw new JgradFormatException(file, "model.input_shape", "expected [features] or [channels, height, width], got "
                    + shape.size() + " dimensions");
        }
        int[] in = new int[shape.size()];
        for (int i = 0; i < in.length; i++) {
            in[i] = ConfigFields.positiveInt(shape.get(i), file, "model.input_shape[" + i + "]");
        }
        List<Object> list = ConfigFields.list(m, "layers", file, "model");
        List<LayerSpec> layers = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            layers.add(LayerSpec.fromJson(list.get(i), file, "model.layers[" + i + "]"));
        }
        return resolve(in, layers, file, "model.layers");
    }

    private static NetworkSpec fromVersion1(Map<String, Object> m, Path file) {
        int in = ConfigFields.positiveInt(m, "input_size", file, "model");
        int out = ConfigFields.positiveInt(m, "output_size", file, "model");
        List<Object> hs = ConfigFields.list(m, "hidden_sizes", file, "model");
        int[] hidden = new int[hs.size()];
        for (int i = 0; i < hidden.length; i++) {
            hidden[i] = ConfigFields.positiveInt(hs.get(i), file, "model.hidden_sizes[" + i + "]");
        }
        String act = ConfigFields.string(m, "activation", file, "model");
        String outAct = ConfigFields.string(m, "output_activation", file, "model");
        if (Activations.hidden(act) == null) {
            throw new JgradFormatException(file, "model.activation", "unknown activation '" + act + "'; expected one of "
                    + Activations.HIDDEN_NAMES);
        }
        if (Activations.output(outAct) == null) {
            throw new JgradFormatException(file, "model.output_activation", "unknown output activation '" + outAct
                    + "'; expected one of " + Activations.OUTPUT_NAMES);
        }
        return mlp(in, hidden, out, act, outAct);
    }

    /** The layer of a hidden activation name such as "relu" or "leaky-relu:0.1" (already validated). */
    private static LayerSpec activationLayer(String spec) {
        String[] parts = spec.trim().toLowerCase(Locale.ROOT).split(":", 2);
        String type = parts[0].replace("-", "").replace("_", "");
        if (parts.length == 2) {
            return LayerSpec.of(type, type.equals("elu") ? "alpha" : "negative_slope", Double.parseDouble(parts[1]));
        }
        return LayerSpec.of(type);
    }
}
