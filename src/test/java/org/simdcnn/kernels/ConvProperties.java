package org.simdcnn.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.simdcnn.kernels.ConvCases.dot;
import static org.simdcnn.kernels.ConvCases.ints;
import static org.simdcnn.kernels.ConvCases.minus;
import static org.simdcnn.kernels.ConvCases.nanFilled;

import java.util.Arrays;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.simdcnn.geometry.ConvGeometry;
import org.simdcnn.geometry.Padding;
import org.simdcnn.kernels.scalar.ScalarBackend;

/**
 * Properties of the reference convolution ({@code ScalarBackend}'s {@link Conv}) over random 1d/2d/3d geometries
 * with groups, stride, dilation and asymmetric padding. Data are small integers, so every result is exact and
 * the comparisons are exact: against independent oracles written here (zero-padded input, scatter-form
 * transposed convolution), against im2col + GEMM, and through the adjoint identities that tie forward and
 * backward together. Outputs are NaN-filled first: every kernel must overwrite them.
 */
class ConvProperties {
    private static final Conv CONV = ScalarBackend.INSTANCE.conv();
    private static final Gemm GEMM = ScalarBackend.INSTANCE.gemm();

    @Provide
    Arbitrary<ConvGeometry> convs() {
        return ConvCases.conv();
    }

    @Provide
    Arbitrary<ConvGeometry> transposeds() {
        return ConvCases.transposed();
    }

    @Provide
    Arbitrary<Epilogue> epilogues() {
        return Arbitraries.of(Epilogue.NONE, Epilogue.RELU, Epilogue.leakyRelu(0.5f), Epilogue.clamp(-4f, 6f));
    }

    // ---- forward against an independent oracle ----------------------------------------------------------------

    /**
     * The oracle: copy the input into an explicitly zero-padded buffer, then sum every window with no bounds
     * checks (the geometry guarantees each window lies inside the padded input).
     */
    static float[] forwardOracle(ConvGeometry g, float[] x, float[] w, float[] bias, Epilogue e) {
        int[] p = new int[3];
        for (int i = 0; i < 3; i++) {
            p[i] = g.in(i) + g.padBefore(i) + g.padAfter(i);
        }
        int cin = g.inChannels();
        double[][][][][] xp = new double[g.batch()][cin][p[0]][p[1]][p[2]];
        for (int n = 0; n < g.batch(); n++) {
            for (int c = 0; c < cin; c++) {
                for (int a = 0; a < g.in(0); a++) {
                    for (int b = 0; b < g.in(1); b++) {
                        for (int d = 0; d < g.in(2); d++) {
                            xp[n][c][a + g.padBefore(0)][b + g.padBefore(1)][d + g.padBefore(2)] =
                                    x[(((n * cin + c) * g.in(0) + a) * g.in(1) + b) * g.in(2) + d];
                        }
                    }
                }
            }
        }
        int cinG = g.inChannelsPerGroup();
        int coutG = g.outChannelsPerGroup();
        float[] y = new float[g.outputSize()];
        int q = 0;
        for (int n = 0; n < g.batch(); n++) {
            for (int oc = 0; oc < g.outChannels(); oc++) {
                int grp = oc / coutG;
                for (int o0 = 0; o0 < g.out(0); o0++) {
                    for (int o1 = 0; o1 < g.out(1); o1++) {
                        for (int o2 = 0; o2 < g.out(2); o2++) {
                            double s = bias == null ? 0 : bias[oc];
                            int wq = oc * cinG * g.kernelVolume();
                            for (int icl = 0; icl < cinG; icl++) {
                                for (int k0 = 0; k0 < g.kernel(0); k0++) {
                                    for (int k1 = 0; k1 < g.kernel(1); k1++) {
                                        for (int k2 = 0; k2 < g.kernel(2); k2++) {
                                            s += w[wq++] * xp[n][grp * cinG + icl]
                                                    [o0 * g.stride(0) + k0 * g.dilation(0)]
                                                    [o1 * g.stride(1) + k1 * g.dilation(1)]
                                                    [o2 * g.stride(2) + k2 * g.dilation(2)];
                                        }
                                    }
                                }
                            }
                            y[q++] = e.apply((float) s);
                        }
                    }
                }
            }
        }
        return y;
    }

