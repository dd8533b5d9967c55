package org.simdcnn.kernels.simd;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.simdcnn.kernels.Activations;
import org.simdcnn.kernels.Backend;
import org.simdcnn.kernels.BatchNorm;
import org.simdcnn.kernels.Conv;
import org.simdcnn.kernels.Gemm;
import org.simdcnn.kernels.Linear;
import org.simdcnn.kernels.Losses;
import org.simdcnn.kernels.Pooling;
import org.simdcnn.kernels.Softmax;
import org.simdcnn.kernels.VectorMath;
import org.simdcnn.kernels.scalar.ScalarBackend;

/**
 * The Vector API backend. This package is the only one that imports {@code jdk.incubator.vector}; the provider
 * loads this class reflectively, so the scalar path never links an incubator class. Families without a fast
 * version yet are served by the scalar reference.
 */
public final class SimdBackend implements Backend, VectorMath {
    /** The species every kernel in this package uses, resolved once. */
    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

    private final Backend ref = ScalarBackend.INSTANCE;
    private final Activations activations = new SimdActivations();
    private final Pooling pooling = new SimdPooling();
    private final Softmax softmax = new SimdSoftmax();
    /**
     * Vector losses. Their loops use full vectors plus a scalar (or overlapping last-vector) tail and no masks: C2
     * on JDK 25.0.3 aborted the JVM (a Halt node reached) in loops that merged nullable tail masks into loads.
     */
    private final Losses losses = new SimdLosses();
    private final BatchNorm batchNorm = new SimdBatchNorm();

    /**
     * Creates the backend.
     *
     * @throws UnsupportedOperationException when the preferred vector is narrower than 128 bits (the JIT would
     *     not use SIMD instructions for it)
     */
    public SimdBackend() {
        if (F.vectorBitSize() < 128) {
            throw new UnsupportedOperationException("the preferred float vector on this CPU is only "
                    + F.vectorBitSize() + " bits wide (at least 128 are needed)");
        }
    }

    @Override
    public String name() {
        return "simd";
    }

    @Override
    public int vectorBits() {
        return F.vectorBitSize();
    }

    @Override
    public int floatLanes() {
        return F.length();
    }

    @Override
    public Gemm gemm() {
        return SimdGemm.INSTANCE;
    }

    @Override
    public Conv conv() {
        return SimdConv.INSTANCE;
    }

    @Override
    public Linear linear() {
        return SimdLinear.INSTANCE;
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

    @Override
    public void exp(float[] x, int xOff, float[] y, int yOff, int n) {
        SimdMathArrays.exp(x, xOff, y, yOff, n);
    }

    @Override
    public void log(float[] x, int xOff, float[] y, int yOff, int n) {
        SimdMathArrays.log(x, xOff, y, yOff, n);
    }

    @Override
    public void tanh(float[] x, int xOff, float[] y, int yOff, int n) {
        SimdMathArrays.tanh(x, xOff, y, yOff, n);
    }

    @Override
    public void sigmoid(float[] x, int xOff, float[] y, int yOff, int n) {
        SimdMathArrays.sigmoid(x, xOff, y, yOff, n);
    }

    @Override
    public void expm1(float[] x, int xOff, float[] y, int yOff, int n) {
        SimdMathArrays.expm1(x, xOff, y, yOff, n);
    }
}
