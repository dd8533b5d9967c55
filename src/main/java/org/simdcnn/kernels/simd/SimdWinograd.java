package org.simdcnn.kernels.simd;

import static org.simdcnn.kernels.simd.SimdGemm.F;
import static org.simdcnn.kernels.simd.SimdGemm.L;
import static org.simdcnn.kernels.simd.SimdGemm.MR;
import static org.simdcnn.kernels.simd.SimdGemm.NR;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import org.simdcnn.SimdCnn;
import org.simdcnn.geometry.ConvGeometry;
import org.simdcnn.kernels.Epilogue;
import org.simdcnn.parallel.ThreadPool;

/**
 * 3x3 stride-1 convolution by Winograd's minimal filtering F(2x2, 3x3) (Lavin and Gray, 2016): each 2x2 block of
 * outputs (a <i>tile</i>) is computed from a 4x4 block of input in 16 multiplications per channel pair instead of
 * 36, so the GEMM work is 16/36 of the direct convolution's.
 *
 * <ul>
 *   <li>Weights: {@code U = G g G^T} (4x4 per channel pair), packed as 16 GEMM A operands of {@code Cout x Cin}
 *       ({@link #transformWeights}; done once per {@link SimdConv#pack}, or per call on unpacked weights).
 *   <li>Input: {@code V = B^T d B} for every (channel, tile) of a block of tiles ({@code T}: the tiles of all
 *       images, in image, tile-row, tile-column order), 16 row-major {@code Cin x block} matrices in a per-thread
 *       buffer that stays in L2. The padded input plane is split into its even and odd columns (two-vector
 *       permutations), so the four columns of {@code L} consecutive tiles are four plain vector loads.
 *   <li>16 GEMMs {@code M = U V} with the packed microkernel reading {@code V} in place (row stride {@code ldb}),
 *       then {@code Y = A^T M A}, bias and epilogue, and the two output rows of each tile zipped so that runs of
 *       tiles are stored as whole vectors ({@link Job#outputTiles}).
 * </ul>
 *
 * <p>3d {@code kD x 3 x 3} convolutions with every stride and dilation 1 tile each depth slice as in 2d and sum the
 * depth taps in the GEMMs ({@code K = kD Cin} over consecutive transformed input slices: {@link Job3}).
 *
 * <p>1 x 3 kernels (a 1d convolution, or a 2d one without height padding or stride) take the one-dimensional
 * F(2, 3) row by row: each tile is two outputs of one row from four inputs, 4 matrices instead of 16 ({@code G g},
 * {@code B^T d}, {@code A^T M} with the same {@code G, B, A}), 4 multiplications per channel pair and tile instead
 * of 6.
 *
 * <p>Accuracy: {@code G} holds halves and {@code B, A} only 0 and ±1, so on integer inputs (of moderate size) every
 * intermediate value is exact and results equal the direct convolution's; on other inputs the sums are taken in a
 * different order and through the transforms: within 16 units of float rounding ({@code 2^-24}) of the sum of the
 * terms' magnitudes in {@code WinogradConvParityTest} (2.2 to 2.4 measured), inside the golden tests' tolerance. Inf inputs can give NaN where the direct sum gives Inf (a difference
 * of two infinities inside a transform), as in other Winograd implementations. {@code -Dsimdcnn.winograd=false}
 * turns the path off (the GEMM and direct kernels then serve these shapes).
 *
 * <p>The forward is split into tasks of one block of column panels each (consecutive tiles), the weight gradient's
 * transforms into one task per channel; every output is computed by the same operations whichever task runs it,
 * so results are identical for any thread count.
 */
final class SimdWinograd {
    /** The switch: {@code -Dsimdcnn.winograd=false} disables this path. */
    static final String PROPERTY = "simdcnn.winograd";
    /** Why the property's value was refused (reported by the first call that would use the path), or null. */
    private static final String PROPERTY_ERROR;
    /** Whether the path is on (not final: {@code GemmTune}'s {@code :w0} variant). */
    static boolean ENABLED;
    /**
     * Whether the 2d input transform takes pairs of tile rows where they fit a vector (not final: {@code GemmTune}'s
     * {@code :j0}).
     */
    static boolean PAIRS = true;
    /** Whether {@link Job#split} takes pairs of input rows where it can (not final: {@code GemmTune}'s {@code :h0}). */
    static boolean PAIR_SPLIT = true;

    static {
        String error = null;
        boolean on = true;
        try {
            on = parseSwitch(System.getProperty(PROPERTY));
        } catch (IllegalArgumentException e) {
            error = e.getMessage();
        }
        PROPERTY_ERROR = error;
        ENABLED = on;
    }

    /** {@code true} for null (unset), {@code "true"} or {@code "false"} (any case, trimmed); anything else is refused. */
    static boolean parseSwitch(String value) {
        if (value == null) {
            return true;
        }
        String v = value.trim().toLowerCase(java.util.Locale.ROOT);
        if (v.equals("true")) {
            return true;
        }
        if (v.equals("false")) {
            return false;
        }
        throw new IllegalArgumentException(PROPERTY + ": must be true or false, got '" + value + "'");
    }
    /**
     * Fewest input and output channels. Not tuned: the transforms cost per channel and tile what the GEMMs cost per
     * channel pair and tile, so with few channels they would dominate; mnist_c2 (32 and 64 channels) still gains.
     */
    static final int MIN_CHANNELS = 16;
    /**
     * Bytes of transformed input one task's block of column panels may hold (all its matrices): it stays in L2 with
     * the block's GEMM results. 512 KiB measured 13% faster than 1 MiB on mnist_c2 (Cin 32, 16 panels per block
     * then), even on the resnet 3x3 shapes; 128 KiB was 13% slower on resnet_3x3_56 (in-JVM, interleaved). Not final:
     * tuning probes set it.
     */
    static int BLOCK_BYTES = 512 * 1024;
    /**
     * Row parts per block: -1, the rule of {@link Job#set}; 0, none; {@code N > 0}, every block in {@code N} parts.
     * Not final: {@code GemmTune}'s {@code :eN} variant.
     */
    static int ROW_PARTS = -1;
    /** Numbers the forward calls, so a worker knows whether its buffer holds this call's transform of a block. */
    private static final java.util.concurrent.atomic.AtomicLong CALLS = new java.util.concurrent.atomic.AtomicLong();
    /** The 16 transformed-weight matrices of one packed operand. */
    static final int Q = 16;
    private SimdWinograd() {
    }

    /** Whether weights packed for {@code g} should carry the transformed form (depends on what packing keeps). */
    static boolean packs(ConvGeometry g) {
        if (PROPERTY_ERROR != null) {
            throw new IllegalArgumentException(PROPERTY_ERROR);
        }
        return ENABLED && L >= 8 && !g.isTransposed() && g.groups() == 1 && g.kW() == 3
                && (g.kH() == 3 || g.kH() == 1 && !is3d(g)) && g.inChannels() >= MIN_CHANNELS
                && g.outChannels() >= MIN_CHANNELS
                // the transformed weights must fit one array (else the GEMM paths serve g)
                && (long) Q * (SimdGemm.roundUp(g.outChannels(), MR) * (long) g.inChannels() * g.kD() + 1040)
                        < Integer.MAX_VALUE - 16;
    }

    /** Whether {@code g} has depth (a 3d convolution other than a 2d one written in three dimensions). */
    static boolean is3d(ConvGeometry g) {
        return g.kD() != 1 || g.inD() != 1 || g.outD() != 1;
    }

    /**
     * Whether {@link #forward} serves {@code g}: one group, width stride and dilation 1, and either a 2d 3x3
     * convolution with height stride and dilation 1 (F(2x2, 3x3)), a 3d {@code kD x 3 x 3} one with every stride
     * and dilation 1 (F(2x2, 3x3) per depth slice, the depth taps summed in the GEMMs: {@link Job3}), or a 1 x 3
     * kernel (a 1d convolution, or a 2d one without height padding or stride) row by row (F(2, 3): 4 matrices, 1.5x
     * fewer multiplications).
     */
    static boolean applies(ConvGeometry g) {
        if (!packs(g) || g.stride(2) != 1 || g.dilation(2) != 1 || g.outW() < 2) {
            return false;
        }
        if (is3d(g)) {
            // and one task's smallest buffer (kD slices of one column panel) must fit an array
            return g.kH() == 3 && g.stride(1) == 1 && g.dilation(1) == 1 && g.outH() >= 2 && g.stride(0) == 1
                    && g.dilation(0) == 1
                    && (long) Q * ((long) g.kD() * g.inChannels() * (NR + L) + 1040) < Integer.MAX_VALUE - 16;
        }
        return g.kH() == 3 ? g.stride(1) == 1 && g.dilation(1) == 1 && g.outH() >= 2
                : g.stride(1) == 1 && g.padBefore(1) == 0 && g.padAfter(1) == 0;
    }

    /** The transformed matrices of {@code g}: 16 for 3x3 (F(2x2, 3x3)), 4 for 1 x 3 (F(2, 3)). */
    static int matrices(ConvGeometry g) {
        return g.kH() == 3 ? Q : 4;
    }

