package org.simdcnn.kernels;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.simdcnn.kernels.SimdParitySupport.FAST;
import static org.simdcnn.kernels.SimdParitySupport.REF;
import static org.simdcnn.kernels.SimdParitySupport.assertClose;
import static org.simdcnn.kernels.SimdParitySupport.values;

import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/**
 * The served backend's softmax, log-softmax and losses against the scalar reference, forward and gradient, on
 * awkward sizes (rows shorter and longer than a vector, inner dimensions that are not lane multiples), every
 * reduction, weights, posWeight, ignoreIndex and label smoothing.
 */
class SimdSoftmaxLossesParityTest {
    static boolean softmaxReady() {
        return SimdParitySupport.refReady(() -> REF.softmax().forward(false, 1, 1, 1, new float[1], 0,
                new float[1], 0));
    }

    static boolean lossesReady() {
        return SimdParitySupport.refReady(() -> REF.losses().mse(Reduction.SUM, 1, new float[1], 0, new float[1], 0,
                null, 0));
    }

    /** Logits: N(0, scale) with a few large ones. */
    static float[] logits(Random r, int n) {
        float[] x = new float[n];
        double scale = Math.pow(10, r.nextDouble() * 2 - 1);
        for (int i = 0; i < n; i++) {
            x[i] = (float) (r.nextGaussian() * scale + (r.nextInt(50) == 0 ? 40 : 0));
        }
        return x;
    }

    @Property(tries = 100)
    void softmaxAndLogSoftmax(@ForAll("outer") int outer, @ForAll("dim") int dim, @ForAll("inner") int inner,
            @ForAll boolean log, @ForAll long seed) {
        assumeTrue(softmaxReady(), "scalar reference softmax not implemented yet");
        Random r = new Random(seed);
        int n = outer * dim * inner;
        float[] x = logits(r, n + 2);
        float[] yw = new float[n + 1];
        float[] yg = new float[n + 1];
        REF.softmax().forward(log, outer, dim, inner, x, 2, yw, 1);
        FAST.softmax().forward(log, outer, dim, inner, x, 2, yg, 1);
        assertClose("softmax forward log=" + log, yw, 1, yg, 1, n, 16, 1e-6);
        float[] dy = values(r, n, false);
        float[] dw = new float[n];
        float[] dg = new float[n];
        REF.softmax().backward(log, outer, dim, inner, yw, 1, dy, 0, dw, 0);
        FAST.softmax().backward(log, outer, dim, inner, yw, 1, dy, 0, dg, 0);
        assertClose("softmax backward log=" + log, dw, 0, dg, 0, n, 16, 1e-4);
    }

    @Test
    void softmaxInPlaceAndExtremes() {
        assumeTrue(softmaxReady(), "scalar reference softmax not implemented yet");
        float[] x = {1000f, 0f, -1000f, Float.NEGATIVE_INFINITY, 3f, 3f, 3f, 88f, 89f, -200f, 5f, 5f, 5f, 5f, 5f,
            5f, 5f, 5f, 5f, 5f};
        for (boolean log : new boolean[] {false, true}) {
            float[] want = new float[x.length];
            REF.softmax().forward(log, 1, x.length, 1, x, 0, want, 0);
            float[] got = x.clone();
            FAST.softmax().forward(log, 1, x.length, 1, got, 0, got, 0);
            assertClose("softmax in place log=" + log, want, 0, got, 0, x.length, 8, 1e-6);
        }
    }

    static final Reduction[] REDUCTIONS = Reduction.values();

