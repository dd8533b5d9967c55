package org.simdcnn.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.simdcnn.kernels.SimdParitySupport.FAST;
import static org.simdcnn.kernels.SimdParitySupport.values;

import java.util.Random;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.simdcnn.SimdCnn;
import org.simdcnn.geometry.PoolGeometry;

/**
 * The served backend's activations, pooling, softmax and batch norm give bitwise identical results for 1, 2 and 3
 * threads on inputs large enough to be split (the partition must not depend on the thread count).
 */
class SimdElementwiseDeterminismTest {
    /** Runs {@code body} writing into a fresh array for each thread count and compares the bits. */
    static void sameForAnyThreadCount(String what, int n, Consumer<float[]> body) {
        int before = SimdCnn.threads();
        try {
            float[] ref = null;
            for (int t : new int[] {1, 2, 3}) {
                SimdCnn.setThreads(t);
                float[] out = new float[n];
                body.accept(out);
                if (ref == null) {
                    ref = out;
                } else {
                    assertArrayEquals(ref, out, what + " with " + t + " threads");
                }
            }
        } finally {
            SimdCnn.setThreads(before);
        }
    }

    @Test
    void activations() {
        int n = 3 * 65536 + 17;
        float[] x = values(new Random(1), n, true);
        float[] dy = values(new Random(2), n, false);
        for (ActivationFn f : SimdActivationsParityTest.all()) {
            sameForAnyThreadCount(f + " forward", n, y -> FAST.activations().forward(f, x, 0, y, 0, n));
            sameForAnyThreadCount(f + " backward", n, dx -> FAST.activations().backward(f, x, 0, x, 0, dy, 0, dx, 0,
                    n));
        }
    }

    @Test
    void poolingSoftmaxBatchNorm() {
        Random r = new Random(3);
        PoolGeometry g = PoolGeometry.pool2d("max_pool", 8, 16, 28, 28, 2, 2, 0, false);
        float[] x = values(r, g.inputSize(), false);
        sameForAnyThreadCount("max pool", g.outputSize(), y -> FAST.pooling().maxForward(g, x, 0, y, 0, null, 0));
        PoolGeometry a = PoolGeometry.pool2d("avg_pool", 8, 16, 28, 28, 3, 2, 1, true);
        sameForAnyThreadCount("avg pool", a.outputSize(), y -> FAST.pooling().avgForward(a, false, x, 0, y, 0));
        sameForAnyThreadCount("log softmax", x.length, y -> FAST.softmax().forward(true, 128, 8, 98, x, 0, y, 0));
        float[] gamma = values(r, 16, false);
        float[] beta = values(r, 16, false);
        sameForAnyThreadCount("batch norm", x.length, y -> FAST.batchNorm().forwardTraining(8, 16, 784, x, 0, gamma,
                beta, 1e-5f, 0.1f, null, null, y, 0, new float[16], new float[16]));
        float[] sm = new float[16];
        float[] si = new float[16];
        FAST.batchNorm().forwardTraining(8, 16, 784, x, 0, gamma, beta, 1e-5f, 0.1f, null, null, new float[x.length],
                0, sm, si);
        float[] dy = values(r, x.length, false);
        sameForAnyThreadCount("batch norm backward", x.length, dx -> FAST.batchNorm().backward(8, 16, 784, x, 0, dy, 0,
                gamma, sm, si, dx, 0, null, null));
    }
}
