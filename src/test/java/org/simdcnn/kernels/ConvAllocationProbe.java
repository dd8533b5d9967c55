package org.simdcnn.kernels;

import java.lang.management.ManagementFactory;
import java.util.List;
import org.simdcnn.SimdCnn;

/**
 * A probe, not run by {@code mvn test}: the calls of {@link KernelDeterminismTest#steadyStateAllocatesNothing}
 * ({@link SteadyStateCalls}) after the JIT history that once made them allocate
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
        SteadyStateCalls steady = new SteadyStateCalls();
        List<Runnable> each = steady.calls;
        List<String> names = steady.names;
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
        for (int i = 0; i < each.size(); i++) {
            long before = mx.getThreadAllocatedBytes(tid);
            for (int k = 0; k < 10; k++) {
                each.get(i).run();
            }
            long bytes = (mx.getThreadAllocatedBytes(tid) - before) / 10;
            total += bytes;
            who.append(' ').append(names.get(i)).append('=').append(bytes);
        }
        System.out.println("after " + rounds + " rounds, bytes per call:" + who);
        System.exit(total == 0 ? 0 : 1);
    }
}
