package org.simdcnn.kernels.simd;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Our own vectorised transcendental functions on {@link FloatVector}s of the backend's species: range reduction
 * plus a polynomial evaluated with fused multiply-adds (coefficients fitted for this file by weighted least
 * squares on Chebyshev nodes, then rounded to float). The Vector API's own {@code EXP}/{@code LOG}/{@code TANH}
 * lanewise operations are not used: on this JDK they are far slower (see {@code MathBench}).
 *
 * <p>Each function handles the special inputs itself: NaN in gives NaN out, ±0, subnormals, ±Inf and the
 * overflow/underflow thresholds give the correctly rounded IEEE results. The rare lanes that need the careful
 * path (results that overflow or are subnormal, inputs that are not positive normal numbers for {@code log})
 * are detected with one mask test per vector; the common path has no masks beyond one blend.
 *
 * <p>Measured maximum errors against a double-precision reference are in the tests and in the report of issue 4.
 *
 * <p>These methods are the readable definitions. The kernels do not call them: a helper taking or returning a
 * vector that C2 declines to inline (its node budget, NodeCountInliningCutoff) boxes its vectors. They run the
 * passes of {@link SimdMathArrays} instead, which spell out the same operations in the same order inside one loop
 * (bitwise the same results); a change here must be made there too.
 */
final class SimdMath {
    static final VectorSpecies<Float> F = SimdBackend.F;

    private SimdMath() {
    }

    // exp: x = n*ln2 + r, |r| <= ln2/2, e^r - 1 = r + r^2 * P(r).
    static final float LOG2E = 1.44269504f;
    static final float LN2_HI = 0.693145751953125f;
    static final float LN2_LO = 1.4286068202862268e-06f;
    static final float SHIFT = 12582912f; // 1.5 * 2^23: adding it rounds to an integer kept in the low bits
    static final float E2 = 0.49999988079071045f;
    static final float E3 = 0.166665181517601f;
    static final float E4 = 0.04166953265666962f;
    static final float E5 = 0.008368915878236294f;
    static final float E6 = 0.0013751407386735082f;
    /** Above this exp overflows (exp(88.7228...) is the largest float). */
    static final float EXP_HI = 88.8f;
    /** Below this exp underflows to +0 (half the smallest subnormal is exp(-103.97...)). */
    static final float EXP_LO = -104f;

    /** e^x for every float: NaN to NaN, +Inf to +Inf, -Inf to +0, overflow to +Inf, subnormal results exact-rounded. */
    static FloatVector exp(FloatVector x) {
        FloatVector z = x.fma(LOG2E, SHIFT);
        FloatVector n = z.sub(SHIFT);
        FloatVector r = n.fma(FloatVector.broadcast(F, -LN2_HI), x);
        r = n.fma(FloatVector.broadcast(F, -LN2_LO), r);
        FloatVector p = expm1Poly(r);
        VectorMask<Float> big = n.abs().compare(VectorOperators.GT, 126f);
        if (big.anyTrue()) {
            return expSpecial(x, n, p);
        }
        FloatVector scale = z.reinterpretAsInts().lanewise(VectorOperators.LSHL, 23).add(0x3f800000)
                .reinterpretAsFloats();
        return p.fma(scale, scale);
    }

    /** e^x for x known to lie in [-87, 87] (or NaN): no special lanes possible. */
    static FloatVector expSmall(FloatVector x) {
        FloatVector z = x.fma(LOG2E, SHIFT);
        FloatVector n = z.sub(SHIFT);
        FloatVector r = n.fma(FloatVector.broadcast(F, -LN2_HI), x);
        r = n.fma(FloatVector.broadcast(F, -LN2_LO), r);
        FloatVector p = expm1Poly(r);
        FloatVector scale = z.reinterpretAsInts().lanewise(VectorOperators.LSHL, 23).add(0x3f800000)
                .reinterpretAsFloats();
        return p.fma(scale, scale);
    }

