package org.simdcnn.kernels;

import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import org.simdcnn.geometry.ConvGeometry;
import org.simdcnn.geometry.Padding;
import org.simdcnn.tensor.Tensor;

/**
 * Generators of small, valid convolution geometries for the kernel properties: 1d, 2d and 3d, groups, stride,
 * dilation, asymmetric padding and (for transposed ones) output padding; sizes include 1 and primes and stay
 * small so that hundreds of tries run in a few seconds. Also small vector helpers (inner products in double).
 */
final class ConvCases {
    private ConvCases() {
    }

    /** One spatial dimension; the input is made large enough for at least one convolution window. */
    record Dim(int in, int kernel, int stride, int padBefore, int padAfter, int dilation, int outPad) {
    }

    /** Batch and channels: {@code inChannels = groups * inPerGroup}, likewise out. */
    record Channels(int batch, int groups, int inPerGroup, int outPerGroup) {
        int in() {
            return groups * inPerGroup;
        }

        int out() {
            return groups * outPerGroup;
        }
    }

    static Arbitrary<Dim> dim(int dims) {
        int maxExtra = dims == 3 ? 2 : dims == 2 ? 4 : 6;
        int maxK = dims == 3 ? 3 : 4;
        return Combinators.combine(Arbitraries.integers().between(0, maxExtra), Arbitraries.integers().between(1, maxK),
                Arbitraries.integers().between(1, 3), Arbitraries.integers().between(0, 2),
                Arbitraries.integers().between(0, 2), Arbitraries.integers().between(1, dims == 3 ? 2 : 3),
                Arbitraries.integers().between(0, 2)).as((extra, k, s, pb, pa, d, op) -> {
                    int in = Math.max(1, d * (k - 1) + 1 - pb - pa) + extra;
                    return new Dim(in, k, s, pb, pa, d, op % Math.max(s, d));
                });
    }

    static Arbitrary<List<Dim>> dims() {
        return Arbitraries.integers().between(1, 3).flatMap(n -> dim(n).list().ofSize(n));
    }

    static Arbitrary<Channels> channels() {
        return Combinators.combine(Arbitraries.integers().between(1, 2), Arbitraries.integers().between(1, 3),
                Arbitraries.integers().between(1, 3), Arbitraries.integers().between(1, 3)).as(Channels::new);
    }

    /** Valid convolution geometries. */
    static Arbitrary<ConvGeometry> conv() {
        return Combinators.combine(dims(), channels()).as(ConvCases::conv);
    }

    /** Valid transposed-convolution geometries (configurations with an empty output are skipped). */
    static Arbitrary<ConvGeometry> transposed() {
        return Combinators.combine(dims(), channels()).as(ConvCases::transposed)
                .filter(g -> g != null);
    }

    static ConvGeometry conv(List<Dim> ds, Channels ch) {
        int n = ds.size();
        int[][] p = params(ds);
        return ConvGeometry.conv(n, ch.batch(), ch.in(), p[0], ch.out(), p[1], p[2], Padding.asymmetric(p[3], p[4]),
                p[5], ch.groups());
    }

    static ConvGeometry transposed(List<Dim> ds, Channels ch) {
        for (Dim d : ds) {
            long out = (long) (d.in() - 1) * d.stride() - d.padBefore() - d.padAfter()
                    + (long) d.dilation() * (d.kernel() - 1) + d.outPad() + 1;
            if (out < 1) {
                return null;
            }
        }
        int n = ds.size();
        int[][] p = params(ds);
        return ConvGeometry.transposed(n, ch.batch(), ch.in(), p[0], ch.out(), p[1], p[2],
                Padding.asymmetric(p[3], p[4]), p[6], p[5], ch.groups());
    }

    private static int[][] params(List<Dim> ds) {
        int n = ds.size();
        int[][] p = new int[7][n];
        for (int i = 0; i < n; i++) {
            Dim d = ds.get(i);
            p[0][i] = d.in();
            p[1][i] = d.kernel();
            p[2][i] = d.stride();
            p[3][i] = d.padBefore();
            p[4][i] = d.padAfter();
            p[5][i] = d.dilation();
            p[6][i] = d.outPad();
        }
        return p;
    }

    /** Small integers in [-3, 3]: every product and sum in these tests is exact in float and double. */
    static float[] ints(long seed, int n) {
        return Tensor.randomIntegers(seed, -3, 3, n).data();
    }

    static float[] nanFilled(int n) {
        float[] a = new float[n];
        java.util.Arrays.fill(a, Float.NaN);
        return a;
    }

    static double dot(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += (double) a[i] * b[i];
        }
        return s;
    }

    /** {@code a - b} elementwise. */
    static float[] minus(float[] a, float[] b) {
        float[] r = new float[a.length];
        for (int i = 0; i < a.length; i++) {
            r[i] = a[i] - b[i];
        }
        return r;
    }
}
