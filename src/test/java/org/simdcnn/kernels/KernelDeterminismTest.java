package org.simdcnn.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.simdcnn.SimdCnn;
import org.simdcnn.geometry.ConvGeometry;
import org.simdcnn.geometry.Padding;

/**
 * Bitwise determinism across thread counts (1, 2, 3, 8) on odd shapes with non-integer data (where the summation
 * order shows in the bits), and no allocation in steady state on the calling thread.
 */
class KernelDeterminismTest {

    /** Runs {@code body} with 1, 2, 3 and 8 threads and demands bitwise identical results. */
    static void sameBitsForAnyThreadCount(String what, Supplier<float[]> body) {
        int saved = SimdCnn.threads();
        try {
            float[] first = null;
            for (int t : new int[] {1, 2, 3, 8}) {
                SimdCnn.setThreads(t);
                float[] r;
                try {
                    r = body.get();
                } catch (UnsupportedOperationException notYet) {
                    Assumptions.abort("scalar reference not implemented yet: " + notYet.getMessage());
                    return;
                }
                if (first == null) {
                    first = r;
                    continue;
                }
                assertEquals(first.length, r.length);
                for (int i = 0; i < r.length; i++) {
                    if (Float.floatToRawIntBits(first[i]) != Float.floatToRawIntBits(r[i])) {
                        throw new AssertionError(what + ": with " + t + " threads element " + i + " is " + r[i]
                                + " but with 1 thread " + first[i]);
                    }
                }
            }
        } finally {
            SimdCnn.setThreads(saved);
        }
    }

    @Test
    void gemmBitsDoNotDependOnThreads() {
        int m = 263;
        int n = 397;
        int k = 701;
        float[] a = RefKernels.reals(1, m * k);
        float[] b = RefKernels.reals(2, k * n);
        float[] bias = RefKernels.reals(3, m);
        sameBitsForAnyThreadCount("sgemm", () -> {
            float[] c = RefKernels.reals(4, m * n);
            SimdCnn.backend().gemm().sgemm(false, false, m, n, k, 0.7f, a, 0, k, b, 0, n, 0.3f, c, 0, n, bias, 0,
                    BiasMode.PER_ROW, Epilogue.leakyRelu(0.1f));
            return c;
        });
        sameBitsForAnyThreadCount("sgemm transposed", () -> {
            float[] c = new float[m * n];
            SimdCnn.backend().gemm().sgemm(true, true, m, n, k, 1f, a, 0, m, b, 0, k, 0f, c, 0, n);
            return c;
        });
        // a large GEMM (K blocks of about 256, tasks of 32 x 6 panels, column panels outer): 401 x 397, K = 701
        int ml = 401;
        float[] al = RefKernels.reals(5, ml * k);
        float[] biasCol = RefKernels.reals(6, n);
        sameBitsForAnyThreadCount("sgemm large", () -> {
            float[] c = new float[ml * n];
            SimdCnn.backend().gemm().sgemm(false, false, ml, n, k, 1f, al, 0, k, b, 0, n, 0f, c, 0, n, biasCol, 0,
                    BiasMode.PER_COLUMN, Epilogue.RELU);
            return c;
        });
        // a linear layer on prepacked weights (64 x 701 -> 397)
        org.simdcnn.kernels.Linear lin = SimdCnn.backend().linear();
        PackedLinearWeights pw = lin.pack(k, n, b, 0);
        sameBitsForAnyThreadCount("packed linear", () -> {
            float[] y = new float[64 * n];
            lin.forward(64, k, n, al, 0, pw, biasCol, y, 0, Epilogue.NONE);
            return y;
        });
    }

