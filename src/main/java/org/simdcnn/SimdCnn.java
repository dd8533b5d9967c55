package org.simdcnn;

import org.simdcnn.kernels.Backend;
import org.simdcnn.parallel.ThreadPool;
import org.simdcnn.provider.BackendProvider;

/**
 * Entry point for the library-wide settings: which backend serves (decided once, see
 * {@link BackendProvider}), the thread pool the kernels use, and {@link #info()}.
 */
public final class SimdCnn {
    /** System property for the default thread count (otherwise the available processors). */
    public static final String THREADS_PROPERTY = "simdcnn.threads";

    private static volatile ThreadPool pool;

    private SimdCnn() {
    }

    /** The active backend. */
    public static Backend backend() {
        return BackendProvider.selection().backend();
    }

    /** The library's thread pool, created on first use with {@code -Dsimdcnn.threads} or the processor count. */
    public static ThreadPool pool() {
        ThreadPool p = pool;
        if (p == null) {
            synchronized (SimdCnn.class) {
                p = pool;
                if (p == null) {
                    p = new ThreadPool(defaultThreads());
                    pool = p;
                }
            }
        }
        return p;
    }

    /**
     * Sizes the library's thread pool (the caller's thread counts as one). Results do not depend on it.
     *
     * @throws IllegalArgumentException when {@code threads < 1}
     */
    public static void setThreads(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads: must be >= 1, got " + threads);
        }
        synchronized (SimdCnn.class) {
            ThreadPool old = pool;
            if (old != null && old.threads() == threads) {
                return;
            }
            pool = new ThreadPool(threads);
            if (old != null) {
                old.close();
            }
        }
    }

    /** Injects a pool owned by the caller (the library does not close it). */
    public static void setPool(ThreadPool custom) {
        if (custom == null) {
            throw new IllegalArgumentException("pool: must not be null");
        }
        synchronized (SimdCnn.class) {
            pool = custom;
        }
    }

    /** Number of threads the kernels use. */
    public static int threads() {
        return pool().threads();
    }

    private static int defaultThreads() {
        String p = System.getProperty(THREADS_PROPERTY);
        if (p == null || p.isBlank()) {
            return Runtime.getRuntime().availableProcessors();
        }
        try {
            int n = Integer.parseInt(p.trim());
            if (n >= 1) {
                return n;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new IllegalArgumentException("-D" + THREADS_PROPERTY + ": must be a whole number >= 1, got '" + p + "'");
    }

    /** What serves this JVM: backend, vector width, lanes, thread count, JDK, and why. */
    public record Info(String backend, int vectorBits, int floatLanes, int threads, String jdk, String vm,
            String reason) {
        @Override
        public String toString() {
            return "simdcnn backend=" + backend + " vectorBits=" + vectorBits + " floatLanes=" + floatLanes
                    + " threads=" + threads + " jdk=" + jdk + " vm=" + vm + " (" + reason + ")";
        }
    }

    public static Info info() {
        BackendProvider.Selection s = BackendProvider.selection();
        return new Info(s.backend().name(), s.backend().vectorBits(), s.backend().floatLanes(), threads(),
                Runtime.version().toString(), System.getProperty("java.vm.name"), s.reason());
    }
}
