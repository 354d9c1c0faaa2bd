package io.jgrad.optim;

import java.util.LinkedHashMap;
import java.util.Map;

/** The epoch counting and state shared by the closed-schedule {@link LrScheduler}s. */
abstract class EpochScheduler implements LrScheduler {
    final Optimizer optimizer;
    double baseLr;
    int lastEpoch;
    private double lastLr;

    EpochScheduler(Optimizer optimizer) {
        if (optimizer == null) {
            throw new IllegalArgumentException(shownKind() + ": optimizer is null");
        }
        this.optimizer = optimizer;
        this.baseLr = optimizer.lr();
        this.lastLr = optimizer.lr();
    }

    /** The settings that fix the schedule, by PyTorch's argument names, in order; the state dict records them. */
    abstract Map<String, Double> options();

    /** The rate for epoch {@link #lastEpoch} (&gt;= 1) given the optimizer's current rate, as PyTorch's recursive get_lr. */
    abstract double nextLr(double currentLr);

    @Override
    public void step() {
        lastEpoch++;
        lastLr = nextLr(optimizer.lr());
        optimizer.setLr(lastLr);
    }

    @Override
    public double lr() {
        return lastLr;
    }

    @Override
    public Optimizer optimizer() {
        return optimizer;
    }

    /**
     * {@code last_epoch}, {@code base_lr} and {@code last_lr}, then the schedule's settings as
     * {@code "<Kind>.<setting>"} (e.g. {@code "StepLR.gamma"}), or, without settings, the kind alone as
     * {@code "<Kind>"} (0), so that a load can tell another kind or setting. Kind is the class's simple name, as an
     * {@link Optimizer}'s; an anonymous class, which has none, records neither.
     */
    @Override
    public Map<String, Double> stateDict() {
        Map<String, Double> out = new LinkedHashMap<>();
        out.put("last_epoch", (double) lastEpoch);
        out.put("base_lr", baseLr);
        out.put("last_lr", lastLr);
        String kind = Optimizer.kindOf(getClass());
        if (kind != null) {
            Map<String, Double> options = options();
            options.forEach((name, v) -> out.put(kind + "." + name, v));
            if (options.isEmpty()) { // else a state without settings could not be told from another kind's
                out.put(kind, 0.0);
            }
        }
        return out;
    }

    /**
     * Restores the counters of {@link #stateDict()}. A state whose settings ({@code "<Kind>.<setting>"} keys) or kind
     * ({@code "<Kind>"}) name another kind of schedule, or whose settings hold other values, is refused, naming both;
     * one without them (saved before jgrad recorded them) is taken as before. An anonymous class checks only that
     * the state names no kind. Modified: this.
     */
    @Override
    public void loadStateDict(Map<String, Double> state) {
        String kind = Optimizer.kindOf(getClass()), shown = shownKind();
        String who = shown + ".loadStateDict";
        requireEntries(who, state);
        Optimizer.checkKind(who, shown, savedKind(state));
        Optimizer.checkOptions(who, shown, kind == null ? Map.of() : options(), savedOptions(who, state), Map.of());
        requireEntries(who, state, "last_epoch", "base_lr", "last_lr");
        double epoch = state.get("last_epoch");
        // all checked before any is taken: a rejected state leaves the schedule as it was
        Optimizer.require(Optimizer.isCount(epoch, Integer.MAX_VALUE), who, "last_epoch", epoch,
                "a whole number >= 0");
        for (String key : new String[] {"base_lr", "last_lr"}) {
            double lr = state.get(key);
            Optimizer.require(lr >= 0 && Double.isFinite(lr), who, key, lr, "a finite number >= 0");
        }
        lastEpoch = (int) epoch;
        baseLr = state.get("base_lr");
        lastLr = state.get("last_lr");
    }

    /** The class's simple name, or for an anonymous class, which has none, its binary name, which no state records. */
    private String shownKind() {
        String kind = Optimizer.kindOf(getClass());
        return kind != null ? kind : getClass().getName();
    }

    /** The kind a scheduler's state dict records alone (its {@code "<Kind>"} key), or null. */
    static String savedKind(Map<String, Double> state) {
        for (String key : state.keySet()) {
            if (key != null && Optimizer.isKindKey(key)) {
                return key;
            }
        }
        return null;
    }

    /**
     * The entries of a scheduler's state dict that record settings: those named {@code "<Kind>.<setting>"}. Throws,
     * naming {@code who} and the key, for one that holds null.
     */
    static Map<String, Double> savedOptions(String who, Map<String, Double> state) {
        Map<String, Double> out = new LinkedHashMap<>();
        state.forEach((k, v) -> {
            if (k != null && Optimizer.isOptionKey(k)) {
                if (v == null) {
                    throw new IllegalArgumentException(who + ": '" + k + "' is null; a setting is a number");
                }
                out.put(k, v);
            }
        });
        return out;
    }

    /**
     * Throws, naming {@code who} and the key, unless {@code state} is a map holding a value for each of {@code keys}:
     * a null map, a missing key and a key holding null are told apart.
     */
    static void requireEntries(String who, Map<String, Double> state, String... keys) {
        if (state == null) {
            throw new IllegalArgumentException(who + ": state is null; pass a map such as stateDict() returns");
        }
        for (String key : keys) {
            if (state.get(key) == null) {
                throw new IllegalArgumentException(who + (state.containsKey(key) ? ": '" + key + "' is null"
                        : ": missing '" + key + "'") + " (keys present: " + state.keySet() + ")");
            }
        }
    }
}
