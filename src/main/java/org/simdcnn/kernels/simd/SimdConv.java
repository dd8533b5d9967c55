package org.simdcnn.kernels.simd;

import static org.simdcnn.kernels.simd.SimdGemm.F;
import static org.simdcnn.kernels.simd.SimdGemm.L;
import static org.simdcnn.kernels.simd.SimdGemm.MR;
import static org.simdcnn.kernels.simd.SimdGemm.NR;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import org.simdcnn.SimdCnn;
import org.simdcnn.geometry.ConvGeometry;
import org.simdcnn.kernels.BiasMode;
import org.simdcnn.kernels.Conv;
import org.simdcnn.kernels.Epilogue;
import org.simdcnn.kernels.PackedConvWeights;
import org.simdcnn.parallel.ThreadPool;

/**
 * Convolution on the packed GEMM of {@link SimdGemm} ({@code W (Cout/g x Cin/g*kvol)} is the A operand, packed
 * once per call or once per {@link #pack}); the algorithm is chosen per call from the geometry only:
 * <ul>
 *   <li><b>direct</b> (small reduction: {@code Cin * kH * kW <= 160}, one group, unit stride along the width, not
 *       pointwise):
 *       {@link SimdDirectConv}, output channels by output columns in registers;</li>
 *   <li><b>pointwise</b> (kernel 1, stride 1, no padding): B is the NCHW planes {@code X (Cin x HW)} themselves,
 *       packed in tiles of output positions; no im2col;</li>
 *   <li><b>depthwise</b> ({@code groups == Cin}): a direct vectorized kernel over a zero-padded copy of each input
 *       plane (for a width stride {@code s > 1} split into its {@code s} stride phases, so that every tap is a
 *       plain vector load), four output rows per register block (for 3x3 at height stride 1 by two vectors of
 *       columns, each input row loaded once for the three output rows it feeds); no gathers, scatters or masks;</li>
 *   <li><b>implicit GEMM</b> (every stride 1, any padding, dilation and groups; in 3d at most 20% extra positions):
 *       output positions are counted in the padded input's row width, so every row of B is a contiguous slice of
 *       the zero-padded input; panels are copied with plain vector loads and the store drops the positions outside
 *       the output;</li>
 *   <li><b>gathered GEMM</b> (everything else: a stride above 1, or 3d with more extra positions): B panels are
 *       assembled from the zero-padded input ({@code xpad[koff[tap] + sOff[position]]}, held in stride phases for a
 *       width stride {@code > 1}, so that the columns of one output row are contiguous) with plain vector loads and
 *       two-vector permutations where a vector crosses output rows (no vector gathers); no im2col buffer.</li>
 * </ul>
 * Bias and epilogue are fused into the GEMM store. Work is split over (image, group, row block, column block) in a
 * partition that depends only on the geometry, so results are bitwise identical for any thread count.
 *
 * <p>Backward: grad input of a stride-1 convolution is the implicit-GEMM forward of {@code dy} with the flipped,
 * channel-transposed weights; otherwise {@code W^T dY} (a transposed-A GEMM) and col2im. Grad weight of a 3x3
 * stride-1 convolution takes Winograd F(2x2, 3x3) ({@link SimdWinogradWeightGrad} with channels in the lanes up to
 * 128 x 64 channel pairs, 2d and 3d; {@link SimdWinograd#weightGrad} with tiles in the lanes beyond, 2d); otherwise
 * it is one GEMM whose K runs over every image and position in a fixed order (in fixed chunks whose partial sums are
 * added in chunk order), with B gathered from the padded input. Grad bias is a vectorized sum. The transposed convolution
 * is the grad-input path of its adjoint convolution plus the bias.
 *
 * <p>Workspaces (padded input, packed panels, offset tables, task objects) are per thread and grow on demand; the
 * steady state allocates nothing.
 */
final class SimdConv implements Conv {
    static final SimdConv INSTANCE = new SimdConv();

    /** Target size of one packed B tile (K x positions) in floats (512 KiB, well inside L2). */
    private static final int TILE_FLOATS = 128 * 1024;
    /**
     * Implicit GEMM: blocks are halved while there are fewer tasks than this, when the pool has more than one thread.
     * On one thread nothing is split: a split of the output channels into row blocks packs the same B panels once per
     * block (resnet_3x3_14: four times), and one task was 5-15% faster there ({@code GemmTune conv 1,1:i1}), even
     * elsewhere.
     */
    static int IMPLICIT_MIN_TASKS = 16;
    /** Implicit GEMM in 3d: at most this many padded-space positions per 100 output positions (the choice rule). */
    static int IMPLICIT_MAX_PCT = 120;
    /** Implicit GEMM: 1 = preparation and compute in one pool job, 0 = two (or a serial preparation). */
    static int MERGED_PREP = 1;
    /** Pointwise / gathered forward: at least this many (image, group, tile) tasks when the output allows. */
    static int MIN_TASKS = 8;
    /** ... with column tiles of at least this many panels. */
    static int MIN_TILE_PANELS = 12;
    /** A pad phase of at most this many floats runs on the calling thread (no extra pool round trip). */
    private static final long PAD_SERIAL_FLOATS = 256 * 1024;

    private static final ThreadLocal<ConvWorkspace> WS = ThreadLocal.withInitial(ConvWorkspace::new);

    /** Per-thread memory of the conv kernels (distinct from the GEMM's, which a conv task may call). */
    static final class ConvWorkspace {
        float[] wPack = new float[0];
        float[] bTile = new float[0];
        float[] col = new float[0];
        float[] plane = new float[0];
        /** Geometry whose padding border {@link #plane} holds as zeros (only the interior is rewritten per plane). */
        ConvGeometry planeClean;
        float[] xpad = new float[0];
        final float[] lanes = new float[L];
        /** A tile's rows with their segments packed together, {@code NR + L} floats per row (slack: a segment's last
         * vector may overrun). */
        final float[] compactRow = new float[MR * (NR + L)];
        int[] koff = new int[0];
        final ForwardJob forward = new ForwardJob();
        final ImplicitJob implicit = new ImplicitJob();
        final DepthwiseJob depthwise = new DepthwiseJob();
        final DepthwiseGradJob depthwiseGrad = new DepthwiseGradJob();
        final DepthwiseScatterJob depthwiseScatter = new DepthwiseScatterJob();
        float[] tapAcc = new float[0];
        /** Depthwise, width stride > 1: a padded plane split into its stride phases ({@link #planeOrPhases}). */
        float[] phases = new float[0];
        /** Depthwise: offset of each width tap within a padded row of the kernels' layout. */
        int[] kwOff = new int[0];
        /** Depthwise: four output rows narrower than a vector, and one vector's lanes. */
        final float[] rows = new float[4 * L];
        /** Depthwise grad input, stride > 1: dY planes with rows padded to whole vectors; grad weight: a dY plane. */
        float[] dyRows = new float[0];
        final BackwardJob backward = new BackwardJob();
        final WeightGradJob weightGrad = new WeightGradJob();
        float[] dyPack = new float[0];
        float[] partial = new float[0];
        int[] sOff = new int[0];
        /** Gathered forward: a column tile's loads (packMerged, packStaged), staging rows (packStaged). */
        int[] runs = new int[0];
        int[] halfStart = new int[0];
        float[] stage = new float[0];
        /** Implicit GEMM store segments of a task's column panels: tile column, output offset, length; and per panel
         * (at {@code q}, its end at {@code q + 1}) the first segment. */
        int[] segCol = new int[0];
        int[] segOut = new int[0];
        int[] segLen = new int[0];
        int[] segStart = new int[0];

        void segments(int panels) {
            int n = panels * (NR + 1);
            if (segCol.length < n) {
                segCol = new int[n];
                segOut = new int[n];
                segLen = new int[n];
            }
            if (segStart.length < panels + 1) {
                segStart = new int[panels + 1];
            }
        }
        /** Transposed convolutions: the adjoint geometry of each recent one. */
        final DerivedGeometries adjoint = new DerivedGeometries();
        /** Input gradients on the forward: the flipped geometry of each recent one. */
        final DerivedGeometries flipped = new DerivedGeometries();
        float[] wFlip = new float[0];

        float[] wPack(int n) {
            if (wPack.length < n) {
                wPack = new float[n];
            }
            return wPack;
        }

        float[] bTile(int n) {
            if (bTile.length < n) {
                bTile = new float[n];
            }
            return bTile;
        }

        float[] col(int n) {
            if (col.length < n) {
                col = new float[n];
            }
            return col;
        }

        float[] xpad(int n) {
            if (xpad.length < n) {
                xpad = new float[n];
            }
            return xpad;
        }

        int[] koff(int n) {
            if (koff.length < n) {
                koff = new int[n];
            }
            return koff;
        }

        float[] phases(int n) {
            if (phases.length < n) {
                phases = new float[n];
            }
            return phases;
        }

        int[] kwOff(int n) {
            if (kwOff.length < n) {
                kwOff = new int[n];
            }
            return kwOff;
        }

        float[] plane(int n) {
            if (plane.length < n) {
                plane = new float[n];
                planeClean = null;
            }
            return plane;
        }
    }

    // ---- prepacked weights -------------------------------------------------------------------------------------

    /** The SIMD backend's packed weights: a copy in PyTorch's layout (depthwise) and the GEMM A panels per group. */
    static final class Packed implements PackedConvWeights {
        final ConvGeometry geometry;
        final float[] raw;
        final float[] panels;
        /** The Winograd-transformed weights ({@link SimdWinograd#packs}), or null. */
        final float[] wino;

        Packed(ConvGeometry g) {
            this.geometry = g;
            this.raw = new float[g.weightSize()];
            this.panels = new float[packedWeightSize(g)];
            this.wino = SimdWinograd.packs(g) ? new float[SimdWinograd.weightSize(g)] : null;
        }

        @Override
        public ConvGeometry geometry() {
            return geometry;
        }

        void fill(float[] w, int wOff) {
            System.arraycopy(w, wOff, raw, 0, raw.length);
            packWeights(geometry, w, wOff, panels);
            if (wino != null) {
                SimdWinograd.transformWeights(geometry, w, wOff, wino);
            }
        }

        @Override
        public String toString() {
            return "SimdConv.Packed{" + geometry.name() + "}";
        }
    }

    static int packedWeightSize(ConvGeometry g) {
        int kk = g.inChannelsPerGroup() * g.kernelVolume();
        return g.groups() * SimdGemm.roundUp(g.outChannelsPerGroup(), MR) * kk;
    }

    /** Packs the weights of every group as GEMM A panels (group {@code gr} at {@code gr * mPad * K}). */
    static void packWeights(ConvGeometry g, float[] w, int wOff, float[] dst) {
        int m = g.outChannelsPerGroup();
        int kk = g.inChannelsPerGroup() * g.kernelVolume();
        int mPad = SimdGemm.roundUp(m, MR);
        int kcu = SimdGemm.kcu(kk);
        int panels = mPad / MR;
        for (int gr = 0; gr < g.groups(); gr++) {
            SimdGemm.packA(false, w, wOff + gr * m * kk, kk, m, kk, kcu, dst, gr * mPad * kk, 0, panels);
        }
    }

    @Override
    public PackedConvWeights pack(ConvGeometry g, float[] w, int wOff) {
        Packed p = new Packed(g);
        p.fill(w, wOff);
        return p;
    }

    @Override
    public void repack(PackedConvWeights pw, float[] w, int wOff) {
        if (!(pw instanceof Packed p)) {
            throw new IllegalArgumentException("repack: weights were not packed by the SIMD backend: " + pw);
        }
        p.fill(w, wOff);
    }

    @Override
    public void forward(ConvGeometry g, float[] x, int xOff, PackedConvWeights pw, float[] bias, float[] y,
            int yOff, Epilogue epilogue) {
        if (!(pw instanceof Packed p)) {
            throw new IllegalArgumentException("forward: weights were not packed by the SIMD backend: " + pw);
        }
        if (!p.fits(g)) {
            throw new IllegalArgumentException("forward: weights packed for " + p.geometry.name()
                    + " do not fit " + g.name());
        }
        if (p.wino != null && SimdWinograd.applies(g)) {
            SimdWinograd.forward(g, x, xOff, p.wino, null, 0, bias, y, yOff, epilogue);
        } else if (SimdDirectConv.applies(g)) {
            SimdDirectConv.forward(g, x, xOff, p.raw, 0, bias, y, yOff, epilogue);
        } else if (g.isDepthwise()) {
            depthwise(g, x, xOff, p.raw, 0, bias, y, yOff, epilogue);
        } else {
            forwardGemm(g, x, xOff, p.panels, bias, y, yOff, epilogue);
        }
    }

    // ---- forward -----------------------------------------------------------------------------------------------

    @Override
    public void forward(ConvGeometry g, float[] x, int xOff, float[] w, int wOff, float[] bias, float[] y, int yOff,
            Epilogue epilogue) {
        if (SimdWinograd.applies(g)) {
            // as with packed weights at any size, so that packed and plain forward stay bitwise equal
            SimdWinograd.forward(g, x, xOff, null, w, wOff, bias, y, yOff, epilogue);
            return;
        }
        if (SimdDirectConv.applies(g)) {
            SimdDirectConv.forward(g, x, xOff, w, wOff, bias, y, yOff, epilogue);
            return;
        }
        if (g.isDepthwise()) {
            depthwise(g, x, xOff, w, wOff, bias, y, yOff, epilogue);
            return;
        }
        ConvWorkspace ws = WS.get();
        float[] panels = ws.wPack(packedWeightSize(g));
        if (useImplicit(g)) {
            // The weights are packed in the job's preparation phase, in parallel with the input padding.
            forwardImplicit(g, x, xOff, panels, w, wOff, bias, y, yOff, epilogue);
            return;
        }
        packWeights(g, w, wOff, panels);
        forwardGemm(g, x, xOff, panels, bias, y, yOff, epilogue);
    }

