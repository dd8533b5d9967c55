package org.simdcnn.bench;

import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.simdcnn.SimdCnn;
import org.simdcnn.kernels.Gemm;
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
 * SGEMM {@code C = op(A) op(B)} ({@code beta = 0}) through {@code SimdCnn.backend().gemm()}: square sizes and the
 * per-image GEMMs the conv suite produces (im2col forward {@code M = Cout, N = outSpatial, K = Cin*kernel};
 * backward grad weight {@code A Bᵀ} and grad input {@code Aᵀ B} of resnet_3x3_28). GFLOP/s = {@code 2 m n k}/time.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class SgemmBench {
    /** One GEMM problem: label, transposes and sizes. */
    public enum Shape {
        SQ64("sq64", false, false, 64, 64, 64),
        SQ128("sq128", false, false, 128, 128, 128),
        SQ256("sq256", false, false, 256, 256, 256),
        SQ512("sq512", false, false, 512, 512, 512),
        SQ1024("sq1024", false, false, 1024, 1024, 1024),
        MNIST_C2("mnist_c2", false, false, 64, 196, 288),
        RESNET_3X3_56("resnet_3x3_56", false, false, 64, 3136, 576),
        RESNET_3X3_28("resnet_3x3_28", false, false, 128, 784, 1152),
        RESNET_3X3_14("resnet_3x3_14", false, false, 256, 196, 2304),
        RESNET_1X1_56("resnet_1x1_56", false, false, 256, 3136, 64),
        CONV1D_TEXT("conv1d_text", false, false, 128, 256, 384),
        RESNET_3X3_28_DW("resnet_3x3_28_dw", false, true, 128, 1152, 784),
        RESNET_3X3_28_DX("resnet_3x3_28_dx", true, false, 1152, 784, 128);

        public final String label;
        public final boolean transA;
        public final boolean transB;
        public final int m;
        public final int n;
        public final int k;

        Shape(String label, boolean transA, boolean transB, int m, int n, int k) {
            this.label = label;
            this.transA = transA;
            this.transB = transB;
            this.m = m;
            this.n = n;
            this.k = k;
        }

        /** benchdnn-style descriptor, e.g. {@code m64n196k288} or {@code tA_m1152n784k128}. */
        public String descriptor() {
            return (transA ? "tA_" : "") + (transB ? "tB_" : "") + "m" + m + "n" + n + "k" + k;
        }

        public double flops() {
            return 2.0 * m * n * k;
        }

        public static Shape of(String label) {
            for (Shape s : values()) {
                if (s.label.equals(label)) {
                    return s;
                }
            }
            throw new IllegalArgumentException("shape: unknown gemm shape '" + label + "', known: "
                    + Arrays.toString(Arrays.stream(values()).map(v -> v.label).toArray()));
        }
    }

    @Param({"sq64", "sq128", "sq256", "sq512", "sq1024", "mnist_c2", "resnet_3x3_56", "resnet_3x3_28",
            "resnet_3x3_14", "resnet_1x1_56", "conv1d_text", "resnet_3x3_28_dw", "resnet_3x3_28_dx"})
    public String shape;
    @Param({"1", "2"})
    public int threads;

    Shape s;
    float[] a;
    float[] b;
    float[] c;
    int lda;
    int ldb;
    Gemm gemm;

    @Setup(Level.Trial)
    public void setup() {
        SimdCnn.setThreads(threads);
        s = Shape.of(shape);
        a = ConvShape.uniform(s.m * s.k, 5);
        b = ConvShape.uniform(s.k * s.n, 7);
        c = new float[s.m * s.n];
        lda = s.transA ? s.m : s.k;
        ldb = s.transB ? s.k : s.n;
        gemm = SimdCnn.backend().gemm();
        System.out.println("[info] " + SimdCnn.info() + " sgemm " + s.descriptor());
        gemm.sgemm(s.transA, s.transB, s.m, s.n, s.k, 1f, a, 0, lda, b, 0, ldb, 0f, c, 0, s.n);
        verifySampled();
    }

    /** Checks a sample of C's entries (every row and column is hit) against double dot products. */
    private void verifySampled() {
        double u = Math.ulp(1.0f) / 2;
        int checked = 0;
        for (int i = 0; i < s.m; i++) {
            for (int j = (i * 7) % 13; j < s.n; j += 13) {
                double sum = 0;
                double abs = 0;
                for (int p = 0; p < s.k; p++) {
                    double av = s.transA ? a[p * lda + i] : a[i * lda + p];
                    double bv = s.transB ? b[j * ldb + p] : b[p * ldb + j];
                    sum += av * bv;
                    abs += Math.abs(av * bv);
                }
                double d = Math.abs(c[i * s.n + j] - sum);
                if (!(d <= 2.0 * s.k * u * abs + 1e-30)) {
                    throw new IllegalStateException("sgemm " + s.descriptor() + ": C[" + i + "][" + j + "] = "
                            + c[i * s.n + j] + ", expected " + sum);
                }
                checked++;
            }
        }
        System.out.println("[verify] sgemm " + s.descriptor() + " matches double dot products at " + checked
                + " sampled entries");
    }

    @Benchmark
    public float[] sgemm() {
        gemm.sgemm(s.transA, s.transB, s.m, s.n, s.k, 1f, a, 0, lda, b, 0, ldb, 0f, c, 0, s.n);
        return c;
    }
}
