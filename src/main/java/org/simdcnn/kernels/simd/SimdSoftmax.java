package org.simdcnn.kernels.simd;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.simdcnn.SimdCnn;
import org.simdcnn.kernels.Softmax;
import org.simdcnn.parallel.ThreadPool;

/**
 * Vector API softmax and log-softmax over {@code (outer, dim, inner)}. With {@code inner == 1} each row is
 * contiguous and the lanes run along the row (max, then exp and sum in one pass, then one scaling pass); otherwise
 * the lanes run along {@code inner} and the row is walked with stride {@code inner}. Rows are independent, each
 * computed the same way whatever thread runs it; large inputs are split by rows into a fixed number of tasks.
 */
final class SimdSoftmax implements Softmax {
    private static final VectorSpecies<Float> F = SimdBackend.F;
    private static final int L = F.length();
    private static final int PAR_MIN = 1 << 15;
    private static final ThreadLocal<float[]> SCRATCH = ThreadLocal.withInitial(() -> new float[2 * L]);

    @Override
    public void forward(boolean log, int outer, int dim, int inner, float[] x, int xOff, float[] y, int yOff) {
        run(outer, dim, inner, o -> forwardRow(log, dim, inner, x, xOff + o * dim * inner, y, yOff + o * dim * inner));
    }

    @Override
    public void backward(boolean log, int outer, int dim, int inner, float[] y, int yOff, float[] dy, int dyOff,
            float[] dx, int dxOff) {
        run(outer, dim, inner, o -> {
            int s = o * dim * inner;
            backwardRow(log, dim, inner, y, yOff + s, dy, dyOff + s, dx, dxOff + s);
        });
    }

    private static void run(int outer, int dim, int inner, ThreadPool.Task row) {
        ThreadPool pool = SimdCnn.pool();
        long total = (long) outer * dim * inner;
        if (total >= PAR_MIN && outer > 1 && pool.threads() > 1) {
            int tasks = Math.min(outer, 64);
            pool.run(tasks, t -> {
                int from = (int) ((long) outer * t / tasks);
                int to = (int) ((long) outer * (t + 1) / tasks);
                for (int o = from; o < to; o++) {
                    row.run(o);
                }
            });
        } else {
            for (int o = 0; o < outer; o++) {
                row.run(o);
            }
        }
    }

    static void forwardRow(boolean log, int dim, int inner, float[] x, int xo, float[] y, int yo) {
        if (inner == 1) {
            forwardContiguous(log, dim, x, xo, y, yo);
            return;
        }
        for (int i = 0; i < inner; i += L) {
            VectorMask<Float> m = i + L <= inner ? null : F.indexInRange(i, inner);
            FloatVector max = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
            for (int d = 0; d < dim; d++) {
                max = max.max(load(x, xo + d * inner + i, m));
            }
            FloatVector sum = FloatVector.zero(F);
            FloatVector comp = FloatVector.zero(F);
            for (int d = 0; d < dim; d++) {
                FloatVector e = SimdMath.exp(load(x, xo + d * inner + i, m).sub(max));
                // TwoSum: the rounding error of each addition is kept in comp
                FloatVector t = sum.add(e);
                FloatVector b = t.sub(sum);
                comp = comp.add(sum.sub(t.sub(b)).add(e.sub(b)));
                sum = t;
                if (!log) {
                    store(e, y, yo + d * inner + i, m);
                }
            }
            if (log) {
                // log of the compensated sum, per lane in double (one log per lane for dim elements)
                float[] sc = SCRATCH.get();
                sum.intoArray(sc, 0);
                comp.intoArray(sc, L);
                for (int k = 0; k < L; k++) {
                    sc[k] = (float) Math.log((double) sc[k] + sc[L + k]);
                }
                FloatVector logSum = FloatVector.fromArray(F, sc, 0);
                for (int d = 0; d < dim; d++) {
                    store(logProb(load(x, xo + d * inner + i, m), max, logSum), y, yo + d * inner + i, m);
                }
            } else {
                FloatVector total = sum.add(comp);
                for (int d = 0; d < dim; d++) {
                    store(load(y, yo + d * inner + i, m).div(total), y, yo + d * inner + i, m);
                }
            }
        }
    }

