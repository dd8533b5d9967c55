package org.simdcnn.kernels.simd;

import jdk.incubator.vector.FloatVector;

/**
 * Tuning harness (not JMH; in the kernels' package to reach package-private code): every figure is the MINIMUM
 * time over many calls, with variants interleaved round by round in one JVM and an FMA loop (12 accumulators)
 * timed the same way, so a shared, noisy machine affects every variant alike. Usage
 * ({@code J=java --add-modules jdk.incubator.vector -cp bench/target/benchmarks.jar org.simdcnn.kernels.simd.GemmTune}):
 * <ul>
 *   <li>{@code $J kernel [kc...]}: the microkernel alone on B working sets from L1 to memory (its ceiling);</li>
 *   <li>{@code $J [kcMax:order,... [pack|nopack [rounds [MxNxK]]]]}: the packed SGEMM's macro loop with K blocks of
 *       at most {@code kcMax} and loop order 0 (row panel outer) or 1 (column panel outer), packing timed or not;
 *       also {@code lib} (the library's sgemm), {@code lib:KC} (with {@code KC_MAX = KC}), {@code libLN} (the large GEMMs' K block
 *       {@code SimdGemm.LARGE_KC = N}; {@code libL0}: without their blocking); prints packA/packB
 *       times;</li>
 *   <li>{@code $J conv threads[:r][:sMICROS],... rounds shape...}: conv forward of the issue-3 shapes with
 *       prepacked weights ({@code :r}: unpacked weights, as {@code ConvBench.ours}) on the given thread counts
 *       ({@code :sMICROS}: a pool whose idle workers spin that long, {@code -Dsimdcnn.poolSpinMicros}; {@code :tN}:
 *       {@code SimdConv.MIN_TASKS = N}; {@code :m0}: implicit GEMM's preparation as a separate phase; {@code :iN}:
 *       {@code SimdConv.IMPLICIT_MIN_TASKS = N}, on more than one thread; {@code :kN}: {@code SimdGemm.KC_MAX = N}, the
 *       weights repacked; {@code :w0}: no Winograd path; {@code :j0}: the Winograd input transform one tile row at a
 *       time, never in pairs; {@code :h0}: the Winograd input split by way of the padded plane, never in pairs
 *       of rows; {@code :eN}: {@code SimdWinograd.ROW_PARTS = N} (row parts
 *       per block; 0 none); {@code :bKIB}: {@code SimdWinograd.BLOCK_BYTES} in KiB; {@code :zKIB}: {@code SimdWinograd.SLICE_BYTES} in KiB); minimum
 *       and median GFLOP/s.</li>
 *   <li>{@code $J wgrad threads rounds shape...}: the conv weight gradient with the channels-in-lanes Winograd path on
 *       and off; {@code $J train threads rounds}: {@code TrainBench}'s training step likewise.</li>
 * </ul>
 * The FMA loop reaches more than {@code PeakFmaBench} (about 187 vs 146 GFLOP/s on the Xeon of this session), so
 * its percentages are lower than the JMH report's.
 */
public final class GemmTune {
    static float peakSink;
    /** The library's K block of large GEMMs, restored after each variant that changes it. */
    static final int LARGE_KC_DEFAULT = SimdGemm.LARGE_KC;
    /** The library's K block, restored after each variant that changes it. */
    static final int KC_DEFAULT = SimdGemm.KC_MAX;
    /** The direct convolution's largest reduction, restored after each variant that changes it. */
    static final int DIRECT_DEFAULT = SimdDirectConv.K_MAX;
    /** Whether the Winograd path is on, restored after each variant that changes it. */
    static final boolean WINOGRAD_DEFAULT = SimdWinograd.ENABLED;
    /** The Winograd path's per-task block budget, restored after each variant that changes it. */
    static final int BLOCK_DEFAULT = SimdWinograd.BLOCK_BYTES;
    /** The 3d Winograd path's per-task budget, restored after each variant that changes it. */
    static final int SLICE_DEFAULT = SimdWinograd.SLICE_BYTES;

