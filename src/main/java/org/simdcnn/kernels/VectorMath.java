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
}