    /**
     * Fewest tiles for which a gradient takes this path: the weights (flipped) are then transformed in the call,
     * about 25 scalar operations per channel pair, which the saved multiplications (40 per channel pair and tile)
     * repay from about 30 tiles on; 64 leaves a margin. The forward takes it at any size, on plain weights too, so
     * that packed and plain weights give bitwise the same output (on plain weights below 64 tiles it measured even
     * with the implicit GEMM: resnet_3x3_14, 49 tiles, {@code GemmTune conv 1:r,1:r:w0}).
     */
    static final int MIN_TILES_GRADIENT = 64;

    /** Whether an input gradient (the flipped convolution {@code g}) takes this path. */
    static boolean appliesGradient(ConvGeometry g) {
        int rows = g.kH() == 3 ? (g.outH() + 1) / 2 : g.outH();
        return applies(g) && (long) g.batch() * g.outD() * rows * ((g.outW() + 1) / 2) >= MIN_TILES_GRADIENT;
    }

    /** Fewest input and output channels for the weight gradient on this path. */
    static final int MIN_CHANNELS_WEIGHT_GRAD = 64;

    /**
     * Whether the weight gradient takes this path ({@link #weightGrad}): {@link #appliesGradient} and at least 64
     * input and output channels. Its 16 GEMMs are {@code Cout x Cin} over the tiles, so with few channels the
     * operand packing and the transformed operands' memory traffic outweigh the saved multiplications: measured
     * in one JVM against the im2col GEMM, +24% on 128->128 at 28x28, +4..11% on 64->64 at 56x56, +33% on
     * 256->256 at 14x14 (8 images), but -29% on 32->64 at 14x14 (64 images) and -20% on 64->32.
     */
    static boolean appliesWeightGrad(ConvGeometry g) {
        return appliesGradient(g) && !is3d(g) && g.kH() == 3 && g.inChannels() >= MIN_CHANNELS_WEIGHT_GRAD
                && g.outChannels() >= MIN_CHANNELS_WEIGHT_GRAD;
    }

    /** Floats of the transformed, packed weights. */
    static int weightSize(ConvGeometry g) {
        return matrices(g) * weightStride(g);
    }

    /**
     * Floats from one of the 16 weight matrices to the next: a whole number of 4 KiB pages plus one cache line, so
     * that the same entry of the 16 matrices falls in 16 different L1 sets (a page multiple put them all in one).
     */
    static int weightStride(ConvGeometry g) {
        return spaced(SimdGemm.roundUp(g.outChannels(), MR) * g.inChannels() * g.kD());
    }

    /** {@code n} rounded up to whole 4 KiB pages of floats, plus one 64-byte line. */
    static int spaced(int n) {
        return SimdGemm.roundUp(n, 1024) + 16;
    }

    /**
     * {@code U = G g G^T} with {@code G = [[1,0,0],[½,½,½],[½,-½,½],[0,0,1]]} for every (output, input) channel,
     * element {@code (xi, nu)} into the A panels of matrix {@code 4 xi + nu} (panel rows past {@code Cout} zero).
     * In 3d, for every (output channel, depth tap {@code kd}, input channel): the GEMMs' K index
     * {@code kd Cin + ci}.
     */
    static void transformWeights(ConvGeometry g, float[] w, int wOff, float[] dst) {
        transformWeights(g, w, wOff, false, dst);
    }

    /**
     * As above; with {@code flip}, {@code w} holds the weights of the convolution whose input gradient {@code g} is
     * (its flipped convolution): {@code g}'s weight {@code (co, ci, t)} is {@code w[(ci, co, taps - 1 - t)]}, read in
     * place instead of through a flipped copy (the same values, so the same results).
     */
    static void transformWeights(ConvGeometry g, float[] w, int wOff, boolean flip, float[] dst) {
        int cout = g.outChannels();
        int cin = g.inChannels();
        int mPad = SimdGemm.roundUp(cout, MR);
        int qs = weightStride(g);
        if (g.kH() == 1) {
            // 1 x 3: U = G g, (g0, (g0 + g1 + g2) / 2, (g0 - g1 + g2) / 2, g2)
            for (int co = 0; co < mPad; co++) {
                int d0 = co / MR * MR * cin + co % MR;
                for (int ci = 0; ci < cin; ci++) {
                    int d = d0 + ci * MR;
                    if (co >= cout) {
                        for (int q = 0; q < 4; q++) {
                            dst[q * qs + d] = 0f;
                        }
                        continue;
                    }
                    int src = wOff + (flip ? ci * cout + co : co * cin + ci) * 3;
                    float g0 = w[flip ? src + 2 : src];
                    float g1 = w[src + 1];
                    float g2 = w[flip ? src : src + 2];
                    dst[d] = g0;
                    dst[qs + d] = (g0 + g1 + g2) * 0.5f;
                    dst[2 * qs + d] = (g0 - g1 + g2) * 0.5f;
                    dst[3 * qs + d] = g2;
                }
            }
            return;
        }
        // panel by panel, K step by K step: the 12 rows of one K step are 12 consecutive floats per matrix
        int kD = g.kD();
        int kk = cin * kD;
        for (int ip = 0; ip < mPad / MR; ip++) {
            for (int c = 0; c < kk; c++) {
                int kd = c / cin;
                int ci = c - kd * cin;
                int d = ip * MR * kk + c * MR;
                for (int r = 0; r < MR; r++, d++) {
                    int co = ip * MR + r;
                    if (co >= cout) {
                        for (int q = 0; q < Q; q++) {
                            dst[q * qs + d] = 0f;
                        }
                        continue;
                    }
                    // tap t at w[s + t * st]: forwards, or backwards from the last tap of the transposed pair
                    int s = wOff + (flip ? (ci * cout + co) * kD + kD - 1 - kd : (co * cin + ci) * kD + kd) * 9
                            + (flip ? 8 : 0);
                    int st = flip ? -1 : 1;
                    // G g: 4 x 3, rows t0 = g row 0, t1 = (g0 + g1 + g2) / 2, t2 = (g0 - g1 + g2) / 2, t3 = g row 2
                    float a0 = w[s];
                    float a1 = w[s + st];
                    float a2 = w[s + 2 * st];
                    float b0 = w[s + 3 * st];
                    float b1 = w[s + 4 * st];
                    float b2 = w[s + 5 * st];
                    float c0 = w[s + 6 * st];
                    float c1 = w[s + 7 * st];
                    float c2 = w[s + 8 * st];
                    float p0 = (a0 + b0 + c0) * 0.5f;
                    float p1 = (a1 + b1 + c1) * 0.5f;
                    float p2 = (a2 + b2 + c2) * 0.5f;
                    float n0 = (a0 - b0 + c0) * 0.5f;
                    float n1 = (a1 - b1 + c1) * 0.5f;
                    float n2 = (a2 - b2 + c2) * 0.5f;
                    // (G g) G^T: row i becomes (t_i0, (t_i0 + t_i1 + t_i2) / 2, (t_i0 - t_i1 + t_i2) / 2, t_i2)
                    row(dst, d, qs, 0, a0, a1, a2);
                    row(dst, d, qs, 1, p0, p1, p2);
                    row(dst, d, qs, 2, n0, n1, n2);
                    row(dst, d, qs, 3, c0, c1, c2);
                }
            }
        }
    }

    private static void row(float[] dst, int d, int qs, int i, float t0, float t1, float t2) {
        dst[(4 * i) * qs + d] = t0;
        dst[(4 * i + 1) * qs + d] = (t0 + t1 + t2) * 0.5f;
        dst[(4 * i + 2) * qs + d] = (t0 - t1 + t2) * 0.5f;
        dst[(4 * i + 3) * qs + d] = t2;
    }

    /**
     * Per-thread buffers: the padded phase-split plane, one block's transformed input and GEMM results, the staged
     * output tile; and the caller's transformed weights (unpacked calls) and tile table.
     */
    static final class Workspace {
        float[] plane = new float[0];
        float[] vb = new float[0];
        /** The call ({@link Job#call}) and block whose transformed input {@link #vb} holds, or -1. */
        long vbCall = -1;
        int vbBlock = -1;
        float[] m = new float[0];
        final float[] stage = new float[MR * STAGE];
        float[] u = new float[0];
        int[] oBase = new int[0];
        byte[] oFlags = new byte[0];
        final Job job = new Job();
        final Job3 job3 = new Job3();
        final WeightGradJob wgrad = new WeightGradJob();
        float[] vAll = new float[0];
        float[] dAll = new float[0];
        float[] mAll = new float[0];

        float[] plane(int n) {
            if (plane.length < n) {
                plane = new float[n];
            }
            return plane;
        }

        float[] vb(int n) {
            vbCall = -1;
            if (vb.length < n) {
                vb = new float[n];
            }
            return vb;
        }

        float[] m(int n) {
            if (m.length < n) {
                m = new float[n];
            }
            return m;
        }
    }

    private static final ThreadLocal<Workspace> WS = ThreadLocal.withInitial(Workspace::new);

    /**
     * The forward convolution. {@code u} holds the transformed weights ({@link #transformWeights}) or is null, and
     * then they are transformed from {@code w} into a workspace.
     */
    static void forward(ConvGeometry g, float[] x, int xOff, float[] u, float[] w, int wOff, float[] bias, float[] y,
            int yOff, Epilogue epilogue) {
        forward(g, x, xOff, u, w, wOff, false, bias, y, yOff, epilogue);
    }

