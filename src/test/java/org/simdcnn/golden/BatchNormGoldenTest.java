package org.simdcnn.golden;

import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.simdcnn.kernels.BatchNorm;
import org.simdcnn.tensor.Tensor;

/**
 * Batch normalisation against PyTorch: BatchNorm1d on (N, C) and (N, C, L), BatchNorm2d, affine and not, a batch
 * of 1, momentum 1, and a channel mean of 1000 (numerical stability). Training forward (output, saved mean and
 * inverse std, running mean and unbiased running variance), eval forward on the updated running statistics,
 * and backward (input, gamma and beta gradients) from the kernel's own saved statistics.
 *
 * <p>Tolerances: {@code rtol = 1e-4}; {@code atol = 1e-5 + 4 * ulp(max|x|) * max(invstd)} for the normalised
 * outputs and the input gradient, i.e. what a perturbation of the input by 4 ulps of its largest magnitude does to
 * the output (1e-5 for zero-mean data; about 1.2e-4 in the case with channel mean 1000 and std 2, where the
 * float32 input itself only carries ~3e-5 of the normalised value), {@code atol = 1e-5} otherwise.
 */
class BatchNormGoldenTest {
    static final double RTOL = 1e-4;
    static final double ATOL = 1e-5;

    @TestFactory
    Stream<DynamicTest> batchNorm() {
        return Golden.tests("batchnorm", (c, b) -> {
            BatchNorm bn = b.batchNorm();
            int[] shape = c.ints("shape");
            int batch = shape[0];
            int ch = shape[1];
            int spatial = 1;
            for (int i = 2; i < shape.length; i++) {
                spatial *= shape[i];
            }
            float eps = c.f("eps");
            float momentum = c.f("momentum");
            float[] gamma = c.dataOrNull("gamma");
            float[] beta = c.dataOrNull("beta");
            Tensor xT = c.t("x");
            float[] x = Golden.at(xT);
            float[] rm = c.t("running_mean").toArray();
            float[] rv = c.t("running_var").toArray();
            float[] saveMean = new float[ch];
            float[] saveInvStd = new float[ch];
            Arrays.fill(saveMean, Float.NaN);
            Arrays.fill(saveInvStd, Float.NaN);
            float[] y = Golden.out(xT.size());
            bn.forwardTraining(batch, ch, spatial, x, Golden.OFF, gamma, beta, eps, momentum, rm, rv, y, Golden.OFF,
                    saveMean, saveInvStd);
            float maxAbsX = 0;
            for (int i = 0; i < xT.size(); i++) {
                maxAbsX = Math.max(maxAbsX, Math.abs(xT.getFlat(i)));
            }
            float maxInvStd = 0;
            Tensor inv = c.t("save_invstd");
            Tensor rvOut = c.t("running_var_out");
            for (int i = 0; i < ch; i++) {
                float evalInvStd = (float) (1 / Math.sqrt(rvOut.getFlat(i) + eps));
                maxInvStd = Math.max(maxInvStd, Math.max(inv.getFlat(i), evalInvStd));
            }
            double atolY = ATOL + 4 * Math.ulp(maxAbsX) * maxInvStd;
            Golden.close(c, b, "training forward y", Golden.view(c, b, "y", y, shape), c.t("y"), RTOL, atolY);
            Golden.close(c, b, "saved batch mean", Tensor.of(saveMean, ch), c.t("save_mean"), RTOL, ATOL);
            Golden.close(c, b, "saved inverse std", Tensor.of(saveInvStd, ch), c.t("save_invstd"), RTOL, ATOL);
            Golden.close(c, b, "updated running mean", Tensor.of(rm, ch), c.t("running_mean_out"), RTOL, ATOL);
            Golden.close(c, b, "updated running var (unbiased)", Tensor.of(rv, ch), c.t("running_var_out"), RTOL,
                    ATOL);

            // training forward without running statistics (track_running_stats=False) gives the same output
            float[] y2 = Golden.out(xT.size());
            bn.forwardTraining(batch, ch, spatial, x, Golden.OFF, gamma, beta, eps, momentum, null, null, y2,
                    Golden.OFF, new float[ch], new float[ch]);
            Golden.close(c, b, "training forward y without running stats", Golden.view(c, b, "y", y2, shape),
                    c.t("y"), RTOL, atolY);

            float[] ye = Golden.out(xT.size());
            bn.forwardEval(batch, ch, spatial, x, Golden.OFF, gamma, beta, c.t("running_mean_out").toArray(),
                    c.t("running_var_out").toArray(), eps, ye, Golden.OFF);
            Golden.close(c, b, "eval forward y", Golden.view(c, b, "y", ye, shape), c.t("y_eval"), RTOL, atolY);

            float[] dx = Golden.out(xT.size());
            float[] dgamma = gamma == null ? null : new float[ch];
            float[] dbeta = gamma == null ? null : new float[ch];
            if (dgamma != null) {
                Arrays.fill(dgamma, Float.NaN);
                Arrays.fill(dbeta, Float.NaN);
            }
            bn.backward(batch, ch, spatial, x, Golden.OFF, Golden.at(c.t("dy")), Golden.OFF, gamma, saveMean,
                    saveInvStd, dx, Golden.OFF, dgamma, dbeta);
            Golden.close(c, b, "backward dx", Golden.view(c, b, "dx", dx, shape), c.t("dx"), RTOL, atolY);
            if (dgamma != null) {
                Golden.close(c, b, "backward dgamma", Tensor.of(dgamma, ch), c.t("dgamma"), RTOL, ATOL);
                Golden.close(c, b, "backward dbeta", Tensor.of(dbeta, ch), c.t("dbeta"), RTOL, ATOL);
            }
        });
    }
}
