#!/usr/bin/python3
"""Golden data for the optimizers and learning-rate schedulers (PyTorch 1.13).

Writes src/test/resources/golden/optim/optim.json: for each case, two parameters with initial values, a fixed
gradient per step (set directly as .grad, so no model is involved) and the parameter values after every step of
torch.optim.SGD / Adam / AdamW; and the learning rates of StepLR and CosineAnnealingLR over a few epochs.

Hyper-parameters are float32-representable (float(np.float32(v))) so that the Java side, which takes floats,
uses the very same values. Float values are written with repr() of the float64 holding the exact float32 value,
so they parse back exactly.

Run from the repository root: /usr/bin/python3 tools/golden/gen_optim.py
"""
import json
import os

import numpy as np
import torch

OUT = os.path.join("src", "test", "resources", "golden", "optim", "optim.json")
STEPS = 6
SHAPES = [(3, 4), (5,)]


def f32(v):
    return float(np.float32(v))


def flat(t):
    return [float(v) for v in t.detach().reshape(-1).tolist()]


def run_case(name, make_opt, seed):
    g = torch.Generator().manual_seed(seed)
    params = [torch.nn.Parameter(torch.rand(s, generator=g) * 2 - 1) for s in SHAPES]
    opt = make_opt(params)
    case = {"name": name, "shapes": [list(s) for s in SHAPES], "params0": [flat(p) for p in params],
            "grads": [], "after": []}
    for _ in range(STEPS):
        grads = [torch.randn(s, generator=g) for s in SHAPES]
        opt.zero_grad()
        for p, gr in zip(params, grads):
            p.grad = gr.clone()
        opt.step()
        case["grads"].append([flat(gr) for gr in grads])
        case["after"].append([flat(p) for p in params])
    return case


def main():
    torch.set_num_threads(1)
    cases = []
    lr = f32(0.05)
    sgd_configs = [
        ("sgd_plain", dict(lr=lr)),
        ("sgd_momentum", dict(lr=lr, momentum=f32(0.9))),
        ("sgd_momentum_dampening_wd", dict(lr=lr, momentum=f32(0.8), dampening=f32(0.25),
                                           weight_decay=f32(0.01))),
        ("sgd_nesterov_wd", dict(lr=lr, momentum=f32(0.9), nesterov=True, weight_decay=f32(0.001))),
    ]
    for i, (name, kw) in enumerate(sgd_configs):
        c = run_case(name, lambda ps, kw=kw: torch.optim.SGD(ps, **kw), 100 + i)
        c.update(optimizer="sgd", lr=kw["lr"], momentum=kw.get("momentum", 0.0),
                 dampening=kw.get("dampening", 0.0), weight_decay=kw.get("weight_decay", 0.0),
                 nesterov=kw.get("nesterov", False))
        cases.append(c)
    adam_configs = [
        ("adam_default", "adam", dict(lr=f32(0.001))),
        ("adam_betas_eps_wd", "adam", dict(lr=f32(0.01), betas=(f32(0.8), f32(0.99)), eps=f32(1e-6),
                                            weight_decay=f32(0.05))),
        ("adamw_default", "adamw", dict(lr=f32(0.001))),
        ("adamw_wd", "adamw", dict(lr=f32(0.02), betas=(f32(0.85), f32(0.995)), eps=f32(1e-7),
                                   weight_decay=f32(0.1))),
    ]
    for i, (name, kind, kw) in enumerate(adam_configs):
        ctor = torch.optim.Adam if kind == "adam" else torch.optim.AdamW
        full = dict(betas=(f32(0.9), f32(0.999)), eps=f32(1e-8),
                    weight_decay=0.0 if kind == "adam" else f32(0.01))
        full.update(kw)
        c = run_case(name, lambda ps, ctor=ctor, full=full: ctor(ps, **full), 200 + i)
        c.update(optimizer=kind, lr=full["lr"], beta1=full["betas"][0], beta2=full["betas"][1], eps=full["eps"],
                 weight_decay=full["weight_decay"])
        cases.append(c)

    schedulers = []
    for name, make, epochs in [
        ("step_lr", lambda o: torch.optim.lr_scheduler.StepLR(o, step_size=3, gamma=f32(0.5)), 10),
        ("cosine", lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=5, eta_min=f32(0.01)), 13),
        ("cosine_zero_min", lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=4), 9),
    ]:
        p = torch.nn.Parameter(torch.zeros(1))
        opt = torch.optim.SGD([p], lr=f32(0.1))
        sch = make(opt)
        lrs = [opt.param_groups[0]["lr"]]
        for _ in range(epochs):
            opt.step()
            sch.step()
            lrs.append(opt.param_groups[0]["lr"])
        schedulers.append({"name": name, "base_lr": f32(0.1), "lrs": lrs})

    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        json.dump({"generator": "tools/golden/gen_optim.py", "torch": torch.__version__, "steps": STEPS,
                   "cases": cases, "schedulers": schedulers}, f, indent=1)
    print("wrote", OUT, len(cases), "optimizer cases,", len(schedulers), "schedulers")


if __name__ == "__main__":
    main()
