package org.simdcnn.functional;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.simdcnn.SimdCnn;
import org.simdcnn.geometry.ConvGeometry;
import org.simdcnn.geometry.Padding;
import org.simdcnn.geometry.PoolGeometry;
import org.simdcnn.kernels.ActivationFn;
import org.simdcnn.kernels.Backend;
import org.simdcnn.kernels.Epilogue;
import org.simdcnn.kernels.Reduction;
import org.simdcnn.tensor.Tensor;

/**
 * Stateless tensor operations in the shape of {@code torch.nn.functional} (same names and argument order where
 * Java allows). Every operation validates its arguments (an {@link IllegalArgumentException} naming the parameter
 * and the values, before any work), allocates its result and calls the active backend's kernels
 * ({@link SimdCnn#backend()}), so it runs the fast kernels where they exist. Thread-safe.
 *
 * <p>Per-dimension arguments ({@code stride}, {@code padding}, ...) take one value (broadcast) or one per spatial
 * dimension.
 */
public final class F {
    private F() {
    }

    private static Backend be() {
        return SimdCnn.backend();
    }

    // ---- convolution ------------------------------------------------------------------------------------------

    /** {@code conv1d(x, weight, bias, stride=1, padding=0, dilation=1, groups=1)}. */
    public static Tensor conv1d(Tensor x, Tensor weight, Tensor bias) {
        return conv(1, x, weight, bias, new int[] {1}, Padding.of(0), new int[] {1}, 1, Epilogue.NONE);
    }

    public static Tensor conv1d(Tensor x, Tensor weight, Tensor bias, int stride, int padding, int dilation,
            int groups) {
        return conv(1, x, weight, bias, new int[] {stride}, Padding.of(padding), new int[] {dilation}, groups,
                Epilogue.NONE);
    }

    /** {@code conv2d(x, weight, bias, stride=1, padding=0, dilation=1, groups=1)}. */
    public static Tensor conv2d(Tensor x, Tensor weight, Tensor bias) {
        return conv(2, x, weight, bias, new int[] {1}, Padding.of(0), new int[] {1}, 1, Epilogue.NONE);
    }

    public static Tensor conv2d(Tensor x, Tensor weight, Tensor bias, int stride, int padding) {
        return conv(2, x, weight, bias, new int[] {stride}, Padding.of(padding), new int[] {1}, 1, Epilogue.NONE);
    }

    public static Tensor conv2d(Tensor x, Tensor weight, Tensor bias, int stride, int padding, int dilation,
            int groups) {
        return conv(2, x, weight, bias, new int[] {stride}, Padding.of(padding), new int[] {dilation}, groups,
                Epilogue.NONE);
    }

    public static Tensor conv2d(Tensor x, Tensor weight, Tensor bias, int[] stride, Padding padding,
            int[] dilation, int groups) {
        return conv(2, x, weight, bias, stride, padding, dilation, groups, Epilogue.NONE);
    }

    /** {@code conv3d(x, weight, bias, stride=1, padding=0, dilation=1, groups=1)}. */
    public static Tensor conv3d(Tensor x, Tensor weight, Tensor bias) {
        return conv(3, x, weight, bias, new int[] {1}, Padding.of(0), new int[] {1}, 1, Epilogue.NONE);
    }

    public static Tensor conv3d(Tensor x, Tensor weight, Tensor bias, int stride, int padding, int dilation,
            int groups) {
        return conv(3, x, weight, bias, new int[] {stride}, Padding.of(padding), new int[] {dilation}, groups,
                Epilogue.NONE);
    }

    /**
     * Convolution of any rank with a fused epilogue applied to each result before it is stored (e.g.
     * {@link Epilogue#RELU}: {@code relu(conv(x) + b)} in one pass).
     */
    public static Tensor conv(int dims, Tensor x, Tensor weight, Tensor bias, int[] stride, Padding padding,
            int[] dilation, int groups, Epilogue epilogue) {
        ConvGeometry g = convGeometry(dims, x, weight, bias, stride, padding, dilation, groups);
        return convForward(g, x, weight, bias, epilogue);
    }

