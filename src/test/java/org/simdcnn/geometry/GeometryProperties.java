package org.simdcnn.geometry;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.Arrays;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.EdgeCasesMode;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.statistics.Statistics;
import net.jqwik.api.statistics.StatisticsReport;

/**
 * Properties of the output-size formulas: they equal brute-force counts of window positions, the geometries
 * reject exactly the configurations without an output window, shapes follow the formulas in 1d/2d/3d, and no
 * raw input (zeros, negatives, extremes) escapes as anything but an {@link IllegalArgumentException}.
 */
class GeometryProperties {

    // ---- (a) convolution: formula == brute-force count of windows ---------------------------------------------

    /**
     * Counts the windows of a convolution by walking them: window {@code j} starts at input position
     * {@code -padBefore + j*stride} and its last tap is {@code (kernel-1)*dilation} further; it counts when the
     * last tap is still inside the padded input {@code [-padBefore, in + padAfter)}.
     */
    static int countConvWindows(int in, int kernel, int stride, int padBefore, int padAfter, int dilation) {
        int count = 0;
        for (int start = -padBefore; start + (kernel - 1) * dilation < in + padAfter; start += stride) {
            count++;
        }
        return count;
    }

    @Property(tries = 400)
    void convOutputSizeEqualsWindowCount(@ForAll @IntRange(min = 1, max = 40) int in,
            @ForAll @IntRange(min = 1, max = 8) int kernel, @ForAll @IntRange(min = 1, max = 6) int stride,
            @ForAll @IntRange(min = 0, max = 6) int padBefore, @ForAll @IntRange(min = 0, max = 6) int padAfter,
            @ForAll @IntRange(min = 1, max = 4) int dilation) {
        int count = countConvWindows(in, kernel, stride, padBefore, padAfter, dilation);
        if (count >= 1) {
            assertEquals(count, Geometry.convOutputSize("conv1d", "L", in, kernel, stride, padBefore, padAfter,
                    dilation));
            ConvGeometry g = ConvGeometry.conv(1, 1, 1, new int[] {in}, 1, new int[] {kernel}, new int[] {stride},
                    Padding.asymmetric(new int[] {padBefore}, new int[] {padAfter}), new int[] {dilation}, 1);
            assertEquals(count, g.out(2));
        } else {
            GeometryTest.rejects(() -> Geometry.convOutputSize("conv1d", "L", in, kernel, stride, padBefore,
                    padAfter, dilation), "conv1d", "kernel span", "dimension L");
        }
    }

    // ---- (b) pooling with ceil mode -------------------------------------------------------------------------

    /**
     * Counts pooling windows by walking them over the symmetrically padded input {@code [-pad, in + pad)}.
     * Floor mode: windows that lie entirely inside it. Ceil mode (PyTorch's rule): windows that start inside the
     * input or the left padding ({@code start < in}) and overhang the end of the padded input by less than one
     * stride.
     */
    static int countPoolWindows(int in, int kernel, int stride, int pad, int dilation, boolean ceil) {
        int span = (kernel - 1) * dilation + 1;
        int end = in + pad; // one past the padded input
        int count = 0;
        for (int start = -pad; ; start += stride) {
            int overhang = start + span - end; // > 0: reaches past the padded input
            boolean ok = ceil ? start < in && overhang < stride : overhang <= 0;
            if (!ok) {
                break;
            }
            count++;
        }
        return count;
    }

