package io.jgrad.cli;

import io.jgrad.data.DataLoader;
import io.jgrad.data.TensorDataset;
import io.jgrad.tensor.Generator;
import io.jgrad.train.Evaluation;
import io.jgrad.train.Trainer;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code jgrad eval}: loss, accuracy and confusion matrix of a trained model on a data set. */
@Command(name = "eval",
        mixinStandardHelpOptions = true,
        header = "Evaluate a trained model: loss, accuracy, confusion matrix, per-class precision and recall.",
        description = {"", "Reads the run directory written by 'jgrad train' and evaluates its model on the data it was trained",
            "on, or on --data, prepared the same way (same scaling and normalization). Which rows: with --split test",
            "(the default), an IDX directory's t10k part, or a CSV run's validation rows (its --val-data, or the",
            "--val-split rows held out in training); a CSV run without validation data has none, and its training rows",
            "are used. --split train uses the training rows. A CSV file given as --data is evaluated whole (--split does",
            "not apply to it); its feature columns are picked by the names recorded in training, in any order (other",
            "columns are ignored, a missing one is an error), and its target is the column --target-column names, else",
            "the column of the training file's target name (train's --target-column, or the last column; for runs that did not",
            "record it, the last column that is not a feature). The output's 'data' line says which split was used (for",
            "--val-data, its file), or 'the whole file'.",
            "",
            "A model trained on an IDX directory records no columns. Its label column in a CSV file is the one",
            "--target-column names, else the one named label, in any case and any position (label,pixel0,...,pixel783 as",
            "in the common MNIST CSV files); a file with neither, or with two columns named label, is refused rather",
            "than guessed. Every other column, in file order, is a pixel; for a model of images [C, H, W] (--model cnn),",
            "each row's C*H*W pixels are one image, channel by channel and row by row (as PyTorch's x.view(-1, C, H, W)),",
            "as predict --csv takes them. Training read the IDX pixels as p/255, in [0, 1]: a file whose values are all",
            "whole numbers 0..255, some above 1.5, holds 8-bit pixels, which are divided by 255 too (a note on standard",
            "error says so); other values above 1.5 are taken as they are, with a warning. Values of a model trained on",
            "a CSV file are always taken as they are (and standardized as training recorded, with --normalize).",
            "",
            "A classifier is scored by accuracy and its confusion matrix; a regression model (--loss mse or half-sse) by",
            "RMSE, sqrt(mean((predicted - true)^2)) in the target's units, and R^2, 1 - SS_res / SS_tot, as the training",
            "report computes them.",
            "",
            "The data path in the run's config.json is the one given to 'jgrad train'; a relative one is resolved",
            "against the current directory, so from another directory give --data.", ""},
        footerHeading = "%n",
        footer = {"@|bold EXAMPLES|@",
            "  jgrad eval --model runs/latest",
            "  jgrad eval --model runs/fashion --data /usr/share/datasets/fashion-mnist --split train",
            "  jgrad eval --model runs/latest --data mnist_test.csv",
            "  jgrad eval --model runs/latest --data digits.csv --target-column digit",
            "",
            "@|bold EXIT STATUS|@",
            "  0 evaluated; 1 internal error; 2 bad input (a flag, the run directory, the data set): the message says",
            "  which and what was expected."})
final class EvalCommand implements Callable<Integer> {
    /** Samples per evaluation batch: large enough to amortize per-batch work, small enough that a CNN's activations stay small. */
    static final int BATCH = 256;

    @Option(names = "--model", paramLabel = "DIR", description = "Run directory (default: runs/latest).", defaultValue = "runs/latest")
    Path model;

    @Option(names = "--data", paramLabel = "DIR|FILE.csv", description = "Data set (default: the one in the run's config.json); a CSV file needs the training columns, by name in any order (for a model trained on an IDX directory, a label column and the pixels of one image a row).")
    Path data;

    @Option(names = "--target-column", paramLabel = "NAME", description = "The label column of a CSV file given as --data"
            + " (default: the training file's target column; for a model trained on an IDX directory, the column named"
            + " label, in any case).")
    String targetColumn;

    @Option(names = "--split", paramLabel = "test|train", description = "Which part: test (IDX t10k, or a CSV run's validation rows) or train (default: ${DEFAULT-VALUE}).", defaultValue = "test")
    String split;

