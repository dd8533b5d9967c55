package org.simdcnn.nn;

import java.util.Arrays;
import org.simdcnn.tensor.Tensor;

/** PyTorch's {@code nn.Flatten(start_dim=1, end_dim=-1)}: a reshape view (no copy). */
public final class Flatten extends Module {
    private final int startDim;
    private final int endDim;
    private int[] lastInShape;

    public Flatten() {
        this(1, -1);
    }

    public Flatten(int startDim, int endDim) {
        this.startDim = startDim;
        this.endDim = endDim;
    }

    @Override
    public Tensor forward(Tensor x) {
        if (x == null) {
            throw new IllegalArgumentException("Flatten: input must not be null");
        }
        int[] s = x.shape();
        int r = Math.max(1, s.length);
        int a = startDim < 0 ? startDim + r : startDim;
        int b = endDim < 0 ? endDim + r : endDim;
        if (a < 0 || b >= r || a > b) {
            throw new IllegalArgumentException("Flatten: start_dim " + startDim + " and end_dim " + endDim
                    + " do not fit input of shape " + Arrays.toString(s));
        }
        if (s.length == 0) {
            return x.reshape(1);
        }
        int[] out = new int[s.length - (b - a)];
        int j = 0;
        for (int i = 0; i < a; i++) {
            out[j++] = s[i];
        }
        int p = 1;
        for (int i = a; i <= b; i++) {
            p *= s[i];
        }
        out[j++] = p;
        for (int i = b + 1; i < s.length; i++) {
            out[j++] = s[i];
        }
        if (isTraining()) {
            lastInShape = s;
        }
        return x.reshape(out);
    }

    @Override
    public Tensor backward(Tensor gradOutput) {
        if (lastInShape == null || !isTraining()) {
            throw noForward();
        }
        if (gradOutput == null || gradOutput.size() != Arrays.stream(lastInShape).reduce(1, (u, v) -> u * v)) {
            throw new IllegalArgumentException("Flatten.backward: gradOutput " + (gradOutput == null ? "null"
                    : Arrays.toString(gradOutput.shape())) + " does not match input shape "
                    + Arrays.toString(lastInShape));
        }
        return gradOutput.reshape(lastInShape);
    }

    @Override
    protected String extraRepr() {
        return "start_dim=" + startDim + ", end_dim=" + endDim;
    }
}
