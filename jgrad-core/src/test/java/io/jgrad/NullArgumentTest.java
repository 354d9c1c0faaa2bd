package io.jgrad;

import static org.junit.jupiter.api.Assertions.*;

import io.jgrad.data.DataLoader;
import io.jgrad.data.TensorDataset;
import io.jgrad.io.Safetensors;
import io.jgrad.nn.BCELoss;
import io.jgrad.nn.BCEWithLogitsLoss;
import io.jgrad.nn.Conv2d;
import io.jgrad.nn.CrossEntropyLoss;
import io.jgrad.nn.Dropout;
import io.jgrad.nn.Dropout2d;
import io.jgrad.nn.FanMode;
import io.jgrad.nn.Init;
import io.jgrad.nn.Linear;
import io.jgrad.nn.MSELoss;
import io.jgrad.nn.NLLLoss;
import io.jgrad.nn.Sequential;
import io.jgrad.optim.GradientClipping;
import io.jgrad.optim.SGD;
import io.jgrad.tensor.DType;
import io.jgrad.tensor.Generator;
import io.jgrad.tensor.Tensor;
import io.jgrad.train.Task;
import io.jgrad.train.Trainer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import io.jgrad.nn.AdaptiveAvgPool2d;
import io.jgrad.nn.AvgPool2d;
import io.jgrad.nn.BatchNorm1d;
import io.jgrad.nn.BatchNorm2d;
import io.jgrad.nn.ELU;
import io.jgrad.nn.Flatten;
import io.jgrad.nn.GELU;
import io.jgrad.nn.Identity;
import io.jgrad.nn.LeakyReLU;
import io.jgrad.nn.LogSoftmax;
import io.jgrad.nn.MaxPool2d;
import io.jgrad.nn.Module;
import io.jgrad.nn.ReLU;
import io.jgrad.nn.Sigmoid;
import io.jgrad.nn.Softmax;
import io.jgrad.nn.Tanh;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A null argument to a public entry point fails at the call, with a message naming the entry point and the argument,
 * rather than as a bare NullPointerException later (at forward, or deep inside the op).
 */
class NullArgumentTest {
    @TempDir
    Path dir;

    private static void refused(String message, Executable call) {
        var e = assertThrows(IllegalArgumentException.class, call);
        assertEquals(message, e.getMessage());
    }

    @Test
    void nullArgumentsAreRefusedAtTheCallNamingTheArgument() {
        Tensor x = Tensor.zeros(2, 3);
        refused("Dropout: generator is null", () -> new Dropout(0.5, null));
        refused("Dropout2d: generator is null", () -> new Dropout2d(0.5, null));
        refused("dropout: generator is null", () -> x.dropout(0, null));
        refused("dropout: generator is null", () -> x.dropout(1, null));
        refused("Tensor.normal: generator is null", () -> Tensor.randn(null, 3));
        refused("Tensor.uniform: generator is null", () -> Tensor.rand(null, 3));
        refused("Tensor.uniform: generator is null", () -> Tensor.uniform(DType.FLOAT64, null, 0, 1, 0));
        refused("loadStateDict into Linear: state is null", () -> new Linear(2, 3).loadStateDict(null, true));
        refused("clipGradNorm: params is null", () -> GradientClipping.clipGradNorm(null, 1));
        refused("clipGradNorm: params[1] is null", () -> GradientClipping.clipGradNorm(Arrays.asList(x, null), 1));
        refused("cat: tensor 1 is null", () -> Tensor.cat(0, x, null));
        refused("cat: tensors is null", () -> Tensor.cat(0, (Tensor[]) null));
        refused("Tensor.of: row 1 is null", () -> Tensor.of(new double[][] {{1}, null}));
        refused("Tensor.of: row 0 is null", () -> Tensor.of(new float[][] {null, {1}}));
        refused("Tensor.of: rows is null", () -> Tensor.of((double[][]) null));
    }

