package org.simdcnn.bench;

import java.util.concurrent.TimeUnit;
import org.simdcnn.SimdCnn;
import org.simdcnn.geometry.ConvGeometry;
import org.simdcnn.kernels.Conv;
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

/**
 * Convolution backward through {@code SimdCnn.backend().conv()}: gradient with respect to the input and to the
 * weight, each the same flop count as the forward ({@link ConvGeometry#flops()}). Setup checks both once with the
 * adjoint identities {@code <conv(x,w), dy> = <x, dx> = <w, dw>} against the direct reference.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class ConvBackwardBench {
    @Param({"mnist_c2", "resnet_3x3_56", "resnet_3x3_28", "conv3d_small"})
    public String shape;
    @Param({"1", "2"})
    public int threads;

    ConvGeometry g;
    float[] x;
    float[] w;
    float[] dy;
    float[] dx;
    float[] dw;
    Conv conv;

    @Setup(Level.Trial)
    public void setup() {
        SimdCnn.setThreads(threads);
        ConvShape s = ConvShape.of(shape);
        ConvShape.Data d = s.data();
        g = d.g();
        x = d.x();
        w = d.w();
        dy = ConvShape.uniform(g.outputSize(), 101 + s.ordinal());
        dx = new float[g.inputSize()];
        dw = new float[g.weightSize()];
        conv = SimdCnn.backend().conv();
        System.out.println("[info] " + SimdCnn.info() + " " + g);
        conv.backwardInput(g, dy, 0, w, 0, dx, 0);
        conv.backwardWeight(g, x, 0, dy, 0, dw, 0);
        DirectConv.Reference ref = DirectConv.forward(g, x, w, null);
        double lhs = 0;
        double scale = 0;
        for (int i = 0; i < dy.length; i++) {
            lhs += ref.y()[i] * dy[i];
            scale += ref.absSum()[i] * Math.abs(dy[i]);
        }
        checkAdjoint("grad input", lhs, dot(x, dx), scale);
        checkAdjoint("grad weight", lhs, dot(w, dw), scale);
    }

    private static double dot(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += (double) a[i] * b[i];
        }
        return s;
    }

    private void checkAdjoint(String what, double expected, double actual, double scale) {
        // Each float result carries at most ~terms*u relative error of its own |terms| sum; 1e-4 of the total
        // magnitude is far above that and far below what a wrong index produces.
        double d = Math.abs(expected - actual);
        if (!(d <= 1e-4 * scale)) {
            throw new IllegalStateException(what + " " + shape + ": adjoint identity fails: <conv(x,w),dy> = "
                    + expected + ", got " + actual + " (|diff| " + d + ", scale " + scale + ")");
        }
        System.out.printf("[verify] %s %s passes the adjoint check (|diff|/scale = %.3g)%n", what, shape, d / scale);
    }

    @Benchmark
    public float[] gradInput() {
        conv.backwardInput(g, dy, 0, w, 0, dx, 0);
        return dx;
    }

    @Benchmark
    public float[] gradWeight() {
        conv.backwardWeight(g, x, 0, dy, 0, dw, 0);
        return dw;
    }
}
