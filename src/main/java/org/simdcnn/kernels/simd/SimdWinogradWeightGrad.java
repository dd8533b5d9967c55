package org.simdcnn.kernels.simd;

import static org.simdcnn.kernels.simd.SimdGemm.F;
import static org.simdcnn.kernels.simd.SimdGemm.L;

import jdk.incubator.vector.FloatVector;
import org.simdcnn.SimdCnn;
import org.simdcnn.geometry.ConvGeometry;
import org.simdcnn.parallel.ThreadPool;

/**
 * The weight gradient of a 3x3 stride-1 convolution (2d, or 3d {@code kD x 3 x 3} with every stride 1) by Winograd
 * F(2x2, 3x3) with channels in the vector lanes: {@code dW = G^T [sum over tiles (A dy A^T) . (B^T d B)] G}, the sum
 * being 16 products {@code Cout x Cin} whose K runs over the tiles (in 3d, per depth tap {@code kd}, over the tiles
 * of every output slice {@code d} paired with input slice {@code d + kd - padD}).
 *
 * <p>{@link SimdWinograd#weightGrad} lays the transformed operands out with the tiles in the lanes and hands them to
 * the library's SGEMM, which packs both (a transposing pack for the B side) from buffers of every tile: with few
 * channels that traffic outweighs the saved multiplications. Here the tiles are taken a block at a time (the tile
 * rows of one image that keep the block's transformed operands within {@link #BLOCK_BYTES}, in L2):
 * <ol>
 *   <li>the block's input rows and output-gradient rows are transposed to channel-last ({@code [row][column]
 *       [channel]}, zero-padded; {@code L x L} register transposes by two-vector permutations);</li>
 *   <li>{@code V = B^T d B} and {@code D = A dy A^T} are computed with {@code L} channels per vector, and each
 *       result vector is already a row of a GEMM panel: {@code V_q[t][ci]} (the vector operand) and
 *       {@code D_q[t][co]} (broadcast one output channel at a time);</li>
 *   <li>an 8 x 2-vector kernel adds {@code D_q^T V_q} into the chunk's 16 sums (in 3d: the output gradient's block
 *       is transformed once, the input slice of each depth tap in turn, into that tap's 16 sums).</li>
 * </ol>
 * The tile rows of all output slices of all images are split into a fixed number of chunks that depends on the geometry
 * only, each with its own sums; the sums are added in chunk order before {@code G^T M G}, so results are identical for
 * any thread count. On integer data every step is exact ({@code G^T} holds halves), so the result equals the direct
 * reference.
 */
final class SimdWinogradWeightGrad {
    /**
     * Bytes of one block's transformed operands (both, all 16 matrices): mnist_c2 (a 7-tile-row image is 301 KB)
     * measured 2.91 ms per call at 512 KiB and 1 MiB (whole images), 3.10 at 256 KiB, 3.23 at 128 KiB and 3.88 at 64
     * KiB (shorter K per kernel call). Not final: tuning probes vary it.
     */
    static int BLOCK_BYTES = 512 * 1024;
    /** Most chunks of tile rows (each with its own 16 sums). */
    static final int MAX_CHUNKS = 8;
    /** Bytes all chunks' sums may take together (fewer chunks when the channels are many). */
    static final long SUM_BYTES = 4L << 20;
    /** Rows (output channels) of the kernel's register tile. */
    static final int KR = 8;
    static final int Q = 16;
    /** Whether the path is on (not final: tuning probes turn it off). */
    static boolean ENABLED = true;

    private SimdWinogradWeightGrad() {
    }

    /**
     * Most (input channels) x (output channels), each rounded up to whole vectors. Measured in one JVM against the
     * previous paths (minimum of 60-200 calls alternating with them, one thread; {@code GemmTune wgrad} repeats it): 64
     * x 64 at 56x56 152 vs 118 GFLOP/s, 8 x 64 x 64 at 28x28 175 vs 117, 4 x 64 -> 128 at 28x28 173 vs 146, 4 x 128 ->
     * 64 155 vs 135; but 2 x 128 x 128 at 28x28 163 vs 175 and 1 x 128 x 128 130 vs 158, 8 x 256 x 256 at 14x14 130 vs
     * 185, where the tiles-in-lanes path ({@link SimdWinograd#weightGrad}) stays.
     */
    static final int MAX_CHANNEL_PAIRS = 128 * 64;