    /**
     * As above; with {@code flip} (and {@code u} null), {@code g} is the flipped convolution of an input gradient and
     * {@code w} the original convolution's weights ({@link #transformWeights(ConvGeometry, float[], int, boolean,
     * float[])}).
     */
    static void forward(ConvGeometry g, float[] x, int xOff, float[] u, float[] w, int wOff, boolean flip,
            float[] bias, float[] y, int yOff, Epilogue epilogue) {
        Workspace ws = WS.get();
        if (u == null) {
            int n = weightSize(g);
            if (ws.u.length < n) {
                ws.u = new float[n];
            }
            u = ws.u;
            transformWeights(g, w, wOff, flip, u);
        }
        if (is3d(g)) {
            Job3 job = ws.job3;
            job.set(g, ws, x, xOff, u, bias, y, yOff, epilogue);
            try {
                SimdCnn.pool().run(job.tasks, job);
            } finally {
                job.t.clear();
            }
            return;
        }
        Job job = ws.job;
        job.set(g, ws, x, xOff, u, bias, y, yOff, epilogue);
        try {
            SimdCnn.pool().run(job.tasks, job);
        } finally {
            job.clear();
        }
    }

    /**
     * One task per block of column panels (consecutive tiles): the block's input transform into a per-thread
     * buffer (in L2), the GEMMs (16, or 4 for 1 x 3) over all output channels, the output transform. An odd number
     * of blocks has its last block in two tasks, each over half the row panels (output channels): resnet_3x3_28's 7
     * blocks capped two threads at 4 blocks' time against 3.5 (416.0 vs 395.6 GFLOP/s, {@code GemmTune conv
     * 2,2:e0 250 resnet_3x3_28}; one thread even). A thread that runs both halves transforms the block once (its
     * buffer is tagged with the call and block); on two threads each half may transform it, a block's transform
     * being a few percent of its GEMMs. Every output takes the same operations either way.
     */
    static final class Job implements ThreadPool.Task {
        ConvGeometry g;
        float[] x;
        int xOff;
        float[] u;
        float[] bias;
        float[] y;
        int yOff;
        int ek;
        float ea;
        float eb;
        int[] oBase;
        byte[] oFlags;
        int cin;
        int cout;
        int mPad;
        int uqs;
        int tH;
        int tW;
        /** Tiles of all images: the columns of the GEMMs. */
        int tiles;
        /** Transformed matrices: 16 (3x3), or 4 (1 x 3, one output row per tile row). */
        int nq;
        /** Even (and odd) columns per padded row: the padded width is {@code 2 len}. */
        int len;
        int rowPanels;
        int colPanels;
        int blockPanels;
        int blocks;
        /** Tasks per block, each over its share of the row panels (output channels). */
        int parts;
        /** Blocks before this one are one task each; this one and after are {@link #parts} tasks each. */
        int splitFrom;
        /** Tasks of the call. */
        int tasks;
        /** This call's number ({@link #CALLS}). */
        long call;
        /** Row stride and matrix stride of a block's transformed input. */
        int ldb;
        int vqs;
        /** One input plane and its zero padding (top, left), one output plane. */
        int inH;
        int inW;
        int padT;
        int padL;
        int outH;
        int outW;
        /** Floats from one input image to the next, and from one output channel's plane to the next. */
        int xImage;
        int yPlane;
        /**
         * Whether a whole tile row's two output rows ({@code 2 outW} floats, {@code L/2 <= outW <= L}) are stored as
         * two vectors assembled from the staged rows by {@link #join}: lanes of the first vector, then of the
         * second (which ends at the run's end), as indexes into (top row, bottom row).
         */
        boolean joinLanes;
        final float[] join = new float[2 * L];
        /**
         * Whether two tile rows fit one vector ({@code 2 tW <= L}): the input transform then runs on pairs of tile
         * rows, lanes {@code [0, tW)} from the first and {@code [tW, 2 tW)} from the second, merged by {@link #pair}
         * (indexes into (first, second)) before the arithmetic: half the arithmetic and stores of one row at a time.
         */
        boolean pairRows;
        final float[] pair = new float[L];
        /**
         * Whether two padded rows' even (or odd) columns are one vector ({@code 2 len == L}, 3x3): {@link #split} then
         * takes pairs of input rows straight into the even and odd planes, each lane picked from the two rows' floats
         * (two vector loads) by {@link #evenFrom} / {@link #oddFrom} and the padding lanes zeroed by
         * {@link #evenPad} / {@link #oddPad}, instead of writing the padded plane and reading it back.
         */
        boolean pairSplit;
        final float[] evenFrom = new float[L];
        final float[] oddFrom = new float[L];
        final boolean[] evenPad = new boolean[L];
        final boolean[] oddPad = new boolean[L];

        void set(ConvGeometry g, Workspace ws, float[] x, int xOff, float[] u, float[] bias, float[] y, int yOff,
                Epilogue e) {
            setTiles(g, x, xOff);
            setCall(g, u, bias, y, yOff, e);
            if (ws.oBase.length < tiles) {
                ws.oBase = new int[tiles];
                ws.oFlags = new byte[tiles];
            }
            this.oBase = ws.oBase;
            this.oFlags = ws.oFlags;
            int outSp = outH * outW;
            int j = 0;
            for (int n = 0; n < g.batch(); n++) {
                for (int ty = 0; ty < tH; ty++) {
                    int oh = nq == Q ? 2 * ty : ty;
                    for (int tx = 0; tx < tW; tx++, j++) {
                        oBase[j] = n * cout * outSp + oh * outW + 2 * tx;
                        oFlags[j] = (byte) ((2 * tx + 1 < outW ? 1 : 0) | (nq == Q && oh + 1 < outH ? 2 : 0));
                    }
                }
            }
            // Blocks: the transformed input of a block (all nq matrices) within BLOCK_BYTES, and at least 4 blocks where
            // there are 4 panels (2 or 4 threads get work). Depends on the geometry only.
            long panelBytes = (long) nq * cin * NR * Float.BYTES;
            int budget = (int) Math.max(1, Math.min(colPanels, BLOCK_BYTES / panelBytes));
            this.blockPanels = Math.max(1, Math.min(budget, colPanels / 4));
            this.blocks = SimdGemm.ceilDiv(colPanels, blockPanels);
            this.ldb = blockPanels * NR + L;
            this.vqs = spaced(cin * ldb);
            if (ROW_PARTS > 0) {
                this.parts = Math.min(ROW_PARTS, rowPanels);
                this.splitFrom = 0;
            } else if (ROW_PARTS < 0 && blocks % 2 == 1 && rowPanels > 1) {
                this.parts = 2;
                this.splitFrom = blocks - 1;
            } else {
                this.parts = 1;
                this.splitFrom = blocks;
            }
            this.tasks = splitFrom + (blocks - splitFrom) * parts;
            this.call = CALLS.incrementAndGet();
        }

        /** The call's transformed weights, bias, output and epilogue ({@link #setTiles} first). */
        void setCall(ConvGeometry g, float[] u, float[] bias, float[] y, int yOff, Epilogue e) {
            this.u = u;
            this.bias = bias;
            this.y = y;
            this.yOff = yOff;
            this.ek = SimdGemm.epiKind(e);
            this.ea = e == null ? 0f : e.a();
            this.eb = e == null ? 0f : e.b();
            this.mPad = SimdGemm.roundUp(cout, MR);
            this.rowPanels = mPad / MR;
            this.uqs = weightStride(g);
        }

        /**
         * The tile geometry of {@code g} (what the input transform needs): of all images, or (a 3d convolution) of
         * one depth slice of one image, whose planes are {@code inD} planes apart.
         */
        void setTiles(ConvGeometry g, float[] x, int xOff) {
            this.g = g;
            this.x = x;
            this.xOff = xOff;
            this.cin = g.inChannels();
            this.cout = g.outChannels();
            this.nq = matrices(g);
            this.inH = g.inH();
            this.inW = g.inW();
            this.padT = g.padBefore(1);
            this.padL = g.padBefore(2);
            this.outH = g.outH();
            this.outW = g.outW();
            boolean slices = is3d(g);
            this.xImage = cin * g.inSpatial();
            this.yPlane = (slices ? g.outD() : 1) * outH * outW;
            this.tH = nq == Q ? (outH + 1) / 2 : outH;
            this.tW = (outW + 1) / 2;
            this.tiles = (slices ? 1 : g.batch()) * tH * tW;
            this.colPanels = SimdGemm.ceilDiv(tiles, NR);
            this.len = tW + 1;
            this.joinLanes = nq == Q && 2 * outW >= L && outW <= L;
            this.pairRows = PAIRS && nq == Q && 2 * tW <= L;
            this.pairSplit = PAIR_SPLIT && nq == Q && 2 * len == L;
            for (int k = 0; k < L; k++) {
                // lane k: padded row k / len, padded column 2 (k % len) (+ 1 for the odd plane), input column that
                // minus padL, at flat offset (k / len) inW + column from the first row's start
                int ce = 2 * (k % len) - padL;
                int co = ce + 1;
                evenPad[k] = ce < 0 || ce >= inW;
                oddPad[k] = co < 0 || co >= inW;
                evenFrom[k] = evenPad[k] ? 0 : (k / len) * inW + ce;
                oddFrom[k] = oddPad[k] ? 0 : (k / len) * inW + co;
            }
            for (int k = 0; k < L; k++) {
                pair[k] = k < tW ? k : L + Math.min(k - tW, L - 1);
            }
            for (int k = 0; joinLanes && k < L; k++) {
                join[k] = k < outW ? k : L + k - outW;
                int p = 2 * outW - L + k;
                join[L + k] = p < outW ? p : L + p - outW;
            }
        }

