package org.simdcnn.golden;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.StringReader;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The golden-data reader: exact float round trip, strictness, and that every family file is present. */
class GoldenDataTest {

    private static List<GoldenData.Case> parse(String text) throws Exception {
        return GoldenData.parse("test", new BufferedReader(new StringReader(text)));
    }

    @Test
    void parsesSpecialValuesExactly() throws Exception {
        List<GoldenData.Case> cases = parse("""
                # comment
                case one a=1 b=2,3 f=0.5 flag=true mode=same
                f32 x 2,3
                NaN Infinity -Infinity -0.0 1e-45 3.4028235e+38
                i32 t 2
                -100 7
                f32 s _
                0.1
                end
                """);
        assertEquals(1, cases.size());
        GoldenData.Case c = cases.get(0);
        assertEquals("one", c.name());
        assertEquals(1, c.i("a"));
        assertEquals(3, c.ints("b")[1]);
        assertEquals(0.5f, c.f("f"));
        assertTrue(c.bool("flag"));
        assertEquals("same", c.str("mode"));
        float[] x = c.t("x").toArray();
        assertTrue(Float.isNaN(x[0]));
        assertEquals(Float.POSITIVE_INFINITY, x[1]);
        assertEquals(Float.NEGATIVE_INFINITY, x[2]);
        assertEquals(Float.floatToRawIntBits(-0.0f), Float.floatToRawIntBits(x[3]));
        assertEquals(Float.MIN_VALUE, x[4]);
        assertEquals(Float.MAX_VALUE, x[5]);
        assertEquals(-100, c.it("t").data()[0]);
        assertEquals(0, c.t("s").rank());
        assertEquals(0.1f, c.t("s").getFlat(0));
    }

    @Test
    void rejectsMalformedFiles() {
        assertThrows(IllegalStateException.class, () -> parse("case a\nf32 x 2\n1\nend\n"));  // too few values
        assertThrows(IllegalStateException.class, () -> parse("case a\nf32 x 1\n1\n"));         // no end
        assertThrows(IllegalStateException.class, () -> parse("f32 x 1\n1\n"));                 // outside a case
        assertThrows(IllegalStateException.class, () -> parse("case a b\nend\n"));              // no '='
        assertThrows(IllegalStateException.class, () -> parse("# nothing\n"));                   // no cases
    }

    @Test
    void everyFamilyIsPresent() {
        String[] families = {"conv", "conv_transpose", "unfold", "gemm", "linear", "maxpool", "avgpool", "adaptive",
            "activations", "maxout", "softmax", "losses", "batchnorm"};
        int total = 0;
        for (String f : families) {
            int n = GoldenData.load(f).size();
            assertTrue(n >= 5, f + " has only " + n + " cases");
            total += n;
        }
        assertTrue(total >= 250, "only " + total + " golden cases");
    }
}
