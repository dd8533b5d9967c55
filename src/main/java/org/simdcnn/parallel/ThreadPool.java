package org.simdcnn.parallel;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The library's own fixed-size pool (never the common pool). {@link #run(int, Task)} executes tasks
 * {@code 0..tasks-1} and returns when all are done; the calling thread works too, so a pool of {@code n} threads
 * owns {@code n-1} daemon workers.
 *
 * <p><b>Determinism contract.</b> The pool only decides <em>which thread</em> runs a task, never what a task
 * computes: callers split work into a fixed number of tasks that does not depend on {@link #threads()}, and each
 * task writes disjoint output with a fixed summation order. Results are then bitwise identical for any thread
 * count.
 *
 * <p>A call made while the pool is busy (another thread's call, or a nested call from inside a task) runs its
 * tasks inline on the calling thread, which keeps concurrent callers safe and gives the same results. Dispatch
 * allocates nothing. Per-thread scratch memory belongs in {@link ThreadLocal}s of the kernels.
 *
 * <p><b>Idle workers</b> spin ({@link Thread#onSpinWait}) for a short while after each job before they block, so
 * that the next job of a multi-phase kernel (pad, then compute) or of the next layer starts without a wake-up
 * (a blocked worker takes tens of microseconds to wake). The spin lasts {@code -Dsimdcnn.poolSpinMicros}
 * microseconds (default {@value #DEFAULT_SPIN_MICROS}; 0 blocks at once).
 */
public final class ThreadPool implements AutoCloseable {
    /** One unit of work, identified by its index. */
    @FunctionalInterface
    public interface Task {
        void run(int task);
    }

    /** Default of {@code -Dsimdcnn.poolSpinMicros}. */
    public static final int DEFAULT_SPIN_MICROS = 100;

    private final int threads;
    private final long spinNanos;
    private final Thread[] workers;
    private final ReentrantLock callLock = new ReentrantLock();
    private final Object monitor = new Object();
    /** High 32 bits: generation of the current job; low 32 bits: next unclaimed task index. */
    private final AtomicLong claim = new AtomicLong();
    private final AtomicInteger done = new AtomicInteger();
    private volatile Task current;
    private volatile int count;
    private volatile int generation;
    private volatile Thread caller;
    private volatile Throwable failure;
    private volatile boolean closed;

    /**
     * @param threads total threads including the caller, at least 1
     * @throws IllegalArgumentException when {@code threads < 1}, or {@code -Dsimdcnn.poolSpinMicros} is set to
     *         anything but an integer >= 0
     */
    public ThreadPool(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads: must be >= 1, got " + threads);
        }
        this.threads = threads;
        this.spinNanos = 1000L * spinMicros();
        this.workers = new Thread[threads - 1];
        for (int i = 0; i < workers.length; i++) {
            Thread t = new Thread(this::workerLoop, "simdcnn-worker-" + (i + 1));
            t.setDaemon(true);
            workers[i] = t;
            t.start();
        }
    }

    /** Total threads that run tasks, the caller included. */
    public int threads() {
        return threads;
    }

    /**
     * Runs tasks {@code 0..tasks-1}, possibly in parallel, and waits for all of them. The first exception thrown
     * by a task is rethrown (wrapped if checked) after every task has finished.
     */
    public void run(int tasks, Task body) {
        if (tasks <= 0) {
            return;
        }
        if (closed) {
            throw new IllegalStateException("thread pool is closed");
        }
        if (threads == 1 || tasks == 1 || callLock.isHeldByCurrentThread() || !callLock.tryLock()) {
            for (int i = 0; i < tasks; i++) {
                body.run(i);
            }
            return;
        }
        try {
            int gen;
            synchronized (monitor) {
                gen = generation + 1;
                current = body;
                count = tasks;
                failure = null;
                done.set(0);
                caller = Thread.currentThread();
                claim.set((long) gen << 32);
                generation = gen;
                monitor.notifyAll();
            }
            work(gen, body, tasks);
            int spins = 0;
            while (done.get() < tasks) {
                if (++spins < 2000) {
                    Thread.onSpinWait();
                } else {
                    LockSupport.parkNanos(this, 100_000L);
                }
            }
            current = null;
            Throwable f = failure;
            if (f != null) {
                failure = null;
                if (f instanceof RuntimeException re) {
                    throw re;
                }
                if (f instanceof Error e) {
                    throw e;
                }
                throw new IllegalStateException("task failed", f);
            }
        } finally {
            callLock.unlock();
        }
    }

    private void work(int gen, Task body, int tasks) {
        while (true) {
            long v = claim.get();
            if ((int) (v >>> 32) != gen) {
                return;
            }
            int i = (int) v;
            if (i >= tasks) {
                return;
            }
            if (!claim.compareAndSet(v, v + 1)) {
                continue;
            }
            try {
                body.run(i);
            } catch (Throwable t) {
                if (failure == null) {
                    failure = t;
                }
            }
            if (done.incrementAndGet() == tasks) {
                LockSupport.unpark(caller);
            }
        }
    }

    private static int spinMicros() {
        String v = System.getProperty("simdcnn.poolSpinMicros");
        if (v == null) {
            return DEFAULT_SPIN_MICROS;
        }
        try {
            int us = Integer.parseInt(v.trim());
            if (us >= 0) {
                return us;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("simdcnn.poolSpinMicros: must be an integer >= 0, got '" + v + "'");
    }

    /** Spins until a job newer than {@code seen} is published, the pool closes, or the spin time is up. */
    private void spin(int seen) {
        if (spinNanos == 0) {
            return;
        }
        long start = System.nanoTime();
        int n = 0;
        while (generation == seen && !closed) {
            Thread.onSpinWait();
            if ((++n & 63) == 0 && System.nanoTime() - start > spinNanos) {
                return;
            }
        }
    }

    private void workerLoop() {
        int seen = 0;
        while (true) {
            Task body;
            int tasks;
            int gen;
            spin(seen);
            // The job is read under the monitor (the caller publishes it there), so it is never half-published.
            synchronized (monitor) {
                while (generation == seen && !closed) {
                    try {
                        monitor.wait();
                    } catch (InterruptedException e) {
                        if (closed) {
                            return;
                        }
                    }
                }
                if (closed) {
                    return;
                }
                gen = generation;
                seen = gen;
                body = current;
                tasks = count;
            }
            if (body != null) {
                work(gen, body, tasks);
            }
        }
    }

    /** Stops the workers; further calls to {@link #run} fail. */
    @Override
    public void close() {
        synchronized (monitor) {
            closed = true;
            monitor.notifyAll();
        }
    }
}
