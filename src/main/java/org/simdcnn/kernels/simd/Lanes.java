package org.simdcnn.kernels.simd;

/**
 * Deterministic horizontal sums. {@code FloatVector.reduceLanes(ADD)} leaves the order of the additions unspecified,
 * and on this JDK interpreted and C2-compiled code do use different orders, so a result would depend on whether the
 * JIT had compiled the kernel yet. Every horizontal sum in this package goes through {@link #sum} instead: the lanes
 * in lane order 0, 1, ..., L-1, always.
 */
final class Lanes {
    private Lanes() {
    }

    /**
     * The sum of a vector's lanes once stored at {@code a[off..off+L)}, added in lane order. It takes an array, not
     * a vector: C2 stops inlining helpers past its node budget, and a vector passed to a helper that is not inlined
     * is boxed (allocated), so kernels store the vector to a per-thread array and sum that.
     */
    static float sum(float[] a, int off) {
        float s = 0f;
        for (int i = 0; i < SimdBackend.F.length(); i++) {
            s += a[off + i];
        }
        return s;
    }
}