    /**
     * Validates a convolution call and returns its geometry: {@code x} of shape {@code (N, Cin, sp...)},
     * {@code weight} of shape {@code (Cout, Cin/groups, k...)}, {@code bias} null or {@code (Cout)}.
     */
    public static ConvGeometry convGeometry(int dims, Tensor x, Tensor weight, Tensor bias, int[] stride,
            Padding padding, int[] dilation, int groups) {
        String op = "conv" + dims + "d";
        checkDims(op, dims);
        checkRank(op, "input", x, dims + 2);
        checkRank(op, "weight", weight, dims + 2);
        if (groups < 1) {
            throw new IllegalArgumentException(op + ": groups must be >= 1, got " + groups);
        }
        int cin = x.dim(1);
        int cout = weight.dim(0);
        if ((long) weight.dim(1) * groups != cin) {
            throw new IllegalArgumentException(op + ": weight of shape " + Arrays.toString(weight.shape())
                    + " with groups=" + groups + " expects input with " + (long) weight.dim(1) * groups
                    + " channels, got input of shape " + Arrays.toString(x.shape()));
        }
        checkBias(op, bias, cout);
        int[] in = Arrays.copyOfRange(x.shape(), 2, 2 + dims);
        int[] k = Arrays.copyOfRange(weight.shape(), 2, 2 + dims);
        return ConvGeometry.conv(dims, x.dim(0), cin, in, cout, k, stride, padding, dilation, groups);
    }

    /** Runs a validated convolution. */
    public static Tensor convForward(ConvGeometry g, Tensor x, Tensor weight, Tensor bias, Epilogue epilogue) {
        return convForward(g, x, weight, bias, epilogue, Tensor.zeros(g.outputShape()));
    }

    /** Runs a validated convolution into {@code out} (of the output shape, overwritten); returns {@code out}. */
    public static Tensor convForward(ConvGeometry g, Tensor x, Tensor weight, Tensor bias, Epilogue epilogue,
            Tensor out) {
        checkOut("conv" + g.dims() + "d", out, g.outputShape());
        be().conv().forward(g, x.data(), x.offset(), weight.data(), weight.offset(), biasArray(bias), out.data(),
                out.offset(), epilogue == null ? Epilogue.NONE : epilogue);
        return out;
    }

    private static void checkOut(String op, Tensor out, int[] shape) {
        if (out == null || !Arrays.equals(out.shape(), shape)) {
            throw new IllegalArgumentException(op + ": out must have shape " + Arrays.toString(shape) + ", got "
                    + (out == null ? "null" : Arrays.toString(out.shape())));
        }
    }

    /** {@code conv_transpose2d(x, weight, bias, stride=1, padding=0, output_padding=0, groups=1, dilation=1)}. */
    public static Tensor conv_transpose2d(Tensor x, Tensor weight, Tensor bias) {
        return conv_transpose(2, x, weight, bias, new int[] {1}, Padding.of(0), new int[] {0}, 1, new int[] {1});
    }

    public static Tensor conv_transpose2d(Tensor x, Tensor weight, Tensor bias, int stride, int padding,
            int outputPadding, int groups, int dilation) {
        return conv_transpose(2, x, weight, bias, new int[] {stride}, Padding.of(padding),
                new int[] {outputPadding}, groups, new int[] {dilation});
    }

    /** Transposed convolution of any rank, PyTorch's argument order. */
    public static Tensor conv_transpose(int dims, Tensor x, Tensor weight, Tensor bias, int[] stride,
            Padding padding, int[] outputPadding, int groups, int[] dilation) {
        ConvGeometry g = convTransposeGeometry(dims, x, weight, bias, stride, padding, outputPadding, groups,
                dilation);
        Tensor y = Tensor.zeros(g.outputShape());
        be().conv().transposedForward(g, x.data(), x.offset(), weight.data(), weight.offset(), biasArray(bias),
                y.data(), 0);
        return y;
    }

