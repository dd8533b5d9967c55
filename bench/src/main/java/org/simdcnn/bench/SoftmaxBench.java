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
import org.simdcnn.kernels.Backend;
import org.simdcnn.kernels.Reduction;
import org.simdcnn.kernels.scalar.ScalarBackend;
import org.simdcnn.kernels.simd.SimdBackend;

/**
 * Softmax and fused cross-entropy, one thread, microseconds per call: the MNIST CNN's head (64 x 10 logits,
 * cross-entropy forward + backward), an ImageNet-sized head (64 x 1000) and a channel softmax over
 * 8 x 21 x 64 x 64 (segmentation-style, {@code inner = 4096}).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Dsimdcnn.threads=1"})
public class SoftmaxBench {
    @Param({"mnist", "imagenet", "channels"})
    public String shape;

    @Param({"simd", "scalar"})
    public String impl;

    int outer;
    int dim;
    int inner;
    float[] x;
    float[] y;
    float[] dx;
    int[] target;
    float[] prob;
    float[] t01;
    float[] dOut = {1f};
    Backend b;

    @Setup
    public void setup() {
        SimdCnn.setThreads(1);
        switch (shape) {
            case "mnist" -> {
                outer = 64;
                dim = 10;
                inner = 1;
            }
            case "imagenet" -> {
                outer = 64;
                dim = 1000;
                inner = 1;
            }
            default -> {
                outer = 8;
                dim = 21;
                inner = 4096;
            }
        }
        b = impl.equals("simd") ? new SimdBackend() : ScalarBackend.INSTANCE;
        Random r = new Random(1);
        x = new float[outer * dim * inner];
        y = new float[x.length];
        dx = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (r.nextGaussian() * 3);
        }
        target = new int[outer * inner];
        for (int i = 0; i < target.length; i++) {
            target[i] = r.nextInt(dim);
        }
        prob = new float[x.length];
        t01 = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            prob[i] = 0.001f + 0.998f * r.nextFloat();
            t01[i] = r.nextInt(2);
        }
    }

    @Benchmark
    public float[] logSoftmax() {
        b.softmax().forward(true, outer, dim, inner, x, 0, y, 0);
        return y;
    }

    @Benchmark
    public float[] softmaxForwardBackward() {
        b.softmax().forward(false, outer, dim, inner, x, 0, y, 0);
        b.softmax().backward(false, outer, dim, inner, y, 0, x, 0, dx, 0);
        return dx;
    }

    @Benchmark
    public float[] crossEntropyForwardBackward() {
        dOut[0] = b.losses().crossEntropy(Reduction.MEAN, outer, dim, inner, x, 0, target, 0, null, -100, 0f, null,
                0);
        b.losses().crossEntropyBackward(Reduction.MEAN, outer, dim, inner, x, 0, target, 0, null, -100, 0f,
                new float[] {1f}, 0, dx, 0);
        return dx;
    }

    /** Binary cross-entropy on probabilities over all {@code outer*dim*inner} elements, forward + backward. */
    @Benchmark
    public float[] bceForwardBackward() {
        dOut[0] = b.losses().bce(Reduction.MEAN, x.length, prob, 0, t01, 0, null, null, 0);
        b.losses().bceBackward(Reduction.MEAN, x.length, prob, 0, t01, 0, null, dOut, 0, dx, 0);
        return dx;
    }

    /** BCE with logits (no weights) over all {@code outer*dim*inner} elements, forward + backward. */
    @Benchmark
    public float[] bceWithLogitsForwardBackward() {
        dOut[0] = b.losses().bceWithLogits(Reduction.MEAN, x.length, x, 0, t01, 0, null, null, 1, null, 0);
        b.losses().bceWithLogitsBackward(Reduction.MEAN, x.length, x, 0, t01, 0, null, null, 1, dOut, 0, dx, 0);
        return dx;
    }
}
