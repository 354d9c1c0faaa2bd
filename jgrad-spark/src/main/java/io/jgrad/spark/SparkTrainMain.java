package io.jgrad.spark;

import io.jgrad.data.Standardization;
import io.jgrad.io.AtomicFiles;
import io.jgrad.io.CheckpointFiles;
import io.jgrad.io.JgradFormatException;
import io.jgrad.io.RunLock;
import io.jgrad.io.Safetensors;
import io.jgrad.nn.Activations;
import io.jgrad.nn.spec.LayerSpec;
import io.jgrad.nn.spec.NetworkSpec;
import io.jgrad.nn.spec.WeightInit;
import io.jgrad.optim.LrScheduler;
import io.jgrad.optim.Optimizers;
import io.jgrad.optim.ReduceLROnPlateau;
import io.jgrad.optim.Schedules;
import io.jgrad.tensor.Tensor;
import io.jgrad.train.Callback;
import io.jgrad.train.Divergence;
import io.jgrad.train.EpochMetrics;
import io.jgrad.train.Evaluation;
import io.jgrad.train.GradientNorms;
import io.jgrad.train.GradientSpread;
import io.jgrad.train.History;
import io.jgrad.train.MetricsCsv;
import io.jgrad.train.ProgressBar;
import io.jgrad.train.TrainFlags;
import io.jgrad.train.TrainingDivergedException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.regex.Pattern;
import org.apache.spark.SparkThrowable;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.scheduler.ExternalClusterManager;
import org.apache.spark.sql.SparkSession;

/**
 * {@code spark-submit --class io.jgrad.spark.SparkTrainMain jgrad-spark.jar --data DIR|FILE ...}, or
 * {@code jgrad train --spark MASTER ...} (the launcher runs this class): trains like {@code jgrad train} on a Spark
 * cluster and writes the same --out directory, or continues one such directory with --resume DIR. Flags, named as in
 * {@code jgrad train}: --data, --val-data, --val-split,
 * --target-column, --model (mlp, cnn or FILE.json: the networks of jgrad train; cnn and image layers need an IDX
 * directory), --augment (for those networks), --layers, --activation, --output-activation, --loss (cross-entropy only), --optimizer, --lr,
 * --momentum, --weight-decay, --class-weights, --batch-size, --epochs, --target-loss, --patience, --restore-best,
 * --schedule, --seed, --normalize [all|columns], --init, --weight-init, --no-shuffle, --checkpoint-every, --threads (each task's cores,
 * spark.task.cpus, which its kernels run on), --out, --resume, --no-report (taken for {@code jgrad train
 * --spark}, whose launcher then writes no report; this class writes none either way, and records it in config.json as
 * training.report, which --resume keeps), --clip-grad-norm (in a synchronous step the summed gradient is clipped, with
 * local SGD each partition's local steps; recorded as training.clip_grad_norm, which --resume keeps), --grad-norms (each
 * weight's gradient norm after the epoch's line; with local SGD the mean over every partition's local steps); and
 * --partitions, --local-steps, --spark MASTER (alias --master; not needed under spark-submit). The switches
 * --restore-best, --no-shuffle, --no-report and --grad-norms also take =true or =false, as jgrad train's do. Any other
 * flag is a one-line error with exit status 2.
 * --data and --val-data are an IDX directory (its t10k files are the validation set), a CSV file with a header, or Parquet: a
 * {@code features} column of arrays or ML Vectors and a {@code label} column, or else plain numeric columns read as a
 * CSV file's (the label: --target-column, default the last column; the features: every other column). A label column
 * of strings holding a value that is not a number holds class names, numbered in sorted order as jgrad train numbers
 * a CSV file's. Without --data, the data set bundled in {@code jgrad.home}.
 */
public final class SparkTrainMain {
    private SparkTrainMain() {}

    static final Set<String> FLAGS = Set.of("--data", "--val-data", "--target-column", "--layers", "--activation",
            "--output-activation", "--loss", "--optimizer", "--lr", "--momentum", "--weight-decay", "--class-weights", "--batch-size",
            "--epochs", "--target-loss", "--patience", "--restore-best", "--schedule", "--seed", "--normalize", "--out", "--partitions",
            "--local-steps", "--resume", "--init", "--val-split", "--spark", "--master", "--no-report", "--clip-grad-norm",
            "--grad-norms", "--no-shuffle", "--checkpoint-every", "--threads", "--model", "--augment", "--weight-init");

    /** The flags of {@link #FLAGS} that take no value (a switch, as jgrad train's). */
    private static final Set<String> SWITCHES = Set.of("--restore-best", "--no-report", "--grad-norms", "--no-shuffle");

    /**
     * Flags of {@code jgrad train} that Spark training does not implement: none at present (--model and --augment were the
     * last); a flag jgrad train gains before Spark does goes here, to be refused in words rather than as unknown.
     */
    private static final Set<String> SINGLE_MACHINE_ONLY = Set.of();

    public static void main(String[] args) throws IOException {
        Map<String, String> f;
        try {
            f = parse(args);
        } catch (UserMistake e) {
            System.err.println("jgrad-spark: " + e.getMessage());
            System.exit(2);
            return;
        }
        String home = System.getProperty("jgrad.home");
        if (!f.containsKey("--data") && !f.containsKey("--resume") && home != null) {
            f.put("--data", Path.of(home, "data", "mnist-10k").toString()); // what jgrad train uses by default
        }
        if (f.containsKey("--help") || !f.containsKey("--data") && !f.containsKey("--resume")) {
            System.err.println("usage: jgrad train --spark MASTER, or spark-submit --class io.jgrad.spark.SparkTrainMain jgrad-spark.jar,"
                    + " then --data DIR|FILE.csv|FILE.parquet [--model mlp|cnn|FILE.json] [--augment flip,shift:2] [--layers 256,128] [--optimizer adam] [--lr R] [--class-weights balanced|W0,W1,...]"
                    + " [--batch-size 64] [--epochs 10] [--val-split F] [--target-loss LOSS] [--patience EPOCHS [--restore-best]]"
                    + " [--schedule SPEC] [--seed 42] [--normalize [all|columns]] [--init FILE.safetensors | --weight-init SCHEME] [--no-shuffle]"
                    + " [--checkpoint-every STEPS] [--threads N] [--out runs/spark] [--no-report] [--clip-grad-norm MAX]"
                    + " [--grad-norms] [--partitions N] [--local-steps K];"
                    + " or --resume DIR [--epochs N] [--target-loss LOSS] [--patience EPOCHS] [--partitions N] [--threads N]"
                    + " [--out DIR] [--grad-norms]");
            System.exit(f.containsKey("--help") ? 0 : 2);
        }
        String loss = f.getOrDefault("--loss", "cross-entropy");
        if (!loss.equals("cross-entropy")) {
            System.err.println("jgrad-spark: --loss " + loss + " is not supported: Spark training supports only cross-entropy");
            System.exit(2);
        }
        Integer threads = null;
        try {
            if (f.containsKey("--master")) {
                checkMaster(f.get("--master"));
                checkHeap(Runtime.getRuntime().maxMemory());
            }
            threads = threads(f, f.get("--master"), System.getProperty("spark.task.cpus"));
            if (f.containsKey("--master")) {
                checkReachable(f.get("--master"), 5000);
            }
        } catch (UserMistake e) {
            System.err.println("jgrad-spark: " + e.getMessage());
            System.exit(2);
        }
        SparkSession.Builder builder = SparkSession.builder().appName("jgrad-spark");
        if (threads != null) { // each task's share of cores, which PartitionWorker gives its kernels
            builder.config("spark.task.cpus", threads.toString());
        }
        if (f.containsKey("--master")) { // started by hand, not by spark-submit: its defaults are ours to choose
            builder.master(f.get("--master")).config("spark.ui.enabled", "false");
            if (System.getProperty("spark.task.maxDirectResultSize") == null) {
                // A local-SGD round returns the weights and Adam's two buffers (2.8 MB for 784-256-128-10); above the
                // default 1 MB Spark parks each result in the block manager for a second fetch. Sent with the task's
                // status instead: Fashion-MNIST local[2], K=64, 10 epochs in 21.1-21.5 s against 23.0-23.9 s.
                builder.config("spark.task.maxDirectResultSize", "64m");
            }
        }
        SparkSession spark = builder.getOrCreate();
        // a failed job's other tasks run on: Spark is stopped after them (a job that succeeded has none left)
        RunningTasks running = RunningTasks.on(spark);
        try {
            run(spark, f);
        } catch (TrainingDivergedException d) {
            // as jgrad train words and ends it; --out holds the checkpoint before the step (or nothing, as it did)
            System.err.println("jgrad-spark: " + d.commandLineMessage());
            spark.stop();
            System.exit(2);
        } catch (Exception e) {
            if (AtomicFiles.jvmStopping()) {
                return; // Ctrl-C or SIGTERM stopped the SparkContext under the run: Interruption says what is left
            }
            Throwable mistake = userMistake(e);
            if (mistake == null) {
                running.stop(spark);
                throw e; // an internal error: its stack trace, the task's inside Spark's "Job aborted", and exit status 1
            }
            System.err.println("jgrad-spark: " + String.valueOf(mistake.getMessage()).lines().findFirst().orElse(""));
            running.stop(spark);
            System.exit(2);
        } catch (OutOfMemoryError e) {
            System.err.println(String.format("jgrad-spark: out of Java heap (%d MB); give the driver more, e.g."
                    + " JGRAD_SPARK_JAVA_OPTS=-Xmx2g (jgrad train --spark) or --driver-memory 2g (spark-submit)",
                    Runtime.getRuntime().maxMemory() >> 20));
            System.exit(1);
        } finally {
            spark.stop();
        }
    }

