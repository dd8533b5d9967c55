package org.simdcnn.bench;

import java.util.Random;
import java.util.concurrent.TimeUnit;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
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
import org.simdcnn.kernels.VectorMath;
import org.simdcnn.kernels.simd.SimdBackend;

/**
 * The transcendental core, ns per element over 64K floats (L2-resident, so compute-bound): the Vector API's own
 * lanewise {@code EXP}/{@code LOG}/{@code TANH}, our {@link VectorMath} (simdcnn's SimdMath), and a plain
 * {@code Math.exp}/{@code Math.log}/{@code Math.tanh} loop.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class MathBench {
    static final int N = 1 << 16;
    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    @Param({"exp", "log", "tanh"})
    public String fn;

    float[] x = new float[N];
    float[] y = new float[N];
    VectorMath ours;
    VectorOperators.Unary op;

    @Setup
    public void setup() {
        Random r = new Random(1);
        for (int i = 0; i < N; i++) {
            x[i] = fn.equals("log") ? (float) Math.exp(r.nextGaussian() * 5) : (float) (r.nextGaussian() * 5);
        }
        ours = new SimdBackend();
        op = switch (fn) {
            case "exp" -> VectorOperators.EXP;
            case "log" -> VectorOperators.LOG;
            default -> VectorOperators.TANH;
        };
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public float[] vectorApiLanewise() {
        VectorOperators.Unary o = op;
        for (int i = 0; i < N; i += S.length()) {
            FloatVector.fromArray(S, x, i).lanewise(o).intoArray(y, i);
        }
        return y;
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public float[] simdcnn() {
        switch (fn) {
            case "exp" -> ours.exp(x, 0, y, 0, N);
            case "log" -> ours.log(x, 0, y, 0, N);
            default -> ours.tanh(x, 0, y, 0, N);
        }
        return y;
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public float[] javaLangMath() {
        switch (fn) {
            case "exp" -> {
                for (int i = 0; i < N; i++) {
                    y[i] = (float) Math.exp(x[i]);
                }
            }
            case "log" -> {
                for (int i = 0; i < N; i++) {
                    y[i] = (float) Math.log(x[i]);
                }
            }
            default -> {
                for (int i = 0; i < N; i++) {
                    y[i] = (float) Math.tanh(x[i]);
                }
            }
        }
        return y;
    }
}
