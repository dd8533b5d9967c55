package org.simdcnn.data;

import java.util.Arrays;
import org.simdcnn.tensor.Tensor;

/**
 * An in-memory dataset of 8-bit grayscale (or multi-channel) images and integer labels, as read from IDX files.
 * Images are kept as bytes (a quarter of the memory of floats) and turned into tensors on access with the
 * to-tensor scaling {@code pixel / 255}, so values lie in {@code [0, 1]}.
 */
public final class ByteImageDataset implements Dataset {
    private final byte[] pixels;
    private final int[] labels;
    private final int[] shape;
    private final int imageSize;
    private final int numClasses;

    /**
     * @param pixels {@code n*C*H*W} bytes, row-major (not copied: do not modify it afterwards)
     * @param labels {@code n} labels, each in {@code 0..numClasses-1} (copied)
     * @param numClasses number of classes, {@code >= 1}
     * @param shape image shape {@code (C, H, W)}
     * @throws IllegalArgumentException when lengths disagree or a label is out of range
     */
    public ByteImageDataset(byte[] pixels, int[] labels, int numClasses, int... shape) {
        if (pixels == null || labels == null || shape == null) {
            throw new IllegalArgumentException("pixels, labels and shape must not be null");
        }
        if (shape.length != 3 || shape[0] < 1 || shape[1] < 1 || shape[2] < 1) {
            throw new IllegalArgumentException("shape: must be (C, H, W) with sizes >= 1, got "
                    + Arrays.toString(shape));
        }
        if (numClasses < 1) {
            throw new IllegalArgumentException("numClasses: must be >= 1, got " + numClasses);
        }
        long size = (long) shape[0] * shape[1] * shape[2];
        if ((long) labels.length * size != pixels.length) {
            throw new IllegalArgumentException("pixels: " + labels.length + " labels of shape "
                    + Arrays.toString(shape) + " need " + labels.length * size + " bytes, got " + pixels.length);
        }
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= numClasses) {
                throw new IllegalArgumentException("labels: label " + labels[i] + " at index " + i
                        + " is outside 0.." + (numClasses - 1));
            }
        }
        this.pixels = pixels;
        this.labels = labels.clone();
        this.shape = shape.clone();
        this.imageSize = (int) size;
        this.numClasses = numClasses;
    }

    /** Number of classes the labels range over. */
    public int numClasses() {
        return numClasses;
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
        Tensor t = Tensor.zeros(shape);
        int label = load(i, t.data(), 0);
        return new Sample(t, label);
    }

    @Override
    public int load(int i, float[] dst, int offset) {
        Dataset.checkIndex(i, labels.length);
        Transforms.toTensor(pixels, i * imageSize, dst, offset, imageSize);
        return labels[i];
    }

    @Override
    public int[] labels() {
        return labels.clone();
    }

    /** The raw pixels of image {@code i} (a copy). */
    public byte[] rawImage(int i) {
        Dataset.checkIndex(i, labels.length);
        return Arrays.copyOfRange(pixels, i * imageSize, (i + 1) * imageSize);
    }

    @Override
    public String toString() {
        return "ByteImageDataset(" + labels.length + " x " + Arrays.toString(shape) + ", " + numClasses
                + " classes)";
    }
}
