package org.simdcnn.kernels;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.Random;
import org.simdcnn.SimdCnn;
import org.simdcnn.kernels.scalar.ScalarBackend;

/**
 * Shared helpers of the fast-kernel parity tests: the backend under test ({@link SimdCnn#backend()}; in the scalar
 * surefire run it is the scalar backend, and the comparison is scalar against scalar), the reference
 * ({@link ScalarBackend#INSTANCE}), awkward lengths, value generators with the special values mixed in, and an
 * ulp-based comparison that reports the worst element.
 */
final class SimdParitySupport {
    static final Backend FAST = SimdCnn.backend();
    static final Backend REF = ScalarBackend.INSTANCE;
    static final int LANES = Math.max(1, FAST.floatLanes());

    private SimdParitySupport() {
    }

    /** 0, 1, lanes-1, lanes, lanes+1, 2*lanes+3, primes and a large size. */
    static int[] awkwardLengths() {
        return new int[] {0, 1, 2, Math.max(1, LANES - 1), LANES, LANES + 1, 2 * LANES + 3, 31, 97, 1009, 4099};
    }

    static final float[] SPECIALS = {0f, -0f, Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY,
        Float.MIN_VALUE, -Float.MIN_VALUE, 1e-40f, -1e-40f, Float.MIN_NORMAL, -Float.MIN_NORMAL, 1e-30f, -1e-30f,
        88.72283f, 88.72284f, -88.72283f, 89f, -89f, -87.3f, -103.97f, -104f, 100f, -100f, 20f, -20f, 9.01f, -9.01f,
        3f, -3f, 0.625f, -0.625f, 0.5f, -0.5f, 1f, -1f, 1e-7f, -1e-7f, Float.MAX_VALUE, -Float.MAX_VALUE, 1e5f, -1e5f};

    /** n values: mostly N(0, scale) with scale drawn from 1e-3..30, some specials, some uniform in [-100, 100]. */
    static float[] values(Random r, int n, boolean specials) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            int k = r.nextInt(10);
            if (specials && k == 0) {
                a[i] = SPECIALS[r.nextInt(SPECIALS.length)];
            } else if (k <= 2) {
                a[i] = (float) (r.nextDouble() * 200 - 100);
            } else {
                double scale = Math.pow(10, r.nextDouble() * 4.5 - 3);
                a[i] = (float) (r.nextGaussian() * scale);
            }
        }
        return a;
    }

    /** Whether the reference implements a family yet (its placeholder throws). */
    static boolean refReady(Runnable probe) {
        try {
            probe.run();
            return true;
        } catch (UnsupportedOperationException e) {
            return false;
        }
    }

    /** Error of {@code got} against {@code want} in ulps of {@code want}; 0 when both NaN or equal (±0 equal). */
    static double ulpError(float want, float got) {
        if (Float.isNaN(want) || Float.isNaN(got)) {
            return Float.isNaN(want) && Float.isNaN(got) ? 0 : Double.POSITIVE_INFINITY;
        }
        if (want == got) {
            return 0;
        }
        if (Float.isInfinite(want) || Float.isInfinite(got)) {
            return Double.POSITIVE_INFINITY;
        }
        return Math.abs((double) got - want) / Math.ulp(want);
    }

    /**
     * Asserts every element within {@code ulps} ulps of the reference, or within {@code abs + rel*|scale[i]|}
     * absolutely (the floor for values that are tiny next to the quantities they are computed from, e.g. a gradient
     * next to its upstream {@code dy}, or results in the subnormal range); returns the largest ulp error among the
     * elements not rescued by the floor. {@code scale} may be null (then the floor is {@code abs}).
     */
    static double assertClose(String what, float[] want, int wOff, float[] got, int gOff, int n, double ulps,
            double abs, double rel, float[] scale, int sOff) {
        double worst = 0;
        for (int i = 0; i < n; i++) {
            float w = want[wOff + i];
            float g = got[gOff + i];
            double e = ulpError(w, g);
            double floor = abs + (scale == null ? 0 : rel * Math.abs((double) scale[sOff + i]));
            boolean rescued = Math.abs((double) g - w) <= floor;
            if (e > ulps && !rescued) {
                fail(what + ": element " + i + " of " + n + (scale == null ? "" : " (scale " + scale[sOff + i] + ")")
                        + ": expected " + w + " got " + g + " (" + e + " ulp, bound " + ulps + " ulp or " + floor
                        + " absolute)");
            }
            if (!rescued) {
                worst = Math.max(worst, e);
            }
        }
        return worst;
    }

    static double assertClose(String what, float[] want, int wOff, float[] got, int gOff, int n, double ulps,
            double abs) {
        return assertClose(what, want, wOff, got, gOff, n, ulps, abs, 0, null, 0);
    }

    static void assertSameInts(String what, int[] want, int wOff, int[] got, int gOff, int n) {
        for (int i = 0; i < n; i++) {
            if (want[wOff + i] != got[gOff + i]) {
                fail(what + ": index " + i + " of " + n + ": expected " + want[wOff + i] + " got " + got[gOff + i]);
            }
        }
    }
}
