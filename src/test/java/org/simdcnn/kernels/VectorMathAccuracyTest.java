package org.simdcnn.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.simdcnn.kernels.SimdParitySupport.FAST;

import java.util.Locale;
import java.util.function.DoubleUnaryOperator;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/**
 * The accuracy contract of the transcendental core (issue 4): at most 2 ulp against the double-precision result,
 * over the whole float range, with IEEE/PyTorch results at NaN, ±0, subnormals, ±Inf and the overflow/underflow
 * thresholds. exp, expm1 and log are reached through {@link VectorMath} (served by the SIMD backend; the scalar
 * run has no vector math and skips them); sigmoid and tanh are also checked through the served backend's
 * {@link Activations}, so the scalar run checks its reference.
 */
class VectorMathAccuracyTest {
    static final double BOUND = 2.0;

    enum Fn {
        EXP(Math::exp), EXPM1(Math::expm1), LOG(Math::log), TANH(Math::tanh), SIGMOID(v -> 1 / (1 + Math.exp(-v))),
        ACT_SIGMOID(v -> 1 / (1 + Math.exp(-v))), ACT_TANH(Math::tanh);

        final DoubleUnaryOperator ref;

        Fn(DoubleUnaryOperator ref) {
            this.ref = ref;
        }

        boolean available() {
            return name().startsWith("ACT_") || FAST instanceof VectorMath;
        }

        void apply(float[] x, float[] y, int n) {
            switch (this) {
                case EXP -> ((VectorMath) FAST).exp(x, 0, y, 0, n);
                case EXPM1 -> ((VectorMath) FAST).expm1(x, 0, y, 0, n);
                case LOG -> ((VectorMath) FAST).log(x, 0, y, 0, n);
                case TANH -> ((VectorMath) FAST).tanh(x, 0, y, 0, n);
                case SIGMOID -> ((VectorMath) FAST).sigmoid(x, 0, y, 0, n);
                case ACT_SIGMOID -> FAST.activations().forward(ActivationFn.SIGMOID, x, 0, y, 0, n);
                case ACT_TANH -> FAST.activations().forward(ActivationFn.TANH, x, 0, y, 0, n);
                default -> throw new IllegalStateException();
            }
        }
    }

    /** The contract's error measure ({@link VectorMath#ulpError}). */
    static double ulps(double ref, float y) {
        return VectorMath.ulpError(ref, y);
    }

    /** Checks all values; returns the worst error and fails (naming the input) above the bound. */
    static double check(Fn f, float[] x, int n) {
        float[] y = new float[n];
        f.apply(x, y, n);
        double worst = 0;
        for (int i = 0; i < n; i++) {
            double e = ulps(f.ref.applyAsDouble(x[i]), y[i]);
            if (e > BOUND) {
                fail(String.format(Locale.ROOT, "%s(%s) [bits %08x] = %s, reference %s: %.3f ulp > %.1f", f, x[i],
                        Float.floatToRawIntBits(x[i]), y[i], f.ref.applyAsDouble(x[i]), e, BOUND));
            }
            worst = Math.max(worst, e);
        }
        return worst;
    }

    static final float[] EDGES = {0f, -0f, Float.NaN, Float.intBitsToFloat(0xffc00001), Float.POSITIVE_INFINITY,
        Float.NEGATIVE_INFINITY, Float.MIN_VALUE, -Float.MIN_VALUE, Float.MIN_NORMAL, -Float.MIN_NORMAL,
        Math.nextDown(Float.MIN_NORMAL), 1e-40f, -1e-40f, Float.MAX_VALUE, -Float.MAX_VALUE, 88.72283f, 88.72284f,
        88.7f, 88.8f, 89f, -87.33654f, -87.33655f, -87.4f, -88.7f, -100f, -103.278f, -103.9720f, -103.9721f,
        -103.973f, -104f, -105f, 100f, -9.01f, 9.01f, 9.1f, -9.1f, 0.625f, -0.625f, Math.nextUp(0.625f),
        0.34657359f, -0.34657359f, 1f, -1f, 2f, 0.5f, 1e-7f, -1e-7f, 1e-20f, -1e-20f, 16.6f, -16.6f, 20f, -20f,
        30f, -30f, Math.nextDown(1f), Math.nextUp(1f), 0.6666667f, 1.3333334f, 0.70710677f, 1.4142135f};

