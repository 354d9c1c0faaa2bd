package io.jgrad.io;

import io.jgrad.tensor.Tensor;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The commit protocol of a run directory's checkpoint, which {@code jgrad train} and jgrad-spark both write: the
 * tensors go to {@code NAME.next} files tagged in their metadata ({@link #TAG}) with the checkpoint they belong to,
 * then the file naming the checkpoint (a run's config.json) is replaced atomically, the commit point, then the
 * {@code .next} files are renamed over {@code NAME} ({@link #promote}). Before the commit point the old files match
 * the old config.json, after it the {@code .next} ones match the new one, so a process stopped at any instant leaves
 * one whole checkpoint, which a reader finds by its tag.
 */
public final class CheckpointFiles {
    private CheckpointFiles() {}

    /** Suffix of a file written before the commit point. */
    public static final String NEXT = ".next";
    /** Metadata key of a safetensors file's checkpoint tag. */
    public static final String TAG = "checkpoint";
    /** The files of a checkpoint besides its commit file: the model's and the optimizer's state, the epochs' metrics. */
    public static final String MODEL = "model.safetensors", OPTIMIZER = "optimizer.safetensors", METRICS = "metrics.csv";
    /**
     * Prefix of the learning-rate schedule's counters in the metadata of optimizer.safetensors ("scheduler.last_epoch"),
     * each written by Double.toString, which reads back exactly, so that a resumed schedule continues bit for bit.
     */
    public static final String SCHEDULER_PREFIX = "scheduler.";

    /**
     * Name (the last dotted part of a state_dict key) of BatchNorm's step counter, which PyTorch's state_dict holds
     * as int64 and {@link #write} stores as I64 so that PyTorch loads the dtype it saves; older files hold it as F32,
     * which loads too.
     */
    static final String COUNTER = "num_batches_tracked";

    /** A file's write before the commit point, which may fail with an IOException. */
    @FunctionalInterface
    public interface Write {
        /** Writes the file, atomically. */
        void run() throws IOException;
    }

    /**
     * Writes one checkpoint in {@code dir} by the protocol: {@code model} and {@code optimizer} (state dicts, with their
     * metadata, the {@link #TAG} among it; the model's {@code num_batches_tracked} entries as I64, the others in their
     * dtype) to {@link #MODEL}{@code .next} and {@link #OPTIMIZER}{@code .next}, then
     * {@code metrics} ({@link #METRICS}), then {@code commit}, which replaces the commit file {@code commitName}: the
     * commit point. Then the renames ({@link #promote}). A failure before the commit point deletes the {@code .next}
     * files this call wrote, which no commit file names, and metrics.csv for the first checkpoint in dir (no commit
     * file before), and is rethrown; the previous checkpoint stays as it was. Modified: the files in dir.
     */
    public static void write(Path dir, String commitName, Map<String, Tensor> model, Map<String, String> modelMeta,
                             Map<String, Tensor> optimizer, Map<String, String> optimizerMeta, Write metrics, Write commit)
            throws IOException {
        List<Path> uncommitted = new ArrayList<>(3);
        boolean first = !Files.isRegularFile(dir.resolve(commitName)); // then a failure leaves no metrics.csv either
        boolean committed = false;
        try {
            Safetensors.write(dir.resolve(MODEL + NEXT), model, modelMeta, counters(model));
            uncommitted.add(dir.resolve(MODEL + NEXT)); // not before: a failed write leaves the file that was there
            Safetensors.write(dir.resolve(OPTIMIZER + NEXT), optimizer, optimizerMeta);
            uncommitted.add(dir.resolve(OPTIMIZER + NEXT));
            metrics.run();
            if (first) {
                uncommitted.add(dir.resolve(METRICS));
            }
            commit.run(); // the commit point: an atomic write throws only when its rename did not happen
            committed = true;
        } finally {
            if (!committed) {
                discard(uncommitted);
            }
        }
        promote(dir, MODEL);
        promote(dir, OPTIMIZER);
    }

    /** The keys of {@code model} that name a BatchNorm step counter ({@link #COUNTER}). */
    private static Set<String> counters(Map<String, Tensor> model) {
        Set<String> out = new HashSet<>();
        for (String key : model.keySet()) {
            if (key.equals(COUNTER) || key.endsWith("." + COUNTER)) {
                out.add(key);
            }
        }
        return out;
    }

    /** The checkpoint tag in the metadata of {@code file}; null when it has none or is not a readable safetensors file. */
    public static String tag(Path file) {
        try {
            return Files.isRegularFile(file) ? Safetensors.header(file).metadata().get(TAG) : null;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** Renames {@code dir/NAME.next} over {@code dir/NAME}, atomically where the file system can. Modified: dir. */
    public static void promote(Path dir, String name) throws IOException {
        try {
            Files.move(dir.resolve(name + NEXT), dir.resolve(name), StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(dir.resolve(name + NEXT), dir.resolve(name), StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /**
     * Finishes the renames of a checkpoint whose process stopped between its commit point and them: each
     * {@code NAME.next} tagged {@code committed} (the tag the commit file names; null: nothing to finish) is renamed
     * over {@code NAME} unless {@code NAME} holds that tag already. A run writing to {@code dir} calls this first: its
     * first checkpoint replaces the {@code .next} files before its own commit point, and a failure or a crash there
     * left the commit file naming tensors that existed nowhere. Modified: the files in dir.
     */
    public static void finishRenames(Path dir, String committed, String... names) throws IOException {
        if (committed == null) {
            return;
        }
        for (String name : names) {
            if (committed.equals(tag(dir.resolve(name + NEXT))) && !committed.equals(tag(dir.resolve(name)))) {
                promote(dir, name);
            }
        }
    }

    /**
     * Deletes the files a checkpoint wrote before it failed short of its commit point, as far as it can: the error
     * that stopped the checkpoint is the one to report. Modified: the files.
     */
    public static void discard(List<Path> files) {
        for (Path f : files) {
            try {
                Files.deleteIfExists(f);
            } catch (IOException | RuntimeException e) {
                // a directory that refuses this refused the write too; the message about that follows
            }
        }
    }

    /**
     * Refuses a run directory {@code dir} that cannot hold checkpoints, before anything is read or written: one that
     * exists and is not a directory, one under a file, or one whose nearest existing directory this user may not
     * write in. A directory that does not exist yet passes (nothing is created here). The message begins with
     * {@code flag} and {@code dir}, e.g. "--out runs/x: ...", as the command lines word their errors.
     *
     * <p>A run replaces its files of the same names in the directory and deletes an earlier run's report there, so the
     * file system's root and the user's home directory are refused, and so is an existing directory that holds a
     * regular file of one of those names ({@link #RUN_FILES}) but no earlier run (a config.json of format "jgrad-run"):
     * someone's config.json or report.html. Other files are left alone, and so are the metrics.csv and .next files a run
     * killed in its first checkpoint leaves. {@code resumed} is the --resume directory (null: none): where dir is that
     * directory, its config.json is the resumed run's, which its reader checks.
     *
     * @throws IllegalArgumentException saying what is wrong and what was expected
     */
    public static void checkRunDirectory(Path dir, String flag, Path resumed) {
        String home = System.getProperty("user.home");
        checkRunDirectory(dir, flag, resumed, home == null || home.isBlank() ? null : Path.of(home));
    }

    /** As {@link #checkRunDirectory(Path, String, Path)}, with {@code home} as the user's home directory (null: none). */
    static void checkRunDirectory(Path dir, String flag, Path resumed, Path home) {
        Path abs = dir.toAbsolutePath();
        if (Files.exists(abs) && !Files.isDirectory(abs)) {
            throw new IllegalArgumentException(flag + " " + dir + ": exists and is not a directory; expected a directory for the"
                    + " run's files");
        }
        if (Files.isDirectory(abs)) {
            checkExistingRunDirectory(dir, flag, resumed, home);
        }
        Path existing = abs;
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        if (existing == null) {
            return;
        }
        if (!Files.isDirectory(existing)) {
            throw new IllegalArgumentException(flag + " " + dir + ": " + existing + " is a file, not a directory, so the output"
                    + " directory cannot be created");
        }
        if (!Files.isWritable(existing)) {
            throw new IllegalArgumentException(flag + " " + dir + ": cannot write in " + existing + " (read-only or no"
                    + " permission); choose another " + flag);
        }
    }

    /**
     * The files a run writes in its directory, replacing those of the same names: its checkpoint, and its report
     * (report.html and the charts: the first checkpoint deletes an earlier run's, and jgrad report writes them).
     */
    public static final List<String> RUN_FILES = List.of("config.json", MODEL, OPTIMIZER, METRICS, "report.html", "loss.png",
            "accuracy.png", "lr.png", "grad_norms.png", "confusion.png", "misclassified.png", "predictions.png");

    /** {@link #checkRunDirectory}'s rules for a directory {@code dir} that exists. */
    private static void checkExistingRunDirectory(Path dir, String flag, Path resumed, Path home) {
        Path abs = dir.toAbsolutePath();
        try {
            if (Files.isSameFile(abs, abs.getRoot())) {
                throw new IllegalArgumentException(flag + " " + dir + ": is the root of the file system; expected a directory"
                        + " for the run's files alone, such as runs/NAME");
            }
            if (home != null && Files.isDirectory(home) && Files.isSameFile(abs, home)) {
                throw new IllegalArgumentException(flag + " " + dir + ": is the home directory; expected a directory for the"
                        + " run's files alone, such as " + home.resolve("runs").resolve("NAME"));
            }
            Path config = abs.resolve("config.json");
            if (resumed != null && Files.isDirectory(resumed) && Files.isSameFile(abs, resumed)
                    || Files.isRegularFile(config) && isRunConfig(config)) {
                return; // a run's directory, whose files this one replaces
            }
            // what a run killed before its first commit leaves (CheckpointFiles.write: the .next files, then metrics.csv)
            boolean killed = Files.exists(abs.resolve(MODEL + NEXT)) || Files.exists(abs.resolve(OPTIMIZER + NEXT));
            for (String name : RUN_FILES) {
                if (Files.isRegularFile(abs.resolve(name)) && !(killed && name.equals(METRICS))) {
                    throw new IllegalArgumentException(flag + " " + dir + ": holds " + name + " but no jgrad run (" + (Files.exists(config)
                            ? "its config.json is not a run's" : "no config.json") + "), and a run replaces or deletes the files"
                            + " of its own names there (config.json, model.safetensors, report.html, loss.png, ...); expected a"
                            + " directory without them, or an earlier run's");
                }
            }
        } catch (IOException e) {
            // a directory that cannot be examined: the lock or the first write in it says why
        }
    }

    /** Whether {@code config} is a run's config.json: a JSON object whose "format" is "jgrad-run". */
    private static boolean isRunConfig(Path config) {
        try {
            return Json.read(config) instanceof Map<?, ?> m && "jgrad-run".equals(m.get("format"));
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /**
     * Refuses {@code dir} as a run directory to read (--resume, --model) unless it is a directory holding config.json:
     * one that does not exist is named as missing, not as a directory without config.json. What config.json holds is
     * the reader's to check. The message begins with {@code flag} and {@code dir} ("--resume runs/x: ..."), or with
     * {@code dir} alone where {@code flag} is null (a command's own argument). jgrad train and jgrad-spark both call it,
     * so that their --resume words the same mistake the same way.
     *
     * @throws IllegalArgumentException saying what is wrong and what was expected
     */
    public static void requireRunDirectory(Path dir, String flag) {
        String named = flag == null ? dir + "" : flag + " " + dir;
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException(named + ": " + (Files.exists(dir) ? "not a directory" : "no such directory")
                    + "; expected the --out directory of 'jgrad train'");
        }
        if (!Files.isRegularFile(dir.resolve("config.json"))) {
            throw new IllegalArgumentException(named + (flag == null ? " is" : ":") + " not a jgrad run directory: config.json"
                    + " is missing");
        }
    }

    /**
     * Refuses a weight that is NaN or infinite, naming {@code file}, the tensor and the element. jgrad never saves one (a
     * diverged run keeps the checkpoint before), but another program's file may hold one: jgrad predict then answered
     * class 0 for every input, and --init diverged at the first step. jgrad train and jgrad-spark call it on the
     * weights they load.
     *
     * @throws JgradFormatException naming the file, the tensor and the element's index
     */
    public static void requireFiniteWeights(Path file, Map<String, Tensor> tensors) {
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            Tensor t = e.getValue();
            // one tensor's copy at a time, in its own precision (a float32 model's values as doubles would take twice)
            float[] f = t.dtype() == io.jgrad.tensor.DType.FLOAT32 ? t.toFloatArray() : null;
            double[] d = f == null ? t.toDoubleArray() : null;
            for (int i = 0, n = t.numel(); i < n; i++) {
                double v = f != null ? f[i] : d[i];
                if (!Double.isFinite(v)) {
                    throw new JgradFormatException(file, "tensor '" + e.getKey() + "'", "element "
                            + java.util.Arrays.toString(t.unravelIndex(i)) + " is " + v + "; expected finite weights");
                }
            }
        }
    }
}
