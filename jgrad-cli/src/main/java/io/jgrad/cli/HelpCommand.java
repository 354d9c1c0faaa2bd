package io.jgrad.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code jgrad help [COMMAND [SUBCOMMAND]]}: the help page of a command, as its --help prints it. picocli's own
 * help command looks only at its first argument, so {@code jgrad help example two-neuron} printed the page of
 * {@code example}; this one follows the whole path.
 */
@Command(name = "help",
        helpCommand = true,
        header = "Show the help page of a command.",
        description = {"", "Prints the same page as 'jgrad COMMAND --help'; without a COMMAND, the page of jgrad itself.", ""},
        footerHeading = "%n",
        footer = {"@|bold EXAMPLES|@", "  jgrad help train", "  jgrad help example two-neuron", "",
            "@|bold EXIT STATUS|@", "  0 printed; 2 an unknown COMMAND."})
final class HelpCommand implements CommandLine.IHelpCommandInitializable2, Runnable {
    @CommandLine.Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.")
    boolean helpRequested;

    @Parameters(paramLabel = "COMMAND", arity = "0..*", description = "The command, e.g. train, or example two-neuron.")
    List<String> path = new ArrayList<>();

    private CommandLine self;
    private CommandLine.Help.ColorScheme colorScheme;
    private PrintWriter out;

    @Override
    public void init(CommandLine helpCommandLine, CommandLine.Help.ColorScheme colorScheme, PrintWriter outWriter, PrintWriter errWriter) {
        this.self = helpCommandLine;
        this.colorScheme = colorScheme;
        this.out = outWriter;
    }

    @Override
    public void run() {
        CommandLine target = self.getParent();
        for (String name : path) {
            CommandLine sub = target.getSubcommands().get(name);
            if (sub == null) {
                List<String> names = new ArrayList<>(target.getSubcommands().keySet());
                names.remove("help");
                throw new CommandLine.ParameterException(self, "unknown command '" + name + "'"
                        + (names.isEmpty() ? "; " + target.getCommandSpec().qualifiedName() + " has no subcommands"
                        : "; expected one of " + String.join(", ", names)));
            }
            target = sub;
        }
        target.usage(out, colorScheme);
    }
}
