package org.simdcnn.kernels;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;
import org.simdcnn.SimdCnn;
import org.simdcnn.geometry.ConvGeometry;
import org.simdcnn.geometry.Padding;

/**
 * The 3x3 stride-1 convolutions with at least 16 input and output channels, which the SIMD backend serves by
 * Winograd F(2x2, 3x3), and the 1 x 3 ones (1d, or 2d without height padding) it serves by F(2, 3) row by row: odd and even output sizes (edge tiles with one valid row or column), asymmetric padding
 * 0..2, several images (tiles of one GEMM column panel from two images), output channels that leave 1..12 rows in
 * the last row panel, more tiles than one block of column panels; with bias and each epilogue, on plain and packed
 * weights; and the input gradient, which is such a convolution of the output gradient (on this path from 64 tiles
 * on), and the weight gradient by the adjoint transforms (from 64 tiles and 64 input
 * and output channels on).
 *
 * <p>Small-integer data: every transform step is exact, so the results must equal the direct reference. Random
 * normal data: the error must stay within a small multiple of the float rounding of the sum of the magnitudes of
 * the terms (a wrong transform coefficient is off by the size of a term).
 */
class WinogradConvParityTest {

    @Provide
    Arbitrary<ConvGeometry> geometries() {
        Arbitrary<int[]> chans = Combinators.combine(Arbitraries.integers().between(1, 3),
                Arbitraries.integers().between(16, 40), Arbitraries.integers().between(16, 40))
                .as((n, cin, cout) -> new int[] {n, cin, cout});
        Arbitrary<int[]> sizes = Combinators.combine(Arbitraries.integers().between(1, 23),
                Arbitraries.integers().between(1, 41)).as((h, w) -> new int[] {h, w});
        Arbitrary<int[]> pads = Arbitraries.integers().between(0, 2).array(int[].class).ofSize(4);
        return Combinators.combine(chans, sizes, pads).as(WinogradConvParityTest::build);
    }

    /** Output {@code h x w} plus 1 (at least 2 each), from an input sized for the padding. */
    static ConvGeometry build(int[] ch, int[] hw, int[] p) {
        int outH = hw[0] + 1;
        int outW = hw[1] + 1;
        int inH = Math.max(1, outH + 2 - p[0] - p[1]);
        int inW = Math.max(1, outW + 2 - p[2] - p[3]);
        return ConvGeometry.conv(2, ch[0], ch[1], new int[] {inH, inW}, ch[2], new int[] {3, 3}, new int[] {1},
                Padding.asymmetric(new int[] {p[0], p[2]}, new int[] {p[1], p[3]}), new int[] {1}, 1);
    }

    /** 1d convolutions with a 3-tap kernel (F(2, 3)): odd and even lengths, asymmetric padding 0..2. */
    @Provide
    Arbitrary<ConvGeometry> geometries1d() {
        Arbitrary<int[]> chans = Combinators.combine(Arbitraries.integers().between(1, 3),
                Arbitraries.integers().between(16, 40), Arbitraries.integers().between(16, 40))
                .as((n, cin, cout) -> new int[] {n, cin, cout});
        Arbitrary<int[]> pads = Arbitraries.integers().between(0, 2).array(int[].class).ofSize(2);
        return Combinators.combine(chans, Arbitraries.integers().between(1, 80), pads).as((ch, len, p) -> {
            int out = len + 1;
            int in = Math.max(1, out + 2 - p[0] - p[1]);
            return ConvGeometry.conv(1, ch[0], ch[1], new int[] {in}, ch[2], new int[] {3}, new int[] {1},
                    Padding.asymmetric(new int[] {p[0]}, new int[] {p[1]}), new int[] {1}, 1);
        });
    }

    @Property(tries = 40)
    void integerDataIsExact1d(@ForAll("geometries1d") ConvGeometry g, @ForAll("epilogues") Epilogue e,
            @ForAll boolean withBias) {
        check(g, e, withBias, g.hashCode());
    }

    @Provide
    Arbitrary<Epilogue> epilogues() {
        return Arbitraries.of(Epilogue.NONE, Epilogue.RELU, Epilogue.leakyRelu(0.5f), Epilogue.clamp(-40f, 45f));
    }

    @Property(tries = 60)
    void integerDataIsExact(@ForAll("geometries") ConvGeometry g, @ForAll("epilogues") Epilogue e,
            @ForAll boolean withBias) {
        check(g, e, withBias, g.hashCode());
    }

