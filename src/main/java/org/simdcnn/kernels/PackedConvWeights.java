package org.simdcnn.kernels;

import java.util.Arrays;
import org.simdcnn.geometry.ConvGeometry;

/**
 * The weights of one convolution prepared once for many forward calls (XNNPACK's create, reshape, run): made by
 * {@link Conv#pack}, used by {@link Conv#forward(ConvGeometry, float[], int, PackedConvWeights, float[], float[],
 * int, Epilogue)}, refreshed in place by {@link Conv#repack}.
 *
 * <p><b>A snapshot.</b> Packing copies the weights; later changes to the weight array are NOT seen. Whoever changes
 * the weights (an optimizer step, a load) must call {@link Conv#repack} before the next forward; the usual scheme
 * is a version counter on the weight that the optimizer bumps and the layer compares with the version it packed.
 *
 * <p><b>Reshape.</b> The packed form depends only on the channels, groups and kernel size of the geometry it was
 * made for; it serves any geometry with the same {@code inChannels, outChannels, groups} and kernel size (batch,
 * spatial size, stride, padding and dilation may differ). Instances belong to the backend that made them.
 */
public interface PackedConvWeights {
    /** The geometry these weights were packed for. */
    ConvGeometry geometry();

    /**
     * True when {@code g} may use these weights: a (non-transposed) convolution with the same channels, groups and
     * kernel size.
     */
    default boolean fits(ConvGeometry g) {
        ConvGeometry p = geometry();
        return !g.isTransposed() && g.inChannels() == p.inChannels() && g.outChannels() == p.outChannels()
                && g.groups() == p.groups() && g.kD() == p.kD() && g.kH() == p.kH() && g.kW() == p.kW();
    }

    /** The plain form used by backends without a packed layout: a copy of the weights in PyTorch's layout. */
    final class Copy implements PackedConvWeights {
        private final ConvGeometry geometry;
        private final float[] weights;

        /** Copies {@code g.weightSize()} weights from {@code w[wOff...]}. */
        public Copy(ConvGeometry g, float[] w, int wOff) {
            this.geometry = g;
            this.weights = Arrays.copyOfRange(w, wOff, wOff + g.weightSize());
        }

        @Override
        public ConvGeometry geometry() {
            return geometry;
        }

        /** The copied weights, {@code (Cout, Cin/groups, k...)}; refreshed by {@link #refill}. */
        public float[] weights() {
            return weights;
        }

        /** Copies the current weights in again (no allocation). */
        public void refill(float[] w, int wOff) {
            System.arraycopy(w, wOff, weights, 0, weights.length);
        }
    }
}
