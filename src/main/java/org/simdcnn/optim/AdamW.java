package org.simdcnn.optim;

import java.util.List;
import org.simdcnn.nn.Parameter;

/**
 * PyTorch's {@code torch.optim.AdamW(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2)}:
 * decoupled weight decay {@code p *= 1 - lr*wd} before the Adam update (which then has no weight decay).
 */
public final class AdamW extends Adam {
    public AdamW(List<Parameter> params, float lr) {
        this(params, lr, 0.9f, 0.999f, 1e-8f, 1e-2f);
    }

    public AdamW(List<Parameter> params, float lr, float beta1, float beta2, float eps, float weightDecay) {
        super("AdamW", params, lr, beta1, beta2, eps, weightDecay, true);
    }
}