    /**
     * The user's mistake that {@code e}, thrown by {@link #run}, reports, to be printed as one line; null for an internal
     * error, to be shown with its stack trace. A mistake is a {@link UserMistake} or {@link JgradFormatException}: {@code e}
     * itself (the driver's refusals of flags, files and data; a path that Spark cannot read is one, naming the flag, see
     * {@link #dataError}), or in its cause chain, where a task's arrives inside Spark's "Job aborted". Any other
     * exception, an IllegalArgumentException or a Spark AnalysisException included, is an internal error.
     */
    static Throwable userMistake(Throwable e) {
        for (Throwable c = e; c != null; c = c.getCause()) {
            if (c instanceof UserMistake || c instanceof JgradFormatException) {
                return c;
            }
        }
        return null;
    }

    /**
     * What {@code check} returns: jgrad-core's reading of a flag's value or a file, whose refusal, an
     * IllegalArgumentException naming the flag or the file in jgrad train's words, is the user's mistake. Rethrown as a
     * UserMistake with the same message; jgrad-core's other IllegalArgumentExceptions stay internal errors.
     */
    private static <T> T asUserMistake(java.util.function.Supplier<T> check) {
        try {
            return check.get();
        } catch (IllegalArgumentException e) {
            throw e instanceof UserMistake ? e : new UserMistake(e.getMessage(), e);
        }
    }

    /** {@link #asUserMistake(java.util.function.Supplier)} for a check that returns nothing. */
    private static void asUserMistake(Runnable check) {
        asUserMistake(() -> {
            check.run();
            return null;
        });
    }

    /** --normalize's mode (null: not given), as jgrad train reads it ({@link Standardization#mode}). */
    private static String normalizeMode(Map<String, String> f) {
        return asUserMistake(() -> Standardization.mode(f.get("--normalize")));
    }

    /** The int after {@code flag}, or {@code fallback} when the flag is absent; a mistake names the flag. */
    static int integer(Map<String, String> f, String flag, int fallback) {
        String v = f.get(flag);
        return v == null ? fallback : integer(flag, v);
    }

    /**
     * Whether {@code jgrad train --resume} can continue a run on this data on one machine: it reads an IDX directory
     * or one CSV file, not Parquet or a directory of part files, for --data and --val-data (null: none) alike.
     */
    static boolean resumable(String data, String valData) {
        return readsOnOneMachine(data) && (valData == null || readsOnOneMachine(valData));
    }

    private static boolean readsOnOneMachine(String path) {
        return DistributedDataset.isIdx(path) || Files.isRegularFile(Path.of(path))
                && path.toLowerCase(java.util.Locale.ROOT).endsWith(".csv");
    }

    private static int integer(String flag, String text) {
        try {
            return Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw new UserMistake(flag + ": expected an integer, got '" + text + "'");
        }
    }

    /** jgrad train's checks of a value ({@link TrainFlags}), in its words: the optimizers' own named no flag. */
    private static void positive(String flag, int value) {
        asUserMistake(() -> TrainFlags.positive(flag, value));
    }

    private static double positive(String flag, double value) {
        return asUserMistake(() -> TrainFlags.positive(flag, value));
    }

    private static double nonNegative(String flag, double value) {
        return asUserMistake(() -> TrainFlags.nonNegative(flag, value));
    }

    /** The number after {@code flag}, or {@code fallback} when the flag is absent; a mistake names the flag. */
    static double number(Map<String, String> f, String flag, double fallback) {
        String v = f.get(flag);
        try {
            return v == null ? fallback : Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw new UserMistake(flag + ": expected a number, got '" + v + "'");
        }
    }

    /** The hidden layer sizes of {@code --layers} ("256,128"), by jgrad train's rule ({@link TrainFlags#hiddenSizes}). */
    static int[] hiddenSizes(String layers) {
        return asUserMistake(() -> TrainFlags.hiddenSizes(layers));
    }

    /** Spark's local master URLs (SparkMasterRegex in SparkContext), with at least one thread. */
    private static final Pattern LOCAL_MASTER = Pattern.compile("local(\\[([1-9][0-9]*|\\*)(\\s*,\\s*[0-9]+)?\\])?"
            + "|local-cluster\\[\\s*[0-9]+\\s*,\\s*[0-9]+\\s*,\\s*[0-9]+\\s*]");

    /**
     * Rejects a master URL that Spark would fail to parse, as SparkContext decides it: a {@code local...} URL that is
     * not one of its forms, or any other URL but spark://... that no cluster manager on the classpath takes (yarn and
     * k8s:// need Spark's YARN or Kubernetes module, which spark-submit of such a distribution provides). Spark's own
     * error comes with a logged stack trace.
     */
    static void checkMaster(String master) {
        boolean local = master.startsWith("local");
        if (local ? LOCAL_MASTER.matcher(master).matches() : master.startsWith("spark://") || hasClusterManager(master)) {
            return;
        }
        throw new UserMistake("--spark " + master + ": not a master URL Spark can parse; expected local,"
                + " local[N], local[*], local[N,MAX_FAILURES] or local-cluster[WORKERS,CORES,MEMORY_MB] (N at least 1),"
                + " or a cluster's URL such as spark://HOST:7077" + (local ? ""
                : " (no cluster manager on the classpath takes '" + master + "': yarn and k8s:// need spark-submit of a Spark"
                        + " built with them)"));
    }

    /** What Spark's driver needs at least: 1.5 times the 300 MB it reserves (UnifiedMemoryManager). */
    static final long MIN_HEAP = 300L * 1024 * 1024 * 3 / 2;

    /**
     * Rejects a heap of {@code maxMemory} bytes that Spark's driver would refuse ("[INVALID_DRIVER_MEMORY] System memory
     * ... must be at least 471859200", logged and thrown with its stack trace), saying how to give it more.
     */
    static void checkHeap(long maxMemory) {
        if (maxMemory < MIN_HEAP && System.getProperty("spark.testing.memory") == null) {
            throw new UserMistake(String.format("the Java heap is %d MB, but Spark needs at least %d MB; give it"
                    + " more, e.g. JGRAD_SPARK_JAVA_OPTS=-Xmx1g (jgrad train --spark) or --driver-memory 1g (spark-submit)",
                    maxMemory >> 20, MIN_HEAP >> 20));
        }
    }

    /** The most --threads taken, as jgrad train's. */
    static final int MAX_THREADS = TrainFlags.MAX_THREADS;

    /**
     * --threads N, checked, or null when it is not given. On Spark it is each task's share of cores, spark.task.cpus,
     * which the task's kernels run on (PartitionWorker): refused where no task could then run, a local {@code master}
     * with fewer cores (Spark's own error came with a stack trace), and where {@code taskCpus}, spark.task.cpus as
     * spark-submit --conf or -D set it (null: not set), says otherwise.
     */
    static Integer threads(Map<String, String> f, String master, String taskCpus) {
        if (!f.containsKey("--threads")) {
            return null;
        }
        int threads = integer(f, "--threads", 1);
        positive("--threads", threads);
        if (threads > MAX_THREADS) {
            throw new UserMistake("--threads must be at most " + MAX_THREADS + ", got " + threads);
        }
        int cores = master == null ? Integer.MAX_VALUE : localCores(master);
        if (threads > cores) {
            throw new UserMistake("--threads " + threads + " gives each Spark task " + threads + " cores"
                    + " (spark.task.cpus), but --spark " + master + " has " + count(cores, "core") + ", so no task could run;"
                    + " give --threads " + cores + " or less, or a master with more cores (local[" + threads + "])");
        }
        if (taskCpus != null && !taskCpus.trim().equals(Integer.toString(threads))) {
            throw new UserMistake("--threads " + threads + " sets spark.task.cpus, which is already set to "
                    + taskCpus.trim() + " (spark-submit --conf or -Dspark.task.cpus); give one of them");
        }
        return threads;
    }

    /** The cores of a local master URL (local: 1, local[N]: N, local[*]: this machine's), or MAX_VALUE for another. */
    private static int localCores(String master) {
        var m = Pattern.compile("local(?:\\[(\\d+|\\*)(?:\\s*,\\s*\\d+)?\\])?|local-cluster\\[\\s*\\d+\\s*,\\s*(\\d+)\\s*,.*")
                .matcher(master);
        if (!m.matches()) {
            return Integer.MAX_VALUE;
        }
        String n = m.group(1) != null ? m.group(1) : m.group(2);
        return n == null ? 1 : n.equals("*") ? Runtime.getRuntime().availableProcessors() : Integer.parseInt(n);
    }

