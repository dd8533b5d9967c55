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
 *
 * <p>Memory: outputs that stay inside the Sequential live in reused buffers — in eval mode one set per calling
 * thread (held by a {@link ThreadLocal} of this instance as long as the thread and the model live), in training
 * mode one set for the model. The tensor returned by {@code forward}/{@code backward} is always the caller's own.
 * A module instance should appear only once in a model (its backward state is per instance, as without autograd
 * it cannot be otherwise).
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
        return forward(x, Allocator.HEAP);
    }

    /**
     * Intermediate outputs (those that never leave this Sequential) go to reused buffers: in eval mode buffers
     * owned by the calling thread (so concurrent calls are safe and nothing per call is kept in fields), in
     * training mode buffers of this Sequential that the next forward overwrites (the layers keep them for
     * backward; training is single-threaded). Only the final output is allocated for the caller.
     */
    @Override
    Tensor forward(Tensor x, Allocator alloc) {
        Tensor h = x;
        int n = modules.size();
        float[][] arena = isTraining() ? trainForward(n) : arenas.get();
        if (arena.length < n) {
            arena = new float[n][];
            arenas.set(arena);
        }
        for (int i = 0; i < n; i++) {
            Module m = modules.get(i);
            boolean fused = fuse && i + 1 < n && m instanceof FusedForward && modules.get(i + 1) instanceof Activation a
                    && a.fusable();
            int last = fused ? i + 1 : i;
            Allocator out = last == n - 1 ? alloc : slot(arena, last);
            if (fused) {
                Activation a = (Activation) modules.get(i + 1);
                h = ((FusedForward) m).forwardFused(h, a.epilogue(), out);
                a.recordFused(h);
                i++;
            } else {
                h = m.forward(h, out);
            }
        }
        if (n > 0 && isArenaBuffer(arena, h.data())) {
            h = h.copy(); // a view (e.g. a trailing Flatten) of a reused buffer must not escape
        }
        return h;
    }

    private float[][] trainFwd;
    private float[][] trainBwd;

    private float[][] trainForward(int n) {
        if (trainFwd == null || trainFwd.length < n) {
            trainFwd = new float[n][];
        }
        return trainFwd;
    }

    @Override
    protected void onModeChange(boolean training) {
        if (!training) {
            trainFwd = null;
            trainBwd = null;
        }
    }

    private final ThreadLocal<float[][]> arenas = ThreadLocal.withInitial(() -> new float[modules.size()][]);

    private static Allocator slot(float[][] arena, int i) {
        return shape -> {
            long n = 1;
            for (int d : shape) {
                n *= d;
            }
            float[] b = arena[i];
            if (b == null || b.length < n) {
                b = new float[(int) n];
                arena[i] = b;
            }
            return Tensor.view(b, 0, shape);
        };
    }

    private static boolean isArenaBuffer(float[][] arena, float[] data) {
        for (float[] b : arena) {
            if (b == data) {
                return true;
            }
        }
        return false;
    }

    @Override
    public Tensor backward(Tensor gradOutput) {
        return backward(gradOutput, Allocator.HEAP);
    }

    /** Intermediate gradients go to reused buffers of this Sequential; the input gradient comes from alloc. */
    @Override
    Tensor backward(Tensor gradOutput, Allocator alloc) {
        if (!isTraining()) {
            throw noForward();
        }
        int n = modules.size();
        if (trainBwd == null || trainBwd.length < n) {
            trainBwd = new float[n][];
        }
        Tensor g = gradOutput;
        for (int i = n - 1; i >= 0; i--) {
            g = modules.get(i).backward(g, i == 0 ? alloc : slot(trainBwd, i));
        }
        if (g != null && n > 0 && isArenaBuffer(trainBwd, g.data())) {
            g = g.copy();
        }
        return g;
    }
}