    static double peakNanos() {
        long t0 = System.nanoTime();
        FloatVector m = FloatVector.broadcast(SimdGemm.F, 0.99999f);
        FloatVector a = FloatVector.broadcast(SimdGemm.F, 1e-6f);
        FloatVector c0 = FloatVector.broadcast(SimdGemm.F, 0);
        FloatVector c1 = FloatVector.broadcast(SimdGemm.F, 1);
        FloatVector c2 = FloatVector.broadcast(SimdGemm.F, 2);
        FloatVector c3 = FloatVector.broadcast(SimdGemm.F, 3);
        FloatVector c4 = FloatVector.broadcast(SimdGemm.F, 4);
        FloatVector c5 = FloatVector.broadcast(SimdGemm.F, 5);
        FloatVector c6 = FloatVector.broadcast(SimdGemm.F, 6);
        FloatVector c7 = FloatVector.broadcast(SimdGemm.F, 7);
        FloatVector c8 = FloatVector.broadcast(SimdGemm.F, 8);
        FloatVector c9 = FloatVector.broadcast(SimdGemm.F, 9);
        FloatVector c10 = FloatVector.broadcast(SimdGemm.F, 10);
        FloatVector c11 = FloatVector.broadcast(SimdGemm.F, 11);
        for (int t = 0; t < 100_000; t++) {
            c0 = c0.fma(m, a);
            c1 = c1.fma(m, a);
            c2 = c2.fma(m, a);
            c3 = c3.fma(m, a);
            c4 = c4.fma(m, a);
            c5 = c5.fma(m, a);
            c6 = c6.fma(m, a);
            c7 = c7.fma(m, a);
            c8 = c8.fma(m, a);
            c9 = c9.fma(m, a);
            c10 = c10.fma(m, a);
            c11 = c11.fma(m, a);
        }
        peakSink += c0.add(c1).add(c2).add(c3).add(c4).add(c5).add(c6).add(c7).add(c8).add(c9).add(c10).add(c11)
                .lane(0);
        long t1 = System.nanoTime();
        return (t1 - t0) / (100_000.0 * 12 * 2 * SimdGemm.L); // ns per flop
    }

    /** Variant: K block size kcMax, loop order (0 = ip outer, 1 = jp outer), compute grid as the Job does. */
    static void run(int m, int n, int k, float[] a, float[] b, float[] c, float[] ap, float[] bp, int kcMax,
            int order, boolean pack, float[] tile) {
        int MR = SimdGemm.MR;
        int NR = SimdGemm.NR;
        int nk = Math.max(1, (k + kcMax - 1) / kcMax);
        int kcu = Math.max(1, (k + nk - 1) / nk);
        int mPanels = (m + MR - 1) / MR;
        int nPanels = (n + NR - 1) / NR;
        int mPad = mPanels * MR;
        int nPad = nPanels * NR;
        if (pack) {
            SimdGemm.packA(false, a, 0, k, m, k, kcu, ap, 0, 0, mPanels);
            SimdGemm.packB(false, b, 0, n, n, k, kcu, bp, 0, nPanels);
        }
        int rp = Math.min(mPanels, SimdGemm.MB_MAX / MR);
        int cp = Math.min(nPanels, SimdGemm.NB_MAX / NR);
        long work = (long) m * n * k;
        int minTasks = work >= (1L << 24) ? 16 : work >= (1L << 20) ? 8 : 1;
        while (SimdGemm.ceilDiv(mPanels, rp) * SimdGemm.ceilDiv(nPanels, cp) < minTasks && (rp > 1 || cp > 2)) {
            if (rp > 1 && (rp * MR >= cp * NR || cp <= 2)) {
                rp = (rp + 1) / 2;
            } else {
                cp = (cp + 1) / 2;
            }
        }
        for (int ib = 0; ib < mPanels; ib += rp) {
            for (int jb = 0; jb < nPanels; jb += cp) {
                int ip1 = Math.min(mPanels, ib + rp);
                int jp1 = Math.min(nPanels, jb + cp);
                for (int k0 = 0; k0 < k; k0 += kcu) {
                    int kc = Math.min(kcu, k - k0);
                    float bta = k0 == 0 ? 0f : 1f;
                    boolean last = k0 + kc >= k;
                    int aBlock = k0 * mPad;
                    int bBlock = k0 * nPad;
                    if (order == 0) {
                        for (int ip = ib; ip < ip1; ip++) {
                            for (int jp = jb; jp < jp1; jp++) {
                                one(ap, aBlock + ip * MR * kc, bp, bBlock + jp * NR * kc, kc, tile, m, n, ip, jp, c,
                                        bta, last);
                            }
                        }
                    } else {
                        for (int jp = jb; jp < jp1; jp++) {
                            for (int ip = ib; ip < ip1; ip++) {
                                one(ap, aBlock + ip * MR * kc, bp, bBlock + jp * NR * kc, kc, tile, m, n, ip, jp, c,
                                        bta, last);
                            }
                        }
                    }
                }
            }
        }
    }