    /**
     * e^x - 1 without cancellation for x in [-87, 87] (callers clamp; NaN passes): (e^r - 1) * 2^n + (2^n - 1) with
     * one rounding.
     */
    static FloatVector expm1(FloatVector x) {
        FloatVector z = x.fma(LOG2E, SHIFT);
        FloatVector n = z.sub(SHIFT);
        FloatVector r = n.fma(FloatVector.broadcast(F, -LN2_HI), x);
        r = n.fma(FloatVector.broadcast(F, -LN2_LO), r);
        FloatVector p = expm1Poly(r);
        FloatVector scale = z.reinterpretAsInts().lanewise(VectorOperators.LSHL, 23).add(0x3f800000)
                .reinterpretAsFloats();
        return p.fma(scale, scale.sub(1f));
    }

    /** e^x - 1 for every float. */
    static FloatVector expm1Any(FloatVector x) {
        FloatVector xc = x.blend(-30f, x.compare(VectorOperators.LT, -30f));
        xc = xc.blend(20f, xc.compare(VectorOperators.GT, 20f));
        FloatVector r = expm1(xc);
        VectorMask<Float> big = x.compare(VectorOperators.GT, 20f);
        return big.anyTrue() ? r.blend(exp(x).sub(1f), big) : r;
    }

    private static FloatVector expm1Poly(FloatVector r) {
        FloatVector r2 = r.mul(r);
        FloatVector q = r.fma(E6, E5)
                .fma(r, FloatVector.broadcast(F, E4))
                .fma(r, FloatVector.broadcast(F, E3))
                .fma(r, FloatVector.broadcast(F, E2));
        return q.fma(r2, r);
    }

    /**
     * The careful path: the scale 2^n split in two normal factors so subnormal and near-overflow results round once.
     */
    private static FloatVector expSpecial(FloatVector x, FloatVector n, FloatVector p) {
        FloatVector nc = n.max(-160f).min(160f);
        IntVector ni = (IntVector) nc.convert(VectorOperators.F2I, 0);
        IntVector n1 = ni.lanewise(VectorOperators.ASHR, 1);
        IntVector n2 = ni.sub(n1);
        FloatVector s1 = n1.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        FloatVector s2 = n2.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        FloatVector res = p.fma(s1, s1).mul(s2);
        res = res.blend(Float.POSITIVE_INFINITY, x.compare(VectorOperators.GT, EXP_HI));
        return res.blend(0f, x.compare(VectorOperators.LT, EXP_LO));
    }

    // log: x = 2^k * m, m in [2/3, 4/3), r = m - 1, log(1+r) = r - r^2/2 + r^3 * Q(r).
    static final int TWO_THIRDS_BITS = 0x3f2aaaab;
    static final float L3 = 0.3333320617675781f;
    static final float L4 = -0.24999889731407166f;
    static final float L5 = 0.20010778307914734f;
    static final float L6 = -0.16676318645477295f;
    static final float L7 = 0.14000912010669708f;
    static final float L8 = -0.122418113052845f;
    static final float L9 = 0.14005275070667267f;
    static final float L10 = -0.1264292597770691f;

    /** Natural logarithm: NaN and negatives to NaN, ±0 to -Inf, +Inf to +Inf, subnormals exact. */
    static FloatVector log(FloatVector x) {
        IntVector bits = x.reinterpretAsInts();
        // not a positive normal finite number: negative, zero, subnormal, Inf or NaN
        VectorMask<Integer> special = bits.sub(0x00800000).compare(VectorOperators.UGE, 0x7f000000);
        if (special.anyTrue()) {
            return logSpecial(x);
        }
        return logCore(bits, 0);
    }

    private static FloatVector logCore(IntVector bits, int kAdjust) {
        IntVector u = bits.sub(TWO_THIRDS_BITS);
        IntVector k = u.lanewise(VectorOperators.ASHR, 23);
        FloatVector m = u.and(0x007fffff).add(TWO_THIRDS_BITS).reinterpretAsFloats();
        FloatVector kf = ((FloatVector) k.convert(VectorOperators.I2F, 0));
        return logFinish(m, kf);
    }