    /**
     * Whether the weight gradient of {@code g} takes this path: a 3x3 (2d) or {@code kD x 3 x 3} (3d) geometry of the
     * Winograd path ({@link SimdWinograd#appliesGradient}: every stride and dilation 1, one group, 16+ channels, 64+
     * tiles) with at most {@link #MAX_CHANNEL_PAIRS} channel pairs, one chunk's sums within {@link #SUM_BYTES} and
     * a tile row's buffers well within an array.
     */
    static boolean applies(ConvGeometry g) {
        if (!ENABLED || !SimdWinograd.appliesGradient(g) || g.kH() != 3 || g.kW() != 3 || g.kD() > 64) {
            return false;
        }
        long cp = SimdGemm.roundUp(g.inChannels(), L);
        long dp = SimdGemm.roundUp(g.outChannels(), L);
        long tW = (g.outW() + 1) / 2;
        return cp * dp <= MAX_CHANNEL_PAIRS && Q * g.kD() * (cp * dp + 1040) * Float.BYTES <= SUM_BYTES
                && Q * tW * (cp + dp) < Integer.MAX_VALUE / 4;
    }

    /** Per-thread buffers: the channel-last input and gradient rows of a block, their transforms, a staging area. */
    static final class Workspace {
        float[] xb = new float[0];
        float[] db = new float[0];
        float[] vt = new float[0];
        float[] dt = new float[0];
        /** The 16 summed matrices of {@code L} channel pairs, and their 9 taps. */
        final float[] msum = new float[Q * L];
        final float[] stage = new float[9 * L];
        /** The job of calls made from this thread, and the chunks' sums and pixel tables it uses. */
        final Job job = new Job();
        float[] sums = new float[0];
        int[] posX = new int[0];
        int[] posD = new int[0];
    }

    private static final ThreadLocal<Workspace> WS = ThreadLocal.withInitial(Workspace::new);

    static float[] grow(float[] a, int n) {
        return a.length < n ? new float[n] : a;
    }

    static void weightGrad(ConvGeometry g, float[] x, int xOff, float[] dy, int dyOff, float[] dw, int dwOff) {
        Workspace ws = WS.get();
        Job job = ws.job;
        job.set(g, ws);
        job.x = x;
        job.xOff = xOff;
        job.dy = dy;
        job.dyOff = dyOff;
        job.dw = dw;
        job.dwOff = dwOff;
        try {
            job.phase = 0;
            SimdCnn.pool().run(job.chunks, job);
            job.phase = 1;
            SimdCnn.pool().run(job.swap ? job.cin : job.cout, job);
        } finally {
            job.x = null;
            job.dy = null;
            job.dw = null;
            job.sums = null;
        }
    }

    /** Phase 0: task {@code c} runs chunk {@code c} into its sums; phase 1: task {@code r} turns row r of the sums. */
    static final class Job implements ThreadPool.Task {
        int phase;
        float[] x;
        int xOff;
        float[] dy;
        int dyOff;
        float[] dw;
        int dwOff;
        float[] sums;
        int[] posX;
        int[] posD;
        int batch;
        int cin;
        int cout;
        /** Channel strides of the channel-last buffers (channels rounded up to whole vectors). */
        int cp;
        int dp;
        int inH;
        int inW;
        int outH;
        int outW;
        int padT;
        /** Depth: kernel, input and output slices, zero slices before the input (all 1, 1, 1, 0 in 2d). */
        int kD;
        int inD;
        int outD;
        int padD;
        int tH;
        int tW;
        /** Row widths (pixels) of the channel-last input ({@code 2 tW + 2}) and gradient ({@code 2 tW}) buffers. */
        int wp;
        int wq;
        /** Tile rows per block, tile rows of all output slices of all images, chunks. */
        int blockRows;
        int rows;
        int chunks;
        /**
         * Floats from one transformed matrix to the next ({@code V}, {@code D}), one sum matrix to the next, one
         * chunk's sums ({@code 16 kD} matrices, tap {@code kd}'s at {@code kd 16 sqs}).
         */
        int vqs;
        int dqs;
        int sqs;
        int chunkSums;
        /**
         * Whether the sums are {@code Cin x Cout} (rows broadcast from V, columns vectors of D) rather than
         * {@code Cout x Cin}: when the input channels fill an odd number of vectors and the output channels exactly an
         * even one, so the kernel runs two vectors of columns instead of one (9 loads per 8 multiply-adds). Measured
         * in one JVM (minimum of 200 calls): conv3d_small (16 -> 32) 157 vs 136 GFLOP/s, 16 -> 32 at 28x28 101 vs
         * 97, 48 -> 64 161 vs 159; but 16 -> 24 (a quarter of the swapped columns padding) 129 vs 147.
         */
        boolean swap;

