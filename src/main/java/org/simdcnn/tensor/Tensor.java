package org.simdcnn.tensor;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * A small, contiguous, row-major {@code float} tensor: an array, an offset and a shape (NCHW for images). Views
 * made by {@link #reshape} share the array. Not a general n-d algebra: the operations live in the kernels and
 * the functional layer.
 */
public final class Tensor {
    private final float[] data;
    private final int offset;
    private final int[] shape;
    private final int[] strides;
    private final int size;
    /** Write counter, shared with every view made by {@link #reshape} and {@link #select0}. */
    private final Version version;

    /** See {@link #version()}. Racing increments may be lost, but the value still changes. */
    private static final class Version {
        volatile int count;
    }

    private Tensor(float[] data, int offset, int[] shape) {
        this(data, offset, shape, new Version());
    }

    private Tensor(float[] data, int offset, int[] shape, Version version) {
        this.data = data;
        this.version = version;
        this.offset = offset;
        this.shape = shape;
        this.size = checkedSize(shape);
        this.strides = new int[shape.length];
        int s = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            strides[i] = s;
            s *= shape[i];
        }
    }

    private static int checkedSize(int[] shape) {
        if (shape == null) {
            throw new IllegalArgumentException("shape: must not be null");
        }
        long n = 1;
        for (int d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("shape: sizes must be >= 0, got " + Arrays.toString(shape));
            }
            n *= d;
            if (n > Integer.MAX_VALUE - 16) {
                throw new IllegalArgumentException("shape: " + Arrays.toString(shape)
                        + " has more elements than a Java array can hold");
            }
        }
        return (int) n;
    }

    /** Wraps {@code data} (not copied); its length must equal the shape's element count. */
    public static Tensor of(float[] data, int... shape) {
        int n = checkedSize(shape);
        if (data == null || data.length != n) {
            throw new IllegalArgumentException("data: shape " + Arrays.toString(shape) + " needs " + n
                    + " elements, got " + (data == null ? "null" : data.length));
        }
        return new Tensor(data, 0, shape.clone());
    }

    /** A view of {@code data} from {@code offset} (not copied). */
    public static Tensor view(float[] data, int offset, int... shape) {
        int n = checkedSize(shape);
        if (data == null || offset < 0 || (long) offset + n > data.length) {
            throw new IllegalArgumentException("data: shape " + Arrays.toString(shape) + " from offset " + offset
                    + " does not fit in an array of " + (data == null ? "null" : data.length));
        }
        return new Tensor(data, offset, shape.clone());
    }

    public static Tensor zeros(int... shape) {
        return new Tensor(new float[checkedSize(shape)], 0, shape.clone());
    }

    /** Uniform values in {@code [lo, hi)} from a seeded generator: the same seed gives the same tensor. */
    public static Tensor uniform(long seed, float lo, float hi, int... shape) {
        if (!(lo < hi)) {
            throw new IllegalArgumentException("uniform: needs lo < hi, got lo=" + lo + " hi=" + hi);
        }
        Tensor t = zeros(shape);
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i < t.size; i++) {
            t.data[i] = lo + (hi - lo) * (float) r.nextDouble();
        }
        return t;
    }

    /** Standard normal values from a seeded generator. */
    public static Tensor randn(long seed, int... shape) {
        Tensor t = zeros(shape);
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i < t.size; i++) {
            double u1 = 1.0 - r.nextDouble();
            double u2 = r.nextDouble();
            t.data[i] = (float) (Math.sqrt(-2.0 * Math.log(u1)) * Math.cos(2.0 * Math.PI * u2));
        }
        return t;
    }

    /**
     * Integer values in {@code [lo, hi]} (as floats) from a seeded generator: small integers make convolution and
     * GEMM results exact, so fast and reference kernels can be compared bit for bit.
     */
    public static Tensor randomIntegers(long seed, int lo, int hi, int... shape) {
        if (lo > hi) {
            throw new IllegalArgumentException("randomIntegers: needs lo <= hi, got lo=" + lo + " hi=" + hi);
        }
        Tensor t = zeros(shape);
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i < t.size; i++) {
            t.data[i] = lo + r.nextInt(hi - lo + 1);
        }
        return t;
    }

    /**
     * The backing array (shared). Elements start at {@link #offset()}. A caller that writes into it should call
     * {@link #markModified()} afterwards (caches keyed on {@link #version()} do not see the write otherwise).
     */
    public float[] data() {
        return data;
    }

    public int offset() {
        return offset;
    }

    public int[] shape() {
        return shape.clone();
    }

    public int rank() {
        return shape.length;
    }

    /** Size of dimension {@code i}; negative {@code i} counts from the end. */
    public int dim(int i) {
        int j = i < 0 ? shape.length + i : i;
        if (j < 0 || j >= shape.length) {
            throw new IllegalArgumentException("dim: index " + i + " out of range for rank " + shape.length);
        }
        return shape[j];
    }

    public int size() {
        return size;
    }

    /** A view with another shape and the same elements; one size may be -1 (inferred). */
    public Tensor reshape(int... newShape) {
        if (newShape == null) {
            throw new IllegalArgumentException("reshape: shape must not be null");
        }
        int[] s = newShape.clone();
        int infer = -1;
        long known = 1;
        for (int i = 0; i < s.length; i++) {
            if (s[i] == -1) {
                if (infer >= 0) {
                    throw new IllegalArgumentException("reshape: only one size may be -1, got " + Arrays.toString(s));
                }
                infer = i;
            } else if (s[i] < 0) {
                throw new IllegalArgumentException("reshape: sizes must be >= 0 or -1, got " + Arrays.toString(s));
            } else {
                known *= s[i];
            }
        }
        if (infer >= 0) {
            if (known == 0 || size % known != 0) {
                throw new IllegalArgumentException("reshape: cannot infer a size to turn " + Arrays.toString(shape)
                        + " into " + Arrays.toString(s));
            }
            s[infer] = (int) (size / known);
        } else if (known != size) {
            throw new IllegalArgumentException("reshape: " + Arrays.toString(shape) + " (" + size
                    + " elements) cannot become " + Arrays.toString(s) + " (" + known + " elements)");
        }
        return new Tensor(data, offset, s, version);
    }

    /** A view of element {@code i} along the first dimension (e.g. one image of a batch). */
    public Tensor select0(int i) {
        if (shape.length == 0 || i < 0 || i >= shape[0]) {
            throw new IllegalArgumentException("select0: index " + i + " out of range for shape "
                    + Arrays.toString(shape));
        }
        return new Tensor(data, offset + i * strides[0], Arrays.copyOfRange(shape, 1, shape.length), version);
    }

    /** Flat position in {@link #data()} of the element at {@code idx}. */
    public int index(int... idx) {
        if (idx == null || idx.length != shape.length) {
            throw new IllegalArgumentException("index: needs " + shape.length + " indices, got "
                    + (idx == null ? "null" : Arrays.toString(idx)));
        }
        int p = offset;
        for (int i = 0; i < idx.length; i++) {
            if (idx[i] < 0 || idx[i] >= shape[i]) {
                throw new IllegalArgumentException("index: " + Arrays.toString(idx) + " out of range for shape "
                        + Arrays.toString(shape));
            }
            p += idx[i] * strides[i];
        }
        return p;
    }

    public float get(int... idx) {
        return data[index(idx)];
    }

    public void set(float value, int... idx) {
        data[index(idx)] = value;
        markModified();
    }

    /** The element at flat position {@code i} (row-major). */
    public float getFlat(int i) {
        if (i < 0 || i >= size) {
            throw new IllegalArgumentException("getFlat: " + i + " out of range for size " + size);
        }
        return data[offset + i];
    }

    public void setFlat(int i, float value) {
        if (i < 0 || i >= size) {
            throw new IllegalArgumentException("setFlat: " + i + " out of range for size " + size);
        }
        data[offset + i] = value;
        markModified();
    }

    /** A contiguous copy with its own array. */
    public Tensor copy() {
        return new Tensor(Arrays.copyOfRange(data, offset, offset + size), 0, shape.clone());
    }

    /** The elements as a new array. */
    public float[] toArray() {
        return Arrays.copyOfRange(data, offset, offset + size);
    }

    public void fill(float v) {
        Arrays.fill(data, offset, offset + size, v);
        markModified();
    }

    /**
     * A counter that changes whenever the elements are written through this tensor or a view of it made by
     * {@link #reshape} / {@link #select0} ({@link #set}, {@link #setFlat}, {@link #fill}, {@link #markModified}),
     * as PyTorch's {@code _version}. Caches derived from the values (e.g. the packed weights of a convolution
     * layer in eval mode) compare it with the version they were made from. Writes straight into {@link #data()}
     * (an optimizer step, a load, a kernel's output) are not seen unless the writer calls {@link #markModified}.
     */
    public int version() {
        return version.count;
    }

    /** Records that the elements were written directly through {@link #data()}: changes {@link #version()}. */
    public void markModified() {
        version.count++;
    }

    /**
     * True when shapes are equal and every pair satisfies {@code |a-b| <= atol + rtol*|b|} (NaN equals NaN,
     * infinities must match exactly).
     */
    public boolean allClose(Tensor expected, double rtol, double atol) {
        return diff(expected, rtol, atol) == null;
    }

    /**
     * A readable description of how this tensor differs from {@code expected}, or null when they are close:
     * shape mismatch, or the number of mismatches, the worst one with its multi-index, and the first few.
     */
    public String diff(Tensor expected, double rtol, double atol) {
        if (!Arrays.equals(shape, expected.shape)) {
            return "shape " + Arrays.toString(shape) + " != expected " + Arrays.toString(expected.shape);
        }
        int bad = 0;
        int worst = -1;
        double worstErr = -1;
        StringBuilder first = new StringBuilder();
        for (int i = 0; i < size; i++) {
            float a = data[offset + i];
            float b = expected.data[expected.offset + i];
            if (close(a, b, rtol, atol)) {
                continue;
            }
            bad++;
            double err = Double.isNaN(a) || Double.isNaN(b) ? Double.POSITIVE_INFINITY : Math.abs((double) a - b);
            if (err > worstErr) {
                worstErr = err;
                worst = i;
            }
            if (bad <= 5) {
                first.append("\n  at ").append(Arrays.toString(unflatten(i))).append(": ").append(a)
                        .append(" vs expected ").append(b);
            }
        }
        if (bad == 0) {
            return null;
        }
        return bad + " of " + size + " elements differ (rtol=" + rtol + ", atol=" + atol + "); worst at "
                + Arrays.toString(unflatten(worst)) + ": " + data[offset + worst] + " vs expected "
                + expected.data[expected.offset + worst] + " (abs error " + worstErr + "); first:" + first;
    }

    /** The closeness rule of {@link #allClose}. */
    public static boolean close(float a, float b, double rtol, double atol) {
        if (Float.isNaN(a) || Float.isNaN(b)) {
            return Float.isNaN(a) && Float.isNaN(b);
        }
        if (Float.isInfinite(a) || Float.isInfinite(b)) {
            return a == b;
        }
        return Math.abs((double) a - b) <= atol + rtol * Math.abs((double) b);
    }

    private int[] unflatten(int flat) {
        int[] idx = new int[shape.length];
        for (int i = 0; i < shape.length; i++) {
            idx[i] = flat / strides[i];
            flat %= strides[i];
        }
        return idx;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("Tensor").append(Arrays.toString(shape)).append(' ');
        int n = Math.min(size, 8);
        sb.append('[');
        for (int i = 0; i < n; i++) {
            sb.append(i > 0 ? ", " : "").append(data[offset + i]);
        }
        return sb.append(size > n ? ", ...]" : "]").toString();
    }
}