    @Test
    void namedShapes() {
        // mnist conv2 on 3 images (odd 7x7 tiles per image: panels mix images), resnet-like 28x28 with 128 channels
        // (several blocks of column panels), 256 channels at 14x14, odd maps without padding, 13 output channels
        // past a 12-row panel
        check(ConvGeometry.conv2d(3, 32, 14, 14, 64, 3, 3, 1, 1, 1, 1), Epilogue.RELU, true, 1);
        check(ConvGeometry.conv2d(1, 128, 28, 28, 128, 3, 3, 1, 1, 1, 1), Epilogue.NONE, true, 2);
        check(ConvGeometry.conv2d(1, 256, 14, 14, 20, 3, 3, 1, 1, 1, 1), Epilogue.NONE, false, 3);
        check(ConvGeometry.conv2d(2, 17, 13, 11, 25, 3, 3, 1, 0, 1, 1), Epilogue.leakyRelu(0.25f), true, 4);
        // weight gradient on this path: odd maps, asymmetric padding, two images, 65 output channels
        check(ConvGeometry.conv(2, 2, 64, new int[] {13, 17}, 65, new int[] {3}, new int[] {1},
                Padding.asymmetric(new int[] {0, 1}, new int[] {2, 1}), new int[] {1}, 1), Epilogue.NONE, true, 6);
        check(ConvGeometry.conv2d(1, 70, 20, 9, 64, 3, 3, 1, 1, 1, 1), Epilogue.RELU, false, 7);
        // the weight gradient with channels in the lanes: 3x3 planes (smaller than a vector: copied to channel-last
        // one float at a time) over 16 images; a 40x40 map in blocks of 3 tile rows; chunks that end inside images;
        // and with tiles in the lanes (128 x 96 channel pairs, beyond the lanes path's limit; and 136 x 72 on 14x14
        // maps, whose input split takes pairs of rows while the output gradient's planes, 14 wide without padding,
        // must not)
        check(ConvGeometry.conv2d(16, 20, 3, 3, 24, 3, 3, 1, 1, 1, 1), Epilogue.NONE, false, 17);
        check(ConvGeometry.conv2d(1, 64, 40, 40, 48, 3, 3, 1, 1, 1, 1), Epilogue.NONE, false, 18);
        check(ConvGeometry.conv2d(5, 40, 14, 14, 33, 3, 3, 1, 0, 1, 1), Epilogue.NONE, true, 19);
        check(ConvGeometry.conv2d(1, 128, 16, 16, 96, 3, 3, 1, 1, 1, 1), Epilogue.NONE, false, 20);
        check(ConvGeometry.conv2d(2, 136, 14, 14, 72, 3, 3, 1, 1, 1, 1), Epilogue.NONE, true, 21);
        // 1 x 3 (F(2, 3)): conv1d_text-like over several blocks, odd length without padding, and a 2d 1 x 3
        // kernel row by row (no height padding)
        check(ConvGeometry.conv(1, 4, 32, new int[] {256}, 24, new int[] {3}, new int[] {1}, Padding.of(1),
                new int[] {1}, 1), Epilogue.RELU, true, 8);
        check(ConvGeometry.conv(1, 2, 17, new int[] {37}, 19, new int[] {3}, new int[] {1}, Padding.of(0),
                new int[] {1}, 1), Epilogue.NONE, false, 9);
        check(ConvGeometry.conv(2, 2, 16, new int[] {5, 23}, 20, new int[] {1, 3}, new int[] {1},
                Padding.asymmetric(new int[] {0, 1}, new int[] {0, 2}), new int[] {1}, 1), Epilogue.NONE, true, 10);
        check(ConvGeometry.conv(2, 1, 16, new int[] {9, 70}, 16, new int[] {3}, new int[] {1}, Padding.same(),
                new int[] {1}, 1), Epilogue.clamp(-20f, 30f), true, 5);
    }