        void set(ConvGeometry g, Workspace ws) {
            batch = g.batch();
            cin = g.inChannels();
            cout = g.outChannels();
            cp = SimdGemm.roundUp(cin, L);
            dp = SimdGemm.roundUp(cout, L);
            swap = cp % (2 * L) != 0 && cout % (2 * L) == 0;
            inH = g.inH();
            inW = g.inW();
            outH = g.outH();
            outW = g.outW();
            padT = g.padBefore(1);
            int padL = g.padBefore(2);
            kD = g.kD();
            inD = g.inD();
            outD = g.outD();
            padD = g.padBefore(0);
            tH = (outH + 1) / 2;
            tW = (outW + 1) / 2;
            wp = 2 * tW + 2;
            wq = 2 * tW;
            long rowBytes = (long) tW * Q * (cp + dp) * Float.BYTES;
            blockRows = (int) Math.max(1, Math.min(tH, BLOCK_BYTES / rowBytes));
            rows = batch * outD * tH;
            sqs = SimdWinograd.spaced(dp * cp);
            chunkSums = Q * kD * sqs;
            chunks = (int) Math.max(1, Math.min(Math.min(rows, MAX_CHUNKS), SUM_BYTES / (4L * chunkSums)));
            int blockTiles = blockRows * tW;
            vqs = SimdWinograd.spaced(blockTiles * cp);
            dqs = SimdWinograd.spaced(blockTiles * dp);
            // every size fits an int: applies() bounds one chunk's sums by SUM_BYTES (and chunks * chunkSums is at
            // most SUM_BYTES / 4 floats, or one chunk) and a tile row's transformed operands well below an array
            ws.sums = grow(ws.sums, chunks * chunkSums);
            sums = ws.sums;
            // where each input pixel and each gradient pixel goes in a channel-last buffer whose first row is padded
            // row 0 (the input's row -padT) or output row 0
            if (ws.posX.length < inH * inW) {
                ws.posX = new int[inH * inW];
            }
            if (ws.posD.length < outH * outW) {
                ws.posD = new int[outH * outW];
            }
            posX = ws.posX;
            posD = ws.posD;
            for (int iy = 0, p = 0; iy < inH; iy++) {
                for (int ix = 0; ix < inW; ix++, p++) {
                    posX[p] = ((iy + padT) * wp + ix + padL) * cp;
                }
            }
            for (int oy = 0, p = 0; oy < outH; oy++) {
                for (int ox = 0; ox < outW; ox++, p++) {
                    posD[p] = (oy * wq + ox) * dp;
                }
            }
        }

        @Override
        public void run(int task) {
            Workspace ws = WS.get();
            if (phase == 1) {
                transformSums(ws, task);
                return;
            }
            int r0 = (int) ((long) task * rows / chunks);
            int r1 = (int) ((long) (task + 1) * rows / chunks);
            int sBase = task * chunkSums;
            ws.xb = grow(ws.xb, (2 * blockRows + 2) * wp * cp);
            ws.db = grow(ws.db, 2 * blockRows * wq * dp);
            ws.vt = grow(ws.vt, Q * vqs);
            ws.dt = grow(ws.dt, Q * dqs);
            long started = 0;
            for (int r = r0; r < r1;) {
                int slice = r / tH;
                int ty0 = r - slice * tH;
                int ty1 = Math.min(Math.min(tH, ty0 + blockRows), r1 - slice * tH);
                started = block(ws, slice / outD, slice % outD, ty0, ty1, sBase, started);
                r += ty1 - ty0;
            }
            // depth taps that no block of this chunk reached (their input slices all in the depth padding) add 0
            for (int kd = 0; kd < kD; kd++) {
                if ((started & 1L << kd) == 0) {
                    java.util.Arrays.fill(sums, sBase + kd * Q * sqs, sBase + (kd + 1) * Q * sqs, 0f);
                }
            }
        }

