package org.simdcnn.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.simdcnn.SimdCnn;
import org.simdcnn.functional.F;
import org.simdcnn.geometry.Padding;
import org.simdcnn.kernels.Epilogue;
import org.simdcnn.optim.SGD;
import org.simdcnn.tensor.Tensor;

/**
 * The conv layers in eval mode run on weights packed once: bitwise the result of the unpacked forward, and every
 * change of the weights after a forward (tensor API, a view, an optimizer step, a state-dict load, a direct write
 * followed by {@code markModified}, writes made in training mode) is seen by the next forward.
 */
class ConvPackedWeightsTest {

    /** One layer and the functional call with its configuration (the unpacked reference). */
    record Case(String name, ConvNd layer, int dims, int[] stride, int padding, int[] dilation, int groups,
            int[] inputShape) {
        float[] reference(Tensor x) {
            Tensor b = layer.bias() == null ? null : layer.bias().data();
            return F.conv(dims, x, layer.weight().data(), b, stride, Padding.of(padding), dilation, groups,
                    Epilogue.NONE).toArray();
        }
    }

    static Case[] cases() {
        Init.manualSeed(11);
        return new Case[] {
            new Case("conv2d implicit", new Conv2d(8, 16, 3, 1, 1, 1, 1, true), 2, new int[] {1}, 1, new int[] {1}, 1,
                    new int[] {2, 8, 12, 12}),
            new Case("conv2d stride 2", new Conv2d(6, 12, 5, 2, 2, 1, 1, false), 2, new int[] {2}, 2, new int[] {1},
                    1, new int[] {2, 6, 15, 15}),
            new Case("conv2d pointwise", new Conv2d(16, 24, 1, 1, 0, 1, 1, true), 2, new int[] {1}, 0, new int[] {1},
                    1, new int[] {1, 16, 20, 20}),
            new Case("conv2d depthwise", new Conv2d(8, 8, 3, 1, 1, 1, 8, true), 2, new int[] {1}, 1, new int[] {1}, 8,
                    new int[] {2, 8, 13, 13}),
            new Case("conv2d groups dilated", new Conv2d(8, 12, 3, 1, 2, 2, 4, true), 2, new int[] {1}, 2,
                    new int[] {2}, 4, new int[] {1, 8, 11, 11}),
            new Case("conv1d", new Conv1d(16, 32, 3, 1, 1, 1, 1, true), 1, new int[] {1}, 1, new int[] {1}, 1,
                    new int[] {4, 16, 64}),
            new Case("conv3d", new Conv3d(4, 8, 3, 1, 1, 1, 1, true), 3, new int[] {1}, 1, new int[] {1}, 1,
                    new int[] {1, 4, 7, 7, 7}),
        };
    }

    static float[] forward(ConvNd layer, Tensor x) {
        return layer.forward(x).toArray();
    }

    @Test
    void evalForwardIsBitwiseTheTrainingForwardForAnyThreadCount() {
        int threads = SimdCnn.threads();
        try {
            for (Case c : cases()) {
                Tensor x = Tensor.uniform(3, -1f, 1f, c.inputShape());
                float[] train = forward((ConvNd) c.layer().train(), x);
                assertArrayEquals(c.reference(x), train, c.name() + ": training forward");
                c.layer().eval();
                for (int t : new int[] {1, 2, 3}) {
                    SimdCnn.setThreads(t);
                    assertArrayEquals(train, forward(c.layer(), x), c.name() + ": eval forward, threads " + t);
                }
                // another batch size and spatial size reuse the same packed weights
                int[] s2 = c.inputShape().clone();
                s2[0] += 1;
                s2[s2.length - 1] += 3;
                Tensor x2 = Tensor.uniform(4, -1f, 1f, s2);
                assertArrayEquals(c.reference(x2), forward(c.layer(), x2), c.name() + ": eval forward, other size");
            }
        } finally {
            SimdCnn.setThreads(threads);
        }
    }

