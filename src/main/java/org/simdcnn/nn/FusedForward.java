package org.simdcnn.nn;

import org.simdcnn.kernels.Epilogue;
import org.simdcnn.tensor.Tensor;

/**
 * A layer whose kernel can apply an activation in registers before the store (conv, linear). {@link Sequential}
 * uses it for a layer directly followed by ReLU or LeakyReLU (non-negative slope); backward is unchanged because
 * the activation module records the fused output as both its input and output (exact for these activations:
 * {@code y > 0} exactly when {@code x > 0}).
 */
interface FusedForward {
    /** {@code epilogue(forward(x))} computed in one pass; keeps the same backward state as {@code forward}. */
    Tensor forwardFused(Tensor x, Epilogue epilogue, Allocator alloc);
}