        /**
         * Tile rows {@code [ty0, ty1)} of output slice {@code od} of image {@code n}: the output gradient transposed
         * and transformed once; for every depth tap {@code kd} whose input slice {@code od + kd - padD} exists, that
         * slice's rows transposed, transformed and multiplied into the tap's sums at {@code sBase}. {@code started}:
         * the taps whose sums this chunk has written (a tap's first product overwrites them); returned updated.
         */
        private long block(Workspace ws, int n, int od, int ty0, int ty1, int sBase, long started) {
            float[] xb = ws.xb;
            float[] db = ws.db;
            int xRows = 2 * (ty1 - ty0) + 2;
            int dRows = 2 * (ty1 - ty0);
            int oyB = Math.min(outH, 2 * ty1);
            if (oyB - 2 * ty0 < dRows || outW < wq) {
                java.util.Arrays.fill(db, 0, dRows * wq * dp, 0f);
            }
            int dPlane = outH * outW;
            for (int c0 = 0;; c0 += L) {
                int c = Math.min(c0, cout - L);
                toChannelLast(dy, dyOff + ((n * cout + c) * outD + od) * dPlane, outD * dPlane, dPlane,
                        2 * ty0 * outW, oyB * outW, posD, c - 2 * ty0 * wq * dp, db);
                if (c + L >= cout) {
                    break;
                }
            }
            transformGrad(ws, ty1 - ty0);
            int iyA = Math.max(0, 2 * ty0 - padT);
            int iyB = Math.min(inH, 2 * ty0 + xRows - padT);
            int xPlane = inH * inW;
            for (int kd = 0; kd < kD; kd++) {
                int id = od + kd - padD;
                if (id < 0 || id >= inD) {
                    continue;
                }
                java.util.Arrays.fill(xb, 0, xRows * wp * cp, 0f);
                for (int c0 = 0;; c0 += L) {
                    int c = Math.min(c0, cin - L);
                    toChannelLast(x, xOff + ((n * cin + c) * inD + id) * xPlane, inD * xPlane, xPlane, iyA * inW,
                            iyB * inW, posX, c - 2 * ty0 * wp * cp, xb);
                    if (c + L >= cin) {
                        break;
                    }
                }
                transformInput(ws, ty1 - ty0);
                multiply(ws, (ty1 - ty0) * tW, sBase + kd * Q * sqs, (started & 1L << kd) == 0);
                started |= 1L << kd;
            }
            return started;
        }

        /** The 16 products {@code D_q^T V_q} over the block's {@code tiles}, into (or added into) the sums at sBase. */
        private void multiply(Workspace ws, int tiles, int sBase, boolean first) {
            float[] vt = ws.vt;
            float[] dt = ws.dt;
            // rows: output channels (broadcast from D), columns: input channels (vectors of V); or swapped
            float[] a = swap ? vt : dt;
            float[] b = swap ? dt : vt;
            int aqs = swap ? vqs : dqs;
            int bqs = swap ? dqs : vqs;
            int lda = swap ? cp : dp;
            int ldb = swap ? dp : cp;
            int rowCount = swap ? cin : cout;
            for (int q = 0; q < Q; q++) {
                for (int i0 = 0; i0 < rowCount; i0 += KR) {
                    int s = sBase + q * sqs + i0 * ldb;
                    int j0 = 0;
                    for (; j0 + 2 * L <= ldb; j0 += 2 * L) {
                        SimdGemm.kernel8(a, q * aqs + i0, lda, b, q * bqs + j0, ldb, tiles, sums, s + j0, ldb, !first);
                    }
                    if (j0 < ldb) {
                        kernel1(a, q * aqs + i0, lda, b, q * bqs + j0, ldb, tiles, sums, s + j0, ldb, first);
                    }
                }
            }
        }

