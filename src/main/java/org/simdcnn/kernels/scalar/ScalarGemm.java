package org.simdcnn.kernels.scalar;

import org.simdcnn.kernels.BiasMode;
import org.simdcnn.kernels.Epilogue;
import org.simdcnn.kernels.Gemm;

/**
 * The reference GEMM: a plain triple loop, one output element at a time.
 *
 * <p><b>Numerics.</b> For each {@code C[i][j]}: the products {@code op(A)[i][p] * op(B)[p][j]} are formed in
 * {@code double} (exact) and summed in {@code double} for {@code p = 0..k-1} in that order; then, still in double,
 * the result is {@code alpha * sum}, plus {@code beta * C[i][j]} (only when {@code beta != 0}: with
 * {@code beta == 0} the old C is never read, so NaN or garbage in C does not propagate), plus the bias; it is
 * rounded to float once and the epilogue is applied to that float.
 *
 * <p>Single-threaded, allocation-free; arguments are trusted.
 */
final class ScalarGemm implements Gemm {

    @Override
    public void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha, float[] a, int aOff,
            int lda, float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc, float[] bias,
            int biasOff, BiasMode biasMode, Epilogue epilogue) {
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double acc = 0.0;
                for (int p = 0; p < k; p++) {
                    float av = transA ? a[aOff + p * lda + i] : a[aOff + i * lda + p];
                    float bv = transB ? b[bOff + j * ldb + p] : b[bOff + p * ldb + j];
                    acc += (double) av * bv;
                }
                double v = alpha * acc;
                int ci = cOff + i * ldc + j;
                if (beta != 0f) {
                    v += (double) beta * c[ci];
                }
                if (biasMode == BiasMode.PER_ROW) {
                    v += bias[biasOff + i];
                } else if (biasMode == BiasMode.PER_COLUMN) {
                    v += bias[biasOff + j];
                }
                c[ci] = epilogue.apply((float) v);
            }
        }
    }
}
