package org.simdcnn.nn;

import org.simdcnn.kernels.ActivationFn;

/** PyTorch's {@code nn.Hardswish()}: {@code x*relu6(x+3)/6}. */
public final class Hardswish extends Activation {
    public Hardswish() {
        super(ActivationFn.HARDSWISH);
    }
}
