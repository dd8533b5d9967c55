package org.simdcnn.kernels;

import java.lang.management.ManagementFactory;
import org.simdcnn.SimdCnn;
import org.simdcnn.geometry.ConvGeometry;

/**
 * A probe, not run by {@code mvn test}: the calls of {@link KernelDeterminismTest#steadyStateAllocatesNothing}
 * (plus a gathered forward with rows wider than two vectors) after the JIT history that once made them allocate
 * (the {@code @Test} methods of {@link PoolingVectorParityTest} first, as the JUnit engine runs them before the
 * determinism class), reporting bytes per call of each. With {@code --jfr FILE} (run with {@code -XX:-UseTLAB}, so
 * that every allocation is outside a TLAB) it records each allocation of 20 steady-state rounds with its stack
 * ({@code jfr print --events jdk.ObjectAllocationOutsideTLAB FILE}).
 *
 * <pre>
 * mvn -q test-compile
 * java --add-modules jdk.incubator.vector -cp target/classes:target/test-classes \
 *     org.simdcnn.kernels.ConvAllocationProbe [--no-pooling] [--jfr FILE] [seconds]
 * </pre>
 * Exit status 1 when any call still allocates after the warm-up.
 */
public final class ConvAllocationProbe {
    private ConvAllocationProbe() {
    }

    public static void main(String[] args) {
        boolean pooling = true;
        double seconds = 20;
        String jfr = null;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--no-pooling")) {
                pooling = false;
            } else if (a.equals("--jfr")) {
                jfr = args[++i];
            } else {
                seconds = Double.parseDouble(a);
            }
        }
        if (pooling) {
            PoolingVectorParityTest p = new PoolingVectorParityTest();
            p.everyWidthAroundTheVectorLength();
            p.resnetStemAndInceptionShapes();
            p.fused2x2OnSmallMapsAcrossPlaneBoundaries();
            p.adaptiveAverageWithDividingSizesEqualsTheReferenceBitForBit();
            p.windowsWithoutInputAndWindowsOfMinusInfinity();
        }
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long tid = Thread.currentThread().threadId();
        SimdCnn.setThreads(1);
        ConvGeometry g = ConvGeometry.conv2d(2, 16, 14, 14, 24, 3, 3, 1, 1, 1, 1);
        ConvGeometry pw = ConvGeometry.conv2d(2, 16, 14, 14, 24, 1, 1, 1, 0, 1, 1);
        ConvGeometry dw = ConvGeometry.conv2d(2, 16, 14, 14, 16, 3, 3, 1, 1, 1, 16);
        ConvGeometry dws2 = ConvGeometry.conv2d(2, 16, 14, 14, 16, 3, 3, 2, 1, 1, 16);
        ConvGeometry gs2 = ConvGeometry.conv2d(2, 16, 14, 14, 24, 3, 3, 2, 1, 1, 1);
        ConvGeometry gs2w = ConvGeometry.conv2d(1, 3, 80, 80, 8, 3, 3, 2, 1, 1, 1);
        float[] xw = RefKernels.reals(6, gs2w.inputSize());
        float[] ww = RefKernels.reals(7, gs2w.weightSize());
        float[] yw = new float[gs2w.outputSize()];
        float[] x = RefKernels.reals(1, g.inputSize());
        float[] w = RefKernels.reals(2, g.weightSize());
        float[] wdw = RefKernels.reals(2, dw.weightSize());
        float[] bias = RefKernels.reals(3, 100);
        float[] y = new float[g.outputSize()];
        float[] dx = new float[g.inputSize()];
        float[] dwt = new float[g.weightSize()];
        float[] a = RefKernels.reals(4, 100 * 300);
        float[] b = RefKernels.reals(5, 300 * 200);
        float[] c = new float[100 * 200];
        Conv conv = SimdCnn.backend().conv();
        PackedConvWeights packed = conv.pack(g, w, 0);
        Gemm gemm = SimdCnn.backend().gemm();
        String[] names = {"sgemm", "forward", "packed forward", "pointwise", "depthwise", "backwardInput",
            "backwardWeight", "backwardBias", "repack", "depthwise backwardInput", "depthwise backwardWeight",
            "depthwise s2", "depthwise s2 backwardInput", "depthwise s2 backwardWeight", "strided forward",
            "strided forward wide"};
        Runnable[] each = {
            () -> gemm.sgemm(false, true, 100, 200, 300, 1f, a, 0, 300, b, 0, 300, 0f, c, 0, 200, bias, 0,
                    BiasMode.PER_ROW, Epilogue.RELU),
            () -> conv.forward(g, x, 0, w, 0, bias, y, 0, Epilogue.RELU),
            () -> conv.forward(g, x, 0, packed, bias, y, 0, Epilogue.NONE),
            () -> conv.forward(pw, x, 0, w, 0, bias, y, 0, Epilogue.NONE),
            () -> conv.forward(dw, x, 0, wdw, 0, bias, y, 0, Epilogue.NONE),
            () -> conv.backwardInput(g, y, 0, w, 0, dx, 0),
            () -> conv.backwardWeight(g, x, 0, y, 0, dwt, 0),
            () -> conv.backwardBias(g, y, 0, bias),
            () -> conv.repack(packed, w, 0),
            () -> conv.backwardInput(dw, y, 0, wdw, 0, dx, 0),
            () -> conv.backwardWeight(dw, x, 0, y, 0, dwt, 0),
            () -> conv.forward(dws2, x, 0, wdw, 0, bias, y, 0, Epilogue.RELU),
            () -> conv.backwardInput(dws2, y, 0, wdw, 0, dx, 0),
            () -> conv.backwardWeight(dws2, x, 0, y, 0, dwt, 0),
            () -> conv.forward(gs2, x, 0, w, 0, bias, y, 0, Epilogue.NONE),
            () -> conv.forward(gs2w, xw, 0, ww, 0, bias, yw, 0, Epilogue.NONE),
        };
        long end = System.nanoTime() + (long) (seconds * 1e9);
        int rounds = 0;
        while (System.nanoTime() < end) {
            for (Runnable r : each) {
                r.run();
            }
            rounds++;
        }
        if (jfr != null) {
            // Every allocation of the steady state, with its stack (run with -XX:-UseTLAB so that each one is
            // outside a TLAB).
            try (jdk.jfr.Recording rec = new jdk.jfr.Recording()) {
                rec.enable("jdk.ObjectAllocationOutsideTLAB").withStackTrace();
                rec.start();
                for (int k = 0; k < 20; k++) {
                    for (Runnable r : each) {
                        r.run();
                    }
                }
                rec.stop();
                rec.dump(java.nio.file.Path.of(jfr));
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
        StringBuilder who = new StringBuilder();
        long total = 0;
        for (int i = 0; i < each.length; i++) {
            long before = mx.getThreadAllocatedBytes(tid);
            for (int k = 0; k < 10; k++) {
                each[i].run();
            }
            long bytes = (mx.getThreadAllocatedBytes(tid) - before) / 10;
            total += bytes;
            who.append(' ').append(names[i]).append('=').append(bytes);
        }
        System.out.println("after " + rounds + " rounds, bytes per call:" + who);
        System.exit(total == 0 ? 0 : 1);
    }
}
