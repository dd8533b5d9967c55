package org.simdcnn.nn;

import org.simdcnn.SimdCnn;
import org.simdcnn.functional.F;
import org.simdcnn.kernels.Epilogue;
import org.simdcnn.kernels.PackedLinearWeights;
import org.simdcnn.tensor.Tensor;

/**
 * PyTorch's {@code nn.Linear(in_features, out_features, bias=True)}: input {@code (*, in)}, output
 * {@code (*, out)}, weight {@code (out, in)}, PyTorch's default initialisation from {@link Init}.
 */
public final class Linear extends Module implements FusedForward {
    private final int in;
    private final int out;
    private final Parameter weight;
    private final Parameter bias;
    private Tensor lastInput;
    private int[] lastOutShape;
    private float[] dwScratch;
    private float[] dbScratch;
    /** Eval mode: the weights packed by {@code linear} from weight version {@code version}. */
    private record PackedCache(org.simdcnn.kernels.Linear linear, int version, PackedLinearWeights weights) {
    }

    private volatile PackedCache packed;

    public Linear(int inFeatures, int outFeatures) {
        this(inFeatures, outFeatures, true);
    }

    public Linear(int inFeatures, int outFeatures, boolean bias) {
        if (inFeatures < 1 || outFeatures < 1) {
            throw new IllegalArgumentException("Linear: inFeatures and outFeatures must be >= 1, got " + inFeatures
                    + " and " + outFeatures);
        }
        this.in = inFeatures;
        this.out = outFeatures;
        Tensor w = Tensor.zeros(outFeatures, inFeatures);
        Init.kaimingUniform(w, Math.sqrt(5.0), inFeatures);
        this.weight = registerParameter("weight", w);
        if (bias) {
            Tensor b = Tensor.zeros(outFeatures);
            Init.biasUniform(b, inFeatures);
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

    public int inFeatures() {
        return in;
    }

    public int outFeatures() {
        return out;
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
        F.linearBatch(x, weight.data(), bias == null ? null : bias.data()); // validates before allocating
        int[] ys = x.shape();
        ys[ys.length - 1] = out;
        Tensor y = alloc.allocate(ys);
        if (isTraining()) {
            F.linear(x, weight.data(), bias == null ? null : bias.data(), epilogue, y);
            lastInput = x;
            lastOutShape = y.shape();
        } else {
            // eval: the weights packed once per weight version (the same results as the plain forward)
            org.simdcnn.kernels.Linear k = SimdCnn.backend().linear();
            k.forward(x.size() / in, in, out, x.data(), x.offset(), packedWeights(k),
                    bias == null ? null : F.biasArray(bias.data()), y.data(), y.offset(),
                    epilogue == null ? Epilogue.NONE : epilogue);
        }
        return y;
    }

    /**
     * The weights packed by {@code k}, made again when the weight tensor's version or the backend changed since
     * they were made (thread-safe: concurrent eval callers may each pack once; every copy is right).
     */
    private PackedLinearWeights packedWeights(org.simdcnn.kernels.Linear k) {
        Tensor w = weight.data();
        int v = w.version(); // read before packing: a write during the packing makes the next call pack again
        PackedCache c = packed;
        if (c == null || c.linear() != k || c.version() != v) {
            c = new PackedCache(k, v, k.pack(in, out, w.data(), w.offset()));
            packed = c;
        }
        return c.weights();
    }

    @Override
    protected void onModeChange(boolean training) {
        // Entering eval mode packs afresh (whatever training did to the weights); training does not use the copy.
        packed = null;
        if (!training) {
            lastInput = null;
        }
    }

    @Override
    public Tensor backward(Tensor gradOutput) {
        return backward(gradOutput, Allocator.HEAP);
    }

    @Override
    Tensor backward(Tensor gradOutput, Allocator alloc) {
        Tensor x = lastInput;
        if (x == null || !isTraining()) {
            throw noForward();
        }
        checkGradShape("Linear", gradOutput, lastOutShape);
        int batch = x.size() / in;
        org.simdcnn.kernels.Linear k = SimdCnn.backend().linear();
        Tensor dx = null;
        if (alloc != null) { // null: the caller does not need the input gradient
            dx = alloc.allocate(x.shape());
            k.backwardInput(batch, in, out, gradOutput.data(), gradOutput.offset(), weight.data().data(), 0,
                    dx.data(), 0);
        }
        if (dwScratch == null) {
            dwScratch = new float[in * out];
        }
        k.backwardWeight(batch, in, out, x.data(), x.offset(), gradOutput.data(), gradOutput.offset(), dwScratch,
                0);
        weight.accumulateGrad(dwScratch, 0);
        if (bias != null) {
            if (dbScratch == null) {
                dbScratch = new float[out];
            }
            k.backwardBias(batch, out, gradOutput.data(), gradOutput.offset(), dbScratch);
            bias.accumulateGrad(dbScratch, 0);
        }
        return dx;
    }

    @Override
    protected String extraRepr() {
        return "in_features=" + in + ", out_features=" + out + ", bias=" + (bias != null);
    }
}
