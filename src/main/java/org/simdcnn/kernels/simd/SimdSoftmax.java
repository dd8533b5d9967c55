package org.simdcnn.kernels.simd;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.simdcnn.SimdCnn;
import org.simdcnn.kernels.Softmax;
import org.simdcnn.parallel.ThreadPool;

/**
 * Vector API softmax and log-softmax over {@code (outer, dim, inner)}.
 *
 * <p>With {@code inner == 1} each row is contiguous and the lanes run along the row: a max pass, an exp pass that
 * sums with a compensated (TwoSum) vector sum, then one writing pass. No masks: a row is full vectors plus its
 * last {@code L} elements loaded as one vector that overlaps the body (rows shorter than a vector are right-aligned
 * in a small scratch); in sums the overlapping lanes are zeroed by a bitwise and with a sliding constant. Outputs
 * of the last vector are computed into the scratch before the body writes (so forward may run in place and
 * backward's {@code dx} may alias {@code dy}) and copied out after. Every element gets the same function of its
 * input, wherever it sits.
 *
 * <p>Otherwise the lanes run along {@code inner} (full vectors) and the row is walked with stride {@code inner};
 * the {@code inner % L} positions left over are computed by the scalar reference formula (double sums).
 *
 * <p>Rows are independent, each computed the same way whatever thread runs it; large inputs are split by rows into
 * a fixed number of tasks. Nothing is allocated on the serial path; horizontal sums go through {@link Lanes#sum}.
 */
