package io.jgrad.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MetricsCsvTest {

    @Test
    void readsBackWhatItWrote(@TempDir Path dir) throws Exception {
        // parameter names are the user's (a Module may register "w,1" or "say \"hi\""): the header quotes them, as
        // RFC 4180 says, but read split it at every comma, so the file it had just written failed with "has 9 cells,
        // the header has 11" (or, for a quote, kept the quotes in the name)
        Map<String, Double> grads = new LinkedHashMap<>();
        grads.put("w,1", 0.25);
        grads.put("say \"hi\"", 0.5);
        grads.put("0.weight", 1.5);
        Map<String, Double> weights = new LinkedHashMap<>();
        weights.put("w,1", 2.0);
        EpochMetrics m = new EpochMetrics(1, 0.75, 0.5, Double.NaN, Double.NaN, 0.01, 1.25, grads, weights);
        Path file = dir.resolve("metrics.csv");
        MetricsCsv.write(file, List.of(m));
        assertEquals(List.of(m), MetricsCsv.read(file), Files.readString(file));
    }

    @Test
    void aValidationLossThatIsNaNReadsBackAsValidated(@TempDir Path dir) throws Exception {
        // a regression validated on data with a NaN: val_loss NaN, val_accuracy NaN as always. Both cells were empty, as
        // for an epoch without validation, and read back as one: a resumed run's early stopping skipped the epoch
        Map<String, Double> none = Map.of();
        EpochMetrics nan = new EpochMetrics(1, 0.5, Double.NaN, Double.NaN, Double.NaN, 0.1, 1.0, none, none, true);
        EpochMetrics unvalidated = new EpochMetrics(2, 0.25, Double.NaN, Double.NaN, Double.NaN, 0.1, 1.0, none, none, false);
        EpochMetrics number = new EpochMetrics(3, 0.125, Double.NaN, 0.75, Double.NaN, 0.1, 1.0, none, none, true);
        Path file = dir.resolve("metrics.csv");
        MetricsCsv.write(file, List.of(nan, unvalidated, number));
        assertEquals(List.of(MetricsCsv.FIXED_HEADER, "1,0.5,,NaN,,0.1,1.0", "2,0.25,,,,0.1,1.0", "3,0.125,,0.75,,0.1,1.0"),
                Files.readAllLines(file));
        assertEquals(List.of(nan, unvalidated, number), MetricsCsv.read(file));
        // a file written before: empty cells are no validation, as they were read then; a number is one
        Files.writeString(file, MetricsCsv.FIXED_HEADER + "\n1,0.5,,,,0.1,1.0\n2,0.5,0.5,0.75,0.5,0.1,1.0\n");
        List<EpochMetrics> old = MetricsCsv.read(file);
        assertEquals(List.of(false, true), old.stream().map(EpochMetrics::hasValidation).toList());
        var e = assertThrows(IllegalArgumentException.class,
                () -> new EpochMetrics(1, 0.5, Double.NaN, 0.75, Double.NaN, 0.1, 1.0, none, none, false));
        assertTrue(e.getMessage().contains("hasValidation false"), e.getMessage());
    }

    /**
     * A run that evaluated held-out data after every epoch: a file written before a NaN validation loss was written
     * "NaN" holds empty val_loss and val_accuracy cells for it, which read as no validation, so that a resumed run's
     * early stopping skipped the epoch the uninterrupted run counted. Read for such a run, they are the NaN loss the
     * file holds now; a row with numbers, or one written now, reads the same either way.
     */
    @Test
    void emptyValidationCellsOfARunThatValidatesEveryEpochAreANaNLoss(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("metrics.csv");
        Files.writeString(file, MetricsCsv.FIXED_HEADER + "\n1,0.5,,,,0.1,1.0\n2,0.25,,0.75,,0.1,1.0\n");
        List<EpochMetrics> validated = MetricsCsv.read(file, true);
        assertEquals(List.of(true, true), validated.stream().map(EpochMetrics::hasValidation).toList());
        assertTrue(Double.isNaN(validated.get(0).valLoss()));
        assertEquals(0.75, validated.get(1).valLoss());
        assertEquals(List.of(false, true), MetricsCsv.read(file, false).stream().map(EpochMetrics::hasValidation).toList());
        assertEquals(MetricsCsv.read(file, false), MetricsCsv.read(file), "read(file) is read(file, false)");
        // what is written now reads back as written, whatever the run
        Map<String, Double> none = Map.of();
        EpochMetrics nan = new EpochMetrics(1, 0.5, Double.NaN, Double.NaN, Double.NaN, 0.1, 1.0, none, none, true);
        MetricsCsv.write(file, List.of(nan));
        assertEquals(List.of(nan), MetricsCsv.read(file, true));
        assertEquals(List.of(nan), MetricsCsv.read(file, false));
    }

    /**
     * A file that is not a metrics.csv of jgrad's is refused naming the file, the line and what was expected: a header
     * of other columns read on and stopped with an ArrayIndexOutOfBoundsException at the fourth cell of its first row
     * (a stack trace from jgrad report), and an empty or fractional epoch cell read as epoch 0 or 1.
     */
    @Test
    void aHeaderOfOtherColumnsOrAnEpochThatIsNotACountIsRefusedNamingTheLine(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("metrics.csv");
        Files.writeString(file, "step,loss\n1,0.5\n");
        var e = assertThrows(io.jgrad.io.JgradFormatException.class, () -> MetricsCsv.read(file));
        assertTrue(e.getMessage().startsWith(file + ": line 1: "), e.getMessage());
        assertTrue(e.getMessage().contains("expected the header to begin with " + MetricsCsv.FIXED_HEADER), e.getMessage());
        for (String epoch : new String[] {"", "1.5", "0", "-1"}) {
            Files.writeString(file, MetricsCsv.FIXED_HEADER + "\n1,0.5,,,,0.1,1.0\n" + epoch + ",0.25,,,,0.1,1.0\n");
            e = assertThrows(io.jgrad.io.JgradFormatException.class, () -> MetricsCsv.read(file), "epoch '" + epoch + "'");
            assertTrue(e.getMessage().startsWith(file + ": line 3, column 'epoch': "), e.getMessage());
            assertTrue(e.getMessage().contains("expected the epoch's number, a whole number from 1"), e.getMessage());
        }
    }

    /** One CSV quoting rule for the metrics header and predict's --output rows (which had a copy of it). */
    @Test
    void aFieldIsQuotedOnlyWhereItHoldsACommaQuoteOrLineBreak() {
        assertEquals("0.weight", MetricsCsv.field("0.weight"));
        assertEquals("", MetricsCsv.field(""));
        assertEquals("\"a,b\"", MetricsCsv.field("a,b"));
        assertEquals("\"say \"\"hi\"\"\"", MetricsCsv.field("say \"hi\""));
        assertEquals("\"two\nlines\"", MetricsCsv.field("two\nlines"));
        assertEquals("\"cr\rhere\"", MetricsCsv.field("cr\rhere"));
    }
}