    /**
     * 3d {@code kD x 3 x 3} convolutions (F(2x2, 3x3) per depth slice, the depth taps in the GEMMs): depth kernels
     * 1..3 (a depth kernel of 1 over several slices too), output depths 1..5, asymmetric padding 0..2 in every
     * dimension, one or two images.
     */
    @Provide
    Arbitrary<ConvGeometry> geometries3d() {
        Arbitrary<int[]> chans = Combinators.combine(Arbitraries.integers().between(1, 2),
                Arbitraries.integers().between(16, 24), Arbitraries.integers().between(16, 30),
                Arbitraries.integers().between(1, 3)).as((n, cin, cout, kd) -> new int[] {n, cin, cout, kd});
        Arbitrary<int[]> sizes = Combinators.combine(Arbitraries.integers().between(1, 5),
                Arbitraries.integers().between(1, 9), Arbitraries.integers().between(1, 13))
                .as((d, h, w) -> new int[] {d, h, w});
        Arbitrary<int[]> pads = Arbitraries.integers().between(0, 2).array(int[].class).ofSize(6);
        return Combinators.combine(chans, sizes, pads).as(WinogradConvParityTest::build3d);
    }

    /** Output depth {@code d}, height and width {@code h + 1, w + 1}, from an input sized for the padding. */
    static ConvGeometry build3d(int[] ch, int[] dhw, int[] p) {
        int kd = ch[3];
        int pf = Math.min(p[0], kd - 1);
        int pb = Math.min(p[1], kd - 1);
        int inD = Math.max(1, dhw[0] + kd - 1 - pf - pb);
        int inH = Math.max(1, dhw[1] + 1 + 2 - p[2] - p[3]);
        int inW = Math.max(1, dhw[2] + 1 + 2 - p[4] - p[5]);
        return ConvGeometry.conv(3, ch[0], ch[1], new int[] {inD, inH, inW}, ch[2], new int[] {kd, 3, 3},
                new int[] {1}, Padding.asymmetric(new int[] {pf, p[2], p[4]}, new int[] {pb, p[3], p[5]}),
                new int[] {1}, 1);
    }

    @Property(tries = 40)
    void integerDataIsExact3d(@ForAll("geometries3d") ConvGeometry g, @ForAll("epilogues") Epilogue e,
            @ForAll boolean withBias) {
        check(g, e, withBias, g.hashCode());
    }

    @Test
    void namedShapes3d() {
        // conv3d_small on 2 images; odd sizes with asymmetric padding and 13 + 7 output channels; a depth kernel of 5;
        // a depth kernel of 1 over 4 slices; no depth padding (one output slice); 40x40 slices with 64 channels (several
        // blocks of column panels)
        check(ConvGeometry.conv(3, 2, 16, new int[] {16, 16, 16}, 32, new int[] {3}, new int[] {1}, Padding.of(1),
                new int[] {1}, 1), Epilogue.RELU, true, 11);
        check(ConvGeometry.conv(3, 1, 17, new int[] {5, 7, 9}, 20, new int[] {3}, new int[] {1},
                Padding.asymmetric(new int[] {0, 1, 2}, new int[] {2, 0, 1}), new int[] {1}, 1), Epilogue.NONE, true,
                12);
        check(ConvGeometry.conv(3, 2, 16, new int[] {6, 8, 6}, 16, new int[] {5, 3, 3}, new int[] {1},
                Padding.of(2), new int[] {1}, 1), Epilogue.leakyRelu(0.5f), false, 13);
        check(ConvGeometry.conv(3, 1, 24, new int[] {4, 10, 12}, 18, new int[] {1, 3, 3}, new int[] {1},
                Padding.of(1), new int[] {1}, 1), Epilogue.NONE, true, 14);
        check(ConvGeometry.conv(3, 2, 16, new int[] {3, 12, 12}, 16, new int[] {3}, new int[] {1},
                Padding.asymmetric(new int[] {0, 1, 1}, new int[] {0, 1, 1}), new int[] {1}, 1), Epilogue.NONE, true,
                15);
        // the weight gradient with channels in the lanes, swapped (16 -> 32: the sums are Cin x Cout): 4 output slices
        // over 8 chunks of 3 tile rows, so the chunks of the first and last slices never reach one depth tap (its
        // input slice is padding) and must add zero for it
        check(ConvGeometry.conv(3, 1, 16, new int[] {4, 12, 12}, 32, new int[] {3}, new int[] {1}, Padding.of(1),
                new int[] {1}, 1), Epilogue.NONE, false, 21);
        check(ConvGeometry.conv(3, 1, 64, new int[] {4, 40, 40}, 16, new int[] {3}, new int[] {1}, Padding.of(1),
                new int[] {1}, 1), Epilogue.clamp(-100f, 100f), true, 16);
    }

