package org.simdcnn.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.simdcnn.SimdCnn;
import org.simdcnn.functional.F;
import org.simdcnn.kernels.Epilogue;
import org.simdcnn.optim.SGD;
import org.simdcnn.tensor.Tensor;

/**
 * {@link Linear} in eval mode runs on weights packed once: bitwise the result of the unpacked forward for any thread
 * count and batch shape, and a change of the weights after a forward (tensor API, an optimizer step, writes made in
 * training mode) or of the bias is seen by the next forward.
 */
class LinearPackedWeightsTest {

    static float[] reference(Linear layer, Tensor x) {
        return F.linear(x, layer.weight().data(), layer.bias() == null ? null : layer.bias().data(), Epilogue.NONE)
                .toArray();
    }

    static Linear[] layers() {
        Init.manualSeed(12);
        // K over several SGEMM blocks (700), a tail of the 12 x 32 tile (out 45), no bias
        return new Linear[] {new Linear(700, 45), new Linear(33, 70, false), new Linear(1, 1)};
    }

    @Test
    void evalForwardIsBitwiseTheTrainingForwardForAnyThreadCount() {
        int threads = SimdCnn.threads();
        try {
            for (Linear layer : layers()) {
                Tensor x = Tensor.uniform(3, -1f, 1f, 37, layer.inFeatures());
                float[] train = layer.train().forward(x).toArray();
                assertArrayEquals(reference(layer, x), train, layer + ": training forward");
                layer.eval();
                for (int t : new int[] {1, 2, 3}) {
                    SimdCnn.setThreads(t);
                    assertArrayEquals(train, layer.forward(x).toArray(), layer + ": eval forward, threads " + t);
                }
                // another batch, as (*, in) with two leading dimensions, on the same packed weights
                Tensor x2 = Tensor.uniform(4, -1f, 1f, 3, 5, layer.inFeatures());
                assertArrayEquals(reference(layer, x2), layer.forward(x2).toArray(), layer + ": other batch");
            }
        } finally {
            SimdCnn.setThreads(threads);
        }
    }

    @Test
    void weightAndBiasChangesAreSeen() {
        for (Linear layer : layers()) {
            Tensor x = Tensor.uniform(5, -1f, 1f, 9, layer.inFeatures());
            layer.eval();
            float[] before = layer.forward(x).toArray();
            layer.weight().data().setFlat(0, 3.5f);
            float[] after = layer.forward(x).toArray();
            assertFalse(Arrays.equals(before, after), layer + ": setFlat must change the output");
            assertArrayEquals(reference(layer, x), after, layer + ": after setFlat");
            layer.weight().grad().fill(0.5f);
            new SGD(layer.parameters(), 0.1f).step();
            assertArrayEquals(reference(layer, x), layer.forward(x).toArray(), layer + ": after an SGD step");
            if (layer.bias() != null) {
                layer.bias().data().data()[0] += 1f; // the bias is not packed: read live every call
                assertArrayEquals(reference(layer, x), layer.forward(x).toArray(), layer + ": after a bias change");
            }
            // a raw write in training mode, without markModified: the switch to eval mode packs afresh anyway
            layer.train();
            layer.weight().data().data()[0] += 0.75f;
            layer.eval();
            float[] last = layer.forward(x).toArray();
            assertArrayEquals(reference(layer, x), last, layer + ": after a write in training mode");
        }
    }
}
