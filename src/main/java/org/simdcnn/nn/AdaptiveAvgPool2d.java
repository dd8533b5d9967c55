package org.simdcnn.nn;

import org.simdcnn.SimdCnn;
import org.simdcnn.functional.F;
import org.simdcnn.tensor.Tensor;

/** PyTorch's {@code nn.AdaptiveAvgPool2d(output_size)} on {@code (N, C, H, W)}; (1, 1) is global average pooling. */
public final class AdaptiveAvgPool2d extends Module {
    private final int outH;
    private final int outW;
    private int[] lastInShape;

    public AdaptiveAvgPool2d(int outputSize) {
        this(outputSize, outputSize);
    }

    public AdaptiveAvgPool2d(int outH, int outW) {
        if (outH < 1 || outW < 1) {
            throw new IllegalArgumentException("AdaptiveAvgPool2d: output size must be >= 1, got (" + outH + ", "
                    + outW + ")");
        }
        this.outH = outH;
        this.outW = outW;
    }

    @Override
    public Tensor forward(Tensor x) {
        Tensor y = F.adaptive_avg_pool2d(x, outH, outW);
        if (isTraining()) {
            lastInShape = x.shape();
        }
        return y;
    }

    @Override
    public Tensor backward(Tensor gradOutput) {
        return backward(gradOutput, Allocator.HEAP);
    }

    @Override
    Tensor backward(Tensor gradOutput, Allocator alloc) {
        int[] s = lastInShape;
        if (s == null || !isTraining()) {
            throw noForward();
        }
        checkGradShape("AdaptiveAvgPool2d", gradOutput, new int[] {s[0], s[1], outH, outW});
        Tensor dx = orHeap(alloc).allocate(s);
        SimdCnn.backend().pooling().adaptiveAvgBackward(s[0], s[1], new int[] {s[2], s[3]}, new int[] {outH, outW},
                gradOutput.data(), gradOutput.offset(), dx.data(), 0);
        return dx;
    }

    @Override
    protected String extraRepr() {
        return "output_size=(" + outH + ", " + outW + ")";
    }
}
