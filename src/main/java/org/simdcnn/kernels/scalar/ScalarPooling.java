package org.simdcnn.kernels.scalar;

import org.simdcnn.kernels.*;
import org.simdcnn.geometry.PoolGeometry;

/** PLACEHOLDER - replaced by the reference implementation. */
final class ScalarPooling implements Pooling {
    @Override
    public void maxForward(PoolGeometry g, float[] x, int xOff, float[] y, int yOff, int[] argmax, int amOff) {
        throw new UnsupportedOperationException("ScalarPooling.maxForward not implemented yet");
    }

    @Override
    public void maxBackward(PoolGeometry g, float[] dy, int dyOff, int[] argmax, int amOff, float[] dx, int dxOff) {
        throw new UnsupportedOperationException("ScalarPooling.maxBackward not implemented yet");
    }

    @Override
    public void avgForward(PoolGeometry g, boolean countIncludePad, float[] x, int xOff, float[] y, int yOff) {
        throw new UnsupportedOperationException("ScalarPooling.avgForward not implemented yet");
    }

    @Override
    public void avgBackward(PoolGeometry g, boolean countIncludePad, float[] dy, int dyOff, float[] dx, int dxOff) {
        throw new UnsupportedOperationException("ScalarPooling.avgBackward not implemented yet");
    }

    @Override
    public void adaptiveAvgForward(int batch, int channels, int[] inSize, int[] outSize, float[] x, int xOff, float[] y, int yOff) {
        throw new UnsupportedOperationException("ScalarPooling.adaptiveAvgForward not implemented yet");
    }

    @Override
    public void adaptiveAvgBackward(int batch, int channels, int[] inSize, int[] outSize, float[] dy, int dyOff, float[] dx, int dxOff) {
        throw new UnsupportedOperationException("ScalarPooling.adaptiveAvgBackward not implemented yet");
    }
}
