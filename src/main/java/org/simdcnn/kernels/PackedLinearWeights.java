package org.simdcnn.kernels;

import java.util.Arrays;

/**
 * The weights {@code (out, in)} of one fully connected layer prepared once for many forward calls: made by
 * {@link Linear#pack}, used by {@link Linear#forward(int, int, int, float[], int, PackedLinearWeights, float[],
 * float[], int, Epilogue)}, refreshed in place by {@link Linear#repack}.
 *
 * <p><b>A snapshot.</b> Packing copies the weights; later changes to the weight array are NOT seen. Whoever changes
 * the weights must call {@link Linear#repack} before the next forward (the {@code nn} layer compares the weight
 * tensor's version with the one it packed). Any batch size may use them. Instances belong to the backend that made
 * them.
 */
public interface PackedLinearWeights {
    /** Input features ({@code in}, the weight's second dimension). */
    int inFeatures();

    /** Output features ({@code out}, the weight's first dimension). */
    int outFeatures();

    /** The plain form used by backends without a packed layout: a copy of the weights in PyTorch's layout. */
    final class Copy implements PackedLinearWeights {
        private final int in;
        private final int out;
        private final float[] weights;

        /** Copies {@code out * in} weights from {@code w[wOff...]} ({@link Linear#checkPack}'s refusals). */
        public Copy(int in, int out, float[] w, int wOff) {
            Linear.checkPack("pack", in, out, w, wOff);
            this.in = in;
            this.out = out;
            this.weights = Arrays.copyOfRange(w, wOff, wOff + out * in);
        }

        @Override
        public int inFeatures() {
            return in;
        }

        @Override
        public int outFeatures() {
            return out;
        }

        /** The copied weights, {@code (out, in)}; refreshed by {@link #refill}. */
        public float[] weights() {
            return weights;
        }

        /** Copies the current weights in again (no allocation). */
        public void refill(float[] w, int wOff) {
            System.arraycopy(w, wOff, weights, 0, weights.length);
        }

        @Override
        public String toString() {
            return "PackedLinearWeights.Copy[in=" + in + ", out=" + out + "]";
        }
    }
}
