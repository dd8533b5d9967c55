package org.simdcnn.bench.onnx;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Map;

/**
 * An ONNX Runtime session over an in-memory model with one float input, configured as the anchors were measured:
 * {@code intraOpNumThreads = threads}, {@code interOpNumThreads = 1}, sequential execution, all graph
 * optimisations. The input tensor is created once ({@link #setInput}) and reused by every {@link #run()}.
 */
public final class OrtModel implements AutoCloseable {
    private final OrtEnvironment env;
    private final OrtSession.SessionOptions options;
    private final OrtSession session;
    private final String inputName;
    private OnnxTensor input;
    private Map<String, OnnxTensor> feed;

    public OrtModel(byte[] model, int threads) throws OrtException {
        if (threads < 1) {
            throw new IllegalArgumentException("threads: must be >= 1, got " + threads);
        }
        env = OrtEnvironment.getEnvironment();
        options = new OrtSession.SessionOptions();
        options.setIntraOpNumThreads(threads);
        options.setInterOpNumThreads(1);
        options.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
        options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
        session = env.createSession(model, options);
        inputName = session.getInputNames().iterator().next();
    }

    /** ONNX Runtime's version string. */
    public static String version() {
        return OrtEnvironment.getEnvironment().getVersion();
    }

    /** Copies {@code x} into a direct buffer wrapped by the (reused) input tensor. */
    public void setInput(float[] x, long[] shape) throws OrtException {
        if (input != null) {
            input.close();
        }
        FloatBuffer fb = ByteBuffer.allocateDirect(x.length * 4).order(ByteOrder.nativeOrder()).asFloatBuffer();
        fb.put(x).flip();
        input = OnnxTensor.createTensor(env, fb, shape);
        feed = Map.of(inputName, input);
    }

    /** One inference; the result is closed (its memory returned to ORT) before returning. */
    public void run() throws OrtException {
        try (OrtSession.Result r = session.run(feed)) {
            if (r.size() != 1) {
                throw new IllegalStateException("expected one output, got " + r.size());
            }
        }
    }

    /** One inference, with the first output copied out. */
    public float[] runAndFetch() throws OrtException {
        try (OrtSession.Result r = session.run(feed)) {
            FloatBuffer out = ((OnnxTensor) r.get(0)).getFloatBuffer();
            float[] y = new float[out.remaining()];
            out.get(y);
            return y;
        }
    }

    @Override
    public void close() throws OrtException {
        if (input != null) {
            input.close();
        }
        session.close();
        options.close();
    }
}
