"""A GAN whose discriminator is trained with DP-SGD, keeping snapshots for post-GAN boosting.

DP-SGD (Abadi et al. 2016) is applied to the *real-data* term of the discriminator loss only,
as in Neunhoeffer, Wu & Dwork (2021): each step Poisson-samples the rows (each row independently
with probability ``q``), computes every sampled row's gradient with ``torch.func.vmap(grad(.))``,
clips it to norm ``C``, sums, adds ``N(0, (sigma C)^2 I)`` and divides by the *expected* batch size,
a public number (the user's ``batch_size``), so the divisor depends neither on which rows were
drawn nor on the private row count. The fake-data term does not
touch the data and is not noised. The generator is trained against the privatised discriminator,
so it, its samples and every kept snapshot are post-processing (Dwork & Roth 2014, Prop. 2.1).

The discriminator ends in a sigmoid, so D(x) lies in [0, 1], which the 1/n sensitivity of
PGB's quality score needs. There is no batch normalisation (it would mix rows' gradients).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn
from torch.func import functional_call, grad, vmap
from torch.nn import functional as F

from ._schema import Column


class Generator(nn.Module):
    """Noise to rows: sigmoid heads for numeric features, hard Gumbel-softmax for discrete blocks."""

    def __init__(self, cols: list[Column], latent: int, hidden: int):
        super().__init__()
        width = cols[-1].stop
        self.cols, self.latent = cols, latent
        self.net = nn.Sequential(nn.Linear(latent, hidden), nn.LeakyReLU(0.2),
                                 nn.Linear(hidden, hidden), nn.LeakyReLU(0.2),
                                 nn.Linear(hidden, width))

    def forward(self, n: int, gen: torch.Generator) -> torch.Tensor:
        z = torch.randn(n, self.latent, generator=gen)
        h = self.net(z)
        parts = []
        for c in self.cols:
            block = h[:, c.start:c.stop]
            if c.kind == "numeric":
                parts.append(torch.sigmoid(block))
            else:
                # A sampled one-hot forward, soft gradients backward (straight-through Gumbel):
                # D sees generated levels as it sees real ones, not as soft probabilities.
                u = torch.rand(block.shape, generator=gen).clamp_(1e-10, 1 - 1e-10)
                soft = torch.softmax((block - torch.log(-torch.log(u))) / 0.5, dim=1)
                hard = F.one_hot(soft.argmax(1), c.width).to(soft.dtype)
                parts.append(hard + soft - soft.detach())
        return torch.cat(parts, dim=1)


def make_discriminator(width: int, hidden: int) -> nn.Module:
    """An MLP giving a logit; D(x) = sigmoid(logit) in [0, 1]."""
    return nn.Sequential(nn.Linear(width, hidden), nn.LeakyReLU(0.2),
                         nn.Linear(hidden, hidden), nn.LeakyReLU(0.2),
                         nn.Linear(hidden, 1))


@dataclass
class TrainedGAN:
    generator: Generator
    discriminator: nn.Module
    snapshots: list = field(default_factory=list)  # (generator state, discriminator state)
    real_batch_sizes: list = field(default_factory=list)
    d_loss: list = field(default_factory=list)
    g_loss: list = field(default_factory=list)


def _private_real_gradient(disc: nn.Module, xb: torch.Tensor, *, clip: float, noise: float,
                           expected_batch: float, rng: np.random.Generator) -> dict:
    """Clipped, summed, noised gradient of the real-data loss -log D(x), over the public expected
    batch size (DP-SGD). The noise comes from ``rng``, the release's privacy generator."""
    params = {k: v.detach() for k, v in disc.named_parameters()}

    def loss_one(p, x):
        return F.softplus(-functional_call(disc, p, (x.unsqueeze(0),))).squeeze()

    if len(xb):
        per = vmap(grad(loss_one), in_dims=(None, 0))(params, xb)
        norms = torch.sqrt(sum(g.flatten(1).pow(2).sum(1) for g in per.values()))
        factor = (clip / (norms + 1e-12)).clamp(max=1.0)
        summed = {k: (g * factor.view(-1, *([1] * (g.dim() - 1)))).sum(0) for k, g in per.items()}
    else:  # an empty Poisson batch still gets its noise
        summed = {k: torch.zeros_like(v) for k, v in params.items()}
    return {k: (s + noise * clip * torch.from_numpy(rng.standard_normal(tuple(s.shape),
                                                                   dtype=np.float32)))
            / expected_batch for k, s in summed.items()}


