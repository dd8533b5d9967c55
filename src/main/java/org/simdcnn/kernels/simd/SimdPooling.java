package org.simdcnn.kernels.simd;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;
import org.simdcnn.SimdCnn;
import org.simdcnn.geometry.PoolGeometry;
import org.simdcnn.kernels.Pooling;
import org.simdcnn.parallel.ThreadPool;

/**
 * Vector API pooling, equal to the scalar reference bit for bit except global average pooling and adaptive average
 * pooling whose output sizes do not divide the input sizes (float sums, within the tests' bounds); adaptive pooling
 * with dividing sizes is average pooling ({@link #uniformBins}) and exact.
 *
 * <ul>
 *   <li>Fused 2x2 stride-2 max pool (no padding or dilation, every window inside the input): even and odd columns
 *       deinterleaved with a two-vector permutation, the row maximum first, then the column maximum, which
 *       reproduces PyTorch's scan order (first maximum wins, a NaN wins). Small maps that tile their input exactly
 *       run over the row pairs of a whole block of planes ({@link #max2x2Flat}), maps whose output row fits one
 *       vector over the rows of a whole block ({@link #max2x2FlatWide}).</li>
 *   <li>General max and average pooling (any kernel, stride, padding, dilation, ceil mode, 1d/2d/3d): lanes along
 *       the output row over the input rows split into their stride phases ({@link #buildPhases}), so every window
 *       tap of a block of outputs is one full-vector load; max keeps PyTorch's update rule and the winning tap's
 *       offset (indices exact in float below 2^24), average sums in double lanes in the reference's order.</li>
 *   <li>Average backward: double accumulators in stride-phase layout, shares gathered per accumulator vector in
 *       ascending output order. Max backward: a zeroed plane and the scatter where windows do not overlap; with
 *       overlap, double accumulation in output order (for 1d/2d in a few rows kept in L1), rounded once.</li>
 *   <li>Global average pooling sums each plane with vector accumulators.</li>
 * </ul>
 * Planes ({@code n, c}) are independent and split into a fixed number of tasks (independent of the thread count).
 * Loops use full vectors and scalar tails (or a last block shifted back onto already computed lanes); no masked
 * loads or stores in loops.
 */
