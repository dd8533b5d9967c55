package org.simdcnn.geometry;

import java.util.Arrays;

/**
 * The complete, validated geometry of one convolution (or transposed convolution) call: batch, channels,
 * groups and, per spatial dimension, input size, kernel, stride, dilation, padding and output size.
 *
 * <p>Spatial parameters are stored <b>normalised to three dimensions</b> (index 0 = depth, 1 = height,
 * 2 = width); a 1d or 2d operation has its missing leading dimensions set to size 1, kernel 1, stride 1,
 * dilation 1, padding 0. Kernels can therefore serve 1d, 2d and 3d with one loop nest. {@link #dims()} says how
 * many dimensions the user sees, and the shape methods return shapes in the user's rank.
 *
 * <p>Tensor layouts (PyTorch's): input {@code (N, Cin, spatial...)}; weight {@code (Cout, Cin/groups, k...)} for
 * a convolution and {@code (Cin, Cout/groups, k...)} for a transposed convolution; bias {@code (Cout)}; output
 * {@code (N, Cout, outSpatial...)}. All contiguous, row-major.
 *
 * <p>Instances are immutable; every invalid configuration is rejected when it is built, before any allocation.
 */
public final class ConvGeometry {
    private final String op;
    private final int dims;
    private final boolean transposed;
    private final int batch;
    private final int inChannels;
    private final int outChannels;
    private final int groups;
    private final int[] in;
    private final int[] out;
    private final int[] kernel;
    private final int[] stride;
    private final int[] dilation;
    private final int[] padBefore;
    private final int[] padAfter;
    private final int[] outputPadding;

    private ConvGeometry(String op, int dims, boolean transposed, int batch, int inChannels, int outChannels,
            int groups, int[] in, int[] out, int[] kernel, int[] stride, int[] dilation, int[] padBefore,
            int[] padAfter, int[] outputPadding) {
        this.op = op;
        this.dims = dims;
        this.transposed = transposed;
        this.batch = batch;
        this.inChannels = inChannels;
        this.outChannels = outChannels;
        this.groups = groups;
        this.in = in;
        this.out = out;
        this.kernel = kernel;
        this.stride = stride;
        this.dilation = dilation;
        this.padBefore = padBefore;
        this.padAfter = padAfter;
        this.outputPadding = outputPadding;
    }

    /**
     * A convolution. Per-dimension arrays take one value (broadcast) or one per spatial dimension, in the user's
     * order (e.g. {@code {kh, kw}} for 2d).
     */
    public static ConvGeometry conv(int dims, int batch, int inChannels, int[] inSize, int outChannels,
            int[] kernel, int[] stride, Padding padding, int[] dilation, int groups) {
        String op = "conv" + dimsChecked(dims) + "d";
        checkChannels(op, batch, inChannels, outChannels, groups);
        int[] in3 = spatial(op, "input size", inSize, dims);
        int[] k3 = Geometry.expand3(op, "kernel size", kernel, dims, 1);
        int[] s3 = Geometry.expand3(op, "stride", stride, dims, 1);
        int[] d3 = Geometry.expand3(op, "dilation", dilation, dims, 1);
        if (padding == null) {
            throw new IllegalArgumentException(op + ": padding must not be null (use Padding.valid())");
        }
        int[] pb = new int[] {0, 0, 0};
        int[] pa = new int[] {0, 0, 0};
        String[] names = Geometry.dimNames(dims);
        switch (padding.mode()) {
            case VALID -> { }
            case SAME -> {
                for (int i = 3 - dims; i < 3; i++) {
                    if (s3[i] != 1) {
                        throw new IllegalArgumentException(op + ": padding='same' needs stride 1, got stride "
                                + s3[i] + " in dimension " + names[i - 3 + dims]);
                    }
                    if (k3[i] < 1 || d3[i] < 1) {
                        break; // reported with the right message below
                    }
                    if ((long) d3[i] * (k3[i] - 1) > Integer.MAX_VALUE) {
                        throw new IllegalArgumentException(op + ": padding='same' needs dilation*(kernel-1) = "
                                + (long) d3[i] * (k3[i] - 1) + " padding in dimension " + names[i - 3 + dims]
                                + " (kernel " + k3[i] + ", dilation " + d3[i] + "), more than an int can hold");
                    }
                    int[] sp = Geometry.samePadding(k3[i], d3[i]);
                    pb[i] = sp[0];
                    pa[i] = sp[1];
                }
            }
            case EXPLICIT -> {
                int n = padding.explicitLength();
                if (n != 1 && n != dims) {
                    throw new IllegalArgumentException(op + ": padding needs 1 or " + dims + " values, got "
                            + padding);
                }
                for (int i = 0; i < dims; i++) {
                    pb[3 - dims + i] = padding.beforeAt(i);
                    pa[3 - dims + i] = padding.afterAt(i);
                }
            }
        }
        int[] o3 = new int[] {1, 1, 1};
        for (int i = 3 - dims; i < 3; i++) {
            o3[i] = Geometry.convOutputSize(op, names[i - 3 + dims], in3[i], k3[i], s3[i], pb[i], pa[i], d3[i]);
        }
        ConvGeometry g = new ConvGeometry(op, dims, false, batch, inChannels, outChannels, groups, in3, o3, k3, s3,
                d3, pb, pa, new int[] {0, 0, 0});
        g.checkVolumes();
        return g;
    }

