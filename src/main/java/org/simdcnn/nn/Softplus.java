package org.simdcnn.nn;

import org.simdcnn.kernels.ActivationFn;

/** PyTorch's {@code nn.Softplus(beta=1, threshold=20)}. */
public final class Softplus extends Activation {
    public Softplus() {
        this(1f, 20f);
    }

    public Softplus(float beta, float threshold) {
        super(ActivationFn.softplus(beta, threshold));
    }
}
