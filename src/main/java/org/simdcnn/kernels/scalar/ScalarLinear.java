package org.simdcnn.kernels.scalar;

import org.simdcnn.kernels.*;

/** PLACEHOLDER - replaced by the reference implementation. */
final class ScalarLinear implements Linear {
    @Override
    public void forward(int batch, int in, int out, float[] x, int xOff, float[] w, int wOff, float[] bias, float[] y, int yOff, Epilogue epilogue) {
        throw new UnsupportedOperationException("ScalarLinear.forward not implemented yet");
    }

    @Override
    public void backwardInput(int batch, int in, int out, float[] dy, int dyOff, float[] w, int wOff, float[] dx, int dxOff) {
        throw new UnsupportedOperationException("ScalarLinear.backwardInput not implemented yet");
    }

    @Override
    public void backwardWeight(int batch, int in, int out, float[] x, int xOff, float[] dy, int dyOff, float[] dw, int dwOff) {
        throw new UnsupportedOperationException("ScalarLinear.backwardWeight not implemented yet");
    }

    @Override
    public void backwardBias(int batch, int out, float[] dy, int dyOff, float[] db) {
        throw new UnsupportedOperationException("ScalarLinear.backwardBias not implemented yet");
    }
}
