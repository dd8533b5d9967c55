package org.simdcnn.nn;

import org.simdcnn.kernels.ActivationFn;

/** PyTorch's {@code nn.ELU(alpha=1.0)}: {@code x} if positive, else {@code alpha*(exp(x)-1)}. */
public final class ELU extends Activation {
    public ELU() {
        this(1f);
    }

    public ELU(float alpha) {
        super(ActivationFn.elu(alpha));
    }
}
