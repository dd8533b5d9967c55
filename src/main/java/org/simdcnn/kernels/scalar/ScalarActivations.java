package org.simdcnn.kernels.scalar;

import org.simdcnn.kernels.ActivationFn;
import org.simdcnn.kernels.Activations;

/**
 * Reference activations: one plain loop per call, each value computed in double from the float input and rounded
 * once, in PyTorch 1.13's definitions (see {@link ActivationFn}).
 *
 * <p>Where PyTorch's float kernels lose the value to underflow or cancellation, this reference returns the
 * correctly rounded value instead, e.g. {@code sigmoid(-100) = 3.78e-44} (PyTorch: 0), {@code silu(-100) =
 * -3.78e-42} (PyTorch: -0), GELU's left tail. Otherwise it follows PyTorch to the sign of zero and NaN: ReLU and
 * LeakyReLU keep {@code -0.0} and NaN, {@code elu(-0.0) = +0.0}, GELU/SiLU/Hardswish of {@code -inf} are NaN
 * ({@code -inf * 0}), Softplus of NaN is NaN.
 *
 * <p>Backward, as PyTorch's autograd, reads the forward <b>output</b> {@code y} for SIGMOID
 * ({@code dy*y*(1-y)}) and TANH ({@code dy*(1-y^2)}) and the forward <b>input</b> {@code x} for every other kind:
 * ReLU {@code x > 0 ? dy : 0} (0 at 0, {@code dy} at NaN); LeakyReLU {@code x > 0 ? dy : alpha*dy}; ELU
 * {@code x <= 0 ? dy*alpha*exp(x) : dy} (NaN at NaN); GELU {@code dy*(Phi(x) + x*phi(x))}; GELU_TANH PyTorch's
 * product-rule formula; SiLU {@code dy*s*(1 + x*(1-s))}; Softplus {@code beta*x > threshold ? dy :
 * dy*sigmoid(beta*x)}; Hardswish {@code x < -3 ? 0 : x >= 3 ? dy : dy*(2x+3)/6} (NaN at NaN). Where PyTorch's
 * vectorised and scalar CPU paths disagree (Hardswish at exactly 3 and at NaN, ELU at NaN), this follows the
 * vectorised one, which is what tensors of more than a few elements get.
 */
final class ScalarActivations implements Activations {
    private static final double SQRT_2_OVER_PI = 0.7978845608028654; // sqrt(2/pi)
    private static final double KAPPA = 0.044715;

    @Override
    public void forward(ActivationFn f, float[] x, int xOff, float[] y, int yOff, int n) {
        ActivationFn.Kind kind = f.kind();
        float alpha = f.alpha();
        float beta = f.beta();
        for (int i = 0; i < n; i++) {
            y[yOff + i] = forward(kind, alpha, beta, x[xOff + i]);
        }
    }

    /** One forward value, rounded once. Package-visible for tests of the reference itself. */
    static float forward(ActivationFn.Kind kind, float alpha, float beta, float xf) {
        double x = xf;
        switch (kind) {
            case RELU:
                return xf < 0f ? 0f : xf;
            case LEAKY_RELU:
                return xf > 0f ? xf : (float) (x * alpha);
            case ELU:
                if (xf > 0f || xf != xf) {
                    return xf;
                }
                // PyTorch computes (exp(x) - 1) * alpha, which gives +0.0 (times alpha's sign) at x = -0.0
                return xf == 0f ? 0f * alpha : (float) (alpha * Math.expm1(x));
            case SIGMOID:
                return (float) RefMath.sigmoid(x);
            case TANH:
                return (float) Math.tanh(x);
            case GELU:
                return (float) (x * RefMath.normalCdf(x));
            case GELU_TANH:
                return (float) (0.5 * x * onePlusTanh(SQRT_2_OVER_PI * (x + KAPPA * x * x * x)));
            case SILU:
                return (float) (x * RefMath.sigmoid(x));
            case SOFTPLUS:
                if (xf * alpha > beta) { // PyTorch compares the float product with the threshold
                    return xf;
                }
                return (float) (RefMath.log1pExp(x * alpha) / alpha);
            case HARDSWISH:
                return (float) (x * Math.min(Math.max(x + 3.0, 0.0), 6.0) / 6.0);
            default:
                throw new IllegalStateException("unknown activation " + kind);
        }
    }

    /** {@code 1 + tanh(z)}, without the cancellation for very negative {@code z}: {@code 2/(1+exp(-2z))}. */
    private static double onePlusTanh(double z) {
        if (z < 0) {
            double e = Math.exp(2 * z);
            return 2 * e / (1 + e);
        }
        return 1 + Math.tanh(z);
    }

