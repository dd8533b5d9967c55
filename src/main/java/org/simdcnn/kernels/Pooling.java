package org.simdcnn.kernels;

import org.simdcnn.geometry.PoolGeometry;

/**
 * Max and average pooling (1d/2d/3d through the normalised {@link PoolGeometry}), adaptive average pooling, in
 * PyTorch's semantics. Input {@code (N, C, sp...)}, output {@code (N, C, outSp...)}. Outputs are overwritten.
 */
public interface Pooling {
    /**
     * Max pooling; padding acts as minus infinity. {@code argmax} (may be null) receives, per output element, the
     * flat index of the winner within its input plane ({@code d*inH*inW + h*inW + w}), as PyTorch's
     * {@code return_indices}; the first maximum wins ties; NaN wins over numbers. A window that covers no input
     * element (possible with dilation and padding) yields {@code -inf} and index {@code -1}.
     */
    void maxForward(PoolGeometry g, float[] x, int xOff, float[] y, int yOff, int[] argmax, int amOff);

    /**
     * Scatters {@code dy} to the argmax positions, accumulating where windows overlap (index {@code -1} receives
     * nothing); overwrites {@code dx}.
     */
    void maxBackward(PoolGeometry g, float[] dy, int dyOff, int[] argmax, int amOff, float[] dx, int dxOff);

    /**
     * Average pooling. The divisor is PyTorch's: with {@code countIncludePad} the window clipped to the padded
     * input ({@code in + pad} on the right), otherwise the number of real input elements in the window.
     */
    void avgForward(PoolGeometry g, boolean countIncludePad, float[] x, int xOff, float[] y, int yOff);

    void avgBackward(PoolGeometry g, boolean countIncludePad, float[] dy, int dyOff, float[] dx, int dxOff);

    /**
     * Adaptive average pooling, PyTorch's bins: output index {@code o} of {@code out} over an input of {@code in}
     * averages {@code [floor(o*in/out), ceil((o+1)*in/out))}. Sizes are given in the user's rank (1 to 3
     * values). Global average pooling is {@code outSize} all ones.
     */
    void adaptiveAvgForward(int batch, int channels, int[] inSize, int[] outSize, float[] x, int xOff, float[] y,
            int yOff);

    void adaptiveAvgBackward(int batch, int channels, int[] inSize, int[] outSize, float[] dy, int dyOff,
            float[] dx, int dxOff);
}
