package org.simdcnn.kernels.simd;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.simdcnn.kernels.Losses;
import org.simdcnn.kernels.Reduction;

/**
 * Vector API losses in PyTorch's formulas. Elementwise losses run one vector loop per loss (masked remainder);
 * sums are accumulated per block of {@link #BLOCK} elements in vector lanes and the block sums in double, in a
 * fixed order. Cross-entropy is fused with log-softmax: one log-sum-exp per position (lanes along the classes when
 * {@code inner == 1}, along {@code inner} otherwise), never materialising the log-probabilities. Single-threaded
 * (losses are a small part of a step).
 */
final class SimdLosses implements Losses {
    private static final VectorSpecies<Float> F = SimdBackend.F;
    private static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, F.vectorShape());
    private static final int L = F.length();
    private static final int BLOCK = 1024;
    private static final ThreadLocal<float[]> SCRATCH = ThreadLocal.withInitial(() -> new float[4 * L]);

    private static FloatVector load(float[] a, int off, VectorMask<Float> m) {
        return m == null ? FloatVector.fromArray(F, a, off) : FloatVector.fromArray(F, a, off, m);
    }

    private static void store(FloatVector v, float[] a, int off, VectorMask<Float> m) {
        if (m == null) {
            v.intoArray(a, off);
        } else {
            v.intoArray(a, off, m);
        }
    }

    private static float finish(Reduction r, double sum, long n) {
        return r == Reduction.MEAN ? (float) (sum / n) : (float) sum;
    }

    /** Upstream gradient for element i: per element for NONE, dOut/n for MEAN, dOut for SUM. */
    private static FloatVector upstream(Reduction r, float g, float[] dOut, int off, VectorMask<Float> m) {
        return r == Reduction.NONE ? load(dOut, off, m) : FloatVector.broadcast(F, g);
    }

    private static float scalarUpstream(Reduction r, int n, float[] dOut, int dOutOff) {
        return r == Reduction.MEAN ? dOut[dOutOff] / n : dOut[dOutOff];
    }

    // ---------------------------------------------------------------- MSE

    @Override
    public float mse(Reduction r, int n, float[] x, int xOff, float[] t, int tOff, float[] out, int outOff) {
        double total = 0;
        for (int b = 0; b < n; b += BLOCK) {
            int e = Math.min(n, b + BLOCK);
            FloatVector acc = FloatVector.zero(F);
            for (int i = b; i < e; i += L) {
                VectorMask<Float> m = i + L <= e ? null : F.indexInRange(i, e);
                FloatVector d = load(x, xOff + i, m).sub(load(t, tOff + i, m));
                FloatVector l = d.mul(d);
                if (r == Reduction.NONE) {
                    store(l, out, outOff + i, m);
                }
                acc = acc.add(m == null ? l : l.blend(0f, m.not()));
            }
            total += Lanes.sum(acc);
        }
        return finish(r, total, n);
    }

    @Override
    public void mseBackward(Reduction r, int n, float[] x, int xOff, float[] t, int tOff, float[] dOut, int dOutOff,
            float[] dx, int dxOff) {
        float g = r == Reduction.NONE ? 0f : scalarUpstream(r, n, dOut, dOutOff);
        for (int i = 0; i < n; i += L) {
            VectorMask<Float> m = i + L <= n ? null : F.indexInRange(i, n);
            FloatVector d = load(x, xOff + i, m).sub(load(t, tOff + i, m));
            FloatVector u = upstream(r, g, dOut, dOutOff + i, m);
            store(d.mul(2f).mul(u), dx, dxOff + i, m);
        }
    }

    // ---------------------------------------------------------------- BCE

    private static FloatVector clampLog(FloatVector v) {
        return v.blend(-100f, v.compare(VectorOperators.LT, -100f));
    }

    @Override
    public float bce(Reduction r, int n, float[] x, int xOff, float[] t, int tOff, float[] weight, float[] out,
            int outOff) {
        double total = 0;
        for (int b = 0; b < n; b += BLOCK) {
            int e = Math.min(n, b + BLOCK);
            FloatVector acc = FloatVector.zero(F);
            for (int i = b; i < e; i += L) {
                VectorMask<Float> m = i + L <= e ? null : F.indexInRange(i, e);
                FloatVector xv = load(x, xOff + i, m);
                FloatVector tv = load(t, tOff + i, m);
                FloatVector lx = clampLog(SimdMath.log(xv));
                FloatVector l1x = clampLog(SimdMath.log1p(xv.neg()));
                // (t - 1) * log1p(-x) - t * log(x)
                FloatVector l = tv.sub(1f).mul(l1x).sub(tv.mul(lx));
                if (weight != null) {
                    l = l.mul(load(weight, i, m));
                }
                if (r == Reduction.NONE) {
                    store(l, out, outOff + i, m);
                }
                acc = acc.add(m == null ? l : l.blend(0f, m.not()));
            }
            total += Lanes.sum(acc);
        }
        return finish(r, total, n);
    }

    @Override
    public void bceBackward(Reduction r, int n, float[] x, int xOff, float[] t, int tOff, float[] weight,
            float[] dOut, int dOutOff, float[] dx, int dxOff) {
        float g = r == Reduction.NONE ? 0f : scalarUpstream(r, n, dOut, dOutOff);
        for (int i = 0; i < n; i += L) {
            VectorMask<Float> m = i + L <= n ? null : F.indexInRange(i, n);
            FloatVector xv = load(x, xOff + i, m);
            FloatVector tv = load(t, tOff + i, m);
            FloatVector den = xv.neg().add(1f).mul(xv);
            den = den.blend(1e-12f, den.compare(VectorOperators.LT, 1e-12f));
            FloatVector d = upstream(r, g, dOut, dOutOff + i, m).mul(xv.sub(tv)).div(den);
            if (weight != null) {
                d = d.mul(load(weight, i, m));
            }
            store(d, dx, dxOff + i, m);
        }
    }

    // ---------------------------------------------------------------- BCE with logits

    /** Per-lane pos_weight for elements i..i+L-1 (1 where posWeight is null). */
    private static FloatVector posWeight(float[] posWeight, int posInner, int i) {
        int pl = posWeight.length;
        int first = (i / posInner) % pl;
        int last = ((i + L - 1) / posInner) % pl;
        if (first == last && (i + L - 1) / posInner - i / posInner < pl) {
            return FloatVector.broadcast(F, posWeight[first]);
        }
        float[] s = SCRATCH.get();
        for (int k = 0; k < L; k++) {
            s[k] = posWeight[((i + k) / posInner) % pl];
        }
        return FloatVector.fromArray(F, s, 0);
    }

    @Override
    public float bceWithLogits(Reduction r, int n, float[] x, int xOff, float[] t, int tOff, float[] weight,
            float[] posWeight, int posInner, float[] out, int outOff) {
        double total = 0;
        for (int b = 0; b < n; b += BLOCK) {
            int e = Math.min(n, b + BLOCK);
            FloatVector acc = FloatVector.zero(F);
            for (int i = b; i < e; i += L) {
                VectorMask<Float> m = i + L <= e ? null : F.indexInRange(i, e);
                FloatVector xv = load(x, xOff + i, m);
                FloatVector tv = load(t, tOff + i, m);
                // (1 - t) * x + lw * (log1p(exp(-|x|)) + max(-x, 0)), lw = (p - 1) * t + 1, rewritten without the
                // cancellation of the x terms for x < 0 as
                // (1 - t) * max(x, 0) - p * t * min(x, 0) + lw * log1p(exp(-|x|))
                FloatVector lp = SimdMath.log1pNonNeg(SimdMath.exp(xv.abs().neg()));
                FloatVector pos = xv.max(0f);
                FloatVector neg = xv.min(0f);
                FloatVector l;
                if (posWeight != null) {
                    FloatVector pw = posWeight(posWeight, posInner, i);
                    FloatVector lw = pw.sub(1f).fma(tv, FloatVector.broadcast(F, 1f));
                    l = tv.neg().add(1f).fma(pos, lw.mul(lp)).sub(pw.mul(tv).mul(neg));
                } else {
                    l = tv.neg().add(1f).fma(pos, lp).sub(tv.mul(neg));
                }
                if (weight != null) {
                    l = l.mul(load(weight, i, m));
                }
                if (r == Reduction.NONE) {
                    store(l, out, outOff + i, m);
                }
                acc = acc.add(m == null ? l : l.blend(0f, m.not()));
            }
            total += Lanes.sum(acc);
        }
        return finish(r, total, n);
    }

    @Override
    public void bceWithLogitsBackward(Reduction r, int n, float[] x, int xOff, float[] t, int tOff,
            float[] weight, float[] posWeight, int posInner, float[] dOut, int dOutOff, float[] dx, int dxOff) {
        float g = r == Reduction.NONE ? 0f : scalarUpstream(r, n, dOut, dOutOff);
        for (int i = 0; i < n; i += L) {
            VectorMask<Float> m = i + L <= n ? null : F.indexInRange(i, n);
            FloatVector xv = load(x, xOff + i, m);
            FloatVector tv = load(t, tOff + i, m);
            // (p*t + 1 - t)*s - p*t = (1-t)*s - p*t*(1-s), with s and 1-s both free of cancellation
            FloatVector e = SimdMath.exp(xv.abs().neg());
            FloatVector dd = FloatVector.broadcast(F, 1f).div(e.add(1f));
            FloatVector ed = e.mul(dd);
            VectorMask<Float> neg = xv.compare(VectorOperators.LT, 0f);
            FloatVector s = dd.blend(ed, neg);
            FloatVector oneMinus = ed.blend(dd, neg);
            FloatVector pt = posWeight != null ? posWeight(posWeight, posInner, i).mul(tv) : tv;
            FloatVector d = tv.neg().add(1f).mul(s).sub(pt.mul(oneMinus));
            d = d.mul(upstream(r, g, dOut, dOutOff + i, m));
            if (weight != null) {
                d = d.mul(load(weight, i, m));
            }
            store(d, dx, dxOff + i, m);
        }
    }

    // ---------------------------------------------------------------- cross-entropy and NLL

    /** log(sum exp) of a contiguous row, with vector max and vector exp-sum. */
    /** {@code 1} at index {@code L}, zeros elsewhere: loading at {@code L - k} gives the one-hot vector of lane k. */
    private static final float[] ONE_HOT = oneHot();

    private static float[] oneHot() {
        float[] a = new float[2 * L];
        a[L] = 1f;
        return a;
    }

    static float rowLse(float[] x, int off, int n) {
        // Full vectors, then a scalar tail. (A nullable tail mask merged into the loads here made C2 on JDK 25.0.3
        // emit code that reached a Halt node and aborted the JVM for rows of 1000 logits.)
        int end = n - n % L;
        float max = Float.NEGATIVE_INFINITY;
        if (end > 0) {
            FloatVector vmax = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
            for (int i = 0; i < end; i += L) {
                vmax = vmax.max(FloatVector.fromArray(F, x, off + i));
            }
            max = vmax.reduceLanes(VectorOperators.MAX);
        }
        for (int i = end; i < n; i++) {
            max = Math.max(max, x[off + i]);
        }
        if (Float.isInfinite(max)) {
            return max; // all -Inf: -Inf; a +Inf logit: +Inf (its own log-probability becomes NaN, as in PyTorch)
        }
        double sum = 0;
        if (end > 0) {
            FloatVector mv = FloatVector.broadcast(F, max);
            FloatVector acc = FloatVector.zero(F);
            for (int i = 0; i < end; i += L) {
                acc = acc.add(SimdMath.exp(FloatVector.fromArray(F, x, off + i).sub(mv)));
            }
            sum = Lanes.sum(acc);
        }
        for (int i = end; i < n; i++) {
            sum += Math.exp(x[off + i] - max);
        }
        return max + (float) Math.log(sum);
    }

    /** sum_c w_c*(lse - x_c) over a contiguous row (w null means all ones). */
    static float rowSmooth(float[] x, int off, int n, float lse, float[] w) {
        FloatVector lv = FloatVector.broadcast(F, lse);
        FloatVector acc = FloatVector.zero(F);
        for (int i = 0; i < n; i += L) {
            VectorMask<Float> m = i + L <= n ? null : F.indexInRange(i, n);
            FloatVector d = lv.sub(load(x, off + i, m));
            if (w != null) {
                d = d.mul(load(w, i, m));
            }
            acc = acc.add(m == null ? d : d.blend(0f, m.not()));
        }
        return Lanes.sum(acc);
    }

    /** Per position: lse into s[0..L), smooth sum into s[L..2L), for positions i..i+L-1 of one batch row. */
    private static void columnStats(float[] x, int off, int classes, int inner, int i, float[] w, boolean smooth,
            float[] s) {
        VectorMask<Float> m = i + L <= inner ? null : F.indexInRange(i, inner);
        FloatVector max = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
        for (int c = 0; c < classes; c++) {
            max = max.max(load(x, off + c * inner + i, m));
        }
        FloatVector sum = FloatVector.zero(F);
        for (int c = 0; c < classes; c++) {
            sum = sum.add(SimdMath.exp(load(x, off + c * inner + i, m).sub(max)));
        }
        FloatVector lse = max.add(SimdMath.log(sum));
        lse = lse.blend(max, max.test(VectorOperators.IS_INFINITE));
        lse.intoArray(s, 0);
        if (smooth) {
            FloatVector acc = FloatVector.zero(F);
            for (int c = 0; c < classes; c++) {
                FloatVector d = lse.sub(load(x, off + c * inner + i, m));
                acc = w == null ? acc.add(d) : d.fma(FloatVector.broadcast(F, w[c]), acc);
            }
            acc.intoArray(s, L);
        }
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
        for (int b = 0; b < batch; b++) {
            int rowOff = xOff + b * classes * inner;
            for (int i0 = 0; i0 < inner; i0 += (inner == 1 ? 1 : L)) {
                int cnt = inner == 1 ? 1 : Math.min(L, inner - i0);
                if (inner == 1) {
                    s[0] = rowLse(x, rowOff, classes);
                    if (smooth) {
                        s[L] = rowSmooth(x, rowOff, classes, s[0], weight);
                    }
                } else {
                    columnStats(x, rowOff, classes, inner, i0, weight, smooth, s);
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
        float[] s = SCRATCH.get();
        for (int b = 0; b < batch; b++) {
            int rowOff = xOff + b * classes * inner;
            int dRow = dxOff + b * classes * inner;
            if (inner == 1) {
                int pos = b;
                int t = target[tOff + pos];
                if (t == ignoreIndex) {
                    SimdPooling.fill(dx, dRow, classes, 0f);
                    continue;
                }
                float scale = r == Reduction.NONE ? dOut[dOutOff + pos] : g;
                float wt = weight == null ? 1f : weight[t];
                float lse = rowLse(x, rowOff, classes);
                // dx_j = A1*(p_j - [j == t]) + A2*(W*p_j - w_j), A1 = scale*(1-eps)*w_t, A2 = scale*eps/C: the
                // target's p_t - 1 is formed first, so it is exactly 0 where p_t rounds to 1
                FloatVector a1 = FloatVector.broadcast(F, scale * (1 - eps) * wt);
                FloatVector a2 = FloatVector.broadcast(F, scale * ec);
                FloatVector wa = FloatVector.broadcast(F, wAll);
                FloatVector lv = FloatVector.broadcast(F, lse);
                // Full vectors, then a scalar tail; the one-hot of the target is a sliding load of ONE_HOT (no
                // masks: nullable tail masks and a mask cast here made C2 on JDK 25.0.3 abort the JVM for 1000
                // classes).
                int end = classes - classes % L;
                for (int j = 0; j < end; j += L) {
                    FloatVector p = SimdMath.exp(FloatVector.fromArray(F, x, rowOff + j).sub(lv));
                    FloatVector wj = weight == null ? FloatVector.broadcast(F, 1f)
                            : FloatVector.fromArray(F, weight, j);
                    FloatVector pt = p;
                    if (t >= j && t < j + L) {
                        pt = p.sub(FloatVector.fromArray(F, ONE_HOT, L - (t - j)));
                    }
                    FloatVector d = pt.mul(a1);
                    if (ec != 0f) {
                        d = p.fma(wa, wj.neg()).fma(a2, d);
                    }
                    d.intoArray(dx, dRow + j);
                }
                float a1s = scale * (1 - eps) * wt;
                float a2s = scale * ec;
                for (int j = end; j < classes; j++) {
                    float p = (float) Math.exp(x[rowOff + j] - lse);
                    float wj = weight == null ? 1f : weight[j];
                    float d = (j == t ? p - 1f : p) * a1s;
                    if (ec != 0f) {
                        d = Math.fma(a2s, Math.fma(p, wAll, -wj), d);
                    }
                    dx[dRow + j] = d;
                }
                continue;
            }
            for (int i0 = 0; i0 < inner; i0 += L) {
                VectorMask<Float> m = i0 + L <= inner ? null : F.indexInRange(i0, inner);
                int cnt = Math.min(L, inner - i0);
                columnStats(x, rowOff, classes, inner, i0, weight, false, s);
                // per-lane coefficients: A = scale*((1-eps)*w_t + ec*W), B = -scale*ec, T = scale*(1-eps)*w_t
                int[] lanesT = TARGETS.get();
                for (int k = 0; k < L; k++) {
                    float sc = 0f;
                    float wt = 0f;
                    int t = -1;
                    if (k < cnt) {
                        int pos = b * inner + i0 + k;
                        t = target[tOff + pos];
                        if (t != ignoreIndex) {
                            sc = r == Reduction.NONE ? dOut[dOutOff + pos] : g;
                            wt = weight == null ? 1f : weight[t];
                        } else {
                            t = -1;
                        }
                    }
                    // sc is 0 for ignored positions and padding lanes, so their gradient is 0
                    s[L + k] = sc * (1 - eps) * wt; // A1
                    s[2 * L + k] = sc * ec; // A2
                    lanesT[k] = t;
                }
                FloatVector lse = FloatVector.fromArray(F, s, 0);
                FloatVector a1 = FloatVector.fromArray(F, s, L);
                FloatVector a2 = FloatVector.fromArray(F, s, 2 * L);
                FloatVector wa = FloatVector.broadcast(F, wAll);
                IntVector tv = IntVector.fromArray(I, lanesT, 0);
                for (int c = 0; c < classes; c++) {
                    int o = c * inner + i0;
                    FloatVector p = SimdMath.exp(load(x, rowOff + o, m).sub(lse));
                    FloatVector pt = p.sub(FloatVector.zero(F).blend(1f, tv.compare(VectorOperators.EQ, c).cast(F)));
                    FloatVector d = pt.mul(a1);
                    if (ec != 0f) {
                        float wj = weight == null ? 1f : weight[c];
                        d = p.fma(wa, FloatVector.broadcast(F, -wj)).fma(a2, d);
                    }
                    store(d, dx, dRow + o, m);
                }
            }
        }
    }

    private static final ThreadLocal<int[]> TARGETS = ThreadLocal.withInitial(() -> new int[L]);

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
