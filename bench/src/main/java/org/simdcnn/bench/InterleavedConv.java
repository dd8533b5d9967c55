package org.simdcnn.bench;

import java.util.Arrays;
import java.util.Locale;
import org.simdcnn.SimdCnn;

/**
 * Our convolution forward (prepacked weights, as {@code ConvBench.oursPacked}) and ONNX Runtime's on the same shape,
 * data and thread count (one), <b>interleaved call batch by call batch in one JVM</b>, with the FMA peak loop
 * ({@link PeakFmaBench#fma}) timed between them: a neighbour who takes the core for a while slows all three alike,
 * where JMH measures each benchmark in its own fork minutes apart. Prints a Markdown table: per shape the median and
 * best GFLOP/s of each side over every call, the ratio of the medians and of the bests, and our median as a
 * fraction of the median FMA peak of the same rounds.
 *
 * <p>{@code java --add-modules jdk.incubator.vector -cp bench/target/benchmarks.jar org.simdcnn.bench.InterleavedConv
 * [rounds [shape...]]} (default 40 rounds, the ten issue-3 shapes); {@code bench/run.sh} runs it after JMH and
 * appends the table to {@code bench/RESULTS.md}.
 */
public final class InterleavedConv {
    private static final String[] SHAPES = {"mnist_c1", "mnist_c2", "resnet_3x3_56", "resnet_3x3_28",
        "resnet_3x3_14", "resnet_1x1_56", "resnet_stem", "depthwise_3x3_56", "conv1d_text", "conv3d_small"};
    /** Target time of one batch of calls of one side, in nanoseconds. */
    private static final double BATCH_NANOS = Double.parseDouble(System.getProperty("batchMs", "10")) * 1e6;

    private InterleavedConv() {
    }

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 40;
        if (rounds < 1) {
            throw new IllegalArgumentException("rounds: must be >= 1, got " + rounds);
        }
        String[] shapes = args.length > 1 ? Arrays.copyOfRange(args, 1, args.length) : SHAPES;
        SimdCnn.setThreads(1);
        PeakFmaBench peak = new PeakFmaBench();
        peak.seed = 0.5f;
        System.out.println("| shape | ours median | ours best | ORT median | ORT best | ours / ORT (medians) |"
                + " ours / ORT (bests) | FMA peak median | ours median / peak | calls per side |");
        System.out.println("|---|---|---|---|---|---|---|---|---|---|");
        ConvBench bench = new ConvBench();
        for (String shape : shapes) {
            // the JMH benchmark's own states and calls (ConvBench.oursPacked and ConvBench.ort), with their setup
            // checks: both outputs against the direct reference, packed against plain bit for bit
            ConvBench.Ours s = new ConvBench.Ours();
            s.shape = shape;
            s.threads = 1;
            s.setup();
            ConvBench.Ort o = new ConvBench.Ort();
            o.shape = shape;
            o.threads = 1;
            o.setup();
            try {
                double flops = s.g.flops(); // GFLOP/s = flops per nanosecond
                // warm-up: both sides and the peak loop, three seconds in all
                for (long end = System.nanoTime() + 3_000_000_000L; System.nanoTime() < end;) {
                    bench.oursPacked(s);
                    bench.ort(o);
                    peak.fma();
                }
                // calls per batch from a timing of each side after the warm-up (at least 2)
                long t0 = System.nanoTime();
                bench.oursPacked(s);
                bench.ort(o);
                long one = Math.max(1, (System.nanoTime() - t0) / 2);
                int reps = (int) Math.max(2, Math.min(1000, BATCH_NANOS / one));
                long[] ours = new long[rounds * reps];
                long[] theirs = new long[rounds * reps];
                long[] fma = new long[rounds];
                for (int r = 0; r < rounds; r++) {
                    // alternate which side goes first, so neither always follows the peak loop
                    for (int side = 0; side < 2; side++) {
                        boolean oursNow = (side == 0) == (r % 2 == 0);
                        for (int i = 0; i < reps; i++) {
                            long t = System.nanoTime();
                            if (oursNow) {
                                bench.oursPacked(s);
                            } else {
                                bench.ort(o);
                            }
                            long e = System.nanoTime() - t;
                            (oursNow ? ours : theirs)[r * reps + i] = e;
                        }
                    }
                    long t = System.nanoTime();
                    peak.fma();
                    fma[r] = System.nanoTime() - t;
                }
                double oMed = flops / median(ours);
                double oBest = flops / Arrays.stream(ours).min().orElseThrow();
                double tMed = flops / median(theirs);
                double tBest = flops / Arrays.stream(theirs).min().orElseThrow();
                double pMed = PeakFmaBench.flopsPerCall() / median(fma);
                System.out.println(String.format(Locale.ROOT,
                        "| %s | %.1f | %.1f | %.1f | %.1f | %.2f× | %.2f× | %.1f | %.1f%% | %d |", shape, oMed, oBest, tMed,
                        tBest, oMed / tMed, oBest / tBest, pMed,
                        100 * oMed / pMed, rounds * reps));
            } finally {
                o.tearDown();
            }
        }
    }

    private static double median(long[] v) {
        long[] s = v.clone();
        Arrays.sort(s);
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2.0;
    }
}