    /**
     * Rejects a spark:// master none of whose hosts (spark://HOST:PORT, or several, comma-separated, for standby
     * masters) accepts a connection within {@code timeoutMillis}: Spark would try for a minute, logging a stack trace
     * every 20 s, and then fail with an internal error and its stack trace (exit status 1). Other URLs pass.
     */
    static void checkReachable(String master, int timeoutMillis) {
        if (!master.startsWith("spark://")) {
            return;
        }
        String why = null;
        for (String hostPort : master.substring("spark://".length()).split(",")) {
            int colon = hostPort.lastIndexOf(':');
            int port;
            try {
                port = colon < 0 ? 7077 : Integer.parseInt(hostPort.substring(colon + 1).trim());
            } catch (NumberFormatException e) {
                why = "'" + hostPort.substring(colon + 1) + "' is not a port number";
                continue;
            }
            String host = (colon < 0 ? hostPort : hostPort.substring(0, colon)).trim();
            try (java.net.Socket socket = new java.net.Socket()) {
                socket.connect(new java.net.InetSocketAddress(host, port), timeoutMillis);
                return;
            } catch (java.net.UnknownHostException | IllegalArgumentException e) {
                why = "unknown host or port '" + hostPort.trim() + "'";
            } catch (java.net.SocketTimeoutException e) {
                why = "no answer from " + host + ":" + port + " within " + timeoutMillis / 1000 + " s";
            } catch (IOException e) {
                why = host + ":" + port + ": " + e.getMessage();
            }
        }
        throw new UserMistake("--spark " + master + ": cannot reach the Spark master (" + why
                + "); expected the URL of a running standalone master, spark://HOST:PORT (port 7077 by default)");
    }

    /** Whether a cluster manager plug-in on the classpath takes {@code master}, looked up as SparkContext looks it up. */
    private static boolean hasClusterManager(String master) {
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        for (ExternalClusterManager manager : ServiceLoader.load(ExternalClusterManager.class,
                loader != null ? loader : SparkTrainMain.class.getClassLoader())) {
            if (manager.canCreate(master)) {
                return true;
            }
        }
        return false;
    }

    /** Reads one data set (the closure); what is wrong with the data becomes one line naming {@code flag} and {@code path}. */
    private static DistributedDataset load(String flag, String path, DataReader reader) throws IOException {
        try {
            return reader.read();
        } catch (Exception e) {
            String why = dataError(e);
            if (why == null) {
                throw e;
            }
            throw new UserMistake(flag + " " + path + ": " + why, e);
        }
    }

    private interface DataReader {
        DistributedDataset read() throws IOException;
    }

    /**
     * The first line of what {@code e} says about the data: a rejected value (a {@link UserMistake}, thrown on the driver
     * or by a task inside Spark's "Job aborted"), a path that is not there or holds no data files (Spark's
     * {@link #USERS_ANALYSIS} errors), a malformed CSV record, a file that is not Parquet, an unreadable or malformed IDX
     * file, a file this user may not read. Null when {@code e} is about something else: another AnalysisException is
     * about a query this code built, not the data.
     */
    static String dataError(Throwable e) {
        boolean unreadable = e instanceof org.apache.spark.sql.AnalysisException a && USERS_ANALYSIS.contains(a.getCondition())
                || e instanceof IOException;
        Throwable deepest = e;
        for (Throwable c = e; c != null; c = c.getCause()) {
            if (c instanceof UserMistake) { // as userMistake takes them
                return firstLine(c).replaceFirst("^DistributedDataset: ", "");
            }
            if (c instanceof JgradFormatException format) { // a file read on the driver (an IDX file): its message names it
                return firstLine(format);
            }
            if (c instanceof java.nio.file.AccessDeniedException denied) { // its message is the path alone
                return denied.getFile() + ": permission denied; expected a file that this user may read";
            }
            if (c instanceof SparkThrowable st && st.getCondition() != null
                    && (st.getCondition().startsWith("FAILED_READ_FILE") || st.getCondition().startsWith("MALFORMED"))) {
                unreadable = true;
            }
            deepest = c;
        }
        // Spark's read errors wrap the one that says what is wrong ("... is not a Parquet file", "Malformed CSV record: ...")
        return !unreadable ? null : firstLine(e instanceof org.apache.spark.sql.AnalysisException ? e : deepest);
    }

    /**
     * The conditions of the AnalysisExceptions that Spark throws, while it plans the read of a path, for what the path
     * holds: nothing there (also a pattern that matches nothing), or no data file to take the columns from (an empty
     * directory, one of hidden or _SUCCESS files only).
     */
    static final Set<String> USERS_ANALYSIS = Set.of("PATH_NOT_FOUND", "UNABLE_TO_INFER_SCHEMA");

    private static String firstLine(Throwable e) {
        return String.valueOf(e.getMessage()).lines().findFirst().orElse("").strip();
    }

    /**
     * Validation data must fit what the network is built from, as {@code jgrad train} requires it: the training
     * file's feature and target columns (same names, same order) and no class the training data lacks.
     * {@code what} names the data in the message.
     */
    static void checkValidation(DistributedDataset train, DistributedDataset val, String what) {
        List<String> trainColumns = train.featureColumns(), valColumns = val.featureColumns();
        if (trainColumns != null && valColumns != null) {
            if (!trainColumns.equals(valColumns)) {
                throw new UserMistake(what + ": feature columns " + valColumns + " (" + valColumns.size()
                        + ") differ from the training file's " + trainColumns + " (" + trainColumns.size()
                        + "); validation data must have the same columns");
            }
            if (!train.labelColumn().equals(val.labelColumn())) {
                throw new UserMistake(what + ": the target column is '" + val.labelColumn()
                        + "' where the training file's is '" + train.labelColumn() + "'; validation data must have the same columns");
            }
        }
        int classes = train.numClasses();
        if (val.numClasses() > classes) {
            throw new UserMistake(what + ": has label " + (val.numClasses() - 1) + ", but the training data has "
                    + classes + " classes (labels 0.." + (classes - 1) + "); a label the network was not built for cannot be"
                    + " evaluated");
        }
    }

    /**
     * Refuses --target-column, --val-data and --val-split (but 0) for an IDX directory {@code data}, as jgrad train
     * refuses them: its labels are its label files, and its test set is its t10k files. --target-column was ignored
     * without a word; a --val-data took the place of the t10k files, and a run that jgrad train --resume then continued
     * on one machine was validated on the t10k files instead. --normalize columns too, as jgrad train refuses it for
     * images: their pixels share one scale.
     */
    private static void checkIdxFlags(String data, Map<String, String> f) {
        if (!DistributedDataset.isIdx(data)) {
            return;
        }
        if ("columns".equals(normalizeMode(f))) {
            throw new UserMistake("--normalize columns standardizes each column of a CSV file, but --data " + data
                    + " holds images, whose pixels share one scale; use --normalize");
        }
        if (f.containsKey("--target-column")) {
            throw new UserMistake("--target-column is for CSV or Parquet training data; the labels of the IDX"
                    + " directory " + data + " are its train-labels-idx1-ubyte and t10k-labels-idx1-ubyte files");
        }
        for (String flag : List.of("--val-data", "--val-split")) {
            if (f.containsKey(flag) && !(flag.equals("--val-split") && number(f, flag, 0) == 0)) { // 0 holds nothing out
                throw new UserMistake(flag + " is for CSV or Parquet training data; the test set of the IDX"
                        + " directory " + data + " is its t10k files");
            }
        }
    }

    /**
     * The layers of --model FILE.json (null for mlp and cnn), read before the data as jgrad train reads them; a file that is
     * missing or malformed is one line naming the file and the field.
     */
    static List<LayerSpec> modelLayers(String name) throws IOException {
        try {
            return NetworkSpec.modelLayers(name);
        } catch (JgradFormatException | IllegalArgumentException e) { // the file's content, or the value itself (empty, no such file)
            throw new UserMistake(e.getMessage(), e);
        }
    }

    /**
     * Refuses a --batch-size that gives a batch normalization layer of {@code spec} one value per channel on a partition,
     * in the words of {@link NetworkSpec#batchNormRefusal}: each partition normalizes its share of a batch by that share's
     * statistics. Larger batches than it refuses can still leave a partition 1 row of a shuffled batch by chance; the task
     * then fails naming the same flags. With one partition the rule and the words are {@code jgrad train}'s.
     */
    static void checkBatchNormRows(NetworkSpec spec, int samples, int batchSize, int partitions, String data) {
        String refusal = spec.batchNormRefusal(samples, batchSize, partitions, data);
        if (refusal != null) {
            throw new UserMistake(refusal);
        }
    }

    /**
     * The network of --model cnn or a file's {@code layers} (null for cnn) for samples of {@code sampleShape} (an IDX
     * directory's images [C, H, W], or [features]) and {@code classes} outputs, checked as jgrad train checks it: a network
     * with image layers needs images, its output must be one score per class, and no weight tensor may be too large.
     */
    static NetworkSpec network(String name, List<LayerSpec> layers, int[] sampleShape, int classes, String data) {
        boolean images = NetworkSpec.takesImages(name, layers);
        if (images && sampleShape.length != 3) {
            throw new UserMistake(NetworkSpec.imagesExpected(name, layers, "--data " + data));
        }
        Path file = layers == null ? null : Path.of(name);
        try {
            if (layers == null) {
                return asUserMistake(() -> NetworkSpec.cnn(sampleShape, classes)); // images too small: its words name --model cnn
            }
            NetworkSpec spec = NetworkSpec.resolve(sampleShape, layers, file, "layers");
            spec.checkTensorSizes(file);
            spec.checkOutputs(file, classes, "cross-entropy", "one value per class");
            String twice = TrainFlags.softmaxTwice("cross-entropy", spec.outputActivation());
            if (twice != null) { // the loss takes raw scores: said as jgrad train says it
                System.err.println("note: " + twice);
            }
            spec.checkHasWeights(file);
            return spec;
        } catch (JgradFormatException e) {
            throw new UserMistake(e.getMessage(), e);
        }
    }