def train_gan(x: np.ndarray, cols: list[Column], *, steps: int, sampling_rate: float,
              noise_multiplier: float | None, clip_norm: float, hidden: int, lr: float,
              n_snapshots: int, seed: int, progress: bool, critic_steps: int = 1,
              d_hidden: int | None = None, privacy_rng: np.random.Generator | None = None,
              expected_batch: float | None = None) -> TrainedGAN:
    """Train a GAN; with ``noise_multiplier`` the discriminator's real-data term uses DP-SGD.

    ``noise_multiplier=None`` trains a non-private GAN with the same Poisson batches (no
    clipping, no noise), for comparison. ``privacy_rng`` draws the Poisson samples and the
    DP-SGD noise (``seed`` only initialises the networks and draws the generator's input);
    ``expected_batch`` is the public divisor of the noisy gradient sum and the number of fake
    rows per step (default ``sampling_rate * n``, for non-private use).
    """
    from tqdm.auto import tqdm

    n, width = x.shape
    gen = torch.Generator().manual_seed(seed)
    rng = np.random.default_rng(seed) if privacy_rng is None else privacy_rng
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        G = Generator(cols, latent=max(16, width), hidden=hidden)
        D = make_discriminator(width, d_hidden or hidden)
    opt_g = torch.optim.Adam(G.parameters(), lr=lr, betas=(0.5, 0.9))
    opt_d = torch.optim.Adam(D.parameters(), lr=lr, betas=(0.5, 0.9))
    data = torch.from_numpy(x)
    expected_batch = sampling_rate * n if expected_batch is None else expected_batch
    m = max(1, int(round(expected_batch)))  # fake rows per step: no privacy cost
    every = max(1, steps // n_snapshots)
    out = TrainedGAN(G, D)
    for step in tqdm(range(1, steps + 1), disable=not progress, desc="GAN steps"):
        rows = np.flatnonzero(rng.random(n) < sampling_rate)  # Poisson sampling
        xb = data[rows]
        out.real_batch_sizes.append(len(rows))
        opt_d.zero_grad()
        with torch.no_grad():
            fake = G(m, gen)
        loss_fake = F.softplus(D(fake)).mean()  # -log(1 - D(fake))
        loss_fake.backward()
        if noise_multiplier is None:
            loss_real = F.softplus(-D(xb)).sum() / expected_batch if len(xb) else torch.zeros(())
            if len(xb):
                loss_real.backward()
        else:
            real_grad = _private_real_gradient(D, xb, clip=clip_norm, noise=noise_multiplier,
                                               expected_batch=expected_batch, rng=rng)
            for k, p in D.named_parameters():
                p.grad += real_grad[k]
            loss_real = torch.zeros(())
        opt_d.step()
        out.d_loss.append(float(loss_fake.detach()) + float(loss_real.detach()))
        if step % critic_steps == 0:
            opt_g.zero_grad()
            g_loss = F.softplus(-D(G(m, gen))).mean()  # non-saturating generator loss
            g_loss.backward()
            opt_g.step()
            out.g_loss.append(float(g_loss.detach()))
        if step % every == 0 or step == steps:
            if len(out.snapshots) < n_snapshots or step == steps:
                out.snapshots.append((copy.deepcopy(G.state_dict()), copy.deepcopy(D.state_dict())))
    return out


def load_generator(template: Generator, state: dict) -> Generator:
    g = copy.deepcopy(template)
    g.load_state_dict(state)
    return g.eval()


def load_discriminator(template: nn.Module, state: dict) -> nn.Module:
    d = copy.deepcopy(template)
    d.load_state_dict(state)
    return d.eval()
