package org.simdcnn.nn;

import org.simdcnn.tensor.Tensor;

/**
 * Where a layer's forward output lives. {@link #HEAP} allocates a fresh tensor; {@link Sequential} in eval mode
 * passes a per-thread arena for intermediate outputs that never leave it. The contents are unspecified (the
 * kernels overwrite their outputs).
 */
@FunctionalInterface
interface Allocator {
    Allocator HEAP = Tensor::zeros;

    Tensor allocate(int[] shape);
}
