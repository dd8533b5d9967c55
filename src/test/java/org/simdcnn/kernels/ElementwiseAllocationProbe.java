package org.simdcnn.kernels;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.simdcnn.SimdCnn;
import org.simdcnn.geometry.PoolGeometry;

/**
 * A probe, not run by {@code mvn test}: how many bytes each elementwise kernel of the SIMD backend (activations,
 * pooling, softmax, losses, batch norm) allocates per call in steady state, on 1 and 2 threads, after a warm-up
 * of all of them together. {@link KernelDeterminismTest} asserts zero for GEMM and convolution; here the answer
 * depends on what C2 compiled before: where a vector loop exceeds C2's inlining budget on JDK 25
 * (NodeCountInliningCutoff, "callee is too large"), the {@code SimdMath} helpers it calls stay out of line and
 * box their vectors. Run in a fresh JVM most kernels allocate nothing (BCE-with-logits forward and the cross-entropy
 * gradient along {@code inner > 1} do, on 2026-11-28); after the whole test suite's history, the
 * sigmoid/SiLU forwards, softmax and several losses were seen allocating 20-60 bytes per element. Measured per
 * kernel, so a line names it.
 *
 * <pre>
 * mvn -q test-compile
 * java --add-modules jdk.incubator.vector -cp target/classes:target/test-classes \
 *     org.simdcnn.kernels.ElementwiseAllocationProbe [--strict]
 * </pre>
 * {@code --strict}: exit status 1 when any kernel allocates.
 */
public final class ElementwiseAllocationProbe {
    private ElementwiseAllocationProbe() {
    }

    public static void main(String[] args) {
        boolean strict = args.length > 0 && args[0].equals("--strict");
        if (!SimdCnn.backend().name().equals("simd")) {
            System.out.println("not the SIMD backend (" + SimdCnn.info() + "): nothing to probe");
            return;
        }
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        List<String> allocating = new ArrayList<>();
        for (int threads : new int[] {1, 2}) {
            SimdCnn.setThreads(threads);
            Map<String, Runnable> kernels = kernels();
            long tid = Thread.currentThread().threadId();
            // warm up all together (the interpreter and C1 box vectors), then measure each on its own
            long deadline = System.nanoTime() + 30_000_000_000L;
            for (int round = 0; round < 60 && System.nanoTime() < deadline; round++) {
                for (Runnable r : kernels.values()) {
                    r.run();
                }
            }
            for (var e : kernels.entrySet()) {
                long last = -1;
                int quiet = 0;
                long until = System.nanoTime() + 3_000_000_000L;
                while (quiet < 3 && System.nanoTime() < until) {
                    long before = mx.getThreadAllocatedBytes(tid);
                    for (int i = 0; i < 5; i++) {
                        e.getValue().run();
                    }
                    last = mx.getThreadAllocatedBytes(tid) - before;
                    quiet = last < 64 ? quiet + 1 : 0; // 64 B of slack for the measurement itself
                }
                String line = String.format(Locale.ROOT, "%-50s %d thread(s): %,d B per call", e.getKey(), threads,
                        quiet >= 3 ? 0 : last / 5);
                System.out.println(line);
                if (quiet < 3) {
                    allocating.add(line);
                }
            }
        }
        System.out.println(allocating.isEmpty() ? "no kernel allocates" : allocating.size() + " allocating");
        if (strict && !allocating.isEmpty()) {
            System.exit(1);
        }
    }

