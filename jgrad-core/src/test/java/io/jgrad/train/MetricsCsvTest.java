package io.jgrad.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

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
}