    private static void forwardGemm(ConvGeometry g, float[] x, int xOff, float[] panels, float[] bias, float[] y,
            int yOff, Epilogue epilogue) {
        if (useImplicit(g)) {
            forwardImplicit(g, x, xOff, panels, null, 0, bias, y, yOff, epilogue);
            return;
        }
        ConvWorkspace ws = WS.get();
        ForwardJob job = ws.forward;
        job.set(g, x, xOff, panels, bias, y, yOff, epilogue);
        if (!job.pointwise) {
            // Gathered B: column j of tap p is the padded input at koff[p] + sOff[j] (any stride). With a width
            // stride s > 1 each padded plane is held in its s stride phases (planeOrPhases' layout: the width
            // rounded up to a multiple of s, phase t % s of width tap t in a block of its own, rows of len
            // entries), so consecutive output columns of a row read consecutive floats; stride 1 is the padded
            // plane itself (len = padded width, one block).
            int sw = g.stride(2);
            int pd = paddedSize(g, 0);
            int ph = paddedSize(g, 1);
            int len = SimdGemm.roundUp(paddedSize(g, 2), sw) / sw;
            int block = pd * ph * len;
            int vol = sw * block;
            job.vol = vol;
            // L floats of slack before the first plane and after the last: B is copied as whole vectors, some
            // loaded from up to L - 1 floats before a run (see runTile)
            job.xpad = ws.xpad(L + g.batch() * g.inChannels() * vol + L);
            job.koff = ws.koff(job.kk);
            int kvol = g.kernelVolume();
            for (int p = 0; p < job.kk; p++) {
                int c = p / kvol;
                int r = p - c * kvol;
                int kd = r / (g.kH() * g.kW());
                int kh = (r / g.kW()) % g.kH();
                int t = (r % g.kW()) * g.dilation(2);
                job.koff[p] = c * vol + (t % sw) * block + (kd * g.dilation(0) * ph + kh * g.dilation(1)) * len
                        + t / sw;
            }
            int outSp = g.outSpatial();
            if (ws.sOff.length < outSp + NR) {
                ws.sOff = new int[outSp + NR];
            }
            int[] sOff = ws.sOff;
            int i = 0;
            for (int od = 0; od < g.outD(); od++) {
                for (int oh = 0; oh < g.outH(); oh++) {
                    for (int ow = 0; ow < g.outW(); ow++) {
                        sOff[i++] = (od * g.stride(0) * ph + oh * g.stride(1)) * len + ow;
                    }
                }
            }
            java.util.Arrays.fill(sOff, outSp, outSp + NR, 0);
            job.sOff = sOff;
            job.padTasks = SimdGemm.ceilDiv(g.batch() * g.inChannels(), 8);
        }
        try {
            if (job.tasks == 1) {
                job.phase = 0;
                for (int t = 0; t < job.padTasks; t++) {
                    job.run(t);
                }
                job.phase = 1;
                job.run(0);
            } else if (MERGED_PREP == 0 || job.padTasks == 0) {
                job.phase = 0;
                SimdCnn.pool().run(job.padTasks, job);
                job.phase = 1;
                SimdCnn.pool().run(job.tasks, job);
            } else {
                // One pool job: the pad tasks first, then the tiles, which wait until the padding is complete.
                job.prepDone.set(0);
                job.phase = 2;
                SimdCnn.pool().run(job.padTasks + job.tasks, job);
            }
        } finally {
            job.clear();
        }
    }

    /** Pointwise / gathered forward: phase 0 pads the input (gathered only), phase 1 runs (image, group, tile). */
    static final class ForwardJob implements ThreadPool.Task {
        int phase;
        float[] xpad;
        int[] koff;
        int[] sOff;
        int vol;
        int padTasks;
        ConvGeometry g;
        float[] x;
        int xOff;
        float[] panels;
        float[] bias;
        float[] y;
        int yOff;
        int ek;
        float ea;
        float eb;
        int kk;
        int m;
        int mPad;
        int outSp;
        /** Largest tile, in columns (a multiple of NR). */
        int tileCols;
        int tiles;
        int colPanels;
        int tasks;
        boolean pointwise;
        /** Phase 2 (padding and tiles in one pool job): pad tasks finished so far. */
        final java.util.concurrent.atomic.AtomicInteger prepDone = new java.util.concurrent.atomic.AtomicInteger();

        void set(ConvGeometry g, float[] x, int xOff, float[] panels, float[] bias, float[] y, int yOff,
                Epilogue e) {
            this.g = g;
            this.x = x;
            this.xOff = xOff;
            this.panels = panels;
            this.bias = bias;
            this.y = y;
            this.yOff = yOff;
            this.ek = SimdGemm.epiKind(e);
            this.ea = e == null ? 0f : e.a();
            this.eb = e == null ? 0f : e.b();
            this.kk = g.inChannelsPerGroup() * g.kernelVolume();
            this.m = g.outChannelsPerGroup();
            this.mPad = SimdGemm.roundUp(m, MR);
            this.outSp = g.outSpatial();
            this.pointwise = g.isPointwise();
            int maxCols = Math.max(NR, TILE_FLOATS / Math.max(1, kk) / NR * NR);
            // Tiles of whole column panels, sizes differing by at most one panel: at most maxCols columns each (the
            // packed tile stays in L2), at least MIN_TASKS tasks in all where tiles keep MIN_TILE_PANELS panels (narrow
            // tiles scatter the stores: resnet 1x1 ran 20% slower with 5-panel tiles), and, while there are few tasks,
            // a multiple of 4 tiles so that 2 or 4 threads get equal shares. The partition depends on the geometry
            // only; a column tile does not change how any output is summed.
            this.colPanels = SimdGemm.ceilDiv(outSp, NR);
            int images = g.batch() * g.groups();
            int t = Math.max(SimdGemm.ceilDiv(outSp, maxCols),
                    Math.min(SimdGemm.ceilDiv(MIN_TASKS, images), colPanels / MIN_TILE_PANELS));
            if (images * t < 32) {
                t = SimdGemm.roundUp(t, 4);
            }
            this.tiles = Math.max(1, Math.min(t, colPanels));
            this.tileCols = SimdGemm.ceilDiv(colPanels, tiles) * NR;
            long work = (long) g.batch() * g.outChannels() * outSp * kk;
            this.tasks = work < SimdGemm.SERIAL_WORK ? 1 : g.batch() * g.groups() * tiles;
        }

        void clear() {
            g = null;
            x = null;
            panels = null;
            bias = null;
            y = null;
            xpad = null;
            koff = null;
            sOff = null;
            padTasks = 0;
        }

        @Override
        public void run(int t) {
            if (phase == 2) {
                if (t < padTasks) {
                    try {
                        pad(t);
                    } finally {
                        prepDone.incrementAndGet();
                    }
                    return;
                }
                while (prepDone.get() < padTasks) {
                    Thread.onSpinWait();
                }
                runTile(t - padTasks);
                return;
            }
            if (phase == 0) {
                pad(t);
                return;
            }
            if (tasks == 1) {
                int all = g.batch() * g.groups() * tiles;
                for (int i = 0; i < all; i++) {
                    runTile(i);
                }
            } else {
                runTile(t);
            }
        }

        /** Pads input planes {@code [8t, 8t + 8)} (width stride > 1: then splits each into its stride phases). */
        private void pad(int t) {
            int planes = g.batch() * g.inChannels();
            int p1 = Math.min(planes, t * 8 + 8);
            int sw = g.stride(2);
            if (sw == 1) {
                for (int p = t * 8; p < p1; p++) {
                    padInto(g, x, xOff + p * g.inSpatial(), xpad, L + p * vol, paddedSize(g, 0), paddedSize(g, 1),
                            paddedSize(g, 2));
                }
                return;
            }
            // the padded plane (width rounded up to a multiple of the stride, zero border written once per
            // geometry) in a per-thread buffer, then split into its phases
            ConvWorkspace ws = WS.get();
            int pd = paddedSize(g, 0);
            int ph = paddedSize(g, 1);
            float[] tmp = ws.plane(vol + L);
            for (int p = t * 8; p < p1; p++) {
                padPlane(ws, g, x, xOff + p * g.inSpatial(), tmp, pd, ph, vol / (pd * ph));
                phaseRow(tmp, 0, vol, sw, 0, xpad, L + p * vol, vol / sw);
            }
        }

        private void runTile(int t) {
            int tile = t % tiles;
            int ng = t / tiles;
            int gr = ng % g.groups();
            int img = ng / g.groups();
            int s0 = (int) ((long) tile * colPanels / tiles) * NR;
            int cols = Math.min((int) ((long) (tile + 1) * colPanels / tiles) * NR, outSp) - s0;
            int nPad = SimdGemm.roundUp(cols, NR);
            int kcu = SimdGemm.kcu(kk);
            float[] bp = WS.get().bTile(nPad * kk);
            int cin = g.inChannels();
            int cinG = g.inChannelsPerGroup();
            int xImg = xOff + (img * cin + gr * cinG) * g.inSpatial();
            if (pointwise) {
                SimdGemm.packB(false, x, xImg + s0, outSp, cols, kk, kcu, bp, 0, nPad / NR);
            } else {
                int xb = L + (img * cin + gr * cinG) * vol;
                if (g.outW() >= L) {
                    packMerged(xb, s0, cols, nPad, kcu, bp);
                } else {
                    packStaged(xb, s0, cols, nPad, kcu, bp);
                }
            }
            int cOff = yOff + (img * g.outChannels() + gr * m) * outSp + s0;
            SimdGemm.macro(panels, gr * mPad * kk, mPad, bp, nPad, m, cols, kk, 0, mPad / MR, 0, nPad / NR, 1f, 0f,
                    y, cOff, outSp, bias, gr * m, bias == null ? 0 : 1, ek, ea, eb, SimdGemm.workspace());
        }

        /**
         * Packs the B tile (columns {@code [s0, s0 + cols)}, all K) of rows at least {@code 2 L} wide. Each half
         * panel ({@code L} columns) of a tap row is one vector: loaded from the row segment of its first column,
         * then, where the columns cross into a further output row, merged with a load for that row by a two-vector
         * permutation (lanes from column {@code k} on from the new load, read {@code k} floats before that row's
         * first column). The recipe (source offset, {@code k}) is the same for every tap row of the tile. Columns
         * past the tile's end continue the last row (any floats, as before: the GEMM does not store them).
         */
        private void packMerged(int xb, int s0, int cols, int nPad, int kcu, float[] bp) {
            int outW = g.outW();
            ConvWorkspace ws = WS.get();
            int halves = nPad / L;
            if (ws.runs.length < 2 * (cols + halves) + 1) {
                ws.runs = new int[2 * (cols + halves) + 1];
            }
            if (ws.halfStart.length < halves + 1) {
                ws.halfStart = new int[halves + 1];
            }
            int[] rec = ws.runs;
            int[] hs = ws.halfStart;
            int nr = 0;
            for (int h = 0; h < halves; h++) {
                hs[h] = nr;
                int j = h * L;
                rec[2 * nr] = sOff[s0 + Math.min(j, cols - 1)]; // a half of padding columns: any floats
                rec[2 * nr + 1] = 0;
                nr++;
                int next = j + (outW - (s0 + j) % outW); // the further rows this half reaches within the tile
                while (next < Math.min(j + L, cols)) {
                    rec[2 * nr] = sOff[s0 + next] - (next - j);
                    rec[2 * nr + 1] = next - j;
                    nr++;
                    next += outW;
                }
            }
            hs[halves] = nr;
            // panel by panel, its tap rows in order: the stores run through each panel contiguously
            for (int k0 = 0; k0 < kk; k0 += kcu) {
                int kc = Math.min(kcu, kk - k0);
                for (int h = 0; h < halves; h += 2) {
                    int ra = hs[h];
                    int rb = hs[h + 1];
                    int re = hs[h + 2];
                    int offA = rec[2 * ra];
                    int offB = rec[2 * rb];
                    int d = k0 * nPad + (h >> 1) * NR * kc;
                    for (int p = k0; p < k0 + kc; p++, d += NR) {
                        int base = xb + koff[p];
                        FloatVector v = FloatVector.fromArray(F, xpad, base + offA);
                        for (int r = ra + 1; r < rb; r++) {
                            v = FloatVector.fromArray(F, TAKE_FROM, rec[2 * r + 1] * L)
                                    .selectFrom(v, FloatVector.fromArray(F, xpad, base + rec[2 * r]));
                        }
                        v.intoArray(bp, d);
                        FloatVector u = FloatVector.fromArray(F, xpad, base + offB);
                        for (int r = rb + 1; r < re; r++) {
                            u = FloatVector.fromArray(F, TAKE_FROM, rec[2 * r + 1] * L)
                                    .selectFrom(u, FloatVector.fromArray(F, xpad, base + rec[2 * r]));
                        }
                        u.intoArray(bp, d + L);
                    }
                }
            }
        }

        /**
         * Packs the B tile of rows narrower than {@code 2 L}: each tap row is assembled in a staging row by
         * whole-vector copies of its row segments (a segment's last vector spills into the next segment's place,
         * which that one then overwrites, or past the tile's columns, which the GEMM does not store), eight tap
         * rows before any is read back (no load waits on the stores just made), then copied into the column
         * panels as whole vectors.
         */
        private void packStaged(int xb, int s0, int cols, int nPad, int kcu, float[] bp) {
            int outW = g.outW();
            ConvWorkspace ws = WS.get();
            if (ws.runs.length < 2 * cols) {
                ws.runs = new int[2 * cols];
            }
            int sl = nPad + L; // one staging row
            if (ws.stage.length < 8 * sl) {
                ws.stage = new float[8 * sl];
            }
            int[] runs = ws.runs;
            float[] stage = ws.stage;
            int nv = 0; // whole-vector copies: (staging column, source offset)
            for (int j = 0; j < cols;) {
                int pos = s0 + j;
                int n = Math.min(outW - pos % outW, cols - j);
                for (int q = 0; q < n; q += L) {
                    runs[2 * nv] = j + q;
                    runs[2 * nv + 1] = sOff[pos] + q;
                    nv++;
                }
                j += n;
            }
            for (int k0 = 0; k0 < kk; k0 += kcu) {
                int kc = Math.min(kcu, kk - k0);
                for (int p0 = k0; p0 < k0 + kc; p0 += 8) {
                    int p1 = Math.min(p0 + 8, k0 + kc);
                    for (int p = p0; p < p1; p++) {
                        int base = xb + koff[p];
                        int st = (p - p0) * sl;
                        for (int v = 0; v < nv; v++) {
                            FloatVector.fromArray(F, xpad, base + runs[2 * v + 1]).intoArray(stage, st + runs[2 * v]);
                        }
                    }
                    for (int p = p0; p < p1; p++) {
                        int st = (p - p0) * sl;
                        int d = k0 * nPad + (p - k0) * NR;
                        for (int j0 = 0; j0 < nPad; j0 += NR) {
                            FloatVector.fromArray(F, stage, st + j0).intoArray(bp, d);
                            FloatVector.fromArray(F, stage, st + j0 + L).intoArray(bp, d + L);
                            d += NR * kc;
                        }
                    }
                }
            }
        }
    }


    // ---- implicit GEMM (stride 1) -------------------------------------------------------------------------------

    /**
     * Stride 1 (any padding, dilation, groups, 1d/2d/3d) and not pointwise: the convolution as a GEMM whose B is
     * read straight from a zero-padded copy of the input. With output positions counted in the padded row width,
     * {@code j = od*PH*PW + oh*PW + ow}, tap {@code (c, kd, kh, kw)} of position {@code j} is the padded input at
     * {@code j + koff(c, kd, kh, kw)}: every row of B is a contiguous slice, so there is no im2col. Positions with
     * {@code ow >= outW} or {@code oh >= outH} are computed and dropped in the store. The row width {@code PW} is
     * {@code inW + gap} ({@link #implicitGap}) and every plane ends with one more gap of zeros.
     */
    static boolean useImplicit(ConvGeometry g) {
        if (g.isPointwise()) {
            return false;
        }
        for (int i = 0; i < 3; i++) {
            if (g.stride(i) != 1) {
                return false;
            }
        }
        // 1d and 2d: always (measured against the gathered GEMM, GemmTune conv 1,1:p300: 7x7 maps 1.55x, 6x6 with
        // k5 1.4x, 4x4 1.12x, 5x5 1.0x, though 29-50% of the computed positions are dropped). 3d: only while the
        // dropped positions stay a small fraction of the work (conv3d_small at 26% is 15-20% faster gathered).
        if (paddedSize(g, 0) == 1) {
            return true;
        }
        long padded = (long) implicitColumns(g);
        return padded * 100 <= (long) IMPLICIT_MAX_PCT * g.outSpatial();
    }

    static int paddedSize(ConvGeometry g, int i) {
        return g.in(i) + g.padBefore(i) + g.padAfter(i);
    }