    /** One call of every kernel, on fixed data; large enough for the parallel paths. */
    private static Map<String, Runnable> kernels() {
        Backend be = SimdCnn.backend();
        Map<String, Runnable> k = new LinkedHashMap<>();
        int n = 1 << 16;
        float[] x = RefKernels.reals(1, n);
        float[] p = new float[n];
        for (int i = 0; i < n; i++) {
            p[i] = 0.05f + 0.9f * (x[i] * 0.5f + 0.5f);
        }
        float[] t = RefKernels.reals(2, n);
        float[] tp = new float[n];
        for (int i = 0; i < n; i++) {
            tp[i] = t[i] > 0 ? 1f : 0f;
        }
        float[] y = new float[n];
        float[] dy = RefKernels.reals(3, n);
        float[] dx = new float[n];
        float[] out = new float[n];
        float[] one = {1f};
        Activations a = be.activations();
        for (ActivationFn f : new ActivationFn[] {ActivationFn.RELU, ActivationFn.SIGMOID, ActivationFn.TANH,
            ActivationFn.GELU, ActivationFn.GELU_TANH, ActivationFn.SILU}) {
            k.put("activation forward " + f, () -> a.forward(f, x, 0, y, 0, n));
            k.put("activation backward " + f, () -> a.backward(f, x, 0, y, 0, dy, 0, dx, 0, n));
        }
        int[] am = new int[n];
        k.put("maxout forward", () -> a.maxoutForward(16, 8, 4, 128, x, 0, y, 0, am, 0));
        k.put("maxout backward", () -> a.maxoutBackward(16, 8, 4, 128, dy, 0, am, 0, dx, 0));

        Pooling pool = be.pooling();
        PoolGeometry fused = PoolGeometry.pool2d("max_pool", 8, 32, 16, 16, 2, 2, 0, false);
        PoolGeometry general = PoolGeometry.pool2d("max_pool", 8, 32, 16, 16, 3, 2, 1, false);
        PoolGeometry avg = PoolGeometry.pool2d("avg_pool", 8, 32, 16, 16, 3, 1, 1, false);
        int[] pam = new int[n];
        k.put("max pool 2x2 forward", () -> pool.maxForward(fused, x, 0, y, 0, pam, 0));
        k.put("max pool 2x2 forward, no indices", () -> pool.maxForward(fused, x, 0, y, 0, null, 0));
        k.put("max pool 2x2 backward", () -> pool.maxBackward(fused, dy, 0, pam, 0, dx, 0));
        k.put("max pool 3x3 s2 forward", () -> pool.maxForward(general, x, 0, y, 0, pam, 0));
        k.put("max pool 3x3 s2 backward", () -> pool.maxBackward(general, dy, 0, pam, 0, dx, 0));
        k.put("avg pool 3x3 forward", () -> pool.avgForward(avg, false, x, 0, y, 0));
        k.put("avg pool 3x3 backward", () -> pool.avgBackward(avg, true, dy, 0, dx, 0));
        int[] in = {16, 16};
        int[] gap = {1, 1};
        int[] half = {8, 8};
        k.put("global avg pool forward", () -> pool.adaptiveAvgForward(8, 32, in, gap, x, 0, y, 0));
        k.put("global avg pool backward", () -> pool.adaptiveAvgBackward(8, 32, in, gap, dy, 0, dx, 0));
        k.put("adaptive avg pool forward", () -> pool.adaptiveAvgForward(8, 32, in, half, x, 0, y, 0));

        Softmax sm = be.softmax();
        k.put("softmax rows", () -> sm.forward(false, 64, 1000, 1, x, 0, y, 0));
        k.put("log-softmax rows", () -> sm.forward(true, 64, 10, 1, x, 0, y, 0));
        k.put("softmax rows backward", () -> sm.backward(false, 64, 1000, 1, y, 0, dy, 0, dx, 0));
        k.put("softmax columns", () -> sm.forward(false, 4, 21, 256, x, 0, y, 0));
        k.put("log-softmax columns backward", () -> sm.backward(true, 4, 21, 256, y, 0, dy, 0, dx, 0));

        Losses l = be.losses();
        int[] target = new int[64 * 256];
        for (int i = 0; i < target.length; i++) {
            target[i] = (i * 7) % 10;
        }
        k.put("mse", () -> l.mse(Reduction.MEAN, n, x, 0, t, 0, out, 0));
        k.put("mse backward", () -> l.mseBackward(Reduction.MEAN, n, x, 0, t, 0, one, 0, dx, 0));
        k.put("bce", () -> l.bce(Reduction.SUM, n, p, 0, tp, 0, null, out, 0));
        k.put("bce backward", () -> l.bceBackward(Reduction.MEAN, n, p, 0, tp, 0, null, one, 0, dx, 0));
        k.put("bce with logits", () -> l.bceWithLogits(Reduction.MEAN, n, x, 0, tp, 0, null, null, 1, out, 0));
        k.put("bce with logits backward", () -> l.bceWithLogitsBackward(Reduction.MEAN, n, x, 0, tp, 0, null, null,
                1, one, 0, dx, 0));
        k.put("cross-entropy", () -> l.crossEntropy(Reduction.MEAN, 64, 1000, 1, x, 0, target, 0, null, -100, 0.1f,
                out, 0));
        k.put("cross-entropy backward", () -> l.crossEntropyBackward(Reduction.MEAN, 64, 10, 1, x, 0, target, 0,
                null, -100, 0f, one, 0, dx, 0));
        k.put("cross-entropy columns backward", () -> l.crossEntropyBackward(Reduction.MEAN, 16, 10, 256, x, 0,
                target, 0, null, -100, 0.1f, one, 0, dx, 0));
        k.put("nll", () -> l.nll(Reduction.MEAN, 64, 10, 1, x, 0, target, 0, null, -100, out, 0));
        k.put("nll backward", () -> l.nllBackward(Reduction.MEAN, 64, 10, 1, x, 0, target, 0, null, -100, one, 0,
                dx, 0));

        BatchNorm bn = be.batchNorm();
        int c = 16;
        int sp = 256;
        int b = n / (c * sp);
        float[] gamma = RefKernels.reals(4, c);
        float[] beta = RefKernels.reals(5, c);
        float[] rm = new float[c];
        float[] rv = new float[c];
        java.util.Arrays.fill(rv, 1f);
        float[] sMean = new float[c];
        float[] sInv = new float[c];
        float[] dg = new float[c];
        float[] db = new float[c];
        k.put("batch norm training", () -> bn.forwardTraining(b, c, sp, x, 0, gamma, beta, 1e-5f, 0.1f, rm, rv, y, 0,
                sMean, sInv));
        k.put("batch norm eval", () -> bn.forwardEval(b, c, sp, x, 0, gamma, beta, rm, rv, 1e-5f, y, 0));
        k.put("batch norm backward", () -> bn.backward(b, c, sp, x, 0, dy, 0, gamma, sMean, sInv, dx, 0, dg, db));
        return k;
    }
}
