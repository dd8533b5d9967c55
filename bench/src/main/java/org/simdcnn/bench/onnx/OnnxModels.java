package org.simdcnn.bench.onnx;

import org.simdcnn.bench.onnx.OnnxGraph.Attr;
import org.simdcnn.geometry.ConvGeometry;

/** The ONNX models the benchmarks hand to ONNX Runtime, built in memory from the same weights our kernels use. */
public final class OnnxModels {
    private OnnxModels() {
    }

    /** Widens an int shape to ONNX's int64 dims. */
    public static long[] dims(int... shape) {
        long[] d = new long[shape.length];
        for (int i = 0; i < d.length; i++) {
            d[i] = shape[i];
        }
        return d;
    }

    /**
     * One {@code Conv} node {@code Y = Conv(X, W, B)} for a (non-transposed) geometry: attributes kernel_shape,
     * strides, pads (all begins, then all ends), dilations and group in the user's rank; {@code W} (PyTorch's
     * weight layout, which is ONNX's) and {@code B} as initializers; input {@code X} and output {@code Y} typed
     * with the geometry's shapes.
     *
     * @param bias {@code Cout} values; must not be null (the benchmarks always use a bias)
     */
    public static byte[] conv(String name, ConvGeometry g, float[] weight, float[] bias) {
        if (g.isTransposed()) {
            throw new IllegalArgumentException("g: transposed geometries are not supported, got " + g);
        }
        if (weight.length != g.weightSize()) {
            throw new IllegalArgumentException("weight: needs " + g.weightSize() + " values, got " + weight.length);
        }
        if (bias == null || bias.length != g.outChannels()) {
            throw new IllegalArgumentException("bias: needs " + g.outChannels() + " values, got "
                    + (bias == null ? "null" : bias.length));
        }
        int dims = g.dims();
        int[] kernel = new int[dims];
        int[] strides = new int[dims];
        int[] dilations = new int[dims];
        int[] pads = new int[2 * dims];
        for (int i = 0; i < dims; i++) {
            int n = 3 - dims + i;
            kernel[i] = g.kernel(n);
            strides[i] = g.stride(n);
            dilations[i] = g.dilation(n);
            pads[i] = g.padBefore(n);
            pads[dims + i] = g.padAfter(n);
        }
        return new OnnxGraph(name)
                .input("X", dims(g.inputShape()))
                .initializer("W", dims(g.weightShape()), weight)
                .initializer("B", dims(g.outChannels()), bias)
                .node("Conv", new String[] {"X", "W", "B"}, new String[] {"Y"},
                        Attr.ints("kernel_shape", kernel), Attr.ints("strides", strides), Attr.ints("pads", pads),
                        Attr.ints("dilations", dilations), Attr.of("group", g.groups()))
                .output("Y", dims(g.outputShape()))
                .toModelBytes();
    }

    /** Parameters of the MNIST CNN, PyTorch layouts (Linear weights are {@code (out, in)}). */
    public record MnistParams(float[] w1, float[] b1, float[] w2, float[] b2, float[] w3, float[] b3, float[] w4,
            float[] b4) {
        /** conv1 1→32 k3 p1, conv2 32→64 k3 p1, fc1 3136→128, fc2 128→10. */
        public static MnistParams random(long seed) {
            java.util.SplittableRandom r = new java.util.SplittableRandom(seed);
            return new MnistParams(uniform(r, 32 * 9, 1 / 3.0), uniform(r, 32, 1 / 3.0),
                    uniform(r, 64 * 32 * 9, 1 / Math.sqrt(288)), uniform(r, 64, 1 / Math.sqrt(288)),
                    uniform(r, 128 * 3136, 1 / Math.sqrt(3136)), uniform(r, 128, 1 / Math.sqrt(3136)),
                    uniform(r, 10 * 128, 1 / Math.sqrt(128)), uniform(r, 10, 1 / Math.sqrt(128)));
        }

        private static float[] uniform(java.util.SplittableRandom r, int n, double bound) {
            float[] a = new float[n];
            for (int i = 0; i < n; i++) {
                a[i] = (float) ((r.nextDouble() * 2 - 1) * bound);
            }
            return a;
        }
    }

    /**
     * The MNIST CNN inference graph at a fixed batch: Conv(1→32,k3,p1)-Relu-MaxPool(2)-Conv(32→64,k3,p1)-Relu-
     * MaxPool(2)-Flatten-Gemm(3136→128)-Relu-Gemm(128→10); input {@code X (batch,1,28,28)}, output
     * {@code Y (batch,10)} logits.
     */
    public static byte[] mnistCnn(int batch, MnistParams p) {
        Attr k3 = Attr.ints("kernel_shape", 3, 3);
        Attr p1 = Attr.ints("pads", 1, 1, 1, 1);
        Attr s1 = Attr.ints("strides", 1, 1);
        Attr pool = Attr.ints("kernel_shape", 2, 2);
        Attr s2 = Attr.ints("strides", 2, 2);
        Attr transB = Attr.of("transB", 1);
        return new OnnxGraph("mnist_cnn_b" + batch)
                .input("X", batch, 1, 28, 28)
                .initializer("W1", dims(32, 1, 3, 3), p.w1()).initializer("B1", dims(32), p.b1())
                .initializer("W2", dims(64, 32, 3, 3), p.w2()).initializer("B2", dims(64), p.b2())
                .initializer("W3", dims(128, 3136), p.w3()).initializer("B3", dims(128), p.b3())
                .initializer("W4", dims(10, 128), p.w4()).initializer("B4", dims(10), p.b4())
                .node("Conv", new String[] {"X", "W1", "B1"}, new String[] {"c1"}, k3, p1, s1)
                .node("Relu", new String[] {"c1"}, new String[] {"r1"})
                .node("MaxPool", new String[] {"r1"}, new String[] {"m1"}, pool, s2)
                .node("Conv", new String[] {"m1", "W2", "B2"}, new String[] {"c2"}, k3, p1, s1)
                .node("Relu", new String[] {"c2"}, new String[] {"r2"})
                .node("MaxPool", new String[] {"r2"}, new String[] {"m2"}, pool, s2)
                .node("Flatten", new String[] {"m2"}, new String[] {"f"}, Attr.of("axis", 1))
                .node("Gemm", new String[] {"f", "W3", "B3"}, new String[] {"g1"}, transB)
                .node("Relu", new String[] {"g1"}, new String[] {"r3"})
                .node("Gemm", new String[] {"r3", "W4", "B4"}, new String[] {"Y"}, transB)
                .output("Y", batch, 10)
                .toModelBytes();
    }
}