    /**
     * A transposed convolution (PyTorch's {@code ConvTransposeNd}): {@code inSize} is the size of its input and
     * the output size follows {@code (in-1)*stride - padBefore - padAfter + dilation*(k-1) + outputPadding + 1}.
     * Padding must be explicit.
     */
    public static ConvGeometry transposed(int dims, int batch, int inChannels, int[] inSize, int outChannels,
            int[] kernel, int[] stride, Padding padding, int[] outputPadding, int[] dilation, int groups) {
        String op = "conv_transpose" + dimsChecked(dims) + "d";
        checkChannels(op, batch, inChannels, outChannels, groups);
        int[] in3 = spatial(op, "input size", inSize, dims);
        int[] k3 = Geometry.expand3(op, "kernel size", kernel, dims, 1);
        int[] s3 = Geometry.expand3(op, "stride", stride, dims, 1);
        int[] d3 = Geometry.expand3(op, "dilation", dilation, dims, 1);
        int[] op3 = Geometry.expand3(op, "outputPadding", outputPadding, dims, 0);
        if (padding == null || padding.mode() == Padding.Mode.SAME) {
            throw new IllegalArgumentException(op + ": padding must be explicit or valid, got " + padding);
        }
        int[] pb = new int[] {0, 0, 0};
        int[] pa = new int[] {0, 0, 0};
        if (padding.mode() == Padding.Mode.EXPLICIT) {
            int n = padding.explicitLength();
            if (n != 1 && n != dims) {
                throw new IllegalArgumentException(op + ": padding needs 1 or " + dims + " values, got " + padding);
            }
            for (int i = 0; i < dims; i++) {
                pb[3 - dims + i] = padding.beforeAt(i);
                pa[3 - dims + i] = padding.afterAt(i);
            }
        }
        String[] names = Geometry.dimNames(dims);
        int[] o3 = new int[] {1, 1, 1};
        for (int i = 3 - dims; i < 3; i++) {
            o3[i] = Geometry.convTransposeOutputSize(op, names[i - 3 + dims], in3[i], k3[i], s3[i], pb[i], pa[i],
                    d3[i], op3[i]);
        }
        ConvGeometry g = new ConvGeometry(op, dims, true, batch, inChannels, outChannels, groups, in3, o3, k3, s3,
                d3, pb, pa, op3);
        g.checkVolumes();
        return g;
    }

    /** Convenience for the common 2d case with symmetric padding. */
    public static ConvGeometry conv2d(int batch, int inChannels, int h, int w, int outChannels, int kh, int kw,
            int stride, int padding, int dilation, int groups) {
        return conv(2, batch, inChannels, new int[] {h, w}, outChannels, new int[] {kh, kw}, new int[] {stride},
                Padding.of(padding), new int[] {dilation}, groups);
    }

    /**
     * The geometry of the forward convolution whose input gradient this transposed convolution computes:
     * same channels swapped, same kernel, stride, padding and dilation, and the transposed output as its input.
     * Only for a transposed geometry.
     *
     * <p>Its output size is the transposed input size. That can be smaller than the convolution formula gives for
     * its input when {@code outputPadding >= stride} (allowed when {@code dilation > stride}): the last output
     * positions are simply not computed. Kernels must therefore take the sizes from the geometry and never
     * recompute them from the formula; every window still lies inside the padded input.
     */
    public ConvGeometry adjointConv() {
        if (!transposed) {
            throw new IllegalStateException(op + " is not a transposed convolution");
        }
        return new ConvGeometry("conv" + dims + "d", dims, false, batch, outChannels, inChannels, groups, out.clone(),
                in.clone(), kernel.clone(), stride.clone(), dilation.clone(), padBefore.clone(), padAfter.clone(),
                new int[] {0, 0, 0});
    }

