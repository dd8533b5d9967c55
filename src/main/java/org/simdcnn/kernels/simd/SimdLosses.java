package org.simdcnn.kernels.simd;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.simdcnn.kernels.Losses;
import org.simdcnn.kernels.Reduction;

/**
 * Vector API losses in PyTorch's formulas. Elementwise losses run one vector loop per loss over the full vectors,
 * then the remaining {@code n % L} elements by the scalar reference formula (in double). No masks anywhere: C2 on
 * JDK 25.0.3 aborted the JVM (a Halt node reached) in loops that merged a nullable tail mask into their loads.
 * Sums are accumulated per block of {@link #BLOCK} elements in vector lanes and the block sums in double, in a
 * fixed order. Cross-entropy is fused with log-softmax: one log-sum-exp per position (lanes along the classes when
 * {@code inner == 1}, with the row helpers of {@link SimdSoftmax}; along {@code inner} otherwise, the
 * {@code inner % L} leftover positions by the scalar formula), never materialising the log-probabilities.
 * Single-threaded (losses are a small part of a step); nothing is allocated in steady state: the exp/log values are
 * computed by the passes of {@link SimdMathArrays} over staged arguments (a per-thread scratch), the vector loops
 * here do arithmetic only, and lane sums are taken from arrays, so no vector crosses a call C2 might not inline.
 */
