package org.simdcnn.kernels.simd;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.simdcnn.SimdCnn;
import org.simdcnn.geometry.ConvGeometry;
import org.simdcnn.kernels.Epilogue;
import org.simdcnn.parallel.ThreadPool;

/**
 * Direct convolution for a small reduction ({@code Cin * kH * kW <= }{@link #K_MAX}, e.g. the first layers of an
 * image network: 1 to 16 input channels at 3x3, RGB 7x7): there the GEMM's per-tile costs (packing B, storing and
 * re-reading the register tile, masking the padded positions) outweigh its few multiply-adds per output.
 *
 * <p>The output rows of a task are covered by vectors of consecutive output columns (the last vector of a row starts
 * at {@code outW - L} and overlaps the one before, recomputing the same values with the same operations, so no lane
 * is masked), taken three at a time across rows with 512-bit vectors ({@link #TRIPLES}: 24 accumulators, per tap
 * three unit-stride loads of the zero-padded input rows and {@link #CB} broadcast weights for 24 multiply-adds),
 * otherwise and for the last one or two vectors two at a time (16 accumulators), for blocks of {@link #CB} output
 * channels at once. Every accumulator sums its taps in the order (channel, kh, kw) with fused multiply-adds from
 * zero, then adds the bias and applies the epilogue, as {@link Epilogue#apply} defines it, so an output has the same
 * bits whichever block computes it.
 *
 * <p>The bounds were measured with 512-bit vectors against the GEMM paths (interleaved in one JVM, one thread, minimum
 * time, the bounds switched call by call). Three vectors per block, unit stride, against the implicit GEMM:
 * {@code 1x8x56x56 -> 32, 5x5} (K = 200) 1.24x, {@code 1x4x56x56 -> 32, 7x7} (196) 1.27x, {@code 1x12x56x56 -> 64,
 * 5x5} (300) 1.16x, {@code 1x8x56x56 -> 128, 5x5} (200) 1.13x, a 1d {@code 8x32x1024 -> 64, k7} (224) 1.7x, a 1d
 * {@code 32x96x256 -> 128, k3} (288) even; with a width stride 2, against the gathered GEMM: the ResNet stem
 * {@code 3x224x224 -> 64, 7x7} (147) 1.23-1.32x, {@code 1x4x56x56 -> 32, 5x5} (100) 1.7x, {@code 1x16x56x56 -> 32,
 * 3x3} (144) 1.10x, {@code 1x24x56x56 -> 64, 3x3} (216) 1.07x, but {@code 1x32x56x56 -> 64, 3x3} (288) 0.96x,
 * {@code 1x32x28x28 -> 64, 3x3} (288) even and {@code 1x16x56x56 -> 128, 5x5} (400) 0.94x: hence 300 and 256. Three
 * vectors against two: 1.11-1.23x on 3x3 and 5x5 shapes from K = 9 (224 columns) and 18 (56 columns) up; even at 28
 * columns. Two vectors per block (the bounds for 16 registers): unit stride K = 9 (64x1x28x28 to 32) 2.0x, 27
 * 1.25x, 72 1.3x, 144 1.15x, 288 even, hence 160; with a width stride 27 1.4x, 72 1.22x, 54 even, 100 0.87x, 144
 * 0.85x, hence 80.
 *
 * <p>Applies to 1d and 2d convolutions (no depth), one group, any stride, dilation and padding, and output rows of
 * at least one vector (with a width stride, of a size the pairs of vectors cover well: {@link #applies}). With a
 * width stride {@code s > 1} each padded input row is split into its {@code s} stride phases
 * ({@link SimdConv#phaseRow}), so that the taps of consecutive output columns are consecutive floats of one phase
 * and every load is still a plain unit-stride vector load. Work is split into (image, block of {@link #ROWS} output
 * rows) tasks: a partition that depends on the geometry only, and each output element is
 * computed by exactly the same operations whichever task runs it, so results are identical for any thread count.
 * The padded input rows of a task and the transposed weights live in per-thread workspaces; nothing is allocated
 * in steady state.
 */
