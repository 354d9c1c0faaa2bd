package io.jgrad.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The ./jgrad launcher's standard-error filter (scripts/java-env.sh): the JVM's "Using incubator modules" line goes,
 * everything else, and the exit status, come through.
 */
class LauncherScriptTest {
    private static final Path ENV = Path.of("..", "scripts", "java-env.sh").toAbsolutePath().normalize();
    private static final String WARNING = "WARNING: Using incubator modules: jdk.incubator.vector";

    /** Runs {@code script} in bash after sourcing java-env.sh; returns {exit status, stdout, stderr}. */
    private static String[] bash(String script) throws Exception {
        // SIGINT at its default action, as in a shell started from a terminal: a process started in the background by
        // a non-interactive shell (nohup mvn ... &, some CI runners) inherits it ignored, and bash cannot trap a signal
        // ignored on entry, so the launcher's Ctrl-C handling would not be what runs (the Ctrl-C test then saw its
        // command run to the end, status 0)
        Process p = new ProcessBuilder("env", "--default-signal=INT", "bash", "-c", ". '" + ENV + "'\n" + script).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(30, TimeUnit.SECONDS);
        return new String[] {String.valueOf(p.exitValue()), out, err};
    }

    @Test
    void dropsOnlyTheWarningOnTheFirstLine() throws Exception {
        assertEquals("progress\rdone\nlast",
                bash("printf '" + WARNING + "\\nprogress\\rdone\\nlast' | jgrad_drop_incubator_warning")[1]);
        // the same words later, or another first line, are somebody's output: kept
        assertEquals("first\n" + WARNING + "\n",
                bash("printf 'first\\n" + WARNING + "\\n' | jgrad_drop_incubator_warning")[1]);
        assertEquals("no line end", bash("printf 'no line end' | jgrad_drop_incubator_warning")[1]);
        assertEquals("", bash("printf '' | jgrad_drop_incubator_warning")[1]);
    }

    /**
     * The last line the command writes before exiting comes through the filter to a caller that stops reading when
     * ./jgrad exits (Java's Process drains and closes the pipes then): with the JVM exec'd in the launcher's place,
     * such a line was still in the filter and got lost (55 of 200 runs of this check); the launcher now waits.
     */
    @Test
    void runJavaKeepsTheStatusAndEveryLineOfStandardError() throws Exception {
        for (int i = 0; i < 200; i++) {
            String[] r = bash("jgrad_run_java sh -c 'echo \"" + WARNING + "\" >&2; echo out; echo \"jgrad train: --epochs: bad\" >&2; exit 2'");
            assertEquals("2", r[0]);
            assertEquals("out\n", r[1]);
            assertEquals("jgrad train: --epochs: bad\n", r[2], "run " + i);
        }
    }

    /**
     * Where ./jgrad builds the report of 'jgrad train --spark ARGS': the --out that SparkTrainMain reads from ARGS (the
     * last one; without one, the --resume directory, else runs/spark), or nowhere with --no-report, or --help, which
     * trains nothing.
     */
    @Test
    void theReportOfASparkRunGoesToItsOutDirectoryUnlessNoReport() throws Exception {
        assertEquals("runs/spark\n", bash("jgrad_spark_report_dir --spark 'local[2]' --data d --epochs 2")[1]);
        assertEquals("r1\n", bash("jgrad_spark_report_dir --data d --out r1 --epochs 2")[1]);
        assertEquals("r 2\n", bash("jgrad_spark_report_dir --out=r1 --out 'r 2'")[1]);
        assertEquals("r1\n", bash("jgrad_spark_report_dir --out=r1 --layers ''")[1]);
        // a resumed run writes into the directory it continues, unless --out names another
        assertEquals("old\n", bash("jgrad_spark_report_dir --resume old --epochs 4")[1]);
        assertEquals("new\n", bash("jgrad_spark_report_dir --out new --resume=old")[1]);
        assertEquals("", bash("jgrad_spark_report_dir --out r1 --no-report --epochs 2")[1]);
        assertEquals("", bash("jgrad_spark_report_dir --no-report")[1]);
        // --no-report=true and =false as jgrad train (and SparkTrainMain) read them, the last one winning
        assertEquals("", bash("jgrad_spark_report_dir --out r1 --no-report=TRUE")[1]);
        assertEquals("r1\n", bash("jgrad_spark_report_dir --out r1 --no-report=false")[1]);
        assertEquals("r1\n", bash("jgrad_spark_report_dir --out r1 --no-report --no-report=")[1]);
        assertEquals("", bash("jgrad_spark_report_dir --data d --help")[1]);
        assertEquals("", bash("jgrad_spark_report_dir -h")[1]);
    }

