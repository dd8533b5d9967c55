package org.simdcnn.kernels.simd;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.simdcnn.SimdCnn;
import org.simdcnn.kernels.BatchNorm;
import org.simdcnn.parallel.ThreadPool;

/**
 * Vector API batch normalisation, lanes along the spatial plane. Statistics per channel: each {@code (n, c)}
 * plane is summed with vector accumulators and the plane sums are added in double in batch order, two passes
 * (mean, then the sum of squared deviations), so the result does not depend on the thread count. One task per
 * channel. The normalisation is {@code (x - mean) * (gamma * invStd) + beta} with one fused multiply-add.
 */
final class SimdBatchNorm implements BatchNorm {
    private static final VectorSpecies<Float> F = SimdBackend.F;
    private static final int L = F.length();
    private static final int PAR_MIN = 1 << 15;
    private static final ThreadLocal<double[]> TWO = ThreadLocal.withInitial(() -> new double[2]);
    /**
     * Lane sums are taken from this per-thread array ({@link Lanes#sum(float[], int)}): no vector is passed to a
     * helper, which C2 might not inline (and would then box the vector).
     */
    private static final ThreadLocal<float[]> LANES = ThreadLocal.withInitial(() -> new float[4 * L]);

    /** The arguments of one call, one reusable object per calling thread (a capturing lambda allocates). */
    private static final ThreadLocal<Job> JOB = ThreadLocal.withInitial(Job::new);

    private static void run(int op, long work, int batch, int channels, int spatial, float[] x, int xOff,
            float[] gamma, float[] beta, float eps, float momentum, float[] runningMean, float[] runningVar,
            float[] y, int yOff, float[] saveMean, float[] saveInvStd, float[] dy, int dyOff, float[] dx, int dxOff,
            float[] dgamma, float[] dbeta) {
        Job j = JOB.get();
        j.op = op;
        j.batch = batch;
        j.channels = channels;
        j.spatial = spatial;
        j.n = (long) batch * spatial;
        j.x = x;
        j.xOff = xOff;
        j.gamma = gamma;
        j.beta = beta;
        j.eps = eps;
        j.momentum = momentum;
        j.runningMean = runningMean;
        j.runningVar = runningVar;
        j.y = y;
        j.yOff = yOff;
        j.saveMean = saveMean;
        j.saveInvStd = saveInvStd;
        j.dy = dy;
        j.dyOff = dyOff;
        j.dx = dx;
        j.dxOff = dxOff;
        j.dgamma = dgamma;
        j.dbeta = dbeta;
        try {
            ThreadPool pool = SimdCnn.pool();
            if (work >= PAR_MIN && channels > 1 && pool.threads() > 1) {
                pool.run(channels, j);
            } else {
                for (int i = 0; i < channels; i++) {
                    j.run(i);
                }
            }
        } finally {
            j.clear();
        }
    }

    /** One channel of a training forward, eval forward or backward call; the fields are the call's arguments. */
    private static final class Job implements ThreadPool.Task {
        static final int TRAIN = 0;
        static final int EVAL = 1;
        static final int BACKWARD = 2;
        int op;
        int batch;
        int channels;
        int spatial;
        long n;
        float[] x;
        int xOff;
        float[] gamma;
        float[] beta;
        float eps;
        float momentum;
        float[] runningMean;
        float[] runningVar;
        float[] y;
        int yOff;
        float[] saveMean;
        float[] saveInvStd;
        float[] dy;
        int dyOff;
        float[] dx;
        int dxOff;
        float[] dgamma;
        float[] dbeta;

        void clear() {
            x = null;
            gamma = null;
            beta = null;
            runningMean = null;
            runningVar = null;
            y = null;
            saveMean = null;
            saveInvStd = null;
            dy = null;
            dx = null;
            dgamma = null;
            dbeta = null;
        }

        @Override
        public void run(int c) {
            switch (op) {
                case TRAIN -> train(c);
                case EVAL -> eval(c);
                default -> backward(c);
            }
        }

        private void train(int c) {
            double s = 0;
            for (int b = 0; b < batch; b++) {
                s += sumCompensated(x, xOff + (b * channels + c) * spatial, spatial);
            }
            float mean = (float) (s / n);
            double ss = 0;
            for (int b = 0; b < batch; b++) {
                ss += sumSqDev(x, xOff + (b * channels + c) * spatial, spatial, mean);
            }
            double var = ss / n;
            float invStd = (float) (1.0 / Math.sqrt(var + eps));
            if (saveMean != null) {
                saveMean[c] = mean;
            }
            if (saveInvStd != null) {
                saveInvStd[c] = invStd;
            }
            if (runningMean != null) {
                runningMean[c] = (1 - momentum) * runningMean[c] + momentum * mean;
            }
            if (runningVar != null) {
                runningVar[c] = (float) ((1 - momentum) * runningVar[c] + momentum * (ss / (n - 1)));
            }
            float scale = gamma == null ? invStd : gamma[c] * invStd;
            float shift = beta == null ? 0f : beta[c];
            for (int b = 0; b < batch; b++) {
                int o = (b * channels + c) * spatial;
                affine(x, xOff + o, y, yOff + o, spatial, mean, scale, shift);
            }
        }