        /** {@code V = B^T d B} of every tile of the block, {@code L} input channels per vector, into {@code vt}. */
        private void transformInput(Workspace ws, int blockTileRows) {
            float[] xb = ws.xb;
            float[] v = ws.vt;
            int rs = wp * cp;
            for (int ty = 0; ty < blockTileRows; ty++) {
                for (int tx = 0; tx < tW; tx++) {
                    int t = ty * tW + tx;
                    for (int c0 = 0;; c0 += L) {
                        int c = Math.min(c0, cin - L);
                        int a = (2 * ty * wp + 2 * tx) * cp + c;
                        // d B per row: (d0 - d2, d1 + d2, d2 - d1, d1 - d3)
                        FloatVector d0 = FloatVector.fromArray(F, xb, a);
                        FloatVector d1 = FloatVector.fromArray(F, xb, a + cp);
                        FloatVector d2 = FloatVector.fromArray(F, xb, a + 2 * cp);
                        FloatVector d3 = FloatVector.fromArray(F, xb, a + 3 * cp);
                        FloatVector r00 = d0.sub(d2);
                        FloatVector r01 = d1.add(d2);
                        FloatVector r02 = d2.sub(d1);
                        FloatVector r03 = d1.sub(d3);
                        a += rs;
                        d0 = FloatVector.fromArray(F, xb, a);
                        d1 = FloatVector.fromArray(F, xb, a + cp);
                        d2 = FloatVector.fromArray(F, xb, a + 2 * cp);
                        d3 = FloatVector.fromArray(F, xb, a + 3 * cp);
                        FloatVector r10 = d0.sub(d2);
                        FloatVector r11 = d1.add(d2);
                        FloatVector r12 = d2.sub(d1);
                        FloatVector r13 = d1.sub(d3);
                        a += rs;
                        d0 = FloatVector.fromArray(F, xb, a);
                        d1 = FloatVector.fromArray(F, xb, a + cp);
                        d2 = FloatVector.fromArray(F, xb, a + 2 * cp);
                        d3 = FloatVector.fromArray(F, xb, a + 3 * cp);
                        FloatVector r20 = d0.sub(d2);
                        FloatVector r21 = d1.add(d2);
                        FloatVector r22 = d2.sub(d1);
                        FloatVector r23 = d1.sub(d3);
                        a += rs;
                        d0 = FloatVector.fromArray(F, xb, a);
                        d1 = FloatVector.fromArray(F, xb, a + cp);
                        d2 = FloatVector.fromArray(F, xb, a + 2 * cp);
                        d3 = FloatVector.fromArray(F, xb, a + 3 * cp);
                        FloatVector r30 = d0.sub(d2);
                        FloatVector r31 = d1.add(d2);
                        FloatVector r32 = d2.sub(d1);
                        FloatVector r33 = d1.sub(d3);
                        // B^T (d B): matrix 4 i + k is row i of the column transform of column k
                        int o = t * cp + c;
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
                        if (c + L >= cin) {
                            break;
                        }
                    }
                }
            }
        }

        /** {@code D = A dy A^T} ({@code A = [[1,0],[1,1],[1,-1],[0,-1]]}) of every tile of the block, into dt. */
        private void transformGrad(Workspace ws, int blockTileRows) {
            float[] db = ws.db;
            float[] d = ws.dt;
            int rs = wq * dp;
            for (int ty = 0; ty < blockTileRows; ty++) {
                for (int tx = 0; tx < tW; tx++) {
                    int t = ty * tW + tx;
                    for (int c0 = 0;; c0 += L) {
                        int c = Math.min(c0, cout - L);
                        int a = (2 * ty * wq + 2 * tx) * dp + c;
                        FloatVector d00 = FloatVector.fromArray(F, db, a);
                        FloatVector d01 = FloatVector.fromArray(F, db, a + dp);
                        FloatVector d10 = FloatVector.fromArray(F, db, a + rs);
                        FloatVector d11 = FloatVector.fromArray(F, db, a + rs + dp);
                        // rows of the tile times A^T: (d0, d0 + d1, d0 - d1, -d1); then A times the columns
                        FloatVector u01 = d00.add(d01);
                        FloatVector u02 = d00.sub(d01);
                        FloatVector u03 = d01.neg();
                        FloatVector u11 = d10.add(d11);
                        FloatVector u12 = d10.sub(d11);
                        FloatVector u13 = d11.neg();
                        int o = t * dp + c;
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
                        if (c + L >= cout) {
                            break;
                        }
                    }
                }
            }
        }

        /**
         * Row {@code row} of the sums (an output channel, or an input channel when {@link #swap}), every depth tap:
         * the chunks' 16 sums added in chunk order, then {@code G^T M G} ({@code G^T = [[1,½,½,0],[0,½,-½,0],
         * [0,½,½,1]]}) for {@code L} columns at a time (the last vector shifted back to end at the last column), into
         * {@code dW}.
         */
        private void transformSums(Workspace ws, int row) {
            for (int kd = 0; kd < kD; kd++) {
                transformSums(ws, row, kd);
            }
        }

        private void transformSums(Workspace ws, int row, int kd) {
            float[] st = ws.stage;
            float[] msum = ws.msum;
            int cols = swap ? cout : cin;
            int ld = swap ? dp : cp;
            for (int c0 = 0;; c0 += L) {
                int ci = Math.min(c0, cols - L);
                int o = kd * Q * sqs + row * ld + ci;
                for (int q = 0; q < Q; q++) {
                    FloatVector acc = FloatVector.fromArray(F, sums, o + q * sqs);
                    for (int k = 1; k < chunks; k++) {
                        acc = acc.add(FloatVector.fromArray(F, sums, k * chunkSums + o + q * sqs));
                    }
                    acc.intoArray(msum, q * L);
                }
                SimdWinograd.sumsToTaps(msum, 0, L, st);
                // lane l is (output channel row, input channel ci + l), or swapped (ci + l, row)
                int dst = dwOff + ((swap ? ci * cin + row : row * cin + ci) * kD + kd) * 9;
                int laneStride = (swap ? cin : 1) * kD * 9;
                for (int l = 0; l < L; l++) {
                    for (int tap = 0; tap < 9; tap++) {
                        dw[dst + l * laneStride + tap] = st[tap * L + l];
                    }
                }
                if (ci + L >= cols) {
                    return;
                }
            }
        }
    }

