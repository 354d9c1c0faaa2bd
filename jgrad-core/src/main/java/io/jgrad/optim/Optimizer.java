package io.jgrad.optim;

import io.jgrad.tensor.DType;
import io.jgrad.tensor.PythonRepr;
import io.jgrad.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Updates a fixed list of parameters from their gradients, one {@link #step()} at a time, as PyTorch's
 * {@code torch.optim.Optimizer} with a single parameter group.
 *
 * <p>Typical loop: {@code opt.zeroGrad(); loss.backward(); opt.step();}. Parameters whose gradient is null
 * (not reached by the last backward pass) are skipped, as in PyTorch.
 *
 * <p>Each parameter has its own state (moment estimates, momentum buffer, step counter), created at its first
 * update. {@link #stateDict()} names it {@code "<paramIndex>.<buffer>"} as PyTorch's {@code state_dict()} does
 * (e.g. {@code "0.exp_avg"}), next to the scalars {@code "step"} and {@code "lr"} and the optimizer's options
 * ({@code "<Kind>.<option>"}, e.g. {@code "SGD.momentum"}), the part of PyTorch's {@code param_groups} that jgrad
 * has. {@link #loadStateDict} refuses a state saved from another kind of optimizer or with other options, where
 * PyTorch would take the saved options over.
 *
 * <p>For a subclass: the kind is the class's simple name. One without {@link #options()} records its kind alone, as
 * the key {@code "<Kind>"}, so that its state and another kind's are still told apart; one with options records them
 * as the built-in optimizers do. An anonymous class (no simple name) records neither and checks nothing.
 */
public abstract class Optimizer {
    private static final Pattern STATE_KEY = Pattern.compile("(\\d{1,9})\\.(.+)");
    /** A kind as a key holds it: a class's simple name, which never starts with a digit as a buffer's key does. */
    private static final Pattern KIND = Pattern.compile("[A-Z][A-Za-z0-9_]*");
    /** An option's key, {@code "<Kind>.<option>"}. */
    private static final Pattern OPTION_KEY = Pattern.compile("(" + KIND.pattern() + ")\\.([A-Za-z][A-Za-z0-9_]*)");
    private final List<Tensor> params;
    private final List<String> names;
    private final List<Map<String, Tensor>> state = new ArrayList<>();
    private double lr;
    private long stepCount;

    Optimizer(NamedParams given, double lr) {
        NamedParams params = given.checked(getClass().getSimpleName());
        this.params = params.tensors();
        this.names = params.names();
        for (int i = 0; i < this.params.size(); i++) {
            state.add(new LinkedHashMap<>());
        }
        setLr(lr);
    }

    /** An optimizer of {@code params} (leaf tensors with requiresGrad), named "param i" or by their label. */
    protected Optimizer(List<Tensor> params, double lr) {
        this(NamedParams.of(params), lr);
    }

    /** An optimizer of named parameters (e.g. a module's named parameters); names appear in error messages. */
    protected Optimizer(Map<String, Tensor> params, double lr) {
        this(NamedParams.of(params), lr);
    }

    /**
     * Updates one parameter in place from its gradient. {@code state} is this parameter's state, empty at its
     * first update; the implementation fills it with the buffers named by {@link #stateNames()}. Runs with
     * autograd recording off. Modified: param, state.
     */
    protected abstract void update(Tensor param, Tensor grad, Map<String, Tensor> state);

    /**
     * The names of the per-parameter state buffers, in order. {@code "step"} is a 0-d float64 counter; every
     * other buffer has its parameter's shape and dtype.
     */
    protected abstract List<String> stateNames();

    /**
     * Whether {@link #update} makes tensors of a parameter's size that outlive no step (g + weightDecay * p, sqrt(v) +
     * eps, ...): {@link #step()} then takes their memory from a {@link Tensor#recycling()} scope, so that they are the
     * same arrays every step instead of a model's size in new arrays (measured with JFR: 0.94 MB a step for the
     * 784-256-128-10 MLP, per such temporary). False by default, and package-private: a subclass's update may keep an
     * op's result in its state, which the scope would take back when it closes. The built-in rules keep only tensors
     * made by factories ({@link Tensor#zerosLike()}, {@link Tensor#scalar}, {@link Tensor#full}), which it never takes.
     */
    boolean makesTemporaries() {
        return false;
    }

    /** The parameters, in the order their state is indexed. */
    public List<Tensor> params() {
        return params;
    }

    /** Sets every parameter's gradient to null, as PyTorch's {@code zero_grad(set_to_none=True)}. Modified: the gradients. */
    public void zeroGrad() {
        for (int i = 0; i < params.size(); i++) { // by index: the list's iterator was an allocation per step (JFR)
            params.get(i).zeroGrad();
        }
    }

    /** Applies one update to every parameter that has a gradient. Modified: the parameters and this optimizer's state. */
    public void step() {
        if (makesTemporaries()) {
            try (var temporaries = Tensor.recycling()) {
                Tensor.noGrad(updates);
            }
        } else {
            Tensor.noGrad(updates);
        }
        stepCount++;
    }

    /** {@link #updateAll}, kept: a step allocates nothing for it. */
    private final Runnable updates = this::updateAll;

    /** One update of every parameter that has a gradient; runs with recording off (see {@link #step()}). */
    private void updateAll() {
        for (int i = 0; i < params.size(); i++) {
            Tensor p = params.get(i);
            if (p.grad() != null) {
                update(p, p.grad(), state.get(i));
            }
        }
    }

    /** The learning rate used by the next {@link #step()}. */
    public double lr() {
        return lr;
    }

    /** Sets the learning rate (schedulers call this). Modified: this. */
    public void setLr(double lr) {
        if (!(lr >= 0) || Double.isInfinite(lr)) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": lr = " + lr + " is invalid; it must be a finite number >= 0");
        }
        this.lr = lr;
    }

    /** How many times {@link #step()} has run. */
    public long stepCount() {
        return stepCount;
    }

    /**
     * The options other than the learning rate that fix the update rule, by PyTorch's names ({@code momentum},
     * {@code weight_decay}, ...; Adam's betas as {@code beta1} and {@code beta2}), booleans as 1 or 0, in a fixed
     * order. {@link #stateDict()} records them and {@link #loadStateDict} compares them. Empty by default: a state
     * then records the kind alone ({@code "<Kind>"}), and loading checks only that.
     */
    protected Map<String, Double> options() {
        return Map.of();
    }

    /**
     * A copy of the state: {@code "step"} (step count) and {@code "lr"} as 0-d float64 tensors, then each of
     * {@link #options()} as a 0-d float64 tensor named {@code "<Kind>.<option>"} (Kind the class's simple name, e.g.
     * {@code "SGD.momentum"}), or, without options, the kind alone as {@code "<Kind>"} (a 0-d float64 0; nothing for
     * an anonymous class), then each parameter's buffers as {@code "<paramIndex>.<buffer>"} (only for parameters
     * updated at least once). The tensors are copies: later steps do not change them.
     */
    public LinkedHashMap<String, Tensor> stateDict() {
        LinkedHashMap<String, Tensor> out = new LinkedHashMap<>();
        out.put("step", Tensor.scalar(DType.FLOAT64, stepCount));
        out.put("lr", Tensor.scalar(DType.FLOAT64, lr));
        String kind = kind();
        if (kind != null) {
            Map<String, Double> options = options();
            options.forEach((name, v) -> out.put(kind + "." + name, Tensor.scalar(DType.FLOAT64, v)));
            if (options.isEmpty()) { // else a state without options could not be told from another kind's
                out.put(kind, Tensor.scalar(DType.FLOAT64, 0));
            }
        }
        try (var scope = Tensor.noGrad()) {
            for (int i = 0; i < params.size(); i++) {
                for (var e : state.get(i).entrySet()) {
                    out.put(i + "." + e.getKey(), e.getValue().contiguous().copy());
                }
            }
        }
        return out;
    }

    /**
     * Replaces the state with a copy of {@code dict} as produced by {@link #stateDict()} of an optimizer of the
     * same kind, options and parameter shapes. Every key is checked before anything changes. A dict whose options
     * ({@code "<Kind>.<option>"} keys) or kind ({@code "<Kind>"}) name another kind, or whose options hold other
     * values than {@link #options()}, is refused, naming what was saved and what this optimizer has; a dict without
     * them (saved before jgrad recorded them) is taken unchecked, as then. Modified: this.
     */
    public void loadStateDict(Map<String, Tensor> dict) {
        String kind = kind();
        // an anonymous class is named by its binary name, which no recorded kind equals: it takes only unmarked states
        String shown = kind != null ? kind : getClass().getName();
        String who = shown + ".loadStateDict";
        if (dict == null) {
            throw new IllegalArgumentException(who + ": dict is null; pass a map such as stateDict() returns");
        }
        List<String> buffers = stateNames();
        List<Map<String, Tensor>> loaded = new ArrayList<>();
        for (int i = 0; i < params.size(); i++) {
            loaded.add(new LinkedHashMap<>());
        }
        for (String key : List.of("step", "lr")) {
            Tensor t = dict.get(key);
            if (t == null || t.numel() != 1) {
                String is = t != null ? "of shape " + Arrays.toString(t.shape()) : dict.containsKey(key) ? "null" : "missing";
                throw new IllegalArgumentException(who + ": '" + key + "' is " + is + "; it must be a one-element tensor"
                        + " (keys present: " + dict.keySet() + ")");
            }
        }
        requireCount(who, "step", dict.get("step").toDoubleArray()[0]);
        Map<String, Double> savedOptions = new LinkedHashMap<>();
        String savedKind = null; // the "<Kind>" key of a state without options
        for (var e : dict.entrySet()) {
            String key = e.getKey();
            boolean option = key != null && OPTION_KEY.matcher(key).matches();
            if (option || key != null && KIND.matcher(key).matches()) {
                Tensor t = e.getValue();
                if (t == null || t.numel() != 1) {
                    throw new IllegalArgumentException(who + ": '" + key + "' is " + (t == null ? "null"
                            : "of shape " + Arrays.toString(t.shape())) + "; " + (option ? "an option" : "a kind")
                            + " is a one-element tensor");
                }
                if (option) {
                    savedOptions.put(key, t.toDoubleArray()[0]);
                } else {
                    savedKind = key;
                }
            }
        }
        checkKind(who, shown, savedKind);
        checkOptions(who, shown, kind == null ? Map.of() : options(), savedOptions, Map.of());
        // here, naming the key, rather than in setLr below, whose message names neither loadStateDict nor the dict
        double newLr = dict.get("lr").toDoubleArray()[0];
        require(newLr >= 0 && Double.isFinite(newLr), who, "'lr'", newLr, "a finite number >= 0");
        try (var scope = Tensor.noGrad()) {
            for (var e : dict.entrySet()) {
                String key = e.getKey();
                if (key == null) {
                    throw new IllegalArgumentException(who + ": a key is null; expected 'step', 'lr' and '<i>.<buffer>'");
                }
                if (key.equals("step") || key.equals("lr") || savedOptions.containsKey(key) || key.equals(savedKind)) {
                    continue;
                }
                Matcher m = STATE_KEY.matcher(key);
                int index = m.matches() ? Integer.parseInt(m.group(1)) : -1;
                String buffer = m.matches() ? m.group(2) : "";
                if (index < 0 || index >= params.size() || !buffers.contains(buffer)) {
                    throw new IllegalArgumentException(who + ": unexpected key '" + key + "'; expected 'step', 'lr' and"
                            + " '<i>.<buffer>' with i in [0, " + params.size() + ") and buffer in " + buffers
                            + " (was the state saved from another optimizer, options or model?)");
                }
                Tensor p = params.get(index);
                Tensor t = e.getValue();
                boolean counter = buffer.equals("step");
                int[] want = counter ? new int[0] : p.shape();
                if (t == null) {
                    throw new IllegalArgumentException(who + ": '" + key + "' is null; parameter " + index + " ('"
                            + names.get(index) + "') needs a tensor of shape " + Arrays.toString(want));
                }
                if (counter ? t.numel() != 1 : !Arrays.equals(t.shape(), want)) {
                    throw new IllegalArgumentException(who + ": '" + key + "' has shape " + Arrays.toString(t.shape())
                            + " but parameter " + index + " ('" + names.get(index) + "') needs " + Arrays.toString(want)
                            + "; the state belongs to a model of other shapes");
                }
                if (counter) {
                    requireCount(who, key, t.toDoubleArray()[0]); // a NaN or negative step count makes Adam's bias correction NaN
                }
                Tensor copy = counter ? Tensor.scalar(DType.FLOAT64, t.toDoubleArray()[0]) : t.to(p.dtype()).contiguous().copy();
                loaded.get(index).put(buffer, copy);
            }
        }
        for (int i = 0; i < params.size(); i++) {
            Map<String, Tensor> s = loaded.get(i);
            if (!s.isEmpty() && s.size() != buffers.size()) {
                List<String> missing = new ArrayList<>(buffers);
                missing.removeAll(s.keySet());
                throw new IllegalArgumentException(who + ": parameter " + i + " ('" + names.get(i) + "') lacks state "
                        + missing.stream().map(b -> "'" + b + "'").toList() + " (key '" + i + "." + missing.get(0) + "')");
            }
        }
        setLr(newLr);
        stepCount = Math.round(dict.get("step").toDoubleArray()[0]);
        for (int i = 0; i < params.size(); i++) {
            Map<String, Tensor> s = state.get(i);
            s.clear();
            for (String b : buffers) { // keep the buffers in stateNames() order
                if (loaded.get(i).containsKey(b)) {
                    s.put(b, loaded.get(i).get(b));
                }
            }
        }
    }

    /**
     * The settings other than the learning rate, by their PyTorch names (e.g. {@code betas}, {@code eps},
     * {@code weight_decay}), with values spelled as Python prints them ({@link PythonRepr}); {@link #toString()} shows
     * them. Empty by default.
     */
    protected Map<String, String> settings() {
        return Map.of();
    }

    /**
     * The optimizer and its settings as PyTorch 1.13 prints an optimizer: the class name, then its one parameter
     * group's settings sorted by name, the current learning rate among them, e.g.
     * <pre>
     * Adam (
     * Parameter Group 0
     *     amsgrad: False
     *     betas: (0.9, 0.999)
     *     eps: 1e-08
     *     lr: 0.001
     *     weight_decay: 0.0
     * )
     * </pre>
     * Only jgrad's settings appear (PyTorch adds {@code foreach}, {@code maximize} and others jgrad lacks), and every
     * number as a float: {@code weight_decay: 0.0} where PyTorch's default prints as the int {@code 0}.
     */
    @Override
    public String toString() {
        Map<String, String> all = new TreeMap<>(settings());
        all.put("lr", PythonRepr.of(lr));
        StringBuilder sb = new StringBuilder(getClass().getSimpleName()).append(" (\nParameter Group 0\n");
        all.forEach((k, v) -> sb.append("    ").append(k).append(": ").append(v).append('\n'));
        return sb.append(')').toString();
    }

    /** The kind a state dict records: the class's simple name, null for a class without one (anonymous). */
    private String kind() {
        return kindOf(getClass());
    }

    /**
     * The kind that the state dict of an instance of {@code c} records (an optimizer's, or a schedule's): its simple
     * name, or null for an anonymous class, which has none.
     */
    static String kindOf(Class<?> c) {
        String name = c.getSimpleName();
        return KIND.matcher(name).matches() ? name : null;
    }

    /** Whether {@code key} is a kind alone ({@code "<Kind>"}), as a state without options records it. */
    static boolean isKindKey(String key) {
        return KIND.matcher(key).matches();
    }

    /**
     * Throws, naming {@code who} and the key, when a state records the kind {@code savedKind} (its {@code "<Kind>"}
     * key; null: none) and it is not {@code kind}, the loader's.
     */
    static void checkKind(String who, String kind, String savedKind) {
        if (savedKind != null && !savedKind.equals(kind)) {
            throw new IllegalArgumentException(who + ": the state was saved from " + savedKind + " (key '" + savedKind
                    + "'), not from " + kind + "; load it into a new " + savedKind + " with the options it was saved with");
        }
    }

    // ------------------------------------------------------------ shared by the update rules

    /** grad + weightDecay * param in a new tensor, or grad itself when weightDecay is 0 (PyTorch's L2 penalty). */
    static Tensor withWeightDecay(Tensor grad, Tensor param, double weightDecay) {
        return weightDecay == 0 ? grad : grad.copy().add_(param, weightDecay);
    }

    /** Adds 1 to the parameter's 0-d "step" counter (creating it at 0) and returns the new count. Modified: state. */
    static double incrementStep(Map<String, Tensor> state) {
        Tensor step = state.computeIfAbsent("step", k -> Tensor.scalar(DType.FLOAT64, 0));
        double s = step.item() + 1;
        step.fill_(s); // not set(s): its empty varargs array would be allocated per parameter per step
        return s;
    }

    /** Whether {@code v}, a counter read from a state dict, is a whole number in [0, max]. */
    static boolean isCount(double v, double max) {
        return v >= 0 && v <= max && v == Math.rint(v);
    }

    /**
     * Throws, naming {@code who}, unless the options {@code saved} (the {@code "<Kind>.<option>"} entries of a state
     * dict) are those of {@code kind} with the values {@code own}: every key's kind is {@code kind}, its option one of
     * own's, and every option of own is there with an equal value. No saved options at all (a state written before
     * they were recorded) pass. {@code spelled} gives the names of options that encode a choice as 0, 1, ... (e.g.
     * a mode), so that the message says "min" rather than 0.
     */
    static void checkOptions(String who, String kind, Map<String, Double> own, Map<String, Double> saved,
            Map<String, List<String>> spelled) {
        if (saved.isEmpty()) {
            return;
        }
        for (String key : saved.keySet()) {
            String savedKind = key.substring(0, key.indexOf('.'));
            if (!savedKind.equals(kind)) {
                throw new IllegalArgumentException(who + ": the state was saved from " + savedKind + " (key '" + key
                        + "'), not from " + kind + "; load it into a new " + savedKind + " with the options it was saved with");
            }
            if (!own.containsKey(key.substring(kind.length() + 1))) {
                throw new IllegalArgumentException(who + ": unexpected key '" + key + "'; a " + kind + " records the"
                        + " options " + own.keySet().stream().map(o -> "'" + kind + "." + o + "'").toList());
            }
        }
        List<String> was = new ArrayList<>(), is = new ArrayList<>();
        for (var e : own.entrySet()) {
            Double v = saved.get(kind + "." + e.getKey());
            if (v == null) {
                throw new IllegalArgumentException(who + ": missing '" + kind + "." + e.getKey() + "'; a state that"
                        + " records options records all of " + own.keySet() + " (keys present: " + saved.keySet() + ")");
            }
            if (v.doubleValue() != e.getValue()) {
                List<String> names = spelled.getOrDefault(e.getKey(), List.of());
                was.add(e.getKey() + " = " + spell(v, names));
                is.add(e.getKey() + " = " + spell(e.getValue(), names));
            }
        }
        if (!was.isEmpty()) {
            throw new IllegalArgumentException(who + ": the state was saved with " + String.join(", ", was) + " but this "
                    + kind + " has " + String.join(", ", is) + "; create the " + kind + " with the options the state was"
                    + " saved with");
        }
    }

    /** Whether {@code key} names an option in a state dict: {@code "<Kind>.<option>"}. */
    static boolean isOptionKey(String key) {
        return OPTION_KEY.matcher(key).matches();
    }

    /** An option's value as a message shows it: {@code names}' entry for a choice, whole numbers without ".0". */
    private static String spell(double v, List<String> names) {
        if (v >= 0 && v < names.size() && v == Math.rint(v)) {
            return names.get((int) v);
        }
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v);
    }

    /** Throws unless a step count read from a state dict is a whole number &gt;= 0 (a long). */
    private static void requireCount(String who, String key, double v) {
        if (!isCount(v, Long.MAX_VALUE)) {
            throw new IllegalArgumentException(who + ": '" + key + "' = " + v + " is invalid; a step count is a whole"
                    + " number >= 0");
        }
    }

    /** Throws, naming the optimizer, the argument and its allowed range, unless {@code ok}. */
    static void require(boolean ok, String optimizer, String argument, double value, String range) {
        if (!ok) {
            throw new IllegalArgumentException(optimizer + ": " + argument + " = " + value + " is invalid; it must be " + range);
        }
    }
}
