package io.jgrad.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/** {@code --help} of jgrad and of every subcommand exits 0 and reads like a man page. */
class HelpTest {
    /** Every command as its argument path, e.g. [] for jgrad, [example, two-neuron]. */
    static Stream<List<String>> commands() {
        List<List<String>> all = new ArrayList<>();
        collect(new CommandLine(new Main()), new ArrayList<>(), all);
        return all.stream();
    }

    private static void collect(CommandLine cmd, List<String> path, List<List<String>> all) {
        all.add(List.copyOf(path));
        for (Map.Entry<String, CommandLine> e : cmd.getSubcommands().entrySet()) {
            if (!e.getKey().equals("help")) {
                path.add(e.getKey());
                collect(e.getValue(), path, all);
                path.removeLast();
            }
        }
    }

    private static CommandSpec spec(List<String> path) {
        CommandLine cmd = new CommandLine(new Main());
        for (String name : path) {
            cmd = cmd.getSubcommands().get(name);
        }
        return cmd.getCommandSpec();
    }

    /** The text of an annotation line as printed without colors: "@|bold EXAMPLES|@" reads "EXAMPLES". */
    private static String plain(String markup) {
        return markup.replaceAll("@\\|[\\w,]+ (.*?)\\|@", "$1").stripTrailing();
    }

    @ParameterizedTest(name = "jgrad {0} --help")
    @MethodSource("commands")
    void helpIsAManPage(List<String> path) {
        List<String> args = new ArrayList<>(path);
        args.add("--help");
        Cli r = Cli.run(args.toArray(String[]::new));
        assertEquals(0, r.exitCode(), r.err());
        assertEquals("", r.err());
        String help = r.out();
        List<String> lines = Arrays.asList(help.split("\n", -1));
        CommandSpec spec = spec(path);

        // the header says what the command does, then the synopsis
        assertTrue(spec.usageMessage().header().length > 0, "no header for " + path);
        assertTrue(help.startsWith(plain(spec.usageMessage().header()[0])), help);
        assertTrue(help.contains("Usage: " + spec.qualifiedName()), help);
        // description and footer lines are printed as written, not re-broken in the middle of a sentence
        List<String> authored = new ArrayList<>(Arrays.asList(spec.usageMessage().description()));
        authored.addAll(Arrays.asList(spec.usageMessage().footer()));
        assertTrue(authored.stream().anyMatch(s -> !s.isBlank()), "no description for " + path);
        for (String line : authored) {
            String text = plain(line);
            if (!text.isBlank()) {
                assertTrue(lines.stream().anyMatch(l -> l.stripTrailing().equals(text)),
                        () -> "line broken or missing in the help of " + path + ":\n" + text + "\n--- help:\n" + help);
            }
        }
        // every value is named for what it is (N, NAME, FILE...), not by picocli's generic <fieldName>
        assertFalse(java.util.regex.Pattern.compile("=<[a-z]\\w*>").matcher(help).find(),
                () -> "a generic <field> placeholder in the help of " + path + ":\n" + help);
        // every option is listed with its description
        for (OptionSpec o : spec.options()) {
            assertTrue(help.contains(o.longestName()), () -> o.longestName() + " missing:\n" + help);
            assertTrue(o.description().length > 0 && !o.description()[0].isBlank(), o.longestName() + " has no description");
        }
        // a command that does something shows how to use it
        if (spec.subcommands().isEmpty() || path.isEmpty()) {
            assertTrue(lines.contains("EXAMPLES"), () -> "no EXAMPLES section in the help of " + path + ":\n" + help);
        }
        // and, as a man page does, what its exit status means
        assertTrue(lines.contains("EXIT STATUS") && !exitStatus(help).isEmpty(),
                () -> "no EXIT STATUS section in the help of " + path + ":\n" + help);
    }

    @ParameterizedTest(name = "jgrad help {0}")
    @MethodSource("commands")
    void helpCommandPrintsTheSameAsTheFlag(List<String> path) {
        // jgrad help, jgrad help train, jgrad help example two-neuron: each as the command's own --help
        List<String> withFlag = new ArrayList<>(path);
        withFlag.add("--help");
        List<String> withHelp = new ArrayList<>(List.of("help"));
        withHelp.addAll(path);
        Cli flag = Cli.run(withFlag.toArray(String[]::new));
        Cli viaHelp = Cli.run(withHelp.toArray(String[]::new));
        assertEquals(0, flag.exitCode(), flag.err());
        assertEquals(0, viaHelp.exitCode(), viaHelp.err());
        assertEquals(flag.out(), viaHelp.out());
    }

