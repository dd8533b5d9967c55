package org.simdcnn.nn;

import org.simdcnn.kernels.ActivationFn;

/** PyTorch's {@code nn.SiLU()}: {@code x*sigmoid(x)}. */
public final class SiLU extends Activation {
    public SiLU() {
        super(ActivationFn.SILU);
    }
}
