package org.simdcnn.nn;

import org.simdcnn.kernels.ActivationFn;
import org.simdcnn.kernels.Epilogue;

/**
 * PyTorch's {@code nn.LeakyReLU(negative_slope=0.01)}. With a non-negative slope it is fused into a preceding
 * conv/linear by {@link Sequential}.
 */
public final class LeakyReLU extends Activation {
    private final float slope;

    public LeakyReLU() {
        this(0.01f);
    }

    public LeakyReLU(float negativeSlope) {
        super(ActivationFn.leakyRelu(negativeSlope));
        if (!Float.isFinite(negativeSlope)) {
            throw new IllegalArgumentException("LeakyReLU: negativeSlope must be finite, got " + negativeSlope);
        }
        this.slope = negativeSlope;
    }

    @Override
    boolean fusable() {
        return slope >= 0f;
    }

    @Override
    Epilogue epilogue() {
        return Epilogue.leakyRelu(slope);
    }

    @Override
    protected String extraRepr() {
        return "negative_slope=" + slope;
    }
}
