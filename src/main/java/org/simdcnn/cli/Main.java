package org.simdcnn.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.util.Arrays;
import java.util.List;

/**
 * The {@code simdcnn} command-line program: {@code train}, {@code eval}, {@code info}, {@code help}. Run it
 * through Maven from the repository root ({@code mvn -q compile exec:exec -Dexec.args="train --epochs 3"}) or
 * with {@code java --add-modules jdk.incubator.vector -cp target/classes org.simdcnn.cli.Main train}.
 *
 * <p>Exit codes: 0 success, 2 a user error (bad argument, missing or corrupt file: one line plus the usage, no
 * stack trace), 1 an unexpected internal failure.
 */
public final class Main {
    static final String USAGE = String.join("\n",
            "usage: simdcnn <command> [options]",
            "  train [--data DIR] [--epochs N] [--batch N] [--lr X] [--threads N] [--seed N] [--augment]",
            "        [--out DIR] [--train-size N] [--test-size N] [--dataset fashion-mnist|mnist] [--no-pictures]",
            "  eval  --weights FILE [--data DIR] [--threads N] [--test-size N] [--dataset NAME] [--out DIR]",
            "  info",
            "  help",
            "Without --data, the embedded Fashion-MNIST test split in data/fashion-mnist (run from the repository",
            "root) is split into 8,000 training and 2,000 held-out images; --data DIR reads the full set",
            "(train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz,",
            "t10k-labels-idx1-ubyte.gz) and tests on t10k.",
            "Through Maven: mvn -q compile exec:exec -Dexec.args=\"train --epochs 3\"");

    /** Held strongly: java.util.logging forgets the level of a logger that is garbage-collected. */
    private static final java.util.logging.Logger LIBRARY_LOGGER = java.util.logging.Logger.getLogger("org.simdcnn");

    private Main() {
    }

    public static void main(String[] args) {
        int code = run(args, System.out, System.err);
        System.out.flush();
        System.exit(code);
    }

    /** Runs the program with {@code args}, writing to {@code out} and {@code err}; returns the exit code. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        quietLogging();
        try {
            if (args == null || args.length == 0) {
                throw new UsageException("no command given");
            }
            List<String> rest = Arrays.asList(args).subList(1, args.length);
            switch (args[0]) {
                case "train" -> Train.train(rest, out);
                case "eval" -> Train.eval(rest, out);
                case "info" -> Info.run(rest, out);
                case "help", "-h", "--help" -> out.println(USAGE);
                default -> throw new UsageException("unknown command '" + args[0] + "'");
            }
            return 0;
        } catch (UsageException e) {
            return userError(err, e.getMessage());
        } catch (NoSuchFileException e) {
            String why = e.getReason() != null ? e.getReason() : "file not found";
            return userError(err, why + ": " + e.getFile());
        } catch (AccessDeniedException e) {
            return userError(err, "permission denied: " + e.getFile());
        } catch (IOException e) {
            return userError(err, e.getMessage());
        } catch (UncheckedIOException e) {
            return userError(err, e.getCause().getMessage());
        } catch (RuntimeException | Error e) {
            err.println("simdcnn: internal error (please report it):");
            e.printStackTrace(err);
            return 1;
        }
    }

    /**
     * Keeps the backend's one-line INFO log out of the program's output (the program prints the backend itself);
     * warnings, such as the scalar-fallback warning, still show. Leaves an explicit logging configuration alone.
     */
    private static void quietLogging() {
        if (System.getProperty("java.util.logging.config.file") == null) {
            LIBRARY_LOGGER.setLevel(java.util.logging.Level.WARNING);
        }
    }

    private static int userError(PrintStream err, String message) {
        err.println("simdcnn: error: " + message);
        err.println(USAGE);
        err.flush();
        return 2;
    }
}