    /** Padded-space positions of the output region (the choice rule): {@code (OD-1)*PH*PW + OH*PW}. */
    static int implicitColumns(ConvGeometry g) {
        int ph = paddedSize(g, 1);
        int pw = paddedSize(g, 2);
        return (g.outD() - 1) * ph * pw + g.outH() * pw;
    }

    /**
     * Positions computed per image and group: up to the last output position,
     * {@code (OD-1)*PH*PW + (OH-1)*PW + OW} (the padding columns after the last output row are not computed: a
     * 1d signal of 256 outputs takes 8 panels, not 9).
     */
    static int implicitComputed(ConvGeometry g) {
        int ph = paddedSize(g, 1);
        int pw = implicitRowStride(g);
        return (g.outD() - 1) * ph * pw + (g.outH() - 1) * pw + g.outW();
    }

    /**
     * Zero columns between consecutive input rows in the implicit-GEMM layout. A row of {@code inW} values starts
     * {@code gap} floats into its stride; the left padding of a row and the right padding of the row above may share
     * the same zero columns: {@code max(padLeft, padRight)} (at least {@code outW - inW}, so an output row fits in
     * the stride), used when it saves a column panel (resnet 28x28: 26 panels instead of 27); otherwise
     * {@code padLeft + padRight} (a 16-float row stride keeps the panel loads aligned: 14x14 takes 7 panels either
     * way and was measured faster so).
     */
    static int implicitGap(ConvGeometry g) {
        int pb = g.padBefore(2);
        int pa = g.padAfter(2);
        int shared = Math.max(Math.max(pb, pa), g.outW() - g.inW());
        int two = pb + pa;
        return computedPanels(g, shared) < computedPanels(g, two) ? shared : two;
    }

    /** Column panels of one (image, group) problem for row gap {@code gap}. */
    private static long computedPanels(ConvGeometry g, int gap) {
        long s = g.inW() + gap;
        long cols = (long) (g.outD() - 1) * paddedSize(g, 1) * s + (long) (g.outH() - 1) * s + g.outW();
        return (cols + NR - 1) / NR;
    }

    /** Row stride of the implicit-GEMM padded input: {@code inW + gap}. */
    static int implicitRowStride(ConvGeometry g) {
        return g.inW() + implicitGap(g);
    }

    /**
     * The implicit-GEMM forward. When {@code w} is not null the weights (PyTorch layout at {@code wOff}) are packed
     * into {@code panels} in the preparation phase, together with the input padding; otherwise {@code panels}
     * already holds them.
     */
    private static void forwardImplicit(ConvGeometry g, float[] x, int xOff, float[] panels, float[] w, int wOff,
            float[] bias, float[] y, int yOff, Epilogue epilogue) {
        ConvWorkspace ws = WS.get();
        int pd = paddedSize(g, 0);
        int ph = paddedSize(g, 1);
        int pw = implicitRowStride(g);
        int shift = implicitGap(g) - g.padBefore(2);
        // Each plane ends with one more gap: the last row's right padding stays inside the plane.
        int vol = pd * ph * pw + implicitGap(g);
        int planes = g.batch() * g.inChannels();
        float[] xpad = ws.xpad(planes * vol + vol + NR);
        int kvol = g.kernelVolume();
        int kk = g.inChannelsPerGroup() * kvol;
        int[] koff = ws.koff(kk);
        for (int p = 0; p < kk; p++) {
            int c = p / kvol;
            int r = p - c * kvol;
            int kd = r / (g.kH() * g.kW());
            int kh = (r / g.kW()) % g.kH();
            int kw = r % g.kW();
            koff[p] = c * vol + kd * g.dilation(0) * ph * pw + kh * g.dilation(1) * pw + kw * g.dilation(2) + shift;
        }
        ImplicitJob job = ws.implicit;
        job.set(g, x, xOff, xpad, koff, panels, bias, y, yOff, epilogue);
        job.w = w;
        job.wOff = wOff;
        try {
            boolean serial = (long) g.outputSize() * kk < SimdGemm.SERIAL_WORK;
            // Preparation phase: [0, padTasks) pad the input (unless the compute tasks do), then the weight packing.
            if (job.padInTask) {
                java.util.Arrays.fill(xpad, planes * vol, planes * vol + vol + NR, 0f);
                job.padTasks = 0;
            }
            int mPanels = job.mPad / MR;
            job.wChunks = SimdGemm.ceilDiv(mPanels, 4);
            int wTasks = w == null ? 0 : g.groups() * job.wChunks;
            int prepTasks = job.padTasks + wTasks;
            long prepFloats = (job.padInTask ? 0L : (long) planes * vol) + (w == null ? 0L
                    : (long) g.groups() * job.mPad * kk);
            if (serial || (MERGED_PREP == 0 && prepFloats <= PAD_SERIAL_FLOATS)) {
                // A small preparation is cheaper on the caller than a round trip through the pool.
                for (int t = 0; t < prepTasks; t++) {
                    job.run(t);
                }
            } else if (MERGED_PREP == 0) {
                SimdCnn.pool().run(prepTasks, job);
            } else if (prepTasks > 0) {
                // One pool job: the preparation tasks first (the pool hands out tasks in index order), then the
                // compute tasks, each of which waits until every preparation task has finished.
                job.prepTasks = prepTasks;
                job.prepDone.set(0);
                job.phase = 2;
                SimdCnn.pool().run(prepTasks + job.tasks, job);
                return;
            }
            job.phase = 1;
            if (serial) {
                for (int t = 0; t < job.tasks; t++) {
                    job.run(t);
                }
            } else {
                SimdCnn.pool().run(job.tasks, job);
            }
        } finally {
            job.clear();
        }
    }

    /** Implicit-GEMM forward: phase 0 pads the input planes; phase 1 computes (image, group, row block, col block). */
    static final class ImplicitJob implements ThreadPool.Task {
        int phase;
        ConvGeometry g;
        float[] x;
        int xOff;
        float[] xpad;
        int[] koff;
        float[] panels;
        float[] bias;
        float[] y;
        int yOff;
        int ek;
        float ea;
        float eb;
        int kk;
        int m;
        int mPad;
        int vol;
        int cols;
        int nPanels;
        int padTasks;
        int rowBlock;
        int rowBlocks;
        int colBlock;
        int colBlocks;
        int tasks;
        /** Each task is one whole (image, group) problem and pads that group's input planes itself. */
        boolean padInTask;
        /** Unpacked weights to pack in the preparation phase (null when prepacked). */
        float[] w;
        int wOff;
        /** Weight packing tasks per group (4 panels each). */
        int wChunks;
        /** Phase 2 (preparation and compute in one pool job): preparation tasks, and how many have finished. */
        int prepTasks;
        final java.util.concurrent.atomic.AtomicInteger prepDone = new java.util.concurrent.atomic.AtomicInteger();

        void set(ConvGeometry g, float[] x, int xOff, float[] xpad, int[] koff, float[] panels, float[] bias,
                float[] y, int yOff, Epilogue e) {
            this.phase = 0;
            this.g = g;
            this.x = x;
            this.xOff = xOff;
            this.xpad = xpad;
            this.koff = koff;
            this.panels = panels;
            this.bias = bias;
            this.y = y;
            this.yOff = yOff;
            this.ek = SimdGemm.epiKind(e);
            this.ea = e == null ? 0f : e.a();
            this.eb = e == null ? 0f : e.b();
            this.kk = g.inChannelsPerGroup() * g.kernelVolume();
            this.m = g.outChannelsPerGroup();
            this.mPad = SimdGemm.roundUp(m, MR);
            this.vol = paddedSize(g, 0) * paddedSize(g, 1) * implicitRowStride(g) + implicitGap(g);
            this.cols = implicitComputed(g);
            this.nPanels = SimdGemm.ceilDiv(cols, NR);
            int planes = g.batch() * g.inChannels();
            this.padTasks = SimdGemm.ceilDiv(planes, 8);
            // Column blocks of up to 8 panels, then columns and rows split in halves while there are fewer than
            // IMPLICIT_MIN_TASKS tasks (on more than one thread). The partition only decides which task computes an
            // output element, never how: its kernel (from its row panel), its K blocks and the order of its sums are
            // the same in any partition, so results are identical for any thread count (KernelDeterminismTest).
            int minTasks = SimdCnn.threads() > 1 ? IMPLICIT_MIN_TASKS : 1;
            int mPanels = mPad / MR;
            int cp = Math.min(nPanels, 8);
            int images = g.batch() * g.groups();
            while (cp > 1 && images * SimdGemm.ceilDiv(nPanels, cp) < minTasks) {
                cp = (cp + 1) / 2;
            }
            int rp = mPanels;
            while (rp > 1 && images * SimdGemm.ceilDiv(nPanels, cp) * SimdGemm.ceilDiv(mPanels, rp)
                    < minTasks) {
                rp = (rp + 1) / 2;
            }
            this.colBlock = cp;
            this.colBlocks = SimdGemm.ceilDiv(nPanels, cp);
            this.rowBlock = rp;
            this.rowBlocks = SimdGemm.ceilDiv(mPanels, rp);
            this.tasks = images * colBlocks * rowBlocks;
            this.padInTask = colBlocks == 1 && rowBlocks == 1;
        }

        void clear() {
            g = null;
            x = null;
            xpad = null;
            koff = null;
            panels = null;
            bias = null;
            y = null;
            w = null;
        }

        @Override
        public void run(int t) {
            if (phase == 2) {
                if (t < prepTasks) {
                    try {
                        prepare(t);
                    } finally {
                        prepDone.incrementAndGet();
                    }
                    return;
                }
                while (prepDone.get() < prepTasks) {
                    Thread.onSpinWait();
                }
                compute(t - prepTasks);
                return;
            }
            if (phase == 0) {
                prepare(t);
            } else {
                compute(t);
            }
        }

        /** Preparation task {@code t}: pads 8 input planes ({@code t < padTasks}) or packs 4 weight panels. */
        private void prepare(int t) {
            if (t >= padTasks) {
                // Pack weight panels [4c, 4c + 4) of group gr.
                int c = t - padTasks;
                int gr = c / wChunks;
                int p0 = (c - gr * wChunks) * 4;
                SimdGemm.packA(false, w, wOff + gr * m * kk, kk, m, kk, SimdGemm.kcu(kk), panels, gr * mPad * kk, p0,
                        Math.min(mPad / MR, p0 + 4));
                return;
            }
            int planes = g.batch() * g.inChannels();
            int p1 = Math.min(planes, t * 8 + 8);
            int pd = paddedSize(g, 0);
            int ph = paddedSize(g, 1);
            int pw = implicitRowStride(g);
            for (int p = t * 8; p < p1; p++) {
                padInto(g, x, xOff + p * g.inSpatial(), xpad, p * vol, pd, ph, pw, implicitGap(g), implicitGap(g));
            }
            if (p1 == planes) {
                java.util.Arrays.fill(xpad, planes * vol, planes * vol + vol + NR, 0f);
            }
        }

        /** Compute task {@code t}: (image, group, row block, column block). */
        private void compute(int t) {
            int cb = t % colBlocks;
            int rest = t / colBlocks;
            int rb = rest % rowBlocks;
            int ng = rest / rowBlocks;
            int gr = ng % g.groups();
            int img = ng / g.groups();
            int ip0 = rb * rowBlock;
            int ip1 = Math.min(mPad / MR, ip0 + rowBlock);
            int jp0 = cb * colBlock;
            int jp1 = Math.min(nPanels, jp0 + colBlock);
            int xb = (img * g.inChannels() + gr * g.inChannelsPerGroup()) * vol;
            int yb = yOff + (img * g.outChannels() + gr * m) * g.outSpatial();
            if (padInTask) {
                // Only this task's valid positions read these planes; columns that run past them (into planes other
                // tasks may be writing) are dropped positions, never stored.
                int plane0 = img * g.inChannels() + gr * g.inChannelsPerGroup();
                int pd = paddedSize(g, 0);
                int ph = paddedSize(g, 1);
                int pw = implicitRowStride(g);
                for (int c = 0; c < g.inChannelsPerGroup(); c++) {
                    padInto(g, x, xOff + (plane0 + c) * g.inSpatial(), xpad, (plane0 + c) * vol, pd, ph, pw,
                            implicitGap(g), implicitGap(g));
                }
            }
            int kcu = SimdGemm.kcu(kk);
            // More than one K block: the task's tiles stay in a per-thread buffer between blocks, each kernel
            // continuing its tile's sums (SimdGemm.macro), and are stored once.
            boolean multi = kcu < kk;
            float[] tile = multi ? SimdGemm.workspace().acc((ip1 - ip0) * (jp1 - jp0) * MR * NR)
                    : SimdGemm.workspace().tile;
            int aGroup = gr * mPad * kk;
            ConvWorkspace cws = WS.get();
            float[] bp = cws.bTile((jp1 - jp0) * NR * kcu);
            cws.segments(jp1 - jp0);
            buildSegments(g, cols, jp0, jp1, cws);
            int[] segStart = cws.segStart;
            int outSp = g.outSpatial();
            for (int k0 = 0; k0 < kk; k0 += kcu) {
                int kc = Math.min(kcu, kk - k0);
                boolean first = k0 == 0;
                boolean last = k0 + kc >= kk;
                // Pack this block's B panels: row p of panel jp is the padded input at jp*NR + koff[p].
                for (int jp = jp0; jp < jp1; jp++) {
                    packShifted(xpad, xb + jp * NR, koff, k0, kc, bp, (jp - jp0) * NR * kc);
                }
                for (int ip = ip0; ip < ip1; ip++) {
                    int aBase = aGroup + k0 * mPad + ip * MR * kc;
                    int i0 = ip * MR;
                    int rows = Math.min(MR, m - i0);
                    for (int jp = jp0; jp < jp1; jp++) {
                        int q = jp - jp0;
                        int to = multi ? ((ip - ip0) * (jp1 - jp0) + q) * MR * NR : 0;
                        SimdGemm.kernel(panels, aBase, bp, q * NR * kc, kc, tile, to, !first, rows);
                        if (last) {
                            storeSegments(tile, to, rows, cws.segCol, cws.segOut, cws.segLen, segStart[q],
                                    segStart[q + 1], y, yb + i0 * outSp, outSp, bias, gr * m + i0, ek, ea, eb,
                                    cws.compactRow);
                        }
                    }
                }
            }
        }
    }

    /** Copies {@code kc} rows of {@code NR} floats from {@code src[base + koff[k0 + p]]} into a packed B panel. */
    static void packShifted(float[] src, int base, int[] koff, int k0, int kc, float[] dst, int d) {
        for (int p = 0; p < kc; p++) {
            int s = base + koff[k0 + p];
            FloatVector.fromArray(F, src, s).intoArray(dst, d + p * NR);
            FloatVector.fromArray(F, src, s + L).intoArray(dst, d + p * NR + L);
        }
    }

    /** Copies one input plane (volume) into its zero-padded place in {@code xpad}. */
    static void padInto(ConvGeometry g, float[] x, int src, float[] xpad, int dst, int pd, int ph, int pw) {
        padInto(g, x, src, xpad, dst, pd, ph, pw, g.padBefore(2), 0);
    }

