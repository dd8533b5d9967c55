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
import org.simdcnn.kernels.BatchNorm;
import org.simdcnn.kernels.scalar.ScalarBackend;
import org.simdcnn.kernels.simd.SimdBackend;

/**
 * Batch norm training forward, eval forward and backward, one thread, microseconds per call, on the MNIST CNN's
 * 64x32x28x28 and 64x64x14x14 activations and a ResNet stage (32x64x56x56). ns per element = score * 1000 /
 * (N*C*H*W).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Dsimdcnn.threads=1"})
public class BatchNormBench {
    @Param({"mnist1", "mnist2", "resnet"})
    public String shape;

    @Param({"simd", "scalar"})
    public String impl;

    int n;
    int c;
    int sp;
    float[] x;
    float[] y;
    float[] dy;
    float[] dx;
    float[] gamma;
    float[] beta;
    float[] rm;
    float[] rv;
    float[] sm;
    float[] si;
    float[] dg;
    float[] db;
    BatchNorm bn;

    @Setup
    public void setup() {
        SimdCnn.setThreads(1);
        switch (shape) {
            case "mnist1" -> {
                n = 64;
                c = 32;
                sp = 28 * 28;
            }
            case "mnist2" -> {
                n = 64;
                c = 64;
                sp = 14 * 14;
            }
            default -> {
                n = 32;
                c = 64;
                sp = 56 * 56;
            }
        }
        bn = impl.equals("simd") ? new SimdBackend().batchNorm() : ScalarBackend.INSTANCE.batchNorm();
        Random r = new Random(1);
        x = new float[n * c * sp];
        y = new float[x.length];
        dy = new float[x.length];
        dx = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextGaussian();
            dy[i] = (float) r.nextGaussian();
        }
        gamma = new float[c];
        beta = new float[c];
        rm = new float[c];
        rv = new float[c];
        sm = new float[c];
        si = new float[c];
        dg = new float[c];
        db = new float[c];
        java.util.Arrays.fill(gamma, 1.5f);
        java.util.Arrays.fill(rv, 1f);
    }

    @Benchmark
    public float[] training() {
        bn.forwardTraining(n, c, sp, x, 0, gamma, beta, 1e-5f, 0.1f, rm, rv, y, 0, sm, si);
        return y;
    }

    @Benchmark
    public float[] eval() {
        bn.forwardEval(n, c, sp, x, 0, gamma, beta, rm, rv, 1e-5f, y, 0);
        return y;
    }

    @Benchmark
    public float[] backward() {
        bn.backward(n, c, sp, x, 0, dy, 0, gamma, sm, si, dx, 0, dg, db);
        return dx;
    }
}
