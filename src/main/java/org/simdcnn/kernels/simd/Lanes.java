package org.simdcnn.kernels.simd;

import jdk.incubator.vector.FloatVector;

/**
 * Deterministic horizontal sums. {@code FloatVector.reduceLanes(ADD)} leaves the order of the additions unspecified,
 * and on this JDK interpreted and C2-compiled code do use different orders, so a result would depend on whether the
 * JIT had compiled the kernel yet. Every horizontal sum in this package goes through {@link #sum} instead: the lanes
 * in lane order 0, 1, ..., L-1, always.
 */
final class Lanes {
    private static final ThreadLocal<float[]> SCRATCH =
            ThreadLocal.withInitial(() -> new float[SimdBackend.F.length()]);

    private Lanes() {
    }

    /** The sum of the lanes of {@code v}, added in lane order. Small enough to be inlined (no boxing). */
    static float sum(FloatVector v) {
        float[] t = SCRATCH.get();
        v.intoArray(t, 0);
        return sum(t, 0);
    }

    /**
     * The same sum for a vector already stored at {@code a[off..off+L)} (lane order). For kernels whose compiled
     * unit is large: C2 stops inlining helpers past its node budget, and a vector passed to a helper that is not
     * inlined is boxed (allocated); this overload takes no vector.
     */
    static float sum(float[] a, int off) {
        float s = 0f;
        for (int i = 0; i < SimdBackend.F.length(); i++) {
            s += a[off + i];
        }
        return s;
    }
}
