package org.simdcnn.kernels.simd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.simdcnn.SimdCnn;

/** {@code -Dsimdcnn.winograd}: true, false or unset; any other value is an IllegalArgumentException naming it. */
class WinogradSwitchTest {

    @Test
    void switchValues() {
        // SimdWinograd loads the Vector API: only where the SIMD backend serves
        Assumptions.assumeTrue(SimdCnn.backend().name().equals("simd"), "SIMD kernels only");
        assertTrue(SimdWinograd.parseSwitch(null));
        assertTrue(SimdWinograd.parseSwitch(" TRUE "));
        assertFalse(SimdWinograd.parseSwitch("false"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SimdWinograd.parseSwitch("flase"));
        assertEquals("simdcnn.winograd: must be true or false, got 'flase'", e.getMessage());
    }
}
