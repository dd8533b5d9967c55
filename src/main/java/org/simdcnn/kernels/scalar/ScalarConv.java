package org.simdcnn.kernels.scalar;

import org.simdcnn.kernels.*;
import org.simdcnn.geometry.ConvGeometry;

/** PLACEHOLDER - replaced by the reference implementation. */
final class ScalarConv implements Conv {
    @Override
    public void forward(ConvGeometry g, float[] x, int xOff, float[] w, int wOff, float[] bias, float[] y, int yOff, Epilogue epilogue) {
        throw new UnsupportedOperationException("ScalarConv.forward not implemented yet");
    }

    @Override
    public void backwardInput(ConvGeometry g, float[] dy, int dyOff, float[] w, int wOff, float[] dx, int dxOff) {
        throw new UnsupportedOperationException("ScalarConv.backwardInput not implemented yet");
    }

    @Override
    public void backwardWeight(ConvGeometry g, float[] x, int xOff, float[] dy, int dyOff, float[] dw, int dwOff) {
        throw new UnsupportedOperationException("ScalarConv.backwardWeight not implemented yet");
    }

    @Override
    public void backwardBias(ConvGeometry g, float[] dy, int dyOff, float[] db) {
        throw new UnsupportedOperationException("ScalarConv.backwardBias not implemented yet");
    }

    @Override
    public void transposedForward(ConvGeometry g, float[] x, int xOff, float[] w, int wOff, float[] bias, float[] y, int yOff) {
        throw new UnsupportedOperationException("ScalarConv.transposedForward not implemented yet");
    }

    @Override
    public void im2col(ConvGeometry g, float[] x, int xOff, float[] col, int colOff) {
        throw new UnsupportedOperationException("ScalarConv.im2col not implemented yet");
    }

    @Override
    public void col2im(ConvGeometry g, float[] col, int colOff, float[] x, int xOff) {
        throw new UnsupportedOperationException("ScalarConv.col2im not implemented yet");
    }
}
