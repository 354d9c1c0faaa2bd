package io.jgrad.io;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Recursive-descent parser over one text; depth-limited so hostile input cannot overflow the stack. */
final class JsonParser {
    private final String text;
    private final Path source;
    private final String prefix;
    private int pos;
    private int depth;

    /** {@code prefix} null: positions in errors are a line and column; else {@code prefix + character offset}. */
    JsonParser(String text, Path source, String prefix) {
        this.text = text;
        this.source = source;
        this.prefix = prefix;
    }

    Object parseDocument() {
        if (text.length() > Json.MAX_LENGTH) {
            throw error(0, "JSON text of " + text.length() + " characters is longer than the limit of " + Json.MAX_LENGTH);
        }
        skipWhitespace();
        if (pos >= text.length()) {
            throw error(pos, "empty JSON text; expected a value");
        }
        Object value = parseValue();
        skipWhitespace();
        if (pos < text.length()) {
            throw error(pos, "unexpected " + describe(pos) + " after the end of the JSON value");
        }
        return value;
    }

    private JgradFormatException error(int at, String problem) {
        return new JgradFormatException(source, prefix != null ? prefix + at : lineAndColumn(at), problem);
    }

    /**
     * "line L, column C" of the character at {@code at}, both from 1, as an editor shows them: lines end at LF,
     * CRLF or a lone CR, and columns count code points, so a character outside the BMP is one column.
     */
    private String lineAndColumn(int at) {
        int line = 1;
        int lineStart = 0;
        for (int i = 0; i < at && i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\n' || c == '\r' && (i + 1 >= text.length() || text.charAt(i + 1) != '\n')) {
                line++;
                lineStart = i + 1;
            }
        }
        int end = Math.min(at, text.length());
        return "line " + line + ", column " + (text.codePointCount(lineStart, end) + 1);
    }

    private String describe(int at) {
        if (at >= text.length()) {
            return "end of text";
        }
        char c = text.charAt(at);
        return c >= 0x20 && c < 0x7F ? "'" + c + "'" : String.format("character U+%04X", (int) c);
    }

    private void skipWhitespace() {
        while (pos < text.length()) {
            char c = text.charAt(pos);
            if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
                return;
            }
            pos++;
        }
    }

    private Object parseValue() {
        if (pos >= text.length()) {
            throw error(pos, "unexpected end of text; expected a value");
        }
        char c = text.charAt(pos);
        return switch (c) {
            case '{' -> parseObject();
            case '[' -> parseArray();
            case '"' -> parseString();
            case 't' -> literal("true", Boolean.TRUE);
            case 'f' -> literal("false", Boolean.FALSE);
            case 'n' -> literal("null", null);
            default -> {
                if (c == '-' || (c >= '0' && c <= '9')) {
                    yield parseNumber();
                }
                throw error(pos, "unexpected " + describe(pos) + "; expected a JSON value");
            }
        };
    }

    private Object literal(String word, Object value) {
        if (!text.startsWith(word, pos)) {
            throw error(pos, "unexpected " + describe(pos) + "; expected a JSON value");
        }
        pos += word.length();
        return value;
    }

    private void enter() {
        if (++depth > Json.MAX_DEPTH) {
            throw error(pos, "nesting deeper than " + Json.MAX_DEPTH + " levels");
        }
    }

    private Map<String, Object> parseObject() {
        enter();
        pos++; // '{'
        Map<String, Object> map = new LinkedHashMap<>();
        skipWhitespace();
        if (pos < text.length() && text.charAt(pos) == '}') {
            pos++;
            depth--;
            return map;
        }
        while (true) {
            skipWhitespace();
            if (pos >= text.length() || text.charAt(pos) != '"') {
                throw error(pos, "unexpected " + describe(pos) + "; expected a string key");
            }
            int keyAt = pos;
            String key = parseString();
            skipWhitespace();
            expect(':', "':' after an object key");
            skipWhitespace();
            Object value = parseValue();
            if (map.containsKey(key)) {
                throw error(keyAt, "duplicate key \"" + key + "\"");
            }
            map.put(key, value);
            skipWhitespace();
            if (pos < text.length() && text.charAt(pos) == ',') {
                pos++;
                continue;
            }
            expect('}', "',' or '}' in an object");
            depth--;
            return map;
        }
    }

    private List<Object> parseArray() {
        enter();
        pos++; // '['
        List<Object> list = new ArrayList<>();
        skipWhitespace();
        if (pos < text.length() && text.charAt(pos) == ']') {
            pos++;
            depth--;
            return list;
        }
        while (true) {
            skipWhitespace();
            list.add(parseValue());
            skipWhitespace();
            if (pos < text.length() && text.charAt(pos) == ',') {
                pos++;
                continue;
            }
            expect(']', "',' or ']' in an array");
            depth--;
            return list;
        }
    }

    private void expect(char c, String what) {
        if (pos >= text.length() || text.charAt(pos) != c) {
            throw error(pos, "unexpected " + describe(pos) + "; expected " + what);
        }
        pos++;
    }

    private String parseString() {
        int start = pos;
        pos++; // opening quote
        StringBuilder sb = new StringBuilder();
        while (true) {
            if (pos >= text.length()) {
                throw error(start, "string is not terminated; expected a closing '\"'");
            }
            char c = text.charAt(pos);
            if (c == '"') {
                pos++;
                return sb.toString();
            }
            if (c < 0x20) {
                throw error(pos, String.format("control character U+%04X in a string; it must be escaped", (int) c));
            }
            if (c != '\\') {
                if (Character.isSurrogate(c)) {
                    if (!Character.isHighSurrogate(c) || pos + 1 >= text.length()
                            || !Character.isLowSurrogate(text.charAt(pos + 1))) {
                        throw error(pos, "lone UTF-16 surrogate in a string");
                    }
                    sb.append(c).append(text.charAt(pos + 1));
                    pos += 2;
                    continue;
                }
                sb.append(c);
                pos++;
                continue;
            }
            pos++;
            if (pos >= text.length()) {
                throw error(pos, "unexpected end of text in an escape sequence");
            }
            char e = text.charAt(pos++);
            switch (e) {
                case '"' -> sb.append('"');
                case '\\' -> sb.append('\\');
                case '/' -> sb.append('/');
                case 'b' -> sb.append('\b');
                case 'f' -> sb.append('\f');
                case 'n' -> sb.append('\n');
                case 'r' -> sb.append('\r');
                case 't' -> sb.append('\t');
                case 'u' -> {
                    char u = hex4();
                    if (Character.isHighSurrogate(u)) {
                        if (!text.startsWith("\\u", pos)) {
                            throw error(pos - 6, "lone UTF-16 surrogate escape in a string");
                        }
                        pos += 2;
                        char low = hex4();
                        if (!Character.isLowSurrogate(low)) {
                            throw error(pos - 12, "high surrogate escape not followed by a low surrogate");
                        }
                        sb.append(u).append(low);
                    } else if (Character.isLowSurrogate(u)) {
                        throw error(pos - 6, "lone UTF-16 surrogate escape in a string");
                    } else {
                        sb.append(u);
                    }
                }
                default -> throw error(pos - 2, "invalid escape '\\" + e + "' in a string");
            }
        }
    }

    private char hex4() {
        if (pos + 4 > text.length()) {
            throw error(pos, "unexpected end of text in a \\u escape; expected 4 hex digits");
        }
        int v = 0;
        for (int i = 0; i < 4; i++) {
            int digit = Character.digit(text.charAt(pos + i), 16);
            if (digit < 0 || text.charAt(pos + i) > 0x7F) {
                throw error(pos + i, "invalid hex digit " + describe(pos + i) + " in a \\u escape");
            }
            v = v * 16 + digit;
        }
        pos += 4;
        return (char) v;
    }

    private Object parseNumber() {
        int start = pos;
        if (text.charAt(pos) == '-') {
            pos++;
        }
        if (pos >= text.length() || !isDigit(text.charAt(pos))) {
            throw error(pos, "unexpected " + describe(pos) + "; expected a digit");
        }
        if (text.charAt(pos) == '0') {
            pos++;
            if (pos < text.length() && isDigit(text.charAt(pos))) {
                throw error(start, "leading zeros are not allowed in JSON numbers");
            }
        } else {
            skipDigits();
        }
        boolean integral = true;
        if (pos < text.length() && text.charAt(pos) == '.') {
            integral = false;
            pos++;
            requireDigit();
            skipDigits();
        }
        if (pos < text.length() && (text.charAt(pos) == 'e' || text.charAt(pos) == 'E')) {
            integral = false;
            pos++;
            if (pos < text.length() && (text.charAt(pos) == '+' || text.charAt(pos) == '-')) {
                pos++;
            }
            requireDigit();
            skipDigits();
        }
        String literal = text.substring(start, pos);
        // 20 characters: "-9223372036854775808" is a long; longer text of digits is not, and is not parsed as one
        if (integral && literal.length() <= 20) {
            try {
                return Long.parseLong(literal);
            } catch (NumberFormatException tooBig) {
                // falls through to a double, like JavaScript
            }
        }
        double d = Double.parseDouble(literal);
        if (!Double.isFinite(d)) {
            throw error(start, "number " + (literal.length() > 40 ? literal.substring(0, 40) + "..." : literal)
                    + " is out of range for a double");
        }
        return d;
    }

    private void requireDigit() {
        if (pos >= text.length() || !isDigit(text.charAt(pos))) {
            throw error(pos, "unexpected " + describe(pos) + "; expected a digit");
        }
    }

    private void skipDigits() {
        while (pos < text.length() && isDigit(text.charAt(pos))) {
            pos++;
        }
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }
}
