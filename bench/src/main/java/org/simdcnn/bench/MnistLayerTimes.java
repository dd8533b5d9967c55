package org.simdcnn.bench;

import java.util.Arrays;
import org.simdcnn.SimdCnn;

/**
 * Diagnostic, not a JMH benchmark: per-layer median times of {@link MnistInferenceBench}'s {@code ours} forward
 * (batch 64), to see which kernel dominates. Run:
 * {@code java --add-modules jdk.incubator.vector -cp bench/target/benchmarks.jar org.simdcnn.bench.MnistLayerTimes [threads] [reps]}.
 */
public final class MnistLayerTimes {
    private MnistLayerTimes() {
    }

    public static void main(String[] args) {
        int threads = args.length > 0 ? Integer.parseInt(args[0]) : 1;
        int reps = args.length > 1 ? Integer.parseInt(args[1]) : 51;
        MnistInferenceBench.Ours s = new MnistInferenceBench.Ours();
        s.threads = threads;
        s.setup();
        String[] names = {"conv1+relu", "maxpool1", "conv2+relu", "maxpool2", "fc1+relu", "fc2"};
        Runnable[] layers = {
            () -> s.be.conv().forward(s.g1, s.x, 0, s.w1, s.p.b1(), s.c1, 0,
                    org.simdcnn.kernels.Epilogue.RELU),
            () -> s.be.pooling().maxForward(s.p1, s.c1, 0, s.m1, 0, null, 0),
            () -> s.be.conv().forward(s.g2, s.m1, 0, s.w2, s.p.b2(), s.c2, 0,
                    org.simdcnn.kernels.Epilogue.RELU),
            () -> s.be.pooling().maxForward(s.p2, s.c2, 0, s.m2, 0, null, 0),
            () -> s.be.linear().forward(MnistInferenceBench.BATCH, 3136, 128, s.m2, 0, s.w3, s.p.b3(), s.h, 0,
                    org.simdcnn.kernels.Epilogue.RELU),
            () -> s.be.linear().forward(MnistInferenceBench.BATCH, 128, 10, s.h, 0, s.w4, s.p.b4(), s.y, 0,
                    org.simdcnn.kernels.Epilogue.NONE),
        };
        for (int w = 0; w < 30; w++) {
            for (Runnable r : layers) {
                r.run();
            }
        }
        double total = 0;
        System.out.println(SimdCnn.info());
        for (int l = 0; l < layers.length; l++) {
            long[] t = new long[reps];
            for (int i = 0; i < reps; i++) {
                long t0 = System.nanoTime();
                layers[l].run();
                t[i] = System.nanoTime() - t0;
            }
            Arrays.sort(t);
            double ms = t[reps / 2] * 1e-6;
            total += ms;
            System.out.printf("%-11s median %8.3f ms%n", names[l], ms);
        }
        System.out.printf("sum of medians %.3f ms (threads=%d)%n", total, threads);
    }
}