    /**
     * The tensor ops, the losses and the data classes name the null operand: each failed as a NullPointerException
     * from inside the op ("Cannot read field \"dtype\" because \"b\" is null"), and a DataLoader took a null data
     * set and failed only when iterated.
     */
    @Test
    void nullOperandsAreRefusedNamingTheOpAndTheArgument() {
        Tensor x = Tensor.zeros(2, 3);
        Tensor v = Tensor.zeros(3);
        refused("Tensor.of: data is null", () -> Tensor.of((float[]) null, 2));
        refused("Tensor.of: data is null", () -> Tensor.of((double[]) null));
        refused("Tensor.wrap: data is null", () -> Tensor.wrap((float[]) null, 2));
        refused("Tensor.wrap: data is null", () -> Tensor.wrap((double[]) null, 2));
        refused("add: other is null", () -> x.add((Tensor) null));
        refused("maximum: other is null", () -> x.maximum(null));
        refused("pow: other is null", () -> x.pow((Tensor) null));
        refused("gt: other is null", () -> x.gt((Tensor) null));
        refused("where: mask is null", () -> Tensor.where(null, x, x));
        refused("where: b is null", () -> Tensor.where(x, x, null));
        refused("matmul: other is null", () -> x.matmul(null));
        refused("linear: weight is null", () -> Tensor.linear(x, null, null));
        refused("linear: input is null", () -> Tensor.linear(null, x, null));
        refused("copy_: src is null", () -> v.copy_(null));
        refused("add_: other is null", () -> v.add_(null, 1));
        refused("addcmul_: t2 is null", () -> v.addcmul_(v, null, 1));
        refused("crossEntropy: target is null", () -> x.crossEntropy(null));
        refused("stack: tensor 1 is null", () -> Tensor.stack(0, x, null));
        refused("stack: tensors is null", () -> Tensor.stack(0, (Tensor[]) null));
        refused("CrossEntropyLoss: target is null", () -> new CrossEntropyLoss().forward(x, null));
        refused("NLLLoss: prediction is null", () -> new NLLLoss().forward(null, v));
        refused("MSELoss: target is null", () -> new MSELoss().forward(x, null));
        refused("BCELoss: prediction is null", () -> new BCELoss().forward(null, x));
        refused("TensorDataset: features is null", () -> new TensorDataset(null, v));
        refused("TensorDataset: targets is null", () -> new TensorDataset(x, null, 3));
        refused("DataLoader: dataset is null", () -> new DataLoader(null, 2, false, false, null));
        DataLoader.Epoch epoch = new DataLoader(new TensorDataset(x, Tensor.zeros(2)), 2, false, false, null).iterator();
        refused("DataLoader.nextInto: features is null", () -> epoch.nextInto(null, Tensor.zeros(2)));
        refused("DataLoader.nextInto: targets is null", () -> epoch.nextInto(Tensor.zeros(2, 3), null));
        Linear model = new Linear(3, 2);
        Trainer trainer = new Trainer(model, new MSELoss(), new SGD(model.parameters(), 0.1), Task.REGRESSION);
        refused("Trainer.fit: the training loader is null", () -> trainer.fit(null, null));
        refused("Trainer.evaluate: the loader is null", () -> trainer.evaluate(null, 0));
        assertEquals(3.0, v.add(1).sum().item(), "the refused in-place ops changed nothing");
    }

    /**
     * A loss keeps its reduction for every forward, and a Trainer checks the loss once at construction: a null one
     * accepted there failed only at the first batch, as a NullPointerException inside forward.
     */
    @Test
    void aNullReductionIsRefusedWhenTheLossIsBuilt() {
        String expected = ": reduction is null; pass Reduction.MEAN, Reduction.SUM or Reduction.NONE";
        refused("MSELoss" + expected, () -> new MSELoss(null));
        refused("BCELoss" + expected, () -> new BCELoss(null));
        refused("BCEWithLogitsLoss" + expected, () -> new BCEWithLogitsLoss(null));
        refused("NLLLoss" + expected, () -> new NLLLoss(null));
        refused("CrossEntropyLoss" + expected, () -> new CrossEntropyLoss(null, 0.1));
    }

    /** A null dtype failed inside the conversion loop ("Cannot load from double array because ... is null"). */
    @Test
    void aNullDtypeIsRefusedByTheConversions() {
        refused("to: dtype is null; pass DType.FLOAT32 or DType.FLOAT64", () -> Tensor.zeros(2).to(null));
        Sequential net = new Sequential(new Linear(2, 3), new Linear(3, 1));
        Tensor before = net.parameters().get(0);
        refused("Sequential.to: dtype is null; pass DType.FLOAT32 or DType.FLOAT64", () -> net.to(null));
        assertSame(before, net.parameters().get(0), "the module is left as it was");
    }