    static void one(float[] ap, int ao, float[] bp, int bo, int kc, float[] tile, int m, int n, int ip, int jp,
            float[] c, float bta, boolean last) {
        int MR = SimdGemm.MR;
        int NR = SimdGemm.NR;
        SimdGemm.kernel12(ap, ao, bp, bo, SimdGemm.NR, kc, tile, 0, false);
        int i0 = ip * MR;
        int j0 = jp * NR;
        SimdGemm.store(tile, Math.min(MR, m - i0), Math.min(NR, n - j0), c, i0 * n + j0, n, 1f, bta, last, null, 0,
                0, 0, 0, 0, 0f, 0f);
    }

    public static void main(String[] args) {
        if (args.length > 0 && args[0].equals("conv")) {
            conv(args);
            return;
        }
        if (args.length > 0 && args[0].equals("wgrad")) {
            weightGrad(args);
            return;
        }
        if (args.length > 0 && args[0].equals("train")) {
            train(args);
            return;
        }
        if (args.length > 0 && args[0].equals("kernel")) {
            kernel(args);
            return;
        }
        int[][] shapes = {{1024, 1024, 1024}, {128, 784, 1152}, {256, 196, 2304}, {64, 3136, 576}, {64, 196, 288}};
        if (args.length > 3) {
            String[] d = args[3].split("x");
            shapes = new int[][] {{Integer.parseInt(d[0]), Integer.parseInt(d[1]), Integer.parseInt(d[2])}};
        }
        org.simdcnn.SimdCnn.setThreads(1);
        String vs = args.length > 0 ? args[0] : "384:0,256:0,192:0,128:0,384:1,192:1";
        boolean pack = args.length > 1 && args[1].equals("pack");
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 12;
        String[] vv = vs.split(",");
        for (int[] s : shapes) {
            int m = s[0];
            int n = s[1];
            int k = s[2];
            java.util.SplittableRandom r = new java.util.SplittableRandom(1);
            float[] a = new float[m * k];
            float[] b = new float[k * n];
            float[] c = new float[m * n];
            for (int i = 0; i < a.length; i++) {
                a[i] = (float) r.nextDouble();
            }
            for (int i = 0; i < b.length; i++) {
                b[i] = (float) r.nextDouble();
            }
            float[] ap = new float[(m + 12) * k];
            float[] bp = new float[(n + 32) * k];
            float[] tile = new float[SimdGemm.MR * SimdGemm.NR + SimdGemm.NR];
            double[] best = new double[vv.length];
            java.util.Arrays.fill(best, Double.MAX_VALUE);
            double bestPeak = Double.MAX_VALUE;
            int reps = (int) Math.max(1, 2e8 / ((double) m * n * k));
            for (int round = 0; round < rounds; round++) {
                for (int v = 0; v < vv.length; v++) {
                    if (vv[v].startsWith("lib")) {
                        SimdGemm.KC_MAX = vv[v].startsWith("lib:") ? Integer.parseInt(vv[v].substring(4)) : KC_DEFAULT;
                        SimdGemm.LARGE_KC = vv[v].startsWith("libL") ? Integer.parseInt(vv[v].substring(4))
                                : LARGE_KC_DEFAULT;
                        for (int rep = 0; rep < reps; rep++) {
                            long t0 = System.nanoTime();
                            SimdGemm.INSTANCE.sgemm(false, false, m, n, k, 1f, a, 0, k, b, 0, n, 0f, c, 0, n, null, 0,
                                    null, null);
                            best[v] = Math.min(best[v], System.nanoTime() - t0);
                        }
                        bestPeak = Math.min(bestPeak, peakNanos());
                        SimdGemm.KC_MAX = KC_DEFAULT;
                        continue;
                    }
                    String[] p = vv[v].split(":");
                    int kcMax = Integer.parseInt(p[0]);
                    int order = Integer.parseInt(p[1]);
                    if (!pack) {
                        run(m, n, k, a, b, c, ap, bp, kcMax, order, true, tile);
                    }
                    for (int rep = 0; rep < reps; rep++) {
                        long t0 = System.nanoTime();
                        run(m, n, k, a, b, c, ap, bp, kcMax, order, pack, tile);
                        best[v] = Math.min(best[v], System.nanoTime() - t0);
                    }
                    bestPeak = Math.min(bestPeak, peakNanos());
                }
            }
            int kcuP = SimdGemm.kcu(k);
            long bestA = Long.MAX_VALUE;
            long bestB = Long.MAX_VALUE;
            for (int rep = 0; rep < 40; rep++) {
                long t0 = System.nanoTime();
                SimdGemm.packA(false, a, 0, k, m, k, kcuP, ap, 0, 0, (m + 11) / 12);
                long t1 = System.nanoTime();
                SimdGemm.packB(false, b, 0, n, n, k, kcuP, bp, 0, (n + 31) / 32);
                long t2 = System.nanoTime();
                bestA = Math.min(bestA, t1 - t0);
                bestB = Math.min(bestB, t2 - t1);
            }
            System.out.printf("packA %.1f us packB %.1f us%n", bestA / 1e3, bestB / 1e3);
            double peak = 1 / bestPeak;
            StringBuilder sb = new StringBuilder(String.format("m%dn%dk%d peak %.1f:", m, n, k, peak));
            for (int v = 0; v < vv.length; v++) {
                double gf = 2.0 * m * n * k / best[v];
                sb.append(String.format("  %s %.1f (%.1f%%)", vv[v], gf, 100 * gf / peak));
            }
            System.out.println(sb);
        }
    }