    /**
     * Validates a transposed convolution: {@code x (N, Cin, sp...)}, {@code weight (Cin, Cout/groups, k...)},
     * {@code bias} null or {@code (Cout)}.
     */
    public static ConvGeometry convTransposeGeometry(int dims, Tensor x, Tensor weight, Tensor bias, int[] stride,
            Padding padding, int[] outputPadding, int groups, int[] dilation) {
        String op = "conv_transpose" + dims + "d";
        checkDims(op, dims);
        checkRank(op, "input", x, dims + 2);
        checkRank(op, "weight", weight, dims + 2);
        if (groups < 1) {
            throw new IllegalArgumentException(op + ": groups must be >= 1, got " + groups);
        }
        int cin = x.dim(1);
        if (weight.dim(0) != cin) {
            throw new IllegalArgumentException(op + ": weight of shape " + Arrays.toString(weight.shape())
                    + " expects input with " + weight.dim(0) + " channels, got input of shape "
                    + Arrays.toString(x.shape()));
        }
        if (cin % groups != 0) {
            throw new IllegalArgumentException(op + ": input channels " + cin + " not divisible by groups "
                    + groups);
        }
        long cout = (long) weight.dim(1) * groups;
        if (cout > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(op + ": output channels " + cout + " too large");
        }
        checkBias(op, bias, (int) cout);
        int[] in = Arrays.copyOfRange(x.shape(), 2, 2 + dims);
        int[] k = Arrays.copyOfRange(weight.shape(), 2, 2 + dims);
        return ConvGeometry.transposed(dims, x.dim(0), cin, in, (int) cout, k, stride, padding, outputPadding,
                dilation, groups);
    }

    // ---- linear -----------------------------------------------------------------------------------------------

    /** {@code linear(x, weight, bias)}: {@code x (*, in)}, {@code weight (out, in)}, bias null or {@code (out)}. */
    public static Tensor linear(Tensor x, Tensor weight, Tensor bias) {
        return linear(x, weight, bias, Epilogue.NONE);
    }

    /** Linear with a fused epilogue ({@code relu(x W^T + b)} in one pass for {@link Epilogue#RELU}). */
    public static Tensor linear(Tensor x, Tensor weight, Tensor bias, Epilogue epilogue) {
        linearBatch(x, weight, bias);
        int[] ys = x.shape();
        ys[ys.length - 1] = weight.dim(0);
        return linear(x, weight, bias, epilogue, Tensor.zeros(ys));
    }

    /** Linear into {@code out} of shape {@code (*, out_features)} (overwritten); returns {@code out}. */
    public static Tensor linear(Tensor x, Tensor weight, Tensor bias, Epilogue epilogue, Tensor out) {
        int batch = linearBatch(x, weight, bias);
        int in = weight.dim(1);
        int outF = weight.dim(0);
        int[] ys = x.shape();
        ys[ys.length - 1] = outF;
        checkOut("linear", out, ys);
        be().linear().forward(batch, in, outF, x.data(), x.offset(), weight.data(), weight.offset(),
                biasArray(bias), out.data(), out.offset(), epilogue == null ? Epilogue.NONE : epilogue);
        return out;
    }

    /** Validates a linear call; returns the batch (product of the leading dimensions of {@code x}). */
    public static int linearBatch(Tensor x, Tensor weight, Tensor bias) {
        if (x == null) {
            throw new IllegalArgumentException("linear: input must not be null");
        }
        checkRank("linear", "weight", weight, 2);
        if (x.rank() < 1) {
            throw new IllegalArgumentException("linear: input must have at least one dimension, got shape []");
        }
        if (x.dim(-1) != weight.dim(1)) {
            throw new IllegalArgumentException("linear: input of shape " + Arrays.toString(x.shape())
                    + " has last dimension " + x.dim(-1) + " but weight of shape " + Arrays.toString(weight.shape())
                    + " expects in_features=" + weight.dim(1));
        }
        checkBias("linear", bias, weight.dim(0));
        return x.size() / Math.max(1, x.dim(-1));
    }

    // ---- activations ------------------------------------------------------------------------------------------