    /**
     * A run trained with --no-report records it (config.json's training.report false, as jgrad train writes it), and
     * --resume keeps it: the launcher reads the directory the run wrote, where it printed that directory.
     */
    @Test
    void aResumedSparkRunKeepsItsRecordedNoReport(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        java.nio.file.Path quiet = java.nio.file.Files.createDirectory(dir.resolve("quiet"));
        java.nio.file.Files.writeString(quiet.resolve("config.json"), "{\n  \"training\": {\n    \"epochs\": 2,\n"
                + "    \"report\": false\n  },\n  \"state\": {}\n}\n");
        assertEquals("", bash("jgrad_spark_report_dir --resume '" + quiet + "' --epochs 4")[1]);
        assertEquals("", bash("jgrad_spark_report_dir --out '" + quiet + "' --data d")[1]);
        java.nio.file.Path loud = java.nio.file.Files.createDirectory(dir.resolve("loud"));
        java.nio.file.Files.writeString(loud.resolve("config.json"), "{\"training\": {\"report\": true}}\n");
        assertEquals(loud + "\n", bash("jgrad_spark_report_dir --resume '" + loud + "' --epochs 4")[1]);
    }

    /**
     * After a Spark run ./jgrad draws its report (jgrad report DIR) where jgrad train draws one: after a run that ended
     * well (status 0), and after one that diverged (status 2, as jgrad train's) with epochs in its directory to report,
     * which SparkTrainMain says by writing the divergence into the file the launcher gave it (-Djgrad.diverged): the
     * report is then drawn with --diverged and those words, so that it names the divergence as jgrad train's does. Not
     * after a refusal (status 2 too), which writes nothing there. Diverged runs used to be told apart by the times of
     * config.json and a stamp, and their report said "interrupted, or diverged" without which.
     */
    @Test
    void aSparkRunsReportIsDrawnAfterItEndsWellOrDivergesAfterACheckpoint(@org.junit.jupiter.api.io.TempDir Path dir)
            throws Exception {
        Path run = java.nio.file.Files.createDirectory(dir.resolve("run"));
        java.nio.file.Files.writeString(run.resolve("config.json"), "{\"training\": {\"report\": true}}\n");
        Path diverged = java.nio.file.Files.writeString(dir.resolve("diverged"), "");
        String drawn = "jgrad_cli() { printf 'drawn:'; printf ' [%s]' \"$@\"; echo; }\n";
        String failing = "jgrad_cli() { echo 'jgrad report: cannot' >&2; return 1; }\n";
        String after2 = "jgrad_spark_after 2 '" + diverged + "' --resume '" + run + "' --epochs 4";
        // refused: nothing in the file
        String[] r = bash(drawn + after2);
        assertEquals("2", r[0]);
        assertEquals("", r[1], "a refused run's report was drawn");
        r = bash(drawn + "jgrad_spark_after 0 '" + diverged + "' --resume '" + run + "' --epochs 4");
        assertEquals("0", r[0]);
        assertEquals("drawn: [report] [" + run + "]\n", r[1]);
        // diverged with epochs to report: drawn with the divergence's words, and the status stays the divergence's
        java.nio.file.Files.writeString(diverged, "epoch 3, step 5: the loss is NaN in a local step of partition 1");
        r = bash(drawn + after2);
        assertEquals("2", r[0]);
        assertEquals("drawn: [report] [" + run + "] [--diverged] [epoch 3, step 5: the loss is NaN in a local step of partition 1]\n",
                r[1]);
        assertEquals("", bash(drawn + after2 + " --no-report")[1], "--no-report drew a report");
        // an internal error (1) or an interruption (130) is no divergence: nothing drawn
        assertEquals("", bash(drawn + "jgrad_spark_after 1 '" + diverged + "' --resume '" + run + "'")[1]);
        assertEquals("", bash(drawn + "jgrad_spark_after 130 '" + diverged + "' --resume '" + run + "'")[1]);
        // a report that fails after a divergence is a note; the run still ends with the divergence's status
        r = bash(failing + after2);
        assertEquals("2", r[0]);
        assertEquals("jgrad report: cannot\njgrad: the report of the epochs of the Spark run in " + run + " before it diverged was"
                + " not written (above); 'jgrad report " + run + "' tries again\n", r[2]);
        r = bash(failing + "jgrad_spark_after 0 '" + diverged + "' --resume '" + run + "'");
        assertEquals("1", r[0]);
        assertEquals("jgrad report: cannot\njgrad: the Spark run in " + run + " is complete, but its report was not written"
                + " (above); 'jgrad report " + run + "' tries again\n", r[2]);
    }