    /**
     * Refuses, before anything is allocated, a network with a weight tensor too large for one array, in jgrad train's
     * words; Spark training said only "shape [50000, 50000] has more than 2^31 elements", naming no flag. Layers are
     * numbered as in the Sequential (Linear layers at 0, 2, 4, ...).
     */
    static void checkTensorSizes(MlpSpec spec) {
        int[] hidden = spec.hidden();
        int in = spec.inputSize();
        for (int i = 0; i <= hidden.length; i++) {
            int out = i < hidden.length ? hidden[i] : spec.outputSize();
            long values = (long) in * out;
            if (values > Tensor.MAX_NUMEL) {
                throw new UserMistake(String.format("layer %d (linear%d) would have a weight tensor of %,d values;"
                        + " one tensor holds at most %,d: use smaller --layers", 2 * i, out, values, Tensor.MAX_NUMEL));
            }
            in = out;
        }
    }

    /**
     * jgrad train's note ({@link io.jgrad.data.ClassLabels#unusedNote}), or null: most of the {@code classes} up to the
     * largest label have no sample in {@code train} or {@code test} (null: none). Up to 2 classes, no Spark job looks.
     */
    static String unusedClassesNote(int classes, DistributedDataset train, DistributedDataset test) {
        if (classes <= 2) {
            return null;
        }
        java.util.BitSet seen = train.labels();
        if (test != null) {
            seen.or(test.labels());
        }
        return io.jgrad.data.ClassLabels.unusedNote(classes, seen, "a numeric target needs --loss mse, which jgrad train has"
                + " on one machine");
    }

    /** --target-loss (negative infinity: none), --patience (0: none) and --restore-best. */
    record Stopping(double targetLoss, int patience, boolean restoreBest) {}

    /** The stopping flags of {@code f}, checked as jgrad train checks them, in its words, before the data is read. */
    static Stopping stopping(Map<String, String> f) {
        boolean restoreBest = on(f, "--restore-best");
        Integer patience = f.containsKey("--patience") ? integer(f, "--patience", 0) : null;
        if (patience != null) {
            asUserMistake(() -> TrainFlags.nonNegative("--patience", patience));
        }
        asUserMistake(() -> TrainFlags.checkRestoreBest(restoreBest, patience));
        double target = number(f, "--target-loss", Double.NEGATIVE_INFINITY);
        if (f.containsKey("--target-loss")) {
            asUserMistake(() -> TrainFlags.targetLoss(target));
        }
        return new Stopping(target, patience == null ? 0 : patience, restoreBest);
    }

    static void run(SparkSession spark, Map<String, String> f) throws IOException {
        run(spark, f, null);
    }