    /** Applies an elementwise activation. */
    public static Tensor activation(ActivationFn f, Tensor x) {
        if (f == null) {
            throw new IllegalArgumentException("activation: function must not be null");
        }
        notNull("activation", "input", x);
        return activation(f, x, Tensor.zeros(x.shape()));
    }

    /** Applies an elementwise activation into {@code out} (same shape; may be {@code x} itself). */
    public static Tensor activation(ActivationFn f, Tensor x, Tensor out) {
        if (f == null) {
            throw new IllegalArgumentException("activation: function must not be null");
        }
        notNull("activation", "input", x);
        checkOut("activation", out, x.shape());
        be().activations().forward(f, x.data(), x.offset(), out.data(), out.offset(), x.size());
        return out;
    }

    public static Tensor relu(Tensor x) {
        return activation(ActivationFn.RELU, x);
    }

    public static Tensor leaky_relu(Tensor x, float negativeSlope) {
        return activation(ActivationFn.leakyRelu(negativeSlope), x);
    }

    public static Tensor elu(Tensor x, float alpha) {
        return activation(ActivationFn.elu(alpha), x);
    }

    public static Tensor sigmoid(Tensor x) {
        return activation(ActivationFn.SIGMOID, x);
    }

    public static Tensor tanh(Tensor x) {
        return activation(ActivationFn.TANH, x);
    }

    /** {@code gelu(x, approximate)}: {@code "none"} (erf) or {@code "tanh"}. */
    public static Tensor gelu(Tensor x, String approximate) {
        return activation(geluFn(approximate), x);
    }

    public static Tensor gelu(Tensor x) {
        return activation(ActivationFn.GELU, x);
    }

    /** The GELU variant named as PyTorch's {@code approximate} argument. */
    public static ActivationFn geluFn(String approximate) {
        if ("none".equals(approximate)) {
            return ActivationFn.GELU;
        }
        if ("tanh".equals(approximate)) {
            return ActivationFn.GELU_TANH;
        }
        throw new IllegalArgumentException("gelu: approximate must be 'none' or 'tanh', got '" + approximate + "'");
    }

    public static Tensor silu(Tensor x) {
        return activation(ActivationFn.SILU, x);
    }

    public static Tensor softplus(Tensor x, float beta, float threshold) {
        return activation(ActivationFn.softplus(beta, threshold), x);
    }

    public static Tensor hardswish(Tensor x) {
        return activation(ActivationFn.HARDSWISH, x);
    }

    /**
     * Maxout over channels: {@code x (N, C*pieces, sp...)} becomes {@code (N, C, sp...)}, the maximum over each
     * group of {@code pieces} consecutive channels.
     */
    public static Tensor maxout(Tensor x, int pieces) {
        int[] ys = maxoutShape(x, pieces);
        Tensor y = Tensor.zeros(ys);
        int spatial = x.size() / (x.dim(0) * x.dim(1));
        be().activations().maxoutForward(x.dim(0), ys[1], pieces, spatial, x.data(), x.offset(), y.data(), 0, null,
                0);
        return y;
    }

    /** Validates a maxout call and returns the output shape. */
    public static int[] maxoutShape(Tensor x, int pieces) {
        if (pieces < 1) {
            throw new IllegalArgumentException("maxout: pieces must be >= 1, got " + pieces);
        }
        notNull("maxout", "input", x);
        if (x.rank() < 2) {
            throw new IllegalArgumentException("maxout: input must be (N, C, ...), got shape "
                    + Arrays.toString(x.shape()));
        }
        if (x.dim(1) % pieces != 0) {
            throw new IllegalArgumentException("maxout: channels " + x.dim(1) + " of input shape "
                    + Arrays.toString(x.shape()) + " are not divisible by pieces " + pieces);
        }
        if (x.size() == 0) {
            throw new IllegalArgumentException("maxout: input must not be empty, got shape "
                    + Arrays.toString(x.shape()));
        }
        int[] ys = x.shape();
        ys[1] /= pieces;
        return ys;
    }

