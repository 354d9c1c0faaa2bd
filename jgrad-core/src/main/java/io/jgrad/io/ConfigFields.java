package io.jgrad.io;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Typed reads of config.json fields; each failure names the file, the field and the type expected. */
public final class ConfigFields {
    private ConfigFields() {}

    /** {@code node} as a JSON object ({@code field} names it in the error). */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> object(Object node, Path file, String field) {
        if (node instanceof Map<?, ?> m) {
            return (Map<String, Object>) m;
        }
        throw new JgradFormatException(file, field, "expected an object, got " + describe(node));
    }

    /** The dotted name of {@code key} inside {@code parent} ("" at the top level). */
    public static String field(String parent, String key) {
        return parent.isEmpty() ? key : parent + "." + key;
    }

    /** The value of a field that must be present (it may be null). */
    public static Object require(Map<String, Object> m, String key, Path file, String parent) {
        if (!m.containsKey(key)) {
            throw new JgradFormatException(file, field(parent, key), "missing field '" + key + "'");
        }
        return m.get(key);
    }

    /**
     * Refuses a key of {@code m} that is not in {@code known}: a misspelt optional field ("patiance") would
     * otherwise be ignored in silence and its default used.
     */
    public static void onlyKnown(Map<String, Object> m, Path file, String parent, Set<String> known) {
        for (String key : m.keySet()) {
            if (!known.contains(key)) {
                throw new JgradFormatException(file, field(parent, key), "unknown field '" + key + "'; "
                        + (parent.isEmpty() ? "the top level" : parent) + " has " + String.join(", ", known.stream().sorted().toList()));
            }
        }
    }

    /** A field that may be absent or null (then {@code absent}), else must be a string. */
    public static String optionalString(Map<String, Object> m, String key, Path file, String parent, String absent) {
        Object v = m.get(key);
        if (v == null) {
            return absent;
        }
        if (v instanceof String s) {
            return s;
        }
        throw new JgradFormatException(file, field(parent, key), "expected a string or null, got " + describe(v));
    }

    /** A field that may be absent or null (then {@code absent}), else must be true or false. */
    public static boolean optionalBoolean(Map<String, Object> m, String key, Path file, String parent, boolean absent) {
        Object v = m.get(key);
        if (v == null) {
            return absent;
        }
        if (v instanceof Boolean b) {
            return b;
        }
        throw new JgradFormatException(file, field(parent, key), "expected true or false, got " + describe(v));
    }

    /** A field that may be absent or null (then {@code absent}), else must be an integer in [0, 2^31). */
    public static int optionalNonNegativeInt(Map<String, Object> m, String key, Path file, String parent, int absent) {
        Object v = m.get(key);
        return v == null ? absent : nonNegativeInt(v, file, field(parent, key));
    }

    /** A field that must be an integer in [0, 2^31). */
    public static int nonNegativeInt(Map<String, Object> m, String key, Path file, String parent) {
        return nonNegativeInt(require(m, key, file, parent), file, field(parent, key));
    }

    /** {@code v}, the value of {@code field}, as an integer in [0, 2^31). */
    public static int nonNegativeInt(Object v, Path file, String field) {
        return intFrom(v, 0, "a non-negative integer", file, field);
    }

    /** {@code v}, the value of {@code field}, as an integer in [min, 2^31), else refused as not {@code expected}. */
    private static int intFrom(Object v, int min, String expected, Path file, String field) {
        if (v instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue()) && n.doubleValue() >= min
                && n.doubleValue() <= Integer.MAX_VALUE) {
            return n.intValue();
        }
        throw new JgradFormatException(file, field, "expected " + expected + ", got " + describe(v));
    }

    /** Any 64-bit integer: a long as written, or a double with an integral value that a long holds exactly. */
    public static long integer(Map<String, Object> m, String key, Path file, String parent) {
        Object v = require(m, key, file, parent);
        if (v instanceof Long l) {
            return l;
        }
        if (v instanceof Double d && d == Math.rint(d) && Math.abs(d) < 0x1p63) {
            return (long) (double) d;
        }
        throw new JgradFormatException(file, field(parent, key), "expected an integer, got " + describe(v));
    }

    /** A field that must be a JSON array. */
    @SuppressWarnings("unchecked")
    public static List<Object> list(Map<String, Object> m, String key, Path file, String parent) {
        Object v = require(m, key, file, parent);
        if (v instanceof List<?> l) {
            return (List<Object>) l;
        }
        throw new JgradFormatException(file, field(parent, key), "expected a list, got " + describe(v));
    }

    /** A field that must be a string. */
    public static String string(Map<String, Object> m, String key, Path file, String parent) {
        Object v = require(m, key, file, parent);
        if (v instanceof String s) {
            return s;
        }
        throw new JgradFormatException(file, field(parent, key), "expected a string, got " + describe(v));
    }

    /** A field that must be an integer in [1, 2^31). */
    public static int positiveInt(Map<String, Object> m, String key, Path file, String parent) {
        return positiveInt(require(m, key, file, parent), file, field(parent, key));
    }

    /** {@code v}, the value of {@code field}, as an integer in [1, 2^31). */
    public static int positiveInt(Object v, Path file, String field) {
        return intFrom(v, 1, "a positive integer", file, field);
    }

    /** A field that must be a finite number. */
    public static double number(Map<String, Object> m, String key, Path file, String parent) {
        Object v = require(m, key, file, parent);
        if (v instanceof Number n && Double.isFinite(n.doubleValue())) {
            return n.doubleValue();
        }
        throw new JgradFormatException(file, field(parent, key), "expected a number, got " + describe(v));
    }

    /** {@code v} as an error names it ({@link Json#describe}). */
    public static String describe(Object v) {
        return Json.describe(v);
    }
}
