package org.simdcnn.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.simdcnn.geometry.Padding;
import org.simdcnn.kernels.Reduction;
import org.simdcnn.tensor.Tensor;

/** Whole-network gradient checks against central finite differences, covering every layer type and loss. */
class GradCheckTest {
    private static final double H = 2e-3;
    private static final double RTOL = 2e-2;
    private static final double ATOL = 2e-3;

    @BeforeEach
    void seed() {
        Init.manualSeed(1234);
    }

    @Test
    void conv2dReluMaxPoolGroupedStridedLeakyLinear() {
        Sequential net = new Sequential(
                new Conv2d(2, 4, 3, 1, 1),
                new ReLU(),
                new MaxPool2d(2),
                new Conv2d(4, 4, 3, 2, 1, 1, 2, true),
                new LeakyReLU(0.1f),
                new Flatten(),
                new Linear(16, 5),
                new ReLU(),
                new Linear(5, 3, false));
        GradCheck.check("2d relu net", net, Tensor.uniform(1, -1f, 1f, 2, 2, 8, 8), null, H, RTOL, ATOL, 24);
    }

    @Test
    void conv1dEluAvgPoolBatchNorm1dSigmoidTanh() {
        Sequential net = new Sequential(
                new Conv1d(3, 4, 3, 1, 1, 2, 1, true),
                new ELU(0.7f),
                new AvgPool1d(2),
                new BatchNorm1d(4),
                new Sigmoid(),
                new MaxPool1d(3, 1, 1),
                new Flatten(),
                new Linear(16, 6),
                new BatchNorm1d(6),
                new Tanh());
        GradCheck.check("1d net", net, Tensor.uniform(2, -1f, 1f, 3, 3, 10), null, H, RTOL, ATOL, 24);
    }

    @Test
    void conv3dSiluPools3d() {
        Sequential net = new Sequential(
                new Conv3d(2, 3, 2, 1, 1),
                new SiLU(),
                new MaxPool3d(2),
                new AvgPool3d(new int[] {1, 2, 2}, null, new int[] {0, 1, 1}, false, false),
                new Flatten(),
                new Linear(3 * 3 * 2 * 2, 4));
        GradCheck.check("3d net", net, Tensor.uniform(3, -1f, 1f, 2, 2, 5, 5, 5), null, H, RTOL, ATOL, 24);
    }

    @Test
    void convTransposeBatchNorm2dGeluAdaptiveSoftplusHardswishMaxoutDropout() {
        Dropout drop = new Dropout(0.3f, 7);
        Sequential net = new Sequential(
                new ConvTranspose2d(2, 6, 3, 2, 1, 1, 2, true, 1),
                new BatchNorm2d(6),
                new GELU(),
                new AdaptiveAvgPool2d(3, 2),
                new Softplus(2f, 20f),
                new Hardswish(),
                new Maxout(3),
                drop,
                new Flatten(),
                new Linear(12, 3),
                new GELU("tanh"));
        GradCheck.check("transposed net", net, Tensor.uniform(4, -1f, 1f, 2, 2, 4, 3), () -> drop.seed(5), H,
                RTOL, ATOL, 24);
    }

    @Test
    void convBuilderSamePaddingDilationAvgPool2d() {
        Sequential net = new Sequential(
                Conv2d.builder(2, 3).kernelSize(3, 2).padding(Padding.same()).dilation(2, 1).build(),
                new Tanh(),
                new AvgPool2d(3, 2, 1, true, false),
                Conv2d.builder(3, 2).kernelSize(2).padding(Padding.asymmetric(new int[] {0, 1}, new int[] {1, 0}))
                        .bias(false).build(),
                new Flatten(),
                new Linear(2 * 4 * 4, 2));
        GradCheck.check("builder net", net, Tensor.uniform(5, -1f, 1f, 2, 2, 7, 7), null, H, RTOL, ATOL, 24);
    }

    @Test
    void fusedAndUnfusedPathsAgreeBitForBit() {
        Init.manualSeed(77);
        Sequential a = new Sequential(new Conv2d(1, 3, 3, 1, 1), new ReLU(), new Flatten(), new Linear(48, 4),
                new LeakyReLU(0.2f), new Linear(4, 2));
        Init.manualSeed(77);
        Sequential b = new Sequential(new Conv2d(1, 3, 3, 1, 1), new ReLU(), new Flatten(), new Linear(48, 4),
                new LeakyReLU(0.2f), new Linear(4, 2)).fuseActivations(false);
        Tensor x = Tensor.uniform(8, -1f, 1f, 3, 1, 4, 4);
        Tensor ya = a.forward(x);
        Tensor yb = b.forward(x);
        assertTrue(ya.allClose(yb, 0, 0), ya.diff(yb, 0, 0));
        Tensor g = Tensor.uniform(9, -1f, 1f, ya.shape());
        Tensor dxa = a.backward(g);
        Tensor dxb = b.backward(g);
        assertTrue(dxa.allClose(dxb, 0, 0), dxa.diff(dxb, 0, 0));
        for (String k : a.namedParameters().keySet()) {
            Tensor ga = a.namedParameters().get(k).grad();
            Tensor gb = b.namedParameters().get(k).grad();
            assertTrue(ga.allClose(gb, 0, 0), k + ": " + ga.diff(gb, 0, 0));
        }
    }

