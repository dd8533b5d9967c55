package org.simdcnn.data;

import org.simdcnn.tensor.Tensor;

/**
 * A mini-batch from a {@link DataLoader}: images {@code (B, C, H, W)} and their {@code B} labels. The arrays
 * belong to the loader and are reused: a batch is valid until the next call of {@code next()} on the epoch that
 * produced it (copy what you need to keep).
 *
 * @param images shape {@code (B, C, H, W)}
 * @param labels length {@code B}
 */
public record Batch(Tensor images, int[] labels) {
    /** Number of samples {@code B}. */
    public int size() {
        return labels.length;
    }
}
