package org.simdcnn.kernels;

import static org.junit.jupiter.api.Assertions.assertNull;

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
import org.simdcnn.kernels.scalar.ScalarBackend;

/**
 * The active backend's convolution (im2col + packed GEMM, pointwise GEMM, direct depthwise in the vector run)
 * against literal loops and the scalar reference: forward with bias and epilogue, prepacked forward, the three
 * backward passes and the transposed convolution, over 1d/2d/3d with stride, asymmetric padding, dilation and
 * groups. Integer inputs: results are exact and compared for equality.
 */
class ConvParityTest {

    /** A geometry built so it is always valid: the input is at least the dilated kernel span. */
    @Provide
    Arbitrary<ConvGeometry> geometries() {
        Arbitrary<Integer> dims = Arbitraries.integers().between(1, 3);
        Arbitrary<int[]> chans = Combinators.combine(Arbitraries.integers().between(1, 3),
                Arbitraries.integers().between(1, 4), Arbitraries.integers().between(1, 4),
                Arbitraries.integers().between(1, 2)).as((gr, cig, cog, batch) -> new int[] {gr, cig, cog, batch});
        Arbitrary<int[]> spatial = Arbitraries.integers().between(0, 4).array(int[].class).ofSize(15);
        return Combinators.combine(dims, chans, spatial).as(ConvParityTest::build);
    }

    static ConvGeometry build(int dims, int[] ch, int[] sp) {
        int[] k = new int[dims];
        int[] s = new int[dims];
        int[] d = new int[dims];
        int[] pb = new int[dims];
        int[] pa = new int[dims];
        int[] in = new int[dims];
        for (int i = 0; i < dims; i++) {
            int base = i * 5;
            k[i] = 1 + sp[base] % 3;
            s[i] = 1 + sp[base + 1] % 3;
            d[i] = 1 + sp[base + 2] % 2;
            pb[i] = sp[base + 3] % 3;
            pa[i] = (sp[base + 3] + sp[base + 4]) % 3;
            int span = d[i] * (k[i] - 1) + 1;
            int extra = dims == 3 ? sp[base + 4] : sp[base + 4] * 3 + sp[base];
            in[i] = Math.max(1, span - pb[i] - pa[i]) + extra;
        }
        int groups = ch[0];
        return ConvGeometry.conv(dims, ch[3], ch[1] * groups, in, ch[2] * groups, k, s,
                Padding.asymmetric(pb, pa), d, groups);
    }

    @Provide
    Arbitrary<Epilogue> epilogues() {
        return Arbitraries.of(Epilogue.NONE, Epilogue.RELU, Epilogue.leakyRelu(0.5f), Epilogue.clamp(-5f, 6f));
    }

    @Property(tries = 150)
    void everyPassMatchesReference(@ForAll("geometries") ConvGeometry g, @ForAll("epilogues") Epilogue e,
            @ForAll boolean withBias) {
        checkAll(g, e, withBias, 11);
    }

    @Property(tries = 40)
    void transposedMatchesScatterReference(@ForAll("geometries") ConvGeometry fwd, @ForAll boolean withBias) {
        // The transposed conv whose adjoint is fwd: input = fwd's output, output = fwd's input.
        int dims = fwd.dims();
        ConvGeometry g;
        int[] op = new int[dims];
        int[] pb = new int[dims];
        int[] pa = new int[dims];
        for (int i = 0; i < dims; i++) {
            int j = 3 - dims + i;
            pb[i] = fwd.padBefore(j);
            pa[i] = fwd.padAfter(j);
            // output padding restores the forward input size lost to the floor of the stride
            op[i] = fwd.in(j) - ((fwd.out(j) - 1) * fwd.stride(j) - pb[i] - pa[i]
                    + fwd.dilation(j) * (fwd.kernel(j) - 1) + 1);
        }
        g = ConvGeometry.transposed(dims, fwd.batch(), fwd.outChannels(), fwd.userSpatial(outs(fwd)),
                fwd.inChannels(), fwd.userSpatial(ks(fwd)), fwd.userSpatial(strides(fwd)),
                Padding.asymmetric(pb, pa), op, fwd.userSpatial(dils(fwd)), fwd.groups());
        float[] x = RefKernels.ints(21, g.inputSize(), 3);
        float[] w = RefKernels.ints(22, g.weightSize(), 3);
        float[] bias = withBias ? RefKernels.ints(23, g.outChannels(), 5) : null;
        float[] expected = new float[g.outputSize()];
        RefKernels.transposedForward(g, x, w, bias, expected);
        for (Backend be : backends()) {
            float[] y = filled(g.outputSize());
            if (run(() -> be.conv().transposedForward(g, x, 0, w, 0, bias, y, 0))) {
                assertNull(RefKernels.firstDiff(expected, y, y.length), be.name() + " transposed " + g);
            }
        }
    }