    @Property(tries = 400)
    void poolOutputSizeEqualsWindowCount(@ForAll @IntRange(min = 1, max = 30) int in,
            @ForAll @IntRange(min = 1, max = 7) int kernel, @ForAll @IntRange(min = 1, max = 5) int stride,
            @ForAll @IntRange(min = 0, max = 4) int pad, @ForAll @IntRange(min = 1, max = 3) int dilation,
            @ForAll boolean ceil) {
        if (pad > kernel / 2) {
            GeometryTest.rejects(() -> Geometry.poolOutputSize("max_pool1d", "L", in, kernel, stride, pad, dilation,
                    ceil), "max_pool1d", "half the kernel", "dimension L", "padding " + pad, "kernel " + kernel);
            return;
        }
        int count = countPoolWindows(in, kernel, stride, pad, dilation, ceil);
        if (count >= 1) {
            assertEquals(count, Geometry.poolOutputSize("max_pool1d", "L", in, kernel, stride, pad, dilation, ceil));
            PoolGeometry p = PoolGeometry.of("max_pool", 1, 1, 1, new int[] {in}, new int[] {kernel},
                    new int[] {stride}, new int[] {pad}, new int[] {dilation}, ceil);
            assertEquals(count, p.out(2));
        } else {
            GeometryTest.rejects(() -> Geometry.poolOutputSize("max_pool1d", "L", in, kernel, stride, pad, dilation,
                    ceil), "max_pool1d", "kernel span", "dimension L");
        }
    }

    // ---- transposed size == extent of the scattered windows ----------------------------------------------------

    @Property(tries = 300)
    void transposedSizeIsTheScatterExtentAndInvertsTheConvSize(@ForAll @IntRange(min = 1, max = 12) int in,
            @ForAll @IntRange(min = 1, max = 6) int kernel, @ForAll @IntRange(min = 1, max = 4) int stride,
            @ForAll @IntRange(min = 0, max = 4) int padBefore, @ForAll @IntRange(min = 0, max = 4) int padAfter,
            @ForAll @IntRange(min = 1, max = 3) int dilation, @ForAll @IntRange(min = 0, max = 3) int outPad) {
        int maxPos = 0; // largest position input i reaches through tap k, before cropping: i*stride + k*dilation
        for (int i = 0; i < in; i++) {
            for (int k = 0; k < kernel; k++) {
                maxPos = Math.max(maxPos, i * stride + k * dilation);
            }
        }
        int expected = maxPos + 1 - padBefore - padAfter + outPad;
        if (outPad >= Math.max(stride, dilation)) {
            GeometryTest.rejects(() -> Geometry.convTransposeOutputSize("conv_transpose1d", "L", in, kernel, stride,
                    padBefore, padAfter, dilation, outPad), "outputPadding", "dimension L");
            return;
        }
        if (expected < 1) {
            GeometryTest.rejects(() -> Geometry.convTransposeOutputSize("conv_transpose1d", "L", in, kernel, stride,
                    padBefore, padAfter, dilation, outPad), "conv_transpose1d", "output size", "dimension L");
            return;
        }
        int out = Geometry.convTransposeOutputSize("conv_transpose1d", "L", in, kernel, stride, padBefore, padAfter,
                dilation, outPad);
        assertEquals(expected, out);
        if (outPad < stride) {
            // the forward convolution over the transposed output has the transposed input's size
            assertEquals(in, countConvWindows(out, kernel, stride, padBefore, padAfter, dilation));
        }
    }

    // ---- (c) shapes in 1d/2d/3d -------------------------------------------------------------------------------

    /** One spatial dimension of a valid convolution: the input is made large enough for one window. */
    record Dim(int in, int kernel, int stride, int padBefore, int padAfter, int dilation, int outPad) {
        int convOut() {
            return (in + padBefore + padAfter - dilation * (kernel - 1) - 1) / stride + 1;
        }

        int transposedOut() {
            return (in - 1) * stride - padBefore - padAfter + dilation * (kernel - 1) + outPad + 1;
        }
    }

    record Channels(int batch, int groups, int inPerGroup, int outPerGroup) {
    }

    @Provide
    Arbitrary<Dim> dim() {
        return Combinators.combine(Arbitraries.integers().between(0, 6), Arbitraries.integers().between(1, 5),
                Arbitraries.integers().between(1, 4), Arbitraries.integers().between(0, 3),
                Arbitraries.integers().between(0, 3), Arbitraries.integers().between(1, 3),
                Arbitraries.integers().between(0, 3)).as((extra, k, s, pb, pa, d, op) -> {
                    int in = Math.max(1, d * (k - 1) + 1 - pb - pa) + extra; // at least one conv window
                    int outPad = op % Math.max(s, d);
                    return new Dim(in, k, s, pb, pa, d, outPad);
                });
    }