    /**
     * {@link #run(SparkSession, Map)} with {@code last} (null: none) called after the run's own callbacks, which write
     * the checkpoints: a test stops the run there as a crash would, after a checkpoint.
     */
    static void run(SparkSession spark, Map<String, String> f, Callback last) throws IOException {
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        for (String flag : List.of("--data", "--val-data", "--out", "--resume", "--init")) {
            String path = f.get(flag);
            asUserMistake(() -> TrainFlags.notEmpty(flag, path)); // as jgrad train: Java reads a blank path as the current directory
        }
        RunDirectory.Saved saved = null;
        Path resume = f.containsKey("--resume") ? Path.of(f.get("--resume")) : null;
        if (resume != null) { // the run's own settings, with what --resume may change
            saved = RunDirectory.read(resume);
            f = resumeFlags(f, resume, saved);
            RunDirectory.weightsFile(resume, CheckpointFiles.MODEL, saved); // missing weights: before the data is read
            RunDirectory.weightsFile(resume, CheckpointFiles.OPTIMIZER, saved);
            String noHistory = MetricsCsv.resumeRefusal(resume, saved.epochsCompleted()); // as jgrad train --resume refuses it
            if (noHistory != null) {
                throw new UserMistake(noHistory);
            }
            Divergence diverged = saved.diverged();
            if (diverged != null) { // as jgrad train --resume says it
                System.err.println("note: " + diverged.resumeNote(resume, saved.epochsCompleted(),
                        saved.progress() == null ? 0 : saved.progress().step(), saved.settings().epochs()));
            }
        }
        Path init = f.containsKey("--init") ? Path.of(f.get("--init")) : null;
        asUserMistake(() -> TrainFlags.checkInit(init)); // as jgrad train words it, before the data is read
        // a resumed run's own scheme (resumeFlags), drawn again before its checkpoint's weights are loaded over it
        String weightInitGiven = f.get("--weight-init");
        WeightInit weightInit = asUserMistake(() -> TrainFlags.weightInit(weightInitGiven, init));
        // every number first: a mistyped flag stops the run before the data is read and distributed
        int partitions = integer(f, "--partitions", jsc.defaultParallelism());
        int[] hidden = hiddenSizes(f.getOrDefault("--layers", "256,128"));
        // as jgrad train reads it: --optimizer Adam is adam (config.json records the name in lower case); the name before
        // its defaults: Optimizers refuses to give defaults for an unknown name
        String optGiven = f.getOrDefault("--optimizer", "adam");
        String optName = asUserMistake(() -> TrainFlags.optimizer(optGiven));
        double lr = positive("--lr", number(f, "--lr", OptimizerSpec.defaultLr(optName)));
        double momentum = nonNegative("--momentum", number(f, "--momentum", 0));
        double weightDecay = nonNegative("--weight-decay", number(f, "--weight-decay", Optimizers.defaultWeightDecay(optName)));
        double clip = f.containsKey("--clip-grad-norm") ? positive("--clip-grad-norm", number(f, "--clip-grad-norm", 0)) : 0;
        // then the names and settings: a typo should not cost reading and distributing the data first
        OptimizerSpec opt;
        try {
            opt = new OptimizerSpec(optName, lr, momentum, weightDecay);
        } catch (IllegalArgumentException e) {
            throw new UserMistake("--optimizer " + optName + ": " + e.getMessage().replaceFirst("^OptimizerSpec: ", ""));
        }
        asUserMistake(() -> opt.create(Map.of("0.weight", Tensor.zeros(1)))); // the optimizer's own checks of lr, momentum and weight decay
        String noMomentum = Optimizers.momentumRefusal(opt.name(), momentum); // in jgrad train's words
        if (noMomentum != null) {
            throw new UserMistake(noMomentum);
        }
        String modelName = f.getOrDefault("--model", "mlp");
        List<LayerSpec> fileLayers = modelLayers(modelName);
        if (!modelName.equals("mlp") && saved == null) { // as jgrad train refuses them
            boolean given = f.containsKey("--layers") || f.containsKey("--activation") || f.containsKey("--output-activation");
            asUserMistake(() -> TrainFlags.checkMlpFlags(modelName, given));
        }
        String augment = f.getOrDefault("--augment", "none");
        io.jgrad.data.Augmentation augmentation = asUserMistake(() -> io.jgrad.data.Augmentation.parse(augment)); // its errors name --augment
        if (!augmentation.isIdentity() && !NetworkSpec.takesImages(modelName, fileLayers) && saved == null) { // as jgrad train refuses it
            throw new UserMistake(NetworkSpec.augmentRefusal(augment, modelName));
        }
        String activation = f.getOrDefault("--activation", "relu"), outputActivation = f.getOrDefault("--output-activation", "none");
        if (Activations.hidden(activation) == null) {
            throw new UserMistake("--activation " + activation + ": unknown activation '" + activation
                    + "'; expected one of " + Activations.HIDDEN_NAMES);
        }
        if (Activations.output(outputActivation) == null) {
            throw new UserMistake("--output-activation " + outputActivation + ": unknown output activation '"
                    + outputActivation + "'; expected one of " + Activations.OUTPUT_NAMES);
        }
        String twice = TrainFlags.softmaxTwice("cross-entropy", outputActivation);
        if (twice != null && saved == null) { // said when the run began
            System.err.println("note: " + twice);
        }
        long seed = seed(f);
        int batch = integer(f, "--batch-size", 64);
        int epochs = integer(f, "--epochs", 10);
        int local = integer(f, "--local-steps", 1);
        int checkpointEvery = integer(f, "--checkpoint-every", 0);
        asUserMistake(() -> TrainFlags.nonNegative("--checkpoint-every", checkpointEvery)); // in jgrad train's words
        Integer threads = threads(f, null, null);
        int taskCpus = jsc.getConf().getInt("spark.task.cpus", 1);
        if (threads != null && threads != taskCpus) { // main sets it before the session starts; a session given here may not
            throw new UserMistake("--threads " + threads + ": this Spark session gives each task spark.task.cpus="
                    + taskCpus + ", fixed when it started; give --threads " + taskCpus + ", or leave --threads out");
        }
        String weightsSpec = f.get("--class-weights");
        if (weightsSpec != null) {
            ClassWeights.check(weightsSpec); // the count once the classes are known
        }
        positive("--partitions", partitions);
        positive("--batch-size", batch);
        positive("--epochs", epochs); // 0 would train nothing, write nothing and still say "wrote"
        positive("--local-steps", local);
        double valSplit = number(f, "--val-split", 0);
        asUserMistake(() -> TrainFlags.valSplit(valSplit));
        boolean valDataGiven = f.containsKey("--val-data");
        asUserMistake(() -> TrainFlags.checkOneValidation(valSplit, valDataGiven));
        Stopping stopping = stopping(f);
        String schedule = f.getOrDefault("--schedule", "none");
        asUserMistake(() -> Schedules.check(schedule, epochs)); // its errors name --schedule, in jgrad train's words
        String normalize = normalizeMode(f);
        Path out = Path.of(f.getOrDefault("--out", "runs/spark"));
        // as jgrad train checks it: a directory under a file or in one this user may not write failed after the data was read
        asUserMistake(() -> CheckpointFiles.checkRunDirectory(out, "--out", resume));
        String data = f.get("--data");
        checkIdxFlags(data, f);
        // early stopping watches the held-out loss: without held-out data it would silently never stop
        if (f.get("--val-data") == null && valSplit == 0 && !DistributedDataset.isIdx(data)
                && (stopping.restoreBest() || stopping.patience() > 0)) {
            throw new UserMistake((stopping.restoreBest() ? "--restore-best" : "--patience") + " compares the epochs'"
                    + " loss on held-out data, but there is no held-out data; give --val-split (e.g. 0.2) or --val-data FILE.csv (or"
                    + " Parquet), or --data an IDX directory, whose t10k files are held out");
        }
        try (Interruption interruption = new Interruption(out, epochs, resumable(data, f.get("--val-data")))) {
            if (saved != null && samePath(out.toString(), resume.toString())) {
                interruption.holds(saved.epochsCompleted(), saved.progress() == null ? 0 : saved.progress().step());
            }
            // before the data is read, which a refused run used to read first (minutes on large data): one jgrad train at
            // a time in out, on Spark or on one machine (a refusal, a UserMistake, names --out). A run that
            // stops before its first write removes the directories it created here (Interruption).
            try {
                interruption.created(AtomicFiles.createDirectories(out));
                interruption.locked(RunLock.acquire(out));
            } catch (IOException e) {
                throw new UserMistake("--out " + out + ": cannot create or prepare the directory (" + e + ")", e);
            } catch (IllegalArgumentException held) { // another run writes there: RunLock's refusal names --out
                throw new UserMistake(held.getMessage(), held);
            }
            String label = f.get("--target-column");
            // a resumed run's classes are its own, as jgrad train --resume reads its data: its names (a label they lack is an
            // error), or class indices only
            List<String> savedNames = saved == null ? null : saved.settings().classNames();
            DistributedDataset train = load("--data", data, () -> DistributedDataset.read(spark, data, null, label, partitions,
                    savedNames));
            List<String> names = train.classNames();
            DistributedDataset test = null;
            String valData = f.get("--val-data");
            if (valSplit > 0) {
                long held = Math.round(train.size() * valSplit); // split's rule, so that its refusal says the flag
                if (held == train.size()) {
                    throw new UserMistake("--val-split " + valSplit + " of the " + count(train.size(), "row") + " of " + data
                            + " leaves no rows for training; use a smaller fraction, or --val-data");
                }
                if (held == 0) {
                    throw new UserMistake("--val-split " + valSplit + " leaves none of the " + count(train.size(), "row")
                            + " of " + data + " for validation; expected at least one (e.g. 0.2)");
                }
                // the rows jgrad train --val-split holds out, drawn by the same generator and seed
                DistributedDataset.Split parts = train.split(valSplit, seed);
                train = parts.train();
                test = parts.validation();
            } else if (valData != null) {
                // the training data's classes: its names (a name it lacks is an error), or indices only
                test = load("--val-data", valData, () -> DistributedDataset.read(spark, valData, null, label, partitions, names));
                checkValidation(train, test, "--val-data " + valData);
            } else if (DistributedDataset.isIdx(data)) { // not a Parquet directory: it has no t10k split
                test = load("--data", data, () -> DistributedDataset.readIdx(spark, Path.of(data), false, partitions));
                checkValidation(train, test, "--data " + data + ": its t10k labels");
            }
            int classes = Math.max(train.numClasses(), test == null ? 0 : test.numClasses());
            if (classes == 1) {
                // as jgrad train refuses it (and scikit-learn): a wrong --target-column or a filtered file, not a model
                throw new UserMistake("--data " + data + ": every label" + (names.isEmpty() ? " is 0"
                        : " in column '" + train.labelColumn() + "' is '" + names.get(0) + "'") + ", so the data has one class and"
                        + " a classifier has nothing to learn (cross-entropy is 0 whatever the weights); expected "
                        + (names.isEmpty() ? "labels of two or more classes, 0..K-1" : "two or more class names"));
            }
            if (!names.isEmpty() && saved == null) {
                // which output is which class: the names' sorted order, which eval and predict read from config.json
                System.err.println("note: " + data + ": column '" + train.labelColumn() + "' holds class names; classes 0.."
                        + (classes - 1) + " are " + namesShown(names) + " (sorted), as config.json records");
            }
            double[] classWeights = weightsSpec == null ? null
                    : ClassWeights.of(weightsSpec, classes, train::classCounts, names);
            String unused = unusedClassesNote(classes, train, test);
            if (unused != null && saved == null) {
                System.err.println("note: " + data + ": " + unused);
            }
            // a resumed run's network is its own (config.json's), which --resume does not let --model or --layers change
            MlpSpec spec = saved != null || !modelName.equals("mlp") ? null
                    : new MlpSpec(train.featureSize(), hidden, classes, activation, outputActivation);
            NetworkSpec network = saved != null || spec != null ? null
                    : network(modelName, fileLayers, train.sampleShape(), classes, data);
            if (saved != null) { // the run's network, which its data must fit, as jgrad train --resume checks it
                spec = saved.settings().spec();
                network = saved.settings().network();
                int[] takes = spec != null ? new int[] {spec.inputSize()} : network.inputShape();
                if (!java.util.Arrays.equals(network != null ? train.sampleShape() : new int[] {train.featureSize()}, takes)) {
                    throw new UserMistake("--data " + data + ": samples have " + (network == null ? train.featureSize()
                            + " features" : "shape " + java.util.Arrays.toString(train.sampleShape())) + ", but the run in " + resume
                            + " takes " + (network == null ? takes[0] : java.util.Arrays.toString(takes)));
                }
                if (classes > saved.settings().numClasses()) {
                    throw new UserMistake("--data " + data + ": has labels up to " + (classes - 1) + ", but the run in "
                            + resume + " has " + saved.settings().numClasses() + " classes");
                }
                classes = saved.settings().numClasses();
            }
            if (spec != null) {
                checkTensorSizes(spec);
            } else {
                checkBatchNormRows(network, train.size(), batch, partitions, data);
            }
            Standardization scaling = Standardization.NONE;
            if (saved != null) { // the run's numbers, as jgrad train --resume takes them: not computed again
                scaling = saved.settings().normalization();
            } else if (normalize != null) {
                // over the training data only, as jgrad train's; the validation data is standardized with the same numbers
                scaling = SparkStandardization.of(train, normalize.equals("columns"));
            }
            if (!scaling.isNone()) {
                train = train.standardizedWith(scaling);
                test = test == null ? null : test.standardizedWith(scaling);
            }
            if (!augmentation.isIdentity()) {
                int[] image = train.sampleShape();
                int side = Math.min(image[1], image[2]);
                if (2 * augmentation.maxShift() >= side) { // as jgrad train refuses it
                    throw new UserMistake("--augment " + augment + ": a shift of " + augmentation.maxShift() + " pixels"
                            + " would move the " + image[1] + "x" + image[2] + " images mostly out of view; expected shift:N with N < "
                            + (side + 1) / 2 + " (e.g. shift:2)");
                }
                if (!scaling.isNone() && augmentation.maxShift() > 0) { // the uncovered border: a black pixel, standardized
                    float[] black = {0};
                    scaling.apply(black, 0, 1, 1);
                    augmentation = new io.jgrad.data.Augmentation(augmentation.horizontalFlip(), augmentation.maxShift(), black[0]);
                }
            }
            // the column the labels were read from, also where it was the default (the last one), as jgrad train records
            // it, so that inspect, the report and eval read the same from both; none for an IDX directory
            RunDirectory.Settings settings = new RunDirectory.Settings(spec, network, classes, data, DistributedDataset.kind(data),
                    f.get("--val-data"), valSplit, train.labelColumn(), train.featureColumns(), names, scaling, opt, batch, epochs,
                    seed, partitions, local, stopping.targetLoss(),
                    stopping.patience(), stopping.restoreBest(), schedule, classWeights,
                    // a resumed run keeps the --init file it started from, as jgrad train --resume does
                    saved != null ? saved.settings().init() : init == null ? null : init.toString(),
                    // a resumed run keeps --no-report, as jgrad train --resume does, and --resume --no-report turns it on
                    on(f, "--no-report") || saved != null && saved.settings().noReport(), clip,
                    !on(f, "--no-shuffle"), checkpointEvery, augment, weightInit.value());
            SparkTrainer trainer = (network != null ? new SparkTrainer(jsc, network, opt, seed, weightInit)
                    : new SparkTrainer(jsc, spec, opt, seed, weightInit))
                    .batchSize(batch).epochs(epochs).localSteps(local)
                    .targetLoss(stopping.targetLoss()).earlyStopping(stopping.patience(), stopping.restoreBest())
                    .classWeights(classWeights).clipGradNorm(clip).shuffle(!on(f, "--no-shuffle")).augment(augmentation);
            if (init != null) {
                loadWeights(init, trainer, "--init's weights were made for another network: give the --model and --layers (and"
                        + " data) they were trained with, or leave out --init");
            }
            Path optimizerFile = saved == null ? null : RunDirectory.weightsFile(resume, CheckpointFiles.OPTIMIZER, saved);
            if (saved != null) { // as jgrad train --resume: the weights, the optimizer, then the schedule's counters
                loadWeights(RunDirectory.weightsFile(resume, CheckpointFiles.MODEL, saved), trainer, "the weights do not"
                        + " match the network in config.json beside them; the run directory was changed by hand or by another"
                        + " program");
                try {
                    trainer.optimizer().loadStateDict(Safetensors.read(optimizerFile).tensors());
                } catch (IllegalArgumentException e) {
                    throw new UserMistake(optimizerFile + ": tensors: does not fit the optimizer: " + e.getMessage(), e);
                }
                trainer.shuffleGenerator().setState(saved.shuffleState());
                int step = saved.progress() == null ? 0 : saved.progress().step(), steps = (train.size() + batch - 1) / batch;
                if (step >= steps || step % local != 0) { // as written: the end of a round inside the epoch
                    throw new UserMistake(resume.resolve("config.json") + ": state.epoch_in_progress.step: expected the"
                            + " end of a round of " + count(local, "step") + " inside an epoch of " + count(steps, "step") + " of "
                            + data + ", got " + step + "; the directory was changed by hand or by another program");
                }
            }
            try {
                RunDirectory.prepare(out);
            } catch (IOException e) {
                throw new UserMistake("--out " + out + ": cannot create or prepare the directory (" + e + ")", e);
            }
            Object scheduler = asUserMistake(() -> Schedules.create(schedule, trainer.optimizer(), epochs));
            if (scheduler instanceof LrScheduler ls) {
                trainer.scheduler(ls);
            } else if (scheduler instanceof ReduceLROnPlateau p) {
                trainer.scheduler(p);
            }
            List<EpochMetrics> done = new ArrayList<>();
            if (saved != null) {
                loadSchedulerState(scheduler, optimizerFile);
                // the earlier epochs' rows come from the run being resumed, also when --out names another directory
                List<EpochMetrics> earlier = RunDirectory.metrics(resume, saved.epochsCompleted(), test != null);
                done.addAll(earlier);
                trainer.startEpoch(saved.epochsCompleted() + 1).earlierEpochs(earlier);
                if (saved.progress() != null) { // a checkpoint inside the epoch: its first steps are not taken again
                    trainer.resumeFrom(saved.progress());
                }
            }
            // an IDX directory's held-out part is its t10k test split, as jgrad train's lines call it
            String heldOut = DistributedDataset.isIdx(data) ? "test" : "val";
            boolean showNorms = on(f, "--grad-norms");
            List<String> weights = trainer.model().namedParameters().entrySet().stream().filter(e -> e.getValue().dim() >= 2)
                    .map(Map.Entry::getKey).toList();
            trainer.callback(new Callback() {
                private long[] epochStart; // the shuffle generator's state when the epoch began: its order is drawn from it
                private int lastStep; // of the last step or round ended in this epoch

                @Override
                public void onEpochStart(int epoch, int firstStep) {
                    epochStart = trainer.shuffleGenerator().state();
                    lastStep = firstStep - 1;
                }

                @Override
                public void onBatchEnd(int epoch, int step, int stepsPerEpoch, double loss, int batchSize) {
                    // as jgrad train --checkpoint-every: every that many steps inside the epoch (its end has its own), and
                    // with local SGD after the round that reached a multiple of them
                    if (checkpointEvery > 0 && step / checkpointEvery > lastStep / checkpointEvery && step < stepsPerEpoch) {
                        try {
                            interruption.write(epoch - 1, step, () -> RunDirectory.saveInEpoch(out, trainer, settings, done,
                                    Schedules.state(scheduler), trainer.progress(), epochStart));
                        } catch (IOException e) {
                            throw new UncheckedIOException("writing the checkpoint in " + out + " failed: " + e.getMessage(), e);
                        }
                    }
                    lastStep = step;
                }

                @Override
                public boolean onEpochEnd(EpochMetrics m) {
                    done.add(m);
                    // written before the epoch's line: once it is shown, a Ctrl-C leaves the directory holding that epoch
                    // (the line came first, and a SIGTERM between the two left the epoch before)
                    try {
                        interruption.write(m.epoch(), 0, () -> RunDirectory.save(out, trainer, settings, done, Schedules.state(scheduler), 0));
                    } catch (IOException e) {
                        throw new UncheckedIOException("writing the checkpoint in " + out + " failed: " + e.getMessage(), e);
                    }
                    // without --val-data (a CSV file) there is nothing to validate on: say so rather than "val loss NaN"
                    String val = Double.isNaN(m.valLoss()) ? "no validation data"
                            : String.format("%s loss %s, accuracy %.4f", heldOut, ProgressBar.loss(m.valLoss()), m.valAccuracy());
                    // one write per line (./jgrad's filter passes standard error on), and the overhead is per round of
                    // --local-steps steps, when there are several
                    System.err.println(String.format("epoch %d: train loss %s, accuracy %.4f, %s, lr %.3g, %.1f s (%.2f ms/%s overhead)",
                            m.epoch(), ProgressBar.loss(m.trainLoss()), m.trainAccuracy(), val, m.learningRate(), m.seconds(),
                            trainer.stepOverheadMillis(), local > 1 ? "round" : "step"));
                    if (showNorms) { // as jgrad train --grad-norms: the weights first layer to last, as the MLP orders them
                        System.err.println(GradientNorms.line(m.gradNorms(), weights));
                    }
                    return false;
                }

                @Override
                public void onTrainEnd(History h) {
                    System.err.println(h.stopReason()); // why the run stopped, as jgrad train's last epoch line says
                }
            });
            // the counts as jgrad train gives them ("3,200 train, 800 validation"; an IDX directory's t10k: "test"; without
            // held-out data "3,200 train, no held-out data"), with the partitions after the training rows'
            String rows = String.format("%,d train in %s, %s", train.size(), count(partitions, "partition"), test == null
                    ? "no held-out data" : String.format("%,d %s", test.size(), heldOut.equals("test") ? "test" : "validation"));
            System.err.println(String.format("jgrad-spark: %s on %s (%s%s), %s lr %s, batch %d, local steps %d, %s per task",
                    network != null ? network.describe() : spec.describe(), data, rows, scaling.isNone() ? "" : "; normalized: " + scaling.describe(),
                    optName, Double.toString(opt.lr()), batch, local, count(taskCpus, "thread")));
            if (last != null) {
                trainer.callback(last);
            }
            // a divergence before the first checkpoint leaves the directory this run created to Interruption.close
            History history;
            try {
                history = trainer.fit(train, test);
            } catch (TrainingDivergedException d) {
                interruption.diverged(Divergence.of(d)); // a stop from here on says where it diverged
                recordDivergence(d, out, interruption);
                tellDivergence(d, out, done);
                throw d;
            }
            if (history.restoredEpoch() > 0) {
                // the last epoch's checkpoint holds its own weights: save the restored ones over them, as jgrad train
                // does (the optimizer state, the metrics and the epochs completed stay the last epoch's)
                interruption.write(done.getLast().epoch(), 0, () -> RunDirectory.save(out, trainer, settings, done,
                        Schedules.state(scheduler), history.restoredEpoch()));
            }
            if (test != null) {
                Evaluation e = trainer.evaluate(test);
                System.out.printf("%s loss %s, accuracy %.2f%% on %,d samples%n", heldOut.equals("test") ? "test" : "validation",
                        ProgressBar.loss(e.loss()), 100 * e.accuracy(), e.samples());
            }
            // as jgrad train notes it, over the weights first layer to last; report.html is drawn by the launcher (which
            // sets jgrad.home) unless --no-report, and never under spark-submit
            GradientSpread spread = GradientSpread.of(done, weights);
            String vanishing = spread == null ? null
                    : spread.vanishingNote(!settings.noReport() && System.getProperty("jgrad.home") != null);
            if (vanishing != null) {
                System.err.println("note: " + vanishing);
            }
            System.out.println("wrote " + out + "/ (model.safetensors, config.json, optimizer.safetensors, metrics.csv)");
        }
    }

