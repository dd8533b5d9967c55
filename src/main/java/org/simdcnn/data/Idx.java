package org.simdcnn.data;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import java.util.zip.ZipException;

/**
 * Reads and writes the IDX format of MNIST and Fashion-MNIST (unsigned bytes only), raw or gzip-compressed.
 *
 * <p>Layout: a 4-byte magic number {@code 0x00 0x00 0x08 N} (type code 0x08 = unsigned byte, {@code N} = rank),
 * {@code N} big-endian 32-bit dimension sizes, then the product of the sizes in bytes, row-major. Gzip is
 * detected by its magic bytes {@code 1f 8b}, not by the file name.
 *
 * <p>Nothing in a header is trusted for allocation: the rank must be in {@code 1..}{@link #MAX_RANK}, every size
 * positive, the element count at most {@link #MAX_ELEMENTS}; a raw file's length must equal header plus
 * payload exactly; a gzip payload is read incrementally (memory grows with what is really there) and a short or
 * corrupt stream is an error. Every failure is an {@link IOException} naming the file and the field.
 */
public final class Idx {
    /** Type code of unsigned bytes, the only one MNIST uses. */
    public static final int TYPE_UBYTE = 0x08;
    /** Largest rank accepted. */
    public static final int MAX_RANK = 8;
    /** Largest element count accepted (512 Mi; the full MNIST training images are 47 Mi). */
    public static final long MAX_ELEMENTS = 1L << 29;

    private static final int CHUNK = 1 << 20;

    private Idx() {
    }

    /**
     * An IDX array of unsigned bytes: its dimension sizes and its row-major payload.
     *
     * @param dims sizes, each {@code >= 1}
     * @param data payload, length = product of {@code dims}
     */
    public record Array(int[] dims, byte[] data) {
        /** Checks that the payload length matches the dimensions. */
        public Array {
            if (dims == null || data == null) {
                throw new IllegalArgumentException("dims and data must not be null");
            }
            long n = checkedCount(dims, "dims");
            if (n != data.length) {
                throw new IllegalArgumentException("data: dims " + Arrays.toString(dims) + " need " + n
                        + " bytes, got " + data.length);
            }
            dims = dims.clone();
        }

        @Override
        public int[] dims() {
            return dims.clone();
        }

        /** Number of items along the first dimension. */
        public int count() {
            return dims[0];
        }

        @Override
        public String toString() {
            return "Idx.Array" + Arrays.toString(dims);
        }
    }

    private static long checkedCount(int[] dims, String what) {
        if (dims.length < 1 || dims.length > MAX_RANK) {
            throw new IllegalArgumentException(what + ": rank must be 1.." + MAX_RANK + ", got " + dims.length);
        }
        long n = 1;
        for (int d : dims) {
            if (d < 1) {
                throw new IllegalArgumentException(what + ": sizes must be >= 1, got " + Arrays.toString(dims));
            }
            n *= d;
            if (n > MAX_ELEMENTS) {
                throw new IllegalArgumentException(what + ": " + Arrays.toString(dims) + " has more than "
                        + MAX_ELEMENTS + " elements");
            }
        }
        return n;
    }

