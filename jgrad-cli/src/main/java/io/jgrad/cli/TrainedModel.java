package io.jgrad.cli;

import io.jgrad.nn.Sequential;
import io.jgrad.tensor.Generator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A run directory loaded back: its configuration and the network with its trained weights. */
record TrainedModel(Path dir, RunConfig config, Sequential network, Objective objective) {

    static TrainedModel load(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new UserError("--model " + dir + ": not a directory; expected the --out directory of 'jgrad train'");
        }
        RunConfig cfg = RunConfig.read(dir);
        Sequential net = cfg.model().build(new Generator(cfg.seed()));
        Checkpoint.loadWeights(dir.resolve(Checkpoint.MODEL), net);
        net.eval();
        return new TrainedModel(dir, cfg, net, Objective.of(cfg.loss(), cfg.numClasses()));
    }

    /** The data the model was trained on (or {@code data}), prepared the same way (scaling, normalization). */
    DataSource data(Path data) throws IOException {
        // the run's own data is split as in training, so that its test part is the held-out part
        if (data == null) {
            return DataSource.load(Path.of(config.data()), config.valData() == null ? null : Path.of(config.valData()),
                    config.valSplit(), config.targetColumn(), !config.task().equals("regression"), false, config.seed(),
                    config.model().images())
                    .standardizedWith(config.normMean(), config.normStd());
        }
        return DataSource.load(data, null, 0, config.targetColumn(), !config.task().equals("regression"), false, config.seed(),
                        config.model().images())
                .standardizedWith(config.normMean(), config.normStd());
    }
}