    /**
     * Records where the run diverged in out's config.json, as jgrad train records it ({@link Divergence#recordIn}), where
     * out holds the checkpoint the run went on from: its own, or the one it resumed there; not over an earlier run's
     * files that a new run diverged before replacing. A file that cannot be written is a note, the divergence staying the
     * error the run ends with. Modified: out's config.json.
     */
    private static void recordDivergence(TrainingDivergedException d, Path out, Interruption interruption) {
        Path file = out.resolve("config.json");
        try {
            interruption.amend(() -> Divergence.of(d).recordIn(file));
        } catch (IOException | RuntimeException e) {
            System.err.println("note: " + file + ": cannot record where the run diverged (" + e.getMessage() + ")");
        }
    }

    /**
     * Tells the launcher (./jgrad), which draws the report after the run, where a run diverged that has epochs in
     * {@code out} to report ({@code done}: its own and those of the run it resumed, as jgrad train reports them; with a
     * checkpoint in out, which a run resumed into another --out lacks before its first): the words ("epoch 3, step 5:
     * the loss is NaN") go into the file named by the system property jgrad.diverged, for 'jgrad report DIR --diverged
     * WORDS', whose report then names the divergence as jgrad train's does (the directory records it too, {@link
     * #recordDivergence}, which the report reads without --diverged). Without the property (spark-submit, which draws no report) nothing is written; a file that
     * cannot be written is a note, the divergence staying the error the run ends with.
     */
    private static void tellDivergence(TrainingDivergedException d, Path out, List<EpochMetrics> done) {
        String file = System.getProperty("jgrad.diverged");
        if (file == null || done.isEmpty() || !Files.isRegularFile(out.resolve("config.json"))) {
            return;
        }
        try {
            AtomicFiles.writeString(Path.of(file), d.divergence());
        } catch (IOException e) {
            System.err.println("note: " + file + ": cannot write where the run diverged for its report (" + e.getMessage() + ")");
        }
    }

