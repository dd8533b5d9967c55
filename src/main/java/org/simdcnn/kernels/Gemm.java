package org.simdcnn.kernels;

/**
 * Single-precision matrix multiply on row-major arrays with leading dimensions:
 * {@code C = epilogue(alpha * op(A) * op(B) + beta * C + bias)}, where {@code op(A)} is {@code M x K}
 * ({@code A} stored {@code K x M} when {@code transA}), {@code op(B)} is {@code K x N} ({@code B} stored
 * {@code N x K} when {@code transB}) and {@code C} is {@code M x N}.
 *
 * <p>With {@code beta == 0} the old contents of C are not read (NaN in C does not propagate), as in BLAS.
 * Implementations may use the library's thread pool; results must be bitwise identical for any thread count.
 * Arguments are trusted (callers validated shapes); implementations do not allocate in steady state.
 */
public interface Gemm {
    void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
            float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
            float beta, float[] c, int cOff, int ldc,
            float[] bias, int biasOff, BiasMode biasMode, Epilogue epilogue);

    /** Plain {@code C = alpha * op(A) * op(B) + beta * C}. */
    default void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
            float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
            float beta, float[] c, int cOff, int ldc) {
        sgemm(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc,
                null, 0, BiasMode.NONE, Epilogue.NONE);
    }
}
