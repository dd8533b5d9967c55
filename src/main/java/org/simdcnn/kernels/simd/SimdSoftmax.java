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
 * a fixed number of tasks. Nothing is allocated; horizontal sums go through {@link Lanes#sum(float[], int)}, and the
 * exponentials are computed by the exp pass of {@link SimdMathArrays} over the staged arguments (no vector crosses a
 * helper call C2 might not inline; see there).
 */
final class SimdSoftmax implements Softmax {
    private static final VectorSpecies<Float> F = SimdBackend.F;
    private static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, F.vectorShape());
    private static final int L = F.length();
    private static final int PAR_MIN = 1 << 15;
    /** Row scratch: the last vector of up to three inputs and one output, {@code L} floats each. */
    static final ThreadLocal<float[]> SCRATCH = ThreadLocal.withInitial(() -> new float[4 * L]);
    /** Per-thread staging for the exp passes (arguments in, exponentials out), grown on demand. */
    private static final ThreadLocal<float[][]> EXPS = ThreadLocal.withInitial(() -> new float[][] {new float[256]});

    /** The per-thread exp staging array, at least {@code n} floats (shared with {@link SimdLosses}). */
    static float[] exps(int n) {
        float[][] h = EXPS.get();
        if (h[0].length < n) {
            h[0] = new float[Math.max(n, 2 * h[0].length)];
        }
        return h[0];
    }

    /** 0 in {@code [0, L)}, all ones in {@code [L, 2L)}: loaded at {@code cnt}, keeps the last {@code cnt} lanes. */
    static final int[] KEEP = keep();

    private static int[] keep() {
        int[] a = new int[2 * L];
        for (int i = L; i < 2 * L; i++) {
            a[i] = -1;
        }
        return a;
    }

    @Override
    public void forward(boolean log, int outer, int dim, int inner, float[] x, int xOff, float[] y, int yOff) {
        if (parallel(outer, dim, inner)) {
            Job j = JOB.get();
            j.set(false, log, outer, dim, inner, x, xOff, null, 0, y, yOff);
            try {
                SimdCnn.pool().run(j.tasks, j);
            } finally {
                j.clear();
            }
        } else {
            forwardRows(log, 0, outer, dim, inner, x, xOff, y, yOff);
        }
    }

    @Override
    public void backward(boolean log, int outer, int dim, int inner, float[] y, int yOff, float[] dy, int dyOff,
            float[] dx, int dxOff) {
        if (parallel(outer, dim, inner)) {
            Job j = JOB.get();
            j.set(true, log, outer, dim, inner, y, yOff, dy, dyOff, dx, dxOff);
            try {
                SimdCnn.pool().run(j.tasks, j);
            } finally {
                j.clear();
            }
        } else {
            backwardRows(log, 0, outer, dim, inner, y, yOff, dy, dyOff, dx, dxOff);
        }
    }

    /** The parallel call's arguments, one reusable object per calling thread (a capturing lambda allocates). */
    private static final ThreadLocal<Job> JOB = ThreadLocal.withInitial(Job::new);

    /** Rows {@code [from(t), from(t + 1))} of one forward or backward call. */
    private static final class Job implements ThreadPool.Task {
        boolean backward;
        boolean log;
        int outer;
        int dim;
        int inner;
        int tasks;
        float[] a;
        int aOff;
        float[] b;
        int bOff;
        float[] out;
        int outOff;

        void set(boolean backward, boolean log, int outer, int dim, int inner, float[] a, int aOff, float[] b,
                int bOff, float[] out, int outOff) {
            this.backward = backward;
            this.log = log;
            this.outer = outer;
            this.dim = dim;
            this.inner = inner;
            this.tasks = Math.min(outer, 64);
            this.a = a;
            this.aOff = aOff;
            this.b = b;
            this.bOff = bOff;
            this.out = out;
            this.outOff = outOff;
        }

        void clear() {
            a = null;
            b = null;
            out = null;
        }

        @Override
        public void run(int t) {
            int r0 = from(outer, tasks, t);
            int r1 = from(outer, tasks, t + 1);
            if (backward) {
                backwardRows(log, r0, r1, dim, inner, a, aOff, b, bOff, out, outOff);
            } else {
                forwardRows(log, r0, r1, dim, inner, a, aOff, out, outOff);
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
     * The last {@code L} elements of {@code a[off, off + n)} written to {@code s[so, so + L)}: a vector copy when
     * {@code n >= L}; for a shorter row the {@code n} elements right-aligned after {@code L - n} copies of
     * {@code pad} (a load ending at the row's end with the lanes before it replaced by a bitwise select, or, for a
     * row near the array's start, scalar copies). Stored, not returned: the row drivers must not pass vectors
     * across helper calls (past C2's node budget a helper is not inlined and its vector is boxed, i.e. allocated).
     */
    static void lastInto(float[] a, int off, int n, float pad, float[] s, int so) {
        if (n >= L) {
            FloatVector.fromArray(F, a, off + n - L).intoArray(s, so);
            return;
        }
        if (off + n >= L) {
            IntVector keep = IntVector.fromArray(I, KEEP, n);
            FloatVector.broadcast(F, pad).reinterpretAsInts()
                    .lanewise(VectorOperators.BITWISE_BLEND, FloatVector.fromArray(F, a, off + n - L)
                            .reinterpretAsInts(), keep).reinterpretAsFloats().intoArray(s, so);
            return;
        }
        int p = L - n;
        for (int k = 0; k < p; k++) {
            s[so + k] = pad;
        }
        for (int k = 0; k < n; k++) {
            s[so + p + k] = a[off + k];
        }
    }

    /** Writes {@code s[so, so + L)}, the last vector of a row of {@code n} (as {@link #lastInto}), into the row. */
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

    // ---------------------------------------------------------------- forward

    /** Rows {@code o0..o1-1}. No vector code here: each path below is compiled as its own unit. */
    private static void forwardRows(boolean log, int o0, int o1, int dim, int inner, float[] x, int xOff, float[] y,
            int yOff) {
        float[] s = SCRATCH.get();
        if (inner == 1) {
            contiguousForward(log, o0, o1, dim, x, xOff, y, yOff, s);
            return;
        }
        forwardColumns(log, o0, o1, dim, inner, x, xOff, y, yOff, s);
    }

    /**
     * Contiguous rows {@code o0..o1-1} of {@code n} elements: max, exp with a compensated sum, then log-probability
     * or division. Every pass is one loop over the full vectors whose last step is the row's last vector (loaded
     * before anything is written, so {@code y} may be {@code x}; overlapping lanes zeroed in the sum; written
     * through the scratch). All the vector code of a row lives in this one method, on purpose above C2's inlining
     * size (so it is compiled as its own unit: inlined into a caller it could exceed C2's node budget or inlining
     * depth, and vectors passed to helpers that are then not inlined get boxed, i.e. allocated).
     */
    private static void contiguousForward(boolean log, int o0, int o1, int n, float[] x, int xOff, float[] y,
            int yOff, float[] s) {
        int cnt = tailCount(n);
        int end = n - cnt;
        int stop = cnt == 0 ? end : end + L;
        float[] ex = exps(stop); // per row: x - max staged here, one exp pass over it (see SimdMathArrays)
        for (int o = o0; o < o1; o++) {
            int xo = xOff + o * n;
            int yo = yOff + o * n;
            lastInto(x, xo, n, x[xo], s, 0);
            FloatVector pre = FloatVector.fromArray(F, s, 0);
            FloatVector m = pre;
            for (int j = 0; j < end; j += L) {
                m = m.max(FloatVector.fromArray(F, x, xo + j));
            }
            float max = m.reduceLanes(VectorOperators.MAX);
            FloatVector mv = FloatVector.broadcast(F, max);
            for (int j = 0; j < stop; j += L) {
                boolean lastStep = j == end;
                (lastStep ? pre : FloatVector.fromArray(F, x, xo + j)).sub(mv).intoArray(ex, j);
            }
            SimdMathArrays.exp(ex, 0, ex, 0, stop);
            FloatVector sum = FloatVector.zero(F);
            FloatVector comp = FloatVector.zero(F);
            for (int j = 0; j < stop; j += L) {
                boolean lastStep = j == end;
                FloatVector e = FloatVector.fromArray(F, ex, j);
                IntVector keep = IntVector.fromArray(I, KEEP, lastStep ? cnt : L); // overlapping lanes: 0
                FloatVector ek = e.reinterpretAsInts().lanewise(VectorOperators.AND, keep).reinterpretAsFloats();
                // TwoSum: the rounding error of each addition is kept in comp
                FloatVector t = sum.add(ek);
                FloatVector b = t.sub(sum);
                comp = comp.add(sum.sub(t.sub(b)).add(ek.sub(b)));
                sum = t;
                if (!log) {
                    e.intoArray(lastStep ? s : y, lastStep ? 3 * L : yo + j);
                }
            }
            // no vector crosses a helper call below (see Lanes.sum(float[], int)); logProb written out
            sum.intoArray(s, L);
            comp.intoArray(s, 2 * L);
            double total = (double) Lanes.sum(s, L) + Lanes.sum(s, 2 * L);
            if (log) {
                FloatVector ls = FloatVector.broadcast(F, (float) Math.log(total));
                FloatVector nm = mv.neg();
                for (int j = 0; j < stop; j += L) {
                    boolean lastStep = j == end;
                    FloatVector v = lastStep ? pre : FloatVector.fromArray(F, x, xo + j);
                    FloatVector hi = v.add(nm);
                    FloatVector bb = hi.sub(v);
                    FloatVector lo = v.sub(hi.sub(bb)).add(nm.sub(bb));
                    lo = lo.blend(0f, lo.test(VectorOperators.IS_NAN));
                    hi.add(lo.sub(ls)).intoArray(lastStep ? s : y, lastStep ? 3 * L : yo + j);
                }
            } else {
                // divide (one rounding) rather than multiply by 1/sum; the last vector's exponentials are in s
                FloatVector sv = FloatVector.broadcast(F, (float) total);
                for (int j = 0; j < stop; j += L) {
                    boolean lastStep = j == end;
                    FloatVector.fromArray(F, lastStep ? s : y, lastStep ? 3 * L : yo + j).div(sv)
                            .intoArray(lastStep ? s : y, lastStep ? 3 * L : yo + j);
                }
            }
            if (cnt != 0) {
                putLast(s, 3 * L, y, yo, n);
            }
        }
    }

    /**
     * Rows {@code o0..o1-1} with {@code inner > 1}: blocks of L adjacent columns (all lanes real), the
     * {@code inner % L} leftover columns by the scalar formula. One compiled unit, as {@link #contiguousForward}.
     */
    private static void forwardColumns(boolean log, int o0, int o1, int dim, int inner, float[] x, int xOff,
            float[] y, int yOff, float[] s) {
        int row = dim * inner;
        int end = inner - inner % L;
        float[] ex = exps(dim * L); // per block of columns: x - max staged, one exp pass (see SimdMathArrays)
        for (int o = o0; o < o1; o++) {
            for (int i = 0; i < end; i += L) {
                int xo = xOff + o * row + i;
                int yo = yOff + o * row + i;
                FloatVector max = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
                for (int d = 0; d < dim; d++) {
                    max = max.max(FloatVector.fromArray(F, x, xo + d * inner));
                }
                for (int d = 0; d < dim; d++) {
                    FloatVector.fromArray(F, x, xo + d * inner).sub(max).intoArray(ex, d * L);
                }
                SimdMathArrays.exp(ex, 0, ex, 0, dim * L);
                FloatVector sum = FloatVector.zero(F);
                FloatVector comp = FloatVector.zero(F);
                for (int d = 0; d < dim; d++) {
                    FloatVector e = FloatVector.fromArray(F, ex, d * L);
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
                    FloatVector nm = max.neg();
                    for (int d = 0; d < dim; d++) {
                        // x - max - logSum rounded once (logProb, by hand: no vector crosses a helper call)
                        FloatVector v = FloatVector.fromArray(F, x, xo + d * inner);
                        FloatVector hi = v.add(nm);
                        FloatVector bb = hi.sub(v);
                        FloatVector lo = v.sub(hi.sub(bb)).add(nm.sub(bb));
                        lo = lo.blend(0f, lo.test(VectorOperators.IS_NAN)); // infinite x or max: hi carries it
                        hi.add(lo.sub(logSum)).intoArray(y, yo + d * inner);
                    }
                } else {
                    FloatVector total = sum.add(comp);
                    for (int d = 0; d < dim; d++) {
                        FloatVector.fromArray(F, y, yo + d * inner).div(total).intoArray(y, yo + d * inner);
                    }
                }
            }
            for (int i = end; i < inner; i++) {
                forwardColumnScalar(log, dim, inner, x, xOff + o * row + i, y, yOff + o * row + i);
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

    /** Rows {@code o0..o1-1}. No vector code here: each path below is compiled as its own unit. */
    private static void backwardRows(boolean log, int o0, int o1, int dim, int inner, float[] y, int yOff, float[] dy,
            int dyOff, float[] dx, int dxOff) {
        if (inner == 1) {
            contiguousBackward(log, o0, o1, dim, y, yOff, dy, dyOff, dx, dxOff, SCRATCH.get());
            return;
        }
        backwardColumns(log, o0, o1, dim, inner, y, yOff, dy, dyOff, dx, dxOff);
    }

    /**
     * Contiguous rows: {@code sum(dy)} (log-softmax) or {@code sum(dy*y)} (softmax), then dx; the same loop shape
     * as {@link #contiguousForward} ({@code dx} may be {@code dy}).
     */
    private static void contiguousBackward(boolean log, int o0, int o1, int n, float[] y, int yOff, float[] dy,
            int dyOff, float[] dx, int dxOff, float[] s) {
        int cnt = tailCount(n);
        int end = n - cnt;
        int stop = cnt == 0 ? end : end + L;
        float[] ex = log ? exps(stop) : null;
        for (int o = o0; o < o1; o++) {
            int yo = yOff + o * n;
            int go = dyOff + o * n;
            int dxo = dxOff + o * n;
            lastInto(dy, go, n, 0f, s, 0);
            FloatVector preG = FloatVector.fromArray(F, s, 0);
            lastInto(y, yo, n, 0f, s, L);
            FloatVector preW = FloatVector.fromArray(F, s, L);
            FloatVector vs = FloatVector.zero(F);
            for (int j = 0; j < stop; j += L) {
                boolean lastStep = j == end;
                FloatVector g = lastStep ? preG : FloatVector.fromArray(F, dy, go + j);
                FloatVector w = lastStep ? preW : FloatVector.fromArray(F, y, yo + j);
                IntVector keep = IntVector.fromArray(I, KEEP, lastStep ? cnt : L); // overlapping lanes: 0
                FloatVector gw = log ? g : g.mul(w);
                vs = vs.add(gw.reinterpretAsInts().lanewise(VectorOperators.AND, keep).reinterpretAsFloats());
            }
            vs.intoArray(s, 2 * L);
            FloatVector sv = FloatVector.broadcast(F, Lanes.sum(s, 2 * L));
            if (log) { // exp(y) by one pass over the staged y (see SimdMathArrays)
                for (int j = 0; j < stop; j += L) {
                    (j == end ? preW : FloatVector.fromArray(F, y, yo + j)).intoArray(ex, j);
                }
                SimdMathArrays.exp(ex, 0, ex, 0, stop);
            }
            for (int j = 0; j < stop; j += L) {
                boolean lastStep = j == end;
                FloatVector g = lastStep ? preG : FloatVector.fromArray(F, dy, go + j);
                FloatVector d;
                if (log) {
                    d = FloatVector.fromArray(F, ex, j).neg().fma(sv, g);
                } else {
                    FloatVector w = lastStep ? preW : FloatVector.fromArray(F, y, yo + j);
                    d = w.mul(g.sub(sv));
                }
                d.intoArray(lastStep ? s : dx, lastStep ? 3 * L : dxo + j);
            }
            if (cnt != 0) {
                putLast(s, 3 * L, dx, dxo, n);
            }
        }
    }

    /** Rows {@code o0..o1-1} with {@code inner > 1}, as {@link #forwardColumns}. */
    private static void backwardColumns(boolean log, int o0, int o1, int dim, int inner, float[] y, int yOff,
            float[] dy, int dyOff, float[] dx, int dxOff) {
        int row = dim * inner;
        int end = inner - inner % L;
        float[] ex = log ? exps(dim * L) : null;
        for (int o = o0; o < o1; o++) {
            for (int i = 0; i < end; i += L) {
                int yo = yOff + o * row + i;
                int go = dyOff + o * row + i;
                int dxo = dxOff + o * row + i;
                FloatVector sum = FloatVector.zero(F);
                for (int d = 0; d < dim; d++) {
                    int k = d * inner;
                    FloatVector g = FloatVector.fromArray(F, dy, go + k);
                    sum = log ? sum.add(g) : g.fma(FloatVector.fromArray(F, y, yo + k), sum);
                }
                if (log) { // exp(y) by one pass over the staged y (see SimdMathArrays)
                    for (int d = 0; d < dim; d++) {
                        FloatVector.fromArray(F, y, yo + d * inner).intoArray(ex, d * L);
                    }
                    SimdMathArrays.exp(ex, 0, ex, 0, dim * L);
                }
                for (int d = 0; d < dim; d++) {
                    int k = d * inner;
                    FloatVector g = FloatVector.fromArray(F, dy, go + k);
                    FloatVector dd;
                    if (log) {
                        dd = FloatVector.fromArray(F, ex, d * L).neg().fma(sum, g);
                    } else {
                        FloatVector w = FloatVector.fromArray(F, y, yo + k);
                        dd = w.mul(g.sub(sum));
                    }
                    dd.intoArray(dx, dxo + k);
                }
            }
            for (int i = end; i < inner; i++) {
                int b = o * row + i;
                backwardColumnScalar(log, dim, inner, y, yOff + b, dy, dyOff + b, dx, dxOff + b);
            }
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
}
