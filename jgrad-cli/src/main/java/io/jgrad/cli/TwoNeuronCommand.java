package io.jgrad.cli;

import io.jgrad.io.AtomicFiles;
import io.jgrad.io.Json;
import io.jgrad.tensor.DType;
import io.jgrad.tensor.Graph;
import io.jgrad.tensor.Tensor;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The smallest network that still has a hidden layer: x -> sigmoid neuron (w1, b1) -> sigmoid neuron
 * (w2, b2) -> E = 1/2 (t - a2)^2. Each step prints the forward values, every factor of the chain rule, the
 * gradients that autograd computed (which must equal the products), and the gradient-descent update.
 */
@Command(name = "two-neuron",
        mixinStandardHelpOptions = true,
        header = "One input, a sigmoid hidden neuron, a sigmoid output neuron: backpropagation by hand.",
        description = {
            "",
            "The network computes",
            "    z1 = w1*x + b1,   a1 = sigmoid(z1),   z2 = w2*a1 + b2,   a2 = sigmoid(z2)",
            "and the loss E = 1/2 * (t - a2)^2. Backpropagation applies the chain rule from E back to each weight:",
            "    dE/dw2 = dE/da2 * da2/dz2 * dz2/dw2 = (a2 - t) * a2(1 - a2) * a1",
            "    dE/dw1 = dE/da2 * da2/dz2 * dz2/da1 * da1/dz1 * dz1/dw1 = (a2 - t) * a2(1 - a2) * w2 * a1(1 - a1) * x",
            "Gradient descent then moves every weight against its gradient: w := w - lr * dE/dw.",
            "The command prints all of these numbers, and the gradients jgrad's autograd computed for comparison.",
            ""},
        footerHeading = "%n",
        footer = {
            "@|bold EXAMPLES|@",
            "  jgrad example two-neuron",
            "  jgrad example two-neuron --x 1 --target 0 --w1 0.8 --steps 3",
            "  jgrad example two-neuron --json",
            "  jgrad example two-neuron --graph step.dot      (also writes step.svg when Graphviz's dot is installed)",
            "",
            "@|bold EXIT STATUS|@",
            "  0 printed; 1 internal error; 2 bad input (a flag value, a --graph file that cannot be written, values",
            "  so large that a result leaves float64's range): the message says which."})
final class TwoNeuronCommand implements Callable<Integer> {
    @Option(names = "--x", paramLabel = "X", description = "The input x (default: ${DEFAULT-VALUE}).", defaultValue = "1.5")
    double x;

    @Option(names = {"--target", "-t"}, paramLabel = "T", description = "The target output t (default: ${DEFAULT-VALUE}).", defaultValue = "0.8")
    double target;

    @Option(names = "--w1", paramLabel = "W", description = "Initial weight of the hidden neuron (default: ${DEFAULT-VALUE}).", defaultValue = "0.4")
    double w1;

    @Option(names = "--b1", paramLabel = "B", description = "Initial bias of the hidden neuron (default: ${DEFAULT-VALUE}).", defaultValue = "-0.2")
    double b1;

    @Option(names = "--w2", paramLabel = "W", description = "Initial weight of the output neuron (default: ${DEFAULT-VALUE}).", defaultValue = "0.7")
    double w2;

    @Option(names = "--b2", paramLabel = "B", description = "Initial bias of the output neuron (default: ${DEFAULT-VALUE}).", defaultValue = "0.1")
    double b2;

    @Option(names = "--lr", paramLabel = "RATE", description = "Learning rate of gradient descent, a positive number (default: ${DEFAULT-VALUE}).",
            defaultValue = "0.5")
    double lr;

    @Option(names = "--steps", paramLabel = "N", description = "Number of forward/backward/update steps, at least 1 (default: ${DEFAULT-VALUE}).",
            defaultValue = "1")
    int steps;

    @Option(names = "--json", description = "Print the same numbers as JSON instead of text.")
    boolean json;

    @Option(names = "--graph", paramLabel = "FILE.dot",
            description = "Write the computation graph of the first step (op, value and gradient of each node) in Graphviz DOT;"
                    + " FILE.svg is rendered too when 'dot' is installed.")
    Path graph;

