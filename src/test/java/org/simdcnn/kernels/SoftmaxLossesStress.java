package org.simdcnn.kernels;

import java.util.Arrays;
import java.util.Random;
import org.simdcnn.SimdCnn;
import org.simdcnn.kernels.scalar.ScalarBackend;

/**
 * A hot stress loop over every entry point of the served backend's {@link Losses} and {@link Softmax}: many lengths
 * (1..2000, odd, vector tails), every reduction, weights, posWeight, ignoreIndex and label smoothing, long enough for
 * C2 to compile everything (the Vector API kernels once made C2 on JDK 25.0.3 abort the JVM under such a loop).
 * Not a unit test (surefire does not pick it up: the name does not end in Test). It also checks that
 *
 * <ul>
 *   <li>a fixed set of cases computed first (cold: interpreter, C1) gives bitwise the same results at the end
 *       (hot: C2),</li>
 *   <li>every 16th call agrees with the scalar reference to a loose bound (catches a miscompilation, not ulps),
 *       and</li>
 *   <li>(reported as a warning, not a failure) which entry points still allocate when hot, after this mixed
 *       workload: boxed vectors where C2 stopped inlining a helper past its node budget.</li>
 * </ul>
 *
 * <p>Run (after {@code mvn -q test-compile}), seconds as the argument (default 40):
 * <pre>
 * /usr/lib/jvm/temurin-25-jdk-amd64/bin/java --add-modules jdk.incubator.vector \
 *     -cp target/classes:target/test-classes org.simdcnn.kernels.SoftmaxLossesStress 40
 * </pre>
 * Exit status 0 and a last line {@code OK} when the results held (parity, cold/hot determinism); 1 with the
 * failures listed otherwise (a JVM abort shows as a crash with an hs_err file instead). The allocation check
 * takes up to 60 s more.
 */
public final class SoftmaxLossesStress {
    private static final Reduction[] RED = Reduction.values();
    private static final int MAX = 1 << 16;

    private final Backend fast = SimdCnn.backend();
    private final Backend ref = ScalarBackend.INSTANCE;
    private final float[] x = new float[MAX + 8];
    private final float[] p = new float[MAX + 8];
    private final float[] t = new float[MAX + 8];
    private final float[] w = new float[MAX + 8];
    private final float[] out = new float[MAX + 8];
    private final float[] outRef = new float[MAX + 8];
    private final float[] dOut = new float[MAX + 8];
    private final float[] dx = new float[MAX + 8];
    private final float[] dxRef = new float[MAX + 8];
    private final int[] target = new int[MAX + 8];
    private int failures;
    private long calls;
    private double sink;

    private SoftmaxLossesStress() {
    }

    public static void main(String[] args) {
        double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 40;
        SoftmaxLossesStress s = new SoftmaxLossesStress();
        System.out.println("backend " + s.fast.name() + ", " + s.fast.floatLanes() + " float lanes, threads "
                + SimdCnn.pool().threads() + ", " + seconds + " s");
        int fixed = 300;
        long[] cold = new long[fixed];
        for (int c = 0; c < fixed; c++) {
            cold[c] = s.runCase(1000 + c, false);
        }
        long t0 = System.nanoTime();
        long seed = 1_000_000;
        while (System.nanoTime() - t0 < seconds * 1e9) {
            s.runCase(seed, seed % 16 == 0);
            seed++;
        }
        int drift = 0;
        for (int c = 0; c < fixed; c++) {
            long hot = s.runCase(1000 + c, false);
            if (hot != cold[c]) {
                drift++;
                if (drift <= 10) {
                    System.out.println("NOT DETERMINISTIC: case " + (1000 + c) + " cold and hot results differ");
                }
            }
        }
        int allocating = s.steadyStateAllocation();
        System.out.printf("%d cases, %d calls, %d parity failures, %d of %d fixed cases changed, %d entry points"
                + " allocating when hot (sink %s)%n", seed - 1_000_000, s.calls, s.failures, drift, fixed, allocating,
                s.sink == 42.4242 ? "!" : "ok");
        if (allocating > 0) {
            System.out.println("WARNING: " + allocating + " entry point/size pairs still allocate when hot (boxed"
                    + " vectors: a helper taking or returning a vector that C2 did not inline past its node budget)");
        }
        if (s.failures > 0 || drift > 0) {
            System.out.println("FAILED");
            System.exit(1);
        }
        System.out.println("OK");
    }

