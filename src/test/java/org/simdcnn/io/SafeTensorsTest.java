package org.simdcnn.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.simdcnn.nn.BatchNorm2d;
import org.simdcnn.nn.Conv2d;
import org.simdcnn.nn.Flatten;
import org.simdcnn.nn.Init;
import org.simdcnn.nn.Linear;
import org.simdcnn.nn.MaxPool2d;
import org.simdcnn.nn.ReLU;
import org.simdcnn.nn.Sequential;
import org.simdcnn.tensor.Tensor;

/** Safetensors: files written by PyTorch load here, files written here have the exact layout, bad files fail. */
class SafeTensorsTest {
    @TempDir
    Path dir;

    /** The Java twin of the model in tools/golden/gen_safetensors.py. */
    static Sequential torchTwin() {
        return new Sequential(new Conv2d(1, 2, 3), new BatchNorm2d(2), new ReLU(), new MaxPool2d(2), new Flatten(),
                new Linear(18, 3));
    }

    Path resource(String name) throws IOException {
        Path p = dir.resolve(name);
        try (InputStream in = getClass().getResourceAsStream("/safetensors/" + name)) {
            if (in == null) {
                throw new IOException("missing test resource " + name + ": run tools/golden/gen_safetensors.py");
            }
            Files.write(p, in.readAllBytes());
        }
        return p;
    }

    @Test
    void loadsAFileWrittenByPyTorchAndReproducesItsOutput() throws IOException {
        Path model = resource("torch_model.safetensors");
        Map<String, Tensor> io = SafeTensors.load(resource("torch_io.safetensors"));
        Sequential net = torchTwin();
        SafeTensors.load(net, model);
        assertEquals(List.of("0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean", "1.running_var",
                "1.num_batches_tracked", "5.weight", "5.bias"), List.copyOf(net.stateDict().keySet()));
        assertEquals(3f, net.stateDict().get("1.num_batches_tracked").getFlat(0));
        assertEquals("pt", SafeTensors.header(model).metadata().get("format"));
        net.eval();
        Tensor y = net.forward(io.get("input"));
        Tensor expected = io.get("output");
        assertTrue(y.allClose(expected, 1e-5, 1e-6), y.diff(expected, 1e-5, 1e-6));
        // and back out: the Java-written file, read by the independent reader, has the same tensors
        Path out = Paths.get("target", "nn-java-written-model.safetensors");
        Files.createDirectories(out.toAbsolutePath().getParent());
        SafeTensors.save(net, out);
        Map<String, Tensor> again = SafeTensors.load(out);
        Map<String, Tensor> orig = SafeTensors.load(model);
        assertEquals(orig.keySet(), again.keySet());
        for (String k : orig.keySet()) {
            assertArrayEquals(orig.get(k).shape(), again.get(k).shape(), k);
            assertArrayEquals(orig.get(k).toArray(), again.get(k).toArray(), 0f, k);
        }
    }

