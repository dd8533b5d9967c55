package org.simdcnn.kernels;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.simdcnn.SimdCnn;
import org.simdcnn.geometry.PoolGeometry;

/**
 * A probe, not run by {@code mvn test}: how many bytes each elementwise kernel of the SIMD backend (activations,
 * pooling, softmax, losses, batch norm, the VectorMath face) allocates per call in steady state, on 1 and 2
 * threads. {@link KernelDeterminismTest} asserts zero for GEMM and convolution. Whether a Vector API kernel
 * allocates depends on what C2 compiled: where a compiled unit exceeds C2's inlining budget (NodeCountInliningCutoff), a helper that takes
 * or returns a vector stays out of line and its vectors are boxed. The kernels are structured so that no vector
 * crosses a call C2 could refuse (see {@code SimdMathArrays}); this probe checks it in two modes:
 *
 * <ul>
 *   <li>fresh (default): a warm-up of all kernels together, then each measured on its own;</li>
 *   <li>{@code --warm [seconds]}: first a JIT history that exercises the whole mix (default 60 s): the
 *       {@link SoftmaxLossesStress} mix of every softmax/loss entry point and option, interleaved with every
 *       activation (every kind and option), pooling and batch-norm kernel at random lengths (vector tails, the
 *       parallel sizes) on 1 and 2 threads; then each kernel is measured as in the fresh mode.</li>
 * </ul>
 * Measured per kernel, so a line names it; a kernel that allocates is measured again at the end with more patience
 * (C2 may not have compiled it yet on a busy machine: interpreted and C1 code box every vector).
 *
 * <pre>
 * mvn -q test-compile
 * java --add-modules jdk.incubator.vector -cp target/classes:target/test-classes \
 *     org.simdcnn.kernels.ElementwiseAllocationProbe [--strict] [--warm [seconds]]
 * </pre>
 * {@code --strict}: exit status 1 when any kernel allocates (or, with {@code --warm}, a parity check of the stress
 * mix failed).
 */
public final class ElementwiseAllocationProbe {
    private ElementwiseAllocationProbe() {
    }

