package org.simdcnn.geometry;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * Output sizes that PyTorch gives for well-known configurations, and every documented rejection with a message
 * that names the operation, the parameter, the dimension and the offending values.
 */
class GeometryTest {

    // ---- known PyTorch output sizes ---------------------------------------------------------------------------

    @Test
    void convKnownSizes() {
        assertEquals(28, Geometry.convOutputSize("conv2d", "H", 28, 3, 1, 1, 1, 1));
        assertEquals(112, Geometry.convOutputSize("conv2d", "H", 224, 7, 2, 3, 3, 1));
        assertEquals(56, Geometry.convOutputSize("conv2d", "H", 112, 3, 2, 1, 1, 1)); // ResNet stem max-pool sized
        assertEquals(1, Geometry.convOutputSize("conv1d", "L", 1, 1, 1, 0, 0, 1));
        assertEquals(3, Geometry.convOutputSize("conv1d", "L", 7, 3, 2, 0, 0, 1));
        assertEquals(4, Geometry.convOutputSize("conv1d", "L", 7, 3, 1, 1, 0, 2)); // (7+1-5)/1+1
        assertEquals(1, Geometry.convOutputSize("conv1d", "L", 5, 5, 3, 0, 0, 1)); // kernel == input
        assertEquals(2, Geometry.convOutputSize("conv1d", "L", 5, 3, 3, 0, 1, 1)); // asymmetric: (6-3)/3+1
        ConvGeometry g = ConvGeometry.conv2d(8, 3, 224, 224, 64, 7, 7, 2, 3, 1, 1);
        assertArrayEquals(new int[] {8, 64, 112, 112}, g.outputShape());
        assertArrayEquals(new int[] {64, 3, 7, 7}, g.weightShape());
        ConvGeometry g3 = ConvGeometry.conv(3, 2, 4, new int[] {9, 8, 7}, 6, new int[] {3, 2, 1}, new int[] {2, 1, 3},
                Padding.of(1, 0, 0), new int[] {1, 2, 1}, 2);
        // D: (9+2-3)/2+1 = 5; H: (8-3)/1+1 = 6; W: (7-1)/3+1 = 3
        assertArrayEquals(new int[] {2, 6, 5, 6, 3}, g3.outputShape());
        assertArrayEquals(new int[] {6, 2, 3, 2, 1}, g3.weightShape());
    }

    @Test
    void samePaddingSplitsLikePyTorchIncludingEvenKernels() {
        assertArrayEquals(new int[] {1, 1}, Geometry.samePadding(3, 1));
        assertArrayEquals(new int[] {1, 2}, Geometry.samePadding(4, 1));
        assertArrayEquals(new int[] {3, 3}, Geometry.samePadding(4, 2));
        assertArrayEquals(new int[] {0, 0}, Geometry.samePadding(1, 5));
        assertArrayEquals(new int[] {2, 3}, Geometry.samePadding(2, 5));
        ConvGeometry g = ConvGeometry.conv(2, 1, 2, new int[] {9, 10}, 3, new int[] {4, 4}, new int[] {1},
                Padding.same(), new int[] {1, 2}, 1);
        assertEquals(1, g.padBefore(1));
        assertEquals(2, g.padAfter(1));
        assertEquals(3, g.padBefore(2));
        assertEquals(3, g.padAfter(2));
        assertArrayEquals(new int[] {1, 3, 9, 10}, g.outputShape());
        ConvGeometry v = ConvGeometry.conv(1, 1, 1, new int[] {10}, 1, new int[] {4}, new int[] {3}, Padding.valid(),
                new int[] {1}, 1);
        assertArrayEquals(new int[] {1, 1, 3}, v.outputShape());
        assertEquals(0, v.padBefore(2));
        assertEquals(0, v.padAfter(2));
    }

