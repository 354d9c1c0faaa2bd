package io.jgrad.cli;

import static org.junit.jupiter.api.Assertions.*;

import io.jgrad.io.Json;
import io.jgrad.io.RunLock;
import io.jgrad.io.Safetensors;
import io.jgrad.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Flag values and files that used to slip past validation (crashing later with a stack trace, or silently doing
 * something else): each now gives exit code 2 and one line naming the flag or file, before training starts.
 */
class CliRobustnessTest {
    @TempDir
    static Path shared;
    static Path blobs;
    /** A finished 4-4-3 run on blobs.csv, one epoch. */
    static Path run;

    @TempDir
    Path dir;

    @BeforeAll
    static void trainOnce() throws IOException {
        blobs = SyntheticData.blobsCsv(shared.resolve("blobs.csv"), 60, 4, 3, 1);
        run = Cli.trainedRun(blobs, "4", shared.resolve("run"));
    }

    private Path out() {
        return dir.resolve("out");
    }

    /** Runs train on {@code data} with the extra flags, and fast settings for the flags they leave out. */
    private Cli train(Path data, String... extra) {
        List<String> args = new ArrayList<>(List.of("train", "--data", data.toString(), "--no-report"));
        args.addAll(Arrays.asList(extra));
        for (String[] d : new String[][] {{"--layers", "4"}, {"--epochs", "1"}, {"--out", out().toString()}, {"--threads", "1"}}) {
            if (!args.contains(d[0])) {
                args.addAll(List.of(d));
            }
        }
        return Cli.run(args.toArray(String[]::new));
    }

    /** No file at all under --out (a failed run must not leave a half-written one). */
    private void assertNothingWritten() throws IOException {
        if (Files.exists(out())) {
            try (Stream<Path> files = Files.walk(out())) {
                assertEquals(List.of(), files.filter(Files::isRegularFile).toList(), "a failed run left files in --out");
            }
        }
    }

    @Test
    void nanAndInfinityAreRejectedBeforeTraining() throws IOException {
        train(blobs, "--val-split", "NaN").assertUserError("--val-split", "NaN");
        assertNothingWritten();
        train(blobs, "--target-loss", "NaN").assertUserError("--target-loss", "NaN");
        train(blobs, "--target-loss", "Infinity").assertUserError("--target-loss", "Infinity");
        assertNothingWritten();
    }

    /** Every loss is >= 0: a negative --target-loss was accepted and never reached, the run training on to --epochs. */
    @Test
    void aNegativeTargetLossIsRefused() throws IOException {
        train(blobs, "--target-loss", "-0.001").assertUserError("--target-loss", ">= 0", "-0.001");
        assertNothingWritten();
        assertEquals(0, train(blobs, "--target-loss", "0").exitCode());
    }

    @Test
    void testSplitWithOtherImageSizeIsRejectedBeforeTraining() throws IOException {
        Path d = dir.resolve("idx");
        SyntheticData.idxDirectory(d, 8, 4, 8, 4, 1);
        // 4x16 test images: as many pixels as 8x8, so a flattened MLP used to train on them without a word
        Files.write(d.resolve("t10k-images-idx3-ubyte"), SyntheticData.idx(0x00000803, new int[] {4, 4, 16}, new int[4 * 64]));
        train(d).assertUserError("--data", "t10k-images-idx3-ubyte", "4x16", "8x8");
        Cli.run("train", "--data", d.toString(), "--model", "cnn", "--epochs", "1", "--threads", "1", "--no-report", "--out",
                out().toString()).assertUserError("t10k-images-idx3-ubyte", "4x16", "8x8");
        assertNothingWritten();
    }

    @Test
    void testLabelsBeyondTheTrainingClassesAreRejected() throws IOException {
        Path d = dir.resolve("idx");
        SyntheticData.idxDirectory(d, 8, 4, 8, 4, 1);
        Files.write(d.resolve("t10k-labels-idx1-ubyte"), SyntheticData.idxLabels(new int[] {0, 1, 12, 2}));
        train(d).assertUserError("t10k-labels-idx1-ubyte", "label 12", "10 classes");
        assertNothingWritten();
    }

    @Test
    void validationCsvWithOtherColumnsOrUnknownLabelsIsRejected() throws IOException {
        Path five = SyntheticData.blobsCsv(dir.resolve("val5.csv"), 20, 5, 3, 2);
        train(blobs, "--val-data", five.toString()).assertUserError("--val-data", "val5.csv", "5", "4");
        Path big = Files.writeString(dir.resolve("valbig.csv"), "f0,f1,f2,f3,label\n1,2,3,4,0\n1,2,3,4,7\n");
        train(blobs, "--val-data", big.toString()).assertUserError("--val-data", "valbig.csv", "label 7", "3 classes");
        assertNothingWritten();
    }

    /**
     * A malformed data file is named by the flag that gave it, as --val-data's and the Spark trainer's errors name it:
     * train's and eval's --data, predict's --csv and --idx, and for a file inside an IDX directory the directory, then
     * the file. They named the file alone, which left train's --data and --val-data in the same words.
     */
    @Test
    void aMalformedDataFileIsNamedByTheFlagThatGaveIt() throws IOException {
        Path word = Files.writeString(dir.resolve("word.csv"), "f0,f1,f2,f3,label\n1,2,3,4,0\n1,x,3,4,1\n");
        String notANumber = ": line 3, column 'f1': \"x\" is not a number";
        train(word).assertUserError("jgrad train: --data " + word + notANumber);
        Path ragged = Files.writeString(dir.resolve("ragged.csv"), "f0,f1,f2,f3,label\n1,2,3,4,0\n1,2,3,1\n");
        train(ragged).assertUserError("jgrad train: --data " + ragged + ": line 3: found 4 values; expected 5 as in the header");
        Path unnamed = Files.writeString(dir.resolve("unnamed.csv"), "f0,,f2,f3,label\n1,2,3,4,0\n");
        train(unnamed).assertUserError("jgrad train: --data " + unnamed + ": line 1, column 2: the header gives this column no name");
        train(blobs, "--val-data", word.toString()).assertUserError("jgrad train: --val-data " + word + notANumber);
        assertNothingWritten();
        Cli.run("eval", "--model", run.toString(), "--data", word.toString()).assertUserError("jgrad eval: --data " + word + notANumber);
        Cli.run("predict", "--model", run.toString(), "--csv", word.toString())
                .assertUserError("jgrad predict: --csv " + word + notANumber);
        Path three = SyntheticData.blobsCsv(dir.resolve("three.csv"), 20, 3, 3, 2); // the run's column f3 is missing
        Cli.run("predict", "--model", run.toString(), "--csv", three.toString())
                .assertUserError("jgrad predict: --csv " + three + ": line 1: no column ['f3']; expected the feature columns");
        // a file of an IDX directory (train's is gzipped): after the directory, the file
        Path idx = dir.resolve("idx");
        SyntheticData.idxDirectory(idx, 8, 4, 8, 4, 1);
        Path labels = idx.resolve("train-labels-idx1-ubyte.gz");
        Files.delete(labels);
        train(idx).assertUserError("jgrad train: --data " + idx + ": " + idx.resolve("train-labels-idx1-ubyte") + ": file not found");
        Path testImages = idx.resolve("t10k-images-idx3-ubyte");
        SyntheticData.idxDirectory(idx, 8, 4, 8, 4, 1);
        Files.write(testImages, Arrays.copyOf(Files.readAllBytes(testImages), 100));
        String truncated = ": " + testImages + ": header: dimensions [4, 8, 8] of UNSIGNED_BYTE need 256 data bytes, but the"
                + " file holds 84; the file is truncated";
        train(idx).assertUserError("jgrad train: --data " + idx + truncated);
        assertNothingWritten();
        Cli.run("eval", "--model", run.toString(), "--data", idx.toString()).assertUserError("jgrad eval: --data " + idx + truncated);
        Cli.run("predict", "--model", run.toString(), "--idx", testImages.toString())
                .assertUserError("jgrad predict: --idx " + testImages + ": header: dimensions [4, 8, 8]");
    }

