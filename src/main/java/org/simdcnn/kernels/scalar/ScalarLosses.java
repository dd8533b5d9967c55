package org.simdcnn.kernels.scalar;

import org.simdcnn.kernels.*;

/** PLACEHOLDER - replaced by the reference implementation. */
final class ScalarLosses implements Losses {
    @Override
    public float mse(Reduction r, int n, float[] x, int xOff, float[] t, int tOff, float[] out, int outOff) {
        throw new UnsupportedOperationException("ScalarLosses.mse not implemented yet");
    }

    @Override
    public void mseBackward(Reduction r, int n, float[] x, int xOff, float[] t, int tOff, float[] dOut, int dOutOff, float[] dx, int dxOff) {
        throw new UnsupportedOperationException("ScalarLosses.mseBackward not implemented yet");
    }

    @Override
    public float bce(Reduction r, int n, float[] x, int xOff, float[] t, int tOff, float[] weight, float[] out, int outOff) {
        throw new UnsupportedOperationException("ScalarLosses.bce not implemented yet");
    }

    @Override
    public void bceBackward(Reduction r, int n, float[] x, int xOff, float[] t, int tOff, float[] weight, float[] dOut, int dOutOff, float[] dx, int dxOff) {
        throw new UnsupportedOperationException("ScalarLosses.bceBackward not implemented yet");
    }

    @Override
    public float bceWithLogits(Reduction r, int n, float[] x, int xOff, float[] t, int tOff, float[] weight, float[] posWeight, int posInner, float[] out, int outOff) {
        throw new UnsupportedOperationException("ScalarLosses.bceWithLogits not implemented yet");
    }

    @Override
    public void bceWithLogitsBackward(Reduction r, int n, float[] x, int xOff, float[] t, int tOff, float[] weight, float[] posWeight, int posInner, float[] dOut, int dOutOff, float[] dx, int dxOff) {
        throw new UnsupportedOperationException("ScalarLosses.bceWithLogitsBackward not implemented yet");
    }

    @Override
    public float crossEntropy(Reduction r, int batch, int classes, int inner, float[] x, int xOff, int[] target, int tOff, float[] weight, int ignoreIndex, float labelSmoothing, float[] out, int outOff) {
        throw new UnsupportedOperationException("ScalarLosses.crossEntropy not implemented yet");
    }

    @Override
    public void crossEntropyBackward(Reduction r, int batch, int classes, int inner, float[] x, int xOff, int[] target, int tOff, float[] weight, int ignoreIndex, float labelSmoothing, float[] dOut, int dOutOff, float[] dx, int dxOff) {
        throw new UnsupportedOperationException("ScalarLosses.crossEntropyBackward not implemented yet");
    }

    @Override
    public float nll(Reduction r, int batch, int classes, int inner, float[] x, int xOff, int[] target, int tOff, float[] weight, int ignoreIndex, float[] out, int outOff) {
        throw new UnsupportedOperationException("ScalarLosses.nll not implemented yet");
    }

    @Override
    public void nllBackward(Reduction r, int batch, int classes, int inner, float[] x, int xOff, int[] target, int tOff, float[] weight, int ignoreIndex, float[] dOut, int dOutOff, float[] dx, int dxOff) {
        throw new UnsupportedOperationException("ScalarLosses.nllBackward not implemented yet");
    }
}
