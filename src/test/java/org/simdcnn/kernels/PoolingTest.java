package org.simdcnn.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;
import org.simdcnn.SimdCnn;
import org.simdcnn.geometry.PoolGeometry;
import org.simdcnn.kernels.scalar.ScalarBackend;

/**
 * Max, average and adaptive average pooling (1d/2d/3d): PyTorch values (with padding, dilation, ceil mode,
 * count_include_pad, NaN and -inf windows), output shapes against a brute-force count of windows, gradients
 * against central finite differences, and parity of the active backend with the reference.
 *
 * <p>Spot inputs are {@code inp(shape)}: element {@code i} is {@code ((i*7) % 13 - 6) * 0.25} (with ties), and the
 * upstream gradient of output {@code o} is {@code w(o) = ((o*5) % 7 - 3) * 0.5}; expected values come from
 * PyTorch 1.13 by the expression named in each test, backward by {@code (y.flatten()*w).sum().backward()}.
 */
class PoolingTest {
    private static final Pooling REF = ScalarBackend.INSTANCE.pooling();
    private static final double AVG_PARITY_RTOL = 1e-6;
    private static final double AVG_PARITY_ATOL = 1e-7;

    private static List<Pooling> backends() {
        return List.of(REF, SimdCnn.backend().pooling());
    }

