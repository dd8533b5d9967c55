package org.simdcnn.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.simdcnn.SimdCnn;

/** {@code simdcnn info}: what serves this JVM and on which machine. */
final class Info {
    private Info() {
    }

    static void run(List<String> args, PrintStream out) {
        Options.parse("info", args, Set.of(), Set.of());
        SimdCnn.Info i = SimdCnn.info();
        out.println("backend:   " + i.backend() + (i.vectorBits() > 0
                ? " (" + i.vectorBits() + "-bit vectors, " + i.floatLanes() + " float lanes)" : ""));
        out.println("why:       " + i.reason());
        out.println("threads:   " + i.threads() + " (of " + Runtime.getRuntime().availableProcessors()
                + " available processors; --threads N or -Dsimdcnn.threads=N)");
        out.println("jdk:       " + i.jdk() + " (" + i.vm() + ", " + System.getProperty("java.vendor") + ")");
        out.println("os:        " + System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                + System.getProperty("os.arch"));
        out.println("cpu:       " + cpuModel());
        out.println(String.format(Locale.ROOT, "max heap:  %.0f MiB", Runtime.getRuntime().maxMemory() / 1048576.0));
    }

    /** The CPU model from {@code /proc/cpuinfo} ("model name"), or a fallback when absent. */
    static String cpuModel() {
        Path p = Path.of("/proc/cpuinfo");
        if (Files.isReadable(p)) {
            try {
                for (String line : Files.readAllLines(p)) {
                    if (line.startsWith("model name")) {
                        int c = line.indexOf(':');
                        String flags = avx512(p) ? ", AVX-512" : "";
                        return line.substring(c + 1).trim() + flags;
                    }
                }
            } catch (IOException | RuntimeException e) {
                // fall through to the generic answer
            }
        }
        String env = System.getenv("PROCESSOR_IDENTIFIER");
        return env != null ? env : System.getProperty("os.arch") + " (model unknown: no /proc/cpuinfo)";
    }

    private static boolean avx512(Path p) throws IOException {
        for (String line : Files.readAllLines(p)) {
            if (line.startsWith("flags")) {
                return line.contains(" avx512f");
            }
        }
        return false;
    }
}
