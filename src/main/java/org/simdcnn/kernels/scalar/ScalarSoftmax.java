package org.simdcnn.kernels.scalar;

import org.simdcnn.kernels.Softmax;

/**
 * Reference softmax and log-softmax along the middle axis of {@code (outer, dim, inner)}: per line, the maximum
 * is subtracted and the exponential sum taken in double; each output is rounded once. Softmax of a line with
 * {@code +inf} or NaN is NaN as in PyTorch; a line of all {@code -inf} is NaN too. Forward may run in place and
 * backward's {@code dx} may alias {@code dy}.
 */
final class ScalarSoftmax implements Softmax {
    @Override
    public void forward(boolean log, int outer, int dim, int inner, float[] x, int xOff, float[] y, int yOff) {
        for (int o = 0; o < outer; o++) {
            for (int i = 0; i < inner; i++) {
                int xb = xOff + o * dim * inner + i;
                int yb = yOff + o * dim * inner + i;
                double max = Double.NEGATIVE_INFINITY;
                boolean nan = false;
                for (int d = 0; d < dim; d++) {
                    float v = x[xb + d * inner];
                    if (v != v) {
                        nan = true;
                    }
                    max = Math.max(max, v);
                }
                double sum = 0;
                for (int d = 0; d < dim; d++) {
                    sum += Math.exp(x[xb + d * inner] - max);
                }
                if (nan) {
                    sum = Double.NaN;
                }
                double logSum = Math.log(sum);
                for (int d = 0; d < dim; d++) {
                    double shifted = x[xb + d * inner] - max;
                    y[yb + d * inner] = (float) (log ? shifted - logSum : Math.exp(shifted) / sum);
                }
            }
        }
    }

    @Override
    public void backward(boolean log, int outer, int dim, int inner, float[] y, int yOff, float[] dy, int dyOff,
            float[] dx, int dxOff) {
        for (int o = 0; o < outer; o++) {
            for (int i = 0; i < inner; i++) {
                int base = o * dim * inner + i;
                double s = 0;
                for (int d = 0; d < dim; d++) {
                    int k = base + d * inner;
                    s += log ? dy[dyOff + k] : (double) dy[dyOff + k] * y[yOff + k];
                }
                for (int d = 0; d < dim; d++) {
                    int k = base + d * inner;
                    double yv = y[yOff + k];
                    double g = dy[dyOff + k];
                    dx[dxOff + k] = (float) (log ? g - Math.exp(yv) * s : yv * (g - s));
                }
            }
        }
    }
}
