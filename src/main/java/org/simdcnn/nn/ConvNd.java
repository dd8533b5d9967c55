package org.simdcnn.nn;

import java.util.Arrays;
import org.simdcnn.SimdCnn;
import org.simdcnn.functional.F;
import org.simdcnn.geometry.ConvGeometry;
import org.simdcnn.geometry.Padding;
import org.simdcnn.kernels.Conv;
import org.simdcnn.kernels.Epilogue;
import org.simdcnn.kernels.PackedConvWeights;
import org.simdcnn.tensor.Tensor;

/**
 * The convolution layers {@link Conv1d}, {@link Conv2d}, {@link Conv3d}: PyTorch's {@code ConvNd} with zero
 * padding. Parameters {@code weight (out, in/groups, k...)} and {@code bias (out)} (optional) are initialised as
 * PyTorch does (Kaiming-uniform with a = sqrt(5), bias uniform in +-1/sqrt(fanIn)) from {@link Init}'s generator.
 *
 * <p><b>Prepacked weights in eval mode.</b> In eval mode the layer packs its weights once
 * ({@link Conv#pack}, XNNPACK's create, reshape, run) and runs every forward on the packed form; the result is
 * bitwise the one of the unpacked forward. The packed copy is remade when the weight tensor's
 * {@link Tensor#version()} differs from the one it was made from (every write through the tensor API, an optimizer
 * step, {@link Module#loadStateDict}, {@link Init} bump it; a caller writing straight into {@code weight().data()
 * .data()} must call {@link Tensor#markModified()}), when the backend changes, and after every mode switch. In
 * training mode the weights change at every step, so every forward packs them inside the call (nothing cached).
 */
public abstract class ConvNd extends Module implements FusedForward {
    private final int dims;
    private final int inChannels;
    private final int outChannels;
    private final int[] kernel;
    private final int[] stride;
    private final Padding padding;
    private final int[] dilation;
    private final int groups;
    private final Parameter weight;
    private final Parameter bias;
    // training state (single-threaded use)
    private Tensor lastInput;
    private ConvGeometry lastGeometry;
    private float[] dwScratch;
    private float[] dbScratch;
    /** Eval mode: the weights packed by {@code conv} from weight version {@code version}. */
    private record PackedCache(Conv conv, int version, PackedConvWeights weights) {
    }

    private volatile PackedCache packed;

    ConvNd(int dims, int inChannels, int outChannels, int[] kernel, int[] stride, Padding padding, int[] dilation,
            int groups, boolean bias) {
        String op = "Conv" + dims + "d";
        if (inChannels < 1 || outChannels < 1) {
            throw new IllegalArgumentException(op + ": inChannels and outChannels must be >= 1, got " + inChannels
                    + " and " + outChannels);
        }
        if (groups < 1 || inChannels % groups != 0 || outChannels % groups != 0) {
            throw new IllegalArgumentException(op + ": groups must be >= 1 and divide inChannels " + inChannels
                    + " and outChannels " + outChannels + ", got " + groups);
        }
        this.dims = dims;
        this.inChannels = inChannels;
        this.outChannels = outChannels;
        this.kernel = perDim(op, "kernelSize", kernel, dims, 1);
        this.stride = perDim(op, "stride", stride, dims, 1);
        this.dilation = perDim(op, "dilation", dilation, dims, 1);
        if (padding == null) {
            throw new IllegalArgumentException(op + ": padding must not be null");
        }
        this.padding = padding;
        // validate the configuration once on a minimal input large enough for the kernel span
        int[] probe = new int[dims];
        for (int i = 0; i < dims; i++) {
            probe[i] = this.dilation[i] * (this.kernel[i] - 1) + 1;
        }
        ConvGeometry.conv(dims, 1, inChannels, probe, outChannels, this.kernel, this.stride, padding, this.dilation,
                groups);
        this.groups = groups;
        int[] ws = new int[dims + 2];
        ws[0] = outChannels;
        ws[1] = inChannels / groups;
        int fanIn = inChannels / groups;
        for (int i = 0; i < dims; i++) {
            ws[2 + i] = this.kernel[i];
            fanIn *= this.kernel[i];
        }
        Tensor w = Tensor.zeros(ws);
        Init.kaimingUniform(w, Math.sqrt(5.0), fanIn);
        this.weight = registerParameter("weight", w);
        if (bias) {
            Tensor b = Tensor.zeros(outChannels);
            Init.biasUniform(b, fanIn);
            this.bias = registerParameter("bias", b);
        } else {
            this.bias = null;
        }
    }

    static int[] perDim(String op, String what, int[] v, int dims, int min) {
        if (v == null || (v.length != 1 && v.length != dims)) {
            throw new IllegalArgumentException(op + ": " + what + " needs 1 or " + dims + " values, got "
                    + (v == null ? "null" : Arrays.toString(v)));
        }
        int[] r = new int[dims];
        for (int i = 0; i < dims; i++) {
            r[i] = v.length == 1 ? v[0] : v[i];
            if (r[i] < min) {
                throw new IllegalArgumentException(op + ": " + what + " must be >= " + min + ", got "
                        + Arrays.toString(v));
            }
        }
        return r;
    }

    public Parameter weight() {
        return weight;
    }

    /** The bias, or null when built without one. */
    public Parameter bias() {
        return bias;
    }

    public int inChannels() {
        return inChannels;
    }

    public int outChannels() {
        return outChannels;
    }