        void clear() {
            g = null;
            x = null;
            u = null;
            bias = null;
            y = null;
        }

        @Override
        public void run(int t) {
            Workspace ws = WS.get();
            int b = t < splitFrom ? t : splitFrom + (t - splitFrom) / parts;
            int part = t < splitFrom ? 0 : (t - splitFrom) % parts;
            int np = t < splitFrom ? 1 : parts;
            int jp0 = b * blockPanels;
            int jp1 = Math.min(colPanels, jp0 + blockPanels);
            int span = jp1 - jp0;
            int j0 = jp0 * NR;
            int j1 = Math.min(tiles, jp1 * NR);
            float[] v;
            if (ws.vbCall == call && ws.vbBlock == b) {
                v = ws.vb; // this thread transformed the block for another part of it
            } else {
                v = ws.vb(nq * vqs);
                int xPlane = inH * inW;
                for (int c = 0; c < cin; c++) {
                    transformInput(ws, v, xOff + c * xPlane, c, j0, j1);
                }
                ws.vbCall = call;
                ws.vbBlock = b;
            }
            float[] m = ws.m(nq * span * MR * NR);
            int ip0 = part * rowPanels / np;
            int ip1 = (part + 1) * rowPanels / np;
            for (int ip = ip0; ip < ip1; ip++) {
                int rows = Math.min(MR, cout - ip * MR);
                for (int q = 0; q < nq; q++) {
                    int aBase = q * uqs + ip * MR * cin;
                    int bBase = q * vqs;
                    for (int jp = jp0; jp < jp1; jp++) {
                        SimdGemm.kernel(u, aBase, v, bBase + (jp - jp0) * NR, ldb, cin, m,
                                (q * span + jp - jp0) * MR * NR, false, rows);
                    }
                }
                for (int jp = jp0; jp < jp1; jp++) {
                    outputTiles(ws, m, span, jp - jp0, ip, rows, jp * NR, yOff);
                }
            }
        }

        /** Offset of the even columns in the plane buffer: after the padded plane ({@code 2 tH + 2} rows of 2 len). */
        int eOff() {
            return (2 * tH + 2) * 2 * len + 2 * L;
        }

        /**
         * Rows {@code [rr0, rr1)} of a zero-padded plane ({@code inH x inW} floats at {@code src[s]}, {@code top} and
         * {@code left} zero rows and columns before it; rows of {@code 2 len}) into {@code p}, then their even
         * and odd columns ({@code len} each per row) at {@code eOff} and {@code oOff}. An input row is copied by
         * whole vectors, then its right padding is zeroed by whole vectors from the end of the input: at least one
         * vector, which also clears what the copy wrote past the row into the next row (whose data, if any, is
         * copied after). Padding rows are zeroed.
         */
        void split(float[] p, float[] src, int s, int inH, int inW, int top, int left, int rr0, int rr1, int eOff,
                int oOff) {
            if (!pairSplit || nq != Q || ((rr1 - rr0) & 1) != 0 || inW != this.inW || left != padL) {
                splitRows(p, src, s, inH, inW, top, left, rr0, rr1, eOff, oOff);
                return;
            }
            // pairs of rows (pairSplit; the lane tables are for this job's input width and left padding, so not for
            // the weight gradient's output-gradient planes): both input rows, and two whole vectors in src from the
            // first one's start, straight into the even and odd planes; other pairs (padding rows) as below
            FloatVector ef = FloatVector.fromArray(F, evenFrom, 0);
            FloatVector of = FloatVector.fromArray(F, oddFrom, 0);
            VectorMask<Float> ep = VectorMask.fromArray(F, evenPad, 0);
            VectorMask<Float> op = VectorMask.fromArray(F, oddPad, 0);
            FloatVector zero = FloatVector.zero(F);
            for (int rr = rr0; rr < rr1; rr += 2) {
                int ih = rr - top;
                int s0 = s + ih * inW;
                if (ih >= 0 && ih + 1 < inH && s0 + 2 * L <= src.length) {
                    FloatVector a = FloatVector.fromArray(F, src, s0);
                    FloatVector b = FloatVector.fromArray(F, src, s0 + L);
                    ef.selectFrom(a, b).blend(zero, ep).intoArray(p, eOff + rr * len);
                    of.selectFrom(a, b).blend(zero, op).intoArray(p, oOff + rr * len);
                } else {
                    splitRows(p, src, s, inH, inW, top, left, rr, rr + 2, eOff, oOff);
                }
            }
        }

        /** {@link #split} by way of the padded plane, any geometry. */
        void splitRows(float[] p, float[] src, int s, int inH, int inW, int top, int left, int rr0, int rr1,
                int eOff, int oOff) {
            int wp = 2 * len;
            FloatVector zero = FloatVector.zero(F);
            for (int rr = rr0; rr < rr1; rr++) {
                int ih = rr - top;
                int d = rr * wp;
                if (ih >= 0 && ih < inH) {
                    for (int k = 0; k < left; k++) {
                        p[d + k] = 0f;
                    }
                    int s0 = s + ih * inW;
                    int k = 0;
                    for (; k < inW && s0 + k + L <= src.length; k += L) {
                        FloatVector.fromArray(F, src, s0 + k).intoArray(p, d + left + k);
                    }
                    for (; k < inW; k++) {
                        p[d + left + k] = src[s0 + k];
                    }
                    for (int z = left + inW;; z += L) {
                        zero.intoArray(p, d + z);
                        if (z + L >= wp) {
                            break;
                        }
                    }
                } else {
                    for (int z = 0; z < wp; z += L) {
                        zero.intoArray(p, d + z);
                    }
                }
            }
            // even and odd columns: the rows are contiguous and wp is even, so one pass over the flat range
            FloatVector even = FloatVector.fromArray(F, SimdConv.EVEN_LANES, 0);
            FloatVector odd = FloatVector.fromArray(F, SimdConv.EVEN_LANES, L);
            for (int k = rr0 * len; k < rr1 * len; k += L) {
                FloatVector lo = FloatVector.fromArray(F, p, 2 * k);
                FloatVector hi = FloatVector.fromArray(F, p, 2 * k + L);
                even.selectFrom(lo, hi).intoArray(p, eOff + k);
                odd.selectFrom(lo, hi).intoArray(p, oOff + k);
            }
        }

