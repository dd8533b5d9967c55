package org.simdcnn.kernels;

/**
 * Softmax and log-softmax along one dimension of a tensor viewed as {@code (outer, dim, inner)}: element
 * {@code (o, d, i)} is at {@code off + (o*dim + d)*inner + i}. Numerically stable (the maximum is subtracted).
 */
public interface Softmax {
    void forward(boolean log, int outer, int dim, int inner, float[] x, int xOff, float[] y, int yOff);

    /**
     * Backward from the forward output {@code y}: softmax {@code dx = y*(dy - sum(dy*y))}, log-softmax
     * {@code dx = dy - exp(y)*sum(dy)}. Overwrites {@code dx}.
     */
    void backward(boolean log, int outer, int dim, int inner, float[] y, int yOff, float[] dy, int dyOff,
            float[] dx, int dxOff);
}
