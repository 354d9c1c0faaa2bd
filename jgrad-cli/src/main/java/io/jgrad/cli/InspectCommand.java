package io.jgrad.cli;

import io.jgrad.nn.spec.Layers;
import io.jgrad.data.Standardization;
import io.jgrad.io.Safetensors;
import io.jgrad.nn.Module;
import io.jgrad.nn.Sequential;
import io.jgrad.tensor.Tensor;
import io.jgrad.train.Divergence;
import io.jgrad.train.ProgressBar;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code jgrad inspect}: what a run directory or a safetensors file holds. */
@Command(name = "inspect",
        mixinStandardHelpOptions = true,
        header = "Show the architecture, parameter counts and tensors of a run directory or a .safetensors file.",
        description = {"", "For a run directory: the layers (as PyTorch would print them) with the output shape of each for the",
            "data's input shape (N is the batch) and their parameter counts, the training options and progress (the",
            "optimizer, rate and batch size, and by their flags the others the run set away from their defaults:",
            "--momentum, --weight-decay, --schedule, --clip-grad-norm, --no-shuffle, --augment, --checkpoint-every and",
            "--class-weights, then --patience, --restore-best and --target-loss on a stopping line), a Spark run's",
            "partitions and local steps, where the run diverged if config.json records it (the weights are then those",
            "of the checkpoint before the divergence), the data and its target column (recorded for a CSV file, also where it was the",
            "default, the last column), its standardization (--normalize: the mean and standard deviation, or",
            "the count of per-column pairs) and its held-out rows (--val-data, --val-split or an IDX directory's t10k",
            "files), then every tensor of model.safetensors with dtype, shape and value statistics (an integer or bool",
            "tensor's minimum and maximum as whole numbers). A file is read as safetensors when its name ends in",
            ".safetensors or it begins as one does (an 8-byte header length, then the JSON header's '{'); any other file",
            "is refused, naming it.", ""},
        footerHeading = "%n",
        footer = {"@|bold EXAMPLES|@", "  jgrad inspect runs/latest", "  jgrad inspect runs/latest/model.safetensors", "",
            "@|bold EXIT STATUS|@",
            "  0 inspected; 1 internal error; 2 bad input (neither a run directory nor a readable .safetensors file):",
            "  the message says what was wrong."})
final class InspectCommand implements Callable<Integer> {
    @Parameters(paramLabel = "DIR|FILE.safetensors", description = "What to inspect (default: runs/latest).", defaultValue = "runs/latest")
    Path target;

