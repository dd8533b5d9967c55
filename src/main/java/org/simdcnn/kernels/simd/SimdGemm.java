package org.simdcnn.kernels.simd;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.simdcnn.SimdCnn;
import org.simdcnn.kernels.BiasMode;
import org.simdcnn.kernels.Epilogue;
import org.simdcnn.kernels.Gemm;

/**
 * Packed SGEMM in the BLIS shape on the Vector API.
 *
 * <p><b>Layout of the packed operands.</b> {@code K} is split into {@code nk = ceil(K / KC_MAX)} blocks of
 * {@code kcu = ceil(K / nk)} (the last one shorter); the split depends on {@code K} only. {@code op(A)} is packed
 * into panels of {@link #MR} rows: block {@code kb} (starting at {@code k0 = kb*kcu}, {@code kc} deep) starts at
 * {@code k0 * mPad} and panel {@code i} of it at {@code + i*MR*kc}, holding {@code MR} consecutive values per
 * {@code k} (rows past {@code M} are zero). {@code op(B)} is packed likewise into panels of {@link #NR} columns
 * with {@code NR} values per {@code k}. The microkernel therefore has no tail in {@code K}, and the edges of
 * {@code M} and {@code N} are handled only in the store.
 *
 * <p><b>Microkernel.</b> {@code MR} broadcasts of A times {@code NR / lanes} vectors of B into
 * {@code MR x NR/lanes} accumulators held in registers (12 x 2 zmm on 512-bit vectors, 6 x 2 otherwise; on
 * 512-bit vectors the last row panel of M runs an 8- or 4-row kernel when it holds no more rows); the
 * accumulators go to a small per-thread tile, and the store applies {@code alpha}, {@code beta*C} (C is not read
 * when {@code beta == 0}), the bias and the epilogue in vector registers before writing C. When K has more than one
 * block, a task's tiles wait in a per-thread buffer between blocks and the kernel of the next block starts from
 * them (as BLIS loads C into the accumulators), so C is written once, after the last block.
 *
 * <p><b>Threads.</b> Packing and compute are split into a fixed grid of tasks that depends only on
 * {@code M, N, K}; every element of C is computed by one task, in the same K order, so results are bitwise
 * identical for any thread count. Packed buffers, the tile and the task object are per thread and reused; the
 * steady state allocates nothing.
 */
final class SimdGemm implements Gemm {
    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    /** Float lanes per vector. */
    static final int L = F.length();
    /** Rows of the register tile. */
    static final int MR = L >= 16 ? 12 : 6;
    /** Columns of the register tile: two vectors. */
    static final int NR = 2 * L;
    /**
     * Largest K block. 576 measured 3-7% faster than 384 on the resnet 3x3 convolutions (K = 576, 1152, 2304) and
     * 1-3% on SGEMM 1024^3 ({@code GemmTune conv 1,1:k576,1:k768 ...}, {@code GemmTune lib,lib:576 pack ...});
     * 192 and 256 were slower. Not final only so that {@code GemmTune} can vary it: weights packed under one value
     * do not fit another.
     */
    static int KC_MAX = 576;
    /** Largest row block of one compute task (a multiple of MR). */
    static final int MB_MAX = 16 * MR;
    /** Largest column block of one compute task (a multiple of NR). */
    static final int NB_MAX = 12 * NR;
    /**
     * K block of large GEMMs (K above {@link #KC_MAX}, at least {@link #LARGE_ROW_PANELS} row and
     * {@link #LARGE_COL_PANELS} column panels): there a compute task is {@link #LARGE_ROW_PANELS} row panels by
     * {@link #LARGE_TASK_COL_PANELS} column panels in K blocks of about this many, column panels outer (a B panel,
     * {@code NR x 256} floats, 32 KiB, stays in L1 while the task's row panels pass over it), instead of 16 by 12
     * panels in K blocks of up to {@code KC_MAX} with row panels outer. At 1024^3 the compute phase alone ran
     * 2.5-4% faster in three probes of 50 interleaved rounds (81-83% against 78-80% of an FMA loop), the whole
     * call 2-5% faster in two of three {@code GemmTune lib,libL0,libL192,libL320 pack 50 1024x1024x1024} runs (even
     * in the third; 192 and 320 no better than 256). The sums run in the same order either way (a kernel continues
     * its tile's sums across K blocks), so the results are the same bits. Not final: {@code GemmTune}'s
     * {@code libLN} variants set it ({@code libL0}: off).
     */
    static int LARGE_KC = 256;
    /** Fewest row panels of a large GEMM, and the row panels of its compute task. */
    static final int LARGE_ROW_PANELS = 32;
    /** Fewest column panels of a large GEMM. */
    static final int LARGE_COL_PANELS = 12;
    /** Column panels of a large GEMM's compute task. */
    static final int LARGE_TASK_COL_PANELS = 6;
    /** K values per block of the transposed B packing. */
    static final int TB = 64;
    /** Below this many multiply-adds a GEMM runs as one task. */
    static final long SERIAL_WORK = 1L << 16;

    static final int EPI_NONE = 0;
    static final int EPI_RELU = 1;
    static final int EPI_LEAKY = 2;
    static final int EPI_CLAMP = 3;

    static final SimdGemm INSTANCE = new SimdGemm();

    /** The zero accumulators a microkernel starts from when it does not continue a tile. */
    private static final float[] ZERO_TILE = new float[MR * NR];
    /** Row {@code i} of a packed B panel starts at {@code KPOS[i]}: where {@link #packB} stores transposed columns. */
    private static final int[] KPOS = new int[4096 + 16];

    static {
        for (int i = 0; i < KPOS.length; i++) {
            KPOS[i] = i * NR;
        }
    }

    private static final ThreadLocal<Workspace> WS = ThreadLocal.withInitial(Workspace::new);

    /** Per-thread reusable memory. */
    static final class Workspace {
        float[] aPack = new float[0];
        float[] bPack = new float[0];
        final float[] tile = new float[MR * NR + NR]; // slack: the scattered store reads whole vectors
        final Job job = new Job();
        /** The tiles of one task's block of C between K blocks ({@link #macro}, the implicit-GEMM convolution). */
        float[] acc = new float[0];

        float[] acc(int size) {
            if (acc.length < size + NR) {
                acc = new float[size + NR]; // slack: the convolution's segment store reads whole vectors
            }
            return acc;
        }

        float[] aPack(int size) {
            if (aPack.length < size) {
                aPack = new float[size];
            }
            return aPack;
        }

        float[] bPack(int size) {
            if (bPack.length < size) {
                bPack = new float[size];
            }
            return bPack;
        }
    }

    static Workspace workspace() {
        return WS.get();
    }

    // ---- blocking rules (functions of the shape only) ------------------------------------------------------

    static int kBlocks(int k) {
        return Math.max(1, (k + KC_MAX - 1) / KC_MAX);
    }

    static int kcu(int k) {
        int nk = kBlocks(k);
        return Math.max(1, (k + nk - 1) / nk);
    }

    static int roundUp(int v, int m) {
        return (v + m - 1) / m * m;
    }

