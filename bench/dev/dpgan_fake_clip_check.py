"""Development check: does clipping the DP-GAN's fake-data term too help it learn 25 Gaussians?

socgan's DP-GAN clips and noises only the discriminator's real-data gradient; with the argument
``fix`` this script patches ``socgan.synth._dpgan.train_gan`` in memory so that the fake-data term
is also clipped per example at the same norm (no noise: it costs no privacy), then runs ``dpgan``
at epsilon 10 and 1 on the data of ``bench/gaussians25.py``. Prints (share within 0.15 of a mode,
modes covered), the same within 0.5, and seconds. Run from the repository root:

    python bench/dev/dpgan_fake_clip_check.py fix
"""

import sys
import time

import torch
import torch.nn.functional as F
from torch.func import functional_call, grad, vmap

sys.path.insert(0, "bench")
import gaussians25 as g  # noqa: E402

import socgan  # noqa: E402
from socgan.synth import _dpgan, _release  # noqa: E402

if sys.argv[1:] == ["fix"]:
    src = open(_dpgan.__file__).read()
    old = """        loss_fake = F.softplus(D(fake)).mean()  # -log(1 - D(fake))
        loss_fake.backward()"""
    assert old in src, "socgan.synth._dpgan changed: update this check"
    src = src.replace(old, """        loss_fake = F.softplus(D(fake)).mean()  # -log(1 - D(fake))
        if noise_multiplier is None:
            loss_fake.backward()
        else:
            params = {k: v.detach() for k, v in D.named_parameters()}
            def lf(p, x):
                return F.softplus(functional_call(D, p, (x.unsqueeze(0),))).squeeze()
            per = vmap(grad(lf), in_dims=(None, 0))(params, fake)
            norms = torch.sqrt(sum(gg.flatten(1).pow(2).sum(1) for gg in per.values()))
            factor = (clip_norm / (norms + 1e-12)).clamp(max=1.0)
            for k, p in D.named_parameters():
                gk = (per[k] * factor.view(-1, *([1] * (per[k].dim() - 1)))).sum(0) / m
                p.grad = gk if p.grad is None else p.grad + gk""")
    exec(compile(src, _dpgan.__file__, "exec"), _dpgan.__dict__)
    _release.train_gan = _dpgan.train_gan

data = g.make_data(10000, 0.05, 2021)
bounds = {"x": (-6.0, 6.0), "y": (-6.0, 6.0)}
for eps in (10.0, 1.0):
    t = time.time()
    rel = socgan.synth.synthesize(data, epsilon=eps, delta=1e-5, method="dpgan", seed=2021,
                                  bounds=bounds, steps=10000, batch_size=64, hidden=128,
                                  learning_rate=1e-3, progress=False)
    xy = rel.data[["x", "y"]].to_numpy()
    print(sys.argv[1:], eps, g.scores(xy, 0.15), g.scores(xy, 0.5), round(time.time() - t))
