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
 *       (hot: C2), and</li>
 *   <li>every 16th call agrees with the scalar reference to a loose bound (catches a miscompilation, not ulps).</li>
 * </ul>
 *
 * <p>Run (after {@code mvn -q test-compile}), seconds as the argument (default 40):
 * <pre>
 * /usr/lib/jvm/temurin-25-jdk-amd64/bin/java --add-modules jdk.incubator.vector \
 *     -cp target/classes:target/test-classes org.simdcnn.kernels.SoftmaxLossesStress 40
 * </pre>
 * Exit status 0 and a last line {@code OK} when everything held; 1 with the failures listed otherwise (a JVM abort
 * shows as a crash with an hs_err file instead).
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
        System.out.printf("%d cases, %d calls, %d parity failures, %d of %d fixed cases changed (sink %s)%n",
                seed - 1_000_000, s.calls, s.failures, drift, fixed, s.sink == 42.4242 ? "!" : "ok");
        if (s.failures > 0 || drift > 0) {
            System.out.println("FAILED");
            System.exit(1);
        }
        System.out.println("OK");
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