    @Test
    void edgesAndSpecialValues() {
        for (Fn f : Fn.values()) {
            if (f.available()) {
                check(f, EDGES, EDGES.length);
            }
        }
    }

    @Test
    void ieeeResultsAtSpecials() {
        assumeTrue(FAST instanceof VectorMath, "no vector math in this backend");
        VectorMath m = (VectorMath) FAST;
        float[] x = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 0f, -0f, 89f, -104f, -1f};
        float[] y = new float[x.length];
        m.exp(x, 0, y, 0, x.length);
        assertTrue(Float.isNaN(y[0]));
        assertEquals(Float.POSITIVE_INFINITY, y[1]);
        assertEquals(0f, y[2]);
        assertEquals(1f, y[3]);
        assertEquals(1f, y[4]);
        assertEquals(Float.POSITIVE_INFINITY, y[5]);
        assertEquals(0f, y[6]);
        m.log(x, 0, y, 0, x.length);
        assertTrue(Float.isNaN(y[0]));
        assertEquals(Float.POSITIVE_INFINITY, y[1]);
        assertTrue(Float.isNaN(y[2]));
        assertEquals(Float.NEGATIVE_INFINITY, y[3]);
        assertEquals(Float.NEGATIVE_INFINITY, y[4]);
        assertTrue(Float.isNaN(y[7]));
        m.tanh(x, 0, y, 0, x.length);
        assertTrue(Float.isNaN(y[0]));
        assertEquals(1f, y[1]);
        assertEquals(-1f, y[2]);
        assertEquals(Float.floatToRawIntBits(0f), Float.floatToRawIntBits(y[3]));
        assertEquals(Float.floatToRawIntBits(-0f), Float.floatToRawIntBits(y[4]));
        m.sigmoid(x, 0, y, 0, x.length);
        assertTrue(Float.isNaN(y[0]));
        assertEquals(1f, y[1]);
        assertEquals(0f, y[2]);
        assertEquals(0.5f, y[3]);
        float[] s = {-100f};
        m.sigmoid(s, 0, s, 0, 1);
        assertEquals((float) (1 / (1 + Math.exp(100))), s[0], "sigmoid(-100) keeps its subnormal value");
    }

    /** A strided sweep over all 2^32 bit patterns (about 1M values per function). */
    @Test
    void sweepOverAllBitPatterns() {
        int stride = 4099;
        int block = 1 << 14;
        float[] x = new float[block];
        StringBuilder report = new StringBuilder("max ulp over the sweep:");
        for (Fn f : Fn.values()) {
            if (!f.available()) {
                continue;
            }
            double worst = 0;
            long bits = 0;
            while (bits < (1L << 32)) {
                int k = 0;
                for (; k < block && bits < (1L << 32); k++, bits += stride) {
                    x[k] = Float.intBitsToFloat((int) bits);
                }
                worst = Math.max(worst, check(f, x, k));
            }
            report.append(String.format(Locale.ROOT, " %s %.3f", f, worst));
        }
        System.out.println(report + " (" + FAST.name() + ")");
    }

    @Provide
    Arbitrary<float[]> anyFloats() {
        return Arbitraries.integers().map(Float::intBitsToFloat).array(float[].class).ofMinSize(1).ofMaxSize(70);
    }

    @Provide
    Arbitrary<float[]> moderateFloats() {
        return Arbitraries.floats().between(-120f, 120f).array(float[].class).ofMinSize(1).ofMaxSize(70);
    }

    @Property(tries = 150)
    void anyBitPatternWithinTwoUlp(@ForAll("anyFloats") float[] x) {
        for (Fn f : Fn.values()) {
            if (f.available()) {
                check(f, x, x.length);
            }
        }
    }

    @Property(tries = 150)
    void interestingRangeWithinTwoUlp(@ForAll("moderateFloats") float[] x) {
        for (Fn f : Fn.values()) {
            if (f.available()) {
                check(f, x, x.length);
            }
        }
    }
}
