package org.simdcnn.kernels.scalar;

import org.simdcnn.kernels.*;

/** PLACEHOLDER - replaced by the reference implementation. */
final class ScalarActivations implements Activations {
    @Override
    public void forward(ActivationFn f, float[] x, int xOff, float[] y, int yOff, int n) {
        throw new UnsupportedOperationException("ScalarActivations.forward not implemented yet");
    }

    @Override
    public void backward(ActivationFn f, float[] x, int xOff, float[] y, int yOff, float[] dy, int dyOff, float[] dx, int dxOff, int n) {
        throw new UnsupportedOperationException("ScalarActivations.backward not implemented yet");
    }

    @Override
    public void maxoutForward(int batch, int channels, int pieces, int spatial, float[] x, int xOff, float[] y, int yOff, int[] argmax, int amOff) {
        throw new UnsupportedOperationException("ScalarActivations.maxoutForward not implemented yet");
    }

    @Override
    public void maxoutBackward(int batch, int channels, int pieces, int spatial, float[] dy, int dyOff, int[] argmax, int amOff, float[] dx, int dxOff) {
        throw new UnsupportedOperationException("ScalarActivations.maxoutBackward not implemented yet");
    }
}