final class SimdLosses implements Losses {
    private static final VectorSpecies<Float> F = SimdBackend.F;
    private static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, F.vectorShape());
    private static final int L = F.length();
    private static final int BLOCK = 1024;
    private static final ThreadLocal<float[]> SCRATCH = ThreadLocal.withInitial(() -> new float[4 * L]);
    /** Two blocks of transcendental values for the BCE forwards (their passes of one function each). */
    private static final ThreadLocal<float[]> LOGS = ThreadLocal.withInitial(() -> new float[2 * BLOCK]);

    private static float finish(Reduction r, double sum, long n) {
        return r == Reduction.MEAN ? (float) (sum / n) : (float) sum;
    }

    private static float scalarUpstream(Reduction r, int n, float[] dOut, int dOutOff) {
        return r == Reduction.MEAN ? dOut[dOutOff] / n : dOut[dOutOff];
    }

    /** The upstream gradient of tail element {@code i} in double, as the scalar reference forms it. */
    private static double tailUpstream(Reduction r, int n, float[] dOut, int dOutOff, int i) {
        return switch (r) {
            case NONE -> dOut[dOutOff + i];
            case SUM -> dOut[dOutOff];
            case MEAN -> (double) dOut[dOutOff] / n;
        };
    }

    // ---------------------------------------------------------------- MSE

    @Override
    public float mse(Reduction r, int n, float[] x, int xOff, float[] t, int tOff, float[] out, int outOff) {
        int nv = n - n % L;
        double total = 0;
        for (int b = 0; b < nv; b += BLOCK) {
            int e = Math.min(nv, b + BLOCK);
            FloatVector acc = FloatVector.zero(F);
            for (int i = b; i < e; i += L) {
                FloatVector d = FloatVector.fromArray(F, x, xOff + i).sub(FloatVector.fromArray(F, t, tOff + i));
                FloatVector l = d.mul(d);
                if (r == Reduction.NONE) {
                    l.intoArray(out, outOff + i);
                }
                acc = acc.add(l);
            }
            float[] sc = SCRATCH.get();
            acc.intoArray(sc, 0); // summed from the array: no vector crosses a helper call
            total += Lanes.sum(sc, 0);
        }
        for (int i = nv; i < n; i++) {
            double d = (double) x[xOff + i] - t[tOff + i];
            double l = d * d;
            if (r == Reduction.NONE) {
                out[outOff + i] = (float) l;
            }
            total += l;
        }
        return finish(r, total, n);
    }

    @Override
    public void mseBackward(Reduction r, int n, float[] x, int xOff, float[] t, int tOff, float[] dOut, int dOutOff,
            float[] dx, int dxOff) {
        float g = r == Reduction.NONE ? 0f : scalarUpstream(r, n, dOut, dOutOff);
        FloatVector gv = FloatVector.broadcast(F, g); // the upstream gradient unless NONE (by hand: no helper)
        int nv = n - n % L;
        for (int i = 0; i < nv; i += L) {
            FloatVector d = FloatVector.fromArray(F, x, xOff + i).sub(FloatVector.fromArray(F, t, tOff + i));
            FloatVector up = r == Reduction.NONE ? FloatVector.fromArray(F, dOut, dOutOff + i) : gv;
            d.mul(2f).mul(up).intoArray(dx, dxOff + i);
        }
        for (int i = nv; i < n; i++) {
            dx[dxOff + i] = (float) (2.0 * ((double) x[xOff + i] - t[tOff + i]) * tailUpstream(r, n, dOut, dOutOff,
                    i));
        }
    }

    // ---------------------------------------------------------------- BCE

    @Override
    public float bce(Reduction r, int n, float[] x, int xOff, float[] t, int tOff, float[] weight, float[] out,
            int outOff) {
        int nv = n - n % L;
        double total = 0;
        float[] sc = LOGS.get();
        for (int b = 0; b < nv; b += BLOCK) {
            int e = Math.min(nv, b + BLOCK);
            int len = e - b;
            // Both logs through one call site: x and u = 1 - x side by side in a scratch, one pass of log over
            // both (two inlined logs in one loop exceed C2's inlining budget and box), then log1p(-x) =
            // log(u) + ((-x) - (u - 1)) / u exactly as SimdMath.log1p forms it.
            for (int i = 0; i < len; i += L) {
                FloatVector xv = FloatVector.fromArray(F, x, xOff + b + i);
                xv.intoArray(sc, i);
                xv.neg().add(1f).intoArray(sc, len + i);
            }
            SimdMathArrays.log(sc, 0, sc, 0, 2 * len);
            FloatVector acc = FloatVector.zero(F);
            for (int i = b; i < e; i += L) {
                FloatVector xv = FloatVector.fromArray(F, x, xOff + i);
                FloatVector tv = FloatVector.fromArray(F, t, tOff + i);
                FloatVector lx = FloatVector.fromArray(F, sc, i - b);
                lx = lx.blend(-100f, lx.compare(VectorOperators.LT, -100f)); // clampLog, by hand: C2's budget
                FloatVector xn = xv.neg();
                FloatVector u = xn.add(1f);
                FloatVector c = xn.sub(u.sub(1f)).div(u).blend(0f, u.compare(VectorOperators.EQ, 0f));
                FloatVector l1x = FloatVector.fromArray(F, sc, len + i - b).add(c);
                l1x = l1x.blend(-100f, l1x.compare(VectorOperators.LT, -100f));
                // (t - 1) * log1p(-x) - t * log(x)
                FloatVector l = tv.sub(1f).mul(l1x).sub(tv.mul(lx));
                if (weight != null) {
                    l = l.mul(FloatVector.fromArray(F, weight, i));
                }
                if (r == Reduction.NONE) {
                    l.intoArray(out, outOff + i);
                }
                acc = acc.add(l);
            }
            acc.intoArray(sc, 0); // summed from the array: no vector crosses a call C2 may not inline
            total += Lanes.sum(sc, 0);
        }
        for (int i = nv; i < n; i++) {
            double xv = x[xOff + i];
            double tv = t[tOff + i];
            double l = (tv - 1) * Math.max(Math.log1p(-xv), -100.0) - tv * Math.max(Math.log(xv), -100.0);
            if (weight != null) {
                l *= weight[i];
            }
            if (r == Reduction.NONE) {
                out[outOff + i] = (float) l;
            }
            total += l;
        }
        return finish(r, total, n);
    }

    @Override
    public void bceBackward(Reduction r, int n, float[] x, int xOff, float[] t, int tOff, float[] weight,
            float[] dOut, int dOutOff, float[] dx, int dxOff) {
        float g = r == Reduction.NONE ? 0f : scalarUpstream(r, n, dOut, dOutOff);
        FloatVector gv = FloatVector.broadcast(F, g); // the upstream gradient unless NONE (by hand: no helper)
        int nv = n - n % L;
        for (int i = 0; i < nv; i += L) {
            FloatVector xv = FloatVector.fromArray(F, x, xOff + i);
            FloatVector tv = FloatVector.fromArray(F, t, tOff + i);
            FloatVector den = xv.neg().add(1f).mul(xv);
            den = den.blend(1e-12f, den.compare(VectorOperators.LT, 1e-12f));
            FloatVector up = r == Reduction.NONE ? FloatVector.fromArray(F, dOut, dOutOff + i) : gv;
            FloatVector d = up.mul(xv.sub(tv)).div(den);
            if (weight != null) {
                d = d.mul(FloatVector.fromArray(F, weight, i));
            }
            d.intoArray(dx, dxOff + i);
        }
        for (int i = nv; i < n; i++) {
            double xv = x[xOff + i];
            double d = tailUpstream(r, n, dOut, dOutOff, i) * (xv - t[tOff + i]) / Math.max((1 - xv) * xv, 1e-12);
            if (weight != null) {
                d *= weight[i];
            }
            dx[dxOff + i] = (float) d;
        }
    }

    // ---------------------------------------------------------------- BCE with logits

    /**
     * Per-lane pos_weight for elements i..i+L-1, written to {@code s[0, L)} (the caller loads it: no vector
     * crosses this call, which C2 may leave out of line).
     */
    private static void posWeight(float[] posWeight, int posInner, int i, float[] s) {
        int pl = posWeight.length;
        for (int k = 0; k < L; k++) {
            s[k] = posWeight[((i + k) / posInner) % pl];
        }
    }

    private static double posWeightAt(float[] posWeight, int posInner, int i) {
        return posWeight == null ? 1.0 : posWeight[(i / posInner) % posWeight.length];
    }

    @Override
    public float bceWithLogits(Reduction r, int n, float[] x, int xOff, float[] t, int tOff, float[] weight,
            float[] posWeight, int posInner, float[] out, int outOff) {
        float[] ps = SCRATCH.get();
        float[] sc = LOGS.get();
        int nv = n - n % L;
        double total = 0;
        for (int b = 0; b < nv; b += BLOCK) {
            int e = Math.min(nv, b + BLOCK);
            // log1p(exp(-|x|)) of the block by two passes over a scratch (see SimdMathArrays): this loop does
            // arithmetic only, so no vector crosses a call C2 might not inline
            for (int i = b; i < e; i += L) {
                FloatVector.fromArray(F, x, xOff + i).abs().neg().intoArray(sc, i - b);
            }
            SimdMathArrays.exp(sc, 0, sc, 0, e - b);
            SimdMathArrays.log1pNonNeg(sc, 0, sc, 0, e - b);
            FloatVector acc = FloatVector.zero(F);
            for (int i = b; i < e; i += L) {
                FloatVector xv = FloatVector.fromArray(F, x, xOff + i);
                FloatVector tv = FloatVector.fromArray(F, t, tOff + i);
                // (1 - t) * x + lw * (log1p(exp(-|x|)) + max(-x, 0)), lw = (p - 1) * t + 1, rewritten without the
                // cancellation of the x terms for x < 0 as
                // (1 - t) * max(x, 0) - p * t * min(x, 0) + lw * log1p(exp(-|x|))
                FloatVector lp = FloatVector.fromArray(F, sc, i - b);
                FloatVector pos = xv.max(0f);
                FloatVector neg = xv.min(0f);
                FloatVector l;
                if (posWeight != null) {
                    posWeight(posWeight, posInner, i, ps);
                    FloatVector pw = FloatVector.fromArray(F, ps, 0);
                    FloatVector lw = pw.sub(1f).fma(tv, FloatVector.broadcast(F, 1f));
                    l = tv.neg().add(1f).fma(pos, lw.mul(lp)).sub(pw.mul(tv).mul(neg));
                } else {
                    l = tv.neg().add(1f).fma(pos, lp).sub(tv.mul(neg));
                }
                if (weight != null) {
                    l = l.mul(FloatVector.fromArray(F, weight, i));
                }
                if (r == Reduction.NONE) {
                    l.intoArray(out, outOff + i);
                }
                acc = acc.add(l);
            }
            acc.intoArray(ps, L);
            total += Lanes.sum(ps, L);
        }
        for (int i = nv; i < n; i++) {
            double xv = x[xOff + i];
            double tv = t[tOff + i];
            double p = posWeightAt(posWeight, posInner, i);
            double l = (1 - tv) * xv + (1 + (p - 1) * tv) * (Math.log1p(Math.exp(-Math.abs(xv))) + Math.max(-xv, 0));
            if (weight != null) {
                l *= weight[i];
            }
            if (r == Reduction.NONE) {
                out[outOff + i] = (float) l;
            }
            total += l;
        }
        return finish(r, total, n);
    }

    @Override
    public void bceWithLogitsBackward(Reduction r, int n, float[] x, int xOff, float[] t, int tOff,
            float[] weight, float[] posWeight, int posInner, float[] dOut, int dOutOff, float[] dx, int dxOff) {
        float[] ps = posWeight == null ? null : SCRATCH.get();
        float g = r == Reduction.NONE ? 0f : scalarUpstream(r, n, dOut, dOutOff);
        FloatVector gv = FloatVector.broadcast(F, g); // the upstream gradient unless NONE (by hand: no helper)
        int nv = n - n % L;
        float[] sc = LOGS.get();
        for (int i = 0; i < nv; i += L) {
            int bi = i % BLOCK;
            if (bi == 0) { // exp(-|x|) of the next block by one pass over a scratch (see SimdMathArrays)
                int e = Math.min(nv, i + BLOCK);
                for (int j = i; j < e; j += L) {
                    FloatVector.fromArray(F, x, xOff + j).abs().neg().intoArray(sc, j - i);
                }
                SimdMathArrays.exp(sc, 0, sc, 0, e - i);
            }
            FloatVector xv = FloatVector.fromArray(F, x, xOff + i);
            FloatVector tv = FloatVector.fromArray(F, t, tOff + i);
            // (p*t + 1 - t)*s - p*t = (1-t)*s - p*t*(1-s), with s and 1-s both free of cancellation
            FloatVector e = FloatVector.fromArray(F, sc, bi);
            FloatVector dd = FloatVector.broadcast(F, 1f).div(e.add(1f));
            FloatVector ed = e.mul(dd);
            VectorMask<Float> neg = xv.compare(VectorOperators.LT, 0f);
            FloatVector s = dd.blend(ed, neg);
            FloatVector oneMinus = ed.blend(dd, neg);
            FloatVector pt = tv;
            if (posWeight != null) {
                posWeight(posWeight, posInner, i, ps);
                pt = FloatVector.fromArray(F, ps, 0).mul(tv);
            }
            FloatVector d = tv.neg().add(1f).mul(s).sub(pt.mul(oneMinus));
            d = d.mul(r == Reduction.NONE ? FloatVector.fromArray(F, dOut, dOutOff + i) : gv);
            if (weight != null) {
                d = d.mul(FloatVector.fromArray(F, weight, i));
            }
            d.intoArray(dx, dxOff + i);
        }
        for (int i = nv; i < n; i++) {
            double xv = x[xOff + i];
            double tv = t[tOff + i];
            double e = Math.exp(-Math.abs(xv));
            double sig = xv >= 0 ? 1 / (1 + e) : e / (1 + e);
            double pt = posWeightAt(posWeight, posInner, i) * tv;
            double d = ((pt + 1 - tv) * sig - pt) * tailUpstream(r, n, dOut, dOutOff, i);
            if (weight != null) {
                d *= weight[i];
            }
            dx[dxOff + i] = (float) d;
        }
    }

    // ---------------------------------------------------------------- cross-entropy and NLL

    /** {@code 1} at index {@code L}, zeros elsewhere: loading at {@code L - k} gives the one-hot vector of lane k. */
    private static final float[] ONE_HOT = oneHot();

    private static float[] oneHot() {
        float[] a = new float[2 * L];
        a[L] = 1f;
        return a;
    }

    /** Per-thread row statistics of cross-entropy (two floats per row), grown on demand. */
    private static final ThreadLocal<float[][]> STATS = ThreadLocal.withInitial(() -> new float[][] {new float[64]});

    /**
     * The workspace of {@link #rowStats} and {@link #rowsGrad} for {@code rows} rows of {@code n}: two statistics
     * per row from 0, then from {@code 2*rows} the last vector of each row and the last vector of the weights
     * (ones without weights), staged here by plain loops so the vector drivers load them with one vector load each
     * (no helper call returning or taking a vector inside them).
     */
    private static float[] stage(float[] x, int xOff, int rows, int n, float[] w) {
        int need = 2 * rows + (rows + 1) * L;
        float[][] h = STATS.get();
        if (h[0].length < need) {
            h[0] = new float[Math.max(need, 2 * h[0].length)];
        }
        float[] st = h[0];
        int base = 2 * rows;
        for (int b = 0; b < rows; b++) {
            int xo = xOff + b * n;
            SimdSoftmax.lastInto(x, xo, n, x[xo], st, base + b * L);
        }
        if (w != null) {
            SimdSoftmax.lastInto(w, 0, n, 1f, st, base + rows * L);
        } else {
            SimdPooling.fill(st, base + rows * L, L, 1f);
        }
        return st;
    }

    /**
     * For each contiguous row b of {@code classes} logits: {@code st[2b] = lse = max + log(sum exp(x - max))} (an
     * infinite max as is) and, with {@code smooth}, {@code st[2b+1] = sum_c w_c*(lse - x_c)} (w null: all ones).
     * Each pass is one loop over the full vectors whose last step is the row's last vector (overlapping lanes
     * zeroed); sums are TwoSum-compensated (lse) or plain, added by {@link Lanes#sum}. All of it in this one
     * method, on purpose above C2's inlining size, so it is compiled as its own unit (see
     * {@code SimdSoftmax.contiguousForward}).
     */
    private static void rowStats(float[] x, int xOff, int batch, int classes, float[] w, boolean smooth, float[] st,
            float[] rs) {
        int n = classes;
        int cnt = SimdSoftmax.tailCount(n);
        int end = n - cnt;
        int stop = cnt == 0 ? end : end + L;
        int base = 2 * batch;
        FloatVector preW = FloatVector.fromArray(F, st, base + batch * L);
        float[] ex = SimdSoftmax.exps(stop); // per row: x - max staged, one exp pass (see SimdMathArrays)
        for (int b = 0; b < batch; b++) {
            int xo = xOff + b * n;
            FloatVector pre = FloatVector.fromArray(F, st, base + b * L);
            FloatVector m = pre;
            for (int j = 0; j < end; j += L) {
                m = m.max(FloatVector.fromArray(F, x, xo + j));
            }
            float max = m.reduceLanes(VectorOperators.MAX);
            float lse = max; // all -Inf: -Inf; a +Inf logit: +Inf (its log-probability becomes NaN, as in PyTorch)
            if (!Float.isInfinite(max)) {
                FloatVector mv = FloatVector.broadcast(F, max);
                for (int j = 0; j < stop; j += L) {
                    (j == end ? pre : FloatVector.fromArray(F, x, xo + j)).sub(mv).intoArray(ex, j);
                }
                SimdMathArrays.exp(ex, 0, ex, 0, stop);
                FloatVector sum = FloatVector.zero(F);
                FloatVector comp = FloatVector.zero(F);
                for (int j = 0; j < stop; j += L) {
                    boolean lastStep = j == end;
                    FloatVector e = FloatVector.fromArray(F, ex, j);
                    IntVector keep = IntVector.fromArray(I, SimdSoftmax.KEEP, lastStep ? cnt : L); // overlap: 0
                    e = e.reinterpretAsInts().lanewise(VectorOperators.AND, keep).reinterpretAsFloats();
                    FloatVector t = sum.add(e);
                    FloatVector bb = t.sub(sum);
                    comp = comp.add(sum.sub(t.sub(bb)).add(e.sub(bb)));
                    sum = t;
                }
                sum.intoArray(rs, 2 * L); // no vector crosses a helper call (see Lanes.sum(float[], int))
                comp.intoArray(rs, 3 * L);
                lse = max + (float) Math.log((double) Lanes.sum(rs, 2 * L) + Lanes.sum(rs, 3 * L));
            }
            st[2 * b] = lse;
            if (smooth) {
                FloatVector lv = FloatVector.broadcast(F, lse);
                FloatVector acc = FloatVector.zero(F);
                for (int j = 0; j < stop; j += L) {
                    boolean lastStep = j == end;
                    FloatVector d = lv.sub(lastStep ? pre : FloatVector.fromArray(F, x, xo + j));
                    if (w != null) {
                        d = d.mul(lastStep ? preW : FloatVector.fromArray(F, w, j));
                    }
                    IntVector keep = IntVector.fromArray(I, SimdSoftmax.KEEP, lastStep ? cnt : L); // overlap: 0
                    acc = acc.add(d.reinterpretAsInts().lanewise(VectorOperators.AND, keep).reinterpretAsFloats());
                }
                acc.intoArray(rs, 2 * L);
                st[2 * b + 1] = Lanes.sum(rs, 2 * L);
            }
        }
    }

    /** Per position: lse into s[0..L), smooth sum into s[L..2L), for positions i..i+L-1 (all real) of a row. */
    private static void columnStats(float[] x, int off, int classes, int inner, float[] w, boolean smooth,
            float[] s) {
        FloatVector max = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
        for (int c = 0; c < classes; c++) {
            max = max.max(FloatVector.fromArray(F, x, off + c * inner));
        }
        // exp and log by passes over staged values (see SimdMathArrays): this method does arithmetic only
        float[] ex = SimdSoftmax.exps((classes + 1) * L);
        for (int c = 0; c < classes; c++) {
            FloatVector.fromArray(F, x, off + c * inner).sub(max).intoArray(ex, c * L);
        }
        SimdMathArrays.exp(ex, 0, ex, 0, classes * L);
        FloatVector sum = FloatVector.zero(F);
        for (int c = 0; c < classes; c++) {
            sum = sum.add(FloatVector.fromArray(F, ex, c * L));
        }
        sum.intoArray(ex, classes * L);
        SimdMathArrays.log(ex, classes * L, ex, classes * L, L);
        FloatVector lse = max.add(FloatVector.fromArray(F, ex, classes * L));
        lse = lse.blend(max, max.test(VectorOperators.IS_INFINITE));
        lse.intoArray(s, 0);
        if (smooth) {
            FloatVector acc = FloatVector.zero(F);
            for (int c = 0; c < classes; c++) {
                FloatVector d = lse.sub(FloatVector.fromArray(F, x, off + c * inner));
                acc = w == null ? acc.add(d) : d.fma(FloatVector.broadcast(F, w[c]), acc);
            }
            acc.intoArray(s, L);
        }
    }

    /** lse of one position with stride {@code inner} (the scalar formula: float max, double sum). */
    private static float columnLse(float[] x, int off, int classes, int inner) {
        float max = Float.NEGATIVE_INFINITY;
        for (int c = 0; c < classes; c++) {
            max = Math.max(max, x[off + c * inner]);
        }
        if (Float.isInfinite(max)) {
            return max;
        }
        double sum = 0;
        for (int c = 0; c < classes; c++) {
            sum += Math.exp(x[off + c * inner] - max);
        }
        return max + (float) Math.log(sum);
    }

    /** sum_c w_c*(lse - x_c) of one position with stride {@code inner}, in double. */
    private static float columnSmooth(float[] x, int off, int classes, int inner, float lse, float[] w) {
        double acc = 0;
        for (int c = 0; c < classes; c++) {
            acc += (w == null ? 1.0 : w[c]) * ((double) lse - x[off + c * inner]);
        }
        return (float) acc;
    }

    @Override
    public float crossEntropy(Reduction r, int batch, int classes, int inner, float[] x, int xOff, int[] target,
            int tOff, float[] weight, int ignoreIndex, float labelSmoothing, float[] out, int outOff) {
        Losses.checkTargets("cross_entropy", batch, classes, inner, target, tOff, ignoreIndex);
        boolean smooth = labelSmoothing > 0f;
        float eps = labelSmoothing;
        float ec = eps / classes;
        double nllSum = 0;
        double smoothSum = 0;
        double wSum = 0;
        float[] s = SCRATCH.get();
        float[] st = null;
        if (inner == 1) {
            st = stage(x, xOff, batch, classes, weight);
            rowStats(x, xOff, batch, classes, weight, smooth, st, SimdSoftmax.SCRATCH.get());
        }
        int innerEnd = inner - inner % L;
        for (int b = 0; b < batch; b++) {
            int rowOff = xOff + b * classes * inner;
            // positions i0..i0+cnt-1: lse in s[k], smooth sum in s[L + k]; a block of L columns, one contiguous row
            // (inner == 1) or one leftover column
            for (int i0 = 0; i0 < inner; i0 += (i0 < innerEnd ? L : 1)) {
                int cnt;
                if (inner == 1) {
                    cnt = 1;
                    s[0] = st[2 * b];
                    s[L] = st[2 * b + 1];
                } else if (i0 < innerEnd) {
                    cnt = L;
                    columnStats(x, rowOff + i0, classes, inner, weight, smooth, s);
                } else {
                    cnt = 1;
                    s[0] = columnLse(x, rowOff + i0, classes, inner);
                    if (smooth) {
                        s[L] = columnSmooth(x, rowOff + i0, classes, inner, s[0], weight);
                    }
                }
                for (int k = 0; k < cnt; k++) {
                    int pos = b * inner + i0 + k;
                    int t = target[tOff + pos];
                    float li = 0f;
                    if (t != ignoreIndex) {
                        float wt = weight == null ? 1f : weight[t];
                        float nll = wt * (s[k] - x[rowOff + t * inner + i0 + k]);
                        nllSum += nll;
                        wSum += wt;
                        li = smooth ? (1 - eps) * nll + ec * s[L + k] : nll;
                        if (smooth) {
                            smoothSum += s[L + k];
                        }
                    }
                    if (r == Reduction.NONE) {
                        out[outOff + pos] = li;
                    }
                }
            }
        }
        double total = smooth ? (1 - eps) * nllSum + ec * smoothSum : nllSum;
        if (r == Reduction.MEAN) {
            return (float) (total / wSum);
        }
        if (r == Reduction.NONE) {
            double sum = 0;
            for (int p = 0; p < batch * inner; p++) {
                sum += out[outOff + p];
            }
            return (float) sum;
        }
        return (float) total;
    }

    private static double weightSum(int n, int[] target, int tOff, float[] weight, int ignoreIndex) {
        double w = 0;
        for (int p = 0; p < n; p++) {
            int t = target[tOff + p];
            if (t != ignoreIndex) {
                w += weight == null ? 1 : weight[t];
            }
        }
        return w;
    }

    /**
     * The gradient of one element from its probability {@code p}: {@code A1*(p - [c == t]) + A2*(W*p - w_c)},
     * the scalar form of the vector code (the target's {@code p - 1} formed first).
     */
    private static float gradElement(float p, boolean isTarget, float a1, float a2, float wAll, float wc, float ec) {
        float d = (isTarget ? p - 1f : p) * a1;
        return ec != 0f ? Math.fma(a2, Math.fma(p, wAll, -wc), d) : d;
    }

    @Override
    public void crossEntropyBackward(Reduction r, int batch, int classes, int inner, float[] x, int xOff,
            int[] target, int tOff, float[] weight, int ignoreIndex, float labelSmoothing, float[] dOut,
            int dOutOff, float[] dx, int dxOff) {
        Losses.checkTargets("cross_entropy", batch, classes, inner, target, tOff, ignoreIndex);
        float eps = labelSmoothing;
        float ec = eps / classes;
        float wAll = 0f;
        if (weight == null) {
            wAll = classes;
        } else {
            double a = 0;
            for (int c = 0; c < classes; c++) {
                a += weight[c];
            }
            wAll = (float) a;
        }
        float g = 0f;
        if (r == Reduction.MEAN) {
            g = (float) (dOut[dOutOff] / weightSum(batch * inner, target, tOff, weight, ignoreIndex));
        } else if (r == Reduction.SUM) {
            g = dOut[dOutOff];
        }
        if (inner == 1) {
            float[] rs = SimdSoftmax.SCRATCH.get();
            float[] st = stage(x, xOff, batch, classes, weight);
            rowStats(x, xOff, batch, classes, null, false, st, rs);
            rowsGrad(r, batch, classes, x, xOff, target, tOff, weight, ignoreIndex, eps, ec, wAll, g, dOut, dOutOff,
                    dx, dxOff, st, rs);
            return;
        }
        float[] s = SCRATCH.get();
        int innerEnd = inner - inner % L;
        for (int b = 0; b < batch; b++) {
            int rowOff = xOff + b * classes * inner;
            int dRow = dxOff + b * classes * inner;
            for (int i0 = 0; i0 < innerEnd; i0 += L) {
                columnGrad(r, b, classes, inner, i0, x, rowOff, target, tOff, weight, ignoreIndex, eps, ec, wAll, g,
                        dOut, dOutOff, dx, dRow, s);
            }
            for (int i = innerEnd; i < inner; i++) {
                int pos = b * inner + i;
                int t = target[tOff + pos];
                float sc = 0f;
                float wt = 0f;
                if (t != ignoreIndex) {
                    sc = r == Reduction.NONE ? dOut[dOutOff + pos] : g;
                    wt = weight == null ? 1f : weight[t];
                } else {
                    t = -1; // sc = 0: the gradient is 0
                }
                float lse = columnLse(x, rowOff + i, classes, inner);
                float a1 = sc * (1 - eps) * wt;
                float a2 = sc * ec;
                for (int c = 0; c < classes; c++) {
                    int o = c * inner + i;
                    float p = (float) Math.exp(x[rowOff + o] - lse);
                    dx[dRow + o] = gradElement(p, c == t, a1, a2, wAll, weight == null ? 1f : weight[c], ec);
                }
            }
        }
    }

    /**
     * The gradient of contiguous rows: {@code dx_j = A1*(p_j - [j == t]) + A2*(W*p_j - w_j)} with
     * {@code A1 = scale*(1-eps)*w_t}, {@code A2 = scale*eps/C}, {@code p_j = exp(x_j - lse)} (lse from
     * {@code st[2b]}); zero rows for ignored targets. One loop per row over the full vectors whose last step is the
     * row's last vector (written through the scratch); the one-hot of the target is a sliding load of
     * {@link #ONE_HOT}, so the target's {@code p_t - 1} is formed first (exactly 0 where p_t rounds to 1). One
     * compiled unit, as {@link #rowStats}.
     */
    private static void rowsGrad(Reduction r, int batch, int classes, float[] x, int xOff, int[] target, int tOff,
            float[] weight, int ignoreIndex, float eps, float ec, float wAll, float g, float[] dOut, int dOutOff,
            float[] dx, int dxOff, float[] st, float[] rs) {
        int cnt = SimdSoftmax.tailCount(classes);
        int end = classes - cnt;
        int stop = cnt == 0 ? end : end + L;
        FloatVector wa = FloatVector.broadcast(F, wAll);
        int base = 2 * batch;
        FloatVector preW = FloatVector.fromArray(F, st, base + batch * L);
        float[] ex = SimdSoftmax.exps(stop); // per row: x - lse staged, one exp pass (see SimdMathArrays)
        for (int b = 0; b < batch; b++) {
            int rowOff = xOff + b * classes;
            int dRow = dxOff + b * classes;
            int t = target[tOff + b];
            if (t == ignoreIndex) {
                SimdPooling.fill(dx, dRow, classes, 0f);
                continue;
            }
            float scale = r == Reduction.NONE ? dOut[dOutOff + b] : g;
            float wt = weight == null ? 1f : weight[t];
            FloatVector a1 = FloatVector.broadcast(F, scale * (1 - eps) * wt);
            FloatVector a2 = FloatVector.broadcast(F, scale * ec);
            FloatVector lv = FloatVector.broadcast(F, st[2 * b]);
            FloatVector preX = FloatVector.fromArray(F, st, base + b * L);
            for (int j = 0; j < stop; j += L) {
                (j == end ? preX : FloatVector.fromArray(F, x, rowOff + j)).sub(lv).intoArray(ex, j);
            }
            SimdMathArrays.exp(ex, 0, ex, 0, stop);
            for (int j = 0; j < stop; j += L) {
                boolean lastStep = j == end;
                int j0 = lastStep ? classes - L : j; // the class of lane 0 (negative for a row shorter than L)
                FloatVector p = FloatVector.fromArray(F, ex, j);
                FloatVector pt = p;
                if (t >= j0 && t < j0 + L) {
                    pt = p.sub(FloatVector.fromArray(F, ONE_HOT, L - (t - j0)));
                }
                FloatVector d = pt.mul(a1);
                if (ec != 0f) {
                    FloatVector wj = lastStep || weight == null ? preW : FloatVector.fromArray(F, weight, j);
                    d = p.fma(wa, wj.neg()).fma(a2, d);
                }
                d.intoArray(lastStep ? rs : dx, lastStep ? 3 * L : dRow + j);
            }
            if (cnt != 0) {
                SimdSoftmax.putLast(rs, 3 * L, dx, dRow, classes);
            }
        }
    }

    /** The gradient of L adjacent positions i0..i0+L-1 (all real) of batch row b, lanes along inner. */
    private static void columnGrad(Reduction r, int b, int classes, int inner, int i0, float[] x, int rowOff,
            int[] target, int tOff, float[] weight, int ignoreIndex, float eps, float ec, float wAll, float g,
            float[] dOut, int dOutOff, float[] dx, int dRow, float[] s) {
        columnStats(x, rowOff + i0, classes, inner, weight, false, s);
        // per-lane coefficients A1 = scale*(1-eps)*w_t, A2 = scale*ec, and the target class as a float (-1: none)
        for (int k = 0; k < L; k++) {
            int pos = b * inner + i0 + k;
            int t = target[tOff + pos];
            float sc = 0f;
            float wt = 0f;
            if (t != ignoreIndex) {
                sc = r == Reduction.NONE ? dOut[dOutOff + pos] : g;
                wt = weight == null ? 1f : weight[t];
            } else {
                t = -1;
            }
            // sc is 0 for ignored positions, so their gradient is 0
            s[L + k] = sc * (1 - eps) * wt;
            s[2 * L + k] = sc * ec;
            s[3 * L + k] = t; // exact: class counts are far below 2^24
        }
        FloatVector lse = FloatVector.fromArray(F, s, 0);
        FloatVector a1 = FloatVector.fromArray(F, s, L);
        FloatVector a2 = FloatVector.fromArray(F, s, 2 * L);
        FloatVector tv = FloatVector.fromArray(F, s, 3 * L);
        FloatVector wa = FloatVector.broadcast(F, wAll);
        FloatVector zero = FloatVector.zero(F);
        float[] ex = SimdSoftmax.exps(classes * L); // x - lse staged, one exp pass (see SimdMathArrays)
        for (int c = 0; c < classes; c++) {
            FloatVector.fromArray(F, x, rowOff + c * inner + i0).sub(lse).intoArray(ex, c * L);
        }
        SimdMathArrays.exp(ex, 0, ex, 0, classes * L);
        for (int c = 0; c < classes; c++) {
            int o = c * inner + i0;
            FloatVector p = FloatVector.fromArray(F, ex, c * L);
            FloatVector pt = p.sub(zero.blend(1f, tv.compare(VectorOperators.EQ, (float) c)));
            FloatVector d = pt.mul(a1);
            if (ec != 0f) {
                float wj = weight == null ? 1f : weight[c];
                d = p.fma(wa, FloatVector.broadcast(F, -wj)).fma(a2, d);
            }
            d.intoArray(dx, dRow + o);
        }
    }

    @Override
    public float nll(Reduction r, int batch, int classes, int inner, float[] x, int xOff, int[] target, int tOff,
            float[] weight, int ignoreIndex, float[] out, int outOff) {
        Losses.checkTargets("nll_loss", batch, classes, inner, target, tOff, ignoreIndex);
        double sum = 0;
        double wSum = 0;
        for (int b = 0; b < batch; b++) {
            for (int i = 0; i < inner; i++) {
                int pos = b * inner + i;
                int t = target[tOff + pos];
                float li = 0f;
                if (t != ignoreIndex) {
                    float wt = weight == null ? 1f : weight[t];
                    li = -wt * x[xOff + (b * classes + t) * inner + i];
                    wSum += wt;
                }
                sum += li;
                if (r == Reduction.NONE) {
                    out[outOff + pos] = li;
                }
            }
        }
        return r == Reduction.MEAN ? (float) (sum / wSum) : (float) sum;
    }

    @Override
    public void nllBackward(Reduction r, int batch, int classes, int inner, float[] x, int xOff, int[] target,
            int tOff, float[] weight, int ignoreIndex, float[] dOut, int dOutOff, float[] dx, int dxOff) {
        Losses.checkTargets("nll_loss", batch, classes, inner, target, tOff, ignoreIndex);
        SimdPooling.fill(dx, dxOff, batch * classes * inner, 0f);
        float g = 0f;
        if (r == Reduction.MEAN) {
            g = (float) (dOut[dOutOff] / weightSum(batch * inner, target, tOff, weight, ignoreIndex));
        } else if (r == Reduction.SUM) {
            g = dOut[dOutOff];
        }
        for (int b = 0; b < batch; b++) {
            for (int i = 0; i < inner; i++) {
                int pos = b * inner + i;
                int t = target[tOff + pos];
                if (t != ignoreIndex) {
                    float wt = weight == null ? 1f : weight[t];
                    float sc = r == Reduction.NONE ? dOut[dOutOff + pos] : g;
                    dx[dxOff + (b * classes + t) * inner + i] = -wt * sc;
                }
            }
        }
    }
}
