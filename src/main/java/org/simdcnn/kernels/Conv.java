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
