package io.jgrad.nn;

import static org.junit.jupiter.api.Assertions.*;

import io.jgrad.tensor.DType;
import io.jgrad.tensor.Generator;
import io.jgrad.tensor.GradCheck;
import io.jgrad.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** Loss values against direct formulas and gradients (wrt the prediction) against finite differences. */
class LossTest {
    private static Tensor f64(long seed, double lo, double hi, int... shape) {
        return Tensor.uniform(DType.FLOAT64, new Generator(seed), lo, hi, shape).requiresGrad(true);
    }

    private static Tensor classes(long seed, int n, int c) {
        Generator g = new Generator(seed);
        double[] t = new double[n];
        for (int i = 0; i < n; i++) {
            t[i] = g.nextInt(c);
        }
        return Tensor.of(t);
    }

    private static void gradCheck(Loss loss, Tensor prediction, Tensor target) {
        GradCheck.Result r = GradCheck.check(() -> loss.forward(prediction, target), prediction);
        assertTrue(r.passed(), loss.getClass().getSimpleName() + ": " + r);
    }

    @Test
    void gradientsOfEveryLoss() {
        Tensor y = f64(1, -2, 2, 4, 3);
        Tensor t = Tensor.uniform(DType.FLOAT64, new Generator(2), -2, 2, 4, 3);
        for (Reduction r : Reduction.values()) {
            gradCheck(new MSELoss(r), y, t);
            gradCheck(new BCELoss(r), f64(3, 0.05, 0.95, 4, 3), Tensor.uniform(DType.FLOAT64, new Generator(4), 0, 1, 4, 3));
            gradCheck(new BCEWithLogitsLoss(r), f64(5, -4, 4, 4, 3), Tensor.uniform(DType.FLOAT64, new Generator(6), 0, 1, 4, 3));
            gradCheck(new CrossEntropyLoss(r, 0), f64(7, -3, 3, 5, 4), classes(8, 5, 4));
            gradCheck(new CrossEntropyLoss(r, 0.1), f64(9, -3, 3, 5, 4), classes(10, 5, 4));
            Tensor weights = Tensor.of(new double[] {0.5, 2, 0, 1.25});
            gradCheck(new CrossEntropyLoss(weights, r, 0), f64(15, -3, 3, 5, 4), classes(16, 5, 4));
            gradCheck(new CrossEntropyLoss(weights, r, 0.2), f64(17, -3, 3, 5, 4), classes(18, 5, 4));
            gradCheck(new NLLLoss(r), f64(11, -3, 0, 5, 4), classes(12, 5, 4));
        }
        gradCheck(new HalfSquaredErrorLoss(), y, t);
        gradCheck(new CrossEntropyLoss(), f64(13, -3, 3, 6, 3), classes(14, 6, 3));
    }

    @Test
    void valuesMatchTheFormulas() {
        Tensor y = Tensor.of(new double[] {0.2, 0.7, 0.9, 0.4}, 2, 2);
        Tensor t = Tensor.of(new double[] {0, 1, 1, 0}, 2, 2);
        // (0.04 + 0.09 + 0.01 + 0.16) = 0.30
        assertEquals(0.30 / 4, new MSELoss().forward(y, t).item(), 1e-12);
        assertEquals(0.30, new MSELoss(Reduction.SUM).forward(y, t).item(), 1e-12);
        assertEquals(0.15, new HalfSquaredErrorLoss().forward(y, t).item(), 1e-12);
        double bce = -(Math.log(0.8) + Math.log(0.7) + Math.log(0.9) + Math.log(0.6));
        assertEquals(bce / 4, new BCELoss().forward(y, t).item(), 1e-12);
        assertEquals(bce, new BCELoss(Reduction.SUM).forward(y, t).item(), 1e-12);
        Tensor x = Tensor.of(new double[] {-30, 0, 2, 50}, 2, 2);
        double bcel = 0;
        double[] xs = {-30, 0, 2, 50}, ts = {0, 1, 1, 0};
        for (int i = 0; i < 4; i++) {
            // -t log s(x) - (1 - t) log(1 - s(x)) = softplus(x) - t x, with softplus written without overflow
            double softplus = xs[i] > 0 ? xs[i] + Math.log1p(Math.exp(-xs[i])) : Math.log1p(Math.exp(xs[i]));
            bcel += softplus - ts[i] * xs[i];
        }
        assertEquals(bcel / 4, new BCEWithLogitsLoss().forward(x, t).item(), 1e-12);
    }