    /**
     * As above with rows of stride {@code pw} whose values start {@code pbW} floats into the stride, and
     * {@code tail} more zeros after the plane.
     */
    static void padInto(ConvGeometry g, float[] x, int src, float[] xpad, int dst, int pd, int ph, int pw, int pbW,
            int tail) {
        int inD = g.inD();
        int inH = g.inH();
        int inW = g.inW();
        int pbD = g.padBefore(0);
        int pbH = g.padBefore(1);
        int vol = pd * ph * pw + tail;
        // Every float written once: the zeros between consecutive input rows, then the row.
        int z = dst;
        for (int d = 0; d < inD; d++) {
            for (int h = 0; h < inH; h++) {
                int o = dst + ((d + pbD) * ph + h + pbH) * pw + pbW;
                if (o > z) {
                    java.util.Arrays.fill(xpad, z, o, 0f);
                }
                System.arraycopy(x, src + (d * inH + h) * inW, xpad, o, inW);
                z = o + inW;
            }
        }
        if (dst + vol > z) {
            java.util.Arrays.fill(xpad, z, dst + vol, 0f);
        }
    }

    /**
     * The store segments of column panels {@code [jp0, jp1)}: each maximal run of a panel's padded-space positions
     * {@code j < cols} that lies inside one output row, as (tile column, output offset within the plane, length).
     */
    static void buildSegments(ConvGeometry g, int cols, int jp0, int jp1, ConvWorkspace ws) {
        int ph = paddedSize(g, 1);
        int pw = implicitRowStride(g);
        int outH = g.outH();
        int outW = g.outW();
        int plane = ph * pw;
        int n = 0;
        for (int jp = jp0; jp < jp1; jp++) {
            ws.segStart[jp - jp0] = n;
            int j0 = jp * NR;
            int jEnd = Math.min(j0 + NR, cols);
            int j = j0;
            while (j < jEnd) {
                int od = j / plane;
                int rem = j - od * plane;
                int oh = rem / pw;
                int ow = rem - oh * pw;
                if (oh >= outH) {
                    j += plane - rem; // rest of this padded plane is outside the output
                    continue;
                }
                if (ow >= outW) {
                    j += pw - ow;
                    continue;
                }
                int len = Math.min(outW - ow, jEnd - j);
                ws.segCol[n] = j - j0;
                ws.segOut[n] = (od * outH + oh) * outW + ow;
                ws.segLen[n] = len;
                n++;
                j += len;
            }
        }
        ws.segStart[jp1 - jp0] = n;
    }

    /**
     * Stores a finished tile ({@code t[to]}, all K blocks summed) into {@code rows} output planes (plane {@code r} at
     * {@code yb + r * outSp}), adding the per-channel bias (from {@code biasIdx}) and applying the epilogue.
     * The segments of a tile ({@link #buildSegments}) are consecutive output positions (stride 1: the next segment
     * starts at the next position), so one tile row is one contiguous run of y: when the tile has several segments
     * they are first packed together into {@code compact} (one vector copy per {@code L} floats, each overrun
     * overwritten by the next segment; every row before the first is read back). The run is stored with full
     * vectors and a last vector that overlaps the one before it, computed before any of them was stored (so the
     * overlapped floats get the same value twice); a run shorter than a vector is stored float by float.
     */
    static void storeSegments(float[] t, int to, int rows, int[] segCol, int[] segOut, int[] segLen, int s0, int s1,
            float[] y, int yb, int outSp, float[] bias, int biasIdx, int ek, float ea, float eb, float[] compact) {
        if (s1 == s0) {
            return;
        }
        int e = ek;
        boolean doBias = bias != null;
        int out = yb + segOut[s0];
        int len = segOut[s1 - 1] + segLen[s1 - 1] - segOut[s0];
        boolean packed = s1 - s0 > 1;
        if (packed) {
            // All rows first: a row is read back only after the other rows' stores, so its overlapping stores have
            // left the store buffer (a load spanning two pending stores cannot be forwarded and stalls).
            for (int r = 0; r < rows; r++) {
                int d = r * (NR + L);
                for (int sg = s0; sg < s1; sg++) {
                    int c = to + r * NR + segCol[sg];
                    int n = segLen[sg];
                    for (int q = 0; q < n; q += L) {
                        FloatVector.fromArray(F, t, c + q).intoArray(compact, d + q);
                    }
                    d += n;
                }
            }
        }
        for (int r = 0; r < rows; r++) {
            float[] src = t;
            int ti = to + r * NR + segCol[s0];
            if (packed) {
                src = compact;
                ti = r * (NR + L);
            }
            int yi = out + r * outSp;
            float bv = doBias ? bias[biasIdx + r] : 0f;
            if (len < L) {
                for (int q = 0; q < len; q++) {
                    float v = src[ti + q];
                    if (doBias) {
                        v += bv;
                    }
                    if (e != SimdGemm.EPI_NONE) {
                        v = SimdGemm.epilogueScalar(v, e, ea, eb);
                    }
                    y[yi + q] = v;
                }
                continue;
            }
            // The last vector first, then the others in order.
            int qt = len - L;
            FloatVector tail = FloatVector.fromArray(F, src, ti + qt);
            if (doBias) {
                tail = tail.add(bv);
            }
            if (e != SimdGemm.EPI_NONE) {
                // inlined by hand: a vector passed to a method C2 does not inline is boxed
                if (e == SimdGemm.EPI_RELU) {
                    tail = tail.max(0f);
                } else if (e == SimdGemm.EPI_LEAKY) {
                    tail = tail.mul(ea).blend(tail, tail.compare(VectorOperators.GT, 0f));
                } else {
                    tail = tail.max(ea).min(eb);
                }
            }
            for (int q = 0; q < qt; q += L) {
                FloatVector v = FloatVector.fromArray(F, src, ti + q);
                if (doBias) {
                    v = v.add(bv);
                }
                if (e != SimdGemm.EPI_NONE) {
                    if (e == SimdGemm.EPI_RELU) {
                        v = v.max(0f);
                    } else if (e == SimdGemm.EPI_LEAKY) {
                        v = v.mul(ea).blend(v, v.compare(VectorOperators.GT, 0f));
                    } else {
                        v = v.max(ea).min(eb);
                    }
                }
                v.intoArray(y, yi + q);
            }
            tail.intoArray(y, yi + qt);
        }
    }

    // ---- depthwise -----------------------------------------------------------------------------------------------

    private static void depthwise(ConvGeometry g, float[] x, int xOff, float[] w, int wOff, float[] bias, float[] y,
            int yOff, Epilogue e) {
        DepthwiseJob job = WS.get().depthwise;
        job.g = g;
        job.x = x;
        job.xOff = xOff;
        job.w = w;
        job.wOff = wOff;
        job.bias = bias;
        job.y = y;
        job.yOff = yOff;
        job.ek = SimdGemm.epiKind(e);
        job.ea = e == null ? 0f : e.a();
        job.eb = e == null ? 0f : e.b();
        int planes = g.batch() * g.inChannels();
        long work = (long) g.outputSize() * g.kernelVolume();
        try {
            if (work < SimdGemm.SERIAL_WORK || planes == 1) {
                for (int t = 0; t < planes; t++) {
                    job.run(t);
                }
            } else {
                SimdCnn.pool().run(planes, job);
            }
        } finally {
            job.g = null;
            job.x = null;
            job.w = null;
            job.bias = null;
            job.y = null;
        }
    }

    /** Depthwise forward: one task per (image, input channel); each computes that group's output channels. */
    static final class DepthwiseJob implements ThreadPool.Task {
        ConvGeometry g;
        float[] x;
        int xOff;
        float[] w;
        int wOff;
        float[] bias;
        float[] y;
        int yOff;
        int ek;
        float ea;
        float eb;

        @Override
        public void run(int t) {
            int cin = g.inChannels();
            int img = t / cin;
            int c = t % cin;
            int ph = paddedSize(g, 1);
            ConvWorkspace ws = WS.get();
            int[] kwo = ws.kwOff(g.kW());
            float[] pad = planeOrPhases(ws, g, x, xOff + (img * cin + c) * g.inSpatial(), kwo);
            int rowLen = rowLength(g);
            int mult = g.outChannelsPerGroup();
            int kvol = g.kernelVolume();
            for (int q = 0; q < mult; q++) {
                int oc = c * mult + q;
                float b = bias == null ? 0f : bias[oc];
                depthwisePlane(g, pad, rowLen, ph, kwo, w, wOff + oc * kvol, b, y, yOff + (img * g.outChannels() + oc)
                        * g.outSpatial(), ek, ea, eb, ws.rows);
            }
        }
    }

    /**
     * Row stride of the layout the depthwise kernels read: the padded width for width stride 1 (the zero-padded
     * plane of {@link #padPlane}); for stride {@code s > 1} the entries of one phase row,
     * {@code roundUp(padded width, s) / s} (see {@link #planeOrPhases}).
     */
    static int rowLength(ConvGeometry g) {
        int s = g.stride(2);
        int pw = paddedSize(g, 2);
        return s == 1 ? pw : SimdGemm.roundUp(pw, s) / s;
    }

    /** Stride {@code s > 1}: floats of one phase block (every padded row's phase {@code p}), see planeOrPhases. */
    static int phaseBlock(ConvGeometry g) {
        return paddedSize(g, 0) * paddedSize(g, 1) * rowLength(g);
    }

    /**
     * Lays one input plane out for the depthwise kernels and fills {@code kwo[kw]}, the offset of width tap
     * {@code kw} from an output row's first input float. Stride 1: the zero-padded plane, {@code kwo = kw * dilation}.
     * Stride {@code s > 1}: the zero-padded plane with its width rounded up to a multiple of {@code s} is split
     * into its {@code s} stride phases as one flat array ({@link #phaseRow}; with that width, flat index
     * {@code s*e + p} is padded column {@code p (mod s)} of its row): phase {@code p} is a block of
     * {@link #phaseBlock} floats holding every padded row's columns {@code p, p+s, ...} as rows of
     * {@link #rowLength}; tap {@code t = kw * dilation} of output column {@code ow} is entry {@code ow + t / s} of
     * phase {@code t % s}, so consecutive output columns read consecutive floats (plain vector loads, no
     * gathers). {@code L} floats of slack follow, for the full-vector tails.
     */
    static float[] planeOrPhases(ConvWorkspace ws, ConvGeometry g, float[] x, int src, int[] kwo) {
        int pd = paddedSize(g, 0);
        int ph = paddedSize(g, 1);
        int s = g.stride(2);
        int dil = g.dilation(2);
        int pwd = s * rowLength(g);
        float[] pad = ws.plane(pd * ph * pwd + L);
        padPlane(ws, g, x, src, pad, pd, ph, pwd);
        if (s == 1) {
            for (int kw = 0; kw < g.kW(); kw++) {
                kwo[kw] = kw * dil;
            }
            return pad;
        }
        int block = phaseBlock(g);
        float[] phases = ws.phases(s * block + L);
        phaseRow(pad, 0, s * block, s, 0, phases, 0, block);
        for (int kw = 0; kw < g.kW(); kw++) {
            int t = kw * dil;
            kwo[kw] = (t % s) * block + t / s;
        }
        return phases;
    }

    /**
     * Row {@code k} ({@code 0 <= k < L}): lane indexes taking lanes {@code < k} from the first of two vectors and the
     * others from the second.
     */
    private static final float[] TAKE_FROM = new float[L * L];

    static {
        for (int k = 0; k < L; k++) {
            for (int l = 0; l < L; l++) {
                TAKE_FROM[k * L + l] = l < k ? l : L + l;
            }
        }
    }

    /**
     * Lane indexes {@code 0, 2, 4, ...} into two vectors (the even entries of {@code 2 L} consecutive floats), then
     * {@code 1, 3, 5, ...} (the odd entries).
     */
    static final float[] EVEN_LANES = new float[2 * L];
    /** Lane indexes {@code 0, L, 1, L+1, ...} and {@code L/2, 3L/2, L/2+1, ...}: two vectors interleaved. */
    static final float[] ZIP_LANES = new float[2 * L];
    /**
     * Every third of {@code 3 L} consecutive floats: lane indexes into the first two vectors (lanes whose float is
     * in them), into the last two (the others), and the merge of the two results.
     */
    private static final float[] THIRD_LANES = new float[3 * L];
    /**
     * Three vectors interleaved ({@code 3 L} floats from {@code L} of each): per output vector {@code k}, the lane
     * indexes into the first two (lanes from the third: any) and then into that result and the third.
     */
    private static final float[] ZIP3_LANES = new float[6 * L];

    static {
        for (int l = 0; l < L; l++) {
            EVEN_LANES[l] = 2 * l;
            EVEN_LANES[L + l] = 2 * l + 1;
            ZIP_LANES[l] = (l & 1) == 0 ? l >> 1 : L + (l >> 1);
            ZIP_LANES[L + l] = ZIP_LANES[l] + L / 2;
            boolean first = 3 * l < 2 * L;
            THIRD_LANES[l] = first ? 3 * l : 0;
            THIRD_LANES[L + l] = first ? 0 : 3 * l - L;
            THIRD_LANES[2 * L + l] = first ? l : L + l;
            for (int k = 0; k < 3; k++) {
                int f = k * L + l;
                int phase = f % 3;
                int entry = f / 3;
                ZIP3_LANES[2 * k * L + l] = phase == 0 ? entry : phase == 1 ? L + entry : 0;
                ZIP3_LANES[(2 * k + 1) * L + l] = phase < 2 ? l : L + entry;
            }
        }
    }

    /**
     * Splits one input row ({@code inW} floats at {@code src}, {@code padW} zero columns before it) into its
     * {@code s} phases of {@code len} entries at {@code d}; only the entries that hold input are written. Stride 2
     * takes the even lanes of two vector loads (a two-vector permutation; the last block is shifted back to end at
     * the last entry, rewriting a few with the same values, and drops one entry to the scalar loop where its second
     * load would pass the end of {@code x}); stride 3 three loads and three such permutations; others are scalar.
     */
    static void phaseRow(float[] x, int src, int inW, int s, int padW, float[] dst, int d, int len) {
        for (int p = 0; p < s; p++) {
            int jLo = Math.max(0, Math.ceilDiv(padW - p, s));
            int jHi = Math.min(len, Math.ceilDiv(inW + padW - p, s));
            int o = d + p * len;
            int first = src + s * jLo + p - padW;
            int j = jLo;
            if (s == 2) {
                int jEnd = first + 2 * (jHi - jLo) > x.length ? jHi - 1 : jHi;
                if (jEnd - jLo >= L) {
                    FloatVector even = FloatVector.fromArray(F, EVEN_LANES, 0);
                    for (;; j += L) {
                        int jj = Math.min(j, jEnd - L);
                        int a = first + 2 * (jj - jLo);
                        even.selectFrom(FloatVector.fromArray(F, x, a), FloatVector.fromArray(F, x, a + L))
                                .intoArray(dst, o + jj);
                        if (jj + L >= jEnd) {
                            j = jEnd;
                            break;
                        }
                    }
                }
            } else if (s == 3) {
                // lanes l <= (2L-1)/3 from the first two of three vectors, the rest from the last two, then merged
                int jEnd = jHi;
                while (jEnd > jLo && first + 3 * (jEnd - jLo) > x.length) {
                    jEnd--;
                }
                if (jEnd - jLo >= L) {
                    FloatVector lo = FloatVector.fromArray(F, THIRD_LANES, 0);
                    FloatVector hi = FloatVector.fromArray(F, THIRD_LANES, L);
                    FloatVector merge = FloatVector.fromArray(F, THIRD_LANES, 2 * L);
                    for (;; j += L) {
                        int jj = Math.min(j, jEnd - L);
                        int a = first + 3 * (jj - jLo);
                        FloatVector v1 = FloatVector.fromArray(F, x, a + L);
                        merge.selectFrom(lo.selectFrom(FloatVector.fromArray(F, x, a), v1),
                                hi.selectFrom(v1, FloatVector.fromArray(F, x, a + 2 * L))).intoArray(dst, o + jj);
                        if (jj + L >= jEnd) {
                            j = jEnd;
                            break;
                        }
                    }
                }
            }
            for (int i = first + s * (j - jLo); j < jHi; j++, i += s) {
                dst[o + j] = x[i];
            }
        }
    }

