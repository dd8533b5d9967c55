package org.simdcnn.optim;

/** PyTorch's {@code StepLR(optimizer, step_size, gamma=0.1)}: multiply the rate by gamma every stepSize epochs. */
public final class StepLR extends LRScheduler {
    private final int stepSize;
    private final double gamma;

    public StepLR(Optimizer optimizer, int stepSize, float gamma) {
        super(optimizer);
        if (stepSize < 1) {
            throw new IllegalArgumentException("StepLR: stepSize must be >= 1, got " + stepSize);
        }
        if (!(gamma >= 0f) || Float.isInfinite(gamma)) {
            throw new IllegalArgumentException("StepLR: gamma must be finite and >= 0, got " + gamma);
        }
        this.stepSize = stepSize;
        this.gamma = gamma;
    }

    @Override
    double next(double previous) {
        return epoch % stepSize == 0 ? previous * gamma : previous;
    }
}