    /** Class weights: the formula's value by hand, and the refusals of weights that are no class weights. */
    @Test
    void classWeightedCrossEntropy() {
        Tensor x = Tensor.of(new double[][] {{1, 2, 0}, {0.5, -1, 3}});
        Tensor t = Tensor.of(new double[] {1, 2});
        Tensor w = Tensor.of(new double[] {1, 3, 0.5});
        double l0 = -(2 - Math.log(Math.exp(1) + Math.exp(2) + 1)), l1 = -(3 - Math.log(Math.exp(0.5) + Math.exp(-1) + Math.exp(3)));
        assertEquals((3 * l0 + 0.5 * l1) / 3.5, new CrossEntropyLoss(w, Reduction.MEAN, 0).forward(x, t).item(), 1e-12);
        assertEquals(3 * l0 + 0.5 * l1, new CrossEntropyLoss(w, Reduction.SUM, 0).forward(x, t).item(), 1e-12);
        // weights of 1 are the unweighted loss
        Tensor ones = Tensor.of(new double[] {1, 1, 1});
        assertEquals(new CrossEntropyLoss(Reduction.MEAN, 0.1).forward(x, t).item(),
                new CrossEntropyLoss(ones, Reduction.MEAN, 0.1).forward(x, t).item(), 1e-12);
        for (Tensor bad : new Tensor[] {Tensor.of(new double[] {1, -1, 1}), Tensor.of(new double[] {1, Double.NaN, 1}),
                Tensor.of(new double[][] {{1, 1, 1}})}) {
            assertThrows(IllegalArgumentException.class, () -> new CrossEntropyLoss(bad, Reduction.MEAN, 0));
        }
        var e = assertThrows(IllegalArgumentException.class,
                () -> new CrossEntropyLoss(Tensor.of(new double[] {1, 1}), Reduction.MEAN, 0).forward(x, t));
        assertEquals("CrossEntropyLoss: 2 class weights for scores of 3 classes", e.getMessage());
    }

    /** Rows of class probabilities [n, c] (each a softmax of random scores), float64. */
    private static Tensor probabilities(long seed, int n, int c) {
        return Tensor.normal(DType.FLOAT64, new Generator(seed), 0, 1.5, n, c).softmax(1).detach();
    }

    /**
     * Probability (soft) targets of the input's shape, PyTorch 1.13's: l_i = -sum_c w_c t'_ic logp_ic with
     * t' = (1 - eps) t + eps / C; the mean divides by N, not by a sum of weights. The gradient goes to the input and
     * to the target (a composed loss; PyTorch's is differentiable in the target too).
     */
    @Test
    void crossEntropyWithProbabilityTargetsMatchesTheFormulaAndItsGradients() {
        double[][] z = {{1.0, 2.0, 0.5}, {-1.0, 0.0, 3.0}};
        double[][] t = {{0.2, 0.7, 0.1}, {0.5, 0.0, 0.5}};
        double[] w = {1, 3, 0.5};
        double eps = 0.2;
        for (boolean weighted : new boolean[] {false, true}) {
            for (double smoothing : new double[] {0, eps}) {
                double total = 0;
                for (int i = 0; i < 2; i++) {
                    double lse = Math.log(Math.exp(z[i][0]) + Math.exp(z[i][1]) + Math.exp(z[i][2]));
                    for (int c = 0; c < 3; c++) {
                        double target = (1 - smoothing) * t[i][c] + smoothing / 3;
                        total += (weighted ? w[c] : 1) * target * (lse - z[i][c]);
                    }
                }
                Tensor weight = weighted ? Tensor.of(w) : null;
                String what = (weighted ? "weighted" : "unweighted") + ", smoothing " + smoothing;
                assertEquals(total / 2, new CrossEntropyLoss(weight, Reduction.MEAN, smoothing)
                        .forward(Tensor.of(z), Tensor.of(t)).item(), 1e-12, what + ": the mean divides by N");
                assertEquals(total, new CrossEntropyLoss(weight, Reduction.SUM, smoothing)
                        .forward(Tensor.of(z), Tensor.of(t)).item(), 1e-12, what);
                Tensor each = new CrossEntropyLoss(weight, Reduction.NONE, smoothing).forward(Tensor.of(z), Tensor.of(t));
                assertArrayEquals(new int[] {2}, each.shape());
                assertEquals(total, each.sum().item(), 1e-12, what);
            }
        }
        // one-hot probabilities are the class indices, except that a weighted mean divides by N, not sum_i w[t_i]
        Tensor x = Tensor.of(z), oneHot = Tensor.of(new double[][] {{0, 1, 0}, {1, 0, 0}});
        Tensor index = Tensor.of(new double[] {1, 0});
        assertEquals(new CrossEntropyLoss(Reduction.MEAN, eps).forward(x, index).item(),
                new CrossEntropyLoss(Reduction.MEAN, eps).forward(x, oneHot).item(), 1e-12);
        CrossEntropyLoss weightedSum = new CrossEntropyLoss(Tensor.of(w), Reduction.SUM, 0);
        assertEquals(weightedSum.forward(x, index).item(), weightedSum.forward(x, oneHot).item(), 1e-12);
        CrossEntropyLoss weightedMean = new CrossEntropyLoss(Tensor.of(w), Reduction.MEAN, 0);
        assertEquals(weightedSum.forward(x, index).item() / (3 + 1), weightedMean.forward(x, index).item(), 1e-12);
        assertEquals(weightedSum.forward(x, oneHot).item() / 2, weightedMean.forward(x, oneHot).item(), 1e-12);
        assertEquals(2, weightedMean.batchWeight(x, oneHot), "a batch weighs its N samples, the mean's denominator");
        assertEquals(4, weightedMean.batchWeight(x, index));

        Tensor weights = Tensor.of(new double[] {0.5, 2, 0, 1.25});
        for (Reduction r : Reduction.values()) {
            for (double smoothing : new double[] {0, 0.3}) {
                for (Tensor weight : new Tensor[] {null, weights}) {
                    CrossEntropyLoss loss = new CrossEntropyLoss(weight, r, smoothing);
                    Tensor prediction = f64(21, -3, 3, 5, 4);
                    Tensor target = probabilities(22, 5, 4).requiresGrad(true);
                    GradCheck.Result g = GradCheck.check(() -> loss.forward(prediction, target), prediction, target);
                    assertTrue(g.passed(), r + ", smoothing " + smoothing + ", weight " + weight + ": " + g);
                }
            }
        }
    }

