package org.simdcnn.kernels.scalar;

import org.simdcnn.kernels.*;

/** PLACEHOLDER - replaced by the reference implementation. */
final class ScalarBatchNorm implements BatchNorm {
    @Override
    public void forwardTraining(int batch, int channels, int spatial, float[] x, int xOff, float[] gamma, float[] beta, float eps, float momentum, float[] runningMean, float[] runningVar, float[] y, int yOff, float[] saveMean, float[] saveInvStd) {
        throw new UnsupportedOperationException("ScalarBatchNorm.forwardTraining not implemented yet");
    }

    @Override
    public void forwardEval(int batch, int channels, int spatial, float[] x, int xOff, float[] gamma, float[] beta, float[] runningMean, float[] runningVar, float eps, float[] y, int yOff) {
        throw new UnsupportedOperationException("ScalarBatchNorm.forwardEval not implemented yet");
    }

    @Override
    public void backward(int batch, int channels, int spatial, float[] x, int xOff, float[] dy, int dyOff, float[] gamma, float[] saveMean, float[] saveInvStd, float[] dx, int dxOff, float[] dgamma, float[] dbeta) {
        throw new UnsupportedOperationException("ScalarBatchNorm.backward not implemented yet");
    }
}
