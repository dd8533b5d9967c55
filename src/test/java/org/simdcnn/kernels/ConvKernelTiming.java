package org.simdcnn.kernels;

import org.simdcnn.SimdCnn;
import org.simdcnn.geometry.ConvGeometry;
import org.simdcnn.geometry.Padding;

/**
 * A timing probe, not run by {@code mvn test}: the minimum time per call of conv forward, grad input and grad
 * weight of the served backend on 1 thread for a few named shapes (the depthwise strided paths and the gathered
 * forward, which the JMH suite does not cover). Compare two builds by running each in turn on the same machine;
 * only ratios from runs close in time mean anything on a shared machine.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp target/classes:target/test-classes \
 *     org.simdcnn.kernels.ConvKernelTiming rounds shape...
 * </pre>
 */
public final class ConvKernelTiming {
    private ConvKernelTiming() {
    }

    static ConvGeometry shape(String name) {
        return switch (name) {
            case "dw56" -> ConvGeometry.conv2d(1, 128, 56, 56, 128, 3, 3, 1, 1, 1, 128);
            case "dw56s2" -> ConvGeometry.conv2d(1, 128, 56, 56, 128, 3, 3, 2, 1, 1, 128);
            case "dw112s2" -> ConvGeometry.conv2d(1, 32, 112, 112, 32, 3, 3, 2, 1, 1, 32);
            case "dw28s2" -> ConvGeometry.conv2d(1, 256, 28, 28, 256, 3, 3, 2, 1, 1, 256);
            case "dw14s2" -> ConvGeometry.conv2d(1, 512, 14, 14, 512, 3, 3, 2, 1, 1, 512);
            case "dw28s3" -> ConvGeometry.conv2d(2, 64, 28, 28, 64, 3, 3, 3, 1, 1, 64);
            case "dw14s2k5" -> ConvGeometry.conv2d(4, 96, 14, 14, 96, 5, 5, 2, 2, 1, 96);
            case "dw17" -> ConvGeometry.conv2d(4, 64, 17, 17, 64, 3, 3, 1, 1, 1, 64);
            case "dw7" -> ConvGeometry.conv2d(8, 256, 7, 7, 256, 3, 3, 1, 1, 1, 256);
            case "c3d" -> ConvGeometry.conv(3, 2, 16, new int[] {16, 16, 16}, 32, new int[] {3}, new int[] {1},
                    Padding.of(1), new int[] {1}, 1);
            case "c3d40" -> ConvGeometry.conv(3, 1, 8, new int[] {6, 20, 40}, 16, new int[] {3}, new int[] {1},
                    Padding.of(1), new int[] {1}, 1);
            case "s2_56" -> ConvGeometry.conv2d(1, 64, 56, 56, 128, 3, 3, 2, 1, 1, 1);
            case "s2_50" -> ConvGeometry.conv2d(1, 32, 50, 50, 64, 3, 3, 2, 1, 1, 1);
            case "stem" -> ConvGeometry.conv2d(1, 3, 224, 224, 64, 7, 7, 2, 3, 1, 1);
            case "s2_28" -> ConvGeometry.conv2d(1, 128, 28, 28, 128, 3, 3, 2, 1, 1, 1);
            case "g4_28" -> ConvGeometry.conv2d(1, 64, 28, 28, 64, 3, 3, 2, 1, 1, 4);
            case "c1d_s2" -> ConvGeometry.conv(1, 8, 64, new int[] {500}, 64, new int[] {5}, new int[] {2},
                    Padding.of(2), new int[] {1}, 1);
            default -> throw new IllegalArgumentException("unknown shape " + name);
        };
    }

    /**
     * Minimum nanoseconds per call of forward, grad input and grad weight of {@code shape} over {@code rounds}
     * rounds (for an A/B harness that loads two builds side by side).
     */
    public static long[] time(String shape, int rounds) {
        SimdCnn.setThreads(1);
        Conv conv = SimdCnn.backend().conv();
        ConvGeometry g = shape(shape);
        float[] x = RefKernels.reals(1, g.inputSize());
        float[] w = RefKernels.reals(2, g.weightSize());
        float[] bias = RefKernels.reals(3, g.outChannels());
        float[] y = new float[g.outputSize()];
        float[] dy = RefKernels.reals(4, g.outputSize());
        float[] dx = new float[g.inputSize()];
        float[] dw = new float[g.weightSize()];
        Runnable[] ops = {
            () -> conv.forward(g, x, 0, w, 0, bias, y, 0, Epilogue.NONE),
            () -> conv.backwardInput(g, dy, 0, w, 0, dx, 0),
            () -> conv.backwardWeight(g, x, 0, dy, 0, dw, 0),
        };
        long[] best = new long[ops.length];
        java.util.Arrays.fill(best, Long.MAX_VALUE);
        int reps = (int) Math.max(3, Math.min(200, 3e7 / g.flops()));
        for (int round = 0; round < rounds; round++) {
            for (int o = 0; o < ops.length; o++) {
                for (int r = 0; r < reps; r++) {
                    long t0 = System.nanoTime();
                    ops[o].run();
                    best[o] = Math.min(best[o], System.nanoTime() - t0);
                }
            }
        }
        return best;
    }

    public static void main(String[] args) {
        int rounds = Integer.parseInt(args[0]);
        String[] names = {"forward", "gradInput", "gradWeight"};
        for (int si = 1; si < args.length; si++) {
            long[] best = time(args[si], rounds);
            StringBuilder sb = new StringBuilder(String.format("%-9s", args[si]));
            for (int o = 0; o < best.length; o++) {
                sb.append(String.format("  %s %8.1f us", names[o], best[o] / 1e3));
            }
            System.out.println(sb);
        }
    }
}