    @Test
    void transposedWithOutputPaddingAtLeastStride() {
        // dilation > stride allows outputPadding >= stride: the adjoint convolution's output is truncated.
        ConvGeometry[] shapes = {
            ConvGeometry.transposed(1, 2, 6, new int[] {7}, 4, new int[] {3}, new int[] {1}, Padding.of(1),
                    new int[] {1}, new int[] {2}, 1),
            ConvGeometry.transposed(2, 1, 4, new int[] {5, 6}, 6, new int[] {3, 2}, new int[] {1, 2},
                    Padding.asymmetric(new int[] {0, 1}, new int[] {2, 0}), new int[] {2, 2}, new int[] {3},
                    2),
        };
        for (ConvGeometry g : shapes) {
            float[] x = RefKernels.ints(31, g.inputSize(), 3);
            float[] w = RefKernels.ints(32, g.weightSize(), 3);
            float[] bias = RefKernels.ints(33, g.outChannels(), 5);
            float[] expected = new float[g.outputSize()];
            RefKernels.transposedForward(g, x, w, bias, expected);
            for (Backend be : backends()) {
                float[] y = filled(g.outputSize());
                if (run(() -> be.conv().transposedForward(g, x, 0, w, 0, bias, y, 0))) {
                    assertNull(RefKernels.firstDiff(expected, y, y.length), be.name() + " transposed " + g);
                }
            }
        }
    }

    static int[] outs(ConvGeometry g) {
        return new int[] {g.outD(), g.outH(), g.outW()};
    }

    static int[] ks(ConvGeometry g) {
        return new int[] {g.kD(), g.kH(), g.kW()};
    }

    static int[] strides(ConvGeometry g) {
        return new int[] {g.stride(0), g.stride(1), g.stride(2)};
    }

    static int[] dils(ConvGeometry g) {
        return new int[] {g.dilation(0), g.dilation(1), g.dilation(2)};
    }