    @Test
    void poolKnownSizesWithCeilMode() {
        assertEquals(2, Geometry.poolOutputSize("max_pool1d", "L", 5, 2, 2, 0, 1, false));
        assertEquals(3, Geometry.poolOutputSize("max_pool1d", "L", 5, 2, 2, 0, 1, true));
        assertEquals(3, Geometry.poolOutputSize("max_pool1d", "L", 6, 3, 2, 1, 1, false));
        assertEquals(4, Geometry.poolOutputSize("max_pool1d", "L", 6, 3, 2, 1, 1, true));
        assertEquals(56, Geometry.poolOutputSize("max_pool2d", "H", 112, 3, 2, 1, 1, false));
        // ceil would give a third window starting at padded position 6 = in + pad: in the right padding, dropped
        assertEquals(2, Geometry.poolOutputSize("max_pool1d", "L", 4, 4, 3, 2, 1, true));
        assertEquals(2, Geometry.poolOutputSize("max_pool1d", "L", 4, 4, 3, 2, 1, false));
        // ceil mode admits one window that overhangs the input by less than a stride (PyTorch 1.13 gives 1)
        assertEquals(1, Geometry.poolOutputSize("max_pool1d", "L", 2, 4, 3, 0, 1, true));
        PoolGeometry p = PoolGeometry.of("max_pool", 2, 2, 3, new int[] {7, 5}, new int[] {3, 2}, null,
                new int[] {1, 0}, null, true);
        // stride defaults to the kernel: H (7+2-3+2)/3+1 = 3 (start 6 < 8 kept); W (5-2+1)/2+1 = 3
        assertArrayEquals(new int[] {2, 3, 3, 3}, p.outputShape());
        assertEquals(3, p.stride(1));
        assertEquals(2, p.stride(2));
    }

    @Test
    void transposedKnownSizes() {
        assertEquals(6, Geometry.convTransposeOutputSize("conv_transpose1d", "L", 3, 3, 2, 1, 1, 1, 1));
        assertEquals(5, Geometry.convTransposeOutputSize("conv_transpose1d", "L", 3, 3, 2, 1, 1, 1, 0));
        assertEquals(14, Geometry.convTransposeOutputSize("conv_transpose2d", "H", 7, 4, 2, 1, 1, 1, 0));
        assertEquals(6, Geometry.convTransposeOutputSize("conv_transpose2d", "H", 3, 2, 1, 0, 0, 2, 1));
        ConvGeometry t = ConvGeometry.transposed(2, 2, 4, new int[] {3, 2}, 6, new int[] {2}, new int[] {1},
                Padding.of(0, 1), new int[] {1}, new int[] {2}, 2);
        assertArrayEquals(new int[] {2, 6, 6, 3}, t.outputShape());
        assertArrayEquals(new int[] {4, 3, 2, 2}, t.weightShape());
        ConvGeometry adj = t.adjointConv();
        assertArrayEquals(new int[] {2, 6, 6, 3}, adj.inputShape());
        assertArrayEquals(new int[] {2, 4, 3, 2}, adj.outputShape());
        assertArrayEquals(new int[] {4, 3, 2, 2}, adj.weightShape());
    }

    // ---- rejections -------------------------------------------------------------------------------------------

    @Test
    void rejectsKernelSpanLargerThanPaddedInput() {
        rejects(() -> ConvGeometry.conv2d(1, 1, 4, 9, 1, 5, 3, 1, 0, 1, 1),
                "conv2d", "kernel span 5", "padded input 4", "dimension H");
        rejects(() -> ConvGeometry.conv(1, 1, 1, new int[] {6}, 1, new int[] {3}, new int[] {1},
                Padding.asymmetric(new int[] {1}, new int[] {0}), new int[] {4}, 1),
                "conv1d", "kernel span 9", "dilation 4", "padded input 7", "padding 1 + 0", "dimension L");
        rejects(() -> Geometry.poolOutputSize("avg_pool2d", "W", 2, 3, 2, 0, 1, false),
                "avg_pool2d", "kernel span 3", "padded input 2", "dimension W");
    }

    @Test
    void rejectsNonPositiveStrideDilationKernelAndInput() {
        rejects(() -> ConvGeometry.conv2d(1, 1, 5, 5, 1, 3, 3, 0, 0, 1, 1), "conv2d", "stride", "dimension H",
                "got 0");
        rejects(() -> ConvGeometry.conv(2, 1, 1, new int[] {5, 5}, 1, new int[] {3}, new int[] {1, -2},
                Padding.of(0), new int[] {1}, 1), "conv2d", "stride", "dimension W", "got -2");
        rejects(() -> ConvGeometry.conv(3, 1, 1, new int[] {5, 5, 5}, 1, new int[] {3}, new int[] {1},
                Padding.of(0), new int[] {1, 0, 1}, 1), "conv3d", "dilation", "dimension H", "got 0");
        rejects(() -> ConvGeometry.conv(2, 1, 1, new int[] {5, 5}, 1, new int[] {3, 0}, new int[] {1},
                Padding.of(0), new int[] {1}, 1), "conv2d", "kernel size", "dimension W", "got 0");
        rejects(() -> ConvGeometry.conv(1, 1, 1, new int[] {0}, 1, new int[] {1}, new int[] {1},
                Padding.of(0), new int[] {1}, 1), "conv1d", "input size", "dimension L", "got 0");
        rejects(() -> PoolGeometry.of("max_pool", 2, 1, 1, new int[] {5, 5}, new int[] {2}, new int[] {0},
                null, null, false), "max_pool2d", "stride", "dimension H", "got 0");
        rejects(() -> ConvGeometry.transposed(1, 1, 1, new int[] {4}, 1, new int[] {2}, new int[] {1},
                Padding.of(0), new int[] {0}, new int[] {-1}, 1), "conv_transpose1d", "dilation", "dimension L",
                "got -1");
    }