    /**
     * The samples must have the model's input shape and no label beyond its classes; else a UserError naming the data.
     *
     * @param source the flag or config.json's field and the path that gave the samples ("--data FILE")
     */
    static void checkFits(TrainedModel tm, TensorDataset set, String source) {
        int[] want = tm.config().model().inputShape();
        if (!java.util.Arrays.equals(set.sampleShape(), want)) {
            throw new UserError(source + ": samples have shape " + java.util.Arrays.toString(set.sampleShape())
                    + " (" + (set.sampleShape().length == 1 ? "feature values" : "channels, height, width") + "), but the model in "
                    + tm.dir() + " takes " + java.util.Arrays.toString(want) + "; use the kind of data it was trained on");
        }
        int classes = tm.config().numClasses();
        int i = tm.config().task().equals("regression") ? -1 : DataSource.firstLabelFrom(set, classes);
        if (i >= 0) {
            throw new UserError(source + ": record " + (i + 1) + " has label " + (long) set.targets().toFloatArray()[i]
                    + ", but the model in " + tm.dir() + " has " + classes + " classes (labels 0.." + (classes - 1) + ")");
        }
    }

    @Override
    public Integer call() throws Exception {
        if (!split.equals("test") && !split.equals("train")) {
            throw new UserError("--split must be test or train, got " + split);
        }
        // as paths, "" is the current directory: --data "" was taken for a directory of CSV part files
        Flags.notEmpty("--model", model);
        Flags.notEmpty("--data", data);
        TrainedModel tm = TrainedModel.load(model);
        DataSource ds = tm.data(data, targetColumn);
        TensorDataset set = split.equals("train") || ds.test() == null ? ds.train() : ds.test();
        checkFits(tm, set, data == null ? DataSource.Origin.config(tm.dir()).data() + " " + tm.config().data() : "--data " + data);
        Evaluation ev = Trainer.evaluate(tm.network(), tm.objective().loss(), tm.objective().task(),
                new DataLoader(set, BATCH, false, false, new Generator(0)), tm.config().numClasses());
        System.out.printf("model    %s (%s)%n", tm.dir(), tm.config().model().describe());
        // named as train's console and report name it: "validation" for a CSV run's held-out rows, "test" for IDX t10k
        String part = set == ds.train() ? "train" : Reports.heldOut(tm.config(), ds);
        // a CSV file given as --data has no parts (DataSource splits only the run's own data): it is evaluated whole
        boolean wholeFile = data != null && ds.test() == null;
        // a --val-data run's held-out rows are its file's, not a split of --data
        String rows = wholeFile ? "the whole file" : part.equals("validation") && tm.config().valData() != null
                ? "--val-data " + tm.config().valData() : part + " split";
        System.out.printf("data     %s, %s, %,d samples%n", ds.description(), rows, ev.samples());
        System.out.printf("loss     %s (%s)%n", Reports.lossShown(ev.loss()), tm.config().lossShown());
        if (!Double.isNaN(ev.accuracy())) {
            System.out.printf("accuracy %.4f (%.2f%%)%n%n", ev.accuracy(), 100 * ev.accuracy());
            System.out.print(ev.confusion().toString(tm.config().classNames()));
            double[] macro = ev.confusion().macro();
            // F1 and the macro means, as scikit-learn's classification_report: for unbalanced classes accuracy says little
            System.out.printf(java.util.Locale.ROOT, "%nmacro avg precision %.4f  recall %.4f  F1 %.4f  (unweighted over the"
                    + " classes that occur or are predicted; an undefined value counts 0)%n", macro[0], macro[1], macro[2]);
        }
        if (tm.objective().task() == io.jgrad.train.Task.REGRESSION) {
            // the report's definitions, on the same rows; the loss line alone hid how far off the predictions are
            RegressionPredictions p = new RegressionPredictions(part, set.targets().toFloatArray(),
                    Reports.predict(tm.network(), set));
            double r2 = p.r2();
            System.out.printf("RMSE     %s%n", Reports.significant(p.rmse()));
            System.out.printf("R^2      %s%n", Double.isNaN(r2) ? "undefined (every target has the same value)"
                    : String.format(java.util.Locale.ROOT, "%.4f", r2));
        }
        return 0;
    }
}