    /**
     * Runs the stress program's random mix of every softmax and loss entry point and option for {@code seconds}
     * (every 16th call checked against the reference), as a JIT history for {@link ElementwiseAllocationProbe}.
     * Returns the number of parity failures.
     */
    static int mix(double seconds, long firstSeed) {
        SoftmaxLossesStress s = new SoftmaxLossesStress();
        long t0 = System.nanoTime();
        for (long seed = firstSeed; System.nanoTime() - t0 < seconds * 1e9; seed++) {
            s.runCase(seed, seed % 16 == 0);
        }
        return s.failures;
    }

    /**
     * Bytes allocated by hot calls of each entry point on a few serial shapes (the kernels must allocate nothing in
     * steady state; the parallel softmax path is excluded: its task lambda is one small object per call).
     */
    private int steadyStateAllocation() {
        java.lang.management.ThreadMXBean tm = java.lang.management.ManagementFactory.getThreadMXBean();
        if (!(tm instanceof com.sun.management.ThreadMXBean sun) || !sun.isThreadAllocatedMemorySupported()) {
            System.out.println("allocation check skipped: no per-thread allocation counter");
            return 0;
        }
        Random r = new Random(7);
        for (int i = 0; i < 4096; i++) {
            x[i] = (float) r.nextGaussian();
            p[i] = r.nextFloat();
            t[i] = r.nextInt(2);
            w[i] = 0.5f + r.nextFloat();
            dOut[i] = (float) r.nextGaussian();
            target[i] = r.nextInt(10);
        }
        String[] names = {"mse", "bce", "bceWithLogits", "crossEntropy", "crossEntropy smooth/weights",
            "crossEntropy inner", "nll", "softmax rows", "log-softmax rows", "softmax inner"};
        int[] sizes = {10, 37, 1000};
        // round robin over the entry points, 500 calls each, for up to 60 s: the least bytes of a round counts (a
        // round may run code that C2 has queued or is recompiling; on a busy machine that takes many seconds)
        long[][] least = new long[names.length][sizes.length];
        for (long[] l : least) {
            Arrays.fill(l, Long.MAX_VALUE);
        }
        long t0 = System.nanoTime();
        boolean all = false;
        while (!all && System.nanoTime() - t0 < 60e9) {
            all = true;
            for (int op = 0; op < names.length; op++) {
                for (int si = 0; si < sizes.length; si++) {
                    if (least[op][si] == 0) {
                        continue;
                    }
                    long before = sun.getCurrentThreadAllocatedBytes();
                    for (int rep = 0; rep < 500; rep++) {
                        hotCall(op, sizes[si], rep);
                    }
                    least[op][si] = Math.min(least[op][si], sun.getCurrentThreadAllocatedBytes() - before);
                    all &= least[op][si] == 0;
                }
            }
        }
        int bad = 0;
        for (int op = 0; op < names.length; op++) {
            for (int si = 0; si < sizes.length; si++) {
                if (least[op][si] > 0) {
                    bad++;
                    System.out.println("ALLOCATES (warning): " + names[op] + " n=" + sizes[si] + ": " + least[op][si] / 500.0
                            + " bytes per call when hot");
                }
            }
        }
        System.out.printf("allocation check: %.1f s%n", (System.nanoTime() - t0) / 1e9);
        return bad;
    }

