package org.simdcnn.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.List;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;
import org.simdcnn.SimdCnn;
import org.simdcnn.kernels.scalar.ScalarBackend;

/**
 * Batch normalisation: PyTorch values (training with running-stat update, saved statistics, eval, affine=False,
 * a channel on a large offset that needs the stable variance), gradients against central finite differences of a
 * double formula, and parity of the active backend with the reference.
 *
 * <p>Input (3, 2, 2, 3): {@code x[i] = ((i*7) % 13 - 6) * 0.25}, channel 1 plus 1e4; gamma [1.5, -0.5], beta
 * [0.25, 2], running mean [0.5, -1], running var [2, 0.5]; upstream {@code w[i] = ((i*5) % 7 - 3) * 0.5}. Values
 * from PyTorch in float64 rounded to float32 (float32 PyTorch computes {@code x*alpha + beta'} and loses about
 * 1e-4 on the channel at 1e4; the reference subtracts the mean first and is correctly rounded), i.e. on
 * {@code x.double()} etc.: {@code F.batch_norm(x, rm, rv, gamma, beta, training=True, momentum=0.1, eps=1e-5)} and
 * {@code (y*w).sum().backward()}; saved statistics from {@code torch.ops.aten._batch_norm_impl_index}; eval from
 * {@code training=False}; affine=False from {@code F.batch_norm(x, None, None, training=True, eps=1e-3)}.
 */
class BatchNormTest {
    private static final BatchNorm REF = ScalarBackend.INSTANCE.batchNorm();

    private static List<BatchNorm> backends() {
        return List.of(REF, SimdCnn.backend().batchNorm());
    }

