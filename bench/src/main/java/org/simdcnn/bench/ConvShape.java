package org.simdcnn.bench;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.simdcnn.geometry.ConvGeometry;
import org.simdcnn.geometry.Padding;

/**
 * The convolution shapes of issue 3's table (also the ONNX Runtime / PyTorch anchors' shapes), by short name.
 * Stride, padding and dilation are the same in every spatial dimension; dilation is 1.
 */
public enum ConvShape {
    MNIST_C1("mnist_c1", 2, 64, 1, new int[] {28, 28}, 32, 3, 1, 1, 1),
    MNIST_C2("mnist_c2", 2, 64, 32, new int[] {14, 14}, 64, 3, 1, 1, 1),
    RESNET_3X3_56("resnet_3x3_56", 2, 1, 64, new int[] {56, 56}, 64, 3, 1, 1, 1),
    RESNET_3X3_28("resnet_3x3_28", 2, 1, 128, new int[] {28, 28}, 128, 3, 1, 1, 1),
    RESNET_3X3_14("resnet_3x3_14", 2, 1, 256, new int[] {14, 14}, 256, 3, 1, 1, 1),
    RESNET_1X1_56("resnet_1x1_56", 2, 1, 64, new int[] {56, 56}, 256, 1, 1, 0, 1),
    RESNET_STEM("resnet_stem", 2, 1, 3, new int[] {224, 224}, 64, 7, 2, 3, 1),
    DEPTHWISE_3X3_56("depthwise_3x3_56", 2, 1, 128, new int[] {56, 56}, 128, 3, 1, 1, 128),
    CONV1D_TEXT("conv1d_text", 1, 32, 128, new int[] {256}, 128, 3, 1, 1, 1),
    CONV3D_SMALL("conv3d_small", 3, 2, 16, new int[] {16, 16, 16}, 32, 3, 1, 1, 1);

    /** The short name used as the JMH {@code shape} parameter. */
    public final String label;
    private final ConvGeometry geometry;

    ConvShape(String label, int dims, int batch, int cin, int[] spatial, int cout, int k, int s, int p, int groups) {
        this.label = label;
        this.geometry = ConvGeometry.conv(dims, batch, cin, spatial, cout, new int[] {k}, new int[] {s},
                Padding.of(p), new int[] {1}, groups);
    }

    public ConvGeometry geometry() {
        return geometry;
    }

    /** The shape called {@code label}. */
    public static ConvShape of(String label) {
        for (ConvShape s : values()) {
            if (s.label.equals(label)) {
                return s;
            }
        }
        throw new IllegalArgumentException("shape: unknown conv shape '" + label + "', known: "
                + Arrays.toString(Arrays.stream(values()).map(v -> v.label).toArray()));
    }

    /** Deterministic inputs for one shape: x, w, b uniform in [-1, 1) (fixed seeds). */
    public record Data(ConvGeometry g, float[] x, float[] w, float[] b) {
    }

    public Data data() {
        ConvGeometry g = geometry;
        return new Data(g, uniform(g.inputSize(), 11 + ordinal()), uniform(g.weightSize(), 23 + ordinal()),
                uniform(g.outChannels(), 37 + ordinal()));
    }

    /** {@code n} values uniform in [-1, 1) from a fixed seed. */
    public static float[] uniform(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (r.nextDouble() * 2 - 1);
        }
        return a;
    }
}