    @Test
    void rejectsNegativePadding() {
        rejects(() -> ConvGeometry.conv2d(1, 1, 5, 5, 1, 3, 3, 1, -1, 1, 1), "conv2d", "padding", "dimension H",
                "before=-1");
        rejects(() -> ConvGeometry.conv(2, 1, 1, new int[] {5, 5}, 1, new int[] {3}, new int[] {1},
                Padding.asymmetric(new int[] {0, 1}, new int[] {0, -2}), new int[] {1}, 1),
                "conv2d", "padding", "dimension W", "after=-2");
        rejects(() -> PoolGeometry.of("avg_pool", 1, 1, 1, new int[] {5}, new int[] {2}, null, new int[] {-1},
                null, false), "avg_pool1d", "padding", "dimension L", "got -1");
        rejects(() -> ConvGeometry.transposed(1, 1, 1, new int[] {4}, 1, new int[] {2}, new int[] {1},
                Padding.of(-1), new int[] {0}, new int[] {1}, 1), "conv_transpose1d", "padding", "dimension L",
                "before=-1");
    }

    @Test
    void rejectsSameWithStride() {
        rejects(() -> ConvGeometry.conv(2, 1, 1, new int[] {5, 5}, 1, new int[] {3}, new int[] {1, 2},
                Padding.same(), new int[] {1}, 1), "conv2d", "padding='same'", "stride 2", "dimension W");
        rejects(() -> ConvGeometry.transposed(1, 1, 1, new int[] {4}, 1, new int[] {2}, new int[] {1},
                Padding.same(), new int[] {0}, new int[] {1}, 1), "conv_transpose1d", "padding", "same");
    }

    @Test
    void rejectsChannelsNotDivisibleByGroups() {
        rejects(() -> ConvGeometry.conv2d(1, 3, 5, 5, 4, 3, 3, 1, 1, 1, 2), "conv2d", "inChannels 3", "groups 2");
        rejects(() -> ConvGeometry.conv2d(1, 4, 5, 5, 3, 3, 3, 1, 1, 1, 2), "conv2d", "outChannels 3", "groups 2");
        rejects(() -> ConvGeometry.transposed(1, 1, 6, new int[] {4}, 4, new int[] {2}, new int[] {1},
                Padding.of(0), new int[] {0}, new int[] {1}, 3), "conv_transpose1d", "outChannels 4", "groups 3");
        rejects(() -> ConvGeometry.conv2d(1, 4, 5, 5, 4, 3, 3, 1, 1, 1, 0), "conv2d", "groups", "got 0");
        rejects(() -> ConvGeometry.conv2d(0, 4, 5, 5, 4, 3, 3, 1, 1, 1, 1), "conv2d", "batch", "got 0");
    }

    @Test
    void rejectsPoolingPaddingAboveHalfTheKernel() {
        rejects(() -> PoolGeometry.pool2d("max_pool", 1, 1, 8, 8, 3, 2, 2, false), "max_pool2d", "padding",
                "half the kernel", "dimension H", "padding 2", "kernel 3");
        rejects(() -> PoolGeometry.of("avg_pool", 2, 1, 1, new int[] {8, 8}, new int[] {4, 2}, null,
                new int[] {2, 2}, null, true), "avg_pool2d", "padding", "dimension W", "padding 2", "kernel 2");
        // exactly half is allowed
        assertArrayEquals(new int[] {1, 1, 5, 5},
                PoolGeometry.pool2d("max_pool", 1, 1, 8, 8, 4, 2, 2, false).outputShape());
    }

