package org.simdcnn.kernels.simd;

import static org.simdcnn.kernels.simd.SimdMath.E2;
import static org.simdcnn.kernels.simd.SimdMath.E3;
import static org.simdcnn.kernels.simd.SimdMath.E4;
import static org.simdcnn.kernels.simd.SimdMath.E5;
import static org.simdcnn.kernels.simd.SimdMath.E6;
import static org.simdcnn.kernels.simd.SimdMath.ERFCX;
import static org.simdcnn.kernels.simd.SimdMath.EXP_HI;
import static org.simdcnn.kernels.simd.SimdMath.EXP_LO;
import static org.simdcnn.kernels.simd.SimdMath.INV_SQRT2;
import static org.simdcnn.kernels.simd.SimdMath.INV_SQRT_2PI;
import static org.simdcnn.kernels.simd.SimdMath.L10;
import static org.simdcnn.kernels.simd.SimdMath.L3;
import static org.simdcnn.kernels.simd.SimdMath.L4;
import static org.simdcnn.kernels.simd.SimdMath.L5;
import static org.simdcnn.kernels.simd.SimdMath.L6;
import static org.simdcnn.kernels.simd.SimdMath.L7;
import static org.simdcnn.kernels.simd.SimdMath.L8;
import static org.simdcnn.kernels.simd.SimdMath.L9;
import static org.simdcnn.kernels.simd.SimdMath.LN2_HI;
import static org.simdcnn.kernels.simd.SimdMath.LN2_LO;
import static org.simdcnn.kernels.simd.SimdMath.LOG2E;
import static org.simdcnn.kernels.simd.SimdMath.SHIFT;
import static org.simdcnn.kernels.simd.SimdMath.T11;
import static org.simdcnn.kernels.simd.SimdMath.T3;
import static org.simdcnn.kernels.simd.SimdMath.T5;
import static org.simdcnn.kernels.simd.SimdMath.T7;
import static org.simdcnn.kernels.simd.SimdMath.T9;
import static org.simdcnn.kernels.simd.SimdMath.TANH_SAT;
import static org.simdcnn.kernels.simd.SimdMath.TANH_SMALL;
import static org.simdcnn.kernels.simd.SimdMath.TWO_THIRDS_BITS;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link SimdMath} over arrays: the {@link org.simdcnn.kernels.VectorMath} face of the backend, and the
 * transcendental passes of the loss, softmax and activation kernels.
 *
 * <p>Why passes: C2 inlines a helper only while the compiled unit is under its node budget
 * (NodeCountInliningCutoff); a refused helper that takes or returns a {@code FloatVector} becomes a real call and
 * its vectors are boxed (allocated). The Vector API's own methods are force-inlined (delayed, never refused that
 * way), so code that calls no helper of ours with a vector cannot box. The passes {@link #exp}, {@link #log},
 * {@link #log1pNonNeg} and {@link #sigmoid} are written that way: one loop, load, the function spelled out (the
 * same operations in the same order as {@code SimdMath}'s, so the results are bitwise the same), store; no call
 * with a vector in or out. Whether C2 inlines a pass into its caller or calls it, nothing is allocated. Kernels
 * run their transcendentals through these passes over their own data or a per-thread scratch and keep their vector
 * loops to arithmetic.
 *
 * <p>Every pass takes any {@code n}: its loop over the full vectors, then the same loop over the last {@code n % L}
 * elements as one vector staged through a per-thread scratch padded with zeros (what a masked load gives), so each
 * element gets the value the masked vector code would give. In place ({@code y == x}, same offset) is allowed.
 */
final class SimdMathArrays {
    private static final VectorSpecies<Float> F = SimdBackend.F;
    private static final int L = F.length();
    /** The staged last vector of a pass. */
    private static final ThreadLocal<float[]> TAIL = ThreadLocal.withInitial(() -> new float[L]);

    private SimdMathArrays() {
    }

    /** The last {@code n % L} elements of x into the per-thread tail, zero-padded; null when n is a multiple of L. */
    private static float[] stageTail(float[] x, int xo, int n) {
        int r = n % L;
        if (r == 0) {
            return null;
        }
        float[] t = TAIL.get();
        System.arraycopy(x, xo + n - r, t, 0, r);
        for (int k = r; k < L; k++) {
            t[k] = 0f;
        }
        return t;
    }

    /** e^x elementwise ({@link SimdMath#exp}, bitwise). */
    static void exp(float[] x, int xo, float[] y, int yo, int n) {
        int full = n - n % L;
        expFull(x, xo, y, yo, full);
        float[] t = stageTail(x, xo, n);
        if (t != null) { // the last n % L elements as one zero-padded vector, by the same loop
            expFull(t, 0, t, 0, L);
            System.arraycopy(t, 0, y, yo + full, n - full);
        }
    }

    /** The loop of {@link #exp} over {@code n} elements, a multiple of L. */
    private static void expFull(float[] x, int xo, float[] y, int yo, int n) {
        for (int i = 0; i < n; i += L) {
            FloatVector v = FloatVector.fromArray(F, x, xo + i);
            FloatVector z = v.fma(LOG2E, SHIFT);
            FloatVector nf = z.sub(SHIFT);
            FloatVector r = nf.fma(FloatVector.broadcast(F, -LN2_HI), v);
            r = nf.fma(FloatVector.broadcast(F, -LN2_LO), r);
            FloatVector r2 = r.mul(r);
            FloatVector p = r.fma(E6, E5)
                    .fma(r, FloatVector.broadcast(F, E4))
                    .fma(r, FloatVector.broadcast(F, E3))
                    .fma(r, FloatVector.broadcast(F, E2))
                    .fma(r2, r);
            FloatVector res;
            if (nf.abs().compare(VectorOperators.GT, 126f).anyTrue()) {
                // the careful path: 2^n split in two normal factors (SimdMath.expSpecial)
                FloatVector nc = nf.max(-160f).min(160f);
                IntVector ni = (IntVector) nc.convert(VectorOperators.F2I, 0);
                IntVector n1 = ni.lanewise(VectorOperators.ASHR, 1);
                IntVector n2 = ni.sub(n1);
                FloatVector s1 = n1.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
                FloatVector s2 = n2.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
                res = p.fma(s1, s1).mul(s2);
                res = res.blend(Float.POSITIVE_INFINITY, v.compare(VectorOperators.GT, EXP_HI));
                res = res.blend(0f, v.compare(VectorOperators.LT, EXP_LO));
            } else {
                FloatVector scale = z.reinterpretAsInts().lanewise(VectorOperators.LSHL, 23).add(0x3f800000)
                        .reinterpretAsFloats();
                res = p.fma(scale, scale);
            }
            res.intoArray(y, yo + i);
        }
    }

    /** Natural logarithm elementwise ({@link SimdMath#log}, bitwise). */
    static void log(float[] x, int xo, float[] y, int yo, int n) {
        logPass(x, xo, y, yo, n, false);
    }

    /** log(1 + x) elementwise for x &gt;= 0 or NaN ({@link SimdMath#log1pNonNeg}, bitwise). */
    static void log1pNonNeg(float[] x, int xo, float[] y, int yo, int n) {
        logPass(x, xo, y, yo, n, true);
    }

    /**
     * log(x), or with {@code plus1} log(1 + x) as log(u) + (x - (u - 1))/u, u = 1 + x rounded. The special lanes
     * (not positive normal finite) as {@code SimdMath.logSpecial}: subnormals scaled by 2^23, then Inf, NaN,
     * negatives and zeros blended in.
     */
    private static void logPass(float[] x, int xo, float[] y, int yo, int n, boolean plus1) {
        int full = n - n % L;
        logFull(x, xo, y, yo, full, plus1);
        float[] t = stageTail(x, xo, n);
        if (t != null) { // the last n % L elements as one zero-padded vector, by the same loop
            logFull(t, 0, t, 0, L, plus1);
            System.arraycopy(t, 0, y, yo + full, n - full);
        }
    }

    /** The loop of {@link #logPass} over {@code n} elements, a multiple of L. */
    private static void logFull(float[] x, int xo, float[] y, int yo, int n, boolean plus1) {
        for (int i = 0; i < n; i += L) {
            FloatVector in = FloatVector.fromArray(F, x, xo + i);
            FloatVector v = plus1 ? in.add(1f) : in;
            IntVector bits = v.reinterpretAsInts();
            boolean special = bits.sub(0x00800000).compare(VectorOperators.UGE, 0x7f000000).anyTrue();
            // no mask lives across the branches (a mask that may be null cannot be kept in a register: boxed)
            FloatVector kAdjust = FloatVector.zero(F);
            if (special) {
                VectorMask<Float> sub = v.compare(VectorOperators.LT, Float.MIN_NORMAL);
                bits = v.blend(v.mul(8388608f), sub).reinterpretAsInts(); // 2^23
                kAdjust = kAdjust.blend(23f, sub);
            }
            IntVector u = bits.sub(TWO_THIRDS_BITS);
            IntVector k = u.lanewise(VectorOperators.ASHR, 23);
            FloatVector m = u.and(0x007fffff).add(TWO_THIRDS_BITS).reinterpretAsFloats();
            FloatVector kf = (FloatVector) k.convert(VectorOperators.I2F, 0);
            if (special) {
                kf = kf.sub(kAdjust);
            }
            FloatVector r = m.sub(1f);
            FloatVector r2 = r.mul(r);
            FloatVector q = r.fma(L10, L9)
                    .fma(r, FloatVector.broadcast(F, L8))
                    .fma(r, FloatVector.broadcast(F, L7))
                    .fma(r, FloatVector.broadcast(F, L6))
                    .fma(r, FloatVector.broadcast(F, L5))
                    .fma(r, FloatVector.broadcast(F, L4))
                    .fma(r, FloatVector.broadcast(F, L3));
            FloatVector tt = q.fma(r, FloatVector.broadcast(F, -0.5f));
            FloatVector lo = tt.fma(r2, kf.mul(LN2_LO));
            FloatVector hi = kf.fma(FloatVector.broadcast(F, LN2_HI), r);
            FloatVector res = hi.add(lo);
            if (special) {
                res = res.blend(Float.POSITIVE_INFINITY, v.compare(VectorOperators.EQ, Float.POSITIVE_INFINITY));
                res = res.blend(Float.NaN, v.compare(VectorOperators.LT, 0f));
                res = res.blend(Float.NEGATIVE_INFINITY, v.compare(VectorOperators.EQ, 0f));
                res = res.blend(v, v.test(VectorOperators.IS_NAN));
            }
            if (plus1) {
                res = res.add(in.sub(v.sub(1f)).div(v));
            }
            res.intoArray(y, yo + i);
        }
    }

    /**
     * Logistic sigmoid elementwise ({@link SimdMath#sigmoid}, bitwise): the one-fma form, or for vectors with a lane
     * below -16 or where e^-x leaves the normal range the wide form from e = e^-|x| (its exp spelled out as in
     * {@link #exp}).
     */
    static void sigmoid(float[] x, int xo, float[] y, int yo, int n) {
        sigmoid(x, xo, y, yo, n, false);
    }

    /** With {@code timesX}: x * sigmoid(x) (SiLU, the product rounded once more), otherwise {@link #sigmoid}. */
    static void sigmoid(float[] x, int xo, float[] y, int yo, int n, boolean timesX) {
        int full = n - n % L;
        sigmoidFull(x, xo, y, yo, full, timesX);
        float[] t = stageTail(x, xo, n);
        if (t != null) { // the last n % L elements as one zero-padded vector, by the same loop
            sigmoidFull(t, 0, t, 0, L, timesX);
            System.arraycopy(t, 0, y, yo + full, n - full);
        }
    }

    /** The loop of {@link #sigmoid} over {@code n} elements, a multiple of L. */
    private static void sigmoidFull(float[] x, int xo, float[] y, int yo, int n, boolean timesX) {
        for (int i = 0; i < n; i += L) {
            FloatVector v = FloatVector.fromArray(F, x, xo + i);
            FloatVector tn = v.neg();
            FloatVector z = tn.fma(FloatVector.broadcast(F, LOG2E), FloatVector.broadcast(F, SHIFT));
            FloatVector nf = z.sub(SHIFT);
            FloatVector r = nf.fma(FloatVector.broadcast(F, -LN2_HI), tn);
            r = nf.fma(FloatVector.broadcast(F, -LN2_LO), r);
            FloatVector r2 = r.mul(r);
            FloatVector p = r.fma(E6, E5)
                    .fma(r, FloatVector.broadcast(F, E4))
                    .fma(r, FloatVector.broadcast(F, E3))
                    .fma(r, FloatVector.broadcast(F, E2))
                    .fma(r2, r);
            FloatVector res;
            if (nf.abs().compare(VectorOperators.GT, 126f).or(v.compare(VectorOperators.LT, -16f)).anyTrue()) {
                // SimdMath.sigmoidWide: e = exp(-|x|) as in exp() above
                FloatVector a = v.abs().neg();
                FloatVector za = a.fma(LOG2E, SHIFT);
                FloatVector na = za.sub(SHIFT);
                FloatVector ra = na.fma(FloatVector.broadcast(F, -LN2_HI), a);
                ra = na.fma(FloatVector.broadcast(F, -LN2_LO), ra);
                FloatVector ra2 = ra.mul(ra);
                FloatVector pa = ra.fma(E6, E5)
                        .fma(ra, FloatVector.broadcast(F, E4))
                        .fma(ra, FloatVector.broadcast(F, E3))
                        .fma(ra, FloatVector.broadcast(F, E2))
                        .fma(ra2, ra);
                FloatVector e;
                if (na.abs().compare(VectorOperators.GT, 126f).anyTrue()) {
                    FloatVector nc = na.max(-160f).min(160f);
                    IntVector ni = (IntVector) nc.convert(VectorOperators.F2I, 0);
                    IntVector n1 = ni.lanewise(VectorOperators.ASHR, 1);
                    IntVector n2 = ni.sub(n1);
                    FloatVector s1 = n1.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
                    FloatVector s2 = n2.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
                    e = pa.fma(s1, s1).mul(s2);
                    e = e.blend(Float.POSITIVE_INFINITY, a.compare(VectorOperators.GT, EXP_HI));
                    e = e.blend(0f, a.compare(VectorOperators.LT, EXP_LO));
                } else {
                    FloatVector sa = za.reinterpretAsInts().lanewise(VectorOperators.LSHL, 23).add(0x3f800000)
                            .reinterpretAsFloats();
                    e = pa.fma(sa, sa);
                }
                FloatVector num = FloatVector.broadcast(F, 1f).blend(e, v.compare(VectorOperators.LT, 0f));
                res = num.div(e.add(1f)).blend(e.neg().fma(e, e), v.compare(VectorOperators.LT, -16f));
            } else {
                FloatVector scale = z.reinterpretAsInts().lanewise(VectorOperators.LSHL, 23).add(0x3f800000)
                        .reinterpretAsFloats();
                res = FloatVector.broadcast(F, 1f).div(p.fma(scale, scale.add(1f)));
            }
            if (timesX) {
                res = v.mul(res);
            }
            res.intoArray(y, yo + i);
        }
    }

    /** Hyperbolic tangent elementwise ({@link SimdMath#tanh} with its expSmall, bitwise). */
    static void tanh(float[] x, int xo, float[] y, int yo, int n) {
        int full = n - n % L;
        tanhFull(x, xo, y, yo, full);
        float[] t = stageTail(x, xo, n);
        if (t != null) { // the last n % L elements as one zero-padded vector, by the same loop
            tanhFull(t, 0, t, 0, L);
            System.arraycopy(t, 0, y, yo + full, n - full);
        }
    }

    /** The loop of {@link #tanh} over {@code n} elements, a multiple of L. */
    private static void tanhFull(float[] x, int xo, float[] y, int yo, int n) {
        for (int i = 0; i < n; i += L) {
            FloatVector v = FloatVector.fromArray(F, x, xo + i);
            FloatVector ax = v.abs();
            FloatVector x2 = v.mul(v);
            FloatVector p = x2.fma(T11, T9)
                    .fma(x2, FloatVector.broadcast(F, T7))
                    .fma(x2, FloatVector.broadcast(F, T5))
                    .fma(x2, FloatVector.broadcast(F, T3));
            FloatVector small = p.mul(x2).fma(v, v);
            VectorMask<Float> large = ax.compare(VectorOperators.GT, TANH_SMALL);
            FloatVector axc = ax.blend(TANH_SAT, ax.compare(VectorOperators.GT, TANH_SAT));
            FloatVector a = axc.add(axc);
            FloatVector z = a.fma(LOG2E, SHIFT);
            FloatVector nf = z.sub(SHIFT);
            FloatVector r = nf.fma(FloatVector.broadcast(F, -LN2_HI), a);
            r = nf.fma(FloatVector.broadcast(F, -LN2_LO), r);
            FloatVector r2 = r.mul(r);
            FloatVector q = r.fma(E6, E5)
                    .fma(r, FloatVector.broadcast(F, E4))
                    .fma(r, FloatVector.broadcast(F, E3))
                    .fma(r, FloatVector.broadcast(F, E2))
                    .fma(r2, r);
            FloatVector scale = z.reinterpretAsInts().lanewise(VectorOperators.LSHL, 23).add(0x3f800000)
                    .reinterpretAsFloats();
            FloatVector e = q.fma(scale, scale);
            FloatVector tt = FloatVector.broadcast(F, 1f).sub(FloatVector.broadcast(F, 2f).div(e.add(1f)));
            FloatVector signed = tt.reinterpretAsInts().or(v.reinterpretAsInts().and(0x80000000))
                    .reinterpretAsFloats();
            small.blend(signed, large).blend(v, ax.compare(VectorOperators.LT, 1e-4f))
                    .intoArray(y, yo + i);
        }
    }

    /** e^x for x &lt;= 0 or NaN elementwise ({@link SimdMath#expNeg}, bitwise). */
    static void expNeg(float[] x, int xo, float[] y, int yo, int n) {
        int full = n - n % L;
        expNegFull(x, xo, y, yo, full);
        float[] t = stageTail(x, xo, n);
        if (t != null) { // the last n % L elements as one zero-padded vector, by the same loop
            expNegFull(t, 0, t, 0, L);
            System.arraycopy(t, 0, y, yo + full, n - full);
        }
    }

    /** The loop of {@link #expNeg} over {@code n} elements, a multiple of L. */
    private static void expNegFull(float[] x, int xo, float[] y, int yo, int n) {
        for (int i = 0; i < n; i += L) {
            FloatVector v0 = FloatVector.fromArray(F, x, xo + i);
            FloatVector v = v0.blend(-110f, v0.compare(VectorOperators.LT, -110f));
            FloatVector z = v.fma(FloatVector.broadcast(F, LOG2E), FloatVector.broadcast(F, SHIFT));
            FloatVector nf = z.sub(SHIFT);
            FloatVector r = nf.fma(FloatVector.broadcast(F, -LN2_HI), v);
            r = nf.fma(FloatVector.broadcast(F, -LN2_LO), r);
            FloatVector r2 = r.mul(r);
            FloatVector p = r.fma(E6, E5)
                    .fma(r, FloatVector.broadcast(F, E4))
                    .fma(r, FloatVector.broadcast(F, E3))
                    .fma(r, FloatVector.broadcast(F, E2))
                    .fma(r2, r);
            FloatVector scale = z.reinterpretAsInts().lanewise(VectorOperators.LSHL, 23).add(0x3f800000 + (64 << 23))
                    .reinterpretAsFloats();
            p.fma(scale, scale).mul(0x1p-64f).intoArray(y, yo + i);
        }
    }

    /**
     * GELU with the tanh approximation elementwise: x * sigmoid(2u), u = sqrt(2/pi)(x + 0.044715 x^3), from
     * e = exp(-|2u|) (as {@link SimdMath#expNeg}, bitwise): 1/(1+e) for u &gt;= 0, e/(1+e) below. {@code k1},
     * {@code k3}: 2 sqrt(2/pi) and its product with 0.044715.
     */
    static void geluTanh(float[] x, int xo, float[] y, int yo, int n, float k1, float k3) {
        int full = n - n % L;
        geluTanhFull(x, xo, y, yo, full, k1, k3);
        float[] t = stageTail(x, xo, n);
        if (t != null) { // the last n % L elements as one zero-padded vector, by the same loop
            geluTanhFull(t, 0, t, 0, L, k1, k3);
            System.arraycopy(t, 0, y, yo + full, n - full);
        }
    }

    /** The loop of {@link #geluTanh} over {@code n} elements, a multiple of L. */
    private static void geluTanhFull(float[] x, int xo, float[] y, int yo, int n, float k1, float k3) {
        for (int i = 0; i < n; i += L) {
            FloatVector xv = FloatVector.fromArray(F, x, xo + i);
            FloatVector u2 = xv.mul(xv).fma(k3, k1).mul(xv);
            FloatVector v0 = u2.abs().neg();
            FloatVector v = v0.blend(-110f, v0.compare(VectorOperators.LT, -110f));
            FloatVector z = v.fma(FloatVector.broadcast(F, LOG2E), FloatVector.broadcast(F, SHIFT));
            FloatVector nf = z.sub(SHIFT);
            FloatVector r = nf.fma(FloatVector.broadcast(F, -LN2_HI), v);
            r = nf.fma(FloatVector.broadcast(F, -LN2_LO), r);
            FloatVector r2 = r.mul(r);
            FloatVector p = r.fma(E6, E5)
                    .fma(r, FloatVector.broadcast(F, E4))
                    .fma(r, FloatVector.broadcast(F, E3))
                    .fma(r, FloatVector.broadcast(F, E2))
                    .fma(r2, r);
            FloatVector scale = z.reinterpretAsInts().lanewise(VectorOperators.LSHL, 23).add(0x3f800000 + (64 << 23))
                    .reinterpretAsFloats();
            FloatVector e = p.fma(scale, scale).mul(0x1p-64f);
            FloatVector d = FloatVector.broadcast(F, 1f).div(e.add(1f));
            xv.mul(d.blend(e.mul(d), u2.compare(VectorOperators.LT, 0f))).intoArray(y, yo + i);
        }
    }

    /**
     * ELU elementwise: x if x &gt; 0 (or NaN), else alpha*expm1(x) with the input clamped at -30 (expm1 saturates
     * there); expm1 as {@link SimdMath#expm1}, bitwise.
     */
    static void elu(float[] x, int xo, float[] y, int yo, int n, float alpha) {
        int full = n - n % L;
        eluFull(x, xo, y, yo, full, alpha);
        float[] t = stageTail(x, xo, n);
        if (t != null) { // the last n % L elements as one zero-padded vector, by the same loop
            eluFull(t, 0, t, 0, L, alpha);
            System.arraycopy(t, 0, y, yo + full, n - full);
        }
    }

    /** The loop of {@link #elu} over {@code n} elements, a multiple of L. */
    private static void eluFull(float[] x, int xo, float[] y, int yo, int n, float alpha) {
        for (int i = 0; i < n; i += L) {
            FloatVector v = FloatVector.fromArray(F, x, xo + i);
            FloatVector c = v.blend(-30f, v.compare(VectorOperators.LT, -30f));
            FloatVector z = c.fma(LOG2E, SHIFT);
            FloatVector nf = z.sub(SHIFT);
            FloatVector r = nf.fma(FloatVector.broadcast(F, -LN2_HI), c);
            r = nf.fma(FloatVector.broadcast(F, -LN2_LO), r);
            FloatVector r2 = r.mul(r);
            FloatVector p = r.fma(E6, E5)
                    .fma(r, FloatVector.broadcast(F, E4))
                    .fma(r, FloatVector.broadcast(F, E3))
                    .fma(r, FloatVector.broadcast(F, E2))
                    .fma(r2, r);
            FloatVector scale = z.reinterpretAsInts().lanewise(VectorOperators.LSHL, 23).add(0x3f800000)
                    .reinterpretAsFloats();
            FloatVector e = p.fma(scale, scale.sub(1f)).mul(alpha);
            e.blend(v, v.compare(VectorOperators.GT, 0f).or(v.test(VectorOperators.IS_NAN)))
                    .intoArray(y, yo + i);
        }
    }

    /** What {@link #phi} computes. */
    static final int PHI = 0;
    /** The exact GELU's derivative Phi(x) + x*pdf(x) ({@link SimdMath#geluGrad}, bitwise). */
    static final int GELU_GRAD = 1;
    /** The exact GELU x*Phi(x) (x times {@link SimdMath#phi}). */
    static final int GELU = 2;

    /**
     * The standard normal CDF elementwise ({@link SimdMath#phi}, bitwise), or by {@code mode} the GELU or its
     * derivative built on it: one exp(-x^2/2) per vector for all.
     */
    static void phi(float[] x, int xo, float[] y, int yo, int n, int mode) {
        int full = n - n % L;
        phiFull(x, xo, y, yo, full, mode);
        float[] t = stageTail(x, xo, n);
        if (t != null) { // the last n % L elements as one zero-padded vector, by the same loop
            phiFull(t, 0, t, 0, L, mode);
            System.arraycopy(t, 0, y, yo + full, n - full);
        }
    }

    /** The loop of {@link #phi} over {@code n} elements, a multiple of L. */
    private static void phiFull(float[] x, int xo, float[] y, int yo, int n, int mode) {
        for (int i = 0; i < n; i += L) {
            FloatVector v = FloatVector.fromArray(F, x, xo + i);
            FloatVector ax = v.abs();
            FloatVector axc = ax.blend(14.8f, ax.compare(VectorOperators.GT, 14.8f));
            FloatVector sq = axc.mul(axc);
            FloatVector a2lo = axc.fma(axc, sq.neg()).mul(0.5f);
            FloatVector tt = FloatVector.broadcast(F, 1f).div(axc.fma(0.5f * INV_SQRT2, 1f));
            FloatVector rr = tt.fma(ERFCX[10], ERFCX[9])
                    .fma(tt, FloatVector.broadcast(F, ERFCX[8]))
                    .fma(tt, FloatVector.broadcast(F, ERFCX[7]))
                    .fma(tt, FloatVector.broadcast(F, ERFCX[6]))
                    .fma(tt, FloatVector.broadcast(F, ERFCX[5]))
                    .fma(tt, FloatVector.broadcast(F, ERFCX[4]))
                    .fma(tt, FloatVector.broadcast(F, ERFCX[3]))
                    .fma(tt, FloatVector.broadcast(F, ERFCX[2]))
                    .fma(tt, FloatVector.broadcast(F, ERFCX[1]))
                    .fma(tt, FloatVector.broadcast(F, ERFCX[0]))
                    .mul(tt);
            // exp(-x^2/2) as SimdMath.expNeg
            FloatVector e0 = sq.mul(-0.5f);
            FloatVector ev = e0.blend(-110f, e0.compare(VectorOperators.LT, -110f));
            FloatVector z = ev.fma(FloatVector.broadcast(F, LOG2E), FloatVector.broadcast(F, SHIFT));
            FloatVector nf = z.sub(SHIFT);
            FloatVector r = nf.fma(FloatVector.broadcast(F, -LN2_HI), ev);
            r = nf.fma(FloatVector.broadcast(F, -LN2_LO), r);
            FloatVector r2 = r.mul(r);
            FloatVector p = r.fma(E6, E5)
                    .fma(r, FloatVector.broadcast(F, E4))
                    .fma(r, FloatVector.broadcast(F, E3))
                    .fma(r, FloatVector.broadcast(F, E2))
                    .fma(r2, r);
            FloatVector scale = z.reinterpretAsInts().lanewise(VectorOperators.LSHL, 23).add(0x3f800000 + (64 << 23))
                    .reinterpretAsFloats();
            FloatVector ex = p.fma(scale, scale).mul(0x1p-64f);
            FloatVector halfErfc = a2lo.neg().fma(ex, ex).mul(rr).mul(0.5f);
            FloatVector cdf = halfErfc.neg().add(1f).blend(halfErfc, v.compare(VectorOperators.LT, 0f));
            FloatVector res = mode == GELU_GRAD ? v.fma(ex.mul(INV_SQRT_2PI), cdf) : mode == GELU ? v.mul(cdf) : cdf;
            res.intoArray(y, yo + i);
        }
    }

    /** Per-thread: one vector's lanes for the rare exp of {@link #expm1}'s large lanes. */
    private static final ThreadLocal<float[]> BIG = ThreadLocal.withInitial(() -> new float[L]);

    /**
     * e^x - 1 elementwise for every float ({@link SimdMath#expm1Any}, bitwise): the input clamped to [-30, 20] and
     * the cancellation-free form, and for a vector with a lane above 20, e^x - 1 there (e^x by the {@link #exp} pass
     * over that one vector, staged: no vector crosses a call).
     */
    static void expm1(float[] x, int xo, float[] y, int yo, int n) {
        int full = n - n % L;
        expm1Full(x, xo, y, yo, full);
        float[] t = stageTail(x, xo, n);
        if (t != null) { // the last n % L elements as one zero-padded vector, by the same loop
            expm1Full(t, 0, t, 0, L);
            System.arraycopy(t, 0, y, yo + full, n - full);
        }
    }

    /** The loop of {@link #expm1} over {@code n} elements, a multiple of L. */
    private static void expm1Full(float[] x, int xo, float[] y, int yo, int n) {
        for (int i = 0; i < n; i += L) {
            FloatVector v = FloatVector.fromArray(F, x, xo + i);
            FloatVector xc = v.blend(-30f, v.compare(VectorOperators.LT, -30f));
            xc = xc.blend(20f, xc.compare(VectorOperators.GT, 20f));
            FloatVector z = xc.fma(LOG2E, SHIFT);
            FloatVector nf = z.sub(SHIFT);
            FloatVector r = nf.fma(FloatVector.broadcast(F, -LN2_HI), xc);
            r = nf.fma(FloatVector.broadcast(F, -LN2_LO), r);
            FloatVector r2 = r.mul(r);
            FloatVector p = r.fma(E6, E5)
                    .fma(r, FloatVector.broadcast(F, E4))
                    .fma(r, FloatVector.broadcast(F, E3))
                    .fma(r, FloatVector.broadcast(F, E2))
                    .fma(r2, r);
            FloatVector scale = z.reinterpretAsInts().lanewise(VectorOperators.LSHL, 23).add(0x3f800000)
                    .reinterpretAsFloats();
            FloatVector res = p.fma(scale, scale.sub(1f));
            VectorMask<Float> big = v.compare(VectorOperators.GT, 20f);
            if (big.anyTrue()) {
                float[] bv = BIG.get();
                v.intoArray(bv, 0);
                exp(bv, 0, bv, 0, L);
                res = res.blend(FloatVector.fromArray(F, bv, 0).sub(1f), big);
            }
            res.intoArray(y, yo + i);
        }
    }
}
