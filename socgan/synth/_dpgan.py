"""A GAN whose discriminator is trained with DP-SGD, keeping snapshots for post-GAN boosting.

DP-SGD (Abadi et al. 2016) is applied to the *real-data* term of the discriminator loss only,
as in Neunhoeffer, Wu & Dwork (2021): each step Poisson-samples the rows (each row independently
with probability ``q``), computes every sampled row's gradient (for the MLP discriminator in
closed form from its layers' inputs and output gradients, without forming per-row gradients;
``torch.func.vmap(grad(.))`` for any other), clips it to norm ``C``, sums, adds ``N(0, (sigma C)^2 I)`` and divides by the *expected* batch size,
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

#: Pre-activation beyond which an output is held back (sigmoid(4) = 0.982: 1.8% of a numeric
#: column's range from either bound stays reachable, with a live gradient).
SATURATION_LIMIT = 4.0


class Generator(nn.Module):
    """Noise to rows: sigmoid heads for numeric features, hard Gumbel-softmax for discrete blocks."""

    def __init__(self, cols: list[Column], latent: int, hidden: int, conditioner=None):
        super().__init__()
        width = cols[-1].stop
        self.cols, self.latent = cols, latent
        # ``socgan.synth._conditional.Conditioner``: conditional vectors beside the noise
        self.conditioner = conditioner
        cond = conditioner.width if conditioner is not None else 0
        self.net = nn.Sequential(nn.Linear(latent + cond, hidden), nn.LeakyReLU(0.2),
                                 nn.Linear(hidden, hidden), nn.LeakyReLU(0.2),
                                 nn.Linear(hidden, width))

    def forward(self, n: int, gen: torch.Generator) -> torch.Tensor:
        """``n`` generated rows (given conditional vectors drawn from the blocks' frequencies,
        for a conditional generator)."""
        if self.conditioner is None:
            return self.rows_and_logits(n, gen)[0]
        return self.rows_and_logits(n, gen, self.conditioner.generated(n, gen)[0])[0]

    def rows_and_logits(self, n: int, gen: torch.Generator,
                        cond: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """Generated rows and the output layer's pre-activations (for the saturation penalty);
        ``cond``: the rows' conditional vectors (a conditional generator)."""
        z = torch.randn(n, self.latent, generator=gen)
        h = self.net(z if cond is None else torch.cat([z, cond], dim=1))
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
        return torch.cat(parts, dim=1), h


def saturation(h: torch.Tensor, cols: list[Column], limit: float = SATURATION_LIMIT) -> torch.Tensor:
    """Mean squared excess of the output layer's pre-activations beyond ``limit``.

    A numeric head is ``sigmoid(h)``: past |h| = 6 its gradient is below 0.0025, so a generator
    pushed there stays at the bound. Under heavy DP-SGD noise the discriminator is close to a
    random function, its gradient points the same way for every row, and without this penalty
    the generator follows it into saturation within a few hundred steps (issue 17: every
    synthetic ``hgt`` of ``mice::boys`` at its upper bound). Discrete blocks are penalised on
    logits centred per row (softmax ignores a common shift), so no level is forced to
    probability 1. The penalty is zero inside the live range and touches no private data.
    """
    parts = []
    for c in cols:
        block = h[:, c.start:c.stop]
        if c.kind != "numeric":
            block = block - block.mean(1, keepdim=True)
        parts.append(block)
    z = torch.cat(parts, dim=1)
    return F.relu(z.abs() - limit).pow(2).mean()


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
    pair_distances: list | None = None  # per DP-SGD step, for the Bayesian DP estimate


def _mlp_layers(disc: nn.Module):
    """``[(name, Linear), slope, ...]`` when ``disc`` is a plain MLP (``nn.Sequential`` of
    ``nn.Linear`` with bias and ``nn.LeakyReLU``/``nn.ReLU``, ending in a ``Linear`` to one logit), the
    discriminators of :func:`make_discriminator`; else ``None``."""
    if not isinstance(disc, nn.Sequential) or not len(disc):
        return None
    layers = []
    for name, module in disc.named_children():
        if isinstance(module, nn.Linear) and module.bias is not None:
            layers.append((name, module))
        elif isinstance(module, (nn.LeakyReLU, nn.ReLU)) and layers and \
                isinstance(layers[-1], tuple):
            layers.append(module.negative_slope if isinstance(module, nn.LeakyReLU) else 0.0)
        else:
            return None
    if not isinstance(layers[-1], tuple) or layers[-1][1].out_features != 1:
        return None
    return layers


