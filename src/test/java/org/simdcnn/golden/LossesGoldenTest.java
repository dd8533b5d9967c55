package org.simdcnn.golden;

import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.simdcnn.kernels.Backend;
import org.simdcnn.kernels.Losses;
import org.simdcnn.kernels.Reduction;
import org.simdcnn.tensor.Tensor;

/**
 * Losses against PyTorch, forward and gradient, each with reduction none/mean/sum: MSE; BCE (with weight, logs
 * clamped at -100 for inputs 0 and 1); BCE with logits (weight, pos_weight on (N, C) and, with shape (C, 1, 1), on
 * (N, C, H, W); logits +-100); cross-entropy with class indices (weight, ignore_index, label_smoothing incl. 1,
 * on (N, C) and (N, C, H, W), extreme logits +-1e4); NLL (weight, ignore_index).
 *
 * <p>Tolerances: {@code rtol = 1e-5}, {@code atol = 1e-7} for per-element losses, {@code 4 * 2^-23 * max(1, |dOut|)} for
 * the gradient (softmax minus one-hot is only known to a few ulps of 1 — the float log-sum-exp and exp each round —
 * times the upstream gradient); the reduced
 * loss (and the sum returned for reduction none) {@code rtol = 1e-5}, {@code atol = 1e-7 * n}.
 */
class LossesGoldenTest {
    static final double RTOL = 1e-5;
    static final double ATOL = 1e-7;
    /** Four ulps of 1: a float probability minus one-hot is good to that. */
    static final double GRAD_ATOL = 4 * 0x1p-23;

    @TestFactory
    Stream<DynamicTest> losses() {
        return Golden.tests("losses", LossesGoldenTest::check);
    }

    private static void check(GoldenData.Case c, Backend b) {
        Losses l = b.losses();
        Reduction r = switch (c.str("reduction")) {
            case "none" -> Reduction.NONE;
            case "mean" -> Reduction.MEAN;
            case "sum" -> Reduction.SUM;
            default -> throw new IllegalStateException(c + ": unknown reduction");
        };
        String loss = c.str("loss");
        Tensor xT = c.t("x");
        int n = xT.size();
        float[] x = Golden.at(xT);
        Tensor lossExp = c.t("loss");
        boolean none = r == Reduction.NONE;
        float[] out = none ? Golden.out(lossExp.size()) : null;
        float[] weight = c.dataOrNull("weight");
        Tensor doutT = c.t("dout");
        float[] dOut = Golden.at(doutT);
        float[] dx = Golden.out(n);
        float ret;
        switch (loss) {
            case "mse" -> {
                float[] t = Golden.at(c.t("t"));
                ret = l.mse(r, n, x, Golden.OFF, t, Golden.OFF, out, Golden.OFF);
                l.mseBackward(r, n, x, Golden.OFF, t, Golden.OFF, dOut, Golden.OFF, dx, Golden.OFF);
            }
            case "bce" -> {
                float[] t = Golden.at(c.t("t"));
                ret = l.bce(r, n, x, Golden.OFF, t, Golden.OFF, weight, out, Golden.OFF);
                l.bceBackward(r, n, x, Golden.OFF, t, Golden.OFF, weight, dOut, Golden.OFF, dx, Golden.OFF);
            }
            case "bce_with_logits" -> {
                float[] t = Golden.at(c.t("t"));
                float[] pw = c.dataOrNull("pos_weight");
                int inner = c.i("pos_inner");
                ret = l.bceWithLogits(r, n, x, Golden.OFF, t, Golden.OFF, weight, pw, inner, out, Golden.OFF);
                l.bceWithLogitsBackward(r, n, x, Golden.OFF, t, Golden.OFF, weight, pw, inner, dOut, Golden.OFF, dx,
                        Golden.OFF);
            }
            case "cross_entropy", "nll" -> {
                int batch = c.i("batch");
                int classes = c.i("classes");
                int inner = c.i("inner");
                int ignore = c.i("ignore_index");
                int[] target = Golden.atInt(c.it("target").data());
                if (loss.equals("nll")) {
                    ret = l.nll(r, batch, classes, inner, x, Golden.OFF, target, Golden.OFF, weight, ignore, out,
                            Golden.OFF);
                    l.nllBackward(r, batch, classes, inner, x, Golden.OFF, target, Golden.OFF, weight, ignore, dOut,
                            Golden.OFF, dx, Golden.OFF);
                } else {
                    float ls = c.f("label_smoothing");
                    ret = l.crossEntropy(r, batch, classes, inner, x, Golden.OFF, target, Golden.OFF, weight, ignore,
                            ls, out, Golden.OFF);
                    l.crossEntropyBackward(r, batch, classes, inner, x, Golden.OFF, target, Golden.OFF, weight, ignore,
                            ls, dOut, Golden.OFF, dx, Golden.OFF);
                }
            }
            default -> throw new IllegalStateException(c + ": unknown loss");
        }
        if (none) {
            Golden.close(c, b, "per-element loss", Golden.view(c, b, "out", out, lossExp.shape()), lossExp, RTOL,
                    ATOL);
            double sum = 0;
            for (int i = 0; i < lossExp.size(); i++) {
                sum += lossExp.getFlat(i);
            }
            Golden.closeScalar(c, b, "returned sum of per-element losses", ret, (float) sum, RTOL,
                    ATOL * lossExp.size());
        } else {
            Golden.closeScalar(c, b, "reduced loss", ret, lossExp.getFlat(0), RTOL, ATOL * n);
        }
        float maxDOut = 1;
        for (int i = 0; i < doutT.size(); i++) {
            maxDOut = Math.max(maxDOut, Math.abs(doutT.getFlat(i)));
        }
        Golden.close(c, b, "gradient dx", Golden.view(c, b, "dx", dx, xT.shape()), c.t("dx"), RTOL,
                GRAD_ATOL * maxDOut);
    }
}
