package io.jgrad.cli;

import io.jgrad.data.DataLoader;
import io.jgrad.io.JgradFormatException;
import io.jgrad.io.Json;
import io.jgrad.nn.Sequential;
import io.jgrad.tensor.Generator;
import io.jgrad.train.Divergence;
import io.jgrad.train.EpochMetrics;
import io.jgrad.train.MetricsCsv;
import io.jgrad.train.Evaluation;
import io.jgrad.train.Trainer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code jgrad report}: (re)builds report.html and its charts from what a run directory holds. */
@Command(name = "report",
        mixinStandardHelpOptions = true,
        header = "Build report.html and its charts for a run directory, from what the directory holds.",
        description = {"", "Writes RUN_DIR/report.html and its PNG charts, the page 'jgrad train' writes at the end of a run, from",
            "the files of the run directory: config.json (the network, data and training options), metrics.csv (the",
            "curves of loss, accuracy, learning rate and gradient norms) and model.safetensors with the data that",
            "config.json names, prepared as in training, for the parts that need the model's predictions: the held-out",
            "loss and accuracy, the confusion matrix and per-class table, the misclassified images, and for regression",
            "the RMSE, R^2 and the chart of predicted against true values. It is for the runs that have no report: those",
            "of 'jgrad train --spark' (which runs this command after training), those trained with --no-report, and a",
            "report deleted or from an older jgrad. For a run of 'jgrad train' the page is the one train wrote, but for",
            "the facts the directory does not record: the training time is the sum of metrics.csv's epoch times, the",
            "software, processor and threads of the training are not shown (nor the --init file of a run from before",
            "config.json recorded it), and why the run stopped is",
            "worked out from the stopping rules and the epochs; a run that diverged says where, as its config.json",
            "records it (state.diverged, written by 'jgrad train' and 'jgrad train --spark' when the run diverges), or",
            "as --diverged says it.",
            "",
            "A part that needs something the directory does not have is left out, with a line on the page saying what and",
            "why: the data (moved, deleted, or Parquet, which only Spark reads), or model.safetensors. The held-out loss",
            "and accuracy are then metrics.csv's, of the epoch whose weights the model holds (marked so). The data paths",
            "in config.json are resolved against the current directory, as 'jgrad eval' resolves them.",
            "",
            "A metrics.csv with fewer rows than the epochs config.json records as completed (cut short or edited) is drawn",
            "as far as it goes, with a note on standard error and on the page; a run that stopped before its last epoch",
            "with no stopping rule met gets a line on standard error too.",
            "",
            "metrics.csv and the other files of the run are read, not changed. The page and each chart are written to a",
            "temporary file and renamed into place, so a reader never sees half a file; a chart of an earlier report that",
            "does not apply now is deleted.", ""},
        footerHeading = "%n",
        footer = {"@|bold EXAMPLES|@",
            "  jgrad report runs/spark",
            "  jgrad train --no-report --out runs/quick && jgrad report runs/quick",
            "",
            "@|bold EXIT STATUS|@",
            "  0 written; 1 internal error; 2 bad input (RUN_DIR is not a run directory, its config.json or metrics.csv",
            "  cannot be read, metrics.csv has no row for the completed epochs, or this user may not write in RUN_DIR): the",
            "  message names the file (and the line of metrics.csv) and what was expected."})
final class ReportCommand implements Callable<Integer> {
    @Parameters(paramLabel = "RUN_DIR", arity = "0..1", description = "The run directory (default: runs/latest).", defaultValue = "runs/latest")
    Path dir;

    @Option(names = "--diverged", paramLabel = "WHERE", description = "Where the run diverged, in the words 'jgrad train'"
            + " gives after 'diverged at' (e.g. 'epoch 3, step 5: the loss is NaN'), in place of what config.json records"
            + " (state.diverged; a run directory written by an older jgrad records none): the report then says why the run"
            + " stopped as the one 'jgrad train' draws after a divergence does. 'jgrad train --spark' passes it when its run"
            + " diverged.")
    String diverged;

    @Override
    public Integer call() throws Exception {
        Flags.notEmpty("RUN_DIR", dir);
        if (diverged != null && diverged.isBlank()) {
            throw new UserError("--diverged: the text is empty; expected where the run diverged, e.g. 'epoch 3, step 5: the"
                    + " loss is NaN'");
        }
        List<String> files = build(dir, diverged);
        List<String> shown = new ArrayList<>(files.subList(files.size() - 1, files.size())); // report.html, then the charts
        shown.addAll(files.subList(0, files.size() - 1));
        System.out.println("wrote " + dir + "/ (" + String.join(", ", shown) + ")");
        return 0;
    }

