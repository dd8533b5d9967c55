package org.simdcnn.nn;

import org.simdcnn.SimdCnn;
import org.simdcnn.functional.F;
import org.simdcnn.kernels.Reduction;
import org.simdcnn.tensor.Tensor;

/**
 * PyTorch's {@code nn.BCEWithLogitsLoss(weight=None, reduction='mean', pos_weight=None)}: {@code weight}
 * (optional) has the input's shape, {@code posWeight} (optional) has one value per class (dimension 1 of the
 * input, or the only dimension of a 1-d input).
 */
public final class BCEWithLogitsLoss extends Loss {
    private final Tensor weight;
    private final Tensor posWeight;
    private Tensor lastInput;
    private Tensor lastTarget;
    private float[] lastWeight;
    private float[] lastPos;
    private int lastPosInner;

    public BCEWithLogitsLoss() {
        this(null, Reduction.MEAN, null);
    }

    public BCEWithLogitsLoss(Tensor weight, Reduction reduction, Tensor posWeight) {
        super(reduction);
        this.weight = weight;
        this.posWeight = posWeight;
    }

    public float forward(Tensor input, Tensor target) {
        String op = "binary_cross_entropy_with_logits";
        F.sameShape(op, input, target);
        float[] w = F.elementWeight(op, weight, input);
        int posInner = F.posInner(op, posWeight, input);
        float[] pos = posWeight == null ? null : posWeight.toArray();
        float[] out = reduction() == Reduction.NONE ? new float[input.size()] : null;
        float v = SimdCnn.backend().losses().bceWithLogits(reduction(), input.size(), input.data(), input.offset(),
                target.data(), target.offset(), w, pos, posInner, out, 0);
        lastLosses = out == null ? null : Tensor.of(out, input.shape());
        lastInput = input;
        lastTarget = target;
        lastWeight = w;
        lastPos = pos;
        lastPosInner = posInner;
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
        SimdCnn.backend().losses().bceWithLogitsBackward(reduction(), lastInput.size(), lastInput.data(),
                lastInput.offset(), lastTarget.data(), lastTarget.offset(), lastWeight, lastPos, lastPosInner, d, 0,
                dx.data(), 0);
        return dx;
    }
}