        private void eval(int c) {
            float invStd = (float) (1.0 / Math.sqrt((double) runningVar[c] + eps));
            float scale = gamma == null ? invStd : gamma[c] * invStd;
            float shift = beta == null ? 0f : beta[c];
            for (int b = 0; b < batch; b++) {
                int o = (b * channels + c) * spatial;
                affine(x, xOff + o, y, yOff + o, spatial, runningMean[c], scale, shift);
            }
        }

        private void backward(int c) {
            float mean = saveMean[c];
            float invStd = saveInvStd[c];
            double sdy = 0;
            double sdyx = 0;
            double[] two = TWO.get();
            for (int b = 0; b < batch; b++) {
                int o = (b * channels + c) * spatial;
                sums(dy, dyOff + o, x, xOff + o, spatial, mean, two);
                sdy += two[0];
                sdyx += two[1];
            }
            if (dbeta != null) {
                dbeta[c] = (float) sdy;
            }
            if (dgamma != null) {
                dgamma[c] = (float) (sdyx * invStd);
            }
            float g = gamma == null ? 1f : gamma[c];
            // dx = g*invStd*(dy - sdy/n - (x-mean)*invStd^2*sdyx/n)
            float k = g * invStd;
            float a = (float) (sdy / n);
            float bcoef = (float) (sdyx / n * invStd * invStd);
            for (int b = 0; b < batch; b++) {
                int o = (b * channels + c) * spatial;
                backwardPlane(x, xOff + o, dy, dyOff + o, dx, dxOff + o, spatial, mean, k, a, bcoef);
            }
        }
    }

    @Override
    public void forwardTraining(int batch, int channels, int spatial, float[] x, int xOff, float[] gamma,
            float[] beta, float eps, float momentum, float[] runningMean, float[] runningVar, float[] y, int yOff,
            float[] saveMean, float[] saveInvStd) {
        long n = (long) batch * spatial;
        run(Job.TRAIN, n * channels, batch, channels, spatial, x, xOff, gamma, beta, eps, momentum,
                runningMean, runningVar, y, yOff, saveMean, saveInvStd, null, 0, null, 0, null, null);
    }

    @Override
    public void forwardEval(int batch, int channels, int spatial, float[] x, int xOff, float[] gamma, float[] beta,
            float[] runningMean, float[] runningVar, float eps, float[] y, int yOff) {
        run(Job.EVAL, (long) batch * spatial * channels, batch, channels, spatial, x, xOff, gamma, beta,
                eps, 0f, runningMean, runningVar, y, yOff, null, null, null, 0, null, 0, null, null);
    }

    @Override
    public void backward(int batch, int channels, int spatial, float[] x, int xOff, float[] dy, int dyOff,
            float[] gamma, float[] saveMean, float[] saveInvStd, float[] dx, int dxOff, float[] dgamma,
            float[] dbeta) {
        long n = (long) batch * spatial;
        run(Job.BACKWARD, n * channels, batch, channels, spatial, x, xOff, gamma, null, 0f, 0f, null, null,
                null, 0, saveMean, saveInvStd, dy, dyOff, dx, dxOff, dgamma, dbeta);
    }

    static float sum(float[] a, int off, int n) {
        return SimdPooling.sum(a, off, n);
    }

    static float sumSqDev(float[] a, int off, int n, float mean) {
        FloatVector m = FloatVector.broadcast(F, mean);
        FloatVector acc = FloatVector.zero(F);
        int i = 0;
        for (int ub = F.loopBound(n); i < ub; i += L) {
            FloatVector d = FloatVector.fromArray(F, a, off + i).sub(m);
            acc = d.fma(d, acc);
        }
        if (i < n) {
            VectorMask<Float> mk = F.indexInRange(i, n);
            FloatVector d = FloatVector.fromArray(F, a, off + i, mk).sub(m).blend(0f, mk.not());
            acc = d.fma(d, acc);
        }
        float[] ls = LANES.get();
        acc.intoArray(ls, 0);
        return Lanes.sum(ls, 0);
    }

