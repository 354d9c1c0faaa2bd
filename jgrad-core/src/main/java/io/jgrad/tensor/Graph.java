package io.jgrad.tensor;

import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Draws the computation graph behind a tensor in Graphviz's DOT language: one box per tensor (its label or
 * op, shape, value and gradient where known) and one arrow per input. Call it before {@code backward()} to
 * see the forward graph, or with {@code backward(grad, true)} and {@link Tensor#retainGrad()} to see the
 * gradients too. Render with {@code dot -Tsvg graph.dot -o graph.svg}.
 */
public final class Graph {
    private Graph() {}

    /** The DOT text of the graph that produced {@code root}. */
    public static String toDot(Tensor root) {
        List<Tensor> order = walk(root);
        Map<Tensor, String> ids = new IdentityHashMap<>();
        StringBuilder sb = new StringBuilder("digraph jgrad {\n  rankdir=LR;\n  node [shape=record, fontname=\"Helvetica\", fontsize=10];\n");
        for (Tensor t : order) {
            String id = "t" + ids.size();
            ids.put(t, id);
            String title = t.node != null ? t.node.op() : (t.requiresGrad ? "leaf" : "const");
            if (t.label() != null) {
                title = t.label() + " = " + title;
            }
            StringBuilder label = new StringBuilder(escape(title)).append(" | shape ").append(Shapes.str(t.shape));
            label.append(" | value ").append(escape(values(t)));
            if (t.grad != null) {
                label.append(" | grad ").append(escape(values(t.grad)));
            }
            String style = t.node == null ? (t.requiresGrad ? ", style=filled, fillcolor=\"#dbeafe\"" : ", style=filled, fillcolor=\"#f3f4f6\"") : "";
            sb.append("  ").append(id).append(" [label=\"{").append(label).append("}\"").append(style).append("];\n");
        }
        for (Tensor t : order) {
            if (t.node != null) {
                for (Tensor in : t.node.inputs()) {
                    if (in != null && ids.containsKey(in)) {
                        sb.append("  ").append(ids.get(in)).append(" -> ").append(ids.get(t)).append(";\n");
                    }
                }
            }
        }
        return sb.append("}\n").toString();
    }

    /** Every tensor reachable from root through recorded ops (including inputs that need no gradient), inputs first. */
    private static List<Tensor> walk(Tensor root) {
        Map<Tensor, Boolean> seen = new IdentityHashMap<>();
        java.util.ArrayList<Tensor> order = new java.util.ArrayList<>();
        java.util.ArrayDeque<Object[]> stack = new java.util.ArrayDeque<>();
        stack.push(new Object[] {root, 0});
        seen.put(root, true);
        while (!stack.isEmpty()) {
            Object[] frame = stack.peek();
            Tensor t = (Tensor) frame[0];
            int i = (Integer) frame[1];
            List<Tensor> ins = t.node == null ? List.of() : t.node.inputs();
            while (i < ins.size() && (ins.get(i) == null || seen.containsKey(ins.get(i)))) {
                i++;
            }
            if (i < ins.size()) {
                frame[1] = i + 1;
                seen.put(ins.get(i), true);
                stack.push(new Object[] {ins.get(i), 0});
            } else {
                stack.pop();
                order.add(t);
            }
        }
        return order;
    }

    private static String values(Tensor t) {
        int n = t.numel();
        Tensor c = t.contiguous();
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < Math.min(n, 4); i++) {
            sb.append(i == 0 ? "" : ", ").append(String.format("%.4g", c.getFlat(i)));
        }
        if (n > 4) {
            sb.append(", ... (").append(n).append(')');
        }
        return n == 1 ? sb.toString() : "[" + sb + "]";
    }

    private static String escape(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"").replace("{", "\\{").replace("}", "\\}")
                .replace("|", "\\|").replace("<", "\\<").replace(">", "\\>");
    }
}
