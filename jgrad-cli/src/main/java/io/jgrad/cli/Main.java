package io.jgrad.cli;

import io.jgrad.io.JgradFormatException;
import io.jgrad.train.TrainingDivergedException;
import java.io.PrintWriter;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the {@code jgrad} command. */
@Command(name = "jgrad",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        header = "Train, evaluate and inspect neural networks trained by backpropagation.",
        synopsisSubcommandLabel = "COMMAND",
        description = {
            "",
            "jgrad trains multi-layer perceptrons, convolutional networks and any nn.Sequential described in a JSON file",
            "(see 'jgrad help train') on the JVM with reverse-mode automatic differentiation. Without arguments,",
            "@|bold jgrad train|@ trains a 784-256-128-10 ReLU network on the bundled MNIST-10k digits.",
            ""},
        subcommands = {
            TrainCommand.class,
            EvalCommand.class,
            PredictCommand.class,
            InspectCommand.class,
            ReportCommand.class,
            GradcheckCommand.class,
            ExampleCommand.class,
            HelpCommand.class},
        footerHeading = "%n",
        footer = {
            "@|bold EXAMPLES|@",
            "  jgrad train                                   train on the bundled MNIST-10k, write runs/latest/",
            "  jgrad train --data /usr/share/datasets/fashion-mnist --optimizer adam --epochs 10",
            "  jgrad eval --model runs/latest                accuracy and confusion matrix on the test split",
            "  jgrad report runs/spark                       report.html and charts for a run that has none",
            "  jgrad example two-neuron                      every number of one backpropagation step",
            "",
            "@|bold ENVIRONMENT|@",
            "  JAVA_HOME              the JDK 25 (or newer) that runs jgrad; else /usr/lib/jvm/temurin-25-jdk-amd64",
            "  JGRAD_JAVA_OPTS        extra JVM options, given after jgrad's own, so they win (e.g. -Xmx8g)",
            "  JGRAD_SPARK_JAVA_OPTS  the same for 'jgrad train --spark' (its default heap is -Xmx512m)",
            "  System properties, given as -D options in JGRAD_JAVA_OPTS (e.g. JGRAD_JAVA_OPTS=-Djgrad.blas=java):",
            "  -Djgrad.sgemm=auto|vector|blas   float32 GEMM: jgrad's AVX-512 Vector API kernel where the CPU has 512-bit",
            "                                   vectors (auto, default), the same but saying on stderr why not (vector), or",
            "                                   never (blas: float32 GEMM goes where jgrad.blas says)",
            "  -Djgrad.blas=auto|openblas|system|bundled|java",
            "                                   OpenBLAS for GEMM: the system libopenblas, else the bundled one (auto or",
            "                                   openblas, default), only one of them (system, bundled), or none (java: the",
            "                                   pure-Java kernels)",
            "  -Djgrad.vector=true|false        Vector API element-wise kernels, reductions and optimizer updates",
            "                                   (default: true; false leaves them scalar)",
            "",
            "@|bold EXIT STATUS|@",
            "  0 success; 1 internal error (a bug: please report it with the stack trace), or, for 'jgrad gradcheck',",
            "  a gradient that failed the check; 2 bad input (a flag, a file, a data set) or, for 'jgrad train', a",
            "  diverged training: the message says which and what was expected; 130 or 143 interrupted (Ctrl-C,",
            "  SIGTERM): 'jgrad train' first finishes the checkpoint it is writing and says how to continue.",
            "",
            "Run 'jgrad help COMMAND' for the options of one command."})
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** Runs the command line and returns the exit code (0 ok, 1 internal error, 2 user error). */
    public static int execute(String... args) {
        CommandLine cmd = new CommandLine(new Main());
        cmd.setCaseInsensitiveEnumValuesAllowed(true);
        // the descriptions are written as lines of up to 120 characters; picocli's default of 80 re-broke them mid-sentence
        cmd.setUsageHelpWidth(HELP_WIDTH);
        withVersion(cmd);
        numbersInUsersWords(cmd);
        cmd.setParameterExceptionHandler((ex, argv) -> {
            PrintWriter err = ex.getCommandLine().getErr();
            // "jgrad train: ...", as the errors of the commands themselves (picocli's own start with the bare name)
            String suggestion = "";
            // picocli's own handler prints its suggestions for a misspelt option or command (--epoch: --epochs); keep the
            // nearest (its list, most similar first, goes on to names that share little: --normalise, --no-shuffle)
            if (ex instanceof CommandLine.UnmatchedArgumentException unmatched && !unmatched.getSuggestions().isEmpty()) {
                suggestion = "; did you mean " + unmatched.getSuggestions().get(0) + "?";
            }
            err.println(ex.getCommandLine().getCommandSpec().qualifiedName() + ": " + ex.getMessage() + suggestion);
            err.println("Try '" + ex.getCommandLine().getCommandSpec().qualifiedName() + " --help' for the options.");
            return 2;
        });
        cmd.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            // a user's mistake: one line after the command's name, exit 2; anything else is a bug, with its trace
            String message = switch (ex) {
                // the library's advice names its API; here, the flags
                case TrainingDivergedException d -> d.commandLineMessage();
                case UserError u -> u.getMessage();
                case JgradFormatException f -> f.getMessage();
                // a path given on the command line that is not there
                case NoSuchFileException missing -> missing.getFile() + ": no such file or directory";
                // a file that could not be written: AtomicFiles names it and gives the reason (the commands check their
                // output directories first, but root passes that check in sysfs and the like)
                case AccessDeniedException denied when denied.getReason() != null -> denied.getFile() + ": " + denied.getReason();
                // a file given by the user (or in a run directory) that this user may not read: the JDK gives no reason
                case AccessDeniedException denied -> denied.getFile() + ": permission denied; expected a file that this user may read";
                default -> null;
            };
            if (message == null) {
                throw ex;
            }
            commandLine.getErr().println(commandLine.getCommandSpec().qualifiedName() + ": " + message);
            return 2;
        });
        return cmd.execute(args);
    }

    /**
     * The number converters of every command, as picocli's (Integer.valueOf, Long.valueOf, Double.valueOf), but
     * failing in a user's words: "expected an integer, got '1.5'" where picocli said "'1.5' is not an int".
     */
    private static void numbersInUsersWords(CommandLine cmd) {
        CommandLine.ITypeConverter<Integer> integer = s -> parsed(s, Integer::valueOf, "an integer");
        CommandLine.ITypeConverter<Long> longInteger = s -> parsed(s, Long::valueOf, "an integer");
        CommandLine.ITypeConverter<Double> number = s -> parsed(s, Double::valueOf, "a number");
        cmd.registerConverter(Integer.class, integer).registerConverter(Integer.TYPE, integer)
                .registerConverter(Long.class, longInteger).registerConverter(Long.TYPE, longInteger)
                .registerConverter(Double.class, number).registerConverter(Double.TYPE, number);
    }

    private static <T> T parsed(String text, java.util.function.Function<String, T> parse, String expected) {
        try {
            return parse.apply(text);
        } catch (NumberFormatException e) {
            throw new CommandLine.TypeConversionException("expected " + expected + ", got '" + text + "'");
        }
    }

    /** Width of the help text: the longest line of a command's description or footer. */
    static final int HELP_WIDTH = 120;

    /** Gives every subcommand's --version the version of jgrad (picocli does not inherit the provider). */
    private static void withVersion(CommandLine cmd) {
        cmd.getCommandSpec().versionProvider(new Version());
        for (CommandLine sub : cmd.getSubcommands().values()) {
            withVersion(sub);
        }
    }

    public static void main(String[] args) {
        System.setProperty("java.awt.headless", "true");
        int code;
        try {
            code = execute(args);
        } catch (OutOfMemoryError e) {
            if (isThreadLimit(e)) {
                System.err.println("jgrad: the system refused to start another thread (" + e.getMessage() + "); use a smaller --threads");
                System.exit(2);
            }
            System.err.println("jgrad: out of memory; use a smaller --batch-size or network, or give Java more heap"
                    + " (JGRAD_JAVA_OPTS=-Xmx8g ./jgrad ...)");
            code = 2;
        }
        System.exit(code);
    }

    /** Whether {@code e} is the JVM failing to start a thread (a process or memory limit), not a full Java heap. */
    static boolean isThreadLimit(OutOfMemoryError e) {
        return e.getMessage() != null && e.getMessage().contains("unable to create native thread");
    }

    /** Reads the version from the jar manifest (falls back to "dev" when run from classes). */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"jgrad " + (v == null ? "dev" : v) + " (Java " + Runtime.version() + ")"};
        }
    }
}