    /**
     * Sum of dy and of dy*(x - mean) over one plane, each with compensated (TwoSum) lane accumulators so the
     * cancelling sums of a gradient keep double-like accuracy; returned as doubles in {@code out[0..1]}.
     */
    static void sums(float[] dy, int go, float[] x, int xo, int n, float mean, double[] out) {
        FloatVector m = FloatVector.broadcast(F, mean);
        FloatVector s0 = FloatVector.zero(F);
        FloatVector c0 = FloatVector.zero(F);
        FloatVector s1 = FloatVector.zero(F);
        FloatVector c1 = FloatVector.zero(F);
        int i = 0;
        for (int ub = F.loopBound(n); i < ub; i += L) {
            FloatVector g = FloatVector.fromArray(F, dy, go + i);
            FloatVector p = g.mul(FloatVector.fromArray(F, x, xo + i).sub(m));
            FloatVector t0 = s0.add(g);
            FloatVector b0 = t0.sub(s0);
            c0 = c0.add(s0.sub(t0.sub(b0)).add(g.sub(b0)));
            s0 = t0;
            FloatVector t1 = s1.add(p);
            FloatVector b1 = t1.sub(s1);
            c1 = c1.add(s1.sub(t1.sub(b1)).add(p.sub(b1)));
            s1 = t1;
        }
        double a0 = 0;
        double a1 = 0;
        for (; i < n; i++) {
            a0 += dy[go + i];
            a1 += (double) dy[go + i] * (x[xo + i] - mean);
        }
        float[] ls = LANES.get();
        s0.intoArray(ls, 0);
        c0.intoArray(ls, L);
        s1.intoArray(ls, 2 * L);
        c1.intoArray(ls, 3 * L);
        out[0] = a0 + (double) Lanes.sum(ls, 0) + Lanes.sum(ls, L);
        out[1] = a1 + (double) Lanes.sum(ls, 2 * L) + Lanes.sum(ls, 3 * L);
    }

    /** Sum of a plane with compensated (TwoSum) lane accumulators, in double. */
    static double sumCompensated(float[] a, int off, int n) {
        FloatVector s = FloatVector.zero(F);
        FloatVector c = FloatVector.zero(F);
        int i = 0;
        for (int ub = F.loopBound(n); i < ub; i += L) {
            FloatVector v = FloatVector.fromArray(F, a, off + i);
            FloatVector t = s.add(v);
            FloatVector b = t.sub(s);
            c = c.add(s.sub(t.sub(b)).add(v.sub(b)));
            s = t;
        }
        double r = 0;
        for (; i < n; i++) {
            r += a[off + i];
        }
        float[] ls = LANES.get();
        s.intoArray(ls, 0);
        c.intoArray(ls, L);
        return r + (double) Lanes.sum(ls, 0) + Lanes.sum(ls, L);
    }

    static void affine(float[] x, int xo, float[] y, int yo, int n, float mean, float scale, float shift) {
        FloatVector m = FloatVector.broadcast(F, mean);
        FloatVector s = FloatVector.broadcast(F, scale);
        FloatVector t = FloatVector.broadcast(F, shift);
        int i = 0;
        for (int ub = F.loopBound(n); i < ub; i += L) {
            FloatVector.fromArray(F, x, xo + i).sub(m).fma(s, t).intoArray(y, yo + i);
        }
        if (i < n) {
            VectorMask<Float> mk = F.indexInRange(i, n);
            FloatVector.fromArray(F, x, xo + i, mk).sub(m).fma(s, t).intoArray(y, yo + i, mk);
        }
    }

    static void backwardPlane(float[] x, int xo, float[] dy, int go, float[] dx, int dxo, int n, float mean, float k,
            float a, float b) {
        FloatVector m = FloatVector.broadcast(F, mean);
        FloatVector kv = FloatVector.broadcast(F, k);
        FloatVector av = FloatVector.broadcast(F, a);
        FloatVector bv = FloatVector.broadcast(F, -b);
        int i = 0;
        for (int ub = F.loopBound(n); i < ub; i += L) {
            FloatVector xc = FloatVector.fromArray(F, x, xo + i).sub(m);
            FloatVector g = FloatVector.fromArray(F, dy, go + i).sub(av);
            xc.fma(bv, g).mul(kv).intoArray(dx, dxo + i);
        }
        if (i < n) {
            VectorMask<Float> mk = F.indexInRange(i, n);
            FloatVector xc = FloatVector.fromArray(F, x, xo + i, mk).sub(m);
            FloatVector g = FloatVector.fromArray(F, dy, go + i, mk).sub(av);
            xc.fma(bv, g).mul(kv).intoArray(dx, dxo + i, mk);
        }
    }
}
