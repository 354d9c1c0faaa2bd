package io.jgrad.cli;

import picocli.CommandLine.Command;

/** Groups the teaching examples. */
@Command(name = "example",
        mixinStandardHelpOptions = true,
        header = "Small worked examples that show how backpropagation works.",
        synopsisSubcommandLabel = "EXAMPLE",
        description = {"", "Each example prints every number it computes, like a textbook.", ""},
        subcommands = {TwoNeuronCommand.class})
final class ExampleCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
