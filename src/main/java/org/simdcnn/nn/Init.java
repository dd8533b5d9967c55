package org.simdcnn.nn;

import java.util.SplittableRandom;
import org.simdcnn.tensor.Tensor;

/**
 * The library's global, seeded generator for parameter initialisation and dropout seeds, and PyTorch's default
 * initialisers. Like {@code torch.manual_seed}: after {@link #manualSeed(long)} the same sequence of layer
 * constructions gives the same parameters, bit for bit. (The values are not PyTorch's own random stream; the
 * distributions are PyTorch's.) The generator starts seeded with 0. Thread-safe (calls are serialised).
 */
public final class Init {
    private static SplittableRandom rng = new SplittableRandom(0);

    private Init() {
    }

    /** Reseeds the global generator. */
    public static synchronized void manualSeed(long seed) {
        rng = new SplittableRandom(seed);
    }

    /** A fresh seed drawn from the global generator (for modules that own a generator, such as Dropout). */
    public static synchronized long nextSeed() {
        return rng.nextLong();
    }

    /** Fills {@code t} with uniform values in {@code [lo, hi)} from the global generator. */
    public static synchronized void uniform(Tensor t, double lo, double hi) {
        if (!(lo <= hi)) {
            throw new IllegalArgumentException("uniform: needs lo <= hi, got lo=" + lo + " hi=" + hi);
        }
        float[] d = t.data();
        int off = t.offset();
        for (int i = 0; i < t.size(); i++) {
            d[off + i] = (float) (lo + (hi - lo) * rng.nextDouble());
        }
        t.markModified();
    }

    /**
     * PyTorch's {@code kaiming_uniform_(t, a, mode='fan_in', nonlinearity='leaky_relu')}: uniform in
     * {@code [-b, b)} with {@code b = sqrt(3) * sqrt(2 / (1 + a^2)) / sqrt(fanIn)}. With {@code a = sqrt(5)} (the
     * default of conv and linear layers) {@code b = 1/sqrt(fanIn)}.
     */
    public static void kaimingUniform(Tensor t, double a, int fanIn) {
        if (fanIn < 1) {
            throw new IllegalArgumentException("fanIn: must be >= 1, got " + fanIn);
        }
        double gain = Math.sqrt(2.0 / (1.0 + a * a));
        double bound = Math.sqrt(3.0) * gain / Math.sqrt(fanIn);
        uniform(t, -bound, bound);
    }

    /** PyTorch's default bias initialisation of conv and linear layers: uniform in {@code [-1/sqrt(fanIn), ..)}. */
    public static void biasUniform(Tensor t, int fanIn) {
        if (fanIn < 1) {
            throw new IllegalArgumentException("fanIn: must be >= 1, got " + fanIn);
        }
        double bound = 1.0 / Math.sqrt(fanIn);
        uniform(t, -bound, bound);
    }
}