    /**
     * The layers and Init name themselves and the null argument: a null generator was reported as "Tensor.uniform:
     * generator is null" (an op the caller never called), and a null tensor given to Init was a bare NullPointerException.
     * (A null mode or nonlinearity: InitTest.)
     */
    @Test
    void layersAndInitNameTheirNullArgument() {
        Generator gen = new Generator(1);
        Tensor w = Tensor.zeros(4, 3);
        refused("Linear: generator is null", () -> new Linear(3, 4, true, null));
        refused("Linear: generator is null", () -> new Linear(3, 4, false, null));
        refused("Conv2d: generator is null", () -> new Conv2d(1, 2, 3, 1, 0, 1, 1, false, null));
        refused("Init.uniform: generator is null", () -> Init.uniform(w, -1, 1, null));
        refused("Init.normal: generator is null", () -> Init.normal(w, 0, 1, null));
        refused("Init.xavierUniform: generator is null", () -> Init.xavierUniform(w, 1, null));
        refused("Init.xavierNormal: generator is null", () -> Init.xavierNormal(w, 1, null));
        refused("Init.kaimingUniform: generator is null", () -> Init.kaimingUniform(w, 0, FanMode.FAN_IN, "relu", null));
        refused("Init.kaimingNormal: generator is null", () -> Init.kaimingNormal(w, 0, FanMode.FAN_IN, "relu", null));
        refused("Init.uniform: tensor is null", () -> Init.uniform(null, -1, 1, gen));
        refused("Init.normal: tensor is null", () -> Init.normal(null, 0, 1, gen));
        refused("Init.constant: tensor is null", () -> Init.zeros(null));
        refused("Init.xavierNormal: tensor is null", () -> Init.xavierNormal(null, 1, gen));
        refused("Init.kaimingUniform: tensor is null", () -> Init.kaimingUniform(null, 0, FanMode.FAN_IN, "relu", gen));
        assertEquals(new Generator(1).nextLong(), gen.nextLong(), "nothing drawn from the generator by a refused call");
    }

    private static Arguments call(String message, Executable call) {
        return Arguments.of(message, call);
    }

