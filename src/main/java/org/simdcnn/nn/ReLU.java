package org.simdcnn.nn;

import org.simdcnn.kernels.ActivationFn;
import org.simdcnn.kernels.Epilogue;

/** PyTorch's {@code nn.ReLU()}: {@code max(0, x)}. Fused into a preceding conv/linear by {@link Sequential}. */
public final class ReLU extends Activation {
    public ReLU() {
        super(ActivationFn.RELU);
    }

    @Override
    boolean fusable() {
        return true;
    }

    @Override
    Epilogue epilogue() {
        return Epilogue.RELU;
    }
}
