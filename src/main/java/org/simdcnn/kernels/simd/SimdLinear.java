package org.simdcnn.kernels.simd;

import static org.simdcnn.kernels.simd.SimdGemm.F;
import static org.simdcnn.kernels.simd.SimdGemm.L;

import jdk.incubator.vector.FloatVector;
import org.simdcnn.kernels.BiasMode;
import org.simdcnn.kernels.Epilogue;
import org.simdcnn.kernels.Linear;
import org.simdcnn.kernels.PackedLinearWeights;

/**
 * Fully connected layer on the packed GEMM: forward {@code x w^T} with the bias per column and the epilogue fused
 * into the store; {@code dx = dy w}; {@code dw = dy^T x}; {@code db} = column sums of {@code dy} in row order.
 */
final class SimdLinear implements Linear {
    static final SimdLinear INSTANCE = new SimdLinear();

    @Override
    public void forward(int batch, int in, int out, float[] x, int xOff, float[] w, int wOff, float[] bias,
            float[] y, int yOff, Epilogue epilogue) {
        SimdGemm.INSTANCE.sgemm(false, true, batch, out, in, 1f, x, xOff, in, w, wOff, in, 0f, y, yOff, out,
                bias, 0, bias == null ? BiasMode.NONE : BiasMode.PER_COLUMN, epilogue);
    }

    /** Packs {@code w^T} ({@code in x out}) as the SGEMM's B operand: {@code NR}-column panels in K blocks. */
    @Override
    public PackedLinearWeights pack(int in, int out, float[] w, int wOff) {
        Linear.checkPack("pack", in, out, w, wOff);
        Packed p = new Packed(in, out, new float[SimdGemm.roundUp(out, SimdGemm.NR) * in], SimdGemm.kcu(in));
        fill(p, w, wOff);
        return p;
    }

    @Override
    public void repack(PackedLinearWeights pw, float[] w, int wOff) {
        if (!(pw instanceof Packed p)) {
            throw new IllegalArgumentException("repack: weights were packed by another backend: " + pw);
        }
        Linear.checkPack("repack", p.in, p.out, w, wOff);
        fill(p, w, wOff);
    }

    private static void fill(Packed p, float[] w, int wOff) {
        int nPanels = SimdGemm.ceilDiv(p.out, SimdGemm.NR);
        SimdGemm.packB(true, w, wOff, p.in, p.out, p.in, p.kcu, p.panels, 0, nPanels);
    }

    @Override
    public void forward(int batch, int in, int out, float[] x, int xOff, PackedLinearWeights pw, float[] bias,
            float[] y, int yOff, Epilogue epilogue) {
        if (!(pw instanceof Packed p)) {
            throw new IllegalArgumentException("forward: weights were packed by another backend: " + pw);
        }
        Linear.checkPacked(pw, in, out);
        if (p.kcu != SimdGemm.kcu(in)) {
            // only a tuning probe changes the K block bound (SimdGemm.KC_MAX)
            throw new IllegalStateException("forward: weights packed in K blocks of " + p.kcu + ", the SGEMM now uses "
                    + SimdGemm.kcu(in) + ": repack them");
        }
        SimdGemm.INSTANCE.sgemmPackedB(batch, out, in, 1f, x, xOff, in, p.panels, 0f, y, yOff, out, bias, 0,
                bias == null ? BiasMode.NONE : BiasMode.PER_COLUMN, epilogue);
    }

    /** {@code w^T} packed as the SGEMM's B operand (K blocks of {@code kcu}). */
    static final class Packed implements PackedLinearWeights {
        final int in;
        final int out;
        final float[] panels;
        final int kcu;

        Packed(int in, int out, float[] panels, int kcu) {
            this.in = in;
            this.out = out;
            this.panels = panels;
            this.kcu = kcu;
        }

        @Override
        public int inFeatures() {
            return in;
        }

        @Override
        public int outFeatures() {
            return out;
        }

        @Override
        public String toString() {
            return "SimdLinear.Packed[in=" + in + ", out=" + out + "]";
        }
    }

    @Override
    public void backwardInput(int batch, int in, int out, float[] dy, int dyOff, float[] w, int wOff, float[] dx,
            int dxOff) {
        SimdGemm.INSTANCE.sgemm(false, false, batch, in, out, 1f, dy, dyOff, out, w, wOff, in, 0f, dx, dxOff, in,
                null, 0, BiasMode.NONE, Epilogue.NONE);
    }

    @Override
    public void backwardWeight(int batch, int in, int out, float[] x, int xOff, float[] dy, int dyOff, float[] dw,
            int dwOff) {
        SimdGemm.INSTANCE.sgemm(true, false, out, in, batch, 1f, dy, dyOff, out, x, xOff, in, 0f, dw, dwOff, in,
                null, 0, BiasMode.NONE, Epilogue.NONE);
    }

    @Override
    public void backwardBias(int batch, int out, float[] dy, int dyOff, float[] db) {
        int j = 0;
        int end = out - out % L;
        for (; j < end; j += L) {
            FloatVector acc = FloatVector.zero(F);
            for (int b = 0; b < batch; b++) {
                acc = acc.add(FloatVector.fromArray(F, dy, dyOff + b * out + j));
            }
            acc.intoArray(db, j);
        }
        for (; j < out; j++) {
            float s = 0f;
            for (int b = 0; b < batch; b++) {
                s += dy[dyOff + b * out + j];
            }
            db[j] = s;
        }
    }
}