    private static void forwardContiguous(boolean log, int n, float[] x, int xo, float[] y, int yo) {
        int ub = F.loopBound(n);
        FloatVector vmax = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
        int i = 0;
        for (; i < ub; i += L) {
            vmax = vmax.max(FloatVector.fromArray(F, x, xo + i));
        }
        if (i < n) {
            VectorMask<Float> m = F.indexInRange(i, n);
            vmax = vmax.max(FloatVector.fromArray(F, x, xo + i, m).blend(Float.NEGATIVE_INFINITY, m.not()));
        }
        float max = vmax.reduceLanes(VectorOperators.MAX);
        FloatVector mv = FloatVector.broadcast(F, max);
        FloatVector vsum = FloatVector.zero(F);
        FloatVector comp = FloatVector.zero(F);
        for (i = 0; i < ub; i += L) {
            FloatVector e = SimdMath.exp(FloatVector.fromArray(F, x, xo + i).sub(mv));
            FloatVector t = vsum.add(e);
            FloatVector b = t.sub(vsum);
            comp = comp.add(vsum.sub(t.sub(b)).add(e.sub(b)));
            vsum = t;
            if (!log) {
                e.intoArray(y, yo + i);
            }
        }
        if (i < n) {
            VectorMask<Float> m = F.indexInRange(i, n);
            FloatVector e = SimdMath.exp(FloatVector.fromArray(F, x, xo + i, m).sub(mv));
            e = e.blend(0f, m.not());
            FloatVector t = vsum.add(e);
            FloatVector b = t.sub(vsum);
            comp = comp.add(vsum.sub(t.sub(b)).add(e.sub(b)));
            vsum = t;
            if (!log) {
                e.intoArray(y, yo + i, m);
            }
        }
        double sumD = (double) Lanes.sum(vsum) + Lanes.sum(comp);
        float sum = (float) sumD;
        if (log) {
            FloatVector logSum = FloatVector.broadcast(F, (float) Math.log(sumD));
            for (i = 0; i < ub; i += L) {
                logProb(FloatVector.fromArray(F, x, xo + i), mv, logSum).intoArray(y, yo + i);
            }
            if (i < n) {
                VectorMask<Float> m = F.indexInRange(i, n);
                logProb(FloatVector.fromArray(F, x, xo + i, m), mv, logSum).intoArray(y, yo + i, m);
            }
        } else {
            FloatVector sv = FloatVector.broadcast(F, sum); // divide (one rounding) rather than multiply by 1/sum
            for (i = 0; i < ub; i += L) {
                FloatVector.fromArray(F, y, yo + i).div(sv).intoArray(y, yo + i);
            }
            if (i < n) {
                VectorMask<Float> m = F.indexInRange(i, n);
                FloatVector.fromArray(F, y, yo + i, m).div(sv).intoArray(y, yo + i, m);
            }
        }
    }

    static void backwardRow(boolean log, int dim, int inner, float[] y, int yo, float[] dy, int go, float[] dx,
            int dxo) {
        if (inner == 1) {
            backwardContiguous(log, dim, y, yo, dy, go, dx, dxo);
            return;
        }
        for (int i = 0; i < inner; i += L) {
            VectorMask<Float> m = i + L <= inner ? null : F.indexInRange(i, inner);
            FloatVector sum = FloatVector.zero(F);
            for (int d = 0; d < dim; d++) {
                int k = d * inner + i;
                FloatVector g = load(dy, go + k, m);
                sum = log ? sum.add(g) : g.fma(load(y, yo + k, m), sum);
            }
            for (int d = 0; d < dim; d++) {
                int k = d * inner + i;
                FloatVector g = load(dy, go + k, m);
                FloatVector w = load(y, yo + k, m);
                FloatVector r = log ? SimdMath.exp(w).neg().fma(sum, g) : w.mul(g.sub(sum));
                store(r, dx, dxo + k, m);
            }
        }
    }

    private static void backwardContiguous(boolean log, int n, float[] y, int yo, float[] dy, int go, float[] dx,
            int dxo) {
        int ub = F.loopBound(n);
        FloatVector vs = FloatVector.zero(F);
        int i = 0;
        for (; i < ub; i += L) {
            FloatVector g = FloatVector.fromArray(F, dy, go + i);
            vs = log ? vs.add(g) : g.fma(FloatVector.fromArray(F, y, yo + i), vs);
        }
        if (i < n) {
            VectorMask<Float> m = F.indexInRange(i, n);
            FloatVector g = FloatVector.fromArray(F, dy, go + i, m);
            vs = log ? vs.add(g) : g.fma(FloatVector.fromArray(F, y, yo + i, m), vs);
        }
        FloatVector sum = FloatVector.broadcast(F, Lanes.sum(vs));
        for (i = 0; i < ub; i += L) {
            FloatVector g = FloatVector.fromArray(F, dy, go + i);
            FloatVector w = FloatVector.fromArray(F, y, yo + i);
            (log ? SimdMath.exp(w).neg().fma(sum, g) : w.mul(g.sub(sum))).intoArray(dx, dxo + i);
        }
        if (i < n) {
            VectorMask<Float> m = F.indexInRange(i, n);
            FloatVector g = FloatVector.fromArray(F, dy, go + i, m);
            FloatVector w = FloatVector.fromArray(F, y, yo + i, m);
            (log ? SimdMath.exp(w).neg().fma(sum, g) : w.mul(g.sub(sum))).intoArray(dx, dxo + i, m);
        }
    }

    /**
     * x - max - logSum rounded once: x - max is split exactly into hi + lo (TwoSum), so only the final addition
     * rounds.
     */
    static FloatVector logProb(FloatVector x, FloatVector max, FloatVector logSum) {
        FloatVector nm = max.neg();
        FloatVector hi = x.add(nm);
        FloatVector bb = hi.sub(x);
        FloatVector lo = x.sub(hi.sub(bb)).add(nm.sub(bb));
        lo = lo.blend(0f, lo.test(VectorOperators.IS_NAN)); // infinite x or max: hi carries the result
        return hi.add(lo.sub(logSum));
    }

    static FloatVector load(float[] a, int off, VectorMask<Float> m) {
        return m == null ? FloatVector.fromArray(F, a, off) : FloatVector.fromArray(F, a, off, m);
    }

    static void store(FloatVector v, float[] a, int off, VectorMask<Float> m) {
        if (m == null) {
            v.intoArray(a, off);
        } else {
            v.intoArray(a, off, m);
        }
    }
}
