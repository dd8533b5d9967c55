package org.simdcnn.kernels.scalar;

import org.simdcnn.kernels.Epilogue;
import org.simdcnn.kernels.Linear;

/**
 * The reference fully connected layer: {@code y = epilogue(x * w^T + b)} with {@code x (batch, in)},
 * {@code w (out, in)}, {@code b (out)} or null, {@code y (batch, out)}, and its three gradients.
 *
 * <p><b>Numerics.</b> Each output element is a sum of float products formed and accumulated in {@code double} in
 * increasing index order of the reduced dimension ({@code in} for forward, {@code out} for the input gradient,
 * {@code batch} for the weight and bias gradients), rounded to float once; forward adds the bias in double before
 * rounding and applies the epilogue to the float. Every method overwrites its output and allocates nothing.
 */
final class ScalarLinear implements Linear {

    @Override
    public void forward(int batch, int in, int out, float[] x, int xOff, float[] w, int wOff, float[] bias,
            float[] y, int yOff, Epilogue epilogue) {
        for (int r = 0; r < batch; r++) {
            for (int o = 0; o < out; o++) {
                double acc = 0.0;
                for (int i = 0; i < in; i++) {
                    acc += (double) x[xOff + r * in + i] * w[wOff + o * in + i];
                }
                if (bias != null) {
                    acc += bias[o];
                }
                y[yOff + r * out + o] = epilogue.apply((float) acc);
            }
        }
    }

    @Override
    public void backwardInput(int batch, int in, int out, float[] dy, int dyOff, float[] w, int wOff, float[] dx,
            int dxOff) {
        for (int r = 0; r < batch; r++) {
            for (int i = 0; i < in; i++) {
                double acc = 0.0;
                for (int o = 0; o < out; o++) {
                    acc += (double) dy[dyOff + r * out + o] * w[wOff + o * in + i];
                }
                dx[dxOff + r * in + i] = (float) acc;
            }
        }
    }

    @Override
    public void backwardWeight(int batch, int in, int out, float[] x, int xOff, float[] dy, int dyOff, float[] dw,
            int dwOff) {
        for (int o = 0; o < out; o++) {
            for (int i = 0; i < in; i++) {
                double acc = 0.0;
                for (int r = 0; r < batch; r++) {
                    acc += (double) dy[dyOff + r * out + o] * x[xOff + r * in + i];
                }
                dw[dwOff + o * in + i] = (float) acc;
            }
        }
    }

    @Override
    public void backwardBias(int batch, int out, float[] dy, int dyOff, float[] db) {
        for (int o = 0; o < out; o++) {
            double acc = 0.0;
            for (int r = 0; r < batch; r++) {
                acc += dy[dyOff + r * out + o];
            }
            db[o] = (float) acc;
        }
    }
}
