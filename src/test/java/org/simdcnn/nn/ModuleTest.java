package org.simdcnn.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.simdcnn.functional.F;
import org.simdcnn.geometry.Padding;
import org.simdcnn.kernels.Reduction;
import org.simdcnn.tensor.Tensor;

/** Names, state dicts, modes, initialisation and argument validation of the module API. */
class ModuleTest {

    static void assertIae(Executable e, String... fragments) {
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, e);
        for (String f : fragments) {
            assertTrue(ex.getMessage().contains(f), "'" + ex.getMessage() + "' should contain '" + f + "'");
        }
    }

    @Test
    void mnistCnnHasPyTorchNamesShapesAndOutput() {
        Init.manualSeed(0);
        Sequential m = Models.mnistCnn();
        assertEquals(10, m.size());
        assertEquals(List.of("0.weight", "0.bias", "3.weight", "3.bias", "7.weight", "7.bias", "9.weight", "9.bias"),
                List.copyOf(m.namedParameters().keySet()));
        assertArrayEquals(new int[] {32, 1, 3, 3}, m.namedParameters().get("0.weight").data().shape());
        assertArrayEquals(new int[] {128, 3136}, m.namedParameters().get("7.weight").data().shape());
        assertEquals(32 * 9 + 32 + 64 * 32 * 9 + 64 + 3136 * 128 + 128 + 1280 + 10, m.parameterCount());
        assertEquals("weight", m.namedParameters().get("7.weight").name());
        m.eval();
        Tensor y = m.forward(Tensor.uniform(1, 0f, 1f, 2, 1, 28, 28));
        assertArrayEquals(new int[] {2, 10}, y.shape());
    }

    @Test
    void nestedNamesAndBuffersInStateDictOrder() {
        Sequential inner = new Sequential(new Conv2d(1, 2, 3), new BatchNorm2d(2, 1e-5f, 0.1f, false, true));
        Sequential outer = new Sequential(inner, new ReLU(), new Sequential(new Linear(3, 2, false)));
        assertEquals(List.of("0.0.weight", "0.0.bias", "2.0.weight"), List.copyOf(outer.namedParameters().keySet()));
        assertEquals(List.of("0.0.weight", "0.0.bias", "0.1.running_mean", "0.1.running_var",
                "0.1.num_batches_tracked", "2.0.weight"), List.copyOf(outer.stateDict().keySet()));
        assertArrayEquals(new int[0], outer.stateDict().get("0.1.num_batches_tracked").shape());
        assertSame(inner, outer.get(0));
        assertIae(() -> outer.get(3), "index 3");
    }

    @Test
    void sameSeedSameModelOtherSeedOtherModel() {
        Init.manualSeed(9);
        Map<String, Tensor> a = Models.mnistCnn().stateDict();
        Init.manualSeed(9);
        Map<String, Tensor> b = Models.mnistCnn().stateDict();
        Init.manualSeed(10);
        Map<String, Tensor> c = Models.mnistCnn().stateDict();
        for (String k : a.keySet()) {
            assertArrayEquals(a.get(k).toArray(), b.get(k).toArray(), 0f, k);
        }
        assertNotEquals(a.get("0.weight").getFlat(0), c.get("0.weight").getFlat(0));
    }

    @Test
    void defaultInitialisationBoundsArePyTorchs() {
        Init.manualSeed(1);
        Conv2d c = new Conv2d(8, 16, 3, 1, 1, 1, 2, true); // fanIn = 8/2*9 = 36
        checkBound(c.weight().data(), 1.0 / 6.0);
        checkBound(c.bias().data(), 1.0 / 6.0);
        Linear l = new Linear(400, 10);
        checkBound(l.weight().data(), 1.0 / 20.0);
        checkBound(l.bias().data(), 1.0 / 20.0);
        ConvTranspose2d t = new ConvTranspose2d(4, 6, 2); // weight (4, 6, 2, 2), fanIn = 6*4 = 24
        assertArrayEquals(new int[] {4, 6, 2, 2}, t.weight().data().shape());
        checkBound(t.weight().data(), 1.0 / Math.sqrt(24));
        BatchNorm2d bn = new BatchNorm2d(3);
        assertArrayEquals(new float[] {1f, 1f, 1f}, bn.weight().data().toArray());
        assertArrayEquals(new float[] {1f, 1f, 1f}, bn.runningVar().toArray());
    }

    private static void checkBound(Tensor t, double bound) {
        double max = 0;
        double sum = 0;
        for (int i = 0; i < t.size(); i++) {
            max = Math.max(max, Math.abs(t.getFlat(i)));
            sum += t.getFlat(i);
        }
        assertTrue(max <= bound, "max " + max + " > bound " + bound);
        if (t.size() >= 64) {
            assertTrue(max > 0.9 * bound, "values should fill the range: max " + max + " of " + bound);
            assertTrue(Math.abs(sum / t.size()) < 0.2 * bound, "mean " + sum / t.size());
        }
    }

    @Test
    void loadStateDictValidatesEverythingBeforeCopying() {
        Init.manualSeed(2);
        Sequential a = new Sequential(new Linear(3, 2), new BatchNorm1d(2));
        Init.manualSeed(3);
        Sequential b = new Sequential(new Linear(3, 2), new BatchNorm1d(2));
        Map<String, Tensor> sd = new LinkedHashMap<>(a.stateDict());
        b.loadStateDict(sd);
        assertArrayEquals(a.stateDict().get("0.weight").toArray(), b.stateDict().get("0.weight").toArray(), 0f);

        Init.manualSeed(4);
        Sequential c = new Sequential(new Linear(3, 2), new BatchNorm1d(2));
        float[] before = c.stateDict().get("0.weight").toArray();
        Map<String, Tensor> bad = new LinkedHashMap<>(sd);
        bad.put("1.running_var", Tensor.zeros(3));
        assertIae(() -> c.loadStateDict(bad), "'1.running_var'", "[3]", "[2]");
        assertArrayEquals(before, c.stateDict().get("0.weight").toArray(), 0f, "nothing copied on failure");
        Map<String, Tensor> missing = new LinkedHashMap<>(sd);
        missing.remove("0.bias");
        assertIae(() -> c.loadStateDict(missing), "missing", "'0.bias'");
        Map<String, Tensor> extra = new LinkedHashMap<>(sd);
        extra.put("0.extra", Tensor.zeros(1));
        assertIae(() -> c.loadStateDict(extra), "unexpected", "'0.extra'");
    }

    @Test
    void trainEvalPropagatesAndEvalKeepsNoBackwardState() {
        Sequential net = new Sequential(new Linear(2, 2), new Sequential(new ReLU(), new Dropout(0.5f)));
        assertTrue(net.get(1).isTraining());
        net.eval();
        assertFalse(((Sequential) net.get(1)).get(1).isTraining());
        Tensor x = Tensor.uniform(1, -1f, 1f, 3, 2);
        Tensor y = net.forward(x);
        assertThrows(IllegalStateException.class, () -> net.backward(y));
        net.train();
        Tensor y2 = net.forward(x);
        net.backward(y2);
    }

    @Test
    void dropoutIsSeededScaledAndIdentityInEval() {
        Dropout d1 = new Dropout(0.25f, 11);
        Dropout d2 = new Dropout(0.25f, 11);
        Tensor x = Tensor.uniform(3, 1f, 2f, 1000);
        Tensor y1 = d1.forward(x);
        assertArrayEquals(y1.toArray(), d2.forward(x).toArray(), 0f);
        int zeros = 0;
        for (int i = 0; i < 1000; i++) {
            float v = y1.getFlat(i);
            if (v == 0f) {
                zeros++;
            } else {
                assertEquals(x.getFlat(i) / 0.75f, v, 1e-6f);
            }
        }
        assertTrue(zeros > 180 && zeros < 320, "about a quarter dropped: " + zeros);
        Tensor g = d1.backward(Tensor.uniform(4, 1f, 2f, 1000));
        for (int i = 0; i < 1000; i++) {
            assertEquals(y1.getFlat(i) == 0f, g.getFlat(i) == 0f);
        }
        d1.eval();
        assertArrayEquals(x.toArray(), d1.forward(x).toArray(), 0f);
    }

    @Test
    void batchNormUpdatesRunningStatsLikePyTorch() {
        BatchNorm1d bn = new BatchNorm1d(1);
        Tensor x = Tensor.of(new float[] {1f, 2f, 3f, 4f}, 4, 1);
        bn.forward(x);
        // mean 2.5, unbiased variance 1.6667; momentum 0.1
        assertEquals(0.25f, bn.runningMean().getFlat(0), 1e-6f);
        assertEquals(0.9f + 0.1f * 5f / 3f, bn.runningVar().getFlat(0), 1e-6f);
        assertEquals(1f, bn.stateDict().get("num_batches_tracked").getFlat(0));
        assertIae(() -> bn.forward(Tensor.zeros(1, 1)), "more than 1 value per channel");
        assertIae(() -> bn.forward(Tensor.zeros(4, 2)), "expected 1 channels");
        bn.eval();
        Tensor y = bn.forward(Tensor.zeros(1, 1)); // fine in eval
        assertEquals(-0.25f / (float) Math.sqrt(bn.runningVar().getFlat(0) + 1e-5f), y.getFlat(0), 1e-6f);
    }

    @Test
    void layersRejectBadArgumentsAndInputsByName() {
        assertIae(() -> new Conv2d(3, 4, 0), "kernelSize", "0");
        assertIae(() -> new Conv2d(3, 4, 3, 1, 1, 1, 2, true), "groups", "2");
        assertIae(() -> Conv2d.builder(3, 4).kernelSize(3).stride(2).padding(Padding.same()).build(), "same",
                "stride");
        assertIae(() -> Conv2d.builder(3, 4).build(), "kernelSize");
        assertIae(() -> new Conv2d(3, 4, 3).forward(Tensor.zeros(1, 2, 8, 8)), "weight", "3 channels",
                "[1, 2, 8, 8]");
        assertIae(() -> new Conv2d(3, 4, 3).forward(Tensor.zeros(3, 8, 8)), "input", "4 dimensions");
        assertIae(() -> new Conv2d(3, 4, 5).forward(Tensor.zeros(1, 3, 4, 4)), "kernel", "larger");
        assertIae(() -> new Linear(5, 2).forward(Tensor.zeros(3, 4)), "in_features=5", "[3, 4]");
        assertIae(() -> new MaxPool2d(2, 2, 2), "padding", "half");
        assertIae(() -> new Maxout(3).forward(Tensor.zeros(1, 4, 2)), "divisible", "pieces 3");
        assertIae(() -> new Dropout(1.5f), "p", "1.5");
        assertIae(() -> new CrossEntropyLoss().forward(Tensor.zeros(2, 3), new int[] {0, 3}), "target[1] = 3");
        assertIae(() -> new CrossEntropyLoss().forward(Tensor.zeros(2, 3), new int[] {0}), "target has 1");
        assertIae(() -> new MSELoss().forward(Tensor.zeros(2, 3), Tensor.zeros(3, 2)), "target has shape [3, 2]");
        Tensor logits = Tensor.of(new float[] {0.2f, 1.5f, 0.4f}, 3);
        assertIae(() -> new BCELoss().forward(logits, Tensor.zeros(3)), "between 0 and 1", "1.5", "index 1");
        assertIae(() -> F.binary_cross_entropy(Tensor.of(new float[] {Float.NaN}, 1), Tensor.zeros(1), null,
                Reduction.MEAN), "between 0 and 1", "NaN");
    }

    @Test
    void backwardChecksItsGradientShape() {
        Linear l = new Linear(3, 2);
        l.forward(Tensor.zeros(4, 3));
        assertIae(() -> l.backward(Tensor.zeros(4, 3)), "gradOutput", "[4, 3]", "[4, 2]");
        Linear fresh = new Linear(3, 2);
        assertThrows(IllegalStateException.class, () -> fresh.backward(Tensor.zeros(4, 2)));
    }

    @Test
    void functionalMatchesModules() {
        Init.manualSeed(6);
        Conv2d c = new Conv2d(2, 3, 3, 2, 1);
        Tensor x = Tensor.uniform(1, -1f, 1f, 2, 2, 7, 7);
        Tensor a = c.forward(x);
        Tensor b = F.conv2d(x, c.weight().data(), c.bias().data(), 2, 1);
        assertArrayEquals(a.toArray(), b.toArray(), 0f);
        Tensor s = F.softmax(Tensor.of(new float[] {1f, 2f, 3f, 1f, 1f, 1f}, 2, 3), -1);
        assertEquals(1f, s.getFlat(0) + s.getFlat(1) + s.getFlat(2), 1e-6f);
        assertEquals(1f / 3f, s.getFlat(4), 1e-6f);
        assertIae(() -> F.softmax(s, 2), "dim 2");
    }

    @Test
    void evalOutputsBelongToTheCallerAndMatchTrainingModeOutputs() {
        Init.manualSeed(8);
        Sequential net = new Sequential(new Conv2d(1, 2, 3), new ReLU(),
                new Sequential(new MaxPool2d(2), new Flatten()));
        Tensor x1 = Tensor.uniform(1, -1f, 1f, 2, 1, 6, 6);
        Tensor x2 = Tensor.uniform(2, -1f, 1f, 2, 1, 6, 6);
        float[] heap1 = net.forward(x1).toArray();
        net.eval();
        Tensor y1 = net.forward(x1);
        float[] copy1 = y1.toArray();
        assertArrayEquals(heap1, copy1, 0f, "eval (arena) output equals training-mode (heap) output");
        Tensor y2 = net.forward(x2);
        assertArrayEquals(copy1, y1.toArray(), 0f, "a later call must not overwrite an earlier result");
        assertTrue(y1.data() != y2.data());
        Tensor y3 = net.forward(Tensor.uniform(3, -1f, 1f, 5, 1, 8, 8)); // larger batch grows the buffers
        assertArrayEquals(new int[] {5, 18}, y3.shape());
    }
}