    /**
     * Reads an IDX file of unsigned bytes.
     *
     * @throws NoSuchFileException when the file does not exist
     * @throws IOException when the file is corrupt, truncated, too large or not IDX; the message names the file
     *     and the field
     */
    public static Array read(Path file) throws IOException {
        if (file == null) {
            throw new IllegalArgumentException("file: must not be null");
        }
        if (!Files.isRegularFile(file)) {
            if (!Files.exists(file)) {
                throw new NoSuchFileException(file.toString(), null, "IDX file not found");
            }
            throw new IOException(file + ": not a regular file");
        }
        long fileSize = Files.size(file);
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            raw.mark(2);
            int b0 = raw.read();
            int b1 = raw.read();
            raw.reset();
            boolean gzip = b0 == 0x1f && b1 == 0x8b;
            try (InputStream in = gzip ? new GZIPInputStream(raw, 1 << 16) : raw) {
                return read(in, file.toString(), gzip ? -1 : fileSize);
            } catch (EOFException | ZipException e) {
                throw new IOException(file + ": gzip stream is truncated or corrupt (" + e.getMessage() + ")", e);
            }
        }
    }

    /**
     * Reads an IDX array from a stream (already decompressed). {@code knownLength} is the exact number of bytes
     * the stream holds, or -1 when unknown (then the payload is read incrementally).
     */
    static Array read(InputStream in, String name, long knownLength) throws IOException {
        byte[] magic = readHeaderBytes(in, 4, name, "magic number");
        if (magic[0] != 0 || magic[1] != 0) {
            throw new IOException(name + ": magic number " + hex(magic) + " is not IDX (must start with 00 00)");
        }
        int type = magic[2] & 0xff;
        if (type != TYPE_UBYTE) {
            throw new IOException(name + ": magic number " + hex(magic) + " has type code 0x"
                    + String.format("%02x", type) + "; only 0x08 (unsigned byte) is supported");
        }
        int rank = magic[3] & 0xff;
        if (rank < 1 || rank > MAX_RANK) {
            throw new IOException(name + ": magic number " + hex(magic) + " gives rank " + rank + ", must be 1.."
                    + MAX_RANK);
        }
        byte[] dimBytes = readHeaderBytes(in, 4 * rank, name, "dimension sizes");
        int[] dims = new int[rank];
        long count = 1;
        for (int i = 0; i < rank; i++) {
            long d = ((dimBytes[4 * i] & 0xffL) << 24) | ((dimBytes[4 * i + 1] & 0xff) << 16)
                    | ((dimBytes[4 * i + 2] & 0xff) << 8) | (dimBytes[4 * i + 3] & 0xff);
            if (d < 1 || d > Integer.MAX_VALUE) {
                throw new IOException(name + ": dimension " + i + " has size " + d + ", must be 1.."
                        + Integer.MAX_VALUE);
            }
            dims[i] = (int) d;
            count *= d;
            if (count > MAX_ELEMENTS) {
                throw new IOException(name + ": dimension sizes " + describe(dimBytes, rank)
                        + " give more than " + MAX_ELEMENTS + " elements (the limit of this reader)");
            }
        }
        long header = 4L + 4L * rank;
        if (knownLength >= 0) {
            if (knownLength != header + count) {
                throw new IOException(name + ": dimension sizes " + Arrays.toString(dims) + " need " + count
                        + " payload bytes after a " + header + "-byte header, but the file holds "
                        + (knownLength - header)
                        + (knownLength < header + count ? " (truncated)" : " (trailing bytes)"));
            }
            byte[] data = in.readNBytes((int) count);
            if (data.length != count) {
                throw new IOException(name + ": payload truncated: expected " + count + " bytes, read " + data.length);
            }
            return new Array(dims, data);
        }
        byte[] data = new byte[(int) Math.min(count, CHUNK)];
        int filled = 0;
        while (filled < count) {
            if (filled == data.length) {
                data = Arrays.copyOf(data, (int) Math.min(count, 2L * data.length));
            }
            int n = in.read(data, filled, data.length - filled);
            if (n < 0) {
                throw new IOException(name + ": payload truncated: dimension sizes " + Arrays.toString(dims)
                        + " need " + count + " bytes, the stream ends after " + filled);
            }
            filled += n;
        }
        if (in.read() >= 0) {
            throw new IOException(name + ": trailing bytes after the " + count + "-byte payload of dimension sizes "
                    + Arrays.toString(dims));
        }
        return new Array(dims, data);
    }

    private static byte[] readHeaderBytes(InputStream in, int n, String name, String field) throws IOException {
        byte[] b = in.readNBytes(n);
        if (b.length != n) {
            throw new IOException(name + ": truncated in the header (" + field + "): expected " + n + " bytes, got "
                    + b.length);
        }
        return b;
    }

    private static String hex(byte[] b) {
        StringBuilder sb = new StringBuilder("0x");
        for (byte x : b) {
            sb.append(String.format("%02x", x & 0xff));
        }
        return sb.toString();
    }

    private static String describe(byte[] dimBytes, int rank) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < rank; i++) {
            long d = ((dimBytes[4 * i] & 0xffL) << 24) | ((dimBytes[4 * i + 1] & 0xff) << 16)
                    | ((dimBytes[4 * i + 2] & 0xff) << 8) | (dimBytes[4 * i + 3] & 0xff);
            sb.append(i > 0 ? ", " : "").append(d);
        }
        return sb.append(']').toString();
    }

    /**
     * Reads an IDX file that must have rank {@code rank} (1 for labels, 3 for images).
     *
     * @throws IOException as {@link #read(Path)}, or when the rank differs
     */
    public static Array read(Path file, int rank) throws IOException {
        Array a = read(file);
        if (a.dims.length != rank) {
            throw new IOException(file + ": magic number gives rank " + a.dims.length + ", expected " + rank);
        }
        return a;
    }

    /**
     * Writes an IDX file of unsigned bytes, gzip-compressed when {@code gzip}; atomically (a temporary file in the
     * same directory, then a rename).
     */
    public static void write(Path file, Array array, boolean gzip) throws IOException {
        if (file == null || array == null) {
            throw new IllegalArgumentException("file and array must not be null");
        }
        Path dir = file.toAbsolutePath().getParent();
        if (dir != null) {
            Files.createDirectories(dir);
        }
        Path tmp = Files.createTempFile(dir, file.getFileName().toString(), ".tmp");
        try {
            try (OutputStream os = Files.newOutputStream(tmp);
                    OutputStream bs = new BufferedOutputStream(gzip ? new GZIPOutputStream(os, 1 << 16) : os, 1 << 16);
                    DataOutputStream out = new DataOutputStream(bs)) {
                out.writeInt((TYPE_UBYTE << 8) | array.dims.length);
                for (int d : array.dims) {
                    out.writeInt(d);
                }
                out.write(array.data);
            }
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
