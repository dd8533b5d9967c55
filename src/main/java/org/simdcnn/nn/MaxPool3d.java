package org.simdcnn.nn;

/**
 * PyTorch's {@code nn.MaxPool3d(kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False)}; stride null
 * (or omitted) means the kernel size.
 */
public final class MaxPool3d extends MaxPoolNd {
    public MaxPool3d(int kernelSize) {
        super(3, new int[] {kernelSize}, null, new int[] {0}, new int[] {1}, false);
    }

    public MaxPool3d(int kernelSize, int stride) {
        super(3, new int[] {kernelSize}, new int[] {stride}, new int[] {0}, new int[] {1}, false);
    }

    public MaxPool3d(int kernelSize, int stride, int padding) {
        super(3, new int[] {kernelSize}, new int[] {stride}, new int[] {padding}, new int[] {1}, false);
    }

    public MaxPool3d(int kernelSize, int stride, int padding, int dilation, boolean ceilMode) {
        super(3, new int[] {kernelSize}, new int[] {stride}, new int[] {padding}, new int[] {dilation}, ceilMode);
    }

    /** Per-dimension tuples (one value or one per dimension); {@code stride} null means the kernel size. */
    public MaxPool3d(int[] kernelSize, int[] stride, int[] padding, int[] dilation, boolean ceilMode) {
        super(3, kernelSize, stride, padding, dilation, ceilMode);
    }
}
