package org.simdcnn.nn;

import java.util.SplittableRandom;
import org.simdcnn.tensor.Tensor;

/**
 * PyTorch's {@code nn.Dropout(p=0.5)}, seeded: in training each element is zeroed with probability {@code p} and
 * the rest scaled by {@code 1/(1-p)}; in eval the identity (a copy). The masks come from the module's own
 * generator, seeded from {@link Init} at construction (or explicitly), so the same seed gives the same masks.
 */
public final class Dropout extends Module {
    private final float p;
    private SplittableRandom rng;
    private float[] lastScale;
    private int[] lastShape;

    public Dropout() {
        this(0.5f);
    }

    public Dropout(float p) {
        this(p, Init.nextSeed());
    }

    public Dropout(float p, long seed) {
        if (!(p >= 0f && p <= 1f)) {
            throw new IllegalArgumentException("Dropout: p must be in [0, 1], got " + p);
        }
        this.p = p;
        this.rng = new SplittableRandom(seed);
    }

    /** Reseeds the mask generator. */
    public void seed(long seed) {
        rng = new SplittableRandom(seed);
    }

    @Override
    public Tensor forward(Tensor x) {
        if (x == null) {
            throw new IllegalArgumentException("Dropout: input must not be null");
        }
        if (!isTraining()) {
            return x.copy();
        }
        int n = x.size();
        float[] scale = lastScale != null && lastScale.length == n ? lastScale : new float[n];
        float keep = p == 1f ? 0f : 1f / (1f - p);
        for (int i = 0; i < n; i++) {
            scale[i] = rng.nextDouble() < p ? 0f : keep;
        }
        Tensor y = Tensor.zeros(x.shape());
        float[] xd = x.data();
        float[] yd = y.data();
        int off = x.offset();
        for (int i = 0; i < n; i++) {
            yd[i] = xd[off + i] * scale[i];
        }
        lastScale = scale;
        lastShape = x.shape();
        return y;
    }

    @Override
    public Tensor backward(Tensor gradOutput) {
        if (lastScale == null || !isTraining()) {
            throw noForward();
        }
        checkGradShape("Dropout", gradOutput, lastShape);
        Tensor dx = Tensor.zeros(lastShape);
        float[] g = gradOutput.data();
        int off = gradOutput.offset();
        float[] d = dx.data();
        for (int i = 0; i < d.length; i++) {
            d[i] = g[off + i] * lastScale[i];
        }
        return dx;
    }

    @Override
    protected void onModeChange(boolean training) {
        if (!training) {
            lastScale = null;
        }
    }

    @Override
    protected String extraRepr() {
        return "p=" + p;
    }
}
