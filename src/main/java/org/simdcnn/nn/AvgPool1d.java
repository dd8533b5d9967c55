package org.simdcnn.nn;

/**
 * PyTorch's {@code nn.AvgPool1d(kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True)};
 * stride null (or omitted) means the kernel size.
 */
public final class AvgPool1d extends AvgPoolNd {
    public AvgPool1d(int kernelSize) {
        super(1, new int[] {kernelSize}, null, new int[] {0}, false, true);
    }

    public AvgPool1d(int kernelSize, int stride) {
        super(1, new int[] {kernelSize}, new int[] {stride}, new int[] {0}, false, true);
    }

    public AvgPool1d(int kernelSize, int stride, int padding) {
        super(1, new int[] {kernelSize}, new int[] {stride}, new int[] {padding}, false, true);
    }

    public AvgPool1d(int kernelSize, int stride, int padding, boolean ceilMode, boolean countIncludePad) {
        super(1, new int[] {kernelSize}, new int[] {stride}, new int[] {padding}, ceilMode, countIncludePad);
    }

    /** Per-dimension tuples (one value or one per dimension); {@code stride} null means the kernel size. */
    public AvgPool1d(int[] kernelSize, int[] stride, int[] padding, boolean ceilMode, boolean countIncludePad) {
        super(1, kernelSize, stride, padding, ceilMode, countIncludePad);
    }
}
