package org.simdcnn.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;
import org.simdcnn.SimdCnn;
import org.simdcnn.kernels.scalar.ScalarBackend;

/**
 * Softmax and log-softmax along the middle axis of {@code (outer, dim, inner)}: PyTorch values with extreme
 * entries, rows summing to one, gradients against central finite differences of a double softmax, and parity of
 * the active backend with the reference.
 */
class SoftmaxTest {
    private static final Softmax REF = ScalarBackend.INSTANCE.softmax();
    private static final float INF = Float.POSITIVE_INFINITY;
    private static final double PARITY_RTOL = 1e-5;

    private static List<Softmax> backends() {
        return List.of(REF, SimdCnn.backend().softmax());
    }

    /**
     * Shape (2, 3, 4), softmax over dim 1: {@code x[i] = ((i*7) % 13 - 6) * 0.75} with {@code x[0, :, 0] =
     * [1e4, 1e4-1, -1e4]}, {@code x[1, :, 1] = [-inf, 0, 1]}, {@code x[0, :, 3] = [88, 89, 90]}.
     */
    private static final float[] X = {
                10000.0f, 0.75f, -3.75f, 88.0f, 9999.0f, 2.25f, -2.25f, 89.0f, -10000.0f, 3.75f, -0.75f, 90.0f, 0f, -INF,
                0.75f, -3.75f, 1.5f, 0f, 2.25f, -2.25f, 3.0f, 1.0f, 3.75f, -0.75f
    };

    /** {@code F.softmax(x, 1)} and the gradient of {@code (y*w).sum()}, {@code w[i] = ((i*5) % 7 - 3) * 0.5}. */
    private static final float[] SM_Y = {
                0.7310586f, 0.03911257f, 0.03911257f, 0.09003057f, 0.26894143f, 0.17529039f, 0.17529039f, 0.24472848f, 0f,
                0.785597f, 0.785597f, 0.66524094f, 0.03911257f, 0f, 0.03911257f, 0.03911257f, 0.17529039f, 0.26894143f,
                0.17529039f, 0.17529039f, 0.785597f, 0.7310586f, 0.785597f, 0.785597f
    };

    private static final float[] SM_DX = {
                -0.5898358f, 0.03415475f, 0.034154747f, -0.13871354f, 0.5898358f, 0.065425776f, 0.06542577f, -0.49942672f,
                0f, -0.09958053f, -0.09958055f, 0.63814026f, 0.03415475f, 0f, -0.09738498f, 0.03415475f, 0.065425776f,
                0.09830597f, 0.08942198f, 0.065425776f, -0.09958053f, -0.09830596f, 0.007963005f, -0.09958053f
    };

    /** {@code F.log_softmax(x, 1)} and the gradient of {@code (y*w).sum()}. */
    private static final float[] LOG_Y = {
                -0.31326166f, -3.2413113f, -3.2413113f, -2.407606f, -1.3132616f, -1.7413113f, -1.7413113f, -1.4076059f,
                -20000.312f, -0.24131133f, -0.24131133f, -0.40760595f, -3.2413113f, -INF, -3.2413113f, -3.2413113f,
                -1.7413113f, -1.3132616f, -1.7413113f, -1.7413113f, -0.24131133f, -0.31326166f, -0.24131133f, -0.24131133f
    };

    private static final float[] LOG_DX = {
                -2.2310586f, 0.94133115f, 0.05866886f, -0.90996945f, 1.2310586f, 0.23706442f, -0.23706442f, -1.2552716f,
                1.0f, -1.1783955f, 0.17839554f, 2.165241f, 0.5f, -0.5f, -1.5391126f, 0.94133115f, 0f, -0.1931757f,
                1.3247097f, 0.23706442f, -0.5f, 0.6931758f, 0.21440297f, -1.1783955f
    };