    @Provide
    Arbitrary<List<Dim>> dims() {
        return dim().list().ofMinSize(1).ofMaxSize(3);
    }

    @Provide
    Arbitrary<Channels> channels() {
        return Combinators.combine(Arbitraries.integers().between(1, 3), Arbitraries.integers().between(1, 3),
                Arbitraries.integers().between(1, 3), Arbitraries.integers().between(1, 3)).as(Channels::new);
    }

    @Property(tries = 300)
    void convAndTransposedShapesFollowTheFormulas(@ForAll("dims") List<Dim> ds, @ForAll("channels") Channels ch) {
        int n = ds.size();
        int cin = ch.groups() * ch.inPerGroup();
        int cout = ch.groups() * ch.outPerGroup();
        int[] in = new int[n];
        int[] k = new int[n];
        int[] s = new int[n];
        int[] pb = new int[n];
        int[] pa = new int[n];
        int[] d = new int[n];
        int[] op = new int[n];
        for (int i = 0; i < n; i++) {
            Dim x = ds.get(i);
            in[i] = x.in();
            k[i] = x.kernel();
            s[i] = x.stride();
            pb[i] = x.padBefore();
            pa[i] = x.padAfter();
            d[i] = x.dilation();
            op[i] = x.outPad();
        }
        ConvGeometry g = ConvGeometry.conv(n, ch.batch(), cin, in, cout, k, s, Padding.asymmetric(pb, pa), d,
                ch.groups());
        int[] outShape = new int[2 + n];
        int[] inShape = new int[2 + n];
        int[] wShape = new int[2 + n];
        outShape[0] = ch.batch();
        outShape[1] = cout;
        inShape[0] = ch.batch();
        inShape[1] = cin;
        wShape[0] = cout;
        wShape[1] = ch.inPerGroup();
        for (int i = 0; i < n; i++) {
            outShape[2 + i] = ds.get(i).convOut();
            inShape[2 + i] = in[i];
            wShape[2 + i] = k[i];
        }
        assertArrayEquals(outShape, g.outputShape());
        assertArrayEquals(inShape, g.inputShape());
        assertArrayEquals(wShape, g.weightShape());
        assertEquals(n, g.dims());
        for (int i = 0; i < 3 - n; i++) { // normalised leading dimensions are neutral
            assertEquals(1, g.in(i));
            assertEquals(1, g.out(i));
            assertEquals(1, g.kernel(i));
            assertEquals(0, g.padBefore(i) + g.padAfter(i));
        }
        assertEquals(product(outShape), g.outputSize());
        assertEquals(product(inShape), g.inputSize());
        assertEquals(product(wShape), g.weightSize());

        boolean anyEmpty = false;
        for (Dim x : ds) {
            anyEmpty |= x.transposedOut() < 1;
        }
        if (anyEmpty) {
            assertThrows(IllegalArgumentException.class, () -> ConvGeometry.transposed(n, ch.batch(), cin, in, cout,
                    k, s, Padding.asymmetric(pb, pa), op, d, ch.groups()));
            return;
        }
        ConvGeometry t = ConvGeometry.transposed(n, ch.batch(), cin, in, cout, k, s, Padding.asymmetric(pb, pa), op,
                d, ch.groups());
        int[] tOut = outShape.clone();
        int[] tW = new int[2 + n];
        tW[0] = cin;
        tW[1] = ch.outPerGroup();
        for (int i = 0; i < n; i++) {
            tOut[2 + i] = ds.get(i).transposedOut();
            tW[2 + i] = k[i];
        }
        assertArrayEquals(tOut, t.outputShape());
        assertArrayEquals(inShape, t.inputShape());
        assertArrayEquals(tW, t.weightShape());
        assertTrue(t.isTransposed());
        ConvGeometry adj = t.adjointConv();
        assertArrayEquals(tOut, swapChannels(adj.inputShape(), cout));
        assertArrayEquals(inShape, swapChannels(adj.outputShape(), cin));
        assertArrayEquals(tW, adj.weightShape());
    }

