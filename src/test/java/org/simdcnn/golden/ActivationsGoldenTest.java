package org.simdcnn.golden;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.simdcnn.kernels.ActivationFn;
import org.simdcnn.kernels.Backend;
import org.simdcnn.tensor.Tensor;

/**
 * Every activation forward and backward on a vector of extremes (+-88, +-88.7, +-89, +-1e4, +-20, -0.0, 0,
 * +-1e-30, +-1e-38, +-1e-45, +-FLT_MAX, +-inf, NaN, the hardswish and softplus edges) plus random values; Maxout
 * (first maximum wins); softmax and log-softmax along each dimension of a 3-d tensor, forward and backward.
 *
 * <p>Activations: each element must be close to one of three references: PyTorch's float32 result (its
 * vectorised CPU path), PyTorch's scalar path (the same function applied to one-element tensors; it differs at a
 * few points, e.g. hardswish backward at x = 3 and at NaN), or the exact math evaluated in float64 with stable
 * formulas and rounded to float32 (it differs where float32 PyTorch overflows or cancels, e.g. hardswish(3.4e38)
 * is inf in float32 PyTorch, and gelu(-7) is 0 there instead of -1e-13). Close means
 * {@code |a - e| <= RTOL*|e| + ATOL} for the forward output with {@link #RTOL} (about 16 float ulps) and
 * {@link #ATOL} (tiny: only differences around the subnormal range pass), and for the gradient additionally
 * {@code + DY_ULPS * 2^-23 * |dy|}: a backward computed from the float32 forward output (sigmoid's
 * {@code y*(1-y)}, tanh's {@code 1-y*y}) is only determined to a few ulps of the upstream gradient. NaN and
 * infinities must match one reference exactly. Maxout: exact. Softmax: {@code rtol = 1e-5}, {@code atol = 3e-7}
 * forward (log-softmax near 0 is {@code -log(sum)} with the sum near 1 known to an ulp), {@code 1e-6} backward
 * ({@code y*(dy - sum(dy*y))} cancels: a few ulps of the O(1) terms).
 */
class ActivationsGoldenTest {
    static final double RTOL = 2e-6;
    static final double ATOL = 1e-35;
    static final double DY_ULPS = 4;

    static ActivationFn fn(GoldenData.Case c) {
        return switch (c.str("fn")) {
            case "relu" -> ActivationFn.RELU;
            case "leaky_relu" -> ActivationFn.leakyRelu(c.f("slope"));
            case "elu" -> ActivationFn.elu(c.f("alpha"));
            case "sigmoid" -> ActivationFn.SIGMOID;
            case "tanh" -> ActivationFn.TANH;
            case "gelu" -> ActivationFn.GELU;
            case "gelu_tanh" -> ActivationFn.GELU_TANH;
            case "silu" -> ActivationFn.SILU;
            case "softplus" -> ActivationFn.softplus(c.f("beta"), c.f("threshold"));
            case "hardswish" -> ActivationFn.HARDSWISH;
            default -> throw new IllegalStateException(c + ": unknown activation");
        };
    }

