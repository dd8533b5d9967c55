package org.simdcnn.kernels;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;
import org.simdcnn.SimdCnn;
import org.simdcnn.geometry.ConvGeometry;
import org.simdcnn.geometry.Padding;
import org.simdcnn.kernels.scalar.ScalarBackend;

/**
 * Prepacked weights ({@link Conv#pack}, {@link Conv#repack}) give bitwise the output of the unpacked forward on
 * non-integer data (where the summation order shows), for the active backend and the scalar reference: random
 * 1d/2d/3d geometries, larger fixed ones that take every SIMD path on several tasks, a repack after the weights
 * changed, and packed weights reused for another batch and input size.
 */
class PackedConvProperties {

    @Provide
    Arbitrary<ConvGeometry> convs() {
        return ConvCases.conv();
    }

    @Provide
    Arbitrary<Epilogue> epilogues() {
        return Arbitraries.of(Epilogue.NONE, Epilogue.RELU, Epilogue.leakyRelu(0.5f), Epilogue.clamp(-0.5f, 0.5f));
    }

    @Provide
    Arbitrary<Long> seeds() {
        return Arbitraries.longs().between(0, 1_000_000);
    }

    static Conv[] convs(boolean both) {
        Conv active = SimdCnn.backend().conv();
        return both && active != ScalarBackend.INSTANCE.conv() ? new Conv[] {active, ScalarBackend.INSTANCE.conv()}
                : new Conv[] {active};
    }

    /** Unpacked forward, packed forward, repack after a weight change: all bitwise equal to the unpacked one. */
    static void check(Conv conv, ConvGeometry g, Epilogue e, long seed) {
        float[] x = RefKernels.reals(seed, g.inputSize());
        float[] w = RefKernels.reals(seed + 1, g.weightSize());
        float[] bias = RefKernels.reals(seed + 2, g.outChannels());
        float[] y = new float[g.outputSize()];
        conv.forward(g, x, 0, w, 0, bias, y, 0, e);
        PackedConvWeights pw = conv.pack(g, w, 0);
        float[] yp = new float[g.outputSize()];
        Arrays.fill(yp, Float.NaN);
        conv.forward(g, x, 0, pw, bias, yp, 0, e);
        assertNull(RefKernels.firstDiff(y, yp, y.length), conv + " " + g + " " + e + ": packed forward");
        // the weights change: the snapshot is refreshed in place by repack
        float[] w2 = RefKernels.reals(seed + 3, g.weightSize());
        conv.forward(g, x, 0, w2, 0, bias, y, 0, e);
        conv.repack(pw, w2, 0);
        Arrays.fill(yp, Float.NaN);
        conv.forward(g, x, 0, pw, bias, yp, 0, e);
        assertNull(RefKernels.firstDiff(y, yp, y.length), conv + " " + g + " " + e + ": after repack");
    }

    @Property(tries = 200)
    void packedForwardIsBitwiseTheUnpackedForward(@ForAll("convs") ConvGeometry g, @ForAll("epilogues") Epilogue e,
            @ForAll("seeds") long seed) {
        for (Conv conv : convs(true)) {
            check(conv, g, e, seed);
        }
    }

    /** Shapes large enough to run on several tasks, one per algorithm of the SIMD backend. */
    static ConvGeometry[] larger() {
        return new ConvGeometry[] {
            // Winograd (stride 1, 3x3, 16+ channels), 14x14 maps as resnet's last stage
            ConvGeometry.conv(2, 2, 32, new int[] {14, 14}, 48, new int[] {3}, new int[] {1}, Padding.of(1),
                    new int[] {1}, 1),
            // and at 5x5 (9 tiles: the plain-weight forward takes it at any size too)
            ConvGeometry.conv(2, 1, 16, new int[] {5, 5}, 16, new int[] {3}, new int[] {1}, Padding.of(1),
                    new int[] {1}, 1),
            // implicit GEMM (stride 1, 3x3, fewer than 16 output channels)
            ConvGeometry.conv(2, 2, 32, new int[] {14, 14}, 15, new int[] {3}, new int[] {1}, Padding.of(1),
                    new int[] {1}, 1),
            // pointwise
            ConvGeometry.conv(2, 1, 40, new int[] {28, 28}, 72, new int[] {1}, new int[] {1}, Padding.of(0),
                    new int[] {1}, 1),
            // gathered (stride 2, 7x7 as resnet's stem)
            ConvGeometry.conv(2, 1, 3, new int[] {40, 40}, 24, new int[] {7}, new int[] {2}, Padding.of(3),
                    new int[] {1}, 1),
            // depthwise
            ConvGeometry.conv(2, 1, 32, new int[] {30, 30}, 32, new int[] {3}, new int[] {1}, Padding.of(1),
                    new int[] {1}, 32),
            // grouped 3d
            ConvGeometry.conv(3, 1, 8, new int[] {8, 8, 8}, 16, new int[] {3}, new int[] {1}, Padding.of(1),
                    new int[] {1}, 2),
            // 1d
            ConvGeometry.conv(1, 4, 32, new int[] {100}, 32, new int[] {3}, new int[] {1}, Padding.of(1),
                    new int[] {1}, 1),
        };
    }

    @Test
    void largerShapesOnOneAndTwoThreads() {
        int threads = SimdCnn.threads();
        try {
            for (int t : new int[] {1, 2}) {
                SimdCnn.setThreads(t);
                for (ConvGeometry g : larger()) {
                    check(SimdCnn.backend().conv(), g, Epilogue.RELU, 42);
                }
            }
        } finally {
            SimdCnn.setThreads(threads);
        }
    }

    @Test
    void packedWeightsServeAnotherBatchAndSize() {
        for (Conv conv : convs(true)) {
            ConvGeometry g = ConvGeometry.conv(2, 1, 16, new int[] {9, 9}, 24, new int[] {3}, new int[] {1},
                    Padding.of(1), new int[] {1}, 1);
            ConvGeometry h = ConvGeometry.conv(2, 3, 16, new int[] {17, 12}, 24, new int[] {3}, new int[] {2},
                    Padding.of(0), new int[] {1}, 1);
            float[] w = RefKernels.reals(9, g.weightSize());
            PackedConvWeights pw = conv.pack(g, w, 0);
            float[] x = RefKernels.reals(10, h.inputSize());
            float[] y = new float[h.outputSize()];
            float[] yp = new float[h.outputSize()];
            conv.forward(h, x, 0, w, 0, null, y, 0, Epilogue.NONE);
            conv.forward(h, x, 0, pw, null, yp, 0, Epilogue.NONE);
            assertNull(RefKernels.firstDiff(y, yp, y.length), conv + ": packed for " + g + ", run on " + h);
            ConvGeometry other = ConvGeometry.conv(2, 1, 16, new int[] {9, 9}, 24, new int[] {5}, new int[] {1},
                    Padding.of(1), new int[] {1}, 1);
            float[] yo = new float[other.outputSize()];
            assertThrows(IllegalArgumentException.class,
                    () -> conv.forward(other, RefKernels.reals(11, other.inputSize()), 0, pw, null, yo, 0,
                            Epilogue.NONE));
        }
    }
}
