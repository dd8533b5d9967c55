package org.simdcnn.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The strict JSON parser used for safetensors headers. */
class JsonTest {
    @Test
    void parsesEveryValueKind() {
        Object v = Json.parse(" {\"a\": [1, -0.5e2, 0], \"b\": {\"c\": true, \"d\": false, \"e\": null},"
                + " \"s\": \"x\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\"} ");
        Map<?, ?> m = (Map<?, ?>) v;
        assertEquals(List.of(new BigDecimal("1"), new BigDecimal("-0.5e2"), new BigDecimal("0")), m.get("a"));
        Map<?, ?> b = (Map<?, ?>) m.get("b");
        assertEquals(Boolean.TRUE, b.get("c"));
        assertSame(Json.NULL, b.get("e"));
        assertEquals("x\"\\/\b\f\n\r\t\u00e9", m.get("s"));
        assertEquals(List.of("a", "b", "s"), List.copyOf(m.keySet()), "order kept");
        assertEquals(m.get("s"), Json.parse(Json.quote((String) m.get("s"))));
    }

    @Test
    void rejectsWhatRfc8259Rejects() {
        for (String bad : new String[] {"", "{", "{\"a\" 1}", "{\"a\":1,}", "[1,]", "01", "1.", ".5", "-", "1e",
                "+1", "tru", "nul", "\"\t\"", "\"\\x\"", "\"\\u12\"", "{\"a\":1,\"a\":2}", "{a:1}", "[1] [2]",
                "'s'", "NaN", "Infinity", "1e9999999"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Json.parse(bad), bad);
            assertTrue(e.getMessage().startsWith("json: ") && e.getMessage().contains("offset"), e.getMessage());
        }
    }
}
