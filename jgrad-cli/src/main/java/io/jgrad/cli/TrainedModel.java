package io.jgrad.cli;

import io.jgrad.nn.Sequential;
import io.jgrad.tensor.Generator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A run directory loaded back: its configuration and the network with its trained weights, read from
 * {@code weights}: model.safetensors, or model.safetensors.next where a checkpoint was interrupted after
 * config.json named it (see {@link Checkpoint}).
 */
record TrainedModel(Path dir, RunConfig config, Sequential network, Objective objective, Path weights) {

    /** The run directory that --model names (eval, predict). */
    static TrainedModel load(Path dir) throws IOException {
        return load(dir, "--model");
    }

    /** As {@link #load(Path)}, where {@code flag} gave {@code dir} (null: the command's own argument, as inspect's). */
    static TrainedModel load(Path dir, String flag) throws IOException {
        RunConfig cfg = RunConfig.read(dir, flag);
        Sequential net = cfg.model().build(new Generator(cfg.seed()));
        // the weights of the checkpoint config.json names, as train --resume takes them
        Path weights = Checkpoint.weightsFile(dir, Checkpoint.MODEL, cfg);
        Checkpoint.loadWeights(weights, net);
        net.eval();
        return new TrainedModel(dir, cfg, net, Objective.of(cfg.loss(), cfg.numClasses(), cfg.classWeights()), weights);
    }

    /**
     * Fails with a message that names DIR/config.json when the data paths it records are not there: they are
     * resolved against the current directory, so a run trained with a relative --data and used from elsewhere
     * would otherwise blame a --data flag the user never gave.
     */
    static void checkConfiguredData(Path runDir, RunConfig config, boolean resuming) {
        String[][] paths = {{"data.path", config.data()}, {"data.val_data", config.valData()}};
        for (String[] p : paths) {
            if (p[1] != null && !Files.exists(Path.of(p[1]))) {
                throw new UserError(runDir.resolve(RunConfig.FILE) + ": " + p[0] + " " + p[1] + ": no such file or directory"
                        + (Path.of(p[1]).isAbsolute() ? "" : " (relative to the current directory, "
                        + Path.of("").toAbsolutePath() + ")") + "; run from the directory where the run was trained"
                        + (p[0].equals("data.path") ? ", or give --data with its new location"
                        : resuming ? ", or give --val-data with its new location" : ""));
            }
        }
    }

    /** The data the model was trained on (or {@code data}), prepared the same way (scaling, normalization). */
    DataSource data(Path data) throws IOException {
        return data(data, null);
    }

    /**
     * As {@link #data(Path)}, where a CSV file given as {@code data} has its target in the column {@code targetColumn}
     * (eval's --target-column; null: the run's recorded target column, or for a model trained on an IDX directory the
     * column named label, see {@link CsvPixels#labelColumn}). Only a CSV file given as data has such a column.
     */
    DataSource data(Path data, String targetColumn) throws IOException {
        if (targetColumn != null && (data == null || Files.isDirectory(data))) {
            // it would be ignored: an IDX directory keeps its labels in a file, and the run's own CSV data its recorded column
            throw new UserError("--target-column " + targetColumn + " names the label column of a CSV file given as --data"
                    + " FILE.csv; " + (data == null ? "without --data the run's own data is used, whose labels are known"
                    : "--data " + data + " is an IDX directory, whose labels are its labels file") + "; leave it out");
        }
        // the run's own data is split as in training, so that its test part is the held-out part
        if (data == null) {
            checkConfiguredData(dir, config, false);
            return DataSource.load(DataSource.Origin.config(dir), Path.of(config.data()), config.valData() == null ? null : Path.of(config.valData()),
                    config.valSplit(), config.targetColumn(), !config.task().equals("regression"), null, config.seed(),
                    DataSource.refusal(config.model().imageNetwork("give --data an IDX directory of images, as it was trained on")),
                    config.featureColumns(), config.classNames())
                    .standardizedWith(config.normalization());
        }
        if (Files.isDirectory(data)) { // an IDX directory: its images are loaded as the network takes them
            return DataSource.load(DataSource.Origin.FLAGS, data, null, 0, config.targetColumn(), !config.task().equals("regression"), null,
                            config.seed(), DataSource.refusal(config.model().imageNetwork("give an IDX directory of images or a CSV file")),
                            config.featureColumns(), config.classNames())
                    .standardizedWith(config.normalization());
        }
        // a CSV file's rows, as predict --csv takes them: feature vectors, or for a network of images one image a row
        boolean idx = CsvPixels.trainedOnIdx(config);
        // a missing file, or one not named .csv, is left to DataSource.load, which says so in the words of train
        boolean csvFile = Files.isRegularFile(data)
                && data.getFileName().toString().toLowerCase(java.util.Locale.ROOT).endsWith(".csv");
        java.util.function.Function<List<String>, String> chooseTarget;
        if (idx && csvFile) { // the label column by the file's header, read in the pass that reads the rows
            chooseTarget = header -> CsvPixels.labelColumn(header, data, "--data " + data, targetColumn, true, dir);
        } else {
            String target = targetColumn != null ? notAFeature(targetColumn, data) : config.targetColumn();
            chooseTarget = header -> target;
        }
        return DataSource.loadChoosingTarget(DataSource.Origin.FLAGS, data, null, 0, chooseTarget, !config.task().equals("regression"), null,
                        config.seed(), null, config.featureColumns(), config.classNames())
                .rowsAs(config.model().inputShape(), idx, "--data " + data, dir)
                .standardizedWith(config.normalization());
    }

    /** {@code targetColumn}, refused where it is one of the model's recorded feature columns, which it takes as inputs. */
    private String notAFeature(String targetColumn, Path data) {
        if (config.featureColumns() != null && config.featureColumns().contains(targetColumn)) {
            throw new UserError("--target-column " + targetColumn + ": is a feature column of the model in " + dir
                    + " (config.json's data.feature_columns), which it takes as an input; name the column of --data " + data
                    + " that holds the labels");
        }
        return targetColumn;
    }
}