    @Override
    public Integer call() throws Exception {
        if (steps < 1) {
            throw new UserError("--steps must be at least 1, got " + steps);
        }
        Flags.positive("--lr", lr);
        String[] flags = {"--x", "--target", "--w1", "--b1", "--w2", "--b2"};
        double[] values = {x, target, w1, b1, w2, b2};
        for (int i = 0; i < flags.length; i++) {
            if (!Double.isFinite(values[i])) {
                throw new UserError(flags[i] + " must be a finite number, got " + values[i]);
            }
        }
        if (graph != null) {
            checkGraph(graph);
        }
        PrintStream out = System.out;
        List<Map<String, Object>> records = new ArrayList<>();
        double[] w = {w1, b1, w2, b2};
        for (int step = 1; step <= steps; step++) {
            Map<String, Object> rec = step(step, w, step == 1 && graph != null);
            records.add(rec);
            if (!json) {
                printText(out, rec);
            }
        }
        if (json) {
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("network", "x -> sigmoid(w1*x + b1) -> sigmoid(w2*a1 + b2), E = 1/2 (t - a2)^2");
            doc.put("x", x);
            doc.put("target", target);
            doc.put("learning_rate", lr);
            doc.put("steps", records);
            out.println(Json.write(doc));
        }
        return 0;
    }

    /**
     * One step with jgrad's tensors and autograd; {@code w} holds w1, b1, w2, b2 and is updated. A UserError when a
     * number of the step is not finite ({@link #requireFinite}). Modified: w.
     */
    private Map<String, Object> step(int step, double[] w, boolean drawGraph) throws Exception {
        Tensor tx = Tensor.scalar(DType.FLOAT64, x).label("x");
        Tensor tt = Tensor.scalar(DType.FLOAT64, target).label("t");
        Tensor tw1 = Tensor.scalar(DType.FLOAT64, w[0]).requiresGrad(true).label("w1");
        Tensor tb1 = Tensor.scalar(DType.FLOAT64, w[1]).requiresGrad(true).label("b1");
        Tensor tw2 = Tensor.scalar(DType.FLOAT64, w[2]).requiresGrad(true).label("w2");
        Tensor tb2 = Tensor.scalar(DType.FLOAT64, w[3]).requiresGrad(true).label("b2");

        // every computed node keeps its gradient: --graph promises the gradient of each node
        Tensor z1 = tw1.mul(tx).retainGrad().add(tb1).label("z1").retainGrad();
        Tensor a1 = z1.sigmoid().label("a1").retainGrad();
        Tensor z2 = tw2.mul(a1).retainGrad().add(tb2).label("z2").retainGrad();
        Tensor a2 = z2.sigmoid().label("a2").retainGrad();
        Tensor e = tt.sub(a2).retainGrad().pow(2).retainGrad().mul(0.5).label("E").retainGrad();
        e.backward(Tensor.scalar(DType.FLOAT64, 1.0), drawGraph);

        double vz1 = z1.item(), va1 = a1.item(), vz2 = z2.item(), va2 = a2.item(), ve = e.item();
        // The chain rule, factor by factor, from the stored forward values.
        double dEda2 = va2 - target;
        double da2dz2 = va2 * (1 - va2);
        double dEdz2 = dEda2 * da2dz2;
        double dEdw2 = dEdz2 * va1;
        double dEdb2 = dEdz2;
        double dEda1 = dEdz2 * w[2];
        double da1dz1 = va1 * (1 - va1);
        double dEdz1 = dEda1 * da1dz1;
        double dEdw1 = dEdz1 * x;
        double dEdb1 = dEdz1;

        Map<String, Object> rec = new LinkedHashMap<>();
        rec.put("step", step);
        rec.put("weights", map("w1", w[0], "b1", w[1], "w2", w[2], "b2", w[3]));
        rec.put("forward", map("z1", vz1, "a1", va1, "z2", vz2, "a2", va2));
        rec.put("loss", ve);
        Map<String, Object> chain = map("dE/da2 = a2 - t", dEda2, "da2/dz2 = a2(1 - a2)", da2dz2,
                "dE/dz2 = dE/da2 * da2/dz2", dEdz2, "dE/dw2 = dE/dz2 * a1", dEdw2, "dE/db2 = dE/dz2", dEdb2,
                "dE/da1 = dE/dz2 * w2", dEda1, "da1/dz1 = a1(1 - a1)", da1dz1, "dE/dz1 = dE/da1 * da1/dz1", dEdz1,
                "dE/dw1 = dE/dz1 * x", dEdw1, "dE/db1 = dE/dz1", dEdb1);
        rec.put("chain_rule", chain);
        rec.put("autograd", map("dE/dw1", tw1.grad().item(), "dE/db1", tb1.grad().item(),
                "dE/dw2", tw2.grad().item(), "dE/db2", tb2.grad().item(), "dE/da1", a1.grad().item(), "dE/dz2", z2.grad().item()));
        w[0] -= lr * tw1.grad().item();
        w[1] -= lr * tb1.grad().item();
        w[2] -= lr * tw2.grad().item();
        w[3] -= lr * tb2.grad().item();
        rec.put("updated", map("w1", w[0], "b1", w[1], "w2", w[2], "b2", w[3]));
        requireFinite(rec); // before the graph, so that a refused step leaves no file
        if (drawGraph) {
            writeGraph(Graph.toDot(e));
        }
        return rec;
    }