def _clipped_sum_mlp(layers, xb: torch.Tensor, clip: float, pair_distances):
    """Sum over rows of the per-row gradients of -log D(x) clipped to norm ``clip``, for a plain
    MLP, without forming the per-row gradients.

    A linear layer's per-row gradient is the outer product d_i a_i^T of the gradient at its
    output and its input (plus d_i for the bias), so its squared norm is
    ||d_i||^2 (||a_i||^2 + 1), and the clipped sum is (f * d)^T a with f_i = min(1, C/||g_i||)
    (Goodfellow 2015, "Efficient per-example gradient computations"; the "ghost norm" of
    Li et al. 2022). The inner products of two rows' gradients are (d_i.d_j)(a_i.a_j + 1),
    which gives the Bayesian-DP pair distances. Same quantities as vmap(grad), in far less time
    and memory: nothing of size rows x parameters is formed."""
    with torch.no_grad():
        inputs, slopes, pre = [], [], []
        a = xb
        for item in layers:
            if isinstance(item, tuple):
                inputs.append(a)
                a = item[1](a)
            else:
                pre.append(a)
                slopes.append(item)
                a = F.leaky_relu(a, item) if item else F.relu(a)
        # d loss / d logit for loss = softplus(-logit)
        d = -torch.sigmoid(-a)
        deltas = [None] * len(inputs)
        linears = [item[1] for item in layers if isinstance(item, tuple)]
        for k in range(len(linears) - 1, -1, -1):
            deltas[k] = d
            if k:
                d = d @ linears[k].weight
                z = pre[k - 1]
                d = d * torch.where(z > 0, torch.ones_like(z), torch.full_like(z, slopes[k - 1]))
        sq = sum(dk.pow(2).sum(1) * (ak.pow(2).sum(1) + 1.0) for dk, ak in zip(deltas, inputs))
        factor = (clip / (torch.sqrt(sq) + 1e-12)).clamp(max=1.0)
        summed = {}
        names = [item[0] for item in layers if isinstance(item, tuple)]
        for name, dk, ak in zip(names, deltas, inputs):
            scaled = dk * factor[:, None]
            summed[f"{name}.weight"] = scaled.T @ ak
            summed[f"{name}.bias"] = scaled.sum(0)
        if pair_distances is not None:
            m = len(xb) // 2
            even, odd = slice(0, 2 * m, 2), slice(1, 2 * m, 2)
            cross = sum((dk[even] * dk[odd]).sum(1) * ((ak[even] * ak[odd]).sum(1) + 1.0)
                        for dk, ak in zip(deltas, inputs))
            fe, fo = factor[even], factor[odd]
            dist = fe ** 2 * sq[even] + fo ** 2 * sq[odd] - 2 * fe * fo * cross
            pair_distances.append((dist.clamp(min=0.0) / clip ** 2).double().numpy())
    return summed


def _clipped_sum_vmap(disc: nn.Module, params: dict, xb: torch.Tensor, clip: float,
                      pair_distances):
    """As :func:`_clipped_sum_mlp`, for any discriminator, by vmap(grad) per-row gradients."""

    def loss_one(p, x):
        return F.softplus(-functional_call(disc, p, (x.unsqueeze(0),))).squeeze()

    per = vmap(grad(loss_one), in_dims=(None, 0))(params, xb)
    norms = torch.sqrt(sum(g.flatten(1).pow(2).sum(1) for g in per.values()))
    factor = (clip / (norms + 1e-12)).clamp(max=1.0)
    clipped = {k: g * factor.view(-1, *([1] * (g.dim() - 1))) for k, g in per.items()}
    if pair_distances is not None:
        flat = torch.cat([g.flatten(1) for g in clipped.values()], dim=1)
        m = len(flat) // 2
        diff = flat[0:2 * m:2] - flat[1:2 * m:2]
        pair_distances.append((diff.pow(2).sum(1) / clip ** 2).double().numpy())
    return {k: g.sum(0) for k, g in clipped.items()}


