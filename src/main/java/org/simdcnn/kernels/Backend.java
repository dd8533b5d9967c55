package org.simdcnn.kernels;

/**
 * One implementation of every kernel family. The scalar backend is the reference (plain loops, obviously right);
 * the SIMD backend overrides families as fast versions land and otherwise serves the scalar ones. Obtain the
 * active backend from {@link org.simdcnn.SimdCnn#backend()}.
 */
public interface Backend {
    /** {@code "scalar"} or {@code "simd"}. */
    String name();

    /** Width of the vectors the backend uses, 0 for scalar. */
    int vectorBits();

    /** Float lanes per vector, 1 for scalar. */
    int floatLanes();

    Gemm gemm();

    Conv conv();

    Linear linear();

    Activations activations();

    Pooling pooling();

    Softmax softmax();

    Losses losses();

    BatchNorm batchNorm();
}