final class SimdDirectConv {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int L = F.length();
    /**
     * Vectors of output columns per register block: three (24 accumulators) with 32 vector registers (512-bit
     * vectors), two (16) with 16 registers, where 24 accumulators would spill.
     */
    static final boolean TRIPLES = L >= 16;
    /** Largest {@code Cin * kH * kW} taken by the direct kernel (measured: see the class comment). */
    static int K_MAX = TRIPLES ? 300 : 160;
    /** Largest {@code Cin * kH * kW} taken by the direct kernel with a width stride (see {@link #applies}). */
    static final int STRIDED_K_MAX = TRIPLES ? 256 : 80;
    /** Output channels per register block. */
    static final int CB = 8;
    /** Output rows per task. */
    static final int ROWS = 8;

    private SimdDirectConv() {
    }

    /**
     * Whether {@link #forward} serves this geometry. Not pointwise convolutions: their GEMM over the input planes
     * measured 14-48% faster on 1x1 shapes with {@code Cin} 16..128 ({@code GemmTune conv 1,1:d0 ...}). The bounds
     * on the reduction are in the class comment; with a width stride only when more than 3/4 of the computed
     * columns (whole vectors) are output columns.
     */
    static boolean applies(ConvGeometry g) {
        return L >= 8 && !g.isTransposed() && g.groups() == 1 && g.kD() == 1 && g.inD() == 1 && g.outD() == 1
                && g.outW() >= L && g.inChannels() * g.kernelVolume() <= K_MAX
                && g.outChannels() >= CB && !g.isPointwise()
                && (g.stride(2) == 1 || (g.inChannels() * g.kernelVolume() <= STRIDED_K_MAX
                        && 4 * g.outW() > 3 * SimdGemm.roundUp(g.outW(), L)));
    }

    private static final class Workspace {
        float[] wt = new float[0];
        float[] rows = new float[0];
        int[] toff = new int[0];
        final Job job = new Job();
    }

    private static final ThreadLocal<Workspace> WS = ThreadLocal.withInitial(Workspace::new);

    /**
     * Forward: {@code y = epilogue(conv(x, w) + bias)} with PyTorch's layouts ({@code w} is
     * {@code Cout x Cin x kH x kW} at {@code wOff}); {@code bias} may be null.
     */
    static void forward(ConvGeometry g, float[] x, int xOff, float[] w, int wOff, float[] bias, float[] y, int yOff,
            Epilogue e) {
        Workspace ws = WS.get();
        int k = g.inChannels() * g.kernelVolume();
        int cout = g.outChannels();
        int nb = (cout + CB - 1) / CB;
        if (ws.wt.length < nb * k * CB) {
            ws.wt = new float[nb * k * CB];
        }
        float[] wt = ws.wt;
        for (int b = 0; b < nb; b++) { // per channel block, tap-major: the CB weights of one tap are adjacent
            int oc0 = Math.min(b * CB, cout - CB); // the last block overlaps the one before
            for (int t = 0; t < k; t++) {
                for (int i = 0; i < CB; i++) {
                    wt[(b * k + t) * CB + i] = w[wOff + (oc0 + i) * k + t];
                }
            }
        }
        Job j = ws.job;
        j.g = g;
        j.x = x;
        j.xOff = xOff;
        j.wt = wt;
        j.bias = bias;
        j.y = y;
        j.yOff = yOff;
        j.ek = SimdGemm.epiKind(e);
        j.ea = e.a();
        j.eb = e.b();
        j.blocks = (g.outH() + ROWS - 1) / ROWS;
        int tasks = g.batch() * j.blocks;
        ThreadPool pool = SimdCnn.pool();
        try {
            if (pool.threads() == 1 || tasks == 1 || (double) g.flops() < 2e6) {
                for (int t = 0; t < tasks; t++) {
                    j.run(t);
                }
            } else {
                pool.run(tasks, j);
            }
        } finally {
            j.clear();
        }
    }

    private static final class Job implements ThreadPool.Task {
        ConvGeometry g;
        float[] x;
        int xOff;
        float[] wt;
        float[] bias;
        float[] y;
        int yOff;
        int ek;
        float ea;
        float eb;
        int blocks;

        void clear() {
            g = null;
            x = null;
            wt = null;
            bias = null;
            y = null;
        }

