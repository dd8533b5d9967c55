package org.simdcnn.optim;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import org.simdcnn.nn.Parameter;

/**
 * Base of the optimizers: a list of parameters and a learning rate (kept in double precision, as PyTorch's Python
 * float). {@link #step()} updates every parameter in place from its accumulated gradient; {@link #zeroGrad()}
 * clears the gradients. Not thread-safe (one training loop owns it).
 */
public abstract class Optimizer {
    final List<Parameter> params;
    private double lr;

    Optimizer(String op, List<Parameter> params, double lr) {
        if (params == null || params.isEmpty()) {
            throw new IllegalArgumentException(op + ": params must be a non-empty list, got "
                    + (params == null ? "null" : "[]"));
        }
        IdentityHashMap<Parameter, Boolean> seen = new IdentityHashMap<>();
        for (int i = 0; i < params.size(); i++) {
            Parameter p = params.get(i);
            if (p == null) {
                throw new IllegalArgumentException(op + ": params[" + i + "] is null");
            }
            if (seen.put(p, Boolean.TRUE) != null) {
                throw new IllegalArgumentException(op + ": params[" + i + "] (" + p + ") appears more than once");
            }
        }
        checkNonNegative(op, "lr", lr);
        this.params = List.copyOf(new ArrayList<>(params));
        this.lr = lr;
    }

    static void checkNonNegative(String op, String what, double v) {
        if (!(v >= 0.0) || Double.isInfinite(v)) {
            throw new IllegalArgumentException(op + ": " + what + " must be finite and >= 0, got " + v);
        }
    }

    /** Applies one update to every parameter from its gradient. */
    public abstract void step();

    /** Sets every parameter's gradient to zero. */
    public void zeroGrad() {
        for (Parameter p : params) {
            p.zeroGrad();
        }
    }

    /** The current learning rate. */
    public double lr() {
        return lr;
    }

    /** Sets the learning rate (schedulers call this). */
    public void setLr(double lr) {
        checkNonNegative(getClass().getSimpleName(), "lr", lr);
        this.lr = lr;
    }

    /** The parameters, in order. */
    public List<Parameter> parameters() {
        return params;
    }
}