    private static FloatVector logFinish(FloatVector m, FloatVector kf) {
        FloatVector r = m.sub(1f);
        FloatVector r2 = r.mul(r);
        FloatVector q = r.fma(L10, L9)
                .fma(r, FloatVector.broadcast(F, L8))
                .fma(r, FloatVector.broadcast(F, L7))
                .fma(r, FloatVector.broadcast(F, L6))
                .fma(r, FloatVector.broadcast(F, L5))
                .fma(r, FloatVector.broadcast(F, L4))
                .fma(r, FloatVector.broadcast(F, L3));
        FloatVector t = q.fma(r, FloatVector.broadcast(F, -0.5f));
        FloatVector lo = t.fma(r2, kf.mul(LN2_LO));
        FloatVector hi = kf.fma(FloatVector.broadcast(F, LN2_HI), r);
        return hi.add(lo);
    }

    private static FloatVector logSpecial(FloatVector x) {
        VectorMask<Float> sub = x.compare(VectorOperators.LT, Float.MIN_NORMAL);
        FloatVector xs = x.blend(x.mul(8388608f), sub); // 2^23
        IntVector u = xs.reinterpretAsInts().sub(TWO_THIRDS_BITS);
        IntVector k = u.lanewise(VectorOperators.ASHR, 23);
        FloatVector m = u.and(0x007fffff).add(TWO_THIRDS_BITS).reinterpretAsFloats();
        FloatVector kf = ((FloatVector) k.convert(VectorOperators.I2F, 0));
        kf = kf.sub(FloatVector.zero(F).blend(23f, sub));
        FloatVector res = logFinish(m, kf);
        res = res.blend(Float.POSITIVE_INFINITY, x.compare(VectorOperators.EQ, Float.POSITIVE_INFINITY));
        res = res.blend(Float.NaN, x.compare(VectorOperators.LT, 0f));
        res = res.blend(Float.NEGATIVE_INFINITY, x.compare(VectorOperators.EQ, 0f));
        return res.blend(x, x.test(VectorOperators.IS_NAN));
    }

    /** log(1 + x) for x >= 0 (or NaN): log(u) with u = 1 + x rounded, corrected by (x - (u - 1)) / u. */
    static FloatVector log1pNonNeg(FloatVector x) {
        FloatVector u = x.add(1f);
        FloatVector c = x.sub(u.sub(1f)).div(u);
        return log(u).add(c);
    }

    /** log(1 + x) for x &gt;= -1 (or NaN); -Inf at -1. */
    static FloatVector log1p(FloatVector x) {
        FloatVector u = x.add(1f);
        FloatVector c = x.sub(u.sub(1f)).div(u);
        c = c.blend(0f, u.compare(VectorOperators.EQ, 0f));
        return log(u).add(c);
    }

    // tanh: |x| <= 0.625: x + x^3 * P(x^2); above: 1 - 2/(e^{2|x|} + 1) with the sign of x.
    static final float T3 = -0.3333328664302826f;
    static final float T5 = 0.13331513106822968f;
    static final float T7 = -0.053744662553071976f;
    static final float T9 = 0.020653141662478447f;
    static final float T11 = -0.005718979053199291f;
    static final float TANH_SMALL = 0.625f;
    /** tanh rounds to ±1 beyond this. */
    static final float TANH_SAT = 9.1f;

    /** Hyperbolic tangent: NaN to NaN, ±0 kept, ±Inf to ±1. */
    static FloatVector tanh(FloatVector x) {
        FloatVector ax = x.abs();
        FloatVector x2 = x.mul(x);
        FloatVector p = x2.fma(T11, T9)
                .fma(x2, FloatVector.broadcast(F, T7))
                .fma(x2, FloatVector.broadcast(F, T5))
                .fma(x2, FloatVector.broadcast(F, T3));
        FloatVector small = p.mul(x2).fma(x, x);
        VectorMask<Float> large = ax.compare(VectorOperators.GT, TANH_SMALL);
        FloatVector axc = ax.blend(TANH_SAT, ax.compare(VectorOperators.GT, TANH_SAT));
        FloatVector e = expSmall(axc.add(axc));
        FloatVector t = FloatVector.broadcast(F, 1f).sub(FloatVector.broadcast(F, 2f).div(e.add(1f)));
        FloatVector signed = t.reinterpretAsInts().or(x.reinterpretAsInts().and(0x80000000)).reinterpretAsFloats();
        // below 1e-4 tanh(x) rounds to x; the blend also keeps the sign of -0
        return small.blend(signed, large).blend(x, ax.compare(VectorOperators.LT, 1e-4f));
    }

