package org.simdcnn.kernels;

/**
 * The transcendental core of a backend, exposed over arrays so that its accuracy can be tested without linking
 * the backend's classes. A backend that has its own vectorised math implements this interface next to
 * {@link Backend} (test with {@code instanceof}). Every method reads {@code n} floats from {@code x} and writes
 * {@code n} floats to {@code y} (which may be the same region). Contract: max error 2 ulp against the
 * correctly rounded result for every float input; NaN in gives NaN out; IEEE results at ±0, ±Inf and where the
 * result overflows or underflows.
 */
public interface VectorMath {
    /** e^x. */
    void exp(float[] x, int xOff, float[] y, int yOff, int n);

    /** Natural logarithm (NaN for negative inputs, -Inf at ±0). */
    void log(float[] x, int xOff, float[] y, int yOff, int n);

    /** Hyperbolic tangent. */
    void tanh(float[] x, int xOff, float[] y, int yOff, int n);

    /** Logistic sigmoid 1/(1+e^-x). */
    void sigmoid(float[] x, int xOff, float[] y, int yOff, int n);

    /** e^x - 1 (same bound). */
    void expm1(float[] x, int xOff, float[] y, int yOff, int n);

    /**
     * The error of a float result in ulps of the float nearest the double-precision {@code reference}: the measure
     * the 2-ulp contract above is stated in. Where the reference lies just below a power of two that it rounds up
     * to, the finer ulp below is used. A NaN reference must be matched by a NaN, and an infinite (overflowed)
     * reference or an infinite/NaN result must be matched exactly; otherwise the error is infinite.
     *
     * @param reference the exact value, computed in double precision
     * @param result the float under test
     * @return {@code |result - reference| / ulp}, 0 for an exact match, {@code +Inf} for a mismatch in kind
     */
    static double ulpError(double reference, float result) {
        float rf = (float) reference;
        if (Double.isNaN(reference)) {
            return Float.isNaN(result) ? 0 : Double.POSITIVE_INFINITY;
        }
        if (Float.isInfinite(rf) || Float.isNaN(result) || Float.isInfinite(result)) {
            return result == rf ? 0 : Double.POSITIVE_INFINITY;
        }
        if (result == reference) {
            return 0;
        }
        double u = Math.ulp(rf);
        if (Math.abs(rf) > Math.abs(reference) && Math.getExponent(rf) > Float.MIN_EXPONENT
                && Float.floatToRawIntBits(Math.abs(rf)) % (1 << 23) == 0) {
            u /= 2;
        }
        return Math.abs(result - reference) / u;
    }
}
