package org.simdcnn.kernels.simd;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.simdcnn.SimdCnn;
import org.simdcnn.geometry.PoolGeometry;
import org.simdcnn.kernels.Pooling;
import org.simdcnn.parallel.ThreadPool;

/**
 * Vector API pooling. Fast paths: the fused 2x2 stride-2 max pool (no padding or dilation, every window inside the
 * input) deinterleaves even and odd columns with a two-vector permutation and takes the row maximum first, then
 * the column maximum, which reproduces PyTorch's scan order (row by row, first maximum wins, a NaN wins); windows
 * with unit stride along the width run with the lanes along the output row; global average pooling sums each plane
 * with vector accumulators. Everything else takes the general per-window loops below, in PyTorch's semantics.
 * Planes ({@code n, c}) are independent and split into a fixed number of tasks.
 */
final class SimdPooling implements Pooling {
    private static final VectorSpecies<Float> F = SimdBackend.F;
    private static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, F.vectorShape());
    private static final int L = F.length();
    private static final int PAR_MIN = 1 << 15;
    private static final float[] EVEN_IDX = new float[L];
    private static final float[] ODD_IDX = new float[L];
    private static final int[] IOTA2 = new int[L];

    static {
        for (int i = 0; i < L; i++) {
            EVEN_IDX[i] = 2 * i;
            ODD_IDX[i] = 2 * i + 1;
            IOTA2[i] = 2 * i;
        }
    }

    /** Runs {@code planes} independent plane jobs, in parallel when the work is large. */
    private static void planes(int planes, long work, ThreadPool.Task plane) {
        ThreadPool pool = SimdCnn.pool();
        if (work >= PAR_MIN && planes > 1 && pool.threads() > 1) {
            int tasks = Math.min(planes, 64);
            pool.run(tasks, t -> {
                int from = (int) ((long) planes * t / tasks);
                int to = (int) ((long) planes * (t + 1) / tasks);
                for (int p = from; p < to; p++) {
                    plane.run(p);
                }
            });
        } else {
            for (int p = 0; p < planes; p++) {
                plane.run(p);
            }
        }
    }

    static boolean isFused2x2(PoolGeometry g) {
        return g.kernel(0) == 1 && g.kernel(1) == 2 && g.kernel(2) == 2 && g.stride(0) == 1 && g.stride(1) == 2
                && g.stride(2) == 2 && g.pad(0) == 0 && g.pad(1) == 0 && g.pad(2) == 0 && g.dilation(0) == 1
                && g.dilation(1) == 1 && g.dilation(2) == 1 && g.out(0) == g.in(0) && 2 * g.out(1) <= g.in(1)
                && 2 * g.out(2) <= g.in(2);
    }

    @Override
    public void maxForward(PoolGeometry g, float[] x, int xOff, float[] y, int yOff, int[] argmax, int amOff) {
        int in = g.inSpatial();
        int out = g.outSpatial();
        boolean fused = isFused2x2(g);
        planes(g.batch() * g.channels(), (long) g.inputSize(), p -> {
            if (fused) {
                max2x2Plane(g, x, xOff + p * in, y, yOff + p * out, argmax, amOff + p * out);
            } else {
                maxPlane(g, x, xOff + p * in, y, yOff + p * out, argmax, amOff + p * out);
            }
        });
    }

    /** The fused 2x2 stride-2 max pool of one plane (depth planes of a 3d input included). */
    static void max2x2Plane(PoolGeometry g, float[] x, int xo, float[] y, int yo, int[] am, int amo) {
        int inH = g.in(1);
        int inW = g.in(2);
        int outH = g.out(1);
        int outW = g.out(2);
        FloatVector even = FloatVector.fromArray(F, EVEN_IDX, 0);
        FloatVector odd = FloatVector.fromArray(F, ODD_IDX, 0);
        IntVector iota2 = IntVector.fromArray(I, IOTA2, 0);
        int span = 2 * outW; // input columns used per row
        for (int d = 0; d < g.out(0); d++) {
            int xd = xo + d * inH * inW;
            int yd = yo + d * outH * outW;
            for (int oh = 0; oh < outH; oh++) {
                int r0 = xd + 2 * oh * inW;
                int r1 = r0 + inW;
                int yr = yd + oh * outW;
                int base = (d * inH + 2 * oh) * inW; // flat index of the window's top-left within the input plane
                for (int j = 0; j < span; j += 2 * L) {
                    FloatVector a0;
                    FloatVector a1;
                    FloatVector b0;
                    FloatVector b1;
                    if (j + 2 * L <= span) {
                        a0 = FloatVector.fromArray(F, x, r0 + j);
                        a1 = FloatVector.fromArray(F, x, r0 + j + L);
                        b0 = FloatVector.fromArray(F, x, r1 + j);
                        b1 = FloatVector.fromArray(F, x, r1 + j + L);
                    } else {
                        VectorMask<Float> m0 = F.indexInRange(j, span);
                        VectorMask<Float> m1 = F.indexInRange(j + L, span);
                        a0 = FloatVector.fromArray(F, x, r0 + j, m0);
                        b0 = FloatVector.fromArray(F, x, r1 + j, m0);
                        a1 = FloatVector.fromArray(F, x, r0 + j + L, m1);
                        b1 = FloatVector.fromArray(F, x, r1 + j + L, m1);
                    }
                    FloatVector a00 = even.selectFrom(a0, a1);
                    FloatVector a01 = odd.selectFrom(a0, a1);
                    FloatVector a10 = even.selectFrom(b0, b1);
                    FloatVector a11 = odd.selectFrom(b0, b1);
                    // PyTorch's update rule: take v when v > best or v is NaN
                    VectorMask<Float> w0 = a01.compare(VectorOperators.GT, a00).or(a01.test(VectorOperators.IS_NAN));
                    FloatVector top = a00.blend(a01, w0);
                    VectorMask<Float> w1 = a11.compare(VectorOperators.GT, a10).or(a11.test(VectorOperators.IS_NAN));
                    FloatVector bot = a10.blend(a11, w1);
                    VectorMask<Float> wb = bot.compare(VectorOperators.GT, top).or(bot.test(VectorOperators.IS_NAN));
                    FloatVector best = top.blend(bot, wb);
                    int o = j >> 1;
                    boolean full = o + L <= outW;
                    VectorMask<Float> om = full ? null : F.indexInRange(o, outW);
                    if (full) {
                        best.intoArray(y, yr + o);
                    } else {
                        best.intoArray(y, yr + o, om);
                    }
                    if (am != null) {
                        IntVector colTop = iota2.add(base + j).blend(iota2.add(base + j + 1), w0.cast(I));
                        IntVector colBot = iota2.add(base + inW + j).blend(iota2.add(base + inW + j + 1), w1.cast(I));
                        IntVector idx = colTop.blend(colBot, wb.cast(I));
                        if (full) {
                            idx.intoArray(am, amo + oh * outW + d * outH * outW + o);
                        } else {
                            idx.intoArray(am, amo + oh * outW + d * outH * outW + o, om.cast(I));
                        }
                    }
                }
            }
        }
    }

    /** General max pooling of one plane, PyTorch's CPU loop: first valid index, update when v &gt; max or NaN. */
    static void maxPlane(PoolGeometry g, float[] x, int xo, float[] y, int yo, int[] am, int amo) {
        int inD = g.in(0);
        int inH = g.in(1);
        int inW = g.in(2);
        int k = 0;
        for (int od = 0; od < g.out(0); od++) {
            int d0 = od * g.stride(0) - g.pad(0);
            int d1 = Math.min(d0 + (g.kernel(0) - 1) * g.dilation(0) + 1, inD);
            while (d0 < 0) {
                d0 += g.dilation(0);
            }
            for (int oh = 0; oh < g.out(1); oh++) {
                int h0 = oh * g.stride(1) - g.pad(1);
                int h1 = Math.min(h0 + (g.kernel(1) - 1) * g.dilation(1) + 1, inH);
                while (h0 < 0) {
                    h0 += g.dilation(1);
                }
                for (int ow = 0; ow < g.out(2); ow++, k++) {
                    int w0 = ow * g.stride(2) - g.pad(2);
                    int w1 = Math.min(w0 + (g.kernel(2) - 1) * g.dilation(2) + 1, inW);
                    while (w0 < 0) {
                        w0 += g.dilation(2);
                    }
                    int best = (d0 * inH + h0) * inW + w0;
                    float max = Float.NEGATIVE_INFINITY;
                    for (int d = d0; d < d1; d += g.dilation(0)) {
                        for (int h = h0; h < h1; h += g.dilation(1)) {
                            int row = (d * inH + h) * inW;
                            for (int w = w0; w < w1; w += g.dilation(2)) {
                                float v = x[xo + row + w];
                                if (v > max || Float.isNaN(v)) {
                                    max = v;
                                    best = row + w;
                                }
                            }
                        }
                    }
                    y[yo + k] = max;
                    if (am != null) {
                        am[amo + k] = best;
                    }
                }
            }
        }
    }

    @Override
    public void maxBackward(PoolGeometry g, float[] dy, int dyOff, int[] argmax, int amOff, float[] dx, int dxOff) {
        int in = g.inSpatial();
        int out = g.outSpatial();
        boolean overlap = false;
        for (int i = 0; i < 3; i++) {
            overlap |= g.out(i) > 1 && g.stride(i) < (g.kernel(i) - 1) * g.dilation(i) + 1;
        }
        boolean overlapping = overlap;
        planes(g.batch() * g.channels(), (long) g.inputSize(), p -> {
            int xo = dxOff + p * in;
            int go = dyOff + p * out;
            int ao = amOff + p * out;
            if (!overlapping) {
                fill(dx, xo, in, 0f);
                for (int k = 0; k < out; k++) {
                    dx[xo + argmax[ao + k]] = dy[go + k];
                }
                return;
            }
            // overlapping windows: accumulate in double and round once, as the reference does
            double[] acc = plane(in);
            for (int k = 0; k < out; k++) {
                acc[argmax[ao + k]] += dy[go + k];
            }
            for (int i = 0; i < in; i++) {
                dx[xo + i] = (float) acc[i];
            }
        });
    }

    private static final ThreadLocal<double[][]> PLANE = ThreadLocal.withInitial(() -> new double[1][64]);

    /** A zeroed per-thread double plane of at least n entries (grows on demand). */
    static double[] plane(int n) {
        double[][] h = PLANE.get();
        if (h[0].length < n) {
            h[0] = new double[Math.max(n, 2 * h[0].length)];
        }
        java.util.Arrays.fill(h[0], 0, n, 0.0);
        return h[0];
    }

    static void fill(float[] a, int off, int n, float v) {
        FloatVector z = FloatVector.broadcast(F, v);
        int i = 0;
        for (int ub = F.loopBound(n); i < ub; i += L) {
            z.intoArray(a, off + i);
        }
        for (; i < n; i++) {
            a[off + i] = v;
        }
    }

    /** PyTorch's window bounds along one dimension: {start, end, paddedSize} clipped as avg_pool does. */
    private static int avgDivisor(PoolGeometry g, boolean countIncludePad, int od, int oh, int ow, int[] b) {
        int size = 1;
        int real = 1;
        int[] o = {od, oh, ow};
        for (int i = 0; i < 3; i++) {
            int s = o[i] * g.stride(i) - g.pad(i);
            int e = Math.min(s + g.kernel(i), g.in(i) + g.pad(i));
            size *= e - s;
            s = Math.max(s, 0);
            e = Math.min(e, g.in(i));
            b[2 * i] = s;
            b[2 * i + 1] = e;
            real *= Math.max(e - s, 0);
        }
        return countIncludePad ? size : real;
    }

    @Override
    public void avgForward(PoolGeometry g, boolean countIncludePad, float[] x, int xOff, float[] y, int yOff) {
        int in = g.inSpatial();
        int out = g.outSpatial();
        planes(g.batch() * g.channels(), (long) g.inputSize(), p -> {
            int xo = xOff + p * in;
            int yo = yOff + p * out;
            int[] b = new int[6];
            int k = 0;
            for (int od = 0; od < g.out(0); od++) {
                for (int oh = 0; oh < g.out(1); oh++) {
                    for (int ow = 0; ow < g.out(2); ow++, k++) {
                        int div = avgDivisor(g, countIncludePad, od, oh, ow, b);
                        if (b[0] >= b[1] || b[2] >= b[3] || b[4] >= b[5]) {
                            y[yo + k] = 0f;
                            continue;
                        }
                        double sum = 0;
                        for (int d = b[0]; d < b[1]; d++) {
                            for (int h = b[2]; h < b[3]; h++) {
                                int row = xo + (d * g.in(1) + h) * g.in(2);
                                for (int w = b[4]; w < b[5]; w++) {
                                    sum += x[row + w];
                                }
                            }
                        }
                        y[yo + k] = (float) (sum / div);
                    }
                }
            }
        });
    }

    @Override
    public void avgBackward(PoolGeometry g, boolean countIncludePad, float[] dy, int dyOff, float[] dx, int dxOff) {
        int in = g.inSpatial();
        int out = g.outSpatial();
        planes(g.batch() * g.channels(), (long) g.inputSize(), p -> {
            int xo = dxOff + p * in;
            int go = dyOff + p * out;
            double[] acc = plane(in);
            int[] b = new int[6];
            int k = 0;
            for (int od = 0; od < g.out(0); od++) {
                for (int oh = 0; oh < g.out(1); oh++) {
                    for (int ow = 0; ow < g.out(2); ow++, k++) {
                        int div = avgDivisor(g, countIncludePad, od, oh, ow, b);
                        double v = (double) dy[go + k] / div;
                        for (int d = b[0]; d < b[1]; d++) {
                            for (int h = b[2]; h < b[3]; h++) {
                                int row = (d * g.in(1) + h) * g.in(2);
                                for (int w = b[4]; w < b[5]; w++) {
                                    acc[row + w] += v;
                                }
                            }
                        }
                    }
                }
            }
            for (int i = 0; i < in; i++) {
                dx[xo + i] = (float) acc[i];
            }
        });
    }

    private static int[] norm3(int[] s) {
        int[] r = {1, 1, 1};
        System.arraycopy(s, 0, r, 3 - s.length, s.length);
        return r;
    }

    private static int binStart(int o, int in, int out) {
        return (int) ((long) o * in / out);
    }

    private static int binEnd(int o, int in, int out) {
        return (int) (((long) (o + 1) * in + out - 1) / out);
    }

    @Override
    public void adaptiveAvgForward(int batch, int channels, int[] inSize, int[] outSize, float[] x, int xOff,
            float[] y, int yOff) {
        int[] is = norm3(inSize);
        int[] os = norm3(outSize);
        int in = is[0] * is[1] * is[2];
        int out = os[0] * os[1] * os[2];
        planes(batch * channels, (long) batch * channels * in, p -> {
            int xo = xOff + p * in;
            int yo = yOff + p * out;
            if (out == 1) {
                y[yo] = sum(x, xo, in) / in;
                return;
            }
            int k = 0;
            for (int od = 0; od < os[0]; od++) {
                int d0 = binStart(od, is[0], os[0]);
                int d1 = binEnd(od, is[0], os[0]);
                for (int oh = 0; oh < os[1]; oh++) {
                    int h0 = binStart(oh, is[1], os[1]);
                    int h1 = binEnd(oh, is[1], os[1]);
                    for (int ow = 0; ow < os[2]; ow++, k++) {
                        int w0 = binStart(ow, is[2], os[2]);
                        int w1 = binEnd(ow, is[2], os[2]);
                        float s = 0f;
                        for (int d = d0; d < d1; d++) {
                            for (int h = h0; h < h1; h++) {
                                int row = xo + (d * is[1] + h) * is[2];
                                for (int w = w0; w < w1; w++) {
                                    s += x[row + w];
                                }
                            }
                        }
                        y[yo + k] = s / ((d1 - d0) * (h1 - h0) * (w1 - w0));
                    }
                }
            }
        });
    }

    /** Sum of {@code n} floats with lane accumulators (fixed order). */
    static float sum(float[] a, int off, int n) {
        FloatVector acc = FloatVector.zero(F);
        int i = 0;
        for (int ub = F.loopBound(n); i < ub; i += L) {
            acc = acc.add(FloatVector.fromArray(F, a, off + i));
        }
        if (i < n) {
            acc = acc.add(FloatVector.fromArray(F, a, off + i, F.indexInRange(i, n)));
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }

    @Override
    public void adaptiveAvgBackward(int batch, int channels, int[] inSize, int[] outSize, float[] dy, int dyOff,
            float[] dx, int dxOff) {
        int[] is = norm3(inSize);
        int[] os = norm3(outSize);
        int in = is[0] * is[1] * is[2];
        int out = os[0] * os[1] * os[2];
        planes(batch * channels, (long) batch * channels * in, p -> {
            int xo = dxOff + p * in;
            int go = dyOff + p * out;
            if (out == 1) {
                fill(dx, xo, in, dy[go] / in);
                return;
            }
            fill(dx, xo, in, 0f);
            int k = 0;
            for (int od = 0; od < os[0]; od++) {
                int d0 = binStart(od, is[0], os[0]);
                int d1 = binEnd(od, is[0], os[0]);
                for (int oh = 0; oh < os[1]; oh++) {
                    int h0 = binStart(oh, is[1], os[1]);
                    int h1 = binEnd(oh, is[1], os[1]);
                    for (int ow = 0; ow < os[2]; ow++, k++) {
                        int w0 = binStart(ow, is[2], os[2]);
                        int w1 = binEnd(ow, is[2], os[2]);
                        float v = dy[go + k] / ((d1 - d0) * (h1 - h0) * (w1 - w0));
                        for (int d = d0; d < d1; d++) {
                            for (int h = h0; h < h1; h++) {
                                int row = xo + (d * is[1] + h) * is[2];
                                for (int w = w0; w < w1; w++) {
                                    dx[row + w] += v;
                                }
                            }
                        }
                    }
                }
            }
        });
    }
}