    // ---- softmax ----------------------------------------------------------------------------------------------

    /** {@code softmax(x, dim)}; negative {@code dim} counts from the end. */
    public static Tensor softmax(Tensor x, int dim) {
        return softmax(false, x, dim);
    }

    /** {@code log_softmax(x, dim)}. */
    public static Tensor log_softmax(Tensor x, int dim) {
        return softmax(true, x, dim);
    }

    private static Tensor softmax(boolean log, Tensor x, int dim) {
        String op = log ? "log_softmax" : "softmax";
        notNull(op, "input", x);
        int d = dim < 0 ? dim + x.rank() : dim;
        if (d < 0 || d >= x.rank()) {
            throw new IllegalArgumentException(op + ": dim " + dim + " out of range for input of shape "
                    + Arrays.toString(x.shape()));
        }
        int[] s = x.shape();
        int outer = 1;
        int inner = 1;
        for (int i = 0; i < d; i++) {
            outer *= s[i];
        }
        for (int i = d + 1; i < s.length; i++) {
            inner *= s[i];
        }
        Tensor y = Tensor.zeros(s);
        if (x.size() > 0) {
            be().softmax().forward(log, outer, s[d], inner, x.data(), x.offset(), y.data(), 0);
        }
        return y;
    }

    // ---- pooling ----------------------------------------------------------------------------------------------

    /** Validates a pooling call on {@code x (N, C, sp...)} and returns its geometry. */
    public static PoolGeometry poolGeometry(String kind, int dims, Tensor x, int[] kernel, int[] stride,
            int[] padding, int[] dilation, boolean ceilMode) {
        checkDims(kind, dims);
        checkRank(kind + dims + "d", "input", x, dims + 2);
        int[] in = Arrays.copyOfRange(x.shape(), 2, 2 + dims);
        return PoolGeometry.of(kind, dims, x.dim(0), x.dim(1), in, kernel, stride, padding, dilation, ceilMode);
    }

    /** Max pooling of any rank; {@code stride} null means the kernel size. */
    public static Tensor max_pool(int dims, Tensor x, int[] kernel, int[] stride, int[] padding, int[] dilation,
            boolean ceilMode) {
        PoolGeometry g = poolGeometry("max_pool", dims, x, kernel, stride, padding, dilation, ceilMode);
        Tensor y = Tensor.zeros(g.outputShape());
        be().pooling().maxForward(g, x.data(), x.offset(), y.data(), 0, null, 0);
        return y;
    }

    public static Tensor max_pool1d(Tensor x, int kernel) {
        return max_pool(1, x, new int[] {kernel}, null, new int[] {0}, null, false);
    }

    public static Tensor max_pool2d(Tensor x, int kernel) {
        return max_pool(2, x, new int[] {kernel}, null, new int[] {0}, null, false);
    }

    public static Tensor max_pool2d(Tensor x, int kernel, int stride, int padding) {
        return max_pool(2, x, new int[] {kernel}, new int[] {stride}, new int[] {padding}, null, false);
    }

    public static Tensor max_pool3d(Tensor x, int kernel) {
        return max_pool(3, x, new int[] {kernel}, null, new int[] {0}, null, false);
    }

    /** Average pooling of any rank; {@code stride} null means the kernel size. */
    public static Tensor avg_pool(int dims, Tensor x, int[] kernel, int[] stride, int[] padding, boolean ceilMode,
            boolean countIncludePad) {
        PoolGeometry g = poolGeometry("avg_pool", dims, x, kernel, stride, padding, null, ceilMode);
        Tensor y = Tensor.zeros(g.outputShape());
        be().pooling().avgForward(g, countIncludePad, x.data(), x.offset(), y.data(), 0);
        return y;
    }

    public static Tensor avg_pool1d(Tensor x, int kernel) {
        return avg_pool(1, x, new int[] {kernel}, null, new int[] {0}, false, true);
    }

    public static Tensor avg_pool2d(Tensor x, int kernel) {
        return avg_pool(2, x, new int[] {kernel}, null, new int[] {0}, false, true);
    }