    /** {@code n} and the noun, in the plural unless n is 1: "1 partition", "2 partitions", "1,000 rows". */
    static String count(long n, String noun) {
        return String.format("%,d %s%s", n, noun, n == 1 ? "" : "s");
    }

    /** Up to 10 class names, quoted, then how many more there are, as jgrad train shows them. */
    static String namesShown(List<String> names) {
        String shown = names.stream().limit(10).map(n -> "'" + n + "'").collect(java.util.stream.Collectors.joining(", "));
        return names.size() > 10 ? shown + " and " + (names.size() - 10) + " more" : shown;
    }

    /**
     * Loads the weights of {@code file} into the trainer's model, as jgrad train loads --init and a resumed run's: every
     * tensor's name and shape must be the network's, else one line naming the file and each tensor that differs, then
     * {@code advice}; a weight that is NaN or infinite is refused. Modified: the model's weights (in place, so the optimizer keeps them).
     */
    private static void loadWeights(Path file, SparkTrainer trainer, String advice) throws IOException {
        Map<String, Tensor> tensors;
        try {
            tensors = Safetensors.read(file).tensors();
        } catch (JgradFormatException e) {
            throw new UserMistake(e.getMessage(), e);
        }
        try {
            trainer.model().loadStateDict(tensors, true);
        } catch (IllegalArgumentException e) {
            // the core's message ends with an API hint (loadStateDict(state, false)) that a CLI user cannot act on
            throw new UserMistake(file + ": tensors: does not fit the network: " + e.getMessage()
                    .replace("loadStateDict into Sequential: ", "").replaceAll(" \\(loadStateDict\\(state, false\\)[^)]*\\)$", "")
                    + "; " + advice, e);
        }
        try {
            CheckpointFiles.requireFiniteWeights(file, tensors); // as jgrad train refuses them, after their names and shapes
        } catch (JgradFormatException e) {
            throw new UserMistake(e.getMessage(), e);
        }
    }

    /** Restores the schedule's counters that {@link RunDirectory#save} wrote into the metadata of {@code file}. */
    private static void loadSchedulerState(Object scheduler, Path file) throws IOException {
        Map<String, Double> state = new HashMap<>();
        for (Map.Entry<String, String> e : Safetensors.header(file).metadata().entrySet()) {
            if (e.getKey().startsWith(CheckpointFiles.SCHEDULER_PREFIX)) {
                try {
                    state.put(e.getKey().substring(CheckpointFiles.SCHEDULER_PREFIX.length()), Double.parseDouble(e.getValue()));
                } catch (NumberFormatException ex) {
                    throw new UserMistake(file + ": metadata '" + e.getKey() + "': \"" + e.getValue()
                            + "\" is not a number");
                }
            }
        }
        try {
            switch (scheduler) {
                case LrScheduler ls -> ls.loadStateDict(state);
                case ReduceLROnPlateau p -> p.loadStateDict(state);
                case null, default -> { }
            }
        } catch (IllegalArgumentException e) {
            throw new UserMistake(file + ": the state saved for --schedule does not fit it: " + e.getMessage(), e);
        }
    }

    /**
     * The flags of the run that {@code --resume dir} continues ({@code saved}, its config.json), with those of
     * {@code f} that may change, checked as jgrad train --resume checks them, in its words: --epochs (more than the
     * epochs completed; not for a cosine schedule, which anneals over the run's), --target-loss, --patience, --out
     * (default: dir), --threads (it changes no result), --partitions (with synchronous steps only: with --local-steps the
     * partitions are what is averaged), --data or --val-data where the stored path is gone, --no-report (recorded, as
     * jgrad train --resume records it) and --grad-norms (a display only, not recorded). Any other flag (--clip-grad-norm too: the run's is kept) that differs from the run's is an error,
     * and the network's flags, --init and --class-weights are errors whatever their values (the run's class weights
     * and class names are its own).
     */
    static Map<String, String> resumeFlags(Map<String, String> f, Path dir, RunDirectory.Saved saved) {
        RunDirectory.Settings s = saved.settings();
        String fixed = " is fixed by the run in " + dir.resolve("config.json") + "; leave it out";
        for (String flag : List.of("--model", "--layers", "--activation", "--output-activation", "--init")) {
            if (f.containsKey(flag)) {
                throw new UserMistake(flag + fixed + " (--resume continues with the run's own network and weights)");
            }
        }
        if (f.containsKey("--class-weights")) { // in jgrad train --resume's words
            throw new UserMistake("--class-weights" + fixed + " (the run's loss weighs its classes "
                    + (s.classWeights() == null ? "equally" : java.util.Arrays.toString(s.classWeights())) + ")");
        }
        String optimizer = f.get("--optimizer") == null ? null : f.get("--optimizer").toLowerCase(java.util.Locale.ROOT);
        Double valSplit = given(f, "--val-split");
        Object[][] values = {
            {"--loss", lowerCase(f.get("--loss")), "cross-entropy"}, {"--optimizer", optimizer, s.optimizer().name()},
            {"--lr", given(f, "--lr"), s.optimizer().lr()}, {"--momentum", given(f, "--momentum"), s.optimizer().momentum()},
            {"--weight-decay", given(f, "--weight-decay"), s.optimizer().weightDecay()},
            {"--batch-size", f.containsKey("--batch-size") ? integer(f, "--batch-size", 0) : null, s.batchSize()},
            {"--seed", f.containsKey("--seed") ? seed(f) : null, s.seed()},
            {"--restore-best", f.containsKey("--restore-best") ? on(f, "--restore-best") : null, s.restoreBest()},
            {"--schedule", lowerCase(f.get("--schedule")), lowerCase(s.schedule())},
            {"--augment", lowerCase(f.get("--augment")), lowerCase(s.augment())},
            {"--target-column", f.get("--target-column"), s.targetColumn()},
            {"--val-split", valSplit == null || valSplit == 0 ? null : valSplit, s.valSplit()},
            {"--normalize", normalizeMode(f), s.normalization().isNone() ? "off"
                    : s.normalization().perColumn() ? "columns" : "all"},
            {"--clip-grad-norm", given(f, "--clip-grad-norm"), s.clipGradNorm() > 0 ? s.clipGradNorm() : "none"},
            // in one spelling, as jgrad train --resume compares it (normal:1e-2 is normal:0.01)
            {"--weight-init", f.containsKey("--weight-init") ? asUserMistake(() -> WeightInit.parse(f.get("--weight-init")))
                    .value() : null, s.weightInit()},
            {"--local-steps", f.containsKey("--local-steps") ? integer(f, "--local-steps", 0) : null, s.localSteps()},
            {"--checkpoint-every", f.containsKey("--checkpoint-every") ? integer(f, "--checkpoint-every", 0) : null, s.checkpointEvery()},
            {"--no-shuffle", f.containsKey("--no-shuffle") ? on(f, "--no-shuffle") : null, !s.shuffle()},
            // synchronous steps: the partitions change only the order of the float sums
            {"--partitions", s.localSteps() > 1 && f.containsKey("--partitions") ? integer(f, "--partitions", 0) : null, s.partitions()}};
        for (Object[] v : values) {
            if (v[1] != null && !v[1].equals(v[2])) {
                throw new UserMistake(v[0] + fixed + " (the run has " + (v[2] == null ? "none" : v[2]) + ", " + v[0]
                        + " gives " + v[1] + ")");
            }
        }
        if (f.containsKey("--data") && exists(s.data()) && !samePath(f.get("--data"), s.data())) {
            throw new UserMistake("--data" + fixed + " (the run's data set is " + s.data() + ", which still exists;"
                    + " --data is only for a run whose data set has moved)");
        }
        if (f.containsKey("--val-data")
                && (s.valData() == null || exists(s.valData()) && !samePath(f.get("--val-data"), s.valData()))) {
            throw new UserMistake("--val-data" + fixed + " (the run's validation file is " + (s.valData() == null ? "none"
                    : s.valData() + ", which still exists; --val-data is only for a run whose validation file has moved") + ")");
        }
        // a stored path that has gone, in jgrad train --resume's words: Spark's error named a --data that was not given
        String[][] stored = {{"--data", "data.path", s.data()}, {"--val-data", "data.val_data", s.valData()}};
        for (String[] p : stored) {
            if (p[2] != null && !f.containsKey(p[0]) && !exists(p[2])) {
                throw new UserMistake(dir.resolve("config.json") + ": " + p[1] + " " + p[2] + ": no such file or"
                        + " directory" + (Path.of(p[2]).isAbsolute() ? "" : " (relative to the current directory, "
                        + Path.of("").toAbsolutePath() + ")") + "; run from the directory where the run was trained, or give "
                        + p[0] + " with its new location");
            }
        }
        int epochs = s.epochs();
        if (f.containsKey("--epochs")) {
            epochs = integer(f, "--epochs", 0);
            positive("--epochs", epochs);
            String schedule = lowerCase(s.schedule());
            if (schedule.startsWith("cosine") && epochs != s.epochs()) {
                throw new UserMistake("--epochs " + epochs + ": the run in " + dir + " anneals its learning rate with"
                        + " --schedule " + s.schedule() + " over " + count(s.epochs(), "epoch") + ", which --resume cannot change; leave --epochs"
                        + " out to continue to epoch " + s.epochs() + ", or train further in a new run from its weights: jgrad train"
                        + " --spark MASTER --init " + dir.resolve("model.safetensors") + " --schedule " + s.schedule() + " --epochs N"
                        + " (with the run's other flags)");
            }
        }
        int done = saved.epochsCompleted();
        if (epochs <= done) {
            throw new UserMistake(dir + " already has " + done + " epoch" + (done == 1 ? "" : "s") + "; give --epochs"
                    + " greater than " + done + (f.containsKey("--epochs") ? " (got " + epochs + ")" : ""));
        }
        int patience = f.containsKey("--patience") ? integer(f, "--patience", 0) : s.patience();
        if (f.containsKey("--patience") && patience == 0 && s.restoreBest()) {
            throw new UserMistake("--patience 0: the run in " + dir + " restores the best epoch (--restore-best), which"
                    + " needs early stopping; give --patience 1 or more, or leave it out");
        }
        boolean heldOut = s.valData() != null || s.valSplit() > 0 || DistributedDataset.isIdx(s.data());
        if (f.containsKey("--patience") && patience > 0 && !heldOut) {
            throw new UserMistake("--patience compares the epochs' loss on held-out data, but the run in " + dir
                    + " has no held-out data (neither --val-split nor --val-data was given); leave --patience out");
        }
        Map<String, String> g = new HashMap<>();
        g.put("--resume", dir.toString());
        g.put("--data", exists(s.data()) || !f.containsKey("--data") ? s.data() : f.get("--data"));
        if (s.valData() != null) {
            g.put("--val-data", exists(s.valData()) || !f.containsKey("--val-data") ? s.valData() : f.get("--val-data"));
        }
        if (s.valSplit() > 0) {
            g.put("--val-split", Double.toString(s.valSplit()));
        }
        if (s.targetColumn() != null && !DistributedDataset.isIdx(s.data())) {
            g.put("--target-column", s.targetColumn());
        }
        if (s.spec() != null) { // else the run's network is read from config.json by run, as its own
            g.put("--layers", java.util.Arrays.stream(s.spec().hidden()).mapToObj(Integer::toString)
                    .collect(java.util.stream.Collectors.joining(",")));
            g.put("--activation", s.spec().activation());
            g.put("--output-activation", s.spec().outputActivation());
        }
        g.put("--augment", s.augment());
        g.put("--weight-init", s.weightInit());
        g.put("--optimizer", s.optimizer().name());
        g.put("--lr", Double.toString(s.optimizer().lr()));
        g.put("--momentum", Double.toString(s.optimizer().momentum()));
        g.put("--weight-decay", Double.toString(s.optimizer().weightDecay()));
        g.put("--batch-size", Integer.toString(s.batchSize()));
        g.put("--epochs", Integer.toString(epochs));
        g.put("--seed", Long.toString(s.seed()));
        g.put("--partitions", f.getOrDefault("--partitions", Integer.toString(s.partitions())));
        g.put("--local-steps", Integer.toString(s.localSteps()));
        g.put("--checkpoint-every", Integer.toString(s.checkpointEvery()));
        if (!s.shuffle()) {
            g.put("--no-shuffle", "");
        }
        if (f.containsKey("--threads")) {
            g.put("--threads", f.get("--threads"));
        }
        double target = f.containsKey("--target-loss") ? number(f, "--target-loss", 0) : s.targetLoss();
        if (f.containsKey("--target-loss") || Double.isFinite(target)) {
            g.put("--target-loss", f.getOrDefault("--target-loss", Double.toString(target)));
        }
        g.put("--patience", Integer.toString(patience));
        if (s.restoreBest()) {
            g.put("--restore-best", "");
        }
        g.put("--schedule", s.schedule());
        if (s.clipGradNorm() > 0) { // Double.toString gives it back exactly
            g.put("--clip-grad-norm", Double.toString(s.clipGradNorm()));
        }
        if (on(f, "--grad-norms")) { // a display only, as in jgrad train --resume: not recorded
            g.put("--grad-norms", "");
        }
        if (on(f, "--no-report")) { // recorded, as jgrad train --resume records it (a run that has it keeps it: see run)
            g.put("--no-report", "");
        }
        if (s.classWeights() != null) { // Double.toString gives each weight back exactly
            g.put("--class-weights", java.util.Arrays.stream(s.classWeights()).mapToObj(Double::toString)
                    .collect(java.util.stream.Collectors.joining(",")));
        }
        g.put("--out", f.getOrDefault("--out", dir.toString()));
        return g;
    }