        /**
         * One input channel of tiles {@code [j0, j1)} (image {@code n}'s plane at {@code src + n xImage}):
         * {@code V = B^T d B} into row {@code c} of the block's 16 matrices (column {@code j - j0}). Tile rows in
         * order, so a vector store that runs past a tile row's last tile lands on columns written later (or on the
         * slack past the block's last column).
         */
        void transformInput(Workspace ws, float[] v, int src, int c, int j0, int j1) {
            int perImage = tH * tW;
            int hp = 2 * tH + 2;
            int eOff = eOff();
            int oOff = eOff + hp * len + 2 * L;
            float[] p = ws.plane(oOff + hp * len + 2 * L);
            for (int n = j0 / perImage; n * perImage < j1; n++) {
                int a0 = Math.max(j0, n * perImage) - n * perImage;
                int a1 = Math.min(j1, (n + 1) * perImage) - n * perImage;
                int ty0 = a0 / tW;
                int ty1 = (a1 - 1) / tW;
                if (nq != Q) {
                    // 1 x 3: tile row ty is input row ty (no height padding); B^T d per tile, 4 matrices
                    split(p, x, src + n * xImage, inH, inW, 0, padL, ty0, ty1 + 1, eOff, oOff);
                    for (int ty = ty0; ty <= ty1; ty++) {
                        int txEnd = ty == ty1 ? a1 - ty1 * tW : tW;
                        int dst = c * ldb + n * perImage + ty * tW - j0;
                        for (int tx = ty == ty0 ? a0 - ty0 * tW : 0; tx < txEnd; tx += L) {
                            int a = eOff + ty * len + tx;
                            FloatVector d0 = FloatVector.fromArray(F, p, a);
                            FloatVector d1 = FloatVector.fromArray(F, p, a + oOff - eOff);
                            FloatVector d2 = FloatVector.fromArray(F, p, a + 1);
                            FloatVector d3 = FloatVector.fromArray(F, p, a + oOff - eOff + 1);
                            int o = dst + tx;
                            d0.sub(d2).intoArray(v, o);
                            d1.add(d2).intoArray(v, o + vqs);
                            d2.sub(d1).intoArray(v, o + 2 * vqs);
                            d1.sub(d3).intoArray(v, o + 3 * vqs);
                        }
                    }
                    continue;
                }
                split(p, x, src + n * xImage, inH, inW, padT, padL, 2 * ty0, 2 * ty1 + 4, eOff, oOff);
                for (int ty = ty0; ty <= ty1; ty++) {
                    if (pairRows && ty < ty1 && (ty > ty0 || a0 == ty0 * tW)) {
                        // tile rows ty and ty + 1 (whole; the second may end past a1: its extra columns land on
                        // columns written later or on the slack, as a single row's overrun does): input row i of
                        // the pair's blocks is the merge of padded rows 2 ty + i and 2 ty + 2 + i
                        transformPair(p, eOff + 2 * ty * len, oOff - eOff, v, c * ldb + n * perImage + ty * tW - j0);
                        ty++;
                        continue;
                    }
                    int txEnd = ty == ty1 ? a1 - ty1 * tW : tW;
                    int r0 = 2 * ty * len;
                    int dst = c * ldb + n * perImage + ty * tW - j0;
                    for (int tx = ty == ty0 ? a0 - ty0 * tW : 0; tx < txEnd; tx += L) {
                        int a = eOff + r0 + tx;
                        // row 0 of the 4x4 block: d0 = E[tx], d1 = O[tx], d2 = E[tx+1], d3 = O[tx+1]; then d B
                        FloatVector d0 = FloatVector.fromArray(F, p, a);
                        FloatVector d1 = FloatVector.fromArray(F, p, a + oOff - eOff);
                        FloatVector d2 = FloatVector.fromArray(F, p, a + 1);
                        FloatVector d3 = FloatVector.fromArray(F, p, a + oOff - eOff + 1);
                        FloatVector r00 = d0.sub(d2);
                        FloatVector r01 = d1.add(d2);
                        FloatVector r02 = d2.sub(d1);
                        FloatVector r03 = d1.sub(d3);
                        a += len;
                        d0 = FloatVector.fromArray(F, p, a);
                        d1 = FloatVector.fromArray(F, p, a + oOff - eOff);
                        d2 = FloatVector.fromArray(F, p, a + 1);
                        d3 = FloatVector.fromArray(F, p, a + oOff - eOff + 1);
                        FloatVector r10 = d0.sub(d2);
                        FloatVector r11 = d1.add(d2);
                        FloatVector r12 = d2.sub(d1);
                        FloatVector r13 = d1.sub(d3);
                        a += len;
                        d0 = FloatVector.fromArray(F, p, a);
                        d1 = FloatVector.fromArray(F, p, a + oOff - eOff);
                        d2 = FloatVector.fromArray(F, p, a + 1);
                        d3 = FloatVector.fromArray(F, p, a + oOff - eOff + 1);
                        FloatVector r20 = d0.sub(d2);
                        FloatVector r21 = d1.add(d2);
                        FloatVector r22 = d2.sub(d1);
                        FloatVector r23 = d1.sub(d3);
                        a += len;
                        d0 = FloatVector.fromArray(F, p, a);
                        d1 = FloatVector.fromArray(F, p, a + oOff - eOff);
                        d2 = FloatVector.fromArray(F, p, a + 1);
                        d3 = FloatVector.fromArray(F, p, a + oOff - eOff + 1);
                        FloatVector r30 = d0.sub(d2);
                        FloatVector r31 = d1.add(d2);
                        FloatVector r32 = d2.sub(d1);
                        FloatVector r33 = d1.sub(d3);
                        // B^T (d B): matrix 4 i + k gets row i of the column transform of column k
                        int o = dst + tx;
                        r00.sub(r20).intoArray(v, o);
                        r01.sub(r21).intoArray(v, o + vqs);
                        r02.sub(r22).intoArray(v, o + 2 * vqs);
                        r03.sub(r23).intoArray(v, o + 3 * vqs);
                        r10.add(r20).intoArray(v, o + 4 * vqs);
                        r11.add(r21).intoArray(v, o + 5 * vqs);
                        r12.add(r22).intoArray(v, o + 6 * vqs);
                        r13.add(r23).intoArray(v, o + 7 * vqs);
                        r20.sub(r10).intoArray(v, o + 8 * vqs);
                        r21.sub(r11).intoArray(v, o + 9 * vqs);
                        r22.sub(r12).intoArray(v, o + 10 * vqs);
                        r23.sub(r13).intoArray(v, o + 11 * vqs);
                        r10.sub(r30).intoArray(v, o + 12 * vqs);
                        r11.sub(r31).intoArray(v, o + 13 * vqs);
                        r12.sub(r32).intoArray(v, o + 14 * vqs);
                        r13.sub(r33).intoArray(v, o + 15 * vqs);
                    }
                }
            }
        }

        /**
         * The input transform of tile rows {@code ty} and {@code ty + 1} ({@link #pairRows}): their even padded rows
         * from {@code p[e]} ({@code len} floats apart, the odd columns {@code od} further), the 16 result vectors at
         * {@code v[o + q vqs]}. A method of its own: written out in {@link #transformInput}, it made that method's
         * bytecode larger than HotSpot compiles (8000 bytes), and the interpreted vectors were boxed.
         */
        private void transformPair(float[] p, int e, int od, float[] v, int o) {
            FloatVector pm = FloatVector.fromArray(F, pair, 0);
            int a = e;
            int b = a + 2 * len;
            FloatVector d0 = pm.selectFrom(FloatVector.fromArray(F, p, a), FloatVector.fromArray(F, p, b));
            FloatVector d1 = pm.selectFrom(FloatVector.fromArray(F, p, a + od),
                    FloatVector.fromArray(F, p, b + od));
            FloatVector d2 = pm.selectFrom(FloatVector.fromArray(F, p, a + 1),
                    FloatVector.fromArray(F, p, b + 1));
            FloatVector d3 = pm.selectFrom(FloatVector.fromArray(F, p, a + od + 1),
                    FloatVector.fromArray(F, p, b + od + 1));
            FloatVector r00 = d0.sub(d2);
            FloatVector r01 = d1.add(d2);
            FloatVector r02 = d2.sub(d1);
            FloatVector r03 = d1.sub(d3);
            a += len;
            b += len;
            d0 = pm.selectFrom(FloatVector.fromArray(F, p, a), FloatVector.fromArray(F, p, b));
            d1 = pm.selectFrom(FloatVector.fromArray(F, p, a + od), FloatVector.fromArray(F, p, b + od));
            d2 = pm.selectFrom(FloatVector.fromArray(F, p, a + 1), FloatVector.fromArray(F, p, b + 1));
            d3 = pm.selectFrom(FloatVector.fromArray(F, p, a + od + 1),
                    FloatVector.fromArray(F, p, b + od + 1));
            FloatVector r10 = d0.sub(d2);
            FloatVector r11 = d1.add(d2);
            FloatVector r12 = d2.sub(d1);
            FloatVector r13 = d1.sub(d3);
            a += len;
            b += len;
            d0 = pm.selectFrom(FloatVector.fromArray(F, p, a), FloatVector.fromArray(F, p, b));
            d1 = pm.selectFrom(FloatVector.fromArray(F, p, a + od), FloatVector.fromArray(F, p, b + od));
            d2 = pm.selectFrom(FloatVector.fromArray(F, p, a + 1), FloatVector.fromArray(F, p, b + 1));
            d3 = pm.selectFrom(FloatVector.fromArray(F, p, a + od + 1),
                    FloatVector.fromArray(F, p, b + od + 1));
            FloatVector r20 = d0.sub(d2);
            FloatVector r21 = d1.add(d2);
            FloatVector r22 = d2.sub(d1);
            FloatVector r23 = d1.sub(d3);
            a += len;
            b += len;
            d0 = pm.selectFrom(FloatVector.fromArray(F, p, a), FloatVector.fromArray(F, p, b));
            d1 = pm.selectFrom(FloatVector.fromArray(F, p, a + od), FloatVector.fromArray(F, p, b + od));
            d2 = pm.selectFrom(FloatVector.fromArray(F, p, a + 1), FloatVector.fromArray(F, p, b + 1));
            d3 = pm.selectFrom(FloatVector.fromArray(F, p, a + od + 1),
                    FloatVector.fromArray(F, p, b + od + 1));
            FloatVector r30 = d0.sub(d2);
            FloatVector r31 = d1.add(d2);
            FloatVector r32 = d2.sub(d1);
            FloatVector r33 = d1.sub(d3);
                                    r00.sub(r20).intoArray(v, o);
            r01.sub(r21).intoArray(v, o + vqs);
            r02.sub(r22).intoArray(v, o + 2 * vqs);
            r03.sub(r23).intoArray(v, o + 3 * vqs);
            r10.add(r20).intoArray(v, o + 4 * vqs);
            r11.add(r21).intoArray(v, o + 5 * vqs);
            r12.add(r22).intoArray(v, o + 6 * vqs);
            r13.add(r23).intoArray(v, o + 7 * vqs);
            r20.sub(r10).intoArray(v, o + 8 * vqs);
            r21.sub(r11).intoArray(v, o + 9 * vqs);
            r22.sub(r12).intoArray(v, o + 10 * vqs);
            r23.sub(r13).intoArray(v, o + 11 * vqs);
            r10.sub(r30).intoArray(v, o + 12 * vqs);
            r11.sub(r31).intoArray(v, o + 13 * vqs);
            r12.sub(r32).intoArray(v, o + 14 * vqs);
            r13.sub(r33).intoArray(v, o + 15 * vqs);
        }

