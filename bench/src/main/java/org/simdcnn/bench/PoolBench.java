package org.simdcnn.bench;

import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.simdcnn.SimdCnn;
import org.simdcnn.geometry.PoolGeometry;
import org.simdcnn.kernels.Pooling;
import org.simdcnn.kernels.scalar.ScalarBackend;
import org.simdcnn.kernels.simd.SimdBackend;

/**
 * Pooling on the MNIST CNN's shapes (MaxPool2d(2) on 64x32x28x28 and 64x64x14x14, with argmax as training needs)
 * and ResNet's (the stem's 3x3 stride-2 pad-1 max pool on 32x64x112x112, global average pooling of 32x512x7x7),
 * Inception's 3x3 stride-1 pad-1 average pool (count_include_pad=False) on 32x64x35x35,
 * one thread. Reported in microseconds per call; ns per input element = score * 1000 / {@link #inputElements}
 * (printed at setup).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Dsimdcnn.threads=1"})
public class PoolBench {
    @Param({"mnist1", "mnist2", "resnetStem", "resnetGap", "inceptionAvg"})
    public String shape;

    @Param({"simd", "scalar"})
    public String impl;

    PoolGeometry g;
    Pooling pool;
    float[] x;
    float[] y;
    float[] dx;
    int[] argmax;
    public long inputElements;

    @Setup
    public void setup() {
        SimdCnn.setThreads(1);
        g = geometry(shape);
        pool = impl.equals("simd") ? new SimdBackend().pooling() : ScalarBackend.INSTANCE.pooling();
        x = new float[g.inputSize()];
        dx = new float[g.inputSize()];
        y = new float[g.outputSize()];
        argmax = new int[g.outputSize()];
        Random r = new Random(1);
        for (int i = 0; i < x.length; i++) {
            x[i] = Math.max(0f, (float) r.nextGaussian()); // post-ReLU activations: many ties at zero
        }
        inputElements = g.inputSize();
        forward(); // real argmax indices and outputs (used as dy) for backward, not zeros
        System.out.println(shape + ": " + g + ", input elements " + inputElements);
    }

    /** The pooling geometry of a {@code shape} parameter value (also used by {@link ElemReport}). */
    static PoolGeometry geometry(String shape) {
        return switch (shape) {
            case "mnist1" -> PoolGeometry.pool2d("max_pool", 64, 32, 28, 28, 2, 2, 0, false);
            case "mnist2" -> PoolGeometry.pool2d("max_pool", 64, 64, 14, 14, 2, 2, 0, false);
            case "resnetStem" -> PoolGeometry.pool2d("max_pool", 32, 64, 112, 112, 3, 2, 1, false);
            case "inceptionAvg" -> PoolGeometry.pool2d("avg_pool", 32, 64, 35, 35, 3, 1, 1, false);
            default -> PoolGeometry.pool2d("max_pool", 32, 512, 7, 7, 7, 7, 0, false);
        };
    }

    @Benchmark
    public float[] forward() {
        if (shape.equals("resnetGap")) {
            pool.adaptiveAvgForward(g.batch(), g.channels(), new int[] {7, 7}, new int[] {1, 1}, x, 0, y, 0);
        } else if (shape.equals("inceptionAvg")) {
            pool.avgForward(g, false, x, 0, y, 0);
        } else {
            pool.maxForward(g, x, 0, y, 0, argmax, 0);
        }
        return y;
    }

    @Benchmark
    public float[] backward() {
        if (shape.equals("resnetGap")) {
            pool.adaptiveAvgBackward(g.batch(), g.channels(), new int[] {7, 7}, new int[] {1, 1}, y, 0, dx, 0);
        } else if (shape.equals("inceptionAvg")) {
            pool.avgBackward(g, false, y, 0, dx, 0);
        } else {
            pool.maxBackward(g, y, 0, argmax, 0, dx, 0);
        }
        return dx;
    }
}