    /** One call (forward and backward) of entry point {@code op} at size {@code n}, options varying with rep. */
    private void hotCall(int op, int n, int rep) {
        Losses f = fast.losses();
        Softmax sm = fast.softmax();
        float[] wt = rep % 2 == 0 ? w : null;
        Reduction red = RED[rep % RED.length];
        switch (op) {
            case 0 -> {
                f.mse(red, n, x, 0, t, 0, out, 0);
                f.mseBackward(red, n, x, 0, t, 0, dOut, 0, dx, 0);
            }
            case 1 -> {
                f.bce(red, n, p, 0, t, 0, wt, out, 0);
                f.bceBackward(red, n, p, 0, t, 0, wt, dOut, 0, dx, 0);
            }
            case 2 -> {
                f.bceWithLogits(red, n, x, 0, t, 0, wt, wt, 3, out, 0);
                f.bceWithLogitsBackward(red, n, x, 0, t, 0, wt, wt, 3, dOut, 0, dx, 0);
            }
            case 3 -> {
                f.crossEntropy(red, 3, n, 1, x, 0, target, 0, null, -100, 0f, out, 0);
                f.crossEntropyBackward(red, 3, n, 1, x, 0, target, 0, null, -100, 0f, dOut, 0, dx, 0);
            }
            case 4 -> {
                f.crossEntropy(red, 3, n, 1, x, 0, target, 0, wt, 3, 0.1f, out, 0);
                f.crossEntropyBackward(red, 3, n, 1, x, 0, target, 0, wt, 3, 0.1f, dOut, 0, dx, 0);
            }
            case 5 -> {
                f.crossEntropy(red, 2, 10, n, x, 0, target, 0, wt, 3, 0.1f, out, 0);
                f.crossEntropyBackward(red, 2, 10, n, x, 0, target, 0, wt, 3, 0.1f, dOut, 0, dx, 0);
            }
            case 6 -> {
                f.nll(red, 2, 10, n, x, 0, target, 0, wt, 3, out, 0);
                f.nllBackward(red, 2, 10, n, x, 0, target, 0, wt, 3, dOut, 0, dx, 0);
            }
            case 7, 8 -> {
                sm.forward(op == 8, 3, n, 1, x, 0, out, 0);
                sm.backward(op == 8, 3, n, 1, out, 0, dOut, 0, dx, 0);
            }
            default -> {
                sm.forward(rep % 2 == 0, 2, 3, n, x, 0, out, 0);
                sm.backward(rep % 2 == 0, 2, 3, n, out, 0, dOut, 0, dx, 0);
            }
        }
    }

    /** A length: mostly short and around vector multiples, sometimes up to 2000. */
    private static int length(Random r) {
        return switch (r.nextInt(4)) {
            case 0 -> 1 + r.nextInt(40);
            case 1 -> Math.max(1, 16 * (1 + r.nextInt(8)) + r.nextInt(3) - 1);
            default -> 1 + r.nextInt(2000);
        };
    }

    /** One random call of one entry point; returns a hash of everything it wrote. */
    private long runCase(long seed, boolean check) {
        Random r = new Random(seed);
        int op = r.nextInt(8);
        Reduction red = RED[r.nextInt(RED.length)];
        long h;
        switch (op) {
            case 0, 1, 2 -> h = elementwise(r, op, red, check);
            case 3, 4 -> h = crossEntropy(r, red, op == 4, check);
            case 5 -> h = nll(r, red, check);
            default -> h = softmax(r, op == 7, check);
        }
        calls++;
        return h;
    }

    private long elementwise(Random r, int op, Reduction red, boolean check) {
        int n = length(r);
        int xo = r.nextInt(3);
        for (int i = 0; i < n + 3; i++) {
            x[i] = (float) (r.nextGaussian() * 4);
            p[i] = r.nextInt(10) == 0 ? r.nextInt(2) : r.nextFloat();
            t[i] = r.nextInt(3) == 0 ? r.nextFloat() : r.nextInt(2);
            w[i] = 0.1f + r.nextFloat();
            dOut[i] = (float) r.nextGaussian();
        }
        float[] wt = r.nextBoolean() ? w : null;
        float[] pw = null;
        int posInner = 1 + r.nextInt(30);
        if (r.nextBoolean()) {
            pw = new float[1 + r.nextInt(7)];
            for (int i = 0; i < pw.length; i++) {
                pw[i] = 0.2f + 3 * r.nextFloat();
            }
        }
        Losses f = fast.losses();
        Losses g = ref.losses();
        float v;
        float vr = 0f;
        switch (op) {
            case 0 -> {
                v = f.mse(red, n, x, xo, t, 0, out, 0);
                f.mseBackward(red, n, x, xo, t, 0, dOut, 1, dx, 0);
                if (check) {
                    vr = g.mse(red, n, x, xo, t, 0, outRef, 0);
                    g.mseBackward(red, n, x, xo, t, 0, dOut, 1, dxRef, 0);
                }
            }
            case 1 -> {
                v = f.bce(red, n, p, xo, t, 0, wt, out, 0);
                f.bceBackward(red, n, p, xo, t, 0, wt, dOut, 1, dx, 0);
                if (check) {
                    vr = g.bce(red, n, p, xo, t, 0, wt, outRef, 0);
                    g.bceBackward(red, n, p, xo, t, 0, wt, dOut, 1, dxRef, 0);
                }
            }
            default -> {
                v = f.bceWithLogits(red, n, x, xo, t, 0, wt, pw, posInner, out, 0);
                f.bceWithLogitsBackward(red, n, x, xo, t, 0, wt, pw, posInner, dOut, 1, dx, 0);
                if (check) {
                    vr = g.bceWithLogits(red, n, x, xo, t, 0, wt, pw, posInner, outRef, 0);
                    g.bceWithLogitsBackward(red, n, x, xo, t, 0, wt, pw, posInner, dOut, 1, dxRef, 0);
                }
            }
        }
        if (check) {
            String what = "elementwise op " + op + " " + red + " n=" + n;
            compare(what + " value", new float[] {vr}, new float[] {v}, 1);
            if (red == Reduction.NONE) {
                compare(what + " out", outRef, out, n);
            }
            compare(what + " grad", dxRef, dx, n);
        }
        return hash(v, red == Reduction.NONE ? out : null, n, dx, n);
    }