        /**
         * {@code Y = A^T M A} ({@code A^T = [[1,1,1,0],[0,1,-1,-1]]}) for the tiles of column panel {@code jl} of
         * the block and the rows of row panel {@code ip}, then bias and epilogue, into the output (output channel
         * {@code co}'s plane at {@code yBase + co yPlane}).
         *
         * <p>The two output rows of the panel's tiles are staged in tile order with each tile's two columns side by
         * side (a two-vector zip of the left and right results), so a run of tiles in one tile row is a run of
         * consecutive floats of an output row; the runs are stored as whole vectors (the last one shifted back to
         * end at the run's end), runs shorter than a vector one float at a time (no masked stores: see the README's
         * limitations); a whole tile row of a map {@code L/2..L} wide ({@link #joinLanes}) as two vectors assembled
         * from its two staged rows, which are adjacent in the output. All rows of the panel are staged before any
         * run is stored: a run's loads then find the staged floats in L1 instead of waiting on the two stores each
         * of them spans (store forwarding fails there).
         */
        void outputTiles(Workspace ws, float[] m, int span, int jl, int ip, int rows, int j0, int yBase) {
            float[] st = ws.stage;
            int cols = Math.min(NR, tiles - j0);
            int qs = span * MR * NR;
            int perImage = tH * tW;
            int tx0 = (j0 % perImage) % tW;
            boolean joins = joinLanes;
            FloatVector join0 = FloatVector.fromArray(F, join, 0);
            FloatVector join1 = FloatVector.fromArray(F, join, L);
            FloatVector zipLo = FloatVector.fromArray(F, SimdConv.ZIP_LANES, 0);
            FloatVector zipHi = FloatVector.fromArray(F, SimdConv.ZIP_LANES, L);
            for (int r = 0; r < rows; r++) {
                int co = ip * MR + r;
                float bv = bias == null ? 0f : bias[co];
                // as SimdConv.biasEpilogue: no bias and no epilogue leave the sums as they are (a -0 stays -0)
                boolean biasOrEpilogue = ek != SimdGemm.EPI_NONE || bv != 0f;
                int base = jl * MR * NR + r * NR;
                int so = r * STAGE;
                for (int l = 0; l < NR && nq != Q; l += L) {
                    // 1 x 3: A^T M, (m0 + m1 + m2, m1 - m2 - m3), one output row
                    int o = base + l;
                    FloatVector m0 = FloatVector.fromArray(F, m, o);
                    FloatVector m1 = FloatVector.fromArray(F, m, o + qs);
                    FloatVector m2 = FloatVector.fromArray(F, m, o + 2 * qs);
                    FloatVector m3 = FloatVector.fromArray(F, m, o + 3 * qs);
                    FloatVector y0 = m0.add(m1).add(m2);
                    FloatVector y1 = m1.sub(m2).sub(m3);
                    if (biasOrEpilogue) {
                        // bias and epilogue as SimdConv.biasEpilogue applies them (the zip only moves lanes)
                        y0 = y0.add(bv);
                        y1 = y1.add(bv);
                        if (ek == SimdGemm.EPI_RELU) {
                            y0 = y0.max(0f);
                            y1 = y1.max(0f);
                        } else if (ek == SimdGemm.EPI_LEAKY) {
                            y0 = y0.mul(ea).blend(y0, y0.compare(VectorOperators.GT, 0f));
                            y1 = y1.mul(ea).blend(y1, y1.compare(VectorOperators.GT, 0f));
                        } else if (ek == SimdGemm.EPI_CLAMP) {
                            y0 = y0.max(ea).min(eb);
                            y1 = y1.max(ea).min(eb);
                        }
                    }
                    zipLo.selectFrom(y0, y1).intoArray(st, so + 2 * l);
                    zipHi.selectFrom(y0, y1).intoArray(st, so + 2 * l + L);
                }
                for (int l = 0; l < NR && nq == Q; l += L) {
                    int o = base + l;
                    FloatVector m0 = FloatVector.fromArray(F, m, o);
                    FloatVector m1 = FloatVector.fromArray(F, m, o + qs);
                    FloatVector m2 = FloatVector.fromArray(F, m, o + 2 * qs);
                    FloatVector m3 = FloatVector.fromArray(F, m, o + 3 * qs);
                    FloatVector m4 = FloatVector.fromArray(F, m, o + 4 * qs);
                    FloatVector m5 = FloatVector.fromArray(F, m, o + 5 * qs);
                    FloatVector m6 = FloatVector.fromArray(F, m, o + 6 * qs);
                    FloatVector m7 = FloatVector.fromArray(F, m, o + 7 * qs);
                    FloatVector m8 = FloatVector.fromArray(F, m, o + 8 * qs);
                    FloatVector m9 = FloatVector.fromArray(F, m, o + 9 * qs);
                    FloatVector m10 = FloatVector.fromArray(F, m, o + 10 * qs);
                    FloatVector m11 = FloatVector.fromArray(F, m, o + 11 * qs);
                    FloatVector m12 = FloatVector.fromArray(F, m, o + 12 * qs);
                    FloatVector m13 = FloatVector.fromArray(F, m, o + 13 * qs);
                    FloatVector m14 = FloatVector.fromArray(F, m, o + 14 * qs);
                    FloatVector m15 = FloatVector.fromArray(F, m, o + 15 * qs);
                    // A^T M: rows 0 (m_0k + m_1k + m_2k) and 1 (m_1k - m_2k - m_3k) for columns k
                    FloatVector s00 = m0.add(m4).add(m8);
                    FloatVector s01 = m1.add(m5).add(m9);
                    FloatVector s02 = m2.add(m6).add(m10);
                    FloatVector s03 = m3.add(m7).add(m11);
                    FloatVector s10 = m4.sub(m8).sub(m12);
                    FloatVector s11 = m5.sub(m9).sub(m13);
                    FloatVector s12 = m6.sub(m10).sub(m14);
                    FloatVector s13 = m7.sub(m11).sub(m15);
                    // (A^T M) A
                    FloatVector y00 = s00.add(s01).add(s02);
                    FloatVector y01 = s01.sub(s02).sub(s03);
                    FloatVector y10 = s10.add(s11).add(s12);
                    FloatVector y11 = s11.sub(s12).sub(s13);
                    if (biasOrEpilogue) {
                        y00 = y00.add(bv);
                        y01 = y01.add(bv);
                        y10 = y10.add(bv);
                        y11 = y11.add(bv);
                        if (ek == SimdGemm.EPI_RELU) {
                            y00 = y00.max(0f);
                            y01 = y01.max(0f);
                            y10 = y10.max(0f);
                            y11 = y11.max(0f);
                        } else if (ek == SimdGemm.EPI_LEAKY) {
                            y00 = y00.mul(ea).blend(y00, y00.compare(VectorOperators.GT, 0f));
                            y01 = y01.mul(ea).blend(y01, y01.compare(VectorOperators.GT, 0f));
                            y10 = y10.mul(ea).blend(y10, y10.compare(VectorOperators.GT, 0f));
                            y11 = y11.mul(ea).blend(y11, y11.compare(VectorOperators.GT, 0f));
                        } else if (ek == SimdGemm.EPI_CLAMP) {
                            y00 = y00.max(ea).min(eb);
                            y01 = y01.max(ea).min(eb);
                            y10 = y10.max(ea).min(eb);
                            y11 = y11.max(ea).min(eb);
                        }
                    }
                    // staged rows: top at [0, 2 NR), bottom at [2 NR + L, 4 NR + L) (a vector of slack after each)
                    zipLo.selectFrom(y00, y01).intoArray(st, so + 2 * l);
                    zipHi.selectFrom(y00, y01).intoArray(st, so + 2 * l + L);
                    zipLo.selectFrom(y10, y11).intoArray(st, so + BOTTOM + 2 * l);
                    zipHi.selectFrom(y10, y11).intoArray(st, so + BOTTOM + 2 * l + L);
                }
            }
            // then the stores (the staged rows are in L1 by now: no loads waiting on the stores just made)
            for (int r = 0; r < rows; r++) {
                int so = r * STAGE;
                int yo = yBase + (ip * MR + r) * yPlane;
                // runs of tiles within one tile row
                for (int s = 0; s < cols;) {
                    int j = j0 + s;
                    // a run after the first starts a tile row
                    int tx = s == 0 ? tx0 : 0;
                    int e = Math.min(cols, s + tW - tx);
                    int d = yo + oBase[j];
                    boolean rowEnd = tx + e - s == tW;
                    int w = 2 * (e - s) - (rowEnd && (oFlags[j0 + e - 1] & 1) == 0 ? 1 : 0);
                    boolean bottom = (oFlags[j] & 2) != 0;
                    if (joins && bottom && tx == 0 && rowEnd) {
                        // a whole tile row: its two output rows (w = outW each) are 2 w consecutive floats, two
                        // vectors assembled from the staged rows (the second ending at the run's end)
                        FloatVector top = FloatVector.fromArray(F, st, so + 2 * s);
                        FloatVector bot = FloatVector.fromArray(F, st, so + BOTTOM + 2 * s);
                        join0.selectFrom(top, bot).intoArray(y, d);
                        join1.selectFrom(top, bot).intoArray(y, d + 2 * w - L);
                    } else {
                        copyRun(st, so + 2 * s, y, d, w);
                        if (bottom) {
                            copyRun(st, so + BOTTOM + 2 * s, y, d + outW, w);
                        }
                    }
                    s = e;
                }
            }
        }

    }

