package org.simdcnn.golden;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.simdcnn.tensor.Tensor;

/**
 * Reader of the golden data written by {@code tools/golden/gen_golden.py} into {@code src/test/resources/golden}
 * (one file per op family). The format is plain text:
 *
 * <pre>
 * # comment
 * case &lt;name&gt; key=value key=value ...
 * f32 &lt;tensor&gt; &lt;shape "2,3,5" or "_" for a scalar&gt;
 * &lt;values separated by spaces; NaN, Infinity, -Infinity&gt;
 * i32 &lt;tensor&gt; &lt;shape&gt;
 * &lt;values&gt;
 * end
 * </pre>
 *
 * Floats are written as the shortest decimal that round-trips, so {@link Float#parseFloat} restores the exact
 * float32 PyTorch produced. The reader is strict: a malformed file fails loudly with the file and line.
 */
public final class GoldenData {
    private GoldenData() {
    }

    /** An integer tensor (class indices, argmax). */
    public record IntTensor(int[] shape, int[] data) {
    }

    /** One golden case: its name, its parameters and its tensors, in file order. */
    public static final class Case {
        private final String family;
        private final String name;
        private final Map<String, String> params;
        private final Map<String, Tensor> floats = new LinkedHashMap<>();
        private final Map<String, IntTensor> ints = new LinkedHashMap<>();

        Case(String family, String name, Map<String, String> params) {
            this.family = family;
            this.name = name;
            this.params = params;
        }

        public String family() {
            return family;
        }

        public String name() {
            return name;
        }

        @Override
        public String toString() {
            return family + "/" + name + " " + params;
        }

        public boolean has(String key) {
            return params.containsKey(key);
        }

        /** A parameter as written. */
        public String str(String key) {
            String v = params.get(key);
            if (v == null) {
                throw new IllegalStateException(this + ": no parameter '" + key + "'");
            }
            return v;
        }

        public int i(String key) {
            return Integer.parseInt(str(key));
        }

        public float f(String key) {
            return Float.parseFloat(str(key));
        }

        public boolean bool(String key) {
            String v = str(key);
            if (!v.equals("true") && !v.equals("false")) {
                throw new IllegalStateException(this + ": parameter '" + key + "' is not a boolean: " + v);
            }
            return v.equals("true");
        }

        /** A comma-separated list of integers. */
        public int[] ints(String key) {
            return Arrays.stream(str(key).split(",")).mapToInt(Integer::parseInt).toArray();
        }

        public boolean hasTensor(String tensor) {
            return floats.containsKey(tensor) || ints.containsKey(tensor);
        }

        /** A float tensor (a fresh copy each call, so tests may write into it). */
        public Tensor t(String tensor) {
            Tensor t = floats.get(tensor);
            if (t == null) {
                throw new IllegalStateException(this + ": no float tensor '" + tensor + "'");
            }
            return t.copy();
        }

        /** A float tensor or null when the case has none of that name (optional inputs such as bias). */
        public Tensor tOrNull(String tensor) {
            return floats.containsKey(tensor) ? t(tensor) : null;
        }

        /** The values of a float tensor, or null when absent. */
        public float[] dataOrNull(String tensor) {
            return floats.containsKey(tensor) ? t(tensor).toArray() : null;
        }

        public IntTensor it(String tensor) {
            IntTensor t = ints.get(tensor);
            if (t == null) {
                throw new IllegalStateException(this + ": no int tensor '" + tensor + "'");
            }
            return new IntTensor(t.shape().clone(), t.data().clone());
        }
    }

    /** All cases of one family, from {@code /golden/<family>.txt} on the test class path. */
    public static List<Case> load(String family) {
        String resource = "/golden/" + family + ".txt";
        try (InputStream in = GoldenData.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("golden data " + resource + " is missing: run "
                        + "/usr/bin/python3 tools/golden/gen_golden.py");
            }
            return parse(family, new BufferedReader(new InputStreamReader(in, StandardCharsets.US_ASCII)));
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + resource, e);
        }
    }

    static List<Case> parse(String family, BufferedReader r) throws IOException {
        List<Case> cases = new ArrayList<>();
        Case cur = null;
        String line;
        int lineNo = 0;
        while ((line = r.readLine()) != null) {
            lineNo++;
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            String[] tok = line.trim().split(" ");
            String where = family + ".txt:" + lineNo;
            switch (tok[0]) {
                case "case" -> {
                    if (cur != null) {
                        throw new IllegalStateException(where + ": case without end before it");
                    }
                    if (tok.length < 2) {
                        throw new IllegalStateException(where + ": case without a name");
                    }
                    Map<String, String> params = new LinkedHashMap<>();
                    for (int i = 2; i < tok.length; i++) {
                        int eq = tok[i].indexOf('=');
                        if (eq <= 0) {
                            throw new IllegalStateException(where + ": parameter without '=': " + tok[i]);
                        }
                        params.put(tok[i].substring(0, eq), tok[i].substring(eq + 1));
                    }
                    cur = new Case(family, tok[1], Collections.unmodifiableMap(params));
                }
                case "f32", "i32" -> {
                    if (cur == null || tok.length != 3) {
                        throw new IllegalStateException(where + ": tensor header outside a case or malformed: "
                                + line);
                    }
                    int[] shape = tok[2].equals("_") ? new int[0]
                            : Arrays.stream(tok[2].split(",")).mapToInt(Integer::parseInt).toArray();
                    long n = 1;
                    for (int d : shape) {
                        if (d < 0) {
                            throw new IllegalStateException(where + ": negative size in shape " + tok[2]);
                        }
                        n *= d;
                    }
                    String values = r.readLine();
                    lineNo++;
                    String[] v = values == null || values.isEmpty() ? new String[0] : values.split(" ");
                    if (v.length != n) {
                        throw new IllegalStateException(where + ": tensor " + tok[1] + " of shape " + tok[2]
                                + " needs " + n + " values, got " + v.length);
                    }
                    if (tok[0].equals("f32")) {
                        float[] data = new float[v.length];
                        for (int i = 0; i < v.length; i++) {
                            data[i] = Float.parseFloat(v[i]);
                        }
                        cur.floats.put(tok[1], Tensor.of(data, shape));
                    } else {
                        int[] data = new int[v.length];
                        for (int i = 0; i < v.length; i++) {
                            data[i] = Integer.parseInt(v[i]);
                        }
                        cur.ints.put(tok[1], new IntTensor(shape, data));
                    }
                }
                case "end" -> {
                    if (cur == null) {
                        throw new IllegalStateException(where + ": end without case");
                    }
                    cases.add(cur);
                    cur = null;
                }
                default -> throw new IllegalStateException(where + ": unexpected line: " + line);
            }
        }
        if (cur != null) {
            throw new IllegalStateException(family + ".txt: last case " + cur.name() + " has no end");
        }
        if (cases.isEmpty()) {
            throw new IllegalStateException(family + ".txt: no cases");
        }
        return cases;
    }
}