    private long crossEntropy(Random r, Reduction red, boolean smoothOrWeights, boolean check) {
        int inner = r.nextBoolean() ? 1 : 1 + r.nextInt(40);
        int classes = inner == 1 ? length(r) : 1 + r.nextInt(60);
        int batch = 1 + r.nextInt(Math.max(1, Math.min(8, MAX / (classes * inner))));
        int n = batch * classes * inner;
        int positions = batch * inner;
        for (int i = 0; i < n + 1; i++) {
            x[i] = (float) (r.nextGaussian() * 3 + (r.nextInt(50) == 0 ? 30 : 0));
        }
        int ignore = r.nextBoolean() ? -100 : r.nextInt(classes);
        for (int k = 0; k < positions; k++) {
            target[k] = r.nextInt(8) == 0 ? ignore : r.nextInt(classes);
            dOut[k + 1] = (float) r.nextGaussian();
        }
        target[0] = r.nextInt(classes);
        float[] wt = null;
        float eps = 0f;
        if (smoothOrWeights) {
            if (r.nextBoolean()) {
                wt = w;
                for (int c = 0; c < classes; c++) {
                    w[c] = 0.1f + r.nextFloat();
                }
            }
            eps = r.nextBoolean() ? r.nextFloat() : 0f;
        }
        Losses f = fast.losses();
        float v = f.crossEntropy(red, batch, classes, inner, x, 1, target, 0, wt, ignore, eps, out, 0);
        f.crossEntropyBackward(red, batch, classes, inner, x, 1, target, 0, wt, ignore, eps, dOut, 1, dx, 0);
        if (check) {
            Losses g = ref.losses();
            float vr = g.crossEntropy(red, batch, classes, inner, x, 1, target, 0, wt, ignore, eps, outRef, 0);
            g.crossEntropyBackward(red, batch, classes, inner, x, 1, target, 0, wt, ignore, eps, dOut, 1, dxRef, 0);
            String what = "cross entropy " + red + " " + batch + "x" + classes + "x" + inner + " eps=" + eps
                    + " weights=" + (wt != null);
            compare(what + " value", new float[] {vr}, new float[] {v}, 1);
            if (red == Reduction.NONE) {
                compare(what + " out", outRef, out, positions);
            }
            compare(what + " grad", dxRef, dx, n);
        }
        return hash(v, red == Reduction.NONE ? out : null, positions, dx, n);
    }

