package org.simdcnn.kernels;

/**
 * Elementwise activations ({@link ActivationFn}) and Maxout, forward and backward, over {@code n} contiguous
 * floats. Forward may run in place ({@code x == y && xOff == yOff}). Backward receives both the forward input
 * {@code x} and the forward output {@code y} (implementations use whichever is cheaper and exact) and the
 * upstream gradient {@code dy}; it overwrites {@code dx}, which may alias {@code dy}.
 */
public interface Activations {
    void forward(ActivationFn f, float[] x, int xOff, float[] y, int yOff, int n);

    void backward(ActivationFn f, float[] x, int xOff, float[] y, int yOff, float[] dy, int dyOff, float[] dx,
            int dxOff, int n);

    /**
     * Maxout over channels: input {@code (batch, channels*pieces, spatial)}, output {@code (batch, channels,
     * spatial)}, {@code y[b][c][s] = max over p of x[b][c*pieces + p][s]}. {@code argmax} (may be null) receives
     * the winning {@code p} per output element (the first on ties).
     */
    void maxoutForward(int batch, int channels, int pieces, int spatial, float[] x, int xOff, float[] y, int yOff,
            int[] argmax, int amOff);

    /** Routes {@code dy} to the winning piece; overwrites {@code dx} (zeros elsewhere). */
    void maxoutBackward(int batch, int channels, int pieces, int spatial, float[] dy, int dyOff, int[] argmax,
            int amOff, float[] dx, int dxOff);
}