def _private_real_gradient(disc: nn.Module, xb: torch.Tensor, *, clip: float, noise: float,
                           expected_batch: float, rng: np.random.Generator,
                           pair_distances: list | None = None) -> dict:
    """Clipped, summed, noised gradient of the real-data loss -log D(x), over the public expected
    batch size (DP-SGD). The noise comes from ``rng``, the release's privacy generator.

    ``pair_distances``, if a list, receives this step's squared distances ||g_i - g_j||^2 / C^2
    between the clipped gradients of disjoint pairs of sampled rows (rows 0 and 1, 2 and 3, ...),
    for the *data-dependent* Bayesian DP estimate of ``socgan.synth._bayes_dp``.
    """
    params = {k: v.detach() for k, v in disc.named_parameters()}
    if len(xb):
        layers = _mlp_layers(disc)
        if layers is not None:
            summed = _clipped_sum_mlp(layers, xb, clip, pair_distances)
        else:
            summed = _clipped_sum_vmap(disc, params, xb, clip, pair_distances)
    else:  # an empty Poisson batch still gets its noise
        summed = {k: torch.zeros_like(v) for k, v in params.items()}
    return {k: (summed[k] + noise * clip * torch.from_numpy(
        rng.standard_normal(tuple(v.shape), dtype=np.float32))) / expected_batch
        for k, v in params.items()}


