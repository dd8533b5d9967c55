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
 * Every activation forward on 1M floats (2^20, out of place: 4 MB read + 4 MB written per forward),
 * one thread, reported directly in ns per element ({@code @OperationsPerInvocation}). {@code impl}: {@code simd}
 * (our Vector API kernels), {@code scalar} (the scalar reference backend, double-precision loops) and
 * {@code plain} (a naive float loop over {@code Math.exp}/{@code Math.tanh}/..., "the scalar Java loop"; GELU has
 * no {@code Math.erf}, so plain GELU is the reference's loop). A plain vector copy of the same
 * size ({@link CopyBench}, run it in the same session): the memory-bound floor. GB/s = 8 bytes per element / ns per
 * element. Backward: {@link ActivationBackwardBench}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Dsimdcnn.threads=1"})
public class ActivationBench {
    static final int N = 1 << 20;

    @Param({"RELU", "LEAKY_RELU", "ELU", "SIGMOID", "TANH", "GELU", "GELU_TANH", "SILU", "SOFTPLUS", "HARDSWISH"})
    public String kind;

    @Param({"simd", "scalar", "plain"})
    public String impl;

    float[] x = new float[N];
    float[] y = new float[N];
    ActivationFn f;
    Activations act;

    @Setup
    public void setup() {
        SimdCnn.setThreads(1);
        Random r = new Random(1);
        for (int i = 0; i < N; i++) {
            x[i] = (float) (r.nextGaussian() * 3);
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
    public float[] forward() {
        if (impl.equals("plain")) {
            plain(f, x, y);
        } else {
            act.forward(f, x, 0, y, 0, N);
        }
        return y;
    }

    static void plain(ActivationFn f, float[] x, float[] y) {
        float a = f.alpha();
        switch (f.kind()) {
            case RELU -> {
                for (int i = 0; i < N; i++) {
                    y[i] = Math.max(x[i], 0f);
                }
            }
            case LEAKY_RELU -> {
                for (int i = 0; i < N; i++) {
                    y[i] = x[i] > 0 ? x[i] : a * x[i];
                }
            }
            case ELU -> {
                for (int i = 0; i < N; i++) {
                    y[i] = x[i] > 0 ? x[i] : (float) (a * (Math.exp(x[i]) - 1));
                }
            }
            case SIGMOID -> {
                for (int i = 0; i < N; i++) {
                    y[i] = (float) (1 / (1 + Math.exp(-x[i])));
                }
            }
            case TANH -> {
                for (int i = 0; i < N; i++) {
                    y[i] = (float) Math.tanh(x[i]);
                }
            }
            case GELU_TANH -> {
                for (int i = 0; i < N; i++) {
                    double v = x[i];
                    y[i] = (float) (0.5 * v * (1 + Math.tanh(0.7978845608 * (v + 0.044715 * v * v * v))));
                }
            }
            case SILU -> {
                for (int i = 0; i < N; i++) {
                    y[i] = (float) (x[i] / (1 + Math.exp(-x[i])));
                }
            }
            case SOFTPLUS -> {
                for (int i = 0; i < N; i++) {
                    y[i] = x[i] > 20 ? x[i] : (float) Math.log1p(Math.exp(x[i]));
                }
            }
            case HARDSWISH -> {
                for (int i = 0; i < N; i++) {
                    y[i] = x[i] * Math.min(Math.max(x[i] + 3, 0f), 6f) / 6f;
                }
            }
            default -> ScalarBackend.INSTANCE.activations().forward(f, x, 0, y, 0, N);
        }
    }
}
