package org.simdcnn.bench;

import java.util.concurrent.TimeUnit;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The memory-bound floor for the activation benchmarks: a plain vector copy of 1M floats (x to y, 8 bytes moved
 * per element) and {@code System.arraycopy}, ns per element.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class CopyBench {
    static final int N = 1 << 20;
    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    float[] x = new float[N];
    float[] y = new float[N];

    @Benchmark
    @OperationsPerInvocation(N)
    public float[] vectorCopy() {
        for (int i = 0; i < N; i += S.length()) {
            FloatVector.fromArray(S, x, i).intoArray(y, i);
        }
        return y;
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public float[] arraycopy() {
        System.arraycopy(x, 0, y, 0, N);
        return y;
    }
}