    /**
     * The run's own data (eval without --data, train --resume, report) comes from its config.json, not from a flag: its
     * errors name the file and the field, as a missing path's do ("RUN/config.json: data.path x.csv: line 3, ..."). They
     * said --data or --val-data, which the user had not typed. A --data given on --resume is still named by the flag.
     */
    @Test
    void theRunsOwnDataIsNamedByItsConfigField() throws IOException {
        Path data = Files.copy(blobs, dir.resolve("data.csv"));
        Path val = SyntheticData.blobsCsv(dir.resolve("val.csv"), 20, 4, 3, 2);
        Path r = Cli.train(dir.resolve("r"), "--data", data.toString(), "--val-data", val.toString(), "--layers", "4",
                "--epochs", "1", "--no-report");
        String config = r.resolve("config.json") + ": ";
        String good = Files.readString(data);
        String notANumber = ": line 3, column 'f1': \"x\" is not a number";
        Files.writeString(data, "f0,f1,f2,f3,label\n1,2,3,4,0\n1,x,3,4,1\n");
        Cli.run("eval", "--model", r.toString()).assertUserError("jgrad eval: " + config + "data.path " + data + notANumber);
        Cli.run("train", "--resume", r.toString(), "--epochs", "2", "--threads", "1", "--no-report")
                .assertUserError("jgrad train: " + config + "data.path " + data + notANumber);
        Cli.run("train", "--resume", r.toString(), "--epochs", "2", "--threads", "1", "--no-report", "--data", data.toString())
                .assertUserError("jgrad train: --data " + data + notANumber);
        Cli.ok("report", r.toString());
        assertTrue(Files.readString(r.resolve("report.html")).contains("the data could not be read (" + config + "data.path "
                + data + notANumber.replace("'", "&#39;").replace("\"", "&quot;") + ")"), "report.html");
        Files.writeString(data, good);
        Files.writeString(val, "f0,f1,f2,f3,label\n1,2,3,4,0\n1,x,3,4,1\n");
        Cli.run("eval", "--model", r.toString()).assertUserError("jgrad eval: " + config + "data.val_data " + val + notANumber);
        Files.writeString(val, "f0,f1,f2,f3,label\n1,2,3,4,0\n1,2,3,4,7\n");
        Cli.run("train", "--resume", r.toString(), "--epochs", "2", "--threads", "1", "--no-report")
                .assertUserError("jgrad train: " + config + "data.val_data " + val + ": record 2 has label 7");
        // the labels checked against the model's classes, after the data is read
        Path noVal = Cli.trainedRun(data, "4", dir.resolve("noval"));
        Files.writeString(data, good + "1,2,3,4,5\n");
        Cli.run("eval", "--model", noVal.toString()).assertUserError("jgrad eval: " + noVal.resolve("config.json")
                + ": data.path " + data + ": record 61 has label 5, but the model in " + noVal + " has 3 classes");
        Cli.run("train", "--resume", noVal.toString(), "--epochs", "2", "--threads", "1", "--no-report")
                .assertUserError("jgrad train: " + noVal.resolve("config.json") + ": data.path " + data + ": has labels up to 5");
        // a file of an IDX directory: after the directory, the file
        Path idx = dir.resolve("idx");
        SyntheticData.idxDirectory(idx, 8, 4, 8, 4, 1);
        Path idxRun = Cli.train(dir.resolve("idxrun"), "--data", idx.toString(), "--layers", "4", "--epochs", "1", "--no-report");
        Path testImages = idx.resolve("t10k-images-idx3-ubyte");
        Files.write(testImages, Arrays.copyOf(Files.readAllBytes(testImages), 100));
        Cli.run("eval", "--model", idxRun.toString()).assertUserError("jgrad eval: " + idxRun.resolve("config.json")
                + ": data.path " + idx + ": " + testImages + ": header: dimensions [4, 8, 8]");
    }

    @Test
    void evalOnDataThatDoesNotFitTheModel() throws IOException {
        Path five = SyntheticData.blobsCsv(dir.resolve("five.csv"), 20, 5, 3, 2);
        // the run's feature columns f0..f3 are picked by name: f4 is ignored, a missing one is an error
        Cli.ok("eval", "--model", run.toString(), "--data", five.toString());
        Path three = SyntheticData.blobsCsv(dir.resolve("three.csv"), 20, 3, 3, 2);
        Cli.run("eval", "--model", run.toString(), "--data", three.toString()).assertUserError("three.csv", "'f3'");
        Path big = Files.writeString(dir.resolve("big.csv"), "f0,f1,f2,f3,label\n1,2,3,4,0\n1,2,3,4,5\n");
        Cli.run("eval", "--model", run.toString(), "--data", big.toString()).assertUserError("--data", "big.csv", "label 5", "3 classes");
        Path idx = dir.resolve("idx");
        SyntheticData.idxDirectory(idx, 8, 4, 8, 4, 1);
        Cli.run("eval", "--model", run.toString(), "--data", idx.toString()).assertUserError("--data", "idx", "[64]", "[4]");
    }

    @Test
    void directoryWhereAFileIsExpected() throws IOException {
        Path csvDir = Files.createDirectories(dir.resolve("somedir.csv"));
        train(blobs, "--val-data", csvDir.toString()).assertUserError("somedir.csv", "is a directory", "CSV file");
        Cli.run("predict", "--model", run.toString(), "--csv", csvDir.toString()).assertUserError("somedir.csv", "is a directory", "CSV");
        Cli.run("predict", "--model", run.toString(), "--idx", csvDir + "/").assertUserError("somedir.csv", "is a directory", "IDX");
        Cli.run("predict", "--model", run.toString(), "--idx", "").assertUserError("--idx", "empty");
        Path init = Files.createDirectories(dir.resolve("init.safetensors"));
        train(blobs, "--init", init.toString()).assertUserError("init.safetensors", "is a directory");
        Path png = Files.createDirectories(dir.resolve("digit.png"));
        Cli.run("predict", "--model", run.toString(), png.toString()).assertUserError("digit.png", "is a directory");
        Path json = Files.createDirectories(dir.resolve("net.json"));
        Cli.run("train", "--data", blobs.toString(), "--model", json.toString(), "--out", out().toString())
                .assertUserError("--model", "net.json", "is a directory");
        assertNothingWritten();
    }

