package org.simdcnn.optim;

import java.util.List;
import org.simdcnn.nn.Parameter;

/**
 * PyTorch's {@code torch.optim.SGD(params, lr, momentum=0, dampening=0, weight_decay=0, nesterov=False)}, the
 * same formulas: {@code g += wd*p}; with momentum {@code buf = g} on the first step, then
 * {@code buf = momentum*buf + (1-dampening)*g}; {@code g = nesterov ? g + momentum*buf : buf};
 * {@code p -= lr*g}.
 */
public final class SGD extends Optimizer {
    private final float momentum;
    private final float dampening;
    private final float weightDecay;
    private final boolean nesterov;
    private final float[][] buf;

    public SGD(List<Parameter> params, float lr) {
        this(params, lr, 0f, 0f, 0f, false);
    }

    public SGD(List<Parameter> params, float lr, float momentum, float dampening, float weightDecay,
            boolean nesterov) {
        super("SGD", params, lr);
        checkNonNegative("SGD", "momentum", momentum);
        checkNonNegative("SGD", "weightDecay", weightDecay);
        if (!Float.isFinite(dampening)) {
            throw new IllegalArgumentException("SGD: dampening must be finite, got " + dampening);
        }
        if (nesterov && (momentum <= 0f || dampening != 0f)) {
            throw new IllegalArgumentException("SGD: nesterov needs momentum > 0 and dampening = 0, got momentum="
                    + momentum + " dampening=" + dampening);
        }
        this.momentum = momentum;
        this.dampening = dampening;
        this.weightDecay = weightDecay;
        this.nesterov = nesterov;
        this.buf = new float[this.params.size()][];
    }

    @Override
    public void step() {
        float negLr = (float) -lr();
        float damp = (float) (1.0 - (double) dampening);
        for (int k = 0; k < params.size(); k++) {
            Parameter prm = params.get(k);
            float[] p = prm.data().data();
            float[] g = prm.grad().data();
            int n = p.length;
            float[] b = buf[k];
            boolean first = false;
            if (momentum != 0f && b == null) {
                b = new float[n];
                buf[k] = b;
                first = true;
            }
            for (int i = 0; i < n; i++) {
                float d = g[i];
                if (weightDecay != 0f) {
                    d = d + weightDecay * p[i];
                }
                if (momentum != 0f) {
                    float bi = first ? d : b[i] * momentum + damp * d;
                    b[i] = bi;
                    d = nesterov ? d + momentum * bi : bi;
                }
                p[i] = p[i] + negLr * d;
            }
            prm.data().markModified(); // caches of the values (packed conv weights) see the step
        }
    }
}
