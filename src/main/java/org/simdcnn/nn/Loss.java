package org.simdcnn.nn;

import org.simdcnn.kernels.Reduction;
import org.simdcnn.tensor.Tensor;

/**
 * Common part of the loss modules. A loss object remembers its last {@code forward} so that {@code backward()}
 * can return the gradient with respect to the input (one object per training loop; not for concurrent use; the
 * stateless {@link org.simdcnn.functional.F} functions are thread-safe).
 *
 * <p>{@code forward} returns the reduced loss; with {@link Reduction#NONE} it returns the <em>sum</em> of the
 * per-element losses, which {@link #lastLosses()} holds, and {@code backward()} is the gradient of that sum
 * (use {@code backward(Tensor)} for another upstream gradient).
 */
public abstract class Loss {
    private final Reduction reduction;
    Tensor lastLosses;

    Loss(Reduction reduction) {
        if (reduction == null) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": reduction must not be null");
        }
        this.reduction = reduction;
    }

    public Reduction reduction() {
        return reduction;
    }

    /** The per-element losses of the last forward with {@link Reduction#NONE}, else null. */
    public Tensor lastLosses() {
        return lastLosses;
    }

    /** d loss / d input for the last forward (upstream gradient 1, or all ones for NONE). */
    public abstract Tensor backward();

    /**
     * d loss / d input for the last forward with an upstream gradient: one value (shape {@code []} or
     * {@code [1]}) for MEAN/SUM, one per element loss for NONE.
     */
    public abstract Tensor backward(Tensor gradOutput);

    float[] upstream(Tensor gradOutput, int noneCount) {
        if (gradOutput == null) {
            if (reduction == Reduction.NONE) {
                float[] ones = new float[noneCount];
                java.util.Arrays.fill(ones, 1f);
                return ones;
            }
            return new float[] {1f};
        }
        int need = reduction == Reduction.NONE ? noneCount : 1;
        if (gradOutput.size() != need) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ".backward: gradOutput needs " + need
                    + " values for reduction " + reduction + ", got shape "
                    + java.util.Arrays.toString(gradOutput.shape()));
        }
        return gradOutput.toArray();
    }

    IllegalStateException noForward() {
        return new IllegalStateException(getClass().getSimpleName() + ".backward: call forward first");
    }
}