    /** Applies {@code change} after an eval forward; the next forward must equal the unpacked reference. */
    static void assertChangeSeen(String what, Consumer<Case> change) {
        for (Case c : cases()) {
            Tensor x = Tensor.uniform(5, -1f, 1f, c.inputShape());
            c.layer().eval();
            float[] before = forward(c.layer(), x);
            assertArrayEquals(c.reference(x), before, c.name() + ": before " + what);
            change.accept(c);
            float[] after = forward(c.layer(), x);
            assertFalse(Arrays.equals(before, after), c.name() + ": " + what + " must change the output");
            assertArrayEquals(c.reference(x), after, c.name() + ": after " + what);
            assertArrayEquals(after, forward(c.layer(), x), c.name() + ": second forward after " + what);
        }
    }

    @Test
    void setFlatIsSeen() {
        assertChangeSeen("setFlat", c -> c.layer().weight().data().setFlat(0, 3.5f));
    }

    @Test
    void setThroughAViewIsSeen() {
        assertChangeSeen("set through a reshaped view", c -> {
            Tensor w = c.layer().weight().data();
            w.reshape(-1).set(-2.25f, w.size() - 1);
        });
    }

    @Test
    void fillIsSeen() {
        assertChangeSeen("fill", c -> c.layer().weight().data().fill(0.125f));
    }

    @Test
    void optimizerStepInEvalModeIsSeen() {
        assertChangeSeen("SGD step", c -> {
            c.layer().weight().grad().fill(0.5f);
            new SGD(c.layer().parameters(), 0.1f).step();
        });
    }

    @Test
    void loadStateDictIsSeen() {
        assertChangeSeen("loadStateDict", c -> {
            Map<String, Tensor> state = new LinkedHashMap<>();
            for (Map.Entry<String, Tensor> e : c.layer().stateDict().entrySet()) {
                Tensor t = e.getValue().copy();
                if (e.getKey().equals("weight")) {
                    t = Tensor.uniform(77, -1f, 1f, t.shape());
                }
                state.put(e.getKey(), t);
            }
            c.layer().loadStateDict(state);
        });
    }

    @Test
    void directWriteWithMarkModifiedIsSeen() {
        assertChangeSeen("direct write + markModified", c -> {
            Tensor w = c.layer().weight().data();
            float[] d = w.data();
            for (int i = 0; i < d.length; i++) {
                d[i] = -d[i] * 1.5f;
            }
            w.markModified();
        });
    }

    @Test
    void biasChangeIsSeen() {
        for (Case c : cases()) {
            if (c.layer().bias() == null) {
                continue;
            }
            Tensor x = Tensor.uniform(6, -1f, 1f, c.inputShape());
            c.layer().eval();
            float[] before = forward(c.layer(), x);
            c.layer().bias().data().data()[0] += 1f; // the bias is not packed: read live every call
            float[] after = forward(c.layer(), x);
            assertNotEquals(before[0], after[0], c.name());
            assertArrayEquals(c.reference(x), after, c.name() + ": after a bias change");
        }
    }

    @Test
    void trainingStepsBetweenEvalForwardsAreSeen() {
        for (Case c : cases()) {
            Tensor x = Tensor.uniform(7, -1f, 1f, c.inputShape());
            ConvNd layer = c.layer();
            layer.eval();
            float[] before = forward(layer, x);
            layer.train();
            Tensor y = layer.forward(x);
            layer.backward(Tensor.uniform(8, -1f, 1f, y.shape()));
            new SGD(layer.parameters(), 0.05f).step();
            // a raw write in training mode, without markModified: the switch to eval mode packs afresh anyway
            layer.weight().data().data()[1] += 0.75f;
            layer.eval();
            float[] after = forward(layer, x);
            assertFalse(Arrays.equals(before, after), c.name());
            assertArrayEquals(c.reference(x), after, c.name() + ": after training steps");
        }
    }

    @Test
    void versionCountsWritesThroughTheTensorApiAndViews() {
        Tensor t = Tensor.zeros(2, 3);
        int v0 = t.version();
        t.set(1f, 0, 1);
        int v1 = t.version();
        assertNotEquals(v0, v1);
        t.reshape(6).setFlat(5, 2f);
        assertNotEquals(v1, t.version());
        int v2 = t.version();
        t.select0(1).fill(3f);
        assertNotEquals(v2, t.version());
        int v3 = t.version();
        t.markModified();
        assertNotEquals(v3, t.version());
        int v4 = t.version();
        t.get(0, 1);
        t.copy().fill(9f); // a copy has its own counter
        assertEquals(v4, t.version());
    }
}