    @Property(tries = 200)
    void forwardEqualsZeroPaddedOracle(@ForAll("convs") ConvGeometry g, @ForAll("epilogues") Epilogue e,
            @ForAll boolean withBias, @ForAll long seed, @ForAll @IntRange(min = 0, max = 3) int off) {
        float[] x = ints(seed, g.inputSize());
        float[] w = ints(seed + 1, g.weightSize());
        float[] b = withBias ? ints(seed + 2, g.outChannels()) : null;
        float[] expected = forwardOracle(g, x, w, b, e);
        // inputs and output at an offset inside larger arrays; the cells around the output must stay untouched
        float[] xo = shifted(x, off);
        float[] wo = shifted(w, 2 * off);
        float[] y = new float[g.outputSize() + 2 * off + 2];
        Arrays.fill(y, Float.NaN);
        y[off] = 1234f;
        y[off + 1 + g.outputSize()] = 4321f;
        CONV.forward(g, xo, off, wo, 2 * off, b, y, off + 1, e);
        assertArrayEquals(expected, Arrays.copyOfRange(y, off + 1, off + 1 + g.outputSize()), g.toString());
        assertEquals(1234f, y[off]);
        assertEquals(4321f, y[off + 1 + g.outputSize()]);
    }

    // ---- (d) im2col + GEMM per group == direct convolution ----------------------------------------------------

    @Property(tries = 200)
    void im2colThenGemmPerGroupEqualsDirect(@ForAll("convs") ConvGeometry g, @ForAll("epilogues") Epilogue e,
            @ForAll boolean withBias, @ForAll long seed) {
        float[] x = ints(seed, g.inputSize());
        float[] w = ints(seed + 1, g.weightSize());
        float[] b = withBias ? ints(seed + 2, g.outChannels()) : null;
        float[] direct = nanFilled(g.outputSize());
        CONV.forward(g, x, 0, w, 0, b, direct, 0, e);

        int kVol = g.kernelVolume();
        int outSp = g.outSpatial();
        int cin = g.inChannels();
        int cinG = g.inChannelsPerGroup();
        int coutG = g.outChannelsPerGroup();
        float[] col = nanFilled(g.batch() * cin * kVol * outSp);
        CONV.im2col(g, x, 0, col, 0);
        float[] viaGemm = nanFilled(g.outputSize());
        for (int n = 0; n < g.batch(); n++) {
            for (int grp = 0; grp < g.groups(); grp++) {
                // (coutG x cinG*kVol) weights of the group times (cinG*kVol x outSp) columns of its channels
                int kk = cinG * kVol;
                GEMM.sgemm(false, false, coutG, outSp, kk, 1f, w, grp * coutG * kk, kk,
                        col, (n * cin + grp * cinG) * kVol * outSp, outSp, 0f,
                        viaGemm, (n * g.outChannels() + grp * coutG) * outSp, outSp,
                        b, grp * coutG, b == null ? BiasMode.NONE : BiasMode.PER_ROW, e);
            }
        }
        assertArrayEquals(direct, viaGemm, g.toString());
    }

    // ---- (e) col2im is the adjoint of im2col ------------------------------------------------------------------

    @Property(tries = 200)
    void col2imIsTheAdjointOfIm2col(@ForAll("convs") ConvGeometry g, @ForAll long seed) {
        int colSize = g.batch() * g.inChannels() * g.kernelVolume() * g.outSpatial();
        float[] x = ints(seed, g.inputSize());
        float[] c = ints(seed + 1, colSize);
        float[] colOfX = nanFilled(colSize);
        CONV.im2col(g, x, 0, colOfX, 0);
        float[] xOfC = nanFilled(g.inputSize());
        CONV.col2im(g, c, 0, xOfC, 0);
        assertEquals(dot(colOfX, c), dot(x, xOfC), g.toString());
    }

    // ---- (f) adjoint identities of forward / backwardInput / backwardWeight / backwardBias --------------------

    @Property(tries = 200)
    void backwardKernelsAreTheAdjointsOfForward(@ForAll("convs") ConvGeometry g, @ForAll long seed) {
        float[] x = ints(seed, g.inputSize());
        float[] w = ints(seed + 1, g.weightSize());
        float[] b = ints(seed + 2, g.outChannels());
        float[] dy = ints(seed + 3, g.outputSize());
        float[] y = nanFilled(g.outputSize());
        CONV.forward(g, x, 0, w, 0, null, y, 0);
        float[] dx = nanFilled(g.inputSize());
        CONV.backwardInput(g, dy, 0, w, 0, dx, 0);
        float[] dw = nanFilled(g.weightSize());
        CONV.backwardWeight(g, x, 0, dy, 0, dw, 0);
        double lhs = dot(y, dy);
        assertEquals(lhs, dot(x, dx), "<conv(x,w), dy> vs <x, backwardInput(dy,w)> for " + g);
        assertEquals(lhs, dot(w, dw), "<conv(x,w), dy> vs <w, backwardWeight(x,dy)> for " + g);

        float[] yb = nanFilled(g.outputSize());
        CONV.forward(g, x, 0, w, 0, b, yb, 0);
        float[] db = nanFilled(g.outChannels());
        CONV.backwardBias(g, dy, 0, db);
        assertEquals(dot(minus(yb, y), dy), dot(b, db), "<bias part of conv, dy> vs <b, backwardBias(dy)> for " + g);
    }

