package io.jgrad.cli;

import io.jgrad.nn.spec.NetworkSpec;
import io.jgrad.nn.spec.WeightInit;
import io.jgrad.data.Augmentation;
import io.jgrad.data.DataLoader;
import io.jgrad.io.AtomicFiles;
import io.jgrad.io.CheckpointFiles;
import io.jgrad.io.RunLock;
import io.jgrad.io.Safetensors;
import io.jgrad.nn.Activations;
import io.jgrad.nn.Sequential;
import io.jgrad.optim.Optimizer;
import io.jgrad.tensor.Backends;
import io.jgrad.tensor.Generator;
import io.jgrad.tensor.Tensor;
import io.jgrad.train.Callback;
import io.jgrad.train.Divergence;
import io.jgrad.train.EpochMetrics;
import io.jgrad.train.GradientNorms;
import io.jgrad.train.GradientSpread;
import io.jgrad.train.Evaluation;
import io.jgrad.train.History;
import io.jgrad.train.ProgressBar;
import io.jgrad.train.TrainFlags;
import io.jgrad.train.Trainer;
import io.jgrad.train.TrainingDivergedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.BiConsumer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code jgrad train}: builds a network for the data, trains it, and writes checkpoints, metrics and a report. */
@Command(name = "train",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        header = "Train a multi-layer or convolutional network on an IDX directory or a CSV file.",
        customSynopsis = {
            "@|bold jgrad train|@ [--data DIR|FILE.csv] [--model mlp|cnn|FILE.json] [--layers SIZES] [OPTION]...",
            "       @|bold jgrad train|@ --resume DIR [--epochs N] [--target-loss LOSS] [--patience EPOCHS] [--out DIR] [--threads N]",
            "                   [--no-report] [--grad-norms]",
            "       @|bold jgrad train|@ --spark MASTER [--data DIR|FILE.csv] [--partitions N] [--local-steps K] [OPTION]..."},
        description = {
            "",
            "Builds the equivalent of a PyTorch nn.Sequential with the input shape and the number of classes taken from",
            "the data, trains it with backpropagation, and writes into --out: model.safetensors (PyTorch state_dict",
            "names 0.weight, 0.bias, 1.running_mean, ..., after the Sequential's indices), config.json,",
            "optimizer.safetensors (for --resume), metrics.csv and report.html with PNG charts. Checkpoints are written",
            "after every epoch, atomically, so an interrupted run loses at most one epoch: continue it with --resume.",
            "",
            "Data: a directory with train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz], t10k-images-idx3-ubyte[.gz]",
            "and t10k-labels-idx1-ubyte[.gz] (MNIST, Fashion-MNIST), whose t10k part is the test set; or a CSV file with a",
            "header row, whose --target-column (default: the last) holds class labels 0..K-1, K >= 2 (cross-entropy, bce),",
            "class names (setosa, yes: a column with a cell that is not a number; class i is the i-th name in sorted",
            "order, as config.json records, and predict and eval show the names) or numbers (mse, half-sse). Pixels",
            "are scaled to [0,1]; --normalize also standardizes with one mean and one standard deviation of all the",
            "training set's values (as MNIST's 0.1307 and 0.3081), --normalize columns with one per CSV column.",
            "A quote inside a quoted CSV value is doubled (\"\", RFC 4180) or, as Spark's CSV writer writes it by",
            "default, escaped with a backslash (\\\" and \\\\): the file's lines say which; a file whose lines say both,",
            "or neither while reading both ways differently, is refused naming the line.",
            "",
            "Networks (--model):",
            "  mlp        (default) Linear(in, h1), act, ..., Linear(hk, classes)[, output act]: see --layers, --activation.",
            "             Takes flattened images [N, H*W] or CSV rows.",
            "  cnn        For images [N, 1, 28, 28] (IDX data is loaded unflattened), with 421,834 parameters for 10 classes:",
            "             0 Conv2d(1, 32, 3, padding=1)  1 BatchNorm2d(32)  2 ReLU  3 MaxPool2d(2)     -> [N, 32, 14, 14]",
            "             4 Conv2d(32, 64, 3, padding=1) 5 BatchNorm2d(64)  6 ReLU  7 MaxPool2d(2)     -> [N, 64, 7, 7]",
            "             8 Dropout(0.25)  9 Flatten  10 Linear(3136, 128)  11 ReLU  12 Dropout(0.5)",
            "             13 Linear(128, classes). Other image sizes work too (H, W >= 4).",
            "  FILE.json  Any nn.Sequential of the layers conv2d, linear, batchnorm1d, batchnorm2d, maxpool2d,",
            "             avgpool2d, adaptiveavgpool2d, dropout, dropout2d, flatten, relu, sigmoid, tanh, gelu,",
            "             leakyrelu, elu, softmax, logsoftmax, identity (case, '_' and '-' ignored: leaky_relu is leakyrelu),",
            "             with the field names and defaults of the PyTorch module of that name (softmax's and",
            "             logsoftmax's dim and flatten's start_dim count the batch as 0, and a negative one counts",
            "             back from the last as in PyTorch: \"dim\": -1 is the last; the batch itself is refused):",
            "             {\"layers\": [{\"type\": \"conv2d\", \"out_channels\": 16, \"kernel_size\": 3, \"padding\": 1},",
            "             {\"type\": \"relu\"}, {\"type\": \"maxpool2d\", \"kernel_size\": 2}, {\"type\": \"flatten\"},",
            "             {\"type\": \"linear\", \"out_features\": 10}]}. in_channels, in_features and num_features are",
            "             inferred from the data's shape; the last layer must output one value per class (1 for bce,",
            "             and end with sigmoid for --loss bce; 1 for mse and half-sse on numeric targets). Any conv2d,",
            "             pooling, batchnorm2d or dropout2d layer makes the network take images [N, C, H, W].",
            "",
            "Spark (--spark MASTER): trains a network on a Spark cluster with synchronous data parallelism (each step's",
            "batch is split over the partitions and their gradients summed), or with local SGD for --local-steps K > 1",
            "(each partition takes K steps, then the weights are averaged). The jgrad script runs it as",
            "io.jgrad.spark.SparkTrainMain on Spark's classpath (the first use builds jgrad-spark and downloads Spark).",
            "It writes the same --out files (default --out: runs/spark); report.html and its charts come after the run",
            "(also after a divergence, of the epochs before it), from 'jgrad report' on this machine, unless",
            "--no-report. MASTER is a Spark master URL: local[2] (this machine, 2 threads) or spark://HOST:7077. Its",
            "own options: --partitions N (default: Spark's default parallelism) and --local-steps K (default: 1). It",
            "accepts --data, --val-data, --target-column, --model (mlp; cnn or FILE.json on an IDX directory's",
            "images, which travel as flat rows: batch norm normalizes each partition's rows by their own statistics",
            "and the running statistics are averaged over the partitions, weighted by rows, after each step or round;",
            "dropout and --augment draw from a seeded stream per step and partition; so with batch norm, dropout or",
            "--augment the weights are not one machine's), --augment, --layers,",
            "--activation, --output-activation, --loss (cross-entropy only), --optimizer, --lr, --momentum,",
            "--weight-decay, --class-weights, --batch-size, --epochs, --target-loss, --patience, --restore-best,",
            "--schedule (each epoch's rounds use its rate), --seed, --weight-init, --normalize (its statistics computed over the",
            "partitions), --no-shuffle (the rows in their order, the batches of --no-shuffle here), --checkpoint-every",
            "(with --local-steps K, after the round that reaches a multiple of STEPS), --threads N (each task's cores,",
            "spark.task.cpus, which its kernels run on), --out, --val-split, --init, --no-report, --clip-grad-norm,",
            "--grad-norms, and --resume DIR, which continues a Spark run on Spark (without --spark, on one machine) from",
            "its last checkpoint, bit for bit; any other option exits 2. Synchronous steps take the norms of, and clip,",
            "the summed gradient of the global batch, as one machine does; with --local-steps K each partition clips",
            "each of its local steps' gradients, and an epoch's norm of a layer is its mean over every partition's local",
            "steps (a gradient over a partition's share of the batch is noisier, its norm usually larger than the whole",
            "batch's), and the run ends with the note on vanishing gradients given here. A label column of class names",
            "(CSV, or Parquet strings) is numbered in sorted order, as here.",
            "A loss or gradient that is not finite (with --local-steps, in a partition's local step) ends the run as",
            "here, exit 2, the epochs before keeping their checkpoint, and the report of those epochs is drawn as above.",
            "One run at a time writes in a directory, on Spark or not: a run into the --out of a running one exits 2,",
            "before it reads its data.",
            "JGRAD_SPARK_JAVA_OPTS sets its JVM options (default heap 512 MB).",
            ""},
        footerHeading = "%n",
        footer = {
            "@|bold EXAMPLES|@",
            "  jgrad train                                        784-256-128-10 ReLU, Adam, on the bundled MNIST-10k",
            "  jgrad train --data /usr/share/datasets/fashion-mnist --epochs 10 --out runs/fashion",
            "  jgrad train --model cnn --data /usr/share/datasets/fashion-mnist --epochs 15 --out runs/fashion-cnn",
            "  jgrad train --model my-net.json --epochs 5         a network described layer by layer",
            "  jgrad train --layers 30 --activation sigmoid --output-activation sigmoid --loss mse --optimizer sgd --lr 3",
            "  jgrad train --data iris.csv --target-column class --layers 16 --val-split 0.2 --epochs 200",
            "                                      (the column may hold class numbers 0, 1, 2 or species names)",
            "  jgrad train --resume runs/fashion --epochs 20      continue to 20 epochs",
            "  jgrad train --spark local[2] --data /usr/share/datasets/fashion-mnist --local-steps 4 --epochs 5",
            "",
            "@|bold FILES|@",
            "  DIR is --out. Written after every epoch:",
            "  DIR/model.safetensors       the weights and buffers under PyTorch's state_dict names; in PyTorch:",
            "                              model.load_state_dict(safetensors.torch.load_file(\"DIR/model.safetensors\"))",
            "                              for the equivalent nn.Sequential model (pip install safetensors; the README's",
            "                              Output directory has lines that read it with PyTorch alone)",
            "  DIR/config.json             architecture, data and its preparation, options, progress (read by --resume),",
            "                              and, after a divergence, where it diverged (state.diverged; until a resumed",
            "                              run writes its next checkpoint)",
            "  DIR/optimizer.safetensors   the optimizer's state (moments, step count) and the schedule's, for --resume",
            "  DIR/metrics.csv             per epoch: loss, accuracy, learning rate, seconds, gradient and weight norms;",
            "                              its val_loss and val_accuracy columns are the held-out data's: for an IDX",
            "                              directory, its t10k test set (which the epoch lines call test_loss, test_acc);",
            "                              empty without held-out data, NaN for a held-out loss that is NaN; --resume",
            "                              goes on from the rows of the epochs config.json records as completed, and",
            "                              refuses a file without one of them (their history would be lost)",
            "  Written at the end, unless --no-report (the first checkpoint deletes those that DIR held, of an earlier",
            "  run or of the epochs before --resume: they would not describe the new model; 'jgrad report' rebuilds them):",
            "  DIR/report.html             the report: run facts, charts, confusion matrix, misclassified images;",
            "                              for regression, RMSE and R^2 on the held-out (else the training) rows",
            "  DIR/loss.png, accuracy.png, lr.png, grad_norms.png, confusion.png, misclassified.png, predictions.png",
            "                              the report's charts (accuracy.png for class targets, confusion.png for",
            "                              them with held-out data (an IDX directory's t10k files, --val-data, --val-split);",
            "                              lr.png when --schedule changed the learning rate;",
            "                              misclassified.png for images; grad_norms.png when the model has weights;",
            "                              predictions.png, predicted against true values, for regression)",
            "",
            "@|bold EXIT STATUS|@",
            "  0 trained; 1 internal error; 2 bad input (a flag, a file, a data set) or a diverged training (NaN or",
            "  infinite loss; the epochs before it keep their checkpoint and report, and config.json records where it",
            "  diverged): the message says which and what was expected;",
            "  130 interrupted by Ctrl-C (SIGINT), 143 by SIGTERM: a checkpoint being written is finished first, and the",
            "  message names the epoch DIR holds and the --resume command that continues it."})
