package org.simdcnn.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.simdcnn.io.Json;
import org.simdcnn.nn.Parameter;
import org.simdcnn.tensor.Tensor;

/**
 * The optimizers and schedulers against PyTorch 1.13 (golden data from {@code tools/golden/gen_optim.py}): the
 * parameters after each of several steps of SGD (momentum, dampening, Nesterov, weight decay), Adam and AdamW,
 * and the learning rates of StepLR and CosineAnnealingLR.
 */
class OptimGoldenTest {
    /**
     * Elementwise tolerance: 4 units in the last place of the expected value, or 1e-7 absolute (PyTorch's
     * vectorised kernels fuse some multiply-adds and not others, so after cancellation a value near zero can
     * differ by a few more ulps).
     */
    private static final int MAX_ULPS = 4;
    private static final double ATOL = 1e-7;

    @SuppressWarnings("unchecked")
    static Map<String, Object> golden() throws IOException {
        try (InputStream in = OptimGoldenTest.class.getResourceAsStream("/golden/optim/optim.json")) {
            if (in == null) {
                throw new IOException("golden/optim/optim.json missing: run tools/golden/gen_optim.py");
            }
            return (Map<String, Object>) Json.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
    }

    static float f(Object o) {
        return ((BigDecimal) o).floatValue();
    }

    static double d(Object o) {
        return ((BigDecimal) o).doubleValue();
    }

    @SuppressWarnings("unchecked")
    static float[] floats(Object o) {
        List<Object> l = (List<Object>) o;
        float[] r = new float[l.size()];
        for (int i = 0; i < r.length; i++) {
            r[i] = f(l.get(i));
        }
        return r;
    }

    @SuppressWarnings("unchecked")
    static int[] ints(Object o) {
        List<Object> l = (List<Object>) o;
        int[] r = new int[l.size()];
        for (int i = 0; i < r.length; i++) {
            r[i] = ((BigDecimal) l.get(i)).intValueExact();
        }
        return r;
    }

    static Optimizer make(Map<String, Object> c, List<Parameter> ps) {
        String kind = (String) c.get("optimizer");
        return switch (kind) {
            case "sgd" -> new SGD(ps, f(c.get("lr")), f(c.get("momentum")), f(c.get("dampening")),
                    f(c.get("weight_decay")), (Boolean) c.get("nesterov"));
            case "adam" -> new Adam(ps, f(c.get("lr")), f(c.get("beta1")), f(c.get("beta2")), f(c.get("eps")),
                    f(c.get("weight_decay")));
            case "adamw" -> new AdamW(ps, f(c.get("lr")), f(c.get("beta1")), f(c.get("beta2")), f(c.get("eps")),
                    f(c.get("weight_decay")));
            default -> throw new IllegalStateException("unknown optimizer " + kind);
        };
    }

    @Test
    @SuppressWarnings("unchecked")
    void optimizerStepsMatchPyTorch() throws IOException {
        Map<String, Object> g = golden();
        List<Object> cases = (List<Object>) g.get("cases");
        assertTrue(cases.size() >= 8, "golden cases");
        StringBuilder report = new StringBuilder();
        for (Object co : cases) {
            Map<String, Object> c = (Map<String, Object>) co;
            String name = (String) c.get("name");
            List<Object> shapes = (List<Object>) c.get("shapes");
            List<Object> p0 = (List<Object>) c.get("params0");
            List<Parameter> ps = new ArrayList<>();
            for (int i = 0; i < shapes.size(); i++) {
                ps.add(new Parameter("p" + i, Tensor.of(floats(p0.get(i)), ints(shapes.get(i)))));
            }
            Optimizer opt = make(c, ps);
            List<Object> grads = (List<Object>) c.get("grads");
            List<Object> after = (List<Object>) c.get("after");
            long worst = 0;
            double worstAbs = 0;
            for (int s = 0; s < grads.size(); s++) {
                opt.zeroGrad();
                List<Object> gs = (List<Object>) grads.get(s);
                for (int i = 0; i < ps.size(); i++) {
                    float[] gv = floats(gs.get(i));
                    System.arraycopy(gv, 0, ps.get(i).grad().data(), 0, gv.length);
                }
                opt.step();
                List<Object> exp = (List<Object>) after.get(s);
                for (int i = 0; i < ps.size(); i++) {
                    float[] e = floats(exp.get(i));
                    float[] a = ps.get(i).data().toArray();
                    for (int k = 0; k < e.length; k++) {
                        long ulps = Math.abs((long) Float.floatToIntBits(a[k]) - Float.floatToIntBits(e[k]));
                        worst = Math.max(worst, ulps);
                        worstAbs = Math.max(worstAbs, Math.abs((double) a[k] - e[k]));
                        assertTrue(ulps <= MAX_ULPS || Math.abs((double) a[k] - e[k]) <= ATOL, name + " step "
                                + (s + 1) + " param " + i + "[" + k + "]: " + a[k] + " vs PyTorch " + e[k] + " ("
                                + ulps + " ulps)");
                    }
                }
            }
            report.append(name).append(": max ").append(worst).append(" ulps, abs ").append(worstAbs).append("; ");
        }
        System.out.println("optimizer golden: " + report);
    }

    @Test
    @SuppressWarnings("unchecked")
    void schedulersMatchPyTorch() throws IOException {
        Map<String, Object> g = golden();
        for (Object so : (List<Object>) g.get("schedulers")) {
            Map<String, Object> s = (Map<String, Object>) so;
            String name = (String) s.get("name");
            Parameter p = new Parameter("p", Tensor.zeros(1));
            SGD opt = new SGD(List.of(p), f(s.get("base_lr")));
            LRScheduler sch = switch (name) {
                case "step_lr" -> new StepLR(opt, 3, 0.5f);
                case "cosine" -> new CosineAnnealingLR(opt, 5, 0.01f);
                case "cosine_zero_min" -> new CosineAnnealingLR(opt, 4);
                default -> throw new IllegalStateException(name);
            };
            List<Object> lrs = (List<Object>) s.get("lrs");
            assertEquals(d(lrs.get(0)), sch.lr(), 0.0, name + " epoch 0");
            for (int e = 1; e < lrs.size(); e++) {
                opt.step();
                sch.step();
                double exp = d(lrs.get(e));
                assertEquals(exp, sch.lr(), 1e-12 * Math.abs(exp) + 1e-15, name + " epoch " + e);
            }
        }
    }
}
