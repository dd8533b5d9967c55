package org.simdcnn.kernels;

import static org.junit.jupiter.api.Assertions.assertNull;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;
import org.simdcnn.SimdCnn;
import org.simdcnn.kernels.scalar.ScalarBackend;

/**
 * The active backend's GEMM (the packed SIMD one in the vector run) against the literal triple loop and the
 * scalar reference, over sizes around the register tile (MR 12 or 6, NR 32 or 16) and the K blocks (320 and 384
 * in earlier builds, 576 now): every
 * tail of M, N and K, all transposes, alpha, beta (C not read when 0), bias and epilogues. Inputs are small
 * integers, so every result is exact and compared for equality.
 */
class GemmParityTest {
    static final int[] MN = {1, 2, 3, 5, 6, 7, 11, 12, 13, 15, 16, 17, 23, 24, 25, 31, 32, 33, 47, 48, 49, 64, 65, 97};
    static final int[] KS = {1, 2, 3, 7, 16, 31, 64, 127, 319, 320, 321, 383, 385, 575, 576, 577, 641, 1153};

    @Provide
    Arbitrary<Integer> mn() {
        return Arbitraries.of(box(MN));
    }

    @Provide
    Arbitrary<Integer> ks() {
        return Arbitraries.of(box(KS));
    }

    @Provide
    Arbitrary<Float> alphas() {
        return Arbitraries.of(1f, 2f, -1f, 0.5f, 0f);
    }

    @Provide
    Arbitrary<Float> betas() {
        return Arbitraries.of(0f, 1f, -2f, 0.25f);
    }

    @Provide
    Arbitrary<Epilogue> epilogues() {
        return Arbitraries.of(Epilogue.NONE, Epilogue.RELU, Epilogue.leakyRelu(0.25f), Epilogue.clamp(-7f, 9f));
    }

    static Integer[] box(int[] v) {
        Integer[] r = new Integer[v.length];
        for (int i = 0; i < v.length; i++) {
            r[i] = v[i];
        }
        return r;
    }

    @Property(tries = 250)
    void packedGemmMatchesTripleLoop(@ForAll("mn") int m, @ForAll("mn") int n, @ForAll("ks") int k,
            @ForAll boolean ta, @ForAll boolean tb, @ForAll("alphas") float alpha, @ForAll("betas") float beta,
            @ForAll BiasMode bm, @ForAll("epilogues") Epilogue e, @ForAll @IntRange(min = 0, max = 3) int ldPad,
            @ForAll @IntRange(min = 0, max = 1000) int seed) {
        check(m, n, k, ta, tb, alpha, beta, bm, e, ldPad, seed);
    }

    @Test
    void largeShapesSplitOverManyTasks() {
        check(300, 517, 700, false, false, 1f, 0f, BiasMode.PER_ROW, Epilogue.RELU, 0, 1);
        check(211, 130, 650, true, false, 1f, 1f, BiasMode.PER_COLUMN, Epilogue.NONE, 1, 2);
        check(97, 401, 333, false, true, 2f, 0f, BiasMode.NONE, Epilogue.leakyRelu(0.5f), 2, 3);
        check(160, 250, 97, true, true, -1f, -2f, BiasMode.PER_ROW, Epilogue.clamp(-100f, 100f), 3, 4);
        // three K blocks of the 576 bound, the last one shorter
        check(37, 70, 1729, false, false, 1f, 0.5f, BiasMode.PER_COLUMN, Epilogue.leakyRelu(0.25f), 1, 7);
        // a large GEMM (K above 576, 34 row and 13 column panels): K blocks of about 256, column panels outer
        check(397, 389, 1031, false, false, 1f, 1f, BiasMode.PER_ROW, Epilogue.clamp(-3000f, 3000f), 1, 8);
        check(401, 390, 777, true, true, 1f, 0f, BiasMode.PER_COLUMN, Epilogue.NONE, 0, 9);
    }

    @Test
    void zeroKOnlyScalesAndAddsBias() {
        check(5, 7, 0, false, false, 1f, 2f, BiasMode.PER_ROW, Epilogue.RELU, 0, 5);
        check(13, 33, 0, true, true, 1f, 0f, BiasMode.PER_COLUMN, Epilogue.NONE, 0, 6);
    }

    static void check(int m, int n, int k, boolean ta, boolean tb, float alpha, float beta, BiasMode bm, Epilogue e,
            int ldPad, int seed) {
        int aOff = 3;
        int bOff = 5;
        int cOff = 7;
        int lda = (ta ? m : k) + ldPad;
        int ldb = (tb ? k : n) + ldPad;
        int ldc = n + ldPad;
        int aRows = ta ? k : m;
        int bRows = tb ? n : k;
        float[] a = RefKernels.ints(seed, aOff + Math.max(1, aRows * lda), 4);
        float[] b = RefKernels.ints(seed + 1L, bOff + Math.max(1, bRows * ldb), 4);
        float[] c0 = RefKernels.ints(seed + 2L, cOff + m * ldc + 4, 9);
        if (beta == 0f) {
            java.util.Arrays.fill(c0, Float.NaN); // beta == 0 must not read C
        }
        float[] bias = bm == BiasMode.NONE ? null : RefKernels.ints(seed + 3L, Math.max(m, n) + 2, 20);
        int biasOff = bias == null ? 0 : 2;

        float[] expected = new float[m * ldc];
        float[] ca = java.util.Arrays.copyOfRange(c0, cOff, cOff + m * ldc);
        float[] aa = java.util.Arrays.copyOfRange(a, aOff, a.length);
        float[] bb = java.util.Arrays.copyOfRange(b, bOff, b.length);
        float[] biasShifted = bias == null ? null : java.util.Arrays.copyOfRange(bias, biasOff, bias.length);
        System.arraycopy(ca, 0, expected, 0, expected.length);
        RefKernels.gemm(ta, tb, m, n, k, alpha, aa, lda, bb, ldb, beta, expected, ldc, biasShifted, bm, e);

        String what = "sgemm m=" + m + " n=" + n + " k=" + k + " transA=" + ta + " transB=" + tb + " alpha=" + alpha
                + " beta=" + beta + " bias=" + bm + " " + e + " ldPad=" + ldPad + ": ";
        for (Backend be : new Backend[] {SimdCnn.backend(), ScalarBackend.INSTANCE}) {
            float[] c = c0.clone();
            try {
                be.gemm().sgemm(ta, tb, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc, bias,
                        biasOff, bm, e);
            } catch (UnsupportedOperationException notYet) {
                continue; // the scalar reference is still a placeholder on this branch
            }
            float[] got = new float[m * ldc];
            System.arraycopy(c, cOff, got, 0, got.length);
            for (int i = 0; i < m; i++) {
                for (int j = n; j < ldc; j++) {
                    got[i * ldc + j] = expected[i * ldc + j] = 0f; // padding columns are not part of C
                }
            }
            assertNull(RefKernels.firstDiff(expected, got, got.length), what + be.name());
            // Nothing outside C is written.
            for (int i = 0; i < cOff; i++) {
                assertNull(RefKernels.firstDiff(new float[] {c0[i]}, new float[] {c[i]}, 1), what + "before C");
            }
            for (int i = 0; i < m; i++) {
                for (int j = n; j < ldc; j++) {
                    int idx = cOff + i * ldc + j;
                    assertNull(RefKernels.firstDiff(new float[] {c0[idx]}, new float[] {c[idx]}, 1),
                            what + "padding column written at row " + i + " col " + j);
                }
            }
        }
    }
}