    /**
     * A .csv path that is a device or a pipe is refused before it is read: a CSV file is read more than once, so /dev/null
     * behind a link was "file is empty", /dev/zero ran out of memory (advising more heap), and a pipe hung or lost its rows.
     */
    @Test
    void aDeviceOrPipeWhereACsvFileIsExpected() throws IOException {
        Path device = Files.createSymbolicLink(dir.resolve("null.csv"), Path.of("/dev/null"));
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.exists(device), "no /dev/null here");
        String expected = "is not a regular file (a pipe, socket or device); expected a CSV file";
        train(device).assertUserError("jgrad train: --data " + device + ": " + expected);
        train(blobs, "--val-data", device.toString()).assertUserError("--val-data " + device + ": " + expected);
        assertNothingWritten();
        Cli.run("eval", "--model", run.toString(), "--data", device.toString()).assertUserError("--data " + device + ": " + expected);
        Cli.run("predict", "--model", run.toString(), "--csv", device.toString()).assertUserError("--csv " + device + ": " + expected);
    }

    /**
     * An --out directory that holds someone else's files of a run's names is refused before anything is read or written:
     * the run replaced its config.json and would have deleted its report.html (as an earlier run's report). An earlier
     * run's directory is trained over, as runs/latest is each time.
     */
    @Test
    void anOutDirectoryHoldingOtherFilesIsRefused() throws IOException {
        Path project = Files.createDirectories(dir.resolve("project"));
        Files.writeString(project.resolve("config.json"), "{\"name\": \"mine\"}");
        Files.writeString(project.resolve("report.html"), "mine");
        train(blobs, "--out", project.toString()).assertUserError("jgrad train: --out " + project + ": holds config.json but"
                + " no jgrad run (its config.json is not a run's)", "expected a directory without them, or an earlier run's");
        assertEquals("{\"name\": \"mine\"}", Files.readString(project.resolve("config.json")));
        assertEquals("mine", Files.readString(project.resolve("report.html")));
        try (Stream<Path> files = Files.list(project)) {
            assertEquals(2, files.count(), "nothing written beside them");
        }
        assertEquals(0, train(blobs).exitCode());
        assertEquals(0, train(blobs).exitCode(), "an earlier run's directory is trained over");
    }

    /**
     * An --output (and a --graph) in a directory that takes no new files is named as the user gave it, with what was
     * expected: as root, /proc passes the check of write permission, and the error named the temporary file
     * ("/proc/.x.csv.PID.ID.tmp: no such file or directory"). Another user is refused before predicting, in the same words.
     */
    @Test
    void anOutputWhereNoFileCanBeCreatedIsNamedByItsFlag() {
        Path csv = Path.of("/proc/jgrad-cli-robustness-test.csv");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isDirectory(csv.getParent()), "no /proc here");
        Cli predict = Cli.run("predict", "--model", run.toString(), "--csv", blobs.toString(), "--output", csv.toString());
        predict.assertUserError("jgrad predict: --output " + csv + ": cannot ", "/proc (", "expected a directory this user may write in");
        assertFalse(predict.err().contains(".tmp"), predict.err());
        Path dot = Path.of("/proc/jgrad-cli-robustness-test.dot");
        Cli graph = Cli.run("example", "two-neuron", "--graph", dot.toString());
        graph.assertUserError("--graph " + dot + ": cannot ", "/proc (");
        assertFalse(graph.err().contains(".tmp"), graph.err());
    }

    /**
     * An --idx path that is a device or a named pipe is refused before it is opened, naming the flag and the file, in the
     * words of an IDX directory's entries (one check, IdxReader's): /dev/null was read as an IDX file of 0 bytes, and a
     * pipe with no writer made jgrad predict wait forever.
     */
    @Test
    void aDeviceOrPipeWhereAnIdxFileIsExpected() throws IOException, InterruptedException {
        Path device = Files.createSymbolicLink(dir.resolve("null-images-idx3-ubyte"), Path.of("/dev/null"));
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.exists(device), "no /dev/null here");
        String expected = "is not a regular file (a pipe, socket or device); expected a regular file (an IDX file)";
        Cli.run("predict", "--model", run.toString(), "--idx", device.toString()).assertUserError("jgrad predict: --idx " + device
                + ": " + expected);
        Path pipe = dir.resolve("t10k-images-idx3-ubyte.gz");
        assertEquals(0, new ProcessBuilder("mkfifo", pipe.toString()).start().waitFor(), "mkfifo");
        Cli.run("predict", "--model", run.toString(), "--idx", pipe.toString()).assertUserError("jgrad predict: --idx " + pipe
                + ": is not a regular file (a pipe, socket or device); expected a regular file (a gzipped IDX file)");
    }

    /**
     * Weights that are not finite (a file written by another program, or edited) are refused naming the file, the
     * tensor and the element: eval scored them at chance, predict answered class 0 for every row, and --init trained
     * into a divergence at the first step that blamed --lr.
     */
    @Test
    void weightsThatAreNotFiniteAreRefused() throws IOException {
        Path copy = copyOfRun("nan");
        Path model = copy.resolve("model.safetensors");
        Safetensors.Contents c = Safetensors.read(model);
        Map<String, Tensor> tensors = new LinkedHashMap<>(c.tensors());
        float[] w = tensors.get("2.weight").toFloatArray();
        w[5] = Float.NaN; // [1, 1] of a [3, 4] weight
        tensors.put("2.weight", Tensor.of(w, tensors.get("2.weight").shape()));
        Safetensors.write(model, tensors, c.metadata());
        String nan = model + ": tensor '2.weight': element [1, 1] is NaN; expected finite weights";
        Cli.run("eval", "--model", copy.toString()).assertUserError(nan);
        Cli.run("predict", "--model", copy.toString(), "--csv", blobs.toString()).assertUserError(nan);
        Cli.run("inspect", copy.toString()).assertUserError(nan);
        Cli.run("train", "--resume", copy.toString(), "--epochs", "2", "--threads", "1").assertUserError(nan);
        train(blobs, "--init", model.toString()).assertUserError(nan);
        assertNothingWritten();
        // the file alone is shown, NaN among its statistics, for a look at what is wrong
        assertTrue(Cli.ok("inspect", model.toString()).out().contains("NaN"));
    }

    /**
     * Makes {@code file} (whose content is {@code content}) a file that this process may not read: permissions 000,
     * or, where that does not stop the process (root reads any file), a link to /proc/sys/vm/drop_caches, a write-only
     * setting that Linux lets nobody read. Skips the test where neither works.
     */
    private static Path unreadable(Path file, byte[] content) throws IOException {
        Files.write(file, content);
        try {
            Files.setPosixFilePermissions(file, java.util.Set.of());
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system: try the link
        }
        if (Files.isReadable(file)) {
            Files.delete(file);
            Files.createSymbolicLink(file, Path.of("/proc/sys/vm/drop_caches"));
        }
        org.junit.jupiter.api.Assumptions.assumeFalse(Files.isReadable(file), "no way to make a file unreadable here");
        return file;
    }

    /**
     * A file the user may not read is a user error naming it, for every file jgrad reads; it was an
     * AccessDeniedException's stack trace with exit code 1 (an image said "corrupt or truncated image").
     */
    @Test
    void unreadableFilesAreUserErrors() throws IOException {
        String denied = "permission denied";
        Path csv = unreadable(dir.resolve("secret.csv"), Files.readAllBytes(blobs));
        train(csv).assertUserError("secret.csv", denied);
        train(blobs, "--val-data", csv.toString()).assertUserError("secret.csv", denied);
        Path net = unreadable(dir.resolve("net.json"), "{\"layers\": [{\"type\": \"linear\", \"out_features\": 3}]}".getBytes());
        train(blobs, "--model", net.toString()).assertUserError("net.json", denied);
        Path init = unreadable(dir.resolve("init.safetensors"), Files.readAllBytes(run.resolve("model.safetensors")));
        train(blobs, "--init", init.toString()).assertUserError("init.safetensors", denied);
        Path idx = dir.resolve("idx");
        SyntheticData.idxDirectory(idx, 8, 4, 8, 4, 1);
        Path labels = idx.resolve("t10k-labels-idx1-ubyte");
        unreadable(labels, Files.readAllBytes(labels));
        train(idx).assertUserError("t10k-labels-idx1-ubyte", denied);
        assertNothingWritten();

        Cli.run("eval", "--model", run.toString(), "--data", csv.toString()).assertUserError("secret.csv", denied);
        Cli.run("predict", "--model", run.toString(), "--csv", csv.toString()).assertUserError("secret.csv", denied);
        Cli.run("predict", "--model", run.toString(), "--idx", labels.toString()).assertUserError("t10k-labels-idx1-ubyte", denied);
        java.io.ByteArrayOutputStream png = new java.io.ByteArrayOutputStream();
        javax.imageio.ImageIO.write(new java.awt.image.BufferedImage(2, 2, java.awt.image.BufferedImage.TYPE_BYTE_GRAY), "png", png);
        Path image = unreadable(dir.resolve("digit.png"), png.toByteArray());
        Cli.run("predict", "--model", run.toString(), image.toString()).assertUserError("digit.png", denied);
        Cli.run("inspect", init.toString()).assertUserError("init.safetensors", denied);

        // a run directory whose config.json or model.safetensors cannot be read
        for (String name : List.of("config.json", "model.safetensors")) {
            Path copy = Files.createDirectories(dir.resolve("run-" + name));
            try (Stream<Path> files = Files.list(run)) {
                for (Path f : files.toList()) {
                    Files.copy(f, copy.resolve(f.getFileName()));
                }
            }
            unreadable(copy.resolve(name), Files.readAllBytes(run.resolve(name)));
            Cli.run("eval", "--model", copy.toString()).assertUserError(name, denied);
            Cli.run("predict", "--model", copy.toString(), "--csv", blobs.toString()).assertUserError(name, denied);
            Cli.run("inspect", copy.toString()).assertUserError(name, denied);
            Cli.run("train", "--resume", copy.toString(), "--epochs", "2", "--threads", "1").assertUserError(name, denied);
        }
    }

    /**
     * An output file in a directory that this user may not write in is a user error naming that file and the directory;
     * it named the temporary file beside it and said "expected a file that this user may read" (predict --output,
     * example --graph), or, for jgrad report, did so after reading the data and the model.
     */
    @Test
    void outputsInADirectoryWithoutWritePermissionAreUserErrors() throws IOException {
        Path locked = Files.createDirectory(dir.resolve("locked"));
        Files.setPosixFilePermissions(locked, java.nio.file.attribute.PosixFilePermissions.fromString("r-xr-xr-x"));
        try {
            Path in = canCreateIn(locked) ? Path.of("/sys") : locked; // root writes anywhere but in sysfs
            org.junit.jupiter.api.Assumptions.assumeFalse(canCreateIn(in), "no directory here that this user may not write in");
            Path predictions = in.resolve("predictions.csv");
            Cli predict = Cli.run("predict", "--model", run.toString(), "--csv", blobs.toString(), "--output", predictions.toString());
            predict.assertUserError(predictions.toString(), "cannot write in " + in);
            assertFalse(predict.err().contains(".tmp") || predict.err().contains("may read"), predict.err());
            Path graph = in.resolve("step.dot");
            Cli example = Cli.run("example", "two-neuron", "--graph", graph.toString());
            example.assertUserError(graph.toString(), "cannot write in " + in);
            assertFalse(example.err().contains(".tmp") || example.err().contains("may read"), example.err());
            assertFalse(Files.exists(predictions) || Files.exists(graph));
        } finally {
            Files.setPosixFilePermissions(locked, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        }
    }

    /** jgrad report into a run directory that this user may not write in: refused before anything is read. */
    @Test
    void reportIntoARunDirectoryWithoutWritePermissionIsAUserError() throws IOException {
        Path copy = Files.createDirectory(dir.resolve("run"));
        try (Stream<Path> files = Files.list(run)) {
            for (Path f : files.toList()) {
                Files.copy(f, copy.resolve(f.getFileName()));
            }
        }
        Files.setPosixFilePermissions(copy, java.nio.file.attribute.PosixFilePermissions.fromString("r-xr-xr-x"));
        try {
            org.junit.jupiter.api.Assumptions.assumeFalse(canCreateIn(copy), "root writes in a read-only directory");
            Cli.run("report", copy.toString()).assertUserError(copy.toString(), "cannot write in", "report.html");
        } finally {
            Files.setPosixFilePermissions(copy, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        }
    }

    /** Whether a file can be created in {@code d} (and is deleted again). */
    private static boolean canCreateIn(Path d) {
        try {
            Files.delete(Files.createTempFile(d, "probe", ".tmp"));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    @Test
    void modelFileAndConfigThatAreNotUtf8() throws IOException {
        byte[] latin1 = "{\"layers\": [{\"type\": \"linear\", \"out_features\": 3, \"note\": \"caf\u00e9\"}]}"
                .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        Path net = Files.write(dir.resolve("net.json"), latin1);
        Cli.run("train", "--data", blobs.toString(), "--model", net.toString(), "--epochs", "1", "--threads", "1",
                "--out", out().toString()).assertUserError("net.json", "UTF-8");
        Path copy = Files.createDirectories(dir.resolve("run-copy"));
        try (Stream<Path> files = Files.list(run)) {
            for (Path f : files.toList()) {
                Files.copy(f, copy.resolve(f.getFileName()));
            }
        }
        String cfg = Files.readString(copy.resolve("config.json")).replace("\"jgrad-run\"", "\"jgrad-run\u00e9\"");
        Files.write(copy.resolve("config.json"), cfg.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        Cli.run("eval", "--model", copy.toString()).assertUserError("config.json", "UTF-8");
        Cli.run("train", "--resume", copy.toString(), "--epochs", "2").assertUserError("config.json", "UTF-8");
    }

    @Test
    void truncatedPngAndJpeg() throws IOException {
        java.awt.image.BufferedImage img = new java.awt.image.BufferedImage(16, 16, java.awt.image.BufferedImage.TYPE_BYTE_GRAY);
        for (String format : List.of("png", "jpg")) {
            java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
            assertTrue(javax.imageio.ImageIO.write(img, format, bytes));
            byte[] whole = bytes.toByteArray();
            Path file = Files.write(dir.resolve("digit." + format), Arrays.copyOf(whole, whole.length / 2));
            // the shared run takes 4 inputs: a 2x2 image
            Cli.run("predict", "--model", run.toString(), file.toString()).assertUserError("digit." + format, "corrupt or truncated");
        }
    }

    @Test
    void badOutIsRejectedBeforeTheDataIsRead() throws IOException {
        Path file = Files.writeString(dir.resolve("existing"), "keep me");
        // bad.csv would fail when read: the --out error must come first
        Path bad = Files.writeString(dir.resolve("bad.csv"), "a,b,label\n1,x,0\n");
        train(bad, "--out", file.toString()).assertUserError("--out", "existing", "not a directory");
        train(bad, "--out", file.resolve("sub").toString()).assertUserError("--out", "existing", "not a directory");
        train(bad, "--out", "").assertUserError("--out", "empty");
        // the directory is --resume's where --out is left out: it said "--out existing", a flag not given
        Cli.run("train", "--resume", file.toString(), "--threads", "1").assertUserError("--resume " + file + ": exists and is not a directory");
        assertEquals("keep me", Files.readString(file));
    }

    /**
     * A second jgrad train into the --out of one that is running is refused: both used to write there, the second's start
     * deleting the first's checkpoint files in flight and their checkpoints replacing each other's, each run ending with
     * "wrote DIR/". Here the running one is a lock held in this JVM, as the tests run the command in-process; two
     * processes were checked by hand. The lock file goes with the run that held it.
     */
    @Test
    void aSecondRunIntoTheDirectoryOfARunningOneIsRefused() throws IOException {
        Path running = Files.createDirectories(out());
        try (RunLock held = RunLock.acquire(running)) {
            train(blobs).assertUserError("--out " + running, "another jgrad train is writing there");
            Cli.run("train", "--resume", run.toString(), "--epochs", "2", "--threads", "1", "--out", running.toString())
                    .assertUserError("--out " + running, "another jgrad train is writing there");
        }
        assertNothingWritten();
        assertEquals(0, train(blobs).exitCode());
        assertFalse(Files.exists(running.resolve(RunLock.FILE)), "the lock file is left behind");
        // a run stopped by an error before its first checkpoint (a diverged first epoch) removes the directories it
        // created, the lock's file no obstacle
        Path fresh = dir.resolve("fresh/run");
        train(blobs, "--out", fresh.toString(), "--optimizer", "sgd", "--lr", "1e30", "--batch-size", "4").assertUserError("training diverged");
        assertFalse(Files.exists(dir.resolve("fresh")), "a failed run leaves the directories it created");
    }

    /**
     * The lock is taken before the data is read: a refused run used to read its whole data set first (seconds to minutes
     * on large data) and only then learn that the directory was taken. Here the data would fail when read, so the
     * refusal about the lock shows that it was not: for a new run and for --resume, whose checkpoint names the data.
     */
    @Test
    void aRunRefusedByTheLockDoesNotReadItsData() throws IOException {
        Path bad = Files.writeString(dir.resolve("bad.csv"), "a,b,label\n1,x,0\n");
        Path resumed = copyOfRun("resumed");
        Path config = resumed.resolve(RunConfig.FILE);
        Files.writeString(config, Files.readString(config).replace(blobs.toString(), bad.toString()));
        Path running = Files.createDirectories(out());
        try (RunLock held = RunLock.acquire(running)) {
            train(bad).assertUserError("--out " + running, "another jgrad train is writing there");
            Cli.run("train", "--resume", resumed.toString(), "--epochs", "2", "--threads", "1", "--out", running.toString())
                    .assertUserError("--out " + running, "another jgrad train is writing there");
        }
        assertNothingWritten();
        // unlocked, the same runs fail on their data, and leave nothing: not the directory each created, nor the lock
        Path fresh = dir.resolve("fresh/run");
        train(bad, "--out", fresh.toString()).assertUserError("bad.csv");
        assertFalse(Files.exists(dir.resolve("fresh")), "a run whose data cannot be read leaves the directories it created");
        Cli.run("train", "--resume", resumed.toString(), "--epochs", "2", "--threads", "1", "--out", fresh.toString())
                .assertUserError("bad.csv");
        assertFalse(Files.exists(dir.resolve("fresh")), "a resumed run whose data cannot be read leaves the directories it created");
        Cli.run("train", "--resume", resumed.toString(), "--epochs", "2", "--threads", "1").assertUserError("bad.csv");
        assertFalse(Files.exists(resumed.resolve(RunLock.FILE)), "the lock file is left behind");
    }

    @Test
    void threadsAreCapped() throws IOException {
        train(blobs, "--threads", "100000").assertUserError("--threads", "at most 1024", "100000");
        assertNothingWritten();
        assertTrue(Main.isThreadLimit(new OutOfMemoryError("unable to create native thread: possibly out of memory or process/resource limits reached")));
        assertFalse(Main.isThreadLimit(new OutOfMemoryError("Java heap space")));
    }

    /** A copy of the shared run (so that a test may change or continue it). */
    private Path copyOfRun(String name) throws IOException {
        Path copy = Files.createDirectories(dir.resolve(name));
        try (Stream<Path> files = Files.list(run)) {
            for (Path f : files.toList()) {
                Files.copy(f, copy.resolve(f.getFileName()));
            }
        }
        return copy;
    }

    @Test
    void resumeWithNoEpochsLeftIsAnError() throws IOException {
        Path copy = copyOfRun("done");
        Cli.run("train", "--resume", copy.toString(), "--epochs", "1", "--threads", "1")
                .assertUserError("done", "already has 1 epoch", "--epochs greater than 1");
        Cli.run("train", "--resume", copy.toString(), "--threads", "1").assertUserError("done", "--epochs greater than 1");
    }

    /**
     * metrics.csv is part of a checkpoint: its rows of the completed epochs are the history that a resumed run's
     * metrics.csv and report go on from, and early stopping's earlier epochs. A file with fewer rows than config.json's
     * completed epochs (cut short, edited), or none, was taken as it was: the resumed run went on and its metrics.csv
     * and report lost the missing epochs. Both are refused now, as a missing optimizer.safetensors is, and nothing in
     * the directory changes. More rows are what a run stopped between writing metrics.csv and config.json (its commit
     * point) leaves: the row of an epoch not committed, which the resumed run trains again and writes anew.
     */
    @Test
    void resumeNeedsARowInMetricsCsvForEachCompletedEpoch() throws IOException {
        Path three = Cli.train(dir.resolve("three"), "--data", blobs.toString(), "--layers", "4", "--epochs", "3", "--no-report");
        Path four = Cli.train(dir.resolve("four"), "--data", blobs.toString(), "--layers", "4", "--epochs", "4", "--no-report");
        List<String> rows = Files.readAllLines(three.resolve("metrics.csv"));
        assertEquals(4, rows.size(), "a header and three rows");
        Path cut = Files.createDirectory(dir.resolve("cut"));
        for (String name : List.of("config.json", "model.safetensors", "optimizer.safetensors")) {
            Files.copy(three.resolve(name), cut.resolve(name));
        }
        Path metrics = cut.resolve("metrics.csv");
        Files.write(metrics, rows.subList(0, 3));
        byte[] config = Files.readAllBytes(cut.resolve("config.json")), before = Files.readAllBytes(metrics);
        Cli.run("train", "--resume", cut.toString(), "--epochs", "4", "--threads", "1", "--no-report")
                .assertUserError(metrics + ": 2 epochs, but " + cut.resolve("config.json") + " records 3 completed",
                        "restore the file or start a new run");
        assertArrayEquals(before, Files.readAllBytes(metrics), "a refused resume changed metrics.csv");
        Files.delete(metrics);
        Cli.run("train", "--resume", cut.toString(), "--epochs", "4", "--threads", "1", "--no-report", "--out",
                dir.resolve("elsewhere").toString())
                .assertUserError(metrics + ": no such file, but " + cut.resolve("config.json") + " records 3 completed epochs",
                        "restore the file or start a new run");
        assertArrayEquals(config, Files.readAllBytes(cut.resolve("config.json")), "a refused resume changed config.json");
        assertFalse(Files.exists(dir.resolve("elsewhere")), "a refused resume created its --out");
        // the fourth epoch's row, written before a commit that did not happen: dropped, and written again
        Files.copy(four.resolve("metrics.csv"), metrics);
        Files.writeString(metrics, Files.readString(metrics).replace("\n4,", "\n4,9"));
        Cli.ok("train", "--resume", cut.toString(), "--epochs", "4", "--threads", "1", "--no-report");
        List<String> want = Files.readAllLines(four.resolve("metrics.csv")), got = Files.readAllLines(metrics);
        assertEquals(want.size(), got.size());
        int seconds = Arrays.asList(want.get(0).split(",")).indexOf("seconds");
        for (int i = 0; i < want.size(); i++) {
            String[] w = want.get(i).split(",", -1), g = got.get(i).split(",", -1);
            w[seconds] = g[seconds] = "";
            assertArrayEquals(w, g, "metrics.csv line " + (i + 1) + " differs from the uninterrupted run's");
        }
    }

    /**
     * A switch turned off by =false on --resume is a change too: --no-shuffle=false on a run trained with --no-shuffle
     * (or --restore-best=false on one with --restore-best) was read as the switch left out, accepted, and the run went
     * on as it was, unlike --no-shuffle on a shuffled run, which is refused (found by this session's Spark QA pass).
     */
    @Test
    void resumeRejectsASwitchTurnedOffThatTheRunHasOn() throws IOException {
        Path fixed = dir.resolve("noshuffle");
        assertEquals(0, train(blobs, "--no-shuffle", "--val-split", "0.25", "--patience", "3", "--restore-best",
                "--out", fixed.toString()).exitCode());
        byte[] config = Files.readAllBytes(fixed.resolve("config.json"));
        Cli.run("train", "--resume", fixed.toString(), "--epochs", "2", "--threads", "1", "--no-shuffle=false")
                .assertUserError("--no-shuffle is fixed by the run in", "the run has true, --no-shuffle gives false");
        Cli.run("train", "--resume", fixed.toString(), "--epochs", "2", "--threads", "1", "--restore-best=false")
                .assertUserError("--restore-best is fixed by the run in", "the run has true, --restore-best gives false");
        assertArrayEquals(config, Files.readAllBytes(fixed.resolve("config.json")), "a rejected resume changed config.json");
        // the run's own values, given or left out, are no change
        Cli same = Cli.run("train", "--resume", fixed.toString(), "--epochs", "2", "--threads", "1", "--no-report",
                "--no-shuffle=true", "--restore-best");
        assertEquals(0, same.exitCode(), same.err());
        Cli shuffled = Cli.run("train", "--resume", copyOfRun("shuffled").toString(), "--epochs", "2", "--threads", "1",
                "--no-report", "--no-shuffle=false", "--restore-best=false");
        assertEquals(0, shuffled.exitCode(), shuffled.err());
    }

    @Test
    void resumeRejectsFlagsThatConfigJsonFixes() throws IOException {
        Path copy = copyOfRun("fixed");
        byte[] config = Files.readAllBytes(copy.resolve("config.json"));
        String[][] conflicts = {{"--lr", "0.1"}, {"--optimizer", "sgd"}, {"--layers", "8"}, {"--model", "cnn"},
            {"--batch-size", "8"}, {"--init", run.resolve("model.safetensors").toString()}, {"--seed", "7"},
            {"--data", SyntheticData.blobsCsv(dir.resolve("other.csv"), 30, 4, 3, 5).toString()}};
        for (String[] c : conflicts) {
            Cli.run("train", "--resume", copy.toString(), "--epochs", "2", "--threads", "1", "--no-report", c[0], c[1])
                    .assertUserError(c[0], "is fixed by the run in", "config.json", "leave it out");
        }
        assertArrayEquals(config, Files.readAllBytes(copy.resolve("config.json")), "a rejected resume changed config.json");
        Cli.run("train", "--resume", copy.toString(), "--epochs", "2", "--threads", "1", "--clip-grad-norm", "1")
                .assertUserError("--clip-grad-norm", "is fixed by the run", "the run has none");
        // the same values as the run's are not a conflict
        Cli same = Cli.run("train", "--resume", copy.toString(), "--epochs", "2", "--threads", "1", "--no-report", "--lr", "0.001",
                "--optimizer", "adam", "--data", blobs.toString());
        assertEquals(0, same.exitCode(), same.err());
    }

    @Test
    void resumeWhoseDataMovedNeedsData() throws IOException {
        Path copy = copyOfRun("moved");
        Path moved = dir.resolve("gone.csv");
        Files.copy(blobs, moved);
        String cfg = Files.readString(copy.resolve("config.json")).replace(Json.writeCompact(blobs.toString()), Json.writeCompact(moved.toString()));
        Files.writeString(copy.resolve("config.json"), cfg);
        Path elsewhere = Files.move(moved, dir.resolve("elsewhere.csv"));
        Cli.run("train", "--resume", copy.toString(), "--epochs", "2", "--threads", "1", "--no-report")
                .assertUserError("moved", "config.json", "data.path", "gone.csv", "no such file", "give --data with its new location");
        Cli ok = Cli.run("train", "--resume", copy.toString(), "--epochs", "2", "--threads", "1", "--no-report", "--data", elsewhere.toString());
        assertEquals(0, ok.exitCode(), ok.err());
        assertTrue(Files.readString(copy.resolve("config.json")).contains("elsewhere.csv"), "config.json should name the new path");
    }

    @Test
    void hugeCsvLabelNamesTheFileAndLine() throws IOException {
        Path csv = Files.writeString(dir.resolve("huge.csv"), "f0,f1,label\n1,2,0\n3,4,1000000\n2,2,1\n");
        train(csv).assertUserError("huge.csv", "line 3", "1000000", "0..65535");
        assertNothingWritten();
    }

    @Test
    void gradcheckRefusesTensorsTooLargeForAnArray() {
        Cli.run("gradcheck", "--inputs", "100000", "--layers", "100000").assertUserError("layer 0", "--inputs", "--layers");
    }

    @Test
    void valuesThatWereSilentlyClampedOrDroppedAreRejected() throws IOException {
        train(blobs, "--checkpoint-every", "-1").assertUserError("--checkpoint-every", "-1");
        train(blobs, "--schedule", "step:1:0.5:9").assertUserError("--schedule", "step:1:0.5:9", "step:N[:gamma]");
        train(blobs, "--schedule", "").assertUserError("--schedule", "empty");
        train(blobs, "--schedule", "step:1:").assertUserError("--schedule", "empty");
        train(blobs, "--schedule", "exponential:NaN").assertUserError("--schedule", "NaN");
        train(blobs, "--augment", "flip,").assertUserError("--augment", "flip,");
        Path val = SyntheticData.blobsCsv(dir.resolve("val.csv"), 20, 4, 3, 2);
        train(blobs, "--val-split", "0.2", "--val-data", val.toString()).assertUserError("--val-split", "--val-data");
        assertNothingWritten();
        Path idx = dir.resolve("idx");
        SyntheticData.idxDirectory(idx, 8, 4, 8, 4, 1);
        Cli.run("train", "--data", idx.toString(), "--model", "cnn", "--augment", "shift:100", "--epochs", "1", "--threads", "1",
                "--no-report", "--out", out().toString()).assertUserError("--augment", "shift:100", "8x8");
        assertNothingWritten();
        Path features = Files.writeString(dir.resolve("features.csv"), "f0,f1,f2,f3\n0.1,0.2,0.3,0.4\n");
        assertEquals(0, Cli.run("predict", "--model", run.toString(), "--csv", features.toString(), "--top", "1").exitCode());
        Cli.run("predict", "--model", run.toString(), "--csv", features.toString(), "--top", "0").assertUserError("--top", "0");
        Cli.run("predict", "--model", run.toString(), "--csv", features.toString(), "--top", "-1").assertUserError("--top", "-1");
    }

    @Test
    void weightMismatchSaysWhatToDoNotWhichApiToCall() throws IOException {
        // the shared run is 4-4-3: its weights do not fit 4-8-3
        Cli c = train(blobs, "--layers", "8", "--init", run.resolve("model.safetensors").toString());
        c.assertUserError("model.safetensors", "0.weight", "[4, 4]", "[8, 4]", "leave out --init");
        assertFalse(c.err().contains("loadStateDict"), c.err());
        assertNothingWritten();
        // a run directory whose model.safetensors came from another network
        Path other = dir.resolve("other");
        assertEquals(0, train(blobs, "--layers", "8", "--out", other.toString()).exitCode());
        Path copy = copyOfRun("swapped");
        Files.copy(other.resolve("model.safetensors"), copy.resolve("model.safetensors"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Cli e = Cli.run("eval", "--model", copy.toString());
        e.assertUserError("swapped", "model.safetensors", "config.json");
        assertFalse(e.err().contains("loadStateDict"), e.err());
    }

    /**
     * A checkpoint interrupted after its commit point: config.json names checkpoint 1:0, whose weights are still
     * in model.safetensors.next, while model.safetensors holds an older checkpoint (here all zeros). train --resume
     * took the named weights; eval, predict and inspect read model.safetensors whatever its checkpoint, so they
     * scored the old weights against a config.json that says 1 epoch done.
     */
    @Test
    void evalAndInspectReadTheCheckpointThatConfigNames() throws IOException {
        Path copy = copyOfRun("interrupted");
        Files.move(copy.resolve("model.safetensors"), copy.resolve("model.safetensors.next"));
        Map<String, Tensor> older = new LinkedHashMap<>();
        Safetensors.read(copy.resolve("model.safetensors.next")).tensors().forEach((k, v) -> older.put(k, Tensor.zeros(v.shape())));
        Safetensors.write(copy.resolve("model.safetensors"), older, Map.of("format", "pt", "checkpoint", "0:0", "producer", "jgrad"));
        String want = Cli.ok("eval", "--model", run.toString()).out();
        assertEquals(want.replace(run.toString(), copy.toString()), Cli.ok("eval", "--model", copy.toString()).out());
        String inspected = Cli.ok("inspect", copy.toString()).out();
        assertTrue(inspected.contains(copy.resolve("model.safetensors.next") + ":"), inspected);
        assertEquals(Cli.ok("inspect", run.toString()).out().replace(run.resolve("model.safetensors").toString(),
                copy.resolve("model.safetensors.next").toString()).replace(run.toString(), copy.toString()), inspected);
    }

    @Test
    void aValidationSplitWithNoRowsIsAUserError() throws IOException {
        // it used to train, then stop with a stack trace from Trainer.fit's check of an empty loader
        train(blobs, "--val-split", "0.001").assertUserError("--val-split 0.001", "leaves none of the 60 rows", "at least one");
        assertNothingWritten();
        Cli ok = train(blobs, "--val-split", "0.2");
        assertEquals(0, ok.exitCode(), ok.err());
        assertTrue(ok.err().contains("(48 train, 12 validation)"), ok.err());
        assertTrue(ok.out().contains("validation loss"), ok.out());
    }

    @Test
    void resumeComparesPathsAndNamesAsTheParsersRead() throws IOException {
        Path val = Files.copy(blobs, dir.resolve("v.csv"));
        Path r = Cli.trainedRun(blobs, "4", dir.resolve("r"));
        Cli.ok("train", "--data", blobs.toString(), "--val-data", val.toString(), "--layers", "4", "--epochs", "1",
                "--threads", "1", "--no-report", "--schedule", "exponential:0.9", "--out", r.toString());
        // the same file by another spelling of its path, the same schedule in other case
        Cli.ok("train", "--resume", r.toString(), "--epochs", "2", "--threads", "1", "--val-data",
                dir.resolve(".").resolve("v.csv").toString(), "--schedule", " Exponential:0.9");
        // a validation file that moved: refused without --val-data, taken with it
        Path moved = Files.move(val, dir.resolve("moved.csv"));
        Cli.run("train", "--resume", r.toString(), "--epochs", "3", "--threads", "1")
                .assertUserError("data.val_data", "give --val-data with its new location");
        Cli.ok("train", "--resume", r.toString(), "--epochs", "3", "--threads", "1", "--val-data", moved.toString());
        assertTrue(Files.readString(r.resolve("config.json")).contains("moved.csv"), "config.json should name the new path");
    }

    /** A copy of run directory {@code from} in {@code to}, with optimizer.safetensors rewritten by {@code edit}. */
    private static Path copyEditingOptimizer(Path from, Path to, java.util.function.BiConsumer<Map<String, Tensor>,
            Map<String, String>> edit) throws IOException {
        Files.createDirectory(to);
        for (String name : List.of("config.json", "model.safetensors", "optimizer.safetensors", "metrics.csv")) {
            Files.copy(from.resolve(name), to.resolve(name));
        }
        var opt = Safetensors.read(to.resolve("optimizer.safetensors"));
        Map<String, Tensor> tensors = new LinkedHashMap<>(opt.tensors());
        Map<String, String> meta = new LinkedHashMap<>(opt.metadata());
        edit.accept(tensors, meta);
        Safetensors.write(to.resolve("optimizer.safetensors"), tensors, meta);
        return to;
    }

    @Test
    void resumeChecksTheOptionsTheOptimizerAndScheduleWereSavedWithAndReadsOlderRuns() throws IOException {
        Path r = dir.resolve("opts");
        Cli.ok("train", "--data", blobs.toString(), "--layers", "4", "--epochs", "2", "--threads", "1", "--no-report",
                "--optimizer", "sgd", "--momentum", "0.9", "--schedule", "step:1:0.5", "--out", r.toString());
        var saved = Safetensors.read(r.resolve("optimizer.safetensors"));
        assertEquals(0.9, saved.tensors().get("SGD.momentum").item());
        assertEquals("0.5", saved.metadata().get("scheduler.StepLR.gamma"));
        // a run directory written before the options were recorded resumes as it did, to the same weights
        Path old = copyEditingOptimizer(r, dir.resolve("old"), (tensors, meta) -> {
            tensors.keySet().removeIf(k -> k.startsWith("SGD."));
            meta.keySet().removeIf(k -> k.startsWith("scheduler.StepLR."));
        });
        Cli.ok("train", "--resume", r.toString(), "--epochs", "3", "--threads", "1");
        Cli.ok("train", "--resume", old.toString(), "--epochs", "3", "--threads", "1");
        assertArrayEquals(Safetensors.read(r.resolve("model.safetensors")).tensors().get("0.weight").toFloatArray(),
                Safetensors.read(old.resolve("model.safetensors")).tensors().get("0.weight").toFloatArray());
        // bug: a state saved with other options (here edited by hand) was taken, and the run's own options used
        Path momentum = copyEditingOptimizer(old, dir.resolve("momentum"),
                (tensors, meta) -> tensors.put("SGD.momentum", Tensor.scalar(io.jgrad.tensor.DType.FLOAT64, 0.5)));
        Cli.run("train", "--resume", momentum.toString(), "--epochs", "4", "--threads", "1").assertUserError(
                momentum.resolve("optimizer.safetensors").toString(), "saved with momentum = 0.5 but this SGD has momentum = 0.9");
        Path gamma = copyEditingOptimizer(old, dir.resolve("gamma"), (tensors, meta) -> {
            meta.put("scheduler.StepLR.step_size", "1.0");
            meta.put("scheduler.StepLR.gamma", "0.25");
        });
        Cli.run("train", "--resume", gamma.toString(), "--epochs", "4", "--threads", "1").assertUserError(
                gamma.resolve("optimizer.safetensors").toString(), "--schedule",
                "saved with gamma = 0.25 but this StepLR has gamma = 0.5");
    }

    @Test
    void resumeKeepsACosineScheduleOverTheEpochsItWasPlannedFor() throws IOException {
        // resumed to 6 epochs after 3, the learning rate stayed at min_lr 0 and epochs 4-6 changed nothing, silently
        Path r = dir.resolve("cos");
        Cli.ok("train", "--data", blobs.toString(), "--layers", "4", "--epochs", "3", "--threads", "1", "--no-report",
                "--schedule", "cosine", "--out", r.toString());
        String before = Files.readString(r.resolve("config.json"));
        Cli.run("train", "--resume", r.toString(), "--epochs", "6", "--threads", "1").assertUserError("--epochs 6",
                "--schedule cosine over 3 epochs", "--init " + r.resolve("model.safetensors"));
        assertEquals(before, Files.readString(r.resolve("config.json")), "a refused resume changes nothing");
        // other schedules extend as they are: a step schedule goes on stepping
        Path step = dir.resolve("step");
        Cli.ok("train", "--data", blobs.toString(), "--layers", "4", "--epochs", "2", "--threads", "1", "--no-report",
                "--schedule", "step:1:0.5", "--out", step.toString());
        Cli.ok("train", "--resume", step.toString(), "--epochs", "3", "--threads", "1");
    }

    @Test
    void momentumForAnOptimizerWithoutOneIsAUserError() throws IOException {
        // adam, adamw and adagrad ignored --momentum in silence
        train(blobs, "--optimizer", "adam", "--momentum", "0.9").assertUserError("--momentum 0.9", "--optimizer adam has no momentum", "beta1");
        train(blobs, "--optimizer", "Adagrad", "--momentum", "0.5").assertUserError("--momentum 0.5", "--optimizer adagrad has no momentum");
        assertNothingWritten();
        assertEquals(0, train(blobs, "--optimizer", "rmsprop", "--momentum", "0.9").exitCode());
        assertEquals(0, train(blobs, "--optimizer", "adam", "--momentum", "0").exitCode());
    }

    @Test
    void patienceWithoutHeldOutDataIsAUserError() throws IOException {
        // early stopping watches the validation loss: without held-out data it used to do nothing, silently
        train(blobs, "--patience", "2").assertUserError("--patience", "no held-out data", "--val-split");
        assertNothingWritten();
        Cli ok = train(blobs, "--patience", "2", "--val-split", "0.2");
        assertEquals(0, ok.exitCode(), ok.err());
    }
}