final class SimdPooling implements Pooling {
    private static final VectorSpecies<Float> F = SimdBackend.F;
    private static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, F.vectorShape());
    private static final int L = F.length();
    private static final int PAR_MIN = 1 << 15;
    private static final float[] EVEN_IDX = new float[L];
    private static final float[] ODD_IDX = new float[L];

    static {
        for (int i = 0; i < L; i++) {
            EVEN_IDX[i] = 2 * i;
            ODD_IDX[i] = 2 * i + 1;
        }
    }

    /** The per-thread argument object of the current call (a capturing lambda would allocate per call). */
    private static final ThreadLocal<Job> JOB = ThreadLocal.withInitial(Job::new);

    private static Job job() {
        return JOB.get();
    }

    /**
     * Runs {@code j}'s operation over {@code planes} independent planes, in parallel when the work is large (a
     * fixed split into blocks: the results do not depend on the thread count), then clears {@code j}.
     */
    private static void run(int planes, long work, Job j) {
        try {
            ThreadPool pool = SimdCnn.pool();
            if (work >= PAR_MIN && planes > 1 && pool.threads() > 1) {
                j.planes = planes;
                j.tasks = Math.min(planes, 64);
                pool.run(j.tasks, j);
            } else {
                j.range(0, planes);
            }
        } finally {
            j.clear();
        }
    }

    /**
     * One pooling call: its arguments as fields, an operation code naming the kernel body, and the fixed split of
     * the planes into {@code tasks} blocks ({@code planes * t / tasks}). Each body is either a per-plane or a
     * per-block kernel.
     */
    private static final class Job implements ThreadPool.Task {
        static final int MAX_2X2 = 1;
        static final int MAX_VECTOR = 2;
        static final int MAX_SCALAR = 3;
        static final int MAX_BACKWARD = 4;
        static final int AVG_VECTOR = 5;
        static final int AVG_SCALAR = 6;
        static final int AVG_BACKWARD_VECTOR = 7;
        static final int AVG_BACKWARD_SCALAR = 8;
        static final int ADAPTIVE_VECTOR = 9;
        static final int ADAPTIVE_SCALAR = 10;
        static final int ADAPTIVE_BACKWARD_VECTOR = 11;
        static final int ADAPTIVE_BACKWARD_SCALAR = 12;
        int op;
        int planes;
        int tasks;
        /** Reused by adaptive pooling: the normalised sizes, and the last uniform-bin geometry with its key. */
        final int[] isBuf = new int[3];
        final int[] osBuf = new int[3];
        private PoolGeometry binsGeometry;
        private int binsBatch = -1;
        private int binsChannels;
        private int[] binsIn = new int[0];
        private int[] binsOut = new int[0];

        /** {@link #uniformBins}, cached for the last key (the geometry is immutable). */
        PoolGeometry bins(int batch, int channels, int[] inSize, int[] outSize) {
            if (batch != binsBatch || channels != binsChannels || !java.util.Arrays.equals(inSize, binsIn)
                    || !java.util.Arrays.equals(outSize, binsOut)) {
                binsGeometry = uniformBins(batch, channels, inSize, outSize);
                binsBatch = batch;
                binsChannels = channels;
                binsIn = inSize.clone();
                binsOut = outSize.clone();
            }
            return binsGeometry;
        }
        PoolGeometry g;
        PoolGeometry u;
        float[] x;
        int xOff;
        float[] y;
        int yOff;
        float[] dy;
        int dyOff;
        float[] dx;
        int dxOff;
        int[] argmax;
        int amOff;
        int in;
        int out;
        boolean flat;
        /** The fused 2x2 max pool takes {@link #max2x2FlatWide}. */
        boolean wide;
        boolean overlapping;
        boolean countIncludePad;
        int[] is;
        int[] os;

        void clear() {
            g = null;
            u = null;
            x = null;
            y = null;
            dy = null;
            dx = null;
            argmax = null;
            is = null;
            os = null;
        }

        @Override
        public void run(int t) {
            range((int) ((long) planes * t / tasks), (int) ((long) planes * (t + 1) / tasks));
        }

        /** Planes {@code [from, to)}. */
        void range(int from, int to) {
            switch (op) {
                case MAX_2X2 -> max2x2Block(from, to);
                case MAX_VECTOR -> maxVectorBlock(from, to);
                case MAX_SCALAR -> {
                    for (int p = from; p < to; p++) {
                        maxScalarPlane(p);
                    }
                }
                case MAX_BACKWARD -> {
                    for (int p = from; p < to; p++) {
                        maxBackwardPlane(p);
                    }
                }
                case AVG_VECTOR -> avgVectorBlock(from, to);
                case AVG_SCALAR -> {
                    for (int p = from; p < to; p++) {
                        avgScalarPlane(p);
                    }
                }
                case AVG_BACKWARD_VECTOR -> avgBackwardVectorBlock(from, to);
                case AVG_BACKWARD_SCALAR -> {
                    for (int p = from; p < to; p++) {
                        avgBackwardScalarPlane(p);
                    }
                }
                case ADAPTIVE_VECTOR -> adaptiveVectorBlock(from, to);
                case ADAPTIVE_SCALAR -> {
                    for (int p = from; p < to; p++) {
                        adaptiveScalarPlane(p);
                    }
                }
                case ADAPTIVE_BACKWARD_VECTOR -> adaptiveBackwardVectorBlock(from, to);
                case ADAPTIVE_BACKWARD_SCALAR -> {
                    for (int p = from; p < to; p++) {
                        adaptiveBackwardScalarPlane(p);
                    }
                }
                default -> throw new IllegalStateException("pooling job without an operation: " + op);
            }
        }

        private void max2x2Block(int from, int to) {
            if (flat) {
                max2x2Flat(g, x, xOff, y, yOff, argmax, amOff, from, to);
            } else if (wide) {
                max2x2FlatWide(g, x, xOff, y, yOff, argmax, amOff, from, to);
            } else {
                max2x2Planes(g, x, xOff, y, yOff, argmax, amOff, from, to);
            }
        }

        private void maxVectorBlock(int from, int to) {
            maxPlanesVector(g, x, xOff, y, yOff, argmax, amOff, from, to);
        }

        private void maxScalarPlane(int p) {
            maxPlane(g, x, xOff + p * in, y, yOff + p * out, argmax, amOff + p * out);
        }

        private void maxBackwardPlane(int p) {
            int xo = dxOff + p * in;
            int go = dyOff + p * out;
            int ao = amOff + p * out;
            if (!overlapping) {
                fill(dx, xo, in, 0f);
                for (int k = 0; k < out; k++) {
                    int a = argmax[ao + k];
                    if (a >= 0) {
                        dx[xo + a] = dy[go + k];
                    }
                }
                return;
            }
            if (g.in(0) == 1 && g.out(0) == 1) {
                maxBackwardRows(g, dy, go, argmax, ao, dx, xo);
                return;
            }
            // overlapping windows: accumulate in double and round once, as the reference does
            double[] acc = plane(in);
            for (int k = 0; k < out; k++) {
                int a = argmax[ao + k];
                if (a >= 0) { // a window with no real element routes nothing
                    acc[a] += dy[go + k];
                }
            }
            toFloat(acc, 0, dx, xo, in);
        }

        private void avgVectorBlock(int from, int to) {
            avgPlanesVector(g, countIncludePad, x, xOff, y, yOff, from, to);
        }

        private void avgScalarPlane(int p) {
            int xo = xOff + p * in;
            int yo = yOff + p * out;
            int[] b = BOUNDS.get();
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
        }

        private void avgBackwardVectorBlock(int from, int to) {
            avgBackwardPlanesVector(g, countIncludePad, dy, dyOff, dx, dxOff, from, to);
        }

        private void avgBackwardScalarPlane(int p) {
            int xo = dxOff + p * in;
            int go = dyOff + p * out;
            double[] acc = plane(in);
            int[] b = BOUNDS.get();
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
        }

        private void adaptiveVectorBlock(int from, int to) {
            avgPlanesVector(u, false, x, xOff, y, yOff, from, to);
        }

        private void adaptiveScalarPlane(int p) {
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
        }

        private void adaptiveBackwardVectorBlock(int from, int to) {
            avgBackwardPlanesVector(u, false, dy, dyOff, dx, dxOff, from, to);
        }

        private void adaptiveBackwardScalarPlane(int p) {
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
        }
    }

    /** PyTorch's max-pool update rule: a candidate replaces the best when it is greater or NaN. */
    static VectorMask<Float> takes(FloatVector v, FloatVector best) {
        return v.compare(VectorOperators.GT, best).or(v.test(VectorOperators.IS_NAN));
    }

    static boolean isFused2x2(PoolGeometry g) {
        return g.kernel(0) == 1 && g.kernel(1) == 2 && g.kernel(2) == 2 && g.stride(0) == 1 && g.stride(1) == 2
                && g.stride(2) == 2 && g.pad(0) == 0 && g.pad(1) == 0 && g.pad(2) == 0 && g.dilation(0) == 1
                && g.dilation(1) == 1 && g.dilation(2) == 1 && g.out(0) == g.in(0) && 2 * g.out(1) <= g.in(1)
                && 2 * g.out(2) <= g.in(2);
    }

    @Override
    public void maxForward(PoolGeometry g, float[] x, int xOff, float[] y, int yOff, int[] argmax, int amOff) {
        Job j = job();
        if (isFused2x2(g)) {
            boolean tiles = g.in(1) == 2 * g.out(1) && g.in(2) == 2 * g.out(2) && g.inSpatial() < (1 << 24);
            j.op = Job.MAX_2X2;
            j.flat = tiles && 2 * g.out(2) <= L;
            j.wide = tiles && !j.flat && g.out(2) <= L;
        } else {
            j.op = generalVector(g) ? Job.MAX_VECTOR : Job.MAX_SCALAR;
        }
        j.g = g;
        j.x = x;
        j.xOff = xOff;
        j.y = y;
        j.yOff = yOff;
        j.argmax = argmax;
        j.amOff = amOff;
        j.in = g.inSpatial();
        j.out = g.outSpatial();
        run(g.batch() * g.channels(), (long) g.inputSize(), j);
    }

    /**
     * Whether the vectorised general path serves {@code g}: flat indices within a plane stay exact in float
     * arithmetic (plane below 2^23 elements). Any kernel, stride, padding, dilation and rank otherwise.
     */
    static boolean generalVector(PoolGeometry g) {
        long span = (long) g.in(0) * g.in(1) * (g.in(2) + 2L * g.pad(2) + (long) g.stride(2) * (2 * L + 2)
                + (long) (g.kernel(2) - 1) * g.dilation(2));
        return span < (1 << 23);
    }

    private static final ThreadLocal<float[][]> GSCRATCH = ThreadLocal.withInitial(() -> new float[2][64]);

    private static float[] gScratch(int which, int n) {
        float[][] h = GSCRATCH.get();
        if (h[which].length < n) {
            h[which] = new float[Math.max(n, 2 * h[which].length)];
        }
        return h[which];
    }

    /** Lane index times {@code s} as floats (0, s, 2s, ...). */
    private static FloatVector iotaTimes(int s) {
        return ((FloatVector) IntVector.zero(I).addIndex(1).convert(VectorOperators.I2F, 0)).mul((float) s);
    }

    /**
     * Length of one phase row of a width-{@code inW} row for the vector pooling loops: every output block of
     * {@code lanes} reads {@code lanes} consecutive entries starting at {@code ow0 + q}, {@code q <= (k-1)d/s}.
     */
    static int phaseWidth(PoolGeometry g, int lanes) {
        int outW = g.out(2);
        int blocks = (outW + lanes - 1) / lanes;
        return blocks * lanes + ((g.kernel(2) - 1) * g.dilation(2)) / g.stride(2) + 1;
    }

    /**
     * Splits each input row of a plane into its {@code s} stride phases along the width, padded with {@code fill}:
     * phase {@code r} of row {@code row} holds, at {@code j}, the padded row's column {@code s*j + r} (input column
     * {@code s*j + r - pad}), at {@code ph[(row*s + r)*pw + j]}. A window tap at padded column
     * {@code s*ow + t} is then phase {@code t % s}, entry {@code ow + t / s}: consecutive outputs read consecutive
     * entries, one full-vector load per tap for any stride.
     */
    static void buildPhases(float[] x, int xo, int rows, int inW, int s, int pad, int pw, float fill, float[] ph) {
        buildPhases(x, xo, rows, inW, s, pad, pw, fill, ph, true);
    }

    /**
     * As above; with {@code borders == false} only the entries that hold input are written (the padding entries
     * are the same for every plane, callers fill the whole buffer once).
     */
    static void buildPhases(float[] x, int xo, int rows, int inW, int s, int pad, int pw, float fill, float[] ph,
            boolean borders) {
        for (int row = 0; row < rows; row++) {
            int src = xo + row * inW;
            for (int r = 0; r < s; r++) {
                int dst = (row * s + r) * pw;
                // entries j with 0 <= s*j + r - pad < inW are input; the rest padding
                int jLo = Math.max(0, Math.ceilDiv(pad - r, s));
                int jHi = Math.min(pw, Math.max(jLo, Math.ceilDiv(inW + pad - r, s)));
                for (int j = 0; borders && j < jLo; j++) {
                    ph[dst + j] = fill;
                }
                int first = src + s * jLo + r - pad;
                if (s == 1) {
                    System.arraycopy(x, first, ph, dst + jLo, jHi - jLo);
                } else {
                    int j = jLo;
                    if (s == 2) {
                        FloatVector even = FloatVector.fromArray(F, EVEN_IDX, 0);
                        // a full pair of vectors: input columns up to first + 2(j - jLo) + 2L - 1
                        int jEnd = jHi;
                        while (jEnd > jLo && first + 2 * (jEnd - jLo) + 1 > x.length) {
                            jEnd--; // the last entries of the array: a pair of vectors would read past its end
                        }
                        if (jEnd - jLo >= L) {
                            for (;; j += L) {
                                int jj = Math.min(j, jEnd - L); // the last block shifted back, rewriting a few
                                int a = first + 2 * (jj - jLo);
                                FloatVector v0 = FloatVector.fromArray(F, x, a);
                                FloatVector v1 = FloatVector.fromArray(F, x, a + L);
                                even.selectFrom(v0, v1).intoArray(ph, dst + jj);
                                if (jj + L >= jEnd) {
                                    j = jEnd;
                                    break;
                                }
                            }
                        }
                    }
                    for (; j < jHi; j++) {
                        ph[dst + j] = x[first + s * (j - jLo)];
                    }
                }
                for (int j = jHi; borders && j < pw; j++) {
                    ph[dst + j] = fill;
                }
            }
        }
    }

    /**
     * General max pooling with the lanes along the output row. Each plane's rows are first split into stride
     * phases padded with minus infinity ({@link #buildPhases}); a block of outputs then scans the window taps in
     * PyTorch's order (depth, height, width; rows outside the input skipped as the scalar loop does), taking a tap
     * where it is greater than the running maximum or NaN, and records the tap's offset from the window origin.
     * Starting from minus infinity instead of the first real element differs from PyTorch only in the index of a
     * window whose real elements are all minus infinity (or that has none): such lanes come out with a negative
     * index and are recomputed by the scalar loop. Output blocks are full vectors; the last block of a row is
     * shifted back to end at the row's end (recomputing a few outputs identically), rows shorter than a vector go
     * through a scratch row.
     */
    static void maxPlanesVector(PoolGeometry g, float[] x, int xOff, float[] y, int yOff, int[] am, int amOff,
            int fromPlane, int toPlane) {
        int inD = g.in(0);
        int inH = g.in(1);
        int inW = g.in(2);
        int outD = g.out(0);
        int outH = g.out(1);
        int outW = g.out(2);
        int s = g.stride(2);
        int pw = phaseWidth(g, L);
        int rows = inD * inH;
        int inPlane = g.inSpatial();
        int outPlane = g.outSpatial();
        float[] ph = gScratch(0, rows * s * pw);
        float[] tmp = gScratch(1, 2 * L);
        int[] itmp = intScratch(L);
        FloatVector laneCol = iotaTimes(s);
        FloatVector ninf = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
        FloatVector sentinel = FloatVector.broadcast(F, -(float) (1 << 24));
        // lanes that are outputs (rows shorter than a vector), by a float compare: not F.indexInRange, whose
        // shared branch profile (full range here, partial in other kernels' tails) made C2 box masks elsewhere
        VectorMask<Float> valid = iotaTimes(1).compare(VectorOperators.LT, (float) Math.min(outW, L));
        int[] tapPos = tapPositions(g, pw);
        int kD = g.kernel(0);
        int kH = g.kernel(1);
        int kW = g.kernel(2);
        int dD = g.dilation(0);
        int dH = g.dilation(1);
        int dW = g.dilation(2);
        java.util.Arrays.fill(ph, 0, rows * s * pw, Float.NEGATIVE_INFINITY);
        for (int plane = fromPlane; plane < toPlane; plane++) {
            int xo = xOff + plane * inPlane;
            buildPhases(x, xo, rows, inW, s, g.pad(2), pw, Float.NEGATIVE_INFINITY, ph, false);
            int yo = yOff + plane * outPlane;
            int ao = amOff + plane * outPlane;
            for (int od = 0; od < outD; od++) {
                int d0 = od * g.stride(0) - g.pad(0);
                for (int oh = 0; oh < outH; oh++) {
                    int h0 = oh * g.stride(1) - g.pad(1);
                    float rowOrigin = (float) d0 * inH * inW + (float) h0 * inW - g.pad(2);
                    int orow = (od * outH + oh) * outW;
                    for (int ow0 = 0; ow0 < outW; ow0 += L) {
                        int ob = outW >= L ? Math.min(ow0, outW - L) : 0;
                        FloatVector best = ninf;
                        FloatVector off = sentinel;
                        for (int kd = 0; kd < kD; kd++) {
                            int id = d0 + kd * dD;
                            if (id < 0 || id >= inD) {
                                continue;
                            }
                            for (int kh = 0; kh < kH; kh++) {
                                int ih = h0 + kh * dH;
                                if (ih < 0 || ih >= inH) {
                                    continue;
                                }
                                int rowBase = (id * inH + ih) * s * pw + ob;
                                float rowOff = (float) (kd * dD) * inH * inW + (float) (kh * dH) * inW;
                                for (int kw = 0; kw < kW; kw++) {
                                    FloatVector v = FloatVector.fromArray(F, ph, rowBase + tapPos[kw]);
                                    VectorMask<Float> m = takes(v, best);
                                    best = best.blend(v, m);
                                    off = off.blend(rowOff + kw * dW, m);
                                }
                            }
                        }
                        FloatVector idx = off.add(laneCol.add(rowOrigin + (float) ob * s));
                        IntVector ii = (IntVector) idx.convert(VectorOperators.F2I, 0);
                        boolean fix = idx.compare(VectorOperators.LT, 0f).and(valid).anyTrue();
                        if (outW >= L) {
                            best.intoArray(y, yo + orow + ob);
                            if (am != null) {
                                ii.intoArray(am, ao + orow + ob);
                            }
                            if (fix) {
                                fixLanes(g, x, xo, y, yo, am, ao, od, oh, ob, L);
                            }
                        } else {
                            best.intoArray(tmp, 0);
                            ii.intoArray(itmp, 0);
                            System.arraycopy(tmp, 0, y, yo + orow, outW);
                            if (am != null) {
                                System.arraycopy(itmp, 0, am, ao + orow, outW);
                            }
                            if (fix) {
                                fixLanes(g, x, xo, y, yo, am, ao, od, oh, 0, outW);
                            }
                        }
                    }
                }
            }
        }
    }

    private static final ThreadLocal<int[]> TAPS = ThreadLocal.withInitial(() -> new int[16]);

    /** Per width tap {@code kw}: its entry offset {@code (t % s) * pw + t / s} in the phase rows, t = kw*dilation. */
    static int[] tapPositions(PoolGeometry g, int pw) {
        int k = g.kernel(2);
        int[] t = TAPS.get();
        if (t.length < k) {
            t = new int[Math.max(k, 2 * t.length)];
            TAPS.set(t);
        }
        int s = g.stride(2);
        for (int kw = 0; kw < k; kw++) {
            int tap = kw * g.dilation(2);
            t[kw] = (tap % s) * pw + tap / s;
        }
        return t;
    }

    /** Recomputes with the scalar rule the outputs of a block whose index came out negative. */
    private static void fixLanes(PoolGeometry g, float[] x, int xo, float[] y, int yo, int[] am, int ao, int od,
            int oh, int ow0, int n) {
        int orow = (od * g.out(1) + oh) * g.out(2);
        for (int ow = ow0; ow < ow0 + n; ow++) {
            int best = maxOne(g, x, xo, od, oh, ow);
            if (am != null) {
                am[ao + orow + ow] = best;
            }
            y[yo + orow + ow] = best >= 0 ? x[xo + best] : Float.NEGATIVE_INFINITY;
        }
    }

    /** The scalar rule for one output: the flat index of the winner, or -1 for a window without input. */
    private static int maxOne(PoolGeometry g, float[] x, int xo, int od, int oh, int ow) {
        int inD = g.in(0);
        int inH = g.in(1);
        int inW = g.in(2);
        int best = -1;
        float max = Float.NEGATIVE_INFINITY;
        for (int kd = 0; kd < g.kernel(0); kd++) {
            int id = od * g.stride(0) - g.pad(0) + kd * g.dilation(0);
            if (id < 0 || id >= inD) {
                continue;
            }
            for (int kh = 0; kh < g.kernel(1); kh++) {
                int ih = oh * g.stride(1) - g.pad(1) + kh * g.dilation(1);
                if (ih < 0 || ih >= inH) {
                    continue;
                }
                for (int kw = 0; kw < g.kernel(2); kw++) {
                    int iw = ow * g.stride(2) - g.pad(2) + kw * g.dilation(2);
                    if (iw < 0 || iw >= inW) {
                        continue;
                    }
                    int idx = (id * inH + ih) * inW + iw;
                    float v = x[xo + idx];
                    if (best < 0 || v > max || v != v) {
                        max = v;
                        best = idx;
                    }
                }
            }
        }
        return best;
    }

    private static final ThreadLocal<float[][]> FSCRATCH = ThreadLocal.withInitial(() -> new float[2][64]);
    private static final ThreadLocal<int[][]> ISCRATCH = ThreadLocal.withInitial(() -> new int[1][64]);

    private static float[] floatScratch(int which, int n) {
        float[][] h = FSCRATCH.get();
        if (h[which].length < n) {
            h[which] = new float[Math.max(n, 2 * h[which].length)];
        }
        return h[which];
    }

    private static int[] intScratch(int n) {
        int[][] h = ISCRATCH.get();
        if (h[0].length < n) {
            h[0] = new int[Math.max(n, 2 * h[0].length)];
        }
        return h[0];
    }

    /**
     * The fused 2x2 stride-2 max pool of one plane (depth planes of a 3d input included). No masks: every load is
     * a full vector (reading past the end of a row is harmless; rows at the very end of {@code x} are first copied
     * to a padded scratch row), results go with full-vector stores to a per-thread scratch plane whose spill-over
     * lanes are overwritten by the next row or land in padding, and the plane is copied out at the end.
     */
    static void max2x2Planes(PoolGeometry g, float[] x, int xOff, float[] y, int yOff, int[] am, int amOff,
            int fromPlane, int toPlane) {
        int inH = g.in(1);
        int inW = g.in(2);
        int outH = g.out(1);
        int outW = g.out(2);
        int outPlane = g.outSpatial();
        float[] ys = floatScratch(0, outPlane + 2 * L);
        int[] as = am == null ? null : intScratch(outPlane + 2 * L);
        FloatVector even = FloatVector.fromArray(F, EVEN_IDX, 0);
        FloatVector odd = FloatVector.fromArray(F, ODD_IDX, 0);
        FloatVector iota2 = FloatVector.fromArray(F, EVEN_IDX, 0);
        int span = 2 * outW; // input columns used per row
        boolean two = span > L; // a second input vector per step is needed
        int readLen = two ? (span + 2 * L - 1) / (2 * L) * (2 * L) : L;
        boolean pairs = 2 * outW <= L; // two output rows fit one vector
        FloatVector pe = null;
        FloatVector po = null;
        FloatVector pcol = null;
        if (pairs) {
            // lane k < outW: row pair 0, column 2k; lane k >= outW: row pair 1 (second vector), column 2(k - outW)
            float[] t = floatScratch(1, 3 * L);
            for (int k = 0; k < L; k++) {
                boolean second = k >= outW && k < 2 * outW;
                int c = second ? 2 * (k - outW) : Math.min(2 * k, L - 2);
                t[k] = second ? L + c : c;
                t[L + k] = t[k] + 1;
                t[2 * L + k] = second ? c + 2 * inW : c;
            }
            pe = FloatVector.fromArray(F, t, 0);
            po = FloatVector.fromArray(F, t, L);
            pcol = FloatVector.fromArray(F, t, 2 * L);
        }
        int inPlane = g.inSpatial();
        for (int plane = fromPlane; plane < toPlane; plane++) {
            int xo = xOff + plane * inPlane;
            for (int d = 0; d < g.out(0); d++) {
                int xd = xo + d * inH * inW;
                int oh = 0;
                if (pairs) {
                    // two output rows per step: rows 2oh, 2oh+1 in the low lanes, 2oh+2, 2oh+3 in the high lanes
                    for (; oh + 1 < outH; oh += 2) {
                        int r0 = xd + 2 * oh * inW;
                        if (r0 + 3 * inW + L > x.length) {
                            break; // the last rows of the array: the single-row path copies them to a padded buffer
                        }
                        FloatVector a0 = FloatVector.fromArray(F, x, r0);
                        FloatVector b0 = FloatVector.fromArray(F, x, r0 + inW);
                        FloatVector a1 = FloatVector.fromArray(F, x, r0 + 2 * inW);
                        FloatVector b1 = FloatVector.fromArray(F, x, r0 + 3 * inW);
                        int o = (d * outH + oh) * outW;
                        FloatVector a00 = pe.selectFrom(a0, a1);
                        FloatVector a01 = po.selectFrom(a0, a1);
                        FloatVector a10 = pe.selectFrom(b0, b1);
                        FloatVector a11 = po.selectFrom(b0, b1);
                        VectorMask<Float> w0 = takes(a01, a00);
                        FloatVector top = a00.blend(a01, w0);
                        VectorMask<Float> w1 = takes(a11, a10);
                        FloatVector bot = a10.blend(a11, w1);
                        VectorMask<Float> wb = takes(bot, top);
                        top.blend(bot, wb).intoArray(ys, o);
                        if (as != null) {
                            FloatVector col = pcol.add((d * inH + 2 * oh) * inW);
                            FloatVector idx = col.add(FloatVector.zero(F).blend(1f, w0))
                                    .blend(col.add(FloatVector.zero(F).blend(1f, w1)).add(inW), wb);
                            ((IntVector) idx.convert(VectorOperators.F2I, 0)).intoArray(as, o);
                        }
                    }
                }
                for (; oh < outH; oh++) {
                    float[] src = x;
                    int r0 = xd + 2 * oh * inW;
                    int r1 = r0 + inW;
                    if (r1 + readLen > x.length) {
                        float[] buf = floatScratch(1, 2 * readLen);
                        java.util.Arrays.fill(buf, 0, 2 * readLen, 0f);
                        System.arraycopy(x, r0, buf, 0, span);
                        System.arraycopy(x, r1, buf, readLen, span);
                        src = buf;
                        r0 = 0;
                        r1 = readLen;
                    }
                    int yr = (d * outH + oh) * outW;
                    float base = (d * inH + 2 * oh) * inW; // flat index of the row's first window within the plane
                    for (int j = 0; j < span; j += 2 * L) {
                        FloatVector a0 = FloatVector.fromArray(F, src, r0 + j);
                        FloatVector b0 = FloatVector.fromArray(F, src, r1 + j);
                        FloatVector a1 = two ? FloatVector.fromArray(F, src, r0 + j + L) : a0;
                        FloatVector b1 = two ? FloatVector.fromArray(F, src, r1 + j + L) : b0;
                        FloatVector a00 = even.selectFrom(a0, a1);
                        FloatVector a01 = odd.selectFrom(a0, a1);
                        FloatVector a10 = even.selectFrom(b0, b1);
                        FloatVector a11 = odd.selectFrom(b0, b1);
                        // PyTorch's update rule in its scan order: take v when v > best or v is NaN
                        VectorMask<Float> w0 = takes(a01, a00);
                        FloatVector top = a00.blend(a01, w0);
                        VectorMask<Float> w1 = takes(a11, a10);
                        FloatVector bot = a10.blend(a11, w1);
                        VectorMask<Float> wb = takes(bot, top);
                        int o = yr + (j >> 1);
                        top.blend(bot, wb).intoArray(ys, o);
                        if (as != null) {
                            // indices as floats (exact below 2^24): column offset 0/1 and row offset 0/inW
                            FloatVector col = iota2.add(base + j);
                            FloatVector idx = col.add(FloatVector.zero(F).blend(1f, w0))
                                    .blend(col.add(FloatVector.zero(F).blend(1f, w1)).add(inW), wb);
                            ((IntVector) idx.convert(VectorOperators.F2I, 0)).intoArray(as, o);
                        }
                    }
                }
            }
            System.arraycopy(ys, 0, y, yOff + plane * outPlane, outPlane);
            if (am != null) {
                System.arraycopy(as, 0, am, amOff + plane * outPlane, outPlane);
            }
        }
    }

    /**
     * The fused 2x2 stride-2 max pool of small maps ({@code 2*outW <= L}) that tile their input exactly: a block of
     * planes is then one sequence of row pairs, so two output rows (possibly of two planes) come from one step of
     * four full-vector loads, with no per-plane setup and the results stored straight into {@code y} and the
     * indices (full vectors; the lanes past the two rows are overwritten by the next step). The last steps of the
     * block, whose stores or loads would pass the block's or the array's end, take the scalar rule.
     */
    static void max2x2Flat(PoolGeometry g, float[] x, int xOff, float[] y, int yOff, int[] am, int amOff,
            int fromPlane, int toPlane) {
        int inW = g.in(2);
        int outW = g.out(2);
        int rpp = g.out(0) * g.out(1); // output rows per plane; input row of plane-relative output row r is 2r
        int rows = (toPlane - fromPlane) * rpp;
        int xb = xOff + fromPlane * g.inSpatial();
        int yb = yOff + fromPlane * g.outSpatial();
        int ab = amOff + fromPlane * g.outSpatial();
        int end = rows * outW;
        float[] t = floatScratch(1, 4 * L);
        for (int k = 0; k < L; k++) {
            boolean second = k >= outW && k < 2 * outW;
            int c = second ? 2 * (k - outW) : Math.min(2 * k, L - 2);
            t[k] = second ? L + c : c;
            t[L + k] = t[k] + 1;
            t[2 * L + k] = c;
            t[3 * L + k] = second ? 1f : 0f;
        }
        FloatVector pe = FloatVector.fromArray(F, t, 0);
        FloatVector po = FloatVector.fromArray(F, t, L);
        FloatVector pcol = FloatVector.fromArray(F, t, 2 * L);
        VectorMask<Float> hiLanes = FloatVector.fromArray(F, t, 3 * L).compare(VectorOperators.NE, 0f);
        FloatVector one = FloatVector.broadcast(F, 1f);
        FloatVector zero = FloatVector.zero(F);
        int r = 0;
        int rho = 0; // plane-relative output row of r
        for (; r + 1 < rows; r += 2) {
            int r0 = xb + 2 * r * inW;
            int o = r * outW;
            if (r0 + 3 * inW + L > x.length || o + L > end) {
                break;
            }
            FloatVector a0 = FloatVector.fromArray(F, x, r0);
            FloatVector b0 = FloatVector.fromArray(F, x, r0 + inW);
            FloatVector a1 = FloatVector.fromArray(F, x, r0 + 2 * inW);
            FloatVector b1 = FloatVector.fromArray(F, x, r0 + 3 * inW);
            FloatVector a00 = pe.selectFrom(a0, a1);
            FloatVector a01 = po.selectFrom(a0, a1);
            FloatVector a10 = pe.selectFrom(b0, b1);
            FloatVector a11 = po.selectFrom(b0, b1);
            VectorMask<Float> w0 = takes(a01, a00);
            FloatVector top = a00.blend(a01, w0);
            VectorMask<Float> w1 = takes(a11, a10);
            FloatVector bot = a10.blend(a11, w1);
            VectorMask<Float> wb = takes(bot, top);
            top.blend(bot, wb).intoArray(y, yb + o);
            int rho2 = rho + 1 == rpp ? 0 : rho + 1;
            if (am != null) {
                FloatVector col = pcol.add(FloatVector.broadcast(F, 2f * rho * inW)
                        .blend(2f * rho2 * inW, hiLanes));
                FloatVector idx = col.add(zero.blend(one, w0)).blend(col.add(zero.blend(one, w1)).add(inW), wb);
                ((IntVector) idx.convert(VectorOperators.F2I, 0)).intoArray(am, ab + o);
            }
            rho = rho2 + 1 == rpp ? 0 : rho2 + 1;
        }
        max2x2Rows(x, xb, inW, outW, rpp, r, rows, rho, y, yb, am, ab);
    }

    /**
     * The fused 2x2 stride-2 max pool of maps one output row of which fits a vector ({@code L < 2*outW <= 2L},
     * e.g. 28x28 at 16 lanes) and that tile their input exactly: a block of planes is one sequence of output rows,
     * each from four full-vector loads (two per input row; lanes past the row read the next row, harmlessly), with
     * the values and indices stored straight into {@code y} and {@code am} as full vectors whose lanes past the row
     * the next row overwrites. The last rows of the block, whose stores would pass the block's end (another
     * thread's rows) or whose loads would pass the array's end, take the scalar rule. No scratch plane, no copy.
     */
    static void max2x2FlatWide(PoolGeometry g, float[] x, int xOff, float[] y, int yOff, int[] am, int amOff,
            int fromPlane, int toPlane) {
        int inW = g.in(2);
        int outW = g.out(2);
        int rpp = g.out(0) * g.out(1); // output rows per plane; input row of plane-relative output row r is 2r
        int rows = (toPlane - fromPlane) * rpp;
        int xb = xOff + fromPlane * g.inSpatial();
        int yb = yOff + fromPlane * g.outSpatial();
        int ab = amOff + fromPlane * g.outSpatial();
        int end = rows * outW;
        FloatVector even = FloatVector.fromArray(F, EVEN_IDX, 0);
        FloatVector odd = FloatVector.fromArray(F, ODD_IDX, 0);
        FloatVector one = FloatVector.broadcast(F, 1f);
        FloatVector zero = FloatVector.zero(F);
        int r = 0;
        int rho = 0; // plane-relative output row of r
        for (; r < rows; r++) {
            int r0 = xb + 2 * r * inW;
            int o = r * outW;
            if (r0 + inW + 2 * L > x.length || o + L > end) {
                break;
            }
            FloatVector a0 = FloatVector.fromArray(F, x, r0);
            FloatVector a1 = FloatVector.fromArray(F, x, r0 + L);
            FloatVector b0 = FloatVector.fromArray(F, x, r0 + inW);
            FloatVector b1 = FloatVector.fromArray(F, x, r0 + inW + L);
            FloatVector a00 = even.selectFrom(a0, a1);
            FloatVector a01 = odd.selectFrom(a0, a1);
            FloatVector a10 = even.selectFrom(b0, b1);
            FloatVector a11 = odd.selectFrom(b0, b1);
            // PyTorch's update rule in its scan order: take v when v > best or v is NaN
            VectorMask<Float> w0 = takes(a01, a00);
            FloatVector top = a00.blend(a01, w0);
            VectorMask<Float> w1 = takes(a11, a10);
            FloatVector bot = a10.blend(a11, w1);
            VectorMask<Float> wb = takes(bot, top);
            top.blend(bot, wb).intoArray(y, yb + o);
            if (am != null) {
                // indices as floats (exact below 2^24): column offset 0/1 and row offset 0/inW
                FloatVector col = even.add(2f * rho * inW);
                FloatVector idx = col.add(zero.blend(one, w0)).blend(col.add(zero.blend(one, w1)).add(inW), wb);
                ((IntVector) idx.convert(VectorOperators.F2I, 0)).intoArray(am, ab + o);
            }
            rho = rho + 1 == rpp ? 0 : rho + 1;
        }
        max2x2Rows(x, xb, inW, outW, rpp, r, rows, rho, y, yb, am, ab);
    }

    /**
     * Output rows {@code [r, rows)} of a block of the flat fused 2x2 max pool by the scalar rule (the rows whose
     * full-vector loads or stores would pass the array's or the block's end); {@code rho} is row {@code r}'s row
     * within its plane, {@code rpp} the output rows per plane.
     */
    private static void max2x2Rows(float[] x, int xb, int inW, int outW, int rpp, int r, int rows, int rho, float[] y,
            int yb, int[] am, int ab) {
        for (; r < rows; r++) {
            int rowIn = xb + 2 * r * inW;
            for (int ow = 0; ow < outW; ow++) {
                int p = rowIn + 2 * ow;
                int best = 0;
                float max = x[p];
                for (int i = 1; i < 4; i++) { // scan order: (0,0), (0,1), (1,0), (1,1)
                    int q = (i >> 1) * inW + (i & 1);
                    float v = x[p + q];
                    if (v > max || v != v) {
                        max = v;
                        best = q;
                    }
                }
                y[yb + r * outW + ow] = max;
                if (am != null) {
                    am[ab + r * outW + ow] = 2 * rho * inW + 2 * ow + best;
                }
            }
            rho = rho + 1 == rpp ? 0 : rho + 1;
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
                    int best = -1; // -1 for a window with no real element (all padding), as the reference
                    float max = Float.NEGATIVE_INFINITY;
                    for (int d = d0; d < d1; d += g.dilation(0)) {
                        for (int h = h0; h < h1; h += g.dilation(1)) {
                            int row = (d * inH + h) * inW;
                            for (int w = w0; w < w1; w += g.dilation(2)) {
                                float v = x[xo + row + w];
                                if (best < 0 || v > max || Float.isNaN(v)) {
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
        Job j = job();
        j.op = Job.MAX_BACKWARD;
        j.g = g;
        j.dy = dy;
        j.dyOff = dyOff;
        j.dx = dx;
        j.dxOff = dxOff;
        j.argmax = argmax;
        j.amOff = amOff;
        j.in = in;
        j.out = out;
        j.overlapping = overlapping;
        run(g.batch() * g.channels(), (long) g.inputSize(), j);
    }

    private static final VectorSpecies<Double> D =
            VectorSpecies.of(double.class, VectorShape.forBitSize(F.vectorBitSize()));
    private static final int DL = D.length();

    /** Lanes {@code >= DL}: the upper half of a float vector. */
    private static VectorMask<Float> upperHalf() {
        return iotaTimes(1).compare(VectorOperators.GE, (float) DL);
    }

    /**
     * Two double vectors rounded to one float vector (lo in the lower lanes). Only full-width float vectors are
     * used in this class: a half-width float species flowing through the shared {@code FloatVector} methods made
     * C2 box vectors in other kernels (seen as allocations in the conv kernels' steady state).
     */
    static FloatVector toFloat(DoubleVector lo, DoubleVector hi, VectorMask<Float> upper) {
        FloatVector a = (FloatVector) lo.convertShape(VectorOperators.D2F, F, 0);
        FloatVector b = (FloatVector) hi.convertShape(VectorOperators.D2F, F, -1);
        return a.blend(b, upper);
    }

    /** {@code dst[do + i] = (float) src[so + i]} for {@code i < n}: full vectors and a scalar tail. */
    static void toFloat(double[] src, int so, float[] dst, int dOff, int n) {
        int i = 0;
        if (2 * DL == L && n >= L) {
            VectorMask<Float> upper = upperHalf();
            for (int ub = n - L; i <= ub; i += L) {
                toFloat(DoubleVector.fromArray(D, src, so + i), DoubleVector.fromArray(D, src, so + i + DL), upper)
                        .intoArray(dst, dOff + i);
            }
        }
        for (; i < n; i++) {
            dst[dOff + i] = (float) src[so + i];
        }
    }

    private static final ThreadLocal<double[][]> ROWS = ThreadLocal.withInitial(() -> new double[1][64]);

    /**
     * Max backward of one 1d/2d plane with overlapping windows, exactly as the reference (each input element's
     * contributions summed in double in output order, rounded once), but with the double accumulator holding only
     * the input rows the current output row's windows touch (a few rows, in L1): rows no later window reaches are
     * rounded into {@code dx} and dropped as the output rows advance; rows no window reaches get zeros.
     */
    static void maxBackwardRows(PoolGeometry g, float[] dy, int go, int[] am, int ao, float[] dx, int xo) {
        int inH = g.in(1);
        int inW = g.in(2);
        int outH = g.out(1);
        int outW = g.out(2);
        int s = g.stride(1);
        int pad = g.pad(1);
        int span = (g.kernel(1) - 1) * g.dilation(1) + 1;
        double[][] h = ROWS.get();
        if (h[0].length < span * inW) {
            h[0] = new double[Math.max(span * inW, 2 * h[0].length)];
        }
        double[] acc = h[0];
        int lo = 0; // acc holds input rows [lo, hi)
        int hi = 0;
        int k = 0;
        for (int oh = 0; oh < outH; oh++) {
            int need = Math.min(inH, oh * s - pad + span);
            if (need > hi) {
                java.util.Arrays.fill(acc, (hi - lo) * inW, (need - lo) * inW, 0.0);
                hi = need;
            }
            int base = lo * inW;
            for (int end = k + outW; k < end; k++) {
                int a = am[ao + k];
                if (a >= 0) { // a window with no real element routes nothing
                    acc[a - base] += dy[go + k];
                }
            }
            int next = oh + 1 < outH ? Math.min(inH, Math.max(0, (oh + 1) * s - pad)) : inH;
            int f = Math.min(next, hi);
            if (f > lo) {
                toFloat(acc, 0, dx, xo + lo * inW, (f - lo) * inW);
                System.arraycopy(acc, (f - lo) * inW, acc, 0, (hi - f) * inW);
                lo = f;
            }
            if (next > hi) {
                fill(dx, xo + hi * inW, (next - hi) * inW, 0f);
                lo = next;
                hi = next;
            }
        }
    }

    private static final ThreadLocal<int[]> BOUNDS = ThreadLocal.withInitial(() -> new int[6]);
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
        Job j = job();
        j.op = avgVector(g) ? Job.AVG_VECTOR : Job.AVG_SCALAR;
        j.g = g;
        j.x = x;
        j.xOff = xOff;
        j.y = y;
        j.yOff = yOff;
        j.in = g.inSpatial();
        j.out = g.outSpatial();
        j.countIncludePad = countIncludePad;
        run(g.batch() * g.channels(), (long) g.inputSize(), j);
    }

    /** Whether every window of every dimension holds a real input element (always so under PyTorch's rules). */
    static boolean avgVector(PoolGeometry g) {
        if (g.dilation(0) != 1 || g.dilation(1) != 1 || g.dilation(2) != 1) {
            return false;
        }
        for (int i = 0; i < 3; i++) {
            for (int o = 0; o < g.out(i); o++) {
                int st = o * g.stride(i) - g.pad(i);
                int e = Math.min(st + g.kernel(i), g.in(i) + g.pad(i));
                if (Math.min(e, g.in(i)) <= Math.max(st, 0)) {
                    return false;
                }
            }
        }
        return true;
    }

    private static final ThreadLocal<double[]> WDIV = ThreadLocal.withInitial(() -> new double[64]);

    /** Per output column: the width factor of the divisor (padded window size or real element count). */
    private static double[] widthDivisors(PoolGeometry g, boolean countIncludePad, int extra) {
        int outW = g.out(2);
        double[] w = WDIV.get();
        if (w.length < outW + extra) {
            w = new double[Math.max(outW + extra, 2 * w.length)];
            WDIV.set(w);
        }
        for (int ow = 0; ow < outW; ow++) {
            int st = ow * g.stride(2) - g.pad(2);
            int e = Math.min(st + g.kernel(2), g.in(2) + g.pad(2));
            w[ow] = countIncludePad ? e - st : Math.min(e, g.in(2)) - Math.max(st, 0);
        }
        java.util.Arrays.fill(w, outW, outW + extra, 1.0);
        return w;
    }

    /**
     * Average pooling with the lanes along the output row, equal to the reference bit for bit: each lane sums its
     * window in double in the reference's order (depth, height, width; rows outside the input skipped), the padding
     * columns of the zero-padded stride phases adding +0.0, which changes no sum (a sum that starts at +0.0 is never
     * -0.0); the divisor is the same integer, the quotient is taken in double and rounded once.
     */
    static void avgPlanesVector(PoolGeometry g, boolean countIncludePad, float[] x, int xOff, float[] y, int yOff,
            int fromPlane, int toPlane) {
        int inD = g.in(0);
        int inH = g.in(1);
        int inW = g.in(2);
        int outD = g.out(0);
        int outH = g.out(1);
        int outW = g.out(2);
        int s = g.stride(2);
        int pw = phaseWidth(g, L);
        int rows = inD * inH;
        int inPlane = g.inSpatial();
        int outPlane = g.outSpatial();
        float[] ph = gScratch(0, rows * s * pw);
        float[] tmp = gScratch(1, 2 * L);
        int[] tapPos = tapPositions(g, pw);
        double[] wdiv = widthDivisors(g, countIncludePad, L);
        int kW = g.kernel(2);
        VectorMask<Float> upper = upperHalf();
        java.util.Arrays.fill(ph, 0, rows * s * pw, 0f);
        for (int plane = fromPlane; plane < toPlane; plane++) {
            int xo = xOff + plane * inPlane;
            buildPhases(x, xo, rows, inW, s, g.pad(2), pw, 0f, ph, false);
            int yo = yOff + plane * outPlane;
            for (int od = 0; od < outD; od++) {
                int ds = od * g.stride(0) - g.pad(0);
                int de = Math.min(ds + g.kernel(0), inD + g.pad(0));
                int d0 = Math.max(ds, 0);
                int d1 = Math.min(de, inD);
                for (int oh = 0; oh < outH; oh++) {
                    int hs = oh * g.stride(1) - g.pad(1);
                    int he = Math.min(hs + g.kernel(1), inH + g.pad(1));
                    int h0 = Math.max(hs, 0);
                    int h1 = Math.min(he, inH);
                    double dh = countIncludePad ? (double) ((long) (de - ds) * (he - hs))
                            : (double) ((long) (d1 - d0) * (h1 - h0));
                    int orow = yo + (od * outH + oh) * outW;
                    for (int ow0 = 0; ow0 < outW; ow0 += L) {
                        int ob = outW >= L ? Math.min(ow0, outW - L) : 0;
                        DoubleVector lo = DoubleVector.zero(D);
                        DoubleVector hi = DoubleVector.zero(D);
                        for (int d = d0; d < d1; d++) {
                            for (int h = h0; h < h1; h++) {
                                int rowBase = (d * inH + h) * s * pw + ob;
                                for (int kw = 0; kw < kW; kw++) {
                                    FloatVector v = FloatVector.fromArray(F, ph, rowBase + tapPos[kw]);
                                    lo = lo.add(v.convertShape(VectorOperators.F2D, D, 0));
                                    hi = hi.add(v.convertShape(VectorOperators.F2D, D, 1));
                                }
                            }
                        }
                        DoubleVector divLo = DoubleVector.fromArray(D, wdiv, ob).mul(dh);
                        DoubleVector divHi = DoubleVector.fromArray(D, wdiv, ob + DL).mul(dh);
                        FloatVector r = toFloat(lo.div(divLo), hi.div(divHi), upper);
                        if (outW >= L) {
                            r.intoArray(y, orow + ob);
                        } else {
                            r.intoArray(tmp, 0);
                            System.arraycopy(tmp, 0, y, orow, outW);
                        }
                    }
                }
            }
        }
    }

    @Override
    public void avgBackward(PoolGeometry g, boolean countIncludePad, float[] dy, int dyOff, float[] dx, int dxOff) {
        Job j = job();
        j.op = avgVector(g) ? Job.AVG_BACKWARD_VECTOR : Job.AVG_BACKWARD_SCALAR;
        j.g = g;
        j.dy = dy;
        j.dyOff = dyOff;
        j.dx = dx;
        j.dxOff = dxOff;
        j.in = g.inSpatial();
        j.out = g.outSpatial();
        j.countIncludePad = countIncludePad;
        run(g.batch() * g.channels(), (long) g.inputSize(), j);
    }

    private static final ThreadLocal<double[][]> DSCRATCH = ThreadLocal.withInitial(() -> new double[2][64]);

    private static double[] dScratch(int which, int n) {
        double[][] h = DSCRATCH.get();
        if (h[which].length < n) {
            h[which] = new double[Math.max(n, 2 * h[which].length)];
        }
        return h[which];
    }

    /**
     * Average backward with the lanes along the output row, equal to the reference bit for bit: the plane is
     * accumulated in double in stride-phase layout (a tap of a block of outputs is one contiguous vector add), each
     * output's share {@code dy / divisor} taken in double as the reference does. Every input element receives its
     * shares in the reference's order (output rows ascending; within a row the blocks ascending and, per block, the
     * width taps descending, which is ascending output column); shares of +0.0 for the lanes past the row's end
     * change nothing (an accumulator that starts at +0.0 is never -0.0). Each element is rounded once.
     */
    static void avgBackwardPlanesVector(PoolGeometry g, boolean countIncludePad, float[] dy, int dyOff, float[] dx,
            int dxOff, int fromPlane, int toPlane) {
        int inD = g.in(0);
        int inH = g.in(1);
        int inW = g.in(2);
        int outD = g.out(0);
        int outH = g.out(1);
        int outW = g.out(2);
        int s = g.stride(2);
        int pad = g.pad(2);
        int pw = phaseWidth(g, DL);
        int rows = inD * inH;
        int inPlane = g.inSpatial();
        int outPlane = g.outSpatial();
        int pwa = (pw + DL - 1) / DL * DL; // phase rows padded to whole vectors
        int qMax = (g.kernel(2) - 1) / s;
        double[] acc = dScratch(0, rows * s * pwa);
        // share[qMax + ow] for ow in [-qMax, pwa): zero outside the output row
        double[] share = dScratch(1, qMax + pwa);
        java.util.Arrays.fill(share, 0, qMax + pwa, 0.0);
        double[] wdiv = widthDivisors(g, countIncludePad, DL);
        int kW = g.kernel(2);
        for (int plane = fromPlane; plane < toPlane; plane++) {
            java.util.Arrays.fill(acc, 0, rows * s * pwa, 0.0);
            int go = dyOff + plane * outPlane;
            for (int od = 0; od < outD; od++) {
                int ds = od * g.stride(0) - g.pad(0);
                int de = Math.min(ds + g.kernel(0), inD + g.pad(0));
                int d0 = Math.max(ds, 0);
                int d1 = Math.min(de, inD);
                for (int oh = 0; oh < outH; oh++) {
                    int hs = oh * g.stride(1) - g.pad(1);
                    int he = Math.min(hs + g.kernel(1), inH + g.pad(1));
                    int h0 = Math.max(hs, 0);
                    int h1 = Math.min(he, inH);
                    long dh = countIncludePad ? (long) (de - ds) * (he - hs) : (long) (d1 - d0) * (h1 - h0);
                    int orow = go + (od * outH + oh) * outW;
                    for (int ow = 0; ow < outW; ow++) {
                        share[qMax + ow] = (double) dy[orow + ow] / (double) (dh * (long) wdiv[ow]);
                    }
                    // entry j of phase r receives, from this output row, the shares of ow = j - kw/s for the taps
                    // kw = r (mod s): taken with kw descending (ow ascending) in a register, one store per vector
                    for (int d = d0; d < d1; d++) {
                        for (int h = h0; h < h1; h++) {
                            for (int r = 0; r < s && r < kW; r++) {
                                int rowBase = ((d * inH + h) * s + r) * pwa;
                                int qTop = (kW - 1 - r) / s; // the taps kw = r + q*s, q <= qTop
                                for (int j = 0; j < pwa; j += DL) {
                                    DoubleVector a = DoubleVector.fromArray(D, acc, rowBase + j);
                                    for (int q = qTop; q >= 0; q--) {
                                        a = a.add(DoubleVector.fromArray(D, share, qMax + j - q));
                                    }
                                    a.intoArray(acc, rowBase + j);
                                }
                            }
                        }
                    }
                }
            }
            int xo = dxOff + plane * inPlane;
            for (int row = 0; row < rows; row++) {
                dephase(acc, row * s * pwa, pwa, s, pad, dx, xo + row * inW, inW);
            }
        }
    }

    private static final float[] ILV_IDX = new float[L];

    static {
        for (int i = 0; i < L / 2; i++) {
            ILV_IDX[2 * i] = i;
            ILV_IDX[2 * i + 1] = L + i;
        }
    }

    /**
     * Rounds one padded row held in stride phases (doubles; phase {@code r} at {@code src + r*pwa}, entry {@code j}
     * = padded column {@code s*j + r}) into {@code dx[dst .. dst + inW)} (input column {@code iw} is padded column
     * {@code iw + pad}). Stride 1 is a plain conversion; stride 2 converts both phases and interleaves them with one
     * two-vector permutation per {@code 2*DL} columns (the last block shifted back, rewriting equal values).
     */
    static void dephase(double[] acc, int src, int pwa, int s, int pad, float[] dx, int dst, int inW) {
        if (s == 1) {
            toFloat(acc, src + pad, dx, dst, inW);
            return;
        }
        int iw = 0;
        if (s == 2 && DL * 2 == L) {
            int start = pad & 1; // first column whose padded column is even
            int last = inW - L;
            if (((last + pad) & 1) != 0) {
                last--;
            }
            if (last >= start) {
                FloatVector ilv = FloatVector.fromArray(F, ILV_IDX, 0);
                for (int b = start;; b += L) {
                    int bb = Math.min(b, last);
                    int j = (bb + pad) >> 1;
                    FloatVector e = (FloatVector) DoubleVector.fromArray(D, acc, src + j)
                            .convertShape(VectorOperators.D2F, F, 0);
                    FloatVector o = (FloatVector) DoubleVector.fromArray(D, acc, src + pwa + j)
                            .convertShape(VectorOperators.D2F, F, 0);
                    ilv.selectFrom(e, o).intoArray(dx, dst + bb);
                    if (bb == last) {
                        break;
                    }
                }
                for (int c = 0; c < start; c++) {
                    dx[dst + c] = (float) acc[src + ((c + pad) & 1) * pwa + ((c + pad) >> 1)];
                }
                iw = last + L;
            }
        }
        int r = (iw + pad) % s;
        int j = (iw + pad) / s;
        for (; iw < inW; iw++) {
            dx[dst + iw] = (float) acc[src + r * pwa + j];
            if (++r == s) {
                r = 0;
                j++;
            }
        }
    }

    /** {@code s} (1 to 3 sizes) right-aligned in {@code r} (length 3) with leading 1s; returns {@code r}. */
    private static int[] norm3(int[] s, int[] r) {
        java.util.Arrays.fill(r, 1);
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
        Job j = job();
        j.x = x;
        j.xOff = xOff;
        j.y = y;
        j.yOff = yOff;
        adaptive(j, false, batch, channels, inSize, outSize);
    }

    @Override
    public void adaptiveAvgBackward(int batch, int channels, int[] inSize, int[] outSize, float[] dy, int dyOff,
            float[] dx, int dxOff) {
        Job j = job();
        j.dy = dy;
        j.dyOff = dyOff;
        j.dx = dx;
        j.dxOff = dxOff;
        adaptive(j, true, batch, channels, inSize, outSize);
    }

    /**
     * Adaptive average pooling forward or backward, {@code j}'s arrays already set: the vectorised average kernels
     * when every output size divides its input size, the per-plane bins otherwise.
     */
    private static void adaptive(Job j, boolean backward, int batch, int channels, int[] inSize, int[] outSize) {
        int[] is = norm3(inSize, j.isBuf);
        int[] os = norm3(outSize, j.osBuf);
        int in = is[0] * is[1] * is[2];
        int out = os[0] * os[1] * os[2];
        PoolGeometry u = out == 1 ? null : j.bins(batch, channels, inSize, outSize);
        if (u != null) {
            j.op = backward ? Job.ADAPTIVE_BACKWARD_VECTOR : Job.ADAPTIVE_VECTOR;
            j.u = u;
            run(batch * channels, (long) u.inputSize(), j);
            return;
        }
        j.op = backward ? Job.ADAPTIVE_BACKWARD_SCALAR : Job.ADAPTIVE_SCALAR;
        j.in = in;
        j.out = out;
        j.is = is;
        j.os = os;
        run(batch * channels, (long) batch * channels * in, j);
    }

    /**
     * When every output size divides its input size, adaptive average pooling is average pooling with kernel =
     * stride = in/out and no padding (the bins {@code [o*in/out, (o+1)*in/out)} are exactly those windows): the
     * geometry for the vectorised average kernels, which then equal the reference bit for bit; otherwise null.
     */
    static PoolGeometry uniformBins(int batch, int channels, int[] inSize, int[] outSize) {
        int dims = inSize.length;
        int[] k = new int[dims];
        for (int i = 0; i < dims; i++) {
            if (inSize[i] % outSize[i] != 0) {
                return null;
            }
            k[i] = inSize[i] / outSize[i];
        }
        PoolGeometry g = PoolGeometry.of("avg_pool", dims, batch, channels, inSize, k, k, null, null, false);
        return generalVector(g) ? g : null;
    }

    private static final ThreadLocal<float[]> LANE_SUM = ThreadLocal.withInitial(() -> new float[L]);

    /** Sum of {@code n} floats with lane accumulators (fixed order; the lanes summed from an array, no vector
     * handed to a helper C2 might not inline). */
    static float sum(float[] a, int off, int n) {
        FloatVector acc = FloatVector.zero(F);
        int i = 0;
        for (int ub = F.loopBound(n); i < ub; i += L) {
            acc = acc.add(FloatVector.fromArray(F, a, off + i));
        }
        if (i < n) {
            acc = acc.add(FloatVector.fromArray(F, a, off + i, F.indexInRange(i, n)));
        }
        float[] t = LANE_SUM.get();
        acc.intoArray(t, 0);
        return Lanes.sum(t, 0);
    }

}
