package io.jgrad.cli;

import io.jgrad.io.JgradFormatException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** Typed reads of config.json fields; each failure names the file, the field and the type expected. */
final class ConfigFields {
    private ConfigFields() {}

    @SuppressWarnings("unchecked")
    static Map<String, Object> object(Object node, Path file, String field) {
        if (node instanceof Map<?, ?> m) {
            return (Map<String, Object>) m;
        }
        throw new JgradFormatException(file, field, "expected an object, got " + describe(node));
    }

    static Object require(Map<String, Object> m, String key, Path file, String parent) {
        if (!m.containsKey(key)) {
            throw new JgradFormatException(file, parent + "." + key, "missing field '" + key + "'");
        }
        return m.get(key);
    }

    @SuppressWarnings("unchecked")
    static List<Object> list(Map<String, Object> m, String key, Path file, String parent) {
        Object v = require(m, key, file, parent);
        if (v instanceof List<?> l) {
            return (List<Object>) l;
        }
        throw new JgradFormatException(file, parent + "." + key, "expected a list, got " + describe(v));
    }

    static String string(Map<String, Object> m, String key, Path file, String parent) {
        Object v = require(m, key, file, parent);
        if (v instanceof String s) {
            return s;
        }
        throw new JgradFormatException(file, parent + "." + key, "expected a string, got " + describe(v));
    }

    static int positiveInt(Map<String, Object> m, String key, Path file, String parent) {
        return positiveInt(require(m, key, file, parent), file, parent + "." + key);
    }

    static int positiveInt(Object v, Path file, String field) {
        if (v instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue()) && n.doubleValue() >= 1
                && n.doubleValue() <= Integer.MAX_VALUE) {
            return n.intValue();
        }
        throw new JgradFormatException(file, field, "expected a positive integer, got " + describe(v));
    }

    static double number(Map<String, Object> m, String key, Path file, String parent) {
        Object v = require(m, key, file, parent);
        if (v instanceof Number n && Double.isFinite(n.doubleValue())) {
            return n.doubleValue();
        }
        throw new JgradFormatException(file, parent + "." + key, "expected a number, got " + describe(v));
    }

    static String describe(Object v) {
        if (v == null) {
            return "null";
        }
        if (v instanceof String s) {
            return "the string \"" + (s.length() > 40 ? s.substring(0, 40) + "..." : s) + "\"";
        }
        if (v instanceof Map) {
            return "an object";
        }
        if (v instanceof List) {
            return "a list";
        }
        return v.toString();
    }
}