    static void check(ConvGeometry g, Epilogue e, boolean withBias, long seed) {
        float[] x = RefKernels.ints(seed, g.inputSize(), 3);
        float[] w = RefKernels.ints(seed + 1, g.weightSize(), 3);
        float[] bias = withBias ? RefKernels.ints(seed + 2, g.outChannels(), 6) : null;
        float[] yRef = new float[g.outputSize()];
        RefKernels.convForward(g, x, w, bias, yRef, e);
        Conv conv = SimdCnn.backend().conv();
        String what = SimdCnn.backend().name() + " " + g + " " + e + " bias=" + withBias + ": ";
        float[] y = ConvParityTest.filled(g.outputSize());
        conv.forward(g, x, 0, w, 0, bias, y, 0, e);
        assertNull(RefKernels.firstDiff(yRef, y, y.length), what + "forward");
        float[] yp = ConvParityTest.filled(g.outputSize());
        conv.forward(g, x, 0, conv.pack(g, w, 0), bias, yp, 0, e);
        assertNull(RefKernels.firstDiff(yRef, yp, yp.length), what + "packed forward");
        // the input gradient: the flipped convolution of dy, on this path too when it has 64 tiles or more
        float[] dy = RefKernels.ints(seed + 3, g.outputSize(), 3);
        float[] dxRef = new float[g.inputSize()];
        RefKernels.convBackwardInput(g, dy, w, dxRef);
        float[] dx = ConvParityTest.filled(g.inputSize());
        conv.backwardInput(g, dy, 0, w, 0, dx, 0);
        assertNull(RefKernels.firstDiff(dxRef, dx, dx.length), what + "backwardInput");
        // the weight gradient (the adjoint transform, from 64 tiles and 64 input and output channels on)
        float[] dwRef = new float[g.weightSize()];
        RefKernels.convBackwardWeight(g, x, dy, dwRef);
        float[] dw = ConvParityTest.filled(g.weightSize());
        conv.backwardWeight(g, x, 0, dy, 0, dw, 0);
        assertNull(RefKernels.firstDiff(dwRef, dw, dw.length), what + "backwardWeight");
    }

    /** Transposed 3x3 stride-1 convolutions (run as the input gradient of their adjoint): 2d, 1d and 3d. */
    @Test
    void transposedConvolutions() {
        ConvGeometry[] shapes = {
            ConvGeometry.transposed(2, 2, 24, new int[] {11, 13}, 32, new int[] {3}, new int[] {1}, Padding.of(1),
                    new int[] {0}, new int[] {1}, 1),
            ConvGeometry.transposed(1, 3, 20, new int[] {45}, 17, new int[] {3}, new int[] {1}, Padding.of(0),
                    new int[] {0}, new int[] {1}, 1),
            // 3d: the adjoint's input gradient on the 3d path (F(2x2, 3x3) per depth slice)
            ConvGeometry.transposed(3, 1, 16, new int[] {5, 9, 8}, 18, new int[] {3}, new int[] {1}, Padding.of(1),
                    new int[] {0}, new int[] {1}, 1),
        };
        long seed = 40;
        for (ConvGeometry g : shapes) {
            float[] x = RefKernels.ints(seed++, g.inputSize(), 3);
            float[] w = RefKernels.ints(seed++, g.weightSize(), 3);
            float[] bias = RefKernels.ints(seed++, g.outChannels(), 5);
            float[] expected = new float[g.outputSize()];
            RefKernels.transposedForward(g, x, w, bias, expected);
            float[] y = ConvParityTest.filled(g.outputSize());
            SimdCnn.backend().conv().transposedForward(g, x, 0, w, 0, bias, y, 0);
            assertNull(RefKernels.firstDiff(expected, y, y.length), "transposed " + g);
        }
    }

