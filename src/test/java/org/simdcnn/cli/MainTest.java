package org.simdcnn.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MainTest {
    @TempDir
    Path dir;

    record Run(int code, String out, String err) {
    }

    static Run run(String... args) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        int code = Main.run(args, new PrintStream(o, true, StandardCharsets.UTF_8),
                new PrintStream(e, true, StandardCharsets.UTF_8));
        return new Run(code, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
    }

    private static void assertUserError(Run r, String fragment) {
        assertEquals(2, r.code(), "exit code 2 for: " + r.err());
        assertTrue(r.err().startsWith("simdcnn: error: "), r.err());
        assertTrue(r.err().contains(fragment), "'" + r.err() + "' should mention '" + fragment + "'");
        assertTrue(r.err().contains("usage: simdcnn <command>"), "usage line shown");
        assertFalse(r.err().contains("Exception") || r.err().contains("\tat "), "no stack trace: " + r.err());
    }

    @Test
    void badArgumentsAreUserErrors() {
        assertUserError(run(), "no command");
        assertUserError(run("fly"), "unknown command 'fly'");
        assertUserError(run("train", "--bogus"), "unknown option --bogus");
        assertUserError(run("train", "--epochs"), "--epochs needs a value");
        assertUserError(run("train", "--epochs", "two"), "--epochs must be a whole number, got 'two'");
        assertUserError(run("train", "--epochs", "0"), "--epochs must be in 1..");
        assertUserError(run("train", "--lr", "-1"), "--lr must be > 0");
        assertUserError(run("train", "--lr", "NaN"), "--lr must be > 0");
        assertUserError(run("train", "--lr", "fast"), "--lr must be a number");
        assertUserError(run("train", "--batch", "64", "--batch", "32"), "--batch given twice");
        assertUserError(run("train", "epochs"), "unexpected argument 'epochs'");
        assertUserError(run("train", "--augment=yes"), "--augment takes no value");
        assertUserError(run("train", "--threads", "0"), "--threads must be in 1..");
        assertUserError(run("info", "--verbose"), "unknown option --verbose");
        assertUserError(run("eval"), "--weights FILE is required");
        assertUserError(run("train", "--dataset", "cifar"), "--dataset must be fashion-mnist or mnist, got 'cifar'");
        assertUserError(run("train", "--dataset", "mnist"), "needs --data DIR");
        assertUserError(run("train", "--train-size", "9000", "--test-size", "2000"), "exceed the 10000");
    }

    @Test
    void missingFilesAreUserErrors() throws IOException {
        assertUserError(run("eval", "--weights", dir.resolve("none.safetensors").toString()), "none.safetensors");
        Path w = Files.writeString(dir.resolve("w.safetensors"), "not a safetensors file");
        assertUserError(run("eval", "--weights", w.toString()), "w.safetensors");
        assertUserError(run("train", "--data", dir.resolve("nodir").toString()), "nodir");
        // a directory without the files
        assertUserError(run("train", "--data", dir.toString()), "t10k-images-idx3-ubyte");
        // a corrupt data file names the file
        Files.write(dir.resolve("t10k-images-idx3-ubyte.gz"), new byte[] {0x1f, (byte) 0x8b, 8, 0, 0});
        Files.write(dir.resolve("t10k-labels-idx1-ubyte.gz"), new byte[] {0x1f, (byte) 0x8b, 8, 0, 0});
        assertUserError(run("train", "--data", dir.toString()), "t10k-images-idx3-ubyte.gz");
    }

    @Test
    void helpAndInfo() {
        Run h = run("help");
        assertEquals(0, h.code());
        assertTrue(h.out().contains("usage: simdcnn"));
        Run i = run("info");
        assertEquals(0, i.code(), i.err());
        String expect = System.getProperty("simdcnn.test.expectBackend", "");
        assertTrue(i.out().contains("backend:   " + expect), i.out());
        assertTrue(i.out().contains("threads:") && i.out().contains("jdk:") && i.out().contains("cpu:"), i.out());
    }
}
