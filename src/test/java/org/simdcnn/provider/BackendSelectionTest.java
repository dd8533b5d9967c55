package org.simdcnn.provider;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.simdcnn.SimdCnn;
import org.simdcnn.kernels.scalar.ScalarBackend;

/** The suite runs twice (with and without the vector module); this test states and checks which backend served. */
class BackendSelectionTest {

    @Test
    void reportsAndChecksTheBackendOfThisRun() {
        SimdCnn.Info info = SimdCnn.info();
        System.out.println("=== simdcnn test run served by: " + info);
        String expected = System.getProperty("simdcnn.test.expectBackend");
        if (expected != null) {
            assertEquals(expected, info.backend(), "backend of this surefire run: " + info);
        }
        if (info.backend().equals("simd")) {
            assertTrue(info.vectorBits() >= 128, info.toString());
            assertEquals(info.vectorBits() / 32, info.floatLanes(), info.toString());
        } else {
            assertEquals(0, info.vectorBits());
            assertEquals(1, info.floatLanes());
        }
        assertTrue(info.threads() >= 1);
    }

    @Test
    void scalarCanBeForced() {
        BackendProvider.Selection s = BackendProvider.select("scalar", false);
        assertSame(ScalarBackend.INSTANCE, s.backend());
        assertTrue(s.reason().contains("forced"), s.reason());
    }

    @Test
    void simdForcedWithoutTheModuleSaysWhatToDo() {
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent()) {
            BackendProvider.Selection s = BackendProvider.select("simd", false);
            assertEquals("simd", s.backend().name());
        } else {
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> BackendProvider.select("simd", false));
            assertTrue(e.getMessage().contains("--add-modules jdk.incubator.vector"), e.getMessage());
        }
    }

    @Test
    void autoWithoutTheModuleFallsBackWithAReason() {
        BackendProvider.Selection s = BackendProvider.select("auto", false);
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
            assertSame(ScalarBackend.INSTANCE, s.backend());
            assertTrue(s.reason().contains("--add-modules jdk.incubator.vector"), s.reason());
        } else {
            assertEquals("simd", s.backend().name());
        }
    }

    @Test
    void unknownModeIsRejectedByName() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> BackendProvider.select("avx9000", false));
        assertTrue(e.getMessage().contains("simdcnn.backend") && e.getMessage().contains("avx9000"), e.getMessage());
    }
}
