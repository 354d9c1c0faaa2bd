package io.jgrad.cli;

import static org.junit.jupiter.api.Assertions.*;

import io.jgrad.io.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TwoNeuronCommandTest {
    private static double sigmoid(double z) {
        return 1 / (1 + Math.exp(-z));
    }

    @Test
    @SuppressWarnings("unchecked")
    void jsonHasEveryValueOfTheChainRuleAndTheUpdate() {
        Cli r = Cli.run("example", "two-neuron", "--x", "1", "--target", "0", "--w1", "0.5", "--b1", "0", "--w2", "-1",
                "--b2", "0.5", "--lr", "0.1", "--steps", "2", "--json");
        assertEquals(0, r.exitCode(), r.err());
        Map<String, Object> doc = (Map<String, Object>) Json.parse(r.out(), Path.of("stdout"));
        List<Object> steps = (List<Object>) doc.get("steps");
        assertEquals(2, steps.size());
        Map<String, Object> s1 = (Map<String, Object>) steps.get(0);
        // independent recomputation of the textbook formulas
        double z1 = 0.5 * 1 + 0, a1 = sigmoid(z1), z2 = -1 * a1 + 0.5, a2 = sigmoid(z2);
        double dz2 = (a2 - 0) * a2 * (1 - a2), dz1 = dz2 * -1 * a1 * (1 - a1);
        Map<String, Object> fw = (Map<String, Object>) s1.get("forward");
        assertEquals(z1, (Double) fw.get("z1"), 1e-12);
        assertEquals(a2, (Double) fw.get("a2"), 1e-12);
        assertEquals(0.5 * a2 * a2, (Double) s1.get("loss"), 1e-12);
        Map<String, Object> ag = (Map<String, Object>) s1.get("autograd");
        assertEquals(dz2 * a1, (Double) ag.get("dE/dw2"), 1e-12);
        assertEquals(dz2, (Double) ag.get("dE/db2"), 1e-12);
        assertEquals(dz1 * 1, (Double) ag.get("dE/dw1"), 1e-12);
        assertEquals(dz1, (Double) ag.get("dE/db1"), 1e-12);
        Map<String, Object> up = (Map<String, Object>) s1.get("updated");
        assertEquals(0.5 - 0.1 * dz1, (Double) up.get("w1"), 1e-12);
        assertEquals(-1 - 0.1 * dz2 * a1, (Double) up.get("w2"), 1e-12);
        Map<String, Object> s2w = (Map<String, Object>) ((Map<String, Object>) steps.get(1)).get("weights");
        assertEquals((Double) up.get("w1"), (Double) s2w.get("w1"), 0.0, "step 2 starts from step 1's update");
    }

    @Test
    void textNamesEveryPartialDerivative() {
        Cli r = Cli.run("example", "two-neuron");
        assertEquals(0, r.exitCode(), r.err());
        for (String s : List.of("z1 = w1*x + b1", "a2 = sigmoid(z2)", "dE/da2 = a2 - t", "dE/dw1 = dE/dz1 * x", "w1 = ")) {
            assertTrue(r.out().contains(s), () -> "missing '" + s + "' in\n" + r.out());
        }
    }

    /**
     * Saturated sigmoids (z1 = 150, z2 = 10): the gradients vanish, which is what the example shows, but with six
     * fixed decimals every one of them printed as "-0.000000", the loss as "0.000000", and the update's learning
     * rate 0.12345 as "0.123" (w := w - 0.123 * dE/dw, which does not give the printed weights). Each printed number now agrees with the JSON one to six significant digits.
     */
    @Test
    @SuppressWarnings("unchecked")
    void textShowsSixSignificantDigitsOfTinyGradients() {
        String[] flags = {"example", "two-neuron", "--x", "30", "--w1", "5", "--b1", "0", "--w2", "10", "--b2", "0",
            "--target", "1", "--lr", "0.12345"};
        Cli text = Cli.run(flags);
        assertEquals(0, text.exitCode(), text.err());
        List<String> withJson = new java.util.ArrayList<>(List.of(flags));
        withJson.add("--json");
        Map<String, Object> step = (Map<String, Object>) ((List<Object>) ((Map<String, Object>) Json.parse(
                Cli.run(withJson.toArray(new String[0])).out(), Path.of("stdout"))).get("steps")).get(0);
        Map<String, Object> chain = (Map<String, Object>) step.get("chain_rule");
        for (Map.Entry<String, Object> c : chain.entrySet()) {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile(java.util.regex.Pattern.quote(c.getKey())
                    + " += (\\S+)").matcher(text.out());
            assertTrue(m.find(), c.getKey() + " in\n" + text.out());
            double exact = (Double) c.getValue();
            assertEquals(exact, Double.parseDouble(m.group(1)), 1e-5 * Math.abs(exact), c.getKey() + " in\n" + text.out());
        }
        java.util.regex.Matcher loss = java.util.regex.Pattern.compile("\\)\\^2 = (\\S+)\\n").matcher(text.out());
        assertTrue(loss.find(), text.out());
        assertEquals((Double) step.get("loss"), Double.parseDouble(loss.group(1)), 1e-5 * (Double) step.get("loss"), text.out());
        assertTrue(text.out().contains("w := w - 0.123450 * dE/dw"), text.out());
        // a1 = sigmoid(150) rounds to 1 in float64, so a1(1 - a1) is 0 and the products -0.0: printed as 0
        assertFalse(text.out().contains("-0.000000"), text.out());
        // ordinary magnitudes keep their six decimals
        assertTrue(Cli.run("example", "two-neuron").out().contains("a1 = sigmoid(z1)  = 0.598688"));
    }

    @Test
    void graphIsWrittenAsDot(@TempDir Path dir) throws Exception {
        Path dot = dir.resolve("g.dot");
        Cli r = Cli.run("example", "two-neuron", "--graph", dot.toString());
        assertEquals(0, r.exitCode(), r.err());
        String text = Files.readString(dot);
        assertTrue(text.startsWith("digraph"), text);
        assertTrue(text.contains("w1") && text.contains("sigmoid") && text.contains("grad"), text);
        // "op, value and gradient of each node", as --help says: the products w1*x and w2*a1, t - a2, its square
        // and E itself had no gradient; only the constants x and t have none. dE/dE = 1, dE/d(square) = 1/2.
        List<String> nodes = text.lines().filter(l -> l.contains("[label=")).toList();
        assertEquals(15, nodes.size(), text);
        for (String node : nodes) {
            assertEquals(!node.contains("const"), node.contains("| grad "), node);
        }
        assertTrue(text.contains("{E = mul_scalar | shape [] | value 0.01498 | grad 1.000}"), text);
        assertTrue(text.contains("{pow | shape [] | value 0.02995 | grad 0.5000}"), text);
        // Without Graphviz, the SVG's temporary file ".graph<random>.svg.tmp" was left beside the graph.
        try (var left = Files.list(dir)) {
            List<String> names = left.map(p -> p.getFileName().toString()).sorted().toList();
            assertTrue(names.equals(List.of("g.dot")) || names.equals(List.of("g.dot", "g.svg")), names::toString);
        }
    }

    /**
     * A --graph that names a directory, or a file in a missing directory, is refused before anything is printed; a
     * directory was a FileSystemException's stack trace (exit 1) from the rename of the temporary file onto it.
     */
    @Test
    void aGraphThatCannotBeWrittenIsRefusedFirst(@TempDir Path dir) throws Exception {
        Path sub = Files.createDirectories(dir.resolve("sub.dot"));
        Cli r = Cli.run("example", "two-neuron", "--graph", sub.toString());
        r.assertUserError("--graph", "sub.dot", "is a directory");
        assertEquals("", r.out(), "nothing printed before the error");
        try (var left = Files.list(dir)) {
            assertEquals(List.of(sub), left.toList(), "no temporary file left");
        }
        Cli missing = Cli.run("example", "two-neuron", "--graph", dir.resolve("nowhere/g.dot").toString());
        missing.assertUserError("--graph", "nowhere", "does not exist");
        assertEquals("", missing.out(), "nothing printed before the error");
    }

    /**
     * Values whose results leave float64's range: (t - a2)^2 with --target 1e200 is Infinity, and --json crashed
     * with Json.write's IllegalArgumentException and a stack trace (exit 1); the text printed "E = ... = Infinity"
     * and went on with NaN weights, exit 0.
     */
    @Test
    void valuesBeyondFloat64AreAUserErrorNamingTheQuantity() {
        for (String mode : new String[] {"--json", "--steps=1"}) {
            Cli r = Cli.run("example", "two-neuron", "--target", "1e200", mode);
            r.assertUserError("step 1", "E", "float64", "--target");
            assertFalse(r.out().contains("Infinity"), r.out());
        }
        Cli z = Cli.run("example", "two-neuron", "--x", "1e200", "--w1", "1e200", "--json");
        z.assertUserError("step 1", "z1", "--x");
        assertEquals("", z.out());
        // finite gradients, but the update w1 - lr * dE/dw1 overflows: that step is not printed
        Cli u = Cli.run("example", "two-neuron", "--target", "1e150", "--lr", "1e160", "--steps", "2");
        u.assertUserError("step 1", "updated w1", "--lr");
        assertEquals("", u.out());
    }

    /**
     * With Graphviz: the SVG was rendered into a Files.createTempFile file, whose owner-only permissions survived the
     * rename, so FILE.svg was rw------- beside a rw-r--r-- FILE.dot. A stand-in 'dot' on the PATH of a JVM of its own
     * copies the DOT text to its -o file.
     */
    @Test
    void theRenderedSvgHasTheDotFilesPermissions(@TempDir Path dir) throws Exception {
        Path bin = Files.createDirectory(dir.resolve("bin"));
        Path fakeDot = bin.resolve("dot");
        Files.writeString(fakeDot, "#!/bin/sh\n# dot -Tsvg IN -o OUT\ncp \"$2\" \"$4\"\n");
        fakeDot.toFile().setExecutable(true);
        Path out = Files.createDirectory(dir.resolve("out"));
        List<String> cmd = new java.util.ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "-cp", System.getProperty("java.class.path"), "io.jgrad.cli.Main", "example", "two-neuron", "--graph",
                out.resolve("step.dot").toString()));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("PATH", bin + java.io.File.pathSeparator + System.getenv("PATH"));
        Process p = pb.start();
        String log = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), log);
        assertTrue(log.contains("wrote " + out.resolve("step.svg")), log);
        assertEquals(Files.readString(out.resolve("step.dot")), Files.readString(out.resolve("step.svg")));
        assertEquals(Files.getPosixFilePermissions(out.resolve("step.dot")), Files.getPosixFilePermissions(out.resolve("step.svg")));
        try (var left = Files.list(out)) {
            assertEquals(List.of("step.dot", "step.svg"), left.map(f -> f.getFileName().toString()).sorted().toList());
        }
    }

    /** A step refused for a value beyond float64 leaves no --graph file behind (it was written before the check). */
    @Test
    void aRefusedStepWritesNoGraph(@TempDir Path dir) throws Exception {
        Path dot = dir.resolve("step.dot");
        Cli.run("example", "two-neuron", "--target", "1e200", "--graph", dot.toString()).assertUserError("step 1", "E");
        try (var left = Files.list(dir)) {
            assertEquals(List.of(), left.toList());
        }
    }

    /** The help page states the range of --lr and --steps that the command enforces: it refused --lr 0 unannounced. */
    @Test
    void theHelpStatesWhichLearningRatesAndStepsAreAccepted() {
        List<String> help = Cli.run("help", "example", "two-neuron").out().lines().toList();
        assertTrue(help.stream().anyMatch(l -> l.contains("--lr=RATE") && l.contains("a positive number")), help::toString);
        assertTrue(help.stream().anyMatch(l -> l.contains("--steps=N") && l.contains("at least 1")), help::toString);
        Cli.run("example", "two-neuron", "--lr", "0").assertUserError("--lr must be a positive number, got 0.0");
        Cli.run("example", "two-neuron", "--lr", "-0.5").assertUserError("--lr must be a positive number, got -0.5");
        Cli.run("example", "two-neuron", "--steps", "0").assertUserError("--steps must be at least 1, got 0");
    }

    @Test
    void badFlagsAreOneLineErrors() {
        Cli.run("example", "two-neuron", "--steps", "0").assertUserError("--steps");
        Cli.run("example", "two-neuron", "--lr", "abc").assertUserError("--lr");
        // a non-finite value: the message named all six flags, not the one given, nor its value
        Cli w2 = Cli.run("example", "two-neuron", "--w2", "Infinity");
        w2.assertUserError("--w2", "Infinity", "finite");
        assertFalse(w2.err().contains("--b1"), w2.err());
        Cli.run("example", "two-neuron", "-t", "NaN").assertUserError("--target", "NaN", "finite");
    }

    /**
     * A rendered SVG that cannot be renamed into place (FILE.svg is a directory holding a file) is named, with the
     * rename's reason: it was "note: install Graphviz (apt-get install graphviz) to render FILE.dot as SVG", with
     * Graphviz installed. The DOT file is written, as where dot itself fails, and no temporary file is left. A stand-in
     * 'dot' on the PATH of a JVM of its own copies the DOT text to its -o file.
     */
    @Test
    void anSvgThatCannotBeRenamedIntoPlaceIsNamedWithTheReason(@TempDir Path dir) throws Exception {
        Path bin = Files.createDirectory(dir.resolve("bin"));
        Path fakeDot = bin.resolve("dot");
        Files.writeString(fakeDot, "#!/bin/sh\n# dot -Tsvg IN -o OUT\ncp \"$2\" \"$4\"\n");
        fakeDot.toFile().setExecutable(true);
        Path out = Files.createDirectory(dir.resolve("out"));
        Path svg = Files.createDirectory(out.resolve("step.svg"));
        Files.writeString(svg.resolve("keep.txt"), "someone's file");
        List<String> cmd = new java.util.ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "-cp", System.getProperty("java.class.path"), "io.jgrad.cli.Main", "example", "two-neuron", "--graph",
                out.resolve("step.dot").toString()));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("PATH", bin + java.io.File.pathSeparator + System.getenv("PATH"));
        Process p = pb.start();
        String log = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), log);
        assertFalse(log.contains("Graphviz"), log);
        assertTrue(log.contains("note: --graph " + out.resolve("step.dot") + ": cannot write its SVG rendering " + svg
                + ": cannot put the written file in its place ("), log);
        assertTrue(log.contains("); " + out.resolve("step.dot") + " is still there\n"), log);
        assertEquals(List.of("keep.txt"), Files.list(svg).map(f -> f.getFileName().toString()).toList());
        try (var left = Files.list(out)) {
            assertEquals(List.of("step.dot", "step.svg"), left.map(f -> f.getFileName().toString()).sorted().toList());
        }
    }
}
