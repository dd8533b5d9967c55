package org.simdcnn.nn;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.Map;
import java.util.SplittableRandom;
import org.simdcnn.tensor.Tensor;

/**
 * Central finite differences of a whole network against its backward: the scalar loss is
 * {@code L = sum(out * R)} accumulated in double for a fixed random {@code R}; each checked element of every
 * parameter and of the input is perturbed by {@code +-h} and {@code (L+ - L-) / 2h} compared with the analytic
 * gradient. Where the central difference disagrees, a kink of the network (ReLU, max, ELU) may lie within
 * {@code h}; the analytic gradient must then equal one of the one-sided differences.
 */
final class GradCheck {
    private GradCheck() {
    }

    static double loss(Tensor out, Tensor r) {
        double s = 0;
        for (int i = 0; i < out.size(); i++) {
            s += (double) out.getFlat(i) * r.getFlat(i);
        }
        return s;
    }

    /**
     * @param beforeForward run before every forward (e.g. to reseed dropout); may be null
     * @param samples elements checked per tensor (spread over it)
     */
    static void check(String what, Module model, Tensor x, Runnable beforeForward, double h, double rtol,
            double atol, int samples) {
        model.train();
        model.zeroGrad();
        Runnable pre = beforeForward == null ? () -> { } : beforeForward;
        pre.run();
        Tensor out = model.forward(x);
        Tensor r = Tensor.uniform(99, -1f, 1f, out.shape());
        Tensor dx = model.backward(r);
        StringBuilder errors = new StringBuilder();
        int checked = 0;
        for (Map.Entry<String, Parameter> e : model.namedParameters().entrySet()) {
            Parameter p = e.getValue();
            checked += compare(what, e.getKey(), model, x, r, p.data(), p.grad(), pre, h, rtol, atol, samples,
                    errors);
        }
        checked += compare(what, "input", model, x, r, x, dx, pre, h, rtol, atol, samples, errors);
        if (!errors.isEmpty()) {
            fail(what + ": gradient check failed (" + checked + " elements checked):" + errors);
        }
    }

    private static boolean close(double numeric, double analytic, double rtol, double atol) {
        return Math.abs(numeric - analytic) <= atol + rtol * Math.max(Math.abs(numeric), Math.abs(analytic));
    }

    private static int compare(String what, String name, Module model, Tensor x, Tensor r, Tensor data,
            Tensor grad, Runnable pre, double h, double rtol, double atol, int samples, StringBuilder errors) {
        int n = data.size();
        SplittableRandom pick = new SplittableRandom(name.hashCode());
        int count = Math.min(n, samples);
        for (int s = 0; s < count; s++) {
            int i = n <= samples ? s : pick.nextInt(n);
            float orig = data.getFlat(i);
            data.setFlat(i, (float) (orig + h));
            pre.run();
            double lp = loss(model.forward(x), r);
            data.setFlat(i, (float) (orig - h));
            pre.run();
            double lm = loss(model.forward(x), r);
            data.setFlat(i, orig);
            double hp = (double) (float) (orig + h) - (double) orig;
            double hm = (double) orig - (double) (float) (orig - h);
            double numeric = (lp - lm) / (hp + hm);
            double analytic = grad.getFlat(i);
            if (!close(numeric, analytic, rtol, atol)) {
                // a kink (ReLU, max, ELU with alpha != 1) inside [x-h, x+h]: the analytic gradient must then be
                // one of the one-sided derivatives
                pre.run();
                double l0 = loss(model.forward(x), r);
                if (close((lp - l0) / hp, analytic, rtol, atol) || close((l0 - lm) / hm, analytic, rtol, atol)) {
                    continue;
                }
                errors.append("\n  ").append(name).append("[").append(i).append("]: analytic ").append(analytic)
                        .append(" numeric ").append(numeric);
            }
        }
        return count;
    }
}
