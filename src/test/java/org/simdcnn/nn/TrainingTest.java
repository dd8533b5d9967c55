package org.simdcnn.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.simdcnn.SimdCnn;
import org.simdcnn.optim.Adam;
import org.simdcnn.tensor.Tensor;

/**
 * A small CNN learns a synthetic, separable image task (which quadrant of an 8x8 image holds a bright 3x3 blob,
 * with noise) to 100% training accuracy in a fixed number of steps, deterministically: the same seed gives the
 * same loss curve to the bit, with 1 and 2 kernel threads.
 */
class TrainingTest {
    static final int N = 64;
    static final int STEPS = 60;
    private final int threadsBefore = SimdCnn.threads();

    @AfterEach
    void restoreThreads() {
        SimdCnn.setThreads(threadsBefore);
    }

    /** Images {@code (N, 1, 8, 8)}: background noise, a bright blob in quadrant {@code label}. */
    static Tensor images(long seed, int[] labels) {
        SplittableRandom r = new SplittableRandom(seed);
        Tensor x = Tensor.zeros(labels.length, 1, 8, 8);
        for (int n = 0; n < labels.length; n++) {
            labels[n] = n % 4;
            for (int i = 0; i < 64; i++) {
                x.setFlat(n * 64 + i, (float) (r.nextDouble() * 0.6 - 0.3));
            }
            int oy = (labels[n] / 2) * 4 + r.nextInt(2);
            int ox = (labels[n] % 2) * 4 + r.nextInt(2);
            for (int dy = 0; dy < 3; dy++) {
                for (int dx = 0; dx < 3; dx++) {
                    x.set(x.get(n, 0, oy + dy, ox + dx) + 1f, n, 0, oy + dy, ox + dx);
                }
            }
        }
        return x;
    }

    static Sequential model() {
        return new Sequential(
                new Conv2d(1, 4, 3, 1, 1),
                new ReLU(),
                new MaxPool2d(2),
                new Conv2d(4, 8, 3, 1, 1),
                new ReLU(),
                new MaxPool2d(2),
                new Flatten(),
                new Linear(32, 4));
    }

    record Run(float[] losses, float accuracy) {
    }

    static Run train(long seed, int threads) {
        SimdCnn.setThreads(threads);
        Init.manualSeed(seed);
        Sequential net = model();
        int[] labels = new int[N];
        Tensor x = images(seed + 1, labels);
        Adam opt = new Adam(net.parameters(), 0.01f);
        CrossEntropyLoss ce = new CrossEntropyLoss();
        float[] losses = new float[STEPS];
        for (int s = 0; s < STEPS; s++) {
            opt.zeroGrad();
            Tensor logits = net.forward(x);
            losses[s] = ce.forward(logits, labels);
            net.backward(ce.backward());
            opt.step();
        }
        net.eval();
        Tensor logits = net.forward(x);
        int correct = 0;
        for (int n = 0; n < N; n++) {
            int best = 0;
            for (int c = 1; c < 4; c++) {
                if (logits.get(n, c) > logits.get(n, best)) {
                    best = c;
                }
            }
            correct += best == labels[n] ? 1 : 0;
        }
        return new Run(losses, correct / (float) N);
    }

    @Test
    void learnsToFullAccuracyDeterministicallyForOneAndTwoThreads() {
        Run a = train(42, 1);
        assertEquals(1f, a.accuracy(), "training accuracy after " + STEPS + " steps; losses "
                + java.util.Arrays.toString(a.losses()));
        assertTrue(a.losses()[STEPS - 1] < 0.2f * a.losses()[0], "loss should fall: "
                + java.util.Arrays.toString(a.losses()));
        Run b = train(42, 1);
        assertArrayEquals(a.losses(), b.losses(), 0f, "same seed, same thread count");
        Run c = train(42, 2);
        assertArrayEquals(a.losses(), c.losses(), 0f, "1 thread vs 2 threads (a kernel whose summation order depends "
                + "on the thread count or on the JIT state, e.g. FloatVector.reduceLanes(ADD), whose order is "
                + "unspecified and differs between interpreted and C2-compiled code)");
        Run d = train(43, 2);
        assertTrue(d.losses()[0] != a.losses()[0], "another seed gives another curve");
    }
}
