package org.simdcnn.nn;

import org.simdcnn.kernels.ActivationFn;

/** PyTorch's {@code nn.Tanh()}. */
public final class Tanh extends Activation {
    public Tanh() {
        super(ActivationFn.TANH);
    }
}