    /**
     * Per element: close to one of {@code refs} (tolerance {@code rtol*|e| + atol[i]}); a failure is reported with
     * {@link Tensor#diff} against the first reference, with the inputs and all three references of the first
     * mismatches.
     */
    static void closeToAny(GoldenData.Case c, Backend b, String what, Tensor actual, double[] atol, Tensor... refs) {
        Tensor x = c.t("x");
        int bad = 0;
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < actual.size(); i++) {
            float a = actual.getFlat(i);
            boolean ok = false;
            for (Tensor r : refs) {
                ok |= Tensor.close(a, r.getFlat(i), RTOL, atol[i]);
            }
            if (!ok && bad++ < 8) {
                sb.append("\n  x=").append(x.getFlat(i)).append(" -> ").append(a).append(", expected ")
                        .append(refs[0].getFlat(i)).append(" (torch vectorised) or ").append(refs[1].getFlat(i))
                        .append(" (torch scalar) or ").append(refs[2].getFlat(i)).append(" (exact), atol ")
                        .append((float) atol[i]);
            }
        }
        if (bad > 0) {
            fail(Golden.where(c, b, what) + ": " + bad + " elements are close to none of the references:" + sb
                    + "\n  diff against torch vectorised: " + actual.diff(refs[0], RTOL, 0));
        }
    }

    @TestFactory
    Stream<DynamicTest> activations() {
        return Golden.tests("activations", (c, b) -> {
            ActivationFn f = fn(c);
            Tensor x = c.t("x");
            int n = x.size();
            int[] shape = x.shape();
            float[] xa = Golden.at(x);
            float[] y = Golden.out(n);
            b.activations().forward(f, xa, Golden.OFF, y, Golden.OFF, n);
            Tensor yt = Golden.view(c, b, "y", y, shape);
            double[] atolY = new double[n];
            java.util.Arrays.fill(atolY, ATOL);
            closeToAny(c, b, "forward y", yt, atolY, c.t("y"), c.t("y_scalar"), c.t("y_exact"));

            float[] inPlace = Golden.at(x); // forward may run in place and must give the same bits
            b.activations().forward(f, inPlace, Golden.OFF, inPlace, Golden.OFF, n);
            Golden.exact(c, b, "in-place forward vs out-of-place", Golden.view(c, b, "y", inPlace, shape), yt);

            Tensor dyT = c.t("dy");
            float[] dx = Golden.out(n);
            float[] dy = Golden.at(dyT);
            b.activations().backward(f, xa, Golden.OFF, y, Golden.OFF, dy, Golden.OFF, dx, Golden.OFF, n);
            Tensor dxt = Golden.view(c, b, "dx", dx, shape);
            double[] atolDx = new double[n];
            for (int i = 0; i < n; i++) {
                atolDx[i] = ATOL + DY_ULPS * Math.ulp(1f) * Math.abs(dyT.getFlat(i));
            }
            closeToAny(c, b, "backward dx", dxt, atolDx, c.t("dx"), c.t("dx_scalar"), c.t("dx_exact"));

            float[] alias = Golden.at(c.t("dy")); // dx may alias dy
            b.activations().backward(f, xa, Golden.OFF, y, Golden.OFF, alias, Golden.OFF, alias, Golden.OFF, n);
            Golden.exact(c, b, "backward with dx aliasing dy vs separate", Golden.view(c, b, "dx", alias, shape), dxt);
        });
    }

    @TestFactory
    Stream<DynamicTest> maxout() {
        return Golden.tests("maxout", (c, b) -> {
            int n = c.i("n");
            int ch = c.i("c");
            int k = c.i("pieces");
            int sp = c.i("spatial");
            Tensor yExp = c.t("y");
            float[] x = Golden.at(c.t("x"));
            float[] y = Golden.out(yExp.size());
            int[] am = Golden.outInt(yExp.size());
            b.activations().maxoutForward(n, ch, k, sp, x, Golden.OFF, y, Golden.OFF, am, Golden.OFF);
            Golden.exact(c, b, "maxout y", Golden.view(c, b, "y", y, yExp.shape()), yExp);
            int[] got = Golden.viewInt(c, b, "argmax", am);
            Golden.exactInts(c, b, "maxout argmax (first maximum wins)", got, c.it("argmax").data());

            float[] y2 = Golden.out(yExp.size());
            b.activations().maxoutForward(n, ch, k, sp, x, Golden.OFF, y2, Golden.OFF, null, 0);
            Golden.exact(c, b, "maxout y without argmax", Golden.view(c, b, "y", y2, yExp.shape()), yExp);

            Tensor dxExp = c.t("dx");
            float[] dx = Golden.out(dxExp.size());
            b.activations().maxoutBackward(n, ch, k, sp, Golden.at(c.t("dy")), Golden.OFF,
                    Golden.atInt(c.it("argmax").data()), Golden.OFF, dx, Golden.OFF);
            Golden.exact(c, b, "maxout backward dx", Golden.view(c, b, "dx", dx, dxExp.shape()), dxExp);
        });
    }

    @TestFactory
    Stream<DynamicTest> softmax() {
        return Golden.tests("softmax", (c, b) -> {
            int[] shape = c.ints("shape");
            int dim = c.i("dim");
            int d = dim < 0 ? shape.length + dim : dim;
            int outer = 1;
            int inner = 1;
            for (int i = 0; i < d; i++) {
                outer *= shape[i];
            }
            for (int i = d + 1; i < shape.length; i++) {
                inner *= shape[i];
            }
            boolean log = c.bool("log");
            Tensor yExp = c.t("y");
            float[] y = Golden.out(yExp.size());
            b.softmax().forward(log, outer, shape[d], inner, Golden.at(c.t("x")), Golden.OFF, y, Golden.OFF);
            Tensor yt = Golden.view(c, b, "y", y, shape);
            Golden.close(c, b, (log ? "log_softmax" : "softmax") + " y", yt, yExp, 1e-5, 3e-7);

            float[] dx = Golden.out(yExp.size());
            b.softmax().backward(log, outer, shape[d], inner, Golden.at(yt), Golden.OFF, Golden.at(c.t("dy")),
                    Golden.OFF, dx, Golden.OFF);
            Golden.close(c, b, (log ? "log_softmax" : "softmax") + " backward dx", Golden.view(c, b, "dx", dx, shape),
                    c.t("dx"), 1e-5, 1e-6);
        });
    }
}
