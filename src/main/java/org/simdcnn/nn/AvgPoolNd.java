package org.simdcnn.nn;

import java.util.Arrays;
import org.simdcnn.SimdCnn;
import org.simdcnn.functional.F;
import org.simdcnn.geometry.PoolGeometry;
import org.simdcnn.tensor.Tensor;

/** Average pooling layers ({@link AvgPool1d}, {@link AvgPool2d}, {@link AvgPool3d}), PyTorch's semantics. */
public abstract class AvgPoolNd extends Module {
    private final int dims;
    private final int[] kernel;
    private final int[] stride;
    private final int[] padding;
    private final boolean ceilMode;
    private final boolean countIncludePad;
    private PoolGeometry lastGeometry;

    AvgPoolNd(int dims, int[] kernel, int[] stride, int[] padding, boolean ceilMode, boolean countIncludePad) {
        String op = "AvgPool" + dims + "d";
        this.dims = dims;
        this.kernel = ConvNd.perDim(op, "kernelSize", kernel, dims, 1);
        this.stride = stride == null ? this.kernel.clone() : ConvNd.perDim(op, "stride", stride, dims, 1);
        this.padding = ConvNd.perDim(op, "padding", padding, dims, 0);
        for (int i = 0; i < dims; i++) {
            if (this.padding[i] > this.kernel[i] / 2) {
                throw new IllegalArgumentException(op + ": padding must be at most half the kernel, got padding "
                        + Arrays.toString(padding) + " with kernel " + Arrays.toString(kernel));
            }
        }
        this.ceilMode = ceilMode;
        this.countIncludePad = countIncludePad;
    }

    @Override
    public Tensor forward(Tensor x) {
        return forward(x, Allocator.HEAP);
    }

    @Override
    Tensor forward(Tensor x, Allocator alloc) {
        PoolGeometry g = F.poolGeometry("avg_pool", dims, x, kernel, stride, padding, null, ceilMode);
        Tensor y = alloc.allocate(g.outputShape());
        SimdCnn.backend().pooling().avgForward(g, countIncludePad, x.data(), x.offset(), y.data(), 0);
        if (isTraining()) {
            lastGeometry = g;
        }
        return y;
    }

    @Override
    public Tensor backward(Tensor gradOutput) {
        return backward(gradOutput, Allocator.HEAP);
    }

    @Override
    Tensor backward(Tensor gradOutput, Allocator alloc) {
        PoolGeometry g = lastGeometry;
        if (g == null || !isTraining()) {
            throw noForward();
        }
        checkGradShape(getClass().getSimpleName(), gradOutput, g.outputShape());
        Tensor dx = orHeap(alloc).allocate(g.inputShape());
        SimdCnn.backend().pooling().avgBackward(g, countIncludePad, gradOutput.data(), gradOutput.offset(),
                dx.data(), 0);
        return dx;
    }

    @Override
    protected void onModeChange(boolean training) {
        if (!training) {
            lastGeometry = null;
        }
    }

    @Override
    protected String extraRepr() {
        return "kernel_size=" + Arrays.toString(kernel) + ", stride=" + Arrays.toString(stride) + ", padding="
                + Arrays.toString(padding) + ", ceil_mode=" + ceilMode + ", count_include_pad=" + countIncludePad;
    }
}