def train_gan(x: np.ndarray, cols: list[Column], *, steps: int, sampling_rate: float,
              noise_multiplier: float | None, clip_norm: float, hidden: int, lr: float,
              n_snapshots: int, seed: int, progress: bool, critic_steps: int = 1,
              d_hidden: int | None = None, privacy_rng: np.random.Generator | None = None,
              expected_batch: float | None = None, saturation_penalty: float = 1.0,
              generator_average: float = 0.0, bayesian: bool = False,
              conditioner=None) -> TrainedGAN:
    """Train a GAN; with ``noise_multiplier`` the discriminator's real-data term uses DP-SGD.

    ``noise_multiplier=None`` trains a non-private GAN with the same Poisson batches (no
    clipping, no noise), for comparison. ``privacy_rng`` draws the Poisson samples and the
    DP-SGD noise (``seed`` only initialises the networks and draws the generator's input);
    ``expected_batch`` is the public divisor of the noisy gradient sum and the number of fake
    rows per step (default ``sampling_rate * n``, for non-private use).

    ``saturation_penalty`` weighs :func:`saturation` in the generator's loss (0 turns it off).
    ``generator_average`` > 0 keeps an exponential moving average of the generator's weights
    with that decay (Polyak averaging; Yazici et al. 2019 for GANs, De et al. 2022 for DP-SGD)
    and releases and snapshots it instead of the last iterate: it averages out part of the
    jitter that the discriminator's noise puts into the generator's updates, at no privacy cost
    (post-processing). ``bayesian=True`` keeps, per DP-SGD step, the pairwise gradient distances
    that ``socgan.synth._bayes_dp`` turns into a data-dependent Bayesian-DP estimate
    (``TrainedGAN.pair_distances``).

    ``conditioner`` (``socgan.synth._conditional.Conditioner``) makes the generator conditional
    (CTGAN's device): generated rows get conditional vectors drawn from the blocks' frequencies
    (public randomness), real rows the vector of their own level on a block drawn by the privacy
    generator (so Poisson sampling is untouched); the discriminator sees the vector beside the
    row, and the generator's loss adds the cross-entropy between its output for the chosen block
    and the level asked for.
    """
    from tqdm.auto import tqdm

    n, width = x.shape
    gen = torch.Generator().manual_seed(seed)
    rng = np.random.default_rng(seed) if privacy_rng is None else privacy_rng
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        G = Generator(cols, latent=max(16, width), hidden=hidden, conditioner=conditioner)
        cond_width = conditioner.width if conditioner is not None else 0
        D = make_discriminator(width + cond_width, d_hidden or hidden)
    opt_g = torch.optim.Adam(G.parameters(), lr=lr, betas=(0.5, 0.9))
    opt_d = torch.optim.Adam(D.parameters(), lr=lr, betas=(0.5, 0.9))
    data = torch.from_numpy(x)
    expected_batch = sampling_rate * n if expected_batch is None else expected_batch
    m = max(1, int(round(expected_batch)))  # fake rows per step: no privacy cost
    every = max(1, steps // n_snapshots)
    out = TrainedGAN(G, D)
    G_avg = copy.deepcopy(G) if generator_average > 0 else None
    if bayesian and noise_multiplier is not None:
        out.pair_distances = []
    for step in tqdm(range(1, steps + 1), disable=not progress, desc="GAN steps"):
        rows = np.flatnonzero(rng.random(n) < sampling_rate)  # Poisson sampling
        xb = data[rows]
        out.real_batch_sizes.append(len(rows))
        opt_d.zero_grad()
        with torch.no_grad():
            if conditioner is None:
                fake = G(m, gen)
            else:
                cond = conditioner.generated(m, gen)[0]
                fake = torch.cat([G.rows_and_logits(m, gen, cond)[0], cond], dim=1)
                xb = torch.cat([xb, conditioner.own(xb, rng)], dim=1)
        loss_fake = F.softplus(D(fake)).mean()  # -log(1 - D(fake))
        loss_fake.backward()
        if noise_multiplier is None:
            loss_real = F.softplus(-D(xb)).sum() / expected_batch if len(xb) else torch.zeros(())
            if len(xb):
                loss_real.backward()
        else:
            real_grad = _private_real_gradient(D, xb, clip=clip_norm, noise=noise_multiplier,
                                               expected_batch=expected_batch, rng=rng,
                                               pair_distances=out.pair_distances)
            for k, p in D.named_parameters():
                p.grad += real_grad[k]
            loss_real = torch.zeros(())
        opt_d.step()
        out.d_loss.append(float(loss_fake.detach()) + float(loss_real.detach()))
        if step % critic_steps == 0:
            opt_g.zero_grad()
            if conditioner is None:
                fake_rows, h = G.rows_and_logits(m, gen)
                g_loss = F.softplus(-D(fake_rows)).mean()  # non-saturating generator loss
                extra = 0.0
            else:
                cond, target, mask = conditioner.generated(m, gen)
                fake_rows, h = G.rows_and_logits(m, gen, cond)
                g_loss = F.softplus(-D(torch.cat([fake_rows, cond], dim=1))).mean()
                # the output for the chosen block should be the level asked for
                extra = F.cross_entropy(h.masked_fill(~mask, float("-inf")), target)
            (g_loss + extra + saturation_penalty * saturation(h, cols)).backward()
            opt_g.step()
            out.g_loss.append(float(g_loss.detach()))
            if G_avg is not None:
                # TensorFlow's warm-up: early averages do not cling to the initial weights
                decay = min(generator_average, (1 + step) / (10 + step))
                with torch.no_grad():
                    for pa, p in zip(G_avg.parameters(), G.parameters()):
                        pa.lerp_(p, 1.0 - decay)
        if step % every == 0 or step == steps:
            if len(out.snapshots) < n_snapshots or step == steps:
                released = G if G_avg is None else G_avg
                out.snapshots.append((copy.deepcopy(released.state_dict()), copy.deepcopy(D.state_dict())))
    if G_avg is not None:
        out.generator = G_avg
    return out


def load_generator(template: Generator, state: dict) -> Generator:
    g = copy.deepcopy(template)
    g.load_state_dict(state)
    return g.eval()


def load_discriminator(template: nn.Module, state: dict) -> nn.Module:
    d = copy.deepcopy(template)
    d.load_state_dict(state)
    return d.eval()


#: Above this noise-to-signal ratio (noise multiplier / expected batch: the standard deviation of
#: the DP-SGD noise on each coordinate of the averaged discriminator gradient, in units of the clip
#: norm) the discriminator learns close to nothing; see ``noise_to_signal``.
NOISE_TO_SIGNAL_WARN = 0.05


class LowSignalWarning(UserWarning):
    """The DP-SGD settings leave the discriminator too little signal for a useful release."""


def noise_to_signal(noise_multiplier: float, expected_batch: float) -> float:
    """sigma / (q n): the noise's standard deviation per coordinate of the averaged gradient / C.

    A clipped row contributes at most C / (q n) to the averaged gradient *in norm*, spread over
    all coordinates, while the noise adds sigma C / (q n) to *each* coordinate. On CPS 1988 at
    epsilon 1 the defaults give 0.009 and keep relationships; 2,000 simulated rows give 0.09 and
    reverse a correlation of 0.71; 223 rows of mice::boys give 0.83 (bench/RESULTS.md, issue 17).
    At a fixed epsilon it grows about as sqrt(steps) / (epsilon n): fewer steps lower it, the
    batch size barely does.
    """
    return noise_multiplier / expected_batch


def low_signal_message(noise_multiplier: float, expected_batch: float, steps: int) -> str | None:
    """A warning text when ``noise_to_signal`` exceeds ``NOISE_TO_SIGNAL_WARN``, else None."""
    r = noise_to_signal(noise_multiplier, expected_batch)
    if r <= NOISE_TO_SIGNAL_WARN:
        return None
    return (f"The privacy noise leaves the generator little to learn from: noise multiplier "
            f"{noise_multiplier:.3g} over an expected batch of {expected_batch:.3g} rows puts noise of "
            f"{r:.2g} x clip_norm on every coordinate of the discriminator's averaged gradient "
            f"(above {NOISE_TO_SIGNAL_WARN:g}, relationships between columns are not reliably kept). "
            f"Use fewer `steps` (now {steps}), a larger `epsilon`, or more rows; check the release "
            "with evaluate() on public data of the same kind before trusting it.")