    /**
     * The inverse of {@link #phaseRow} on a whole plane: {@code dst[s*e + p] = src[p*block + e]} for
     * {@code e < block}. Stride 2 interleaves the two phases with two two-vector permutations per {@code 2 L}
     * floats (the last step shifted back to end at the end, rewriting a few with the same values), stride 3 with
     * six per {@code 3 L}; other strides are scalar.
     */
    static void interleave(float[] src, int block, int s, float[] dst) {
        int e = 0;
        if (s == 2 && block >= L) {
            FloatVector lo = FloatVector.fromArray(F, ZIP_LANES, 0);
            FloatVector hi = FloatVector.fromArray(F, ZIP_LANES, L);
            for (;; e += L) {
                int ee = Math.min(e, block - L);
                FloatVector p0 = FloatVector.fromArray(F, src, ee);
                FloatVector p1 = FloatVector.fromArray(F, src, block + ee);
                lo.selectFrom(p0, p1).intoArray(dst, 2 * ee);
                hi.selectFrom(p0, p1).intoArray(dst, 2 * ee + L);
                if (ee + L >= block) {
                    return;
                }
            }
        }
        if (s == 3 && block >= L) {
            // each output vector from three phase vectors: two of them merged first, then the third
            FloatVector a0 = FloatVector.fromArray(F, ZIP3_LANES, 0);
            FloatVector b0 = FloatVector.fromArray(F, ZIP3_LANES, L);
            FloatVector a1 = FloatVector.fromArray(F, ZIP3_LANES, 2 * L);
            FloatVector b1 = FloatVector.fromArray(F, ZIP3_LANES, 3 * L);
            FloatVector a2 = FloatVector.fromArray(F, ZIP3_LANES, 4 * L);
            FloatVector b2 = FloatVector.fromArray(F, ZIP3_LANES, 5 * L);
            for (;; e += L) {
                int ee = Math.min(e, block - L);
                FloatVector p0 = FloatVector.fromArray(F, src, ee);
                FloatVector p1 = FloatVector.fromArray(F, src, block + ee);
                FloatVector p2 = FloatVector.fromArray(F, src, 2 * block + ee);
                b0.selectFrom(a0.selectFrom(p0, p1), p2).intoArray(dst, 3 * ee);
                b1.selectFrom(a1.selectFrom(p0, p1), p2).intoArray(dst, 3 * ee + L);
                b2.selectFrom(a2.selectFrom(p0, p1), p2).intoArray(dst, 3 * ee + 2 * L);
                if (ee + L >= block) {
                    return;
                }
            }
        }
        for (; e < block; e++) {
            for (int p = 0; p < s; p++) {
                dst[s * e + p] = src[p * block + e];
            }
        }
    }

    /** Copies one input plane into a zero-padded buffer of size {@code pd x ph x pw}; the border is zeroed only when
     * the buffer last held a plane of another geometry (or was accumulated into). */
    static void padPlane(ConvWorkspace ws, ConvGeometry g, float[] x, int src, float[] pad, int pd, int ph, int pw) {
        if (!g.equals(ws.planeClean)) {
            java.util.Arrays.fill(pad, 0, pd * ph * pw, 0f);
            ws.planeClean = g;
        }
        int inD = g.inD();
        int inH = g.inH();
        int inW = g.inW();
        for (int d = 0; d < inD; d++) {
            for (int h = 0; h < inH; h++) {
                System.arraycopy(x, src + (d * inH + h) * inW, pad,
                        ((d + g.padBefore(0)) * ph + h + g.padBefore(1)) * pw + g.padBefore(2), inW);
            }
        }
    }

    /**
     * One output plane of a depthwise convolution from an input plane laid out by {@link #planeOrPhases} (rows of
     * {@code rowLen} floats, {@code ph} padded rows per depth slice, width tap offsets {@code kwo}); taps summed in
     * (kd, kh, kw) order, each output from +0.0 with one fused multiply-add per tap.
     *
     * <p>Four output rows at a time, one vector of columns each (four independent accumulator chains), then bias
     * and epilogue in a separate pass. No masks: every load and store is a full vector. The last vector of a row
     * starts at {@code outW - L} and recomputes a few columns (the same values: each lane's sum does not depend on
     * the block); a row narrower than {@code L} goes through the scratch {@code rows} ({@code 4 L} floats). The
     * blocks are small methods taking arrays only, so no vector crosses a call.
     */
    static void depthwisePlane(ConvGeometry g, float[] pad, int rowLen, int ph, int[] kwo, float[] w, int wk,
            float bias, float[] y, int yo, int ek, float ea, float eb, float[] rows) {
        int outD = g.outD();
        int outH = g.outH();
        int outW = g.outW();
        int kD = g.kD();
        int kH = g.kH();
        int kW = g.kW();
        int sd = g.stride(0);
        int sh = g.stride(1);
        int rs = sh * rowLen;
        int stepD = g.dilation(0) * ph * rowLen;
        int stepH = g.dilation(1) * rowLen;
        boolean fast3 = kD == 1 && kH == 3 && kW == 3 && sh == 1 && g.dilation(1) == 1 && g.stride(2) == 1
                && outW >= L;
        for (int od = 0; od < outD; od++) {
            int oh = 0;
            if (fast3) {
                oh = dw3x3Rows(pad, od * sd * ph * rowLen, rowLen, kwo[1], kwo[2], w, wk, y, yo + od * outH * outW,
                        outH, outW);
            }
            for (; oh + 4 <= outH; oh += 4) {
                int base = (od * sd * ph + oh * sh) * rowLen;
                int yr = yo + (od * outH + oh) * outW;
                if (outW >= L) {
                    for (int ow = 0;; ow += L) {
                        int o = Math.min(ow, outW - L);
                        dwBlock4(pad, base + o, rs, w, wk, kD, kH, kW, kwo, stepD, stepH, y, yr + o, outW);
                        if (o + L >= outW) {
                            break;
                        }
                    }
                } else {
                    dwBlock4(pad, base, rs, w, wk, kD, kH, kW, kwo, stepD, stepH, rows, 0, L);
                    for (int r = 0; r < 4; r++) {
                        System.arraycopy(rows, r * L, y, yr + r * outW, outW);
                    }
                }
            }
            for (; oh < outH; oh++) {
                int base = (od * sd * ph + oh * sh) * rowLen;
                int yr = yo + (od * outH + oh) * outW;
                if (outW >= L) {
                    for (int ow = 0;; ow += L) {
                        int o = Math.min(ow, outW - L);
                        dwBlock1(pad, base + o, w, wk, kD, kH, kW, kwo, stepD, stepH, y, yr + o);
                        if (o + L >= outW) {
                            break;
                        }
                    }
                } else {
                    dwBlock1(pad, base, w, wk, kD, kH, kW, kwo, stepD, stepH, rows, 0);
                    System.arraycopy(rows, 0, y, yr, outW);
                }
            }
        }
        biasEpilogue(y, yo, outD * outH * outW, bias, ek, ea, eb);
    }

    /**
     * 3x3 taps, height stride and dilation 1, width stride 1: output rows {@code [0, outH - outH % 4)} of one plane,
     * four rows by two vectors of columns at a time (eight accumulators), returning the number of rows done. Each
     * input row is loaded once per block for the (up to three) output rows it feeds, so a block costs 36 vector
     * loads for 72 multiply-adds instead of 72 loads. Each output still sums its taps in (kh, kw) order, its first
     * fused multiply-add adding +0.0, so results are bitwise those of {@link #dwBlock4}. The nine weights are
     * broadcast once per plane. The last column pair starts at {@code outW - 2L} (or {@code 0} and
     * {@code outW - L} for rows narrower than two vectors) and recomputes a few columns with the same values.
     * {@code t1, t2}: offsets of width taps 1 and 2.
     */
    static int dw3x3Rows(float[] pad, int base0, int rowLen, int t1, int t2, float[] w, int wk, float[] y, int yo,
            int outH, int outW) {
        FloatVector w00 = FloatVector.broadcast(F, w[wk]);
        FloatVector w01 = FloatVector.broadcast(F, w[wk + 1]);
        FloatVector w02 = FloatVector.broadcast(F, w[wk + 2]);
        FloatVector w10 = FloatVector.broadcast(F, w[wk + 3]);
        FloatVector w11 = FloatVector.broadcast(F, w[wk + 4]);
        FloatVector w12 = FloatVector.broadcast(F, w[wk + 5]);
        FloatVector w20 = FloatVector.broadcast(F, w[wk + 6]);
        FloatVector w21 = FloatVector.broadcast(F, w[wk + 7]);
        FloatVector w22 = FloatVector.broadcast(F, w[wk + 8]);
        FloatVector z = FloatVector.zero(F);
        int rows = outH - outH % 4;
        int last = Math.max(0, outW - 2 * L);
        for (int oh = 0; oh < rows; oh += 4) {
            for (int ow = 0;; ow += 2 * L) {
                int o = Math.min(ow, last);
                int o2 = Math.min(o + L, outW - L);
                int r = base0 + oh * rowLen;
                // input row 0 -> output row 0 (kh 0)
                FloatVector x0 = FloatVector.fromArray(F, pad, r + o);
                FloatVector x1 = FloatVector.fromArray(F, pad, r + o2);
                FloatVector a00 = x0.fma(w00, z);
                FloatVector a01 = x1.fma(w00, z);
                x0 = FloatVector.fromArray(F, pad, r + o + t1);
                x1 = FloatVector.fromArray(F, pad, r + o2 + t1);
                a00 = x0.fma(w01, a00);
                a01 = x1.fma(w01, a01);
                x0 = FloatVector.fromArray(F, pad, r + o + t2);
                x1 = FloatVector.fromArray(F, pad, r + o2 + t2);
                a00 = x0.fma(w02, a00);
                a01 = x1.fma(w02, a01);
                // input row 1 -> output rows 0 (kh 1), 1 (kh 0)
                r += rowLen;
                x0 = FloatVector.fromArray(F, pad, r + o);
                x1 = FloatVector.fromArray(F, pad, r + o2);
                a00 = x0.fma(w10, a00);
                a01 = x1.fma(w10, a01);
                FloatVector a10 = x0.fma(w00, z);
                FloatVector a11 = x1.fma(w00, z);
                x0 = FloatVector.fromArray(F, pad, r + o + t1);
                x1 = FloatVector.fromArray(F, pad, r + o2 + t1);
                a00 = x0.fma(w11, a00);
                a01 = x1.fma(w11, a01);
                a10 = x0.fma(w01, a10);
                a11 = x1.fma(w01, a11);
                x0 = FloatVector.fromArray(F, pad, r + o + t2);
                x1 = FloatVector.fromArray(F, pad, r + o2 + t2);
                a00 = x0.fma(w12, a00);
                a01 = x1.fma(w12, a01);
                a10 = x0.fma(w02, a10);
                a11 = x1.fma(w02, a11);
                // input row 2 -> output rows 0 (kh 2), 1 (kh 1), 2 (kh 0)
                r += rowLen;
                x0 = FloatVector.fromArray(F, pad, r + o);
                x1 = FloatVector.fromArray(F, pad, r + o2);
                a00 = x0.fma(w20, a00);
                a01 = x1.fma(w20, a01);
                a10 = x0.fma(w10, a10);
                a11 = x1.fma(w10, a11);
                FloatVector a20 = x0.fma(w00, z);
                FloatVector a21 = x1.fma(w00, z);
                x0 = FloatVector.fromArray(F, pad, r + o + t1);
                x1 = FloatVector.fromArray(F, pad, r + o2 + t1);
                a00 = x0.fma(w21, a00);
                a01 = x1.fma(w21, a01);
                a10 = x0.fma(w11, a10);
                a11 = x1.fma(w11, a11);
                a20 = x0.fma(w01, a20);
                a21 = x1.fma(w01, a21);
                x0 = FloatVector.fromArray(F, pad, r + o + t2);
                x1 = FloatVector.fromArray(F, pad, r + o2 + t2);
                a00 = x0.fma(w22, a00);
                a01 = x1.fma(w22, a01);
                a10 = x0.fma(w12, a10);
                a11 = x1.fma(w12, a11);
                a20 = x0.fma(w02, a20);
                a21 = x1.fma(w02, a21);
                int yr = yo + oh * outW;
                a00.intoArray(y, yr + o);
                a01.intoArray(y, yr + o2);
                // input row 3 -> output rows 1 (kh 2), 2 (kh 1), 3 (kh 0)
                r += rowLen;
                x0 = FloatVector.fromArray(F, pad, r + o);
                x1 = FloatVector.fromArray(F, pad, r + o2);
                a10 = x0.fma(w20, a10);
                a11 = x1.fma(w20, a11);
                a20 = x0.fma(w10, a20);
                a21 = x1.fma(w10, a21);
                FloatVector a30 = x0.fma(w00, z);
                FloatVector a31 = x1.fma(w00, z);
                x0 = FloatVector.fromArray(F, pad, r + o + t1);
                x1 = FloatVector.fromArray(F, pad, r + o2 + t1);
                a10 = x0.fma(w21, a10);
                a11 = x1.fma(w21, a11);
                a20 = x0.fma(w11, a20);
                a21 = x1.fma(w11, a21);
                a30 = x0.fma(w01, a30);
                a31 = x1.fma(w01, a31);
                x0 = FloatVector.fromArray(F, pad, r + o + t2);
                x1 = FloatVector.fromArray(F, pad, r + o2 + t2);
                a10 = x0.fma(w22, a10);
                a11 = x1.fma(w22, a11);
                a20 = x0.fma(w12, a20);
                a21 = x1.fma(w12, a21);
                a30 = x0.fma(w02, a30);
                a31 = x1.fma(w02, a31);
                a10.intoArray(y, yr + outW + o);
                a11.intoArray(y, yr + outW + o2);
                // input row 4 -> output rows 2 (kh 2), 3 (kh 1)
                r += rowLen;
                x0 = FloatVector.fromArray(F, pad, r + o);
                x1 = FloatVector.fromArray(F, pad, r + o2);
                a20 = x0.fma(w20, a20);
                a21 = x1.fma(w20, a21);
                a30 = x0.fma(w10, a30);
                a31 = x1.fma(w10, a31);
                x0 = FloatVector.fromArray(F, pad, r + o + t1);
                x1 = FloatVector.fromArray(F, pad, r + o2 + t1);
                a20 = x0.fma(w21, a20);
                a21 = x1.fma(w21, a21);
                a30 = x0.fma(w11, a30);
                a31 = x1.fma(w11, a31);
                x0 = FloatVector.fromArray(F, pad, r + o + t2);
                x1 = FloatVector.fromArray(F, pad, r + o2 + t2);
                a20 = x0.fma(w22, a20);
                a21 = x1.fma(w22, a21);
                a30 = x0.fma(w12, a30);
                a31 = x1.fma(w12, a31);
                a20.intoArray(y, yr + 2 * outW + o);
                a21.intoArray(y, yr + 2 * outW + o2);
                // input row 5 -> output row 3 (kh 2)
                r += rowLen;
                x0 = FloatVector.fromArray(F, pad, r + o);
                x1 = FloatVector.fromArray(F, pad, r + o2);
                a30 = x0.fma(w20, a30);
                a31 = x1.fma(w20, a31);
                x0 = FloatVector.fromArray(F, pad, r + o + t1);
                x1 = FloatVector.fromArray(F, pad, r + o2 + t1);
                a30 = x0.fma(w21, a30);
                a31 = x1.fma(w21, a31);
                x0 = FloatVector.fromArray(F, pad, r + o + t2);
                x1 = FloatVector.fromArray(F, pad, r + o2 + t2);
                a30 = x0.fma(w22, a30);
                a31 = x1.fma(w22, a31);
                a30.intoArray(y, yr + 3 * outW + o);
                a31.intoArray(y, yr + 3 * outW + o2);
                if (o >= last) {
                    break;
                }
            }
        }
        return rows;
    }

