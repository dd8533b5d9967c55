package org.simdcnn.kernels.simd;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/** {@link SimdMath} over arrays (the {@link org.simdcnn.kernels.VectorMath} face of the backend). */
final class SimdMathArrays {
    private static final VectorSpecies<Float> F = SimdBackend.F;
    private static final int L = F.length();

    private SimdMathArrays() {
    }

    static void exp(float[] x, int xo, float[] y, int yo, int n) {
        int i = 0;
        for (int ub = F.loopBound(n); i < ub; i += L) {
            FloatVector v = FloatVector.fromArray(F, x, xo + i);
            SimdMath.exp(v).intoArray(y, yo + i);
        }
        if (i < n) {
            VectorMask<Float> m = F.indexInRange(i, n);
            FloatVector v = FloatVector.fromArray(F, x, xo + i, m);
            SimdMath.exp(v).intoArray(y, yo + i, m);
        }
    }

    static void log(float[] x, int xo, float[] y, int yo, int n) {
        int i = 0;
        for (int ub = F.loopBound(n); i < ub; i += L) {
            FloatVector v = FloatVector.fromArray(F, x, xo + i);
            SimdMath.log(v).intoArray(y, yo + i);
        }
        if (i < n) {
            VectorMask<Float> m = F.indexInRange(i, n);
            FloatVector v = FloatVector.fromArray(F, x, xo + i, m);
            SimdMath.log(v).intoArray(y, yo + i, m);
        }
    }

    static void tanh(float[] x, int xo, float[] y, int yo, int n) {
        int i = 0;
        for (int ub = F.loopBound(n); i < ub; i += L) {
            FloatVector v = FloatVector.fromArray(F, x, xo + i);
            SimdMath.tanh(v).intoArray(y, yo + i);
        }
        if (i < n) {
            VectorMask<Float> m = F.indexInRange(i, n);
            FloatVector v = FloatVector.fromArray(F, x, xo + i, m);
            SimdMath.tanh(v).intoArray(y, yo + i, m);
        }
    }

    static void sigmoid(float[] x, int xo, float[] y, int yo, int n) {
        int i = 0;
        for (int ub = F.loopBound(n); i < ub; i += L) {
            FloatVector v = FloatVector.fromArray(F, x, xo + i);
            SimdMath.sigmoid(v).intoArray(y, yo + i);
        }
        if (i < n) {
            VectorMask<Float> m = F.indexInRange(i, n);
            FloatVector v = FloatVector.fromArray(F, x, xo + i, m);
            SimdMath.sigmoid(v).intoArray(y, yo + i, m);
        }
    }

    static void expm1(float[] x, int xo, float[] y, int yo, int n) {
        int i = 0;
        for (int ub = F.loopBound(n); i < ub; i += L) {
            FloatVector v = FloatVector.fromArray(F, x, xo + i);
            SimdMath.expm1Any(v).intoArray(y, yo + i);
        }
        if (i < n) {
            VectorMask<Float> m = F.indexInRange(i, n);
            FloatVector v = FloatVector.fromArray(F, x, xo + i, m);
            SimdMath.expm1Any(v).intoArray(y, yo + i, m);
        }
    }
}