    private static int dimsChecked(int dims) {
        if (dims < 1 || dims > 3) {
            throw new IllegalArgumentException("conv: dims must be 1, 2 or 3, got " + dims);
        }
        return dims;
    }

    private static int[] spatial(String op, String what, int[] size, int dims) {
        if (size == null || size.length != dims) {
            throw new IllegalArgumentException(op + ": " + what + " needs " + dims + " values, got "
                    + (size == null ? "null" : Arrays.toString(size)));
        }
        return Geometry.expand3(op, what, size, dims, 1);
    }

    private static void checkChannels(String op, int batch, int inChannels, int outChannels, int groups) {
        Geometry.positive(op, "batch", batch);
        Geometry.positive(op, "inChannels", inChannels);
        Geometry.positive(op, "outChannels", outChannels);
        Geometry.positive(op, "groups", groups);
        if (inChannels % groups != 0) {
            throw new IllegalArgumentException(op + ": inChannels " + inChannels + " is not divisible by groups "
                    + groups);
        }
        if (outChannels % groups != 0) {
            throw new IllegalArgumentException(op + ": outChannels " + outChannels + " is not divisible by groups "
                    + groups);
        }
    }

    private void checkVolumes() {
        Geometry.volume(op, "input", batch, inChannels, in[0], in[1], in[2]);
        Geometry.volume(op, "output", batch, outChannels, out[0], out[1], out[2]);
        Geometry.volume(op, "weight", inChannels, outChannels / groups, kernel[0], kernel[1], kernel[2]);
        Geometry.volume(op, "im2col buffer", (long) inChannels / groups, kernel[0], kernel[1], kernel[2], out[0],
                out[1], out[2]);
    }

    // ---- accessors -------------------------------------------------------------------------------------------

    /** The operation's name as used in error messages, e.g. {@code conv2d}. */
    public String op() {
        return op;
    }

    /** Number of spatial dimensions the user sees: 1, 2 or 3. */
    public int dims() {
        return dims;
    }

    public boolean isTransposed() {
        return transposed;
    }

    public int batch() {
        return batch;
    }

    public int inChannels() {
        return inChannels;
    }

    public int outChannels() {
        return outChannels;
    }

    public int groups() {
        return groups;
    }

    public int inChannelsPerGroup() {
        return inChannels / groups;
    }

    public int outChannelsPerGroup() {
        return outChannels / groups;
    }

