package org.simdcnn.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class TensorTest {

    @Test
    void shapeIndexAndViews() {
        Tensor t = Tensor.zeros(2, 3, 4);
        assertEquals(24, t.size());
        assertEquals(3, t.rank());
        t.set(5f, 1, 2, 3);
        assertEquals(23, t.index(1, 2, 3));
        Tensor v = t.reshape(6, -1);
        assertArrayEquals(new int[] {6, 4}, v.shape());
        assertEquals(5f, v.get(5, 3));
        v.set(7f, 0, 1);
        assertEquals(7f, t.get(0, 0, 1), "a reshape is a view sharing the array");
        Tensor img = t.select0(1);
        assertArrayEquals(new int[] {3, 4}, img.shape());
        assertEquals(5f, img.get(2, 3));
        assertEquals(12, img.offset());
    }

    @Test
    void seededConstructorsRepeat() {
        assertArrayEquals(Tensor.randn(7, 3, 5).toArray(), Tensor.randn(7, 3, 5).toArray());
        assertArrayEquals(Tensor.uniform(7, -1, 1, 9).toArray(), Tensor.uniform(7, -1, 1, 9).toArray());
        Tensor ints = Tensor.randomIntegers(3, -2, 2, 100);
        for (float f : ints.toArray()) {
            assertTrue(f >= -2 && f <= 2 && f == Math.rint(f));
        }
        assertFalse(java.util.Arrays.equals(Tensor.randn(1, 10).toArray(), Tensor.randn(2, 10).toArray()));
    }

    @Test
    void diffIsReadable() {
        Tensor a = Tensor.of(new float[] {1, 2, 3, 4}, 2, 2);
        Tensor b = Tensor.of(new float[] {1, 2, 3.5f, Float.NaN}, 2, 2);
        assertNull(a.diff(a.copy(), 0, 0));
        String d = a.diff(b, 1e-6, 1e-6);
        assertTrue(d.startsWith("2 of 4 elements differ"), d);
        assertTrue(d.contains("[1, 0]: 3.0 vs expected 3.5"), d);
        assertTrue(d.contains("worst at [1, 1]"), d);
        assertTrue(a.diff(Tensor.zeros(4), 0, 0).contains("shape"));
        assertTrue(Tensor.close(Float.NaN, Float.NaN, 0, 0));
        assertFalse(Tensor.close(Float.POSITIVE_INFINITY, Float.MAX_VALUE, 1, 1));
    }

    @Test
    void badInputIsRejectedByName() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Tensor.of(new float[5], 2, 3));
        assertTrue(e.getMessage().contains("needs 6") && e.getMessage().contains("got 5"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(2, -1));
        assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(1 << 16, 1 << 16));
        e = assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(2, 3).reshape(4, 2));
        assertTrue(e.getMessage().contains("[2, 3]") && e.getMessage().contains("[4, 2]"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(2, 3).reshape(-1, -1));
        assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(2, 3).get(2, 0));
        assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(2, 3).get(0));
        assertThrows(IllegalArgumentException.class, () -> Tensor.view(new float[4], 2, 3));
    }
}
