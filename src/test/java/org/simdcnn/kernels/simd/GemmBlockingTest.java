package org.simdcnn.kernels.simd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.simdcnn.SimdCnn;

/**
 * The large GEMMs' blocking (K blocks of about {@link SimdGemm#LARGE_KC}, column panels outer) computes the same bits
 * as the general one (K blocks of up to {@link SimdGemm#KC_MAX}, row panels outer): every element's sums run in the
 * same order, a kernel continuing its tile's sums across K blocks.
 */
class GemmBlockingTest {

    @Test
    void largeBlockingGivesTheSameBits() {
        // SimdGemm loads the Vector API: only where the SIMD backend serves
        Assumptions.assumeTrue(SimdCnn.backend().name().equals("simd"), "SIMD kernels only");
        int[][] shapes = {{397, 389, 1031}, {384, 384, 600}, {500, 420, 2000}};
        int saved = SimdGemm.LARGE_KC;
        try {
            for (int[] s : shapes) {
                int m = s[0];
                int n = s[1];
                int k = s[2];
                SplittableRandom r = new SplittableRandom(m + n + k);
                float[] a = new float[m * k];
                float[] b = new float[k * n];
                float[] bias = new float[m];
                for (int i = 0; i < a.length; i++) {
                    a[i] = (float) r.nextGaussian();
                }
                for (int i = 0; i < b.length; i++) {
                    b[i] = (float) r.nextGaussian();
                }
                for (int i = 0; i < m; i++) {
                    bias[i] = (float) r.nextGaussian();
                }
                float[][] out = new float[2][];
                int[] kcu = new int[2];
                for (int v = 0; v < 2; v++) {
                    SimdGemm.LARGE_KC = v == 0 ? 0 : saved;
                    out[v] = new float[m * n];
                    SimdGemm.INSTANCE.sgemm(false, false, m, n, k, 1f, a, 0, k, b, 0, n, 0f, out[v], 0, n, bias, 0,
                            org.simdcnn.kernels.BiasMode.PER_ROW, org.simdcnn.kernels.Epilogue.NONE);
                    SimdGemm.Job job = new SimdGemm.Job();
                    job.setGemm(false, false, m, n, k, 1f, a, 0, k, b, 0, n, 0f, out[v], 0, n, null, 0, 0, 0, 0f,
                            0f, null, null);
                    kcu[v] = job.kcu;
                }
                // the two runs did block K differently
                assertEquals(SimdGemm.kcu(k), kcu[0], "general K block");
                assertEquals((k + (k + saved - 1) / saved - 1) / ((k + saved - 1) / saved), kcu[1], "large K block");
                assertArrayEquals(out[0], out[1], "m=" + m + " n=" + n + " k=" + k);
            }
        } finally {
            SimdGemm.LARGE_KC = saved;
        }
    }
}
