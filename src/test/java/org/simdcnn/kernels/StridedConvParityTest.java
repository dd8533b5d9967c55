package org.simdcnn.kernels;

import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;
import org.simdcnn.SimdCnn;
import org.simdcnn.geometry.ConvGeometry;
import org.simdcnn.geometry.Padding;

/**
 * The served backend against the scalar reference (exact: small-integer data) on the strided paths whose SIMD
 * form splits the padded input into stride phases: depthwise forward, grad input and grad weight with width stride
 * 2 and 3 at output widths around the vector length (1, 15, 16, 17, 33 and the lane counts of 8-lane machines),
 * and the gathered GEMM forward at output widths below and above two vectors (half panels that cross output rows
 * once, several times, or not at all). Also a depthwise layer with an infinite weight (the grad input's scalar row
 * tail of its grad input) and planes at the very end of their arrays (row tails read as whole vectors).
 */
class StridedConvParityTest {

    static int inputFor(int out, int stride, int k, int dil, int pad) {
        return (out - 1) * stride + (k - 1) * dil + 1 - 2 * pad;
    }

    @Test
    void depthwiseWidthStrides2And3AtAwkwardWidths() {
        int[] outWs = {1, 7, 8, 9, 15, 16, 17, 33};
        long seed = 100;
        for (int s : new int[] {2, 3}) {
            for (int outW : outWs) {
                // 3x3 padding 1, one output channel per group, batch 2 (the last plane ends its array)
                int inW = inputFor(outW, s, 3, 1, 1);
                ConvGeometry g = ConvGeometry.conv(2, 2, 3, new int[] {6, inW}, 3, new int[] {3, 3},
                        new int[] {1, s}, Padding.of(1), new int[] {1}, 3);
                ConvParityTest.checkAll(g, Epilogue.NONE, true, seed++);
                // 5 wide with dilation 2, a multiplier of 2, height stride 2, no padding
                inW = inputFor(outW, s, 5, 2, 0);
                g = ConvGeometry.conv(2, 1, 2, new int[] {9, inW}, 4, new int[] {3, 5}, new int[] {2, s},
                        Padding.of(0), new int[] {1, 2}, 2);
                ConvParityTest.checkAll(g, Epilogue.RELU, true, seed++);
            }
            for (int inW : new int[] {1, 15, 16, 17, 33}) {
                ConvGeometry g = ConvGeometry.conv(2, 2, 2, new int[] {5, inW}, 2, new int[] {3, 3},
                        new int[] {1, s}, Padding.of(1), new int[] {1}, 2);
                ConvParityTest.checkAll(g, Epilogue.clamp(-4f, 7f), true, seed++);
            }
        }
        // 1d and 3d, asymmetric padding
        ConvParityTest.checkAll(ConvGeometry.conv(1, 2, 3, new int[] {67}, 3, new int[] {4}, new int[] {3},
                Padding.asymmetric(new int[] {2}, new int[] {1}), new int[] {1}, 3), Epilogue.NONE, true, 90);
        ConvParityTest.checkAll(ConvGeometry.conv(3, 1, 2, new int[] {4, 5, 35}, 2, new int[] {2, 3, 3},
                new int[] {2, 1, 2}, Padding.of(1), new int[] {1}, 2), Epilogue.NONE, true, 91);
    }

    @Test
    void gatheredForwardAtAwkwardWidths() {
        long seed = 200;
        for (int s : new int[] {2, 3}) {
            for (int outW : new int[] {1, 5, 15, 16, 17, 31, 32, 33, 47, 70}) {
                int inW = inputFor(outW, s, 3, 1, 1);
                // groups 1 and 2 (not depthwise), K = 2 * 9 or 3 * 9 per group
                ConvGeometry g = ConvGeometry.conv(2, 2, 4, new int[] {5, inW}, 6, new int[] {3, 3},
                        new int[] {2, s}, Padding.of(1), new int[] {1}, 2);
                ConvParityTest.checkAll(g, Epilogue.NONE, true, seed++);
                g = ConvGeometry.conv(2, 1, 3, new int[] {4, inW}, 5, new int[] {3, 3}, new int[] {1, s},
                        Padding.of(1), new int[] {1}, 1);
                ConvParityTest.checkAll(g, Epilogue.RELU, true, seed++);
            }
        }
        // width stride 1 with a height stride (gathered, rows of the plain padded plane), dilation, 1d stride 2
        ConvParityTest.checkAll(ConvGeometry.conv(2, 2, 3, new int[] {11, 37}, 4, new int[] {3, 3}, new int[] {2, 1},
                Padding.of(1), new int[] {2, 2}, 1), Epilogue.NONE, true, 290);
        ConvParityTest.checkAll(ConvGeometry.conv(1, 3, 5, new int[] {101}, 7, new int[] {5}, new int[] {2},
                Padding.of(2), new int[] {1}, 1), Epilogue.NONE, true, 291);
    }

    @Test
    void depthwiseStridedWithAnInfiniteWeight() {
        for (int s : new int[] {2, 3}) {
            ConvGeometry g = ConvGeometry.conv(2, 2, 3, new int[] {5, 21 * s}, 3, new int[] {3, 3},
                    new int[] {1, s}, Padding.of(1), new int[] {1}, 3);
            float[] w = RefKernels.ints(310 + s, g.weightSize(), 3);
            float[] dy = RefKernels.ints(320 + s, g.outputSize(), 3);
            w[4] = Float.POSITIVE_INFINITY;
            w[9 + 2] = Float.NEGATIVE_INFINITY;
            float[] dxRef = new float[g.inputSize()];
            RefKernels.convBackwardInput(g, dy, w, dxRef);
            float[] dx = ConvParityTest.filled(g.inputSize());
            SimdCnn.backend().conv().backwardInput(g, dy, 0, w, 0, dx, 0);
            assertNull(RefKernels.firstDiff(dxRef, dx, dx.length), "backwardInput " + g);
            // (not the forward: the SIMD forward multiplies the padding zeros too, 0 * inf = NaN as in PyTorch's
            // im2col, where the scalar reference skips them)
        }
    }
}