    @Override
    public void backward(ActivationFn f, float[] x, int xOff, float[] y, int yOff, float[] dy, int dyOff,
            float[] dx, int dxOff, int n) {
        ActivationFn.Kind kind = f.kind();
        float alpha = f.alpha();
        float beta = f.beta();
        boolean usesOutput = kind == ActivationFn.Kind.SIGMOID || kind == ActivationFn.Kind.TANH;
        for (int i = 0; i < n; i++) {
            float v = usesOutput ? y[yOff + i] : x[xOff + i];
            dx[dxOff + i] = backward(kind, alpha, beta, v, dy[dyOff + i]);
        }
    }

    /**
     * One gradient value, rounded once; {@code v} is the forward output for SIGMOID and TANH and the forward
     * input otherwise.
     */
    static float backward(ActivationFn.Kind kind, float alpha, float beta, float vf, float gf) {
        double v = vf;
        double g = gf;
        switch (kind) {
            case RELU:
                return vf <= 0f ? 0f : gf;
            case LEAKY_RELU:
                return vf > 0f ? gf : (float) (g * alpha);
            case ELU:
                if (vf != vf) {
                    return Float.NaN; // PyTorch's vectorised path (what bulk tensors take): NaN in, NaN out
                }
                return vf <= 0f ? (float) (g * alpha * Math.exp(v)) : gf;
            case SIGMOID:
                return (float) (g * (1.0 - v) * v);
            case TANH:
                return (float) (g * (1.0 - v * v));
            case GELU:
                return (float) (g * (RefMath.normalCdf(v) + v * RefMath.normalPdf(v)));
            case GELU_TANH: {
                double x2 = v * v;
                double inner = SQRT_2_OVER_PI * (v + KAPPA * x2 * v);
                double t = Math.tanh(inner);
                double left = 0.5 * v;
                double leftDerivative = 0.5 * onePlusTanh(inner);
                // 1 - tanh^2 = 4 e^{-2|z|} / (1 + e^{-2|z|})^2, accurate in the tails
                double e = Math.exp(-2 * Math.abs(inner));
                double tanhDerivative = Double.isNaN(t) ? Double.NaN : 4 * e / ((1 + e) * (1 + e));
                double innerDerivative = SQRT_2_OVER_PI * (1 + 3 * KAPPA * x2);
                return (float) (g * (leftDerivative + left * tanhDerivative * innerDerivative));
            }
            case SILU: {
                double s = RefMath.sigmoid(v);
                return (float) (g * s * (1 + v * (1 - s)));
            }
            case SOFTPLUS:
                if (vf * alpha > beta) {
                    return gf;
                }
                return (float) (g * RefMath.sigmoid(v * alpha));
            case HARDSWISH:
                // PyTorch 1.13's vectorised kernel (what bulk tensors take): x < -3 -> 0, x >= 3 -> dy, else
                // dy*(x/3 + 1/2), and NaN for NaN. (Its scalar tail differs at exactly 3 (1.5*dy) and at NaN (dy).)
                if (vf < -3f) {
                    return 0f;
                }
                if (vf >= 3f) {
                    return gf;
                }
                return (float) (g * (2 * v + 3) / 6.0);
            default:
                throw new IllegalStateException("unknown activation " + kind);
        }
    }

    @Override
    public void maxoutForward(int batch, int channels, int pieces, int spatial, float[] x, int xOff, float[] y,
            int yOff, int[] argmax, int amOff) {
        for (int b = 0; b < batch; b++) {
            for (int c = 0; c < channels; c++) {
                int in = xOff + (b * channels * pieces + c * pieces) * spatial;
                int out = (b * channels + c) * spatial;
                for (int s = 0; s < spatial; s++) {
                    float best = x[in + s];
                    int arg = 0;
                    for (int p = 1; p < pieces; p++) {
                        float v = x[in + p * spatial + s];
                        // torch.max along a dim: the first maximum, and the first NaN wins over numbers
                        if (v > best || (v != v && best == best)) {
                            best = v;
                            arg = p;
                        }
                    }
                    y[yOff + out + s] = best;
                    if (argmax != null) {
                        argmax[amOff + out + s] = arg;
                    }
                }
            }
        }
    }

    @Override
    public void maxoutBackward(int batch, int channels, int pieces, int spatial, float[] dy, int dyOff,
            int[] argmax, int amOff, float[] dx, int dxOff) {
        for (int b = 0; b < batch; b++) {
            for (int c = 0; c < channels; c++) {
                int in = dxOff + (b * channels * pieces + c * pieces) * spatial;
                int out = (b * channels + c) * spatial;
                for (int s = 0; s < spatial; s++) {
                    int arg = argmax[amOff + out + s];
                    float g = dy[dyOff + out + s];
                    for (int p = 0; p < pieces; p++) {
                        dx[in + p * spatial + s] = p == arg ? g : 0f;
                    }
                }
            }
        }
    }
}