    /** Whether the switch {@code flag} is on in f: given, and not as =false (which {@link #parse} keeps as "false"). */
    static boolean on(Map<String, String> f, String flag) {
        return "".equals(f.get(flag));
    }

    private static Double given(Map<String, String> f, String flag) {
        return f.containsKey(flag) ? number(f, flag, 0) : null;
    }

    private static String lowerCase(String name) {
        return name == null ? null : name.trim().toLowerCase(java.util.Locale.ROOT);
    }

    /** Whether {@code path} is there, or is no local path (hdfs://..., s3a://...), which only Spark can look for. */
    private static boolean exists(String path) {
        return path.matches("[A-Za-z][A-Za-z0-9+.-]+://.*") || Files.exists(Path.of(path));
    }

    private static boolean samePath(String a, String b) {
        return a.equals(b) || Path.of(a).toAbsolutePath().normalize().equals(Path.of(b).toAbsolutePath().normalize());
    }

    static long seed(Map<String, String> f) {
        try {
            return Long.parseLong(f.getOrDefault("--seed", "42"));
        } catch (NumberFormatException e) {
            throw new UserMistake("--seed: expected an integer, got '" + f.get("--seed") + "'");
        }
    }

    /**
     * Flag to value ({@code --flag value} or {@code --flag=value}); {@code --spark} is stored as {@code --master}.
     * Throws a UserMistake with a one-line message for an unknown or unsupported flag or a missing value.
     */
    static Map<String, String> parse(String[] args) {
        Map<String, String> out = new HashMap<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--help") || a.equals("-h")) {
                out.put("--help", "");
                continue;
            }
            String key = a.contains("=") ? a.substring(0, a.indexOf('=')) : a;
            if (!key.startsWith("-") && i > 0 && SWITCHES.contains(args[i - 1])) { // "--restore-best 1"
                // jgrad train's (picocli's) words; its index counts 'train' as 0, which the launcher takes off
                throw new UserMistake("Unmatched argument at index " + (i + 1) + ": '" + a + "'");
            }
            if (SINGLE_MACHINE_ONLY.contains(key)) {
                throw new UserMistake(key + " is not supported when training on Spark; drop it, or train"
                        + " on one machine (jgrad train without --spark)");
            }
            if (!FLAGS.contains(key)) {
                throw new UserMistake("unknown option " + a + "; expected one of " + FLAGS.stream().sorted().toList());
            }
            if (SWITCHES.contains(key)) {
                // a boolean as jgrad train (picocli) reads one: true in any case is the switch (""), false or nothing
                // after the = turns it off ("false", also when given before: --resume refuses turning off what the run
                // has on), anything else is refused in its words
                String value = a.contains("=") ? a.substring(a.indexOf('=') + 1) : "true";
                if (value.equalsIgnoreCase("true")) {
                    out.put(key, "");
                } else if (value.isEmpty() || value.equalsIgnoreCase("false")) {
                    out.put(key, "false");
                } else {
                    throw new UserMistake("Invalid value for option '" + key + "': '" + value + "' is not a boolean");
                }
                continue;
            }
            String value;
            if (a.contains("=")) {
                value = a.substring(a.indexOf('=') + 1);
            } else if (i + 1 < args.length && !args[i + 1].startsWith("--")) {
                value = args[++i];
            } else if (key.equals("--normalize")) {
                value = "all"; // the flag alone, as jgrad train reads it
            } else {
                value = null; // missing, or the next flag: taken as the value, it made the error "unknown option ..."
            }
            // --layers '' is no hidden layer (logistic regression), as in jgrad train; --normalize= is refused by its
            // mode's check, as jgrad train refuses it; other flags need a value
            if (value == null || value.isEmpty() && !key.equals("--layers") && !key.equals("--normalize")) {
                throw new UserMistake(key.equals("--spark") || key.equals("--master")
                        ? key + " needs a master URL such as local[2] or spark://HOST:7077 (e.g. jgrad train --spark local[2] --data DIR)"
                        : key + " needs a value");
            }
            out.put(key.equals("--spark") ? "--master" : key, value);
        }
        return out;
    }
}
