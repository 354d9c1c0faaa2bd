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

    /**
     * columnNames reads the header as load does (byte-order mark, quotes), whatever follows it, and refuses what load
     * refuses in a header: an empty file, a blank first line.
     */
    @Test
    void columnNamesAreTheHeaderAsLoadReadsIt() throws IOException {
        assertEquals(List.of("size, m2", "Label", "x"), CsvDataset.columnNames(csv("\uFEFF\"size, m2\",Label,x\r\n1,2\n")));
        JgradFormatException empty = assertThrows(JgradFormatException.class, () -> CsvDataset.columnNames(csv("")));
        assertTrue(empty.getMessage().contains("file is empty"), empty.getMessage());
        JgradFormatException blank = assertThrows(JgradFormatException.class, () -> CsvDataset.columnNames(csv("\na,b\n")));
        assertTrue(blank.getMessage().contains("line 1") && blank.getMessage().contains("blank"), blank.getMessage());
    }

    /**
     * columnNames reads the header and no further where the header reads the same with either escape: bytes that are
     * not UTF-8 a megabyte below it, and rows of both escapes, are load's to refuse (columnNames read the whole file
     * for its escape, and refused them). A header that reads differently by escape still reads by the file's escape.
     */
    @Test
    void columnNamesReadOnlyTheHeader() throws IOException {
        StringBuilder rows = new StringBuilder("a,\"b, c\",y\n");
        for (int i = 0; i < 200_000; i++) {
            rows.append(i).append(",1,0\n");
        }
        Path f = dir.resolve("late-bad-bytes.csv");
        byte[] head = rows.toString().getBytes(StandardCharsets.UTF_8);
        byte[] bytes = java.util.Arrays.copyOf(head, head.length + 7);
        System.arraycopy(new byte[] {'1', ',', (byte) 0xC3, ',', '0', '\n', '2'}, 0, bytes, head.length, 7);
        Files.write(f, bytes);
        assertTrue(bytes.length > 1 << 20);
        assertEquals(List.of("a", "b, c", "y"), CsvDataset.columnNames(f));
        var e = assertThrows(JgradFormatException.class, () -> CsvDataset.load(f, null, false));
        assertTrue(e.getMessage().contains("line 200002") && e.getMessage().contains("not valid UTF-8"), e.getMessage());

        Path mixed = csv("x,kind\n1,\"Z \"\"q\"\", r\"\n2,\"Z \\\"q\\\", r\"\n");
        assertEquals(List.of("x", "kind"), CsvDataset.columnNames(mixed));
        assertThrows(JgradFormatException.class, () -> CsvDataset.load(mixed, null, true));
        // "a\\" is a\ by backslash escapes and a\\ by RFC 4180: the file's second line says it uses the former
        assertEquals(List.of("x", "a\\"), CsvDataset.columnNames(csv("x,\"a\\\\\"\n1,\"5\\\"\"\n")));
    }

    /**
     * loadChoosingTarget gives the chooser the header as columnNames reads it (quotes, byte-order mark), once for a read
     * of class indices, and loads what load loads with the chosen name (null: the last column); what the chooser throws
     * comes before the header's own checks, as it did when the caller read columnNames first.
     */
    @Test
    void loadChoosingTargetReadsTheHeaderInThePassThatReadsTheRows() throws IOException {
        Path f = csv("\uFEFF\"Label\",\"a, b\",c\n1,2,3\n0,4,5\n");
        List<List<String>> seen = new java.util.ArrayList<>();
        CsvDataset chosen = CsvDataset.loadChoosingTarget(f, header -> {
            seen.add(header);
            return header.get(0);
        }, true, null, List.of());
        assertEquals(List.of(List.of("Label", "a, b", "c")), seen);
        CsvDataset named = CsvDataset.load(f, "Label", true, null, List.of());
        assertEquals(named.featureNames(), chosen.featureNames());
        assertEquals("Label", chosen.targetName());
        assertArrayEquals(named.tensorDataset().features().toFloatArray(), chosen.tensorDataset().features().toFloatArray());
        assertArrayEquals(named.tensorDataset().targets().toFloatArray(), chosen.tensorDataset().targets().toFloatArray());
        assertEquals("c", CsvDataset.loadChoosingTarget(f, header -> null, true, null, List.of()).targetName());

        Path twice = csv("x,x,label\n1,2,0\n");
        IllegalStateException mine = assertThrows(IllegalStateException.class,
                () -> CsvDataset.loadChoosingTarget(twice, header -> { throw new IllegalStateException("chooser"); }, true, null, null));
        assertEquals("chooser", mine.getMessage());
        JgradFormatException empty = assertThrows(JgradFormatException.class,
                () -> CsvDataset.loadChoosingTarget(csv(""), header -> "label", true, null, null));
        assertTrue(empty.getMessage().contains("line 1: file is empty"), empty.getMessage());
    }

    /**
     * loadFeaturesChoosing gives the chooser the header once, as loadChoosingTarget does, and loads what loadFeatures
     * loads with the chosen columns (null: every column); the columns left out are not parsed, and what the chooser
     * throws comes before the header's own checks.
     */
    @Test
    void loadFeaturesChoosingReadsTheHeaderInThePassThatReadsTheRows() throws IOException {
        Path f = csv("\uFEFF\"Label\",\"a, b\",c\nx,2,3\n0,4,5\n");
        List<List<String>> seen = new java.util.ArrayList<>();
        CsvDataset chosen = CsvDataset.loadFeaturesChoosing(f, header -> {
            seen.add(header);
            return header.subList(1, header.size());
        });
        assertEquals(List.of(List.of("Label", "a, b", "c")), seen);
        CsvDataset named = CsvDataset.loadFeatures(f, List.of("a, b", "c"));
        assertEquals(List.of("a, b", "c"), chosen.featureNames());
        assertArrayEquals(named.tensorDataset().features().toFloatArray(), chosen.tensorDataset().features().toFloatArray());
        assertArrayEquals(new float[] {0, 0}, chosen.tensorDataset().targets().toFloatArray());
        Path numbers = csv("a,b\n1,2\n3,4\n");
        assertArrayEquals(CsvDataset.loadFeatures(numbers).tensorDataset().features().toFloatArray(),
                CsvDataset.loadFeaturesChoosing(numbers, header -> null).tensorDataset().features().toFloatArray());

        Path twice = csv("x,x,label\n1,2,0\n");
        IllegalStateException mine = assertThrows(IllegalStateException.class,
                () -> CsvDataset.loadFeaturesChoosing(twice, header -> { throw new IllegalStateException("chooser"); }));
        assertEquals("chooser", mine.getMessage());
        JgradFormatException missing = assertThrows(JgradFormatException.class,
                () -> CsvDataset.loadFeaturesChoosing(numbers, header -> List.of("a", "z")));
        assertTrue(missing.getMessage().contains("line 1: no column ['z']"), missing.getMessage());
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

    private static float[] targets(Dataset ds) {
        float[] out = new float[ds.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = target(ds, i);
        }
        return out;
    }

    /** Class names are numbered in sorted order, as scikit-learn's LabelEncoder, whatever order they appear in. */
    @Test
    void classNamesAreNumberedInSortedOrder() throws IOException {
        CsvDataset ds = CsvDataset.load(csv("a,species\n1,virginica\n2, setosa\n3,versicolor\n4,setosa \n"), null, true);
        assertEquals(List.of("setosa", "versicolor", "virginica"), ds.classNames());
        assertEquals(3, ds.numClasses());
        assertArrayEquals(new float[] {2, 0, 1, 0}, targets(ds));
        assertArrayEquals(new float[] {1, 2, 3, 4}, ds.tensorDataset().features().toFloatArray());
        // rows read as numbers before the first name are names too: the column is read again
        CsvDataset mixed = CsvDataset.load(csv("a,y\n1,10\n2,2\n3,cat\n4,10\n"), null, true);
        assertEquals(List.of("10", "2", "cat"), mixed.classNames());
        assertArrayEquals(new float[] {0, 1, 2, 0}, targets(mixed));
        // by code point, as NumPy's np.unique: U+FB01 (the fi ligature) before U+1F600, whose UTF-16 surrogate pair
        // String.compareTo put first; "Z" before "a"
        CsvDataset unicode = CsvDataset.load(csv("a,y\n1,\uD83D\uDE00\n2,\uFB01\n3,a\n4,Z\n"), null, true);
        assertEquals(List.of("Z", "a", "\uFB01", "\uD83D\uDE00"), unicode.classNames());
        assertArrayEquals(new float[] {3, 2, 1, 0}, targets(unicode));
        // class indices stay indices, without names
        assertEquals(List.of(), CsvDataset.load(csv("a,y\n1,1\n2,0\n"), null, true).classNames());
        assertEquals(List.of(), CsvDataset.load(csv("a,y\n1,0.5\n"), null, false).classNames());
    }

    /**
     * A cell that is no class index (1.5, -1, nan, 70000) above the first name is a name too, as when it comes below:
     * it was refused as "not a class index", so whether the file loaded depended on the order of its rows.
     */
    @Test
    void cellsThatAreNoClassIndexAboveTheFirstNameAreNames() throws IOException {
        for (String early : List.of("1.5", "-1", "nan", "70000", "1e999")) {
            CsvDataset before = CsvDataset.load(csv("a,grade\n1," + early + "\n2,high\n3," + early + "\n"), null, true);
            CsvDataset after = CsvDataset.load(csv("a,grade\n1,high\n2," + early + "\n3," + early + "\n"), null, true);
            assertEquals(after.classNames(), before.classNames(), early);
            assertEquals(List.of(early, "high").stream().sorted().toList(), before.classNames());
            int e = before.classNames().indexOf(early);
            assertArrayEquals(new float[] {e, 1 - e, e}, targets(before), early);
        }
        // without a name the column is class indices, and the first cell that is none is the error, as before
        bad("a,y\n1,0\n2,1.5\n3,-1\n", null, true, "line 3, column 'y'", "\"1.5\" is not a class index");
        bad("a,y\n1,nan\n2,1\n", null, true, "line 2, column 'y'", "\"nan\" is not a finite number");
        // a feature cell is checked on every row, also below a target cell that is no class index
        bad("a,y\n1,1.5\nx,1\n", null, true, "line 3, column 'a'", "\"x\" is not a number");
    }

    /** Validation data takes the training file's names: their order, and no name it does not know. */
    @Test
    void givenClassNamesMapAndRefuseUnknownOnes() throws IOException {
        CsvDataset val = CsvDataset.load(csv("a,y\n1,yes\n2,yes\n"), null, true, null, List.of("no", "yes"));
        assertEquals(List.of("no", "yes"), val.classNames());
        assertEquals(2, val.numClasses()); // "no" does not occur, but is still class 0
        assertArrayEquals(new float[] {1, 1}, targets(val));
        Path f = csv("a,y\n1,yes\n2,maybe\n");
        var e = assertThrows(JgradFormatException.class, () -> CsvDataset.load(f, null, true, null, List.of("no", "yes")));
        assertEquals(f + ": line 3, column 'y': \"maybe\" is not one of the 2 classes of the training data, ['no', 'yes']",
                e.getMessage());
        // an empty list: class indices only, as a training file of indices needs of its validation file
        var indices = assertThrows(JgradFormatException.class,
                () -> CsvDataset.load(f, null, true, null, List.of()));
        assertTrue(indices.getMessage().endsWith("line 2, column 'y': \"yes\" is not a number"), indices.getMessage());
    }

    /** A no-break space around a name is no part of it, and a cell of no-break spaces is empty, not a blank class. */
    @Test
    void noBreakSpacesAroundAClassNameAreSpace() throws IOException {
        CsvDataset ds = CsvDataset.load(csv("a,y\n1,cat\u00a0\n2,\u00a0dog\n3,cat\n"), null, true);
        assertEquals(List.of("cat", "dog"), ds.classNames());
        bad("a,y\n1,a\n2,\u00a0\n", null, true, "line 3, column 'y'", "empty cell; expected a class name");
    }

    @Test
    void classNameErrors() throws IOException {
        bad("a,y\n1,cat\n2,\n", null, true, "line 3, column 'y'", "empty cell; expected a class name");
        bad("a,y\n1,0\n2,\n3,cat\n", null, true, "line 3, column 'y'", "empty cell; expected a class index or name");
        // regression targets are numbers; a name is no class there
        bad("a,y\n1,cat\n", null, false, "line 2, column 'y'", "\"cat\" is not a number; a regression target holds"
                + " numbers (class names need a classification loss such as cross-entropy)");
        StringBuilder ids = new StringBuilder("a,id\n");
        for (int i = 0; i <= CsvDataset.MAX_CLASS + 1; i++) {
            ids.append(i).append(",u").append(i).append('\n');
        }
        bad(ids.toString(), null, true, "line " + (CsvDataset.MAX_CLASS + 3) + ", column 'id'",
                "more than 65536 different class names");
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
        // the line break in the name is written as an escape: a message is one line
        assertEquals(f + ": line 4, column 'b\\nstill b': \"x\" is not a number", e.getMessage());
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
    void quotedLineBreaksAndTabsAreEscapedInMessages() throws IOException {
        bad("a,\"y\r\nz\"\n1,\"2\n3\"\n", null, false, "line 3, column 'y\\nz': \"2\\n3\" is not a number");
        bad("\"a\tb\",\"a\tb\",y\n1,2,3\n", null, false, "'a\\tb' appears twice");
        bad("\"a\nb\",y\n1,2\n", "y\n", false, "no column named 'y\\n'; the columns are [a\\nb, y]");
        for (String text : List.of("a,\"y\r\nz\"\n1,\"2\n3\"\n", "\"a\nb\",\"a\nb\",y\n1,2,3\n", "a,y\n\"x\n\",2\n")) {
            Path f = csv(text);
            var e = assertThrows(JgradFormatException.class, () -> CsvDataset.load(f, null, false));
            assertFalse(e.getMessage().contains("\n") || e.getMessage().contains("\r"), e.getMessage());
        }
    }

    @Test
    void headerCellsWithoutANameAreRefused() throws IOException {
        // a trailing comma on every line, and pandas' to_csv without index=False (whose row numbers would be a feature)
        bad("a,b,y,\n1,2,3,\n", null, false, "line 1, column 4", "no name");
        bad(",a,y\n0,1.5,1\n1,2.5,0\n", null, true, "line 1, column 1", "no name");
        bad("a, ,y\n1,2,3\n", null, false, "line 1, column 2", "no name");
        Path features = csv("a,\n1,2\n");
        var e = assertThrows(JgradFormatException.class, () -> CsvDataset.loadFeatures(features));
        assertTrue(e.getMessage().contains("line 1, column 2"), e.getMessage());
    }

    @Test
    void blankFirstLineIsNotCalledEmpty() throws IOException {
        bad("\na,y\n1,2\n", null, false, "line 1", "line is blank; expected a header row");
        bad("\r\n", null, false, "line 1", "blank");
    }

    @Test
    void classIndicesAreCheckedBeforeRoundingToFloat32() throws IOException {
        // float32 made 2.00000001 the integer 2 and 0.99999999 the integer 1
        bad("a,y\n1,2.00000001\n", null, true, "line 2, column 'y'", "\"2.00000001\" is not a class index");
        bad("a,y\n1,0.99999999\n", null, true, "\"0.99999999\" is not a class index");
        bad("a,y\n1,65535.000001\n", null, true, "\"65535.000001\" is not a class index");
        CsvDataset largest = CsvDataset.load(csv("a,y\n1,65535\n2,0\n"), null, true);
        assertEquals(CsvDataset.MAX_CLASS + 1, largest.numClasses());
        // regression targets and features are rounded to float32 as before
        assertEquals(2f, target(CsvDataset.load(csv("a,y\n1,2.00000001\n"), null, false), 0));
        // TensorDataset compared a target with numClasses in float32, where 2^24 + 1 is 2^24: class 2^24 was refused
        TensorDataset big = new TensorDataset(io.jgrad.tensor.Tensor.zeros(1, 1),
                io.jgrad.tensor.Tensor.of(new float[] {16777216f}, 1), 16777217);
        assertEquals(16777217, big.numClasses());
    }

    @Test
    void classLabelsNeedNotBeContiguous() throws IOException {
        CsvDataset ds = CsvDataset.load(csv("a,y\n1,9\n2,3\n3,9\n4,1.0\n5,3e0\n"), null, true);
        assertEquals(10, ds.numClasses(), "largest label + 1, as torch's cross-entropy needs");
        assertArrayEquals(new float[] {9, 3, 9, 1, 3}, ds.tensorDataset().targets().toFloatArray());
        CsvDataset single = CsvDataset.load(csv("a,b,y\r\n-1,2.5,0"), null, true);
        assertEquals(1, single.size());
        assertEquals(1, single.numClasses());
        assertArrayEquals(new float[] {-1, 2.5f}, row(single, 0));
    }

    @Test
    void wideFileLoadsInLinearTime() throws IOException {
        // the duplicate-name check compared every pair of names: 120,000 columns took 17 s, 250,000 over a minute
        int columns = 250_000;
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < columns; i++) {
            sb.append(i == 0 ? "" : ",").append("c").append(i);
        }
        sb.append('\n');
        for (int i = 0; i < columns; i++) {
            sb.append(i == 0 ? "" : ",").append(i % 7);
        }
        Path f = csv(sb.append('\n').toString());
        CsvDataset ds = assertTimeoutPreemptively(java.time.Duration.ofSeconds(15), () -> CsvDataset.load(f, null, false));
        assertEquals(columns - 1, ds.featureNames().size());
        assertEquals("c249999", ds.targetName());
        assertEquals((columns - 1) % 7, target(ds, 0));
        bad("a,b,c,b,y\n1,2,3,4,5\n", null, false, "'b' appears twice (columns 2 and 4)");
    }

    @Test
    void invalidUtf8IsReportedOnItsOwnLine() throws IOException {
        // the reader decodes ahead of the parser, which named the line it had reached (line 16384, or line 0)
        java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
        b.writeBytes("a,y\n".getBytes(StandardCharsets.UTF_8));
        for (int i = 0; i < 20_000; i++) {
            b.writeBytes("1,2\n".getBytes(StandardCharsets.UTF_8));
        }
        b.writeBytes(new byte[] {'1', ',', (byte) 0xE9, '\n'});
        Path deep = dir.resolve("deep.csv");
        Files.write(deep, b.toByteArray());
        var e = assertThrows(JgradFormatException.class, () -> CsvDataset.load(deep, null, false));
        assertEquals(deep + ": line 20002: text is not valid UTF-8; save the file as UTF-8", e.getMessage());

        Path early = dir.resolve("early.csv");
        // CRLF, a lone CR and a quoted line break each count as one line; the bad byte starts line 5
        Files.write(early, new byte[] {'a', ',', 'y', '\r', '\n', '1', ',', '"', '2', '\n', '"', '\r', '3', ',', '4', '\r', '\n',
                (byte) 0xC3, '1', ',', '2', '\n'});
        var e2 = assertThrows(JgradFormatException.class, () -> CsvDataset.load(early, null, false));
        assertEquals("line 5", e2.position());
    }

    @Test
    void rejectsInvalidUtf8() throws IOException {
        Path f = dir.resolve("latin1.csv");
        Files.write(f, new byte[] {'a', ',', 'y', '\n', '1', ',', (byte) 0xE9, '\n'});
        var e = assertThrows(JgradFormatException.class, () -> CsvDataset.load(f, null, false));
        assertTrue(e.getMessage().contains("not valid UTF-8"), e.getMessage());
    }

    /** A header of numbers only is a file without a header row; one name among the numbers is a header. */
    @Test
    void aHeaderOfNumbersOnlyIsTold() {
        assertTrue(CsvDataset.headerIsNumbers(List.of("0.125", " -2", "1e-3 ", "7")));
        assertFalse(CsvDataset.headerIsNumbers(List.of("0.125", "x", "7")));
        assertFalse(CsvDataset.headerIsNumbers(List.of("0.125", "")), "an empty name is no number");
        assertFalse(CsvDataset.headerIsNumbers(List.of()));
    }

    /**
     * A file as Spark's DataFrameWriter writes it with its default options (quote ", escape \): inside a quoted value
     * a quote is \" and a backslash \\; a value is quoted only for a quote, a comma or a line break, so a3\b is left
     * as it is. Its lines that read only this way (\"q after a value's quote, "5\"" left unclosed by RFC 4180) say so,
     * and the whole file is read so, also "x, a\\", which alone could be either. RFC 4180 read 'Z \' and then refused
     * 'q' after a closing quote.
     */
    @Test
    void aFileWrittenBySparkWithBackslashEscapesIsReadAsSparkReadsIt() throws IOException {
        CsvDataset ds = CsvDataset.load(csv("x,kind\n1,\"Z \\\"q\\\", r\"\n2,\"5\\\"\"\n3,a3\\b\n4,\"x, a\\\\\"\n5,\"a\\\\\\\"b\"\n"),
                null, true);
        assertEquals(List.of("5\"", "Z \"q\", r", "a3\\b", "a\\\"b", "x, a\\"), ds.classNames());
        assertArrayEquals(new float[] {1, 0, 2, 4, 3}, targets(ds));
    }

    /**
     * RFC 4180's files hold a backslash as itself, also before a quote or at a quoted value's end, which backslash
     * escapes would read otherwise: "x, a\" (a value ending in a backslash, then the quote that closes it) and
     * "a\""b" (a backslash before a doubled quote) read only by RFC 4180, as does the doubled quote of "Z ""q"", r".
     */
    @Test
    void anRfc4180FileKeepsItsBackslashes() throws IOException {
        CsvDataset ds = CsvDataset.load(csv("x,kind\n1,\"x, a\\\"\n2,\"a\\\"\"b\"\n3,\"Z \"\"q\"\", r\"\n4,\"\\\\srv\\d, e\"\n"),
                null, true);
        assertEquals(List.of("Z \"q\", r", "\\\\srv\\d, e", "a\\\"b", "x, a\\"), ds.classNames());
    }

    /**
     * A quoted value over several lines tells the file's escape by its whole text, as the parse reads it: its lines
     * read alone begin outside quotes where the value is inside them. Spark's writer's "cat \"big\"\none": its first
     * line, read alone, is open with backslash escapes and "cat \" then text with doubled quotes, so it told nothing,
     * RFC 4180 was chosen, and the file refused at line 2 ("unexpected character 'b' after a closing quote").
     */
    @Test
    void aQuotedValueOverSeveralLinesTellsTheEscapeByItsWholeText() throws IOException {
        CsvDataset spark = CsvDataset.load(csv("a,y\n1,\"cat \\\"big\\\"\none\"\n2,dog\n3,\"x,\r\ny\"\n"), null, true);
        assertEquals(List.of("cat \"big\"\none", "dog", "x,\ny"), spark.classNames());
        // the lines of "a\\\nb\\" told nothing alone either, and RFC 4180 read a\\ and b\\ where Spark's writer
        // meant a\ and b\: ambiguous as the one-line "a\\b\\", so refused as it is, at the value's first line
        bad("a,y\n0,dog\n1,\"a\\\\\nb\\\\\"\n", null, true, ": line 3: a quoted value holding \\\\ or \\\" reads differently",
                "expected a file written one way");
        // RFC 4180's "say ""hi""\nthere" and "x\\" + line break + "" (a backslash, a line break, a quote) read as before
        CsvDataset rfc = CsvDataset.load(csv("a,y\n1,\"say \"\"hi\"\"\nthere\"\n2,\"x\\\n\"\"\"\n3,\"x\\\"\n"), null, true);
        assertEquals(List.of("say \"hi\"\nthere", "x\\", "x\\\n\""), rfc.classNames());
    }

    /**
     * A quoted value with \\ (or \" that reads both ways) in a file that says nothing else is a backslash to Spark's
     * writer and two to RFC 4180's: refused, naming its line and both readings, and a file whose lines read only
     * one way each, but not the same way, is refused naming both lines. Neither is guessed.
     */
    @Test
    void aFileThatReadsBothWaysOrNeitherIsRefused() throws IOException {
        bad("x,kind\n1,b\n2,\"x, a\\\\\"\n", null, true, ": line 3: a quoted value holding \\\\ or \\\" reads differently",
                "[2, x, a\\]", "[2, x, a\\\\]", "expected a file written one way");
        bad("x,kind\n1,\"Z \"\"q\"\", r\"\n2,\"Z \\\"q\\\", r\"\n", null, true,
                ": line 3: a quoted value reads only with backslash escapes", "but line 2 only with doubled quotes",
                "expected one or the other throughout the file");
    }
}
