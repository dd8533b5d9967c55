package org.simdcnn.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.simdcnn.geometry.ConvGeometry;
import org.simdcnn.geometry.Padding;
import org.simdcnn.kernels.scalar.ScalarBackend;

/**
 * Worked examples of the reference convolution, GEMM and linear kernels: small hand-checkable cases, and three
 * integer cases whose expected outputs were computed once with PyTorch 1.13 (the call is written next to each).
 * Integer data makes every result exact, so the comparisons are exact.
 */
class ScalarConvExamplesTest {
    private static final Conv CONV = ScalarBackend.INSTANCE.conv();
    private static final Gemm GEMM = ScalarBackend.INSTANCE.gemm();
    private static final Linear LINEAR = ScalarBackend.INSTANCE.linear();

    @Test
    void conv2dOnesKernelSumsWindows() {
        ConvGeometry g = ConvGeometry.conv2d(1, 1, 3, 3, 1, 2, 2, 1, 0, 1, 1);
        float[] x = {1, 2, 3, 4, 5, 6, 7, 8, 9};
        float[] w = {1, 1, 1, 1};
        float[] y = new float[g.outputSize()];
        Arrays.fill(y, Float.NaN); // must be overwritten
        CONV.forward(g, x, 0, w, 0, new float[] {0.5f}, y, 0);
        assertArrayEquals(new float[] {12.5f, 16.5f, 24.5f, 28.5f}, y);
    }

    @Test
    void forwardAppliesEpilogueAfterBiasAndHonoursOffsets() {
        ConvGeometry g = ConvGeometry.conv(1, 1, 1, new int[] {4}, 1, new int[] {2}, new int[] {1},
                Padding.of(0), new int[] {1}, 1);
        float[] x = {99, 1, -2, 3, 1};   // x starts at offset 1
        float[] w = {7, 1, -1};          // w starts at offset 1
        float[] y = {42, 0, 0, 0, 42};   // y starts at offset 1; the cells around it must stay untouched
        CONV.forward(g, x, 1, w, 1, new float[] {1f}, y, 1, Epilogue.RELU);
        // raw: 1-(-2)=3, -2-3=-5, 3-1=2; +1 bias -> 4, -4, 3; relu -> 4, 0, 3
        assertArrayEquals(new float[] {42, 4, 0, 3, 42}, y);
    }

    /**
     * PyTorch: {@code F.conv2d(F.pad(x, (2, 1, 1, 0)), w, b, stride=(2, 1), dilation=(1, 2), groups=2)} with
     * x (1,4,5,6), w (6,2,2,3), b (6): asymmetric padding (H: 1 before 0 after; W: 2 before 1 after).
     */
    @Test
    void conv2dGroupedDilatedStridedAsymmetricMatchesPyTorch() {
        ConvGeometry g = ConvGeometry.conv(2, 1, 4, new int[] {5, 6}, 6, new int[] {2, 3}, new int[] {2, 1},
                Padding.asymmetric(new int[] {1, 2}, new int[] {0, 1}), new int[] {1, 2}, 2);
        assertArrayEquals(new int[] {1, 6, 3, 5}, g.outputShape());
        float[] x = f(1, 0, -3, -1, -2, -1, 3, 0, 1, 2, -1, -3, -2, 2, -1, 1, 1, -1, 1, -1, 3, -1, 1, -1, 1, 1, -2,
                0, -2, 1, -2, -3, 1, 2, 0, 1, 0, -1, -2, 1, 1, -3, -3, 2, 3, 1, 2, 1, 1, 2, 3, 1, 0, 2, 0, 2, -2, 1,
                -1, -1, 0, -1, 3, -1, -2, -3, -3, -3, 0, 1, -3, 2, -2, 0, 1, 2, 1, 1, 2, 2, 0, 3, 2, 0, 3, -1, -2, 2,
                0, -2, -3, 0, -3, 0, 2, 0, 0, 2, 1, -2, 0, 2, -3, 1, -1, 3, -2, 2, -1, 0, 1, -1, 3, -2, -1, 1, 0, 1,
                -1, 0);
        float[] w = f(1, 1, -2, 3, -3, 2, -2, 2, -3, -2, -3, 1, 3, -1, -3, -1, 1, 3, -1, 1, -3, -2, 2, 3, 0, 0, 2,
                1, 3, -1, 1, 0, 3, -3, -1, -3, 1, -1, 1, 0, -1, -3, -2, 3, -2, -3, -1, -2, -3, -1, -1, 1, 2, -2, 1,
                -1, -3, 3, -3, 1, 0, -2, 3, 0, 2, -2, 0, -3, 1, -1, 2, -1);
        float[] b = f(-3, -3, 1, 0, 1, 3);
        float[] expected = f(-5, 6, 6, -1, -8, 20, -21, -6, 13, -15, -24, -9, 13, -14, 2, -12, -6, -7, 6, -4, -5,
                -1, 25, 12, 4, -32, 8, -20, -12, 4, 6, -1, 0, 3, -11, -14, 8, -4, -19, -10, 27, 0, 6, 3, 3, 0, 4, 11,
                10, 9, 5, 1, 7, -31, 5, -3, -5, 10, 0, 6, 1, 1, 13, 4, -15, 3, 3, 2, 3, 11, 10, -9, -23, 6, -2, -6,
                3, 8, 7, 6, -1, -1, -6, 20, 8, 11, 2, 7, 7, -12);
        float[] y = new float[g.outputSize()];
        CONV.forward(g, x, 0, w, 0, b, y, 0);
        assertArrayEquals(expected, y);
    }

