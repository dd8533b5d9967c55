package org.simdcnn.nn;

import java.util.Arrays;
import org.simdcnn.tensor.Tensor;

/**
 * PyTorch's {@code nn.BatchNorm1d(num_features, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True)}
 * on {@code (N, C)} or {@code (N, C, L)}.
 */
public final class BatchNorm1d extends BatchNormNd {
    public BatchNorm1d(int numFeatures) {
        this(numFeatures, 1e-5f, 0.1f, true, true);
    }

    public BatchNorm1d(int numFeatures, float eps, float momentum, boolean affine, boolean trackRunningStats) {
        super("BatchNorm1d", numFeatures, eps, momentum, affine, trackRunningStats);
    }

    @Override
    int spatial(Tensor x) {
        if (x.rank() != 2 && x.rank() != 3) {
            throw new IllegalArgumentException("BatchNorm1d: expected 2D or 3D input (N, C) or (N, C, L), got shape "
                    + Arrays.toString(x.shape()));
        }
        return x.rank() == 3 ? x.dim(2) : 1;
    }
}