final class SimdSoftmax implements Softmax {
    private static final VectorSpecies<Float> F = SimdBackend.F;
    private static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, F.vectorShape());
    private static final int L = F.length();
    private static final int PAR_MIN = 1 << 15;
    /** Row scratch: the last vector of up to three inputs and one output, {@code L} floats each. */
    static final ThreadLocal<float[]> SCRATCH = ThreadLocal.withInitial(() -> new float[4 * L]);
    /** 0 in {@code [0, L)}, all ones in {@code [L, 2L)}: loaded at {@code cnt}, keeps the last {@code cnt} lanes. */
    private static final int[] KEEP = keep();

    private static int[] keep() {
        int[] a = new int[2 * L];
        for (int i = L; i < 2 * L; i++) {
            a[i] = -1;
        }
        return a;
    }

    @Override
    public void forward(boolean log, int outer, int dim, int inner, float[] x, int xOff, float[] y, int yOff) {
        int row = dim * inner;
        if (parallel(outer, dim, inner)) {
            int tasks = Math.min(outer, 64);
            SimdCnn.pool().run(tasks, t -> {
                float[] s = SCRATCH.get();
                for (int o = from(outer, tasks, t); o < from(outer, tasks, t + 1); o++) {
                    forwardRow(log, dim, inner, x, xOff + o * row, y, yOff + o * row, s);
                }
            });
        } else {
            float[] s = SCRATCH.get();
            for (int o = 0; o < outer; o++) {
                forwardRow(log, dim, inner, x, xOff + o * row, y, yOff + o * row, s);
            }
        }
    }

    @Override
    public void backward(boolean log, int outer, int dim, int inner, float[] y, int yOff, float[] dy, int dyOff,
            float[] dx, int dxOff) {
        int row = dim * inner;
        if (parallel(outer, dim, inner)) {
            int tasks = Math.min(outer, 64);
            SimdCnn.pool().run(tasks, t -> {
                float[] s = SCRATCH.get();
                for (int o = from(outer, tasks, t); o < from(outer, tasks, t + 1); o++) {
                    backwardRow(log, dim, inner, y, yOff + o * row, dy, dyOff + o * row, dx, dxOff + o * row, s);
                }
            });
        } else {
            float[] s = SCRATCH.get();
            for (int o = 0; o < outer; o++) {
                backwardRow(log, dim, inner, y, yOff + o * row, dy, dyOff + o * row, dx, dxOff + o * row, s);
            }
        }
    }

    private static boolean parallel(int outer, int dim, int inner) {
        ThreadPool pool = SimdCnn.pool();
        return (long) outer * dim * inner >= PAR_MIN && outer > 1 && pool.threads() > 1;
    }

    private static int from(int outer, int tasks, int t) {
        return (int) ((long) outer * t / tasks);
    }

    // ---------------------------------------------------------------- row helpers (shared with SimdLosses)

    /** The number of elements of a row of {@code n} covered only by its last vector: {@code n} below L. */
    static int tailCount(int n) {
        return n < L ? n : n % L;
    }

    /**
     * The last {@code L} elements of {@code a[off, off + n)} as one vector: a plain load when {@code n >= L}; for a
     * shorter row the {@code n} elements right-aligned in {@code s[so, so + L)} after {@code L - n} copies of
     * {@code pad}.
     */
    static FloatVector last(float[] a, int off, int n, float pad, float[] s, int so) {
        if (n >= L) {
            return FloatVector.fromArray(F, a, off + n - L);
        }
        if (off + n >= L) {
            // the vector ending at the row's end, lanes before the row replaced by pad (a bitwise select, no mask)
            IntVector keep = IntVector.fromArray(I, KEEP, n);
            return FloatVector.broadcast(F, pad).reinterpretAsInts()
                    .lanewise(VectorOperators.BITWISE_BLEND, FloatVector.fromArray(F, a, off + n - L)
                            .reinterpretAsInts(), keep).reinterpretAsFloats();
        }
        int p = L - n;
        for (int k = 0; k < p; k++) {
            s[so + k] = pad;
        }
        for (int k = 0; k < n; k++) {
            s[so + p + k] = a[off + k];
        }
        return FloatVector.fromArray(F, s, so);
    }

    /** Writes {@code s[so, so + L)}, the last vector of a row of {@code n} computed by {@link #last}, into the row. */
    static void putLast(float[] s, int so, float[] a, int off, int n) {
        if (n >= L) {
            FloatVector.fromArray(F, s, so).intoArray(a, off + n - L);
            return;
        }
        int p = L - n;
        for (int k = 0; k < n; k++) {
            a[off + k] = s[so + p + k];
        }
    }

    /** {@code v} with all but its last {@code cnt} lanes (1..L) set to +0: a bitwise and, no mask. */
    static FloatVector keepLast(FloatVector v, int cnt) {
        return v.reinterpretAsInts().lanewise(VectorOperators.AND, IntVector.fromArray(I, KEEP, cnt))
                .reinterpretAsFloats();
    }

    /** The maximum of a contiguous row ({@code n >= 1}); NaN if any element is NaN. */
    static float rowMax(float[] x, int off, int n, float[] s) {
        int end = n - tailCount(n);
        FloatVector m = last(x, off, n, x[off], s, 0);
        for (int i = 0; i < end; i += L) {
            m = m.max(FloatVector.fromArray(F, x, off + i));
        }
        return m.reduceLanes(VectorOperators.MAX);
    }

    /**
     * The sum of {@code exp(x - max)} over a contiguous row, vector lanes with TwoSum compensation, the lane sums
     * added in double. With {@code y} non-null the exponentials are also written to {@code y} (which may be
     * {@code x}).
     */
    static double expSum(float[] x, int off, int n, float max, float[] y, int yo, float[] s) {
        int cnt = tailCount(n);
        int end = n - cnt;
        FloatVector mv = FloatVector.broadcast(F, max);
        FloatVector sum = FloatVector.zero(F);
        FloatVector comp = FloatVector.zero(F);
        if (cnt != 0) {
            FloatVector e = SimdMath.exp(last(x, off, n, x[off], s, 0).sub(mv));
            if (y != null) {
                e.intoArray(s, 3 * L);
            }
            sum = keepLast(e, cnt);
        }
        for (int i = 0; i < end; i += L) {
            FloatVector e = SimdMath.exp(FloatVector.fromArray(F, x, off + i).sub(mv));
            FloatVector t = sum.add(e);
            FloatVector b = t.sub(sum);
            comp = comp.add(sum.sub(t.sub(b)).add(e.sub(b)));
            sum = t;
            if (y != null) {
                e.intoArray(y, yo + i);
            }
        }
        if (cnt != 0 && y != null) {
            putLast(s, 3 * L, y, yo, n);
        }
        return (double) Lanes.sum(sum) + Lanes.sum(comp);
    }

    /** log(sum exp) of a contiguous row: {@code max + log(sum exp(x - max))}; an infinite max is returned as is. */
    static float rowLse(float[] x, int off, int n, float[] s) {
        if (n < L) {
            // the same value as below (expSum's compensation is 0 without full vectors), the row loaded once
            FloatVector v = last(x, off, n, x[off], s, 0);
            float max = v.reduceLanes(VectorOperators.MAX);
            if (Float.isInfinite(max)) {
                return max;
            }
            FloatVector e = keepLast(SimdMath.exp(v.sub(max)), n);
            return max + (float) Math.log((double) Lanes.sum(e));
        }
        float max = rowMax(x, off, n, s);
        if (Float.isInfinite(max)) {
            return max; // all -Inf: -Inf; a +Inf logit: +Inf (its own log-probability becomes NaN, as in PyTorch)
        }
        return max + (float) Math.log(expSum(x, off, n, max, null, 0, s));
    }

    // ---------------------------------------------------------------- forward

    static void forwardRow(boolean log, int dim, int inner, float[] x, int xo, float[] y, int yo, float[] s) {
        if (inner == 1) {
            if (dim < L) {
                forwardShort(log, dim, x, xo, y, yo, s);
                return;
            }
            float max = rowMax(x, xo, dim, s);
            if (log) {
                double sum = expSum(x, xo, dim, max, null, 0, s);
                writeLog(x, xo, dim, max, (float) Math.log(sum), y, yo, s);
            } else {
                double sum = expSum(x, xo, dim, max, y, yo, s);
                divide(y, yo, dim, (float) sum, s);
            }
            return;
        }
        int end = inner - inner % L;
        for (int i = 0; i < end; i += L) {
            forwardColumns(log, dim, inner, x, xo + i, y, yo + i, s);
        }
        for (int i = end; i < inner; i++) {
            forwardColumnScalar(log, dim, inner, x, xo + i, y, yo + i);
        }
    }

    /** A row shorter than a vector: loaded once, right-aligned in the scratch. */
    private static void forwardShort(boolean log, int n, float[] x, int xo, float[] y, int yo, float[] s) {
        FloatVector v = last(x, xo, n, x[xo], s, 0);
        FloatVector mv = FloatVector.broadcast(F, v.reduceLanes(VectorOperators.MAX));
        FloatVector e = keepLast(SimdMath.exp(v.sub(mv)), n);
        // the same sum as expSum's for a row without full vectors (its compensation is then 0)
        double sum = Lanes.sum(e);
        if (log) {
            logProb(v, mv, FloatVector.broadcast(F, (float) Math.log(sum))).intoArray(s, 3 * L);
        } else {
            e.div((float) sum).intoArray(s, 3 * L);
        }
        putLast(s, 3 * L, y, yo, n);
    }

    private static void writeLog(float[] x, int xo, int n, float max, float logSum, float[] y, int yo, float[] s) {
        int cnt = tailCount(n);
        int end = n - cnt;
        FloatVector mv = FloatVector.broadcast(F, max);
        FloatVector ls = FloatVector.broadcast(F, logSum);
        if (cnt != 0) {
            logProb(last(x, xo, n, x[xo], s, 0), mv, ls).intoArray(s, 3 * L);
        }
        for (int i = 0; i < end; i += L) {
            logProb(FloatVector.fromArray(F, x, xo + i), mv, ls).intoArray(y, yo + i);
        }
        if (cnt != 0) {
            putLast(s, 3 * L, y, yo, n);
        }
    }

    /** y /= sum in place (divide: one rounding, rather than multiply by 1/sum). */
    private static void divide(float[] y, int yo, int n, float sum, float[] s) {
        int cnt = tailCount(n);
        int end = n - cnt;
        FloatVector sv = FloatVector.broadcast(F, sum);
        if (cnt != 0) {
            last(y, yo, n, 0f, s, 0).div(sv).intoArray(s, 3 * L);
        }
        for (int i = 0; i < end; i += L) {
            FloatVector.fromArray(F, y, yo + i).div(sv).intoArray(y, yo + i);
        }
        if (cnt != 0) {
            putLast(s, 3 * L, y, yo, n);
        }
    }

    /** L adjacent columns {@code i..i+L-1} of one row, all lanes real. */
    private static void forwardColumns(boolean log, int dim, int inner, float[] x, int xo, float[] y, int yo,
            float[] s) {
        FloatVector max = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
        for (int d = 0; d < dim; d++) {
            max = max.max(FloatVector.fromArray(F, x, xo + d * inner));
        }
        FloatVector sum = FloatVector.zero(F);
        FloatVector comp = FloatVector.zero(F);
        for (int d = 0; d < dim; d++) {
            FloatVector e = SimdMath.exp(FloatVector.fromArray(F, x, xo + d * inner).sub(max));
            // TwoSum: the rounding error of each addition is kept in comp
            FloatVector t = sum.add(e);
            FloatVector b = t.sub(sum);
            comp = comp.add(sum.sub(t.sub(b)).add(e.sub(b)));
            sum = t;
            if (!log) {
                e.intoArray(y, yo + d * inner);
            }
        }
        if (log) {
            // log of the compensated sum, per lane in double (one log per lane for dim elements)
            sum.intoArray(s, 0);
            comp.intoArray(s, L);
            for (int k = 0; k < L; k++) {
                s[k] = (float) Math.log((double) s[k] + s[L + k]);
            }
            FloatVector logSum = FloatVector.fromArray(F, s, 0);
            for (int d = 0; d < dim; d++) {
                logProb(FloatVector.fromArray(F, x, xo + d * inner), max, logSum).intoArray(y, yo + d * inner);
            }
        } else {
            FloatVector total = sum.add(comp);
            for (int d = 0; d < dim; d++) {
                FloatVector.fromArray(F, y, yo + d * inner).div(total).intoArray(y, yo + d * inner);
            }
        }
    }

    /** One column with stride {@code inner}: the scalar reference's formula (max, double sum, one rounding). */
    private static void forwardColumnScalar(boolean log, int dim, int inner, float[] x, int xo, float[] y, int yo) {
        double max = Double.NEGATIVE_INFINITY;
        boolean nan = false;
        for (int d = 0; d < dim; d++) {
            float v = x[xo + d * inner];
            nan |= v != v;
            max = Math.max(max, v);
        }
        double sum = 0;
        for (int d = 0; d < dim; d++) {
            sum += Math.exp(x[xo + d * inner] - max);
        }
        if (nan) {
            sum = Double.NaN;
        }
        double logSum = Math.log(sum);
        for (int d = 0; d < dim; d++) {
            double shifted = x[xo + d * inner] - max;
            y[yo + d * inner] = (float) (log ? shifted - logSum : Math.exp(shifted) / sum);
        }
    }

    // ---------------------------------------------------------------- backward

    static void backwardRow(boolean log, int dim, int inner, float[] y, int yo, float[] dy, int go, float[] dx,
            int dxo, float[] s) {
        if (inner == 1) {
            if (dim < L) {
                backwardShort(log, dim, y, yo, dy, go, dx, dxo, s);
                return;
            }
            float sum = gradSum(log, dim, y, yo, dy, go, s);
            writeGrad(log, dim, y, yo, dy, go, sum, dx, dxo, s);
            return;
        }
        int end = inner - inner % L;
        for (int i = 0; i < end; i += L) {
            backwardColumns(log, dim, inner, y, yo + i, dy, go + i, dx, dxo + i);
        }
        for (int i = end; i < inner; i++) {
            backwardColumnScalar(log, dim, inner, y, yo + i, dy, go + i, dx, dxo + i);
        }
    }

    /** sum(dy) for log-softmax, sum(dy * y) for softmax, over a contiguous row. */
    private static float gradSum(boolean log, int n, float[] y, int yo, float[] dy, int go, float[] s) {
        int cnt = tailCount(n);
        int end = n - cnt;
        FloatVector vs = FloatVector.zero(F);
        if (cnt != 0) {
            FloatVector g = last(dy, go, n, 0f, s, 0);
            vs = keepLast(log ? g : g.mul(last(y, yo, n, 0f, s, L)), cnt);
        }
        for (int i = 0; i < end; i += L) {
            FloatVector g = FloatVector.fromArray(F, dy, go + i);
            vs = log ? vs.add(g) : g.fma(FloatVector.fromArray(F, y, yo + i), vs);
        }
        return Lanes.sum(vs);
    }

    /** A row shorter than a vector: loaded once, right-aligned in the scratch. */
    private static void backwardShort(boolean log, int n, float[] y, int yo, float[] dy, int go, float[] dx,
            int dxo, float[] s) {
        FloatVector g = last(dy, go, n, 0f, s, 0);
        FloatVector w = last(y, yo, n, 0f, s, L);
        FloatVector sv = FloatVector.broadcast(F, Lanes.sum(keepLast(log ? g : g.mul(w), n)));
        (log ? SimdMath.exp(w).neg().fma(sv, g) : w.mul(g.sub(sv))).intoArray(s, 3 * L);
        putLast(s, 3 * L, dx, dxo, n);
    }

    private static void writeGrad(boolean log, int n, float[] y, int yo, float[] dy, int go, float sum, float[] dx,
            int dxo, float[] s) {
        int cnt = tailCount(n);
        int end = n - cnt;
        FloatVector sv = FloatVector.broadcast(F, sum);
        if (cnt != 0) {
            FloatVector g = last(dy, go, n, 0f, s, 0);
            FloatVector w = last(y, yo, n, 0f, s, L);
            (log ? SimdMath.exp(w).neg().fma(sv, g) : w.mul(g.sub(sv))).intoArray(s, 3 * L);
        }
        for (int i = 0; i < end; i += L) {
            FloatVector g = FloatVector.fromArray(F, dy, go + i);
            FloatVector w = FloatVector.fromArray(F, y, yo + i);
            (log ? SimdMath.exp(w).neg().fma(sv, g) : w.mul(g.sub(sv))).intoArray(dx, dxo + i);
        }
        if (cnt != 0) {
            putLast(s, 3 * L, dx, dxo, n);
        }
    }

    private static void backwardColumns(boolean log, int dim, int inner, float[] y, int yo, float[] dy, int go,
            float[] dx, int dxo) {
        FloatVector sum = FloatVector.zero(F);
        for (int d = 0; d < dim; d++) {
            int k = d * inner;
            FloatVector g = FloatVector.fromArray(F, dy, go + k);
            sum = log ? sum.add(g) : g.fma(FloatVector.fromArray(F, y, yo + k), sum);
        }
        for (int d = 0; d < dim; d++) {
            int k = d * inner;
            FloatVector g = FloatVector.fromArray(F, dy, go + k);
            FloatVector w = FloatVector.fromArray(F, y, yo + k);
            (log ? SimdMath.exp(w).neg().fma(sum, g) : w.mul(g.sub(sum))).intoArray(dx, dxo + k);
        }
    }

    /** One column with stride {@code inner}: the scalar reference's formula. */
    private static void backwardColumnScalar(boolean log, int dim, int inner, float[] y, int yo, float[] dy, int go,
            float[] dx, int dxo) {
        double s = 0;
        for (int d = 0; d < dim; d++) {
            int k = d * inner;
            s += log ? dy[go + k] : (double) dy[go + k] * y[yo + k];
        }
        for (int d = 0; d < dim; d++) {
            int k = d * inner;
            double yv = y[yo + k];
            double g = dy[go + k];
            dx[dxo + k] = (float) (log ? g - Math.exp(yv) * s : yv * (g - s));
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
}