    private static int[] swapChannels(int[] shape, int c) {
        int[] r = shape.clone();
        r[1] = c;
        return r;
    }

    private static int product(int[] s) {
        int p = 1;
        for (int v : s) {
            p *= v;
        }
        return p;
    }

    // ---- (i) raw, possibly invalid inputs: IllegalArgumentException or a correct geometry ----------------------

    /**
     * One raw parameter: usually a plausible value, sometimes zero or negative, rarely an extreme that overflows
     * naive int arithmetic. Weighted so that about half of the whole configurations are valid.
     */
    static Arbitrary<Integer> raw(int lo, int hi) {
        return Arbitraries.frequencyOf(
                Tuple.of(80, Arbitraries.integers().between(lo, hi)),
                Tuple.of(3, Arbitraries.integers().between(-2, 0)),
                Tuple.of(1, Arbitraries.of(-1, Integer.MIN_VALUE, Integer.MAX_VALUE, 65536, 46341, 1 << 20)));
    }

    /** A per-dimension array: usually one value per dimension or one broadcast value, sometimes a wrong length. */
    static Arbitrary<int[]> rawArray(int dims, int lo, int hi) {
        Arbitrary<Integer> v = raw(lo, hi);
        return Arbitraries.frequencyOf(
                Tuple.of(24, v.list().ofSize(Math.max(dims, 1))),
                Tuple.of(4, v.list().ofSize(1)),
                Tuple.of(1, v.list().ofMinSize(0).ofMaxSize(4)))
                .map(l -> l.stream().mapToInt(Integer::intValue).toArray());
    }

    static Arbitrary<Integer> rawDims() {
        return Arbitraries.frequencyOf(Tuple.of(30, Arbitraries.integers().between(1, 3)),
                Tuple.of(1, Arbitraries.of(0, 4, -1)));
    }

    /** Raw arguments of a convolution, transposed convolution or pooling call. */
    record Raw(int dims, int batch, int cin, int cout, int groups, int[] in, int[] k, int[] s, int[] pb, int[] pa,
            int[] d, int[] op, int mode) {
        @Override
        public String toString() {
            return "Raw{dims=" + dims + " batch=" + batch + " cin=" + cin + " cout=" + cout + " groups=" + groups
                    + " in=" + Arrays.toString(in) + " k=" + Arrays.toString(k) + " s=" + Arrays.toString(s)
                    + " pb=" + Arrays.toString(pb) + " pa=" + Arrays.toString(pa) + " d=" + Arrays.toString(d)
                    + " op=" + Arrays.toString(op) + " mode=" + mode + "}";
        }
    }

    @Provide
    Arbitrary<Raw> raws() {
        return rawDims().flatMap(dims -> {
            Arbitrary<List<Integer>> scalars = Combinators.combine(raw(1, 3), raw(1, 6), raw(1, 6),
                    Arbitraries.frequencyOf(Tuple.of(6, Arbitraries.just(1)), Tuple.of(2, raw(1, 3))))
                    .as(List::of);
            Arbitrary<List<int[]>> arrays = Combinators.combine(rawArray(dims, 1, 12), rawArray(dims, 1, 5),
                    rawArray(dims, 1, 3), rawArray(dims, 0, 3), rawArray(dims, 0, 3), rawArray(dims, 1, 3),
                    rawArray(dims, 0, 2)).as(List::of);
            return Combinators.combine(scalars, arrays, Arbitraries.integers().between(0, 3)).as((sc, ar, mode) ->
                    new Raw(dims, sc.get(0), sc.get(1), sc.get(2), sc.get(3), ar.get(0), ar.get(1), ar.get(2),
                            ar.get(3), ar.get(4), ar.get(5), ar.get(6), mode));
        });
    }

