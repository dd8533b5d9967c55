package org.simdcnn.bench;

import ai.onnxruntime.OrtException;
import java.util.concurrent.TimeUnit;
import org.simdcnn.bench.onnx.OnnxModels;
import org.simdcnn.bench.onnx.OrtModel;
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
 * ONNX Runtime inference of the MNIST CNN (batch 64, built in memory by {@link OnnxModels#mnistCnn}); the
 * reference point for the library's own MNIST inference benchmark. Images/s = 64 / time.
 * {@link OnnxModels.MnistParams#random} gives the weights (seed 1), the input is uniform in [-1, 1) (seed 3).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class OrtMnistBench {
    /** Batch size of the model. */
    public static final int BATCH = 64;
    /** Forward flops of the two convolutions and two linear layers (pooling and ReLU not counted). */
    public static final double FLOPS = 2.0 * BATCH * (32 * 784 * 9 + 64 * 196 * 288 + 3136 * 128 + 128 * 10);

    @Param({"1", "2"})
    public int threads;

    OrtModel model;

    @Setup(Level.Trial)
    public void setup() throws OrtException {
        model = new OrtModel(OnnxModels.mnistCnn(BATCH, OnnxModels.MnistParams.random(1)), threads);
        float[] x = ConvShape.uniform(BATCH * 784, 3);
        model.setInput(x, OnnxModels.dims(BATCH, 1, 28, 28));
        float[] y = model.runAndFetch();
        if (y.length != BATCH * 10) {
            throw new IllegalStateException("mnist: output has " + y.length + " values, expected " + BATCH * 10);
        }
        MnistReference.check("ort mnist_cnn_b64", MnistReference.forward(BATCH, OnnxModels.MnistParams.random(1), x),
                y);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws OrtException {
        model.close();
    }

    @Benchmark
    public void inference() throws OrtException {
        model.run();
    }
}
