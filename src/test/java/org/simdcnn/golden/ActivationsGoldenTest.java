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
 * <p>Activations: each element must be close to PyTorch's float32 result <em>or</em> to the float64 result
 * rounded to float32 (the exact math; it differs where float32 PyTorch overflows or cancels, e.g.
 * {@code hardswish(3.4e38)} is inf in float32). Close means {@code |a - e| <= RTOL*|e| + ATOL} with
 * {@link #RTOL} (about 16 float ulps) and {@link #ATOL} (below the smallest normal float, so only
 * underflow-to-subnormal differences pass); NaN and infinities must match one reference exactly.
 * Maxout: exact. Softmax: {@code rtol = 1e-5}, {@code atol = 1e-7} forward, {@code 1e-6} backward.
 */
class ActivationsGoldenTest {
    static final double RTOL = 2e-6;
    static final double ATOL = 1e-37;

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

    /** Per element: close to {@code e32} or to {@code e64}; the diff is reported against the nearer one. */
    static void closeToEither(GoldenData.Case c, Backend b, String what, Tensor actual, Tensor e32, Tensor e64) {
        Tensor chosen = e32.copy();
        for (int i = 0; i < actual.size(); i++) {
            float a = actual.getFlat(i);
            if (!Tensor.close(a, e32.getFlat(i), RTOL, ATOL) && Tensor.close(a, e64.getFlat(i), RTOL, ATOL)) {
                chosen.setFlat(i, e64.getFlat(i));
            }
        }
        String d = actual.diff(chosen, RTOL, ATOL);
        if (d != null) {
            fail(Golden.where(c, b, what) + " (expected: PyTorch float32; float64 values also accepted): " + d
                    + "\n  inputs x of the first mismatches: " + firstBadInputs(c, actual, chosen));
        }
    }

    private static String firstBadInputs(GoldenData.Case c, Tensor actual, Tensor expected) {
        Tensor x = c.t("x");
        StringBuilder sb = new StringBuilder();
        int shown = 0;
        for (int i = 0; i < actual.size() && shown < 8; i++) {
            if (!Tensor.close(actual.getFlat(i), expected.getFlat(i), RTOL, ATOL)) {
                sb.append(shown++ > 0 ? ", " : "").append("x=").append(x.getFlat(i)).append(" -> ")
                        .append(actual.getFlat(i)).append(" (expected ").append(expected.getFlat(i)).append(')');
            }
        }
        return sb.toString();
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
            closeToEither(c, b, "forward y", yt, c.t("y"), c.t("y64"));

            float[] inPlace = Golden.at(x); // forward may run in place and must give the same bits
            b.activations().forward(f, inPlace, Golden.OFF, inPlace, Golden.OFF, n);
            Golden.exact(c, b, "in-place forward vs out-of-place", Golden.view(c, b, "y", inPlace, shape), yt);

            float[] dx = Golden.out(n);
            float[] dy = Golden.at(c.t("dy"));
            b.activations().backward(f, xa, Golden.OFF, y, Golden.OFF, dy, Golden.OFF, dx, Golden.OFF, n);
            Tensor dxt = Golden.view(c, b, "dx", dx, shape);
            closeToEither(c, b, "backward dx", dxt, c.t("dx"), c.t("dx64"));

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
            Golden.close(c, b, (log ? "log_softmax" : "softmax") + " y", yt, yExp, 1e-5, 1e-7);

            float[] dx = Golden.out(yExp.size());
            b.softmax().backward(log, outer, shape[d], inner, Golden.at(yt), Golden.OFF, Golden.at(c.t("dy")),
                    Golden.OFF, dx, Golden.OFF);
            Golden.close(c, b, (log ? "log_softmax" : "softmax") + " backward dx", Golden.view(c, b, "dx", dx, shape),
                    c.t("dx"), 1e-5, 1e-6);
        });
    }
}
