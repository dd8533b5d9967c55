package org.simdcnn.data;

import java.util.Arrays;
import org.simdcnn.tensor.Tensor;

/** An in-memory dataset over a float tensor of images {@code (N, C, H, W)} and {@code N} labels. */
public final class TensorDataset implements Dataset {
    private final Tensor images;
    private final int[] labels;
    private final int[] shape;
    private final int imageSize;

    /**
     * @param images shape {@code (N, C, H, W)} (not copied)
     * @param labels {@code N} labels, each {@code >= 0} (copied)
     * @throws IllegalArgumentException when the shapes disagree or a label is negative
     */
    public TensorDataset(Tensor images, int[] labels) {
        if (images == null || labels == null) {
            throw new IllegalArgumentException("images and labels must not be null");
        }
        if (images.rank() != 4) {
            throw new IllegalArgumentException("images: must have shape (N, C, H, W), got "
                    + Arrays.toString(images.shape()));
        }
        if (images.dim(0) != labels.length) {
            throw new IllegalArgumentException("labels: " + images.dim(0) + " images but " + labels.length
                    + " labels");
        }
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0) {
                throw new IllegalArgumentException("labels: label " + labels[i] + " at index " + i + " is negative");
            }
        }
        this.images = images;
        this.labels = labels.clone();
        int[] s = images.shape();
        this.shape = new int[] {s[1], s[2], s[3]};
        this.imageSize = s[1] * s[2] * s[3];
    }

    @Override
    public int size() {
        return labels.length;
    }

    @Override
    public int[] imageShape() {
        return shape.clone();
    }

    @Override
    public int imageSize() {
        return imageSize;
    }

    @Override
    public Sample get(int i) {
        Dataset.checkIndex(i, labels.length);
        return new Sample(images.select0(i).copy(), labels[i]);
    }

    @Override
    public int load(int i, float[] dst, int offset) {
        Dataset.checkIndex(i, labels.length);
        System.arraycopy(images.data(), images.offset() + i * imageSize, dst, offset, imageSize);
        return labels[i];
    }

    @Override
    public int[] labels() {
        return labels.clone();
    }

    @Override
    public String toString() {
        return "TensorDataset(" + labels.length + " x " + Arrays.toString(shape) + ")";
    }
}