    @Test
    void convBitsDoNotDependOnThreads() {
        List<ConvGeometry> shapes = new ArrayList<>();
        shapes.add(ConvGeometry.conv2d(3, 13, 17, 19, 29, 3, 3, 1, 1, 1, 1));
        shapes.add(ConvGeometry.conv2d(1, 64, 23, 21, 37, 3, 3, 1, 1, 1, 1));
        shapes.add(ConvGeometry.conv2d(2, 15, 13, 11, 21, 1, 1, 1, 0, 1, 3));
        shapes.add(ConvGeometry.conv2d(3, 9, 15, 17, 9, 3, 3, 2, 1, 1, 9));
        // depthwise, stride 1: the direct backward kernels (one and two output channels per group)
        shapes.add(ConvGeometry.conv2d(3, 11, 9, 45, 11, 3, 3, 1, 1, 1, 11));
        shapes.add(ConvGeometry.conv2d(2, 6, 13, 37, 12, 5, 3, 1, 2, 1, 6));
        shapes.add(ConvGeometry.conv(3, 2, 5, new int[] {7, 6, 9}, 7, new int[] {3}, new int[] {1}, Padding.of(1),
                new int[] {1}, 1));
        shapes.add(ConvGeometry.conv(1, 5, 7, new int[] {101}, 11, new int[] {5}, new int[] {1}, Padding.same(),
                new int[] {1}, 1));
        // implicit GEMM over two K blocks (K = 630) with a 3-row tail panel: one task on one thread, columns and
        // rows split into tasks on more (15 output channels: below the Winograd path's 16)
        shapes.add(ConvGeometry.conv2d(1, 70, 9, 15, 15, 3, 3, 1, 1, 1, 1));
        // Winograd F(2x2, 3x3): six blocks of tiles (tasks), tiles of two images in one block; with 64 channels and
        // odd maps, the weight gradient too
        shapes.add(ConvGeometry.conv2d(2, 32, 20, 18, 40, 3, 3, 1, 1, 1, 1));
        shapes.add(ConvGeometry.conv2d(2, 64, 13, 11, 65, 3, 3, 1, 1, 1, 1));
        // seven blocks of one column panel (28x28): the last block in two tasks over 2 + 2 row panels
        shapes.add(ConvGeometry.conv2d(1, 16, 28, 28, 40, 3, 3, 1, 1, 1, 1));
        // the weight gradient with channels in the lanes: 8 chunks of tile rows (chunk edges inside images, 3 or 4
        // tile rows), each chunk's sums added in chunk order; and with tiles in the lanes (128 x 96 channel pairs)
        shapes.add(ConvGeometry.conv2d(5, 24, 9, 14, 17, 3, 3, 1, 1, 1, 1));
        shapes.add(ConvGeometry.conv2d(1, 128, 16, 16, 96, 3, 3, 1, 1, 1, 1));
        // and in 3d with the sums swapped (16 -> 32 channels), 2 images x 3 output slices x 4 tile rows in 8 chunks
        shapes.add(ConvGeometry.conv(3, 2, 16, new int[] {3, 8, 7}, 32, new int[] {3}, new int[] {1}, Padding.of(1),
                new int[] {1}, 1));
        // Winograd F(2x2, 3x3) in 3d: one output slice per task (input slices transformed by each task that reads
        // them), two blocks of column panels
        shapes.add(ConvGeometry.conv(3, 1, 16, new int[] {5, 40, 36}, 17, new int[] {3}, new int[] {1},
                Padding.of(1), new int[] {1}, 1));
        // Winograd F(2, 3) on a 1d convolution: blocks of tiles from several sequences
        shapes.add(ConvGeometry.conv(1, 3, 24, new int[] {181}, 20, new int[] {3}, new int[] {1}, Padding.of(1),
                new int[] {1}, 1));
        // the direct kernel (small reduction), several row blocks per image
        shapes.add(ConvGeometry.conv2d(3, 1, 29, 28, 12, 3, 3, 1, 1, 1, 1));
        shapes.add(ConvGeometry.conv(2, 2, 3, new int[] {41, 37}, 9, new int[] {3, 3}, new int[] {2, 1},
                Padding.of(1), new int[] {1}, 1));
        // and its three-vector blocks (512-bit vectors) on a stem-like 7x7 stride 2, K = 147, 29 row blocks
        shapes.add(ConvGeometry.conv2d(2, 3, 28, 64, 16, 7, 7, 2, 3, 1, 1));
        for (ConvGeometry g : shapes) {
            float[] x = RefKernels.reals(5, g.inputSize());
            float[] w = RefKernels.reals(6, g.weightSize());
            float[] bias = RefKernels.reals(7, g.outChannels());
            float[] dy = RefKernels.reals(8, g.outputSize());
            sameBitsForAnyThreadCount("forward " + g, () -> {
                float[] y = new float[g.outputSize()];
                SimdCnn.backend().conv().forward(g, x, 0, w, 0, bias, y, 0, Epilogue.RELU);
                return y;
            });
            sameBitsForAnyThreadCount("backwardInput " + g, () -> {
                float[] dx = new float[g.inputSize()];
                SimdCnn.backend().conv().backwardInput(g, dy, 0, w, 0, dx, 0);
                return dx;
            });
            sameBitsForAnyThreadCount("backwardWeight " + g, () -> {
                float[] dw = new float[g.weightSize()];
                SimdCnn.backend().conv().backwardWeight(g, x, 0, dy, 0, dw, 0);
                return dw;
            });
            sameBitsForAnyThreadCount("backwardBias " + g, () -> {
                float[] db = new float[g.outChannels()];
                SimdCnn.backend().conv().backwardBias(g, dy, 0, db);
                return db;
            });
        }
    }

    /**
     * After warm-up, repeated GEMM, conv forward (plain and prepacked) and conv backward calls allocate nothing on
     * the calling thread. Only meaningful for the SIMD kernels; the scalar run skips it.
     */
    @Test
    void steadyStateAllocatesNothing() {
        Assumptions.assumeTrue(SimdCnn.backend().name().equals("simd"), "SIMD kernels only");
        java.lang.management.ThreadMXBean tm = ManagementFactory.getThreadMXBean();
        Assumptions.assumeTrue(tm instanceof com.sun.management.ThreadMXBean, "needs com.sun.management");
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) tm;
        int saved = SimdCnn.threads();
        try {
            for (int threads : new int[] {1, 2}) {
                SimdCnn.setThreads(threads);
                SteadyStateCalls steady = new SteadyStateCalls();
                Runnable calls = steady::runAll;
                // Warm up until the JIT has compiled the kernels (the interpreter and C1 box vectors); on a busy
                // machine C2 can take many seconds. Then the steady state must allocate nothing, three rounds running.
                long tid = Thread.currentThread().threadId();
                long deadline = System.nanoTime() + 40_000_000_000L;
                int quiet = 0;
                long last = -1;
                while (quiet < 3 && System.nanoTime() < deadline) {
                    long before = mx.getThreadAllocatedBytes(tid);
                    for (int i = 0; i < 5; i++) {
                        calls.run();
                    }
                    last = mx.getThreadAllocatedBytes(tid) - before;
                    quiet = last < 256 ? quiet + 1 : 0;
                }
                if (quiet < 3) {
                    StringBuilder who = new StringBuilder();
                    for (int i = 0; i < steady.calls.size(); i++) {
                        long before = mx.getThreadAllocatedBytes(tid);
                        steady.calls.get(i).run();
                        who.append(' ').append(steady.names.get(i)).append('=')
                                .append(mx.getThreadAllocatedBytes(tid) - before);
                    }
                    throw new AssertionError("steady state still allocated " + last + " bytes per 5 rounds with "
                            + threads + " threads after 40 s of warm-up; per call:" + who);
                }
            }
        } finally {
            SimdCnn.setThreads(saved);
        }
    }
}
