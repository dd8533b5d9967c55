package org.simdcnn.cli;

import java.io.PrintStream;
import java.util.List;

/** TEMPORARY (until the nn module is merged): train and eval are not available yet. */
final class Train {
    private Train() {
    }

    static void train(List<String> args, PrintStream out) throws java.io.IOException {
        throw new UsageException("train: not available in this build yet (waiting for org.simdcnn.nn)");
    }

    static void eval(List<String> args, PrintStream out) throws java.io.IOException {
        throw new UsageException("eval: not available in this build yet (waiting for org.simdcnn.nn)");
    }
}
