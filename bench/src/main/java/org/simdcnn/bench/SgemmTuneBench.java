package org.simdcnn.bench;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
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
import org.openjdk.jmh.annotations.Warmup;
import org.simdcnn.SimdCnn;
import org.simdcnn.kernels.Gemm;

/**
 * Tuning benchmark of the packed SGEMM (simd-conv helper's; the final suite is bench-conv's). Square
 * {@code size^3}, {@code C = A * B}; flops = 2 * size^3. Run together with {@link PeakFmaBench} and compare.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class SgemmTuneBench {
    @Param({"1024"})
    public int size;

    @Param({"1"})
    public int threads;

    float[] a;
    float[] b;
    float[] c;
    Gemm gemm;

    @Setup(Level.Trial)
    public void setup() {
        SimdCnn.setThreads(threads);
        SplittableRandom r = new SplittableRandom(1);
        a = new float[size * size];
        b = new float[size * size];
        c = new float[size * size];
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) r.nextDouble();
            b[i] = (float) r.nextDouble();
        }
        gemm = SimdCnn.backend().gemm();
        if (!SimdCnn.backend().name().equals("simd")) {
            throw new IllegalStateException("SIMD backend not active: " + SimdCnn.info());
        }
    }

    @Benchmark
    public float[] sgemm() {
        gemm.sgemm(false, false, size, size, size, 1f, a, 0, size, b, 0, size, 0f, c, 0, size);
        return c;
    }
}