    /**
     * Writes dir's report from its files, as the class comment says; {@code diverged} (null: not known) is where the run
     * diverged ("epoch 3, step 5: the loss is NaN"), which the report gives as why it stopped. Modified: report.html and
     * the charts in dir.
     *
     * @return the names of the files written, report.html last
     * @throws UserError if dir is not a directory or has no metrics.csv, JgradFormatException if config.json or
     *     metrics.csv is not as jgrad train writes them
     */
    static List<String> build(Path dir, String diverged) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new UserError(dir + ": " + (Files.exists(dir) ? "not a directory" : "no such directory")
                    + "; expected a run directory written by 'jgrad train' (config.json, metrics.csv, model.safetensors)");
        }
        if (!Files.isWritable(dir)) { // before the data and the model are read, not at the first chart
            throw new UserError(dir + ": cannot write in it (read-only or no permission), and report.html and its charts"
                    + " go into the run directory; expected a directory this user may write in (a copy of it will do)");
        }
        RunConfig cfg = RunConfig.read(dir);
        Path metricsFile = dir.resolve(Checkpoint.METRICS);
        if (!Files.isRegularFile(metricsFile)) {
            throw new UserError(metricsFile + ": no such file; expected the per-epoch metrics that 'jgrad train' writes"
                    + " into the run directory with every checkpoint");
        }
        // read whole (also for a run with no epoch completed) before the model and the data, which take longer: a damaged
        // file, or one without the rows of the completed epochs, is refused first
        if (MetricsCsv.read(metricsFile).isEmpty() && cfg.epochsCompleted() > 0) {
            throw new UserError(metricsFile + ": no epoch rows, only the header, but " + dir.resolve(RunConfig.FILE) + " records "
                    + cfg.epochsCompleted() + " completed " + (cfg.epochsCompleted() == 1 ? "epoch" : "epochs") + "; expected a"
                    + " row for each, which jgrad train writes with each checkpoint (the file was cut short or replaced)");
        }
        Sequential model = cfg.model().build(new Generator(cfg.seed()));
        Objective objective = Objective.of(cfg.loss(), cfg.numClasses(), cfg.classWeights());
        String noPredictions = null;
        try {
            Checkpoint.loadWeights(Checkpoint.weightsFile(dir, Checkpoint.MODEL, cfg), model);
        } catch (UserError | JgradFormatException | IOException | UncheckedIOException e) {
            noPredictions = "the weights could not be read (" + message(e) + ")";
        }
        DataSource ds = null;
        try {
            ds = data(dir, cfg, model, objective);
        } catch (UserError | JgradFormatException | IOException | UncheckedIOException e) {
            noPredictions = "the data could not be read (" + message(e) + ")";
        }
        boolean heldOut = ds != null ? ds.test() != null : cfg.valData() != null || cfg.valSplit() > 0;
        // rows beyond the completed epochs are those of an epoch the run did not commit, as --resume leaves them out
        List<EpochMetrics> metrics = Checkpoint.readMetrics(dir, cfg.epochsCompleted(), heldOut);
        List<String> notes = new ArrayList<>();
        // --diverged, given, is taken as said; else what config.json records (a run that diverged writes it there)
        Divergence recorded = diverged == null ? cfg.diverged() : null;
        String stopReason = stopReason(dir, cfg, metrics, notes, recorded != null ? recorded.words() : diverged);
        Evaluation finalEval = noPredictions != null || ds.test() == null ? null
                : Trainer.evaluate(model, objective.loss(), objective.task(),
                        new DataLoader(ds.test(), EvalCommand.BATCH, false, false, new Generator(0)), cfg.numClasses());
        Map<String, String> session = new LinkedHashMap<>();
        String spark = spark(dir);
        if (spark != null) {
            session.put("Spark", spark);
        }
        double seconds = metrics.stream().mapToDouble(EpochMetrics::seconds).filter(Double::isFinite).sum();
        session.put("Training time", String.format("%.1f s (the epochs' times in metrics.csv, added up)", seconds));
        session.put("Report", "rebuilt from the run directory by jgrad report, jgrad " + Reports.version() + "; the"
                + " directory does not record the software, processor or threads that trained it");
        return Reports.write(dir, cfg, ds, noPredictions, model, objective, metrics, finalEval, stopReason, notes, session,
                false);
    }

    /**
     * Why the run stopped, as {@link Reports#stopReason} works it out from {@code metrics}, the rows of metrics.csv for
     * config.json's completed epochs; where they are fewer (the file cut short or edited), a note on standard error and
     * one in {@code notes} for the page say so, and the reason says that the rows are missing; a run that stopped before
     * its last epoch with no stopping rule met gets a note on standard error (the page's Epochs fact says it), for the
     * user who did not stop it, unless {@code diverged} (null: not known) says where it diverged, in
     * {@link Reports#diverged}'s words. Modified: notes.
     */
    private static String stopReason(Path dir, RunConfig cfg, List<EpochMetrics> metrics, List<String> notes, String diverged) {
        Path metricsFile = dir.resolve(Checkpoint.METRICS), configFile = dir.resolve(RunConfig.FILE);
        int last = metrics.isEmpty() ? 0 : metrics.getLast().epoch();
        if (metrics.size() < cfg.epochsCompleted()) {
            System.err.println("note: " + metricsFile + ": " + epochs(metrics.size()) + ", but " + configFile + " records "
                    + cfg.epochsCompleted() + " completed; the report's curves stop at epoch " + last + " (the file was cut"
                    + " short or edited after training)");
            notes.add(Checkpoint.METRICS + " has the rows of " + epochs(metrics.size()) + ", but " + RunConfig.FILE + " records "
                    + cfg.epochsCompleted() + " completed: the curves and the figures taken from " + Checkpoint.METRICS
                    + " stop at epoch " + last + ". jgrad train writes each epoch's row with its checkpoint, so the file was"
                    + " cut short or edited after training.");
            // the stopping rules cannot be applied to epochs whose rows are missing
            return RunConfig.FILE + " records " + cfg.epochsCompleted() + " completed, but " + Checkpoint.METRICS
                    + " has the rows of " + metrics.size() + ": see the note below";
        }
        if (diverged != null) {
            return Reports.diverged(diverged);
        }
        String reason = Reports.stopReason(cfg, metrics);
        if (!metrics.isEmpty() && reason.equals(Reports.noRuleMet(last))) {
            System.err.println("note: " + metricsFile + ": " + epochs(metrics.size()) + " of the " + cfg.epochs() + " that "
                    + configFile + " plans; the run stopped after epoch " + last + " with no stopping rule met (interrupted,"
                    + " or diverged under an older jgrad, which did not record it); if it was interrupted, 'jgrad train"
                    + " --resume " + dir + "' continues it");
        }
        return reason;
    }

    /** "1 epoch", "2 epochs". */
    private static String epochs(int n) {
        return n + (n == 1 ? " epoch" : " epochs");
    }

    /**
     * The run's data as training prepared it (split, scaled, standardized), checked to fit {@code model}; a UserError
     * naming config.json's field where a path is not there.
     */
    private static DataSource data(Path dir, RunConfig cfg, Sequential model, Objective objective) throws IOException {
        for (String[] p : new String[][] {{"data.path", cfg.data()}, {"data.val_data", cfg.valData()}}) {
            if (p[1] != null && !Files.exists(Path.of(p[1]))) {
                throw new UserError(dir.resolve(RunConfig.FILE) + ": " + p[0] + " " + p[1] + ": no such file or directory"
                        + (Path.of(p[1]).isAbsolute() ? "" : ", relative to the current directory " + Path.of("").toAbsolutePath()));
            }
        }
        TrainedModel tm = new TrainedModel(dir, cfg, model, objective, dir.resolve(Checkpoint.MODEL));
        DataSource ds = tm.data(null);
        EvalCommand.checkFits(tm, ds.train(), DataSource.Origin.config(dir).data() + " " + cfg.data());
        return ds;
    }

    /** An exception's message, or its class's name when it has none. */
    private static String message(Exception e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    /**
     * What a Spark run's config.json records of its training (jgrad-spark's "spark" section: partitions and local
     * steps), in the words of the report's Spark fact and inspect's spark line; null for a run of jgrad train.
     */
    static String spark(Path dir) throws IOException {
        if (!(Json.read(dir.resolve(RunConfig.FILE)) instanceof Map<?, ?> m) || !(m.get("spark") instanceof Map<?, ?> s)
                || !(s.get("partitions") instanceof Number partitions) || !(s.get("local_steps") instanceof Number steps)) {
            return null;
        }
        long k = steps.longValue();
        return partitions.longValue() + (partitions.longValue() == 1 ? " partition" : " partitions") + ", "
                + (k <= 1 ? "synchronous (one optimizer step on the partitions' summed gradient per batch)"
                        : "local SGD (--local-steps " + k + ": each partition takes " + k + " steps, then the weights are"
                                + " averaged)");
    }
}
