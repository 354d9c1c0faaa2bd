package io.jgrad.cli;

import io.jgrad.data.TensorDataset;
import io.jgrad.nn.Sequential;
import io.jgrad.tensor.Backends;
import io.jgrad.tensor.Tensor;
import io.jgrad.train.EpochMetrics;
import io.jgrad.train.Evaluation;
import io.jgrad.train.History;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Assembles the facts and examples of a finished run and writes report.html with its charts. */
final class Reports {
    private Reports() {}

    /** Misclassified test images shown in the report, at most. */
    static final int MAX_MISCLASSIFIED = 36;

    static void write(Path dir, RunConfig cfg, DataSource ds, Sequential model, Objective objective,
                      List<EpochMetrics> metrics, Evaluation finalEval, History history, double seconds) throws IOException {
        String heldOut = heldOut(cfg, ds);
        Map<String, String> facts = new LinkedHashMap<>();
        facts.put("Data", ds.description() + (heldOut == null ? String.format(" (%,d train, no held-out data)", ds.train().size())
                : String.format(" (%,d train, %,d %s%s)", ds.train().size(), ds.test().size(), heldOut,
                        heldOut.equals("test") && cfg.patience() > 0 ? ", also used for early stopping" : "")));
        facts.put("Network", cfg.model().describe() + String.format(" (%,d parameters)", model.parameterCount()));
        facts.put("Loss", cfg.loss());
        facts.put("Optimizer", cfg.optimizer() + ", lr " + cfg.lr() + ", momentum " + cfg.momentum() + ", weight decay " + cfg.weightDecay());
        facts.put("Batch size", Integer.toString(cfg.batchSize()));
        facts.put("Epochs", metrics.size() + " of " + cfg.epochs() + " (" + history.stopReason() + ")");
        facts.put("Seed", Long.toString(cfg.seed()));
        if (finalEval != null) {
            String set = Character.toUpperCase(heldOut.charAt(0)) + heldOut.substring(1);
            facts.put(set + " loss", String.format("%.4f", finalEval.loss()));
            if (!Double.isNaN(finalEval.accuracy())) {
                facts.put(set + " accuracy", String.format("%.2f%%", 100 * finalEval.accuracy()));
            }
        }
        facts.put("Training time", String.format("%.1f s (this session), %d threads", seconds, Backends.threads()));
        facts.put("Software", "jgrad " + new Main.Version().getVersion()[0].replace("jgrad ", ""));
        facts.put("Processor", Machine.cpuModel());
        List<Misclassified> wrong = ds.imageShape() == null || ds.test() == null || !cfg.task().equals("classification")
                ? List.of() : misclassified(model, ds.test(), ds.imageShape(), ds.mean(), ds.std());
        new TrainingReport("jgrad training report: " + cfg.model().describe(), facts, metrics,
                finalEval == null ? null : finalEval.confusion(), heldOut, wrong).writeTo(dir);
    }

    /**
     * What the held-out samples are: "test" for an IDX directory's t10k split, "validation" for --val-split or
     * --val-data (CSV data, where early stopping and the epoch curves use them); null when there are none.
     */
    static String heldOut(RunConfig cfg, DataSource ds) {
        if (ds.test() == null) {
            return null;
        }
        return java.nio.file.Files.isDirectory(Path.of(cfg.data())) ? "test" : "validation";
    }

    /** The first test images the model gets wrong, with its confidence in the wrong class. */
    static List<Misclassified> misclassified(Sequential model, TensorDataset test, int[] hw, double mean, double std) {
        List<Misclassified> out = new ArrayList<>();
        int n = test.size(), per = hw[0] * hw[1], chunk = 500;
        float[] labels = test.targets().toFloatArray();
        Tensor features = test.features(); // a fresh float copy for byte-pixel data sets: take it once
        try (var scope = Tensor.noGrad()) {
            model.eval();
            for (int start = 0; start < n && out.size() < MAX_MISCLASSIFIED; start += chunk) {
                int end = Math.min(n, start + chunk);
                Tensor x = features.slice(0, start, end);
                float[] p = model.forward(x).softmax(1).toFloatArray();
                float[] pixels = x.toFloatArray();
                int k = p.length / (end - start);
                for (int i = 0; i < end - start && out.size() < MAX_MISCLASSIFIED; i++) {
                    int best = 0;
                    for (int j = 1; j < k; j++) {
                        if (p[i * k + j] > p[i * k + best]) {
                            best = j;
                        }
                    }
                    int truth = (int) labels[start + i];
                    if (best != truth) {
                        float[] img = new float[per];
                        for (int q = 0; q < per; q++) {
                            img[q] = (float) Math.min(1, Math.max(0, pixels[i * per + q] * std + mean)); // undo --normalize
                        }
                        out.add(new Misclassified(img, hw[0], hw[1], truth, best, p[i * k + best]));
                    }
                }
            }
        }
        return out;
    }
}