    /** As PyTorch 1.13: a float32 input against float64 probabilities gives a float64 loss, the input's gradient float32. */
    @Test
    void crossEntropyWithProbabilityTargetsPromotesMixedDtypes() {
        Tensor x64 = f64(23, -2, 2, 3, 4);
        Tensor x32 = x64.detach().to(DType.FLOAT32).requiresGrad(true);
        Tensor t = probabilities(24, 3, 4);
        Tensor l = new CrossEntropyLoss().forward(x32, t);
        assertEquals(DType.FLOAT64, l.dtype());
        // PyTorch's order: log_softmax in the input's float32, the product with the target in float64
        Tensor reference = x32.detach().logSoftmax(1).to(DType.FLOAT64).mul(t).sum(1, false).neg().mean();
        assertEquals(reference.item(), l.item(), 1e-15);
        l.backward();
        assertEquals(DType.FLOAT32, x32.grad().dtype());
        assertEquals(DType.FLOAT32, new CrossEntropyLoss().forward(x32, t.to(DType.FLOAT32)).dtype());
    }

    @Test
    void crossEntropyRefusesProbabilityTargetsOfAnotherShapeNamingWhatItExpected() {
        String expected = "; expected input [N, C] and target [N, C] of class probabilities (the input's shape) or [N] of"
                + " class indices";
        var e = assertThrows(IllegalArgumentException.class,
                () -> new CrossEntropyLoss().forward(Tensor.zeros(4, 3), Tensor.zeros(4, 2)));
        assertEquals("CrossEntropyLoss: input has shape [4, 3] and target has shape [4, 2]" + expected, e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new CrossEntropyLoss().forward(Tensor.zeros(4, 3), Tensor.zeros(3, 4)));
        assertEquals("CrossEntropyLoss: input has shape [4, 3] and target has shape [3, 4]" + expected, e.getMessage());
        // PyTorch takes [N, C, d...] too; jgrad's cross-entropy, for class indices as for probabilities, takes [N, C]
        e = assertThrows(IllegalArgumentException.class,
                () -> new CrossEntropyLoss(Reduction.SUM, 0.1).forward(Tensor.zeros(2, 3, 5), Tensor.zeros(2, 3, 5)));
        assertEquals("CrossEntropyLoss: input has shape [2, 3, 5] and target has shape [2, 3, 5]" + expected, e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new CrossEntropyLoss(Tensor.of(new double[] {1, 1}),
                Reduction.MEAN, 0).forward(Tensor.zeros(4, 3), Tensor.zeros(4, 3)));
        assertEquals("CrossEntropyLoss: 2 class weights for scores of 3 classes", e.getMessage());
    }

