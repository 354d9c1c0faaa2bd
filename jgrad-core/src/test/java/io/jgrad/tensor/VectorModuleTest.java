package io.jgrad.tensor;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** How -Djgrad.vector is read. */
class VectorModuleTest {

    private static String warning(String value, boolean expected) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream err = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        assertEquals(expected, VectorModule.enabled(value, err), "-Djgrad.vector=" + value);
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void trueAndFalseAndNothingSwitchTheKernelsQuietly() {
        assertEquals("", warning(null, true));
        assertEquals("", warning("true", true));
        assertEquals("", warning("TRUE", true));
        assertEquals("", warning("false", false));
        assertEquals("", warning("False", false));
    }

    /**
     * Boolean.parseBoolean read every value but "true" as false, so a typo or "-Djgrad.vector=1" (or "yes") turned the
     * Vector API kernels off without a word, where -Djgrad.sgemm and -Djgrad.blas say on stderr that they do not
     * know a value. Now such a value keeps the default (on) and says so.
     */
    @Test
    void anotherValueKeepsTheKernelsOnAndSaysSo() {
        for (String value : new String[] {"1", "yes", "ture", "", " true"}) {
            assertEquals("jgrad: unknown -Djgrad.vector=" + value + " (expected true or false); using true"
                    + System.lineSeparator(), warning(value, true), "-Djgrad.vector=" + value);
        }
    }
}
