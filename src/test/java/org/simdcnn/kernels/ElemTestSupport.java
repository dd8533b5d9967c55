package org.simdcnn.kernels;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.SplittableRandom;

/** Shared helpers of the element-wise kernel tests (activations, pooling, softmax, losses, batch norm). */
final class ElemTestSupport {
    private ElemTestSupport() {
    }

    /**
     * True when {@code actual} is within {@code atol + rtol*|expected|} of {@code expected}; NaN matches only NaN,
     * an infinity only the same infinity. The sign of zero is not compared (dedicated tests do that).
     */
    static boolean close(double actual, double expected, double rtol, double atol) {
        if (Double.isNaN(expected) || Double.isNaN(actual)) {
            return Double.isNaN(expected) && Double.isNaN(actual);
        }
        if (Double.isInfinite(expected) || Double.isInfinite(actual)) {
            return actual == expected;
        }
        return Math.abs(actual - expected) <= atol + rtol * Math.abs(expected);
    }

    /** Distance in float ulps (of the expected value), NaN-aware: 0 when both are NaN or equal. */
    static double ulps(float actual, float expected) {
        if (Float.isNaN(actual) || Float.isNaN(expected)) {
            return Float.isNaN(actual) && Float.isNaN(expected) ? 0 : Double.POSITIVE_INFINITY;
        }
        if (actual == expected) {
            return 0;
        }
        if (Float.isInfinite(actual) || Float.isInfinite(expected)) {
            return Double.POSITIVE_INFINITY;
        }
        return Math.abs((double) actual - expected) / Math.ulp(expected);
    }

    static void assertUlps(String what, float[] actual, float[] expected, double maxUlps) {
        for (int i = 0; i < expected.length; i++) {
            if (ulps(actual[i], expected[i]) > maxUlps) {
                fail(what + ": element " + i + " is " + actual[i] + ", expected " + expected[i] + " ("
                        + ulps(actual[i], expected[i]) + " ulps, at most " + maxUlps + ")");
            }
        }
    }

    static void assertClose(String what, float[] actual, int aOff, float[] expected, int eOff, int n, double rtol,
            double atol) {
        for (int i = 0; i < n; i++) {
            if (!close(actual[aOff + i], expected[eOff + i], rtol, atol)) {
                fail(what + ": element " + i + " is " + actual[aOff + i] + ", expected " + expected[eOff + i]
                        + " (rtol " + rtol + ", atol " + atol + ")");
            }
        }
    }

    static void assertClose(String what, float[] actual, float[] expected, double rtol, double atol) {
        if (actual.length != expected.length) {
            fail(what + ": length " + actual.length + ", expected " + expected.length);
        }
        assertClose(what, actual, 0, expected, 0, expected.length, rtol, atol);
    }

    static void assertClose(String what, double actual, double expected, double rtol, double atol) {
        if (!close(actual, expected, rtol, atol)) {
            fail(what + ": " + actual + ", expected " + expected + " (rtol " + rtol + ", atol " + atol + ")");
        }
    }

    static float[] uniform(SplittableRandom r, int n, double lo, double hi) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (lo + (hi - lo) * r.nextDouble());
        }
        return a;
    }

    /**
     * {@code n} distinct values {@code k/8} for a random permutation of {@code k} in a range around zero: sums and
     * small perturbations stay exact in float, and there are no ties.
     */
    static float[] distinctEighths(SplittableRandom r, int n) {
        int[] k = new int[n];
        for (int i = 0; i < n; i++) {
            k[i] = i - n / 2;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = k[i];
            k[i] = k[j];
            k[j] = t;
        }
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = k[i] / 8f;
        }
        return a;
    }

    static double dot(float[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < b.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    static double[] randomWeights(SplittableRandom r, int n) {
        double[] w = new double[n];
        for (int i = 0; i < n; i++) {
            w[i] = r.nextDouble() * 2 - 1;
        }
        return w;
    }
}
