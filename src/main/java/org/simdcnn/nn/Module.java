package org.simdcnn.nn;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.simdcnn.tensor.Tensor;

/**
 * A layer or a model, PyTorch-shaped but without a general autograd: {@link #forward} computes the output and, in
 * training mode, keeps what {@link #backward} needs; {@code backward} takes the gradient of the loss with respect
 * to the output of the <em>last</em> forward call and returns the gradient with respect to its input, adding
 * (accumulating, as PyTorch) the parameter gradients into {@link Parameter#grad()}.
 *
 * <p><b>Modes.</b> Modules start in training mode. In {@link #eval()} mode a module keeps no per-call state in
 * its fields, so one model may serve {@code forward} calls from many threads at once, each result identical to a
 * single-threaded call; {@code backward} is then unavailable. Training (forward/backward pairs) is
 * single-threaded per model; the kernels themselves use the library's thread pool.
 *
 * <p><b>Names.</b> Parameters and buffers have PyTorch's state-dict names: local names such as {@code weight},
 * prefixed by the names of the containing modules ({@code "0.weight"}, {@code "block.1.bias"}).
 */
public abstract class Module {
    private final Map<String, Parameter> params = new LinkedHashMap<>();
    private final Map<String, Tensor> buffers = new LinkedHashMap<>();
    private final Map<String, Module> children = new LinkedHashMap<>();
    private boolean training = true;

    /** Computes the output for {@code x}; in training mode remembers what {@link #backward} needs. */
    public abstract Tensor forward(Tensor x);

    /**
     * Forward whose output comes from {@code alloc} (layers of this package override it; the default allocates
     * through {@link #forward(Tensor)}).
     */
    Tensor forward(Tensor x, Allocator alloc) {
        return forward(x);
    }

    /**
     * Backward whose input gradient comes from {@code alloc} (layers of this package override it; the default
     * allocates through {@link #backward(Tensor)}). {@code alloc == null} means the caller does not need the input
     * gradient: layers that can skip it (conv, linear) return null.
     */
    Tensor backward(Tensor gradOutput, Allocator alloc) {
        return backward(gradOutput);
    }

    static Allocator orHeap(Allocator alloc) {
        return alloc == null ? Allocator.HEAP : alloc;
    }

    /**
     * Backward for training when the input gradient is not needed (as PyTorch's {@code loss.backward()} with an
     * input that does not require grad): accumulates the parameter gradients like {@link #backward(Tensor)} but
     * lets the first layer skip computing the gradient with respect to the model's input (for a first conv
     * layer this is a sizeable part of the step).
     *
     * @throws IllegalStateException when there was no training-mode forward call to go back through
     */
    public void backwardParameters(Tensor gradOutput) {
        backward(gradOutput, null);
    }

    /**
     * Gradient of the loss with respect to the input of the last training-mode {@link #forward}, given the
     * gradient with respect to its output; accumulates the parameter gradients.
     *
     * @throws IllegalStateException when there was no training-mode forward call to go back through
     */
    public abstract Tensor backward(Tensor gradOutput);

    /** Registers a parameter under a local name; returns it. */
    protected final Parameter registerParameter(String name, Tensor data) {
        checkLocalName(name);
        Parameter p = new Parameter(name, data);
        params.put(name, p);
        return p;
    }

    /** Registers a buffer (state that is not trained, e.g. running statistics) under a local name. */
    protected final Tensor registerBuffer(String name, Tensor data) {
        checkLocalName(name);
        if (data == null) {
            throw new IllegalArgumentException("buffer '" + name + "': must not be null");
        }
        buffers.put(name, data);
        return data;
    }

    /** Registers a child module under a local name; returns it. */
    protected final <M extends Module> M registerModule(String name, M module) {
        checkLocalName(name);
        if (module == null) {
            throw new IllegalArgumentException("module '" + name + "': must not be null");
        }
        if (module == this) {
            throw new IllegalArgumentException("module '" + name + "': a module cannot contain itself");
        }
        children.put(name, module);
        ((Module) module).setTraining(training);
        return module;
    }

    private void checkLocalName(String name) {
        if (name == null || name.isEmpty() || name.contains(".")) {
            throw new IllegalArgumentException("name: must be a non-empty name without dots, got '" + name + "'");
        }
        if (params.containsKey(name) || buffers.containsKey(name) || children.containsKey(name)) {
            throw new IllegalArgumentException("name: '" + name + "' is already registered in "
                    + getClass().getSimpleName());
        }
    }

    /** The direct children in registration order, by local name. */
    public Map<String, Module> children() {
        return Collections.unmodifiableMap(children);
    }

    /** Every parameter of this module and its descendants, in state-dict order. */
    public List<Parameter> parameters() {
        return new ArrayList<>(namedParameters().values());
    }

    /** Every parameter with its full PyTorch name, in state-dict order (own parameters first, then children). */
    public Map<String, Parameter> namedParameters() {
        Map<String, Parameter> out = new LinkedHashMap<>();
        collectParameters("", out);
        return out;
    }

    private void collectParameters(String prefix, Map<String, Parameter> out) {
        for (Map.Entry<String, Parameter> e : params.entrySet()) {
            out.put(prefix + e.getKey(), e.getValue());
        }
        for (Map.Entry<String, Module> e : children.entrySet()) {
            e.getValue().collectParameters(prefix + e.getKey() + ".", out);
        }
    }

