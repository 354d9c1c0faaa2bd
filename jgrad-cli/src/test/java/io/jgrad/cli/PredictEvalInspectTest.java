package io.jgrad.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** predict, eval and inspect as a user runs them on what train wrote, and on files from elsewhere. */
class PredictEvalInspectTest {
    @TempDir
    static Path tmp;
    static Path idx;
    static Path cnn;
    static Path mlp;

    @BeforeAll
    static void train() throws Exception {
        idx = IdxFiles.write(tmp.resolve("idx"), 32, 8, 8, 5);
        Path conv = Files.writeString(tmp.resolve("conv.json"), "{\"layers\": [{\"type\": \"conv2d\", \"out_channels\": 2,"
                + " \"kernel_size\": 3}, {\"type\": \"flatten\"}, {\"type\": \"linear\", \"out_features\": 10}]}");
        cnn = tmp.resolve("cnn");
        Cli.ok("train", "--model", conv.toString(), "--data", idx.toString(), "--epochs", "1", "--batch-size", "16",
                "--threads", "1", "--no-report", "--out", cnn.toString());
        mlp = tmp.resolve("mlp");
        Cli.ok("train", "--data", idx.toString(), "--layers", "4", "--epochs", "1", "--batch-size", "16",
                "--threads", "1", "--no-report", "--out", mlp.toString());
    }

    private static Path idxFile(String name, int magic, int... dims) throws Exception {
        int n = 1;
        for (int d : dims) {
            n *= d;
        }
        return Files.write(tmp.resolve(name), SyntheticData.idx(magic, dims, new int[n]));
    }

    @Test
    void predictIdxNeedsImagesOfTheModelsSize() throws Exception {
        // 4x16 and flat 64-value records have the 64 values of an 8x8 image, and were reshaped into one
        Path wide = idxFile("wide-idx3-ubyte", 0x0803, 3, 4, 16);
        Path flat = idxFile("flat-idx2-ubyte", 0x0802, 3, 64);
        Cli.run("predict", "--model", cnn.toString(), "--idx", wide.toString())
                .assertUserError("--idx", "wide-idx3-ubyte", "shape [4, 16]", "8x8 images");
        Cli.run("predict", "--model", cnn.toString(), "--idx", flat.toString())
                .assertUserError("--idx", "flat-idx2-ubyte", "shape [64]", "8x8 images");
        Path labels = idxFile("labels-idx1-ubyte", 0x0801, 3);
        Cli.run("predict", "--model", cnn.toString(), "--idx", labels.toString()).assertUserError("labels-idx1-ubyte", "single numbers");
        Path none = idxFile("none-idx3-ubyte", 0x0803, 0, 8, 8);
        Cli.run("predict", "--model", cnn.toString(), "--idx", none.toString()).assertUserError("none-idx3-ubyte", "no records");
        assertEquals(3, Cli.ok("predict", "--model", cnn.toString(), "--idx", idxFile("square-idx3-ubyte", 0x0803, 3, 8, 8).toString())
                .out().lines().count());
        // an MLP takes flattened images: any record of 64 values is one
        assertEquals(3, Cli.ok("predict", "--model", mlp.toString(), "--idx", flat.toString()).out().lines().count());
        Cli.run("predict", "--model", mlp.toString(), "--idx", idxFile("small-idx3-ubyte", 0x0803, 2, 7, 7).toString())
                .assertUserError("small-idx3-ubyte", "[7, 7] (49 values)", "records of 64 values");
    }
}