    /** Lane indexes of the two-vector zips: lanes {@code 0..L/2-1} of both inputs interleaved; the upper halves. */
    private static final FloatVector ZIP_LO;
    private static final FloatVector ZIP_HI;

    static {
        float[] lo = new float[L];
        float[] hi = new float[L];
        for (int j = 0; j < L / 2; j++) {
            lo[2 * j] = j;
            lo[2 * j + 1] = L + j;
            hi[2 * j] = L / 2 + j;
            hi[2 * j + 1] = L + L / 2 + j;
        }
        ZIP_LO = FloatVector.fromArray(F, lo, 0);
        ZIP_HI = FloatVector.fromArray(F, hi, 0);
    }

    /**
     * {@code L} channel planes ({@code src[s + c ld + p]}, {@code c < L}, {@code p < plane}) over plane positions
     * {@code [p0, p1)} into the channel-last buffer: pixel {@code p}'s {@code L} channels at {@code dst[pos[p] + d]}.
     * Runs of {@code L} positions are transposed in registers (the last run shifted back to end at the plane's end, so
     * no load leaves the channels' planes); planes smaller than a vector are copied one float at a time.
     */
    static void toChannelLast(float[] src, int s, int ld, int plane, int p0, int p1, int[] pos, int d,
            float[] dst) {
        if (p0 >= p1) {
            return;
        }
        if (plane < L) {
            for (int c = 0; c < L; c++) {
                for (int p = p0; p < p1; p++) {
                    dst[pos[p] + d + c] = src[s + c * ld + p];
                }
            }
            return;
        }
        for (int p = p0; p < p1; p += L) {
            int a = Math.min(p, plane - L);
            if (L == 16) {
                transpose16(src, s + a, ld, dst, pos, a, p - a, Math.min(L, p1 - a), d);
            } else {
                transpose8(src, s + a, ld, dst, pos, a, p - a, Math.min(L, p1 - a), d);
            }
        }
    }

