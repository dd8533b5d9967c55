package org.simdcnn.nn;

import java.util.Arrays;
import org.simdcnn.tensor.Tensor;

/**
 * PyTorch's {@code nn.BatchNorm2d(num_features, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True)}
 * on {@code (N, C, H, W)}.
 */
public final class BatchNorm2d extends BatchNormNd {
    public BatchNorm2d(int numFeatures) {
        this(numFeatures, 1e-5f, 0.1f, true, true);
    }

    public BatchNorm2d(int numFeatures, float eps, float momentum, boolean affine, boolean trackRunningStats) {
        super("BatchNorm2d", numFeatures, eps, momentum, affine, trackRunningStats);
    }

    @Override
    int spatial(Tensor x) {
        if (x.rank() != 4) {
            throw new IllegalArgumentException("BatchNorm2d: expected 4D input (N, C, H, W), got shape "
                    + Arrays.toString(x.shape()));
        }
        return x.dim(2) * x.dim(3);
    }
}
