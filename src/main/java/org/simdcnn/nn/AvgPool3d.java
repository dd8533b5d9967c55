package org.simdcnn.nn;

/**
 * PyTorch's {@code nn.AvgPool3d(kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True)};
 * stride null (or omitted) means the kernel size.
 */
public final class AvgPool3d extends AvgPoolNd {
    public AvgPool3d(int kernelSize) {
        super(3, new int[] {kernelSize}, null, new int[] {0}, false, true);
    }

    public AvgPool3d(int kernelSize, int stride) {
        super(3, new int[] {kernelSize}, new int[] {stride}, new int[] {0}, false, true);
    }

    public AvgPool3d(int kernelSize, int stride, int padding) {
        super(3, new int[] {kernelSize}, new int[] {stride}, new int[] {padding}, false, true);
    }

    public AvgPool3d(int kernelSize, int stride, int padding, boolean ceilMode, boolean countIncludePad) {
        super(3, new int[] {kernelSize}, new int[] {stride}, new int[] {padding}, ceilMode, countIncludePad);
    }

    /** Per-dimension tuples (one value or one per dimension); {@code stride} null means the kernel size. */
    public AvgPool3d(int[] kernelSize, int[] stride, int[] padding, boolean ceilMode, boolean countIncludePad) {
        super(3, kernelSize, stride, padding, ceilMode, countIncludePad);
    }
}
