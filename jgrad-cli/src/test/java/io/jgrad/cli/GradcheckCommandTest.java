package io.jgrad.cli;

import static org.junit.jupiter.api.Assertions.*;

import io.jgrad.tensor.GradCheck;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** {@code jgrad gradcheck}: its examples run and pass, its page states GradCheck's eps and tolerances, bad flags exit 2. */
class GradcheckCommandTest {
    @Test
    void everyExampleOfTheHelpPageRunsAndPasses() {
        List<String> examples = Cli.run("help", "gradcheck").out().lines()
                .dropWhile(l -> !l.equals("EXAMPLES")).skip(1).takeWhile(l -> !l.isBlank())
                .map(String::strip).toList();
        assertEquals(3, examples.size(), examples::toString);
        for (String example : examples) {
            String[] words = example.split(" {2,}")[0].split(" ");
            assertEquals("jgrad", words[0]);
            Cli r = Cli.run(Arrays.copyOfRange(words, 1, words.length));
            assertEquals(0, r.exitCode(), () -> example + ": " + r.err() + r.out());
            assertTrue(r.out().contains("GradCheck passed"), () -> example + ":\n" + r.out());
        }
    }

    /**
     * A correct backward pass through a half-sse loss of about 3e4 over 60,000 samples: float64's rounding of the
     * loss, magnified by the difference's division by 2 eps, put numeric gradients 1.04e-5 (relative) from the exact
     * ones, past the fixed tolerance, and the check FAILED (exit 1) where the same network with mse passed.
     */
    @Test
    void aLargeSummedLossPassesDespiteItsRounding() {
        Cli r = Cli.run("gradcheck", "--loss", "half-sse", "--batch", "60000", "--activation", "tanh");
        assertEquals(0, r.exitCode(), r.err() + r.out());
        assertTrue(r.out().contains("GradCheck passed"), r.out());
    }

    /** The parameter of --activation in the network's description: "elu-1" read as an ELU and a layer called 1. */
    @Test
    void theNetworkNamesItsActivationsParameter() {
        Cli r = Cli.run("gradcheck", "--activation", "elu:-1");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("network   6-5-4-3 elu(alpha=-1), cross-entropy loss"), r.out());
        assertTrue(Cli.run("gradcheck", "--activation", "leaky-relu:0.25").out()
                .contains("network   6-5-4-3 leakyrelu(negative_slope=0.25), cross-entropy loss"));
        assertTrue(Cli.run("gradcheck", "--activation", "elu").out().contains("network   6-5-4-3 elu(alpha=1), cross-entropy"));
    }

    @Test
    void regressionHasOneOutput() {
        Cli r = Cli.run("gradcheck", "--loss", "mse");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("6-5-4-1 tanh, mse loss"), r.out());
        Cli.run("gradcheck", "--loss", "mse", "--outputs", "2").assertUserError("jgrad gradcheck:", "--outputs", "one output");
        Cli.run("gradcheck", "--outputs", "1").assertUserError("--outputs", "at least 2");
        Cli.run("gradcheck", "--loss", "nope").assertUserError("--loss nope", "cross-entropy");
    }

    /**
     * A softmax over one output is always 1: every gradient is exactly 0, and the check "passed" with max abs error
     * 0.00 on a network that computes a constant, checking nothing. 'jgrad train' refuses that network; so does
     * gradcheck now.
     */
    @Test
    void aSoftmaxOverOneOutputIsRefused() {
        for (String[] loss : List.of(new String[] {"--loss", "mse"}, new String[] {"--loss", "half-sse"},
                new String[] {"--loss", "bce-logits", "--outputs", "2"})) {
            List<String> args = new java.util.ArrayList<>(List.of("gradcheck", "--output-activation", "softmax"));
            args.addAll(List.of(loss));
            Cli.run(args.toArray(new String[0])).assertUserError("jgrad gradcheck:", "--output-activation softmax", "always 1");
        }
        Cli three = Cli.run("gradcheck", "--output-activation", "softmax", "--loss", "bce-logits");
        assertEquals(0, three.exitCode(), () -> three.err() + three.out());
    }

    /**
     * BCE takes probabilities: on the raw outputs of a Linear layer it took the log of negative numbers, the numeric
     * gradient came out NaN and a correct backward pass was reported as FAILED (exit 1). As in 'jgrad train', --loss
     * bce now ends the network with a sigmoid unless told otherwise, and refuses an output activation that is not one.
     */
    @Test
    void bceGetsASigmoidOutputAsInTrain() {
        for (String outputs : List.of("2", "3")) {
            Cli r = Cli.run("gradcheck", "--loss", "bce", "--outputs", outputs);
            assertEquals(0, r.exitCode(), () -> r.err() + r.out());
            assertTrue(r.out().contains("output sigmoid, bce loss") && r.out().contains("GradCheck passed"), r.out());
        }
        Cli.run("gradcheck", "--loss", "bce", "--output-activation", "none")
                .assertUserError("jgrad gradcheck:", "--loss bce needs probabilities", "--output-activation none", "bce-logits");
        Cli r = Cli.run("gradcheck", "--loss", "bce-logits");
        assertEquals(0, r.exitCode(), () -> r.err() + r.out());
        assertFalse(r.out().contains("output sigmoid"), r.out());
    }

    /**
     * A ReLU network has exact zero gradients (dead units): the "worst" element printed was one of them, analytic 0
     * and numeric 0, beside a max abs error of 1.91e-10 found elsewhere.
     */
    @Test
    void theWorstElementHasAnError() {
        Cli r = Cli.run("gradcheck", "--activation", "relu");
        assertEquals(0, r.exitCode(), r.err());
        Matcher m = Pattern.compile("worst at .* \\(analytic (\\S+), numeric (\\S+)\\)").matcher(r.out());
        assertTrue(m.find(), r.out());
        assertFalse(m.group(1).equals(m.group(2)), r.out());
    }

    @Test
    void helpStatesTheStepAndTolerancesOfGradCheck() {
        String help = Cli.run("help", "gradcheck").out().replace("\n", " ");
        Matcher m = Pattern.compile("eps = ([0-9.e-]+)\\. A gradient passes when \\|analytic - numeric\\| <= ([0-9.e-]+) \\+ ([0-9.e-]+) \\* \\|numeric\\|")
                .matcher(help);
        assertTrue(m.find(), help);
        assertEquals(GradCheck.EPS, Double.parseDouble(m.group(1)));
        assertEquals(GradCheck.ATOL, Double.parseDouble(m.group(2)));
        assertEquals(GradCheck.RTOL, Double.parseDouble(m.group(3)));
        for (String label : List.of("<activation>", "<batch>", "<inputs>", "<loss>", "<outputs>", "<seed>", "N,N,...[")) {
            assertFalse(help.contains(label), () -> label + " in:\n" + help);
        }
        assertTrue(help.contains("leaky-relu[:alpha]") && help.contains("none, sigmoid, softmax"), help);
    }
}
