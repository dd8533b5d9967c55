package org.simdcnn.nn;

import org.simdcnn.SimdCnn;
import org.simdcnn.functional.F;
import org.simdcnn.kernels.ActivationFn;
import org.simdcnn.tensor.Tensor;

/** An elementwise activation layer (ReLU, Sigmoid, GELU, ...), forward and backward through the kernels. */
public abstract class Activation extends Module {
    private final ActivationFn fn;
    private Tensor lastX;
    private Tensor lastY;

    Activation(ActivationFn fn) {
        this.fn = fn;
    }

    /** The function with its parameters. */
    public ActivationFn fn() {
        return fn;
    }

    @Override
    public Tensor forward(Tensor x) {
        return forward(x, Allocator.HEAP);
    }

    @Override
    Tensor forward(Tensor x, Allocator alloc) {
        if (x == null) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": input must not be null");
        }
        Tensor y = alloc.allocate(x.shape());
        F.activation(fn, x, y);
        if (isTraining()) {
            lastX = x;
            lastY = y;
        }
        return y;
    }

    /** True when the producer's fused epilogue can compute this activation exactly (see {@link FusedForward}). */
    boolean fusable() {
        return false;
    }

    /** The epilogue equal to this activation; only when {@link #fusable()}. */
    org.simdcnn.kernels.Epilogue epilogue() {
        throw new IllegalStateException(getClass().getSimpleName() + " has no epilogue");
    }

    /** Records the output computed by a fused producer (as input and output: exact for ReLU-like functions). */
    void recordFused(Tensor y) {
        if (isTraining()) {
            lastX = y;
            lastY = y;
        }
    }

    @Override
    public Tensor backward(Tensor gradOutput) {
        return backward(gradOutput, Allocator.HEAP);
    }

    @Override
    Tensor backward(Tensor gradOutput, Allocator alloc) {
        Tensor x = lastX;
        Tensor y = lastY;
        if (x == null || !isTraining()) {
            throw noForward();
        }
        checkGradShape(getClass().getSimpleName(), gradOutput, y.shape());
        Tensor dx = orHeap(alloc).allocate(y.shape());
        SimdCnn.backend().activations().backward(fn, x.data(), x.offset(), y.data(), y.offset(), gradOutput.data(),
                gradOutput.offset(), dx.data(), 0, y.size());
        return dx;
    }

    @Override
    protected void onModeChange(boolean training) {
        if (!training) {
            lastX = null;
            lastY = null;
        }
    }
}