    /** Every buffer with its full name (e.g. {@code "1.running_mean"}). */
    public Map<String, Tensor> namedBuffers() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        collectBuffers("", out);
        return out;
    }

    private void collectBuffers(String prefix, Map<String, Tensor> out) {
        for (Map.Entry<String, Tensor> e : buffers.entrySet()) {
            out.put(prefix + e.getKey(), e.getValue());
        }
        for (Map.Entry<String, Module> e : children.entrySet()) {
            e.getValue().collectBuffers(prefix + e.getKey() + ".", out);
        }
    }

    /**
     * Parameters and buffers by PyTorch state-dict name, in PyTorch's order (per module: parameters, then
     * buffers, then children). The tensors are the live ones (not copies). Every tensor is a float tensor:
     * BatchNorm's {@code num_batches_tracked} (an int64 scalar in PyTorch) appears as a float scalar of shape
     * {@code []} holding the count (exact up to 2^24).
     */
    public Map<String, Tensor> stateDict() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        collectState("", out);
        return out;
    }

    private void collectState(String prefix, Map<String, Tensor> out) {
        for (Map.Entry<String, Parameter> e : params.entrySet()) {
            out.put(prefix + e.getKey(), e.getValue().data());
        }
        for (Map.Entry<String, Tensor> e : buffers.entrySet()) {
            out.put(prefix + e.getKey(), e.getValue());
        }
        for (Map.Entry<String, Module> e : children.entrySet()) {
            e.getValue().collectState(prefix + e.getKey() + ".", out);
        }
    }

    /**
     * Copies {@code state} into the parameters and buffers (strict, as PyTorch's default): every name of
     * {@link #stateDict()} must be present with the same shape and no other name may appear, except that a
     * missing {@code num_batches_tracked} is allowed (the counter is kept). Everything is validated before
     * anything is copied, so a failed load leaves the module unchanged.
     *
     * @throws IllegalArgumentException naming the missing, unexpected or mis-shaped tensor
     */
    public void loadStateDict(Map<String, Tensor> state) {
        if (state == null) {
            throw new IllegalArgumentException("state: must not be null");
        }
        Map<String, Tensor> own = stateDict();
        for (Map.Entry<String, Tensor> e : own.entrySet()) {
            Tensor t = state.get(e.getKey());
            if (t == null) {
                if (e.getKey().endsWith("num_batches_tracked")) {
                    continue;
                }
                throw new IllegalArgumentException("state dict: missing tensor '" + e.getKey() + "' (expected shape "
                        + Arrays.toString(e.getValue().shape()) + ")");
            }
            if (!Arrays.equals(t.shape(), e.getValue().shape())) {
                throw new IllegalArgumentException("state dict: tensor '" + e.getKey() + "' has shape "
                        + Arrays.toString(t.shape()) + " but the model expects " + Arrays.toString(
                        e.getValue().shape()));
            }
        }
        for (String k : state.keySet()) {
            if (!own.containsKey(k)) {
                throw new IllegalArgumentException("state dict: unexpected tensor '" + k + "' (the model has "
                        + own.keySet() + ")");
            }
        }
        for (Map.Entry<String, Tensor> e : own.entrySet()) {
            Tensor src = state.get(e.getKey());
            if (src != null) {
                Tensor dst = e.getValue();
                System.arraycopy(src.data(), src.offset(), dst.data(), dst.offset(), dst.size());
                dst.markModified();
            }
        }
    }

    /** Switches this module and its descendants to training mode; returns this. */
    public Module train() {
        setTraining(true);
        return this;
    }

    /** Switches this module and its descendants to evaluation mode (thread-safe inference); returns this. */
    public Module eval() {
        setTraining(false);
        return this;
    }

    private void setTraining(boolean on) {
        training = on;
        onModeChange(on);
        for (Module m : children.values()) {
            m.setTraining(on);
        }
    }

    /** Hook for subclasses: called when the mode changes (e.g. to drop cached training state). */
    protected void onModeChange(boolean training) {
    }

    public boolean isTraining() {
        return training;
    }

    /** Sets every parameter gradient to zero. */
    public void zeroGrad() {
        for (Parameter p : namedParameters().values()) {
            p.zeroGrad();
        }
    }

    /** Total number of parameter elements. */
    public long parameterCount() {
        long n = 0;
        for (Parameter p : namedParameters().values()) {
            n += p.size();
        }
        return n;
    }

    /** Throws a clear error when backward is called without a matching training-mode forward. */
    protected final IllegalStateException noForward() {
        return new IllegalStateException(getClass().getSimpleName() + ".backward: no training-mode forward to go "
                + "back through (call train() and forward first; eval() keeps no state)");
    }

    /** Checks that {@code grad} has {@code shape}. */
    protected static void checkGradShape(String module, Tensor grad, int[] shape) {
        if (grad == null) {
            throw new IllegalArgumentException(module + ".backward: gradOutput must not be null");
        }
        if (!Arrays.equals(grad.shape(), shape)) {
            throw new IllegalArgumentException(module + ".backward: gradOutput has shape "
                    + Arrays.toString(grad.shape()) + " but the forward output had shape " + Arrays.toString(shape));
        }
    }

    /** Module description, as PyTorch's {@code repr}, one child per line. */
    @Override
    public String toString() {
        if (children.isEmpty()) {
            return getClass().getSimpleName() + "(" + extraRepr() + ")";
        }
        StringBuilder sb = new StringBuilder(getClass().getSimpleName()).append("(\n");
        for (Map.Entry<String, Module> e : children.entrySet()) {
            sb.append("  (").append(e.getKey()).append("): ")
                    .append(e.getValue().toString().replace("\n", "\n  ")).append('\n');
        }
        return sb.append(')').toString();
    }

    /** The arguments shown by {@link #toString()}. */
    protected String extraRepr() {
        return "";
    }
}
