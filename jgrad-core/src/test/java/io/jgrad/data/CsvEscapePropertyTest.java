package io.jgrad.data;

import static org.junit.jupiter.api.Assertions.*;

import io.jgrad.io.JgradFormatException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.HashSet;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Property: a file written with one escape, RFC 4180's doubled quotes or Spark's backslashes, whose class names hold
 * quotes, backslashes, commas and line breaks, loads with the names it was written with, or is refused as reading
 * both ways differently (as a one-line "a\\b" is): never with other names, nor refused at a line as the wrong escape's
 * parse. Each line of a quoted value over line breaks, read alone, began outside quotes, and told the escape wrong.
 */
class CsvEscapePropertyTest {
    @Provide
    Arbitrary<String> names() {
        return Arbitraries.strings().withChars('x', '\\', '"', '\n', ',').ofMinLength(1).ofMaxLength(6)
                .filter(s -> !CsvDataset.className(s).isEmpty());
    }

    private static String written(String name, CsvEscape escape) {
        return escape == CsvEscape.DOUBLED ? "\"" + name.replace("\"", "\"\"") + "\""
                : "\"" + name.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    @Property(tries = 400, seed = "4180")
    void aFileWrittenOneWayReadsAsWrittenOrIsRefusedAsAmbiguous(@ForAll("names") String a, @ForAll("names") String b,
            @ForAll CsvEscape escape) throws IOException {
        Path f = Files.createTempFile("jgrad-escape", ".csv");
        try {
            Files.writeString(f, "x,kind\n1," + written(a, escape) + "\n2," + written(b, escape) + "\n", StandardCharsets.UTF_8);
            List<String> names;
            try {
                names = CsvDataset.load(f, null, true).classNames();
            } catch (JgradFormatException e) {
                assertTrue(e.getMessage().contains("reads differently with backslash escapes"), e.getMessage());
                return;
            }
            assertEquals(new HashSet<>(List.of(CsvDataset.className(a), CsvDataset.className(b))), new HashSet<>(names));
        } finally {
            Files.delete(f);
        }
    }
}
