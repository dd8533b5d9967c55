package org.simdcnn.data;

import org.simdcnn.tensor.Tensor;

/**
 * One labelled example.
 *
 * @param image the image, shape {@code (C, H, W)}
 * @param label the class index
 */
public record Sample(Tensor image, int label) {
}
