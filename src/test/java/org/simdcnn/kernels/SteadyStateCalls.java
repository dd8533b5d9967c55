package org.simdcnn.kernels;

import java.util.ArrayList;
import java.util.List;
import org.simdcnn.SimdCnn;
import org.simdcnn.geometry.ConvGeometry;
import org.simdcnn.geometry.Padding;

/**
 * The GEMM and convolution calls whose steady state must allocate nothing, with their inputs and outputs: one list
 * for {@link KernelDeterminismTest#steadyStateAllocatesNothing} and {@link ConvAllocationProbe}. Covers every
 * forward algorithm (implicit GEMM over one and several K blocks, prepacked, pointwise, depthwise with rows narrower
 * and wider than a vector, strided depthwise, the gathered GEMM, the direct kernel with a width stride) and the
 * backward passes; the large GEMMs' blocking and a linear layer on prepacked weights.
 */
final class SteadyStateCalls {
    final List<String> names = new ArrayList<>();
    final List<Runnable> calls = new ArrayList<>();

    SteadyStateCalls() {
        Conv conv = SimdCnn.backend().conv();
        Gemm gemm = SimdCnn.backend().gemm();
        float[] a = RefKernels.reals(4, 100 * 700);
        float[] b = RefKernels.reals(5, 700 * 200);
        float[] c = new float[100 * 200];
        float[] bias = RefKernels.reals(3, 100);
        add("sgemm", () -> gemm.sgemm(false, true, 100, 200, 300, 1f, a, 0, 300, b, 0, 300, 0f, c, 0, 200, bias, 0,
                BiasMode.PER_ROW, Epilogue.RELU));
        add("sgemm over K blocks", () -> gemm.sgemm(false, false, 100, 200, 700, 1f, a, 0, 700, b, 0, 200, 0.5f, c,
                0, 200, bias, 0, BiasMode.PER_ROW, Epilogue.NONE));
        // a large GEMM (K blocks of about 256, column panels outer) and a linear layer on prepacked weights
        float[] la = RefKernels.reals(6, 400 * 700);
        float[] lb = RefKernels.reals(7, 700 * 400);
        float[] lc = new float[400 * 400];
        add("sgemm large", () -> gemm.sgemm(false, false, 400, 400, 700, 1f, la, 0, 700, lb, 0, 400, 0f, lc, 0,
                400, null, 0, BiasMode.NONE, Epilogue.NONE));
        Linear linear = SimdCnn.backend().linear();
        PackedLinearWeights lw = linear.pack(700, 100, la, 0);
        add("packed linear forward", () -> linear.forward(64, 700, 100, lb, 0, lw, bias, lc, 0, Epilogue.RELU));
        add("linear repack", () -> linear.repack(lw, la, 0));
        ConvGeometry g = ConvGeometry.conv2d(2, 16, 14, 14, 24, 3, 3, 1, 1, 1, 1);
        ConvGeometry pw = ConvGeometry.conv2d(2, 16, 14, 14, 24, 1, 1, 1, 0, 1, 1);
        ConvGeometry dw = ConvGeometry.conv2d(2, 16, 14, 14, 16, 3, 3, 1, 1, 1, 16);
        // stride 2: depthwise on stride phases, the gathered GEMM forward (rows narrower than two vectors)
        ConvGeometry dws2 = ConvGeometry.conv2d(2, 16, 14, 14, 16, 3, 3, 2, 1, 1, 16);
        ConvGeometry gs2 = ConvGeometry.conv2d(2, 16, 14, 14, 24, 3, 3, 2, 1, 1, 1);
        float[] x = RefKernels.reals(1, g.inputSize());
        float[] w = RefKernels.reals(2, g.weightSize());
        float[] wdw = RefKernels.reals(2, dw.weightSize());
        float[] y = new float[g.outputSize()];
        float[] dx = new float[g.inputSize()];
        float[] dwt = new float[g.weightSize()];
        PackedConvWeights packed = conv.pack(g, w, 0);
        add("forward", () -> conv.forward(g, x, 0, w, 0, bias, y, 0, Epilogue.RELU));
        add("packed forward", () -> conv.forward(g, x, 0, packed, bias, y, 0, Epilogue.NONE));
        add("pointwise", () -> conv.forward(pw, x, 0, w, 0, bias, y, 0, Epilogue.NONE));
        add("depthwise", () -> conv.forward(dw, x, 0, wdw, 0, bias, y, 0, Epilogue.NONE));
        add("backwardInput", () -> conv.backwardInput(g, y, 0, w, 0, dx, 0));
        add("backwardWeight", () -> conv.backwardWeight(g, x, 0, y, 0, dwt, 0));
        add("backwardBias", () -> conv.backwardBias(g, y, 0, bias));
        add("repack", () -> conv.repack(packed, w, 0));
        add("depthwise backwardInput", () -> conv.backwardInput(dw, y, 0, wdw, 0, dx, 0));
        add("depthwise backwardWeight", () -> conv.backwardWeight(dw, x, 0, y, 0, dwt, 0));
        add("depthwise s2", () -> conv.forward(dws2, x, 0, wdw, 0, bias, y, 0, Epilogue.RELU));
        add("depthwise s2 backwardInput", () -> conv.backwardInput(dws2, y, 0, wdw, 0, dx, 0));
        add("depthwise s2 backwardWeight", () -> conv.backwardWeight(dws2, x, 0, y, 0, dwt, 0));
        add("strided forward", () -> conv.forward(gs2, x, 0, w, 0, bias, y, 0, Epilogue.NONE));
        // the direct kernel on stride-phase rows (K = 27, 40 columns)
        own("strided direct forward", ConvGeometry.conv2d(1, 3, 80, 80, 8, 3, 3, 2, 1, 1, 1), 6, false);
        // the implicit GEMM over two K blocks (K = 630: tiles kept between blocks; 15 output channels, below the
        // Winograd path's 16)
        own("forward over K blocks", ConvGeometry.conv2d(1, 70, 9, 15, 15, 3, 3, 1, 1, 1, 1), 8, false);
        // Winograd F(2x2, 3x3) over six blocks of tiles, odd tile rows, partial tile rows at the block edges; its
        // input gradient (the flipped convolution) and, with 64 channels, its weight gradient
        own("winograd forward", ConvGeometry.conv2d(2, 32, 20, 18, 40, 3, 3, 1, 1, 1, 1), 12, true);
        ConvGeometry wg = ConvGeometry.conv2d(1, 64, 16, 16, 64, 3, 3, 1, 1, 1, 1);
        float[] wgx = RefKernels.reals(14, wg.inputSize());
        float[] wgdy = RefKernels.reals(15, wg.outputSize());
        float[] wgdw = new float[wg.weightSize()];
        add("winograd backwardWeight", () -> conv.backwardWeight(wg, wgx, 0, wgdy, 0, wgdw, 0));
        // the weight gradient with channels in the lanes over several chunks and blocks (odd maps, 48 columns: one
        // two-vector and one one-vector kernel), and with tiles in the lanes (128 x 96 channels)
        weightGrad(conv, ConvGeometry.conv2d(3, 40, 15, 13, 20, 3, 3, 1, 1, 1, 1), 20);
        weightGrad(conv, ConvGeometry.conv2d(1, 128, 16, 16, 96, 3, 3, 1, 1, 1, 1), 22);
        // and in 3d, swapped (16 -> 32 channels: the sums are Cin x Cout)
        weightGrad(conv, ConvGeometry.conv(3, 2, 16, new int[] {6, 12, 10}, 32, new int[] {3}, new int[] {1},
                Padding.of(1), new int[] {1}, 1), 24);
        // Winograd F(2, 3) on a 1d convolution (several blocks of tiles) and its input gradient
        own("winograd 1d", ConvGeometry.conv(1, 4, 32, new int[] {256}, 24, new int[] {3}, new int[] {1},
                Padding.of(1), new int[] {1}, 1), 16, true);
        // Winograd F(2x2, 3x3) in 3d (runs of output slices over two images) and its input gradient
        own("winograd 3d", ConvGeometry.conv(3, 2, 16, new int[] {6, 12, 10}, 20, new int[] {3}, new int[] {1},
                Padding.of(1), new int[] {1}, 1), 18, true);
        // depthwise 3x3 on rows wider than a vector (the four-row, two-vector kernel), and its flipped backward
        own("depthwise 3x3 wide", ConvGeometry.conv2d(1, 8, 12, 40, 8, 3, 3, 1, 1, 1, 8), 10, true);
    }

