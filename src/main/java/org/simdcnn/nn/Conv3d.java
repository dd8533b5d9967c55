package org.simdcnn.nn;

import org.simdcnn.geometry.Padding;

/**
 * PyTorch's {@code nn.Conv3d(in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1,
 * bias=True)}: input {@code (N, Cin, 3d spatial)}, zero padding. See {@link ConvNd} and {@link #builder}.
 */
public final class Conv3d extends ConvNd {
    public Conv3d(int inChannels, int outChannels, int kernelSize, int stride, int padding, int dilation,
            int groups, boolean bias) {
        super(3, inChannels, outChannels, new int[] {kernelSize}, new int[] {stride}, Padding.of(padding),
                new int[] {dilation}, groups, bias);
    }

    public Conv3d(int inChannels, int outChannels, int kernelSize) {
        this(inChannels, outChannels, kernelSize, 1, 0, 1, 1, true);
    }

    public Conv3d(int inChannels, int outChannels, int kernelSize, int stride, int padding) {
        this(inChannels, outChannels, kernelSize, stride, padding, 1, 1, true);
    }

    public Conv3d(int inChannels, int outChannels, int kernelSize, int stride, int padding, boolean bias) {
        this(inChannels, outChannels, kernelSize, stride, padding, 1, 1, bias);
    }

    /** Per-dimension tuples; {@code padding} may be same, valid, explicit or asymmetric. */
    public Conv3d(int inChannels, int outChannels, int[] kernelSize, int[] stride, Padding padding, int[] dilation,
            int groups, boolean bias) {
        super(3, inChannels, outChannels, kernelSize, stride, padding, dilation, groups, bias);
    }

    /** A builder: {@code Conv3d.builder(in, out).kernelSize(...).stride(...).padding(Padding.same()).build()}. */
    public static Builder<Conv3d> builder(int inChannels, int outChannels) {
        return new Builder<>(Conv3d::new, inChannels, outChannels);
    }
}
