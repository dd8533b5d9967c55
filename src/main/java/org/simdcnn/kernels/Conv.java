package org.simdcnn.kernels;

import org.simdcnn.geometry.ConvGeometry;

/**
 * Convolution in PyTorch's semantics over a validated {@link ConvGeometry} (1d, 2d and 3d share the normalised
 * three-dimensional form). Layouts: input {@code (N, Cin, sp...)}, weight {@code (Cout, Cin/groups, k...)}, bias
 * {@code (Cout)} or null, output {@code (N, Cout, outSp...)}; all contiguous from the given offsets.
 *
 * <p>Every method <b>overwrites</b> its output (it does not accumulate into it). Arguments are trusted.
 */
public interface Conv {
    /** {@code y = epilogue(conv(x, w) + bias)}; {@code bias} may be null. */
    void forward(ConvGeometry g, float[] x, int xOff, float[] w, int wOff, float[] bias, float[] y, int yOff,
            Epilogue epilogue);

    default void forward(ConvGeometry g, float[] x, int xOff, float[] w, int wOff, float[] bias, float[] y,
            int yOff) {
        forward(g, x, xOff, w, wOff, bias, y, yOff, Epilogue.NONE);
    }

    /**
     * Packs the weights {@code (Cout, Cin/groups, k...)} of convolution {@code g} once for many
     * {@link #forward(ConvGeometry, float[], int, PackedConvWeights, float[], float[], int, Epilogue)} calls. The
     * result is a snapshot: call {@link #repack} after the weights change. Allocates (once per layer).
     */
    default PackedConvWeights pack(ConvGeometry g, float[] w, int wOff) {
        return new PackedConvWeights.Copy(g, w, wOff);
    }

    /**
     * Refreshes {@code pw} (made by this backend's {@link #pack}) from the current weights, in place and without
     * allocating; call it after every change of the weights (e.g. after each optimizer step).
     */
    default void repack(PackedConvWeights pw, float[] w, int wOff) {
        if (!(pw instanceof PackedConvWeights.Copy c)) {
            throw new IllegalArgumentException("repack: weights were packed by another backend: " + pw);
        }
        c.refill(w, wOff);
    }

    /**
     * {@code y = epilogue(conv(x, w) + bias)} with weights packed by this backend's {@link #pack}; {@code g} must
     * satisfy {@link PackedConvWeights#fits} (same channels, groups and kernel; batch and sizes may differ).
     */
    default void forward(ConvGeometry g, float[] x, int xOff, PackedConvWeights pw, float[] bias, float[] y,
            int yOff, Epilogue epilogue) {
        if (!(pw instanceof PackedConvWeights.Copy c)) {
            throw new IllegalArgumentException("forward: weights were packed by another backend: " + pw);
        }
        if (!c.fits(g)) {
            throw new IllegalArgumentException("forward: weights packed for " + c.geometry().name()
                    + " do not fit " + g.name());
        }
        forward(g, x, xOff, c.weights(), 0, bias, y, yOff, epilogue);
    }

    /** Gradient with respect to the input: {@code dx = conv_transpose(dy, w)}. */
    void backwardInput(ConvGeometry g, float[] dy, int dyOff, float[] w, int wOff, float[] dx, int dxOff);

    /** Gradient with respect to the weight, summed over the batch. */
    void backwardWeight(ConvGeometry g, float[] x, int xOff, float[] dy, int dyOff, float[] dw, int dwOff);

    /** Gradient with respect to the bias: {@code db[c] = sum over n and space of dy}. {@code db} has Cout entries. */
    void backwardBias(ConvGeometry g, float[] dy, int dyOff, float[] db);

    /**
     * Transposed convolution forward over a transposed geometry ({@link ConvGeometry#isTransposed()}): input
     * {@code (N, Cin, sp...)}, weight {@code (Cin, Cout/groups, k...)}, bias {@code (Cout)} or null, output
     * {@code (N, Cout, outSp...)}.
     */
    void transposedForward(ConvGeometry g, float[] x, int xOff, float[] w, int wOff, float[] bias, float[] y,
            int yOff);

    /**
     * PyTorch's {@code unfold} over the whole batch: input {@code (N, C, sp...)} with C = {@code g.inChannels()}
     * becomes columns {@code (N, C*kernelVolume, outSpatial)}; row {@code c*kernelVolume + kd*kH*kW + kh*kW + kw},
     * column {@code od*outH*outW + oh*outW + ow}; taps in the padding are 0. Groups and outChannels are ignored.
     */
    void im2col(ConvGeometry g, float[] x, int xOff, float[] col, int colOff);

    /**
     * PyTorch's {@code fold}, the adjoint of {@link #im2col}: columns {@code (N, C*kernelVolume, outSpatial)} are
     * summed back into {@code (N, C, sp...)}; taps in the padding are dropped. Overwrites {@code x}.
     */
    void col2im(ConvGeometry g, float[] col, int colOff, float[] x, int xOff);
}