    /**
     * 16 x 16: rows {@code src[s + c ld ..]} ({@code c < 16}), four rounds of zips (each rotates the bits of
     * (row, lane) by one), then column {@code k} (positions {@code a + k}, {@code k0 <= k < k1}) stored at
     * {@code dst[pos[a + k] + d]}.
     */
    static void transpose16(float[] src, int s, int ld, float[] dst, int[] pos, int a, int k0, int k1,
            int d) {
        FloatVector r0 = FloatVector.fromArray(F, src, s);
        FloatVector r1 = FloatVector.fromArray(F, src, s + ld);
        FloatVector r2 = FloatVector.fromArray(F, src, s + 2 * ld);
        FloatVector r3 = FloatVector.fromArray(F, src, s + 3 * ld);
        FloatVector r4 = FloatVector.fromArray(F, src, s + 4 * ld);
        FloatVector r5 = FloatVector.fromArray(F, src, s + 5 * ld);
        FloatVector r6 = FloatVector.fromArray(F, src, s + 6 * ld);
        FloatVector r7 = FloatVector.fromArray(F, src, s + 7 * ld);
        FloatVector r8 = FloatVector.fromArray(F, src, s + 8 * ld);
        FloatVector r9 = FloatVector.fromArray(F, src, s + 9 * ld);
        FloatVector r10 = FloatVector.fromArray(F, src, s + 10 * ld);
        FloatVector r11 = FloatVector.fromArray(F, src, s + 11 * ld);
        FloatVector r12 = FloatVector.fromArray(F, src, s + 12 * ld);
        FloatVector r13 = FloatVector.fromArray(F, src, s + 13 * ld);
        FloatVector r14 = FloatVector.fromArray(F, src, s + 14 * ld);
        FloatVector r15 = FloatVector.fromArray(F, src, s + 15 * ld);
        FloatVector lo = ZIP_LO;
        FloatVector hi = ZIP_HI;
        for (int round = 0; round < 4; round++) {
            FloatVector n0 = lo.selectFrom(r0, r8);
            FloatVector n1 = hi.selectFrom(r0, r8);
            FloatVector n2 = lo.selectFrom(r1, r9);
            FloatVector n3 = hi.selectFrom(r1, r9);
            FloatVector n4 = lo.selectFrom(r2, r10);
            FloatVector n5 = hi.selectFrom(r2, r10);
            FloatVector n6 = lo.selectFrom(r3, r11);
            FloatVector n7 = hi.selectFrom(r3, r11);
            FloatVector n8 = lo.selectFrom(r4, r12);
            FloatVector n9 = hi.selectFrom(r4, r12);
            FloatVector n10 = lo.selectFrom(r5, r13);
            FloatVector n11 = hi.selectFrom(r5, r13);
            FloatVector n12 = lo.selectFrom(r6, r14);
            FloatVector n13 = hi.selectFrom(r6, r14);
            FloatVector n14 = lo.selectFrom(r7, r15);
            FloatVector n15 = hi.selectFrom(r7, r15);
            r0 = n0;
            r1 = n1;
            r2 = n2;
            r3 = n3;
            r4 = n4;
            r5 = n5;
            r6 = n6;
            r7 = n7;
            r8 = n8;
            r9 = n9;
            r10 = n10;
            r11 = n11;
            r12 = n12;
            r13 = n13;
            r14 = n14;
            r15 = n15;
        }
        if (k0 == 0 && k1 == 16) {
            r0.intoArray(dst, pos[a] + d);
            r1.intoArray(dst, pos[a + 1] + d);
            r2.intoArray(dst, pos[a + 2] + d);
            r3.intoArray(dst, pos[a + 3] + d);
            r4.intoArray(dst, pos[a + 4] + d);
            r5.intoArray(dst, pos[a + 5] + d);
            r6.intoArray(dst, pos[a + 6] + d);
            r7.intoArray(dst, pos[a + 7] + d);
            r8.intoArray(dst, pos[a + 8] + d);
            r9.intoArray(dst, pos[a + 9] + d);
            r10.intoArray(dst, pos[a + 10] + d);
            r11.intoArray(dst, pos[a + 11] + d);
            r12.intoArray(dst, pos[a + 12] + d);
            r13.intoArray(dst, pos[a + 13] + d);
            r14.intoArray(dst, pos[a + 14] + d);
            r15.intoArray(dst, pos[a + 15] + d);
            return;
        }
        // a partial run: each column stored only when inside [k0, k1)
        if (k0 <= 0 && 0 < k1) r0.intoArray(dst, pos[a] + d);
        if (k0 <= 1 && 1 < k1) r1.intoArray(dst, pos[a + 1] + d);
        if (k0 <= 2 && 2 < k1) r2.intoArray(dst, pos[a + 2] + d);
        if (k0 <= 3 && 3 < k1) r3.intoArray(dst, pos[a + 3] + d);
        if (k0 <= 4 && 4 < k1) r4.intoArray(dst, pos[a + 4] + d);
        if (k0 <= 5 && 5 < k1) r5.intoArray(dst, pos[a + 5] + d);
        if (k0 <= 6 && 6 < k1) r6.intoArray(dst, pos[a + 6] + d);
        if (k0 <= 7 && 7 < k1) r7.intoArray(dst, pos[a + 7] + d);
        if (k0 <= 8 && 8 < k1) r8.intoArray(dst, pos[a + 8] + d);
        if (k0 <= 9 && 9 < k1) r9.intoArray(dst, pos[a + 9] + d);
        if (k0 <= 10 && 10 < k1) r10.intoArray(dst, pos[a + 10] + d);
        if (k0 <= 11 && 11 < k1) r11.intoArray(dst, pos[a + 11] + d);
        if (k0 <= 12 && 12 < k1) r12.intoArray(dst, pos[a + 12] + d);
        if (k0 <= 13 && 13 < k1) r13.intoArray(dst, pos[a + 13] + d);
        if (k0 <= 14 && 14 < k1) r14.intoArray(dst, pos[a + 14] + d);
        if (k0 <= 15 && 15 < k1) r15.intoArray(dst, pos[a + 15] + d);
    }

