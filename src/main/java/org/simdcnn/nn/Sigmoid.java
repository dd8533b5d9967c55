package org.simdcnn.nn;

import org.simdcnn.kernels.ActivationFn;

/** PyTorch's {@code nn.Sigmoid()}. */
public final class Sigmoid extends Activation {
    public Sigmoid() {
        super(ActivationFn.SIGMOID);
    }
}