    static int epiKind(Epilogue e) {
        if (e == null) {
            return EPI_NONE;
        }
        return switch (e.kind()) {
            case NONE -> EPI_NONE;
            case RELU -> EPI_RELU;
            case LEAKY_RELU -> EPI_LEAKY;
            case CLAMP -> EPI_CLAMP;
        };
    }

    // ---- public entry ----------------------------------------------------------------------------------------

    @Override
    public void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha, float[] a, int aOff,
            int lda, float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc, float[] bias,
            int biasOff, BiasMode biasMode, Epilogue epilogue) {
        if (m <= 0 || n <= 0) {
            return;
        }
        if (k <= 0) {
            scaleOnly(m, n, beta, c, cOff, ldc, bias, biasOff, biasKind(bias, biasMode), epiKind(epilogue),
                    epilogue == null ? 0f : epilogue.a(), epilogue == null ? 0f : epilogue.b());
            return;
        }
        gemm(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, null, beta, c, cOff, ldc, bias, biasOff,
                biasMode, epilogue);
    }

    /**
     * {@code C = epilogue(alpha*A*op(B) + beta*C + bias)} with {@code op(B)} ({@code K x N}) packed beforehand by
     * {@link #packB} into {@code bp} in K blocks of {@link #kcu(int)} (all {@code ceil(N / NR)} panels): a layer's
     * fixed weights, packed once. The same bits as {@link #sgemm} on the unpacked operand. {@code k >= 1}.
     */
    void sgemmPackedB(int m, int n, int k, float alpha, float[] a, int aOff, int lda, float[] bp, float beta,
            float[] c, int cOff, int ldc, float[] bias, int biasOff, BiasMode biasMode, Epilogue epilogue) {
        if (m <= 0 || n <= 0) {
            return;
        }
        gemm(false, false, m, n, k, alpha, a, aOff, lda, null, 0, 0, bp, beta, c, cOff, ldc, bias, biasOff, biasMode,
                epilogue);
    }

    /**
     * {@code m, n, k >= 1}: packs A (and B unless {@code bPacked} holds it, packed by {@link #packB} in K blocks of
     * {@link #kcu(int)}) into the thread's buffers, then computes, on the pool unless the work is small.
     */
    private static void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha, float[] a, int aOff,
            int lda, float[] b, int bOff, int ldb, float[] bPacked, float beta, float[] c, int cOff, int ldc,
            float[] bias, int biasOff, BiasMode biasMode, Epilogue epilogue) {
        int mPad = roundUp(m, MR);
        int nPad = roundUp(n, NR);
        Workspace ws = WS.get();
        float[] ap = ws.aPack((int) Math.min(Integer.MAX_VALUE - 16, (long) mPad * k));
        float[] bp = bPacked != null ? bPacked : ws.bPack((int) Math.min(Integer.MAX_VALUE - 16, (long) nPad * k));
        Job job = ws.job;
        job.setGemm(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc, bias, biasOff,
                biasKind(bias, biasMode), epiKind(epilogue), epilogue == null ? 0f : epilogue.a(),
                epilogue == null ? 0f : epilogue.b(), ap, bp, bPacked != null);
        try {
            if ((long) m * n * k <= SERIAL_WORK) {
                for (int t = 0; t < job.packTasks; t++) {
                    job.run(t);
                }
                job.phase = Job.COMPUTE;
                for (int t = 0; t < job.computeTasks; t++) {
                    job.run(t);
                }
            } else {
                SimdCnn.pool().run(job.packTasks, job);
                job.phase = Job.COMPUTE;
                SimdCnn.pool().run(job.computeTasks, job);
            }
        } finally {
            job.clear();
        }
    }

    /** The store's bias kind: 0 none, 1 per row, 2 per column. */
    static int biasKind(float[] bias, BiasMode mode) {
        return mode == null || bias == null ? 0 : mode == BiasMode.PER_ROW ? 1 : mode == BiasMode.PER_COLUMN ? 2 : 0;
    }

    /** {@code C = epilogue(beta*C + bias)} for {@code K == 0}. */
    private static void scaleOnly(int m, int n, float beta, float[] c, int cOff, int ldc, float[] bias, int biasOff,
            int bm, int ek, float ea, float eb) {
        Epilogue e = switch (ek) {
            case EPI_RELU -> Epilogue.RELU;
            case EPI_LEAKY -> Epilogue.leakyRelu(ea);
            case EPI_CLAMP -> Epilogue.clamp(ea, eb);
            default -> Epilogue.NONE;
        };
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                int ci = cOff + i * ldc + j;
                float v = beta == 0f ? 0f : beta * c[ci];
                if (bm == 1) {
                    v += bias[biasOff + i];
                } else if (bm == 2) {
                    v += bias[biasOff + j];
                }
                c[ci] = e.apply(v);
            }
        }
    }

    /** The task object of one GEMM call: packing tasks then compute tasks. Reused per thread. */
    static final class Job implements org.simdcnn.parallel.ThreadPool.Task {
        static final int PACK = 0;
        static final int COMPUTE = 1;
        int phase;
        boolean transA;
        boolean transB;
        int m;
        int n;
        int k;
        float alpha;
        float[] a;
        int aOff;
        int lda;
        float[] b;
        int bOff;
        int ldb;
        float beta;
        float[] c;
        int cOff;
        int ldc;
        float[] bias;
        int biasOff;
        int bm;
        int ek;
        float ea;
        float eb;
        float[] ap;
        float[] bp;
        int mPanels;
        int nPanels;
        int aPackTasks;
        int packTasks;
        int rowBlock;
        int colBlock;
        int rowBlocks;
        int colBlocks;
        int computeTasks;
        /** K block ({@link #kcu} or, for large GEMMs, about {@link #LARGE_KC}) and the compute loop order. */
        int kcu;
        boolean colOuter;

        void setGemm(boolean transA, boolean transB, int m, int n, int k, float alpha, float[] a, int aOff, int lda,
                float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc, float[] bias, int biasOff,
                int bm, int ek, float ea, float eb, float[] ap, float[] bp) {
            setGemm(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc, bias, biasOff, bm,
                    ek, ea, eb, ap, bp, false);
        }

        /** As above; {@code bPacked}: {@code bp} already holds op(B) packed in K blocks of {@link #kcu(int)}. */
        void setGemm(boolean transA, boolean transB, int m, int n, int k, float alpha, float[] a, int aOff, int lda,
                float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc, float[] bias, int biasOff,
                int bm, int ek, float ea, float eb, float[] ap, float[] bp, boolean bPacked) {
            this.phase = PACK;
            this.transA = transA;
            this.transB = transB;
            this.m = m;
            this.n = n;
            this.k = k;
            this.alpha = alpha;
            this.a = a;
            this.aOff = aOff;
            this.lda = lda;
            this.b = b;
            this.bOff = bOff;
            this.ldb = ldb;
            this.beta = beta;
            this.c = c;
            this.cOff = cOff;
            this.ldc = ldc;
            this.bias = bias;
            this.biasOff = biasOff;
            this.bm = bm;
            this.ek = ek;
            this.ea = ea;
            this.eb = eb;
            this.ap = ap;
            this.bp = bp;
            mPanels = (m + MR - 1) / MR;
            nPanels = (n + NR - 1) / NR;
            // Packing: groups of 4 panels per task.
            aPackTasks = (mPanels + 3) / 4;
            packTasks = aPackTasks + (bPacked ? 0 : (nPanels + 3) / 4);
            // Compute grid: blocks of whole panels; shrink until there are enough tasks to balance threads.
            boolean large = !bPacked && LARGE_KC > 0 && k > KC_MAX && mPanels >= LARGE_ROW_PANELS
                    && nPanels >= LARGE_COL_PANELS;
            int nk = large ? ceilDiv(k, LARGE_KC) : kBlocks(k);
            kcu = ceilDiv(k, nk);
            colOuter = large;
            int rp = Math.min(mPanels, large ? LARGE_ROW_PANELS : MB_MAX / MR);
            int cp = Math.min(nPanels, large ? LARGE_TASK_COL_PANELS : NB_MAX / NR);
            long work = (long) m * n * k;
            int minTasks = work >= (1L << 24) ? 16 : work >= (1L << 20) ? 8 : 1;
            while (ceilDiv(mPanels, rp) * ceilDiv(nPanels, cp) < minTasks && (rp > 1 || cp > 2)) {
                if (rp > 1 && (rp * MR >= cp * NR || cp <= 2)) {
                    rp = (rp + 1) / 2;
                } else {
                    cp = (cp + 1) / 2;
                }
            }
            rowBlock = rp;
            colBlock = cp;
            rowBlocks = ceilDiv(mPanels, rp);
            colBlocks = ceilDiv(nPanels, cp);
            computeTasks = rowBlocks * colBlocks;
        }

        void clear() {
            a = null;
            b = null;
            c = null;
            bias = null;
            ap = null;
            bp = null;
        }

        @Override
        public void run(int t) {
            if (phase == PACK) {
                if (t < aPackTasks) {
                    int p0 = t * 4;
                    packA(transA, a, aOff, lda, m, k, kcu, ap, 0, p0, Math.min(mPanels, p0 + 4));
                } else {
                    int p0 = (t - aPackTasks) * 4;
                    packB(transB, b, bOff, ldb, n, k, kcu, bp, p0, Math.min(nPanels, p0 + 4));
                }
                return;
            }
            int rb = t / colBlocks;
            int cb = t % colBlocks;
            int ip0 = rb * rowBlock;
            int ip1 = Math.min(mPanels, ip0 + rowBlock);
            int jp0 = cb * colBlock;
            int jp1 = Math.min(nPanels, jp0 + colBlock);
            macro(ap, 0, mPanels * MR, bp, nPanels * NR, m, n, k, kcu, colOuter, ip0, ip1, jp0, jp1, alpha, beta,
                    c, cOff, ldc, bias, biasOff, bm, ek, ea, eb, WS.get());
        }
    }

    static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }

    // ---- packing ---------------------------------------------------------------------------------------------

    /**
     * Lane indexes of {@link #transpose12x16} (16 lanes): level 1 (2 vectors), level 2 (4), level 3 (2 per output
     * vector, 24); see there.
     */
    private static final float[] T12 = new float[30 * 16];

    static {
        for (int m = 0; m < 16; m++) {
            for (int h = 0; h < 2; h++) {
                T12[h * 16 + m] = (m / 8) * 16 + 8 * h + m % 8;
            }
            for (int c4 = 0; c4 < 4; c4++) {
                int col = 4 * c4 + m % 4;
                int rr = m / 4;
                int h = c4 / 2;
                T12[(2 + c4) * 16 + m] = rr < 2 ? rr * 8 + col - 8 * h : 16 + (rr - 2) * 8 + col - 8 * h;
            }
            for (int k = 0; k < 12; k++) {
                int e = 16 * k + m;
                int col = e / 12;
                int r = e % 12;
                int quad = r / 4;
                int lane = (r % 4) * 4 + col % 4;
                T12[(6 + 2 * k) * 16 + m] = quad == 0 ? lane : quad == 1 ? 16 + lane : 0;
                T12[(7 + 2 * k) * 16 + m] = quad < 2 ? m : 16 + lane;
            }
        }
    }

    /**
     * {@code dst[d + 12 p + r] = a[s + r lda + p]} for 12 rows and 16 columns (an A panel's 16 columns, 16-lane
     * vectors): 12 row loads, then two-vector permutations in three levels (row pairs by column halves, row quads by
     * column quarters, each output vector from its column quarter of the three quads), 12 stores. A pure move:
     * the packed values are the loaded ones. Arrays only cross the call.
     */
    static void transpose12x16(float[] a, int s, int lda, float[] dst, int d) {
        FloatVector h0 = FloatVector.fromArray(F, T12, 0);
        FloatVector h1 = FloatVector.fromArray(F, T12, 16);
        FloatVector c0 = FloatVector.fromArray(F, T12, 32);
        FloatVector c1 = FloatVector.fromArray(F, T12, 48);
        FloatVector c2 = FloatVector.fromArray(F, T12, 64);
        FloatVector c3 = FloatVector.fromArray(F, T12, 80);
        FloatVector r0 = FloatVector.fromArray(F, a, s + 0 * lda);
        FloatVector r1 = FloatVector.fromArray(F, a, s + 1 * lda);
        FloatVector r2 = FloatVector.fromArray(F, a, s + 2 * lda);
        FloatVector r3 = FloatVector.fromArray(F, a, s + 3 * lda);
        FloatVector pa0 = h0.selectFrom(r0, r1);
        FloatVector pb0 = h1.selectFrom(r0, r1);
        FloatVector qa0 = h0.selectFrom(r2, r3);
        FloatVector qb0 = h1.selectFrom(r2, r3);
        FloatVector q00 = c0.selectFrom(pa0, qa0);
        FloatVector q01 = c1.selectFrom(pa0, qa0);
        FloatVector q02 = c2.selectFrom(pb0, qb0);
        FloatVector q03 = c3.selectFrom(pb0, qb0);
        FloatVector r4 = FloatVector.fromArray(F, a, s + 4 * lda);
        FloatVector r5 = FloatVector.fromArray(F, a, s + 5 * lda);
        FloatVector r6 = FloatVector.fromArray(F, a, s + 6 * lda);
        FloatVector r7 = FloatVector.fromArray(F, a, s + 7 * lda);
        FloatVector pa1 = h0.selectFrom(r4, r5);
        FloatVector pb1 = h1.selectFrom(r4, r5);
        FloatVector qa1 = h0.selectFrom(r6, r7);
        FloatVector qb1 = h1.selectFrom(r6, r7);
        FloatVector q10 = c0.selectFrom(pa1, qa1);
        FloatVector q11 = c1.selectFrom(pa1, qa1);
        FloatVector q12 = c2.selectFrom(pb1, qb1);
        FloatVector q13 = c3.selectFrom(pb1, qb1);
        FloatVector r8 = FloatVector.fromArray(F, a, s + 8 * lda);
        FloatVector r9 = FloatVector.fromArray(F, a, s + 9 * lda);
        FloatVector r10 = FloatVector.fromArray(F, a, s + 10 * lda);
        FloatVector r11 = FloatVector.fromArray(F, a, s + 11 * lda);
        FloatVector pa2 = h0.selectFrom(r8, r9);
        FloatVector pb2 = h1.selectFrom(r8, r9);
        FloatVector qa2 = h0.selectFrom(r10, r11);
        FloatVector qb2 = h1.selectFrom(r10, r11);
        FloatVector q20 = c0.selectFrom(pa2, qa2);
        FloatVector q21 = c1.selectFrom(pa2, qa2);
        FloatVector q22 = c2.selectFrom(pb2, qb2);
        FloatVector q23 = c3.selectFrom(pb2, qb2);
        FloatVector.fromArray(F, T12, 112).selectFrom(
                FloatVector.fromArray(F, T12, 96).selectFrom(q00, q10), q20).intoArray(dst, d + 0);
        FloatVector.fromArray(F, T12, 144).selectFrom(
                FloatVector.fromArray(F, T12, 128).selectFrom(q00, q10), q20).intoArray(dst, d + 16);
        FloatVector.fromArray(F, T12, 176).selectFrom(
                FloatVector.fromArray(F, T12, 160).selectFrom(q00, q10), q20).intoArray(dst, d + 32);
        FloatVector.fromArray(F, T12, 208).selectFrom(
                FloatVector.fromArray(F, T12, 192).selectFrom(q01, q11), q21).intoArray(dst, d + 48);
        FloatVector.fromArray(F, T12, 240).selectFrom(
                FloatVector.fromArray(F, T12, 224).selectFrom(q01, q11), q21).intoArray(dst, d + 64);
        FloatVector.fromArray(F, T12, 272).selectFrom(
                FloatVector.fromArray(F, T12, 256).selectFrom(q01, q11), q21).intoArray(dst, d + 80);
        FloatVector.fromArray(F, T12, 304).selectFrom(
                FloatVector.fromArray(F, T12, 288).selectFrom(q02, q12), q22).intoArray(dst, d + 96);
        FloatVector.fromArray(F, T12, 336).selectFrom(
                FloatVector.fromArray(F, T12, 320).selectFrom(q02, q12), q22).intoArray(dst, d + 112);
        FloatVector.fromArray(F, T12, 368).selectFrom(
                FloatVector.fromArray(F, T12, 352).selectFrom(q02, q12), q22).intoArray(dst, d + 128);
        FloatVector.fromArray(F, T12, 400).selectFrom(
                FloatVector.fromArray(F, T12, 384).selectFrom(q03, q13), q23).intoArray(dst, d + 144);
        FloatVector.fromArray(F, T12, 432).selectFrom(
                FloatVector.fromArray(F, T12, 416).selectFrom(q03, q13), q23).intoArray(dst, d + 160);
        FloatVector.fromArray(F, T12, 464).selectFrom(
                FloatVector.fromArray(F, T12, 448).selectFrom(q03, q13), q23).intoArray(dst, d + 176);
    }

    /**
     * Packs row panels {@code [p0, p1)} of {@code op(A)} (M x K) into {@code dst} (layout in the class comment,
     * {@code mPad = roundUp(m, MR)}).
     */
    static void packA(boolean transA, float[] a, int aOff, int lda, int m, int k, int kcu, float[] dst, int dstOff,
            int p0, int p1) {
        int mPad = roundUp(m, MR);
        for (int k0 = 0; k0 < k; k0 += kcu) {
            int kc = Math.min(kcu, k - k0);
            int blockBase = dstOff + k0 * mPad;
            for (int ip = p0; ip < p1; ip++) {
                int base = blockBase + ip * MR * kc;
                int i0 = ip * MR;
                int rows = Math.min(MR, m - i0);
                if (!transA && rows == MR) {
                    // Full panel: 16 columns at a time by vector permutations ({@link #transpose12x16}), the rest a
                    // plain transpose (no vector gather: C2 does not always intrinsify one, and then it allocates).
                    int src = aOff + i0 * lda + k0;
                    int p = 0;
                    if (MR == 12 && L == 16) {
                        for (; p + L <= kc; p += L) {
                            transpose12x16(a, src + p, lda, dst, base + p * MR);
                        }
                    }
                    for (int r = 0; r < MR; r++) {
                        int sr = src + r * lda;
                        int d = base + r;
                        for (int pp = p; pp < kc; pp++) {
                            dst[d + pp * MR] = a[sr + pp];
                        }
                    }
                } else if (!transA) {
                    for (int r = 0; r < rows; r++) {
                        int src = aOff + (i0 + r) * lda + k0;
                        int d = base + r;
                        for (int p = 0; p < kc; p++) {
                            dst[d + p * MR] = a[src + p];
                        }
                    }
                    for (int r = rows; r < MR; r++) {
                        for (int p = 0; p < kc; p++) {
                            dst[base + p * MR + r] = 0f;
                        }
                    }
                } else {
                    for (int p = 0; p < kc; p++) {
                        int src = aOff + (k0 + p) * lda + i0;
                        int d = base + p * MR;
                        for (int r = 0; r < rows; r++) {
                            dst[d + r] = a[src + r];
                        }
                        for (int r = rows; r < MR; r++) {
                            dst[d + r] = 0f;
                        }
                    }
                }
            }
        }
    }

    /**
     * Packs column panels {@code [p0, p1)} of {@code op(B)} (K x N) into {@code dst} ({@code nPad = roundUp(n, NR)}).
     */
    static void packB(boolean transB, float[] b, int bOff, int ldb, int n, int k, int kcu, float[] dst, int p0,
            int p1) {
        int nPad = roundUp(n, NR);
        for (int k0 = 0; k0 < k; k0 += kcu) {
            int kc = Math.min(kcu, k - k0);
            int blockBase = k0 * nPad;
            for (int jp = p0; jp < p1; jp++) {
                int base = blockBase + jp * NR * kc;
                int j0 = jp * NR;
                int cols = Math.min(NR, n - j0);
                if (!transB) {
                    if (cols == NR) {
                        for (int p = 0; p < kc; p++) {
                            int src = bOff + (k0 + p) * ldb + j0;
                            int d = base + p * NR;
                            FloatVector.fromArray(F, b, src).intoArray(dst, d);
                            FloatVector.fromArray(F, b, src + L).intoArray(dst, d + L);
                        }
                    } else {
                        for (int p = 0; p < kc; p++) {
                            int src = bOff + (k0 + p) * ldb + j0;
                            int d = base + p * NR;
                            for (int j = 0; j < cols; j++) {
                                dst[d + j] = b[src + j];
                            }
                            for (int j = cols; j < NR; j++) {
                                dst[d + j] = 0f;
                            }
                        }
                    }
                } else {
                    int q0 = 0;
                    if (L == 16 && cols == NR && kc <= KPOS.length - 16) {
                        // 16 x 16 register transposes (SimdWinogradWeightGrad.transpose16): 16 values of K of 16
                        // columns, each value of K then a half row of the panel
                        for (; q0 + 16 <= kc; q0 += 16) {
                            for (int h = 0; h < NR; h += 16) {
                                SimdWinogradWeightGrad.transpose16(b, bOff + (j0 + h) * ldb + k0 + q0, ldb, dst, KPOS,
                                        q0, 0, 16, base + h);
                            }
                        }
                    }
                    // A transpose, in blocks of TB values of K: the block's NR x TB floats of the panel (8 KiB) stay
                    // in L1 while its columns are written (a whole column at a time strides over the panel).
                    for (; q0 < kc; q0 += TB) {
                        int pn = Math.min(TB, kc - q0);
                        for (int j = 0; j < cols; j++) {
                            int src = bOff + (j0 + j) * ldb + k0 + q0;
                            int d = base + q0 * NR + j;
                            for (int p = 0; p < pn; p++) {
                                dst[d + p * NR] = b[src + p];
                            }
                        }
                        for (int j = cols; j < NR; j++) {
                            for (int p = 0; p < pn; p++) {
                                dst[base + (q0 + p) * NR + j] = 0f;
                            }
                        }
                    }
                }
            }
        }
    }

    // ---- macro kernel ----------------------------------------------------------------------------------------

    /**
     * Computes the C block of row panels {@code [ip0, ip1)} and column panels {@code [jp0, jp1)} from packed
     * operands over the whole K, in K-block order. Column {@code j} of the packed B is column {@code j} of C
     * (relative to {@code cOff}).
     */
    static void macro(float[] ap, int apOff, int mPad, float[] bp, int nPad, int m, int n, int k, int ip0, int ip1,
            int jp0, int jp1, float alpha, float beta, float[] c, int cOff, int ldc, float[] bias, int biasOff, int bm,
            int ek, float ea, float eb, Workspace ws) {
        macro(ap, apOff, mPad, bp, nPad, m, n, k, kcu(k), false, ip0, ip1, jp0, jp1, alpha, beta, c, cOff, ldc, bias,
                biasOff, bm, ek, ea, eb, ws);
    }

    /**
     * As above, on operands packed in K blocks of {@code kcu}; {@code colOuter}: column panels in the outer loop
     * (each B panel stays in L1 while the row panels pass over it).
     */
    static void macro(float[] ap, int apOff, int mPad, float[] bp, int nPad, int m, int n, int k, int kcu,
            boolean colOuter, int ip0, int ip1, int jp0, int jp1, float alpha, float beta, float[] c, int cOff,
            int ldc, float[] bias, int biasOff, int bm, int ek, float ea, float eb, Workspace ws) {
        // One K block: each tile goes from the kernel's registers to C. More: the tiles of this block of C stay in
        // a per-thread buffer (in L2) between K blocks, each kernel continuing its tile's sums, and reach C once.
        boolean multi = kcu < k;
        float[] tile = multi ? ws.acc((ip1 - ip0) * (jp1 - jp0) * MR * NR) : ws.tile;
        for (int k0 = 0; k0 < k; k0 += kcu) {
            int kc = Math.min(kcu, k - k0);
            boolean first = k0 == 0;
            boolean last = k0 + kc >= k;
            int aBlock = apOff + k0 * mPad;
            int bBlock = k0 * nPad;
            int ni = ip1 - ip0;
            int nj = jp1 - jp0;
            for (int x = 0; x < ni * nj; x++) {
                int ip = ip0 + (colOuter ? x % ni : x / nj);
                int jp = jp0 + (colOuter ? x / ni : x % nj);
                int aBase = aBlock + ip * MR * kc;
                int i0 = ip * MR;
                int rows = Math.min(MR, m - i0);
                int bBase = bBlock + jp * NR * kc;
                int j0 = jp * NR;
                int cols = Math.min(NR, n - j0);
                int to = multi ? ((ip - ip0) * (jp1 - jp0) + jp - jp0) * MR * NR : 0;
                kernel(ap, aBase, bp, bBase, kc, tile, to, !first, rows);
                if (last) {
                    store(tile, to, rows, cols, c, cOff + i0 * ldc + j0, ldc, alpha, beta, true, bias, biasOff,
                            bm, i0, j0, ek, ea, eb);
                }
            }
        }
    }

    /** Writes a tile into C: {@code alpha*acc + beta*C}, then (on the last K block) bias and epilogue. */
    static void store(float[] t, int rows, int cols, float[] c, int cBase, int ldc, float alpha, float beta,
            boolean last, float[] bias, int biasOff, int bm, int i0, int j0, int ek, float ea, float eb) {
        store(t, 0, rows, cols, c, cBase, ldc, alpha, beta, last, bias, biasOff, bm, i0, j0, ek, ea, eb);
    }

    /** As above, the tile at {@code t[to]}. */
    static void store(float[] t, int to, int rows, int cols, float[] c, int cBase, int ldc, float alpha, float beta,
            boolean last, float[] bias, int biasOff, int bm, int i0, int j0, int ek, float ea, float eb) {
        boolean doBias = last && bm != 0;
        int e = last ? ek : EPI_NONE;
        if (cols == NR) {
            for (int r = 0; r < rows; r++) {
                int ci = cBase + r * ldc;
                int ti = to + r * NR;
                float rb = doBias && bm == 1 ? bias[biasOff + i0 + r] : 0f;
                for (int v = 0; v < NR; v += L) {
                    FloatVector acc = FloatVector.fromArray(F, t, ti + v);
                    if (alpha != 1f) {
                        acc = acc.mul(alpha);
                    }
                    if (beta == 1f) {
                        acc = acc.add(FloatVector.fromArray(F, c, ci + v));
                    } else if (beta != 0f) {
                        acc = acc.add(FloatVector.fromArray(F, c, ci + v).mul(beta));
                    }
                    if (doBias) {
                        acc = bm == 1 ? acc.add(rb) : acc.add(FloatVector.fromArray(F, bias, biasOff + j0 + v));
                    }
                    if (e != EPI_NONE) {
                        // inlined by hand: a vector passed to a method C2 does not inline is boxed
                        if (e == EPI_RELU) {
                            acc = acc.max(0f);
                        } else if (e == EPI_LEAKY) {
                            acc = acc.mul(ea).blend(acc, acc.compare(VectorOperators.GT, 0f));
                        } else {
                            acc = acc.max(ea).min(eb);
                        }
                    }
                    acc.intoArray(c, ci + v);
                }
            }
        } else {
            for (int r = 0; r < rows; r++) {
                int ci = cBase + r * ldc;
                int ti = to + r * NR;
                float rb = doBias && bm == 1 ? bias[biasOff + i0 + r] : 0f;
                for (int j = 0; j < cols; j++) {
                    float acc = t[ti + j];
                    if (alpha != 1f) {
                        acc = acc * alpha;
                    }
                    if (beta == 1f) {
                        acc = acc + c[ci + j];
                    } else if (beta != 0f) {
                        acc = acc + c[ci + j] * beta;
                    }
                    if (doBias) {
                        acc = bm == 1 ? acc + rb : acc + bias[biasOff + j0 + j];
                    }
                    if (e != EPI_NONE) {
                        acc = epilogueScalar(acc, e, ea, eb);
                    }
                    c[ci + j] = acc;
                }
            }
        }
    }

    static float epilogueScalar(float v, int kind, float a, float b) {
        return switch (kind) {
            case EPI_RELU -> v > 0f ? v : (v == v ? 0f : v);
            case EPI_LEAKY -> v > 0f ? v : v * a;
            case EPI_CLAMP -> v != v ? v : Math.min(Math.max(v, a), b);
            default -> v;
        };
    }

    // ---- microkernels ----------------------------------------------------------------------------------------

    /**
     * 12 x (2 vectors) register tile; the accumulators end in {@code t} (row-major, NR per row). Row {@code p} of the B
     * panel is at {@code b[bo + p * bs]} ({@code bs = NR}: a packed panel; the other kernels alike).
     */
    static void kernel12(float[] a, int ao, float[] b, int bo, int bs, int kc, float[] t, int to, boolean acc) {
        float[] src = acc ? t : ZERO_TILE;
        int so = acc ? to : 0;
        FloatVector c00 = FloatVector.fromArray(F, src, so);
        FloatVector c01 = FloatVector.fromArray(F, src, so + L);
        FloatVector c10 = FloatVector.fromArray(F, src, so + NR);
        FloatVector c11 = FloatVector.fromArray(F, src, so + NR + L);
        FloatVector c20 = FloatVector.fromArray(F, src, so + 2 * NR);
        FloatVector c21 = FloatVector.fromArray(F, src, so + 2 * NR + L);
        FloatVector c30 = FloatVector.fromArray(F, src, so + 3 * NR);
        FloatVector c31 = FloatVector.fromArray(F, src, so + 3 * NR + L);
        FloatVector c40 = FloatVector.fromArray(F, src, so + 4 * NR);
        FloatVector c41 = FloatVector.fromArray(F, src, so + 4 * NR + L);
        FloatVector c50 = FloatVector.fromArray(F, src, so + 5 * NR);
        FloatVector c51 = FloatVector.fromArray(F, src, so + 5 * NR + L);
        FloatVector c60 = FloatVector.fromArray(F, src, so + 6 * NR);
        FloatVector c61 = FloatVector.fromArray(F, src, so + 6 * NR + L);
        FloatVector c70 = FloatVector.fromArray(F, src, so + 7 * NR);
        FloatVector c71 = FloatVector.fromArray(F, src, so + 7 * NR + L);
        FloatVector c80 = FloatVector.fromArray(F, src, so + 8 * NR);
        FloatVector c81 = FloatVector.fromArray(F, src, so + 8 * NR + L);
        FloatVector c90 = FloatVector.fromArray(F, src, so + 9 * NR);
        FloatVector c91 = FloatVector.fromArray(F, src, so + 9 * NR + L);
        FloatVector ca0 = FloatVector.fromArray(F, src, so + 10 * NR);
        FloatVector ca1 = FloatVector.fromArray(F, src, so + 10 * NR + L);
        FloatVector cb0 = FloatVector.fromArray(F, src, so + 11 * NR);
        FloatVector cb1 = FloatVector.fromArray(F, src, so + 11 * NR + L);
        for (int p = 0; p < kc; p++) {
            int bi = bo + p * bs;
            int ai = ao + p * 12;
            FloatVector b0 = FloatVector.fromArray(F, b, bi);
            FloatVector b1 = FloatVector.fromArray(F, b, bi + L);
            FloatVector x = FloatVector.broadcast(F, a[ai]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(F, a[ai + 1]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(F, a[ai + 2]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(F, a[ai + 3]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(F, a[ai + 4]);
            c40 = x.fma(b0, c40);
            c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(F, a[ai + 5]);
            c50 = x.fma(b0, c50);
            c51 = x.fma(b1, c51);
            x = FloatVector.broadcast(F, a[ai + 6]);
            c60 = x.fma(b0, c60);
            c61 = x.fma(b1, c61);
            x = FloatVector.broadcast(F, a[ai + 7]);
            c70 = x.fma(b0, c70);
            c71 = x.fma(b1, c71);
            x = FloatVector.broadcast(F, a[ai + 8]);
            c80 = x.fma(b0, c80);
            c81 = x.fma(b1, c81);
            x = FloatVector.broadcast(F, a[ai + 9]);
            c90 = x.fma(b0, c90);
            c91 = x.fma(b1, c91);
            x = FloatVector.broadcast(F, a[ai + 10]);
            ca0 = x.fma(b0, ca0);
            ca1 = x.fma(b1, ca1);
            x = FloatVector.broadcast(F, a[ai + 11]);
            cb0 = x.fma(b0, cb0);
            cb1 = x.fma(b1, cb1);
        }
        c00.intoArray(t, to);
        c01.intoArray(t, to + L);
        c10.intoArray(t, to + NR);
        c11.intoArray(t, to + NR + L);
        c20.intoArray(t, to + 2 * NR);
        c21.intoArray(t, to + 2 * NR + L);
        c30.intoArray(t, to + 3 * NR);
        c31.intoArray(t, to + 3 * NR + L);
        c40.intoArray(t, to + 4 * NR);
        c41.intoArray(t, to + 4 * NR + L);
        c50.intoArray(t, to + 5 * NR);
        c51.intoArray(t, to + 5 * NR + L);
        c60.intoArray(t, to + 6 * NR);
        c61.intoArray(t, to + 6 * NR + L);
        c70.intoArray(t, to + 7 * NR);
        c71.intoArray(t, to + 7 * NR + L);
        c80.intoArray(t, to + 8 * NR);
        c81.intoArray(t, to + 8 * NR + L);
        c90.intoArray(t, to + 9 * NR);
        c91.intoArray(t, to + 9 * NR + L);
        ca0.intoArray(t, to + 10 * NR);
        ca1.intoArray(t, to + 10 * NR + L);
        cb0.intoArray(t, to + 11 * NR);
        cb1.intoArray(t, to + 11 * NR + L);
    }

    /**
     * The microkernel for a panel with {@code rows} valid rows: on 512-bit vectors the last panel of M runs only
     * the 4 or 8 rows it holds (each accumulator sums the same products in the same order as in the 12-row
     * kernel, so results do not depend on which kernel ran).
     */
    static void kernel(float[] a, int ao, float[] b, int bo, int kc, float[] t, int rows) {
        kernel(a, ao, b, bo, kc, t, 0, false, rows);
    }

    /**
     * As above, the tile at {@code t[to]}; with {@code acc} the accumulators start from the tile there (the partial
     * sums of the earlier K blocks) instead of zero, so the products of this block are added to them one by one.
     */
    static void kernel(float[] a, int ao, float[] b, int bo, int kc, float[] t, int to, boolean acc, int rows) {
        kernel(a, ao, b, bo, NR, kc, t, to, acc, rows);
    }

    /**
     * As above, with B read in place: row {@code p} of the {@code NR} columns at {@code b[bo + p * bs]} (a row-major
     * matrix with {@code bs} floats per row; {@code bs = NR} is a packed panel).
     */
    static void kernel(float[] a, int ao, float[] b, int bo, int bs, int kc, float[] t, int to, boolean acc,
            int rows) {
        if (MR == 12) {
            if (rows > 8) {
                kernel12(a, ao, b, bo, bs, kc, t, to, acc);
            } else if (rows > 4) {
                kernel8(a, ao, b, bo, bs, kc, t, to, acc);
            } else {
                kernel4(a, ao, b, bo, bs, kc, t, to, acc);
            }
        } else {
            kernel6(a, ao, b, bo, bs, kc, t, to, acc);
        }
    }

    /** The first 8 rows of a 12-row panel (A read at stride {@link #MR}): the last panel when at most 8 rows remain. */
    static void kernel8(float[] a, int ao, float[] b, int bo, int bs, int kc, float[] t, int to, boolean acc) {
        kernel8(a, ao, MR, b, bo, bs, kc, t, to, NR, acc);
    }

    /**
     * 8 rows x 2 vectors with every stride given: the 8 values of row {@code p} of A at {@code a[ao + p as ..]}, B's
     * at {@code b[bo + p bs ..]}, the tile's rows {@code ts} floats apart at {@code t[to]} (also where the
     * channels-in-lanes Winograd weight gradient adds its products into its sums).
     */
    static void kernel8(float[] a, int ao, int as, float[] b, int bo, int bs, int kc, float[] t, int to, int ts,
            boolean acc) {
        FloatVector z = FloatVector.zero(F);
        FloatVector c00 = acc ? FloatVector.fromArray(F, t, to) : z;
        FloatVector c01 = acc ? FloatVector.fromArray(F, t, to + L) : z;
        FloatVector c10 = acc ? FloatVector.fromArray(F, t, to + ts) : z;
        FloatVector c11 = acc ? FloatVector.fromArray(F, t, to + ts + L) : z;
        FloatVector c20 = acc ? FloatVector.fromArray(F, t, to + 2 * ts) : z;
        FloatVector c21 = acc ? FloatVector.fromArray(F, t, to + 2 * ts + L) : z;
        FloatVector c30 = acc ? FloatVector.fromArray(F, t, to + 3 * ts) : z;
        FloatVector c31 = acc ? FloatVector.fromArray(F, t, to + 3 * ts + L) : z;
        FloatVector c40 = acc ? FloatVector.fromArray(F, t, to + 4 * ts) : z;
        FloatVector c41 = acc ? FloatVector.fromArray(F, t, to + 4 * ts + L) : z;
        FloatVector c50 = acc ? FloatVector.fromArray(F, t, to + 5 * ts) : z;
        FloatVector c51 = acc ? FloatVector.fromArray(F, t, to + 5 * ts + L) : z;
        FloatVector c60 = acc ? FloatVector.fromArray(F, t, to + 6 * ts) : z;
        FloatVector c61 = acc ? FloatVector.fromArray(F, t, to + 6 * ts + L) : z;
        FloatVector c70 = acc ? FloatVector.fromArray(F, t, to + 7 * ts) : z;
        FloatVector c71 = acc ? FloatVector.fromArray(F, t, to + 7 * ts + L) : z;
        for (int p = 0; p < kc; p++) {
            int bi = bo + p * bs;
            int ai = ao + p * as;
            FloatVector b0 = FloatVector.fromArray(F, b, bi);
            FloatVector b1 = FloatVector.fromArray(F, b, bi + L);
            FloatVector x = FloatVector.broadcast(F, a[ai]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(F, a[ai + 1]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(F, a[ai + 2]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(F, a[ai + 3]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(F, a[ai + 4]);
            c40 = x.fma(b0, c40);
            c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(F, a[ai + 5]);
            c50 = x.fma(b0, c50);
            c51 = x.fma(b1, c51);
            x = FloatVector.broadcast(F, a[ai + 6]);
            c60 = x.fma(b0, c60);
            c61 = x.fma(b1, c61);
            x = FloatVector.broadcast(F, a[ai + 7]);
            c70 = x.fma(b0, c70);
            c71 = x.fma(b1, c71);
        }
        c00.intoArray(t, to);
        c01.intoArray(t, to + L);
        c10.intoArray(t, to + ts);
        c11.intoArray(t, to + ts + L);
        c20.intoArray(t, to + 2 * ts);
        c21.intoArray(t, to + 2 * ts + L);
        c30.intoArray(t, to + 3 * ts);
        c31.intoArray(t, to + 3 * ts + L);
        c40.intoArray(t, to + 4 * ts);
        c41.intoArray(t, to + 4 * ts + L);
        c50.intoArray(t, to + 5 * ts);
        c51.intoArray(t, to + 5 * ts + L);
        c60.intoArray(t, to + 6 * ts);
        c61.intoArray(t, to + 6 * ts + L);
        c70.intoArray(t, to + 7 * ts);
        c71.intoArray(t, to + 7 * ts + L);
    }

    /**
     * The first 4 rows of a 12-row panel (A read at stride {@link #MR}): the last panel when at most 4 rows remain.
     * The K loop is unrolled by hand four times (C2 left the 8-FMA body short of the FMA ports: 91 against 110
     * GFLOP/s in isolation, {@code kc} 576); every accumulator still sums its products in K order.
     */
    static void kernel4(float[] a, int ao, float[] b, int bo, int bs, int kc, float[] t, int to, boolean acc) {
        float[] src = acc ? t : ZERO_TILE;
        int so = acc ? to : 0;
        FloatVector c00 = FloatVector.fromArray(F, src, so);
        FloatVector c01 = FloatVector.fromArray(F, src, so + L);
        FloatVector c10 = FloatVector.fromArray(F, src, so + NR);
        FloatVector c11 = FloatVector.fromArray(F, src, so + NR + L);
        FloatVector c20 = FloatVector.fromArray(F, src, so + 2 * NR);
        FloatVector c21 = FloatVector.fromArray(F, src, so + 2 * NR + L);
        FloatVector c30 = FloatVector.fromArray(F, src, so + 3 * NR);
        FloatVector c31 = FloatVector.fromArray(F, src, so + 3 * NR + L);
        int p = 0;
        for (; p + 4 <= kc; p += 4) {
            int bi0 = bo + (p) * bs;
            int ai0 = ao + (p) * MR;
            FloatVector b00 = FloatVector.fromArray(F, b, bi0);
            FloatVector b01 = FloatVector.fromArray(F, b, bi0 + L);
            FloatVector x00 = FloatVector.broadcast(F, a[ai0]);
            c00 = x00.fma(b00, c00);
            c01 = x00.fma(b01, c01);
            FloatVector x01 = FloatVector.broadcast(F, a[ai0 + 1]);
            c10 = x01.fma(b00, c10);
            c11 = x01.fma(b01, c11);
            FloatVector x02 = FloatVector.broadcast(F, a[ai0 + 2]);
            c20 = x02.fma(b00, c20);
            c21 = x02.fma(b01, c21);
            FloatVector x03 = FloatVector.broadcast(F, a[ai0 + 3]);
            c30 = x03.fma(b00, c30);
            c31 = x03.fma(b01, c31);
            int bi1 = bo + (p + 1) * bs;
            int ai1 = ao + (p + 1) * MR;
            FloatVector b10 = FloatVector.fromArray(F, b, bi1);
            FloatVector b11 = FloatVector.fromArray(F, b, bi1 + L);
            FloatVector x10 = FloatVector.broadcast(F, a[ai1]);
            c00 = x10.fma(b10, c00);
            c01 = x10.fma(b11, c01);
            FloatVector x11 = FloatVector.broadcast(F, a[ai1 + 1]);
            c10 = x11.fma(b10, c10);
            c11 = x11.fma(b11, c11);
            FloatVector x12 = FloatVector.broadcast(F, a[ai1 + 2]);
            c20 = x12.fma(b10, c20);
            c21 = x12.fma(b11, c21);
            FloatVector x13 = FloatVector.broadcast(F, a[ai1 + 3]);
            c30 = x13.fma(b10, c30);
            c31 = x13.fma(b11, c31);
            int bi2 = bo + (p + 2) * bs;
            int ai2 = ao + (p + 2) * MR;
            FloatVector b20 = FloatVector.fromArray(F, b, bi2);
            FloatVector b21 = FloatVector.fromArray(F, b, bi2 + L);
            FloatVector x20 = FloatVector.broadcast(F, a[ai2]);
            c00 = x20.fma(b20, c00);
            c01 = x20.fma(b21, c01);
            FloatVector x21 = FloatVector.broadcast(F, a[ai2 + 1]);
            c10 = x21.fma(b20, c10);
            c11 = x21.fma(b21, c11);
            FloatVector x22 = FloatVector.broadcast(F, a[ai2 + 2]);
            c20 = x22.fma(b20, c20);
            c21 = x22.fma(b21, c21);
            FloatVector x23 = FloatVector.broadcast(F, a[ai2 + 3]);
            c30 = x23.fma(b20, c30);
            c31 = x23.fma(b21, c31);
            int bi3 = bo + (p + 3) * bs;
            int ai3 = ao + (p + 3) * MR;
            FloatVector b30 = FloatVector.fromArray(F, b, bi3);
            FloatVector b31 = FloatVector.fromArray(F, b, bi3 + L);
            FloatVector x30 = FloatVector.broadcast(F, a[ai3]);
            c00 = x30.fma(b30, c00);
            c01 = x30.fma(b31, c01);
            FloatVector x31 = FloatVector.broadcast(F, a[ai3 + 1]);
            c10 = x31.fma(b30, c10);
            c11 = x31.fma(b31, c11);
            FloatVector x32 = FloatVector.broadcast(F, a[ai3 + 2]);
            c20 = x32.fma(b30, c20);
            c21 = x32.fma(b31, c21);
            FloatVector x33 = FloatVector.broadcast(F, a[ai3 + 3]);
            c30 = x33.fma(b30, c30);
            c31 = x33.fma(b31, c31);
        }
        for (; p < kc; p++) {
            int bi0 = bo + (p) * bs;
            int ai0 = ao + (p) * MR;
            FloatVector b00 = FloatVector.fromArray(F, b, bi0);
            FloatVector b01 = FloatVector.fromArray(F, b, bi0 + L);
            FloatVector x00 = FloatVector.broadcast(F, a[ai0]);
            c00 = x00.fma(b00, c00);
            c01 = x00.fma(b01, c01);
            FloatVector x01 = FloatVector.broadcast(F, a[ai0 + 1]);
            c10 = x01.fma(b00, c10);
            c11 = x01.fma(b01, c11);
            FloatVector x02 = FloatVector.broadcast(F, a[ai0 + 2]);
            c20 = x02.fma(b00, c20);
            c21 = x02.fma(b01, c21);
            FloatVector x03 = FloatVector.broadcast(F, a[ai0 + 3]);
            c30 = x03.fma(b00, c30);
            c31 = x03.fma(b01, c31);
        }
        c00.intoArray(t, to);
        c01.intoArray(t, to + L);
        c10.intoArray(t, to + NR);
        c11.intoArray(t, to + NR + L);
        c20.intoArray(t, to + 2 * NR);
        c21.intoArray(t, to + 2 * NR + L);
        c30.intoArray(t, to + 3 * NR);
        c31.intoArray(t, to + 3 * NR + L);
    }

    /** 6 x (2 vectors) register tile for 256-bit and 128-bit vectors. */
    static void kernel6(float[] a, int ao, float[] b, int bo, int bs, int kc, float[] t, int to, boolean acc) {
        float[] src = acc ? t : ZERO_TILE;
        int so = acc ? to : 0;
        FloatVector c00 = FloatVector.fromArray(F, src, so);
        FloatVector c01 = FloatVector.fromArray(F, src, so + L);
        FloatVector c10 = FloatVector.fromArray(F, src, so + NR);
        FloatVector c11 = FloatVector.fromArray(F, src, so + NR + L);
        FloatVector c20 = FloatVector.fromArray(F, src, so + 2 * NR);
        FloatVector c21 = FloatVector.fromArray(F, src, so + 2 * NR + L);
        FloatVector c30 = FloatVector.fromArray(F, src, so + 3 * NR);
        FloatVector c31 = FloatVector.fromArray(F, src, so + 3 * NR + L);
        FloatVector c40 = FloatVector.fromArray(F, src, so + 4 * NR);
        FloatVector c41 = FloatVector.fromArray(F, src, so + 4 * NR + L);
        FloatVector c50 = FloatVector.fromArray(F, src, so + 5 * NR);
        FloatVector c51 = FloatVector.fromArray(F, src, so + 5 * NR + L);
        for (int p = 0; p < kc; p++) {
            int bi = bo + p * bs;
            int ai = ao + p * 6;
            FloatVector b0 = FloatVector.fromArray(F, b, bi);
            FloatVector b1 = FloatVector.fromArray(F, b, bi + L);
            FloatVector x = FloatVector.broadcast(F, a[ai]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(F, a[ai + 1]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(F, a[ai + 2]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(F, a[ai + 3]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(F, a[ai + 4]);
            c40 = x.fma(b0, c40);
            c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(F, a[ai + 5]);
            c50 = x.fma(b0, c50);
            c51 = x.fma(b1, c51);
        }
        c00.intoArray(t, to);
        c01.intoArray(t, to + L);
        c10.intoArray(t, to + NR);
        c11.intoArray(t, to + NR + L);
        c20.intoArray(t, to + 2 * NR);
        c21.intoArray(t, to + 2 * NR + L);
        c30.intoArray(t, to + 3 * NR);
        c31.intoArray(t, to + 3 * NR + L);
        c40.intoArray(t, to + 4 * NR);
        c41.intoArray(t, to + 4 * NR + L);
        c50.intoArray(t, to + 5 * NR);
        c51.intoArray(t, to + 5 * NR + L);
    }
}
