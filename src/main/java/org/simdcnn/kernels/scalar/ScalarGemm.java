package org.simdcnn.kernels.scalar;

import org.simdcnn.kernels.*;

/** PLACEHOLDER - replaced by the reference implementation. */
final class ScalarGemm implements Gemm {
    @Override
    public void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha, float[] a, int aOff, int lda, float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc, float[] bias, int biasOff, BiasMode biasMode, Epilogue epilogue) {
        throw new UnsupportedOperationException("ScalarGemm.sgemm not implemented yet");
    }
}