    // ---- (g) transposed convolution ---------------------------------------------------------------------------

    /** The oracle: scatter every input element through every tap, then crop the padding. */
    static float[] transposedOracle(ConvGeometry g, float[] x, float[] w, float[] bias) {
        double[] y = new double[g.outputSize()];
        int cinG = g.inChannelsPerGroup();
        int coutG = g.outChannelsPerGroup();
        int cout = g.outChannels();
        int q = 0;
        for (int n = 0; n < g.batch(); n++) {
            for (int ic = 0; ic < g.inChannels(); ic++) {
                int grp = ic / cinG;
                for (int i0 = 0; i0 < g.in(0); i0++) {
                    for (int i1 = 0; i1 < g.in(1); i1++) {
                        for (int i2 = 0; i2 < g.in(2); i2++) {
                            float xv = x[q++];
                            int wq = ic * coutG * g.kernelVolume();
                            for (int ocl = 0; ocl < coutG; ocl++) {
                                int oc = grp * coutG + ocl;
                                for (int k0 = 0; k0 < g.kernel(0); k0++) {
                                    for (int k1 = 0; k1 < g.kernel(1); k1++) {
                                        for (int k2 = 0; k2 < g.kernel(2); k2++) {
                                            float wv = w[wq++];
                                            int o0 = i0 * g.stride(0) + k0 * g.dilation(0) - g.padBefore(0);
                                            int o1 = i1 * g.stride(1) + k1 * g.dilation(1) - g.padBefore(1);
                                            int o2 = i2 * g.stride(2) + k2 * g.dilation(2) - g.padBefore(2);
                                            if (o0 < 0 || o0 >= g.out(0) || o1 < 0 || o1 >= g.out(1) || o2 < 0
                                                    || o2 >= g.out(2)) {
                                                continue;
                                            }
                                            y[(((n * cout + oc) * g.out(0) + o0) * g.out(1) + o1) * g.out(2) + o2]
                                                    += (double) xv * wv;
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        float[] r = new float[y.length];
        int sp = g.outSpatial();
        for (int i = 0; i < y.length; i++) {
            r[i] = (float) (y[i] + (bias == null ? 0 : bias[(i / sp) % cout]));
        }
        return r;
    }

    @Property(tries = 200)
    void transposedForwardEqualsScatterOracle(@ForAll("transposeds") ConvGeometry g, @ForAll boolean withBias,
            @ForAll long seed) {
        float[] x = ints(seed, g.inputSize());
        float[] w = ints(seed + 1, g.weightSize());
        float[] b = withBias ? ints(seed + 2, g.outChannels()) : null;
        float[] y = nanFilled(g.outputSize());
        CONV.transposedForward(g, x, 0, w, 0, b, y, 0);
        assertArrayEquals(transposedOracle(g, x, w, b), y, g.toString());
    }

    @Property(tries = 200)
    void transposedForwardEqualsBackwardInputOfTheAdjointConv(@ForAll("transposeds") ConvGeometry g,
            @ForAll long seed) {
        float[] x = ints(seed, g.inputSize());
        float[] w = ints(seed + 1, g.weightSize());
        float[] b = ints(seed + 2, g.outChannels());
        float[] y = nanFilled(g.outputSize());
        CONV.transposedForward(g, x, 0, w, 0, null, y, 0);
        ConvGeometry adj = g.adjointConv();
        float[] dx = nanFilled(adj.inputSize());
        CONV.backwardInput(adj, x, 0, w, 0, dx, 0); // the transposed input plays dy, same weight layout
        assertArrayEquals(dx, y, g.toString());
        // the bias is added to every output position, including those that only output padding creates
        float[] yb = nanFilled(g.outputSize());
        CONV.transposedForward(g, x, 0, w, 0, b, yb, 0);
        float[] diff = minus(yb, y);
        for (int i = 0; i < diff.length; i++) {
            assertEquals(b[(i / g.outSpatial()) % g.outChannels()], diff[i], g.toString());
        }
    }

    // ---- (h) linearity and identity kernels -------------------------------------------------------------------

    @Property(tries = 100)
    void forwardIsLinearInInputAndWeight(@ForAll("convs") ConvGeometry g, @ForAll long seed,
            @ForAll @IntRange(min = -3, max = 3) int a, @ForAll @IntRange(min = -3, max = 3) int c) {
        float[] x1 = ints(seed, g.inputSize());
        float[] x2 = ints(seed + 1, g.inputSize());
        float[] w1 = ints(seed + 2, g.weightSize());
        float[] w2 = ints(seed + 3, g.weightSize());
        float[] mix = new float[x1.length];
        for (int i = 0; i < mix.length; i++) {
            mix[i] = a * x1[i] + c * x2[i];
        }
        float[] y1 = conv(g, x1, w1);
        float[] y2 = conv(g, x2, w1);
        float[] ym = conv(g, mix, w1);
        for (int i = 0; i < ym.length; i++) {
            assertEquals(a * y1[i] + c * y2[i], ym[i], 0f, g.toString()); // 0f: -0.0 == 0.0
        }
        float[] wm = new float[w1.length];
        for (int i = 0; i < wm.length; i++) {
            wm[i] = a * w1[i] + c * w2[i];
        }
        float[] z2 = conv(g, x1, w2);
        float[] zm = conv(g, x1, wm);
        for (int i = 0; i < zm.length; i++) {
            assertEquals(a * y1[i] + c * z2[i], zm[i], 0f, g.toString());
        }
    }

    private static float[] conv(ConvGeometry g, float[] x, float[] w) {
        float[] y = nanFilled(g.outputSize());
        CONV.forward(g, x, 0, w, 0, null, y, 0);
        return y;
    }

    @Property(tries = 100)
    void pointwiseIdentityWeightReproducesTheInput(@ForAll @IntRange(min = 1, max = 3) int dims,
            @ForAll @IntRange(min = 1, max = 2) int batch, @ForAll @IntRange(min = 1, max = 3) int groups,
            @ForAll @IntRange(min = 1, max = 3) int perGroup, @ForAll("sizes") List<Integer> sizes,
            @ForAll long seed) {
        int c = groups * perGroup;
        int[] in = sizes.subList(0, dims).stream().mapToInt(Integer::intValue).toArray();
        ConvGeometry g = ConvGeometry.conv(dims, batch, c, in, c, new int[] {1}, new int[] {1}, Padding.valid(),
                new int[] {1}, groups);
        float[] w = new float[g.weightSize()]; // (c, perGroup): channel oc reads its own channel
        for (int oc = 0; oc < c; oc++) {
            w[oc * perGroup + oc % perGroup] = 1f;
        }
        float[] x = ints(seed, g.inputSize());
        assertArrayEquals(x, conv(g, x, w), g.toString());
    }

    @Provide
    Arbitrary<List<Integer>> sizes() {
        return Arbitraries.of(1, 2, 3, 5, 7).list().ofSize(3);
    }

    @Provide
    Arbitrary<int[]> oddKernelOrDilationOne() {
        // (kernel, dilation): any odd kernel with any dilation, or any kernel with dilation 1 (even kernels put
        // the extra padding after, and the centre tap (k-1)/2 then sits exactly padBefore from the start)
        return Combinators.combine(Arbitraries.integers().between(1, 5), Arbitraries.integers().between(1, 3))
                .as((k, d) -> k % 2 == 1 ? new int[] {k, d} : new int[] {k, 1});
    }

    @Property(tries = 100)
    void centredDeltaKernelWithSamePaddingReproducesTheInput(@ForAll @IntRange(min = 1, max = 3) int dims,
            @ForAll @IntRange(min = 1, max = 2) int channels, @ForAll("sizes") List<Integer> sizes,
            @ForAll("oddKernelOrDilationOne") int[] kd, @ForAll long seed) {
        int k = kd[0];
        int d = kd[1];
        int[] in = sizes.subList(0, dims).stream().mapToInt(Integer::intValue).toArray();
        ConvGeometry g = ConvGeometry.conv(dims, 1, channels, in, channels, new int[] {k}, new int[] {1},
                Padding.same(), new int[] {d}, channels);
        float[] w = new float[g.weightSize()]; // depthwise (channels, 1, k...): a 1 at the centre tap
        int centre = (k - 1) / 2;
        int tap = 0;
        for (int i = 3 - dims; i < 3; i++) {
            tap = tap * k + centre;
        }
        for (int c = 0; c < channels; c++) {
            w[c * g.kernelVolume() + tap] = 1f;
        }
        float[] x = ints(seed, g.inputSize());
        assertArrayEquals(g.inputShape(), g.outputShape());
        assertArrayEquals(x, conv(g, x, w), g.toString());
    }

    private static float[] shifted(float[] a, int off) {
        float[] r = new float[a.length + off];
        Arrays.fill(r, 0, off, Float.NaN);
        System.arraycopy(a, 0, r, off, a.length);
        return r;
    }
}
