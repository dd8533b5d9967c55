package org.simdcnn.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;
import org.simdcnn.kernels.scalar.ScalarBackend;

/**
 * The reference GEMM against a naive oracle that first materialises {@code op(A)} and {@code op(B)} as double
 * matrices: every transpose combination, alpha, beta (0 with a NaN-filled C, 1, other), bias per row / per
 * column, epilogues, leading dimensions larger than the rows and non-zero offsets. Integer data must match
 * exactly; Gaussian data within a bound derived from the magnitudes involved.
 */
class GemmProperties {
    private static final Gemm GEMM = ScalarBackend.INSTANCE.gemm();

    @Provide
    Arbitrary<Integer> size() {
        return Arbitraries.of(1, 2, 3, 5, 7, 8, 11, 13);
    }

    @Provide
    Arbitrary<Integer> depth() {
        return Arbitraries.of(0, 1, 2, 3, 5, 7, 16, 17);
    }

    @Provide
    Arbitrary<Float> alphas() {
        return Arbitraries.of(1f, -0.5f, 2f, 0f);
    }

    @Provide
    Arbitrary<Float> betas() {
        return Arbitraries.of(0f, 1f, 0.5f, -2f);
    }

    @Provide
    Arbitrary<Epilogue> epilogues() {
        return Arbitraries.of(Epilogue.NONE, Epilogue.RELU, Epilogue.leakyRelu(0.25f), Epilogue.clamp(-3f, 5f));
    }

    @Property(tries = 300)
    void sgemmMatchesNaiveDoubleTripleLoop(@ForAll("size") int m, @ForAll("size") int n, @ForAll("depth") int k,
            @ForAll boolean transA, @ForAll boolean transB, @ForAll("alphas") float alpha,
            @ForAll("betas") float beta, @ForAll BiasMode biasMode, @ForAll("epilogues") Epilogue epi,
            @ForAll @IntRange(min = 0, max = 3) int ldPad, @ForAll @IntRange(min = 0, max = 5) int off,
            @ForAll boolean integers, @ForAll long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int aRows = transA ? k : m;
        int aCols = transA ? m : k;
        int bRows = transB ? n : k;
        int bCols = transB ? k : n;
        int lda = aCols + ldPad;
        int ldb = bCols + (ldPad + 1) % 3;
        int ldc = n + ldPad;
        float[] a = fill(r, integers, off + aRows * lda);
        float[] b = fill(r, integers, 2 * off + bRows * ldb);
        float[] bias = biasMode == BiasMode.NONE ? null : fill(r, integers, off + Math.max(m, n));
        float[] c0 = fill(r, integers, off + m * ldc + 1);
        if (beta == 0f) { // BLAS rule: C is not read, so NaN in it must not reach the result
            for (int i = 0; i < m; i++) {
                Arrays.fill(c0, off + i * ldc, off + i * ldc + n, Float.NaN);
            }
        }
        float[] c = c0.clone();
        GEMM.sgemm(transA, transB, m, n, k, alpha, a, off, lda, b, 2 * off, ldb, beta, c, off, ldc,
                bias, off, biasMode, epi);

        double[][] opA = new double[m][k];
        double[][] opB = new double[k][n];
        for (int i = 0; i < m; i++) {
            for (int p = 0; p < k; p++) {
                opA[i][p] = transA ? a[off + p * lda + i] : a[off + i * lda + p];
            }
        }
        for (int p = 0; p < k; p++) {
            for (int j = 0; j < n; j++) {
                opB[p][j] = transB ? b[2 * off + j * ldb + p] : b[2 * off + p * ldb + j];
            }
        }
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double sum = 0;
                double mag = 0;
                for (int p = 0; p < k; p++) {
                    sum += opA[i][p] * opB[p][j];
                    mag += Math.abs(opA[i][p] * opB[p][j]);
                }
                double v = alpha * sum;
                if (beta != 0f) {
                    v += (double) beta * c0[off + i * ldc + j];
                    mag += Math.abs((double) beta * c0[off + i * ldc + j]);
                }
                if (biasMode == BiasMode.PER_ROW) {
                    v += bias[off + i];
                } else if (biasMode == BiasMode.PER_COLUMN) {
                    v += bias[off + j];
                }
                float expected = epi.apply((float) v);
                float got = c[off + i * ldc + j];
                String where = "C[" + i + "][" + j + "] m=" + m + " n=" + n + " k=" + k + " transA=" + transA
                        + " transB=" + transB + " alpha=" + alpha + " beta=" + beta + " bias=" + biasMode + " " + epi;
                assertTrue(!Float.isNaN(got), "NaN in " + where);
                if (integers) {
                    assertEquals(expected, got, 0f, where);
                } else {
                    assertEquals(expected, got, 1e-6 * (Math.abs(alpha) * mag + 1e-3) + Math.ulp(expected), where);
                }
            }
        }
        // nothing outside the m x n block is written: the leading-dimension padding, before the offset, after
        for (int q = 0; q < c.length; q++) {
            int rel = q - off;
            boolean inBlock = rel >= 0 && rel / ldc < m && rel % ldc < n;
            if (!inBlock) {
                assertEquals(Float.floatToRawIntBits(c0[q]), Float.floatToRawIntBits(c[q]), "wrote outside C at " + q);
            }
        }
    }

    private static float[] fill(SplittableRandom r, boolean integers, int len) {
        float[] v = new float[len];
        for (int i = 0; i < len; i++) {
            v[i] = integers ? r.nextInt(-4, 5) : (float) (r.nextDouble() * 4 - 2);
        }
        return v;
    }

    @Test
    void betaNonZeroDoesReadC() {
        float[] a = {1, 2};
        float[] b = {3, 4};
        float[] c = {Float.NaN};
        GEMM.sgemm(false, false, 1, 1, 2, 1f, a, 0, 2, b, 0, 1, 1f, c, 0, 1);
        assertTrue(Float.isNaN(c[0]), "with beta != 0, NaN in C propagates (BLAS semantics)");
        c[0] = 10f;
        GEMM.sgemm(false, false, 1, 1, 2, 1f, a, 0, 2, b, 0, 1, 0.5f, c, 0, 1);
        assertEquals(16f, c[0]);
    }

    @Test
    void emptyDepthGivesBetaCPlusBias() {
        float[] c = {Float.NaN, Float.NaN, 1f, 1f};
        GEMM.sgemm(false, false, 2, 2, 0, 1f, new float[0], 0, 1, new float[0], 0, 2, 0f, c, 0, 2,
                new float[] {-1f, 2f}, 0, BiasMode.PER_COLUMN, Epilogue.RELU);
        assertEquals(0f, c[0]);
        assertEquals(2f, c[1]);
        assertEquals(0f, c[2]);
        assertEquals(2f, c[3]);
    }
}