    @Test
    void crossEntropyMatchesTheFormulaWithLabelSmoothing() {
        double[][] z = {{1.0, 2.0, 0.5}, {-1.0, 0.0, 3.0}};
        int[] cls = {1, 0};
        double eps = 0.2, total = 0, nllTotal = 0;
        for (int i = 0; i < 2; i++) {
            double lse = Math.log(Math.exp(z[i][0]) + Math.exp(z[i][1]) + Math.exp(z[i][2]));
            double nll = lse - z[i][cls[i]];
            double smooth = 0;
            for (int c = 0; c < 3; c++) {
                smooth += (lse - z[i][c]) / 3;
            }
            total += (1 - eps) * nll + eps * smooth;
            nllTotal += nll;
        }
        Tensor logits = Tensor.of(z);
        Tensor target = Tensor.of(new float[] {1, 0});
        assertEquals(total / 2, new CrossEntropyLoss(Reduction.MEAN, eps).forward(logits, target).item(), 1e-12);
        assertEquals(total, new CrossEntropyLoss(Reduction.SUM, eps).forward(logits, target).item(), 1e-12);
        assertEquals(nllTotal / 2, new CrossEntropyLoss().forward(logits, target).item(), 1e-12);
        assertEquals(nllTotal / 2, new NLLLoss().forward(logits.logSoftmax(1), target).item(), 1e-12);
    }

    @Test
    void bceIsFiniteAtZeroAndOne() {
        Tensor p = Tensor.of(new double[] {0, 1, 0, 1}).requiresGrad(true);
        Tensor t = Tensor.of(new double[] {1, 0, 0, 1});
        Tensor loss = new BCELoss(Reduction.SUM).forward(p, t);
        assertEquals(200.0, loss.item(), 1e-9); // two wrong certainties at the -100 floor, two right ones at 0
        loss.backward();
        // PyTorch's (p - t) / max(p (1 - p), 1e-12): a wrong certainty pushes hard towards the target
        assertArrayEquals(new double[] {-1e12, 1e12, 0, 0}, p.grad().toDoubleArray(), 1);
        Tensor f32 = new BCELoss().forward(Tensor.of(new float[] {0f, 1f}), Tensor.of(new float[] {1f, 0f}));
        assertEquals(100.0, f32.item(), 1e-4);
    }

    @Test
    void bceGradientNearZeroAndOnePointsTowardsTheTarget() {
        // The derivative of the clamped loss would be +0.75 at p = 0, t = 0.25 (away from the minimum at 0.25)
        // and 0 at p = 1 - 1e-12 in float32 (which rounds to 1); PyTorch's backward gives these.
        Tensor p = Tensor.of(new double[] {0, 1, 1e-50, 0.5}).requiresGrad(true);
        Tensor t = Tensor.of(new double[] {0.25, 0.25, 0, 1});
        new BCELoss(Reduction.SUM).forward(p, t).backward();
        assertArrayEquals(new double[] {-0.25e12, 0.75e12, 1e-38, -2}, p.grad().toDoubleArray(), 1e-3);
        Tensor p32 = Tensor.of(new float[] {1f - 1e-12f, 0.25f}).requiresGrad(true);
        Tensor loss = new BCELoss().forward(p32, Tensor.of(new float[] {0f, 1f}));
        assertEquals((100 - Math.log(0.25)) / 2, loss.item(), 1e-5);
        loss.backward();
        assertEquals(0.5e12, p32.grad().toDoubleArray()[0], 0.5e12 * 1e-6);
        assertEquals(-0.75 / (0.25 * 0.75) / 2, p32.grad().toDoubleArray()[1], 1e-6);
    }

