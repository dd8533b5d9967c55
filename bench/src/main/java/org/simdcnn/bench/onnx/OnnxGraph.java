package org.simdcnn.bench.onnx;

import java.util.ArrayList;
import java.util.List;

/**
 * A minimal ONNX graph builder that serialises a {@code ModelProto} by hand (no protobuf library): float tensors
 * only, nodes with int / ints attributes, initializers stored as little-endian {@code raw_data}, and typed graph
 * inputs and outputs with static shapes. Field numbers follow {@code onnx/onnx.proto}.
 */
public final class OnnxGraph {
    /** ONNX IR version written into the model (IR 8 goes with opsets up to 17). */
    public static final int IR_VERSION = 8;
    /** Default-domain opset the models import. */
    public static final int OPSET = 13;

    // ModelProto
    private static final int MODEL_IR_VERSION = 1;
    private static final int MODEL_PRODUCER_NAME = 2;
    private static final int MODEL_GRAPH = 7;
    private static final int MODEL_OPSET_IMPORT = 8;
    // OperatorSetIdProto
    private static final int OPSET_DOMAIN = 1;
    private static final int OPSET_VERSION = 2;
    // GraphProto
    private static final int GRAPH_NODE = 1;
    private static final int GRAPH_NAME = 2;
    private static final int GRAPH_INITIALIZER = 5;
    private static final int GRAPH_INPUT = 11;
    private static final int GRAPH_OUTPUT = 12;
    // NodeProto
    private static final int NODE_INPUT = 1;
    private static final int NODE_OUTPUT = 2;
    private static final int NODE_NAME = 3;
    private static final int NODE_OP_TYPE = 4;
    private static final int NODE_ATTRIBUTE = 5;
    // AttributeProto
    private static final int ATTR_NAME = 1;
    private static final int ATTR_I = 3;
    private static final int ATTR_INTS = 8;
    private static final int ATTR_TYPE = 20;
    private static final int ATTR_TYPE_INT = 2;
    private static final int ATTR_TYPE_INTS = 7;
    // TensorProto
    private static final int TENSOR_DIMS = 1;
    private static final int TENSOR_DATA_TYPE = 2;
    private static final int TENSOR_NAME = 8;
    private static final int TENSOR_RAW_DATA = 9;
    private static final int DATA_TYPE_FLOAT = 1;
    // ValueInfoProto, TypeProto, TypeProto.Tensor, TensorShapeProto, Dimension
    private static final int VALUE_INFO_NAME = 1;
    private static final int VALUE_INFO_TYPE = 2;
    private static final int TYPE_TENSOR_TYPE = 1;
    private static final int TENSOR_TYPE_ELEM_TYPE = 1;
    private static final int TENSOR_TYPE_SHAPE = 2;
    private static final int SHAPE_DIM = 1;
    private static final int DIM_VALUE = 1;

    private final String name;
    private final List<ProtoWriter> nodes = new ArrayList<>();
    private final List<ProtoWriter> initializers = new ArrayList<>();
    private final List<ProtoWriter> inputs = new ArrayList<>();
    private final List<ProtoWriter> outputs = new ArrayList<>();

    public OnnxGraph(String name) {
        this.name = name;
    }

    /** One attribute of a node: a single int64 or a list of them. */
    public record Attr(String name, long[] values, boolean list) {
        public static Attr ints(String name, long... values) {
            return new Attr(name, values.clone(), true);
        }

        public static Attr ints(String name, int... values) {
            long[] v = new long[values.length];
            for (int i = 0; i < v.length; i++) {
                v[i] = values[i];
            }
            return new Attr(name, v, true);
        }

        public static Attr of(String name, long value) {
            return new Attr(name, new long[] {value}, false);
        }

        ProtoWriter encode() {
            ProtoWriter a = new ProtoWriter().string(ATTR_NAME, name);
            if (list) {
                a.varint(ATTR_TYPE, ATTR_TYPE_INTS);
                for (long v : values) {
                    a.varint(ATTR_INTS, v);
                }
            } else {
                a.varint(ATTR_TYPE, ATTR_TYPE_INT).varint(ATTR_I, values[0]);
            }
            return a;
        }
    }

    /** Appends a node (nodes must be added in topological order). */
    public OnnxGraph node(String opType, String[] in, String[] out, Attr... attrs) {
        ProtoWriter n = new ProtoWriter();
        for (String s : in) {
            n.string(NODE_INPUT, s);
        }
        for (String s : out) {
            n.string(NODE_OUTPUT, s);
        }
        n.string(NODE_NAME, opType.toLowerCase() + "_" + nodes.size()).string(NODE_OP_TYPE, opType);
        for (Attr a : attrs) {
            n.message(NODE_ATTRIBUTE, a.encode());
        }
        nodes.add(n);
        return this;
    }

    /** A float constant of the given shape, row-major. */
    public OnnxGraph initializer(String tensorName, long[] dims, float[] data) {
        long count = 1;
        for (long d : dims) {
            count *= d;
        }
        if (count != data.length) {
            throw new IllegalArgumentException("initializer " + tensorName + ": shape holds " + count
                    + " elements, data has " + data.length);
        }
        ProtoWriter t = new ProtoWriter();
        for (long d : dims) {
            t.varint(TENSOR_DIMS, d);
        }
        t.varint(TENSOR_DATA_TYPE, DATA_TYPE_FLOAT).string(TENSOR_NAME, tensorName)
                .bytes(TENSOR_RAW_DATA, ProtoWriter.littleEndian(data));
        initializers.add(t);
        return this;
    }

    /** A float graph input with a static shape. */
    public OnnxGraph input(String valueName, long... dims) {
        inputs.add(valueInfo(valueName, dims));
        return this;
    }

    /** A float graph output with a static shape. */
    public OnnxGraph output(String valueName, long... dims) {
        outputs.add(valueInfo(valueName, dims));
        return this;
    }

    private static ProtoWriter valueInfo(String valueName, long[] dims) {
        ProtoWriter shape = new ProtoWriter();
        for (long d : dims) {
            shape.message(SHAPE_DIM, new ProtoWriter().varint(DIM_VALUE, d));
        }
        ProtoWriter tensorType = new ProtoWriter().varint(TENSOR_TYPE_ELEM_TYPE, DATA_TYPE_FLOAT)
                .message(TENSOR_TYPE_SHAPE, shape);
        ProtoWriter type = new ProtoWriter().message(TYPE_TENSOR_TYPE, tensorType);
        return new ProtoWriter().string(VALUE_INFO_NAME, valueName).message(VALUE_INFO_TYPE, type);
    }

    /** The serialised {@code ModelProto}: IR {@value #IR_VERSION}, default-domain opset {@value #OPSET}. */
    public byte[] toModelBytes() {
        ProtoWriter g = new ProtoWriter();
        for (ProtoWriter n : nodes) {
            g.message(GRAPH_NODE, n);
        }
        g.string(GRAPH_NAME, name);
        for (ProtoWriter t : initializers) {
            g.message(GRAPH_INITIALIZER, t);
        }
        for (ProtoWriter v : inputs) {
            g.message(GRAPH_INPUT, v);
        }
        for (ProtoWriter v : outputs) {
            g.message(GRAPH_OUTPUT, v);
        }
        return new ProtoWriter()
                .varint(MODEL_IR_VERSION, IR_VERSION)
                .string(MODEL_PRODUCER_NAME, "simdcnn-bench")
                .message(MODEL_GRAPH, g)
                .message(MODEL_OPSET_IMPORT, new ProtoWriter().string(OPSET_DOMAIN, "").varint(OPSET_VERSION, OPSET))
                .toByteArray();
    }
}