    public static Tensor avg_pool2d(Tensor x, int kernel, int stride, int padding) {
        return avg_pool(2, x, new int[] {kernel}, new int[] {stride}, new int[] {padding}, false, true);
    }

    public static Tensor avg_pool3d(Tensor x, int kernel) {
        return avg_pool(3, x, new int[] {kernel}, null, new int[] {0}, false, true);
    }

    /** {@code adaptive_avg_pool2d(x, (outH, outW))} on {@code (N, C, H, W)}. */
    public static Tensor adaptive_avg_pool2d(Tensor x, int outH, int outW) {
        checkRank("adaptive_avg_pool2d", "input", x, 4);
        if (outH < 1 || outW < 1) {
            throw new IllegalArgumentException("adaptive_avg_pool2d: output size must be >= 1, got (" + outH + ", "
                    + outW + ")");
        }
        if (x.size() == 0) {
            throw new IllegalArgumentException("adaptive_avg_pool2d: input must not be empty, got shape "
                    + Arrays.toString(x.shape()));
        }
        Tensor y = Tensor.zeros(x.dim(0), x.dim(1), outH, outW);
        be().pooling().adaptiveAvgForward(x.dim(0), x.dim(1), new int[] {x.dim(2), x.dim(3)},
                new int[] {outH, outW}, x.data(), x.offset(), y.data(), 0);
        return y;
    }

    // ---- dropout ----------------------------------------------------------------------------------------------

    /**
     * {@code dropout(x, p, training)} with an explicit seed: each element is zeroed with probability {@code p}
     * and the others scaled by {@code 1/(1-p)}; identity when not training.
     */
    public static Tensor dropout(Tensor x, float p, boolean training, long seed) {
        notNull("dropout", "input", x);
        if (!(p >= 0f && p <= 1f)) {
            throw new IllegalArgumentException("dropout: p must be in [0, 1], got " + p);
        }
        if (!training || p == 0f) {
            return x.copy();
        }
        Tensor y = Tensor.zeros(x.shape());
        if (p == 1f) {
            return y;
        }
        SplittableRandom r = new SplittableRandom(seed);
        float scale = 1f / (1f - p);
        float[] xd = x.data();
        float[] yd = y.data();
        for (int i = 0; i < yd.length; i++) {
            yd[i] = r.nextDouble() < p ? 0f : xd[x.offset() + i] * scale;
        }
        return y;
    }

    // ---- losses -----------------------------------------------------------------------------------------------

    /** {@code mse_loss(input, target, reduction)}, reduced (for NONE: the sum of the element losses). */
    public static float mse_loss(Tensor input, Tensor target, Reduction reduction) {
        sameShape("mse_loss", input, target);
        return be().losses().mse(red(reduction), input.size(), input.data(), input.offset(), target.data(),
                target.offset(), reduction == Reduction.NONE ? new float[input.size()] : null, 0);
    }

    /** {@code binary_cross_entropy(input, target, weight=None, reduction)}: input are probabilities. */
    public static float binary_cross_entropy(Tensor input, Tensor target, Tensor weight, Reduction reduction) {
        sameShape("binary_cross_entropy", input, target);
        checkProbabilities("binary_cross_entropy", input);
        float[] w = elementWeight("binary_cross_entropy", weight, input);
        return be().losses().bce(red(reduction), input.size(), input.data(), input.offset(), target.data(),
                target.offset(), w, reduction == Reduction.NONE ? new float[input.size()] : null, 0);
    }

    /** {@code binary_cross_entropy_with_logits(input, target, weight=None, reduction, pos_weight=None)}. */
    public static float binary_cross_entropy_with_logits(Tensor input, Tensor target, Tensor weight,
            Reduction reduction, Tensor posWeight) {
        sameShape("binary_cross_entropy_with_logits", input, target);
        float[] w = elementWeight("binary_cross_entropy_with_logits", weight, input);
        int posInner = posInner("binary_cross_entropy_with_logits", posWeight, input);
        return be().losses().bceWithLogits(red(reduction), input.size(), input.data(), input.offset(),
                target.data(), target.offset(), w, posWeight == null ? null : posWeight.toArray(), posInner,
                reduction == Reduction.NONE ? new float[input.size()] : null, 0);
    }

