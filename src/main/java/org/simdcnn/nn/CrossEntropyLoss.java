package org.simdcnn.nn;

import org.simdcnn.SimdCnn;
import org.simdcnn.functional.F;
import org.simdcnn.kernels.Reduction;
import org.simdcnn.tensor.Tensor;

/**
 * PyTorch's {@code nn.CrossEntropyLoss(weight=None, ignore_index=-100, reduction='mean', label_smoothing=0.0)} on
 * logits {@code (N, C)} or {@code (N, C, d...)} with class-index targets ({@code N} or {@code N*prod(d)} of them).
 */
public final class CrossEntropyLoss extends Loss {
    private final Tensor weight;
    private final int ignoreIndex;
    private final float labelSmoothing;
    private Tensor lastInput;
    private int[] lastTarget;
    private int[] lastBci;

    public CrossEntropyLoss() {
        this(null, -100, Reduction.MEAN, 0f);
    }

    public CrossEntropyLoss(Reduction reduction) {
        this(null, -100, reduction, 0f);
    }

    /**
     * @param weight per-class weight {@code (C)} or null
     * @param ignoreIndex target value that contributes nothing
     * @param labelSmoothing in [0, 1]
     */
    public CrossEntropyLoss(Tensor weight, int ignoreIndex, Reduction reduction, float labelSmoothing) {
        super(reduction);
        if (!(labelSmoothing >= 0f && labelSmoothing <= 1f)) {
            throw new IllegalArgumentException("CrossEntropyLoss: labelSmoothing must be in [0, 1], got "
                    + labelSmoothing);
        }
        if (weight != null && weight.rank() != 1) {
            throw new IllegalArgumentException("CrossEntropyLoss: weight must be one-dimensional (C), got shape "
                    + java.util.Arrays.toString(weight.shape()));
        }
        this.weight = weight;
        this.ignoreIndex = ignoreIndex;
        this.labelSmoothing = labelSmoothing;
    }

    /** The loss of {@code logits} against class indices {@code targets}. */
    public float forward(Tensor logits, int[] targets) {
        int[] bci = F.classification("cross_entropy", logits, targets, weight, ignoreIndex);
        float[] out = reduction() == Reduction.NONE ? new float[bci[0] * bci[2]] : null;
        float v = SimdCnn.backend().losses().crossEntropy(reduction(), bci[0], bci[1], bci[2], logits.data(),
                logits.offset(), targets, 0, weight == null ? null : weight.toArray(), ignoreIndex, labelSmoothing,
                out, 0);
        lastLosses = out == null ? null : Tensor.of(out, targetShape(logits));
        lastInput = logits;
        lastTarget = targets.clone();
        lastBci = bci;
        return v;
    }

    static int[] targetShape(Tensor logits) {
        int[] s = logits.shape();
        int[] t = new int[s.length - 1];
        t[0] = s[0];
        System.arraycopy(s, 2, t, 1, s.length - 2);
        return t;
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
        SimdCnn.backend().losses().crossEntropyBackward(reduction(), bci[0], bci[1], bci[2], lastInput.data(),
                lastInput.offset(), lastTarget, 0, weight == null ? null : weight.toArray(), ignoreIndex,
                labelSmoothing, d, 0, dx.data(), 0);
        return dx;
    }
}
