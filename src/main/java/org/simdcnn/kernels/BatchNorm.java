package org.simdcnn.kernels;

/**
 * Batch normalisation over {@code (batch, channels, spatial)} (BatchNorm1d on {@code (N, C)} has
 * {@code spatial = 1}). Per-channel arrays ({@code gamma}, {@code beta}, running and saved statistics) have
 * {@code channels} entries from index 0; {@code gamma}/{@code beta} null means {@code affine=False}.
 */
public interface BatchNorm {
    /**
     * Training mode: normalises with the batch statistics (biased variance), stores the batch mean and
     * {@code 1/sqrt(var + eps)} in {@code saveMean}/{@code saveInvStd} for backward, and, when the running arrays
     * are not null, updates them PyTorch's way: {@code running = (1-momentum)*running + momentum*batchStat} with
     * the <em>unbiased</em> variance. Variance is computed in a numerically stable way (two passes or Welford).
     */
    void forwardTraining(int batch, int channels, int spatial, float[] x, int xOff, float[] gamma, float[] beta,
            float eps, float momentum, float[] runningMean, float[] runningVar, float[] y, int yOff,
            float[] saveMean, float[] saveInvStd);

    /** Eval mode: normalises with the running statistics. */
    void forwardEval(int batch, int channels, int spatial, float[] x, int xOff, float[] gamma, float[] beta,
            float[] runningMean, float[] runningVar, float eps, float[] y, int yOff);

    /**
     * Backward of training mode, from the saved statistics. Overwrites {@code dx}; writes {@code dgamma} and
     * {@code dbeta} when not null.
     */
    void backward(int batch, int channels, int spatial, float[] x, int xOff, float[] dy, int dyOff, float[] gamma,
            float[] saveMean, float[] saveInvStd, float[] dx, int dxOff, float[] dgamma, float[] dbeta);
}
