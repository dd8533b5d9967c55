package org.simdcnn.kernels;

/**
 * Fully connected layer, PyTorch's layout: input {@code (batch, in)}, weight {@code (out, in)}, bias {@code (out)}
 * or null, output {@code (batch, out)}: {@code y = epilogue(x * w^T + b)}. Backward methods overwrite their output.
 */
public interface Linear {
    void forward(int batch, int in, int out, float[] x, int xOff, float[] w, int wOff, float[] bias, float[] y,
            int yOff, Epilogue epilogue);

    /** {@code dx = dy * w}. */
    void backwardInput(int batch, int in, int out, float[] dy, int dyOff, float[] w, int wOff, float[] dx,
            int dxOff);

    /** {@code dw = dy^T * x}. */
    void backwardWeight(int batch, int in, int out, float[] x, int xOff, float[] dy, int dyOff, float[] dw,
            int dwOff);

    /** {@code db = column sums of dy}. */
    void backwardBias(int batch, int out, float[] dy, int dyOff, float[] db);
}
