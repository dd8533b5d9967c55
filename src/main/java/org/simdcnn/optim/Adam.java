package org.simdcnn.optim;

import java.util.List;
import org.simdcnn.nn.Parameter;

/**
 * PyTorch's {@code torch.optim.Adam(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0)} with its
 * formulas and bias correction (scalars in double precision as Python computes them, elementwise work in float):
 * {@code g += wd*p; m = beta1*m + (1-beta1)*g; v = beta2*v + (1-beta2)*g*g;
 * p -= lr/(1-beta1^t) * m / (sqrt(v)/sqrt(1-beta2^t) + eps)}.
 */
public class Adam extends Optimizer {
    private final double beta1;
    private final double beta2;
    private final double eps;
    private final double weightDecay;
    private final boolean decoupled;
    private final float[][] m;
    private final float[][] v;
    private long t;

    public Adam(List<Parameter> params, float lr) {
        this(params, lr, 0.9f, 0.999f, 1e-8f, 0f);
    }

    public Adam(List<Parameter> params, float lr, float beta1, float beta2, float eps, float weightDecay) {
        this("Adam", params, lr, beta1, beta2, eps, weightDecay, false);
    }

    Adam(String op, List<Parameter> params, double lr, double beta1, double beta2, double eps, double weightDecay,
            boolean decoupled) {
        super(op, params, lr);
        if (!(beta1 >= 0.0 && beta1 < 1.0) || !(beta2 >= 0.0 && beta2 < 1.0)) {
            throw new IllegalArgumentException(op + ": betas must be in [0, 1), got (" + beta1 + ", " + beta2 + ")");
        }
        checkNonNegative(op, "eps", eps);
        checkNonNegative(op, "weightDecay", weightDecay);
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
        this.decoupled = decoupled;
        this.m = new float[this.params.size()][];
        this.v = new float[this.params.size()][];
    }

    /** Number of steps taken. */
    public long steps() {
        return t;
    }

    @Override
    public void step() {
        t++;
        double lr = lr();
        double bc1 = 1.0 - Math.pow(beta1, t);
        double bc2 = 1.0 - Math.pow(beta2, t);
        float negStepSize = (float) -(lr / bc1);
        float bc2Sqrt = (float) Math.sqrt(bc2);
        float b1 = (float) beta1;
        float b2 = (float) beta2;
        float oneMinusB1 = (float) (1.0 - beta1);
        float oneMinusB2 = (float) (1.0 - beta2);
        float epsF = (float) eps;
        float wd = (float) weightDecay;
        float decay = (float) (1.0 - lr * weightDecay);
        for (int k = 0; k < params.size(); k++) {
            Parameter prm = params.get(k);
            float[] p = prm.data().data();
            float[] g = prm.grad().data();
            int n = p.length;
            if (m[k] == null) {
                m[k] = new float[n];
                v[k] = new float[n];
            }
            float[] mk = m[k];
            float[] vk = v[k];
            if (decoupled && weightDecay != 0.0) {
                for (int i = 0; i < n; i++) {
                    p[i] = p[i] * decay;
                }
            }
            boolean coupled = !decoupled && weightDecay != 0.0;
            for (int i = 0; i < n; i++) {
                float gi = coupled ? g[i] + wd * p[i] : g[i];
                float mi = mk[i] * b1 + oneMinusB1 * gi;
                float vi = vk[i] * b2 + oneMinusB2 * gi * gi;
                mk[i] = mi;
                vk[i] = vi;
                float denom = (float) Math.sqrt(vi) / bc2Sqrt + epsF;
                p[i] = p[i] + negStepSize * mi / denom;
            }
            prm.data().markModified(); // caches of the values (packed conv weights) see the step
        }
    }
}
