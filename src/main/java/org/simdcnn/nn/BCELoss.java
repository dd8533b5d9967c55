package org.simdcnn.nn;

import org.simdcnn.SimdCnn;
import org.simdcnn.functional.F;
import org.simdcnn.kernels.Reduction;
import org.simdcnn.tensor.Tensor;

/**
 * PyTorch's {@code nn.BCELoss(weight=None, reduction='mean')} on probabilities; {@code weight} (optional) has the
 * input's shape.
 */
public final class BCELoss extends Loss {
    private final Tensor weight;
    private Tensor lastInput;
    private Tensor lastTarget;
    private float[] lastWeight;

    public BCELoss() {
        this(null, Reduction.MEAN);
    }

    public BCELoss(Tensor weight, Reduction reduction) {
        super(reduction);
        this.weight = weight;
    }

    public float forward(Tensor input, Tensor target) {
        F.sameShape("binary_cross_entropy", input, target);
        F.checkProbabilities("binary_cross_entropy", input);
        float[] w = F.elementWeight("binary_cross_entropy", weight, input);
        float[] out = reduction() == Reduction.NONE ? new float[input.size()] : null;
        float v = SimdCnn.backend().losses().bce(reduction(), input.size(), input.data(), input.offset(),
                target.data(), target.offset(), w, out, 0);
        lastLosses = out == null ? null : Tensor.of(out, input.shape());
        lastInput = input;
        lastTarget = target;
        lastWeight = w;
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
        SimdCnn.backend().losses().bceBackward(reduction(), lastInput.size(), lastInput.data(), lastInput.offset(),
                lastTarget.data(), lastTarget.offset(), lastWeight, d, 0, dx.data(), 0);
        return dx;
    }
}
