package org.simdcnn.geometry;

import java.util.Arrays;

/**
 * The validated geometry of one pooling call (max or average, 1d/2d/3d), PyTorch's rules: symmetric padding of at
 * most half the kernel, stride defaulting to the kernel, dilation (max pooling only), and {@code ceilMode} with
 * the rule that a last window starting in the right padding is dropped.
 *
 * <p>Spatial parameters are normalised to three dimensions (0 = depth, 1 = height, 2 = width) as in
 * {@link ConvGeometry}. Input {@code (N, C, spatial...)}, output {@code (N, C, outSpatial...)}.
 */
public final class PoolGeometry {
    private final String op;
    private final int dims;
    private final int batch;
    private final int channels;
    private final int[] in;
    private final int[] out;
    private final int[] kernel;
    private final int[] stride;
    private final int[] pad;
    private final int[] dilation;
    private final boolean ceilMode;

    private PoolGeometry(String op, int dims, int batch, int channels, int[] in, int[] out, int[] kernel,
            int[] stride, int[] pad, int[] dilation, boolean ceilMode) {
        this.op = op;
        this.dims = dims;
        this.batch = batch;
        this.channels = channels;
        this.in = in;
        this.out = out;
        this.kernel = kernel;
        this.stride = stride;
        this.pad = pad;
        this.dilation = dilation;
        this.ceilMode = ceilMode;
    }

    /**
     * A pooling geometry. {@code kind} names the operation in messages ({@code "max_pool"}, {@code "avg_pool"}).
     * Per-dimension arrays take one value or one per dimension; {@code stride == null} means stride = kernel
     * (PyTorch's default); {@code dilation == null} means 1.
     */
    public static PoolGeometry of(String kind, int dims, int batch, int channels, int[] inSize, int[] kernel,
            int[] stride, int[] padding, int[] dilation, boolean ceilMode) {
        if (dims < 1 || dims > 3) {
            throw new IllegalArgumentException("pool: dims must be 1, 2 or 3, got " + dims);
        }
        String op = kind + dims + "d";
        Geometry.positive(op, "batch", batch);
        Geometry.positive(op, "channels", channels);
        if (inSize == null || inSize.length != dims) {
            throw new IllegalArgumentException(op + ": input size needs " + dims + " values, got "
                    + (inSize == null ? "null" : Arrays.toString(inSize)));
        }
        int[] in3 = Geometry.expand3(op, "input size", inSize, dims, 1);
        int[] k3 = Geometry.expand3(op, "kernel size", kernel, dims, 1);
        int[] s3 = stride == null ? k3.clone() : Geometry.expand3(op, "stride", stride, dims, 1);
        int[] p3 = Geometry.expand3(op, "padding", padding == null ? new int[] {0} : padding, dims, 0);
        int[] d3 = Geometry.expand3(op, "dilation", dilation == null ? new int[] {1} : dilation, dims, 1);
        String[] names = Geometry.dimNames(dims);
        int[] o3 = new int[] {1, 1, 1};
        for (int i = 3 - dims; i < 3; i++) {
            o3[i] = Geometry.poolOutputSize(op, names[i - 3 + dims], in3[i], k3[i], s3[i], p3[i], d3[i], ceilMode);
        }
        Geometry.volume(op, "input", batch, channels, in3[0], in3[1], in3[2]);
        Geometry.volume(op, "output", batch, channels, o3[0], o3[1], o3[2]);
        return new PoolGeometry(op, dims, batch, channels, in3, o3, k3, s3, p3, d3, ceilMode);
    }

    /** Convenience for 2d pooling with square kernel, stride and padding. */
    public static PoolGeometry pool2d(String kind, int batch, int channels, int h, int w, int kernel, int stride,
            int padding, boolean ceilMode) {
        return of(kind, 2, batch, channels, new int[] {h, w}, new int[] {kernel}, new int[] {stride},
                new int[] {padding}, null, ceilMode);
    }

    public String op() {
        return op;
    }

    public int dims() {
        return dims;
    }

    public int batch() {
        return batch;
    }

    public int channels() {
        return channels;
    }

    public boolean ceilMode() {
        return ceilMode;
    }

    /** Normalised size of spatial dimension {@code i} (0 = depth, 1 = height, 2 = width). */
    public int in(int i) {
        return in[i];
    }

    public int out(int i) {
        return out[i];
    }

    public int kernel(int i) {
        return kernel[i];
    }

    public int stride(int i) {
        return stride[i];
    }

    public int pad(int i) {
        return pad[i];
    }

    public int dilation(int i) {
        return dilation[i];
    }

    public int inSpatial() {
        return in[0] * in[1] * in[2];
    }

    public int outSpatial() {
        return out[0] * out[1] * out[2];
    }

    public int inputSize() {
        return batch * channels * inSpatial();
    }

    public int outputSize() {
        return batch * channels * outSpatial();
    }

    public int[] inputShape() {
        return shape(in);
    }

    public int[] outputShape() {
        return shape(out);
    }

    private int[] shape(int[] sp) {
        int[] s = new int[2 + dims];
        s[0] = batch;
        s[1] = channels;
        System.arraycopy(sp, 3 - dims, s, 2, dims);
        return s;
    }

    @Override
    public String toString() {
        return op + "{mb" + batch + "_c" + channels + "_in" + Arrays.toString(Arrays.copyOfRange(in, 3 - dims, 3))
                + "_out" + Arrays.toString(Arrays.copyOfRange(out, 3 - dims, 3)) + "_k"
                + Arrays.toString(Arrays.copyOfRange(kernel, 3 - dims, 3)) + "_s"
                + Arrays.toString(Arrays.copyOfRange(stride, 3 - dims, 3)) + "_p"
                + Arrays.toString(Arrays.copyOfRange(pad, 3 - dims, 3)) + "_d"
                + Arrays.toString(Arrays.copyOfRange(dilation, 3 - dims, 3)) + (ceilMode ? "_ceil" : "") + "}";
    }
}
