package org.simdcnn.nn;

import org.simdcnn.SimdCnn;
import org.simdcnn.functional.F;
import org.simdcnn.tensor.Tensor;

/**
 * Maxout over channels (Goodfellow et al.; not in PyTorch): input {@code (N, C*pieces, sp...)}, output
 * {@code (N, C, sp...)}, the maximum over each group of {@code pieces} consecutive channels. The gradient goes to
 * the winning piece (the first on ties).
 */
public final class Maxout extends Module {
    private final int pieces;
    private int[] lastInShape;
    private int[] lastOutShape;
    private int[] lastArgmax;

    public Maxout(int pieces) {
        if (pieces < 1) {
            throw new IllegalArgumentException("Maxout: pieces must be >= 1, got " + pieces);
        }
        this.pieces = pieces;
    }

    @Override
    public Tensor forward(Tensor x) {
        return forward(x, Allocator.HEAP);
    }

    @Override
    Tensor forward(Tensor x, Allocator alloc) {
        int[] ys = F.maxoutShape(x, pieces);
        Tensor y = alloc.allocate(ys);
        int spatial = x.size() / (x.dim(0) * x.dim(1));
        int[] argmax = null;
        if (isTraining()) {
            argmax = lastArgmax != null && lastArgmax.length >= y.size() ? lastArgmax : new int[y.size()];
        }
        SimdCnn.backend().activations().maxoutForward(x.dim(0), ys[1], pieces, spatial, x.data(), x.offset(),
                y.data(), 0, argmax, 0);
        if (argmax != null) {
            lastInShape = x.shape();
            lastOutShape = ys;
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
        if (lastArgmax == null || !isTraining()) {
            throw noForward();
        }
        checkGradShape("Maxout", gradOutput, lastOutShape);
        Tensor dx = orHeap(alloc).allocate(lastInShape);
        int spatial = dx.size() / (lastInShape[0] * lastInShape[1]);
        SimdCnn.backend().activations().maxoutBackward(lastInShape[0], lastOutShape[1], pieces, spatial,
                gradOutput.data(), gradOutput.offset(), lastArgmax, 0, dx.data(), 0);
        return dx;
    }

    @Override
    protected void onModeChange(boolean training) {
        if (!training) {
            lastArgmax = null;
        }
    }

    @Override
    protected String extraRepr() {
        return "pieces=" + pieces;
    }
}