    @Test
    void namedShapes() {
        // pointwise (direct GEMM over planes), with and without groups
        checkAll(ConvGeometry.conv2d(2, 16, 9, 7, 24, 1, 1, 1, 0, 1, 1), Epilogue.RELU, true, 1);
        checkAll(ConvGeometry.conv2d(3, 12, 5, 5, 9, 1, 1, 1, 0, 1, 3), Epilogue.NONE, false, 2);
        // depthwise, with a channel multiplier, stride and dilation
        checkAll(ConvGeometry.conv2d(2, 8, 11, 13, 8, 3, 3, 1, 1, 1, 8), Epilogue.RELU, true, 3);
        checkAll(ConvGeometry.conv2d(1, 5, 19, 17, 10, 3, 3, 2, 2, 2, 5), Epilogue.clamp(-2f, 3f), true, 4);
        checkAll(ConvGeometry.conv(3, 1, 4, new int[] {5, 6, 7}, 4, new int[] {3}, new int[] {1}, Padding.of(1),
                new int[] {2}, 4), Epilogue.NONE, true, 5);
        // depthwise stride 1, direct backward kernels: rows wider than two vectors with a tail, asymmetric padding
        // ("same", even kernel), dilation, a multiplier, 1d
        checkAll(ConvGeometry.conv2d(3, 4, 7, 45, 4, 3, 3, 1, 1, 1, 4), Epilogue.NONE, true, 11);
        checkAll(ConvGeometry.conv(2, 2, 3, new int[] {6, 33}, 3, new int[] {2, 4}, new int[] {1}, Padding.same(),
                new int[] {2, 1}, 3), Epilogue.NONE, true, 12);
        checkAll(ConvGeometry.conv2d(2, 3, 9, 17, 6, 3, 5, 1, 2, 1, 3), Epilogue.NONE, true, 13);
        checkAll(ConvGeometry.conv(1, 2, 5, new int[] {70}, 5, new int[] {7}, new int[] {1}, Padding.of(0),
                new int[] {1}, 5), Epilogue.NONE, true, 14);
        // depthwise 3x3, stride 1 (four-row kernel, grad input through it too): rows of exactly one and two vectors
        // (16 and 32 columns on 512-bit vectors) and wider, a channel multiplier, width dilation 2, rows past the
        // last block of four
        checkAll(ConvGeometry.conv2d(2, 3, 8, 16, 6, 3, 3, 1, 1, 1, 3), Epilogue.RELU, true, 30);
        checkAll(ConvGeometry.conv2d(1, 2, 4, 32, 2, 3, 3, 1, 1, 1, 2), Epilogue.NONE, true, 31);
        checkAll(ConvGeometry.conv(2, 1, 2, new int[] {12, 36}, 2, new int[] {3, 3}, new int[] {1}, Padding.of(2),
                new int[] {1, 2}, 2), Epilogue.NONE, false, 32);
        checkAll(ConvGeometry.conv2d(1, 2, 13, 71, 2, 3, 3, 1, 0, 1, 2), Epilogue.leakyRelu(0.5f), true, 33);
        // depthwise, width stride 2 and 3 (gathered weight gradient), rows of one vector plus a tail
        checkAll(ConvGeometry.conv2d(2, 3, 9, 40, 3, 3, 3, 2, 1, 1, 3), Epilogue.NONE, true, 15);
        checkAll(ConvGeometry.conv(2, 1, 4, new int[] {5, 61}, 8, new int[] {2, 3}, new int[] {1, 3}, Padding.of(1),
                new int[] {1}, 4), Epilogue.NONE, false, 16);
        // padding "same" with an even kernel (asymmetric split) and dilation
        checkAll(ConvGeometry.conv(2, 2, 3, new int[] {10, 9}, 5, new int[] {4, 2}, new int[] {1}, Padding.same(),
                new int[] {2, 1}, 1), Epilogue.NONE, true, 6);
        // several spatial tiles per image (K = 576, 400 output positions)
        checkAll(ConvGeometry.conv2d(1, 64, 20, 20, 13, 3, 3, 1, 1, 1, 1), Epilogue.leakyRelu(0.25f), true, 7);
        // more than one K block (K = 8*49 = 392 > 320), stride 2, a stem-like shape
        checkAll(ConvGeometry.conv2d(2, 8, 23, 21, 14, 7, 7, 2, 3, 1, 1), Epilogue.NONE, true, 8);
        // implicit GEMM with rows sharing one zero gap (it saves a column panel here): 28x28 padding 1 (811 positions,
        // 26 panels of 32, not 27), and "same" with an even kernel (padding 1 + 2: gap 2, not 3)
        checkAll(ConvGeometry.conv2d(2, 3, 28, 28, 5, 3, 3, 1, 1, 1, 1), Epilogue.RELU, true, 17);
        checkAll(ConvGeometry.conv(2, 2, 3, new int[] {9, 30}, 4, new int[] {3, 4}, new int[] {1}, Padding.same(),
                new int[] {1}, 1), Epilogue.NONE, true, 18);
        // direct kernel (Cin * kH * kW <= 32): the MNIST first layer; rows of one vector plus a few columns (two
        // overlapping vectors) and of several vectors plus a tail; output channels not a multiple of the block (the
        // last block overlaps); height stride 2 and width dilation 2; asymmetric "same" padding; RGB 3x3; 1d
        checkAll(ConvGeometry.conv2d(2, 1, 28, 28, 32, 3, 3, 1, 1, 1, 1), Epilogue.RELU, true, 19);
        checkAll(ConvGeometry.conv2d(1, 2, 9, 47, 12, 3, 3, 1, 0, 1, 1), Epilogue.leakyRelu(0.5f), true, 20);
        checkAll(ConvGeometry.conv(2, 2, 3, new int[] {11, 40}, 9, new int[] {3, 3}, new int[] {2, 1},
                Padding.asymmetric(new int[] {0, 2}, new int[] {1, 1}), new int[] {1, 2}, 1), Epilogue.clamp(-5f, 6f),
                false, 21);
        checkAll(ConvGeometry.conv(2, 1, 2, new int[] {13, 36}, 8, new int[] {2, 4}, new int[] {1}, Padding.same(),
                new int[] {1}, 1), Epilogue.NONE, true, 22);
        checkAll(ConvGeometry.conv2d(1, 3, 19, 70, 16, 3, 3, 1, 1, 1, 1), Epilogue.RELU, true, 23);
        checkAll(ConvGeometry.conv2d(2, 16, 10, 33, 15, 3, 3, 1, 1, 1, 1), Epilogue.NONE, true, 25); // K = 144
        checkAll(ConvGeometry.conv(1, 3, 4, new int[] {53}, 10, new int[] {7}, new int[] {1}, Padding.of(3),
                new int[] {1}, 1), Epilogue.NONE, true, 24);
        // direct kernel with a width stride (rows split into stride phases; K <= 256 with 512-bit vectors, 80 with
        // 256-bit; with 512-bit vectors rows of more than 24 columns): RGB 5x5 stride 2 (K = 75, 29 columns), width
        // stride 3 with width dilation 2, stride 2 with an overlapping last channel block (10 output channels), 1d
        // stride 2 (61 columns); and a stem-like 7x7 (K = 147) with 20 columns, which stays on the gathered GEMM
        checkAll(ConvGeometry.conv2d(1, 3, 20, 56, 16, 5, 5, 2, 3, 1, 1), Epilogue.RELU, true, 34);
        checkAll(ConvGeometry.conv(2, 2, 2, new int[] {9, 90}, 9, new int[] {3, 3}, new int[] {1, 3}, Padding.of(1),
                new int[] {1, 2}, 1), Epilogue.NONE, true, 35);
        checkAll(ConvGeometry.conv2d(2, 4, 11, 59, 10, 3, 3, 2, 1, 1, 1), Epilogue.clamp(-5f, 6f), false, 36);
        checkAll(ConvGeometry.conv(1, 2, 3, new int[] {121}, 8, new int[] {5}, new int[] {2}, Padding.of(2),
                new int[] {1}, 1), Epilogue.leakyRelu(0.5f), true, 37);
        checkAll(ConvGeometry.conv2d(1, 3, 20, 40, 16, 7, 7, 2, 3, 1, 1), Epilogue.RELU, true, 38);
        // the direct kernel's three-vector blocks (512-bit vectors; two-vector blocks on 256-bit, where these shapes
        // take the GEMM paths): a stem-like 7x7 stride 2 with 32 columns (two row blocks: 16 vectors, five triples
        // and one vector left, run twice; 4 vectors, one triple and one left), K = 147; unit stride 5x5 with K = 200
        // (37 columns, three vectors a row, the last overlapping; an overlapping channel block) and a 1d k7 with
        // K = 168 (70 columns: 5 vectors, one triple and a pair)
        checkAll(ConvGeometry.conv2d(1, 3, 20, 64, 16, 7, 7, 2, 3, 1, 1), Epilogue.leakyRelu(0.5f), true, 39);
        checkAll(ConvGeometry.conv2d(1, 8, 12, 37, 10, 5, 5, 1, 2, 1, 1), Epilogue.NONE, true, 40);
        checkAll(ConvGeometry.conv(1, 2, 24, new int[] {70}, 9, new int[] {7}, new int[] {1}, Padding.of(3),
                new int[] {1}, 1), Epilogue.clamp(-500f, 600f), true, 41);
        // conv1d and conv3d
        checkAll(ConvGeometry.conv(1, 3, 7, new int[] {37}, 11, new int[] {3}, new int[] {1}, Padding.of(1),
                new int[] {1}, 1), Epilogue.RELU, true, 9);
        checkAll(ConvGeometry.conv(3, 2, 4, new int[] {6, 7, 5}, 6, new int[] {3, 2, 3}, new int[] {2, 1, 1},
                Padding.asymmetric(new int[] {1, 0, 2}, new int[] {0, 1, 1}), new int[] {1}, 2), Epilogue.NONE,
                true, 10);
        // implicit GEMM over two or three K blocks (K > 576: later blocks add into y), output rows narrower than a
        // vector, exactly one, between one and two, and wider than two (the store's overlapping last vector); fewer
        // than 16 output channels or a dilation keep these 3x3 shapes off the Winograd path
        // (WinogradConvParityTest)
        checkAll(ConvGeometry.conv2d(1, 70, 9, 15, 13, 3, 3, 1, 1, 1, 1), Epilogue.leakyRelu(0.25f), true, 26);
        checkAll(ConvGeometry.conv2d(2, 66, 6, 16, 15, 3, 3, 1, 1, 1, 1), Epilogue.RELU, true, 27);
        checkAll(ConvGeometry.conv2d(1, 65, 5, 37, 9, 3, 3, 1, 1, 1, 1), Epilogue.clamp(-40f, 45f), true, 28);
        checkAll(ConvGeometry.conv2d(1, 130, 7, 21, 8, 3, 3, 1, 2, 2, 1), Epilogue.NONE, false, 29);
    }

