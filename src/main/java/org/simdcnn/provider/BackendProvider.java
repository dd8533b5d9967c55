package org.simdcnn.provider;

import java.lang.management.ManagementFactory;
import java.util.Locale;
import java.util.Optional;
import org.simdcnn.kernels.Backend;
import org.simdcnn.kernels.scalar.ScalarBackend;

/**
 * Decides once, lazily, which backend serves (Lucene's {@code VectorizationProvider} pattern):
 * <ol>
 *   <li>{@code -Dsimdcnn.backend=scalar|simd|auto} (default auto) may force a choice; {@code simd} when SIMD is
 *       unavailable is an error that says why;</li>
 *   <li>the {@code jdk.incubator.vector} module must be in the boot layer (the application passed
 *       {@code --add-modules jdk.incubator.vector}); a read edge to it is added at run time;</li>
 *   <li>the VM must be HotSpot with its C2 compiler enabled (no {@code -Xint}, no {@code TieredStopAtLevel < 4});</li>
 *   <li>the SIMD implementation is loaded reflectively, so the scalar path never links an incubator class, and it
 *       refuses a preferred vector narrower than 128 bits.</li>
 * </ol>
 * Each refusal logs one actionable warning; success logs one info line with the vector width.
 */
public final class BackendProvider {
    public static final String PROPERTY = "simdcnn.backend";
    static final String SIMD_CLASS = "org.simdcnn.kernels.simd.SimdBackend";
    private static final System.Logger LOG = System.getLogger("org.simdcnn");

    /** The outcome of the decision: the backend and why it was chosen. */
    public record Selection(Backend backend, String reason) {
    }

    private BackendProvider() {
    }

    private static volatile Selection selection;
    private static String failure;

    /**
     * The backend decided for this JVM (decided on first call, then fixed).
     *
     * @throws IllegalStateException on every call when {@code -Dsimdcnn.backend=simd} was requested but SIMD is
     *     unavailable (the message says why)
     * @throws IllegalArgumentException on every call when {@code -Dsimdcnn.backend} has an unknown value
     */
    public static Selection selection() {
        Selection s = selection;
        if (s != null) {
            return s;
        }
        synchronized (BackendProvider.class) {
            if (selection != null) {
                return selection;
            }
            String mode = System.getProperty(PROPERTY, "auto");
            if (failure != null) {
                throw failure.startsWith("-D") ? new IllegalArgumentException(failure)
                        : new IllegalStateException(failure);
            }
            try {
                selection = select(mode, true);
            } catch (IllegalArgumentException | IllegalStateException e) {
                failure = e.getMessage();
                throw e;
            }
            return selection;
        }
    }

    /**
     * Makes the decision for the given mode without caching it (for tests and {@code info}); {@code log}
     * controls whether the warning or info line is written.
     */
    public static Selection select(String mode, boolean log) {
        String m = mode == null ? "auto" : mode.trim().toLowerCase(Locale.ROOT);
        switch (m) {
            case "scalar" -> {
                String why = "scalar backend forced by -D" + PROPERTY + "=scalar";
                if (log) {
                    LOG.log(System.Logger.Level.INFO, "simdcnn: " + why);
                }
                return new Selection(ScalarBackend.INSTANCE, why);
            }
            case "simd", "auto" -> {
                String refusal = refusal();
                Backend simd = null;
                if (refusal == null) {
                    try {
                        simd = loadSimd();
                    } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
                        Throwable cause = e.getCause() != null ? e.getCause() : e;
                        refusal = "the Vector API implementation could not be loaded (" + cause + ")";
                    }
                }
                if (simd != null) {
                    String why = "SIMD backend with " + simd.vectorBits() + "-bit vectors (" + simd.floatLanes()
                            + " float lanes)";
                    if (log) {
                        LOG.log(System.Logger.Level.INFO, "simdcnn: " + why);
                    }
                    return new Selection(simd, why);
                }
                if (m.equals("simd")) {
                    throw new IllegalStateException("simdcnn: -D" + PROPERTY + "=simd was requested but SIMD is "
                            + "unavailable: " + refusal);
                }
                String why = "scalar fallback: " + refusal;
                if (log) {
                    LOG.log(System.Logger.Level.WARNING, "simdcnn: " + refusal
                            + "; falling back to the scalar kernels (correct but much slower).");
                }
                return new Selection(ScalarBackend.INSTANCE, why);
            }
            default -> throw new IllegalArgumentException("-D" + PROPERTY + ": must be scalar, simd or auto, got '"
                    + mode + "'");
        }
    }

    /** Why SIMD cannot be used in this JVM, with what to do about it; null when nothing stands in the way. */
    static String refusal() {
        Optional<Module> vectorModule = ModuleLayer.boot().findModule("jdk.incubator.vector");
        if (vectorModule.isEmpty()) {
            return "the jdk.incubator.vector module is not readable; start the JVM with "
                    + "'--add-modules jdk.incubator.vector' to enable the SIMD kernels";
        }
        BackendProvider.class.getModule().addReads(vectorModule.get());
        String vmName = System.getProperty("java.vm.name", "");
        if (!vmName.contains("HotSpot") && !vmName.contains("OpenJDK")) {
            return "the Vector API is only fast on HotSpot, this VM is '" + vmName + "'; run on a HotSpot JDK";
        }
        String vmInfo = System.getProperty("java.vm.info", "");
        if (vmInfo.contains("interpreted mode")) {
            return "the JIT is disabled (-Xint); remove -Xint to enable the SIMD kernels";
        }
        if (vmInfo.contains("emulated-client")) {
            return "the C2 compiler is disabled (client emulation); remove the option that limits the JIT";
        }
        Integer stopAt = vmIntOption("TieredStopAtLevel");
        Boolean tiered = vmBoolOption("TieredCompilation");
        if (stopAt != null && stopAt < 4 && (tiered == null || tiered)) {
            return "the C2 compiler is disabled (-XX:TieredStopAtLevel=" + stopAt + "); remove it to enable the "
                    + "SIMD kernels";
        }
        Boolean useCompiler = vmBoolOption("UseCompiler");
        if (useCompiler != null && !useCompiler) {
            return "the JIT is disabled (-XX:-UseCompiler); enable it to use the SIMD kernels";
        }
        return null;
    }

    private static Backend loadSimd() throws ReflectiveOperationException {
        Class<? extends Backend> cls = Class.forName(SIMD_CLASS).asSubclass(Backend.class);
        return cls.getConstructor().newInstance();
    }

    private static String vmOption(String name) {
        try {
            var bean = ManagementFactory.getPlatformMXBean(com.sun.management.HotSpotDiagnosticMXBean.class);
            return bean == null ? null : bean.getVMOption(name).getValue();
        } catch (RuntimeException | LinkageError e) {
            return null;
        }
    }

    private static Integer vmIntOption(String name) {
        String v = vmOption(name);
        try {
            return v == null ? null : Integer.valueOf(v);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static Boolean vmBoolOption(String name) {
        String v = vmOption(name);
        return v == null ? null : Boolean.valueOf(v);
    }
}
