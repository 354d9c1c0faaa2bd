package io.jgrad.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A small strict JSON (RFC 8259) parser and writer for headers, configs and metrics.
 *
 * <p>Parsing gives {@link Map} (a {@link java.util.LinkedHashMap} in the text's key order), {@link List}, {@link String},
 * {@link Long} (integers without fraction or exponent that fit), {@link Double} (all other numbers),
 * {@link Boolean} and {@code null}. It rejects what lenient parsers let through: duplicate keys, trailing
 * content, nesting deeper than {@value #MAX_DEPTH}, text longer than {@value #MAX_LENGTH} characters, lone
 * surrogates in escapes, control characters in strings. Errors are {@link JgradFormatException}s whose
 * position is the line and column (from 1) of the offending character, as an editor shows them.
 *
 * <p>Writing accepts the same types (plus Integer, Short, Byte, Float and BigInteger, and any {@link Map} with
 * string keys, written in its iteration order), is deterministic, and prints doubles in the shortest form that
 * reads back to the same value. NaN and infinities have no JSON form and are refused, as is nesting that {@link #parse} would refuse.
 */
public final class Json {
    /** Deepest nesting of arrays and objects accepted. */
    public static final int MAX_DEPTH = 64;
    /** Longest text accepted, in characters (100 Mi). */
    public static final int MAX_LENGTH = 100 << 20;

    private Json() {}

    /** Parses {@code text}; errors name no file. */
    public static Object parse(String text) {
        return parse(text, null);
    }

    /** Parses {@code text} that was read from {@code source} (named in errors; may be null). */
    public static Object parse(String text, Path source) {
        return new JsonParser(text, source, null).parseDocument();
    }

    /** Parses with error positions written as {@code positionPrefix + offset}, e.g. "header character 17". */
    static Object parse(String text, Path source, String positionPrefix) {
        return new JsonParser(text, source, positionPrefix).parseDocument();
    }

    /**
     * Reads and parses a UTF-8 JSON file; the size is checked before the file is read. One byte-order mark at the start
     * is skipped, as RFC 8259 section 8.1 allows and as CSV files are read: some editors write it.
     *
     * @throws JgradFormatException if the file is too large, not UTF-8, or not valid JSON
     * @throws IOException if the file cannot be read
     */
    public static Object read(Path file) throws IOException {
        long size = Files.size(file);
        if (size > MAX_LENGTH) {
            throw new JgradFormatException(file, "", "file is " + size + " bytes, more than the JSON limit of " + MAX_LENGTH);
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(Files.readAllBytes(file)))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new JgradFormatException(file, "", "file is not valid UTF-8; JSON must be UTF-8", e);
        }
        return parse(text.startsWith("\uFEFF") ? text.substring(1) : text, file);
    }

    /**
     * A parsed value as an error names it: "null", the string "..." (its first 40 characters), "an object", "a list",
     * or the number or boolean itself.
     */
    public static String describe(Object value) {
        if (value == null) {
            return "null";
        }
        if (value instanceof String s) {
            return "the string \"" + (s.length() > 40 ? s.substring(0, 40) + "..." : s) + "\"";
        }
        if (value instanceof java.util.Map) {
            return "an object";
        }
        if (value instanceof java.util.List) {
            return "a list";
        }
        return value.toString();
    }

    /** {@code value} as pretty-printed JSON (two-space indent, newline at the end). */
    public static String write(Object value) {
        StringBuilder sb = new StringBuilder();
        writeValue(sb, value, 0, true);
        return sb.append('\n').toString();
    }

    /** {@code value} as JSON on one line with no spaces (as safetensors headers are written). */
    public static String writeCompact(Object value) {
        StringBuilder sb = new StringBuilder();
        writeValue(sb, value, 0, false);
        return sb.toString();
    }

    private static void writeValue(StringBuilder sb, Object value, int indent, boolean pretty) {
        // a container at indent i is nesting level i + 1: refuse what parse would refuse
        if (indent >= MAX_DEPTH && (value instanceof Map<?, ?> || value instanceof List<?>)) {
            throw new IllegalArgumentException("Json.write: nesting deeper than " + MAX_DEPTH + " (a cycle?)");
        }
        switch (value) {
            case null -> sb.append("null");
            case String s -> writeString(sb, s);
            case Boolean b -> sb.append(b);
            case Double d -> sb.append(finite(d, d));
            case Float f -> sb.append(finite(f, f));
            case Long l -> sb.append(l);
            case Integer i -> sb.append(i);
            case Short s -> sb.append(s);
            case Byte b -> sb.append(b);
            case java.math.BigInteger b -> sb.append(b);
            case Map<?, ?> map -> writeObject(sb, map, indent, pretty);
            case List<?> list -> writeArray(sb, list, indent, pretty);
            default -> throw new IllegalArgumentException("Json.write: cannot write a " + value.getClass().getName()
                    + "; use Map, List, String, Number, Boolean or null");
        }
    }

    private static String finite(double d, Object shown) {
        if (!Double.isFinite(d)) {
            throw new IllegalArgumentException("Json.write: " + shown + " has no JSON form; only finite numbers can be written");
        }
        // Double.toString and Float.toString give the shortest decimal that reads back exactly (JDK 19+).
        return shown.toString();
    }

    private static void writeObject(StringBuilder sb, Map<?, ?> map, int indent, boolean pretty) {
        if (map.isEmpty()) {
            sb.append("{}");
            return;
        }
        sb.append('{');
        boolean first = true;
        for (Map.Entry<?, ?> e : map.entrySet()) {
            if (!(e.getKey() instanceof String key)) {
                throw new IllegalArgumentException("Json.write: object keys must be strings, got " + e.getKey());
            }
            sb.append(first ? "" : ",");
            first = false;
            newline(sb, indent + 1, pretty);
            writeString(sb, key);
            sb.append(pretty ? ": " : ":");
            writeValue(sb, e.getValue(), indent + 1, pretty);
        }
        newline(sb, indent, pretty);
        sb.append('}');
    }

    private static void writeArray(StringBuilder sb, List<?> list, int indent, boolean pretty) {
        if (list.isEmpty()) {
            sb.append("[]");
            return;
        }
        sb.append('[');
        for (int i = 0; i < list.size(); i++) {
            sb.append(i == 0 ? "" : ",");
            newline(sb, indent + 1, pretty);
            writeValue(sb, list.get(i), indent + 1, pretty);
        }
        newline(sb, indent, pretty);
        sb.append(']');
    }

    private static void newline(StringBuilder sb, int indent, boolean pretty) {
        if (pretty) {
            sb.append('\n').append("  ".repeat(indent));
        }
    }

    private static void writeString(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case '\b' -> sb.append("\\b");
                case '\f' -> sb.append("\\f");
                default -> {
                    if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                        sb.append(c).append(s.charAt(++i));
                    } else if (Character.isSurrogate(c)) {
                        throw new IllegalArgumentException(String.format("Json.write: string has a lone UTF-16 surrogate"
                                + " U+%04X at index %d; it has no UTF-8 form (a string cut in the middle of a character?)", (int) c, i));
                    } else if (c < 0x20 || c == 0x7F) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }
}
