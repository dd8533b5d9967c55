package org.simdcnn.bench;

import ai.onnxruntime.OrtException;
import java.util.concurrent.TimeUnit;
import org.simdcnn.SimdCnn;
import org.simdcnn.bench.onnx.OnnxModels;
import org.simdcnn.bench.onnx.OrtModel;
import org.simdcnn.geometry.ConvGeometry;
import org.simdcnn.kernels.Conv;
import org.simdcnn.kernels.Epilogue;
import org.simdcnn.kernels.PackedConvWeights;
import org.simdcnn.kernels.scalar.ScalarBackend;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Convolution forward on the ten shapes, four ways, each on identical data (same input, weights, bias):
 * <ul>
 *   <li>{@code ours}: {@code SimdCnn.backend().conv().forward} into a preallocated output, library pool of
 *       {@code threads} threads; the weights are packed inside every call (a caller that does not prepack);</li>
 *   <li>{@code oursPacked}: the same with the weights packed once at setup ({@code conv.pack}, the prepack API
 *       the {@code nn} conv layers use in eval mode), as ONNX Runtime prepacks them once at session creation; the
 *       setup checks that its output is bitwise the output of {@code ours};</li>
 *   <li>{@code ort}: ONNX Runtime 1.22 on a one-node model built in memory from the same weights,
 *       {@code intraOpNumThreads = threads}; the input tensor is reused, the result closed every call;</li>
 *   <li>{@code scalar}: the scalar reference ({@code ScalarBackend.INSTANCE.conv()}), single-threaded, with
 *       fewer iterations (it is slow on the big shapes).</li>
 * </ul>
 * Every setup checks once that the output it will time matches an independent direct convolution.
 * Score = time per call; GFLOP/s = {@link ConvGeometry#flops()} / time (see {@code Report}).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class ConvBench {

    /** State of {@link #ours} and {@link #oursPacked}: shape, thread count, data, packed weights, the output. */
    @State(Scope.Thread)
    public static class Ours {
        @Param({"mnist_c1", "mnist_c2", "resnet_3x3_56", "resnet_3x3_28", "resnet_3x3_14", "resnet_1x1_56",
                "resnet_stem", "depthwise_3x3_56", "conv1d_text", "conv3d_small"})
        public String shape;
        @Param({"1", "2"})
        public int threads;

        ConvGeometry g;
        float[] x;
        float[] w;
        float[] b;
        float[] y;
        Conv conv;
        PackedConvWeights packed;

        @Setup(Level.Trial)
        public void setup() {
            SimdCnn.setThreads(threads);
            ConvShape.Data d = ConvShape.of(shape).data();
            g = d.g();
            x = d.x();
            w = d.w();
            b = d.b();
            y = new float[g.outputSize()];
            conv = SimdCnn.backend().conv();
            System.out.println("[info] " + SimdCnn.info() + " " + g);
            conv.forward(g, x, 0, w, 0, b, y, 0);
            DirectConv.check("ours " + shape, DirectConv.forward(g, x, w, b), y, 0);
            packed = conv.pack(g, w, 0);
            float[] yp = new float[y.length];
            conv.forward(g, x, 0, packed, b, yp, 0, Epilogue.NONE);
            for (int i = 0; i < y.length; i++) {
                if (Float.floatToRawIntBits(yp[i]) != Float.floatToRawIntBits(y[i])) {
                    throw new IllegalStateException("oursPacked " + shape + ": output " + i + " is " + yp[i]
                            + ", the unpacked forward gives " + y[i] + " (must be bitwise equal)");
                }
            }
        }
    }

    /** State of {@link #ort}: an ONNX Runtime session over the same convolution, input tensor bound once. */
    @State(Scope.Thread)
    public static class Ort {
        @Param({"mnist_c1", "mnist_c2", "resnet_3x3_56", "resnet_3x3_28", "resnet_3x3_14", "resnet_1x1_56",
                "resnet_stem", "depthwise_3x3_56", "conv1d_text", "conv3d_small"})
        public String shape;
        @Param({"1", "2"})
        public int threads;

        OrtModel model;

        @Setup(Level.Trial)
        public void setup() throws OrtException {
            ConvShape.Data d = ConvShape.of(shape).data();
            ConvGeometry g = d.g();
            model = new OrtModel(OnnxModels.conv(shape, g, d.w(), d.b()), threads);
            model.setInput(d.x(), OnnxModels.dims(g.inputShape()));
            System.out.println("[info] onnxruntime " + OrtModel.version() + " intraOpThreads=" + threads + " " + g);
            float[] out = model.runAndFetch();
            if (out.length != g.outputSize()) {
                throw new IllegalStateException("ort " + shape + ": output has " + out.length + " values, expected "
                        + g.outputSize());
            }
            DirectConv.check("ort " + shape, DirectConv.forward(g, d.x(), d.w(), d.b()), out, 0);
        }

        @TearDown(Level.Trial)
        public void tearDown() throws OrtException {
            model.close();
        }
    }

    /** State of {@link #scalar}: the reference backend, single-threaded by design (no thread parameter). */
    @State(Scope.Thread)
    public static class Scalar {
        @Param({"mnist_c1", "mnist_c2", "resnet_3x3_56", "resnet_3x3_28", "resnet_3x3_14", "resnet_1x1_56",
                "resnet_stem", "depthwise_3x3_56", "conv1d_text", "conv3d_small"})
        public String shape;

        ConvGeometry g;
        float[] x;
        float[] w;
        float[] b;
        float[] y;
        Conv conv;

        @Setup(Level.Trial)
        public void setup() {
            ConvShape.Data d = ConvShape.of(shape).data();
            g = d.g();
            x = d.x();
            w = d.w();
            b = d.b();
            y = new float[g.outputSize()];
            conv = ScalarBackend.INSTANCE.conv();
        }
    }

    @Benchmark
    public float[] ours(Ours s) {
        s.conv.forward(s.g, s.x, 0, s.w, 0, s.b, s.y, 0);
        return s.y;
    }

    @Benchmark
    public float[] oursPacked(Ours s) {
        s.conv.forward(s.g, s.x, 0, s.packed, s.b, s.y, 0, Epilogue.NONE);
        return s.y;
    }

    @Benchmark
    public void ort(Ort s) throws OrtException {
        s.model.run();
    }

    @Benchmark
    @Warmup(iterations = 1, time = 1)
    @Measurement(iterations = 3, time = 1)
    public float[] scalar(Scalar s) {
        s.conv.forward(s.g, s.x, 0, s.w, 0, s.b, s.y, 0);
        return s.y;
    }
}
