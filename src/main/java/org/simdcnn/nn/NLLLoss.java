package org.simdcnn.nn;

import org.simdcnn.SimdCnn;
import org.simdcnn.functional.F;
import org.simdcnn.kernels.Reduction;
import org.simdcnn.tensor.Tensor;

/**
 * PyTorch's {@code nn.NLLLoss(weight=None, ignore_index=-100, reduction='mean')} on log-probabilities
 * {@code (N, C)} or {@code (N, C, d...)} with class-index targets.
 */
public final class NLLLoss extends Loss {
    private final Tensor weight;
    private final int ignoreIndex;
    private Tensor lastInput;
    private int[] lastTarget;
    private int[] lastBci;

    public NLLLoss() {
        this(null, -100, Reduction.MEAN);
    }

    public NLLLoss(Tensor weight, int ignoreIndex, Reduction reduction) {
        super(reduction);
        this.weight = weight;
        this.ignoreIndex = ignoreIndex;
    }

    public float forward(Tensor logProbs, int[] targets) {
        int[] bci = F.classification("nll_loss", logProbs, targets, weight, ignoreIndex);
        float[] out = reduction() == Reduction.NONE ? new float[bci[0] * bci[2]] : null;
        float v = SimdCnn.backend().losses().nll(reduction(), bci[0], bci[1], bci[2], logProbs.data(),
                logProbs.offset(), targets, 0, weight == null ? null : weight.toArray(), ignoreIndex, out, 0);
        lastLosses = out == null ? null : Tensor.of(out, CrossEntropyLoss.targetShape(logProbs));
        lastInput = logProbs;
        lastTarget = targets.clone();
        lastBci = bci;
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
        int[] bci = lastBci;
        float[] d = upstream(gradOutput, bci[0] * bci[2]);
        Tensor dx = Tensor.zeros(lastInput.shape());
        SimdCnn.backend().losses().nllBackward(reduction(), bci[0], bci[1], bci[2], lastInput.data(),
                lastInput.offset(), lastTarget, 0, weight == null ? null : weight.toArray(), ignoreIndex, d, 0,
                dx.data(), 0);
        return dx;
    }
}
