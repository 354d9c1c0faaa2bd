package io.jgrad.nn;

import io.jgrad.tensor.DType;
import io.jgrad.tensor.PythonRepr;
import io.jgrad.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A layer or a network of layers: a function {@link #forward} with named parameters, buffers and child modules.
 *
 * <p>Subclasses register everything explicitly in their constructor ({@link #registerParameter},
 * {@link #registerBuffer}, {@link #registerModule}); nothing is found by reflection. Names follow PyTorch's
 * {@code state_dict}: a module's own parameters in registration order, then each child's under the child's name
 * and a dot ({@code 0.weight}, {@code block.0.bias}), so checkpoints line up with PyTorch's.
 *
 * <p>Subclasses read their tensors through {@link #param(String)} and {@link #buffer(String)} on every call
 * rather than caching them in fields, because {@link #to(DType)} replaces the tensors with converted ones.
 *
 * <p>In a file that imports {@code io.jgrad.nn.*}, write {@code import io.jgrad.nn.Module;} as well: the name
 * {@code Module} alone is otherwise ambiguous with {@code java.lang.Module}.
 */
public abstract class Module {
    private final LinkedHashMap<String, Tensor> parameters = new LinkedHashMap<>();
    private final LinkedHashMap<String, Tensor> buffers = new LinkedHashMap<>();
    private final LinkedHashMap<String, Module> modules = new LinkedHashMap<>();
    private boolean training = true;

    /** Computes this module's output for input {@code x} (not null). */
    public abstract Tensor forward(Tensor x);

    /**
     * Refuses a null input to forward, naming this module's class; the message is built only then, since forward runs
     * at every step.
     */
    final void requireInput(Tensor x) {
        if (x == null) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": input is null");
        }
    }

    // ---------------------------------------------------------------- registration

    /**
     * Adds a trainable parameter: marks it {@code requiresGrad(true)} and labels it with its name; not null (an
     * optional parameter, such as a bias, is one not registered). Modified: t. Returns t.
     */
    protected Tensor registerParameter(String name, Tensor t) {
        checkName("registerParameter", name);
        requireTensor("registerParameter", "parameter", name, t);
        if (!t.isLeaf()) {
            throw new IllegalArgumentException("registerParameter '" + name + "': the tensor was computed by '"
                    + t.gradFn().op() + "'; a parameter must be a leaf, register t.detach().copy() instead");
        }
        t.requiresGrad(true).label(name);
        parameters.put(name, t);
        return t;
    }

    /**
     * Adds a buffer: state saved in {@link #stateDict()} but not trained (e.g. running statistics); not null (an
     * optional buffer is one not registered). Returns t.
     */
    protected Tensor registerBuffer(String name, Tensor t) {
        checkName("registerBuffer", name);
        requireTensor("registerBuffer", "buffer", name, t);
        buffers.put(name, t);
        return t;
    }

    /** Adds a child module whose parameters are named {@code name.<theirs>}. Returns child. */
    protected <M extends Module> M registerModule(String name, M child) {
        checkName("registerModule", name);
        if (child == null) {
            throw new IllegalArgumentException("registerModule '" + name + "': the module is null");
        }
        if (child == this) {
            throw new IllegalArgumentException("registerModule '" + name + "': a module cannot contain itself");
        }
        if (contains(child, this, Collections.newSetFromMap(new IdentityHashMap<>()))) {
            // every walk of the tree (parameters(), stateDict(), train(), toString()) would overflow the stack
            throw new IllegalArgumentException("registerModule '" + name + "': a module cannot contain itself ("
                    + getClass().getSimpleName() + " is already inside the " + child.getClass().getSimpleName()
                    + " being registered)");
        }
        modules.put(name, child);
        child.namedParameters().forEach((k, p) -> p.label(name + "." + k));
        return child;
    }

    /** Whether {@code target} is a descendant of {@code root}; {@code visited} skips subtrees reached twice. */
    private static boolean contains(Module root, Module target, Set<Module> visited) {
        for (Module m : root.modules.values()) {
            if (m == target || (visited.add(m) && contains(m, target, visited))) {
                return true;
            }
        }
        return false;
    }

    /**
     * Refuses a null tensor. PyTorch's register_parameter(name, None) and register_buffer(name, None) have no
     * counterpart: every registered tensor is one that stateDict(), to() and the optimizers can use.
     */
    private static void requireTensor(String op, String kind, String name, Tensor t) {
        if (t == null) {
            throw new IllegalArgumentException(op + " '" + name + "': the tensor is null; leave out an optional " + kind
                    + " (do not register it) rather than registering null");
        }
    }

    private void checkName(String op, String name) {
        if (name == null || name.isEmpty() || name.contains(".")) {
            throw new IllegalArgumentException(op + ": name '" + name + "' must be non-empty and contain no '.'"
                    + " (dots separate the names of nested modules)");
        }
        if (parameters.containsKey(name) || buffers.containsKey(name) || modules.containsKey(name)) {
            throw new IllegalArgumentException(op + ": " + getClass().getSimpleName() + " already has a parameter,"
                    + " buffer or module named '" + name + "'");
        }
    }

    /** This module's own parameter {@code name} (not a child's). */
    protected Tensor param(String name) {
        Tensor t = parameters.get(name);
        if (t == null) {
            throw new IllegalArgumentException(getClass().getSimpleName() + " has no parameter '" + name + "'; it has "
                    + parameters.keySet());
        }
        return t;
    }

    /** This module's own buffer {@code name}. */
    protected Tensor buffer(String name) {
        Tensor t = buffers.get(name);
        if (t == null) {
            throw new IllegalArgumentException(getClass().getSimpleName() + " has no buffer '" + name + "'; it has "
                    + buffers.keySet());
        }
        return t;
    }

    // ---------------------------------------------------------------- parameters and state

    /**
     * Every parameter of this module and its descendants, by dotted name, in PyTorch's order. A tensor reachable
     * under several names (a module used twice, tied weights) appears once, under its first name, as in PyTorch's
     * {@code named_parameters()}, so that an optimizer steps it once; {@link #stateDict()} keeps every name.
     */
    public LinkedHashMap<String, Tensor> namedParameters() {
        LinkedHashMap<String, Tensor> out = new LinkedHashMap<>();
        Set<Tensor> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        collectParameters("", out, seen);
        return out;
    }

    private void collectParameters(String prefix, Map<String, Tensor> out, Set<Tensor> seen) {
        parameters.forEach((name, p) -> {
            if (seen.add(p)) {
                out.put(prefix + name, p);
            }
        });
        modules.forEach((name, m) -> m.collectParameters(prefix + name + ".", out, seen));
    }

    /** The parameters of {@link #namedParameters()}, in order, each once: what an optimizer updates. */
    public List<Tensor> parameters() {
        return new ArrayList<>(namedParameters().values());
    }

    /**
     * Number of scalars in the parameters (sum of the element counts of {@link #parameters()}), frozen ones
     * included, shared ones once.
     */
    public long parameterCount() {
        long n = 0;
        for (Tensor p : namedParameters().values()) {
            n += p.numel();
        }
        return n;
    }

    /**
     * Parameters and buffers by dotted name, as PyTorch's {@code state_dict()}: per module its parameters, then its
     * buffers, then its children's. The tensors are the live ones, not copies.
     */
    public LinkedHashMap<String, Tensor> stateDict() {
        LinkedHashMap<String, Tensor> out = new LinkedHashMap<>(parameters);
        out.putAll(buffers);
        modules.forEach((name, m) -> m.stateDict().forEach((k, t) -> out.put(name + "." + k, t)));
        return out;
    }

    /**
     * Copies {@code state} into this module's parameters and buffers, in place and converting the dtype. Every key
     * must match a tensor of the same shape; with {@code strict} false, missing and unexpected keys are ignored (a
     * shape mismatch is still an error). Nothing is copied when anything is wrong. As PyTorch does for a state dict
     * without version metadata (any safetensors file), a batch norm layer's missing {@code num_batches_tracked} is
     * no error: it is set to 0. Modified: this module's tensors, not {@code state}.
     *
     * @throws IllegalArgumentException naming every missing and unexpected key and every shape mismatch
     */
    public void loadStateDict(Map<String, Tensor> state, boolean strict) {
        if (state == null) {
            throw new IllegalArgumentException("loadStateDict into " + getClass().getSimpleName() + ": state is null");
        }
        LinkedHashMap<String, Tensor> given = new LinkedHashMap<>(state);
        addLegacyDefaults("", given);
        LinkedHashMap<String, Tensor> own = stateDict();
        List<String> problems = new ArrayList<>();
        if (strict) {
            List<String> missing = own.keySet().stream().filter(k -> !given.containsKey(k)).toList();
            List<String> unexpected = given.keySet().stream().filter(k -> !own.containsKey(k)).toList();
            if (!missing.isEmpty()) {
                problems.add("missing keys " + missing);
            }
            if (!unexpected.isEmpty()) {
                problems.add("unexpected keys " + unexpected);
            }
        }
        own.forEach((k, t) -> {
            Tensor src = given.get(k);
            if (src == null) {
                if (given.containsKey(k)) {
                    problems.add(k + ": checkpoint value is null");
                }
            } else if (!Arrays.equals(src.shape(), t.shape())) {
                problems.add(k + ": checkpoint has " + Arrays.toString(src.shape()) + ", model has "
                        + Arrays.toString(t.shape()));
            }
        });
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("loadStateDict into " + getClass().getSimpleName() + ": "
                    + String.join("; ", problems)
                    + (strict ? " (loadStateDict(state, false) ignores missing and unexpected keys)" : ""));
        }
        try (var scope = Tensor.noGrad()) {
            own.forEach((k, t) -> {
                Tensor src = given.get(k);
                if (src != null) {
                    t.copy_(src);
                }
            });
        }
    }

    /**
     * Adds to {@code state}, under {@code prefix}, the value of each state entry that a checkpoint written before the
     * entry existed lacks and that PyTorch's {@code _load_from_state_dict} fills in; none by default, recursively
     * for the children. Modified: state.
     */
    void addLegacyDefaults(String prefix, Map<String, Tensor> state) {
        modules.forEach((name, m) -> m.addLegacyDefaults(prefix + name + ".", state));
    }

    /**
     * Converts every parameter and buffer (recursively) to {@code dtype}, e.g. float64 for gradient checks.
     * The converted tensors are new leaves that replace the old ones, so fetch {@link #parameters()} again
     * afterwards; each keeps its requiresGrad flag (a frozen parameter stays frozen, as in PyTorch), and a tensor
     * registered in several places is converted once, so shared weights stay shared. Modified: this module.
     * Returns this.
     */
    public Module to(DType dtype) {
        if (dtype == null) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ".to: dtype is null; pass DType.FLOAT32 or"
                    + " DType.FLOAT64");
        }
        try (var scope = Tensor.noGrad()) {
            convert(dtype, new IdentityHashMap<>());
        }
        return this;
    }

    private void convert(DType dtype, Map<Tensor, Tensor> done) {
        parameters.replaceAll((name, p) -> p.dtype() == dtype ? p : done.computeIfAbsent(p,
                q -> q.detach().to(dtype).requiresGrad(q.requiresGrad()).label(q.label())));
        buffers.replaceAll((name, b) -> b.dtype() == dtype ? b : done.computeIfAbsent(b, c -> c.detach().to(dtype)));
        modules.values().forEach(m -> m.convert(dtype, done));
    }

    /** Clears the gradient of every parameter (sets it to null, as PyTorch's {@code zero_grad()}). Modified: the parameters' grad. */
    public void zeroGrad() {
        for (Tensor p : namedParameters().values()) {
            p.zeroGrad();
        }
    }

    // ---------------------------------------------------------------- mode and structure

    /** Puts this module and its descendants in training mode (dropout active, batch statistics). Returns this. Modified: this. */
    public Module train() {
        return train(true);
    }

    /** Sets training mode ({@code true}) or evaluation mode for this module and its descendants. Returns this. Modified: this. */
    public Module train(boolean mode) {
        training = mode;
        modules.values().forEach(m -> m.train(mode));
        return this;
    }

    /** Puts this module and its descendants in evaluation mode. Returns this. Modified: this. */
    public Module eval() {
        return train(false);
    }

    /** Whether this module is in training mode. */
    public boolean isTraining() {
        return training;
    }

    /** The direct children by name, in registration order (read-only). */
    public Map<String, Module> children() {
        return Collections.unmodifiableMap(modules);
    }

    /**
     * The settings shown between the parentheses of {@link #toString()}, as PyTorch's {@code extra_repr}
     * (e.g. {@code in_features=784, out_features=256, bias=True}); empty by default. Numbers and booleans in it
     * are spelled as Python prints them: {@link #pythonRepr(double)}, {@link #pythonRepr(boolean)}.
     */
    protected String extraRepr() {
        return "";
    }

    /** A boolean as Python prints it: {@code True} or {@code False} ({@link PythonRepr#of(boolean)}). */
    protected static String pythonRepr(boolean b) {
        return PythonRepr.of(b);
    }

    /** A float as Python's {@code repr} prints it ({@link PythonRepr#of(double)}): {@code 0.1}, {@code 1e-05}, {@code nan}. */
    protected static String pythonRepr(double v) {
        return PythonRepr.of(v);
    }

    /** The architecture, printed as PyTorch prints modules. */
    @Override
    public String toString() {
        String name = getClass().getSimpleName();
        if (modules.isEmpty()) {
            return name + "(" + extraRepr() + ")";
        }
        StringBuilder sb = new StringBuilder(name).append("(\n");
        if (!extraRepr().isEmpty()) {
            sb.append("  ").append(extraRepr()).append('\n');
        }
        modules.forEach((k, m) -> sb.append("  (").append(k).append("): ")
                .append(m.toString().replace("\n", "\n  ")).append('\n'));
        return sb.append(')').toString();
    }
}