    @Test
    void gradientsAccumulateUntilZeroGrad() {
        Sequential net = new Sequential(new Linear(3, 2), new Sigmoid());
        Tensor x = Tensor.uniform(1, -1f, 1f, 4, 3);
        Tensor g = Tensor.uniform(2, -1f, 1f, 4, 2);
        net.forward(x);
        net.backward(g);
        Tensor once = net.parameters().get(0).grad().copy();
        net.forward(x);
        net.backward(g);
        Tensor twice = net.parameters().get(0).grad();
        for (int i = 0; i < once.size(); i++) {
            assertEquals(once.getFlat(i) * 2f, twice.getFlat(i), 1e-6f);
        }
        net.zeroGrad();
        assertEquals(0f, net.parameters().get(0).grad().getFlat(0));
    }

    @Test
    void repeatedStepsReuseBuffersWithoutChangingResults() {
        Init.manualSeed(31);
        Sequential net = new Sequential(
                new Conv2d(2, 4, 3, 1, 1), new ReLU(), new BatchNorm2d(4), new MaxPool2d(2),
                new Conv2d(4, 4, 3, 1, 1), new Tanh(), new AvgPool2d(2), new Maxout(2),
                new Sequential(new AdaptiveAvgPool2d(1), new Flatten()), new Linear(2, 3), new LeakyReLU(0.1f),
                new Linear(3, 2));
        Tensor x = Tensor.uniform(1, -1f, 1f, 2, 2, 8, 8);
        Tensor g = Tensor.uniform(2, -1f, 1f, 2, 2);
        float[][] first = null;
        for (int round = 0; round < 3; round++) {
            net.zeroGrad();
            // a forward on another batch size in between dirties every reused buffer
            net.forward(Tensor.uniform(3 + round, -1f, 1f, 3, 2, 8, 8));
            net.backward(Tensor.uniform(4, -1f, 1f, 3, 2));
            net.zeroGrad();
            Tensor y = net.forward(x);
            Tensor dx = net.backward(g);
            java.util.List<Parameter> ps = net.parameters();
            float[][] now = new float[ps.size() + 2][];
            for (int i = 0; i < ps.size(); i++) {
                now[i] = ps.get(i).grad().toArray();
            }
            now[ps.size()] = y.toArray();
            now[ps.size() + 1] = dx.toArray();
            if (first == null) {
                first = now;
            } else {
                for (int i = 0; i < now.length; i++) {
                    org.junit.jupiter.api.Assertions.assertArrayEquals(first[i], now[i], 0f, "tensor " + i
                            + " in round " + round);
                }
            }
        }
    }