    @ParameterizedTest(name = "jgrad {0} --version")
    @MethodSource("commands")
    void versionNamesJgradAndJava(List<String> path) {
        List<String> args = new ArrayList<>(path);
        args.add("--version");
        Cli r = Cli.run(args.toArray(String[]::new));
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().startsWith("jgrad "), () -> "jgrad " + path + " --version printed: '" + r.out() + "'");
        assertTrue(r.out().contains("Java " + Runtime.version().feature()), r.out());
    }

    @org.junit.jupiter.api.Test
    void jgradAloneShowsItsUsage() {
        Cli r = Cli.run();
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("Usage: jgrad"), r.out());
        assertTrue(r.out().contains("Commands:"), r.out());
    }

    @org.junit.jupiter.api.Test
    void helpFollowsTheWholeCommandPath() {
        Cli viaHelp = Cli.run("help", "example", "two-neuron");
        assertEquals(0, viaHelp.exitCode(), viaHelp.err());
        assertEquals(Cli.run("example", "two-neuron", "--help").out(), viaHelp.out());
        assertTrue(viaHelp.out().startsWith("One input, a sigmoid hidden neuron"), viaHelp.out());
        Cli.run("help", "example", "nope").assertUserError("jgrad help:", "unknown command 'nope'", "two-neuron");
    }

    /** The main page lists 'help' among the commands, so 'jgrad help help' is its page, as 'jgrad help --help' prints it. */
    @org.junit.jupiter.api.Test
    void helpHasAHelpPageToo() {
        Cli viaHelp = Cli.run("help", "help");
        assertEquals(0, viaHelp.exitCode(), viaHelp.err());
        assertEquals(Cli.run("help", "--help").out(), viaHelp.out());
        assertTrue(viaHelp.out().startsWith("Show the help page of a command."), viaHelp.out());
        assertTrue(viaHelp.out().lines().anyMatch("EXIT STATUS"::equals), viaHelp.out());
    }

    @org.junit.jupiter.api.Test
    void exampleWithoutAnExampleIsAUsageError() {
        Cli r = Cli.run("example");
        r.assertUserError("jgrad example:", "two-neuron");
        assertEquals("", r.out());
    }

    @org.junit.jupiter.api.Test
    void picocliErrorsStartWithTheFullCommandName() {
        Cli.run("train", "--epochs", "x").assertUserError("jgrad train: ", "--epochs");
        Cli.run("example", "two-neuron", "--steps", "x").assertUserError("jgrad example two-neuron: ", "--steps");
        Cli r = Cli.run("train", "--epochs", "x");
        assertTrue(r.err().startsWith("jgrad train: "), r.err());
    }

    /** train's --lr refuses 0 and below (Flags.positive): its help says so. */
    @org.junit.jupiter.api.Test
    void trainsHelpStatesThatTheLearningRateIsPositive(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws java.io.IOException {
        String help = Cli.run("train", "--help").out().replaceAll("\\s+", " ");
        assertTrue(help.contains("--lr=RATE Learning rate, a positive number (default: 0.001"), help);
        java.nio.file.Path csv = java.nio.file.Files.writeString(dir.resolve("d.csv"), "a,y\n1,0\n2,1\n");
        Cli.run("train", "--data", csv.toString(), "--lr", "0", "--out", dir.resolve("run").toString())
                .assertUserError("--lr must be a positive number, got 0.0");
    }

    /**
     * --normalize standardizes with one mean and one standard deviation of all the training values, also for a CSV
     * file's columns: the help said "Standardize features with the training set's mean and standard deviation", which
     * reads as one pair per column (as scikit-learn's StandardScaler) and left columns on different scales as they were.
     */
    @org.junit.jupiter.api.Test
    void normalizeSaysItUsesOnePairForAllColumns(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws java.io.IOException {
        String help = Cli.run("train", "--help").out().replaceAll("\\s+", " ");
        assertTrue(help.contains("--normalize[=all|columns] Standardize the inputs: with one mean and one standard deviation of"
                + " all the training set's values (all, or the flag alone: for images), or with a mean and standard deviation per"
                + " column (columns: "), help);
        // and so it does: the columns 1..3 and 100..300 have one mean, 101 (606 / 6), and one standard deviation
        java.nio.file.Path csv = java.nio.file.Files.writeString(dir.resolve("scales.csv"), "a,b,y\n1,100,0\n2,200,1\n3,300,0\n");
        Cli.ok("train", "--data", csv.toString(), "--normalize", "--layers", "", "--epochs", "1", "--threads", "1", "--no-report",
                "--out", dir.resolve("run").toString());
        java.util.Map<?, ?> data = (java.util.Map<?, ?>) ((java.util.Map<?, ?>) io.jgrad.io.Json.read(dir.resolve("run/config.json"))).get("data");
        assertEquals(101.0, ((Number) data.get("normalize_mean")).doubleValue(), 1e-9);
        assertTrue(data.get("normalize_std") instanceof Number, data.toString());
    }

    /**
     * After a Spark run that diverges past a checkpoint, ./jgrad draws the report of the epochs before it (README,
     * "Training on Spark"): the Spark paragraph said so in one sentence and "no report is drawn" in another.
     */
    @org.junit.jupiter.api.Test
    void sparkParagraphSaysADivergedRunGetsItsReport() {
        String help = Cli.run("train", "--help").out().replaceAll("\\s+", " ");
        assertTrue(help.contains("(also after a divergence, of the epochs before it)"), help);
        assertFalse(help.contains("no report is drawn"), help);
    }

    /**
     * The usage line of --resume lists the flags a resumed run takes ([--epochs N] ... [--grad-norms]); the --resume
     * option's own text, which says which flags may be given, named all but --grad-norms (found by the README check).
     */
    @org.junit.jupiter.api.Test
    void resumeOptionNamesEveryFlagOfItsUsageLine() {
        String help = Cli.run("train", "--help").out();
        String usage = help.lines().filter(l -> l.contains("jgrad train --resume DIR")).findFirst().orElseThrow()
                + help.lines().dropWhile(l -> !l.contains("jgrad train --resume DIR")).skip(1).findFirst().orElseThrow();
        List<String> flags = java.util.regex.Pattern.compile("\\[(--[a-z-]+)").matcher(usage).results().map(m -> m.group(1)).toList();
        assertTrue(flags.containsAll(List.of("--epochs", "--no-report", "--grad-norms")), usage);
        CommandSpec train = new CommandLine(new Main()).getSubcommands().get("train").getCommandSpec();
        String resume = String.join(" ", train.findOption("--resume").description());
        for (String flag : flags) {
            assertTrue(resume.contains(flag), () -> flag + " is in the usage line but not in --resume's text: " + resume);
        }
    }

    @org.junit.jupiter.api.Test
    void mainPageNamesTheEnvironmentAndGradcheckExitStatus() {
        String help = Cli.run("--help").out();
        for (String name : List.of("ENVIRONMENT", "JAVA_HOME", "JGRAD_JAVA_OPTS", "JGRAD_SPARK_JAVA_OPTS", "-Djgrad.sgemm=",
                "-Djgrad.blas=", "-Djgrad.vector=", "'jgrad gradcheck',")) {
            assertTrue(help.contains(name), () -> name + " missing:\n" + help);
        }
    }

    /**
     * The exit statuses a page lists are the ones the command returns: train exits 130 on SIGINT and 143 on SIGTERM
     * (KillAndResumeTest) and 2 on a diverged loss (FaultsTest), so its own page and jgrad's say so.
     */
    @org.junit.jupiter.api.Test
    void exitStatusSectionsListTrainsInterruptAndDivergence() {
        String train = exitStatus(Cli.run("help", "train").out());
        assertTrue(train.contains("130 interrupted by Ctrl-C (SIGINT), 143 by SIGTERM") && train.contains("--resume"), train);
        String top = exitStatus(Cli.run("--help").out());
        assertTrue(top.contains("for 'jgrad train', a diverged training") && top.contains("130 or 143"), top);
    }

    private static String exitStatus(String page) {
        return page.lines().dropWhile(l -> !l.equals("EXIT STATUS")).skip(1).takeWhile(l -> !l.isBlank())
                .map(String::strip).reduce((a, b) -> a + " " + b).orElse("");
    }
}