    private static float[] w(int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = ((i * 5) % 7 - 3) * 0.5f;
        }
        return x;
    }

    @Test
    void matchesPyTorchWithExtremeEntries() {
        for (Softmax s : backends()) {
            for (boolean log : new boolean[] {false, true}) {
                float[] y = new float[24];
                s.forward(log, 2, 3, 4, X, 0, y, 0);
                ElemTestSupport.assertClose(s + " log=" + log, y, log ? LOG_Y : SM_Y, 2e-6, 1e-7);
                float[] dx = new float[24];
                s.backward(log, 2, 3, 4, y, 0, w(24), 0, dx, 0);
                ElemTestSupport.assertClose(s + " log=" + log + " backward", dx, log ? LOG_DX : SM_DX, 1e-5, 1e-6);
            }
        }
    }

    @Test
    void nanAndAllMinusInfinityLinesGiveNaNLikePyTorch() {
        // F.softmax(torch.tensor([[1., nan, 2.], [-inf, -inf, -inf]]), 1) -> all NaN
        float inf = Float.NEGATIVE_INFINITY;
        for (Softmax s : backends()) {
            for (boolean log : new boolean[] {false, true}) {
                float[] y = new float[6];
                s.forward(log, 2, 3, 1, new float[] {1, Float.NaN, 2, inf, inf, inf}, 0, y, 0);
                for (int i = 0; i < 6; i++) {
                    assertTrue(Float.isNaN(y[i]), s + " log=" + log + " element " + i + " is " + y[i]);
                }
            }
        }
    }

    @Test
    void inPlaceForwardAndAliasedBackward() {
        SplittableRandom r = new SplittableRandom(3);
        for (Softmax s : backends()) {
            for (boolean log : new boolean[] {false, true}) {
                float[] x = ElemTestSupport.uniform(r, 60, -4, 4);
                float[] y = new float[60];
                s.forward(log, 3, 5, 4, x, 0, y, 0);
                float[] inPlace = x.clone();
                s.forward(log, 3, 5, 4, inPlace, 0, inPlace, 0);
                org.junit.jupiter.api.Assertions.assertArrayEquals(y, inPlace, s + " in place, log=" + log);
                float[] dy = ElemTestSupport.uniform(r, 60, -1, 1);
                float[] dx = new float[60];
                s.backward(log, 3, 5, 4, y, 0, dy, 0, dx, 0);
                s.backward(log, 3, 5, 4, y, 0, dy, 0, dy, 0);
                org.junit.jupiter.api.Assertions.assertArrayEquals(dx, dy, s + " dx aliasing dy, log=" + log);
            }
        }
    }

    /** Softmax in double, the independent oracle of the properties. */
    private static double[] softmax(boolean log, int outer, int dim, int inner, double[] x) {
        double[] y = new double[x.length];
        for (int o = 0; o < outer; o++) {
            for (int i = 0; i < inner; i++) {
                double max = Double.NEGATIVE_INFINITY;
                for (int d = 0; d < dim; d++) {
                    max = Math.max(max, x[(o * dim + d) * inner + i]);
                }
                double sum = 0;
                for (int d = 0; d < dim; d++) {
                    sum += Math.exp(x[(o * dim + d) * inner + i] - max);
                }
                for (int d = 0; d < dim; d++) {
                    double v = x[(o * dim + d) * inner + i] - max;
                    y[(o * dim + d) * inner + i] = log ? v - Math.log(sum) : Math.exp(v) / sum;
                }
            }
        }
        return y;
    }

    @Property(tries = 200)
    void softmaxLinesSumToOneAndLogSoftmaxIsItsLog(@ForAll @IntRange(min = 1, max = 3) int outer,
            @ForAll @IntRange(min = 1, max = 40) int dim, @ForAll @IntRange(min = 1, max = 3) int inner,
            @ForAll @IntRange(min = 1, max = 60) int spread, @ForAll long seed) {
        int n = outer * dim * inner;
        float[] x = ElemTestSupport.uniform(new SplittableRandom(seed), n, -spread, spread);
        for (Softmax s : backends()) {
            float[] y = new float[n];
            float[] ly = new float[n];
            s.forward(false, outer, dim, inner, x, 0, y, 0);
            s.forward(true, outer, dim, inner, x, 0, ly, 0);
            for (int o = 0; o < outer; o++) {
                for (int i = 0; i < inner; i++) {
                    double sum = 0;
                    for (int d = 0; d < dim; d++) {
                        int k = (o * dim + d) * inner + i;
                        assertTrue(y[k] >= 0 && y[k] <= 1, s + " softmax " + y[k] + " outside [0, 1]");
                        assertTrue(ly[k] <= 0, s + " log-softmax " + ly[k] + " above 0");
                        // Rounding log_softmax to float costs up to |ly|*2^-24 absolute, which exp turns into
                        // that much relative error (1.9e-6 at |ly| = 32): the bound grows with |ly|.
                        ElemTestSupport.assertClose(s + " exp(log_softmax) vs softmax", Math.exp(ly[k]), y[k],
                                2e-6 + Math.abs(ly[k]) * 0x1p-24, 1e-30);
                        sum += y[k];
                    }
                    ElemTestSupport.assertClose(s + " softmax line sum", sum, 1.0, dim * 1.2e-7, 0);
                }
            }
        }
    }

    @Property(tries = 150)
    void backwardMatchesCentralDifferences(@ForAll @IntRange(min = 1, max = 2) int outer,
            @ForAll @IntRange(min = 1, max = 7) int dim, @ForAll @IntRange(min = 1, max = 3) int inner,
            @ForAll boolean log, @ForAll long seed) {
        int n = outer * dim * inner;
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = ElemTestSupport.uniform(r, n, -5, 5);
        double[] w = ElemTestSupport.randomWeights(r, n);
        float[] dy = new float[n];
        double[] wf = new double[n];
        for (int i = 0; i < n; i++) {
            dy[i] = (float) w[i];
            wf[i] = dy[i];
        }
        for (Softmax s : backends()) {
            float[] y = new float[n];
            s.forward(log, outer, dim, inner, x, 0, y, 0);
            float[] dx = new float[n];
            s.backward(log, outer, dim, inner, y, 0, dy, 0, dx, 0);
            for (int i = 0; i < n; i++) {
                double h = 1e-5;
                double[] xp = new double[n];
                double[] xm = new double[n];
                for (int j = 0; j < n; j++) {
                    xp[j] = x[j];
                    xm[j] = x[j];
                }
                xp[i] += h;
                xm[i] -= h;
                double lp = 0;
                double lm = 0;
                double[] yp = softmax(log, outer, dim, inner, xp);
                double[] ym = softmax(log, outer, dim, inner, xm);
                for (int j = 0; j < n; j++) {
                    lp += wf[j] * yp[j];
                    lm += wf[j] * ym[j];
                }
                ElemTestSupport.assertClose(s + " log=" + log + " dx[" + i + "]", dx[i], (lp - lm) / (2 * h), 1e-4,
                        2e-6);
            }
        }
    }

    @Property(tries = 100)
    void activeBackendMatchesTheReference(@ForAll @IntRange(min = 1, max = 4) int outer,
            @ForAll @IntRange(min = 1, max = 70) int dim, @ForAll @IntRange(min = 1, max = 5) int inner,
            @ForAll boolean log, @ForAll long seed) {
        int n = outer * dim * inner;
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = ElemTestSupport.uniform(r, n + 1, -30, 30);
        Softmax fast = SimdCnn.backend().softmax();
        float[] yRef = new float[n + 1];
        float[] yFast = new float[n + 1];
        REF.forward(log, outer, dim, inner, x, 1, yRef, 1);
        fast.forward(log, outer, dim, inner, x, 1, yFast, 1);
        // a float result near 0 is good to a few 2^-24 (as in the golden tests)
        ElemTestSupport.assertClose("forward log=" + log, yFast, yRef, PARITY_RTOL, 3e-7);
        assertEquals(0f, yFast[0]);
        float[] dy = ElemTestSupport.uniform(r, n + 1, -1, 1);
        float[] dxRef = new float[n + 1];
        float[] dxFast = new float[n + 1];
        REF.backward(log, outer, dim, inner, yRef, 1, dy, 1, dxRef, 1);
        fast.backward(log, outer, dim, inner, yRef, 1, dy, 1, dxFast, 1);
        // dx = dy - p * sum(dy): a float sum of dim terms of |dy| <= 1 is good to about dim * 2^-24 each way
        ElemTestSupport.assertClose("backward log=" + log, dxFast, dxRef, PARITY_RTOL, 1e-6 + 2 * dim * 0x1p-24);
    }
}