    /** 8 x 8 (256-bit vectors): as {@link #transpose16}, three rounds. */
    private static void transpose8(float[] src, int s, int ld, float[] dst, int[] pos, int a, int k0, int k1, int d) {
        FloatVector r0 = FloatVector.fromArray(F, src, s);
        FloatVector r1 = FloatVector.fromArray(F, src, s + ld);
        FloatVector r2 = FloatVector.fromArray(F, src, s + 2 * ld);
        FloatVector r3 = FloatVector.fromArray(F, src, s + 3 * ld);
        FloatVector r4 = FloatVector.fromArray(F, src, s + 4 * ld);
        FloatVector r5 = FloatVector.fromArray(F, src, s + 5 * ld);
        FloatVector r6 = FloatVector.fromArray(F, src, s + 6 * ld);
        FloatVector r7 = FloatVector.fromArray(F, src, s + 7 * ld);
        FloatVector lo = ZIP_LO;
        FloatVector hi = ZIP_HI;
        for (int round = 0; round < 3; round++) {
            FloatVector n0 = lo.selectFrom(r0, r4);
            FloatVector n1 = hi.selectFrom(r0, r4);
            FloatVector n2 = lo.selectFrom(r1, r5);
            FloatVector n3 = hi.selectFrom(r1, r5);
            FloatVector n4 = lo.selectFrom(r2, r6);
            FloatVector n5 = hi.selectFrom(r2, r6);
            FloatVector n6 = lo.selectFrom(r3, r7);
            FloatVector n7 = hi.selectFrom(r3, r7);
            r0 = n0;
            r1 = n1;
            r2 = n2;
            r3 = n3;
            r4 = n4;
            r5 = n5;
            r6 = n6;
            r7 = n7;
        }
        if (k0 <= 0 && 0 < k1) r0.intoArray(dst, pos[a] + d);
        if (k0 <= 1 && 1 < k1) r1.intoArray(dst, pos[a + 1] + d);
        if (k0 <= 2 && 2 < k1) r2.intoArray(dst, pos[a + 2] + d);
        if (k0 <= 3 && 3 < k1) r3.intoArray(dst, pos[a + 3] + d);
        if (k0 <= 4 && 4 < k1) r4.intoArray(dst, pos[a + 4] + d);
        if (k0 <= 5 && 5 < k1) r5.intoArray(dst, pos[a + 5] + d);
        if (k0 <= 6 && 6 < k1) r6.intoArray(dst, pos[a + 6] + d);
        if (k0 <= 7 && 7 < k1) r7.intoArray(dst, pos[a + 7] + d);
    }

    /**
     * {@code c[ci + i ldc .. + L] (+)= sum over t < kc of a[ao + t lda + i] * b[bo + t ldb .. + L]} for the
     * {@link #KR} rows {@code i}: one vector of columns (two take {@link SimdGemm#kernel8}); {@code first} starts
     * from zero instead of reading {@code c}.
     */
    static void kernel1(float[] a, int ao, int lda, float[] b, int bo, int ldb, int kc, float[] c, int ci, int ldc,
            boolean first) {
        FloatVector z = FloatVector.zero(F);
        FloatVector c0 = first ? z : FloatVector.fromArray(F, c, ci);
        FloatVector c1 = first ? z : FloatVector.fromArray(F, c, ci + ldc);
        FloatVector c2 = first ? z : FloatVector.fromArray(F, c, ci + 2 * ldc);
        FloatVector c3 = first ? z : FloatVector.fromArray(F, c, ci + 3 * ldc);
        FloatVector c4 = first ? z : FloatVector.fromArray(F, c, ci + 4 * ldc);
        FloatVector c5 = first ? z : FloatVector.fromArray(F, c, ci + 5 * ldc);
        FloatVector c6 = first ? z : FloatVector.fromArray(F, c, ci + 6 * ldc);
        FloatVector c7 = first ? z : FloatVector.fromArray(F, c, ci + 7 * ldc);
        for (int t = 0; t < kc; t++) {
            FloatVector b0 = FloatVector.fromArray(F, b, bo);
            c0 = FloatVector.broadcast(F, a[ao]).fma(b0, c0);
            c1 = FloatVector.broadcast(F, a[ao + 1]).fma(b0, c1);
            c2 = FloatVector.broadcast(F, a[ao + 2]).fma(b0, c2);
            c3 = FloatVector.broadcast(F, a[ao + 3]).fma(b0, c3);
            c4 = FloatVector.broadcast(F, a[ao + 4]).fma(b0, c4);
            c5 = FloatVector.broadcast(F, a[ao + 5]).fma(b0, c5);
            c6 = FloatVector.broadcast(F, a[ao + 6]).fma(b0, c6);
            c7 = FloatVector.broadcast(F, a[ao + 7]).fma(b0, c7);
            ao += lda;
            bo += ldb;
        }
        c0.intoArray(c, ci);
        c1.intoArray(c, ci + ldc);
        c2.intoArray(c, ci + 2 * ldc);
        c3.intoArray(c, ci + 3 * ldc);
        c4.intoArray(c, ci + 4 * ldc);
        c5.intoArray(c, ci + 5 * ldc);
        c6.intoArray(c, ci + 6 * ldc);
        c7.intoArray(c, ci + 7 * ldc);
    }
}
