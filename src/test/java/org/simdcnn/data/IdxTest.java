package org.simdcnn.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class IdxTest {
    @TempDir
    Path dir;

    private static byte[] randomBytes(int n, long seed) {
        byte[] b = new byte[n];
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i < n; i++) {
            b[i] = (byte) r.nextInt(256);
        }
        return b;
    }

    private static byte[] header(int magic, int... dims) {
        ByteBuffer bb = ByteBuffer.allocate(4 + 4 * dims.length);
        bb.putInt(magic);
        for (int d : dims) {
            bb.putInt(d);
        }
        return bb.array();
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] c = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }

    private static byte[] gzip(byte[] raw) throws IOException {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(bos)) {
            gz.write(raw);
        }
        return bos.toByteArray();
    }

    private Path file(String name, byte[] content) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, content);
        return p;
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void roundTripOfEveryRank(boolean gz) throws IOException {
        int[][] shapes = {{7}, {3, 5}, {4, 6, 5}, {2, 3, 4, 5}};
        for (int[] dims : shapes) {
            int n = Arrays.stream(dims).reduce(1, (a, b) -> a * b);
            Idx.Array a = new Idx.Array(dims, randomBytes(n, n));
            Path p = dir.resolve("r" + dims.length + (gz ? ".gz" : ""));
            Idx.write(p, a, gz);
            Idx.Array b = Idx.read(p);
            assertArrayEquals(dims, b.dims());
            assertArrayEquals(a.data(), b.data());
            byte[] head = Arrays.copyOf(Files.readAllBytes(p), 2);
            assertEquals(gz, head[0] == (byte) 0x1f && head[1] == (byte) 0x8b, "gzip detected by content");
        }
    }

    @Test
    void gzipIsDetectedByMagicNotByName() throws IOException {
        byte[] raw = concat(header(0x0801, 4), new byte[] {1, 2, 3, 4});
        Path gzNamedRaw = file("labels.gz", raw);
        assertArrayEquals(new byte[] {1, 2, 3, 4}, Idx.read(gzNamedRaw).data());
        Path rawNamedGz = file("labels.idx", gzip(raw));
        assertArrayEquals(new byte[] {1, 2, 3, 4}, Idx.read(rawNamedGz).data());
    }

    @Test
    void readsTheEmbeddedFashionMnist() throws IOException {
        Idx.Array labels = Idx.read(Path.of("data/fashion-mnist/t10k-labels-idx1-ubyte.gz"), 1);
        assertArrayEquals(new int[] {10000}, labels.dims());
        int[] counts = new int[10];
        for (byte b : labels.data()) {
            counts[b]++;
        }
        assertArrayEquals(new int[] {1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000}, counts);
        Idx.Array images = Idx.read(Path.of("data/fashion-mnist/t10k-images-idx3-ubyte.gz"), 3);
        assertArrayEquals(new int[] {10000, 28, 28}, images.dims());
        // first test image is an ankle boot (label 9); its pixels are not all zero
        assertEquals(9, labels.data()[0]);
        int sum = 0;
        for (int i = 0; i < 784; i++) {
            sum += images.data()[i] & 0xff;
        }
        assertTrue(sum > 10000, "first image has ink, got pixel sum " + sum);
    }

    private void assertRejected(Path p, String... fragments) {
        IOException e = assertThrows(IOException.class, () -> Idx.read(p));
        for (String f : fragments) {
            assertTrue(e.getMessage().contains(f), "message '" + e.getMessage() + "' should contain '" + f + "'");
        }
        assertTrue(e.getMessage().contains(p.toString()), "message names the file: " + e.getMessage());
    }

    @Test
    void rejectsWrongMagic() throws IOException {
        assertRejected(file("a", concat(header(0x01000801, 1), new byte[1])), "magic number", "not IDX");
        assertRejected(file("b", concat(header(0x0D01, 1), new byte[4])), "magic number", "type code 0x0d");
        assertRejected(file("c", header(0x0800)), "rank 0");
        assertRejected(file("d", header(0x0809, 1, 1, 1, 1, 1, 1, 1, 1, 1)), "rank 9");
    }

    @Test
    void rejectsAbsurdDimensionsBeforeAllocating() throws IOException {
        // 2^31-1 x 2^31-1 x 28: far beyond any bound; the file is tiny, nothing may be allocated from it
        assertRejected(file("huge", header(0x0803, Integer.MAX_VALUE, Integer.MAX_VALUE, 28)), "dimension sizes",
                "elements");
        assertRejected(file("huge.gz", gzip(header(0x0803, 100000, 100000, 100000))), "dimension sizes");
        assertRejected(file("zero", header(0x0803, 0, 28, 28)), "dimension 0", "size 0");
        assertRejected(file("neg", header(0x0801, -5)), "dimension 0", "size 4294967291");
        // plausible-looking but larger than the file: raw files are checked against their size before reading
        assertRejected(file("short", concat(header(0x0803, 60000, 28, 28), new byte[1000])), "truncated",
                "47040000");
    }

    @Test
    void rejectsTruncationAndTrailingBytes() throws IOException {
        byte[] good = concat(header(0x0803, 3, 4, 4), randomBytes(48, 1));
        assertRejected(file("t1", Arrays.copyOf(good, 47 + 16)), "truncated");
        assertRejected(file("t2", Arrays.copyOf(good, 10)), "header", "dimension sizes");
        assertRejected(file("t3", Arrays.copyOf(good, 2)), "header", "magic number");
        assertRejected(file("t4", new byte[0]), "header");
        assertRejected(file("t5", concat(good, new byte[] {7})), "trailing bytes");
    }

    @Test
    void rejectsTruncatedOrCorruptGzip() throws IOException {
        byte[] good = concat(header(0x0803, 50, 28, 28), randomBytes(50 * 784, 2));
        byte[] gz = gzip(good);
        // the gzip stream cut in half: a truncated stream, not a short payload
        assertRejected(file("cut.gz", Arrays.copyOf(gz, gz.length / 2)), "gzip");
        // a complete gzip stream whose content is short
        assertRejected(file("short.gz", gzip(Arrays.copyOf(good, good.length - 5))), "truncated");
        // trailing payload bytes inside the gzip stream
        assertRejected(file("long.gz", gzip(concat(good, new byte[3]))), "trailing bytes");
        // corrupt deflate data
        byte[] bad = gz.clone();
        for (int i = 20; i < 40; i++) {
            bad[i] ^= (byte) 0x5a;
        }
        IOException e = assertThrows(IOException.class, () -> Idx.read(file("bad.gz", bad)));
        assertTrue(e.getMessage().contains("bad.gz"), e.getMessage());
    }

    @Test
    void missingFileIsNoSuchFile() {
        assertThrows(NoSuchFileException.class, () -> Idx.read(dir.resolve("nope")));
    }

    @Test
    void rankCheck() throws IOException {
        Path p = dir.resolve("l");
        Idx.write(p, new Idx.Array(new int[] {3}, new byte[3]), false);
        IOException e = assertThrows(IOException.class, () -> Idx.read(p, 3));
        assertTrue(e.getMessage().contains("rank 1, expected 3"), e.getMessage());
    }

    @Test
    void arrayValidatesItsLength() {
        assertThrows(IllegalArgumentException.class, () -> new Idx.Array(new int[] {2, 2}, new byte[3]));
        assertThrows(IllegalArgumentException.class, () -> new Idx.Array(new int[] {0}, new byte[0]));
    }

    @Test
    void pairingChecksCountsAndLabelRange() throws IOException {
        Path im = dir.resolve("im");
        Path lb = dir.resolve("lb");
        Idx.write(im, new Idx.Array(new int[] {3, 2, 2}, randomBytes(12, 3)), true);
        Idx.write(lb, new Idx.Array(new int[] {4}, new byte[] {0, 1, 2, 3}), true);
        IOException e = assertThrows(IOException.class, () -> FashionMnist.load(im, lb, 10));
        assertTrue(e.getMessage().contains("3 images") && e.getMessage().contains("4 labels"), e.getMessage());
        Idx.write(lb, new Idx.Array(new int[] {3}, new byte[] {0, 10, 2}), true);
        e = assertThrows(IOException.class, () -> FashionMnist.load(im, lb, 10));
        assertTrue(e.getMessage().contains("label 10 at index 1"), e.getMessage());
        Idx.write(lb, new Idx.Array(new int[] {3}, new byte[] {0, 9, 2}), true);
        ByteImageDataset ds = FashionMnist.load(im, lb, 10);
        assertEquals(3, ds.size());
        assertArrayEquals(new int[] {1, 2, 2}, ds.imageShape());
        assertEquals(9, ds.get(1).label());
    }
}