    private static float[] w(int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = ((i * 5) % 7 - 3) * 0.5f;
        }
        return x;
    }

    private static final float[] X = {
            -1.5f, 0.25f, -1.25f, 0.5f, -1.0f, 0.75f, 9999.25f, 10001.0f, 9999.5f, 10001.25f, 9999.75f, 10001.5f, 0f,
            -1.5f, 0.25f, -1.25f, 0.5f, -1.0f, 10000.75f, 9999.25f, 10001.0f, 9999.5f, 10001.25f, 9999.75f, 1.5f, 0f,
            -1.5f, 0.25f, -1.25f, 0.5f, 9999.0f, 10000.75f, 9999.25f, 10001.0f, 9999.5f, 10001.25f
    };

    private static final float[] GAMMA = {
            1.5f, -0.5f
    };

    private static final float[] BETA = {
            0.25f, 2.0f
    };

    private static final float[] RM0 = {
            0.5f, -1.0f
    };

    private static final float[] RV0 = {
            2.0f, 0.5f
    };

    private static final float[] TRAIN_Y = {
            -1.6675531f, 1.1749374f, -1.261483f, 1.5810074f, -0.8554129f, 1.9870775f, 2.5773463f, 1.5669901f,
            2.4330099f, 1.4226536f, 2.2886732f, 1.278317f, 0.7688673f, -1.6675531f, 1.1749374f, -1.261483f, 1.5810074f,
            -0.8554129f, 1.7113268f, 2.5773463f, 1.5669901f, 2.4330099f, 1.4226536f, 2.2886732f, 3.2052877f, 0.7688673f,
            -1.6675531f, 1.1749374f, -1.261483f, 1.5810074f, 2.721683f, 1.7113268f, 2.5773463f, 1.5669901f, 2.4330099f,
            1.4226536f
    };

    private static final float[] TRAIN_RM = {
            0.41805556f, 999.125f
    };

    private static final float[] TRAIN_RV = {
            1.8902982f, 0.5294118f
    };

    private static final float[] TRAIN_DX = {
            -2.261171f, 1.6735125f, 0.15724687f, -1.5930505f, 2.5756648f, 0.82536745f, 0.26194435f, 0.8580008f,
            -0.6014024f, -0.005345943f, 0.5559633f, -0.8686927f, 0.87937474f, -0.63689077f, -2.3871882f, 1.781527f,
            0.031229785f, -1.4850358f, -0.8767113f, -0.31540206f, 0.2806544f, 0.84196365f, -0.5826924f, -0.021383129f,
            -1.6650602f, 2.503655f, 0.98738945f, -0.76290786f, -2.2791734f, 1.65551f, -0.029401723f, 0.56665474f,
            -0.8927485f, -0.296692f, 0.2646172f, 0.86067367f
    };

    private static final float[] TRAIN_DGAMMA = {
            0.73694193f, 0.28867322f
    };

    private static final float[] TRAIN_DBETA = {
            -1.0f, -0.5f
    };

    private static final float[] SAVE_MEAN = {
            -0.31944445f, 10000.25f
    };

    private static final float[] SAVE_INVSTD = {
            1.0828534f, 1.1546929f
    };

    private static final float[] EVAL_Y = {
            -1.871315f, -0.01516438f, -1.6061506f, 0.25f, -1.3409863f, 0.5151644f, -7069.174f, -7070.411f, -7069.3506f,
            -7070.588f, -7069.5273f, -7070.7646f, -0.28032875f, -1.871315f, -0.01516438f, -1.6061506f, 0.25f,
            -1.3409863f, -7070.2344f, -7069.174f, -7070.411f, -7069.3506f, -7070.588f, -7069.5273f, 1.3106575f,
            -0.28032875f, -1.871315f, -0.01516438f, -1.6061506f, 0.25f, -7068.997f, -7070.2344f, -7069.174f, -7070.411f,
            -7069.3506f, -7070.588f
    };

    private static final float[] PLAIN_Y = {
            -1.2776273f, 0.6162673f, -1.0070709f, 0.88682365f, -0.73651457f, 1.1573801f, -1.1539315f, 0.86544865f,
            -0.86544865f, 1.1539315f, -0.57696575f, 1.4424144f, 0.34571093f, -1.2776273f, 0.6162673f, -1.0070709f,
            0.88682365f, -0.73651457f, 0.57696575f, -1.1539315f, 0.86544865f, -0.86544865f, 1.1539315f, -0.57696575f,
            1.9690492f, 0.34571093f, -1.2776273f, 0.6162673f, -1.0070709f, 0.88682365f, -1.4424144f, 0.57696575f,
            -1.1539315f, 0.86544865f, -0.86544865f, 1.1539315f
    };

    private static final float[] PLAIN_DX = {
            -1.5066388f, 1.1150596f, 0.10471869f, -1.0613722f, 1.7160761f, 0.54998535f, -0.52357143f, -1.7148491f,
            1.2019906f, 0.010713005f, -1.1112075f, 1.7362751f, 0.58592767f, -0.4244133f, -1.5905042f, 1.1869442f,
            0.020853369f, -0.9894876f, 1.7522806f, 0.63036007f, -0.5609176f, -1.6828381f, 1.1646445f, 0.042723976f,
            -1.1092951f, 1.6681532f, 0.6578122f, -0.5082786f, -1.5186195f, 1.1030788f, 0.058729462f, -1.1325482f,
            1.7842915f, 0.59301394f, -0.52890664f, -1.7201842f
    };

    @Test
    void trainingMatchesPyTorchIncludingRunningStatsAndSavedStatistics() {
        for (BatchNorm bn : backends()) {
            float[] y = new float[36];
            float[] rm = RM0.clone();
            float[] rv = RV0.clone();
            float[] mean = new float[2];
            float[] invStd = new float[2];
            bn.forwardTraining(3, 2, 6, X, 0, GAMMA, BETA, 1e-5f, 0.1f, rm, rv, y, 0, mean, invStd);
            ElemTestSupport.assertClose(bn + " y", y, TRAIN_Y, 2e-6, 2e-6);
            ElemTestSupport.assertClose(bn + " running mean", rm, TRAIN_RM, 1e-6, 0);
            ElemTestSupport.assertClose(bn + " running var (unbiased)", rv, TRAIN_RV, 1e-6, 0);
            ElemTestSupport.assertClose(bn + " saved mean", mean, SAVE_MEAN, 1e-7, 0);
            ElemTestSupport.assertClose(bn + " saved invstd", invStd, SAVE_INVSTD, 1e-6, 0);
            float[] dx = new float[36];
            float[] dgamma = new float[2];
            float[] dbeta = new float[2];
            bn.backward(3, 2, 6, X, 0, w(36), 0, GAMMA, mean, invStd, dx, 0, dgamma, dbeta);
            // channel 1's x - mean is exact in float (multiples of 0.25 on 1e4), so PyTorch and we agree closely
            ElemTestSupport.assertClose(bn + " dx", dx, TRAIN_DX, 1e-5, 1e-6);
            ElemTestSupport.assertClose(bn + " dgamma", dgamma, TRAIN_DGAMMA, 1e-5, 1e-6);
            ElemTestSupport.assertClose(bn + " dbeta", dbeta, TRAIN_DBETA, 1e-6, 0);
        }
    }

    @Test
    void evalAndAffineFalseMatchPyTorch() {
        for (BatchNorm bn : backends()) {
            float[] y = new float[36];
            bn.forwardEval(3, 2, 6, X, 0, GAMMA, BETA, RM0, RV0, 1e-5f, y, 0);
            ElemTestSupport.assertClose(bn + " eval", y, EVAL_Y, 1e-6, 1e-6);
            float[] plain = new float[36];
            float[] mean = new float[2];
            float[] invStd = new float[2];
            bn.forwardTraining(3, 2, 6, X, 0, null, null, 1e-3f, 0.1f, null, null, plain, 0, mean, invStd);
            ElemTestSupport.assertClose(bn + " affine=False", plain, PLAIN_Y, 2e-6, 2e-6);
            float[] dx = new float[36];
            bn.backward(3, 2, 6, X, 0, w(36), 0, null, mean, invStd, dx, 0, null, null);
            ElemTestSupport.assertClose(bn + " affine=False dx", dx, PLAIN_DX, 1e-5, 1e-6);
        }
    }

    @Test
    void dxMayAliasDy() {
        for (BatchNorm bn : backends()) {
            float[] y = new float[36];
            float[] mean = new float[2];
            float[] invStd = new float[2];
            bn.forwardTraining(3, 2, 6, X, 0, GAMMA, BETA, 1e-5f, 0.1f, null, null, y, 0, mean, invStd);
            float[] dx = new float[36];
            bn.backward(3, 2, 6, X, 0, w(36), 0, GAMMA, mean, invStd, dx, 0, null, null);
            float[] aliased = w(36);
            bn.backward(3, 2, 6, X, 0, aliased, 0, GAMMA, mean, invStd, aliased, 0, null, null);
            assertArrayEquals(dx, aliased, bn.toString());
        }
    }

    /** {@code sum w*y} of training-mode batch norm in double: the independent oracle of the property. */
    private static double objective(int batch, int channels, int spatial, double[] x, double[] gamma,
            double[] beta, double eps, double[] w) {
        double total = 0;
        int n = batch * spatial;
        for (int c = 0; c < channels; c++) {
            double mean = 0;
            for (int b = 0; b < batch; b++) {
                for (int s = 0; s < spatial; s++) {
                    mean += x[(b * channels + c) * spatial + s];
                }
            }
            mean /= n;
            double var = 0;
            for (int b = 0; b < batch; b++) {
                for (int s = 0; s < spatial; s++) {
                    double d = x[(b * channels + c) * spatial + s] - mean;
                    var += d * d;
                }
            }
            var /= n;
            for (int b = 0; b < batch; b++) {
                for (int s = 0; s < spatial; s++) {
                    int k = (b * channels + c) * spatial + s;
                    double y = (x[k] - mean) / Math.sqrt(var + eps) * gamma[c] + beta[c];
                    total += w[k] * y;
                }
            }
        }
        return total;
    }

    private static double[] toDouble(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }

    @Property(tries = 100)
    void backwardMatchesCentralDifferences(@ForAll @IntRange(min = 1, max = 3) int batch,
            @ForAll @IntRange(min = 1, max = 3) int channels, @ForAll @IntRange(min = 2, max = 5) int spatial,
            @ForAll long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int n = batch * channels * spatial;
        float[] x = ElemTestSupport.uniform(r, n, -3, 3);
        float[] gamma = ElemTestSupport.uniform(r, channels, -2, 2);
        float[] beta = ElemTestSupport.uniform(r, channels, -1, 1);
        float[] dy = ElemTestSupport.uniform(r, n, -1, 1);
        float eps = 1e-3f;
        double[] xd = toDouble(x);
        double[] gd = toDouble(gamma);
        double[] bd = toDouble(beta);
        double[] wd = toDouble(dy);
        for (BatchNorm bn : backends()) {
            float[] y = new float[n];
            float[] mean = new float[channels];
            float[] invStd = new float[channels];
            bn.forwardTraining(batch, channels, spatial, x, 0, gamma, beta, eps, 0.1f, null, null, y, 0, mean,
                    invStd);
            float[] dx = new float[n];
            float[] dgamma = new float[channels];
            float[] dbeta = new float[channels];
            bn.backward(batch, channels, spatial, x, 0, dy, 0, gamma, mean, invStd, dx, 0, dgamma, dbeta);
            double h = 1e-5;
            for (int i = 0; i < n; i++) {
                double keep = xd[i];
                xd[i] = keep + h;
                double lp = objective(batch, channels, spatial, xd, gd, bd, eps, wd);
                xd[i] = keep - h;
                double lm = objective(batch, channels, spatial, xd, gd, bd, eps, wd);
                xd[i] = keep;
                ElemTestSupport.assertClose(bn + " dx[" + i + "]", dx[i], (lp - lm) / (2 * h), 1e-3, 2e-5);
            }
            for (int c = 0; c < channels; c++) {
                double keep = gd[c];
                gd[c] = keep + h;
                double lp = objective(batch, channels, spatial, xd, gd, bd, eps, wd);
                gd[c] = keep - h;
                double lm = objective(batch, channels, spatial, xd, gd, bd, eps, wd);
                gd[c] = keep;
                ElemTestSupport.assertClose(bn + " dgamma[" + c + "]", dgamma[c], (lp - lm) / (2 * h), 1e-4, 2e-5);
                keep = bd[c];
                bd[c] = keep + h;
                lp = objective(batch, channels, spatial, xd, gd, bd, eps, wd);
                bd[c] = keep - h;
                lm = objective(batch, channels, spatial, xd, gd, bd, eps, wd);
                bd[c] = keep;
                ElemTestSupport.assertClose(bn + " dbeta[" + c + "]", dbeta[c], (lp - lm) / (2 * h), 1e-4, 2e-5);
            }
        }
    }

    @Property(tries = 100)
    void activeBackendMatchesTheReference(@ForAll @IntRange(min = 1, max = 4) int batch,
            @ForAll @IntRange(min = 1, max = 6) int channels, @ForAll @IntRange(min = 1, max = 40) int spatial,
            @ForAll boolean affine, @ForAll long seed) {
        if (batch * spatial < 2) {
            spatial = 2; // training needs more than one value per channel (the layer rejects it)
        }
        SplittableRandom r = new SplittableRandom(seed);
        int n = batch * channels * spatial;
        float[] x = ElemTestSupport.uniform(r, n, -5, 20);
        float[] gamma = affine ? ElemTestSupport.uniform(r, channels, -2, 2) : null;
        float[] beta = affine ? ElemTestSupport.uniform(r, channels, -1, 1) : null;
        float[] rm0 = ElemTestSupport.uniform(r, channels, -1, 1);
        float[] rv0 = ElemTestSupport.uniform(r, channels, 0.1, 2);
        // one upstream gradient for both backends, so backward compares like with like
        float[] dy = ElemTestSupport.uniform(r, n, -1, 1);
        BatchNorm fast = SimdCnn.backend().batchNorm();
        float[][] res = new float[2][];
        float[][] stats = new float[2][];
        int k = 0;
        for (BatchNorm bn : List.of(REF, fast)) {
            float[] y = new float[n];
            float[] rm = rm0.clone();
            float[] rv = rv0.clone();
            float[] mean = new float[channels];
            float[] invStd = new float[channels];
            bn.forwardTraining(batch, channels, spatial, x, 0, gamma, beta, 1e-5f, 0.1f, rm, rv, y, 0, mean, invStd);
            float[] dx = new float[n];
            float[] dg = new float[channels];
            float[] db = new float[channels];
            bn.backward(batch, channels, spatial, x, 0, dy, 0, gamma, mean, invStd, dx, 0, dg, db);
            float[] ye = new float[n];
            bn.forwardEval(batch, channels, spatial, x, 0, gamma, beta, rm0, rv0, 1e-5f, ye, 0);
            res[k] = concat(y, dx, ye);
            stats[k] = concat(rm, rv, mean, invStd, dg, db);
            k++;
        }
        // Conditioning: x - mean cancels when a channel's values are close, and a float mean is only good to an
        // ulp of max|x|, which the normalisation multiplies by invstd (and gamma). Same bound as the golden tests.
        double xMax = 0;
        for (float v : x) {
            xMax = Math.max(xMax, Math.abs(v));
        }
        double scale = 1;
        for (int c = 0; c < channels; c++) {
            double gam = gamma == null ? 1 : Math.max(1, Math.abs(gamma[c]));
            scale = Math.max(scale, stats[0][2 * channels + channels + c] * gam);
        }
        double atol = 1e-5 + 4 * Math.ulp((float) xMax) * scale;
        ElemTestSupport.assertClose("y | dx | eval y", res[1], res[0], 1e-5, atol);
        ElemTestSupport.assertClose("running mean | var | saved mean | invstd | dgamma | dbeta", stats[1], stats[0],
                1e-5, 1e-5);
    }

    private static float[] concat(float[]... parts) {
        int n = 0;
        for (float[] p : parts) {
            n += p.length;
        }
        float[] r = new float[n];
        int o = 0;
        for (float[] p : parts) {
            System.arraycopy(p, 0, r, o, p.length);
            o += p.length;
        }
        return r;
    }
}