    @Property(tries = 500, edgeCases = EdgeCasesMode.NONE)
    @StatisticsReport(StatisticsReport.StatisticsReportMode.OFF)
    void rawConvConfigurationsAreRejectedOrCorrect(@ForAll("raws") Raw r) {
        Padding padding;
        try {
            padding = switch (r.mode()) {
                case 0 -> Padding.asymmetric(r.pb(), r.pa());
                case 1 -> Padding.of(r.pb());
                case 2 -> Padding.same();
                default -> Padding.valid();
            };
        } catch (IllegalArgumentException e) {
            assertMessage(e, "padding");
            outcome(false);
            return;
        }
        ConvGeometry g;
        try {
            g = ConvGeometry.conv(r.dims(), r.batch(), r.cin(), r.in(), r.cout(), r.k(), r.s(), padding, r.d(),
                    r.groups());
        } catch (IllegalArgumentException e) {
            assertMessage(e, "conv");
            outcome(false);
            return;
        }
        outcome(true);
        // accepted: every parameter must have been valid and the output must follow the formula
        int[] before = switch (r.mode()) {
            case 0, 1 -> r.pb();
            case 2 -> null;
            default -> new int[] {0};
        };
        int[] after = switch (r.mode()) {
            case 0 -> r.pa();
            case 1 -> r.pb();
            case 2 -> null;
            default -> new int[] {0};
        };
        checkAccepted(g, r, before, after, null);
    }

    @Property(tries = 500, edgeCases = EdgeCasesMode.NONE)
    @StatisticsReport(StatisticsReport.StatisticsReportMode.OFF)
    void rawTransposedConfigurationsAreRejectedOrCorrect(@ForAll("raws") Raw r) {
        Padding padding;
        try {
            padding = Padding.asymmetric(r.pb(), r.pa());
        } catch (IllegalArgumentException e) {
            assertMessage(e, "padding");
            outcome(false);
            return;
        }
        ConvGeometry g;
        try {
            g = ConvGeometry.transposed(r.dims(), r.batch(), r.cin(), r.in(), r.cout(), r.k(), r.s(), padding,
                    r.op(), r.d(), r.groups());
        } catch (IllegalArgumentException e) {
            assertMessage(e, "conv");
            outcome(false);
            return;
        }
        outcome(true);
        checkAccepted(g, r, r.pb(), r.pa(), r.op());
    }

    @Property(tries = 500, edgeCases = EdgeCasesMode.NONE)
    @StatisticsReport(StatisticsReport.StatisticsReportMode.OFF)
    void rawPoolConfigurationsAreRejectedOrCorrect(@ForAll("raws") Raw r, @ForAll boolean defaultStride,
            @ForAll boolean ceil) {
        int dims = r.dims();
        int[] p = r.op(); // small paddings (0..2) so that pad <= kernel/2 holds often enough
        PoolGeometry g;
        try {
            g = PoolGeometry.of("avg_pool", dims, r.batch(), r.cin(), r.in(), r.k(), defaultStride ? null : r.s(), p,
                    r.d(), ceil);
        } catch (IllegalArgumentException e) {
            assertMessage(e, "pool");
            outcome(false);
            return;
        }
        outcome(true);
        assertTrue(dims >= 1 && dims <= 3 && r.batch() >= 1 && r.cin() >= 1 && r.in().length == dims, r.toString());
        long total = (long) r.batch() * r.cin();
        for (int i = 0; i < dims; i++) {
            int kk = at(r.k(), i, dims);
            int ss = defaultStride ? kk : at(r.s(), i, dims);
            int pp = at(p, i, dims);
            int dd = at(r.d(), i, dims);
            int in = r.in()[i];
            assertTrue(in >= 1 && kk >= 1 && ss >= 1 && dd >= 1 && pp >= 0 && pp <= kk / 2, r.toString());
            long span = (long) dd * (kk - 1) + 1;
            long out;
            if (in <= 64 && span <= 64 && ss <= 64) {
                out = countPoolWindows(in, kk, ss, pp, dd, ceil);
            } else {
                long num = in + 2L * pp - span + (ceil ? ss - 1 : 0);
                out = Math.floorDiv(num, (long) ss) + 1;
                if (ceil && (out - 1) * ss >= (long) in + pp) {
                    out--;
                }
            }
            assertEquals(out, g.out(3 - dims + i), r.toString());
            assertTrue(out >= 1);
            total *= out;
            assertTrue(total < Integer.MAX_VALUE);
        }
        assertEquals(total, g.outputSize());
    }

