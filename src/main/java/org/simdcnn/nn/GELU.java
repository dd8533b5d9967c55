package org.simdcnn.nn;

import org.simdcnn.kernels.ActivationFn;

/** PyTorch's {@code nn.GELU(approximate="none")}; {@code "tanh"} selects the tanh approximation. */
public final class GELU extends Activation {
    public GELU() {
        super(ActivationFn.GELU);
    }

    /** @param approximate {@code "none"} (exact, erf) or {@code "tanh"} */
    public GELU(String approximate) {
        super(org.simdcnn.functional.F.geluFn(approximate));
    }
}
