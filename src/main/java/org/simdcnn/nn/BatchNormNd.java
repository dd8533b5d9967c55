package org.simdcnn.nn;

import java.util.Arrays;
import org.simdcnn.SimdCnn;
import org.simdcnn.kernels.BatchNorm;
import org.simdcnn.tensor.Tensor;

/**
 * Batch normalisation ({@link BatchNorm1d}, {@link BatchNorm2d}), PyTorch's semantics: in training the batch
 * statistics normalise (biased variance) and the running statistics are updated with {@code momentum} and the
 * unbiased variance; in eval the running statistics normalise. State-dict names: {@code weight}, {@code bias}
 * (when affine), {@code running_mean}, {@code running_var}, {@code num_batches_tracked} (when tracking running
 * statistics; a float scalar here, see {@link Module#stateDict()}).
 */
public abstract class BatchNormNd extends Module {
    private final String op;
    private final int features;
    private final float eps;
    private final float momentum;
    private final Parameter weight;
    private final Parameter bias;
    private final Tensor runningMean;
    private final Tensor runningVar;
    private final Tensor numBatchesTracked;
    // training state
    private Tensor lastInput;
    private float[] saveMean;
    private float[] saveInvStd;
    private float[] dgScratch;
    private float[] dbScratch;

    BatchNormNd(String op, int numFeatures, float eps, float momentum, boolean affine, boolean trackRunningStats) {
        if (numFeatures < 1) {
            throw new IllegalArgumentException(op + ": numFeatures must be >= 1, got " + numFeatures);
        }
        if (!(eps > 0f) || !Float.isFinite(eps)) {
            throw new IllegalArgumentException(op + ": eps must be finite and > 0, got " + eps);
        }
        if (!(momentum >= 0f && momentum <= 1f)) {
            throw new IllegalArgumentException(op + ": momentum must be in [0, 1], got " + momentum);
        }
        this.op = op;
        this.features = numFeatures;
        this.eps = eps;
        this.momentum = momentum;
        if (affine) {
            Tensor w = Tensor.zeros(numFeatures);
            w.fill(1f);
            this.weight = registerParameter("weight", w);
            this.bias = registerParameter("bias", Tensor.zeros(numFeatures));
        } else {
            this.weight = null;
            this.bias = null;
        }
        if (trackRunningStats) {
            this.runningMean = registerBuffer("running_mean", Tensor.zeros(numFeatures));
            Tensor v = Tensor.zeros(numFeatures);
            v.fill(1f);
            this.runningVar = registerBuffer("running_var", v);
            this.numBatchesTracked = registerBuffer("num_batches_tracked", Tensor.zeros());
        } else {
            this.runningMean = null;
            this.runningVar = null;
            this.numBatchesTracked = null;
        }
    }

    /** Checks the input rank; returns {@code spatial}. */
    abstract int spatial(Tensor x);

    public Parameter weight() {
        return weight;
    }

    public Parameter bias() {
        return bias;
    }

    /** Running mean (live), or null without running statistics. */
    public Tensor runningMean() {
        return runningMean;
    }

    /** Running variance (live), or null without running statistics. */
    public Tensor runningVar() {
        return runningVar;
    }

    @Override
    public Tensor forward(Tensor x) {
        return forward(x, Allocator.HEAP);
    }

    @Override
    Tensor forward(Tensor x, Allocator alloc) {
        if (x == null) {
            throw new IllegalArgumentException(op + ": input must not be null");
        }
        int spatial = spatial(x);
        if (x.dim(1) != features) {
            throw new IllegalArgumentException(op + ": expected " + features + " channels in dimension 1, got input "
                    + "of shape " + Arrays.toString(x.shape()));
        }
        int n = x.dim(0);
        if (n < 1 || spatial < 1) {
            throw new IllegalArgumentException(op + ": input must not be empty, got shape "
                    + Arrays.toString(x.shape()));
        }
        BatchNorm k = SimdCnn.backend().batchNorm();
        Tensor y = alloc.allocate(x.shape());
        float[] g = weight == null ? null : weight.data().data();
        float[] b = bias == null ? null : bias.data().data();
        boolean useBatchStats = isTraining() || runningMean == null;
        if (!useBatchStats) {
            k.forwardEval(n, features, spatial, x.data(), x.offset(), g, b, runningMean.data(), runningVar.data(),
                    eps, y.data(), 0);
            return y;
        }
        if (isTraining() && (long) n * spatial <= 1) {
            throw new IllegalArgumentException(op + ": expected more than 1 value per channel when training, got "
                    + "input of shape " + Arrays.toString(x.shape()));
        }
        float[] mean = new float[features];
        float[] invStd = new float[features];
        boolean update = isTraining() && runningMean != null;
        k.forwardTraining(n, features, spatial, x.data(), x.offset(), g, b, eps, momentum,
                update ? runningMean.data() : null, update ? runningVar.data() : null, y.data(), 0, mean, invStd);
        if (update) {
            numBatchesTracked.data()[0] += 1f;
        }
        if (isTraining()) {
            lastInput = x;
            saveMean = mean;
            saveInvStd = invStd;
        }
        return y;
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
        checkGradShape(op, gradOutput, x.shape());
        int n = x.dim(0);
        int spatial = x.size() / (n * features);
        if (weight != null && dgScratch == null) {
            dgScratch = new float[features];
            dbScratch = new float[features];
        }
        Tensor dx = orHeap(alloc).allocate(x.shape());
        SimdCnn.backend().batchNorm().backward(n, features, spatial, x.data(), x.offset(), gradOutput.data(),
                gradOutput.offset(), weight == null ? null : weight.data().data(), saveMean, saveInvStd, dx.data(),
                0, dgScratch, dbScratch);
        if (weight != null) {
            weight.accumulateGrad(dgScratch, 0);
            bias.accumulateGrad(dbScratch, 0);
        }
        return dx;
    }

    @Override
    protected void onModeChange(boolean training) {
        if (!training) {
            lastInput = null;
        }
    }

    @Override
    protected String extraRepr() {
        return features + ", eps=" + eps + ", momentum=" + momentum + ", affine=" + (weight != null)
                + ", track_running_stats=" + (runningMean != null);
    }
}
