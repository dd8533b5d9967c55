package org.simdcnn.data;

import java.util.Arrays;
import org.simdcnn.tensor.Tensor;

/**
 * A finite, indexable collection of labelled images of one shape {@code (C, H, W)}. Implementations are
 * read-only after construction, so one dataset may be read from several threads.
 */
public interface Dataset {
    /** Number of samples. */
    int size();

    /** The shape {@code (C, H, W)} every image has. */
    int[] imageShape();

    /**
     * Sample {@code i}, as a new tensor the caller owns.
     *
     * @throws IllegalArgumentException when {@code i} is outside {@code 0..size()-1}
     */
    Sample get(int i);

    /**
     * Writes image {@code i} into {@code dst} from {@code offset} ({@code C*H*W} floats) and returns its label;
     * what the data loader uses, without allocating. The default copies {@link #get}.
     */
    default int load(int i, float[] dst, int offset) {
        Sample s = get(i);
        Tensor t = s.image();
        System.arraycopy(t.data(), t.offset(), dst, offset, t.size());
        return s.label();
    }

    /** Elements of one image, {@code C*H*W}. */
    default int imageSize() {
        int n = 1;
        for (int d : imageShape()) {
            n *= d;
        }
        return n;
    }

    /** The labels of all samples, in order. */
    default int[] labels() {
        int[] l = new int[size()];
        float[] scratch = new float[imageSize()];
        for (int i = 0; i < l.length; i++) {
            l[i] = load(i, scratch, 0);
        }
        return l;
    }

    /**
     * A view of the samples at {@code indices} (copied), in that order; repetitions are allowed.
     *
     * @throws IllegalArgumentException when an index is out of range
     */
    default Dataset subset(int... indices) {
        return new Subset(this, indices);
    }

    /** Checks {@code i} against {@link #size()}. */
    static void checkIndex(int i, int size) {
        if (i < 0 || i >= size) {
            throw new IllegalArgumentException("index: " + i + " out of range 0.." + (size - 1));
        }
    }

    /** The samples of a parent dataset at given indices. */
    final class Subset implements Dataset {
        private final Dataset parent;
        private final int[] indices;

        Subset(Dataset parent, int[] indices) {
            if (parent == null || indices == null) {
                throw new IllegalArgumentException("subset: parent and indices must not be null");
            }
            for (int i : indices) {
                if (i < 0 || i >= parent.size()) {
                    throw new IllegalArgumentException("subset: index " + i + " out of range 0.."
                            + (parent.size() - 1));
                }
            }
            this.parent = parent;
            this.indices = indices.clone();
        }

        /** The indices into the parent dataset (a copy). */
        public int[] indices() {
            return indices.clone();
        }

        @Override
        public int size() {
            return indices.length;
        }

        @Override
        public int[] imageShape() {
            return parent.imageShape();
        }

        @Override
        public Sample get(int i) {
            Dataset.checkIndex(i, indices.length);
            return parent.get(indices[i]);
        }

        @Override
        public int load(int i, float[] dst, int offset) {
            Dataset.checkIndex(i, indices.length);
            return parent.load(indices[i], dst, offset);
        }

        @Override
        public String toString() {
            return "Subset(" + indices.length + " of " + parent + ")";
        }
    }

    /** Formats a shape. */
    static String shapeString(int[] shape) {
        return Arrays.toString(shape);
    }
}
