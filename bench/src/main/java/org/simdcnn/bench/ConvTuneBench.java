package org.simdcnn.bench;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.simdcnn.SimdCnn;
import org.simdcnn.geometry.ConvGeometry;
import org.simdcnn.geometry.Padding;
import org.simdcnn.kernels.Conv;
import org.simdcnn.kernels.Epilogue;
import org.simdcnn.kernels.PackedConvWeights;

/**
 * Tuning benchmark of the SIMD convolution (simd-conv helper's; the final suite is bench-conv's): forward with
 * prepacked weights, grad input and grad weight, per issue-3 shape. flops = {@link ConvGeometry#flops()}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class ConvTuneBench {
    @Param({"resnet_3x3_56", "resnet_3x3_28", "resnet_3x3_14", "mnist_c2"})
    public String shape;

    @Param({"1"})
    public int threads;

    ConvGeometry g;
    float[] x;
    float[] w;
    float[] bias;
    float[] y;
    float[] dx;
    float[] dw;
    Conv conv;
    PackedConvWeights packed;

    /** The issue-3 shapes by name. */
    public static ConvGeometry geometry(String name) {
        return switch (name) {
            case "mnist_c1" -> ConvGeometry.conv2d(64, 1, 28, 28, 32, 3, 3, 1, 1, 1, 1);
            case "mnist_c2" -> ConvGeometry.conv2d(64, 32, 14, 14, 64, 3, 3, 1, 1, 1, 1);
            case "resnet_3x3_56" -> ConvGeometry.conv2d(1, 64, 56, 56, 64, 3, 3, 1, 1, 1, 1);
            case "resnet_3x3_28" -> ConvGeometry.conv2d(1, 128, 28, 28, 128, 3, 3, 1, 1, 1, 1);
            case "resnet_3x3_14" -> ConvGeometry.conv2d(1, 256, 14, 14, 256, 3, 3, 1, 1, 1, 1);
            case "resnet_1x1_56" -> ConvGeometry.conv2d(1, 64, 56, 56, 256, 1, 1, 1, 0, 1, 1);
            case "resnet_stem" -> ConvGeometry.conv2d(1, 3, 224, 224, 64, 7, 7, 2, 3, 1, 1);
            case "depthwise_3x3_56" -> ConvGeometry.conv2d(1, 128, 56, 56, 128, 3, 3, 1, 1, 1, 128);
            case "depthwise_3x3_56_s2" -> ConvGeometry.conv2d(1, 128, 56, 56, 128, 3, 3, 2, 1, 1, 128);
            case "conv1d_text" -> ConvGeometry.conv(1, 32, 128, new int[] {256}, 128, new int[] {3}, new int[] {1},
                    Padding.of(1), new int[] {1}, 1);
            case "conv3d_small" -> ConvGeometry.conv(3, 2, 16, new int[] {16, 16, 16}, 32, new int[] {3},
                    new int[] {1}, Padding.of(1), new int[] {1}, 1);
            default -> custom(name);
        };
    }

    /**
     * {@code NxC_HxW_OxK[sS]} (e.g. {@code 1x32_28x28_128x1}, {@code 1x16_56x56_32x3s2}): a 2d convolution, stride
     * {@code S} (default 1), padding {@code K/2}; {@code NxC_DxHxW_OxK[sS]} (e.g. {@code 1x64_8x28x28_64x3}): the 3d
     * one with a cubic kernel.
     */
    static ConvGeometry custom(String name) {
        String[] p = name.split("_");
        if (p.length != 3) {
            throw new IllegalArgumentException("shape: unknown name '" + name + "' (nor NxC_HxW_OxK[sS])");
        }
        try {
            String[] nc = p[0].split("x");
            String[] hw = p[1].split("x");
            String[] ks = p[2].split("s");
            String[] ok = ks[0].split("x");
            if (nc.length != 2 || hw.length < 2 || hw.length > 3 || ok.length != 2 || ks.length > 2) {
                throw new IllegalArgumentException("shape: '" + name + "' is not NxC_HxW_OxK[sS]");
            }
            int k = Integer.parseInt(ok[1]);
            int stride = ks.length > 1 ? Integer.parseInt(ks[1]) : 1;
            if (hw.length == 3) {
                return ConvGeometry.conv(3, Integer.parseInt(nc[0]), Integer.parseInt(nc[1]),
                        new int[] {Integer.parseInt(hw[0]), Integer.parseInt(hw[1]), Integer.parseInt(hw[2])},
                        Integer.parseInt(ok[0]), new int[] {k}, new int[] {stride},
                        org.simdcnn.geometry.Padding.of(k / 2), new int[] {1}, 1);
            }
            return ConvGeometry.conv2d(Integer.parseInt(nc[0]), Integer.parseInt(nc[1]), Integer.parseInt(hw[0]),
                    Integer.parseInt(hw[1]), Integer.parseInt(ok[0]), k, k, stride, k / 2, 1, 1);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("shape: '" + name + "' has a non-number where NxC_HxW_OxK[sS] has one",
                    e);
        }
    }

    @Setup(Level.Trial)
    public void setup() {
        SimdCnn.setThreads(threads);
        g = geometry(shape);
        SplittableRandom r = new SplittableRandom(1);
        x = new float[g.inputSize()];
        w = new float[g.weightSize()];
        bias = new float[g.outChannels()];
        y = new float[g.outputSize()];
        dx = new float[g.inputSize()];
        dw = new float[g.weightSize()];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextDouble() - 0.5f;
        }
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) r.nextDouble() - 0.5f;
        }
        for (int i = 0; i < y.length; i++) {
            y[i] = (float) r.nextDouble() - 0.5f;
        }
        conv = SimdCnn.backend().conv();
        packed = conv.pack(g, w, 0);
        if (!SimdCnn.backend().name().equals("simd")) {
            throw new IllegalStateException("SIMD backend not active: " + SimdCnn.info());
        }
    }

    @Benchmark
    public float[] forward() {
        conv.forward(g, x, 0, packed, bias, y, 0, Epilogue.NONE);
        return y;
    }

    @Benchmark
    public float[] backwardInput() {
        conv.backwardInput(g, y, 0, w, 0, dx, 0);
        return dx;
    }

    @Benchmark
    public float[] backwardWeight() {
        conv.backwardWeight(g, x, 0, y, 0, dw, 0);
        return dw;
    }
}