    @Property(tries = 100)
    void elementwiseLosses(@ForAll("n") int n, @ForAll("red") Reduction red, @ForAll boolean weighted,
            @ForAll boolean posWeighted, @ForAll long seed) {
        assumeTrue(lossesReady(), "scalar reference losses not implemented yet");
        Random r = new Random(seed);
        float[] x = values(r, n + 1, false);
        float[] t = new float[n + 2];
        float[] p = new float[n + 1];
        for (int i = 0; i < n + 2; i++) {
            t[i] = r.nextInt(4) == 0 ? r.nextFloat() : r.nextInt(2);
        }
        for (int i = 0; i < n + 1; i++) {
            p[i] = r.nextInt(10) == 0 ? (r.nextBoolean() ? 0f : 1f) : r.nextFloat();
        }
        float[] w = weighted ? values(r, n, false) : null;
        int posC = 1 + r.nextInt(5);
        int posInner = 1 + r.nextInt(20);
        float[] pw = posWeighted ? new float[posC] : null;
        if (pw != null) {
            for (int i = 0; i < posC; i++) {
                pw[i] = 0.2f + 3 * r.nextFloat();
            }
        }
        float[] ow = new float[n + 1];
        float[] og = new float[n + 1];
        float[] dOut = red == Reduction.NONE ? values(r, n + 1, false) : new float[] {0f, 1.7f};
        int dOff = 1;
        float[] dw = new float[n];
        float[] dg = new float[n];
        // floors: rounding errors scale with the magnitude of the terms (|w| * (|x| + 1) * (posWeight + 1)), not
        // with the possibly cancelled result
        float pwMax = 1f;
        if (pw != null) {
            for (float v : pw) {
                pwMax = Math.max(pwMax, v + 1);
            }
        }
        float[] sc = new float[n];
        double scSum = 0;
        for (int i = 0; i < n; i++) {
            sc[i] = (w == null ? 1f : Math.abs(w[i])) * (Math.abs(x[1 + i]) + 1) * pwMax;
            scSum += sc[i];
        }
        double redFloor = 1e-6 * (red == Reduction.MEAN ? scSum / n : scSum) + 1e-30;
        // MSE
        float lw = REF.losses().mse(red, n, x, 1, t, 2, ow, 1);
        float lg = FAST.losses().mse(red, n, x, 1, t, 2, og, 1);
        assertClose("mse", new float[] {lw}, 0, new float[] {lg}, 0, 1, 64, 0);
        if (red == Reduction.NONE) {
            assertClose("mse none", ow, 1, og, 1, n, 2, 0);
        }
        REF.losses().mseBackward(red, n, x, 1, t, 2, dOut, dOff, dw, 0);
        FAST.losses().mseBackward(red, n, x, 1, t, 2, dOut, dOff, dg, 0);
        assertClose("mse backward", dw, 0, dg, 0, n, 3, 0);
        // BCE on probabilities
        lw = REF.losses().bce(red, n, p, 1, t, 2, w, ow, 1);
        lg = FAST.losses().bce(red, n, p, 1, t, 2, w, og, 1);
        assertClose("bce", new float[] {lw}, 0, new float[] {lg}, 0, 1, 64, 100 * redFloor);
        if (red == Reduction.NONE) {
            assertClose("bce none", ow, 1, og, 1, n, 8, 1e-30, 1e-4, sc, 0);
        }
        REF.losses().bceBackward(red, n, p, 1, t, 2, w, dOut, dOff, dw, 0);
        FAST.losses().bceBackward(red, n, p, 1, t, 2, w, dOut, dOff, dg, 0);
        assertClose("bce backward", dw, 0, dg, 0, n, 8, 0);
        // BCE with logits
        lw = REF.losses().bceWithLogits(red, n, x, 1, t, 2, w, pw, posInner, ow, 1);
        lg = FAST.losses().bceWithLogits(red, n, x, 1, t, 2, w, pw, posInner, og, 1);
        assertClose("bce with logits", new float[] {lw}, 0, new float[] {lg}, 0, 1, 64, redFloor);
        if (red == Reduction.NONE) {
            assertClose("bce with logits none", ow, 1, og, 1, n, 8, 1e-30, 1e-6, sc, 0);
        }
        float[] gsc = new float[n];
        for (int i = 0; i < n; i++) {
            gsc[i] = (red == Reduction.NONE ? Math.abs(dOut[dOff + i]) : 1.7f) * (w == null ? 1f : Math.abs(w[i]))
                    * pwMax;
        }
        REF.losses().bceWithLogitsBackward(red, n, x, 1, t, 2, w, pw, posInner, dOut, dOff, dw, 0);
        FAST.losses().bceWithLogitsBackward(red, n, x, 1, t, 2, w, pw, posInner, dOut, dOff, dg, 0);
        assertClose("bce with logits backward", dw, 0, dg, 0, n, 16, 1e-30, 3e-7, gsc, 0);
    }