    @Override
    public Integer call() throws Exception {
        Flags.notEmpty("DIR|FILE.safetensors", target);
        Path file = target;
        if (Files.isDirectory(target)) {
            TrainedModel tm = TrainedModel.load(target, null);
            RunConfig c = tm.config();
            printLayers(tm);
            System.out.printf("parameters  %,d%n", tm.network().parameterCount());
            System.out.printf("task        %s, loss %s, %s%n", c.task(), c.loss(), c.numClasses() == 0 ? "numeric target"
                    : c.numClasses() + " classes" + (c.classNames().isEmpty() ? "" : " (" + TrainCommand.namesShown(c.classNames()) + ")"));
            // the rate as train's first line and report.html give it ("lr 0.001"); %g wrote "lr 0.00100000"
            // with --restore-best, model.safetensors may hold an earlier epoch's weights than the epochs done
            // the other options only where the run set them away from their defaults, by their flags, as the report's
            // facts name them: those of the update after the rate, those of the batches after their size
            System.out.printf("training    %s lr %s%s, batch %d%s, %d of %d epochs done%s, seed %d%s%n", c.optimizer(), Double.toString(c.lr()),
                    flags(c.momentumFlag(), c.weightDecayFlag(), c.scheduleFlag(), c.clipGradNormFlag()), c.batchSize(),
                    flags(c.shuffle() ? null : "--no-shuffle", c.augmentFlag(),
                            c.checkpointEvery() > 0 ? "--checkpoint-every " + c.checkpointEvery() : null),
                    c.epochsCompleted(), c.epochs(), c.restoredEpoch() > 0
                            ? " (the weights are epoch " + c.restoredEpoch() + "'s, the best: --restore-best)" : "", c.seed(),
                    c.classWeights() == null ? "" : "; class weights " + Flags.weightsShown(c.classWeights()));
            Divergence diverged = c.diverged();
            if (diverged != null) { // recorded by the run that diverged, until a resumed run writes a checkpoint
                System.out.println("diverged    at " + diverged.words() + "; the weights are those of the checkpoint before it, "
                        + Interruption.describe(c.epochsCompleted(), c.epochs(), c.progress() == null ? 0 : c.progress().step()));
            }
            // the stopping rules on a line of their own (the training line is long enough), which --resume may change
            String stopping = flags(c.patienceFlag(), c.restoreBest() ? "--restore-best" : null, c.targetLossFlag());
            if (!stopping.isEmpty()) {
                System.out.println("stopping    " + stopping.substring(2));
            }
            String spark = ReportCommand.spark(target);
            if (spark != null) { // a run of jgrad train --spark: its partitions and whether they took local steps
                System.out.println("spark       " + spark);
            }
            if (c.init() != null) { // the weights the run started from, which config.json records since it was added
                System.out.printf("init        --init %s%n", c.init());
            } else if (c.weightInitFlag() != null) { // how they were drawn, where not PyTorch's default (the two exclude each other)
                System.out.printf("init        %s%n", c.weightInitFlag());
            }
            Standardization n = c.normalization(); // as eval's data line, with the count of a per-column pair
            System.out.printf("data        %s%s%s%s%n%n", c.data(), flags(c.targetColumnShown()), n.isNone() ? "" : " (normalized: " + (n.perColumn()
                    ? String.format("per column, %d column%s", n.mean().length, n.mean().length == 1 ? "" : "s") : n.describe()) + ")",
                    heldOut(c));
            file = tm.weights();
        } else if (!Files.isRegularFile(target)) {
            throw new UserError(target + ": no such file or directory");
        } else if (!safetensorsLike(target)) {
            Path run = target.toAbsolutePath().getParent();
            throw new UserError(target + ": neither a run directory nor a .safetensors file (it does not begin as a"
                    + " safetensors file does); expected a run directory written by 'jgrad train' or a .safetensors file"
                    + " of weights" + (run != null && Files.isRegularFile(run.resolve(RunConfig.FILE))
                    ? "; for the run it belongs to: jgrad inspect " + (target.getParent() == null ? "." : target.getParent()) : ""));
        }
        Safetensors.Contents contents = Safetensors.read(file);
        Map<String, String> stored = Safetensors.header(file).dtypes();
        System.out.println(file + ":");
        long total = 0;
        for (Map.Entry<String, Tensor> e : contents.tensors().entrySet()) {
            Tensor t = e.getValue();
            double[] v = t.toDoubleArray();
            double min = Double.POSITIVE_INFINITY, max = Double.NEGATIVE_INFINITY, sum = 0, sq = 0;
            for (double x : v) {
                min = Math.min(min, x);
                max = Math.max(max, x);
                sum += x;
                sq += x * x;
            }
            double mean = sum / v.length;
            double std = Math.sqrt(Math.max(sq / v.length - mean * mean, 0));
            // the file's own dtype: the reader widens F16 and BF16 to float32 and integers and BOOL to float64
            String dtype = stored.getOrDefault(e.getKey(), t.dtype().safetensorsName());
            if (v.length == 0) {
                System.out.printf("  %-24s %-4s %-14s %,10d  (empty)%n", e.getKey(), dtype, Arrays.toString(t.shape()), 0);
            } else {
                // as train's console writes losses: four significant digits with an exponent below 0.001 and from
                // 100,000 (with four decimals alone, a weight of 2e-05 read 0.0000)
                // a tensor of whole numbers (num_batches_tracked, a mask) has whole extremes: "+7", not "+7.0000"
                boolean whole = WHOLE.contains(dtype);
                System.out.printf("  %-24s %-4s %-14s %,10d  min %s  max %s  mean %s  std %s%n", e.getKey(),
                        dtype, Arrays.toString(t.shape()), v.length, whole ? signedWhole(min) : signed(min),
                        whole ? signedWhole(max) : signed(max), signed(mean), ProgressBar.loss(std));
            }
            total += v.length;
        }
        System.out.printf("  %,d values in %d tensors%n", total, contents.tensors().size());
        if (!contents.metadata().isEmpty()) {
            System.out.println("  metadata " + contents.metadata());
        }
        return 0;
    }

