package org.simdcnn.kernels;

/**
 * One elementwise activation with its parameters, PyTorch's definitions and defaults:
 * <ul>
 *   <li>{@code RELU}: max(0, x)</li>
 *   <li>{@code LEAKY_RELU(alpha = negative_slope, default 0.01)}: x if x &gt; 0 else alpha*x</li>
 *   <li>{@code ELU(alpha, default 1)}: x if x &gt; 0 else alpha*(exp(x)-1)</li>
 *   <li>{@code SIGMOID}: 1/(1+exp(-x)); {@code TANH}</li>
 *   <li>{@code GELU}: x*Phi(x) exact (erf); {@code GELU_TANH}: 0.5x(1+tanh(sqrt(2/pi)(x+0.044715x^3)))</li>
 *   <li>{@code SILU}: x*sigmoid(x)</li>
 *   <li>{@code SOFTPLUS(alpha = beta, default 1; beta = threshold, default 20)}: log(1+exp(beta*x))/beta, linear
 *       (x) where beta*x &gt; threshold</li>
 *   <li>{@code HARDSWISH}: x*relu6(x+3)/6</li>
 * </ul>
 */
public record ActivationFn(Kind kind, float alpha, float beta) {
    public enum Kind { RELU, LEAKY_RELU, ELU, SIGMOID, TANH, GELU, GELU_TANH, SILU, SOFTPLUS, HARDSWISH }

    public static final ActivationFn RELU = new ActivationFn(Kind.RELU, 0f, 0f);
    public static final ActivationFn SIGMOID = new ActivationFn(Kind.SIGMOID, 0f, 0f);
    public static final ActivationFn TANH = new ActivationFn(Kind.TANH, 0f, 0f);
    public static final ActivationFn GELU = new ActivationFn(Kind.GELU, 0f, 0f);
    public static final ActivationFn GELU_TANH = new ActivationFn(Kind.GELU_TANH, 0f, 0f);
    public static final ActivationFn SILU = new ActivationFn(Kind.SILU, 0f, 0f);
    public static final ActivationFn HARDSWISH = new ActivationFn(Kind.HARDSWISH, 0f, 0f);

    public ActivationFn {
        if (kind == null) {
            throw new IllegalArgumentException("activation: kind must not be null");
        }
        if (kind == Kind.SOFTPLUS && !(alpha != 0f && Float.isFinite(alpha))) {
            throw new IllegalArgumentException("softplus: beta must be finite and non-zero, got " + alpha);
        }
    }

    public static ActivationFn leakyRelu(float negativeSlope) {
        return new ActivationFn(Kind.LEAKY_RELU, negativeSlope, 0f);
    }

    public static ActivationFn elu(float alpha) {
        return new ActivationFn(Kind.ELU, alpha, 0f);
    }

    public static ActivationFn softplus(float beta, float threshold) {
        return new ActivationFn(Kind.SOFTPLUS, beta, threshold);
    }
}