    @Test
    void aSigtermToTheLauncherReachesTheCommand() throws Exception {
        // a supervisor's kill of ./jgrad's pid must reach the JVM (its shutdown hook finishes the checkpoint): a shell
        // that waited for it without passing the signal on died alone and left it running
        String[] r = signalTheLauncher("", "TERM", 7);
        assertEquals("got TERM\nstatus 7\n", r[1], r[2]);
    }

    /**
     * A SIGTERM that reaches the launcher while it starts the command (sent here by a stand-in filter the moment the
     * filter starts) stops the command and ends the launcher with 143. With the traps installed only after the command
     * had started, such a signal ended the launcher alone, by its default action, and now and then (2 of 10 runs by
     * hand) the command it had just started ran on unwatched to print 'finished'.
     */
    @Test
    void aSigtermThatComesWhileTheLauncherStartsTheCommandStillStopsIt() throws Exception {
        for (int i = 0; i < 20; i++) {
            String[] r = bash("jgrad_drop_incubator_warning() { kill -TERM $$; exec cat; }\n"
                    + "jgrad_run_java sh -c 'sleep 1 >/dev/null 2>&1; echo finished'; echo \"status $?\"");
            assertEquals("status 143\n", r[1], "run " + i + ": " + r[2]);
        }
    }

    @Test
    void ctrlCReachesTheCommandAsASigtermAndEndsWithStatus130() throws Exception {
        // the command runs as a background job, which ignores SIGINT: the launcher passes Ctrl-C on as a SIGTERM, and
        // a JVM stopped by it (143) ends the launcher with 130, as Ctrl-C of a JVM in the foreground would. set -m
        // gives the launcher's subshell a SIGINT it can trap, as a launcher started from a terminal has.
        String[] r = signalTheLauncher("set -m; ", "INT", 143);
        assertEquals("got TERM\nstatus 130\n", r[1], r[2]);
    }

    /**
     * A JVM killed outright (the kernel's out-of-memory killer sends SIGKILL, which no shutdown hook sees) ends the
     * launcher with 137 and one line saying what happened and how to go on, instead of bash's job report naming a
     * line of java-env.sh and its redirections.
     */
    @Test
    void aKilledCommandIsReportedInWordsWithStatus137() throws Exception {
        String[] r = bash("jgrad_run_java sh -c 'echo started >&2; kill -KILL $$'; echo \"status $?\"");
        assertEquals("status 137\n", r[1], r[2]);
        assertEquals(2, r[2].split("\n").length, r[2]);
        assertTrue(r[2].startsWith("started\njgrad: java was killed (SIGKILL, exit status 137);"), r[2]);
        assertTrue(r[2].contains("last checkpoint, if it had written one: 'jgrad train --resume DIR' continues from it"), r[2]);
        assertFalse(r[2].contains("java-env.sh"), r[2]);
    }

    /**
     * Starts jgrad_run_java in a background subshell (after {@code setup}) on a command that, on SIGTERM, says "got
     * TERM" and exits with {@code exitOnTerm}; a second later sends {@code signal} to the launcher and prints its status.
     */
    /**
     * Sends {@code signal} to a launcher whose command traps SIGTERM, once the command runs (it creates a file after
     * its trap), rather than after a fixed delay that a loaded machine may outlast.
     */
    private static String[] signalTheLauncher(String setup, String signal, int exitOnTerm) throws Exception {
        return bash("export JGRAD_TEST_READY=$(mktemp); rm -f \"$JGRAD_TEST_READY\"; " + setup
                + "(jgrad_run_java sh -c 'sleep 20 >/dev/null 2>&1 & s=$!;"
                + " trap \"kill $s; echo got TERM; exit " + exitOnTerm + "\" TERM; : > \"$JGRAD_TEST_READY\"; wait') & pid=$!;"
                + " while [ ! -e \"$JGRAD_TEST_READY\" ]; do sleep 0.05; done; rm -f \"$JGRAD_TEST_READY\";"
                + " kill -" + signal + " $pid; wait $pid; echo \"status $?\"");
    }
}