    private void add(String name, Runnable call) {
        names.add(name);
        calls.add(call);
    }

    /** A forward (and with {@code backward} the input gradient) on buffers of its own. */
    private void weightGrad(Conv conv, ConvGeometry g, long seed) {
        float[] x = RefKernels.reals(seed, g.inputSize());
        float[] dy = RefKernels.reals(seed + 1, g.outputSize());
        float[] dw = new float[g.weightSize()];
        add("backwardWeight " + g, () -> conv.backwardWeight(g, x, 0, dy, 0, dw, 0));
    }

    private void own(String name, ConvGeometry g, long seed, boolean backward) {
        Conv conv = SimdCnn.backend().conv();
        float[] x = RefKernels.reals(seed, g.inputSize());
        float[] w = RefKernels.reals(seed + 1, g.weightSize());
        float[] bias = RefKernels.reals(seed + 2, g.outChannels());
        float[] y = new float[g.outputSize()];
        float[] dx = new float[g.inputSize()];
        add(name, () -> conv.forward(g, x, 0, w, 0, bias, y, 0, Epilogue.RELU));
        if (backward) {
            add(name + " backwardInput", () -> conv.backwardInput(g, y, 0, w, 0, dx, 0));
        }
    }

    void runAll() {
        for (Runnable r : calls) {
            r.run();
        }
    }
}