    /**
     * Every number of a step must be a float64: JSON has no Infinity or NaN, and a printed "E = Infinity" would
     * be false (the exact loss is finite, only too large). Checked before the step is printed.
     */
    @SuppressWarnings("unchecked")
    private static void requireFinite(Map<String, Object> rec) {
        Map<String, Object> named = new LinkedHashMap<>((Map<String, Object>) rec.get("forward"));
        named.put("E = 1/2 (t - a2)^2", rec.get("loss"));
        named.putAll((Map<String, Object>) rec.get("chain_rule"));
        named.putAll((Map<String, Object>) rec.get("autograd"));
        ((Map<String, Object>) rec.get("updated")).forEach((k, v) -> named.put("updated " + k + " = " + k + " - lr * dE/d" + k, v));
        for (Map.Entry<String, Object> e : named.entrySet()) {
            double v = (Double) e.getValue();
            if (!Double.isFinite(v)) {
                throw new UserError("step " + rec.get("step") + ": " + e.getKey() + " is " + v + ", beyond float64's range"
                        + " (|value| < 1.8e308); use smaller --x, --target, --w1, --b1, --w2, --b2 or --lr");
            }
        }
    }

    private static Map<String, Object> map(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    @SuppressWarnings("unchecked")
    private void printText(PrintStream out, Map<String, Object> rec) {
        Map<String, Object> wts = (Map<String, Object>) rec.get("weights");
        Map<String, Object> fw = (Map<String, Object>) rec.get("forward");
        Map<String, Object> chain = (Map<String, Object>) rec.get("chain_rule");
        Map<String, Object> ag = (Map<String, Object>) rec.get("autograd");
        Map<String, Object> up = (Map<String, Object>) rec.get("updated");
        out.printf("Step %d%n", (Integer) rec.get("step"));
        out.printf("  weights      w1 = %s   b1 = %s   w2 = %s   b2 = %s%n", num(wts.get("w1")), num(wts.get("b1")),
                num(wts.get("w2")), num(wts.get("b2")));
        out.println("  forward pass");
        out.printf("    z1 = w1*x + b1    = %s*%s + %s = %s%n", num(wts.get("w1")), num(x), num(wts.get("b1")), num(fw.get("z1")));
        out.printf("    a1 = sigmoid(z1)  = %s%n", num(fw.get("a1")));
        out.printf("    z2 = w2*a1 + b2   = %s*%s + %s = %s%n", num(wts.get("w2")), num(fw.get("a1")), num(wts.get("b2")),
                num(fw.get("z2")));
        out.printf("    a2 = sigmoid(z2)  = %s%n", num(fw.get("a2")));
        out.printf("    E  = 1/2 (t - a2)^2 = 1/2 (%s - %s)^2 = %s%n", num(target), num(fw.get("a2")), num(rec.get("loss")));
        out.println("  backward pass (chain rule)");
        for (Map.Entry<String, Object> c : chain.entrySet()) {
            out.printf("    %-28s = %s%n", c.getKey(), num(c.getValue()));
        }
        out.printf("  autograd     dE/dw1 = %s   dE/db1 = %s   dE/dw2 = %s   dE/db2 = %s%n",
                num(ag.get("dE/dw1")), num(ag.get("dE/db1")), num(ag.get("dE/dw2")), num(ag.get("dE/db2")));
        out.printf("  update (w := w - %s * dE/dw)%n", num(lr));
        out.printf("    w1 = %s   b1 = %s   w2 = %s   b2 = %s%n%n", num(up.get("w1")), num(up.get("b1")), num(up.get("w2")),
                num(up.get("b2")));
    }

    /**
     * Six decimals for magnitudes from 0.001 to 1e9 (and 0), else six significant digits in scientific notation:
     * a saturated sigmoid's vanishing gradient, -2.06e-09, must not read "-0.000000", nor a huge value 200 digits.
     */
    static String num(Object value) {
        double v = (Double) value + 0.0; // -0.0 (a product with an underflowed 0) prints as 0
        double a = Math.abs(v);
        return String.format(java.util.Locale.ROOT, a == 0 || (a >= 1e-3 && a < 1e9) ? "%.6f" : "%.6g", v);
    }

    /**
     * The --graph file must be creatable (or replaceable) in an existing, writable directory: checked before the steps
     * are printed, so that a bad --graph fails at once and not with a rename error after the output.
     */
    private static void checkGraph(Path graph) {
        if (Files.isDirectory(graph)) {
            throw new UserError("--graph " + graph + ": is a directory; expected a file name for the DOT graph, e.g. "
                    + graph.resolve("step.dot"));
        }
        Path parent = graph.toAbsolutePath().getParent();
        if (parent != null && !Files.isDirectory(parent)) {
            throw new UserError("--graph " + graph + ": directory " + parent + " does not exist");
        }
        if (parent != null && !Files.isWritable(parent)) {
            throw new UserError("--graph " + graph + ": cannot write in " + parent + " (read-only or no permission); choose another file");
        }
    }

    private void writeGraph(String dot) throws Exception {
        Flags.writing("--graph", graph, () -> AtomicFiles.writeString(graph, dot));
        System.err.println("wrote " + graph);
        String name = graph.getFileName().toString();
        Path svg = graph.resolveSibling((name.endsWith(".dot") ? name.substring(0, name.length() - 4) : name) + ".svg");
        // AtomicFiles' name, left for dot to create: a Files.createTempFile file's owner-only permissions would survive
        // the rename.
        Path tmp = AtomicFiles.temporaryFor(svg);
        try {
            Process p;
            try {
                p = new ProcessBuilder("dot", "-Tsvg", graph.toString(), "-o", tmp.toString()).redirectErrorStream(true).start();
            } catch (java.io.IOException noDot) { // only the start: a later failure is no missing Graphviz
                System.err.println("note: install Graphviz (apt-get install graphviz) to render " + graph + " as SVG");
                return;
            }
            p.getInputStream().readAllBytes();
            if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                System.err.println("note: Graphviz 'dot' failed; " + graph + " is still there");
                return;
            }
            try {
                AtomicFiles.putInPlace(tmp, svg);
                System.err.println("wrote " + svg);
            } catch (java.nio.file.FileSystemException e) { // FILE.svg is a directory, ...: the SVG is extra, the DOT file written
                System.err.println("note: --graph " + graph + ": cannot write its SVG rendering " + svg + ": " + e.getReason()
                        + "; " + graph + " is still there");
            }
        } finally {
            Files.deleteIfExists(tmp); // still there unless dot's output was moved to FILE.svg
        }
    }
}
