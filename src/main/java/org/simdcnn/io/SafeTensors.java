package org.simdcnn.io;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.simdcnn.nn.Module;
import org.simdcnn.tensor.Tensor;

/**
 * The <a href="https://github.com/huggingface/safetensors">safetensors</a> format, F32 only, PyTorch state-dict
 * names: an 8-byte little-endian header length {@code n}, {@code n} bytes of UTF-8 JSON mapping each tensor name
 * to {@code {"dtype":"F32","shape":[...],"data_offsets":[begin,end]}} (plus an optional {@code "__metadata__"}
 * object of strings), then the raw little-endian data; offsets are relative to the end of the header.
 *
 * <p><b>Loading trusts nothing.</b> Before any tensor is allocated it checks: the file is at least 8 bytes; the
 * header length is at most {@link #MAX_HEADER_BYTES} and fits in the file; the header is valid UTF-8 and strict
 * JSON (no duplicate keys) whose top level is an object; each entry has exactly {@code dtype}, {@code shape},
 * {@code data_offsets}; dtype is {@code F32}; shape sizes are non-negative integers; offsets are integers with
 * {@code begin <= end <= data length}; {@code elements(shape) * 4 == end - begin}; sorted by offset, the tensors
 * are contiguous, non-overlapping and cover the data exactly. Failures throw {@link SafeTensorsException} naming
 * the file, the tensor and the field.
 *
 * <p><b>Saving is atomic:</b> the bytes go to a temporary file in the target's directory, are forced to disk and
 * the file is renamed over the target with {@code ATOMIC_MOVE}; a crash leaves either the old file or the new one.
 * The header is padded with spaces to a multiple of 8 bytes (as the reference writer does), tensors are written
 * in the map's order.
 */
public final class SafeTensors {
    /** Upper bound of the JSON header (the reference implementation uses the same 100 MB). */
    public static final long MAX_HEADER_BYTES = 100L * 1024 * 1024;

    private static final int IO_CHUNK = 1 << 20;

    private SafeTensors() {
    }

    /** One validated header entry. */
    public record Entry(String name, int[] shape, long begin, long end) {
        /** Number of float elements. */
        public int elements() {
            return (int) ((end - begin) / 4);
        }
    }

    /** A validated header: the entries in file order of appearance in the JSON, metadata, and the data start. */
    public record Header(List<Entry> entries, Map<String, String> metadata, long dataStart, long dataLength) {
    }

    // ---- save -------------------------------------------------------------------------------------------------

    /** Saves the state dict of {@code module} ({@link Module#stateDict()}), atomically. */
    public static void save(Module module, Path path) throws IOException {
        if (module == null) {
            throw new IllegalArgumentException("module: must not be null");
        }
        save(module.stateDict(), path);
    }

    /** Saves {@code tensors} in the map's order, atomically. */
    public static void save(Map<String, Tensor> tensors, Path path) throws IOException {
        save(tensors, null, path);
    }

