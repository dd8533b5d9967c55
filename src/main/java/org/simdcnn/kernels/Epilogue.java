package org.simdcnn.kernels;

/**
 * What a GEMM or convolution applies to each result in registers before the store, after bias:
 * nothing, ReLU, LeakyReLU with {@code slope}, or a clamp to {@code [lo, hi]}.
 */
public record Epilogue(Kind kind, float a, float b) {
    public enum Kind { NONE, RELU, LEAKY_RELU, CLAMP }

    public static final Epilogue NONE = new Epilogue(Kind.NONE, 0f, 0f);
    public static final Epilogue RELU = new Epilogue(Kind.RELU, 0f, 0f);

    public Epilogue {
        if (kind == null) {
            throw new IllegalArgumentException("epilogue: kind must not be null");
        }
        if (kind == Kind.CLAMP && !(a <= b)) {
            throw new IllegalArgumentException("epilogue: clamp needs lo <= hi, got lo=" + a + " hi=" + b);
        }
    }

    public static Epilogue leakyRelu(float slope) {
        return new Epilogue(Kind.LEAKY_RELU, slope, 0f);
    }

    public static Epilogue clamp(float lo, float hi) {
        return new Epilogue(Kind.CLAMP, lo, hi);
    }

    /** The scalar definition every implementation must match bit for bit. */
    public float apply(float v) {
        return switch (kind) {
            case NONE -> v;
            case RELU -> v > 0f ? v : (v == v ? 0f : v); // NaN propagates, as in PyTorch
            case LEAKY_RELU -> v > 0f ? v : v * a;
            case CLAMP -> v != v ? v : Math.min(Math.max(v, a), b);
        };
    }
}
