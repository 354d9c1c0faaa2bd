package io.jgrad.cli;

import picocli.CommandLine.Command;

/** Groups the teaching examples. */
@Command(name = "example",
        mixinStandardHelpOptions = true,
        header = "Small worked examples that show how backpropagation works.",
        synopsisSubcommandLabel = "EXAMPLE",
        description = {"", "Each example prints every number it computes, like a textbook. 'jgrad example' without an EXAMPLE",
            "is a usage error (exit status 2).", ""},
        footerHeading = "%n",
        footer = {"@|bold EXAMPLES|@", "  jgrad example two-neuron", "  jgrad example vanishing-gradients",
            "  jgrad help example two-neuron       the options of one example", "",
            "@|bold EXIT STATUS|@", "  that of the EXAMPLE; 2 without an EXAMPLE or with an unknown one."},
        subcommands = {TwoNeuronCommand.class, VanishingGradientsCommand.class})
final class ExampleCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    /** Without an EXAMPLE there is nothing to run: a usage error, as picocli reports a missing required subcommand. */
    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "missing EXAMPLE; expected one of "
                + String.join(", ", spec.subcommands().keySet()));
    }
}