    static Backend[] backends() {
        return new Backend[] {SimdCnn.backend(), ScalarBackend.INSTANCE};
    }

    /** Runs a kernel call; false when it hit a placeholder of the scalar reference (not implemented yet). */
    static boolean run(Runnable r) {
        try {
            r.run();
            return true;
        } catch (UnsupportedOperationException notYet) {
            return false;
        }
    }

    static float[] filled(int n) {
        float[] a = new float[n];
        java.util.Arrays.fill(a, Float.NaN); // kernels overwrite their output
        return a;
    }

    static void checkAll(ConvGeometry g, Epilogue e, boolean withBias, long seed) {
        float[] x = RefKernels.ints(seed, g.inputSize(), 3);
        float[] w = RefKernels.ints(seed + 1, g.weightSize(), 3);
        float[] bias = withBias ? RefKernels.ints(seed + 2, g.outChannels(), 6) : null;
        float[] dy = RefKernels.ints(seed + 3, g.outputSize(), 3);

        float[] yRef = new float[g.outputSize()];
        RefKernels.convForward(g, x, w, bias, yRef, e);
        float[] dxRef = new float[g.inputSize()];
        RefKernels.convBackwardInput(g, dy, w, dxRef);
        float[] dwRef = new float[g.weightSize()];
        RefKernels.convBackwardWeight(g, x, dy, dwRef);
        float[] dbRef = new float[g.outChannels()];
        RefKernels.convBackwardBias(g, dy, dbRef);

        for (Backend be : backends()) {
            Conv conv = be.conv();
            String what = be.name() + " " + g + " " + e + " bias=" + withBias + ": ";
            float[] y = filled(g.outputSize());
            if (run(() -> conv.forward(g, x, 0, w, 0, bias, y, 0, e))) {
                assertNull(RefKernels.firstDiff(yRef, y, y.length), what + "forward");
            }
            float[] yp = filled(g.outputSize());
            if (run(() -> conv.forward(g, x, 0, conv.pack(g, w, 0), bias, yp, 0, e))) {
                assertNull(RefKernels.firstDiff(yRef, yp, yp.length), what + "packed forward");
            }
            float[] dx = filled(g.inputSize());
            if (run(() -> conv.backwardInput(g, dy, 0, w, 0, dx, 0))) {
                assertNull(RefKernels.firstDiff(dxRef, dx, dx.length), what + "backwardInput");
            }
            float[] dw = filled(g.weightSize());
            if (run(() -> conv.backwardWeight(g, x, 0, dy, 0, dw, 0))) {
                assertNull(RefKernels.firstDiff(dwRef, dw, dw.length), what + "backwardWeight");
            }
            float[] db = filled(g.outChannels());
            if (run(() -> conv.backwardBias(g, dy, 0, db))) {
                assertNull(RefKernels.firstDiff(dbRef, db, db.length), what + "backwardBias");
            }
        }
    }
}