    /** Four output rows ({@code rs} apart in the input layout, {@code ys} apart in y) of {@code L} columns. */
    static void dwBlock4(float[] pad, int base, int rs, float[] w, int wk, int kD, int kH, int kW, int[] kwo,
            int stepD, int stepH, float[] y, int yr, int ys) {
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = FloatVector.zero(F);
        FloatVector a2 = FloatVector.zero(F);
        FloatVector a3 = FloatVector.zero(F);
        for (int kd = 0; kd < kD; kd++) {
            for (int kh = 0; kh < kH; kh++) {
                int row = base + kd * stepD + kh * stepH;
                int wi = wk + (kd * kH + kh) * kW;
                for (int kw = 0; kw < kW; kw++) {
                    FloatVector wv = FloatVector.broadcast(F, w[wi + kw]);
                    int src = row + kwo[kw];
                    a0 = FloatVector.fromArray(F, pad, src).fma(wv, a0);
                    a1 = FloatVector.fromArray(F, pad, src + rs).fma(wv, a1);
                    a2 = FloatVector.fromArray(F, pad, src + 2 * rs).fma(wv, a2);
                    a3 = FloatVector.fromArray(F, pad, src + 3 * rs).fma(wv, a3);
                }
            }
        }
        a0.intoArray(y, yr);
        a1.intoArray(y, yr + ys);
        a2.intoArray(y, yr + 2 * ys);
        a3.intoArray(y, yr + 3 * ys);
    }

    /** One output row of {@code L} columns. */
    static void dwBlock1(float[] pad, int base, float[] w, int wk, int kD, int kH, int kW, int[] kwo, int stepD,
            int stepH, float[] y, int yr) {
        FloatVector a0 = FloatVector.zero(F);
        for (int kd = 0; kd < kD; kd++) {
            for (int kh = 0; kh < kH; kh++) {
                int row = base + kd * stepD + kh * stepH;
                int wi = wk + (kd * kH + kh) * kW;
                for (int kw = 0; kw < kW; kw++) {
                    a0 = FloatVector.fromArray(F, pad, row + kwo[kw]).fma(FloatVector.broadcast(F, w[wi + kw]), a0);
                }
            }
        }
        a0.intoArray(y, yr);
    }

    /** {@code y = epilogue(y + bias)} over {@code n} floats; one loop per epilogue kind. */
    static void biasEpilogue(float[] y, int off, int n, float bias, int ek, float ea, float eb) {
        int end = n - n % L;
        int i = 0;
        switch (ek) {
            case SimdGemm.EPI_RELU -> {
                for (; i < end; i += L) {
                    FloatVector.fromArray(F, y, off + i).add(bias).max(0f).intoArray(y, off + i);
                }
            }
            case SimdGemm.EPI_LEAKY -> {
                for (; i < end; i += L) {
                    FloatVector v = FloatVector.fromArray(F, y, off + i).add(bias);
                    v.mul(ea).blend(v, v.compare(VectorOperators.GT, 0f)).intoArray(y, off + i);
                }
            }
            case SimdGemm.EPI_CLAMP -> {
                for (; i < end; i += L) {
                    FloatVector.fromArray(F, y, off + i).add(bias).max(ea).min(eb).intoArray(y, off + i);
                }
            }
            default -> {
                if (bias != 0f) {
                    for (; i < end; i += L) {
                        FloatVector.fromArray(F, y, off + i).add(bias).intoArray(y, off + i);
                    }
                } else {
                    i = end;
                }
            }
        }
        for (; i < n; i++) {
            y[off + i] = SimdGemm.epilogueScalar(y[off + i] + bias, ek, ea, eb);
        }
    }

    // ---- backward ------------------------------------------------------------------------------------------------

    /** Backward tasks: one per (image, group) for grad input; the column work of grad weight. */
    static final class BackwardJob implements ThreadPool.Task {
        ConvGeometry g;
        float[] dy;
        int dyOff;
        float[] w;
        int wOff;
        float[] dx;
        int dxOff;

        @Override
        public void run(int t) {
            backwardInputOne(g, t / g.groups(), t % g.groups(), dy, dyOff, w, wOff, dx, dxOff);
        }
    }

    /**
     * Stride 1 with padding at most {@code dilation*(k-1)}: the input gradient is itself a stride-1 convolution of
     * {@code dy} with the spatially flipped, channel-transposed weights and padding {@code dilation*(k-1) - pad},
     * so it runs on the implicit-GEMM forward (no col2im).
     */
    static boolean useFlippedBackward(ConvGeometry g) {
        if (g.isPointwise()) {
            return false;
        }
        for (int i = 0; i < 3; i++) {
            int span = g.dilation(i) * (g.kernel(i) - 1);
            if (g.stride(i) != 1 || g.padBefore(i) > span || g.padAfter(i) > span) {
                return false;
            }
            // The adjoint of a transposed conv may have a truncated output (outputPadding >= stride); then the
            // flipped convolution would not produce the stored input size.
            if (g.out(i) + span - g.padBefore(i) - g.padAfter(i) != g.in(i)) {
                return false;
            }
        }
        return g.outChannelsPerGroup() > 1;
    }

    /** The forward geometry computing {@code g}'s input gradient (cached per thread for the last {@code g}). */
    static ConvGeometry flippedGeometry(ConvWorkspace ws, ConvGeometry g) {
        ConvGeometry f = ws.flipped.get(g);
        return f != null ? f : ws.flipped.put(g, buildFlipped(g));
    }

    /**
     * A per-thread cache of geometries derived from others (the flipped geometry of an input gradient, the adjoint of a
     * transposed convolution), keyed by identity: the layers of a network keep their geometry objects, so a network
     * of up to {@link #SIZE} distinct convolutions builds each derived geometry once and then allocates nothing (a
     * single entry rebuilt it on every call as soon as two layers alternated). Beyond that, entries are replaced in
     * turn.
     */
    static final class DerivedGeometries {
        static final int SIZE = 32;
        private final ConvGeometry[] keys = new ConvGeometry[SIZE];
        private final ConvGeometry[] values = new ConvGeometry[SIZE];
        private int next;

        ConvGeometry get(ConvGeometry key) {
            for (int i = 0; i < SIZE; i++) {
                if (keys[i] == key) {
                    return values[i];
                }
            }
            return null;
        }

        ConvGeometry put(ConvGeometry key, ConvGeometry value) {
            keys[next] = key;
            values[next] = value;
            next = (next + 1) % SIZE;
            return value;
        }
    }

    private static ConvGeometry buildFlipped(ConvGeometry g) {
        int dims = g.dims();
        int[] size = new int[dims];
        int[] k = new int[dims];
        int[] d = new int[dims];
        int[] pb = new int[dims];
        int[] pa = new int[dims];
        for (int u = 0; u < dims; u++) {
            int i = 3 - dims + u;
            size[u] = g.out(i);
            k[u] = g.kernel(i);
            d[u] = g.dilation(i);
            int span = g.dilation(i) * (g.kernel(i) - 1);
            pb[u] = span - g.padBefore(i);
            pa[u] = span - g.padAfter(i);
        }
        return ConvGeometry.conv(dims, g.batch(), g.outChannels(), size, g.inChannels(), k, new int[] {1},
                org.simdcnn.geometry.Padding.asymmetric(pb, pa), d, g.groups());
    }

    /**
     * Depthwise with one output channel per group, stride 1 and padding at most {@code dilation*(k-1)}: the input
     * gradient is the depthwise forward of {@code dy} with each channel's kernel flipped (direct, no GEMM).
     */
    static boolean useDepthwiseBackward(ConvGeometry g) {
        if (!g.isDepthwise() || g.outChannelsPerGroup() != 1 || g.isPointwise()) {
            return false;
        }
        for (int i = 0; i < 3; i++) {
            int span = g.dilation(i) * (g.kernel(i) - 1);
            if (g.stride(i) != 1 || g.padBefore(i) > span || g.padAfter(i) > span
                    || g.out(i) + span - g.padBefore(i) - g.padAfter(i) != g.in(i)) {
                return false;
            }
        }
        return true;
    }

    @Override
    public void backwardInput(ConvGeometry g, float[] dy, int dyOff, float[] w, int wOff, float[] dx, int dxOff) {
        if (useDepthwiseBackward(g)) {
            ConvWorkspace ws = WS.get();
            ConvGeometry f = flippedGeometry(ws, g);
            int size = g.weightSize();
            if (ws.wFlip.length < size) {
                ws.wFlip = new float[size];
            }
            float[] wf = ws.wFlip;
            int kvol = g.kernelVolume();
            for (int c = 0; c < g.outChannels(); c++) {
                int src = wOff + c * kvol;
                int dst = c * kvol;
                for (int t = 0; t < kvol; t++) {
                    wf[dst + kvol - 1 - t] = w[src + t];
                }
            }
            depthwise(f, dy, dyOff, wf, 0, null, dx, dxOff, Epilogue.NONE);
            return;
        }
        if (g.isDepthwise() && g.stride(2) > 1 && scatterFits(g)) {
            DepthwiseScatterJob job = WS.get().depthwiseScatter;
            job.g = g;
            job.dy = dy;
            job.dyOff = dyOff;
            job.w = w;
            job.wOff = wOff;
            job.dx = dx;
            job.dxOff = dxOff;
            int planes = g.batch() * g.inChannels();
            long work = (long) g.outputSize() * g.kernelVolume();
            try {
                if (work < SimdGemm.SERIAL_WORK || planes == 1) {
                    for (int t = 0; t < planes; t++) {
                        job.run(t);
                    }
                } else {
                    SimdCnn.pool().run(planes, job);
                }
            } finally {
                job.g = null;
                job.dy = null;
                job.w = null;
                job.dx = null;
            }
            return;
        }
        if (useFlippedBackward(g)) {
            ConvWorkspace ws = WS.get();
            ConvGeometry f = flippedGeometry(ws, g);
            if (SimdWinograd.appliesGradient(f)) {
                // the transform reads the weights flipped in place (no flipped copy)
                SimdWinograd.forward(f, dy, dyOff, null, w, wOff, true, null, dx, dxOff, Epilogue.NONE);
                return;
            }
            int size = g.weightSize();
            if (ws.wFlip.length < size) {
                ws.wFlip = new float[size];
            }
            float[] wf = ws.wFlip;
            int coutG = g.outChannelsPerGroup();
            int cinG = g.inChannelsPerGroup();
            int kvol = g.kernelVolume();
            for (int gr = 0; gr < g.groups(); gr++) {
                for (int co = 0; co < coutG; co++) {
                    for (int ci = 0; ci < cinG; ci++) {
                        int src = wOff + ((gr * coutG + co) * cinG + ci) * kvol;
                        int dst = ((gr * cinG + ci) * coutG + co) * kvol;
                        for (int t = 0; t < kvol; t++) {
                            wf[dst + kvol - 1 - t] = w[src + t];
                        }
                    }
                }
            }
            float[] panels = ws.wPack(packedWeightSize(f));
            forwardImplicit(f, dy, dyOff, panels, wf, 0, null, dx, dxOff, Epilogue.NONE);
            return;
        }
        int tasks = g.batch() * g.groups();
        if (tasks < 4) {
            // Few images: run them in order, each GEMM splits itself over the pool.
            for (int t = 0; t < tasks; t++) {
                backwardInputOne(g, t / g.groups(), t % g.groups(), dy, dyOff, w, wOff, dx, dxOff);
            }
            return;
        }
        BackwardJob job = WS.get().backward;
        job.g = g;
        job.dy = dy;
        job.dyOff = dyOff;
        job.w = w;
        job.wOff = wOff;
        job.dx = dx;
        job.dxOff = dxOff;
        try {
            SimdCnn.pool().run(tasks, job);
        } finally {
            job.g = null;
            job.dy = null;
            job.w = null;
            job.dx = null;
        }
    }

