package io.jgrad.io;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {
    @Test
    void parsesAllTypesInOrder() {
        Object v = Json.parse(" {\"b\": [1, -2.5e3, true, false, null], \"a\": \"x\\u00e9\\n\\\"\\ud83d\\ude00\", \"c\": {}} ");
        Map<?, ?> m = assertInstanceOf(LinkedHashMap.class, v);
        assertEquals(List.of("b", "a", "c"), new ArrayList<>(m.keySet()));
        List<?> b = (List<?>) m.get("b");
        assertEquals(1L, b.get(0));
        assertEquals(-2500.0, b.get(1));
        assertEquals(Boolean.TRUE, b.get(2));
        assertEquals(Boolean.FALSE, b.get(3));
        assertNull(b.get(4));
        assertEquals("x\u00e9\n\"\uD83D\uDE00", m.get("a"));
        assertEquals(Map.of(), m.get("c"));
    }

    @Test
    void integersBeyondLongBecomeDoubles() {
        assertEquals(Long.MAX_VALUE, Json.parse("9223372036854775807"));
        assertEquals(9.223372036854775808E18, Json.parse("9223372036854775808"));
        // negative integers of 19 digits fit a long too: they had become doubles, -1234567890123456789 rounded
        assertEquals(Long.MIN_VALUE, Json.parse("-9223372036854775808"));
        assertEquals(-1234567890123456789L, Json.parse("-1234567890123456789"));
        assertEquals(-9.223372036854775809E18, Json.parse("-9223372036854775809"));
        assertEquals(0L, Json.parse("-0"), "-0 is the integer 0, as in Python; -0.0 keeps its sign");
        assertEquals(Double.doubleToLongBits(-0.0), Double.doubleToLongBits((Double) Json.parse("-0.0")));
    }

    /** A hand-edited config.json is read in an editor: errors give the line and column, not a character offset. */
    @Test
    void errorsGiveLineAndColumn() {
        var e = assertThrows(JgradFormatException.class, () -> Json.parse("{\n  \"a\": 1,\n  \"b\": x\n}"));
        assertEquals("line 3, column 8", e.position());
        assertEquals("<text>: line 3, column 8: unexpected 'x'; expected a JSON value", e.getMessage());
        // CRLF and lone CR end lines; a character outside the BMP is one column
        assertEquals("line 2, column 2", assertThrows(JgradFormatException.class, () -> Json.parse("[1,\r\n @]")).position());
        assertEquals("line 3, column 1", assertThrows(JgradFormatException.class, () -> Json.parse("[1,\r2,\r@]")).position());
        assertEquals("line 1, column 6", assertThrows(JgradFormatException.class,
                () -> Json.parse("[\"\uD83D\uDE00\",@]")).position());
        assertEquals("line 2, column 1", assertThrows(JgradFormatException.class, () -> Json.parse("[1,\n")).position());
        assertEquals("line 1, column 1", assertThrows(JgradFormatException.class, () -> Json.parse("")).position());
        // safetensors headers are one machine-written line: they keep the character offset
        assertEquals("header character 2", assertThrows(JgradFormatException.class,
                () -> Json.parse("{\n\"", null, "header character ")).position());
    }

    @Test
    void writeRefusesNestingThatParseRefuses() {
        Object v = List.of();
        for (int i = 1; i < Json.MAX_DEPTH; i++) {
            v = List.of(v);
        }
        assertEquals(v, Json.parse(Json.write(v)), "64 levels: written and read back");
        Object deeper = Map.of("k", v);
        // 65 levels used to be written, giving a file that Json.parse then refused
        var e = assertThrows(IllegalArgumentException.class, () -> Json.write(deeper));
        assertTrue(e.getMessage().contains("nesting deeper than 64"), e.getMessage());
    }

    @Test
    void writeRoundTripsDoublesAndEscapes() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("z", List.of(0.1, 1e-300, -0.0, 123456789.123456789, Double.MIN_VALUE, Double.MAX_VALUE, 3.0));
        m.put("s", "quote\" back\\ tab\t nl\n ctrl\u0001 del\u007f emoji\uD83D\uDE00");
        m.put("n", null);
        m.put("i", 42);
        m.put("nested", Map.of("k", List.of()));
        String text = Json.write(m);
        Map<?, ?> back = (Map<?, ?>) Json.parse(text);
        List<?> z = (List<?>) back.get("z");
        List<?> expected = (List<?>) m.get("z");
        for (int k = 0; k < z.size(); k++) {
            assertEquals(Double.doubleToLongBits((Double) expected.get(k)), Double.doubleToLongBits((Double) z.get(k)), "index " + k);
        }
        assertEquals(m.get("s"), back.get("s"));
        assertTrue(text.contains("\\u0001"), text);
        assertEquals(42L, back.get("i"));
        assertEquals(text, Json.write(m), "deterministic");
        Map<String, Object> compact = new LinkedHashMap<>();
        compact.put("a", List.of(1, 2.5));
        compact.put("b", Map.of());
        assertEquals("{\"a\":[1,2.5],\"b\":{}}", Json.writeCompact(compact));
        assertEquals("{\n  \"a\": [\n    1\n  ]\n}\n", Json.write(Map.of("a", List.of(1))));
    }

    @Test
    void refusesNonFiniteNumbers() {
        var e = assertThrows(IllegalArgumentException.class, () -> Json.write(List.of(Double.NaN)));
        assertTrue(e.getMessage().contains("NaN"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Json.write(Map.of("x", Double.POSITIVE_INFINITY)));
        var s = assertThrows(IllegalArgumentException.class, () -> Json.write("cut \uD800"));
        assertTrue(s.getMessage().contains("surrogate"), s.getMessage());
    }

    private static void bad(String text, String expectedInMessage) {
        var e = assertThrows(JgradFormatException.class, () -> Json.parse(text), text);
        assertTrue(e.getMessage().contains(expectedInMessage), "for " + text + ": " + e.getMessage());
        assertTrue(e.getMessage().matches("<text>: line [0-9]+, column [0-9]+: .*"), e.getMessage());
    }

    @Test
    void rejectsInvalidTextWithOffset() {
        bad("{\"a\": 1, \"a\": 2}", "duplicate key \"a\"");
        bad("{\"a\": 1} x", "after the end");
        bad("[1, 2", "expected ',' or ']'");
        bad("", "empty");
        bad("01", "leading zeros");
        bad("1.", "expected a digit");
        bad("-", "expected a digit");
        bad("\"abc", "not terminated");
        bad("\"a\u0001\"", "control character");
        bad("\"\\x\"", "invalid escape");
        bad("\"\\ud800\"", "surrogate");
        bad("\"\\u12g4\"", "hex digit");
        bad("{1: 2}", "expected a string key");
        bad("[1,]", "expected a JSON value");
        bad("tru", "expected a JSON value");
        bad("1e999", "out of range");
        bad("NaN", "expected a JSON value");
        var e = assertThrows(JgradFormatException.class, () -> Json.parse("[1, @]"));
        assertEquals("line 1, column 5", e.position());
        assertNull(e.file());
    }

    @Test
    void readsFilesStrictly(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws java.io.IOException {
        var good = dir.resolve("c.json");
        AtomicFiles.writeString(good, Json.write(Map.of("lr", 0.5)));
        assertEquals(Map.of("lr", 0.5), Json.read(good));
        var latin1 = dir.resolve("l.json");
        java.nio.file.Files.write(latin1, new byte[] {'"', (byte) 0xE9, '"'});
        var e = assertThrows(JgradFormatException.class, () -> Json.read(latin1));
        assertTrue(e.getMessage().startsWith(latin1 + ": ") && e.getMessage().contains("UTF-8"), e.getMessage());
        var broken = dir.resolve("b.json");
        java.nio.file.Files.writeString(broken, "{\"a\": }");
        var b = assertThrows(JgradFormatException.class, () -> Json.read(broken));
        assertEquals(broken + ": line 1, column 7: unexpected '}'; expected a JSON value", b.getMessage());
    }

    /**
     * A file saved by an editor that writes a UTF-8 byte-order mark (Windows Notepad) was refused ("unexpected character
     * U+FEFF"), while CSV files with one were read. RFC 8259 8.1 lets a parser ignore it; one is skipped at the start of
     * a file only, and the positions of later errors stay those an editor shows (the mark is not a column).
     */
    @Test
    void aFileMayStartWithAByteOrderMark(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws java.io.IOException {
        var bom = dir.resolve("bom.json");
        java.nio.file.Files.writeString(bom, "\uFEFF{\"lr\": 0.5}");
        assertEquals(Map.of("lr", 0.5), Json.read(bom));
        java.nio.file.Files.writeString(bom, "\uFEFF{\"a\": }");
        var e = assertThrows(JgradFormatException.class, () -> Json.read(bom));
        assertEquals(bom + ": line 1, column 7: unexpected '}'; expected a JSON value", e.getMessage());
        java.nio.file.Files.writeString(bom, "\uFEFF\uFEFF{}"); // one mark, not any number of them
        assertThrows(JgradFormatException.class, () -> Json.read(bom));
        assertThrows(JgradFormatException.class, () -> Json.parse("\uFEFF{}"), "a string is not a file: no mark to skip");
    }

    @Test
    void limitsNestingDepth() {
        String ok = "[".repeat(Json.MAX_DEPTH) + "]".repeat(Json.MAX_DEPTH);
        assertInstanceOf(List.class, Json.parse(ok));
        bad("[".repeat(Json.MAX_DEPTH + 1) + "]".repeat(Json.MAX_DEPTH + 1), "nesting deeper than 64");
        bad("[".repeat(100_000), "nesting deeper");
    }
}
