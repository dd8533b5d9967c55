package org.simdcnn.kernels.simd;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.simdcnn.SimdCnn;
import org.simdcnn.kernels.ActivationFn;
import org.simdcnn.kernels.Activations;
import org.simdcnn.parallel.ThreadPool;

/**
 * Vector API activations. Every activation has its own loop: full vectors, then one masked vector for the
 * remainder (computed by the same vector code, so results do not depend on an element's position). Large arrays are
 * split into fixed chunks of {@link #CHUNK} elements run on the library pool; the chunking does not depend on the
 * thread count, and elementwise results would not depend on it anyway.
 *
 * <p>No helper of ours takes or returns a vector (C2 may refuse to inline one past its node budget, and then boxes
 * the vectors: an allocation per call). Transcendentals run as the passes of {@link SimdMathArrays} (bitwise
 * {@link SimdMath}'s functions): per block of {@link #BLOCK} elements, arithmetic into a per-thread staging array,
 * the pass, then arithmetic into the output; the loops themselves do arithmetic only.
 *
 * <p>Semantics follow the scalar reference (PyTorch 1.13's vectorised CPU kernels): ReLU keeps -0.0 and NaN; backward
 * reads the forward output for SIGMOID and TANH and the forward input otherwise.
 */
final class SimdActivations implements Activations {
    private static final VectorSpecies<Float> F = SimdBackend.F;
    private static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, F.vectorShape());
    private static final int L = F.length();
    /** Elements per parallel task (a multiple of every vector length). */
    static final int CHUNK = 1 << 16;
    /** sqrt(2/pi) and its product with 0.044715, doubled: GELU_TANH's 0.5(1+tanh(u)) = sigmoid(2u). */
    private static final float GT_K1 = (float) (2 * Math.sqrt(2 / Math.PI));
    private static final float GT_K3 = (float) (2 * Math.sqrt(2 / Math.PI) * 0.044715);

    @Override
    public void forward(ActivationFn f, float[] x, int xOff, float[] y, int yOff, int n) {
        ThreadPool pool = SimdCnn.pool();
        if (n >= 2 * CHUNK && pool.threads() > 1) {
            int tasks = (n + CHUNK - 1) / CHUNK;
            pool.run(tasks, t -> {
                int s = t * CHUNK;
                forwardRange(f, x, xOff + s, y, yOff + s, Math.min(CHUNK, n - s));
            });
        } else {
            forwardRange(f, x, xOff, y, yOff, n);
        }
    }

    @Override
    public void backward(ActivationFn f, float[] x, int xOff, float[] y, int yOff, float[] dy, int dyOff,
            float[] dx, int dxOff, int n) {
        ThreadPool pool = SimdCnn.pool();
        if (n >= 2 * CHUNK && pool.threads() > 1) {
            int tasks = (n + CHUNK - 1) / CHUNK;
            pool.run(tasks, t -> {
                int s = t * CHUNK;
                backwardRange(f, x, xOff + s, y, yOff + s, dy, dyOff + s, dx, dxOff + s, Math.min(CHUNK, n - s));
            });
        } else {
            backwardRange(f, x, xOff, y, yOff, dy, dyOff, dx, dxOff, n);
        }
    }

    static void forwardRange(ActivationFn f, float[] x, int xo, float[] y, int yo, int n) {
        float a = f.alpha();
        float b = f.beta();
        switch (f.kind()) {
            case RELU -> relu(x, xo, y, yo, n, a, b);
            case LEAKY_RELU -> leakyRelu(x, xo, y, yo, n, a, b);
            case ELU -> elu(x, xo, y, yo, n, a, b);
            case SIGMOID -> sigmoid(x, xo, y, yo, n, a, b);
            case TANH -> tanh(x, xo, y, yo, n, a, b);
            case GELU -> gelu(x, xo, y, yo, n, a, b);
            case GELU_TANH -> geluTanh(x, xo, y, yo, n, a, b);
            case SILU -> silu(x, xo, y, yo, n, a, b);
            case SOFTPLUS -> softplus(x, xo, y, yo, n, a, b);
            case HARDSWISH -> hardswish(x, xo, y, yo, n, a, b);
        }
    }

    static void backwardRange(ActivationFn f, float[] x, int xo, float[] y, int yo, float[] dy, int go,
            float[] dx, int dxo, int n) {
        float a = f.alpha();
        float b = f.beta();
        switch (f.kind()) {
            case RELU -> reluBackward(x, xo, y, yo, dy, go, dx, dxo, n, a, b);
            case LEAKY_RELU -> leakyReluBackward(x, xo, y, yo, dy, go, dx, dxo, n, a, b);
            case ELU -> eluBackward(x, xo, y, yo, dy, go, dx, dxo, n, a, b);
            case SIGMOID -> sigmoidBackward(x, xo, y, yo, dy, go, dx, dxo, n, a, b);
            case TANH -> tanhBackward(x, xo, y, yo, dy, go, dx, dxo, n, a, b);
            case GELU -> geluBackward(x, xo, y, yo, dy, go, dx, dxo, n, a, b);
            case GELU_TANH -> geluTanhBackward(x, xo, y, yo, dy, go, dx, dxo, n, a, b);
            case SILU -> siluBackward(x, xo, y, yo, dy, go, dx, dxo, n, a, b);
            case SOFTPLUS -> softplusBackward(x, xo, y, yo, dy, go, dx, dxo, n, a, b);
            case HARDSWISH -> hardswishBackward(x, xo, y, yo, dy, go, dx, dxo, n, a, b);
        }
    }

    static void relu(float[] x, int xo, float[] y, int yo, int n, float a, float b) {
        int i = 0;
        for (int ub = F.loopBound(n); i < ub; i += L) {
            FloatVector v = FloatVector.fromArray(F, x, xo + i);
            v.blend(0f, v.compare(VectorOperators.LT, 0f)).intoArray(y, yo + i);
        }
        if (i < n) {
            reluTail(x, xo + i, y, yo + i, n - i, a, b);
        }
    }

    /** The remainder (fewer than a vector's lanes), apart so the loop's compilation stays small. */
    private static void reluTail(float[] x, int xo, float[] y, int yo, int r, float a, float b) {
        VectorMask<Float> m = F.indexInRange(0, r);
        FloatVector v = FloatVector.fromArray(F, x, xo, m);
        v.blend(0f, v.compare(VectorOperators.LT, 0f)).intoArray(y, yo, m);
    }

    static void leakyRelu(float[] x, int xo, float[] y, int yo, int n, float a, float b) {
        int i = 0;
        if (a > 0f && a <= 1f) {
            // max(v, a·v) is the same value for 0 < a <= 1 (a·v >= v exactly when v <= 0, also for ±0, ±Inf,
            // subnormals and NaN) with one operation fewer than the compare and blend
            for (int ub = F.loopBound(n); i < ub; i += L) {
                FloatVector v = FloatVector.fromArray(F, x, xo + i);
                v.max(v.mul(a)).intoArray(y, yo + i);
            }
        }
        for (int ub = F.loopBound(n); i < ub; i += L) {
            FloatVector v = FloatVector.fromArray(F, x, xo + i);
            v.mul(a).blend(v, v.compare(VectorOperators.GT, 0f)).intoArray(y, yo + i);
        }
        if (i < n) {
            leakyReluTail(x, xo + i, y, yo + i, n - i, a, b);
        }
    }

    /** The remainder (fewer than a vector's lanes), apart so the loop's compilation stays small. */
    private static void leakyReluTail(float[] x, int xo, float[] y, int yo, int r, float a, float b) {
        VectorMask<Float> m = F.indexInRange(0, r);
        FloatVector v = FloatVector.fromArray(F, x, xo, m);
        v.mul(a).blend(v, v.compare(VectorOperators.GT, 0f)).intoArray(y, yo, m);
    }

    /** The ELU pass (no vector crosses a helper call, see {@link SimdMathArrays}). */
    static void elu(float[] x, int xo, float[] y, int yo, int n, float a, float b) {
        SimdMathArrays.elu(x, xo, y, yo, n, a);
    }

    /** The sigmoid pass (no vector crosses a helper call, see {@link SimdMathArrays}). */
    static void sigmoid(float[] x, int xo, float[] y, int yo, int n, float a, float b) {
        SimdMathArrays.sigmoid(x, xo, y, yo, n);
    }

    /** Per-thread staging of the last vectors of x and dy (one-loop backward kernels). */
    private static final ThreadLocal<float[]> TAILS = ThreadLocal.withInitial(() -> new float[2 * L]);

    /**
     * The last {@code n % L} elements of x and of dy into the per-thread tails at 0 and L, zero padded (what masked
     * loads give); null when n is a multiple of L.
     */
    private static float[] stageTails(float[] x, int xo, float[] dy, int go, int n) {
        int r = n % L;
        if (r == 0) {
            return null;
        }
        float[] t = TAILS.get();
        for (int k = 0; k < L; k++) {
            t[k] = k < r ? x[xo + n - r + k] : 0f;
            t[L + k] = k < r ? dy[go + n - r + k] : 0f;
        }
        return t;
    }

    /** Elements per block of the staged activations (a multiple of every vector length). */
    private static final int BLOCK = 1024;
    /** Per-thread staging of the activations run as passes: two blocks. */
    private static final ThreadLocal<float[]> STAGE = ThreadLocal.withInitial(() -> new float[2 * BLOCK]);

    /** The tanh pass (no vector crosses a helper call, see {@link SimdMathArrays}). */
    static void tanh(float[] x, int xo, float[] y, int yo, int n, float a, float b) {
        SimdMathArrays.tanh(x, xo, y, yo, n);
    }

    /** The exact GELU x*Phi(x) as one pass (see {@link SimdMathArrays}). */
    static void gelu(float[] x, int xo, float[] y, int yo, int n, float a, float b) {
        SimdMathArrays.phi(x, xo, y, yo, n, SimdMathArrays.GELU);
    }

    /**
     * x * sigmoid(2u), u = sqrt(2/pi)(x + 0.044715 x^3), branch-free (no wide sigmoid path) as one pass (see
     * {@link SimdMathArrays#geluTanh}); x = -Inf gives NaN, +Inf gives +Inf, as PyTorch.
     */
    static void geluTanh(float[] x, int xo, float[] y, int yo, int n, float a, float b) {
        SimdMathArrays.geluTanh(x, xo, y, yo, n, GT_K1, GT_K3);
    }

    /** x * sigmoid(x) as one pass (see {@link SimdMathArrays}). */
    static void silu(float[] x, int xo, float[] y, int yo, int n, float a, float b) {
        SimdMathArrays.sigmoid(x, xo, y, yo, n, true);
    }

    /**
     * PyTorch: x if beta*x &gt; threshold, else log(1 + e^(beta*x))/beta, here max(z,0) + log1p(e^-|z|) with
     * z = beta*x and its rounding error zlo folded back into both terms. Per block of the input staged (zero
     * padded to whole vectors, as a masked load): -|z|, the exp pass, the zlo correction, the log1p pass, the
     * result; the loops do arithmetic only (no vector crosses a helper call, see {@link SimdMathArrays}).
     */
    static void softplus(float[] x, int xo, float[] y, int yo, int n, float beta, float threshold) {
        float[] st = STAGE.get();
        FloatVector bv = FloatVector.broadcast(F, beta);
        for (int b0 = 0; b0 < n; b0 += BLOCK) {
            int len = Math.min(BLOCK, n - b0);
            int lenV = (len + L - 1) / L * L;
            System.arraycopy(x, xo + b0, st, BLOCK, len);
            for (int k = len; k < lenV; k++) {
                st[BLOCK + k] = 0f;
            }
            for (int i = 0; i < lenV; i += L) {
                FloatVector.fromArray(F, st, BLOCK + i).mul(beta).abs().neg().intoArray(st, i);
            }
            SimdMathArrays.exp(st, 0, st, 0, lenV);
            for (int i = 0; i < lenV; i += L) {
                FloatVector v = FloatVector.fromArray(F, st, BLOCK + i);
                FloatVector z = v.mul(beta);
                FloatVector zlo = v.fma(bv, z.neg());
                zlo = zlo.blend(0f, z.test(VectorOperators.IS_INFINITE).or(zlo.test(VectorOperators.IS_NAN)));
                VectorMask<Float> neg = z.compare(VectorOperators.LT, 0f);
                FloatVector e = FloatVector.fromArray(F, st, i);
                e.fma(zlo.blend(zlo.neg(), neg).neg(), e).intoArray(st, i);
            }
            SimdMathArrays.log1pNonNeg(st, 0, st, 0, lenV);
            for (int i = 0; i < lenV; i += L) {
                FloatVector v = FloatVector.fromArray(F, st, BLOCK + i);
                FloatVector z = v.mul(beta);
                FloatVector zlo = v.fma(bv, z.neg());
                zlo = zlo.blend(0f, z.test(VectorOperators.IS_INFINITE).or(zlo.test(VectorOperators.IS_NAN)));
                VectorMask<Float> neg = z.compare(VectorOperators.LT, 0f);
                FloatVector pos = z.add(zlo).blend(0f, neg);
                FloatVector s1 = pos.add(FloatVector.fromArray(F, st, i)).div(beta);
                s1.blend(v, z.compare(VectorOperators.GT, threshold)).intoArray(st, i);
            }
            System.arraycopy(st, 0, y, yo + b0, len);
        }
    }

    /** x * min(max(x + 3, 0), 6) / 6 (NaN propagates); t/6 first: x*6 would overflow near the float maximum. */
    static void hardswish(float[] x, int xo, float[] y, int yo, int n, float a, float b) {
        int i = 0;
        for (int ub = F.loopBound(n); i < ub; i += L) {
            FloatVector v = FloatVector.fromArray(F, x, xo + i);
            FloatVector t = v.add(3f);
            t = t.blend(0f, t.compare(VectorOperators.LT, 0f));
            t = t.blend(6f, t.compare(VectorOperators.GT, 6f));
            v.mul(t.div(6f)).intoArray(y, yo + i);
        }
        if (i < n) {
            VectorMask<Float> m = F.indexInRange(0, n - i);
            FloatVector v = FloatVector.fromArray(F, x, xo + i, m);
            FloatVector t = v.add(3f);
            t = t.blend(0f, t.compare(VectorOperators.LT, 0f));
            t = t.blend(6f, t.compare(VectorOperators.GT, 6f));
            v.mul(t.div(6f)).intoArray(y, yo + i, m);
        }
    }

    static void reluBackward(float[] x, int xo, float[] y, int yo, float[] dy, int go, float[] dx, int dxo,
            int n, float a, float b) {
        int i = 0;
        for (int ub = F.loopBound(n); i < ub; i += L) {
            FloatVector v = FloatVector.fromArray(F, x, xo + i);
            FloatVector g = FloatVector.fromArray(F, dy, go + i);
            g.blend(0f, v.compare(VectorOperators.LE, 0f)).intoArray(dx, dxo + i);
        }
        if (i < n) {
            reluBackwardTail(x, xo + i, y, yo + i, dy, go + i, dx, dxo + i, n - i, a, b);
        }
    }

    private static void reluBackwardTail(float[] x, int xo, float[] y, int yo, float[] dy, int go, float[] dx,
            int dxo, int r, float a, float b) {
        VectorMask<Float> m = F.indexInRange(0, r);
        int i = 0;
        FloatVector v = FloatVector.fromArray(F, x, xo + i, m);
        FloatVector g = FloatVector.fromArray(F, dy, go, m);
        g.blend(0f, v.compare(VectorOperators.LE, 0f)).intoArray(dx, dxo, m);
    }

    static void leakyReluBackward(float[] x, int xo, float[] y, int yo, float[] dy, int go, float[] dx, int dxo,
            int n, float a, float b) {
        int i = 0;
        for (int ub = F.loopBound(n); i < ub; i += L) {
            FloatVector v = FloatVector.fromArray(F, x, xo + i);
            FloatVector g = FloatVector.fromArray(F, dy, go + i);
            g.mul(a).blend(g, v.compare(VectorOperators.GT, 0f)).intoArray(dx, dxo + i);
        }
        if (i < n) {
            leakyReluBackwardTail(x, xo + i, y, yo + i, dy, go + i, dx, dxo + i, n - i, a, b);
        }
    }

    private static void leakyReluBackwardTail(float[] x, int xo, float[] y, int yo, float[] dy, int go, float[] dx,
            int dxo, int r, float a, float b) {
        VectorMask<Float> m = F.indexInRange(0, r);
        int i = 0;
        FloatVector v = FloatVector.fromArray(F, x, xo + i, m);
        FloatVector g = FloatVector.fromArray(F, dy, go, m);
        g.mul(a).blend(g, v.compare(VectorOperators.GT, 0f)).intoArray(dx, dxo, m);
    }

    /** dy * alpha * e^x for x &lt;= 0, dy above: per block, the exp pass into the staging, then arithmetic only. */
    /**
     * dy for x &gt; 0, dy*alpha*e^x otherwise, as one loop with e^x spelled out ({@link SimdMath#expNeg} on
     * min(x, 0), bitwise {@code exp(x)} there; the lanes x &gt; 0 are blended away); the last {@code n % L}
     * elements run the same loop over a zero-padded staged vector.
     */
    static void eluBackward(float[] x, int xo, float[] y, int yo, float[] dy, int go, float[] dx, int dxo,
            int n, float a, float b) {
        int full = n - n % L;
        eluBackwardFull(x, xo, dy, go, dx, dxo, full, a);
        float[] t = stageTails(x, xo, dy, go, n);
        if (t != null) {
            eluBackwardFull(t, 0, t, L, t, 0, L, a);
            System.arraycopy(t, 0, dx, dxo + full, n - full);
        }
    }

    /** The loop of {@link #eluBackward} over {@code n} elements, a multiple of L. */
    private static void eluBackwardFull(float[] x, int xo, float[] dy, int go, float[] dx, int dxo, int n,
            float alpha) {
        for (int i = 0; i < n; i += L) {
            FloatVector v = FloatVector.fromArray(F, x, xo + i);
            FloatVector g = FloatVector.fromArray(F, dy, go + i);
            FloatVector a0 = v.min(0f);
            FloatVector av = a0.blend(-110f, a0.compare(VectorOperators.LT, -110f));
            FloatVector z = av.fma(FloatVector.broadcast(F, SimdMath.LOG2E), FloatVector.broadcast(F, SimdMath.SHIFT));
            FloatVector nf = z.sub(SimdMath.SHIFT);
            FloatVector r = nf.fma(FloatVector.broadcast(F, -SimdMath.LN2_HI), av);
            r = nf.fma(FloatVector.broadcast(F, -SimdMath.LN2_LO), r);
            FloatVector r2 = r.mul(r);
            FloatVector p = r.fma(SimdMath.E6, SimdMath.E5)
                    .fma(r, FloatVector.broadcast(F, SimdMath.E4))
                    .fma(r, FloatVector.broadcast(F, SimdMath.E3))
                    .fma(r, FloatVector.broadcast(F, SimdMath.E2))
                    .fma(r2, r);
            FloatVector scale = z.reinterpretAsInts().lanewise(VectorOperators.LSHL, 23).add(0x3f800000 + (64 << 23))
                    .reinterpretAsFloats();
            FloatVector e = p.fma(scale, scale).mul(0x1p-64f); // SimdMath.expNeg, spelled out
            g.mul(alpha).mul(e).blend(g, v.compare(VectorOperators.GT, 0f)).intoArray(dx, dxo + i);
        }
    }

    static void sigmoidBackward(float[] x, int xo, float[] y, int yo, float[] dy, int go, float[] dx, int dxo,
            int n, float a, float b) {
        int i = 0;
        for (int ub = F.loopBound(n); i < ub; i += L) {
            FloatVector w = FloatVector.fromArray(F, y, yo + i);
            FloatVector g = FloatVector.fromArray(F, dy, go + i);
            g.mul(w.neg().add(1f)).mul(w).intoArray(dx, dxo + i);
        }
        if (i < n) {
            sigmoidBackwardTail(x, xo + i, y, yo + i, dy, go + i, dx, dxo + i, n - i, a, b);
        }
    }

    private static void sigmoidBackwardTail(float[] x, int xo, float[] y, int yo, float[] dy, int go, float[] dx,
            int dxo, int r, float a, float b) {
        VectorMask<Float> m = F.indexInRange(0, r);
        int i = 0;
        FloatVector w = FloatVector.fromArray(F, y, yo + i, m);
        FloatVector g = FloatVector.fromArray(F, dy, go, m);
        g.mul(w.neg().add(1f)).mul(w).intoArray(dx, dxo, m);
    }

    static void tanhBackward(float[] x, int xo, float[] y, int yo, float[] dy, int go, float[] dx, int dxo,
            int n, float a, float b) {
        int i = 0;
        for (int ub = F.loopBound(n); i < ub; i += L) {
            FloatVector w = FloatVector.fromArray(F, y, yo + i);
            FloatVector g = FloatVector.fromArray(F, dy, go + i);
            g.mul(w.neg().fma(w, FloatVector.broadcast(F, 1f))).intoArray(dx, dxo + i);
        }
        if (i < n) {
            tanhBackwardTail(x, xo + i, y, yo + i, dy, go + i, dx, dxo + i, n - i, a, b);
        }
    }

    private static void tanhBackwardTail(float[] x, int xo, float[] y, int yo, float[] dy, int go, float[] dx,
            int dxo, int r, float a, float b) {
        VectorMask<Float> m = F.indexInRange(0, r);
        int i = 0;
        FloatVector w = FloatVector.fromArray(F, y, yo + i, m);
        FloatVector g = FloatVector.fromArray(F, dy, go, m);
        g.mul(w.neg().fma(w, FloatVector.broadcast(F, 1f))).intoArray(dx, dxo, m);
    }

    /** dy * (Phi(x) + x*pdf(x)): the GELU-gradient pass into the staging, then the product. */
    static void geluBackward(float[] x, int xo, float[] y, int yo, float[] dy, int go, float[] dx, int dxo,
            int n, float a, float b) {
        float[] st = STAGE.get();
        for (int b0 = 0; b0 < n; b0 += BLOCK) {
            int len = Math.min(BLOCK, n - b0);
            int ub = F.loopBound(len);
            int i = 0;
            SimdMathArrays.phi(x, xo + b0, st, 0, len, SimdMathArrays.GELU_GRAD);
            for (; i < ub; i += L) {
                FloatVector v = FloatVector.fromArray(F, x, xo + b0 + i);
                FloatVector g = FloatVector.fromArray(F, dy, go + b0 + i);
                FloatVector w = FloatVector.fromArray(F, st, i);
                FloatVector r = g.mul(w);
                r.intoArray(dx, dxo + b0 + i);
            }
            if (i < len) {
                VectorMask<Float> m = F.indexInRange(0, len - i);
                FloatVector v = FloatVector.fromArray(F, x, xo + b0 + i, m);
                FloatVector g = FloatVector.fromArray(F, dy, go + b0 + i, m);
                FloatVector w = FloatVector.fromArray(F, st, i);
                FloatVector r = g.mul(w);
                r.intoArray(dx, dxo + b0 + i, m);
            }
        }
    }

    /**
     * With s = sigmoid(2u): dy * (s + 2x*s*(1-s)*u'), s and 1-s from e = exp(-|2u|) without cancellation; |x| capped
     * at 1e4 in the product term (where s*(1-s) is 0 anyway); ±Inf gives NaN as PyTorch. One loop as
     * {@link #siluBackward}.
     */
    static void geluTanhBackward(float[] x, int xo, float[] y, int yo, float[] dy, int go, float[] dx, int dxo,
            int n, float a, float b) {
        int full = n - n % L;
        geluTanhBackwardFull(x, xo, dy, go, dx, dxo, full);
        float[] t = stageTails(x, xo, dy, go, n);
        if (t != null) { // the last n % L elements of x and dy as zero-padded vectors, by the same loop
            geluTanhBackwardFull(t, 0, t, L, t, 0, L);
            System.arraycopy(t, 0, dx, dxo + full, n - full);
        }
    }

    /** The loop of {@link #geluTanhBackward} over {@code n} elements, a multiple of L. */
    private static void geluTanhBackwardFull(float[] x, int xo, float[] dy, int go, float[] dx, int dxo, int n) {
        for (int i = 0; i < n; i += L) {
            FloatVector v = FloatVector.fromArray(F, x, xo + i);
            FloatVector g = FloatVector.fromArray(F, dy, go + i);
            FloatVector vc = v.blend(1e4f, v.compare(VectorOperators.GT, 1e4f));
            vc = vc.blend(-1e4f, vc.compare(VectorOperators.LT, -1e4f));
            FloatVector x2 = vc.mul(vc);
            FloatVector u2 = x2.fma(GT_K3, GT_K1).mul(vc);
            FloatVector a0 = u2.abs().neg();
            FloatVector av = a0.blend(-110f, a0.compare(VectorOperators.LT, -110f));
            FloatVector z = av.fma(FloatVector.broadcast(F, SimdMath.LOG2E), FloatVector.broadcast(F, SimdMath.SHIFT));
            FloatVector nf = z.sub(SimdMath.SHIFT);
            FloatVector r = nf.fma(FloatVector.broadcast(F, -SimdMath.LN2_HI), av);
            r = nf.fma(FloatVector.broadcast(F, -SimdMath.LN2_LO), r);
            FloatVector r2 = r.mul(r);
            FloatVector p = r.fma(SimdMath.E6, SimdMath.E5)
                    .fma(r, FloatVector.broadcast(F, SimdMath.E4))
                    .fma(r, FloatVector.broadcast(F, SimdMath.E3))
                    .fma(r, FloatVector.broadcast(F, SimdMath.E2))
                    .fma(r2, r);
            FloatVector scale = z.reinterpretAsInts().lanewise(VectorOperators.LSHL, 23).add(0x3f800000 + (64 << 23))
                    .reinterpretAsFloats();
            FloatVector e = p.fma(scale, scale).mul(0x1p-64f); // SimdMath.expNeg, spelled out
            FloatVector d = FloatVector.broadcast(F, 1f).div(e.add(1f));
            FloatVector ed = e.mul(d);
            FloatVector s = d.blend(ed, u2.compare(VectorOperators.LT, 0f));
            FloatVector du2 = x2.fma(3 * GT_K3, GT_K1); // 2u'
            FloatVector res = g.mul(vc.mul(d).mul(ed).mul(du2).add(s).add(v.sub(v)));
            res.intoArray(dx, dxo + i);
        }
    }

    /**
     * dy * s*(1 + x*(1-s)), s and 1-s from e = exp(-|x|) (no cancellation in 1-s). One loop, exp spelled out (no
     * vector crosses a helper call, see {@link SimdMathArrays}); the last {@code n % L} elements as one vector staged
     * with zero padding (what a masked load gives).
     */
    static void siluBackward(float[] x, int xo, float[] y, int yo, float[] dy, int go, float[] dx, int dxo,
            int n, float a, float b) {
        int full = n - n % L;
        siluBackwardFull(x, xo, dy, go, dx, dxo, full);
        float[] t = stageTails(x, xo, dy, go, n);
        if (t != null) { // the last n % L elements of x and dy as zero-padded vectors, by the same loop
            siluBackwardFull(t, 0, t, L, t, 0, L);
            System.arraycopy(t, 0, dx, dxo + full, n - full);
        }
    }

    /** The loop of {@link #siluBackward} over {@code n} elements, a multiple of L. */
    private static void siluBackwardFull(float[] x, int xo, float[] dy, int go, float[] dx, int dxo, int n) {
        for (int i = 0; i < n; i += L) {
            FloatVector v = FloatVector.fromArray(F, x, xo + i);
            FloatVector g = FloatVector.fromArray(F, dy, go + i);
            FloatVector a0 = v.abs().neg();
            FloatVector av = a0.blend(-110f, a0.compare(VectorOperators.LT, -110f));
            FloatVector z = av.fma(FloatVector.broadcast(F, SimdMath.LOG2E), FloatVector.broadcast(F, SimdMath.SHIFT));
            FloatVector nf = z.sub(SimdMath.SHIFT);
            FloatVector r = nf.fma(FloatVector.broadcast(F, -SimdMath.LN2_HI), av);
            r = nf.fma(FloatVector.broadcast(F, -SimdMath.LN2_LO), r);
            FloatVector r2 = r.mul(r);
            FloatVector p = r.fma(SimdMath.E6, SimdMath.E5)
                    .fma(r, FloatVector.broadcast(F, SimdMath.E4))
                    .fma(r, FloatVector.broadcast(F, SimdMath.E3))
                    .fma(r, FloatVector.broadcast(F, SimdMath.E2))
                    .fma(r2, r);
            FloatVector scale = z.reinterpretAsInts().lanewise(VectorOperators.LSHL, 23).add(0x3f800000 + (64 << 23))
                    .reinterpretAsFloats();
            FloatVector e = p.fma(scale, scale).mul(0x1p-64f); // SimdMath.expNeg, spelled out
            FloatVector d = FloatVector.broadcast(F, 1f).div(e.add(1f));
            FloatVector ed = e.mul(d);
            VectorMask<Float> neg = v.compare(VectorOperators.LT, 0f);
            FloatVector s = d.blend(ed, neg);
            FloatVector oneMinus = ed.blend(d, neg);
            FloatVector res = g.mul(s.mul(v.fma(oneMinus, FloatVector.broadcast(F, 1f))));
            res.intoArray(dx, dxo + i);
        }
    }

    /**
     * dy * sigmoid(beta*x) (dy where beta*x &gt; threshold), the rounding error zlo of z = beta*x folded in to first
     * order: per block, z staged, the sigmoid pass, then arithmetic only (see {@link SimdMathArrays}).
     */
    static void softplusBackward(float[] x, int xo, float[] y, int yo, float[] dy, int go, float[] dx, int dxo,
            int n, float beta, float threshold) {
        float[] st = STAGE.get();
        FloatVector bv = FloatVector.broadcast(F, beta);
        for (int b0 = 0; b0 < n; b0 += BLOCK) {
            int len = Math.min(BLOCK, n - b0);
            int ub = F.loopBound(len);
            int i = 0;
            for (; i < ub; i += L) {
                FloatVector.fromArray(F, x, xo + b0 + i).mul(beta).intoArray(st, i);
            }
            if (i < len) {
                VectorMask<Float> m = F.indexInRange(0, len - i);
                FloatVector.fromArray(F, x, xo + b0 + i, m).mul(beta).intoArray(st, i, m);
            }
            SimdMathArrays.sigmoid(st, 0, st, 0, len);
            for (i = 0; i < ub; i += L) {
                FloatVector v = FloatVector.fromArray(F, x, xo + b0 + i);
                FloatVector g = FloatVector.fromArray(F, dy, go + b0 + i);
                FloatVector z = v.mul(beta);
                FloatVector zlo = v.fma(bv, z.neg());
                zlo = zlo.blend(0f, z.test(VectorOperators.IS_INFINITE).or(zlo.test(VectorOperators.IS_NAN)));
                FloatVector sg = FloatVector.fromArray(F, st, i);
                sg = sg.mul(sg.neg().add(1f)).fma(zlo, sg); // sigmoid(z + zlo) to first order
                FloatVector d = g.mul(sg).blend(g, z.compare(VectorOperators.GT, threshold));
                d.intoArray(dx, dxo + b0 + i);
            }
            if (i < len) {
                VectorMask<Float> m = F.indexInRange(0, len - i);
                FloatVector v = FloatVector.fromArray(F, x, xo + b0 + i, m);
                FloatVector g = FloatVector.fromArray(F, dy, go + b0 + i, m);
                FloatVector z = v.mul(beta);
                FloatVector zlo = v.fma(bv, z.neg());
                zlo = zlo.blend(0f, z.test(VectorOperators.IS_INFINITE).or(zlo.test(VectorOperators.IS_NAN)));
                FloatVector sg = FloatVector.fromArray(F, st, i);
                sg = sg.mul(sg.neg().add(1f)).fma(zlo, sg); // sigmoid(z + zlo) to first order
                FloatVector d = g.mul(sg).blend(g, z.compare(VectorOperators.GT, threshold));
                d.intoArray(dx, dxo + b0 + i, m);
            }
        }
    }

    /** PyTorch's vectorised kernel: 0 below -3, dy from 3 on, dy*(x/3 + 1/2) between; NaN stays NaN. */
    static void hardswishBackward(float[] x, int xo, float[] y, int yo, float[] dy, int go, float[] dx, int dxo,
            int n, float a, float b) {
        int i = 0;
        for (int ub = F.loopBound(n); i < ub; i += L) {
            FloatVector v = FloatVector.fromArray(F, x, xo + i);
            FloatVector g = FloatVector.fromArray(F, dy, go + i);
            FloatVector mid = g.mul(v.div(3f).add(0.5f));
            mid.blend(g, v.compare(VectorOperators.GE, 3f)).blend(0f, v.compare(VectorOperators.LT, -3f))
                    .intoArray(dx, dxo + i);
        }
        if (i < n) {
            VectorMask<Float> m = F.indexInRange(0, n - i);
            FloatVector v = FloatVector.fromArray(F, x, xo + i, m);
            FloatVector g = FloatVector.fromArray(F, dy, go + i, m);
            FloatVector mid = g.mul(v.div(3f).add(0.5f));
            mid.blend(g, v.compare(VectorOperators.GE, 3f)).blend(0f, v.compare(VectorOperators.LT, -3f))
                    .intoArray(dx, dxo + i, m);
        }
    }

    @Override
    public void maxoutForward(int batch, int channels, int pieces, int spatial, float[] x, int xOff, float[] y,
            int yOff, int[] argmax, int amOff) {
        // full vectors, then a scalar tail: no tail masks and no mask casts (C2 on JDK 25.0.3 aborted the JVM in
        // loops of that kind elsewhere)
        int ub = F.loopBound(spatial);
        for (int bc = 0; bc < batch * channels; bc++) {
            int in = xOff + bc * pieces * spatial;
            int out = yOff + bc * spatial;
            int am = amOff + bc * spatial;
            for (int i = 0; i < ub; i += L) {
                maxoutVector(pieces, spatial, x, in + i, y, out + i, argmax, am + i);
            }
            for (int i = ub; i < spatial; i++) {
                float best = x[in + i];
                int bi = 0;
                for (int p = 1; p < pieces; p++) {
                    float v = x[in + p * spatial + i];
                    if (v > best || (v != v && best == best)) {
                        best = v;
                        bi = p;
                    }
                }
                y[out + i] = best;
                if (argmax != null) {
                    argmax[am + i] = bi;
                }
            }
        }
    }

    private static void maxoutVector(int pieces, int spatial, float[] x, int in, float[] y, int out, int[] argmax,
            int am) {
        FloatVector best = FloatVector.fromArray(F, x, in);
        FloatVector idx = FloatVector.zero(F); // the winning piece as a float (exact), converted once at the end
        for (int p = 1; p < pieces; p++) {
            FloatVector v = FloatVector.fromArray(F, x, in + p * spatial);
            // strictly greater keeps the first maximum; a NaN wins over numbers (and the first NaN stays)
            VectorMask<Float> win = v.compare(VectorOperators.GT, best)
                    .or(v.test(VectorOperators.IS_NAN).andNot(best.test(VectorOperators.IS_NAN)));
            best = best.blend(v, win);
            idx = idx.blend((float) p, win);
        }
        best.intoArray(y, out);
        if (argmax != null) {
            ((IntVector) idx.convert(VectorOperators.F2I, 0)).intoArray(argmax, am);
        }
    }

    @Override
    public void maxoutBackward(int batch, int channels, int pieces, int spatial, float[] dy, int dyOff, int[] argmax,
            int amOff, float[] dx, int dxOff) {
        int ub = F.loopBound(spatial);
        for (int bc = 0; bc < batch * channels; bc++) {
            int g = dyOff + bc * spatial;
            int am = amOff + bc * spatial;
            int out = dxOff + bc * pieces * spatial;
            for (int p = 0; p < pieces; p++) {
                int o = out + p * spatial;
                for (int i = 0; i < ub; i += L) {
                    // the blend on the int view (+0f is all-zero bits): no float/int mask cast
                    IntVector d = FloatVector.fromArray(F, dy, g + i).reinterpretAsInts();
                    IntVector a = IntVector.fromArray(I, argmax, am + i);
                    d.blend(0, a.compare(VectorOperators.NE, p)).reinterpretAsFloats().intoArray(dx, o + i);
                }
                for (int i = ub; i < spatial; i++) {
                    dx[o + i] = argmax[am + i] == p ? dy[g + i] : 0f;
                }
            }
        }
    }
}
