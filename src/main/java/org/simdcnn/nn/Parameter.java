package org.simdcnn.nn;

import java.util.Arrays;
import org.simdcnn.tensor.Tensor;

/**
 * A trainable tensor and its gradient, as PyTorch's {@code nn.Parameter} with {@code .grad}. The gradient has the
 * shape of the data, starts at zero, and is <b>accumulated</b> by {@link Module#backward} until
 * {@link #zeroGrad()} (or {@link Module#zeroGrad()} / an optimizer's {@code zeroGrad()}) clears it.
 *
 * <p>{@link #name()} is the local name inside the module that owns it ({@code "weight"}, {@code "bias"}); the
 * full PyTorch state-dict name ({@code "0.weight"}) is the key in {@link Module#namedParameters()}.
 */
public final class Parameter {
    private final String name;
    private final Tensor data;
    private final Tensor grad;

    /**
     * @param name local name, not empty, no dots
     * @param data the values (kept, not copied); must be a contiguous tensor starting at offset 0 of its array
     */
    public Parameter(String name, Tensor data) {
        if (name == null || name.isEmpty() || name.contains(".")) {
            throw new IllegalArgumentException("name: must be a non-empty name without dots, got '" + name + "'");
        }
        if (data == null) {
            throw new IllegalArgumentException("data: must not be null (parameter '" + name + "')");
        }
        if (data.offset() != 0 || data.data().length != data.size()) {
            throw new IllegalArgumentException("data: parameter '" + name + "' must own its whole array (offset "
                    + data.offset() + ", array " + data.data().length + ", size " + data.size() + ")");
        }
        this.name = name;
        this.data = data;
        this.grad = Tensor.zeros(data.shape());
    }

    /** The local name ({@code "weight"}, {@code "bias"}, ...). */
    public String name() {
        return name;
    }

    /** The values (live: optimizers update them in place). */
    public Tensor data() {
        return data;
    }

    /** The accumulated gradient, same shape as {@link #data()} (live). */
    public Tensor grad() {
        return grad;
    }

    /** Number of elements. */
    public int size() {
        return data.size();
    }

    /** Sets the gradient to zero. */
    public void zeroGrad() {
        grad.fill(0f);
    }

    /** Adds {@code g[from .. from+size)} to the gradient. */
    void accumulateGrad(float[] g, int from) {
        float[] d = grad.data();
        for (int i = 0; i < d.length; i++) {
            d[i] += g[from + i];
        }
    }

    @Override
    public String toString() {
        return "Parameter(" + name + ", shape=" + Arrays.toString(data.shape()) + ")";
    }
}