    /**
     * Both gradients on normal data (the Winograd input gradient from 64 tiles; the weight gradient with channels in
     * the lanes on 64 -> 64 at 16x16 and 4 images of 32 -> 40 at 14x14, with tiles in the lanes on 128 -> 96; and a 1d
     * convolution for the input gradient), against double sums: within 16 float roundings of the sum of the terms'
     * magnitudes.
     */
    @Test
    void gradientsOnNormalDataStayWithinRounding() {
        SplittableRandom r = new SplittableRandom(11);
        ConvGeometry[] shapes = {ConvGeometry.conv2d(1, 64, 16, 16, 64, 3, 3, 1, 1, 1, 1),
            ConvGeometry.conv2d(4, 32, 14, 14, 40, 3, 3, 1, 1, 1, 1),
            ConvGeometry.conv2d(1, 128, 16, 16, 96, 3, 3, 1, 1, 1, 1),
            ConvGeometry.conv(1, 2, 32, new int[] {80}, 24, new int[] {3}, new int[] {1}, Padding.of(1),
                    new int[] {1}, 1)};
        for (ConvGeometry g : shapes) {
            float[] x = gaussian(r, g.inputSize(), 1);
            float[] w = gaussian(r, g.weightSize(), 0.1);
            float[] dy = gaussian(r, g.outputSize(), 1);
            float[] dx = new float[g.inputSize()];
            float[] dw = new float[g.weightSize()];
            Conv conv = SimdCnn.backend().conv();
            conv.backwardInput(g, dy, 0, w, 0, dx, 0);
            conv.backwardWeight(g, x, 0, dy, 0, dw, 0);
            DirectSums e = new DirectSums(g, x, w, dy);
            assertTrue(worst(dx, e.dx, e.dxMag) < 16, g + ": input gradient, worst " + worst(dx, e.dx, e.dxMag));
            assertTrue(worst(dw, e.dw, e.dwMag) < 16, g + ": weight gradient, worst " + worst(dw, e.dw, e.dwMag));
        }
    }

    /** 3d on normal data: the forward, the input gradient (the flipped 3d convolution) and the weight gradient. */
    @Test
    void normalData3dStaysWithinRounding() {
        SplittableRandom r = new SplittableRandom(13);
        ConvGeometry[] shapes = {ConvGeometry.conv(3, 2, 16, new int[] {6, 10, 9}, 24, new int[] {3},
                new int[] {1}, Padding.of(1), new int[] {1}, 1),
            ConvGeometry.conv(3, 1, 20, new int[] {5, 8, 8}, 16, new int[] {2, 3, 3}, new int[] {1},
                    Padding.asymmetric(new int[] {1, 0, 1}, new int[] {0, 1, 1}), new int[] {1}, 1)};
        for (ConvGeometry g : shapes) {
            float[] x = gaussian(r, g.inputSize(), 1);
            float[] w = gaussian(r, g.weightSize(), 0.1);
            float[] dy = gaussian(r, g.outputSize(), 1);
            float[] y = new float[g.outputSize()];
            float[] dx = new float[g.inputSize()];
            float[] dw = new float[g.weightSize()];
            Conv conv = SimdCnn.backend().conv();
            conv.forward(g, x, 0, w, 0, null, y, 0, Epilogue.NONE);
            conv.backwardInput(g, dy, 0, w, 0, dx, 0);
            conv.backwardWeight(g, x, 0, dy, 0, dw, 0);
            DirectSums e = new DirectSums(g, x, w, dy);
            assertTrue(worst(y, e.y, e.yMag) < 16, g + ": forward, worst " + worst(y, e.y, e.yMag));
            assertTrue(worst(dx, e.dx, e.dxMag) < 16, g + ": input gradient, worst " + worst(dx, e.dx, e.dxMag));
            assertTrue(worst(dw, e.dw, e.dwMag) < 16, g + ": weight gradient, worst " + worst(dw, e.dw, e.dwMag));
        }
    }

    /**
     * The direct convolution's forward, input gradient and weight gradient of one stride-1, dilation-1 geometry (1d,
     * 2d or 3d, any kernel), in double: each element's sum and the sum of its terms' magnitudes.
     */
    static final class DirectSums {
        final double[] y;
        final double[] yMag;
        final double[] dx;
        final double[] dxMag;
        final double[] dw;
        final double[] dwMag;