    @Test
    void savesTheExactBytesAPyTorchReaderExpects() throws IOException {
        Map<String, Tensor> m = new LinkedHashMap<>();
        m.put("a", Tensor.of(new float[] {1f, -2.5f}, 2));
        m.put("b.c", Tensor.of(new float[] {3f}));
        m.put("d", Tensor.of(new float[] {0.1f, 0f, Float.MIN_VALUE, -0f, 7f, 8f}, 2, 1, 3));
        Path p = dir.resolve("exact.safetensors");
        SafeTensors.save(m, p);
        byte[] bytes = Files.readAllBytes(p);
        String json = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b.c\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[8,12]},"
                + "\"d\":{\"dtype\":\"F32\",\"shape\":[2,1,3],\"data_offsets\":[12,36]}}";
        int padded = (json.length() + 7) / 8 * 8;
        ByteBuffer exp = ByteBuffer.allocate(8 + padded + 36).order(ByteOrder.LITTLE_ENDIAN);
        exp.putLong(padded);
        exp.put(json.getBytes(StandardCharsets.US_ASCII));
        for (int i = json.length(); i < padded; i++) {
            exp.put((byte) ' ');
        }
        for (float f : new float[] {1f, -2.5f, 3f, 0.1f, 0f, Float.MIN_VALUE, -0f, 7f, 8f}) {
            exp.putFloat(f);
        }
        assertArrayEquals(exp.array(), bytes);
        assertEquals(0, (8 + padded) % 8, "data starts 8-byte aligned");
    }

    @Test
    void roundTripsAModelAndLeavesNoTemporaryFiles() throws IOException {
        Init.manualSeed(3);
        Sequential a = torchTwin();
        a.forward(Tensor.uniform(1, -1f, 1f, 3, 1, 8, 8)); // moves the running statistics
        Path p = dir.resolve("m.safetensors");
        SafeTensors.save(a, p);
        SafeTensors.save(a, p); // overwrite in place
        Init.manualSeed(4);
        Sequential b = torchTwin();
        SafeTensors.load(b, p);
        a.eval();
        b.eval();
        Tensor x = Tensor.uniform(2, -1f, 1f, 2, 1, 8, 8);
        assertArrayEquals(a.forward(x).toArray(), b.forward(x).toArray(), 0f);
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(List.of(p.getFileName().toString()), s.map(q -> q.getFileName().toString()).toList());
        }
    }

    @Test
    void failedSaveLeavesTheOldFileAndNoTemporary() throws IOException {
        Path p = dir.resolve("keep.safetensors");
        Map<String, Tensor> good = Map.of("x", Tensor.of(new float[] {1f}, 1));
        SafeTensors.save(good, p);
        byte[] before = Files.readAllBytes(p);
        Map<String, Tensor> bad = new LinkedHashMap<>();
        bad.put("y", Tensor.of(new float[] {2f}, 1));
        bad.put("", Tensor.of(new float[] {2f}, 1));
        assertThrows(IllegalArgumentException.class, () -> SafeTensors.save(bad, p));
        assertArrayEquals(before, Files.readAllBytes(p));
        assertThrows(IOException.class, () -> SafeTensors.save(good, dir.resolve("no/such/dir/f.safetensors")));
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(1, s.count());
        }
    }

    @Test
    void loadIntoModelNamesMissingUnexpectedAndMisShapedTensors() throws IOException {
        Init.manualSeed(5);
        Sequential net = torchTwin();
        Map<String, Tensor> sd = new LinkedHashMap<>(net.stateDict());
        Path p = dir.resolve("m.safetensors");

        Map<String, Tensor> missing = new LinkedHashMap<>(sd);
        missing.remove("5.bias");
        SafeTensors.save(missing, p);
        assertMessage(() -> SafeTensors.load(net, p), "'5.bias'", "missing");

        Map<String, Tensor> extra = new LinkedHashMap<>(sd);
        extra.put("6.weight", Tensor.zeros(2));
        SafeTensors.save(extra, p);
        assertMessage(() -> SafeTensors.load(net, p), "'6.weight'", "not in the model");

        Map<String, Tensor> shape = new LinkedHashMap<>(sd);
        shape.put("0.weight", Tensor.zeros(2, 1, 9));
        SafeTensors.save(shape, p);
        Tensor w = net.stateDict().get("0.weight").copy();
        assertMessage(() -> SafeTensors.load(net, p), "'0.weight'", "shape", "[2, 1, 9]", "[2, 1, 3, 3]");
        assertArrayEquals(w.toArray(), net.stateDict().get("0.weight").toArray(), 0f, "model unchanged");

        Map<String, Tensor> noCounter = new LinkedHashMap<>(sd);
        noCounter.remove("1.num_batches_tracked");
        SafeTensors.save(noCounter, p);
        SafeTensors.load(net, p); // allowed, as in PyTorch
    }

    // ---- hostile files ----------------------------------------------------------------------------------------

    private Path file(byte[] header, byte[] data) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(8 + header.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(header.length).put(header).put(data);
        Path p = Files.createTempFile(dir, "bad", ".safetensors");
        Files.write(p, b.array());
        return p;
    }

    private Path file(String header, int dataBytes) throws IOException {
        return file(header.getBytes(StandardCharsets.UTF_8), new byte[dataBytes]);
    }

    interface IoCall {
        void run() throws IOException;
    }

    private static void assertMessage(IoCall call, String... fragments) {
        SafeTensorsException e = assertThrows(SafeTensorsException.class, call::run);
        for (String f : fragments) {
            assertTrue(e.getMessage().contains(f), "message '" + e.getMessage() + "' should contain '" + f + "'");
        }
    }

    private void rejects(String header, int dataBytes, String... fragments) throws IOException {
        Path p = file(header, dataBytes);
        assertMessage(() -> SafeTensors.load(p), fragments);
    }

    private static String t(String name, String dtype, String shape, String offsets) {
        return "\"" + name + "\":{\"dtype\":\"" + dtype + "\",\"shape\":" + shape + ",\"data_offsets\":" + offsets
                + "}";
    }

    @Test
    void rejectsTruncatedAndOversizedHeaders() throws IOException {
        Path tiny = dir.resolve("tiny");
        Files.write(tiny, new byte[5]);
        assertMessage(() -> SafeTensors.load(tiny), "too short");

        Path huge = dir.resolve("huge");
        ByteBuffer b = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(1L << 40).putLong(0);
        Files.write(huge, b.array());
        assertMessage(() -> SafeTensors.load(huge), "header length", "limit");

        Path neg = dir.resolve("neg");
        Files.write(neg, ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(-1L).putLong(0).array());
        assertMessage(() -> SafeTensors.load(neg), "header length", "limit");

        Path past = dir.resolve("past");
        Files.write(past, ByteBuffer.allocate(20).order(ByteOrder.LITTLE_ENDIAN).putLong(100).array());
        assertMessage(() -> SafeTensors.load(past), "header length 100", "larger than the rest");

        // a valid file cut short: its offsets now point past the end
        Map<String, Tensor> m = Map.of("w", Tensor.zeros(4, 4));
        Path good = dir.resolve("good");
        SafeTensors.save(m, good);
        byte[] all = Files.readAllBytes(good);
        Path cut = dir.resolve("cut");
        Files.write(cut, java.util.Arrays.copyOf(all, all.length - 3));
        assertMessage(() -> SafeTensors.load(cut), "'w'", "data_offsets", "past the end");
    }

    @Test
    void rejectsMalformedJsonAndEncoding() throws IOException {
        rejects("{\"a\":{\"dtype\":\"F32\"", 0, "not valid JSON");
        rejects("{} x", 0, "not valid JSON", "trailing");
        rejects("[1, 2]", 0, "must be a JSON object");
        rejects("{" + t("a", "F32", "[1]", "[0,4]") + "," + t("a", "F32", "[1]", "[4,8]") + "}", 8, "duplicate key");
        rejects("{\"a\":" + "[".repeat(200) + "]".repeat(200) + "}", 0, "nesting");
        rejects("{\"a\\q\":1}", 0, "invalid escape");
        Path p = file(new byte[] {'{', '"', (byte) 0xC3, '"', ':', '1', '}', ' '}, new byte[0]);
        assertMessage(() -> SafeTensors.load(p), "UTF-8");
    }

    @Test
    void rejectsBadEntriesNamingTensorAndField() throws IOException {
        rejects("{" + t("w", "F16", "[2]", "[0,4]") + "}", 4, "'w'", "dtype", "F16");
        rejects("{\"w\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}", 4, "'w'", "shape", "missing");
        rejects("{\"w\":{\"dtype\":\"F32\",\"shape\":[1]}}", 4, "'w'", "data_offsets", "missing");
        rejects("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4],\"x\":1}}", 4, "'w'", "unknown field");
        rejects("{\"w\":5}", 0, "'w'", "must be an object");
        rejects("{" + t("w", "F32", "[-1]", "[0,4]") + "}", 4, "'w'", "shape[0]", "non-negative integer");
        rejects("{" + t("w", "F32", "[1.0]", "[0,4]") + "}", 4, "'w'", "shape[0]", "integer");
        rejects("{" + t("w", "F32", "[\"1\"]", "[0,4]") + "}", 4, "'w'", "shape[0]");
        rejects("{" + t("w", "F32", "[1]", "[0]") + "}", 4, "'w'", "data_offsets", "two integers");
        rejects("{" + t("w", "F32", "[1]", "[8,4]") + "}", 8, "'w'", "begin > end");
        rejects("{" + t("w", "F32", "[2]", "[0,4]") + "}", 4, "'w'", "shape [2]", "needs 8 bytes");
        rejects("{" + t("w", "F32", "[65536,65536]", "[0,4]") + "}", 4, "'w'", "more elements");
        rejects("{" + t("w", "F32", "[1]", "[0,99999999999999999999999]") + "}", 4, "'w'", "data_offsets[1]");
        rejects("{" + t("w", "F32", "[1]", "[0,4]") + "," + t("v", "F32", "[2]", "[0,8]") + "}", 8, "overlaps");
        rejects("{" + t("w", "F32", "[1]", "[0,4]") + "," + t("v", "F32", "[1]", "[8,12]") + "}", 12, "'v'",
                "gap");
        rejects("{" + t("w", "F32", "[1]", "[0,4]") + "}", 12, "cover 4 bytes", "12 bytes");
        rejects("{" + t("w", "F32", "[1]", "[4,8]") + "}", 8, "'w'", "gap");
        rejects("{\"__metadata__\":{\"k\":1}}", 0, "__metadata__", "string");
    }

    @Test
    void acceptsWhitespaceMetadataEmptyAndZeroSizedTensors() throws IOException {
        Path p = file("{ \"__metadata__\" : {\"k\":\"v\\u00e9\"} ,\n \"e\":{\"shape\":[0,3],\"dtype\":\"F32\","
                + "\"data_offsets\":[0,0]}, \"s\" : {\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,4]} }   ",
                4);
        Map<String, Tensor> m = SafeTensors.load(p);
        assertEquals(List.of("e", "s"), List.copyOf(m.keySet()));
        assertArrayEquals(new int[] {0, 3}, m.get("e").shape());
        assertEquals(0f, m.get("s").getFlat(0));
        assertEquals("v\u00e9", SafeTensors.header(p).metadata().get("k"));
        Path empty = file("{}      ", 0);
        assertTrue(SafeTensors.load(empty).isEmpty());
        assertFalse(SafeTensors.header(empty).entries().iterator().hasNext());
    }
}