    /** Saves {@code tensors} with {@code __metadata__} (string to string; may be null), atomically. */
    public static void save(Map<String, Tensor> tensors, Map<String, String> metadata, Path path)
            throws IOException {
        byte[] header = headerBytes(tensors, metadata);
        if (path == null) {
            throw new IllegalArgumentException("path: must not be null");
        }
        Path target = path.toAbsolutePath();
        Path dir = target.getParent();
        Path tmp = Files.createTempFile(dir, "." + target.getFileName() + ".", ".tmp");
        boolean moved = false;
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
                len.putLong(header.length).flip();
                writeFully(ch, len);
                writeFully(ch, ByteBuffer.wrap(header));
                ByteBuffer buf = ByteBuffer.allocate(IO_CHUNK).order(ByteOrder.LITTLE_ENDIAN);
                for (Tensor t : tensors.values()) {
                    float[] d = t.data();
                    int off = t.offset();
                    for (int i = 0; i < t.size(); i++) {
                        if (buf.remaining() < 4) {
                            buf.flip();
                            writeFully(ch, buf);
                            buf.clear();
                        }
                        buf.putFloat(d[off + i]);
                    }
                }
                buf.flip();
                writeFully(ch, buf);
                ch.force(true);
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                throw new IOException("safetensors: cannot save " + target + " atomically: the file system does not "
                        + "support an atomic rename in " + dir, e);
            }
            moved = true;
        } finally {
            if (!moved) {
                Files.deleteIfExists(tmp);
            }
        }
    }

    private static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }

    /**
     * The header bytes {@link #save} writes (JSON padded with spaces to a multiple of 8), after validating the
     * names and tensors.
     */
    public static byte[] headerBytes(Map<String, Tensor> tensors, Map<String, String> metadata) {
        if (tensors == null) {
            throw new IllegalArgumentException("tensors: must not be null");
        }
        StringBuilder sb = new StringBuilder("{");
        boolean first = true;
        if (metadata != null && !metadata.isEmpty()) {
            sb.append("\"__metadata__\":{");
            boolean f = true;
            for (Map.Entry<String, String> e : metadata.entrySet()) {
                if (e.getKey() == null || e.getValue() == null) {
                    throw new IllegalArgumentException("metadata: keys and values must not be null");
                }
                sb.append(f ? "" : ",").append(Json.quote(e.getKey())).append(':').append(Json.quote(e.getValue()));
                f = false;
            }
            sb.append('}');
            first = false;
        }
        long offset = 0;
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            String name = e.getKey();
            Tensor t = e.getValue();
            if (name == null || name.isEmpty() || name.equals("__metadata__")) {
                throw new IllegalArgumentException("tensors: invalid tensor name '" + name + "'");
            }
            if (t == null) {
                throw new IllegalArgumentException("tensors: tensor '" + name + "' is null");
            }
            long end = offset + 4L * t.size();
            sb.append(first ? "" : ",").append(Json.quote(name)).append(":{\"dtype\":\"F32\",\"shape\":[");
            int[] s = t.shape();
            for (int i = 0; i < s.length; i++) {
                sb.append(i > 0 ? "," : "").append(s[i]);
            }
            sb.append("],\"data_offsets\":[").append(offset).append(',').append(end).append("]}");
            offset = end;
            first = false;
        }
        sb.append('}');
        byte[] json = sb.toString().getBytes(StandardCharsets.UTF_8);
        int pad = (8 - json.length % 8) % 8;
        byte[] out = Arrays.copyOf(json, json.length + pad);
        Arrays.fill(out, json.length, out.length, (byte) ' ');
        return out;
    }

    // ---- load -------------------------------------------------------------------------------------------------

    /** Loads every tensor, in the header's order. */
    public static Map<String, Tensor> load(Path path) throws IOException {
        try (FileChannel ch = open(path)) {
            Header h = readHeader(ch, path);
            return readData(ch, h, path);
        }
    }

    /**
     * Loads the file into {@code module}: the names and shapes in the header are checked against
     * {@link Module#stateDict()} before any data is read (missing, unexpected or mis-shaped tensors are named;
     * {@code num_batches_tracked} may be absent), then {@link Module#loadStateDict} copies the values.
     */
    public static void load(Module module, Path path) throws IOException {
        if (module == null) {
            throw new IllegalArgumentException("module: must not be null");
        }
        Map<String, Tensor> own = module.stateDict();
        try (FileChannel ch = open(path)) {
            Header h = readHeader(ch, path);
            Map<String, Entry> byName = new LinkedHashMap<>();
            for (Entry e : h.entries()) {
                byName.put(e.name(), e);
            }
            for (Map.Entry<String, Tensor> e : own.entrySet()) {
                Entry fe = byName.get(e.getKey());
                if (fe == null) {
                    if (e.getKey().endsWith("num_batches_tracked")) {
                        continue;
                    }
                    throw new SafeTensorsException("safetensors " + path + ": the model's tensor '" + e.getKey()
                            + "' (shape " + Arrays.toString(e.getValue().shape()) + ") is missing from the file");
                }
                if (!Arrays.equals(fe.shape(), e.getValue().shape())) {
                    throw new SafeTensorsException("safetensors " + path + ": tensor '" + e.getKey() + "' field shape "
                            + Arrays.toString(fe.shape()) + " does not match the model's "
                            + Arrays.toString(e.getValue().shape()));
                }
            }
            for (String k : byName.keySet()) {
                if (!own.containsKey(k)) {
                    throw new SafeTensorsException("safetensors " + path + ": tensor '" + k
                            + "' is not in the model (the model has " + own.keySet() + ")");
                }
            }
            module.loadStateDict(readData(ch, h, path));
        }
    }

    /** Reads and validates only the header of a file. */
    public static Header header(Path path) throws IOException {
        try (FileChannel ch = open(path)) {
            return readHeader(ch, path);
        }
    }

    private static FileChannel open(Path path) throws IOException {
        if (path == null) {
            throw new IllegalArgumentException("path: must not be null");
        }
        return FileChannel.open(path, StandardOpenOption.READ);
    }

    private static SafeTensorsException bad(Path path, String msg) {
        return new SafeTensorsException("safetensors " + path + ": " + msg);
    }

    private static Header readHeader(FileChannel ch, Path path) throws IOException {
        long size = ch.size();
        if (size < 8) {
            throw bad(path, "file is " + size + " bytes, too short for the 8-byte header length");
        }
        ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        readFully(ch, lenBuf, 0, path);
        long n = lenBuf.flip().getLong();
        if (n < 0 || n > MAX_HEADER_BYTES) {
            throw bad(path, "header length " + Long.toUnsignedString(n) + " exceeds the limit of "
                    + MAX_HEADER_BYTES + " bytes");
        }
        if (n > size - 8) {
            throw bad(path, "header length " + n + " is larger than the rest of the file (" + (size - 8)
                    + " bytes): truncated or not a safetensors file");
        }
        if (n < 2) {
            throw bad(path, "header length " + n + " is too small for a JSON object");
        }
        ByteBuffer hb = ByteBuffer.allocate((int) n);
        readFully(ch, hb, 8, path);
        hb.flip();
        String json;
        try {
            json = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(hb).toString();
        } catch (CharacterCodingException e) {
            throw bad(path, "header is not valid UTF-8");
        }
        Object root;
        try {
            root = Json.parse(json);
        } catch (IllegalArgumentException e) {
            throw bad(path, "header is not valid JSON: " + e.getMessage());
        }
        if (!(root instanceof Map<?, ?> top)) {
            throw bad(path, "header must be a JSON object");
        }
        long dataStart = 8 + n;
        long dataLength = size - dataStart;
        List<Entry> entries = new ArrayList<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : top.entrySet()) {
            String name = (String) e.getKey();
            if (name.equals("__metadata__")) {
                if (!(e.getValue() instanceof Map<?, ?> md)) {
                    throw bad(path, "__metadata__ must be an object of strings");
                }
                for (Map.Entry<?, ?> me : md.entrySet()) {
                    if (!(me.getValue() instanceof String sv)) {
                        throw bad(path, "__metadata__ field '" + me.getKey() + "' must be a string");
                    }
                    metadata.put((String) me.getKey(), sv);
                }
                continue;
            }
            entries.add(entry(path, name, e.getValue(), dataLength));
        }
        List<Entry> sorted = new ArrayList<>(entries);
        sorted.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        long expected = 0;
        for (Entry e : sorted) {
            if (e.begin() != expected) {
                throw bad(path, "tensor '" + e.name() + "' field data_offsets [" + e.begin() + ", " + e.end() + "] "
                        + (e.begin() < expected ? "overlaps the previous tensor (which ends at " + expected + ")"
                        : "leaves a gap: the previous tensor ends at " + expected));
            }
            expected = e.end();
        }
        if (expected != dataLength) {
            throw bad(path, "the tensors cover " + expected + " bytes of data but the file has " + dataLength
                    + " bytes after the header" + (sorted.isEmpty() ? "" : " (last tensor '"
                    + sorted.get(sorted.size() - 1).name() + "')"));
        }
        return new Header(List.copyOf(entries), metadata, dataStart, dataLength);
    }

    private static Entry entry(Path path, String name, Object value, long dataLength) {
        if (name.isEmpty()) {
            throw bad(path, "empty tensor name");
        }
        if (!(value instanceof Map<?, ?> m)) {
            throw bad(path, "tensor '" + name + "' must be an object with dtype, shape and data_offsets");
        }
        for (Object k : m.keySet()) {
            if (!k.equals("dtype") && !k.equals("shape") && !k.equals("data_offsets")) {
                throw bad(path, "tensor '" + name + "' has an unknown field '" + k + "'");
            }
        }
        Object dtype = m.get("dtype");
        if (dtype == null) {
            throw bad(path, "tensor '" + name + "' field dtype is missing");
        }
        if (!"F32".equals(dtype)) {
            throw bad(path, "tensor '" + name + "' field dtype is " + (dtype instanceof String ? "'" + dtype + "'"
                    : dtype) + ": only F32 is supported");
        }
        Object shapeV = m.get("shape");
        if (!(shapeV instanceof List<?> shapeL)) {
            throw bad(path, "tensor '" + name + "' field shape " + (shapeV == null ? "is missing"
                    : "must be an array of integers"));
        }
        if (shapeL.size() > 32) {
            throw bad(path, "tensor '" + name + "' field shape has " + shapeL.size() + " dimensions (at most 32)");
        }
        int[] shape = new int[shapeL.size()];
        long elements = 1;
        for (int i = 0; i < shape.length; i++) {
            long d = integer(path, name, "shape[" + i + "]", shapeL.get(i));
            if (d > Integer.MAX_VALUE) {
                throw bad(path, "tensor '" + name + "' field shape[" + i + "] = " + d + " is too large");
            }
            shape[i] = (int) d;
            // d < 2^31 and elements is capped below 2^31 before each step, so the product cannot overflow
            elements = Math.min(elements * d, Integer.MAX_VALUE);
        }
        if (elements > Integer.MAX_VALUE - 16) {
            throw bad(path, "tensor '" + name + "' field shape " + Arrays.toString(shape)
                    + " has more elements than a Java array can hold");
        }
        Object offV = m.get("data_offsets");
        if (!(offV instanceof List<?> offL) || offL.size() != 2) {
            throw bad(path, "tensor '" + name + "' field data_offsets " + (offV == null ? "is missing"
                    : "must be an array of two integers"));
        }
        long begin = integer(path, name, "data_offsets[0]", offL.get(0));
        long end = integer(path, name, "data_offsets[1]", offL.get(1));
        if (begin > end) {
            throw bad(path, "tensor '" + name + "' field data_offsets [" + begin + ", " + end + "]: begin > end");
        }
        if (end > dataLength) {
            throw bad(path, "tensor '" + name + "' field data_offsets [" + begin + ", " + end
                    + "] points past the end of the data (" + dataLength + " bytes): truncated file?");
        }
        if (elements * 4 != end - begin) {
            throw bad(path, "tensor '" + name + "' field shape " + Arrays.toString(shape) + " needs " + elements * 4
                    + " bytes of F32 but data_offsets [" + begin + ", " + end + "] span " + (end - begin));
        }
        return new Entry(name, shape, begin, end);
    }

    private static long integer(Path path, String name, String field, Object v) {
        if (!(v instanceof BigDecimal bd) || bd.scale() != 0 || bd.signum() < 0) {
            throw bad(path, "tensor '" + name + "' field " + field + " must be a non-negative integer, got " + v);
        }
        if (bd.compareTo(BigDecimal.valueOf(Long.MAX_VALUE / 8)) > 0) {
            throw bad(path, "tensor '" + name + "' field " + field + " = " + bd + " is too large");
        }
        return bd.longValueExact();
    }

    private static void readFully(FileChannel ch, ByteBuffer b, long pos, Path path) throws IOException {
        long p = pos;
        while (b.hasRemaining()) {
            int r = ch.read(b, p);
            if (r < 0) {
                throw bad(path, "unexpected end of file at byte " + p + " (file changed while reading?)");
            }
            p += r;
        }
    }

    private static Map<String, Tensor> readData(FileChannel ch, Header h, Path path) throws IOException {
        Map<String, Tensor> out = new LinkedHashMap<>();
        ByteBuffer buf = ByteBuffer.allocate(IO_CHUNK).order(ByteOrder.LITTLE_ENDIAN);
        for (Entry e : h.entries()) {
            float[] d = new float[e.elements()];
            long pos = h.dataStart() + e.begin();
            int i = 0;
            while (i < d.length) {
                int want = Math.min(IO_CHUNK / 4, d.length - i);
                buf.clear().limit(want * 4);
                readFully(ch, buf, pos, path);
                buf.flip();
                buf.asFloatBuffer().get(d, i, want);
                pos += want * 4L;
                i += want;
            }
            out.put(e.name(), Tensor.of(d, e.shape()));
        }
        return out;
    }
}