    /** Records whether a raw configuration was accepted, and checks that both outcomes are well exercised. */
    private static void outcome(boolean accepted) {
        Statistics.collect(accepted ? "accepted" : "rejected");
        Statistics.coverage(c -> {
            c.check("accepted").percentage(pct -> pct >= 10);
            c.check("rejected").percentage(pct -> pct >= 10);
        });
    }

    private static void checkAccepted(ConvGeometry g, Raw r, int[] pb, int[] pa, int[] op) {
        int dims = r.dims();
        int[] in = r.in();
        int[] k = r.k();
        int[] s = r.s();
        int[] d = r.d();
        assertTrue(dims >= 1 && dims <= 3 && r.batch() >= 1 && r.groups() >= 1 && r.cin() >= 1 && r.cout() >= 1
                && r.cin() % r.groups() == 0 && r.cout() % r.groups() == 0 && in.length == dims, r.toString());
        assertArrayEquals(new int[] {r.batch(), r.cin()}, Arrays.copyOf(g.inputShape(), 2));
        long outTotal = (long) r.batch() * r.cout();
        for (int i = 0; i < dims; i++) {
            int n = 3 - dims + i;
            int kk = at(k, i, dims);
            int ss = at(s, i, dims);
            int dd = at(d, i, dims);
            assertTrue(in[i] >= 1 && kk >= 1 && ss >= 1 && dd >= 1, r.toString());
            int before;
            int after;
            if (pb == null) { // same
                long total = (long) dd * (kk - 1);
                before = (int) (total / 2);
                after = (int) (total - total / 2);
            } else {
                before = at(pb, i, dims);
                after = at(pa, i, dims);
            }
            assertTrue(before >= 0 && after >= 0, r.toString());
            assertEquals(before, g.padBefore(n), r.toString());
            assertEquals(after, g.padAfter(n), r.toString());
            long out;
            if (op == null) {
                long span = (long) dd * (kk - 1) + 1;
                long padded = (long) in[i] + before + after;
                assertTrue(span <= padded, r.toString());
                out = (padded - span) / ss + 1;
                if (in[i] <= 64 && span <= 64 && ss <= 64 && before <= 64 && after <= 64) {
                    assertEquals(countConvWindows(in[i], kk, ss, before, after, dd), out);
                }
            } else {
                int oo = at(op, i, dims);
                assertTrue(oo >= 0 && oo < Math.max(ss, dd), r.toString());
                out = ((long) in[i] - 1) * ss - before - after + (long) dd * (kk - 1) + oo + 1;
            }
            assertTrue(out >= 1, r.toString());
            assertEquals(out, g.out(n), r.toString());
            outTotal *= out;
            assertTrue(outTotal < Integer.MAX_VALUE, r.toString());
        }
        assertEquals(outTotal, g.outputSize());
    }

    /** The value of a per-dimension parameter given as one (broadcast) or {@code dims} values. */
    private static int at(int[] v, int i, int dims) {
        if (v.length != 1 && v.length != dims) {
            fail("accepted a parameter with " + v.length + " values for " + dims + " dimensions");
        }
        return v.length == 1 ? v[0] : v[i];
    }

    private static void assertMessage(IllegalArgumentException e, String opFragment) {
        String m = e.getMessage();
        assertTrue(m != null && m.contains(opFragment) && m.length() > 20, "unhelpful message: " + m);
    }
}