    /**
     * {@code kernel [kc...]}: the 12-row microkernel alone ({@link SimdGemm#kernel12}; {@code -Dgemmtune.rows=8} or
     * {@code 4}: the 8- or 4-row kernel of a tail panel; 2000 calls per sample, four
     * A panels in turn) against B panels cycling through a working set of 48 KiB to 16 MiB (in L1, L2, L3 and
     * memory), as GFLOP/s and % of the FMA loop: the ceiling of the packed GEMM for each cache level.
     */
    static void kernel(String[] args) {
        for (int i = 0; i < 300; i++) {
            peakNanos();
        }
        int[] kcs = args.length > 1 ? java.util.Arrays.stream(args, 1, args.length).mapToInt(Integer::parseInt)
                .toArray() : new int[] {192, 384, 576};
        int[] setKb = {48, 192, 1024, 4096, 16384};
        float[] b = new float[16384 * 256 + 32 * 1024];
        java.util.SplittableRandom r = new java.util.SplittableRandom(1);
        for (int i = 0; i < b.length; i++) {
            b[i] = (float) r.nextDouble();
        }
        float[] tile = new float[SimdGemm.MR * SimdGemm.NR + SimdGemm.NR];
        // -Dgemmtune.rows=12, 8 or 4: the kernel for that many rows
        int rows = Integer.getInteger("gemmtune.rows", SimdGemm.MR);
        for (int kc : kcs) {
            float[] a = new float[4 * 12 * kc];
            for (int i = 0; i < a.length; i++) {
                a[i] = (float) r.nextDouble();
            }
            int panel = SimdGemm.NR * kc;
            double[] best = new double[setKb.length];
            java.util.Arrays.fill(best, Double.MAX_VALUE);
            double bestPeak = Double.MAX_VALUE;
            for (int round = 0; round < 8; round++) {
                for (int v = 0; v < setKb.length; v++) {
                    int panels = Math.max(1, setKb[v] * 256 / panel);
                    for (int rep = 0; rep < 10; rep++) {
                        long t0 = System.nanoTime();
                        for (int it = 0; it < 2000; it++) {
                            SimdGemm.kernel(a, ((it / panels) & 3) * 12 * kc, b, (it % panels) * panel, kc, tile,
                                    rows);
                        }
                        best[v] = Math.min(best[v], System.nanoTime() - t0);
                    }
                    bestPeak = Math.min(bestPeak, peakNanos());
                }
            }
            double peak = 1 / bestPeak;
            StringBuilder sb = new StringBuilder(String.format("kernel rows %d kc %d, loop peak %.1f:", rows, kc,
                    peak));
            for (int v = 0; v < setKb.length; v++) {
                double gf = 2.0 * rows * SimdGemm.NR * kc * 2000 / best[v];
                sb.append(String.format("  B %d KiB %.1f (%.1f%%)", setKb[v], gf, 100 * gf / peak));
            }
            System.out.println(sb);
        }
    }