    /**
     * Bytes of transformed input one task of a 3d convolution may hold: the transformed depth slices its output
     * slices read ({@code chunk + kD - 1} of them, each {@code 16 x Cin} rows of a block of column panels), in L2
     * with the GEMM results. Not final: tuning probes set it.
     */
    static int SLICE_BYTES = 1024 * 1024;

    /**
     * A 3d {@code kD x 3 x 3} convolution (every stride and dilation 1): F(2x2, 3x3) over each depth slice, and the
     * depth taps in the GEMMs. The transformed input of consecutive (zero-padded) input slices lies slice after slice
     * ({@code Cin} rows each) in the per-thread buffer, so the {@code kD Cin} rows output slice {@code d} needs
     * (depth tap {@code kd}, channel {@code ci}: slice {@code d + kd}) are consecutive rows at a uniform stride: one
     * GEMM with {@code K = kD Cin} per matrix, on weights transformed in that K order ({@link #transformWeights}).
     * A task is one image's run of output slices ({@code chunk}) over one block of column panels; each input slice
     * it needs is transformed once, when the first output slice that reads it comes up. Padding slices are zero
     * rows. Each output is computed by the same operations whichever task runs it.
     */
    static final class Job3 implements ThreadPool.Task {
        /** One slice's tile geometry, transforms and output staging. */
        final Job t = new Job();
        int inD;
        int outD;
        int padF;
        int kD;
        /** K of the GEMMs: {@code kD Cin}. */
        int kk;
        int blockPanels;
        int colBlocks;
        /** Output slices per task, and tasks per image and column block. */
        int chunk;
        int chunks;
        int tasks;

        void set(ConvGeometry g, Workspace ws, float[] x, int xOff, float[] u, float[] bias, float[] y, int yOff,
                Epilogue e) {
            t.setTiles(g, x, xOff);
            t.setCall(g, u, bias, y, yOff, e);
            if (ws.oBase.length < t.tiles) {
                ws.oBase = new int[t.tiles];
                ws.oFlags = new byte[t.tiles];
            }
            t.oBase = ws.oBase;
            t.oFlags = ws.oFlags;
            for (int ty = 0, j = 0; ty < t.tH; ty++) {
                for (int tx = 0; tx < t.tW; tx++, j++) {
                    t.oBase[j] = 2 * ty * t.outW + 2 * tx;
                    t.oFlags[j] = (byte) ((2 * tx + 1 < t.outW ? 1 : 0) | (2 * ty + 1 < t.outH ? 2 : 0));
                }
            }
            inD = g.inD();
            outD = g.outD();
            padF = g.padBefore(0);
            kD = g.kD();
            kk = kD * t.cin;
            // column blocks: the slices of up to 4 output slices within the budget (each input slice is then
            // transformed at most (4 + kD - 1) / 4 times over); then as many output slices as fit
            long panelBytes = (long) Q * t.cin * NR * Float.BYTES;
            int target = Math.min(outD, 4);
            blockPanels = (int) Math.max(1, Math.min(t.colPanels, SLICE_BYTES / (panelBytes * (target + kD - 1))));
            colBlocks = SimdGemm.ceilDiv(t.colPanels, blockPanels);
            t.ldb = blockPanels * NR + L;
            long sliceBytes = (long) Q * t.cin * t.ldb * Float.BYTES;
            int most = (int) Math.max(1, Math.min(outD, SLICE_BYTES / sliceBytes - (kD - 1)));
            chunks = SimdGemm.ceilDiv(outD, most);
            if (g.batch() * colBlocks * chunks < 2 && outD > 1) {
                chunks = 2; // two threads get work
            }
            chunk = SimdGemm.ceilDiv(outD, chunks);
            chunks = SimdGemm.ceilDiv(outD, chunk);
            // within SLICE_BYTES, or (one column panel, one output slice) the smallest buffer, which applies() has
            // checked fits an array
            t.vqs = spaced((chunk + kD - 1) * t.cin * t.ldb);
            tasks = g.batch() * chunks * colBlocks;
        }

        @Override
        public void run(int task) {
            Workspace ws = WS.get();
            int cb = task % colBlocks;
            int rest = task / colBlocks;
            int n = rest / chunks;
            int d0 = rest % chunks * chunk;
            int d1 = Math.min(outD, d0 + chunk);
            int jp0 = cb * blockPanels;
            int jp1 = Math.min(t.colPanels, jp0 + blockPanels);
            int span = jp1 - jp0;
            int j0 = jp0 * NR;
            int j1 = Math.min(t.tiles, jp1 * NR);
            int cin = t.cin;
            int ldb = t.ldb;
            int vqs = t.vqs;
            int inSlice = t.inH * t.inW;
            int outSlice = t.outH * t.outW;
            float[] v = ws.vb(Q * vqs);
            float[] m = ws.m(Q * span * MR * NR);
            int xBase = t.xOff + n * cin * inD * inSlice;
            int yBase = t.yOff + n * t.cout * outD * outSlice;
            int s0 = d0 - padF;
            int ready = 0;
            for (int d = d0; d < d1; d++) {
                // the input slices output slice d reads, each transformed once per task
                for (; ready < d - d0 + kD; ready++) {
                    int s = s0 + ready;
                    if (s >= 0 && s < inD) {
                        for (int ci = 0; ci < cin; ci++) {
                            t.transformInput(ws, v, xBase + (ci * inD + s) * inSlice, ready * cin + ci, j0, j1);
                        }
                    } else {
                        for (int q = 0; q < Q; q++) {
                            int o = q * vqs + ready * cin * ldb;
                            java.util.Arrays.fill(v, o, o + cin * ldb, 0f);
                        }
                    }
                }
                int bOff = (d - d0) * cin * ldb;
                for (int ip = 0; ip < t.rowPanels; ip++) {
                    int rows = Math.min(MR, t.cout - ip * MR);
                    for (int q = 0; q < Q; q++) {
                        int aBase = q * t.uqs + ip * MR * kk;
                        int bBase = q * vqs + bOff;
                        for (int jp = jp0; jp < jp1; jp++) {
                            SimdGemm.kernel(t.u, aBase, v, bBase + (jp - jp0) * NR, ldb, kk, m,
                                    (q * span + jp - jp0) * MR * NR, false, rows);
                        }
                    }
                    for (int jp = jp0; jp < jp1; jp++) {
                        t.outputTiles(ws, m, span, jp - jp0, ip, rows, jp * NR, yBase + d * outSlice);
                    }
                }
            }
        }
    }

    /**
     * The weight gradient of a convolution this path serves ({@link #appliesWeightGrad}), by the adjoint of the forward
     * transform: {@code dW = G^T [sum over tiles (A dy A^T) . (B^T d B)] G}, 16 GEMMs {@code Cout x Cin} over the
     * tiles ({@code K = T}, the library's SGEMM, {@code A B^T}). Exact in exact arithmetic; on integer data every
     * step is exact ({@code G^T} holds halves), so it equals the direct reference there.
     */
    static void weightGrad(ConvGeometry g, float[] x, int xOff, float[] dy, int dyOff, float[] dw, int dwOff) {
        Workspace ws = WS.get();
        WeightGradJob job = ws.wgrad;
        Job t = job.tiles;
        t.setTiles(g, x, xOff);
        int cin = t.cin;
        int cout = t.cout;
        t.ldb = t.colPanels * NR + L;
        t.vqs = spaced(cin * t.ldb);
        job.dqs = spaced(cout * t.ldb);
        job.mqs = spaced(cout * cin);
        long need = Math.max((long) Q * t.vqs, (long) Q * job.dqs);
        if (need > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("backwardWeight: the Winograd transform of " + g.name() + " needs "
                    + need + " floats, more than an array holds");
        }
        if (ws.vAll.length < Q * t.vqs) {
            ws.vAll = new float[Q * t.vqs];
        }
        if (ws.dAll.length < Q * job.dqs) {
            ws.dAll = new float[Q * job.dqs];
        }
        if (ws.mAll.length < Q * job.mqs) {
            ws.mAll = new float[Q * job.mqs];
        }
        job.v = ws.vAll;
        job.d = ws.dAll;
        job.m = ws.mAll;
        job.dy = dy;
        job.dyOff = dyOff;
        job.dw = dw;
        job.dwOff = dwOff;
        try {
            job.phase = 0;
            SimdCnn.pool().run(cin + cout, job);
            job.phase = 2;
            SimdCnn.pool().run(Q, job);
            job.phase = 1;
            SimdCnn.pool().run(cout, job);
        } finally {
            job.dy = null;
            job.dw = null;
            t.clear();
        }
    }

    /**
     * Phase 0: task {@code c < Cin} transforms input channel {@code c} of all images, task {@code Cin + co} output
     * gradient channel {@code co}; phase 2: task {@code q} runs GEMM {@code q}; phase 1: task {@code co} turns the 16
     * sums of output channel {@code co} into its {@code Cin x 3 x 3} gradient.
     */
    static final class WeightGradJob implements ThreadPool.Task {
        final Job tiles = new Job();
        int phase;
        float[] v;
        float[] d;
        float[] m;
        float[] dy;
        int dyOff;
        float[] dw;
        int dwOff;
        int dqs;
        int mqs;

