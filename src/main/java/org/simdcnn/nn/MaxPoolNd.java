package org.simdcnn.nn;

import java.util.Arrays;
import org.simdcnn.SimdCnn;
import org.simdcnn.functional.F;
import org.simdcnn.geometry.PoolGeometry;
import org.simdcnn.tensor.Tensor;

/** Max pooling layers ({@link MaxPool1d}, {@link MaxPool2d}, {@link MaxPool3d}), PyTorch's semantics. */
public abstract class MaxPoolNd extends Module {
    private final int dims;
    private final int[] kernel;
    private final int[] stride;
    private final int[] padding;
    private final int[] dilation;
    private final boolean ceilMode;
    private PoolGeometry lastGeometry;
    private int[] lastArgmax;

    MaxPoolNd(int dims, int[] kernel, int[] stride, int[] padding, int[] dilation, boolean ceilMode) {
        String op = "MaxPool" + dims + "d";
        this.dims = dims;
        this.kernel = ConvNd.perDim(op, "kernelSize", kernel, dims, 1);
        this.stride = stride == null ? this.kernel.clone() : ConvNd.perDim(op, "stride", stride, dims, 1);
        this.padding = ConvNd.perDim(op, "padding", padding, dims, 0);
        this.dilation = ConvNd.perDim(op, "dilation", dilation, dims, 1);
        for (int i = 0; i < dims; i++) {
            if (this.padding[i] > this.kernel[i] / 2) {
                throw new IllegalArgumentException(op + ": padding must be at most half the kernel, got padding "
                        + Arrays.toString(padding) + " with kernel " + Arrays.toString(kernel));
            }
        }
        this.ceilMode = ceilMode;
    }

    @Override
    public Tensor forward(Tensor x) {
        return forward(x, Allocator.HEAP);
    }

    @Override
    Tensor forward(Tensor x, Allocator alloc) {
        PoolGeometry g = F.poolGeometry("max_pool", dims, x, kernel, stride, padding, dilation, ceilMode);
        Tensor y = alloc.allocate(g.outputShape());
        int[] argmax = null;
        if (isTraining()) {
            // reused across training steps: the indices of the last forward are all backward needs
            argmax = lastArgmax != null && lastArgmax.length >= y.size() ? lastArgmax : new int[y.size()];
        }
        SimdCnn.backend().pooling().maxForward(g, x.data(), x.offset(), y.data(), 0, argmax, 0);
        if (argmax != null) {
            lastGeometry = g;
            lastArgmax = argmax;
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
        SimdCnn.backend().pooling().maxBackward(g, gradOutput.data(), gradOutput.offset(), lastArgmax, 0, dx.data(),
                0);
        return dx;
    }

    @Override
    protected void onModeChange(boolean training) {
        if (!training) {
            lastGeometry = null;
            lastArgmax = null;
        }
    }

    @Override
    protected String extraRepr() {
        return "kernel_size=" + Arrays.toString(kernel) + ", stride=" + Arrays.toString(stride) + ", padding="
                + Arrays.toString(padding) + ", dilation=" + Arrays.toString(dilation) + ", ceil_mode=" + ceilMode;
    }
}
