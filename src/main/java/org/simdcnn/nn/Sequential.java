package org.simdcnn.nn;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.simdcnn.tensor.Tensor;

/**
 * PyTorch's {@code nn.Sequential}: children named {@code "0"}, {@code "1"}, ...; forward runs them in order,
 * backward in reverse. A conv or linear layer directly followed by ReLU or LeakyReLU (non-negative slope) runs as
 * one fused kernel call (the activation in the kernel's epilogue); results and gradients are those of the
 * unfused pair. {@link #fuseActivations(boolean)} switches this off (for comparison).
 */
public final class Sequential extends Module {
    private final List<Module> modules = new ArrayList<>();
    private volatile boolean fuse = true;

    public Sequential(Module... modules) {
        if (modules == null) {
            throw new IllegalArgumentException("Sequential: modules must not be null");
        }
        for (Module m : modules) {
            add(m);
        }
    }

    /** Appends a module under the next index name; returns this. */
    public Sequential add(Module m) {
        if (m == null) {
            throw new IllegalArgumentException("Sequential: module " + modules.size() + " is null");
        }
        registerModule(Integer.toString(modules.size()), m);
        modules.add(m);
        return this;
    }

    public Module get(int i) {
        if (i < 0 || i >= modules.size()) {
            throw new IllegalArgumentException("Sequential.get: index " + i + " out of range [0, " + modules.size()
                    + ")");
        }
        return modules.get(i);
    }

    public int size() {
        return modules.size();
    }

    /** The modules in order (unmodifiable). */
    public List<Module> modules() {
        return Collections.unmodifiableList(modules);
    }

    /** Enables or disables the fused conv/linear + ReLU/LeakyReLU path (on by default); returns this. */
    public Sequential fuseActivations(boolean on) {
        this.fuse = on;
        return this;
    }

    @Override
    public Tensor forward(Tensor x) {
        Tensor h = x;
        int n = modules.size();
        for (int i = 0; i < n; i++) {
            Module m = modules.get(i);
            if (fuse && i + 1 < n && m instanceof FusedForward f && modules.get(i + 1) instanceof Activation a
                    && a.fusable()) {
                h = f.forwardFused(h, a.epilogue());
                a.recordFused(h);
                i++;
            } else {
                h = m.forward(h);
            }
        }
        return h;
    }

    @Override
    public Tensor backward(Tensor gradOutput) {
        if (!isTraining()) {
            throw noForward();
        }
        Tensor g = gradOutput;
        for (int i = modules.size() - 1; i >= 0; i--) {
            g = modules.get(i).backward(g);
        }
        return g;
    }
}