    /** Every tap of every output position lands inside the padded input (true unless an adjoint is truncated). */
    static boolean scatterFits(ConvGeometry g) {
        for (int i = 0; i < 3; i++) {
            if ((g.out(i) - 1) * g.stride(i) + g.dilation(i) * (g.kernel(i) - 1) >= paddedSize(g, i)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Depthwise grad input for width stride > 1, direct: one task per (image, input channel); {@code dy * w} is
     * scattered into a zeroed padded plane held in its stride phases ({@link #planeOrPhases}' layout: output rows in
     * order, taps in (kd, kh, kw) order; a width tap then adds a vector of output columns to consecutive entries of
     * one phase, no scatter), then the input entries are copied to dx. The order of the additions into every
     * element is fixed (as with the interleaved plane before), so the result is too.
     */
    static final class DepthwiseScatterJob implements ThreadPool.Task {
        ConvGeometry g;
        float[] dy;
        int dyOff;
        float[] w;
        int wOff;
        float[] dx;
        int dxOff;

        @Override
        public void run(int t) {
            ConvWorkspace ws = WS.get();
            int cin = g.inChannels();
            int img = t / cin;
            int c = t % cin;
            int pd = paddedSize(g, 0);
            int ph = paddedSize(g, 1);
            int sw = g.stride(2);
            int rowLen = rowLength(g);
            int block = phaseBlock(g);
            // planeOrPhases' layout; L floats of slack for the full-vector row tails
            float[] acc = ws.phases(sw * block + L);
            java.util.Arrays.fill(acc, 0, sw * block + L, 0f);
            int[] kwo = ws.kwOff(g.kW());
            for (int kw = 0; kw < g.kW(); kw++) {
                int tap = kw * g.dilation(2);
                kwo[kw] = (tap % sw) * block + tap / sw;
            }
            int mult = g.outChannelsPerGroup();
            int kD = g.kD();
            int kH = g.kH();
            int kW = g.kW();
            int kvol = g.kernelVolume();
            int outD = g.outD();
            int outH = g.outH();
            int outW = g.outW();
            // dY rows padded with zeros to whole vectors: the last vector of a row adds 0 * w to entries past the
            // row's own, which changes none of them when w is finite (an accumulator never holds -0.0: it starts
            // at +0.0 and x + y is -0.0 only when both are); a non-finite weight takes the scalar tail instead.
            int ys = SimdGemm.roundUp(outW, L);
            int rowsDy = outD * outH;
            if (ws.dyRows.length < rowsDy * ys) {
                ws.dyRows = new float[rowsDy * ys];
            }
            float[] dyr = ws.dyRows;
            for (int q = 0; q < mult; q++) {
                int oc = c * mult + q;
                int dyo = dyOff + (img * g.outChannels() + oc) * g.outSpatial();
                for (int r = 0; r < rowsDy; r++) {
                    System.arraycopy(dy, dyo + r * outW, dyr, r * ys, outW);
                    java.util.Arrays.fill(dyr, r * ys + outW, r * ys + ys, 0f);
                }
                int wk = wOff + oc * kvol;
                for (int od = 0; od < outD; od++) {
                    for (int oh = 0; oh < outH; oh++) {
                        int yr = (od * outH + oh) * ys;
                        for (int kd = 0; kd < kD; kd++) {
                            for (int kh = 0; kh < kH; kh++) {
                                int row = ((od * g.stride(0) + kd * g.dilation(0)) * ph + oh * g.stride(1)
                                        + kh * g.dilation(1)) * rowLen;
                                for (int kw = 0; kw < kW; kw++) {
                                    dwScatterRow(acc, row + kwo[kw], dyr, yr, outW,
                                            w[wk + (kd * kH + kh) * kW + kw]);
                                }
                            }
                        }
                    }
                }
            }
            // back to a plain padded plane (width rounded up to a multiple of the stride), its interior to dx
            int pwd = sw * rowLen;
            float[] pad = ws.plane(pd * ph * pwd + L);
            ws.planeClean = null; // overwritten below: no longer the zero border of a padded input
            interleave(acc, block, sw, pad);
            int inD = g.inD();
            int inH = g.inH();
            int inW = g.inW();
            int dxo = dxOff + (img * cin + c) * g.inSpatial();
            for (int d = 0; d < inD; d++) {
                for (int h = 0; h < inH; h++) {
                    System.arraycopy(pad, ((d + g.padBefore(0)) * ph + h + g.padBefore(1)) * pwd + g.padBefore(2), dx,
                            dxo + (d * inH + h) * inW, inW);
                }
            }
        }
    }

    /**
     * {@code acc[dst + ow] += dy[dyr + ow] * wv} (one fused multiply-add) for {@code ow < n}, a vector of columns at a
     * time; {@code dy}'s row is zero-padded to whole vectors. With a finite weight the last vector adds
     * {@code 0 * wv} past {@code n}, which leaves those entries as they are; otherwise the tail is scalar.
     */
    static void dwScatterRow(float[] acc, int dst, float[] dy, int dyr, int n, float wv) {
        FloatVector wb = FloatVector.broadcast(F, wv);
        int ow = 0;
        for (; ow + L <= n; ow += L) {
            FloatVector.fromArray(F, dy, dyr + ow).fma(wb, FloatVector.fromArray(F, acc, dst + ow))
                    .intoArray(acc, dst + ow);
        }
        if (ow < n) {
            if (Float.isFinite(wv)) {
                FloatVector.fromArray(F, dy, dyr + ow).fma(wb, FloatVector.fromArray(F, acc, dst + ow))
                        .intoArray(acc, dst + ow);
            } else {
                for (; ow < n; ow++) {
                    acc[dst + ow] = Math.fma(dy[dyr + ow], wv, acc[dst + ow]);
                }
            }
        }
    }

    /** {@code dcol = W_g^T dY_{n,g}} then col2im into {@code dx_{n,g}} (directly into dx when pointwise). */
    static void backwardInputOne(ConvGeometry g, int img, int gr, float[] dy, int dyOff, float[] w, int wOff,
            float[] dx, int dxOff) {
        int m = g.outChannelsPerGroup();
        int cinG = g.inChannelsPerGroup();
        int kk = cinG * g.kernelVolume();
        int outSp = g.outSpatial();
        int dyo = dyOff + (img * g.outChannels() + gr * m) * outSp;
        int wo = wOff + gr * m * kk;
        int dxo = dxOff + (img * g.inChannels() + gr * cinG) * g.inSpatial();
        if (g.isPointwise()) {
            SimdGemm.INSTANCE.sgemm(true, false, kk, outSp, m, 1f, w, wo, kk, dy, dyo, outSp, 0f, dx, dxo, outSp,
                    null, 0, BiasMode.NONE, Epilogue.NONE);
            return;
        }
        float[] col = WS.get().col(kk * outSp);
        SimdGemm.INSTANCE.sgemm(true, false, kk, outSp, m, 1f, w, wo, kk, dy, dyo, outSp, 0f, col, 0, outSp,
                null, 0, BiasMode.NONE, Epilogue.NONE);
        col2imOne(g, cinG, col, 0, dx, dxo);
    }

    /**
     * {@code dW_g = sum over (image, position) of dY_g * col_g^T} as ONE GEMM whose K runs over every image and
     * output position in order ({@code M = Cout/groups}, {@code N = Cin/groups * kernelVolume}): dY is packed as A;
     * the B panels are gathered straight from a zero-padded copy of the input (no im2col buffer), any stride. The
     * K order is fixed, so the sum over the batch is the same for any thread count.
     */
    @Override
    public void backwardWeight(ConvGeometry g, float[] x, int xOff, float[] dy, int dyOff, float[] dw, int dwOff) {
        ConvWorkspace ws = WS.get();
        if (g.isDepthwise()) {
            depthwiseWeightGrad(ws, g, x, xOff, dy, dyOff, dw, dwOff);
            return;
        }
        if (SimdWinogradWeightGrad.applies(g)) {
            SimdWinogradWeightGrad.weightGrad(g, x, xOff, dy, dyOff, dw, dwOff);
            return;
        }
        if (SimdWinograd.appliesWeightGrad(g)) {
            SimdWinograd.weightGrad(g, x, xOff, dy, dyOff, dw, dwOff);
            return;
        }
        int pd = paddedSize(g, 0);
        int ph = paddedSize(g, 1);
        int pw = paddedSize(g, 2);
        int vol = pd * ph * pw;
        int planes = g.batch() * g.inChannels();
        float[] xpad = ws.xpad(planes * vol);
        int kvol = g.kernelVolume();
        int kk = g.inChannelsPerGroup() * kvol;
        int[] koff = ws.koff(SimdGemm.roundUp(kk, NR));
        for (int p = 0; p < kk; p++) {
            int c = p / kvol;
            int r = p - c * kvol;
            int kd = r / (g.kH() * g.kW());
            int kh = (r / g.kW()) % g.kH();
            int kw = r % g.kW();
            koff[p] = c * vol + kd * g.dilation(0) * ph * pw + kh * g.dilation(1) * pw + kw * g.dilation(2);
        }
        // Columns past kk gather from offset 0: computed, never stored.
        java.util.Arrays.fill(koff, kk, SimdGemm.roundUp(kk, NR), 0);
        int outSp = g.outSpatial();
        if (ws.sOff.length < outSp) {
            ws.sOff = new int[outSp];
        }
        int[] sOff = ws.sOff;
        int i = 0;
        for (int od = 0; od < g.outD(); od++) {
            for (int oh = 0; oh < g.outH(); oh++) {
                for (int ow = 0; ow < g.outW(); ow++) {
                    sOff[i++] = od * g.stride(0) * ph * pw + oh * g.stride(1) * pw + ow * g.stride(2);
                }
            }
        }
        int m = g.outChannelsPerGroup();
        int mPad = SimdGemm.roundUp(m, MR);
        int ktot = g.batch() * outSp;
        int aSize = g.groups() * mPad * ktot;
        if (ws.dyPack.length < aSize) {
            ws.dyPack = new float[aSize];
        }
        WeightGradJob job = ws.weightGrad;
        int chunks = weightGradChunks(g);
        int wsz = g.weightSize();
        if (chunks > 1 && ws.partial.length < chunks * wsz) {
            ws.partial = new float[chunks * wsz];
        }
        job.set(g, x, xOff, xpad, koff, sOff, dy, dyOff, ws.dyPack, chunks, ws.partial, dw, dwOff);
        try {
            long work = (long) g.weightSize() * ktot;
            if (work < SimdGemm.SERIAL_WORK) {
                for (int t = 0; t < job.prepTasks; t++) {
                    job.run(t);
                }
                job.phase = 1;
                for (int t = 0; t < job.tasks; t++) {
                    job.run(t);
                }
            } else {
                SimdCnn.pool().run(job.prepTasks, job);
                job.phase = 1;
                SimdCnn.pool().run(job.tasks, job);
            }
            if (chunks > 1) {
                // Sum the chunks' partial gradients in chunk order (fixed, whatever the thread count).
                float[] part = ws.partial;
                int i0 = 0;
                int end = wsz - wsz % L;
                for (; i0 < end; i0 += L) {
                    FloatVector acc = FloatVector.fromArray(F, part, i0);
                    for (int q = 1; q < chunks; q++) {
                        acc = acc.add(FloatVector.fromArray(F, part, q * wsz + i0));
                    }
                    acc.intoArray(dw, dwOff + i0);
                }
                for (; i0 < wsz; i0++) {
                    float acc = part[i0];
                    for (int q = 1; q < chunks; q++) {
                        acc += part[q * wsz + i0];
                    }
                    dw[dwOff + i0] = acc;
                }
            }
        } finally {
            job.clear();
        }
    }

    /**
     * Depthwise weight gradient, direct: one task per input channel; for each image in order, each
     * of the channel's output channels and each tap, a vectorized dot product of the dY plane with the shifted
     * padded input plane, accumulated lane-wise in a per-tap vector kept in memory; at the end the lanes are summed
     * in lane order. The summation order depends on the geometry only.
     */
    private static void depthwiseWeightGrad(ConvWorkspace ws, ConvGeometry g, float[] x, int xOff, float[] dy,
            int dyOff, float[] dw, int dwOff) {
        DepthwiseGradJob job = ws.depthwiseGrad;
        job.g = g;
        job.x = x;
        job.xOff = xOff;
        job.dy = dy;
        job.dyOff = dyOff;
        job.dw = dw;
        job.dwOff = dwOff;
        int tasks = g.inChannels();
        long work = (long) g.outputSize() * g.kernelVolume();
        try {
            if (work < SimdGemm.SERIAL_WORK || tasks == 1) {
                for (int t = 0; t < tasks; t++) {
                    job.run(t);
                }
            } else {
                SimdCnn.pool().run(tasks, job);
            }
        } finally {
            job.g = null;
            job.x = null;
            job.dy = null;
            job.dw = null;
        }
    }

    /** Depthwise weight gradient: one task per input channel (all images, the group's output channels). */
    static final class DepthwiseGradJob implements ThreadPool.Task {
        ConvGeometry g;
        float[] x;
        int xOff;
        float[] dy;
        int dyOff;
        float[] dw;
        int dwOff;

        @Override
        public void run(int c) {
            ConvWorkspace ws = WS.get();
            int cin = g.inChannels();
            int ph = paddedSize(g, 1);
            int rowLen = rowLength(g);
            int mult = g.outChannelsPerGroup();
            int kvol = g.kernelVolume();
            int n = mult * kvol * L;
            if (ws.tapAcc.length < n) {
                ws.tapAcc = new float[n];
            }
            float[] acc = ws.tapAcc;
            java.util.Arrays.fill(acc, 0, n, 0f);
            int kH = g.kH();
            int kW = g.kW();
            int outSp = g.outSpatial();
            int sw = g.stride(2);
            int[] kwo = ws.kwOff(kW);
            for (int img = 0; img < g.batch(); img++) {
                // the padded plane (stride 1) or its stride phases: every tap reads consecutive floats
                float[] pad = planeOrPhases(ws, g, x, xOff + (img * cin + c) * g.inSpatial(), kwo);
                for (int q = 0; q < mult; q++) {
                    int dyo = dyOff + (img * g.outChannels() + c * mult + q) * outSp;
                    float[] dyp = dy;
                    if (dyo + outSp + L > dy.length) {
                        // the row tails are read as whole vectors: the last plane of dy through a scratch copy
                        if (ws.dyRows.length < outSp + L) {
                            ws.dyRows = new float[outSp + L];
                        }
                        System.arraycopy(dy, dyo, ws.dyRows, 0, outSp);
                        dyp = ws.dyRows;
                        dyo = 0;
                    }
                    for (int t = 0; t < kvol; t++) {
                        int kd = t / (kH * kW);
                        int kh = (t / kW) % kH;
                        int kw = t % kW;
                        int base = (kd * g.dilation(0) * ph + kh * g.dilation(1)) * rowLen + kwo[kw];
                        if (sw == 1) {
                            dwGradTap(pad, base, g.stride(0) * ph * rowLen, g.stride(1) * rowLen, g.outD(), g.outH(),
                                    g.outW(), dyp, dyo, acc, (q * kvol + t) * L, ws.rows);
                        } else {
                            dwGradTapStrided(pad, base, g.stride(0) * ph * rowLen, g.stride(1) * rowLen, g.outD(),
                                    g.outH(), g.outW(), dyp, dyo, acc, (q * kvol + t) * L, ws.rows);
                        }
                    }
                }
            }
            for (int i = 0; i < mult * kvol; i++) {
                float s = 0f;
                for (int l = 0; l < L; l++) {
                    s += acc[i * L + l];
                }
                dw[dwOff + c * mult * kvol + i] = s;
            }
        }
    }

    /**
     * {@code acc[ai..ai+L) += } the lane-wise products of one dY plane ({@code outD x outH x outW} at {@code dyo})
     * with the padded input at {@code base + od*ds + oh*rs + ow}; four accumulator chains in a fixed assignment.
     * No masks: the row tail ({@code outW % L} columns) is a full vector into its own chain {@code a3}, whose lanes
     * past the tail (products of columns outside the row) are set to +0.0 at the end, as a masked tail would have
     * left them. The input has {@code L} floats of slack, and so has {@code dy} after the plane (the caller copies
     * a plane at the very end of its array to a scratch); {@code lanes} is an {@code L}-float scratch.
     */
    static void dwGradTap(float[] pad, int base, int ds, int rs, int outD, int outH, int outW, float[] dy, int dyo,
            float[] acc, int ai, float[] lanes) {
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = FloatVector.zero(F);
        FloatVector a2 = FloatVector.zero(F);
        FloatVector a3 = FloatVector.zero(F);
        int tail = outW % L;
        for (int od = 0; od < outD; od++) {
            for (int oh = 0; oh < outH; oh++) {
                int xr = base + od * ds + oh * rs;
                int yr = dyo + (od * outH + oh) * outW;
                int ow = 0;
                for (; ow + 2 * L <= outW; ow += 2 * L) {
                    a0 = FloatVector.fromArray(F, pad, xr + ow).fma(FloatVector.fromArray(F, dy, yr + ow), a0);
                    a1 = FloatVector.fromArray(F, pad, xr + ow + L).fma(FloatVector.fromArray(F, dy, yr + ow + L),
                            a1);
                }
                if (ow + L <= outW) {
                    a2 = FloatVector.fromArray(F, pad, xr + ow).fma(FloatVector.fromArray(F, dy, yr + ow), a2);
                    ow += L;
                }
                if (tail != 0) {
                    a3 = FloatVector.fromArray(F, pad, xr + ow).fma(FloatVector.fromArray(F, dy, yr + ow), a3);
                }
            }
        }
        if (tail != 0) {
            a3.intoArray(lanes, 0);
            java.util.Arrays.fill(lanes, tail, L, 0f);
            a3 = FloatVector.fromArray(F, lanes, 0);
        }
        a0.add(a1).add(a2.add(a3)).add(FloatVector.fromArray(F, acc, ai)).intoArray(acc, ai);
    }

    /**
     * {@link #dwGradTap} for a width stride {@code > 1} on the stride phases of the padded input
     * ({@link #planeOrPhases}: consecutive output columns read consecutive entries): one chain for the whole vectors,
     * one for the row tails (lanes past the tail set to +0.0 at the end, as in {@link #dwGradTap}).
     */
    static void dwGradTapStrided(float[] pad, int base, int ds, int rs, int outD, int outH, int outW, float[] dy,
            int dyo, float[] acc, int ai, float[] lanes) {
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = FloatVector.zero(F);
        int tail = outW % L;
        for (int od = 0; od < outD; od++) {
            for (int oh = 0; oh < outH; oh++) {
                int xr = base + od * ds + oh * rs;
                int yr = dyo + (od * outH + oh) * outW;
                int ow = 0;
                for (; ow + L <= outW; ow += L) {
                    a0 = FloatVector.fromArray(F, pad, xr + ow).fma(FloatVector.fromArray(F, dy, yr + ow), a0);
                }
                if (tail != 0) {
                    a1 = FloatVector.fromArray(F, pad, xr + ow).fma(FloatVector.fromArray(F, dy, yr + ow), a1);
                }
            }
        }
        if (tail != 0) {
            a1.intoArray(lanes, 0);
            java.util.Arrays.fill(lanes, tail, L, 0f);
            a1 = FloatVector.fromArray(F, lanes, 0);
        }
        a0.add(a1).add(FloatVector.fromArray(F, acc, ai)).intoArray(acc, ai);
    }

    /**
     * Number of K chunks (runs of image-major positions) of the weight gradient: each chunk's packed dY stays
     * within about 512 KiB so it is reused from L2; chunks are summed in order at the end. Depends on the
     * geometry only.
     */
    static int weightGradChunks(ConvGeometry g) {
        long ktot = (long) g.batch() * g.outSpatial();
        long mPad = SimdGemm.roundUp(g.outChannelsPerGroup(), MR) * (long) g.groups();
        long perChunk = Math.max(512, (128 * 1024) / mPad);
        return (int) Math.max(1, Math.min(64, (ktot + perChunk - 1) / perChunk));
    }

    /** Weight gradient: phase 0 pads x and packs dY; phase 1 computes blocks of (group, column panels). */
    static final class WeightGradJob implements ThreadPool.Task {
        int phase;
        ConvGeometry g;
        float[] x;
        int xOff;
        float[] xpad;
        int[] koff;
        int[] sOff;
        float[] dy;
        int dyOff;
        float[] ap;
        float[] dw;
        int dwOff;
        float[] partial;
        int chunks;
        int chunkLen;
        int vol;
        int kk;
        int m;
        int mPad;
        int ktot;
        int padTasks;
        int prepTasks;
        int nPanels;
        int colBlock;
        int colBlocks;
        int tasks;

        void set(ConvGeometry g, float[] x, int xOff, float[] xpad, int[] koff, int[] sOff, float[] dy, int dyOff,
                float[] ap, int chunks, float[] partial, float[] dw, int dwOff) {
            this.phase = 0;
            this.chunks = chunks;
            this.partial = partial;
            this.g = g;
            this.x = x;
            this.xOff = xOff;
            this.xpad = xpad;
            this.koff = koff;
            this.sOff = sOff;
            this.dy = dy;
            this.dyOff = dyOff;
            this.ap = ap;
            this.dw = dw;
            this.dwOff = dwOff;
            this.vol = paddedSize(g, 0) * paddedSize(g, 1) * paddedSize(g, 2);
            this.kk = g.inChannelsPerGroup() * g.kernelVolume();
            this.m = g.outChannelsPerGroup();
            this.mPad = SimdGemm.roundUp(m, MR);
            this.ktot = g.batch() * g.outSpatial();
            this.chunkLen = SimdGemm.ceilDiv(ktot, chunks);
            this.padTasks = SimdGemm.ceilDiv(g.batch() * g.inChannels(), 8);
            this.prepTasks = padTasks + g.groups() * (mPad / MR);
            this.nPanels = SimdGemm.ceilDiv(kk, NR);
            int cp = Math.min(nPanels, 4);
            while (cp > 1 && chunks * g.groups() * SimdGemm.ceilDiv(nPanels, cp) < 16) {
                cp = (cp + 1) / 2;
            }
            this.colBlock = cp;
            this.colBlocks = SimdGemm.ceilDiv(nPanels, cp);
            this.tasks = chunks * g.groups() * colBlocks;
        }

        void clear() {
            g = null;
            x = null;
            xpad = null;
            koff = null;
            sOff = null;
            dy = null;
            ap = null;
            dw = null;
            partial = null;
        }

        @Override
        public void run(int t) {
            if (phase == 0) {
                if (t < padTasks) {
                    int planes = g.batch() * g.inChannels();
                    int p1 = Math.min(planes, t * 8 + 8);
                    for (int p = t * 8; p < p1; p++) {
                        padInto(g, x, xOff + p * g.inSpatial(), xpad, p * vol, paddedSize(g, 0), paddedSize(g, 1),
                                paddedSize(g, 2));
                    }
                } else {
                    int q = t - padTasks;
                    packDy(q / (mPad / MR), q % (mPad / MR));
                }
                return;
            }
            int cb = t % colBlocks;
            int gr = (t / colBlocks) % g.groups();
            int chunk = t / colBlocks / g.groups();
            int jp0 = cb * colBlock;
            int jp1 = Math.min(nPanels, jp0 + colBlock);
            int kStart = chunk * chunkLen;
            int kEnd = Math.min(ktot, kStart + chunkLen);
            int kcu = SimdGemm.kcu(chunkLen);
            float[] bp = WS.get().bTile((jp1 - jp0) * NR * kcu);
            float[] tile = SimdGemm.workspace().tile;
            int aGroup = gr * mPad * ktot;
            int xGroup = gr * g.inChannelsPerGroup() * vol;
            int imgStride = g.inChannels() * vol;
            int outSp = g.outSpatial();
            float[] c = chunks > 1 ? partial : dw;
            int cBase = (chunks > 1 ? chunk * g.weightSize() : dwOff) + gr * m * kk;
            for (int k0 = kStart; k0 < kEnd; k0 += kcu) {
                int kc = Math.min(kcu, kEnd - k0);
                boolean first = k0 == kStart;
                boolean last = k0 + kc >= kEnd;
                // Gather the B rows: position p, columns j of the panel = xpad[image + koff[j] + sOff[p]].
                int img = k0 / outSp;
                int sp0 = k0 - img * outSp;
                for (int jp = jp0; jp < jp1; jp++) {
                    int d = (jp - jp0) * NR * kc;
                    int sp = sp0;
                    int xn = img * imgStride + xGroup;
                    int j0 = jp * NR;
                    for (int p = 0; p < kc; p++) {
                        int off = xn + sOff[sp];
                        FloatVector.fromArray(F, xpad, off, koff, j0).intoArray(bp, d);
                        FloatVector.fromArray(F, xpad, off, koff, j0 + L).intoArray(bp, d + L);
                        d += NR;
                        if (++sp == outSp) {
                            sp = 0;
                            xn += imgStride;
                        }
                    }
                }
                for (int ip = 0; ip < mPad / MR; ip++) {
                    int aBase = aGroup + k0 * mPad + ip * MR * kc;
                    int i0 = ip * MR;
                    int rows = Math.min(MR, m - i0);
                    for (int jp = jp0; jp < jp1; jp++) {
                        int j0 = jp * NR;
                        SimdGemm.kernel(ap, aBase, bp, (jp - jp0) * NR * kc, kc, tile, rows);
                        SimdGemm.store(tile, rows, Math.min(NR, kk - j0), c, cBase + i0 * kk + j0, kk,
                                1f, first ? 0f : 1f, last, null, 0, 0, i0, j0, SimdGemm.EPI_NONE, 0f, 0f);
                    }
                }
            }
        }

        /** Packs row panel {@code ip} of group {@code gr}'s dY (rows = output channels, K = image-major positions). */
        private void packDy(int gr, int ip) {
            int outSp = g.outSpatial();
            int cout = g.outChannels();
            int kcu = SimdGemm.kcu(chunkLen);
            int aGroup = gr * mPad * ktot;
            for (int k0 = 0, kEnd = Math.min(ktot, chunkLen); k0 < ktot; ) {
                int kc = Math.min(kcu, kEnd - k0);
                int base = aGroup + k0 * mPad + ip * MR * kc;
                for (int r = 0; r < MR; r++) {
                    int row = ip * MR + r;
                    int d = base + r;
                    if (row >= m) {
                        for (int p = 0; p < kc; p++) {
                            ap[d + p * MR] = 0f;
                        }
                        continue;
                    }
                    int img = k0 / outSp;
                    int sp = k0 - img * outSp;
                    int src = dyOff + (img * cout + gr * m + row) * outSp + sp;
                    for (int p = 0; p < kc; ) {
                        int run = Math.min(kc - p, outSp - sp);
                        for (int q = 0; q < run; q++) {
                            ap[d + q * MR] = dy[src + q];
                        }
                        d += run * MR;
                        p += run;
                        img++;
                        sp = 0;
                        src = dyOff + (img * cout + gr * m + row) * outSp;
                    }
                }
                k0 += kc;
                if (k0 == kEnd) {
                    kEnd = Math.min(ktot, kEnd + chunkLen);
                }
            }
        }
    }

    @Override
    public void backwardBias(ConvGeometry g, float[] dy, int dyOff, float[] db) {
        int cout = g.outChannels();
        int sp = g.outSpatial();
        for (int c = 0; c < cout; c++) {
            float total = 0f;
            for (int img = 0; img < g.batch(); img++) {
                total += sum(dy, dyOff + (img * cout + c) * sp, sp);
            }
            db[c] = total;
        }
    }

    /**
     * Sum of {@code n} floats: lane-wise partial sums, then the lanes in lane order, then the scalar tail. Never
     * {@code reduceLanes(ADD)}: its order is unspecified and differs between interpreted and compiled code, which
     * would make results depend on the JIT state.
     */
    static float sum(float[] a, int off, int n) {
        int i = 0;
        int end = n - n % L;
        float s = 0f;
        if (end > 0) {
            FloatVector acc = FloatVector.zero(F);
            for (; i < end; i += L) {
                acc = acc.add(FloatVector.fromArray(F, a, off + i));
            }
            float[] lanes = WS.get().lanes;
            acc.intoArray(lanes, 0);
            for (int l = 0; l < L; l++) {
                s += lanes[l];
            }
        }
        for (; i < n; i++) {
            s += a[off + i];
        }
        return s;
    }

    @Override
    public void transposedForward(ConvGeometry g, float[] x, int xOff, float[] w, int wOff, float[] bias, float[] y,
            int yOff) {
        ConvWorkspace ws = WS.get();
        ConvGeometry a = ws.adjoint.get(g);
        if (a == null) {
            a = ws.adjoint.put(g, g.adjointConv());
        }
        backwardInput(a, x, xOff, w, wOff, y, yOff);
        if (bias != null) {
            int cout = g.outChannels();
            int sp = g.outSpatial();
            for (int img = 0; img < g.batch(); img++) {
                for (int c = 0; c < cout; c++) {
                    addScalar(y, yOff + (img * cout + c) * sp, sp, bias[c]);
                }
            }
        }
    }

    static void addScalar(float[] a, int off, int n, float v) {
        int i = 0;
        int end = n - n % L;
        for (; i < end; i += L) {
            FloatVector.fromArray(F, a, off + i).add(v).intoArray(a, off + i);
        }
        for (; i < n; i++) {
            a[off + i] += v;
        }
    }

    // ---- im2col / col2im -----------------------------------------------------------------------------------------

    @Override
    public void im2col(ConvGeometry g, float[] x, int xOff, float[] col, int colOff) {
        int c = g.inChannels();
        int rows = c * g.kernelVolume();
        for (int img = 0; img < g.batch(); img++) {
            im2colOne(g, c, x, xOff + img * c * g.inSpatial(), col, colOff + img * rows * g.outSpatial());
        }
    }

    @Override
    public void col2im(ConvGeometry g, float[] col, int colOff, float[] x, int xOff) {
        int c = g.inChannels();
        int rows = c * g.kernelVolume();
        for (int img = 0; img < g.batch(); img++) {
            col2imOne(g, c, col, colOff + img * rows * g.outSpatial(), x, xOff + img * c * g.inSpatial());
        }
    }

    /** im2col of one image's {@code channels} channels starting at {@code xo} into plain rows. */
    static void im2colOne(ConvGeometry g, int channels, float[] x, int xo, float[] col, int co) {
        forEachTapRow(g, channels, x, xo, col, co, false);
    }

    /** col2im of one image: overwrites {@code channels} planes at {@code xo}, summing taps in row order. */
    static void col2imOne(ConvGeometry g, int channels, float[] col, int co, float[] x, int xo) {
        java.util.Arrays.fill(x, xo, xo + channels * g.inSpatial(), 0f);
        forEachTapRow(g, channels, x, xo, col, co, true);
    }

    /**
     * Walks every (channel, tap) row and output position: copies input to column ({@code back == false}) or adds
     * the column into the input ({@code back == true}). Taps in the padding are zero / dropped.
     */
    private static void forEachTapRow(ConvGeometry g, int channels, float[] x, int xo, float[] col, int co,
            boolean back) {
        int kvol = g.kernelVolume();
        int kH = g.kH();
        int kW = g.kW();
        int inD = g.inD();
        int inH = g.inH();
        int inW = g.inW();
        int outD = g.outD();
        int outH = g.outH();
        int outW = g.outW();
        int sw = g.stride(2);
        int inSp = g.inSpatial();
        int outSp = g.outSpatial();
        int rows = channels * kvol;
        for (int p = 0; p < rows; p++) {
            int c = p / kvol;
            int r = p - c * kvol;
            int kd = r / (kH * kW);
            int kh = (r / kW) % kH;
            int kw = r % kW;
            int offD = kd * g.dilation(0) - g.padBefore(0);
            int offH = kh * g.dilation(1) - g.padBefore(1);
            int offW = kw * g.dilation(2) - g.padBefore(2);
            int owLo = Math.max(0, Math.ceilDiv(-offW, sw));
            int owHi = Math.min(outW, Math.max(owLo, Math.ceilDiv(inW - offW, sw)));
            int xc = xo + c * inSp;
            int cr = co + p * outSp;
            for (int od = 0; od < outD; od++) {
                int id = od * g.stride(0) + offD;
                boolean dOk = id >= 0 && id < inD;
                for (int oh = 0; oh < outH; oh++) {
                    int ih = oh * g.stride(1) + offH;
                    int cRow = cr + (od * outH + oh) * outW;
                    if (!dOk || ih < 0 || ih >= inH) {
                        if (!back) {
                            java.util.Arrays.fill(col, cRow, cRow + outW, 0f);
                        }
                        continue;
                    }
                    int xRow = xc + (id * inH + ih) * inW + offW;
                    if (back) {
                        for (int ow = owLo; ow < owHi; ow++) {
                            x[xRow + ow * sw] += col[cRow + ow];
                        }
                    } else {
                        for (int ow = 0; ow < owLo; ow++) {
                            col[cRow + ow] = 0f;
                        }
                        if (sw == 1) {
                            System.arraycopy(x, xRow + owLo, col, cRow + owLo, owHi - owLo);
                        } else {
                            for (int ow = owLo; ow < owHi; ow++) {
                                col[cRow + ow] = x[xRow + ow * sw];
                            }
                        }
                        for (int ow = owHi; ow < outW; ow++) {
                            col[cRow + ow] = 0f;
                        }
                    }
                }
            }
        }
    }
}