    /** PyTorch: {@code F.conv_transpose1d(x, w, b, stride=2, padding=1, output_padding=1, groups=2)}, x (2,4,3). */
    @Test
    void convTranspose1dGroupedWithOutputPaddingMatchesPyTorch() {
        ConvGeometry g = ConvGeometry.transposed(1, 2, 4, new int[] {3}, 6, new int[] {3}, new int[] {2},
                Padding.of(1), new int[] {1}, new int[] {1}, 2);
        assertArrayEquals(new int[] {2, 6, 6}, g.outputShape());
        assertArrayEquals(new int[] {4, 3, 3}, g.weightShape());
        float[] x = f(2, 2, 1, 3, 1, 3, 1, -3, 2, -3, -2, -1, 3, 3, 1, -1, -2, 3, 1, 0, 0, -2, -1, 0);
        float[] w = f(-3, 3, 1, -3, 2, 0, 2, 2, -2, 3, -2, -1, -2, -2, 2, -3, 0, 1, -2, -1, 2, 0, 3, -1, -2, 3, 1,
                2, -1, -3, 3, -3, 3, -3, 2, -2);
        float[] b = f(-1, -1, -3, 0, 2, 2);
        float[] expected = f(-1, -5, 3, 6, -4, -3, -3, -3, 1, -8, -5, 5, 1, -3, 1, -13, -1, -2, 2, 13, 5, -6, -1,
                7, 14, -14, -1, -4, 11, -3, -1, 21, -11, 2, 6, 6, 10, -12, 12, 10, -4, -3, 7, -8, 9, -14, -5, 5, 3,
                2, 3, -18, -1, -2, 1, 6, 1, 3, 0, 0, 11, -8, 5, -1, 2, 2, 1, 10, 0, 4, 2, 2);
        float[] y = new float[g.outputSize()];
        Arrays.fill(y, Float.NaN);
        CONV.transposedForward(g, x, 0, w, 0, b, y, 0);
        assertArrayEquals(expected, y);
    }

    /**
     * PyTorch: {@code F.conv_transpose2d(x, w, None, stride=1, padding=(0, 1), output_padding=1, dilation=2)},
     * x (1,2,3,2), w (2,1,2,2): output padding below the dilation (allowed because max(stride, dilation) = 2).
     */
    @Test
    void convTranspose2dDilatedOutputPaddingMatchesPyTorch() {
        ConvGeometry g = ConvGeometry.transposed(2, 1, 2, new int[] {3, 2}, 1, new int[] {2}, new int[] {1},
                Padding.of(0, 1), new int[] {1}, new int[] {2}, 1);
        assertArrayEquals(new int[] {1, 1, 6, 3}, g.outputShape());
        float[] x = f(3, -2, 0, -3, -2, 1, 2, 3, 0, 2, 2, -3);
        float[] w = f(-3, 2, 1, 1, 0, 2, 0, 2);
        float[] expected = f(6, 10, 2, 9, 0, -2, -5, 7, 0, -3, 0, 1, 1, 2, -5, 0, 0, 0);
        float[] y = new float[g.outputSize()];
        CONV.transposedForward(g, x, 0, w, 0, null, y, 0);
        assertArrayEquals(expected, y);
    }

