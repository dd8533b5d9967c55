package org.simdcnn.nn;

import org.simdcnn.SimdCnn;
import org.simdcnn.functional.F;
import org.simdcnn.kernels.Reduction;
import org.simdcnn.tensor.Tensor;

/** PyTorch's {@code nn.MSELoss(reduction='mean')}. */
public final class MSELoss extends Loss {
    private Tensor lastInput;
    private Tensor lastTarget;

    public MSELoss() {
        this(Reduction.MEAN);
    }

    public MSELoss(Reduction reduction) {
        super(reduction);
    }

    /** The loss of {@code input} against {@code target} (same shape). */
    public float forward(Tensor input, Tensor target) {
        F.sameShape("mse_loss", input, target);
        float[] out = reduction() == Reduction.NONE ? new float[input.size()] : null;
        float v = SimdCnn.backend().losses().mse(reduction(), input.size(), input.data(), input.offset(),
                target.data(), target.offset(), out, 0);
        lastLosses = out == null ? null : Tensor.of(out, input.shape());
        lastInput = input;
        lastTarget = target;
        return v;
    }

    @Override
    public Tensor backward() {
        return backward(null);
    }

    @Override
    public Tensor backward(Tensor gradOutput) {
        if (lastInput == null) {
            throw noForward();
        }
        float[] d = upstream(gradOutput, lastInput.size());
        Tensor dx = Tensor.zeros(lastInput.shape());
        SimdCnn.backend().losses().mseBackward(reduction(), lastInput.size(), lastInput.data(), lastInput.offset(),
                lastTarget.data(), lastTarget.offset(), d, 0, dx.data(), 0);
        return dx;
    }
}
