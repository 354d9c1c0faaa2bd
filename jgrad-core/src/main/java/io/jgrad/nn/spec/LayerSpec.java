package io.jgrad.nn.spec;

import io.jgrad.io.ConfigFields;
import io.jgrad.io.JgradFormatException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * One layer of a network as a model file and config.json write it: {@code {"type": "conv2d", "out_channels":
 * 32, "kernel_size": 3, "padding": 1}}. Field names and defaults are those of the PyTorch module of the same
 * name; the input size (in_channels, in_features, num_features) may be given but is normally inferred from
 * the shape of the data reaching the layer (see {@link Layers}).
 *
 * @param type    a name from {@link #TYPE_NAMES}, lower case
 * @param options the fields other than "type", validated: Long for integers, Double for other numbers, Boolean,
 *                or a List of two Longs for an [h, w] size
 */
public record LayerSpec(String type, Map<String, Object> options) {

    /** What a field may hold. */
    public enum Kind {
        POSITIVE_INT("a positive integer"), NONNEGATIVE_INT("an integer >= 0"),
        POSITIVE_NUMBER("a positive number"), FRACTION("a number in [0, 1]"),
        NUMBER("a number"), BOOLEAN("true or false"), SIZE("a positive integer or a list [h, w] of two"),
        DIM("an integer (a negative one counts from the end, as in PyTorch)");

        final String expected;

        Kind(String expected) {
            this.expected = expected;
        }
    }

    private static final Map<String, Map<String, Kind>> FIELDS = new LinkedHashMap<>();
    private static final Set<String> REQUIRED = Set.of("conv2d.out_channels", "conv2d.kernel_size",
            "linear.out_features", "maxpool2d.kernel_size", "avgpool2d.kernel_size", "adaptiveavgpool2d.output_size");

    static {
        FIELDS.put("conv2d", fields("in_channels", Kind.POSITIVE_INT, "out_channels", Kind.POSITIVE_INT,
                "kernel_size", Kind.POSITIVE_INT, "stride", Kind.POSITIVE_INT, "padding", Kind.NONNEGATIVE_INT,
                "dilation", Kind.POSITIVE_INT, "groups", Kind.POSITIVE_INT, "bias", Kind.BOOLEAN));
        FIELDS.put("linear", fields("in_features", Kind.POSITIVE_INT, "out_features", Kind.POSITIVE_INT,
                "bias", Kind.BOOLEAN));
        FIELDS.put("batchnorm1d", fields("num_features", Kind.POSITIVE_INT, "eps", Kind.POSITIVE_NUMBER,
                "momentum", Kind.FRACTION));
        FIELDS.put("batchnorm2d", FIELDS.get("batchnorm1d"));
        FIELDS.put("maxpool2d", fields("kernel_size", Kind.POSITIVE_INT, "stride", Kind.POSITIVE_INT,
                "padding", Kind.NONNEGATIVE_INT));
        FIELDS.put("avgpool2d", FIELDS.get("maxpool2d"));
        FIELDS.put("adaptiveavgpool2d", fields("output_size", Kind.SIZE));
        FIELDS.put("dropout", fields("p", Kind.FRACTION));
        FIELDS.put("dropout2d", fields("p", Kind.FRACTION));
        FIELDS.put("flatten", fields("start_dim", Kind.DIM));
        FIELDS.put("relu", fields());
        FIELDS.put("sigmoid", fields());
        FIELDS.put("tanh", fields());
        FIELDS.put("gelu", fields());
        FIELDS.put("leakyrelu", fields("negative_slope", Kind.NUMBER));
        FIELDS.put("elu", fields("alpha", Kind.NUMBER));
        FIELDS.put("softmax", fields("dim", Kind.DIM));
        FIELDS.put("logsoftmax", fields("dim", Kind.DIM));
        FIELDS.put("identity", fields());
    }

    /** The layer types a model file may use. */
    public static final String TYPE_NAMES = String.join(", ", FIELDS.keySet());

    private static Map<String, Kind> fields(Object... nameKind) {
        Map<String, Kind> m = new LinkedHashMap<>();
        for (int i = 0; i < nameKind.length; i += 2) {
            m.put((String) nameKind[i], (Kind) nameKind[i + 1]);
        }
        return m;
    }

    /** A layer from code, e.g. {@code of("conv2d", "out_channels", 32, "kernel_size", 3)}; values are checked. */
    public static LayerSpec of(String type, Object... nameValue) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", type);
        for (int i = 0; i < nameValue.length; i += 2) {
            Object v = nameValue[i + 1];
            m.put((String) nameValue[i], v instanceof Integer n ? Long.valueOf(n) : v);
        }
        return fromJson(m, null, "layer " + type);
    }

    /** Reads one layer object; every problem names the file and {@code field} (e.g. "layers[3]"). */
    public static LayerSpec fromJson(Object node, Path file, String field) {
        Map<String, Object> m = ConfigFields.object(node, file, field);
        Object t = m.get("type");
        if (!(t instanceof String name)) {
            throw new JgradFormatException(file, field + ".type", (t == null ? "missing" : "expected a string, got "
                    + ConfigFields.describe(t)) + "; the layer types are " + TYPE_NAMES);
        }
        String type = name.trim().toLowerCase(Locale.ROOT).replace("_", "").replace("-", "");
        Map<String, Kind> allowed = FIELDS.get(type);
        if (allowed == null) {
            throw new JgradFormatException(file, field + ".type", "unknown layer type \"" + name + "\"; expected one of "
                    + TYPE_NAMES);
        }
        Map<String, Object> options = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : m.entrySet()) {
            if (e.getKey().equals("type")) {
                continue;
            }
            Kind kind = allowed.get(e.getKey());
            if (kind == null) {
                throw new JgradFormatException(file, field + "." + e.getKey(), "not a field of " + type + "; "
                        + (allowed.isEmpty() ? "it has none" : "its fields are " + String.join(", ", allowed.keySet())));
            }
            options.put(e.getKey(), value(e.getValue(), kind, file, field + "." + e.getKey()));
        }
        for (String f : allowed.keySet()) {
            if (REQUIRED.contains(type + "." + f) && !options.containsKey(f)) {
                throw new JgradFormatException(file, field + "." + f, "missing; " + type + " needs "
                        + REQUIRED.stream().filter(r -> r.startsWith(type + ".")).map(r -> r.substring(type.length() + 1))
                        .sorted().toList());
            }
        }
        return new LayerSpec(type, options);
    }

    private static Object value(Object v, Kind kind, Path file, String field) {
        boolean ok = switch (kind) {
            case POSITIVE_INT -> integral(v) && ((Number) v).doubleValue() >= 1;
            case NONNEGATIVE_INT -> integral(v) && ((Number) v).doubleValue() >= 0;
            case DIM -> integral(v); // its range depends on the input's rank: Layers.infer checks it
            case POSITIVE_NUMBER -> v instanceof Number n && n.doubleValue() > 0 && Double.isFinite(n.doubleValue());
            case FRACTION -> v instanceof Number n && n.doubleValue() >= 0 && n.doubleValue() <= 1;
            case NUMBER -> v instanceof Number n && Double.isFinite(n.doubleValue());
            case BOOLEAN -> v instanceof Boolean;
            case SIZE -> integral(v) && ((Number) v).doubleValue() >= 1 || v instanceof List<?> l && l.size() == 2
                    && l.stream().allMatch(x -> integral(x) && ((Number) x).doubleValue() >= 1);
        };
        if (!ok) {
            throw new JgradFormatException(file, field, "expected " + kind.expected + ", got " + ConfigFields.describe(v));
        }
        if (v instanceof List<?> l) {
            return List.of(((Number) l.get(0)).longValue(), ((Number) l.get(1)).longValue());
        }
        return switch (kind) {
            case BOOLEAN -> v;
            case POSITIVE_NUMBER, FRACTION, NUMBER -> ((Number) v).doubleValue();
            default -> ((Number) v).longValue();
        };
    }

    private static boolean integral(Object v) {
        return v instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())
                && Math.abs(n.doubleValue()) <= Integer.MAX_VALUE;
    }

    /** The integer field {@code name}, or {@code otherwise} when the layer leaves it out. */
    public int integer(String name, int otherwise) {
        return options.get(name) instanceof Number n ? n.intValue() : otherwise;
    }

    public double number(String name, double otherwise) {
        return options.get(name) instanceof Number n ? n.doubleValue() : otherwise;
    }

    public boolean flag(String name, boolean otherwise) {
        return options.get(name) instanceof Boolean b ? b : otherwise;
    }

    /** The [h, w] of an adaptive pool's output_size. */
    public int[] size(String name) {
        Object v = options.get(name);
        return v instanceof List<?> l ? new int[] {((Number) l.get(0)).intValue(), ((Number) l.get(1)).intValue()}
                : new int[] {((Number) v).intValue(), ((Number) v).intValue()};
    }

    /** The same layer with {@code name} set, e.g. an inferred in_channels. */
    public LayerSpec with(String name, Object value) {
        Map<String, Object> m = new LinkedHashMap<>(options);
        m.put(name, value instanceof Integer n ? Long.valueOf(n) : value);
        return new LayerSpec(type, m);
    }

    /** Whether the layer works on images [C, H, W] only. */
    public boolean spatial() {
        return switch (type) {
            case "conv2d", "batchnorm2d", "maxpool2d", "avgpool2d", "adaptiveavgpool2d", "dropout2d" -> true;
            default -> false;
        };
    }

    /** "layers[1] (batchnorm2d)": the first of {@code layers} that works on images only, or null when none does. */
    public static String firstSpatial(List<LayerSpec> layers) {
        for (int i = 0; i < layers.size(); i++) {
            if (layers.get(i).spatial()) {
                return "layers[" + i + "] (" + layers.get(i).type() + ")";
            }
        }
        return null;
    }

    public Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", type);
        for (Map.Entry<String, Object> e : options.entrySet()) {
            m.put(e.getKey(), e.getValue() instanceof List<?> l ? new ArrayList<Object>(l) : e.getValue());
        }
        return m;
    }

    /**
     * A short name: "conv32k3p1", "bn2d", "relu", "maxpool2", "dropout0.25", "linear128", "elu(alpha=-1)". An
     * activation's parameter, which may be negative, is named in parentheses: appended like dropout's p, alpha -1
     * read "elu-1", in a description that joins layers with '-'.
     */
    public String describe() {
        return switch (type) {
            case "conv2d" -> "conv" + integer("out_channels", 0) + "k" + integer("kernel_size", 0)
                    + (integer("stride", 1) == 1 ? "" : "s" + integer("stride", 1))
                    + (integer("padding", 0) == 0 ? "" : "p" + integer("padding", 0));
            case "linear" -> "linear" + integer("out_features", 0);
            case "batchnorm1d" -> "bn1d";
            case "batchnorm2d" -> "bn2d";
            case "maxpool2d", "avgpool2d" -> type.substring(0, type.length() - 2) + integer("kernel_size", 0);
            case "dropout", "dropout2d" -> type + trim(number("p", 0.5));
            case "leakyrelu" -> "leakyrelu(negative_slope=" + trim(number("negative_slope", 0.01)) + ")";
            case "elu" -> "elu(alpha=" + trim(number("alpha", 1.0)) + ")";
            default -> type;
        };
    }

    private static String trim(double v) {
        String s = Double.toString(v);
        return s.endsWith(".0") ? s.substring(0, s.length() - 2) : s;
    }
}
