package io.jgrad.cli;

import io.jgrad.io.JgradFormatException;
import io.jgrad.train.TrainingDivergedException;
import java.io.PrintWriter;
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
            "jgrad trains multi-layer networks on the JVM with reverse-mode automatic differentiation. Without",
            "arguments, @|bold jgrad train|@ trains a 784-256-128-10 ReLU network on the bundled MNIST-10k digits.",
            ""},
        subcommands = {
            TrainCommand.class,
            EvalCommand.class,
            PredictCommand.class,
            InspectCommand.class,
            GradcheckCommand.class,
            ExampleCommand.class,
            CommandLine.HelpCommand.class},
        footerHeading = "%n",
        footer = {
            "@|bold EXAMPLES|@",
            "  jgrad train                                   train on the bundled MNIST-10k, write runs/latest/",
            "  jgrad train --data /usr/share/datasets/fashion-mnist --optimizer adam --epochs 10",
            "  jgrad eval --model runs/latest               accuracy and confusion matrix on the test split",
            "  jgrad example two-neuron                      every number of one backpropagation step",
            "",
            "@|bold EXIT STATUS|@",
            "  0 success; 1 internal error (a bug: please report it with the stack trace);",
            "  2 bad input (a flag, a file, a data set): the message says which and what was expected.",
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
        cmd.setParameterExceptionHandler((ex, argv) -> {
            PrintWriter err = ex.getCommandLine().getErr();
            err.println(ex.getCommandLine().getCommandName() + ": " + ex.getMessage());
            err.println("Try '" + ex.getCommandLine().getCommandSpec().qualifiedName() + " --help' for the options.");
            return 2;
        });
        cmd.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            PrintWriter err = commandLine.getErr();
            if (ex instanceof UserError || ex instanceof JgradFormatException || ex instanceof TrainingDivergedException) {
                err.println("jgrad " + commandLine.getCommandName() + ": " + ex.getMessage());
                return 2;
            }
            if (ex instanceof NoSuchFileException missing) {
                // a path given on the command line that is not there; not a bug, so no stack trace
                err.println("jgrad " + commandLine.getCommandName() + ": " + missing.getFile() + ": no such file or directory");
                return 2;
            }
            throw ex;
        });
        return cmd.execute(args);
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
            System.err.println("jgrad: out of memory; use a smaller --batch-size or network, or give Java more heap"
                    + " (JGRAD_JAVA_OPTS=-Xmx8g ./jgrad ...)");
            code = 2;
        }
        System.exit(code);
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
