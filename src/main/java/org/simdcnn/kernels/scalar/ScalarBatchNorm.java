package org.simdcnn.kernels.scalar;

import org.simdcnn.kernels.BatchNorm;

/**
 * Reference batch normalisation, per channel over {@code batch * spatial} values, all arithmetic in double with
 * one rounding per stored value.
 *
 * <ul>
 *   <li>Training: mean, then the biased variance as the mean of squared deviations (two passes);
 *       {@code invStd = 1/sqrt(var + eps)}; {@code y = (x - mean)*invStd*gamma + beta}; running statistics
 *       {@code (1-momentum)*running + momentum*stat} with the unbiased variance {@code var*n/(n-1)} (NaN or
 *       infinite when {@code n == 1}, which the layer rejects as PyTorch does).</li>
 *   <li>Eval: the same transform with the running statistics.</li>
 *   <li>Backward (training): {@code dbeta = sum(dy)}, {@code dgamma = sum(dy*xhat)} with
 *       {@code xhat = (x-mean)*invStd}, {@code dx = gamma*invStd*(dy - dbeta/n - xhat*dgamma/n)}.</li>
 * </ul>
 */
final class ScalarBatchNorm implements BatchNorm {

    @Override
    public void forwardTraining(int batch, int channels, int spatial, float[] x, int xOff, float[] gamma,
            float[] beta, float eps, float momentum, float[] runningMean, float[] runningVar, float[] y, int yOff,
            float[] saveMean, float[] saveInvStd) {
        long n = (long) batch * spatial;
        for (int c = 0; c < channels; c++) {
            double sum = 0;
            for (int b = 0; b < batch; b++) {
                int base = xOff + (b * channels + c) * spatial;
                for (int s = 0; s < spatial; s++) {
                    sum += x[base + s];
                }
            }
            double mean = sum / n;
            double sq = 0;
            for (int b = 0; b < batch; b++) {
                int base = xOff + (b * channels + c) * spatial;
                for (int s = 0; s < spatial; s++) {
                    double d = x[base + s] - mean;
                    sq += d * d;
                }
            }
            double var = sq / n;
            double invStd = 1.0 / Math.sqrt(var + eps);
            double g = gamma == null ? 1.0 : gamma[c];
            double bt = beta == null ? 0.0 : beta[c];
            for (int b = 0; b < batch; b++) {
                int xb = xOff + (b * channels + c) * spatial;
                int yb = yOff + (b * channels + c) * spatial;
                for (int s = 0; s < spatial; s++) {
                    y[yb + s] = (float) ((x[xb + s] - mean) * invStd * g + bt);
                }
            }
            if (saveMean != null) {
                saveMean[c] = (float) mean;
            }
            if (saveInvStd != null) {
                saveInvStd[c] = (float) invStd;
            }
            if (runningMean != null) {
                runningMean[c] = (float) ((1.0 - momentum) * runningMean[c] + (double) momentum * mean);
            }
            if (runningVar != null) {
                double unbiased = sq / (n - 1);
                runningVar[c] = (float) ((1.0 - momentum) * runningVar[c] + (double) momentum * unbiased);
            }
        }
    }

    @Override
    public void forwardEval(int batch, int channels, int spatial, float[] x, int xOff, float[] gamma, float[] beta,
            float[] runningMean, float[] runningVar, float eps, float[] y, int yOff) {
        for (int c = 0; c < channels; c++) {
            double mean = runningMean[c];
            double invStd = 1.0 / Math.sqrt((double) runningVar[c] + eps);
            double g = gamma == null ? 1.0 : gamma[c];
            double bt = beta == null ? 0.0 : beta[c];
            for (int b = 0; b < batch; b++) {
                int xb = xOff + (b * channels + c) * spatial;
                int yb = yOff + (b * channels + c) * spatial;
                for (int s = 0; s < spatial; s++) {
                    y[yb + s] = (float) ((x[xb + s] - mean) * invStd * g + bt);
                }
            }
        }
    }

    @Override
    public void backward(int batch, int channels, int spatial, float[] x, int xOff, float[] dy, int dyOff,
            float[] gamma, float[] saveMean, float[] saveInvStd, float[] dx, int dxOff, float[] dgamma,
            float[] dbeta) {
        long n = (long) batch * spatial;
        for (int c = 0; c < channels; c++) {
            double mean = saveMean[c];
            double invStd = saveInvStd[c];
            double sumDy = 0;
            double sumDyXhat = 0;
            for (int b = 0; b < batch; b++) {
                int xb = xOff + (b * channels + c) * spatial;
                int db = dyOff + (b * channels + c) * spatial;
                for (int s = 0; s < spatial; s++) {
                    double g = dy[db + s];
                    sumDy += g;
                    sumDyXhat += g * (x[xb + s] - mean) * invStd;
                }
            }
            double gm = gamma == null ? 1.0 : gamma[c];
            for (int b = 0; b < batch; b++) {
                int xb = xOff + (b * channels + c) * spatial;
                int db = dyOff + (b * channels + c) * spatial;
                int ob = dxOff + (b * channels + c) * spatial;
                for (int s = 0; s < spatial; s++) {
                    double xhat = (x[xb + s] - mean) * invStd;
                    dx[ob + s] = (float) (gm * invStd * (dy[db + s] - sumDy / n - xhat * sumDyXhat / n));
                }
            }
            if (dgamma != null) {
                dgamma[c] = (float) sumDyXhat;
            }
            if (dbeta != null) {
                dbeta[c] = (float) sumDy;
            }
        }
    }
}