        @Override
        public void run(int t) {
            int img = t / blocks;
            int oh0 = (t - img * blocks) * ROWS;
            int oh1 = Math.min(g.outH(), oh0 + ROWS);
            int sh = g.stride(1);
            int dh = g.dilation(1);
            int span = (oh1 - oh0 - 1) * sh + (g.kH() - 1) * dh + 1; // input rows the block reads
            int inH = g.inH();
            int inW = g.inW();
            int pl = g.padBefore(2);
            int pw = inW + pl + g.padAfter(2);
            int sw = g.stride(2);
            // Width stride 1: each row is the zero-padded input row. Stride s > 1: the padded row split into its s
            // stride phases of len entries (phase q holds padded columns q, q + s, ...), so that tap kw of output
            // column ow is entry ow + kw*dilation / s of phase kw*dilation % s: consecutive columns, plain loads.
            int len = (pw + sw - 1) / sw;
            int rl = sw * len;
            int cin = g.inChannels();
            Workspace ws = WS.get();
            if (ws.rows.length < cin * span * rl) {
                ws.rows = new float[cin * span * rl];
            }
            float[] rows = ws.rows;
            int r0 = oh0 * sh - g.padBefore(1); // input row of the block's first padded row
            for (int c = 0; c < cin; c++) {
                int src = xOff + (img * cin + c) * g.inSpatial();
                for (int r = 0; r < span; r++) {
                    int dst = (c * span + r) * rl;
                    int ih = r0 + r;
                    if (ih < 0 || ih >= inH) {
                        java.util.Arrays.fill(rows, dst, dst + rl, 0f);
                    } else if (sw == 1) {
                        java.util.Arrays.fill(rows, dst, dst + pl, 0f);
                        System.arraycopy(x, src + ih * inW, rows, dst + pl, inW);
                        java.util.Arrays.fill(rows, dst + pl + inW, dst + pw, 0f);
                    } else {
                        java.util.Arrays.fill(rows, dst, dst + rl, 0f);
                        SimdConv.phaseRow(x, src + ih * inW, inW, sw, pl, rows, dst, len);
                    }
                }
            }
            int taps = cin * g.kernelVolume();
            if (ws.toff.length < taps) {
                ws.toff = new int[taps];
            }
            int[] toff = ws.toff; // offset of tap (c, kh, kw) from a column's first tap in the padded rows
            for (int c = 0, t2 = 0; c < cin; c++) {
                for (int i = 0; i < g.kH(); i++) {
                    for (int jx = 0; jx < g.kW(); jx++, t2++) {
                        int tw = jx * g.dilation(2);
                        toff[t2] = (c * span + i * dh) * rl + (tw % sw) * len + tw / sw;
                    }
                }
            }
            int cout = g.outChannels();
            int outW = g.outW();
            int outSp = g.outSpatial();
            int yImg = yOff + img * cout * outSp;
            // The block's output rows as one sequence of vectors (per row ceil(outW / L), the last starting at
            // outW - L and recomputing a few columns with the same values), taken three at a time (TRIPLES) across
            // rows, then two at a time: 112 columns are 7 vectors, so 8 rows make 18 triples and one pair, and
            // 28 columns (2 vectors) 5 triples and one vector left. An odd count of the rest ends with one vector
            // twice.
            int v = (outW + L - 1) / L;
            int nv = (oh1 - oh0) * v;
            int n3 = TRIPLES ? nv / 3 * 3 : 0;
            for (int q = 0; q < n3; q += 3) {
                int ra = q / v;
                int rb = (q + 1) / v;
                int rc = (q + 2) / v;
                int c0 = Math.min((q - ra * v) * L, outW - L);
                int c1 = Math.min((q + 1 - rb * v) * L, outW - L);
                int c2 = Math.min((q + 2 - rc * v) * L, outW - L);
                int x0 = ra * sh * rl + c0;
                int x1 = rb * sh * rl + c1;
                int x2 = rc * sh * rl + c2;
                int y0 = yImg + (oh0 + ra) * outW + c0;
                int y1 = yImg + (oh0 + rb) * outW + c1;
                int y2 = yImg + (oh0 + rc) * outW + c2;
                for (int oc = 0; oc < cout; oc += CB) {
                    int ocb = Math.min(oc, cout - CB); // the last block overlaps the one before
                    int wb = oc / CB * taps * CB; // the block's packed weights
                    block8x3(toff, taps, rows, x0, x1, x2, wt, wb, ocb, bias, y, y0 + ocb * outSp,
                            y1 + ocb * outSp, y2 + ocb * outSp, outSp, ek, ea, eb);
                }
            }
            for (int q = n3; q < nv; q += 2) {
                int q1 = Math.min(q + 1, nv - 1);
                int ra = q / v;
                int rb = q1 / v;
                int c0 = Math.min((q - ra * v) * L, outW - L);
                int c1 = Math.min((q1 - rb * v) * L, outW - L);
                int x0 = ra * sh * rl + c0;
                int x1 = rb * sh * rl + c1;
                int y0 = yImg + (oh0 + ra) * outW + c0;
                int y1 = yImg + (oh0 + rb) * outW + c1;
                for (int oc = 0; oc < cout; oc += CB) {
                    int ocb = Math.min(oc, cout - CB); // the last block overlaps the one before
                    int wb = oc / CB * taps * CB; // the block's packed weights
                    block8(toff, taps, rows, x0, x1, wt, wb, ocb, bias, y, y0 + ocb * outSp, y1 + ocb * outSp, outSp,
                            ek, ea, eb);
                }
            }
        }
    }