    /**
     * Logistic sigmoid 1/(1+e^-x). With e^-x = (1+p)*2^n the denominator 1 + e^-x is formed by one fused multiply-add
     * (1 + 2^n is exact for the n that matter), so the error stays near 1 ulp. Vectors with a lane where e^-x leaves
     * the normal range (|x| &gt; 87) take {@link #sigmoidWide}, which keeps tiny results such as sigmoid(-100) exact.
     */
    static FloatVector sigmoid(FloatVector x) {
        FloatVector t = x.neg();
        FloatVector z = t.fma(FloatVector.broadcast(F, LOG2E), FloatVector.broadcast(F, SHIFT));
        FloatVector n = z.sub(SHIFT);
        FloatVector r = n.fma(FloatVector.broadcast(F, -LN2_HI), t);
        r = n.fma(FloatVector.broadcast(F, -LN2_LO), r);
        FloatVector p = expm1Poly(r);
        if (n.abs().compare(VectorOperators.GT, 126f).or(x.compare(VectorOperators.LT, -16f)).anyTrue()) {
            return sigmoidWide(x);
        }
        FloatVector scale = z.reinterpretAsInts().lanewise(VectorOperators.LSHL, 23).add(0x3f800000)
                .reinterpretAsFloats();
        return FloatVector.broadcast(F, 1f).div(p.fma(scale, scale.add(1f)));
    }

    /**
     * Sigmoid for vectors with a lane below -16 or a lane where e^-|x| leaves the normal range: with e = e^-|x|,
     * num/(1+e) as before, and e - e^2 below -16 (there 1 + e^-x no longer fits a float exactly, while e - e^2 is
     * sigmoid to within e^3, far below an ulp).
     */
    private static FloatVector sigmoidWide(FloatVector x) {
        FloatVector e = exp(x.abs().neg());
        VectorMask<Float> neg = x.compare(VectorOperators.LT, 0f);
        FloatVector num = FloatVector.broadcast(F, 1f).blend(e, neg);
        FloatVector r = num.div(e.add(1f));
        return r.blend(e.neg().fma(e, e), x.compare(VectorOperators.LT, -16f));
    }

    /** erfc(z) * exp(z^2) = t * R(t), t = 1/(1 + z/2), fitted on [0, 10.5] (relative error 1.6e-8). */
    static final float[] ERFCX = {0.2820911407470703f, 0.2821870446205139f, 0.2458782196044922f,
        0.1813684105873108f, 0.07090257108211517f, -0.004494958091527224f, 0.0442938432097435f,
        -0.3622373938560486f, 0.4318997859954834f, -0.21116231381893158f, 0.03927365317940712f};
    static final float INV_SQRT2 = 0.70710678118654752f;

    /**
     * The standard normal CDF Phi(x) = erfc(-x/sqrt 2)/2, relative error a few 1e-7 everywhere, one branch-free path:
     * erfc(|z|)/2 = exp(-z^2) * t * R(t) / 2 with t = 1/(1 + |z|/2) and z^2 = x^2/2 taken exactly as a2 + a2lo from
     * x (not from the rounded z); 1 minus that for x &gt; 0 (no cancellation: it is at most 1/2). Kept small so the
     * JIT inlines it into the activation loops.
     */
    static FloatVector phi(FloatVector x) {
        FloatVector ax = x.abs();
        FloatVector axc = ax.blend(14.8f, ax.compare(VectorOperators.GT, 14.8f));
        FloatVector sq = axc.mul(axc);
        FloatVector a2lo = axc.fma(axc, sq.neg()).mul(0.5f);
        FloatVector t = FloatVector.broadcast(F, 1f).div(axc.fma(0.5f * INV_SQRT2, 1f));
        FloatVector rr = t.fma(ERFCX[10], ERFCX[9])
                .fma(t, FloatVector.broadcast(F, ERFCX[8]))
                .fma(t, FloatVector.broadcast(F, ERFCX[7]))
                .fma(t, FloatVector.broadcast(F, ERFCX[6]))
                .fma(t, FloatVector.broadcast(F, ERFCX[5]))
                .fma(t, FloatVector.broadcast(F, ERFCX[4]))
                .fma(t, FloatVector.broadcast(F, ERFCX[3]))
                .fma(t, FloatVector.broadcast(F, ERFCX[2]))
                .fma(t, FloatVector.broadcast(F, ERFCX[1]))
                .fma(t, FloatVector.broadcast(F, ERFCX[0]))
                .mul(t);
        FloatVector ex = expNeg(sq.mul(-0.5f));
        FloatVector halfErfc = a2lo.neg().fma(ex, ex).mul(rr).mul(0.5f);
        return halfErfc.neg().add(1f).blend(halfErfc, x.compare(VectorOperators.LT, 0f));
    }

