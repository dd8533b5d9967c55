package org.simdcnn.kernels;

/**
 * Losses in PyTorch's semantics, forward and gradient.
 *
 * <p>Conventions shared by every loss: forward returns the reduced loss for {@link Reduction#MEAN} and
 * {@link Reduction#SUM}; for {@link Reduction#NONE} it writes the per-element losses to {@code out} (from
 * {@code outOff}) and returns their sum. {@code out} may be null unless the reduction is NONE. Backward takes the
 * upstream gradient {@code dOut}: one value for MEAN/SUM, one per element for NONE, and overwrites {@code dx}.
 * Optional arrays (weights) may be null.
 */
public interface Losses {
    /** Mean squared error over {@code n} elements. */
    float mse(Reduction r, int n, float[] x, int xOff, float[] t, int tOff, float[] out, int outOff);

    void mseBackward(Reduction r, int n, float[] x, int xOff, float[] t, int tOff, float[] dOut, int dOutOff,
            float[] dx, int dxOff);

    /**
     * Binary cross-entropy on probabilities {@code x} in [0, 1]: {@code -w*(t*log(x) + (1-t)*log(1-x))}, each
     * log clamped at -100 as PyTorch does. {@code weight}: null or {@code n} per-element weights from index 0.
     */
    float bce(Reduction r, int n, float[] x, int xOff, float[] t, int tOff, float[] weight, float[] out,
            int outOff);

    void bceBackward(Reduction r, int n, float[] x, int xOff, float[] t, int tOff, float[] weight, float[] dOut,
            int dOutOff, float[] dx, int dxOff);

    /**
     * BCE on logits in the stable form: {@code -w*(p*t*log(sigmoid(x)) + (1-t)*log(1-sigmoid(x)))} with
     * {@code p = posWeight[(i / posInner) % posWeight.length]} (1 when {@code posWeight} is null), so a
     * {@code posWeight} of shape {@code (C)} applies to input {@code (N, C)} with {@code posInner = 1} and to
     * {@code (N, C, H, W)} with {@code posInner = H*W}.
     */
    float bceWithLogits(Reduction r, int n, float[] x, int xOff, float[] t, int tOff, float[] weight,
            float[] posWeight, int posInner, float[] out, int outOff);

    void bceWithLogitsBackward(Reduction r, int n, float[] x, int xOff, float[] t, int tOff, float[] weight,
            float[] posWeight, int posInner, float[] dOut, int dOutOff, float[] dx, int dxOff);

    /**
     * Cross-entropy from logits {@code (batch, classes, inner)} and class indices {@code (batch, inner)}, with
     * per-class {@code weight} (or null), {@code ignoreIndex} and {@code labelSmoothing} in [0, 1], PyTorch's
     * formulas (MEAN divides by the summed weight of the non-ignored targets). A target outside
     * {@code [0, classes)} that is not {@code ignoreIndex} is an {@link IllegalArgumentException}, checked
     * before any work.
     */
    float crossEntropy(Reduction r, int batch, int classes, int inner, float[] x, int xOff, int[] target,
            int tOff, float[] weight, int ignoreIndex, float labelSmoothing, float[] out, int outOff);

    void crossEntropyBackward(Reduction r, int batch, int classes, int inner, float[] x, int xOff, int[] target,
            int tOff, float[] weight, int ignoreIndex, float labelSmoothing, float[] dOut, int dOutOff,
            float[] dx, int dxOff);

    /** Negative log-likelihood on log-probabilities {@code (batch, classes, inner)}; as cross-entropy otherwise. */
    float nll(Reduction r, int batch, int classes, int inner, float[] x, int xOff, int[] target, int tOff,
            float[] weight, int ignoreIndex, float[] out, int outOff);

    void nllBackward(Reduction r, int batch, int classes, int inner, float[] x, int xOff, int[] target, int tOff,
            float[] weight, int ignoreIndex, float[] dOut, int dOutOff, float[] dx, int dxOff);

    /**
     * The target check every implementation runs before any work: each class index in {@code (batch, inner)} must
     * lie in {@code [0, classes)} unless it equals {@code ignoreIndex}.
     *
     * @throws IllegalArgumentException naming the operation, the flat index (sample and position) and the value
     */
    static void checkTargets(String op, int batch, int classes, int inner, int[] target, int tOff, int ignoreIndex) {
        int m = batch * inner;
        for (int k = 0; k < m; k++) {
            int c = target[tOff + k];
            if (c != ignoreIndex && (c < 0 || c >= classes)) {
                throw new IllegalArgumentException(op + ": target at index " + k + " (sample " + (k / inner)
                        + (inner > 1 ? ", position " + (k % inner) : "") + ") is " + c + ", outside [0, " + classes
                        + ") and not the ignoreIndex " + ignoreIndex);
            }
        }
    }
}