    @Test
    void bceRejectsPredictionsOutsideZeroOne() {
        // the usual slip: a network without its final Sigmoid. The log of a negative score was NaN, which the Trainer
        // then blamed on the learning rate ("training diverged"); PyTorch refuses such input as well.
        var e = assertThrows(IllegalArgumentException.class,
                () -> new BCELoss().forward(Tensor.of(new float[] {0.5f, -0.25f, 0.75f}), Tensor.of(new float[] {1, 0, 1})));
        assertTrue(e.getMessage().contains("BCELoss") && e.getMessage().contains("-0.25") && e.getMessage().contains("[0, 1]")
                && e.getMessage().contains("Sigmoid") && e.getMessage().contains("BCEWithLogitsLoss"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new BCELoss(Reduction.SUM).forward(Tensor.of(new double[] {1.5, 0.5}), Tensor.of(new double[] {1, 0})));
        assertTrue(e.getMessage().contains("1.5"), e.getMessage());
        // unreduced losses, and a float just above 1 (its log(1 - p) is NaN as every out-of-range value's log is, which is
        // when the reduced loss looks for one)
        e = assertThrows(IllegalArgumentException.class,
                () -> new BCELoss(Reduction.NONE).forward(Tensor.of(new double[] {-1e-9, 0.5}), Tensor.of(new double[] {0, 1})));
        assertTrue(e.getMessage().contains("-1.0E-9"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new BCELoss().forward(Tensor.of(new float[] {Math.nextUp(1f), 0.5f}), Tensor.of(new float[] {0, 1})));
        assertTrue(e.getMessage().contains(Float.toString(Math.nextUp(1f))), e.getMessage());
        // the bounds themselves are probabilities; NaN passes on to a NaN loss (the Trainer reports it as divergence)
        assertEquals(0.0, new BCELoss().forward(Tensor.of(new double[] {0, 1}), Tensor.of(new double[] {0, 1})).item());
        assertTrue(Double.isNaN(new BCELoss().forward(Tensor.of(new double[] {Double.NaN, 0.5}),
                Tensor.of(new double[] {0, 1})).item()));
        assertEquals(0, new BCELoss(Reduction.SUM).forward(Tensor.zeros(0), Tensor.zeros(0)).item());
    }

    @Test
    void bceWithLogitsGradientAtZeroIsSigmoidMinusTarget() {
        Tensor x = Tensor.of(new double[] {0, 0}).requiresGrad(true);
        Tensor t = Tensor.of(new double[] {1, 0.25});
        Tensor loss = new BCEWithLogitsLoss(Reduction.SUM).forward(x, t);
        assertEquals(2 * Math.log(2), loss.item(), 1e-12);
        loss.backward();
        assertArrayEquals(new double[] {0.5 - 1, 0.5 - 0.25}, x.grad().toDoubleArray(), 1e-12);
    }

    @Test
    void errorsNameTheLossAndTheShapes() {
        var e = assertThrows(IllegalArgumentException.class, () -> new MSELoss().forward(Tensor.zeros(3, 2), Tensor.zeros(3)));
        assertTrue(e.getMessage().contains("MSELoss") && e.getMessage().contains("[3, 2]") && e.getMessage().contains("[3]"),
                e.getMessage());
        assertFalse(e.getMessage().contains("Flatten"), e.getMessage());
        // the usual regression slip, Linear(k, 1) against a dataset's [N] targets, gets its remedy named
        e = assertThrows(IllegalArgumentException.class, () -> new MSELoss().forward(Tensor.zeros(3, 1), Tensor.zeros(3)));
        assertTrue(e.getMessage().contains("new Flatten(0)"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new BCELoss().forward(Tensor.zeros(2), Tensor.zeros(3)));
        assertTrue(e.getMessage().contains("BCELoss"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new CrossEntropyLoss().forward(Tensor.zeros(4, 3), Tensor.of(new float[] {0, 2, 3, 1})));
        assertTrue(e.getMessage().contains("3.0") && e.getMessage().contains("row 2") && e.getMessage().contains("[0, 3)"),
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new NLLLoss().forward(Tensor.zeros(2, 3), Tensor.of(new float[] {0.5f, 1})));
        assertTrue(e.getMessage().contains("NLLLoss") && e.getMessage().contains("row 0"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new CrossEntropyLoss().forward(Tensor.zeros(4, 3), Tensor.zeros(3)));
        assertTrue(e.getMessage().contains("[4, 3]") && e.getMessage().contains("[3]"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new CrossEntropyLoss(Reduction.MEAN, 1.5));
    }

    @Test
    void reductionNoneGivesThePerSampleLossesTheOthersReduce() {
        Generator g = new Generator(11);
        Tensor logits = Tensor.randn(g, 4, 3);
        Tensor classes = Tensor.of(new float[] {0, 2, 1, 2});
        Tensor p = Tensor.uniform(DType.FLOAT32, g, 0.05, 0.95, 4, 2), t = Tensor.uniform(DType.FLOAT32, g, 0, 1, 4, 2);
        Loss[][] losses = {
            {new CrossEntropyLoss(Reduction.NONE, 0.1), new CrossEntropyLoss(Reduction.MEAN, 0.1), new CrossEntropyLoss(Reduction.SUM, 0.1)},
            {new NLLLoss(Reduction.NONE), new NLLLoss(Reduction.MEAN), new NLLLoss(Reduction.SUM)},
            {new MSELoss(Reduction.NONE), new MSELoss(Reduction.MEAN), new MSELoss(Reduction.SUM)},
            {new BCELoss(Reduction.NONE), new BCELoss(Reduction.MEAN), new BCELoss(Reduction.SUM)},
            {new BCEWithLogitsLoss(Reduction.NONE), new BCEWithLogitsLoss(Reduction.MEAN), new BCEWithLogitsLoss(Reduction.SUM)}};
        for (int k = 0; k < losses.length; k++) {
            Tensor prediction = k < 2 ? (k == 1 ? logits.logSoftmax(1) : logits) : p;
            Tensor target = k < 2 ? classes : t;
            Tensor each = losses[k][0].forward(prediction, target);
            assertArrayEquals(k < 2 ? new int[] {4} : new int[] {4, 2}, each.shape(), losses[k][0].getClass().getSimpleName());
            assertEquals(losses[k][1].forward(prediction, target).item(), each.mean().item(), 1e-6);
            assertEquals(losses[k][2].forward(prediction, target).item(), each.sum().item(), 1e-5);
        }
    }

    @Test
    void bceGivesSoftTargetsTheirGradient() {
        // PyTorch's binary_cross_entropy_target_backward: dl/dt = log(1 - p) - log(p), each log clamped at -100
        Tensor t = Tensor.uniform(DType.FLOAT64, new Generator(8), 0, 1, 3, 2);
        GradCheck.Result r = GradCheck.check(() -> new BCELoss(Reduction.MEAN).forward(
                Tensor.uniform(DType.FLOAT64, new Generator(9), 0.05, 0.95, 3, 2), t), t.requiresGrad(true));
        assertTrue(r.passed(), r.toString());
        Tensor p = Tensor.of(new double[] {0, 0.5});
        Tensor soft = Tensor.of(new double[] {0.3, 0.3}).requiresGrad(true);
        new BCELoss(Reduction.SUM).forward(p, soft).backward();
        assertArrayEquals(new double[] {0 - -100, 0}, soft.grad().toDoubleArray(), 1e-12);
    }
    @Test
    void bceWithLogitsPromotesMixedDtypesAndBceRefusesThem() {
        // PyTorch 1.13: binary_cross_entropy_with_logits(float32, float64) is float64, the input's gradient float32
        Tensor x32 = Tensor.of(new float[] {-1.5f, 0.25f, 2}).requiresGrad(true);
        Tensor t64 = Tensor.of(new double[] {0, 1, 0.3});
        Tensor l = new BCEWithLogitsLoss().forward(x32, t64);
        assertEquals(DType.FLOAT64, l.dtype());
        Tensor x64 = Tensor.of(new double[] {-1.5, 0.25, 2}).requiresGrad(true);
        Tensor reference = new BCEWithLogitsLoss().forward(x64, t64);
        assertEquals(reference.item(), l.item(), 1e-15);
        l.backward();
        reference.backward();
        assertEquals(DType.FLOAT32, x32.grad().dtype());
        assertArrayEquals(x64.grad().toDoubleArray(), x32.grad().toDoubleArray(), 1e-7);
        Tensor t32 = Tensor.of(new float[] {0, 1, 0.25f}).requiresGrad(true);
        Tensor l2 = new BCEWithLogitsLoss(Reduction.SUM).forward(Tensor.of(new double[] {-1.5, 0.25, 2}), t32);
        assertEquals(DType.FLOAT64, l2.dtype());
        l2.backward();
        assertEquals(DType.FLOAT32, t32.grad().dtype());

        // PyTorch 1.13's binary_cross_entropy refuses them: "Found dtype Double but expected Float"
        var e = assertThrows(IllegalArgumentException.class, () -> new BCELoss().forward(
                Tensor.of(new float[] {0.3f, 0.7f}), Tensor.of(new double[] {0, 1})));
        assertEquals("BCELoss: the prediction is FLOAT32 but the target FLOAT64; convert the target with"
                + " target.to(DType.FLOAT32) (PyTorch's binary_cross_entropy refuses mixed dtypes too)", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new BCELoss().forward(
                Tensor.of(new double[] {0.3, 0.7}), Tensor.of(new float[] {0, 1})));
    }
}