    /** True for a depthwise convolution: one input channel per group. */
    public boolean isDepthwise() {
        return groups == inChannels && groups > 1;
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

    public int dilation(int i) {
        return dilation[i];
    }

    public int padBefore(int i) {
        return padBefore[i];
    }

    public int padAfter(int i) {
        return padAfter[i];
    }

    public int outputPadding(int i) {
        return outputPadding[i];
    }

    public int inD() {
        return in[0];
    }

    public int inH() {
        return in[1];
    }

    public int inW() {
        return in[2];
    }

    public int outD() {
        return out[0];
    }

    public int outH() {
        return out[1];
    }

    public int outW() {
        return out[2];
    }

    public int kD() {
        return kernel[0];
    }

    public int kH() {
        return kernel[1];
    }

    public int kW() {
        return kernel[2];
    }

    /** Elements in one input plane (product of input spatial sizes). */
    public int inSpatial() {
        return in[0] * in[1] * in[2];
    }

    /** Elements in one output plane. */
    public int outSpatial() {
        return out[0] * out[1] * out[2];
    }

    /** Kernel taps per channel (product of kernel sizes). */
    public int kernelVolume() {
        return kernel[0] * kernel[1] * kernel[2];
    }

    /** True when every spatial dimension has kernel 1, stride 1, no padding: a plain GEMM over planes. */
    public boolean isPointwise() {
        for (int i = 0; i < 3; i++) {
            if (kernel[i] != 1 || stride[i] != 1 || padBefore[i] != 0 || padAfter[i] != 0) {
                return false;
            }
        }
        return true;
    }

    /** Input tensor shape in the user's rank: {@code (N, Cin, spatial...)}. */
    public int[] inputShape() {
        return shape(batch, inChannels, in);
    }

    /** Output tensor shape in the user's rank: {@code (N, Cout, outSpatial...)}. */
    public int[] outputShape() {
        return shape(batch, outChannels, out);
    }

    /**
     * Weight shape: {@code (Cout, Cin/groups, k...)} for a convolution, {@code (Cin, Cout/groups, k...)} for a
     * transposed convolution (PyTorch's layouts).
     */
    public int[] weightShape() {
        return transposed ? shape(inChannels, outChannels / groups, kernel)
                : shape(outChannels, inChannels / groups, kernel);
    }

    public int inputSize() {
        return batch * inChannels * inSpatial();
    }

    public int outputSize() {
        return batch * outChannels * outSpatial();
    }

    public int weightSize() {
        return (transposed ? inChannels * (outChannels / groups) : outChannels * (inChannels / groups))
                * kernelVolume();
    }

    /**
     * Forward flops, multiply-adds times two: {@code 2 * N * Cout * outSpatial * Cin/groups * kernelVolume} for a
     * convolution, {@code 2 * N * Cin * inSpatial * Cout/groups * kernelVolume} for a transposed one.
     */
    public double flops() {
        return transposed
                ? 2.0 * batch * inChannels * inSpatial() * (outChannels / groups) * kernelVolume()
                : 2.0 * batch * outChannels * outSpatial() * (inChannels / groups) * kernelVolume();
    }

    /** The spatial parameters in the user's rank, for messages and names. */
    public int[] userSpatial(int[] normalised) {
        return Arrays.copyOfRange(normalised, 3 - dims, 3);
    }

    private int[] shape(int a, int b, int[] sp) {
        int[] s = new int[2 + dims];
        s[0] = a;
        s[1] = b;
        System.arraycopy(sp, 3 - dims, s, 2, dims);
        return s;
    }

    /**
     * A readable problem name in benchdnn's style, e.g. {@code mb64_ic32ih14iw14_oc64oh14ow14_kh3kw3_sh1sw1_ph1pw1}.
     */
    public String name() {
        String[] n = Geometry.dimNames(dims);
        StringBuilder sb = new StringBuilder();
        sb.append(transposed ? "deconv_" : "").append("mb").append(batch).append("_ic").append(inChannels);
        for (int i = 0; i < dims; i++) {
            sb.append('i').append(n[i].toLowerCase()).append(in[3 - dims + i]);
        }
        sb.append("_oc").append(outChannels);
        for (int i = 0; i < dims; i++) {
            sb.append('o').append(n[i].toLowerCase()).append(out[3 - dims + i]);
        }
        appendParam(sb, "_k", kernel, n);
        appendParam(sb, "_s", stride, n);
        appendParam(sb, "_p", padBefore, n);
        if (!Arrays.equals(padBefore, padAfter)) {
            appendParam(sb, "_pa", padAfter, n);
        }
        appendParam(sb, "_d", dilation, n);
        if (groups > 1) {
            sb.append("_g").append(groups);
        }
        return sb.toString();
    }

    private void appendParam(StringBuilder sb, String prefix, int[] v, String[] n) {
        String letter = prefix.substring(1);
        sb.append('_');
        for (int i = 0; i < dims; i++) {
            sb.append(letter).append(n[i].toLowerCase()).append(v[3 - dims + i]);
        }
    }

    @Override
    public String toString() {
        return op + "{" + name() + "}";
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof ConvGeometry g)) {
            return false;
        }
        return dims == g.dims && transposed == g.transposed && batch == g.batch && inChannels == g.inChannels
                && outChannels == g.outChannels && groups == g.groups && Arrays.equals(in, g.in)
                && Arrays.equals(out, g.out) && Arrays.equals(kernel, g.kernel) && Arrays.equals(stride, g.stride)
                && Arrays.equals(dilation, g.dilation) && Arrays.equals(padBefore, g.padBefore)
                && Arrays.equals(padAfter, g.padAfter) && Arrays.equals(outputPadding, g.outputPadding);
    }

    @Override
    public int hashCode() {
        int h = Arrays.hashCode(in) * 31 + Arrays.hashCode(kernel);
        h = h * 31 + Arrays.hashCode(stride) * 7 + Arrays.hashCode(padBefore) + Arrays.hashCode(dilation);
        return h * 31 + batch * 17 + inChannels * 13 + outChannels * 11 + groups + (transposed ? 1 : 0);
    }
}
