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
 * Vector API activations. Every activation has its own loop (so the JIT inlines its body): full vectors, then one
 * masked vector for the remainder (outside the hot loop, computed by the same vector code, so results do not
 * depend on an element's position). Large arrays are split into fixed chunks of {@link #CHUNK} elements run on
 * the library pool; the chunking does not depend on the thread count, and elementwise results would not depend
 * on it anyway. Transcendentals come from {@link SimdMath}.
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

    static void elu(float[] x, int xo, float[] y, int yo, int n, float a, float b) {
        int i = 0;
        for (int ub = F.loopBound(n); i < ub; i += L) {
            FloatVector v = FloatVector.fromArray(F, x, xo + i);
            elu(v, a).intoArray(y, yo + i);
        }
        if (i < n) {
            eluTail(x, xo + i, y, yo + i, n - i, a, b);
        }
    }

    /** The remainder (fewer than a vector's lanes), apart so the loop's compilation stays small. */
    private static void eluTail(float[] x, int xo, float[] y, int yo, int r, float a, float b) {
        VectorMask<Float> m = F.indexInRange(0, r);
        FloatVector v = FloatVector.fromArray(F, x, xo, m);
        elu(v, a).intoArray(y, yo, m);
    }

    static void sigmoid(float[] x, int xo, float[] y, int yo, int n, float a, float b) {
        int i = 0;
        for (int ub = F.loopBound(n); i < ub; i += L) {
            FloatVector v = FloatVector.fromArray(F, x, xo + i);
            SimdMath.sigmoid(v).intoArray(y, yo + i);
        }
        if (i < n) {
            sigmoidTail(x, xo + i, y, yo + i, n - i, a, b);
        }
    }

    /** The remainder (fewer than a vector's lanes), apart so the loop's compilation stays small. */
    private static void sigmoidTail(float[] x, int xo, float[] y, int yo, int r, float a, float b) {
        VectorMask<Float> m = F.indexInRange(0, r);
        FloatVector v = FloatVector.fromArray(F, x, xo, m);
        SimdMath.sigmoid(v).intoArray(y, yo, m);
    }

    static void tanh(float[] x, int xo, float[] y, int yo, int n, float a, float b) {
        int i = 0;
        for (int ub = F.loopBound(n); i < ub; i += L) {
            FloatVector v = FloatVector.fromArray(F, x, xo + i);
            SimdMath.tanh(v).intoArray(y, yo + i);
        }
        if (i < n) {
            tanhTail(x, xo + i, y, yo + i, n - i, a, b);
        }
    }

    /** The remainder (fewer than a vector's lanes), apart so the loop's compilation stays small. */
    private static void tanhTail(float[] x, int xo, float[] y, int yo, int r, float a, float b) {
        VectorMask<Float> m = F.indexInRange(0, r);
        FloatVector v = FloatVector.fromArray(F, x, xo, m);
        SimdMath.tanh(v).intoArray(y, yo, m);
    }

    static void gelu(float[] x, int xo, float[] y, int yo, int n, float a, float b) {
        int i = 0;
        for (int ub = F.loopBound(n); i < ub; i += L) {
            FloatVector v = FloatVector.fromArray(F, x, xo + i);
            v.mul(SimdMath.phi(v)).intoArray(y, yo + i);
        }
        if (i < n) {
            geluTail(x, xo + i, y, yo + i, n - i, a, b);
        }
    }

    /** The remainder (fewer than a vector's lanes), apart so the loop's compilation stays small. */
    private static void geluTail(float[] x, int xo, float[] y, int yo, int r, float a, float b) {
        VectorMask<Float> m = F.indexInRange(0, r);
        FloatVector v = FloatVector.fromArray(F, x, xo, m);
        v.mul(SimdMath.phi(v)).intoArray(y, yo, m);
    }

    static void geluTanh(float[] x, int xo, float[] y, int yo, int n, float a, float b) {
        int i = 0;
        for (int ub = F.loopBound(n); i < ub; i += L) {
            FloatVector v = FloatVector.fromArray(F, x, xo + i);
            geluTanh(v).intoArray(y, yo + i);
        }
        if (i < n) {
            geluTanhTail(x, xo + i, y, yo + i, n - i, a, b);
        }
    }

    /** The remainder (fewer than a vector's lanes), apart so the loop's compilation stays small. */
    private static void geluTanhTail(float[] x, int xo, float[] y, int yo, int r, float a, float b) {
        VectorMask<Float> m = F.indexInRange(0, r);
        FloatVector v = FloatVector.fromArray(F, x, xo, m);
        geluTanh(v).intoArray(y, yo, m);
    }

    static void silu(float[] x, int xo, float[] y, int yo, int n, float a, float b) {
        int i = 0;
        for (int ub = F.loopBound(n); i < ub; i += L) {
            FloatVector v = FloatVector.fromArray(F, x, xo + i);
            v.mul(SimdMath.sigmoid(v)).intoArray(y, yo + i);
        }
        if (i < n) {
            siluTail(x, xo + i, y, yo + i, n - i, a, b);
        }
    }

    /** The remainder (fewer than a vector's lanes), apart so the loop's compilation stays small. */
    private static void siluTail(float[] x, int xo, float[] y, int yo, int r, float a, float b) {
        VectorMask<Float> m = F.indexInRange(0, r);
        FloatVector v = FloatVector.fromArray(F, x, xo, m);
        v.mul(SimdMath.sigmoid(v)).intoArray(y, yo, m);
    }

    static void softplus(float[] x, int xo, float[] y, int yo, int n, float a, float b) {
        int i = 0;
        for (int ub = F.loopBound(n); i < ub; i += L) {
            FloatVector v = FloatVector.fromArray(F, x, xo + i);
            softplus(v, a, b).intoArray(y, yo + i);
        }
        if (i < n) {
            softplusTail(x, xo + i, y, yo + i, n - i, a, b);
        }
    }

    /** The remainder (fewer than a vector's lanes), apart so the loop's compilation stays small. */
    private static void softplusTail(float[] x, int xo, float[] y, int yo, int r, float a, float b) {
        VectorMask<Float> m = F.indexInRange(0, r);
        FloatVector v = FloatVector.fromArray(F, x, xo, m);
        softplus(v, a, b).intoArray(y, yo, m);
    }

    static void hardswish(float[] x, int xo, float[] y, int yo, int n, float a, float b) {
        int i = 0;
        for (int ub = F.loopBound(n); i < ub; i += L) {
            FloatVector v = FloatVector.fromArray(F, x, xo + i);
            hardswish(v).intoArray(y, yo + i);
        }
        if (i < n) {
            hardswishTail(x, xo + i, y, yo + i, n - i, a, b);
        }
    }

    /** The remainder (fewer than a vector's lanes), apart so the loop's compilation stays small. */
    private static void hardswishTail(float[] x, int xo, float[] y, int yo, int r, float a, float b) {
        VectorMask<Float> m = F.indexInRange(0, r);
        FloatVector v = FloatVector.fromArray(F, x, xo, m);
        hardswish(v).intoArray(y, yo, m);
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

    static void eluBackward(float[] x, int xo, float[] y, int yo, float[] dy, int go, float[] dx, int dxo,
            int n, float a, float b) {
        int i = 0;
        for (int ub = F.loopBound(n); i < ub; i += L) {
            FloatVector v = FloatVector.fromArray(F, x, xo + i);
            FloatVector g = FloatVector.fromArray(F, dy, go + i);
            g.mul(a).mul(SimdMath.exp(v)).blend(g, v.compare(VectorOperators.GT, 0f)).intoArray(dx, dxo + i);
        }
        if (i < n) {
            eluBackwardTail(x, xo + i, y, yo + i, dy, go + i, dx, dxo + i, n - i, a, b);
        }
    }

    private static void eluBackwardTail(float[] x, int xo, float[] y, int yo, float[] dy, int go, float[] dx,
            int dxo, int r, float a, float b) {
        VectorMask<Float> m = F.indexInRange(0, r);
        int i = 0;
        FloatVector v = FloatVector.fromArray(F, x, xo + i, m);
        FloatVector g = FloatVector.fromArray(F, dy, go, m);
        g.mul(a).mul(SimdMath.exp(v)).blend(g, v.compare(VectorOperators.GT, 0f)).intoArray(dx, dxo, m);
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

    static void geluBackward(float[] x, int xo, float[] y, int yo, float[] dy, int go, float[] dx, int dxo,
            int n, float a, float b) {
        int i = 0;
        for (int ub = F.loopBound(n); i < ub; i += L) {
            FloatVector v = FloatVector.fromArray(F, x, xo + i);
            FloatVector g = FloatVector.fromArray(F, dy, go + i);
            g.mul(SimdMath.geluGrad(v)).intoArray(dx, dxo + i);
        }
        if (i < n) {
            geluBackwardTail(x, xo + i, y, yo + i, dy, go + i, dx, dxo + i, n - i, a, b);
        }
    }

    private static void geluBackwardTail(float[] x, int xo, float[] y, int yo, float[] dy, int go, float[] dx,
            int dxo, int r, float a, float b) {
        VectorMask<Float> m = F.indexInRange(0, r);
        int i = 0;
        FloatVector v = FloatVector.fromArray(F, x, xo + i, m);
        FloatVector g = FloatVector.fromArray(F, dy, go, m);
        g.mul(SimdMath.geluGrad(v)).intoArray(dx, dxo, m);
    }

    static void geluTanhBackward(float[] x, int xo, float[] y, int yo, float[] dy, int go, float[] dx, int dxo,
            int n, float a, float b) {
        int i = 0;
        for (int ub = F.loopBound(n); i < ub; i += L) {
            FloatVector v = FloatVector.fromArray(F, x, xo + i);
            FloatVector g = FloatVector.fromArray(F, dy, go + i);
            g.mul(geluTanhGrad(v)).intoArray(dx, dxo + i);
        }
        if (i < n) {
            geluTanhBackwardTail(x, xo + i, y, yo + i, dy, go + i, dx, dxo + i, n - i, a, b);
        }
    }

    private static void geluTanhBackwardTail(float[] x, int xo, float[] y, int yo, float[] dy, int go, float[] dx,
            int dxo, int r, float a, float b) {
        VectorMask<Float> m = F.indexInRange(0, r);
        int i = 0;
        FloatVector v = FloatVector.fromArray(F, x, xo + i, m);
        FloatVector g = FloatVector.fromArray(F, dy, go, m);
        g.mul(geluTanhGrad(v)).intoArray(dx, dxo, m);
    }

    static void siluBackward(float[] x, int xo, float[] y, int yo, float[] dy, int go, float[] dx, int dxo,
            int n, float a, float b) {
        int i = 0;
        for (int ub = F.loopBound(n); i < ub; i += L) {
            FloatVector v = FloatVector.fromArray(F, x, xo + i);
            FloatVector g = FloatVector.fromArray(F, dy, go + i);
            g.mul(siluGrad(v)).intoArray(dx, dxo + i);
        }
        if (i < n) {
            siluBackwardTail(x, xo + i, y, yo + i, dy, go + i, dx, dxo + i, n - i, a, b);
        }
    }

    private static void siluBackwardTail(float[] x, int xo, float[] y, int yo, float[] dy, int go, float[] dx,
            int dxo, int r, float a, float b) {
        VectorMask<Float> m = F.indexInRange(0, r);
        int i = 0;
        FloatVector v = FloatVector.fromArray(F, x, xo + i, m);
        FloatVector g = FloatVector.fromArray(F, dy, go, m);
        g.mul(siluGrad(v)).intoArray(dx, dxo, m);
    }

    static void softplusBackward(float[] x, int xo, float[] y, int yo, float[] dy, int go, float[] dx, int dxo,
            int n, float a, float b) {
        int i = 0;
        for (int ub = F.loopBound(n); i < ub; i += L) {
            FloatVector v = FloatVector.fromArray(F, x, xo + i);
            FloatVector g = FloatVector.fromArray(F, dy, go + i);
            softplusGrad(v, g, a, b).intoArray(dx, dxo + i);
        }
        if (i < n) {
            softplusBackwardTail(x, xo + i, y, yo + i, dy, go + i, dx, dxo + i, n - i, a, b);
        }
    }

    private static void softplusBackwardTail(float[] x, int xo, float[] y, int yo, float[] dy, int go, float[] dx,
            int dxo, int r, float a, float b) {
        VectorMask<Float> m = F.indexInRange(0, r);
        int i = 0;
        FloatVector v = FloatVector.fromArray(F, x, xo + i, m);
        FloatVector g = FloatVector.fromArray(F, dy, go, m);
        softplusGrad(v, g, a, b).intoArray(dx, dxo, m);
    }

    static void hardswishBackward(float[] x, int xo, float[] y, int yo, float[] dy, int go, float[] dx, int dxo,
            int n, float a, float b) {
        int i = 0;
        for (int ub = F.loopBound(n); i < ub; i += L) {
            FloatVector v = FloatVector.fromArray(F, x, xo + i);
            FloatVector g = FloatVector.fromArray(F, dy, go + i);
            hardswishGrad(v, g).intoArray(dx, dxo + i);
        }
        if (i < n) {
            hardswishBackwardTail(x, xo + i, y, yo + i, dy, go + i, dx, dxo + i, n - i, a, b);
        }
    }

    private static void hardswishBackwardTail(float[] x, int xo, float[] y, int yo, float[] dy, int go, float[] dx,
            int dxo, int r, float a, float b) {
        VectorMask<Float> m = F.indexInRange(0, r);
        int i = 0;
        FloatVector v = FloatVector.fromArray(F, x, xo + i, m);
        FloatVector g = FloatVector.fromArray(F, dy, go, m);
        hardswishGrad(v, g).intoArray(dx, dxo, m);
    }

    /** x if x &gt; 0 (or NaN), else alpha*expm1(x) (expm1 saturates at -1 below -30). */
    private static FloatVector elu(FloatVector v, float a) {
        FloatVector e = SimdMath.expm1(v.blend(-30f, v.compare(VectorOperators.LT, -30f))).mul(a);
        return e.blend(v, v.compare(VectorOperators.GT, 0f).or(v.test(VectorOperators.IS_NAN)));
    }

    /** PyTorch: x if beta*x &gt; threshold, else log(1 + e^(beta*x))/beta, here max(z,0) + log1p(e^-|z|). */
    private static FloatVector softplus(FloatVector v, float beta, float threshold) {
        FloatVector z = v.mul(beta);
        // beta*x = z + zlo exactly; the rounding error zlo is folded back into both terms
        FloatVector zlo = v.fma(FloatVector.broadcast(F, beta), z.neg());
        zlo = zlo.blend(0f, z.test(VectorOperators.IS_INFINITE).or(zlo.test(VectorOperators.IS_NAN)));
        VectorMask<Float> neg = z.compare(VectorOperators.LT, 0f);
        FloatVector pos = z.add(zlo).blend(0f, neg);
        FloatVector e = SimdMath.exp(z.abs().neg());
        e = e.fma(zlo.blend(zlo.neg(), neg).neg(), e);
        FloatVector s = pos.add(SimdMath.log1pNonNeg(e)).div(beta);
        return s.blend(v, z.compare(VectorOperators.GT, threshold));
    }

    private static FloatVector softplusGrad(FloatVector v, FloatVector g, float beta, float threshold) {
        FloatVector z = v.mul(beta);
        FloatVector zlo = v.fma(FloatVector.broadcast(F, beta), z.neg());
        zlo = zlo.blend(0f, z.test(VectorOperators.IS_INFINITE).or(zlo.test(VectorOperators.IS_NAN)));
        // sigmoid(z + zlo) = s + s*(1-s)*zlo to first order
        FloatVector s = SimdMath.sigmoid(z);
        s = s.mul(s.neg().add(1f)).fma(zlo, s);
        return g.mul(s).blend(g, z.compare(VectorOperators.GT, threshold));
    }

    /** x * min(max(x + 3, 0), 6) / 6 (NaN propagates). */
    private static FloatVector hardswish(FloatVector v) {
        FloatVector t = v.add(3f);
        t = t.blend(0f, t.compare(VectorOperators.LT, 0f));
        t = t.blend(6f, t.compare(VectorOperators.GT, 6f));
        return v.mul(t.div(6f)); // t/6 first: x*6 would overflow near the float maximum
    }

    /** PyTorch's vectorised kernel: 0 below -3, dy from 3 on, dy*(x/3 + 1/2) between; NaN stays NaN. */
    private static FloatVector hardswishGrad(FloatVector v, FloatVector g) {
        FloatVector mid = g.mul(v.div(3f).add(0.5f));
        FloatVector r = mid.blend(g, v.compare(VectorOperators.GE, 3f));
        return r.blend(0f, v.compare(VectorOperators.LT, -3f));
    }

    /** d/dx x*Phi(x) = Phi(x) + x*pdf(x). */
    /**
     * x * sigmoid(2u), u = sqrt(2/pi)(x + 0.044715 x^3), branch-free: with e = exp(-|2u|) (no special path, subnormal
     * results rounded once), sigmoid(2u) is 1/(1+e) for u &gt;= 0 and e/(1+e) below, so no vector ever takes the
     * wide sigmoid path (with N(0, 3) inputs most vectors have a lane with 2u &lt; -16 and did). x = -Inf gives NaN
     * (-Inf * 0) and +Inf gives +Inf, as PyTorch's 0.5x(1 + tanh(u)).
     */
    private static FloatVector geluTanh(FloatVector v) {
        FloatVector u2 = v.mul(v).fma(GT_K3, GT_K1).mul(v);
        FloatVector e = SimdMath.expNeg(u2.abs().neg());
        FloatVector d = FloatVector.broadcast(F, 1f).div(e.add(1f));
        FloatVector s = d.blend(e.mul(d), u2.compare(VectorOperators.LT, 0f));
        return v.mul(s);
    }

    /**
     * With s = sigmoid(2u): d/dx x*s = s + 2x*s*(1-s)*u', u' = sqrt(2/pi)*(1 + 3*0.044715*x^2). s and 1-s both come
     * from e = exp(-|2u|) without cancellation; |x| is capped at 1e4 in the product term (where s*(1-s) is 0 anyway,
     * so x^2 cannot overflow into 0*Inf), and ±Inf gives NaN as PyTorch does.
     */
    private static FloatVector geluTanhGrad(FloatVector v) {
        FloatVector vc = v.blend(1e4f, v.compare(VectorOperators.GT, 1e4f));
        vc = vc.blend(-1e4f, vc.compare(VectorOperators.LT, -1e4f));
        FloatVector x2 = vc.mul(vc);
        FloatVector u2 = x2.fma(GT_K3, GT_K1).mul(vc);
        FloatVector e = SimdMath.expNeg(u2.abs().neg());
        FloatVector d = FloatVector.broadcast(F, 1f).div(e.add(1f));
        FloatVector ed = e.mul(d);
        FloatVector s = d.blend(ed, u2.compare(VectorOperators.LT, 0f));
        FloatVector du2 = x2.fma(3 * GT_K3, GT_K1); // 2u'
        return vc.mul(d).mul(ed).mul(du2).add(s).add(v.sub(v));
    }

    /** d/dx x*sigmoid(x) = s*(1 + x*(1-s)), with s and 1-s from e = exp(-|x|) (no cancellation in 1-s). */
    private static FloatVector siluGrad(FloatVector v) {
        FloatVector e = SimdMath.expNeg(v.abs().neg());
        FloatVector d = FloatVector.broadcast(F, 1f).div(e.add(1f));
        FloatVector ed = e.mul(d);
        VectorMask<Float> neg = v.compare(VectorOperators.LT, 0f);
        FloatVector s = d.blend(ed, neg);
        FloatVector oneMinus = ed.blend(d, neg);
        return s.mul(v.fma(oneMinus, FloatVector.broadcast(F, 1f)));
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