    @Test
    void rejectsOutputPaddingNotBelowMaxOfStrideAndDilation() {
        rejects(() -> ConvGeometry.transposed(1, 1, 1, new int[] {4}, 1, new int[] {3}, new int[] {2},
                Padding.of(1), new int[] {2}, new int[] {1}, 1), "conv_transpose1d", "outputPadding",
                "max(stride, dilation) = 2", "dimension L", "got 2");
        rejects(() -> ConvGeometry.transposed(2, 1, 1, new int[] {4, 4}, 1, new int[] {3}, new int[] {1},
                Padding.of(1), new int[] {0, 1}, new int[] {1}, 1), "conv_transpose2d", "outputPadding",
                "dimension W", "got 1");
        rejects(() -> ConvGeometry.transposed(1, 1, 1, new int[] {4}, 1, new int[] {3}, new int[] {2},
                Padding.of(1), new int[] {-1}, new int[] {1}, 1), "conv_transpose1d", "outputPadding",
                "dimension L", "got -1");
        // below the dilation is allowed even with stride 1 (PyTorch's rule)
        assertEquals(6, ConvGeometry.transposed(1, 1, 1, new int[] {3}, 1, new int[] {2}, new int[] {1},
                Padding.of(0), new int[] {1}, new int[] {2}, 1).out(2));
    }

    @Test
    void rejectsTransposedOutputBelowOne() {
        rejects(() -> ConvGeometry.transposed(1, 1, 1, new int[] {1}, 1, new int[] {1}, new int[] {1},
                Padding.of(1), new int[] {0}, new int[] {1}, 1), "conv_transpose1d", "output size -1",
                "dimension L", "padding 1 + 1");
    }

    @Test
    void rejectsMalformedArguments() {
        rejects(() -> ConvGeometry.conv(4, 1, 1, new int[] {5}, 1, new int[] {3}, new int[] {1}, Padding.of(0),
                new int[] {1}, 1), "dims", "got 4");
        rejects(() -> ConvGeometry.conv(2, 1, 1, new int[] {5}, 1, new int[] {3}, new int[] {1}, Padding.of(0),
                new int[] {1}, 1), "conv2d", "input size", "needs 2 values", "[5]");
        rejects(() -> ConvGeometry.conv(2, 1, 1, new int[] {5, 5}, 1, new int[] {3, 3, 3}, new int[] {1},
                Padding.of(0), new int[] {1}, 1), "conv2d", "kernel size", "[3, 3, 3]");
        rejects(() -> ConvGeometry.conv(2, 1, 1, new int[] {5, 5}, 1, new int[] {3}, new int[] {1},
                Padding.of(0, 0, 0), new int[] {1}, 1), "conv2d", "padding", "needs 1 or 2 values");
        rejects(() -> ConvGeometry.conv(2, 1, 1, new int[] {5, 5}, 1, new int[] {3}, new int[] {1}, null,
                new int[] {1}, 1), "conv2d", "padding", "null");
        rejects(() -> ConvGeometry.conv(2, 1, 1, new int[] {5, 5}, 1, null, new int[] {1}, Padding.of(0),
                new int[] {1}, 1), "conv2d", "kernel size", "null");
        rejects(() -> Padding.asymmetric(new int[] {1}, new int[] {1, 2}), "padding", "same");
        rejects(() -> PoolGeometry.of("max_pool", 0, 1, 1, new int[] {5}, new int[] {2}, null, null, null, false),
                "pool", "dims", "got 0");
    }

    @Test
    void rejectsSizesThatDoNotFitAnArray() {
        rejects(() -> ConvGeometry.conv2d(65536, 65536, 4, 4, 1, 1, 1, 1, 0, 1, 1), "conv2d", "input",
                "elements");
        rejects(() -> ConvGeometry.conv(3, Integer.MAX_VALUE, Integer.MAX_VALUE,
                new int[] {Integer.MAX_VALUE, Integer.MAX_VALUE, Integer.MAX_VALUE}, 1, new int[] {1},
                new int[] {1}, Padding.of(0), new int[] {1}, 1), "conv3d", "input", "elements");
        rejects(() -> ConvGeometry.transposed(1, 1, 1, new int[] {Integer.MAX_VALUE}, 1, new int[] {2},
                new int[] {Integer.MAX_VALUE}, Padding.of(0), new int[] {0}, new int[] {1}, 1),
                "conv_transpose1d", "output size", "does not fit", "dimension L");
        rejects(() -> ConvGeometry.conv(1, 1, 1, new int[] {10}, 1, new int[] {65537}, new int[] {1},
                Padding.same(), new int[] {65536}, 1), "conv1d", "same", "dimension L");
    }

    /** Asserts an IllegalArgumentException whose message contains every fragment. */
    static void rejects(Executable call, String... fragments) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        String msg = e.getMessage();
        for (String f : fragments) {
            assertTrue(msg != null && msg.contains(f), "message should contain '" + f + "': " + msg);
        }
    }
}