    @Test
    void im2colAndCol2imOnATinyImage() {
        // 1 channel 3x3, kernel 2x2, stride 1, padding 0: 4 rows (taps) x 4 columns (positions)
        ConvGeometry g = ConvGeometry.conv2d(1, 1, 3, 3, 1, 2, 2, 1, 0, 1, 1);
        float[] x = {1, 2, 3, 4, 5, 6, 7, 8, 9};
        float[] col = new float[16];
        CONV.im2col(g, x, 0, col, 0);
        assertArrayEquals(f(1, 2, 4, 5, 2, 3, 5, 6, 4, 5, 7, 8, 5, 6, 8, 9), col);
        float[] back = new float[9];
        Arrays.fill(back, Float.NaN);
        CONV.col2im(g, col, 0, back, 0);
        // each pixel times the number of windows covering it
        assertArrayEquals(f(1, 4, 3, 8, 20, 12, 7, 16, 9), back);
    }

    @Test
    void backwardBiasSumsBatchAndSpace() {
        ConvGeometry g = ConvGeometry.conv2d(2, 1, 2, 2, 2, 1, 1, 1, 0, 1, 1);
        float[] dy = f(1, 2, 3, 4, 10, 20, 30, 40, 5, 5, 5, 5, 1, 1, 1, 1);
        float[] db = {Float.NaN, Float.NaN};
        CONV.backwardBias(g, dy, 0, db);
        assertArrayEquals(f(30, 104), db);
    }

    @Test
    void gemmSmallExampleWithBiasAndBetaZeroIgnoringNaN() {
        float[] a = f(1, 2, 3, 4, 5, 6);        // 2x3
        float[] b = f(1, 0, 0, 1, 1, 1);        // 3x2
        float[] c = {Float.NaN, Float.NaN, Float.NaN, Float.NaN};
        GEMM.sgemm(false, false, 2, 2, 3, 2f, a, 0, 3, b, 0, 2, 0f, c, 0, 2, f(100, 200), 0, BiasMode.PER_ROW,
                Epilogue.NONE);
        // A*B = [[4,5],[10,11]]; *2 + row bias
        assertArrayEquals(f(108, 110, 220, 222), c);
        GEMM.sgemm(false, false, 2, 2, 3, 1f, a, 0, 3, b, 0, 2, 1f, c, 0, 2);
        assertArrayEquals(f(112, 115, 230, 233), c);
    }

    @Test
    void linearForwardAndBackward() {
        float[] x = f(1, 2, 3, -1, 0, 1);       // batch 2, in 3
        float[] w = f(1, 0, -1, 2, 2, 2);       // out 2, in 3
        float[] y = new float[4];
        LINEAR.forward(2, 3, 2, x, 0, w, 0, f(1, -20), y, 0, Epilogue.RELU);
        // x*w^T = [[-2, 12], [-2, 0]] + b = [[-1, -8], [-1, -20]] -> relu
        assertArrayEquals(f(0, 0, 0, 0), y);
        LINEAR.forward(2, 3, 2, x, 0, w, 0, null, y, 0, Epilogue.NONE);
        assertArrayEquals(f(-2, 12, -2, 0), y);
        float[] dy = f(1, 1, 0, 2);
        float[] dx = new float[6];
        LINEAR.backwardInput(2, 3, 2, dy, 0, w, 0, dx, 0);
        assertArrayEquals(f(3, 2, 1, 4, 4, 4), dx);
        float[] dw = new float[6];
        LINEAR.backwardWeight(2, 3, 2, x, 0, dy, 0, dw, 0);
        assertArrayEquals(f(1, 2, 3, -1, 2, 5), dw);
        float[] db = new float[2];
        LINEAR.backwardBias(2, 2, dy, 0, db);
        assertArrayEquals(f(1, 3), db);
    }

    private static float[] f(float... v) {
        return v;
    }
}