        @Override
        public void run(int task) {
            Workspace ws = WS.get();
            Job t = tiles;
            if (phase == 0) {
                if (task < t.cin) {
                    t.transformInput(ws, v, t.xOff + task * t.inH * t.inW, task, 0, t.tiles);
                } else {
                    transformGrad(ws, task - t.cin);
                }
            } else if (phase == 2) {
                // one of the 16 GEMMs (the SGEMM runs its own tasks inline inside a pool task): the GEMMs of a few
                // large channel pairs are single tasks, so running them one after another kept a second thread idle
                int q = task;
                SimdGemm.INSTANCE.sgemm(false, true, t.cout, t.cin, t.tiles, 1f, d, q * dqs, t.ldb, v, q * t.vqs,
                        t.ldb, 0f, m, q * mqs, t.cin, null, 0, org.simdcnn.kernels.BiasMode.NONE, Epilogue.NONE);
            } else {
                transformSums(ws, task);
            }
        }

        /** {@code A dy A^T} ({@code A = [[1,0],[1,1],[1,-1],[0,-1]]}) of every 2x2 tile of output channel {@code co}. */
        private void transformGrad(Workspace ws, int co) {
            Job t = tiles;
            int tH = t.tH;
            int tW = t.tW;
            int len = t.len;
            int ldb = t.ldb;
            int outH = t.outH;
            int outW = t.outW;
            int perImage = tH * tW;
            int hp = 2 * tH + 2;
            int eOff = t.eOff();
            int oOff = eOff + hp * len + 2 * L;
            float[] p = ws.plane(oOff + hp * len + 2 * L);
            for (int n = 0; n < t.g.batch(); n++) {
                t.split(p, dy, dyOff + (n * t.cout + co) * outH * outW, outH, outW, 0, 0, 0, 2 * tH, eOff, oOff);
                for (int ty = 0; ty < tH; ty++) {
                    int dst = co * ldb + n * perImage + ty * tW;
                    for (int tx = 0; tx < tW; tx += L) {
                        int a = eOff + 2 * ty * len + tx;
                        FloatVector d00 = FloatVector.fromArray(F, p, a);
                        FloatVector d01 = FloatVector.fromArray(F, p, a + oOff - eOff);
                        FloatVector d10 = FloatVector.fromArray(F, p, a + len);
                        FloatVector d11 = FloatVector.fromArray(F, p, a + oOff - eOff + len);
                        // rows of the tile times A^T: (d0, d0 + d1, d0 - d1, -d1)
                        FloatVector u01 = d00.add(d01);
                        FloatVector u02 = d00.sub(d01);
                        FloatVector u03 = d01.neg();
                        FloatVector u11 = d10.add(d11);
                        FloatVector u12 = d10.sub(d11);
                        FloatVector u13 = d11.neg();
                        // then A times the columns: matrix 4 i + k
                        int o = dst + tx;
                        d00.intoArray(d, o);
                        u01.intoArray(d, o + dqs);
                        u02.intoArray(d, o + 2 * dqs);
                        u03.intoArray(d, o + 3 * dqs);
                        d00.add(d10).intoArray(d, o + 4 * dqs);
                        u01.add(u11).intoArray(d, o + 5 * dqs);
                        u02.add(u12).intoArray(d, o + 6 * dqs);
                        u03.add(u13).intoArray(d, o + 7 * dqs);
                        d00.sub(d10).intoArray(d, o + 8 * dqs);
                        u01.sub(u11).intoArray(d, o + 9 * dqs);
                        u02.sub(u12).intoArray(d, o + 10 * dqs);
                        u03.sub(u13).intoArray(d, o + 11 * dqs);
                        d10.neg().intoArray(d, o + 12 * dqs);
                        u11.neg().intoArray(d, o + 13 * dqs);
                        u12.neg().intoArray(d, o + 14 * dqs);
                        u13.neg().intoArray(d, o + 15 * dqs);
                    }
                }
            }
        }

        /**
         * {@code G^T M G} for output channel {@code co} and every input channel ({@code G^T = [[1,½,½,0],[0,½,-½,0],
         * [0,½,½,1]]}), {@code L} input channels at a time (the last vector shifted back to end at {@code Cin}).
         */
        private void transformSums(Workspace ws, int co) {
            int cin = tiles.cin;
            float[] st = ws.stage;
            for (int c0 = 0;; c0 += L) {
                int ci = Math.min(c0, cin - L);
                int o = co * cin + ci;
                sumsToTaps(m, o, mqs, st);
                int dst = dwOff + o * 9;
                for (int l = 0; l < L; l++) {
                    for (int tap = 0; tap < 9; tap++) {
                        dw[dst + l * 9 + tap] = st[tap * L + l];
                    }
                }
                if (ci + L >= cin) {
                    return;
                }
            }
        }
    }

    /**
     * {@code G^T M G} ({@code G^T = [[1,½,½,0],[0,½,-½,0],[0,½,½,1]]}) for {@code L} channel pairs at once: the 16
     * sums {@code M_q} are the vectors at {@code m[o + q qs]}; tap {@code 3 i + j} of the 3 x 3 result goes to
     * {@code st[(3 i + j) L ..]}. All 16 are read before anything is written.
     */
    static void sumsToTaps(float[] m, int o, int qs, float[] st) {
        // rows of G^T M: r0 = M0 + (M1 + M2) / 2, r1 = (M1 - M2) / 2, r2 = (M1 + M2) / 2 + M3, per column b
        FloatVector m0 = FloatVector.fromArray(F, m, o);
        FloatVector m4 = FloatVector.fromArray(F, m, o + 4 * qs);
        FloatVector m8 = FloatVector.fromArray(F, m, o + 8 * qs);
        FloatVector m12 = FloatVector.fromArray(F, m, o + 12 * qs);
        FloatVector h = m4.add(m8).mul(0.5f);
        FloatVector r00 = m0.add(h);
        FloatVector r10 = m4.sub(m8).mul(0.5f);
        FloatVector r20 = h.add(m12);
        FloatVector m1 = FloatVector.fromArray(F, m, o + qs);
        FloatVector m5 = FloatVector.fromArray(F, m, o + 5 * qs);
        FloatVector m9 = FloatVector.fromArray(F, m, o + 9 * qs);
        FloatVector m13 = FloatVector.fromArray(F, m, o + 13 * qs);
        h = m5.add(m9).mul(0.5f);
        FloatVector r01 = m1.add(h);
        FloatVector r11 = m5.sub(m9).mul(0.5f);
        FloatVector r21 = h.add(m13);
        FloatVector m2 = FloatVector.fromArray(F, m, o + 2 * qs);
        FloatVector m6 = FloatVector.fromArray(F, m, o + 6 * qs);
        FloatVector m10 = FloatVector.fromArray(F, m, o + 10 * qs);
        FloatVector m14 = FloatVector.fromArray(F, m, o + 14 * qs);
        h = m6.add(m10).mul(0.5f);
        FloatVector r02 = m2.add(h);
        FloatVector r12 = m6.sub(m10).mul(0.5f);
        FloatVector r22 = h.add(m14);
        FloatVector m3 = FloatVector.fromArray(F, m, o + 3 * qs);
        FloatVector m7 = FloatVector.fromArray(F, m, o + 7 * qs);
        FloatVector m11 = FloatVector.fromArray(F, m, o + 11 * qs);
        FloatVector m15 = FloatVector.fromArray(F, m, o + 15 * qs);
        h = m7.add(m11).mul(0.5f);
        FloatVector r03 = m3.add(h);
        FloatVector r13 = m7.sub(m11).mul(0.5f);
        FloatVector r23 = h.add(m15);
        // (G^T M) G: columns j = 0, 1, 2 of row i, tap 3 i + j staged at st[(3 i + j) L]
        h = r01.add(r02).mul(0.5f);
        r00.add(h).intoArray(st, 0);
        r01.sub(r02).mul(0.5f).intoArray(st, L);
        h.add(r03).intoArray(st, 2 * L);
        h = r11.add(r12).mul(0.5f);
        r10.add(h).intoArray(st, 3 * L);
        r11.sub(r12).mul(0.5f).intoArray(st, 4 * L);
        h.add(r13).intoArray(st, 5 * L);
        h = r21.add(r22).mul(0.5f);
        r20.add(h).intoArray(st, 6 * L);
        r21.sub(r22).mul(0.5f).intoArray(st, 7 * L);
        h.add(r23).intoArray(st, 8 * L);
    }

    /** Offset of the staged bottom rows in {@link Workspace#stage}. */
    static final int BOTTOM = 2 * NR + L;
    /** Floats of one staged row of {@link Job#outputTiles}: top and bottom rows, a vector of slack after each. */
    static final int STAGE = 4 * NR + 2 * L;
    /** Copies {@code n} floats: whole vectors, the last shifted back to end at the end; fewer than L one by one. */
    static void copyRun(float[] src, int s, float[] dst, int d, int n) {
        if (n < L) {
            for (int k = 0; k < n; k++) {
                dst[d + k] = src[s + k];
            }
            return;
        }
        for (int k = 0;; k += L) {
            int kk = Math.min(k, n - L);
            FloatVector.fromArray(F, src, s + kk).intoArray(dst, d + kk);
            if (kk + L >= n) {
                return;
            }
        }
    }
}