    /**
     * Eight output channels from {@code oc} by 2 vectors of output columns: {@code xo0} and {@code xo1} are the
     * offsets in {@code rows} of each vector's first tap (channel 0, kh 0, kw 0), {@code yo0} and {@code yo1} the
     * output offsets of channel {@code oc}'s vectors; channels are {@code outSp} apart in {@code y}.
     */
    private static void block8(int[] toff, int taps, float[] rows, int xo0, int xo1, float[] wt, int wb, int oc,
            float[] bias, float[] y, int yo0, int yo1, int outSp, int ek, float ea, float eb) {
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = FloatVector.zero(F);
        FloatVector b0 = FloatVector.zero(F);
        FloatVector b1 = FloatVector.zero(F);
        FloatVector c0 = FloatVector.zero(F);
        FloatVector c1 = FloatVector.zero(F);
        FloatVector d0 = FloatVector.zero(F);
        FloatVector d1 = FloatVector.zero(F);
        FloatVector e0 = FloatVector.zero(F);
        FloatVector e1 = FloatVector.zero(F);
        FloatVector f0 = FloatVector.zero(F);
        FloatVector f1 = FloatVector.zero(F);
        FloatVector g0 = FloatVector.zero(F);
        FloatVector g1 = FloatVector.zero(F);
        FloatVector h0 = FloatVector.zero(F);
        FloatVector h1 = FloatVector.zero(F);
        for (int t = 0; t < taps; t++) {
                    int p = toff[t];
                    FloatVector x0 = FloatVector.fromArray(F, rows, xo0 + p);
                    FloatVector x1 = FloatVector.fromArray(F, rows, xo1 + p);
                    int wi = wb + t * CB;
                    FloatVector w = FloatVector.broadcast(F, wt[wi]);
                    a0 = w.fma(x0, a0);
                    a1 = w.fma(x1, a1);
                    w = FloatVector.broadcast(F, wt[wi + 1]);
                    b0 = w.fma(x0, b0);
                    b1 = w.fma(x1, b1);
                    w = FloatVector.broadcast(F, wt[wi + 2]);
                    c0 = w.fma(x0, c0);
                    c1 = w.fma(x1, c1);
                    w = FloatVector.broadcast(F, wt[wi + 3]);
                    d0 = w.fma(x0, d0);
                    d1 = w.fma(x1, d1);
                    w = FloatVector.broadcast(F, wt[wi + 4]);
                    e0 = w.fma(x0, e0);
                    e1 = w.fma(x1, e1);
                    w = FloatVector.broadcast(F, wt[wi + 5]);
                    f0 = w.fma(x0, f0);
                    f1 = w.fma(x1, f1);
                    w = FloatVector.broadcast(F, wt[wi + 6]);
                    g0 = w.fma(x0, g0);
                    g1 = w.fma(x1, g1);
                    w = FloatVector.broadcast(F, wt[wi + 7]);
                    h0 = w.fma(x0, h0);
                    h1 = w.fma(x1, h1);
        }
        // bias, epilogue and store, written out per channel: a vector handed to a helper C2 may refuse to inline
        // would be boxed
        float bb = bias == null ? 0f : bias[oc];
        a0 = a0.add(bb);
        a1 = a1.add(bb);
        bb = bias == null ? 0f : bias[oc + 1];
        b0 = b0.add(bb);
        b1 = b1.add(bb);
        bb = bias == null ? 0f : bias[oc + 2];
        c0 = c0.add(bb);
        c1 = c1.add(bb);
        bb = bias == null ? 0f : bias[oc + 3];
        d0 = d0.add(bb);
        d1 = d1.add(bb);
        bb = bias == null ? 0f : bias[oc + 4];
        e0 = e0.add(bb);
        e1 = e1.add(bb);
        bb = bias == null ? 0f : bias[oc + 5];
        f0 = f0.add(bb);
        f1 = f1.add(bb);
        bb = bias == null ? 0f : bias[oc + 6];
        g0 = g0.add(bb);
        g1 = g1.add(bb);
        bb = bias == null ? 0f : bias[oc + 7];
        h0 = h0.add(bb);
        h1 = h1.add(bb);
        if (ek == SimdGemm.EPI_RELU) {
            a0 = a0.max(0f);
            a1 = a1.max(0f);
            b0 = b0.max(0f);
            b1 = b1.max(0f);
            c0 = c0.max(0f);
            c1 = c1.max(0f);
            d0 = d0.max(0f);
            d1 = d1.max(0f);
            e0 = e0.max(0f);
            e1 = e1.max(0f);
            f0 = f0.max(0f);
            f1 = f1.max(0f);
            g0 = g0.max(0f);
            g1 = g1.max(0f);
            h0 = h0.max(0f);
            h1 = h1.max(0f);
        } else if (ek == SimdGemm.EPI_LEAKY) {
            a0 = a0.mul(ea).blend(a0, a0.compare(VectorOperators.GT, 0f));
            a1 = a1.mul(ea).blend(a1, a1.compare(VectorOperators.GT, 0f));
            b0 = b0.mul(ea).blend(b0, b0.compare(VectorOperators.GT, 0f));
            b1 = b1.mul(ea).blend(b1, b1.compare(VectorOperators.GT, 0f));
            c0 = c0.mul(ea).blend(c0, c0.compare(VectorOperators.GT, 0f));
            c1 = c1.mul(ea).blend(c1, c1.compare(VectorOperators.GT, 0f));
            d0 = d0.mul(ea).blend(d0, d0.compare(VectorOperators.GT, 0f));
            d1 = d1.mul(ea).blend(d1, d1.compare(VectorOperators.GT, 0f));
            e0 = e0.mul(ea).blend(e0, e0.compare(VectorOperators.GT, 0f));
            e1 = e1.mul(ea).blend(e1, e1.compare(VectorOperators.GT, 0f));
            f0 = f0.mul(ea).blend(f0, f0.compare(VectorOperators.GT, 0f));
            f1 = f1.mul(ea).blend(f1, f1.compare(VectorOperators.GT, 0f));
            g0 = g0.mul(ea).blend(g0, g0.compare(VectorOperators.GT, 0f));
            g1 = g1.mul(ea).blend(g1, g1.compare(VectorOperators.GT, 0f));
            h0 = h0.mul(ea).blend(h0, h0.compare(VectorOperators.GT, 0f));
            h1 = h1.mul(ea).blend(h1, h1.compare(VectorOperators.GT, 0f));
        } else if (ek == SimdGemm.EPI_CLAMP) {
            a0 = a0.max(ea).min(eb);
            a1 = a1.max(ea).min(eb);
            b0 = b0.max(ea).min(eb);
            b1 = b1.max(ea).min(eb);
            c0 = c0.max(ea).min(eb);
            c1 = c1.max(ea).min(eb);
            d0 = d0.max(ea).min(eb);
            d1 = d1.max(ea).min(eb);
            e0 = e0.max(ea).min(eb);
            e1 = e1.max(ea).min(eb);
            f0 = f0.max(ea).min(eb);
            f1 = f1.max(ea).min(eb);
            g0 = g0.max(ea).min(eb);
            g1 = g1.max(ea).min(eb);
            h0 = h0.max(ea).min(eb);
            h1 = h1.max(ea).min(eb);
        }
        a0.intoArray(y, yo0);
        a1.intoArray(y, yo1);
        b0.intoArray(y, yo0 + outSp);
        b1.intoArray(y, yo1 + outSp);
        c0.intoArray(y, yo0 + 2 * outSp);
        c1.intoArray(y, yo1 + 2 * outSp);
        d0.intoArray(y, yo0 + 3 * outSp);
        d1.intoArray(y, yo1 + 3 * outSp);
        e0.intoArray(y, yo0 + 4 * outSp);
        e1.intoArray(y, yo1 + 4 * outSp);
        f0.intoArray(y, yo0 + 5 * outSp);
        f1.intoArray(y, yo1 + 5 * outSp);
        g0.intoArray(y, yo0 + 6 * outSp);
        g1.intoArray(y, yo1 + 6 * outSp);
        h0.intoArray(y, yo0 + 7 * outSp);
        h1.intoArray(y, yo1 + 7 * outSp);
    }

