package org.simdcnn.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.simdcnn.tensor.Tensor;

/** A model in eval mode serves 8 threads x 1,000 calls with results bitwise equal to single-threaded calls. */
class ConcurrentInferenceTest {

    @Test
    void eightThreadsThousandCallsEachMatchSingleThreaded() throws Exception {
        Init.manualSeed(5);
        Sequential net = new Sequential(
                new Conv2d(1, 4, 3, 1, 1),
                new ReLU(),
                new BatchNorm2d(4),
                new MaxPool2d(2),
                new Maxout(2),
                new Dropout(0.5f),
                new Flatten(),
                new Linear(2 * 3 * 3, 5),
                new GELU(),
                new Linear(5, 3));
        // give batch norm non-trivial running statistics, then freeze
        net.forward(Tensor.uniform(1, -1f, 1f, 4, 1, 6, 6));
        net.eval();
        int inputs = 16;
        Tensor[] xs = new Tensor[inputs];
        float[][] expected = new float[inputs][];
        for (int i = 0; i < inputs; i++) {
            xs[i] = Tensor.uniform(100 + i, -1f, 1f, 1 + i % 3, 1, 6, 6);
            expected[i] = net.forward(xs[i]).toArray();
        }
        int threads = 8;
        int calls = 1000;
        ExecutorService ex = Executors.newFixedThreadPool(threads);
        CountDownLatch start = new CountDownLatch(1);
        AtomicInteger mismatches = new AtomicInteger();
        List<Future<?>> fs = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int tid = t;
            fs.add(ex.submit(() -> {
                start.await();
                for (int c = 0; c < calls; c++) {
                    int i = (tid * 7 + c) % inputs;
                    float[] y = net.forward(xs[i]).toArray();
                    if (!java.util.Arrays.equals(y, expected[i])) {
                        mismatches.incrementAndGet();
                    }
                }
                return null;
            }));
        }
        start.countDown();
        for (Future<?> f : fs) {
            f.get();
        }
        ex.shutdown();
        assertEquals(0, mismatches.get(), "calls whose result differed from the single-threaded one");
        assertTrue(!net.isTraining());
    }
}
