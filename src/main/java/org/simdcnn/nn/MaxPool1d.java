package org.simdcnn.nn;

/**
 * PyTorch's {@code nn.MaxPool1d(kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False)}; stride null
 * (or omitted) means the kernel size.
 */
public final class MaxPool1d extends MaxPoolNd {
    public MaxPool1d(int kernelSize) {
        super(1, new int[] {kernelSize}, null, new int[] {0}, new int[] {1}, false);
    }

    public MaxPool1d(int kernelSize, int stride) {
        super(1, new int[] {kernelSize}, new int[] {stride}, new int[] {0}, new int[] {1}, false);
    }

    public MaxPool1d(int kernelSize, int stride, int padding) {
        super(1, new int[] {kernelSize}, new int[] {stride}, new int[] {padding}, new int[] {1}, false);
    }

    public MaxPool1d(int kernelSize, int stride, int padding, int dilation, boolean ceilMode) {
        super(1, new int[] {kernelSize}, new int[] {stride}, new int[] {padding}, new int[] {dilation}, ceilMode);
    }

    /** Per-dimension tuples (one value or one per dimension); {@code stride} null means the kernel size. */
    public MaxPool1d(int[] kernelSize, int[] stride, int[] padding, int[] dilation, boolean ceilMode) {
        super(1, kernelSize, stride, padding, dilation, ceilMode);
    }
}