    @Property(tries = 120)
    void crossEntropyAndNll(@ForAll("outer") int batch, @ForAll("dim") int classes, @ForAll("inner") int inner,
            @ForAll("red") Reduction red, @ForAll boolean weighted, @ForAll("smoothing") float smoothing,
            @ForAll long seed) {
        assumeTrue(lossesReady(), "scalar reference losses not implemented yet");
        Random r = new Random(seed);
        int n = batch * classes * inner;
        int positions = batch * inner;
        float[] x = logits(r, n + 1);
        int ignore = r.nextBoolean() ? -100 : r.nextInt(classes);
        int[] target = new int[positions + 2];
        for (int i = 0; i < target.length; i++) {
            target[i] = r.nextInt(8) == 0 ? ignore : r.nextInt(classes);
        }
        if (red == Reduction.MEAN) {
            target[2] = r.nextInt(classes); // usually one counted target (NaN on both sides when all are ignored)
        }
        float[] w = null;
        if (weighted) {
            w = new float[classes];
            for (int c = 0; c < classes; c++) {
                w[c] = 0.1f + r.nextFloat();
            }
        }
        float[] ow = new float[positions];
        float[] og = new float[positions];
        float[] dOut = red == Reduction.NONE ? values(r, positions + 1, false) : new float[] {0f, 0.75f};
        float lw = REF.losses().crossEntropy(red, batch, classes, inner, x, 1, target, 2, w, ignore, smoothing, ow,
                0);
        float lg = FAST.losses().crossEntropy(red, batch, classes, inner, x, 1, target, 2, w, ignore, smoothing, og,
                0);
        assertClose("cross entropy", new float[] {lw}, 0, new float[] {lg}, 0, 1, 64, 1e-4);
        if (red == Reduction.NONE) {
            assertClose("cross entropy none", ow, 0, og, 0, positions, 64, 1e-5);
        }
        float[] dw = new float[n];
        float[] dg = values(r, n, false);
        REF.losses().crossEntropyBackward(red, batch, classes, inner, x, 1, target, 2, w, ignore, smoothing, dOut, 1,
                dw, 0);
        FAST.losses().crossEntropyBackward(red, batch, classes, inner, x, 1, target, 2, w, ignore, smoothing, dOut,
                1, dg, 0);
        // floor relative to the upstream gradient of each position times the largest weight (1 - p_target and the
        // smoothing terms cancel)
        double wSum = 0;
        float wMax = 1f;
        for (int k = 0; k < positions; k++) {
            int c = target[2 + k];
            if (c != ignore) {
                wSum += w == null ? 1 : w[c];
            }
        }
        if (w != null) {
            for (float v : w) {
                wMax = Math.max(wMax, v);
            }
        }
        float[] gsc = new float[n];
        for (int e = 0; e < n; e++) {
            int pos = e / (classes * inner) * inner + e % inner;
            double up = switch (red) {
                case NONE -> Math.abs(dOut[1 + pos]);
                case SUM -> 0.75;
                case MEAN -> 0.75 / wSum;
            };
            gsc[e] = (float) (up * wMax);
        }
        // probabilities exp(x - lse) carry the rounding of x - lse: a few ulps of the largest logit, absolutely
        float maxAbs = 0f;
        for (float v : x) {
            maxAbs = Math.max(maxAbs, Math.abs(v));
        }
        double rel = Math.max(1e-6, 4 * Math.ulp(maxAbs));
        assertClose("cross entropy backward", dw, 0, dg, 0, n, 64, 1e-30, rel, gsc, 0);
        // NLL on the reference's log-softmax
        float[] lp = new float[n];
        if (softmaxReady()) {
            REF.softmax().forward(true, batch, classes, inner, x, 1, lp, 0);
        } else {
            lp = values(r, n, false);
        }
        lw = REF.losses().nll(red, batch, classes, inner, lp, 0, target, 2, w, ignore, ow, 0);
        lg = FAST.losses().nll(red, batch, classes, inner, lp, 0, target, 2, w, ignore, og, 0);
        assertClose("nll", new float[] {lw}, 0, new float[] {lg}, 0, 1, 16, 1e-5);
        REF.losses().nllBackward(red, batch, classes, inner, lp, 0, target, 2, w, ignore, dOut, 1, dw, 0);
        FAST.losses().nllBackward(red, batch, classes, inner, lp, 0, target, 2, w, ignore, dOut, 1, dg, 0);
        assertClose("nll backward", dw, 0, dg, 0, n, 2, 0);
    }

    @Test
    void crossEntropyRejectsBadTargetsBeforeWork() {
        float[] x = new float[6];
        float[] out = {42f, 42f};
        int[] t = {1, 3};
        assertThrows(IllegalArgumentException.class,
                () -> FAST.losses().crossEntropy(Reduction.NONE, 2, 3, 1, x, 0, t, 0, null, -100, 0f, out, 0));
        assertThrows(IllegalArgumentException.class,
                () -> FAST.losses().nll(Reduction.NONE, 2, 3, 1, x, 0, new int[] {-1, 0}, 0, null, -100, out, 0));
    }

    @Provide
    Arbitrary<Integer> outer() {
        return Arbitraries.integers().between(1, 5);
    }

    @Provide
    Arbitrary<Integer> dim() {
        return Arbitraries.integers().between(1, 40);
    }

    @Provide
    Arbitrary<Integer> inner() {
        return Arbitraries.oneOf(Arbitraries.just(1), Arbitraries.integers().between(1, 37));
    }

    @Provide
    Arbitrary<Integer> n() {
        return Arbitraries.integers().between(1, 300);
    }

    @Provide
    Arbitrary<Reduction> red() {
        return Arbitraries.of(REDUCTIONS);
    }

    @Provide
    Arbitrary<Float> smoothing() {
        return Arbitraries.oneOf(Arbitraries.just(0f), Arbitraries.floats().between(0f, 1f));
    }
}