    /**
     * Whether {@code file} is to be read as safetensors: its name says so (.safetensors, or a checkpoint's
     * .safetensors.next), or it begins as one does, with an 8-byte header length and then the JSON header's '{'. Any
     * other file (a run's metrics.csv, a CSV of data) would have its first 8 bytes read as a header length, and the
     * reader's message about that length would not say what inspect takes; a damaged file that has the name or the
     * beginning keeps the reader's message, which says where it is damaged.
     */
    private static boolean safetensorsLike(Path file) throws IOException {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".safetensors") || name.endsWith(".safetensors" + Checkpoint.NEXT)) {
            return true;
        }
        try (InputStream in = Files.newInputStream(file)) {
            byte[] start = in.readNBytes(9);
            return start.length == 9 && start[8] == '{';
        }
    }

    /**
     * Which rows the run held out, named as eval names them: "; validation rows: --val-data FILE" or "--val-split F",
     * "; test rows: its t10k files" for a run of an IDX directory (config.json's data.kind, or for an older config.json
     * the inference of {@link CsvPixels#trainedOnIdx}), and "" for none. Any directory was taken for one: a Spark run of
     * a Parquet directory without held-out rows too, and an IDX run whose data had moved was not.
     */
    static String heldOut(RunConfig c) {
        if (c.valData() != null) {
            return "; validation rows: --val-data " + c.valData();
        }
        if (c.valSplit() > 0) {
            return "; validation rows: --val-split " + c.valSplit();
        }
        return CsvPixels.trainedOnIdx(c) ? "; test rows: its t10k files" : "";
    }

    /** ", " before each of {@code flags} that is not null, joined: "" for none. */
    private static String flags(String... flags) {
        StringBuilder out = new StringBuilder();
        for (String f : flags) {
            if (f != null) {
                out.append(", ").append(f);
            }
        }
        return out.toString();
    }

    /** The dtypes of whole numbers that {@link Safetensors#read} widens to float64, exactly up to 2^53. */
    private static final Set<String> WHOLE = Set.of("I64", "I32", "I16", "I8", "U8", "BOOL");

    /** A whole number with a sign, as {@link #signed} writes one: "+7", "-2", "+0". */
    private static String signedWhole(double v) {
        return String.format("%+d", (long) v);
    }

    /**
     * {@link ProgressBar#loss} with a sign, as %+.4f wrote them: a plus sign unless it starts with a minus, which -0.0
     * does ("-0.0000"; by v &gt;= 0 it read "+-0.0000"), and NaN has none.
     */
    private static String signed(double v) {
        String s = ProgressBar.loss(v);
        return s.startsWith("-") || Double.isNaN(v) ? s : "+" + s;
    }

    /** One line per layer: index, output shape after it (by running a sample through), parameters, module. */
    private static void printLayers(TrainedModel tm) {
        Sequential net = tm.network();
        int[] in = tm.config().model().inputShape();
        int[] batch = new int[in.length + 1];
        batch[0] = 1;
        System.arraycopy(in, 0, batch, 1, in.length);
        Tensor x = Tensor.zeros(batch);
        System.out.printf("%-4s %-20s %12s  %s%n", "", "output shape", "parameters", "layer");
        System.out.printf("%-4s %-20s %12s  %s%n", "", Layers.shape(in), "", "(input)");
        try (var scope = Tensor.noGrad()) {
            for (int i = 0; i < net.size(); i++) {
                Module m = net.get(i);
                x = m.forward(x);
                System.out.printf("%-4d %-20s %,12d  %s%n", i, Layers.shape(Arrays.copyOfRange(x.shape(), 1, x.dim())),
                        m.parameterCount(), m);
            }
        }
    }
}
