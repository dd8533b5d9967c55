package org.simdcnn.kernels.scalar;

import org.simdcnn.kernels.*;

/** PLACEHOLDER - replaced by the reference implementation. */
final class ScalarSoftmax implements Softmax {
    @Override
    public void forward(boolean log, int outer, int dim, int inner, float[] x, int xOff, float[] y, int yOff) {
        throw new UnsupportedOperationException("ScalarSoftmax.forward not implemented yet");
    }

    @Override
    public void backward(boolean log, int outer, int dim, int inner, float[] y, int yOff, float[] dy, int dyOff, float[] dx, int dxOff) {
        throw new UnsupportedOperationException("ScalarSoftmax.backward not implemented yet");
    }
}
