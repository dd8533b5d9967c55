package org.simdcnn.bench;

import java.util.concurrent.TimeUnit;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The machine's FP32 FMA peak through the Vector API: 16 independent accumulators, so every other figure can be
 * reported as a fraction of the peak measured in the same run. One call = {@code TRIPS * 16 * 2 * lanes} flops.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class PeakFmaBench {
    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    /** Loop trips per call. */
    public static final int TRIPS = 100_000;

    @Param({"0.5"})
    public float seed;

    /** Flops of one {@link #fma()} call on this machine's preferred species. */
    public static double flopsPerCall() {
        return (double) TRIPS * 16 * 2 * S.length();
    }

    @Benchmark
    public float fma() {
        FloatVector m = FloatVector.broadcast(S, 0.99999f);
        FloatVector a = FloatVector.broadcast(S, 1e-6f * seed);
        FloatVector c0 = FloatVector.broadcast(S, seed);
        FloatVector c1 = FloatVector.broadcast(S, seed + 1);
        FloatVector c2 = FloatVector.broadcast(S, seed + 2);
        FloatVector c3 = FloatVector.broadcast(S, seed + 3);
        FloatVector c4 = FloatVector.broadcast(S, seed + 4);
        FloatVector c5 = FloatVector.broadcast(S, seed + 5);
        FloatVector c6 = FloatVector.broadcast(S, seed + 6);
        FloatVector c7 = FloatVector.broadcast(S, seed + 7);
        FloatVector c8 = FloatVector.broadcast(S, seed + 8);
        FloatVector c9 = FloatVector.broadcast(S, seed + 9);
        FloatVector c10 = FloatVector.broadcast(S, seed + 10);
        FloatVector c11 = FloatVector.broadcast(S, seed + 11);
        FloatVector c12 = FloatVector.broadcast(S, seed + 12);
        FloatVector c13 = FloatVector.broadcast(S, seed + 13);
        FloatVector c14 = FloatVector.broadcast(S, seed + 14);
        FloatVector c15 = FloatVector.broadcast(S, seed + 15);
        for (int t = 0; t < TRIPS; t++) {
            c0 = c0.fma(m, a);
            c1 = c1.fma(m, a);
            c2 = c2.fma(m, a);
            c3 = c3.fma(m, a);
            c4 = c4.fma(m, a);
            c5 = c5.fma(m, a);
            c6 = c6.fma(m, a);
            c7 = c7.fma(m, a);
            c8 = c8.fma(m, a);
            c9 = c9.fma(m, a);
            c10 = c10.fma(m, a);
            c11 = c11.fma(m, a);
            c12 = c12.fma(m, a);
            c13 = c13.fma(m, a);
            c14 = c14.fma(m, a);
            c15 = c15.fma(m, a);
        }
        FloatVector s = c0.add(c1).add(c2).add(c3).add(c4).add(c5).add(c6).add(c7).add(c8).add(c9).add(c10)
                .add(c11).add(c12).add(c13).add(c14).add(c15);
        return s.reduceLanes(jdk.incubator.vector.VectorOperators.ADD);
    }
}
