package org.simdcnn.nn;

import java.util.Arrays;
import org.simdcnn.SimdCnn;
import org.simdcnn.functional.F;
import org.simdcnn.geometry.ConvGeometry;
import org.simdcnn.geometry.Padding;
import org.simdcnn.kernels.Conv;
import org.simdcnn.kernels.Epilogue;
import org.simdcnn.tensor.Tensor;

/**
 * PyTorch's {@code nn.ConvTranspose2d(in_channels, out_channels, kernel_size, stride=1, padding=0,
 * output_padding=0, groups=1, bias=True, dilation=1)}. Weight {@code (in, out/groups, kH, kW)}; PyTorch's
 * initialisation (its fan-in is {@code out/groups * kH * kW}, from the weight's second dimension). Backward is a
 * plain convolution with the same weight (the adjoint geometry).
 */
public final class ConvTranspose2d extends Module {
    private final int inChannels;
    private final int outChannels;
    private final int[] kernel;
    private final int[] stride;
    private final int[] padding;
    private final int[] outputPadding;
    private final int[] dilation;
    private final int groups;
    private final Parameter weight;
    private final Parameter bias;
    private Tensor lastInput;
    private ConvGeometry lastGeometry;
    private float[] dwScratch;
    private float[] dbScratch;

    public ConvTranspose2d(int inChannels, int outChannels, int kernelSize, int stride, int padding,
            int outputPadding, int groups, boolean bias, int dilation) {
        this(inChannels, outChannels, new int[] {kernelSize}, new int[] {stride}, new int[] {padding},
                new int[] {outputPadding}, groups, bias, new int[] {dilation});
    }

    public ConvTranspose2d(int inChannels, int outChannels, int kernelSize) {
        this(inChannels, outChannels, kernelSize, 1, 0, 0, 1, true, 1);
    }

    public ConvTranspose2d(int inChannels, int outChannels, int kernelSize, int stride, int padding) {
        this(inChannels, outChannels, kernelSize, stride, padding, 0, 1, true, 1);
    }

    /** Per-dimension tuples (one value or {@code {h, w}}). */
    public ConvTranspose2d(int inChannels, int outChannels, int[] kernelSize, int[] stride, int[] padding,
            int[] outputPadding, int groups, boolean bias, int[] dilation) {
        String op = "ConvTranspose2d";
        if (inChannels < 1 || outChannels < 1) {
            throw new IllegalArgumentException(op + ": inChannels and outChannels must be >= 1, got " + inChannels
                    + " and " + outChannels);
        }
        if (groups < 1 || inChannels % groups != 0 || outChannels % groups != 0) {
            throw new IllegalArgumentException(op + ": groups must be >= 1 and divide inChannels " + inChannels
                    + " and outChannels " + outChannels + ", got " + groups);
        }
        this.inChannels = inChannels;
        this.outChannels = outChannels;
        this.kernel = ConvNd.perDim(op, "kernelSize", kernelSize, 2, 1);
        this.stride = ConvNd.perDim(op, "stride", stride, 2, 1);
        this.padding = ConvNd.perDim(op, "padding", padding, 2, 0);
        this.outputPadding = ConvNd.perDim(op, "outputPadding", outputPadding, 2, 0);
        this.dilation = ConvNd.perDim(op, "dilation", dilation, 2, 1);
        this.groups = groups;
        ConvGeometry.transposed(2, 1, inChannels, new int[] {1, 1}, outChannels, this.kernel, this.stride,
                Padding.of(0), this.outputPadding, this.dilation, groups);
        int fanIn = outChannels / groups * this.kernel[0] * this.kernel[1];
        Tensor w = Tensor.zeros(inChannels, outChannels / groups, this.kernel[0], this.kernel[1]);
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

    public Parameter weight() {
        return weight;
    }

    public Parameter bias() {
        return bias;
    }

    @Override
    public Tensor forward(Tensor x) {
        ConvGeometry g = F.convTransposeGeometry(2, x, weight.data(), bias == null ? null : bias.data(), stride,
                Padding.of(padding), outputPadding, groups, dilation);
        Tensor y = Tensor.zeros(g.outputShape());
        SimdCnn.backend().conv().transposedForward(g, x.data(), x.offset(), weight.data().data(), 0,
                bias == null ? null : bias.data().data(), y.data(), 0);
        if (isTraining()) {
            lastInput = x;
            lastGeometry = g;
        }
        return y;
    }

    @Override
    public Tensor backward(Tensor gradOutput) {
        ConvGeometry g = lastGeometry;
        Tensor x = lastInput;
        if (g == null || !isTraining()) {
            throw noForward();
        }
        checkGradShape("ConvTranspose2d", gradOutput, g.outputShape());
        ConvGeometry adj = g.adjointConv();
        Conv k = SimdCnn.backend().conv();
        Tensor dx = Tensor.zeros(x.shape());
        k.forward(adj, gradOutput.data(), gradOutput.offset(), weight.data().data(), 0, null, dx.data(), 0,
                Epilogue.NONE);
        if (dwScratch == null) {
            dwScratch = new float[weight.size()];
        }
        k.backwardWeight(adj, gradOutput.data(), gradOutput.offset(), x.data(), x.offset(), dwScratch, 0);
        weight.accumulateGrad(dwScratch, 0);
        if (bias != null) {
            if (dbScratch == null) {
                dbScratch = new float[outChannels];
            }
            // db[c] = sum over batch and space of dy; computed through the forward-conv contract on the adjoint's
            // view of dy as an input: reuse backwardBias with a geometry whose output is dy.
            k.backwardBias(biasGeometry(g), gradOutput.data(), gradOutput.offset(), dbScratch);
            bias.accumulateGrad(dbScratch, 0);
        }
        return dx;
    }

    /** A plain (non-transposed) 1x1 geometry whose output has the shape of this layer's output. */
    private static ConvGeometry biasGeometry(ConvGeometry g) {
        return ConvGeometry.conv(2, g.batch(), 1, new int[] {g.outH(), g.outW()}, g.outChannels(), new int[] {1},
                new int[] {1}, Padding.of(0), new int[] {1}, 1);
    }

    @Override
    protected void onModeChange(boolean training) {
        if (!training) {
            lastInput = null;
            lastGeometry = null;
        }
    }

    @Override
    protected String extraRepr() {
        return inChannels + ", " + outChannels + ", kernel_size=" + Arrays.toString(kernel) + ", stride="
                + Arrays.toString(stride) + ", padding=" + Arrays.toString(padding);
    }
}
