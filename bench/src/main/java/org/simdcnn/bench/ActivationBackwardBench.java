package org.simdcnn.bench;

import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.simdcnn.SimdCnn;
import org.simdcnn.kernels.ActivationFn;
import org.simdcnn.kernels.Activations;
import org.simdcnn.kernels.scalar.ScalarBackend;
import org.simdcnn.kernels.simd.SimdBackend;

/**
 * Every activation backward on 1M floats (reads x or y and dy, writes dx: 12 bytes per element), one thread, ns
 * per element; {@code simd} against the scalar reference backend.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Dsimdcnn.threads=1"})
public class ActivationBackwardBench {
    static final int N = 1 << 20;

    @Param({"RELU", "LEAKY_RELU", "ELU", "SIGMOID", "TANH", "GELU", "GELU_TANH", "SILU", "SOFTPLUS", "HARDSWISH"})
    public String kind;

    @Param({"simd", "scalar"})
    public String impl;

    float[] x = new float[N];
    float[] y = new float[N];
    float[] dy = new float[N];
    float[] dx = new float[N];
    ActivationFn f;
    Activations act;

    @Setup
    public void setup() {
        SimdCnn.setThreads(1);
        Random r = new Random(1);
        for (int i = 0; i < N; i++) {
            x[i] = (float) (r.nextGaussian() * 3);
            dy[i] = (float) r.nextGaussian();
        }
        f = switch (kind) {
            case "LEAKY_RELU" -> ActivationFn.leakyRelu(0.01f);
            case "ELU" -> ActivationFn.elu(1f);
            case "SOFTPLUS" -> ActivationFn.softplus(1f, 20f);
            default -> new ActivationFn(ActivationFn.Kind.valueOf(kind), 0f, 0f);
        };
        act = impl.equals("simd") ? new SimdBackend().activations() : ScalarBackend.INSTANCE.activations();
        act.forward(f, x, 0, y, 0, N);
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public float[] backward() {
        act.backward(f, x, 0, y, 0, dy, 0, dx, 0, N);
        return dx;
    }
}
