package org.simdcnn.parallel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.simdcnn.SimdCnn;

class ThreadPoolTest {

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 8})
    void everyTaskRunsExactlyOnceAcrossManyCalls(int threads) {
        try (ThreadPool pool = new ThreadPool(threads)) {
            for (int tasks = 0; tasks <= 67; tasks++) {
                AtomicIntegerArray seen = new AtomicIntegerArray(Math.max(tasks, 1));
                pool.run(tasks, seen::incrementAndGet);
                for (int i = 0; i < tasks; i++) {
                    assertEquals(1, seen.get(i), "task " + i + " of " + tasks + " with " + threads + " threads");
                }
            }
        }
    }

    @Test
    void aFailingTaskIsRethrownAfterAllFinishAndThePoolStaysUsable() {
        try (ThreadPool pool = new ThreadPool(3)) {
            AtomicIntegerArray seen = new AtomicIntegerArray(20);
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> pool.run(20, i -> {
                seen.incrementAndGet(i);
                if (i == 7) {
                    throw new IllegalStateException("boom " + i);
                }
            }));
            assertEquals("boom 7", e.getMessage());
            for (int i = 0; i < 20; i++) {
                assertEquals(1, seen.get(i));
            }
            AtomicIntegerArray again = new AtomicIntegerArray(5);
            pool.run(5, again::incrementAndGet);
            for (int i = 0; i < 5; i++) {
                assertEquals(1, again.get(i));
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "1", "5000"})
    void idleSpinTimeOnlyChangesWhenWorkersBlock(String micros) throws Exception {
        String old = System.getProperty("simdcnn.poolSpinMicros");
        System.setProperty("simdcnn.poolSpinMicros", micros);
        try (ThreadPool pool = new ThreadPool(3)) {
            for (int call = 0; call < 200; call++) {
                AtomicIntegerArray seen = new AtomicIntegerArray(9);
                pool.run(9, seen::incrementAndGet);
                for (int i = 0; i < 9; i++) {
                    assertEquals(1, seen.get(i), "spin " + micros + " us, call " + call + ", task " + i);
                }
                if (call % 50 == 0) {
                    Thread.sleep(2); // past a short spin: the workers block and must be woken
                }
            }
        } finally {
            if (old == null) {
                System.clearProperty("simdcnn.poolSpinMicros");
            } else {
                System.setProperty("simdcnn.poolSpinMicros", old);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"-1", "x", "1.5"})
    void aBadSpinTimeIsRejected(String micros) {
        String old = System.getProperty("simdcnn.poolSpinMicros");
        System.setProperty("simdcnn.poolSpinMicros", micros);
        try {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new ThreadPool(2));
            assertTrue(e.getMessage().contains("simdcnn.poolSpinMicros") && e.getMessage().contains(micros),
                    e.getMessage());
        } finally {
            if (old == null) {
                System.clearProperty("simdcnn.poolSpinMicros");
            } else {
                System.setProperty("simdcnn.poolSpinMicros", old);
            }
        }
    }

    @Test
    void nestedCallsRunInlineWithoutDeadlock() {
        try (ThreadPool pool = new ThreadPool(2)) {
            AtomicIntegerArray seen = new AtomicIntegerArray(16);
            pool.run(4, outer -> pool.run(4, inner -> seen.incrementAndGet(outer * 4 + inner)));
            for (int i = 0; i < 16; i++) {
                assertEquals(1, seen.get(i));
            }
        }
    }

    @Test
    void concurrentCallersAllGetTheirWorkDone() throws Exception {
        try (ThreadPool pool = new ThreadPool(2)) {
            ExecutorService callers = Executors.newFixedThreadPool(8);
            try {
                List<Future<Boolean>> results = new ArrayList<>();
                for (int c = 0; c < 8; c++) {
                    results.add(callers.submit(() -> {
                        for (int rep = 0; rep < 200; rep++) {
                            AtomicIntegerArray seen = new AtomicIntegerArray(13);
                            pool.run(13, seen::incrementAndGet);
                            for (int i = 0; i < 13; i++) {
                                if (seen.get(i) != 1) {
                                    return false;
                                }
                            }
                        }
                        return true;
                    }));
                }
                for (Future<Boolean> f : results) {
                    assertTrue(f.get());
                }
            } finally {
                callers.shutdownNow();
            }
        }
    }

    @Test
    void badSizesAreRejectedByName() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new ThreadPool(0));
        assertTrue(e.getMessage().contains("threads") && e.getMessage().contains("0"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> SimdCnn.setThreads(-2));
        assertTrue(e.getMessage().contains("threads") && e.getMessage().contains("-2"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> SimdCnn.setPool(null));
    }

    @Test
    void aClosedPoolRefusesWork() {
        ThreadPool pool = new ThreadPool(2);
        pool.close();
        assertThrows(IllegalStateException.class, () -> pool.run(3, i -> { }));
    }
}