    /**
     * {@code wgrad threads rounds shape...}: the conv weight gradient with the channels-in-lanes Winograd path
     * ({@link SimdWinogradWeightGrad}) on and off, call by call; minimum and median GFLOP/s (direct-equivalent flops).
     */
    static void weightGrad(String[] args) {
        org.simdcnn.SimdCnn.setThreads(Integer.parseInt(args[1]));
        int rounds = Integer.parseInt(args[2]);
        for (int si = 3; si < args.length; si++) {
            org.simdcnn.geometry.ConvGeometry g = org.simdcnn.bench.ConvTuneBench.geometry(args[si]);
            float[] x = org.simdcnn.bench.ConvShape.uniform(g.inputSize(), 1);
            float[] dy = org.simdcnn.bench.ConvShape.uniform(g.outputSize(), 2);
            float[] dw = new float[g.weightSize()];
            long[][] t = new long[2][rounds];
            try {
                for (int k = 0; k < rounds; k++) {
                    for (int v = 0; v < 2; v++) {
                        SimdWinogradWeightGrad.ENABLED = v == 0;
                        long t0 = System.nanoTime();
                        SimdConv.INSTANCE.backwardWeight(g, x, 0, dy, 0, dw, 0);
                        t[v][k] = System.nanoTime() - t0;
                    }
                }
            } finally {
                SimdWinogradWeightGrad.ENABLED = true;
            }
            StringBuilder sb = new StringBuilder(args[si]);
            for (int v = 0; v < 2; v++) {
                java.util.Arrays.sort(t[v]);
                sb.append(String.format("  %s min %.1f median %.1f GFLOP/s", v == 0 ? "lanes" : "off",
                        g.flops() / t[v][0], g.flops() / t[v][rounds / 2]));
            }
            System.out.println(sb);
        }
    }