    @Test
    void backwardParametersAccumulatesTheSameGradientsWithoutTheInputGradient() {
        Init.manualSeed(41);
        Sequential a = new Sequential(new Conv2d(2, 3, 3, 1, 1), new ReLU(), new MaxPool2d(2), new Flatten(),
                new Linear(12, 2));
        Init.manualSeed(41);
        Sequential b = new Sequential(new Conv2d(2, 3, 3, 1, 1), new ReLU(), new MaxPool2d(2), new Flatten(),
                new Linear(12, 2));
        Tensor x = Tensor.uniform(1, -1f, 1f, 2, 2, 4, 4);
        Tensor g = Tensor.uniform(2, -1f, 1f, 2, 2);
        a.forward(x);
        a.backward(g);
        b.forward(x);
        b.backwardParameters(g);
        for (String k : a.namedParameters().keySet()) {
            org.junit.jupiter.api.Assertions.assertArrayEquals(a.namedParameters().get(k).grad().toArray(),
                    b.namedParameters().get(k).grad().toArray(), 0f, k);
        }
        Sequential c = new Sequential(new Tanh(), new Linear(2, 2)); // a first layer that cannot skip
        c.forward(Tensor.uniform(3, -1f, 1f, 3, 2));
        c.backwardParameters(Tensor.uniform(4, -1f, 1f, 3, 2));
        org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                () -> new Linear(2, 2).backwardParameters(Tensor.zeros(1, 2)));
    }

    // ---- losses against finite differences of the loss value -------------------------------------------------

    interface LossFn {
        float apply(Tensor x);
    }

    private static void checkLoss(String what, Tensor x, LossFn f, Tensor analytic) {
        double h = 1e-3;
        for (int i = 0; i < x.size(); i++) {
            float o = x.getFlat(i);
            x.setFlat(i, (float) (o + h));
            double lp = f.apply(x);
            x.setFlat(i, (float) (o - h));
            double lm = f.apply(x);
            x.setFlat(i, o);
            double num = (lp - lm) / ((double) (float) (o + h) - (double) (float) (o - h));
            double an = analytic.getFlat(i);
            assertTrue(Math.abs(num - an) <= 1e-3 + 2e-2 * Math.abs(an), what + " [" + i + "]: analytic " + an
                    + " numeric " + num);
        }
    }

    @Test
    void lossGradients() {
        Tensor x = Tensor.uniform(11, -2f, 2f, 4, 3);
        int[] t = {0, 2, 1, -100};
        Tensor w = Tensor.of(new float[] {1f, 2f, 0.5f}, 3);
        CrossEntropyLoss ce = new CrossEntropyLoss(w, -100, Reduction.MEAN, 0.1f);
        ce.forward(x, t);
        checkLoss("cross_entropy", x, v -> new CrossEntropyLoss(w, -100, Reduction.MEAN, 0.1f).forward(v, t),
                ce.backward());

        Tensor x3 = Tensor.uniform(12, -2f, 2f, 2, 3, 2);
        int[] t3 = {0, 1, 2, 2};
        CrossEntropyLoss ces = new CrossEntropyLoss(null, -100, Reduction.SUM, 0f);
        ces.forward(x3, t3);
        checkLoss("cross_entropy 3d sum", x3, v -> new CrossEntropyLoss(null, -100, Reduction.SUM, 0f)
                .forward(v, t3), ces.backward());

        NLLLoss nll = new NLLLoss(w, 1, Reduction.MEAN);
        nll.forward(x, new int[] {0, 2, 1, 1});
        checkLoss("nll", x, v -> new NLLLoss(w, 1, Reduction.MEAN).forward(v, new int[] {0, 2, 1, 1}),
                nll.backward());

        Tensor tgt = Tensor.uniform(13, 0f, 1f, 4, 3);
        MSELoss mse = new MSELoss();
        mse.forward(x, tgt);
        checkLoss("mse", x, v -> new MSELoss().forward(v, tgt), mse.backward());

        Tensor p = Tensor.uniform(14, 0.1f, 0.9f, 4, 3);
        Tensor bw = Tensor.uniform(15, 0.5f, 2f, 4, 3);
        BCELoss bce = new BCELoss(bw, Reduction.SUM);
        bce.forward(p, tgt);
        checkLoss("bce", p, v -> new BCELoss(bw, Reduction.SUM).forward(v, tgt), bce.backward());

        Tensor pw = Tensor.of(new float[] {1f, 3f, 0.5f}, 3);
        BCEWithLogitsLoss bl = new BCEWithLogitsLoss(null, Reduction.MEAN, pw);
        bl.forward(x, tgt);
        checkLoss("bce_with_logits", x, v -> new BCEWithLogitsLoss(null, Reduction.MEAN, pw).forward(v, tgt),
                bl.backward());
    }

    @Test
    void noneReductionReturnsSumAndPerElementLosses() {
        Tensor x = Tensor.uniform(21, -2f, 2f, 3, 4);
        int[] t = {3, 0, 1};
        CrossEntropyLoss none = new CrossEntropyLoss(Reduction.NONE);
        float sum = none.forward(x, t);
        float sumRed = new CrossEntropyLoss(Reduction.SUM).forward(x, t);
        assertEquals(sumRed, sum, 1e-5f);
        assertEquals(3, none.lastLosses().size());
        CrossEntropyLoss s = new CrossEntropyLoss(Reduction.SUM);
        s.forward(x, t);
        assertTrue(none.backward().allClose(s.backward(), 1e-6, 1e-7));
    }

    /** A layer whose backward is 10% off: the check must catch it (the check is not vacuous). */
    private static final class WrongTanh extends Module {
        private final Tanh inner = new Tanh();

        @Override
        public Tensor forward(Tensor x) {
            return inner.forward(x);
        }

        @Override
        public Tensor backward(Tensor g) {
            Tensor d = inner.backward(g);
            for (int i = 0; i < d.size(); i++) {
                d.setFlat(i, d.getFlat(i) * 1.1f);
            }
            return d;
        }
    }

    @Test
    void gradCheckDetectsAWrongBackward() {
        Sequential net = new Sequential(new Linear(4, 3), new WrongTanh(), new Linear(3, 2));
        org.junit.jupiter.api.Assertions.assertThrows(org.opentest4j.AssertionFailedError.class,
                () -> GradCheck.check("wrong", net, Tensor.uniform(1, -1f, 1f, 2, 4), null, H, RTOL, ATOL, 12));
    }
}