final class TrainCommand implements Callable<Integer> {
    @Option(names = "--data", paramLabel = "DIR|FILE.csv", description = "Training data (default: the bundled MNIST-10k).")
    Path data;

    @Option(names = "--val-data", paramLabel = "FILE.csv", description = "Validation/test data for a CSV training file.")
    Path valData;

    @Option(names = "--val-split", paramLabel = "FRACTION", description = "Hold out this fraction of a CSV file for validation (default: 0).")
    double valSplit;

    @Option(names = "--target-column", paramLabel = "NAME", description = "CSV column with the targets (default: the last column).")
    String targetColumn;

    @Option(names = "--normalize", paramLabel = "all|columns", arity = "0..1", fallbackValue = "all",
            description = "Standardize the inputs: with one mean and one standard deviation of all the training set's values"
                    + " (all, or the flag alone: for images), or with a mean and standard deviation per column (columns: for"
                    + " CSV columns on different scales, as scikit-learn's StandardScaler) (default: off).")
    String normalize;

    @Option(names = "--model", paramLabel = "mlp|cnn|FILE.json", description = "The network: mlp (default), cnn, or a JSON file of layers (see above).")
    String modelChoice;

    @Option(names = "--layers", paramLabel = "SIZES", hideParamSyntax = true,
            description = "MLP hidden layer sizes, comma-separated, e.g. 256,128 (the default). Use --layers '' for none (logistic regression).")
    List<String> layers;

    @Option(names = "--activation", paramLabel = "NAME", description = "Hidden activation: " + Activations.HIDDEN_NAMES + " (default: relu).")
    String activation;

    @Option(names = "--output-activation", paramLabel = "NAME", description = "Output activation: " + Activations.OUTPUT_NAMES + " (default: sigmoid for --loss bce, else none)."
            + " Not sigmoid for --loss bce-logits, nor softmax for cross-entropy: they apply their own to raw scores.")
    String outputActivation;

