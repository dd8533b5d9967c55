package org.simdcnn.bench;

import ai.onnxruntime.OrtException;
import java.util.concurrent.TimeUnit;
import org.simdcnn.SimdCnn;
import org.simdcnn.bench.onnx.OnnxModels;
import org.simdcnn.bench.onnx.OnnxModels.MnistParams;
import org.simdcnn.bench.onnx.OrtModel;
import org.simdcnn.geometry.ConvGeometry;
import org.simdcnn.geometry.PoolGeometry;
import org.simdcnn.kernels.Backend;
import org.simdcnn.kernels.Epilogue;
import org.simdcnn.kernels.PackedConvWeights;
import org.simdcnn.kernels.PackedLinearWeights;
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
 * Inference of the MNIST CNN at batch 64 (Conv-Relu-MaxPool-Conv-Relu-MaxPool-Flatten-Gemm-Relu-Gemm), same
 * weights ({@link MnistParams#random} seed 1) and input (uniform in [-1, 1), seed 3) both ways:
 * <ul>
 *   <li>{@code ort}: ONNX Runtime on the graph built in memory by {@link OnnxModels#mnistCnn};</li>
 *   <li>{@code ours}: the library's kernels called directly (conv with fused ReLU, max pooling, linear with fused
 *       ReLU, linear) into preallocated buffers, on weights packed once at setup ({@code Conv.pack},
 *       {@code Linear.pack}, as the {@code nn} layers do in eval mode and as ONNX Runtime prepacks its
 *       initializers); the lower bound of what the layer API can reach.</li>
 * </ul>
 * Both are checked once at setup against a plain reference forward. Images/s = 64 / time.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class MnistInferenceBench {
    /** Batch size of the model. */
    public static final int BATCH = 64;
    /** Forward flops of the two convolutions and two linear layers (pooling and ReLU not counted). */
    public static final double FLOPS = 2.0 * BATCH * (32 * 784 * 9 + 64 * 196 * 288 + 3136 * 128 + 128 * 10);

    /** State of {@link #ort}. */
    @State(Scope.Thread)
    public static class Ort {
        @Param({"1", "2"})
        public int threads;

        OrtModel model;

        @Setup(Level.Trial)
        public void setup() throws OrtException {
            MnistParams p = MnistParams.random(1);
            model = new OrtModel(OnnxModels.mnistCnn(BATCH, p), threads);
            float[] x = ConvShape.uniform(BATCH * 784, 3);
            model.setInput(x, OnnxModels.dims(BATCH, 1, 28, 28));
            float[] y = model.runAndFetch();
            if (y.length != BATCH * 10) {
                throw new IllegalStateException("mnist: output has " + y.length + " values, expected " + BATCH * 10);
            }
            MnistReference.check("ort mnist_cnn_b64", MnistReference.forward(BATCH, p, x), y);
        }

        @TearDown(Level.Trial)
        public void tearDown() throws OrtException {
            model.close();
        }
    }

    /** State of {@link #ours}: parameters, input and every intermediate buffer, allocated once. */
    @State(Scope.Thread)
    public static class Ours {
        @Param({"1", "2"})
        public int threads;

        final ConvGeometry g1 = ConvGeometry.conv2d(BATCH, 1, 28, 28, 32, 3, 3, 1, 1, 1, 1);
        final PoolGeometry p1 = PoolGeometry.pool2d("max_pool", BATCH, 32, 28, 28, 2, 2, 0, false);
        final ConvGeometry g2 = ConvGeometry.conv2d(BATCH, 32, 14, 14, 64, 3, 3, 1, 1, 1, 1);
        final PoolGeometry p2 = PoolGeometry.pool2d("max_pool", BATCH, 64, 14, 14, 2, 2, 0, false);
        MnistParams p;
        Backend be;
        float[] x;
        float[] c1 = new float[BATCH * 32 * 28 * 28];
        float[] m1 = new float[BATCH * 32 * 14 * 14];
        float[] c2 = new float[BATCH * 64 * 14 * 14];
        float[] m2 = new float[BATCH * 3136];
        float[] h = new float[BATCH * 128];
        float[] y = new float[BATCH * 10];
        PackedConvWeights w1;
        PackedConvWeights w2;
        PackedLinearWeights w3;
        PackedLinearWeights w4;

        @Setup(Level.Trial)
        public void setup() {
            SimdCnn.setThreads(threads);
            be = SimdCnn.backend();
            p = MnistParams.random(1);
            w1 = be.conv().pack(g1, p.w1(), 0);
            w2 = be.conv().pack(g2, p.w2(), 0);
            w3 = be.linear().pack(3136, 128, p.w3(), 0);
            w4 = be.linear().pack(128, 10, p.w4(), 0);
            x = ConvShape.uniform(BATCH * 784, 3);
            System.out.println("[info] " + SimdCnn.info());
            forward();
            MnistReference.check("ours mnist_cnn_b64", MnistReference.forward(BATCH, p, x), y);
        }

        float[] forward() {
            be.conv().forward(g1, x, 0, w1, p.b1(), c1, 0, Epilogue.RELU);
            be.pooling().maxForward(p1, c1, 0, m1, 0, null, 0);
            be.conv().forward(g2, m1, 0, w2, p.b2(), c2, 0, Epilogue.RELU);
            be.pooling().maxForward(p2, c2, 0, m2, 0, null, 0);
            be.linear().forward(BATCH, 3136, 128, m2, 0, w3, p.b3(), h, 0, Epilogue.RELU);
            be.linear().forward(BATCH, 128, 10, h, 0, w4, p.b4(), y, 0, Epilogue.NONE);
            return y;
        }
    }

    @Benchmark
    public void ort(Ort s) throws OrtException {
        s.model.run();
    }

    @Benchmark
    public float[] ours(Ours s) {
        return s.forward();
    }
}