    static float[] inp(int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = ((i * 7) % 13 - 6) * 0.25f;
        }
        return x;
    }

    static float[] w(int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = ((i * 5) % 7 - 3) * 0.5f;
        }
        return x;
    }

    private static final float[] MAX2D_Y = {
                1.0f, 1.25f, 1.5f, 1.5f, 1.0f, 1.25f, 1.5f, 1.5f, 1.5f, 1.0f, 1.25f, 0.5f, 1.5f, 1.5f, 1.25f, 1.25f,
                1.5f, 1.5f, 1.0f, 0.25f, 1.25f, 1.5f, 1.0f, 1.0f
    };

    private static final int[] MAX2D_I = {
                7, 9, 11, 11, 7, 9, 11, 11, 24, 20, 22, 29, 7, 7, 5, 5, 7, 7, 16, 23, 18, 20, 29, 29
    };

    private static final float[] MAX2D_DX = {
                0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 1.5f, 0f, -3.0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, -1.0f, 0f,
                1.0f, 0f, 0f, 0f, 0f, 1.5f, 0f, 0f, 0f, 0f, 0f, -0.5f, 0f, -1.0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 1.5f,
                0f, -0.5f, 0f, -1.5f, 0f, 0f, 0.5f, 0f, 0f, 0f, 0f, 0f, 1.0f
    };

    private static final float[] MAXD_Y = {
                0.75f, 1.0f, 1.25f, 1.5f, 1.5f, 0.5f, 0.75f, 1.0f, 1.25f, 1.5f, 1.5f, 1.5f, 0.5f, 0.75f, 0.75f, 1.0f,
                1.25f, 1.5f, 0f, 0.25f, 0.5f, 0.25f, 0.5f, 0.75f, 1.25f, 1.5f, 1.25f, 1.5f, 0.5f, 0.75f, 1.0f, 1.25f,
                1.25f, 1.5f, 1.5f, 1.5f, 0.5f, 0.75f, 1.0f, 1.25f, 1.5f, 1.5f
    };

    private static final int[] MAXD_I = {
                5, 7, 9, 11, 11, 3, 5, 7, 9, 11, 11, 24, 16, 18, 18, 20, 22, 24, 25, 27, 29, 5, 7, 9, 0, 2, 13, 15, 7,
                9, 11, 13, 13, 15, 28, 28, 20, 22, 24, 26, 28, 28
    };

    private static final float[] MAXD_DX = {
                0f, 0f, 0f, 0.5f, 0f, -2.0f, 0f, -0.5f, 0f, 1.0f, 0f, -0.5f, 0f, 0f, 0f, 0f, 0.5f, 0f, -2.0f, 0f, 1.0f,
                0f, 0f, 0f, 0.5f, 1.5f, 0f, 0.5f, 0f, -0.5f, 0f, 0f, 0f, 0f, 0f, -1.0f, 0f, 1.5f, 0f, 0f, -1.5f, 0f,
                -0.5f, 0f, 1.0f, 0f, 0f, 0f, 1.0f, 0f, 0f, 0f, 0f, 0f, 0f, 1.0f, 0f, 0f, 0f, -1.0f, 0f, 1.5f, 0f, -2.0f,
                0f, 0f, 0f, 0f, 0f, 0f
    };

    private static final float[] MAX3_Y = {
                0.75f, 1.0f, 0.75f, 1.0f, -1.25f, 0.75f, 1.0f, 1.25f, 1.5f, 1.5f, 1.25f, 1.5f
    };

    private static final int[] MAX3_I = {
                5, 7, 5, 7, 15, 18, 20, 22, 50, 37, 35, 37
    };

    private static final float[] MAX3_DX = {
                0f, 0f, 0f, 0f, 0f, -1.5f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 1.5f, 0f, 0f, 0.5f, 0f, -0.5f, 0f, -1.5f,
                0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, -1.0f, 0f, 1.5f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f,
                0f, 0f, 1.0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f
    };

    private static final float[] AVG2D_INCL_Y = {
                -0.1388889f, -0.083333336f, 0.027777778f, 0.055555556f, 0f, -0.055555556f, -0.027777778f, 0.083333336f,
                0.1388889f, -0.19444445f, -0.16666667f, -0.027777778f, -0.027777778f, 0.055555556f, -0.1388889f,
                -0.083333336f, 0f, 0.083333336f
    };

    private static final float[] AVG2D_INCL_DX = {
                -0.16666667f, -0.05555556f, 0.11111111f, 0.11111111f, 0f, -0.2777778f, 0f, 0.2777778f, 0.33333334f,
                0.055555556f, -0.11111111f, 0.05555556f, 0.16666667f, 0.22222222f, 0.055555556f, -0.16666667f,
                -0.16666667f, 0f, 0.16666666f, 0.16666667f, -0.055555556f, -0.22222222f, -0.16666667f, -0.05555556f,
                0.11111111f, 0f, -0.11111111f, -0.11111111f, 0.05555556f, 0.16666667f, 0.055555556f, -0.11111111f,
                -0.16666667f, -0.16666667f, 0f, 0.055555556f, 0f, -0.055555556f, -0.22222222f, -0.16666667f,
                0.16666667f, 0.11111111f, -0.055555556f, -0.33333334f, -0.2777778f, 0.11111111f, 0.11111111f, 0f,
                -0.11111111f, -0.11111111f
    };

    private static final float[] AVG3_INCL_Y = {
                -0.0625f, -0.020833334f, -0.0625f, -0.104166664f, -0.15625f, -0.03125f, 0.041666668f, 0.020833334f,
                0.125f, 0.020833334f, 0.21875f, 0.1875f
    };

    private static final float[] AVG3_INCL_DX = {
                -0.125f, 0f, 0.083333336f, 0.083333336f, 0f, -0.125f, 0f, 0f, 0f, 0f, 0f, 0f, -0.083333336f,
                -0.083333336f, 0f, 0.1875f, 0f, -0.020833336f, -0.020833336f, 0f, -0.041666668f, 0f, -0.125f, -0.125f,
                0f, 0.041666668f, 0f, -0.125f, -0.125f, 0f, 0.083333336f, 0f, 0f, 0f, 0f, -0.041666664f, 0f, 0.1875f,
                0.1875f, 0f, -0.041666668f, 0f, -0.125f, -0.125f, 0f, 0.041666668f, 0f, -0.125f, -0.125f, 0f,
                0.083333336f, 0f, 0f, 0f, 0f, -0.041666664f, 0f, 0.1875f, 0.1875f, 0f
    };

    private static final float[] AVG2D_EXCL_Y = {
                -0.3125f, -0.125f, 0.0625f, 0.083333336f, 0f, -0.083333336f, -0.0625f, 0.125f, 0.3125f, -0.4375f,
                -0.25f, -0.0625f, -0.041666668f, 0.055555556f, -0.20833333f, -0.1875f, 0f, 0.1875f
    };

    private static final float[] AVG2D_EXCL_DX = {
                -0.375f, -0.20833333f, 0.16666667f, 0.16666667f, 0f, -0.5416667f, -0.20833333f, 0.33333334f, 0.4166667f,
                0.083333336f, -0.16666667f, 0f, 0.16666667f, 0.25f, 0.083333336f, -0.2916667f, -0.375f, -0.08333333f,
                0.25f, 0.33333334f, -0.125f, -0.375f, -0.25f, 0f, 0.25f, 0f, -0.16666667f, -0.16666667f, 0.20833333f,
                0.375f, 0.083333336f, -0.1388889f, -0.22222222f, -0.097222224f, 0.125f, 0.083333336f, 0.02777778f,
                -0.055555556f, -0.30555555f, -0.25f, 0.33333334f, 0.2777778f, -0.055555556f, -0.5555556f, -0.5f, 0.25f,
                0.25f, 0f, -0.25f, -0.25f
    };

    private static final float[] AVG3_EXCL_Y = {
                -0.375f, -0.0625f, -0.25f, -0.20833333f, -1.25f, -0.125f, 0.125f, 0.03125f, 0.25f, 0.020833334f, 0.875f,
                0.375f
    };

    private static final float[] AVG3_EXCL_DX = {
                -0.75f, 0f, 0.25f, 0.25f, 0f, -0.75f, 0f, 0.08333333f, 0.08333333f, 0f, 0f, 0f, -0.16666667f,
                -0.16666667f, 0f, 1.5f, 0f, 0.08333333f, 0.08333333f, 0f, -0.125f, 0f, -0.1875f, -0.1875f, 0f,
                0.04166667f, 0f, -0.1875f, -0.1875f, 0f, 0.16666667f, 0f, 0f, 0f, 0f, -0.3333333f, 0f, 0.375f, 0.375f,
                0f, -0.125f, 0f, -0.1875f, -0.1875f, 0f, 0.04166667f, 0f, -0.1875f, -0.1875f, 0f, 0.16666667f, 0f, 0f,
                0f, 0f, -0.3333333f, 0f, 0.375f, 0.375f, 0f
    };

    private static final float[] AVG1_Y = {
                -0.625f, -0.375f, -0.33333334f, 0.25f, 0.5f, 0f, -0.5f, -0.25f, 0.33333334f, 0.375f, 0.625f,
                -0.41666666f, -0.375f, -0.125f, -0.083333336f, 0.5f, -0.0625f, -0.8333333f
    };

    private static final float[] AVG1_DX = {
                -0.75f, -0.5f, 0.25f, 0.25f, 0.25f, 0f, 0f, -0.5f, -0.125f, 0.375f, 0.375f, 0.5416667f, 0.16666667f,
                0.16666667f, -0.25f, -0.625f, -0.375f, -0.375f, -0.041666657f, 0.33333334f, 0.33333334f, 0f, -0.25f,
                -0.25f, -0.25f, 0.25f, 0.5f, 0.5f, 0.25f, 0.125f, -0.125f, -0.125f, -0.625f, -0.5f, -0.5f, 0.5f, 0.5f,
                0f, 0f, -0.33333334f, -0.33333334f, -0.33333334f
    };

    private static final float[] AD1_Y = {
                -0.5f, -0.125f, 0.25f, -0.0625f, -0.5f, -0.125f
    };

    private static final float[] AD1_DX = {
                -0.375f, -0.375f, -0.375f, -0.125f, 0.25f, 0.25f, 0.25f, 0f, 0f, 0f, -0.25f, -0.25f, -0.25f, 0.125f,
                0.375f, 0.375f, 0.5f, 0.125f, 0.125f, 0.125f
    };

    private static final float[] AD2_Y = {
                -0.1875f, 0f, 0.25f, -0.375f, 0.041666668f, 0.13888888f, 0.027777778f, -0.41666666f, 0f, 0.45833334f,
                0.16666667f, -0.1875f
    };

    private static final float[] AD2_DX = {
                -0.375f, -0.20833333f, 0.16666667f, 0.16666667f, 0f, -0.25f, -0.25f, -0.125f, 0.097222224f, 0.22222222f,
                0.16666667f, -0.055555556f, -0.5555556f, -0.5f, 0.25f, 0.30555555f, 0.055555556f, 0f, -0.055555556f,
                -0.30555555f, -0.25f, 0.5f, 0.5555556f, 0.055555556f, -0.16666667f, -0.22222222f, -0.09722221f, 0.125f,
                0.25f, 0.25f, 0f, -0.16666667f, -0.16666667f, 0.20833333f, 0.375f
    };

    private static final float[] AD3_Y = {
                0.0625f, -0.21875f, -0.09375f, 0f, -0.14583333f, -0.020833334f, -0.0625f, 0.0625f, -0.21875f, 0.125f,
                -0.15625f, -0.03125f, 0.0625f, -0.083333336f, 0.041666668f, 0f, 0.125f, -0.15625f
    };

    private static final float[] AD3_DX = {
                -0.1875f, -0.0625f, 0.125f, 0f, -0.27083334f, -0.020833343f, 0.29166666f, 0.041666668f, -0.083333336f,
                0.041666664f, 0.16666667f, 0.041666668f, -0.14583334f, -0.20833334f, 0.10416667f, 0.16666667f, -0.0625f,
                -0.25f, -0.0625f, 0.125f, -0.1875f, -0.1875f, 0.1875f, 0.1875f, -0.22916667f, -0.14583334f, 0.1875f,
                0.10416667f, -0.041666668f, 0.04166666f, 0f, -0.08333333f, 0.020833328f, -0.08333334f, -0.1875f,
                -0.08333333f, 0.0625f, -0.125f, -0.1875f, 0f, 0f, -0.125f, 0.0625f, 0.1875f, 0.041666668f, -0.125f,
                -0.10416667f, 0.0625f, 0.041666668f, 0f, -0.16666667f, -0.125f, 0.16666667f, 0.125f, -0.2916667f,
                -0.25f, 0.125f, 0.125f, -0.125f, -0.125f
    };

    private static void checkMax(PoolGeometry g, float[] y, int[] idx, float[] dx) {
        for (Pooling p : backends()) {
            float[] x = inp(g.inputSize());
            float[] out = new float[g.outputSize()];
            int[] am = new int[g.outputSize()];
            p.maxForward(g, x, 0, out, 0, am, 0);
            assertArrayEquals(y, out, p + " " + g + " values");
            assertArrayEquals(idx, am, p + " " + g + " indices");
            float[] grad = new float[g.inputSize()];
            Arrays.fill(grad, 42f); // overwritten, not accumulated
            p.maxBackward(g, w(g.outputSize()), 0, am, 0, grad, 0);
            assertArrayEquals(dx, grad, p + " " + g + " backward");
        }
    }

    private static void checkAvg(PoolGeometry g, boolean countIncludePad, float[] y, float[] dx) {
        for (Pooling p : backends()) {
            float[] out = new float[g.outputSize()];
            p.avgForward(g, countIncludePad, inp(g.inputSize()), 0, out, 0);
            ElemTestSupport.assertClose(p + " " + g + " cip=" + countIncludePad, out, y, 1e-6, 1e-7);
            float[] grad = new float[g.inputSize()];
            Arrays.fill(grad, 42f);
            p.avgBackward(g, countIncludePad, w(g.outputSize()), 0, grad, 0);
            ElemTestSupport.assertClose(p + " " + g + " cip=" + countIncludePad + " backward", grad, dx, 1e-6, 1e-7);
        }
    }

    private static void checkAdaptive(int batch, int channels, int[] in, int[] out, float[] y, float[] dx) {
        int inN = batch * channels * Arrays.stream(in).reduce(1, (a, b) -> a * b);
        int outN = batch * channels * Arrays.stream(out).reduce(1, (a, b) -> a * b);
        for (Pooling p : backends()) {
            float[] o = new float[outN];
            p.adaptiveAvgForward(batch, channels, in, out, inp(inN), 0, o, 0);
            String what = p + " adaptive " + Arrays.toString(in) + " -> " + Arrays.toString(out);
            ElemTestSupport.assertClose(what, o, y, 1e-6, 1e-7);
            float[] grad = new float[inN];
            Arrays.fill(grad, 42f);
            p.adaptiveAvgBackward(batch, channels, in, out, w(outN), 0, grad, 0);
            ElemTestSupport.assertClose(what + " backward", grad, dx, 1e-6, 1e-7);
        }
    }

    @Test
    void maxPool2dWithPaddingAndCeilModeMatchesPyTorch() {
        // F.max_pool2d(x, 3, 2, 1, 1, ceil_mode=True, return_indices=True), x = inp(1, 2, 5, 6) -> (1, 2, 3, 4)
        PoolGeometry g = PoolGeometry.of("max_pool", 2, 1, 2, new int[] {5, 6}, new int[] {3}, new int[] {2},
                new int[] {1}, new int[] {1}, true);
        assertArrayEquals(new int[] {1, 2, 3, 4}, g.outputShape());
        checkMax(g, MAX2D_Y, MAX2D_I, MAX2D_DX);
    }

    @Test
    void maxPool2dWithDilationMatchesPyTorch() {
        // F.max_pool2d(x, (2, 3), (1, 2), (1, 1), (2, 1), return_indices=True), x = inp(2, 1, 7, 5) -> (2, 1, 7, 3)
        PoolGeometry g = PoolGeometry.of("max_pool", 2, 2, 1, new int[] {7, 5}, new int[] {2, 3},
                new int[] {1, 2}, new int[] {1, 1}, new int[] {2, 1}, false);
        assertArrayEquals(new int[] {2, 1, 7, 3}, g.outputShape());
        checkMax(g, MAXD_Y, MAXD_I, MAXD_DX);
    }

    @Test
    void maxPool3dMatchesPyTorch() {
        // F.max_pool3d(x, (2, 3, 2), (2, 2, 3), (1, 1, 1), ceil_mode=True, return_indices=True),
        // x = inp(1, 1, 3, 4, 5) -> (1, 1, 2, 3, 2)
        PoolGeometry g = PoolGeometry.of("max_pool", 3, 1, 1, new int[] {3, 4, 5}, new int[] {2, 3, 2},
                new int[] {2, 2, 3}, new int[] {1, 1, 1}, null, true);
        assertArrayEquals(new int[] {1, 1, 2, 3, 2}, g.outputShape());
        checkMax(g, MAX3_Y, MAX3_I, MAX3_DX);
    }

    @Test
    void maxPoolNaNWinsAndTheLastNaNTakesTheIndex() {
        // F.max_pool1d(torch.tensor([[[1., nan, 5., nan, 2., 7.]]]), 3, 1, 1, return_indices=True)
        //   -> values [nan, nan, nan, nan, nan, 7.], indices [1, 1, 3, 3, 3, 5]
        PoolGeometry g = PoolGeometry.of("max_pool", 1, 1, 1, new int[] {6}, new int[] {3}, new int[] {1},
                new int[] {1}, null, false);
        for (Pooling p : backends()) {
            float[] y = new float[6];
            int[] am = new int[6];
            p.maxForward(g, new float[] {1, Float.NaN, 5, Float.NaN, 2, 7}, 0, y, 0, am, 0);
            for (int i = 0; i < 5; i++) {
                assertTrue(Float.isNaN(y[i]), p + ": output " + i + " is " + y[i]);
            }
            assertEquals(7f, y[5]);
            assertArrayEquals(new int[] {1, 1, 3, 3, 3, 5}, am, p.toString());
        }
    }

    @Test
    void maxPoolWindowWithoutInputGivesMinusInfinityAndIndexMinusOne() {
        // F.max_pool1d(torch.tensor([[[5.]]]), 2, 1, 1, 2, return_indices=True) -> (-inf, index 1): the window
        // {-1, 1} holds no input element; PyTorch's index lies outside the plane, ours is -1
        PoolGeometry g = PoolGeometry.of("max_pool", 1, 1, 1, new int[] {1}, new int[] {2}, new int[] {1},
                new int[] {1}, new int[] {2}, false);
        for (Pooling p : backends()) {
            float[] y = new float[1];
            int[] am = new int[1];
            p.maxForward(g, new float[] {5f}, 0, y, 0, am, 0);
            assertEquals(Float.NEGATIVE_INFINITY, y[0]);
            assertEquals(-1, am[0]);
            float[] dx = {42f};
            p.maxBackward(g, new float[] {3f}, 0, am, 0, dx, 0);
            assertEquals(0f, dx[0]);
        }
    }

    @Test
    void maxPoolWindowOfMinusInfinityReportsItsFirstRealPosition() {
        // F.max_pool1d(torch.tensor([[[-inf, -inf, -inf]]]), 3, padding=1, stride=1, return_indices=True)
        //   -> values [-inf, -inf, -inf], indices [0, 0, 1]
        PoolGeometry g = PoolGeometry.of("max_pool", 1, 1, 1, new int[] {3}, new int[] {3}, new int[] {1},
                new int[] {1}, null, false);
        float inf = Float.NEGATIVE_INFINITY;
        for (Pooling p : backends()) {
            float[] y = new float[3];
            int[] am = new int[3];
            p.maxForward(g, new float[] {inf, inf, inf}, 0, y, 0, am, 0);
            assertArrayEquals(new float[] {inf, inf, inf}, y);
            assertArrayEquals(new int[] {0, 0, 1}, am, p.toString());
        }
    }

    @Test
    void avgPool2dDivisorRuleMatchesPyTorch() {
        // F.avg_pool2d(x, 3, 2, 1, ceil_mode=True, count_include_pad=cip), x = inp(1, 2, 5, 5) -> (1, 2, 3, 3)
        PoolGeometry g = PoolGeometry.of("avg_pool", 2, 1, 2, new int[] {5, 5}, new int[] {3}, new int[] {2},
                new int[] {1}, null, true);
        checkAvg(g, true, AVG2D_INCL_Y, AVG2D_INCL_DX);
        checkAvg(g, false, AVG2D_EXCL_Y, AVG2D_EXCL_DX);
    }

    @Test
    void avgPool3dMatchesPyTorch() {
        // F.avg_pool3d(x, (2, 3, 2), (2, 2, 3), (1, 1, 1), ceil_mode=True, count_include_pad=cip),
        // x = inp(1, 1, 3, 4, 5) -> (1, 1, 2, 3, 2)
        PoolGeometry g = PoolGeometry.of("avg_pool", 3, 1, 1, new int[] {3, 4, 5}, new int[] {2, 3, 2},
                new int[] {2, 2, 3}, new int[] {1, 1, 1}, null, true);
        checkAvg(g, true, AVG3_INCL_Y, AVG3_INCL_DX);
        checkAvg(g, false, AVG3_EXCL_Y, AVG3_EXCL_DX);
    }

    @Test
    void avgPool1dMatchesPyTorch() {
        // F.avg_pool1d(x, 4, 3, 2, ceil_mode=True, count_include_pad=False), x = inp(2, 3, 7) -> (2, 3, 3)
        PoolGeometry g = PoolGeometry.of("avg_pool", 1, 2, 3, new int[] {7}, new int[] {4}, new int[] {3},
                new int[] {2}, null, true);
        assertArrayEquals(new int[] {2, 3, 3}, g.outputShape());
        checkAvg(g, false, AVG1_Y, AVG1_DX);
    }

    @Test
    void adaptiveAvgPoolMatchesPyTorch() {
        // F.adaptive_avg_pool1d(x, 3), x = inp(1, 2, 10)
        checkAdaptive(1, 2, new int[] {10}, new int[] {3}, AD1_Y, AD1_DX);
        // F.adaptive_avg_pool2d(x, (3, 4)), x = inp(1, 1, 5, 7)
        checkAdaptive(1, 1, new int[] {5, 7}, new int[] {3, 4}, AD2_Y, AD2_DX);
        // F.adaptive_avg_pool3d(x, (2, 3, 3)), x = inp(1, 1, 3, 5, 4)
        checkAdaptive(1, 1, new int[] {3, 5, 4}, new int[] {2, 3, 3}, AD3_Y, AD3_DX);
    }

    @Test
    void globalAveragePoolIsTheMean() {
        for (Pooling p : backends()) {
            float[] y = new float[2];
            p.adaptiveAvgForward(2, 1, new int[] {3, 3}, new int[] {1, 1},
                    new float[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0.9f}, 0, y, 0);
            assertArrayEquals(new float[] {5f, (float) (0.9f / 9.0)}, y);
        }
    }

    // ---- properties ------------------------------------------------------------------------------------------

    /** One spatial dimension of a random pooling case, built valid by construction (no filtering). */
    record Dim(int in, int kernel, int stride, int pad, int dilation) {
    }

    record Case(int dims, int batch, int channels, List<Dim> sp, boolean ceil, long seed) {
        PoolGeometry geometry(String kind) {
            int[] in = new int[dims];
            int[] k = new int[dims];
            int[] s = new int[dims];
            int[] p = new int[dims];
            int[] d = new int[dims];
            for (int i = 0; i < dims; i++) {
                Dim x = sp.get(i);
                in[i] = x.in();
                k[i] = x.kernel();
                s[i] = x.stride();
                p[i] = x.pad();
                d[i] = kind.equals("avg_pool") ? 1 : x.dilation();
            }
            return PoolGeometry.of(kind, dims, batch, channels, in, k, s, p, d, ceil);
        }
    }

    private static Arbitrary<Dim> dim(int maxExtra) {
        Arbitrary<Integer> kernel = Arbitraries.integers().between(1, 4);
        Arbitrary<Integer> stride = Arbitraries.integers().between(1, 3);
        Arbitrary<Integer> dilation = Arbitraries.integers().between(1, 2);
        Arbitrary<Integer> padFraction = Arbitraries.integers().between(0, 2);
        Arbitrary<Integer> extra = Arbitraries.integers().between(0, maxExtra);
        return Combinators.combine(kernel, stride, dilation, padFraction, extra).as((k, s, d, pf, e) -> {
            int pad = Math.min(pf, k / 2);
            int span = d * (k - 1) + 1;
            // in >= span - 2*pad keeps the kernel inside the padded input (for any dilation 1 or 2)
            int in = Math.max(1, span - 2 * pad + e);
            return new Dim(in, k, s, pad, d);
        });
    }

    @Provide
    Arbitrary<Case> poolCase() {
        return Arbitraries.integers().between(1, 3).flatMap(dims -> Combinators.combine(
                Arbitraries.just(dims), Arbitraries.integers().between(1, 2), Arbitraries.integers().between(1, 3),
                dim(dims == 3 ? 3 : 6).list().ofSize(dims), Arbitraries.of(false, true),
                Arbitraries.longs()).as(Case::new));
    }

    /**
     * Output length of one dimension by enumerating window starts in the padded input ({@code L = in + 2*pad}):
     * floor mode takes every window that fits; ceil mode every window that starts before the right padding and
     * whose predecessor did not already reach the end (so every element is covered) - PyTorch's documented rule.
     */
    private static int bruteForceOut(Dim x, int dilation, boolean ceil) {
        int padded = x.in() + 2 * x.pad();
        int span = dilation * (x.kernel() - 1) + 1;
        int count = 0;
        for (int o = 0; ; o++) {
            int start = o * x.stride();
            boolean take = ceil ? start < x.in() + x.pad() && (o == 0 || start - x.stride() + span < padded)
                    : start + span <= padded;
            if (!take) {
                return count;
            }
            count++;
        }
    }

    @Property(tries = 200)
    void outputShapeEqualsABruteForceCountAndKernelsWriteExactlyIt(@ForAll("poolCase") Case c) {
        for (String kind : List.of("max_pool", "avg_pool")) {
            PoolGeometry g = c.geometry(kind);
            for (int i = 0; i < c.dims(); i++) {
                Dim x = c.sp().get(i);
                int expected = bruteForceOut(x, kind.equals("avg_pool") ? 1 : x.dilation(), c.ceil());
                assertEquals(expected, g.outputShape()[2 + i], g + " dimension " + i);
            }
            float[] x = ElemTestSupport.distinctEighths(new SplittableRandom(c.seed()), g.inputSize());
            for (Pooling p : backends()) {
                float[] y = new float[g.outputSize() + 5];
                Arrays.fill(y, Float.NaN); // no input (distinct eighths) or window yields NaN
                int[] am = new int[g.outputSize() + 5];
                Arrays.fill(am, -7);
                if (kind.equals("max_pool")) {
                    p.maxForward(g, x, 0, y, 2, am, 2);
                    for (int o = 0; o < g.outputSize(); o++) {
                        int idx = am[2 + o];
                        assertTrue(idx >= -1 && idx < g.inSpatial(), g + " index " + o + " is " + idx);
                        assertEquals(idx == -1, y[2 + o] == Float.NEGATIVE_INFINITY, g + " output " + o
                                + ": index -1 exactly for the windows without input");
                    }
                    assertEquals(-7, am[0]);
                    assertEquals(-7, am[1]);
                    for (int j = g.outputSize() + 2; j < am.length; j++) {
                        assertEquals(-7, am[j], p + " " + g + " wrote an index past its output");
                    }
                } else {
                    p.avgForward(g, true, x, 0, y, 2);
                }
                assertTrue(Float.isNaN(y[0]), "wrote before its output");
                assertTrue(Float.isNaN(y[1]), "wrote before its output");
                for (int o = 0; o < g.outputSize(); o++) {
                    assertTrue(!Float.isNaN(y[2 + o]), p + " " + g + " did not write output " + o);
                }
                for (int j = g.outputSize() + 2; j < y.length; j++) {
                    assertTrue(Float.isNaN(y[j]), p + " " + g + " wrote past its output");
                }
            }
        }
    }

    @Property(tries = 150)
    void maxBackwardMatchesCentralDifferences(@ForAll("poolCase") Case c) {
        PoolGeometry g = c.geometry("max_pool");
        SplittableRandom r = new SplittableRandom(c.seed());
        float[] x = ElemTestSupport.distinctEighths(r, g.inputSize());
        double[] w = ElemTestSupport.randomWeights(r, g.outputSize());
        float[] dy = toFloat(w);
        for (Pooling p : backends()) {
            int[] am = new int[g.outputSize()];
            p.maxForward(g, x, 0, new float[g.outputSize()], 0, am, 0);
            float[] dx = new float[g.inputSize()];
            p.maxBackward(g, dy, 0, am, 0, dx, 0);
            // h is a quarter of the gap between distinct inputs: no window changes its winner, and x +- h is exact
            checkFiniteDifferences(p + " max " + g, x, dx, w, 1f / 32, (xs, y) -> p.maxForward(g, xs, 0, y, 0, null,
                    0), g.outputSize(), 1e-6);
        }
    }

    @Property(tries = 150)
    void avgBackwardMatchesCentralDifferences(@ForAll("poolCase") Case c) {
        PoolGeometry g = c.geometry("avg_pool");
        boolean countIncludePad = (c.seed() & 1) == 0;
        SplittableRandom r = new SplittableRandom(c.seed());
        float[] x = ElemTestSupport.distinctEighths(r, g.inputSize());
        double[] w = ElemTestSupport.randomWeights(r, g.outputSize());
        float[] dy = toFloat(w);
        for (Pooling p : backends()) {
            float[] dx = new float[g.inputSize()];
            p.avgBackward(g, countIncludePad, dy, 0, dx, 0);
            // average pooling is linear: a large step keeps the rounding of the float outputs negligible
            checkFiniteDifferences(p + " avg cip=" + countIncludePad + " " + g, x, dx, w, 64f,
                    (xs, y) -> p.avgForward(g, countIncludePad, xs, 0, y, 0), g.outputSize(), 1e-5);
        }
    }

    @Provide
    Arbitrary<int[]> adaptiveCase() {
        // {dims, batch, channels, in0, in1, in2, out0, out1, out2, seed}
        Arbitrary<Integer> size = Arbitraries.integers().between(1, 9);
        Arbitrary<Integer> out = Arbitraries.integers().between(1, 10);
        return Combinators.combine(Arbitraries.integers().between(1, 3), Arbitraries.integers().between(1, 2),
                size.list().ofSize(3), out.list().ofSize(3), Arbitraries.integers())
                .as((dims, ch, in, o, seed) -> new int[] {dims, 1, ch, in.get(0), in.get(1), in.get(2), o.get(0),
                        o.get(1), o.get(2), seed});
    }

    @Property(tries = 150)
    void adaptiveBackwardMatchesCentralDifferences(@ForAll("adaptiveCase") int[] c) {
        int dims = c[0];
        int[] in = Arrays.copyOfRange(c, 3 + 3 - dims, 6);
        int[] out = Arrays.copyOfRange(c, 6 + 3 - dims, 9);
        int inN = c[1] * c[2] * Arrays.stream(in).reduce(1, (a, b) -> a * b);
        int outN = c[1] * c[2] * Arrays.stream(out).reduce(1, (a, b) -> a * b);
        SplittableRandom r = new SplittableRandom(c[9]);
        float[] x = ElemTestSupport.distinctEighths(r, inN);
        double[] w = ElemTestSupport.randomWeights(r, outN);
        for (Pooling p : backends()) {
            float[] dx = new float[inN];
            p.adaptiveAvgBackward(c[1], c[2], in, out, toFloat(w), 0, dx, 0);
            checkFiniteDifferences(p + " adaptive " + Arrays.toString(in) + " -> " + Arrays.toString(out), x, dx, w,
                    64f, (xs, y) -> p.adaptiveAvgForward(c[1], c[2], in, out, xs, 0, y, 0), outN, 1e-5);
        }
    }

    @Property(tries = 100)
    void activeBackendMatchesTheReference(@ForAll("poolCase") Case c) {
        Pooling fast = SimdCnn.backend().pooling();
        PoolGeometry gm = c.geometry("max_pool");
        SplittableRandom r = new SplittableRandom(c.seed());
        float[] x = new float[gm.inputSize()];
        for (int i = 0; i < x.length; i++) {
            x[i] = r.nextInt(9) - 4; // small integers: ties, which must resolve the same way
        }
        float[] yRef = new float[gm.outputSize()];
        float[] yFast = new float[gm.outputSize()];
        int[] amRef = new int[gm.outputSize()];
        int[] amFast = new int[gm.outputSize()];
        REF.maxForward(gm, x, 0, yRef, 0, amRef, 0);
        fast.maxForward(gm, x, 0, yFast, 0, amFast, 0);
        assertArrayEquals(yRef, yFast, gm.toString());
        assertArrayEquals(amRef, amFast, gm.toString());
        float[] dy = ElemTestSupport.uniform(r, gm.outputSize(), -1, 1);
        float[] dxRef = new float[gm.inputSize()];
        float[] dxFast = new float[gm.inputSize()];
        REF.maxBackward(gm, dy, 0, amRef, 0, dxRef, 0);
        fast.maxBackward(gm, dy, 0, amRef, 0, dxFast, 0);
        ElemTestSupport.assertClose(gm + " max backward", dxFast, dxRef, 1e-6, 1e-7);

        PoolGeometry ga = c.geometry("avg_pool");
        float[] xa = ElemTestSupport.uniform(r, ga.inputSize(), -3, 3);
        for (boolean cip : new boolean[] {false, true}) {
            float[] aRef = new float[ga.outputSize()];
            float[] aFast = new float[ga.outputSize()];
            REF.avgForward(ga, cip, xa, 0, aRef, 0);
            fast.avgForward(ga, cip, xa, 0, aFast, 0);
            ElemTestSupport.assertClose(ga + " avg cip=" + cip, aFast, aRef, AVG_PARITY_RTOL, AVG_PARITY_ATOL);
            float[] da = ElemTestSupport.uniform(r, ga.outputSize(), -1, 1);
            float[] gRef = new float[ga.inputSize()];
            float[] gFast = new float[ga.inputSize()];
            REF.avgBackward(ga, cip, da, 0, gRef, 0);
            fast.avgBackward(ga, cip, da, 0, gFast, 0);
            ElemTestSupport.assertClose(ga + " avg backward cip=" + cip, gFast, gRef, AVG_PARITY_RTOL,
                    AVG_PARITY_ATOL);
        }
    }

    interface Forward {
        void run(float[] x, float[] y);
    }

    /** {@code sum w*y} over the finite outputs (a max window without input is -inf and has no gradient). */
    private static double dotFinite(float[] y, double[] w) {
        double s = 0;
        for (int i = 0; i < w.length; i++) {
            if (Float.isFinite(y[i])) {
                s += y[i] * w[i];
            }
        }
        return s;
    }

    private static float[] toFloat(double[] w) {
        float[] f = new float[w.length];
        for (int i = 0; i < w.length; i++) {
            f[i] = (float) w[i];
        }
        return f;
    }

    /**
     * Checks {@code dx[i]} against {@code (L(x + h e_i) - L(x - h e_i)) / 2h} with {@code L = sum_o w_o y_o} in
     * double; {@code w} must be float-representable (it is also the upstream gradient).
     */
    private static void checkFiniteDifferences(String what, float[] x, float[] dx, double[] w, float h, Forward f,
            int outN, double tol) {
        double[] wf = new double[w.length];
        for (int i = 0; i < w.length; i++) {
            wf[i] = (float) w[i];
        }
        float[] y = new float[outN];
        for (int i = 0; i < x.length; i++) {
            float[] xp = x.clone();
            xp[i] += h;
            f.run(xp, y);
            double lp = dotFinite(y, wf);
            float[] xm = x.clone();
            xm[i] -= h;
            f.run(xm, y);
            double lm = dotFinite(y, wf);
            double fd = (lp - lm) / (2.0 * h);
            ElemTestSupport.assertClose(what + " dx[" + i + "]", dx[i], fd, tol, tol);
        }
    }
}