    public static void main(String[] args) {
        boolean strict = false;
        boolean warm = false;
        double seconds = 60;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--strict" -> strict = true;
                case "--warm" -> {
                    warm = true;
                    if (i + 1 < args.length && !args[i + 1].startsWith("--")) {
                        seconds = Double.parseDouble(args[++i]);
                    }
                }
                default -> throw new IllegalArgumentException("unknown argument " + args[i]
                        + " (usage: [--strict] [--warm [seconds]])");
            }
        }
        if (!SimdCnn.backend().name().equals("simd")) {
            System.out.println("not the SIMD backend (" + SimdCnn.info() + "): nothing to probe");
            return;
        }
        int parityFailures = 0;
        if (warm) {
            long t0 = System.nanoTime();
            parityFailures = history(seconds);
            System.out.printf(Locale.ROOT, "warm history: %.1f s, %d parity failures in the stress mix%n",
                    (System.nanoTime() - t0) / 1e9, parityFailures);
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
            List<String> retry = new ArrayList<>();
            for (var e : kernels.entrySet()) {
                long b = measure(mx, tid, e.getValue(), 3_000_000_000L);
                if (b > 0) {
                    retry.add(e.getKey());
                    continue;
                }
                System.out.println(String.format(Locale.ROOT, "%-50s %d thread(s): 0 B per call", e.getKey(), threads));
            }
            // a kernel that allocated may only not have been compiled by C2 yet (its queue is slow on a busy
            // machine): measured again with more patience; what still allocates then is reported
            for (String key : retry) {
                long b = measure(mx, tid, kernels.get(key), 20_000_000_000L);
                String line = String.format(Locale.ROOT, "%-50s %d thread(s): %,d B per call", key, threads, b);
                System.out.println(line);
                if (b > 0) {
                    allocating.add(line);
                }
            }
        }
        System.out.println((warm ? "after the warm history: " : "fresh: ")
                + (allocating.isEmpty() ? "no kernel allocates" : allocating.size() + " allocating"));
        if (strict && (!allocating.isEmpty() || parityFailures > 0)) {
            System.exit(1);
        }
    }

    /**
     * Bytes per call of {@code kernel} once it is quiet: rounds of 5 calls until 3 rounds in a row allocate less than
     * 64 bytes (slack for the measurement itself; then 0), or the last round's bytes per call at the deadline.
     */
    private static long measure(com.sun.management.ThreadMXBean mx, long tid, Runnable kernel, long nanos) {
        long last = -1;
        int quiet = 0;
        long until = System.nanoTime() + nanos;
        while (quiet < 3 && System.nanoTime() < until) {
            long before = mx.getThreadAllocatedBytes(tid);
            for (int i = 0; i < 5; i++) {
                kernel.run();
            }
            last = mx.getThreadAllocatedBytes(tid) - before;
            quiet = last < 64 ? quiet + 1 : 0;
        }
        return quiet >= 3 ? 0 : last / 5;
    }

    /**
     * The JIT history of {@code --warm}: rounds of the stress mix of softmax and losses, then every kernel of
     * {@link #kernels()}, then random activation, pooling and batch-norm calls at random
     * lengths and offsets; the thread count alternates between 1 and 2 per round. Returns the stress mix's parity
     * failures.
     */
    private static int history(double seconds) {
        Backend be = SimdCnn.backend();
        Random r = new Random(11);
        int max = 3 * SIZE + 64;
        float[] x = new float[max];
        float[] y = new float[max];
        float[] dy = new float[max];
        float[] dx = new float[max];
        for (int i = 0; i < max; i++) {
            x[i] = (float) (r.nextGaussian() * (i % 7 == 0 ? 30 : 3));
            dy[i] = (float) r.nextGaussian();
        }
        ActivationFn[] fns = {ActivationFn.RELU, ActivationFn.leakyRelu(0.01f), ActivationFn.leakyRelu(0.3f),
            ActivationFn.elu(1f), ActivationFn.elu(0.5f), ActivationFn.SIGMOID, ActivationFn.TANH, ActivationFn.GELU,
            ActivationFn.GELU_TANH, ActivationFn.SILU, ActivationFn.softplus(1f, 20f), ActivationFn.softplus(2f, 5f),
            ActivationFn.HARDSWISH};
        Activations a = be.activations();
        Pooling pool = be.pooling();
        BatchNorm bn = be.batchNorm();
        int failures = 0;
        long t0 = System.nanoTime();
        long seed = 5_000_000;
        for (int round = 0; System.nanoTime() - t0 < seconds * 1e9; round++) {
            SimdCnn.setThreads(1 + round % 2);
            failures += SoftmaxLossesStress.mix(1.0, seed);
            seed += 1_000_000;
            for (Runnable k : kernels().values()) { // in order: a max-pool backward reads its forward's indices
                k.run();
            }
            long until = System.nanoTime() + 1_000_000_000L;
            while (System.nanoTime() < until) {
                int n = r.nextInt(8) == 0 ? 2 * SIZE + r.nextInt(SIZE) : 1 + r.nextInt(r.nextBoolean() ? 40 : 3000);
                int o = r.nextInt(3);
                ActivationFn f = fns[r.nextInt(fns.length)];
                a.forward(f, x, o, y, o, n);
                a.backward(f, x, o, y, o, dy, o, dx, o, n);
                int c = 1 + r.nextInt(8);
                int h = 1 + r.nextInt(20);
                int w = 1 + r.nextInt(20);
                int k = 1 + r.nextInt(Math.min(3, Math.min(h, w)));
                PoolGeometry g = PoolGeometry.pool2d("max_pool", 2, c, h, w, k, 1 + r.nextInt(2), r.nextInt(k / 2 + 1),
                        r.nextBoolean());
                int[] am = AM.get();
                pool.maxForward(g, x, 0, y, 0, am, 0);
                pool.maxBackward(g, dy, 0, am, 0, dx, 0);
                pool.avgForward(g, r.nextBoolean(), x, 0, y, 0);
                pool.avgBackward(g, r.nextBoolean(), dy, 0, dx, 0);
                int sp = 1 + r.nextInt(300);
                float[] gamma = new float[c];
                java.util.Arrays.fill(gamma, 1.5f);
                float[] beta = new float[c];
                float[] rm = new float[c];
                float[] rv = new float[c];
                java.util.Arrays.fill(rv, 1f);
                float[] sMean = new float[c];
                float[] sInv = new float[c];
                bn.forwardTraining(2, c, sp, x, 0, gamma, beta, 1e-5f, 0.1f, rm, rv, y, 0, sMean, sInv);
                bn.forwardEval(2, c, sp, x, 0, gamma, beta, rm, rv, 1e-5f, y, 0);
                bn.backward(2, c, sp, x, 0, dy, 0, gamma, sMean, sInv, dx, 0, new float[c], new float[c]);
            }
        }
        return failures;
    }

    /** Elements of the probe's arrays (large enough for the parallel paths). */
    private static final int SIZE = 1 << 16;
    private static final ThreadLocal<int[]> AM = ThreadLocal.withInitial(() -> new int[3 * SIZE + 64]);

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
        for (ActivationFn f : new ActivationFn[] {ActivationFn.RELU, ActivationFn.leakyRelu(0.01f),
            ActivationFn.elu(1f), ActivationFn.SIGMOID, ActivationFn.TANH, ActivationFn.GELU, ActivationFn.GELU_TANH,
            ActivationFn.SILU, ActivationFn.softplus(1f, 20f), ActivationFn.HARDSWISH}) {
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
        k.put("log-softmax columns", () -> sm.forward(true, 4, 21, 250, x, 0, y, 0));
        k.put("log-softmax rows backward", () -> sm.backward(true, 64, 1000, 1, y, 0, dy, 0, dx, 0));
        k.put("softmax columns backward", () -> sm.backward(false, 4, 21, 250, y, 0, dy, 0, dx, 0));
        k.put("log-softmax columns backward", () -> sm.backward(true, 4, 21, 256, y, 0, dy, 0, dx, 0));

        Losses l = be.losses();
        int[] target = new int[64 * 256];
        for (int i = 0; i < target.length; i++) {
            target[i] = (i * 7) % 10;
        }
        k.put("mse", () -> l.mse(Reduction.MEAN, n, x, 0, t, 0, out, 0));
        k.put("mse backward", () -> l.mseBackward(Reduction.MEAN, n, x, 0, t, 0, one, 0, dx, 0));
        float[] wts = new float[n];
        for (int i = 0; i < n; i++) {
            wts[i] = 0.5f + (i % 5) * 0.25f;
        }
        float[] pw = {0.5f, 2f, 3f};
        k.put("bce", () -> l.bce(Reduction.SUM, n, p, 0, tp, 0, null, out, 0));
        k.put("bce weighted, none", () -> l.bce(Reduction.NONE, n, p, 0, tp, 0, wts, out, 0));
        k.put("bce backward", () -> l.bceBackward(Reduction.MEAN, n, p, 0, tp, 0, null, one, 0, dx, 0));
        k.put("bce with logits", () -> l.bceWithLogits(Reduction.MEAN, n, x, 0, tp, 0, null, null, 1, out, 0));
        k.put("bce with logits weighted, pos_weight, none", () -> l.bceWithLogits(Reduction.NONE, n, x, 0, tp, 0,
                wts, pw, 7, out, 0));
        k.put("bce with logits backward weighted, pos_weight", () -> l.bceWithLogitsBackward(Reduction.SUM, n, x, 0,
                tp, 0, wts, pw, 7, one, 0, dx, 0));
        k.put("bce with logits backward", () -> l.bceWithLogitsBackward(Reduction.MEAN, n, x, 0, tp, 0, null, null,
                1, one, 0, dx, 0));
        k.put("cross-entropy", () -> l.crossEntropy(Reduction.MEAN, 64, 1000, 1, x, 0, target, 0, null, -100, 0.1f,
                out, 0));
        k.put("cross-entropy backward", () -> l.crossEntropyBackward(Reduction.MEAN, 64, 10, 1, x, 0, target, 0,
                null, -100, 0f, one, 0, dx, 0));
        k.put("cross-entropy columns backward", () -> l.crossEntropyBackward(Reduction.MEAN, 16, 10, 256, x, 0,
                target, 0, null, -100, 0.1f, one, 0, dx, 0));
        k.put("cross-entropy smoothing, weights, none", () -> l.crossEntropy(Reduction.NONE, 64, 1000, 1, x, 0,
                target, 0, wts, 3, 0.1f, out, 0));
        k.put("cross-entropy backward smoothing, weights", () -> l.crossEntropyBackward(Reduction.SUM, 64, 1000, 1,
                x, 0, target, 0, wts, 3, 0.1f, one, 0, dx, 0));
        k.put("cross-entropy columns", () -> l.crossEntropy(Reduction.MEAN, 16, 10, 250, x, 0, target, 0, wts, -100,
                0.1f, out, 0));
        k.put("nll", () -> l.nll(Reduction.MEAN, 64, 10, 1, x, 0, target, 0, null, -100, out, 0));
        k.put("nll backward", () -> l.nllBackward(Reduction.MEAN, 64, 10, 1, x, 0, target, 0, null, -100, one, 0,
                dx, 0));

        if (be instanceof VectorMath vm) {
            int m = n - 5; // a vector tail
            k.put("vector math exp", () -> vm.exp(x, 0, y, 0, m));
            k.put("vector math expm1", () -> vm.expm1(x, 0, y, 0, m));
            k.put("vector math log", () -> vm.log(p, 0, y, 0, m));
            k.put("vector math tanh", () -> vm.tanh(x, 0, y, 0, m));
            k.put("vector math sigmoid", () -> vm.sigmoid(x, 0, y, 0, m));
        }

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