    private long nll(Random r, Reduction red, boolean check) {
        int inner = r.nextBoolean() ? 1 : 1 + r.nextInt(40);
        int classes = 1 + r.nextInt(inner == 1 ? 2000 : 60);
        int batch = 1 + r.nextInt(Math.max(1, Math.min(8, MAX / (classes * inner))));
        int n = batch * classes * inner;
        int positions = batch * inner;
        for (int i = 0; i < n; i++) {
            x[i] = (float) -Math.abs(r.nextGaussian() * 3);
        }
        int ignore = r.nextBoolean() ? -100 : r.nextInt(classes);
        for (int k = 0; k < positions; k++) {
            target[k] = r.nextInt(8) == 0 ? ignore : r.nextInt(classes);
            dOut[k + 1] = (float) r.nextGaussian();
        }
        target[0] = r.nextInt(classes);
        for (int c = 0; c < classes; c++) {
            w[c] = 0.1f + r.nextFloat();
        }
        float[] wt = r.nextBoolean() ? w : null;
        Losses f = fast.losses();
        float v = f.nll(red, batch, classes, inner, x, 0, target, 0, wt, ignore, out, 0);
        f.nllBackward(red, batch, classes, inner, x, 0, target, 0, wt, ignore, dOut, 1, dx, 0);
        if (check) {
            Losses g = ref.losses();
            float vr = g.nll(red, batch, classes, inner, x, 0, target, 0, wt, ignore, outRef, 0);
            g.nllBackward(red, batch, classes, inner, x, 0, target, 0, wt, ignore, dOut, 1, dxRef, 0);
            String what = "nll " + red + " " + batch + "x" + classes + "x" + inner;
            compare(what + " value", new float[] {vr}, new float[] {v}, 1);
            compare(what + " grad", dxRef, dx, n);
        }
        return hash(v, red == Reduction.NONE ? out : null, positions, dx, n);
    }

    private long softmax(Random r, boolean log, boolean check) {
        int inner = r.nextInt(3) == 0 ? 1 + r.nextInt(40) : 1;
        int dim = inner == 1 ? length(r) : 1 + r.nextInt(60);
        int outer = 1 + r.nextInt(Math.max(1, Math.min(r.nextInt(8) == 0 ? 64 : 6, MAX / (dim * inner))));
        int n = outer * dim * inner;
        for (int i = 0; i < n + 2; i++) {
            x[i] = (float) (r.nextGaussian() * 3 + (r.nextInt(50) == 0 ? 30 : 0));
            dOut[i] = (float) r.nextGaussian();
        }
        Softmax f = fast.softmax();
        boolean inPlace = r.nextInt(4) == 0;
        if (inPlace) {
            System.arraycopy(x, 2, out, 1, n);
            f.forward(log, outer, dim, inner, out, 1, out, 1);
        } else {
            f.forward(log, outer, dim, inner, x, 2, out, 1);
        }
        f.backward(log, outer, dim, inner, out, 1, dOut, 0, dx, 0);
        if (check) {
            Softmax g = ref.softmax();
            g.forward(log, outer, dim, inner, x, 2, outRef, 1);
            g.backward(log, outer, dim, inner, outRef, 1, dOut, 0, dxRef, 0);
            String what = "softmax log=" + log + " " + outer + "x" + dim + "x" + inner + " inPlace=" + inPlace;
            compare(what + " forward", Arrays.copyOfRange(outRef, 1, n + 1), Arrays.copyOfRange(out, 1, n + 1), n);
            compare(what + " backward", dxRef, dx, n);
        }
        return hash(0f, Arrays.copyOfRange(out, 1, n + 1), n, dx, n);
    }

    /** Loose agreement: |a - b| <= 1e-3 * (|a| + 1) (NaN only with NaN) - a miscompilation, not rounding. */
    private void compare(String what, float[] want, float[] got, int n) {
        for (int i = 0; i < n; i++) {
            float a = want[i];
            float b = got[i];
            boolean ok = Float.isNaN(a) ? Float.isNaN(b) : a == b || Math.abs(a - b) <= 1e-3 * (Math.abs(a) + 1);
            if (!ok) {
                failures++;
                if (failures <= 20) {
                    System.out.println("MISMATCH " + what + " at " + i + ": reference " + a + ", served " + b);
                }
                return;
            }
        }
    }

    private long hash(float v, float[] o, int on, float[] d, int dn) {
        long h = Float.floatToRawIntBits(v);
        if (o != null) {
            for (int i = 0; i < on; i++) {
                h = h * 31 + Float.floatToRawIntBits(o[i]);
            }
        }
        for (int i = 0; i < dn; i++) {
            h = h * 31 + Float.floatToRawIntBits(d[i]);
        }
        sink += v;
        return h;
    }
}
