package org.simdcnn.kernels;

/**
 * Fully connected layer, PyTorch's layout: input {@code (batch, in)}, weight {@code (out, in)}, bias {@code (out)}
 * or null, output {@code (batch, out)}: {@code y = epilogue(x * w^T + b)}. Backward methods overwrite their output.
 */
public interface Linear {
    void forward(int batch, int in, int out, float[] x, int xOff, float[] w, int wOff, float[] bias, float[] y,
            int yOff, Epilogue epilogue);

    /**
     * Packs the weights {@code (out, in)} once for many {@link #forward(int, int, int, float[], int,
     * PackedLinearWeights, float[], float[], int, Epilogue)} calls (any batch size). The result is a snapshot: call
     * {@link #repack} after the weights change. Allocates (once per layer). {@code in} and {@code out} must be
     * at least 1.
     */
    default PackedLinearWeights pack(int in, int out, float[] w, int wOff) {
        return new PackedLinearWeights.Copy(in, out, w, wOff);
    }

    /**
     * Refreshes {@code pw} (made by this backend's {@link #pack}) from the current weights, in place and without
     * allocating; call it after every change of the weights.
     */
    default void repack(PackedLinearWeights pw, float[] w, int wOff) {
        if (!(pw instanceof PackedLinearWeights.Copy c)) {
            throw new IllegalArgumentException("repack: weights were packed by another backend: " + pw);
        }
        checkPack("repack", pw.inFeatures(), pw.outFeatures(), w, wOff);
        c.refill(w, wOff);
    }

    /**
     * {@code y = epilogue(x * w^T + b)} with weights packed by this backend's {@link #pack} for {@code in} inputs and
     * {@code out} outputs. The result is the same as the plain forward's with the same weights.
     */
    default void forward(int batch, int in, int out, float[] x, int xOff, PackedLinearWeights pw, float[] bias,
            float[] y, int yOff, Epilogue epilogue) {
        if (!(pw instanceof PackedLinearWeights.Copy c)) {
            throw new IllegalArgumentException("forward: weights were packed by another backend: " + pw);
        }
        checkPacked(pw, in, out);
        forward(batch, in, out, x, xOff, c.weights(), 0, bias, y, yOff, epilogue);
    }

    /**
     * Refuses {@code in} or {@code out} below 1, more than {@code 2^30} weights, and a weight array that does not
     * hold {@code out * in} floats from {@code wOff}, naming {@code method}.
     */
    static void checkPack(String method, int in, int out, float[] w, int wOff) {
        if (in < 1 || out < 1) {
            throw new IllegalArgumentException(method + ": in and out must be >= 1, got in=" + in + ", out=" + out);
        }
        long n = (long) in * out;
        if (n > 1 << 30) {
            throw new IllegalArgumentException(method + ": in * out must be at most 2^30, got in=" + in + ", out="
                    + out);
        }
        if (w == null || wOff < 0 || wOff + n > w.length) {
            throw new IllegalArgumentException(method + ": w must hold in * out = " + n + " floats from wOff=" + wOff
                    + ", got " + (w == null ? "null" : w.length + " floats"));
        }
    }

    /** Refuses packed weights made for other feature counts. */
    static void checkPacked(PackedLinearWeights pw, int in, int out) {
        if (pw.inFeatures() != in || pw.outFeatures() != out) {
            throw new IllegalArgumentException("forward: weights packed for in=" + pw.inFeatures() + ", out="
                    + pw.outFeatures() + " do not fit in=" + in + ", out=" + out);
        }
    }

    /** {@code dx = dy * w}. */
    void backwardInput(int batch, int in, int out, float[] dy, int dyOff, float[] w, int wOff, float[] dx,
            int dxOff);

    /** {@code dw = dy^T * x}. */
    void backwardWeight(int batch, int in, int out, float[] x, int xOff, float[] dy, int dyOff, float[] dw,
            int dwOff);

    /** {@code db = column sums of dy}. */
    void backwardBias(int batch, int out, float[] dy, int dyOff, float[] db);
}