    /**
     * Eight output channels from {@code oc} by 3 vectors of output columns (24 accumulators), as {@link #block8}:
     * {@code xo0..xo2} the offsets in {@code rows} of each vector's first tap, {@code yo0..yo2} the output offsets of
     * channel {@code oc}'s vectors.
     */
    private static void block8x3(int[] toff, int taps, float[] rows, int xo0, int xo1, int xo2, float[] wt, int wb,
            int oc, float[] bias, float[] y, int yo0, int yo1, int yo2, int outSp, int ek, float ea, float eb) {
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = FloatVector.zero(F);
        FloatVector a2 = FloatVector.zero(F);
        FloatVector b0 = FloatVector.zero(F);
        FloatVector b1 = FloatVector.zero(F);
        FloatVector b2 = FloatVector.zero(F);
        FloatVector c0 = FloatVector.zero(F);
        FloatVector c1 = FloatVector.zero(F);
        FloatVector c2 = FloatVector.zero(F);
        FloatVector d0 = FloatVector.zero(F);
        FloatVector d1 = FloatVector.zero(F);
        FloatVector d2 = FloatVector.zero(F);
        FloatVector e0 = FloatVector.zero(F);
        FloatVector e1 = FloatVector.zero(F);
        FloatVector e2 = FloatVector.zero(F);
        FloatVector f0 = FloatVector.zero(F);
        FloatVector f1 = FloatVector.zero(F);
        FloatVector f2 = FloatVector.zero(F);
        FloatVector g0 = FloatVector.zero(F);
        FloatVector g1 = FloatVector.zero(F);
        FloatVector g2 = FloatVector.zero(F);
        FloatVector h0 = FloatVector.zero(F);
        FloatVector h1 = FloatVector.zero(F);
        FloatVector h2 = FloatVector.zero(F);
        for (int t = 0; t < taps; t++) {
            int p = toff[t];
            FloatVector x0 = FloatVector.fromArray(F, rows, xo0 + p);
            FloatVector x1 = FloatVector.fromArray(F, rows, xo1 + p);
            FloatVector x2 = FloatVector.fromArray(F, rows, xo2 + p);
            int wi = wb + t * CB;
            FloatVector w = FloatVector.broadcast(F, wt[wi]);
            a0 = w.fma(x0, a0);
            a1 = w.fma(x1, a1);
            a2 = w.fma(x2, a2);
            w = FloatVector.broadcast(F, wt[wi + 1]);
            b0 = w.fma(x0, b0);
            b1 = w.fma(x1, b1);
            b2 = w.fma(x2, b2);
            w = FloatVector.broadcast(F, wt[wi + 2]);
            c0 = w.fma(x0, c0);
            c1 = w.fma(x1, c1);
            c2 = w.fma(x2, c2);
            w = FloatVector.broadcast(F, wt[wi + 3]);
            d0 = w.fma(x0, d0);
            d1 = w.fma(x1, d1);
            d2 = w.fma(x2, d2);
            w = FloatVector.broadcast(F, wt[wi + 4]);
            e0 = w.fma(x0, e0);
            e1 = w.fma(x1, e1);
            e2 = w.fma(x2, e2);
            w = FloatVector.broadcast(F, wt[wi + 5]);
            f0 = w.fma(x0, f0);
            f1 = w.fma(x1, f1);
            f2 = w.fma(x2, f2);
            w = FloatVector.broadcast(F, wt[wi + 6]);
            g0 = w.fma(x0, g0);
            g1 = w.fma(x1, g1);
            g2 = w.fma(x2, g2);
            w = FloatVector.broadcast(F, wt[wi + 7]);
            h0 = w.fma(x0, h0);
            h1 = w.fma(x1, h1);
            h2 = w.fma(x2, h2);
        }
        float bb = bias == null ? 0f : bias[oc];
        a0 = a0.add(bb);
        a1 = a1.add(bb);
        a2 = a2.add(bb);
        bb = bias == null ? 0f : bias[oc + 1];
        b0 = b0.add(bb);
        b1 = b1.add(bb);
        b2 = b2.add(bb);
        bb = bias == null ? 0f : bias[oc + 2];
        c0 = c0.add(bb);
        c1 = c1.add(bb);
        c2 = c2.add(bb);
        bb = bias == null ? 0f : bias[oc + 3];
        d0 = d0.add(bb);
        d1 = d1.add(bb);
        d2 = d2.add(bb);
        bb = bias == null ? 0f : bias[oc + 4];
        e0 = e0.add(bb);
        e1 = e1.add(bb);
        e2 = e2.add(bb);
        bb = bias == null ? 0f : bias[oc + 5];
        f0 = f0.add(bb);
        f1 = f1.add(bb);
        f2 = f2.add(bb);
        bb = bias == null ? 0f : bias[oc + 6];
        g0 = g0.add(bb);
        g1 = g1.add(bb);
        g2 = g2.add(bb);
        bb = bias == null ? 0f : bias[oc + 7];
        h0 = h0.add(bb);
        h1 = h1.add(bb);
        h2 = h2.add(bb);
        if (ek == SimdGemm.EPI_RELU) {
            a0 = a0.max(0f);
            a1 = a1.max(0f);
            a2 = a2.max(0f);
            b0 = b0.max(0f);
            b1 = b1.max(0f);
            b2 = b2.max(0f);
            c0 = c0.max(0f);
            c1 = c1.max(0f);
            c2 = c2.max(0f);
            d0 = d0.max(0f);
            d1 = d1.max(0f);
            d2 = d2.max(0f);
            e0 = e0.max(0f);
            e1 = e1.max(0f);
            e2 = e2.max(0f);
            f0 = f0.max(0f);
            f1 = f1.max(0f);
            f2 = f2.max(0f);
            g0 = g0.max(0f);
            g1 = g1.max(0f);
            g2 = g2.max(0f);
            h0 = h0.max(0f);
            h1 = h1.max(0f);
            h2 = h2.max(0f);
        } else if (ek == SimdGemm.EPI_LEAKY) {
            a0 = a0.mul(ea).blend(a0, a0.compare(VectorOperators.GT, 0f));
            a1 = a1.mul(ea).blend(a1, a1.compare(VectorOperators.GT, 0f));
            a2 = a2.mul(ea).blend(a2, a2.compare(VectorOperators.GT, 0f));
            b0 = b0.mul(ea).blend(b0, b0.compare(VectorOperators.GT, 0f));
            b1 = b1.mul(ea).blend(b1, b1.compare(VectorOperators.GT, 0f));
            b2 = b2.mul(ea).blend(b2, b2.compare(VectorOperators.GT, 0f));
            c0 = c0.mul(ea).blend(c0, c0.compare(VectorOperators.GT, 0f));
            c1 = c1.mul(ea).blend(c1, c1.compare(VectorOperators.GT, 0f));
            c2 = c2.mul(ea).blend(c2, c2.compare(VectorOperators.GT, 0f));
            d0 = d0.mul(ea).blend(d0, d0.compare(VectorOperators.GT, 0f));
            d1 = d1.mul(ea).blend(d1, d1.compare(VectorOperators.GT, 0f));
            d2 = d2.mul(ea).blend(d2, d2.compare(VectorOperators.GT, 0f));
            e0 = e0.mul(ea).blend(e0, e0.compare(VectorOperators.GT, 0f));
            e1 = e1.mul(ea).blend(e1, e1.compare(VectorOperators.GT, 0f));
            e2 = e2.mul(ea).blend(e2, e2.compare(VectorOperators.GT, 0f));
            f0 = f0.mul(ea).blend(f0, f0.compare(VectorOperators.GT, 0f));
            f1 = f1.mul(ea).blend(f1, f1.compare(VectorOperators.GT, 0f));
            f2 = f2.mul(ea).blend(f2, f2.compare(VectorOperators.GT, 0f));
            g0 = g0.mul(ea).blend(g0, g0.compare(VectorOperators.GT, 0f));
            g1 = g1.mul(ea).blend(g1, g1.compare(VectorOperators.GT, 0f));
            g2 = g2.mul(ea).blend(g2, g2.compare(VectorOperators.GT, 0f));
            h0 = h0.mul(ea).blend(h0, h0.compare(VectorOperators.GT, 0f));
            h1 = h1.mul(ea).blend(h1, h1.compare(VectorOperators.GT, 0f));
            h2 = h2.mul(ea).blend(h2, h2.compare(VectorOperators.GT, 0f));
        } else if (ek == SimdGemm.EPI_CLAMP) {
            a0 = a0.max(ea).min(eb);
            a1 = a1.max(ea).min(eb);
            a2 = a2.max(ea).min(eb);
            b0 = b0.max(ea).min(eb);
            b1 = b1.max(ea).min(eb);
            b2 = b2.max(ea).min(eb);
            c0 = c0.max(ea).min(eb);
            c1 = c1.max(ea).min(eb);
            c2 = c2.max(ea).min(eb);
            d0 = d0.max(ea).min(eb);
            d1 = d1.max(ea).min(eb);
            d2 = d2.max(ea).min(eb);
            e0 = e0.max(ea).min(eb);
            e1 = e1.max(ea).min(eb);
            e2 = e2.max(ea).min(eb);
            f0 = f0.max(ea).min(eb);
            f1 = f1.max(ea).min(eb);
            f2 = f2.max(ea).min(eb);
            g0 = g0.max(ea).min(eb);
            g1 = g1.max(ea).min(eb);
            g2 = g2.max(ea).min(eb);
            h0 = h0.max(ea).min(eb);
            h1 = h1.max(ea).min(eb);
            h2 = h2.max(ea).min(eb);
        }
        a0.intoArray(y, yo0);
        a1.intoArray(y, yo1);
        a2.intoArray(y, yo2);
        b0.intoArray(y, yo0 + outSp);
        b1.intoArray(y, yo1 + outSp);
        b2.intoArray(y, yo2 + outSp);
        c0.intoArray(y, yo0 + 2 * outSp);
        c1.intoArray(y, yo1 + 2 * outSp);
        c2.intoArray(y, yo2 + 2 * outSp);
        d0.intoArray(y, yo0 + 3 * outSp);
        d1.intoArray(y, yo1 + 3 * outSp);
        d2.intoArray(y, yo2 + 3 * outSp);
        e0.intoArray(y, yo0 + 4 * outSp);
        e1.intoArray(y, yo1 + 4 * outSp);
        e2.intoArray(y, yo2 + 4 * outSp);
        f0.intoArray(y, yo0 + 5 * outSp);
        f1.intoArray(y, yo1 + 5 * outSp);
        f2.intoArray(y, yo2 + 5 * outSp);
        g0.intoArray(y, yo0 + 6 * outSp);
        g1.intoArray(y, yo1 + 6 * outSp);
        g2.intoArray(y, yo2 + 6 * outSp);
        h0.intoArray(y, yo0 + 7 * outSp);
        h1.intoArray(y, yo1 + 7 * outSp);
        h2.intoArray(y, yo2 + 7 * outSp);
    }
}