    @Option(names = "--loss", paramLabel = "NAME", description = "Loss: " + Losses.NAMES + " (default: cross-entropy, which needs integer class targets;"
            + " use mse or half-sse for real-valued targets).")
    String loss;

    @Option(names = "--optimizer", paramLabel = "NAME", description = "Optimizer: sgd, adam, adamw, rmsprop, adagrad (default: adam).")
    String optimizer;

    @Option(names = "--lr", paramLabel = "RATE", description = "Learning rate, a positive number (default: 0.001 for"
            + " adam/adamw/rmsprop, 0.01 for adagrad, 0.05 for sgd).")
    Double lr;

    @Option(names = "--momentum", paramLabel = "M", description = "Momentum for sgd and rmsprop (default: 0).")
    Double momentum;

    @Option(names = "--weight-decay", paramLabel = "WD", description = "L2 weight decay (default: 0; adamw: 0.01).")
    Double weightDecay;

    @Option(names = "--batch-size", paramLabel = "N", description = "Samples per gradient step (default: 64).")
    Integer batchSize;

    @Option(names = "--epochs", paramLabel = "N", description = "Maximum number of epochs (default: 10).")
    Integer epochs;

    @Option(names = "--target-loss", paramLabel = "LOSS", description = "Stop as soon as an epoch's mean training loss is at or below this, e.g. 0.001 (default: off). --resume may give a new one.")
    Double targetLoss;

    @Option(names = "--patience", paramLabel = "EPOCHS", description = "Stop when the validation loss has not improved for this many epochs (default: off). --resume may give a new one.")
    Integer patience;

    @Option(names = "--restore-best",
            description = "With --patience: end the run with the weights (and buffers) of the epoch with the best validation loss"
                    + " instead of the last epoch's, as Keras's restore_best_weights (default: off). model.safetensors, the final"
                    + " evaluation and report.html then use those weights; the optimizer's state, metrics.csv and config.json's"
                    + " epochs completed stay the last epoch's, so --resume continues counting from the last epoch, from the"
                    + " restored weights. Only this run's epochs can be restored (not ones before a --resume). Needs held-out data"
                    + " (--val-split, --val-data, or an IDX directory's t10k files). Remembered by --resume.")
    Boolean restoreBest; // null: not given; --restore-best=false on --resume is a change (see checkResumeFlags)

    @Option(names = "--augment", paramLabel = "SPEC", description = "Random changes to training images each epoch: none, flip (left-right, probability 1/2), shift:N (up to N pixels each way, the uncovered border black: 0, or with --normalize its standardized value, as RandomCrop(padding) before Normalize), or both as flip,shift:N (default: none). Needs an image model (--model cnn or a file with convolutions).")
    String augment;

    @Option(names = "--schedule", paramLabel = "SPEC", description = "Learning-rate schedule: none, step:N[:gamma], exponential:gamma, cosine[:min_lr] (annealed over --epochs, which --resume then cannot change), plateau[:patience] (default: none).")
    String schedule;

    @Option(names = "--seed", paramLabel = "N", description = "Seed for initialization and shuffling (default: 42). Same seed and --threads give the same weights.")
    Long seed;

    @Option(names = "--no-shuffle", description = "Keep the data in file order instead of reshuffling every epoch.")
    Boolean noShuffle; // null: not given, as restoreBest

    @Option(names = "--init", paramLabel = "FILE", description = "Start from the weights in this .safetensors file (names and shapes must match the network).")
    Path init;

    @Option(names = "--weight-init", paramLabel = "SCHEME",
            description = "Draw the weight of every Linear and Conv2d layer again once the network is built, from the --seed's"
                    + " generator in layer order, as torch.nn.init does: default (PyTorch's per-layer default; the default),"
                    + " xavier-uniform, xavier-normal (gain 1), kaiming-uniform, kaiming-normal (fan_in, the gain of the hidden"
                    + " activation: relu sqrt(2), tanh 5/3, sigmoid 1, leaky-relu of slope a sqrt(2/(1+a^2)); relu's for elu and"
                    + " gelu, which torch's calculate_gain does not know, and without a hidden activation), normal:STD (mean 0,"
                    + " STD > 0) or uniform:A (in [-A, A], A > 0). Biases and batch normalization keep PyTorch's default"
                    + " initialization, as when only each layer's weight is passed to torch.nn.init. Not with --init."
                    + " Remembered by --resume.")
    String weightInit;

    @Option(names = "--out", paramLabel = "DIR", description = "Output directory (default: runs/latest, or the --resume directory); an earlier"
            + " run's files there are replaced. Refused: the file system's root, the home directory, and a directory without a run"
            + " that holds a file the run would replace (config.json, model.safetensors, report.html, loss.png, ...).")
    Path out;

    @Option(names = "--resume", paramLabel = "DIR", description = "Continue the run saved in DIR (its config.json, model and optimizer state, and metrics.csv's rows of"
            + " the completed epochs) up to --epochs."
            + " The data and all other options come from DIR/config.json, and giving another value for one is an error; only"
            + " --epochs, --target-loss, --patience, --out, --threads and --no-report may change (the new values are recorded"
            + " in config.json), --grad-norms may be given (a display only, not recorded), and --data or --val-data when the"
            + " run's file has moved.")
    Path resume;

    @Option(names = "--checkpoint-every", paramLabel = "STEPS", description = "Also checkpoint every this many steps inside an epoch (default: 0, after each epoch only).")
    Integer checkpointEvery;

    @Option(names = "--threads", paramLabel = "N", description = "Worker threads (default: all available processors).")
    Integer threads;

    @Option(names = "--clip-grad-norm", paramLabel = "MAX",
            description = "Scale the gradients of each step together so that their total L2 norm is at most MAX, as PyTorch's"
                    + " clip_grad_norm_ (default: off). Remembered by --resume.")
    Double clipGradNorm;

    @Option(names = "--class-weights", paramLabel = "balanced|W0,W1,...",
            description = "Weigh each class's samples in the cross-entropy loss (PyTorch's weight): balanced (n / (K * n_c)"
                    + " for the n training samples, K classes and n_c samples of class c, as scikit-learn's), or one weight"
                    + " >= 0 per class, in class order (for class names, their sorted order) (default: all 1; a batch of only"
                    + " weight-0 samples adds 0). For data where some classes are rare. Remembered by --resume.")
    String classWeights;

    @Option(names = "--no-report", description = "Skip report.html and its charts. Remembered by --resume.")
    boolean noReport;

    @Option(names = "--grad-norms", description = "After each epoch, print each weight tensor's gradient norm (its mean"
            + " over the epoch's steps), first layer to last: vanishing or exploding gradients as they happen. Also with"
            + " --resume.")
    boolean gradNorms;

    /**
     * The run's shutdown hook and its hold on {@link #outDir}, from {@link #lockOut} until {@link #call} ends: closing it
     * lets go of the lock and, when the run stopped before its first write, removes the directory it created.
     */
    private Interruption interruption;