    /**
     * A null shape, dtype or index array given to a factory or a shape or index op: each was a bare
     * NullPointerException from inside the op ("Cannot read the array length because \"shape\" is null").
     */
    static Stream<Arguments> nullArrays() {
        Tensor x = Tensor.zeros(2, 3);
        Generator gen = new Generator(1);
        String dtype = ": dtype is null; pass DType.FLOAT32 or DType.FLOAT64";
        return Stream.of(
                call("Tensor.zeros: shape is null", () -> Tensor.zeros((int[]) null)),
                call("Tensor.zeros: shape is null", () -> Tensor.zeros(DType.FLOAT64, (int[]) null)),
                call("Tensor.zeros" + dtype, () -> Tensor.zeros((DType) null, 2)),
                call("Tensor.ones: shape is null", () -> Tensor.ones((int[]) null)),
                call("Tensor.ones" + dtype, () -> Tensor.ones((DType) null, 2)),
                call("Tensor.full: shape is null", () -> Tensor.full(1.0, (int[]) null)),
                call("Tensor.full" + dtype, () -> Tensor.full(null, 1.0, 2)),
                call("Tensor.empty: shape is null", () -> Tensor.empty(DType.FLOAT32, (int[]) null)),
                call("Tensor.empty" + dtype, () -> Tensor.empty(null, 2)),
                call("Tensor.scalar" + dtype, () -> Tensor.scalar(null, 1.0)),
                call("Tensor.arange" + dtype, () -> Tensor.arange(null, 3)),
                call("Tensor.uniform: shape is null", () -> Tensor.rand(gen, (int[]) null)),
                call("Tensor.uniform" + dtype, () -> Tensor.uniform(null, gen, 0, 1, 2)),
                call("Tensor.normal: shape is null", () -> Tensor.randn(gen, (int[]) null)),
                call("Tensor.normal" + dtype, () -> Tensor.normal(null, gen, 0, 1, 2)),
                call("Tensor.of: shape is null", () -> Tensor.of(new float[] {1}, (int[]) null)),
                call("Tensor.of: shape is null", () -> Tensor.of(new double[] {1}, (int[]) null)),
                call("Tensor.wrap: shape is null", () -> Tensor.wrap(new float[] {1}, (int[]) null)),
                call("Tensor.wrap: shape is null", () -> Tensor.wrap(new double[] {1}, (int[]) null)),
                call("reshape: shape is null", () -> x.reshape((int[]) null)),
                call("expand: shape is null", () -> x.expand((int[]) null)),
                call("permute: order is null", () -> x.permute((int[]) null)),
                call("sumTo: shape is null", () -> x.sumTo((int[]) null)),
                call("sum: dims is null", () -> x.sum(null, false)),
                call("mean: dims is null", () -> x.mean(null, true)),
                call("get: index is null", () -> x.get((int[]) null)),
                call("set: index is null", () -> x.set(1.0, (int[]) null)),
                call("indexSelect: indices is null", () -> x.indexSelect(0, (int[]) null)),
                call("gather: index is null", () -> x.gather(1, null)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("nullArrays")
    void aNullShapeDtypeOrIndexIsRefusedNamingTheOpAndTheArgument(String message, Executable call) {
        refused(message, call);
    }

    /** conv2d and batchNorm take optional bias and statistics (null: none), but their input and weight are required. */
    static Stream<Arguments> nullFunctionalOperands() {
        Tensor x = Tensor.zeros(1, 2, 3, 3);
        Tensor w = Tensor.zeros(4, 2, 2, 2);
        Tensor c = Tensor.zeros(2);
        return Stream.of(
                call("conv2d: input is null", () -> Tensor.conv2d(null, w, null, 1, 0, 1, 1)),
                call("conv2d: weight is null", () -> Tensor.conv2d(x, null, null, 1, 0, 1, 1)),
                call("batch_norm: input is null", () -> Tensor.batchNorm(null, c, c, c, c, true, 0.1, 1e-5)),
                call("batch_norm: input is null", () -> Tensor.batchNorm(null, null, null, c, c, false, 0.1, 1e-5)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("nullFunctionalOperands")
    void conv2dAndBatchNormRefuseANullInputOrWeight(String message, Executable call) {
        refused(message, call);
    }

    /**
     * Every module's forward names itself when given null: the layers failed as bare NullPointerExceptions, and
     * Identity, and Dropout outside training, returned the null, to fail at some later layer or loss.
     */
    static Stream<Arguments> modules() {
        Generator gen = new Generator(1);
        Dropout evalDropout = new Dropout(0.5, gen);
        evalDropout.eval();
        List<Supplier<Module>> all = List.of(
                () -> new Linear(3, 2, true, gen), () -> new Conv2d(1, 2, 3, 1, 0, 1, 1, true, gen),
                () -> new Sequential(new Linear(3, 2, true, gen), new ReLU()), ReLU::new, Sigmoid::new, Tanh::new,
                GELU::new, () -> new ELU(1.0), () -> new LeakyReLU(0.01), () -> new Softmax(1), () -> new LogSoftmax(1),
                Identity::new, () -> new Flatten(1), () -> new Dropout(0.5, gen), () -> evalDropout,
                () -> new Dropout2d(0.5, gen), () -> new MaxPool2d(2, 2, 0), () -> new AvgPool2d(2, 2, 0),
                () -> new AdaptiveAvgPool2d(1, 1), () -> new BatchNorm1d(3), () -> new BatchNorm2d(3));
        return all.stream().map(Supplier::get).map(m -> Arguments.of(m.getClass().getSimpleName(), m));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("modules")
    void everyModuleRefusesANullInputNamingItself(String name, Module module) {
        refused(name + ": input is null", () -> module.forward(null));
    }

    @Test
    void safetensorsWriteRefusesANullTensorOrNameBeforeWritingAnything() {
        Path f = dir.resolve("m.safetensors");
        Map<String, Tensor> tensors = new HashMap<>();
        tensors.put("a", Tensor.zeros(2));
        tensors.put("b", null);
        refused("Safetensors.write: tensor \"b\" is null", () -> Safetensors.write(f, tensors, Map.of()));
        tensors.remove("b");
        tensors.put(null, Tensor.zeros(1));
        refused("Safetensors.write: a tensor name is null", () -> Safetensors.write(f, tensors, Map.of()));
        refused("Safetensors.write: tensors is null", () -> Safetensors.write(f, null, Map.of()));
        Map<String, String> metadata = new HashMap<>();
        metadata.put("k", null);
        refused("Safetensors.write: metadata \"k\" is null",
                () -> Safetensors.write(f, Map.of("a", Tensor.zeros(1)), metadata));
        assertEquals(List.of(), List.of(dir.toFile().list()), "nothing written");
        assertFalse(Files.exists(f));
    }
}