    /**
     * {@code cross_entropy(input, target, weight=None, ignore_index=-100, reduction='mean', label_smoothing=0)}
     * on logits {@code (N, C)} or {@code (N, C, d...)} and class indices {@code (N)} or {@code (N, d...)}
     * (flattened in {@code target}).
     */
    public static float cross_entropy(Tensor input, int[] target, Tensor weight, int ignoreIndex,
            Reduction reduction, float labelSmoothing) {
        int[] bci = classification("cross_entropy", input, target, weight, ignoreIndex);
        if (!(labelSmoothing >= 0f && labelSmoothing <= 1f)) {
            throw new IllegalArgumentException("cross_entropy: label_smoothing must be in [0, 1], got "
                    + labelSmoothing);
        }
        return be().losses().crossEntropy(red(reduction), bci[0], bci[1], bci[2], input.data(), input.offset(),
                target, 0, weight == null ? null : weight.toArray(), ignoreIndex, labelSmoothing,
                reduction == Reduction.NONE ? new float[bci[0] * bci[2]] : null, 0);
    }

    /** {@code cross_entropy(input, target)} with the defaults (mean). */
    public static float cross_entropy(Tensor input, int[] target) {
        return cross_entropy(input, target, null, -100, Reduction.MEAN, 0f);
    }

    /** {@code nll_loss(input, target, weight=None, ignore_index=-100, reduction='mean')} on log-probabilities. */
    public static float nll_loss(Tensor input, int[] target, Tensor weight, int ignoreIndex, Reduction reduction) {
        int[] bci = classification("nll_loss", input, target, weight, ignoreIndex);
        return be().losses().nll(red(reduction), bci[0], bci[1], bci[2], input.data(), input.offset(), target, 0,
                weight == null ? null : weight.toArray(), ignoreIndex,
                reduction == Reduction.NONE ? new float[bci[0] * bci[2]] : null, 0);
    }

    /**
     * Validates a classification loss: logits {@code (N, C, d...)} and {@code N*prod(d)} targets in
     * {@code [0, C)} or equal to {@code ignoreIndex}; per-class weight null or {@code (C)}. Returns
     * {@code {batch, classes, inner}}.
     */
    public static int[] classification(String op, Tensor input, int[] target, Tensor weight, int ignoreIndex) {
        notNull(op, "input", input);
        if (input.rank() < 2) {
            throw new IllegalArgumentException(op + ": input must be (N, C) or (N, C, d...), got shape "
                    + Arrays.toString(input.shape()));
        }
        int n = input.dim(0);
        int c = input.dim(1);
        if (n < 1 || c < 1) {
            throw new IllegalArgumentException(op + ": input must not be empty, got shape "
                    + Arrays.toString(input.shape()));
        }
        int inner = input.size() / (n * c);
        if (target == null) {
            throw new IllegalArgumentException(op + ": target must not be null");
        }
        if (target.length != n * inner) {
            throw new IllegalArgumentException(op + ": target has " + target.length + " entries but input of shape "
                    + Arrays.toString(input.shape()) + " needs " + (n * inner));
        }
        for (int i = 0; i < target.length; i++) {
            int t = target[i];
            if (t != ignoreIndex && (t < 0 || t >= c)) {
                throw new IllegalArgumentException(op + ": target[" + i + "] = " + t + " is out of range [0, " + c
                        + ")");
            }
        }
        if (weight != null && (weight.rank() != 1 || weight.dim(0) != c)) {
            throw new IllegalArgumentException(op + ": weight must have shape [" + c + "], got "
                    + Arrays.toString(weight.shape()));
        }
        return new int[] {n, c, inner};
    }