    /**
     * {@code train threads rounds}: {@code TrainBench.trainStep} (64 images) with the channels-in-lanes weight
     * gradient on and off, call by call; best and median images/s.
     */
    static void train(String[] args) {
        org.simdcnn.bench.TrainBench b = new org.simdcnn.bench.TrainBench();
        b.threads = Integer.parseInt(args[1]);
        b.setup();
        int rounds = Integer.parseInt(args[2]);
        long[][] t = new long[2][rounds];
        try {
            for (int k = 0; k < rounds; k++) {
                for (int v = 0; v < 2; v++) {
                    SimdWinogradWeightGrad.ENABLED = v == 0;
                    long t0 = System.nanoTime();
                    b.trainStep();
                    t[v][k] = System.nanoTime() - t0;
                }
            }
        } finally {
            SimdWinogradWeightGrad.ENABLED = true;
        }
        for (int v = 0; v < 2; v++) {
            java.util.Arrays.sort(t[v]);
            System.out.printf("train step, channels-in-lanes weight gradient %s: best %.0f, median %.0f images/s%n",
                    v == 0 ? "on" : "off", 64e9 / t[v][0], 64e9 / t[v][rounds / 2]);
        }
    }

    /** {@code conv threads[:r],... rounds shape...}: conv forward, min time, % of the loop peak. */
    static void conv(String[] args) {
        for (int i = 0; i < 300; i++) {
            peakNanos();
        }
        String[] variants = args[1].split(",");
        int minTasks0 = SimdConv.MIN_TASKS;
        int threads = 1;
        int rounds = Integer.parseInt(args[2]);
        org.simdcnn.SimdCnn.setThreads(threads);
        for (int si = 3; si < args.length; si++) {
            org.simdcnn.geometry.ConvGeometry g = org.simdcnn.bench.ConvTuneBench.geometry(args[si]);
            java.util.SplittableRandom r = new java.util.SplittableRandom(1);
            float[] x = new float[g.inputSize()];
            float[] w = new float[g.weightSize()];
            float[] bias = new float[g.outChannels()];
            float[] y = new float[g.outputSize()];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) r.nextDouble() - 0.5f;
            }
            for (int i = 0; i < w.length; i++) {
                w[i] = (float) r.nextDouble() - 0.5f;
            }
            org.simdcnn.kernels.PackedConvWeights pw = SimdConv.INSTANCE.pack(g, w, 0);
            double flops = g.flops();
            int reps = (int) Math.max(3, 1e8 / flops);
            double[] best = new double[variants.length];
            java.util.Arrays.fill(best, Double.MAX_VALUE);
            long[][] all = new long[variants.length][rounds * reps];
            double bestPeak = Double.MAX_VALUE;
            for (int round = 0; round < rounds; round++) {
                for (int v = 0; v < variants.length; v++) {
                    String[] vt = variants[v].split(":");
                    boolean raw = false;
                    String spin = null;
                    SimdConv.MIN_TASKS = minTasks0;
                    SimdConv.IMPLICIT_MIN_TASKS = 16;
                    SimdConv.MERGED_PREP = 1;
                    SimdGemm.KC_MAX = KC_DEFAULT;
                    SimdDirectConv.K_MAX = DIRECT_DEFAULT;
                    SimdConv.IMPLICIT_MAX_PCT = 120;
                    SimdWinograd.ENABLED = WINOGRAD_DEFAULT;
                    SimdWinograd.PAIRS = true;
                    SimdWinograd.PAIR_SPLIT = true;
                    SimdWinograd.SLICE_BYTES = SLICE_DEFAULT;
                    SimdWinograd.BLOCK_BYTES = BLOCK_DEFAULT;
                    SimdWinograd.ROW_PARTS = -1;
                    for (int q = 1; q < vt.length; q++) {
                        if (vt[q].equals("r")) {
                            raw = true;
                        } else if (vt[q].startsWith("p")) {
                            SimdConv.IMPLICIT_MAX_PCT = Integer.parseInt(vt[q].substring(1));
                        } else if (vt[q].startsWith("d")) {
                            SimdDirectConv.K_MAX = Integer.parseInt(vt[q].substring(1));
                        } else if (vt[q].startsWith("k")) {
                            SimdGemm.KC_MAX = Integer.parseInt(vt[q].substring(1));
                        } else if (vt[q].equals("w0")) {
                            SimdWinograd.ENABLED = false;
                        } else if (vt[q].equals("j0")) {
                            SimdWinograd.PAIRS = false;
                        } else if (vt[q].equals("h0")) {
                            SimdWinograd.PAIR_SPLIT = false;
                        } else if (vt[q].startsWith("e")) {
                            SimdWinograd.ROW_PARTS = Integer.parseInt(vt[q].substring(1));
                        } else if (vt[q].startsWith("b")) {
                            SimdWinograd.BLOCK_BYTES = Integer.parseInt(vt[q].substring(1)) * 1024;
                        } else if (vt[q].startsWith("z")) {
                            SimdWinograd.SLICE_BYTES = Integer.parseInt(vt[q].substring(1)) * 1024;
                        } else if (vt[q].equals("m0")) {
                            SimdConv.MERGED_PREP = 0;
                        } else if (vt[q].startsWith("i")) {
                            SimdConv.IMPLICIT_MIN_TASKS = Integer.parseInt(vt[q].substring(1));
                        } else if (vt[q].startsWith("t")) {
                            SimdConv.MIN_TASKS = Integer.parseInt(vt[q].substring(1));
                        } else if (vt[q].startsWith("s")) {
                            spin = vt[q].substring(1);
                        }
                    }
                    if (spin != null) {
                        // a new pool reads the spin time: recreate it
                        System.setProperty("simdcnn.poolSpinMicros", spin);
                        org.simdcnn.SimdCnn.setThreads(Integer.parseInt(vt[0]) + 1);
                    } else {
                        System.clearProperty("simdcnn.poolSpinMicros");
                    }
                    org.simdcnn.SimdCnn.setThreads(Integer.parseInt(vt[0]));
                    pw = SimdConv.INSTANCE.pack(g, w, 0);
                    for (int rep = 0; rep < reps; rep++) {
                        long t0 = System.nanoTime();
                        if (raw) {
                            SimdConv.INSTANCE.forward(g, x, 0, w, 0, bias, y, 0, org.simdcnn.kernels.Epilogue.NONE);
                        } else {
                            SimdConv.INSTANCE.forward(g, x, 0, pw, bias, y, 0, org.simdcnn.kernels.Epilogue.NONE);
                        }
                        long dt = System.nanoTime() - t0;
                        best[v] = Math.min(best[v], dt);
                        all[v][round * reps + rep] = dt;
                    }
                    bestPeak = Math.min(bestPeak, peakNanos());
                }
            }
            double peak = 1 / bestPeak;
            {
                int ph = SimdConv.paddedSize(g, 1);
                int pwd = SimdConv.paddedSize(g, 2);
                int pd = SimdConv.paddedSize(g, 0);
                int vol = pd * ph * pwd;
                int planes = g.batch() * g.inChannels();
                float[] xpad = new float[planes * vol + vol + 64];
                long bp = Long.MAX_VALUE;
                for (int rep = 0; rep < 30; rep++) {
                    long t0 = System.nanoTime();
                    for (int q = 0; q < planes; q++) {
                        SimdConv.padInto(g, x, q * g.inSpatial(), xpad, q * vol, pd, ph, pwd);
                    }
                    bp = Math.min(bp, System.nanoTime() - t0);
                }
                System.out.printf("pad phase %.1f us, call %.1f us%n", bp / 1e3, best[0] / 1e3);
            }
            StringBuilder sb = new StringBuilder(String.format("%-16s loop peak %.1f:", args[si], peak));
            for (int v = 0; v < variants.length; v++) {
                double gf = flops / best[v];
                long[] sorted = all[v].clone();
                java.util.Arrays.sort(sorted);
                sb.append(String.format("  v%s %.1f (%.1f%% loop, %.1f%% of 0.79 loop; median %.1f)", variants[v], gf,
                        100 * gf / peak, 100 * gf / (0.79 * peak), flops / sorted[sorted.length / 2]));
            }
            System.out.println(sb);
        }
    }
}