    /**
     * The output directory must be a directory or creatable as one, and writable, and not hold files of someone else's
     * that the run would replace ({@link CheckpointFiles#checkRunDirectory}): checked before the data is read, so that a
     * bad --out fails at once and not after an epoch of training. {@code flag} gave it (--out, or --resume where --out is
     * left out); {@code resumed} is the --resume directory (null: none). Nothing is created here.
     */
    private static void checkOut(Path dir, String flag, Path resumed) {
        try {
            CheckpointFiles.checkRunDirectory(dir, flag, resumed);
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage());
        }
    }

    /**
     * Creates {@code dir} and its missing parents. Returns the outermost directory this created (null when {@code dir}
     * existed), which an interruption before anything is written removes again.
     */
    private static Path createOutDir(Path dir) throws java.io.IOException {
        try {
            return AtomicFiles.createDirectories(dir);
        } catch (java.nio.file.FileSystemException e) {
            throw new UserError("--out " + dir + ": cannot create the output directory (" + e.getMessage() + ")");
        }
    }

    /** Whether --restore-best was given (and not as =false). */
    private boolean restoreBest() {
        return Boolean.TRUE.equals(restoreBest);
    }

    /** The most --threads accepted ({@link TrainFlags#MAX_THREADS}, as jgrad train --spark's). */
    static final int MAX_THREADS = TrainFlags.MAX_THREADS;

    /**
     * --resume continues the run that config.json describes: a flag that would change it is an error, not silently
     * ignored. Only --epochs, --target-loss, --patience, --out, --threads and --no-report may change, --grad-norms
     * (a display only) may be given, and --data or --val-data when the stored path is gone. The stopping criteria may
     * change because they decide only where the run ends, not any epoch's weights, and a run that reached its target
     * could otherwise not be continued.
     */
    private void checkResumeFlags(RunConfig cfg) {
        Path file = resume.resolve(RunConfig.FILE);
        String fixed = " is fixed by the run in " + file + "; leave it out";
        // the network: any of these given is a change, since the weights are the run's
        for (Object[] f : new Object[][] {{"--model", modelChoice}, {"--layers", layers}, {"--activation", activation},
                {"--output-activation", outputActivation}, {"--init", init}}) {
            if (f[1] != null) {
                throw new UserError(f[0] + fixed + " (--resume continues with the run's own network and weights)");
            }
        }
        if (classWeights != null) {
            throw new UserError("--class-weights" + fixed + " (the run's loss weighs its classes "
                    + (cfg.classWeights() == null ? "equally" : java.util.Arrays.toString(cfg.classWeights())) + ")");
        }
        String opt = optimizer == null ? null : optimizer.toLowerCase(java.util.Locale.ROOT);
        Object[][] values = {
            {"--loss", normalized(loss), cfg.loss()}, {"--optimizer", opt, cfg.optimizer()}, {"--lr", lr, cfg.lr()},
            {"--momentum", momentum, cfg.momentum()}, {"--weight-decay", weightDecay, cfg.weightDecay()},
            {"--batch-size", batchSize, cfg.batchSize()}, {"--seed", seed, cfg.seed()},
            {"--restore-best", restoreBest, cfg.restoreBest()},
            {"--schedule", normalized(schedule), normalized(cfg.schedule())}, {"--augment", normalized(augment), normalized(cfg.augment())},
            {"--checkpoint-every", checkpointEvery, cfg.checkpointEvery()}, {"--target-column", targetColumn, cfg.targetColumn()},
            {"--clip-grad-norm", clipGradNorm, cfg.clipGradNorm() > 0 ? cfg.clipGradNorm() : "none"},
            // checked by checkFlags; compared in one spelling (normal:1e-2 is normal:0.01)
            {"--weight-init", weightInit == null ? null : WeightInit.parse(weightInit).value(), cfg.weightInit()},
            {"--val-split", valSplit == 0 ? null : valSplit, cfg.valSplit()},
            {"--normalize", normalize == null ? null : Flags.normalizeMode(normalize),
                    cfg.normalization().isNone() ? "off" : cfg.normalization().perColumn() ? "columns" : "all"},
            {"--no-shuffle", noShuffle, !cfg.shuffle()}};
        for (Object[] v : values) {
            if (v[1] != null && !v[1].equals(v[2])) {
                throw new UserError(v[0] + fixed + " (the run has " + (v[2] instanceof Double d && d == Double.NEGATIVE_INFINITY ? "none" : v[2])
                        + ", " + v[0] + " gives " + v[1] + ")");
            }
        }
        if (data != null && Files.exists(Path.of(cfg.data())) && !samePath(data, Path.of(cfg.data()))) {
            throw new UserError("--data" + fixed + " (the run's data set is " + cfg.data() + ", which still exists; --data is only"
                    + " for a run whose data set has moved)");
        }
        if (valData != null && (cfg.valData() == null
                || Files.exists(Path.of(cfg.valData())) && !samePath(valData, Path.of(cfg.valData())))) {
            throw new UserError("--val-data" + fixed + " (the run's validation file is " + (cfg.valData() == null ? "none"
                    : cfg.valData() + ", which still exists; --val-data is only for a run whose validation file has moved") + ")");
        }
    }

    /** A name as the options' parsers read it (case and surrounding blanks ignored); null stays null. */
    private static String normalized(String name) {
        return name == null ? null : name.trim().toLowerCase(java.util.Locale.ROOT);
    }

    private static boolean samePath(Path a, Path b) {
        return a.toAbsolutePath().normalize().equals(b.toAbsolutePath().normalize());
    }

    /**
     * A cosine schedule anneals over the run's --epochs, to min_lr at the last one, and cannot be stretched: a
     * resumed run that had finished would go on at min_lr (0 by default: epochs that change nothing, which a user
     * saw), and one stopped halfway would bend onto another curve. So --epochs on --resume must keep the horizon.
     */
    private void checkCosineHorizon(RunConfig cfg, int newEpochs) {
        String spec = normalized(cfg.schedule());
        if (spec == null || !spec.startsWith("cosine") || newEpochs == cfg.epochs()) {
            return;
        }
        throw new UserError("--epochs " + newEpochs + ": the run in " + resume + " anneals its learning rate with --schedule "
                + cfg.schedule() + " over " + cfg.epochs() + " epochs, which --resume cannot change; leave --epochs out to"
                + " continue to epoch " + cfg.epochs() + ", or train further in a new run from its weights: jgrad train --init "
                + resume.resolve("model.safetensors") + " --schedule " + cfg.schedule() + " --epochs N (with the run's other flags)");
    }

    /** A note on standard error for a run whose directory records that it diverged ({@link Divergence#resumeNote}). */
    private void divergedNote(RunConfig cfg) {
        Divergence d = cfg.diverged();
        if (d != null) {
            System.err.println("note: " + d.resumeNote(resume, cfg.epochsCompleted(), cfg.progress() == null ? 0
                    : cfg.progress().step(), cfg.epochs()));
        }
    }

    /** A resumed run must have epochs left to train. */
    private void checkResumeEpochs(RunConfig cfg) {
        if (cfg.epochs() <= cfg.epochsCompleted()) {
            throw new UserError(resume + " already has " + cfg.epochsCompleted() + " epoch" + (cfg.epochsCompleted() == 1 ? "" : "s")
                    + "; give --epochs greater than " + cfg.epochsCompleted() + (epochs == null ? "" : " (got " + epochs + ")"));
        }
    }

    /** The run's data path, or --data when the stored one no longer exists (recorded in the config from now on). */
    private RunConfig resumeData(RunConfig cfg) {
        RunConfig c = cfg;
        if (data != null && !Files.exists(Path.of(c.data()))) {
            c = c.withData(data.toString());
        }
        if (valData != null && c.valData() != null && !Files.exists(Path.of(c.valData()))) {
            c = c.withValData(valData.toString());
        }
        TrainedModel.checkConfiguredData(resume, c, true);
        // recorded from now on also for a run whose config.json predates data.kind, and for data that moved
        return c.withDataKind(DataSource.kind(Path.of(c.data())));
    }

    /** The data of a resumed run (its own, or --data where it moved) must fit the run's network; {@code from} names it. */
    private void checkResumedDataFits(RunConfig cfg, DataSource ds, String from) {
        if (!java.util.Arrays.equals(ds.train().sampleShape(), cfg.model().inputShape())) {
            throw new UserError(from + " " + cfg.data() + ": samples have shape " + java.util.Arrays.toString(ds.train().sampleShape())
                    + ", but the run in " + resume + " takes " + java.util.Arrays.toString(cfg.model().inputShape()));
        }
        if (cfg.numClasses() > 0 && ds.numClasses() > cfg.numClasses()) {
            throw new UserError(from + " " + cfg.data() + ": has labels up to " + (ds.numClasses() - 1) + ", but the run in " + resume
                    + " has " + cfg.numClasses() + " classes");
        }
    }

    /** A shift must leave most of the image: at most less than half its smaller side. */
    private void checkAugmentFits(Augmentation a, DataSource ds) {
        int[] s = ds.train().sampleShape();
        if (a.maxShift() == 0 || s.length < 2) {
            return; // a flat model with --augment was refused earlier
        }
        int side = Math.min(s[s.length - 2], s[s.length - 1]);
        if (2 * a.maxShift() >= side) {
            throw new UserError("--augment " + augment + ": a shift of " + a.maxShift() + " pixels would move the " + s[s.length - 2] + "x"
                    + s[s.length - 1] + " images mostly out of view; expected shift:N with N < " + (side + 1) / 2 + " (e.g. shift:2)");
        }
    }

    /** What to do when --init's weights do not fit the network. */
    static final String INIT_MISMATCH = "--init's weights were made for another network: give the --model and --layers"
            + " (and data) they were trained with, or leave out --init";

    /** Checks of flag values that need no data, so that a mistake fails at once, before anything is read or written. */
    private void checkFlags() {
        if (threads != null && threads > MAX_THREADS) {
            throw new UserError("--threads must be at most " + MAX_THREADS + ", got " + threads
                    + "; more threads than cores only slow training down (this machine has " + Runtime.getRuntime().availableProcessors() + ")");
        }
        Flags.notEmpty("--data", data);
        Flags.notEmpty("--val-data", valData);
        Flags.notEmpty("--init", init);
        if (resume == null) { // named by its flag, before the data is read
            Flags.users(() -> TrainFlags.checkInit(init));
        }
        // on --resume, --init is refused as the run's own (checkResumeFlags)
        Flags.users(() -> TrainFlags.weightInit(weightInit, resume == null ? init : null));
        Flags.notEmpty("--resume", resume);
        Flags.notEmpty("--out", out);
        checkOut(outDir(), out == null && resume != null ? "--resume" : "--out", resume); // the flag that gave the directory
        if (checkpointEvery != null) {
            Flags.nonNegative("--checkpoint-every", checkpointEvery);
        }
        Flags.users(() -> TrainFlags.checkOneValidation(valSplit, valData != null));
        if (resume == null) {
            Flags.users(() -> TrainFlags.checkRestoreBest(restoreBest(), patience));
        }
        if (targetLoss != null) {
            Flags.users(() -> TrainFlags.targetLoss(targetLoss));
        }
    }

    @Override
    public Integer call() throws Exception {
        checkFlags();
        Backends.setThreads(threads == null ? Runtime.getRuntime().availableProcessors() : Flags.positive("--threads", threads));
        List<String> files;
        try {
            files = train(resume != null ? resumed() : fresh());
        } finally {
            if (interruption != null) { // null: stopped before lockOut, with nothing created
                interruption.close();
                interruption = null;
            }
        }
        System.out.println("wrote " + outDir() + "/ (" + String.join(", ", files) + ")");
        return 0;
    }

    /** The run's output directory: --out, else the --resume directory, else runs/latest. */
    private Path outDir() {
        return out != null ? out : resume != null ? resume : Path.of("runs", "latest");
    }

    /**
     * Creates the output directory if it does not exist and locks it, once the flags are checked and before the data
     * is read: a run refused there (another jgrad train writes in it) used to read its whole data set first. The hook
     * comes first, so that an interruption from here on (while the data is read) removes the directory created here.
     * {@code resumedFrom} and {@code resumedCheckpoint} are {@link Interruption}'s.
     */
    private void lockOut(Path resumedFrom, String resumedCheckpoint) throws java.io.IOException {
        Path outDir = outDir();
        interruption = new Interruption(resumedFrom, resumedCheckpoint);
        interruption.created(outDir, createOutDir(outDir));
        try {
            interruption.locked(RunLock.acquire(outDir)); // before anything in outDir is touched
        } catch (IllegalArgumentException held) { // another run writes there, on this machine or on Spark
            throw new UserError(held.getMessage());
        }
    }

    /** What a run starts from: its configuration, data, network and the generator that drew it. */
    private record Start(RunConfig cfg, DataSource ds, Sequential model, Generator modelGen) {}

    /** --resume DIR: the run config.json describes, its data, and its saved weights. */
    private Start resumed() throws Exception {
        RunConfig cfg = RunConfig.read(resume, "--resume");
        checkResumeFlags(cfg);
        Checkpoint.checkMetricsForResume(resume, cfg);
        if (epochs != null) {
            checkCosineHorizon(cfg, Flags.positive("--epochs", epochs));
            cfg = cfg.withEpochs(epochs);
        }
        checkResumeEpochs(cfg);
        if (targetLoss != null || patience != null) { // checkFlags checked --target-loss
            cfg = cfg.withStopping(targetLoss != null ? targetLoss : cfg.targetLoss(),
                    patience != null ? Flags.nonNegative("--patience", patience) : cfg.patience());
            if (cfg.restoreBest() && cfg.patience() == 0) {
                throw new UserError("--patience 0: the run in " + resume + " restores the best epoch (--restore-best), which needs"
                        + " early stopping; give --patience 1 or more, or leave it out");
            }
        }
        if (noReport) {
            cfg = cfg.withoutReport();
        }
        cfg = resumeData(cfg);
        divergedNote(cfg);
        lockOut(resume, Interruption.describe(cfg.epochsCompleted(), cfg.epochs(), cfg.progress() == null ? 0 : cfg.progress().step()));
        // named by the flags the user gave (--data where the recorded data moved), else by config.json's fields
        DataSource.Origin recorded = DataSource.Origin.config(resume);
        DataSource.Origin from = new DataSource.Origin(data != null ? "--data" : recorded.data(),
                valData != null ? "--val-data" : recorded.valData(), valSplit != 0 ? "--val-split" : recorded.valSplit());
        DataSource ds = DataSource.load(from, Path.of(cfg.data()), cfg.valData() == null ? null : Path.of(cfg.valData()), cfg.valSplit(),
                cfg.targetColumn(), !cfg.task().equals("regression"), null, cfg.seed(),
                DataSource.refusal(cfg.model().imageNetwork("give --data an IDX directory of images, as it was trained on")), null,
                cfg.classNames())
                .standardizedWith(cfg.normalization());
        checkResumedDataFits(cfg, ds, from.data());
        if (patience != null && patience > 0 && ds.test() == null) {
            throw new UserError("--patience compares the epochs' loss on held-out data, but the run in " + resume + " has no"
                    + " held-out data (neither --val-split nor --val-data was given); leave --patience out");
        }
        MemoryEstimate.check(cfg.model(), cfg.batchSize());
        Generator modelGen = new Generator(cfg.seed()); // draws the initial weights, then the dropout masks
        Sequential model = cfg.model().build(modelGen);
        if (cfg.modelState() != null) {
            modelGen.setState(cfg.modelState());
        }
        Checkpoint.loadWeights(Checkpoint.weightsFile(resume, Checkpoint.MODEL, cfg), model);
        return new Start(cfg, ds, model, modelGen);
    }

    /** A new run: the flags checked, the data read, the network built for it (and --init loaded). */
    private Start fresh() throws Exception {
        Path dataPath = data == null ? DataSource.bundled() : data;
        String lossName = loss == null ? "cross-entropy" : loss;
        boolean csv = Files.isRegularFile(dataPath);
        long s = seed == null ? 42 : seed;
        Flags.users(() -> TrainFlags.valSplit(valSplit));
        if (Files.isDirectory(dataPath) && (valData != null || valSplit > 0)) { // it was silently ignored
            throw new UserError((valData != null ? "--val-data" : "--val-split") + " is for a CSV training file; the test"
                    + " set of the IDX directory " + dataPath + " is its t10k files");
        }
        if (Files.isDirectory(dataPath) && targetColumn != null) { // it was silently ignored too
            throw new UserError("--target-column is for a CSV training file; the labels of the IDX directory " + dataPath
                    + " are its train-labels-idx1-ubyte and t10k-labels-idx1-ubyte files");
        }
        ModelChoice choice = ModelChoice.of(modelChoice == null ? "mlp" : modelChoice);
        Flags.users(() -> TrainFlags.checkMlpFlags(choice.name(), layers != null || activation != null || outputActivation != null));
        // names are checked before the data is read, so a typo fails at once with one line
        String optName = Optimizers.known(optimizer == null ? "adam" : optimizer);
        Optimizers.checkMomentum(optName, momentum);
        Flags.checkClassWeightsLoss(classWeights, lossName);
        Schedules.check(schedule == null ? "none" : schedule, epochs == null ? 10 : Flags.positive("--epochs", epochs));
        if (clipGradNorm != null) {
            Flags.positive("--clip-grad-norm", clipGradNorm);
        }
        Augmentation parsedAugment = Flags.augmentation(augment == null ? "none" : augment);
        WeightInit scheme = TrainFlags.weightInit(weightInit, init); // checked by checkFlags
        if (!parsedAugment.isIdentity() && !choice.images()) {
            throw new UserError(NetworkSpec.augmentRefusal(augment, choice.name()));
        }
        lockOut(null, null);
        DataSource ds = DataSource.load(DataSource.Origin.FLAGS, dataPath, valData, valSplit, targetColumn, !Losses.task(lossName).equals("regression"),
                Flags.normalizeMode(normalize), s, choice.csvRefusal(), null, null);
        if (valData != null && (ds.test() == null || ds.test().size() == 0)) { // DataSource checks --val-split's parts
            throw new UserError("--val-data " + valData + ": has no rows; expected at least one");
        }
        checkAugmentFits(parsedAugment, ds);
        // early stopping watches the held-out loss: without held-out data it would silently never stop
        if (ds.test() == null && (restoreBest() || patience != null && patience > 0)) {
            throw new UserError((restoreBest() ? "--restore-best" : "--patience") + " compares the epochs' loss on held-out data,"
                    + " but there is no held-out data; give --val-split (e.g. 0.2) or --val-data FILE.csv");
        }
        String target = targetColumn != null ? targetColumn : ds.targetColumn();
        if (ds.numClasses() == 1) {
            // scikit-learn refuses to fit a classifier to one class too: it is a wrong --target-column or a filtered file
            String only = ds.classNames().isEmpty() ? "0" : "'" + ds.classNames().get(0) + "'";
            throw new UserError("--data " + dataPath + ": every label in column '" + target + "' is " + only + ", so the data has one class and a classifier has nothing to learn (--loss "
                    + lossName + " is " + (lossName.equals("cross-entropy") ? "0 whatever the weights" : "met by a constant output")
                    + "); expected " + (ds.classNames().isEmpty() ? "labels of two or more classes, 0..K-1" : "two or more class names"));
        }
        double[] weights = classWeights == null ? null : Flags.classWeights(classWeights, lossName, ds.train(), ds.numClasses(),
                ds.classNames());
        Objective obj = Objective.of(lossName, ds.numClasses(), weights);
        NetworkSpec spec = choice.spec(ds.train().sampleShape(), obj.outputSize(), lossName, Flags.layers(layers),
                activation == null ? "relu" : activation, Losses.outputActivation(lossName, outputActivation));
        String opt = optName;
        RunConfig cfg = new RunConfig(spec, Losses.task(lossName).equals("regression") ? "regression" : (obj.outputSize() == 1 ? "binary" : "classification"),
                ds.numClasses(), lossName, dataPath.toString(), DataSource.kind(dataPath), valData == null ? null : valData.toString(), valSplit, target, ds.featureColumns(), ds.classNames(), ds.normalization(), opt,
                lr == null ? Optimizers.defaultLr(opt) : Flags.positive("--lr", lr), momentum == null ? 0 : Flags.nonNegative("--momentum", momentum),
                weightDecay == null ? Optimizers.defaultWeightDecay(opt) : Flags.nonNegative("--weight-decay", weightDecay),
                batchSize == null ? 64 : Flags.positive("--batch-size", batchSize), epochs == null ? 10 : Flags.positive("--epochs", epochs),
                s, !Boolean.TRUE.equals(noShuffle), targetLoss == null ? Double.NEGATIVE_INFINITY : targetLoss, patience == null ? 0 : Flags.nonNegative("--patience", patience), restoreBest(),
                schedule == null ? "none" : schedule, augment == null ? "none" : augment, checkpointEvery == null ? 0 : checkpointEvery,
                clipGradNorm == null ? 0 : clipGradNorm, weights, noReport, 0, null, null, null, 0, init == null ? null : init.toString(),
                scheme.value(), null);
        MemoryEstimate.check(spec, cfg.batchSize());
        checkBatchNormBatches(spec, ds.train().size(), cfg.batchSize(), dataPath);
        Generator modelGen = new Generator(s); // draws the initial weights, then the dropout masks
        Sequential model = spec.build(modelGen);
        scheme.apply(spec, model, modelGen); // from the same generator, so that --seed fixes these weights too
        if (init != null) {
            Checkpoint.loadWeights(init, model, INIT_MISMATCH);
        }
        if (csv && ds.test() == null) {
            System.err.println("note: no validation data (use --val-split or --val-data); reporting training metrics only");
        }
        if (!ds.classNames().isEmpty()) {
            // which output is which class: the names' sorted order, which predict and eval use too
            System.err.println("note: " + dataPath + ": column '" + target + "' holds class names; classes 0.."
                    + (ds.numClasses() - 1) + " are " + namesShown(ds.classNames()) + " (sorted), as config.json records");
        }
        String unused = ds.unusedClassesNote();
        if (unused != null) {
            System.err.println("note: " + dataPath + ": " + unused);
        }
        String twice = TrainFlags.softmaxTwice(lossName, spec.outputActivation());
        if (twice != null) {
            System.err.println("note: " + twice);
        }
        return new Start(cfg, ds, model, modelGen);
    }

    /** Up to 10 class names, quoted, then how many more there are. */
    static String namesShown(List<String> names) {
        String shown = names.stream().limit(10).map(n -> "'" + n + "'").collect(java.util.stream.Collectors.joining(", "));
        return names.size() > 10 ? shown + " and " + (names.size() - 10) + " more" : shown;
    }

    /** --grad-norms: one line after the epoch's, "  gradient norms: 0.weight 3.57e-09, ..., 20.weight 0.231". */
    private static void printGradientNorms(EpochMetrics m, Map<String, Integer> ranks) {
        if (m.gradNorms() == null) {
            return;
        }
        System.err.println(GradientNorms.line(m.gradNorms(), ReportCharts.weightTensors(List.of(m), ranks)));
    }

    /**
     * Says on standard error when the first layer's gradients ended the run 2 or more decades below the last's: the
     * report's gradient chart shows it, but a student watching the console should not have to open it to learn
     * why the early layers do not learn.
     */
    private static void vanishingNote(List<EpochMetrics> epochs, Sequential model, boolean report) {
        GradientSpread spread = ReportCharts.spread(epochs, model);
        String note = spread == null ? null : spread.vanishingNote(report);
        if (note != null) {
            System.err.println("note: " + note);
        }
    }

    /**
     * Trains from {@code start}, checkpointing every epoch, then evaluates and writes the report, in the output directory
     * that {@link #lockOut} locked. Returns the names of the files written there.
     */
    private List<String> train(Start start) throws Exception {
        RunConfig cfg = start.cfg();
        DataSource ds = start.ds();
        Sequential model = start.model();
        Generator modelGen = start.modelGen();
        Path outDir = outDir();
        Interruption interruption = this.interruption;
        Objective objective = Objective.of(cfg.loss(), cfg.numClasses(), cfg.classWeights());
        Optimizer opt = Optimizers.create(cfg.optimizer(), model.namedParameters(), cfg.lr(), cfg.momentum(), cfg.weightDecay());
        if (resume != null) {
            Checkpoint.loadOptimizer(Checkpoint.weightsFile(resume, Checkpoint.OPTIMIZER, cfg), opt);
        }
        Generator shuffleGen = new Generator(cfg.seed() + 1);
        if (cfg.shuffleState() != null) {
            shuffleGen.setState(cfg.shuffleState());
        }
        DataLoader trainLoader = new DataLoader(ds.train(), cfg.batchSize(), cfg.shuffle(), false, shuffleGen)
                .augment(ds.augmentation(Flags.augmentation(cfg.augment())));
        DataLoader testLoader = ds.test() == null ? null : new DataLoader(ds.test(), EvalCommand.BATCH, false, false, new Generator(0));

        String heldOut = Reports.heldOut(cfg, ds);
        // Each console line goes out in one write (println of a whole String): printf writes every piece of its format
        // separately, and ./jgrad passes standard error through a filter process, so in 'jgrad train > log 2>&1' a line
        // of one stream could land in the middle of a line of the other ("testcompleted 4 epochs\n loss 2.3597 ...").
        System.err.println(String.format("jgrad: %s on %s (%,d train, %s), %s lr %s, batch %d, %d thread%s",
                cfg.model().describe(), ds.description(), ds.train().size(),
                heldOut == null ? "no held-out data" : String.format("%,d %s", ds.test().size(), heldOut),
                cfg.optimizer(), Double.toString(cfg.lr()), cfg.batchSize(), Backends.threads(), Backends.threads() == 1 ? "" : "s"));
        RunConfig base = cfg;
        // the earlier epochs' rows come from the run being resumed, also when --out names another directory
        List<EpochMetrics> previous = Checkpoint.readMetrics(resume != null ? resume : outDir, cfg.epochsCompleted(),
                testLoader != null);
        List<EpochMetrics> all = new ArrayList<>(previous);
        Trainer trainer = new Trainer(model, objective.loss(), opt, objective.task())
                .epochs(cfg.epochs())
                .startEpoch(cfg.epochsCompleted() + 1)
                .targetLoss(cfg.targetLoss())
                .earlyStopping(cfg.patience(), false, 0, cfg.restoreBest())
                .clipGradNorm(cfg.clipGradNorm())
                .earlierEpochs(previous)
                // an IDX directory's t10k files are its test set: the epoch lines say so, as the first line and the report do
                .callback(ProgressBar.onStandardError().heldOutName("test".equals(heldOut) ? "test" : "val"));
        if (cfg.progress() != null) {
            trainer.resumeFrom(cfg.progress());
        }
        int every = cfg.checkpointEvery();
        Object scheduler = Schedules.apply(cfg.schedule(), opt, cfg.epochs(), trainer);
        if (resume != null) {
            Path optFile = Checkpoint.weightsFile(resume, Checkpoint.OPTIMIZER, cfg);
            Schedules.loadState(scheduler, Checkpoint.readSchedulerState(optFile), optFile);
        }
        if (gradNorms) {
            Map<String, Integer> ranks = ReportCharts.ranks(model);
            trainer.callback(new Callback() {
                @Override
                public boolean onEpochEnd(EpochMetrics m) {
                    printGradientNorms(m, ranks);
                    return false;
                }
            });
        }
        RunConfig[] lastCheckpoint = {null}; // the configuration saved after the last epoch
        List<String> reportFiles = new ArrayList<>(); // metrics.csv, the charts and report.html, once written
        AtomicFiles.removeStaleTemporaries(outDir);
        Checkpoint.finishRenames(outDir);
        // a checkpoint of config c, which Ctrl-C waits for; holds: what it leaves in outDir (null: the same again).
        // The first removes the report that outDir holds, of an earlier run or of the epochs before --resume: it
        // would stay beside the new model under --no-report, or when the run stops before its end.
        boolean[] reportStale = {true};
        BiConsumer<RunConfig, String> checkpoint = (c, holds) -> interruption.write(outDir, holds, () -> {
            if (reportStale[0]) {
                try {
                    TrainingReport.deleteFrom(outDir);
                } catch (java.io.IOException e) {
                    throw new UserError("--out " + outDir + ": cannot remove the report.html and charts it holds, which"
                            + " would no longer describe its model (" + e.getMessage() + ")");
                }
                reportStale[0] = false;
            }
            Checkpoint.save(outDir, model, opt, Schedules.state(scheduler), c, all);
        });
        trainer.callback(new Callback() {
            private long[] epochStartState = shuffleGen.state();

            @Override
            public void onEpochStart(int epoch) {
                epochStartState = shuffleGen.state(); // this epoch's order is drawn from here
            }

            @Override
            public void onBatchEnd(int epoch, int step, int stepsPerEpoch, double loss, int batchSize) {
                if (every > 0 && step % every == 0 && step < stepsPerEpoch) {
                    checkpoint.accept(base.withProgress(epoch - 1, trainer.progress(), epochStartState, modelGen.state()),
                            Interruption.describe(epoch - 1, base.epochs(), step));
                }
            }

            @Override
            public boolean onEpochEnd(EpochMetrics m) {
                all.add(m);
                lastCheckpoint[0] = base.withProgress(m.epoch(), null, shuffleGen.state(), modelGen.state());
                if (m.epoch() == base.epochs()) {
                    interruption.lastCheckpointNext(m.epoch(), !cfg.noReport());
                }
                checkpoint.accept(lastCheckpoint[0], Interruption.describe(m.epoch(), base.epochs(), 0));
                return false;
            }
        });
        long t0 = System.nanoTime();
        History history;
        try {
            history = trainer.fit(trainLoader, testLoader);
        } catch (TrainingDivergedException d) {
            boolean report = !cfg.noReport() && !all.isEmpty();
            interruption.diverged(Divergence.of(d), report); // an interruption from here on says where it diverged
            recordDivergence(d, outDir, interruption);
            if (report) {
                divergedReport(d, outDir, cfg, ds, model, objective, all,
                        (System.nanoTime() - t0) / 1e9, interruption);
            }
            throw d;
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        // also when --target-loss or --patience stopped it early
        interruption.finished(all.isEmpty() ? cfg.epochsCompleted() : all.get(all.size() - 1).epoch(), !cfg.noReport());
        if (cfg.restoreBest() && lastCheckpoint[0] != null && history.restoredEpoch() > 0) {
            // the checkpoint after the last epoch holds that epoch's weights: save the restored ones over them, with
            // the same config.json (epochs completed: the last trained epoch; restored_epoch added), optimizer state
            // and metrics
            checkpoint.accept(lastCheckpoint[0].withRestoredEpoch(history.restoredEpoch()), null); // inspect says whose weights they are
        }
        Evaluation finalEval = testLoader == null ? null : trainer.evaluate(testLoader, cfg.numClasses());
        if (finalEval != null) {
            System.out.println(String.format("%s loss %s%s on %,d samples (%.1f s of training)", heldOut, ProgressBar.loss(finalEval.loss()),
                    Double.isNaN(finalEval.accuracy()) ? "" : String.format(", accuracy %.2f%%", 100 * finalEval.accuracy()),
                    finalEval.samples(), seconds));
        }
        vanishingNote(all, model, !cfg.noReport());
        if (!cfg.noReport() && !all.isEmpty()) {
            interruption.write(outDir, null, () -> reportFiles.addAll(Reports.write(outDir, cfg, ds, model, objective,
                    all, finalEval, history.stopReason(), seconds)));
        }
        interruption.completed();
        // every file written, for the "wrote" line, the report's PNG charts included (they were left out of it)
        List<String> files = new ArrayList<>(List.of(Checkpoint.MODEL, RunConfig.FILE, Checkpoint.OPTIMIZER, Checkpoint.METRICS));
        addReportFiles(files, reportFiles);
        return files;
    }

    /** Appends to {@code files} those of {@code reportFiles} it lacks: report.html, then its charts. Modified: files. */
    private static void addReportFiles(List<String> files, List<String> reportFiles) {
        for (boolean charts : new boolean[] {false, true}) {
            for (String f : reportFiles) {
                if (f.endsWith(".png") == charts && !files.contains(f)) {
                    files.add(f);
                }
            }
        }
    }

    /**
     * Records where the run diverged in the config.json of the checkpoint it went on from ({@link Divergence#recordIn}),
     * where that checkpoint is in {@code outDir}: this run's, or that of the run it resumed there. Not in a directory
     * that holds nothing of this run (a new run that diverged before its first checkpoint, over an earlier run's files),
     * nor in the --resume directory of a run resumed into another --out. A file that cannot be written is a note: the
     * divergence stays the error the run ends with. Modified: outDir's config.json.
     */
    private static void recordDivergence(TrainingDivergedException d, Path outDir, Interruption interruption) {
        Path from = interruption.checkpointDir();
        try {
            if (from != null && Files.isDirectory(from) && Files.isSameFile(from, outDir)) {
                interruption.write(outDir, null, () -> Divergence.of(d).recordIn(outDir.resolve(RunConfig.FILE)));
            }
        } catch (java.io.IOException | RuntimeException e) {
            System.err.println("note: " + outDir.resolve(RunConfig.FILE) + ": cannot record where the run diverged ("
                    + e.getMessage() + ")");
        }
    }

    /**
     * Writes the report of a run that diverged after {@code epochs} finished epochs: its loss curve up to the divergence
     * is what a student most needs to see (an exploding loss). The charts of predictions come from the last
     * checkpoint's weights, since the model's are no longer numbers. A report that cannot be written is a note on
     * standard error: the divergence stays the error the run ends with. Modified: model (the checkpoint's weights).
     */
    private static void divergedReport(TrainingDivergedException d, Path outDir, RunConfig cfg, DataSource ds, Sequential model,
                                       Objective objective, List<EpochMetrics> epochs, double seconds,
                                       Interruption interruption) {
        try {
            Checkpoint.loadWeights(outDir.resolve(Checkpoint.MODEL), model);
            String reason = Reports.diverged(d.divergence());
            List<String> files = new ArrayList<>();
            interruption.write(outDir, null, () -> files.addAll(Reports.write(outDir, cfg, ds, model, objective, epochs,
                    null, reason, seconds)));
            List<String> shown = new ArrayList<>(); // the report and its charts: metrics.csv came with each checkpoint
            addReportFiles(shown, files);
            shown.remove(Checkpoint.METRICS);
            System.out.println("wrote " + outDir + "/ (" + String.join(", ", shown) + ") for the " + epochs.size()
                    + (epochs.size() == 1 ? " epoch" : " epochs") + " before the divergence");
        } catch (java.io.IOException | RuntimeException e) {
            System.err.println("note: the report of the epochs before the divergence could not be written: " + e.getMessage());
        }
    }

    /**
     * Refuses a --batch-size whose smallest batch, the last of each epoch ({@code samples} mod {@code batchSize}, when
     * not 0), gives a batch normalization layer of {@code spec} one value per channel, in the words of {@link
     * NetworkSpec#batchNormRefusal} for one partition (jgrad train --spark's with one partition are the same).
     */
    static void checkBatchNormBatches(NetworkSpec spec, int samples, int batchSize, Path data) {
        String refusal = spec.batchNormRefusal(samples, batchSize, 1, data.toString());
        if (refusal != null) {
            throw new UserError(refusal);
        }
    }
}