    /** Validates a per-element weight of a binary loss (null or the input's shape); returns its values. */
    public static float[] elementWeight(String op, Tensor weight, Tensor input) {
        if (weight == null) {
            return null;
        }
        if (!Arrays.equals(weight.shape(), input.shape())) {
            throw new IllegalArgumentException(op + ": weight has shape " + Arrays.toString(weight.shape())
                    + " but input has shape " + Arrays.toString(input.shape())
                    + " (broadcasting is not supported: expand the weight)");
        }
        return weight.toArray();
    }

    /** Validates {@code pos_weight} (null or {@code (C)} with C = input dim 1); returns the inner stride. */
    public static int posInner(String op, Tensor posWeight, Tensor input) {
        if (posWeight == null) {
            return 1;
        }
        if (posWeight.rank() != 1) {
            throw new IllegalArgumentException(op + ": pos_weight must be one-dimensional (C), got shape "
                    + Arrays.toString(posWeight.shape()));
        }
        int c = input.rank() >= 2 ? input.dim(1) : input.rank() == 1 ? input.dim(0) : 1;
        if (posWeight.dim(0) != c) {
            throw new IllegalArgumentException(op + ": pos_weight has " + posWeight.dim(0) + " entries but input "
                    + "of shape " + Arrays.toString(input.shape()) + " has " + c + " classes");
        }
        int inner = 1;
        for (int i = 2; i < input.rank(); i++) {
            inner *= input.dim(i);
        }
        return input.rank() >= 2 ? inner : 1;
    }

    /** Checks that two tensors have the same shape. */
    /**
     * PyTorch's check for {@code binary_cross_entropy}: every input is a probability in [0, 1] (NaN is not).
     *
     * @throws IllegalArgumentException naming the first offending element and its value
     */
    public static void checkProbabilities(String op, Tensor input) {
        float[] d = input.data();
        for (int i = 0; i < input.size(); i++) {
            float v = d[input.offset() + i];
            if (!(v >= 0f && v <= 1f)) {
                throw new IllegalArgumentException(op + ": all elements of input should be between 0 and 1, got "
                        + v + " at flat index " + i);
            }
        }
    }

    public static void sameShape(String op, Tensor input, Tensor target) {
        notNull(op, "input", input);
        notNull(op, "target", target);
        if (!Arrays.equals(input.shape(), target.shape())) {
            throw new IllegalArgumentException(op + ": target has shape " + Arrays.toString(target.shape())
                    + " but input has shape " + Arrays.toString(input.shape()));
        }
        if (input.size() == 0) {
            throw new IllegalArgumentException(op + ": input must not be empty, got shape "
                    + Arrays.toString(input.shape()));
        }
    }

    // ---- helpers ----------------------------------------------------------------------------------------------

    private static Reduction red(Reduction r) {
        if (r == null) {
            throw new IllegalArgumentException("reduction: must not be null (NONE, MEAN or SUM)");
        }
        return r;
    }

    private static void checkDims(String op, int dims) {
        if (dims < 1 || dims > 3) {
            throw new IllegalArgumentException(op + ": dims must be 1, 2 or 3, got " + dims);
        }
    }

    private static void notNull(String op, String what, Tensor t) {
        if (t == null) {
            throw new IllegalArgumentException(op + ": " + what + " must not be null");
        }
    }

    private static void checkRank(String op, String what, Tensor t, int rank) {
        notNull(op, what, t);
        if (t.rank() != rank) {
            throw new IllegalArgumentException(op + ": " + what + " must have " + rank + " dimensions, got shape "
                    + Arrays.toString(t.shape()));
        }
    }

    private static void checkBias(String op, Tensor bias, int out) {
        if (bias != null && (bias.rank() != 1 || bias.dim(0) != out)) {
            throw new IllegalArgumentException(op + ": bias must have shape [" + out + "], got "
                    + Arrays.toString(bias.shape()));
        }
    }

    /** The bias as an array starting at index 0 (the kernels take bias without an offset). */
    public static float[] biasArray(Tensor bias) {
        if (bias == null) {
            return null;
        }
        return bias.offset() == 0 && bias.data().length == bias.size() ? bias.data() : bias.toArray();
    }
}
