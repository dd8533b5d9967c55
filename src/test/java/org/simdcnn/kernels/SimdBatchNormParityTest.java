package org.simdcnn.kernels;

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
 * The served backend's batch norm against the scalar reference: training forward (output, saved statistics,
 * running statistics), eval forward and backward (dx, dgamma, dbeta), affine or not, on spatial planes shorter and
 * longer than a vector, plus data with a large mean (the variance must not cancel).
 */
class SimdBatchNormParityTest {
    static boolean ready() {
        return SimdParitySupport.refReady(() -> REF.batchNorm().forwardEval(1, 1, 1, new float[1], 0, null, null,
                new float[1], new float[] {1f}, 1e-5f, new float[1], 0));
    }

    static void check(int batch, int channels, int spatial, boolean affine, boolean running, float mean, long seed) {
        Random r = new Random(seed);
        int n = batch * channels * spatial;
        float[] x = values(r, n + 1, false);
        for (int i = 0; i < x.length; i++) {
            x[i] = x[i] * 0.1f + mean;
        }
        float[] gamma = affine ? values(r, channels, false) : null;
        float[] beta = affine ? values(r, channels, false) : null;
        float[] rmW = running ? values(r, channels, false) : null;
        float[] rvW = running ? new float[channels] : null;
        if (running) {
            for (int c = 0; c < channels; c++) {
                rvW[c] = 0.5f + r.nextFloat();
            }
        }
        float[] rmG = running ? rmW.clone() : null;
        float[] rvG = running ? rvW.clone() : null;
        float[] yw = new float[n];
        float[] yg = new float[n];
        float[] smW = new float[channels];
        float[] siW = new float[channels];
        float[] smG = new float[channels];
        float[] siG = new float[channels];
        REF.batchNorm().forwardTraining(batch, channels, spatial, x, 1, gamma, beta, 1e-5f, 0.1f, rmW, rvW, yw, 0,
                smW, siW);
        FAST.batchNorm().forwardTraining(batch, channels, spatial, x, 1, gamma, beta, 1e-5f, 0.1f, rmG, rvG, yg, 0,
                smG, siG);
        String what = "bn " + batch + "x" + channels + "x" + spatial + " mean " + mean;
        assertClose(what + " saved mean", smW, 0, smG, 0, channels, 16, 1e-6 * (Math.abs(mean) + 1));
        assertClose(what + " saved invstd", siW, 0, siG, 0, channels, 64, 0);
        float[] gsc = new float[n];
        for (int i = 0; i < n; i++) {
            int c = i / spatial % channels;
            gsc[i] = (gamma == null ? 1f : Math.abs(gamma[c])) * (1 + Math.abs(mean) * siW[c]);
        }
        assertClose(what + " training output", yw, 0, yg, 0, n, 64, 1e-30, 1e-5, gsc, 0);
        if (running) {
            assertClose(what + " running mean", rmW, 0, rmG, 0, channels, 16, 1e-6 * (Math.abs(mean) + 1));
            assertClose(what + " running var", rvW, 0, rvG, 0, channels, 64, 0);
        }
        float[] rm = values(r, channels, false);
        float[] rv = new float[channels];
        for (int c = 0; c < channels; c++) {
            rv[c] = 0.5f + r.nextFloat();
        }
        REF.batchNorm().forwardEval(batch, channels, spatial, x, 1, gamma, beta, rm, rv, 1e-5f, yw, 0);
        FAST.batchNorm().forwardEval(batch, channels, spatial, x, 1, gamma, beta, rm, rv, 1e-5f, yg, 0);
        assertClose(what + " eval output", yw, 0, yg, 0, n, 16, 1e-4);
        float[] dy = values(r, n, false);
        float[] dxW = new float[n];
        float[] dxG = new float[n];
        float[] dgW = new float[channels];
        float[] dbW = new float[channels];
        float[] dgG = new float[channels];
        float[] dbG = new float[channels];
        REF.batchNorm().backward(batch, channels, spatial, x, 1, dy, 0, gamma, smW, siW, dxW, 0, dgW, dbW);
        FAST.batchNorm().backward(batch, channels, spatial, x, 1, dy, 0, gamma, smW, siW, dxG, 0, dgG, dbG);
        double dyMax = 0;
        for (float v : dy) {
            dyMax = Math.max(dyMax, Math.abs(v));
        }
        for (int i = 0; i < n; i++) {
            int c = i / spatial % channels;
            gsc[i] = (float) ((gamma == null ? 1f : Math.abs(gamma[c])) * siW[c] * dyMax);
        }
        assertClose(what + " dx", dxW, 0, dxG, 0, n, 64, 1e-30, 1e-5, gsc, 0);
        long count = (long) batch * spatial;
        assertClose(what + " dbeta", dbW, 0, dbG, 0, channels, 64, 1e-6 * dyMax * count);
        assertClose(what + " dgamma", dgW, 0, dgG, 0, channels, 64, 1e-5 * dyMax * count);
        // without dgamma/dbeta
        FAST.batchNorm().backward(batch, channels, spatial, x, 1, dy, 0, gamma, smW, siW, dxG, 0, null, null);
        assertClose(what + " dx (no param grads)", dxW, 0, dxG, 0, n, 64, 1e-30, 1e-5, gsc, 0);
    }

    @Property(tries = 60)
    void matchesReference(@ForAll("b") int batch, @ForAll("c") int channels, @ForAll("sp") int spatial,
            @ForAll boolean affine, @ForAll boolean running, @ForAll long seed) {
        assumeTrue(ready(), "scalar reference batch norm not implemented yet");
        check(batch, channels, spatial, affine, running, 0f, seed);
    }

    @Test
    void largeMeanAndCnnShapes() {
        assumeTrue(ready(), "scalar reference batch norm not implemented yet");
        check(4, 3, 37, true, true, 1000f, 1);
        check(2, 8, 28 * 28, true, true, 0.5f, 2);
        check(64, 5, 1, true, true, 0f, 3); // BatchNorm1d
    }

    @Provide
    Arbitrary<Integer> b() {
        return Arbitraries.integers().between(1, 4);
    }

    @Provide
    Arbitrary<Integer> c() {
        return Arbitraries.integers().between(1, 5);
    }

    @Provide
    Arbitrary<Integer> sp() {
        return Arbitraries.integers().between(1, 70);
    }
}
