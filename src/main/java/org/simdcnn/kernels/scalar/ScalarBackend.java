package org.simdcnn.kernels.scalar;

import org.simdcnn.kernels.Activations;
import org.simdcnn.kernels.Backend;
import org.simdcnn.kernels.BatchNorm;
import org.simdcnn.kernels.Conv;
import org.simdcnn.kernels.Gemm;
import org.simdcnn.kernels.Linear;
import org.simdcnn.kernels.Losses;
import org.simdcnn.kernels.Pooling;
import org.simdcnn.kernels.Softmax;

/** The reference backend: plain loops, single-threaded, obviously right. The oracle of every test. */
public final class ScalarBackend implements Backend {
    public static final ScalarBackend INSTANCE = new ScalarBackend();

    private final Gemm gemm = new ScalarGemm();
    private final Conv conv = new ScalarConv();
    private final Linear linear = new ScalarLinear();
    private final Activations activations = new ScalarActivations();
    private final Pooling pooling = new ScalarPooling();
    private final Softmax softmax = new ScalarSoftmax();
    private final Losses losses = new ScalarLosses();
    private final BatchNorm batchNorm = new ScalarBatchNorm();

    private ScalarBackend() {
    }

    @Override
    public String name() {
        return "scalar";
    }

    @Override
    public int vectorBits() {
        return 0;
    }

    @Override
    public int floatLanes() {
        return 1;
    }

    @Override
    public Gemm gemm() {
        return gemm;
    }

    @Override
    public Conv conv() {
        return conv;
    }

    @Override
    public Linear linear() {
        return linear;
    }

    @Override
    public Activations activations() {
        return activations;
    }

    @Override
    public Pooling pooling() {
        return pooling;
    }

    @Override
    public Softmax softmax() {
        return softmax;
    }

    @Override
    public Losses losses() {
        return losses;
    }

    @Override
    public BatchNorm batchNorm() {
        return batchNorm;
    }
}
