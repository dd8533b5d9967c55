package org.simdcnn.kernels.simd;

import static org.simdcnn.kernels.simd.SimdGemm.F;
import static org.simdcnn.kernels.simd.SimdGemm.L;

import jdk.incubator.vector.FloatVector;
import org.simdcnn.kernels.BiasMode;
import org.simdcnn.kernels.Epilogue;
import org.simdcnn.kernels.Linear;

/**
 * Fully connected layer on the packed GEMM: forward {@code x w^T} with the bias per column and the epilogue fused
 * into the store; {@code dx = dy w}; {@code dw = dy^T x}; {@code db} = column sums of {@code dy} in row order.
 */
final class SimdLinear implements Linear {
    static final SimdLinear INSTANCE = new SimdLinear();

    @Override
    public void forward(int batch, int in, int out, float[] x, int xOff, float[] w, int wOff, float[] bias,
            float[] y, int yOff, Epilogue epilogue) {
        SimdGemm.INSTANCE.sgemm(false, true, batch, out, in, 1f, x, xOff, in, w, wOff, in, 0f, y, yOff, out,
                bias, 0, bias == null ? BiasMode.NONE : BiasMode.PER_COLUMN, epilogue);
    }

    @Override
    public void backwardInput(int batch, int in, int out, float[] dy, int dyOff, float[] w, int wOff, float[] dx,
            int dxOff) {
        SimdGemm.INSTANCE.sgemm(false, false, batch, in, out, 1f, dy, dyOff, out, w, wOff, in, 0f, dx, dxOff, in,
                null, 0, BiasMode.NONE, Epilogue.NONE);
    }

    @Override
    public void backwardWeight(int batch, int in, int out, float[] x, int xOff, float[] dy, int dyOff, float[] dw,
            int dwOff) {
        SimdGemm.INSTANCE.sgemm(true, false, out, in, batch, 1f, dy, dyOff, out, x, xOff, in, 0f, dw, dwOff, in,
                null, 0, BiasMode.NONE, Epilogue.NONE);
    }

    @Override
    public void backwardBias(int batch, int out, float[] dy, int dyOff, float[] db) {
        int j = 0;
        int end = out - out % L;
        for (; j < end; j += L) {
            FloatVector acc = FloatVector.zero(F);
            for (int b = 0; b < batch; b++) {
                acc = acc.add(FloatVector.fromArray(F, dy, dyOff + b * out + j));
            }
            acc.intoArray(db, j);
        }
        for (; j < out; j++) {
            float s = 0f;
            for (int b = 0; b < batch; b++) {
                s += dy[dyOff + b * out + j];
            }
            db[j] = s;
        }
    }
}