        DirectSums(ConvGeometry g, float[] x, float[] w, float[] dy) {
            y = new double[g.outputSize()];
            yMag = new double[y.length];
            dx = new double[g.inputSize()];
            dxMag = new double[dx.length];
            dw = new double[g.weightSize()];
            dwMag = new double[dw.length];
            int cin = g.inChannels();
            int cout = g.outChannels();
            int kd = g.kD();
            int kh = g.kH();
            int kw = g.kW();
            for (int n = 0; n < g.batch(); n++) {
                for (int co = 0; co < cout; co++) {
                    for (int od = 0; od < g.outD(); od++) {
                        for (int oh = 0; oh < g.outH(); oh++) {
                            for (int ow = 0; ow < g.outW(); ow++) {
                                int yi = (((n * cout + co) * g.outD() + od) * g.outH() + oh) * g.outW() + ow;
                                for (int ci = 0; ci < cin; ci++) {
                                    for (int a = 0; a < kd; a++) {
                                        int id = od + a - g.padBefore(0);
                                        for (int b = 0; b < kh; b++) {
                                            int ih = oh + b - g.padBefore(1);
                                            for (int c = 0; c < kw; c++) {
                                                int iw = ow + c - g.padBefore(2);
                                                if (id < 0 || id >= g.inD() || ih < 0 || ih >= g.inH() || iw < 0
                                                        || iw >= g.inW()) {
                                                    continue;
                                                }
                                                int xi = (((n * cin + ci) * g.inD() + id) * g.inH() + ih) * g.inW()
                                                        + iw;
                                                int wi = (((co * cin + ci) * kd + a) * kh + b) * kw + c;
                                                y[yi] += (double) x[xi] * w[wi];
                                                yMag[yi] += Math.abs((double) x[xi] * w[wi]);
                                                dx[xi] += (double) dy[yi] * w[wi];
                                                dxMag[xi] += Math.abs((double) dy[yi] * w[wi]);
                                                dw[wi] += (double) dy[yi] * x[xi];
                                                dwMag[wi] += Math.abs((double) dy[yi] * x[xi]);
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    static float[] gaussian(SplittableRandom r, int n, double scale) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (r.nextGaussian() * scale);
        }
        return a;
    }

    /** The largest error in units of float rounding ({@code 2^-24}) of each element's sum of magnitudes. */
    static double worst(float[] got, double[] sum, double[] mag) {
        double worst = 0;
        for (int i = 0; i < got.length; i++) {
            worst = Math.max(worst, Math.abs(got[i] - sum[i]) / (Math.max(mag[i], 1e-30) * 0x1p-24));
        }
        return worst;
    }

    @Test
    void normalDataStaysWithinRounding() {
        SplittableRandom r = new SplittableRandom(7);
        ConvGeometry[] shapes = {ConvGeometry.conv2d(2, 32, 14, 14, 64, 3, 3, 1, 1, 1, 1),
            ConvGeometry.conv2d(1, 64, 15, 9, 24, 3, 3, 1, 0, 1, 1),
            ConvGeometry.conv2d(1, 256, 6, 6, 16, 3, 3, 1, 1, 1, 1)};
        for (ConvGeometry g : shapes) {
            float[] x = new float[g.inputSize()];
            float[] w = new float[g.weightSize()];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) r.nextGaussian();
            }
            for (int i = 0; i < w.length; i++) {
                w[i] = (float) (r.nextGaussian() * 0.1);
            }
            float[] y = new float[g.outputSize()];
            SimdCnn.backend().conv().forward(g, x, 0, w, 0, null, y, 0, Epilogue.NONE);
            double worst = 0;
            int outH = g.outH();
            int outW = g.outW();
            int cin = g.inChannels();
            for (int n = 0; n < g.batch(); n++) {
                for (int co = 0; co < g.outChannels(); co++) {
                    for (int oh = 0; oh < outH; oh++) {
                        for (int ow = 0; ow < outW; ow++) {
                            double sum = 0;
                            double mag = 0;
                            for (int ci = 0; ci < cin; ci++) {
                                for (int kh = 0; kh < 3; kh++) {
                                    int ih = oh + kh - g.padBefore(1);
                                    for (int kw = 0; kw < 3; kw++) {
                                        int iw = ow + kw - g.padBefore(2);
                                        if (ih < 0 || ih >= g.inH() || iw < 0 || iw >= g.inW()) {
                                            continue;
                                        }
                                        double t = (double) x[((n * cin + ci) * g.inH() + ih) * g.inW() + iw]
                                                * w[((co * cin + ci) * 3 + kh) * 3 + kw];
                                        sum += t;
                                        mag += Math.abs(t);
                                    }
                                }
                            }
                            float got = y[((n * g.outChannels() + co) * outH + oh) * outW + ow];
                            // in units of float rounding (2^-24) of the sum of magnitudes
                            double err = Math.abs(got - sum) / (Math.max(mag, 1e-30) * 0x1p-24);
                            worst = Math.max(worst, err);
                        }
                    }
                }
            }
            assertTrue(worst < 16, g + ": worst error " + worst + " roundings of the magnitude sum");
        }
    }
}
