package io.jgrad.data;

import static org.junit.jupiter.api.Assertions.*;

import io.jgrad.io.JgradFormatException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CsvDatasetTest {
    @TempDir
    Path dir;

    private Path csv(String text) throws IOException {
        Path p = dir.resolve("t" + System.nanoTime() + ".csv");
        Files.writeString(p, text, StandardCharsets.UTF_8);
        return p;
    }

    private static float[] row(Dataset ds, int i) {
        float[] out = new float[ds.sampleShape()[0]];
        ds.copySample(i, out, 0);
        return out;
    }

    private static float target(Dataset ds, int i) {
        float[] out = new float[1];
        ds.copyTarget(i, out, 0);
        return out[0];
    }

    @Test
    void quotedBomCrlfAndTrailingBlankLines() throws IOException {
        Path f = csv("\uFEFF\"size, m2\",label,\"say \"\"hi\"\"\"\r\n"
                + "1.5,2,-3e2\r\n"
                + "\"4\", 0 ,.5\r\n"
                + "+7,1,\"8\"\r\n\r\n\n");
        CsvDataset ds = CsvDataset.load(f, "label", true);
        assertEquals(List.of("size, m2", "say \"hi\""), ds.featureNames());
        assertEquals("label", ds.targetName());
        assertEquals(3, ds.size());
        assertArrayEquals(new int[] {2}, ds.sampleShape());
        assertArrayEquals(new int[0], ds.targetShape());
        assertEquals(3, ds.numClasses());
        assertArrayEquals(new float[] {1.5f, -300f}, row(ds, 0));
        assertArrayEquals(new float[] {4f, 0.5f}, row(ds, 1));
        assertArrayEquals(new float[] {7f, 8f}, row(ds, 2));
        assertEquals(2f, target(ds, 0));
        assertEquals(0f, target(ds, 1));
        assertEquals(1f, target(ds, 2));
    }

    @Test
    void regressionOnLastColumnByDefault() throws IOException {
        CsvDataset ds = CsvDataset.load(csv("a,b,y\n1,2,0.25\n3,4,-1.5"), null, false);
        assertEquals(List.of("a", "b"), ds.featureNames());
        assertEquals(0, ds.numClasses());
        assertArrayEquals(new int[0], ds.targetShape());
        assertEquals(-1.5f, target(ds, 1));
        assertArrayEquals(new float[] {1, 2, 3, 4}, ds.tensorDataset().features().toFloatArray());
    }

    @Test
    void multiLineQuotedCellKeepsLineNumbers() throws IOException {
        Path f = csv("a,\"b\nstill b\",y\n1,2,3\n4,x,6\n");
        var e = assertThrows(JgradFormatException.class, () -> CsvDataset.load(f, null, false));
        assertEquals(f + ": line 4, column 'b\nstill b': \"x\" is not a number", e.getMessage());
    }

    private void bad(String text, String target, boolean classification, String... expected) throws IOException {
        Path f = csv(text);
        var e = assertThrows(JgradFormatException.class, () -> CsvDataset.load(f, target, classification));
        assertEquals(f, e.file());
        assertTrue(e.getMessage().startsWith(f + ": "), e.getMessage());
        for (String s : expected) {
            assertTrue(e.getMessage().contains(s), "expected '" + s + "' in: " + e.getMessage());
        }
    }

    @Test
    void errorsNameLineColumnAndExpectation() throws IOException {
        Path f = csv("name,age,y\n1,2,3\n4,abc,6\n");
        var e = assertThrows(JgradFormatException.class, () -> CsvDataset.load(f, null, false));
        assertEquals(f + ": line 3, column 'age': \"abc\" is not a number", e.getMessage());
        assertEquals("line 3, column 'age'", e.position());

        bad("a,y\n1,NaN\n", null, false, "line 2, column 'y'", "\"NaN\" is not a finite number");
        bad("a,y\n-inf,1\n", null, false, "line 2, column 'a'", "not a finite number");
        bad("a,y\nInfinity,1\n", null, false, "not a finite number");
        bad("a,y\n1e39,1\n", null, false, "line 2, column 'a'", "not a finite number in float32");
        bad("a,y\n0x10,1\n", null, false, "\"0x10\" is not a number");
        bad("a,y\n1d,1\n", null, false, "\"1d\" is not a number");
        bad("a,y\n,1\n", null, false, "line 2, column 'a'", "empty cell; expected a number");
        bad("a,b,y\n1,2,3\n1,2\n", null, false, "line 3", "found 2 values; expected 3");
        bad("a,b,y\n1,2,3\n1,2,3,4\n", null, false, "line 3", "found 4 values; expected 3");
        bad("", null, false, "empty; expected a header");
        bad("\uFEFF", null, false, "empty");
        bad("a,b,y\n", null, false, "no data rows");
        bad("a,b,y\n\n\n", null, false, "no data rows");
        bad("a,b,y\n1,2,3\n", "zz", false, "no column named 'zz'", "[a, b, y]");
        bad("y\n1\n", null, false, "only one column");
        bad("a,a,y\n1,2,3\n", null, false, "'a' appears twice");
        bad("a,y\n1,1.5\n", null, true, "line 2, column 'y'", "\"1.5\" is not a class index", "regression loss");
        bad("a,y\n1,-1\n", null, true, "\"-1\" is not a class index");
        bad("a,y\n1,2\n\n3,4\n", null, false, "line 3", "blank line");
        bad("a,y\n1,\"2\n", null, false, "line 2", "quoted field is not closed");
        bad("a,y\n1,\"2\"x\n", null, false, "line 2", "after a closing quote");
    }

    @Test
    void rejectsInvalidUtf8() throws IOException {
        Path f = dir.resolve("latin1.csv");
        Files.write(f, new byte[] {'a', ',', 'y', '\n', '1', ',', (byte) 0xE9, '\n'});
        var e = assertThrows(JgradFormatException.class, () -> CsvDataset.load(f, null, false));
        assertTrue(e.getMessage().contains("not valid UTF-8"), e.getMessage());
    }
}