    static final float INV_SQRT_2PI = (float) (1 / Math.sqrt(2 * Math.PI));

    /**
     * The exact GELU's derivative d/dx x*Phi(x) = Phi(x) + x*pdf(x): {@link #phi}'s computation, with its
     * exp(-x^2/2) reused for the density, so there is one exp per vector (bitwise the same as a separate
     * {@code expNeg(-x*x/2)}: beyond |x| = 14.8, where phi clamps, both round to 0). One compiled unit: calling phi
     * and expNeg separately from a loop made C2 stop inlining and box the vectors.
     */
    static FloatVector geluGrad(FloatVector x) {
        FloatVector ax = x.abs();
        FloatVector axc = ax.blend(14.8f, ax.compare(VectorOperators.GT, 14.8f));
        FloatVector sq = axc.mul(axc);
        FloatVector a2lo = axc.fma(axc, sq.neg()).mul(0.5f);
        FloatVector t = FloatVector.broadcast(F, 1f).div(axc.fma(0.5f * INV_SQRT2, 1f));
        FloatVector rr = t.fma(ERFCX[10], ERFCX[9])
                .fma(t, FloatVector.broadcast(F, ERFCX[8]))
                .fma(t, FloatVector.broadcast(F, ERFCX[7]))
                .fma(t, FloatVector.broadcast(F, ERFCX[6]))
                .fma(t, FloatVector.broadcast(F, ERFCX[5]))
                .fma(t, FloatVector.broadcast(F, ERFCX[4]))
                .fma(t, FloatVector.broadcast(F, ERFCX[3]))
                .fma(t, FloatVector.broadcast(F, ERFCX[2]))
                .fma(t, FloatVector.broadcast(F, ERFCX[1]))
                .fma(t, FloatVector.broadcast(F, ERFCX[0]))
                .mul(t);
        FloatVector ex = expNeg(sq.mul(-0.5f));
        FloatVector halfErfc = a2lo.neg().fma(ex, ex).mul(rr).mul(0.5f);
        FloatVector cdf = halfErfc.neg().add(1f).blend(halfErfc, x.compare(VectorOperators.LT, 0f));
        return x.fma(ex.mul(INV_SQRT_2PI), cdf);
    }

    /**
     * e^x for x &lt;= 0 (or NaN) without a special path: the scale 2^n is built as 2^(n+64) and the result multiplied
     * by 2^-64 afterwards, so subnormal results round once; inputs below -110 give +0 like the exact result.
     */
    static FloatVector expNeg(FloatVector x0) {
        FloatVector x = x0.blend(-110f, x0.compare(VectorOperators.LT, -110f)); // e^-110 rounds to 0 as well
        FloatVector z = x.fma(FloatVector.broadcast(F, LOG2E), FloatVector.broadcast(F, SHIFT));
        FloatVector n = z.sub(SHIFT);
        FloatVector r = n.fma(FloatVector.broadcast(F, -LN2_HI), x);
        r = n.fma(FloatVector.broadcast(F, -LN2_LO), r);
        FloatVector p = expm1Poly(r);
        FloatVector scale = z.reinterpretAsInts().lanewise(VectorOperators.LSHL, 23).add(0x3f800000 + (64 << 23))
                .reinterpretAsFloats();
        return p.fma(scale, scale).mul(0x1p-64f);
    }
}