    @Override
    public Tensor forward(Tensor x) {
        return forwardFused(x, Epilogue.NONE, Allocator.HEAP);
    }

    @Override
    Tensor forward(Tensor x, Allocator alloc) {
        return forwardFused(x, Epilogue.NONE, alloc);
    }

    @Override
    public Tensor forwardFused(Tensor x, Epilogue epilogue, Allocator alloc) {
        ConvGeometry g = F.convGeometry(dims, x, weight.data(), bias == null ? null : bias.data(), stride, padding,
                dilation, groups);
        Tensor y = alloc.allocate(g.outputShape());
        if (isTraining()) {
            F.convForward(g, x, weight.data(), bias == null ? null : bias.data(), epilogue, y);
            lastInput = x;
            lastGeometry = g;
        } else {
            Conv k = SimdCnn.backend().conv();
            k.forward(g, x.data(), x.offset(), packedWeights(k, g), bias == null ? null : bias.data().data(),
                    y.data(), y.offset(), epilogue == null ? Epilogue.NONE : epilogue);
        }
        return y;
    }

    /**
     * The weights packed by {@code k}, made again when the weight tensor's version or the backend changed since
     * they were made (thread-safe: concurrent eval callers may each pack once; every copy is right).
     */
    private PackedConvWeights packedWeights(Conv k, ConvGeometry g) {
        Tensor w = weight.data();
        int v = w.version(); // read before packing: a write during the packing makes the next call pack again
        PackedCache c = packed;
        if (c == null || c.conv() != k || c.version() != v) {
            c = new PackedCache(k, v, k.pack(g, w.data(), w.offset()));
            packed = c;
        }
        return c.weights();
    }

    @Override
    public Tensor backward(Tensor gradOutput) {
        return backward(gradOutput, Allocator.HEAP);
    }

    @Override
    Tensor backward(Tensor gradOutput, Allocator alloc) {
        ConvGeometry g = lastGeometry;
        Tensor x = lastInput;
        if (g == null || !isTraining()) {
            throw noForward();
        }
        checkGradShape(getClass().getSimpleName(), gradOutput, g.outputShape());
        Conv k = SimdCnn.backend().conv();
        Tensor w = weight.data();
        Tensor dx = null;
        if (alloc != null) { // null: the caller does not need the input gradient
            dx = alloc.allocate(x.shape());
            k.backwardInput(g, gradOutput.data(), gradOutput.offset(), w.data(), 0, dx.data(), 0);
        }
        if (dwScratch == null) {
            dwScratch = new float[w.size()];
        }
        k.backwardWeight(g, x.data(), x.offset(), gradOutput.data(), gradOutput.offset(), dwScratch, 0);
        weight.accumulateGrad(dwScratch, 0);
        if (bias != null) {
            if (dbScratch == null) {
                dbScratch = new float[outChannels];
            }
            k.backwardBias(g, gradOutput.data(), gradOutput.offset(), dbScratch);
            bias.accumulateGrad(dbScratch, 0);
        }
        return dx;
    }

    @Override
    protected void onModeChange(boolean training) {
        // Entering eval mode packs afresh (whatever training did to the weights); training does not use the copy.
        packed = null;
        if (!training) {
            lastInput = null;
            lastGeometry = null;
        }
    }

    @Override
    protected String extraRepr() {
        return inChannels + ", " + outChannels + ", kernel_size=" + Arrays.toString(kernel) + ", stride="
                + Arrays.toString(stride) + ", padding=" + padding + (groups > 1 ? ", groups=" + groups : "")
                + (bias == null ? ", bias=False" : "");
    }

    /**
     * A builder for per-dimension tuples and {@code same}/{@code valid} padding, e.g.
     * {@code Conv2d.builder(3, 16).kernelSize(3, 5).padding(Padding.same()).build()}.
     */
    public static final class Builder<T extends ConvNd> {
        /** Creates the layer from the collected arguments. */
        interface Factory<T> {
            T make(int in, int out, int[] k, int[] s, Padding p, int[] d, int groups, boolean bias);
        }

        private final Factory<T> factory;
        private final int in;
        private final int out;
        private int[] kernel;
        private int[] stride = {1};
        private Padding padding = Padding.of(0);
        private int[] dilation = {1};
        private int groups = 1;
        private boolean bias = true;

        Builder(Factory<T> factory, int in, int out) {
            this.factory = factory;
            this.in = in;
            this.out = out;
        }

        /** One value for every dimension or one per dimension. Required. */
        public Builder<T> kernelSize(int... k) {
            this.kernel = k.clone();
            return this;
        }

        public Builder<T> stride(int... s) {
            this.stride = s.clone();
            return this;
        }

        /** Symmetric zero padding, one value or one per dimension. */
        public Builder<T> padding(int... p) {
            this.padding = Padding.of(p);
            return this;
        }

        /** Any padding: {@code Padding.same()}, {@code Padding.valid()}, explicit or asymmetric. */
        public Builder<T> padding(Padding p) {
            this.padding = p;
            return this;
        }

        public Builder<T> dilation(int... d) {
            this.dilation = d.clone();
            return this;
        }

        public Builder<T> groups(int g) {
            this.groups = g;
            return this;
        }

        public Builder<T> bias(boolean b) {
            this.bias = b;
            return this;
        }

        public T build() {
            if (kernel == null) {
                throw new IllegalArgumentException("conv builder: kernelSize is required");
            }
            return factory.make(in, out, kernel, stride, padding, dilation, groups, bias);
        }
    }
}
