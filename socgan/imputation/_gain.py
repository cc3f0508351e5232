"""GAIN: Generative Adversarial Imputation Nets (Yoon, Jordon & van der Schaar, ICML 2018),
adapted to mixed-type survey data and to *proper* multiple imputation.

What is as in the paper
    A generator G sees the data with its missing cells filled by noise, plus the mask, and
    proposes values for every cell; a discriminator D sees the completed data plus a *hint*
    H = B·M + 0.5·(1 − B) (B ~ Bernoulli(hint_rate) per cell; paper eq. 5) and guesses, cell by
    cell, which values were observed. D's loss and G's adversarial loss are taken over the
    cells whose mask D was not told (B = 0), as in the paper (the authors' code uses all cells
    and H = B·M). G's loss is adversarial + alpha · reconstruction, as in the paper.

Deviations, each for a reason (also listed in the README)
    1. Reconstruction on held-out observed cells. The paper's reconstruction term is taken on
       observed cells that G can see, so it teaches G to copy its input, not to impute. Here,
       in each batch a random share u ~ U(0, 1) of each row's observed cells is hidden from G
       (as in denoising/MIDAS training) and the reconstruction loss is taken on those cells.
       G thus learns the conditional distribution of any column given any subset of the
       others, which the sequential draws below need.
    2. Distributional heads instead of a sigmoid on min-max scaled data: continuous and
       integer columns are standardised and get a Gaussian head (mean and log-sd; loss =
       Gaussian negative log-likelihood), binary columns a Bernoulli head (binary
       cross-entropy), categorical and ordered ones a softmax over their observed levels
       (cross-entropy). MSE on one-hot columns collapses to the modal level (GAIN issue #10).
    3. What D sees for a generated cell is a *draw*: mean + sd·z for numeric columns, and a
       sampled 0/1 or one-hot vector for discrete ones, with straight-through gradients. D
       shown soft probabilities next to observed one-hots separates them trivially, pushing
       G to extreme, overconfident probabilities.
    4. Hidden width max(128, 2 × number of features) instead of the number of features; Adam
       with weight decay and a learning rate of 0.01 decayed to zero on a cosine schedule
       (the paper: Adam at a fixed rate, 10,000 iterations); training length in epochs, capped
       at ``max_steps`` gradient steps so that large data do not cost more than accuracy needs.
    5. Missing cells of a row are drawn one column at a time, discrete columns first (below).

Proper multiple imputation (Rubin 1987, ch. 4; Little & Rubin 2020, §10.2)
    Imputation l = 1..m is made by a model trained on its own bootstrap resample of the rows
    (as Amelia's EMB: Honaker, King & Blackwell 2011), so the spread of the m imputations
    carries the uncertainty of the imputation model's parameters; and values are *drawn* from
    the model's predictive distribution, not set to its mean:
      - numeric: mean + sd · r, with r the standardised residual of an observed cell from a
        row that was *not* in the bootstrap sample (out-of-bag), so that an overfitted network
        does not make the draws too narrow; the donor is drawn among the 10 nearest in
        predicted (mean, log sd), as in predictive mean matching, so that non-normal shapes
        (e.g. a bimodal variable whose modes depend on other variables) survive; draws stay
        within the observed range;
      - binary and categorical: sampled from the predicted probabilities.
    Cells missing in the same row are drawn one column at a time, each given the row's
    observed values and the values already drawn, so the joint distribution of the missing
    cells of a row (e.g. X and Bin both missing given Y) is respected.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from scipy.spatial import cKDTree
from torch import nn
from torch.nn import functional as F

from ._encoding import Encoder

_MIN_OOB_RESIDUALS = 30  # fewer out-of-bag residuals than this: use all observed rows
_DONORS = 10  # residual donors per imputed cell, nearest in predicted (mean, log sd)
# Rows per forward pass when computing residuals and drawing: memory stays bounded however many
# rows are imputed (the activations of one batch, not of all rows, are held at once).
_BATCH_ROWS = 65_536


@dataclass(frozen=True)
class GainSettings:
    """Hyper-parameters of one GAIN imputation model (validated by ``impute``)."""

    epochs: int = 200
    max_steps: int = 4000
    batch_size: int = 128
    hint_rate: float = 0.9
    alpha: float = 10.0
    hidden: int | None = None
    max_hidden: int = 1024  # cap on the default width: the networks grow with its square
    learning_rate: float = 1e-2
    weight_decay: float = 1e-5


def _mlp(n_in: int, hidden: int, n_out: int) -> nn.Sequential:
    return nn.Sequential(nn.Linear(n_in, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU(),
                         nn.Linear(hidden, n_out))


class _Layout:
    """Index tensors that map features, columns and generator outputs onto each other."""

    def __init__(self, enc: Encoder, device: torch.device):
        self.numeric = [j for j, c in enumerate(enc.columns) if c.is_numeric]
        self.binary = [j for j, c in enumerate(enc.columns) if c.kind == "binary"]
        self.blocks = [j for j, c in enumerate(enc.columns) if c.kind in ("categorical", "ordered")]
        self.cols = enc.columns
        self.owner = torch.as_tensor(enc.feature_owner(), dtype=torch.long, device=device)
        # Generator output: one value per feature (mean / logit / level logit) plus a log-sd
        # per numeric column, appended at the end.
        self.n_out = enc.n_features + len(self.numeric)
        self.num_feat = torch.as_tensor([enc.columns[j].start for j in self.numeric], dtype=torch.long,
                                        device=device)
        self.bin_feat = torch.as_tensor([enc.columns[j].start for j in self.binary], dtype=torch.long,
                                        device=device)


class GainModel(nn.Module):
    """Generator and discriminator of one imputation model, on ``device``.

    The weights are initialised on the CPU (global torch RNG) and then moved, so a model has the
    same initial weights on every device.
    """

    def __init__(self, enc: Encoder, hidden: int, device: torch.device = torch.device("cpu")):
        super().__init__()
        self.device = torch.device(device)
        self.layout = _Layout(enc, self.device)
        f, d = enc.n_features, enc.n_columns
        self.generator = _mlp(f + d, hidden, self.layout.n_out).to(self.device)
        self.discriminator = _mlp(f + d, hidden, d).to(self.device)

    # -- generator ---------------------------------------------------------------------------
    def generate(self, x: torch.Tensor, mask: torch.Tensor, noise: torch.Tensor) -> torch.Tensor:
        """Raw generator output for features ``x`` with column mask ``mask`` (1 = given)."""
        fmask = mask[:, self.layout.owner]
        x_in = fmask * x + (1 - fmask) * noise
        return self.generator(torch.cat([x_in, mask], dim=1))

    def numeric_params(self, out: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Mean and sd (standardised scale) of each numeric column, shape (n, n_numeric)."""
        mu = out[:, self.layout.num_feat]
        log_sd = out[:, out.shape[1] - len(self.layout.numeric):].clamp(-7.0, 4.0)
        return mu, log_sd.exp()

    def sample_features(self, out: torch.Tensor, straight_through: bool) -> torch.Tensor:
        """A draw of every feature from the generator's predictive distribution."""
        lay = self.layout
        parts = []
        mu_sd = self.numeric_params(out) if lay.numeric else None
        num_pos = {j: k for k, j in enumerate(lay.numeric)}
        for j, c in enumerate(lay.cols):
            logits = out[:, c.start:c.stop]
            if c.is_numeric:
                k = num_pos[j]
                mu, sd = mu_sd[0][:, k:k + 1], mu_sd[1][:, k:k + 1]
                parts.append(mu + sd * torch.randn_like(mu))
            elif c.kind == "binary":
                p = torch.sigmoid(logits)
                hard = torch.bernoulli(p.detach())
                parts.append(hard + p - p.detach() if straight_through else hard)
            else:
                p = torch.softmax(logits, dim=1)
                idx = torch.multinomial(p.detach(), 1).squeeze(1)
                hard = F.one_hot(idx, c.width).to(p.dtype)
                parts.append(hard + p - p.detach() if straight_through else hard)
        return torch.cat(parts, dim=1)

    def reconstruction_loss(self, out: torch.Tensor, x: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """Mean negative log-likelihood of held-out observed cells (``target`` = 1), per column."""
        lay = self.layout
        losses = []
        if lay.numeric:
            mu, sd = self.numeric_params(out)
            t = target[:, lay.numeric]
            nll = torch.log(sd) + 0.5 * ((x[:, lay.num_feat] - mu) / sd) ** 2
            losses.append((nll * t).sum(0) / t.sum(0).clamp_min(1.0))
        if lay.binary:
            t = target[:, lay.binary]
            bce = F.binary_cross_entropy_with_logits(out[:, lay.bin_feat], x[:, lay.bin_feat],
                                                     reduction="none")
            losses.append((bce * t).sum(0) / t.sum(0).clamp_min(1.0))
        for j in lay.blocks:
            c = lay.cols[j]
            t = target[:, j]
            ce = F.cross_entropy(out[:, c.start:c.stop], x[:, c.start:c.stop].argmax(1), reduction="none")
            losses.append(((ce * t).sum() / t.sum().clamp_min(1.0)).reshape(1))
        return torch.cat(losses).mean()


def train_model(x: np.ndarray, mask: np.ndarray, enc: Encoder, settings: GainSettings,
                generator: torch.Generator, tick=None,
                device: torch.device = torch.device("cpu")) -> tuple[GainModel, list[tuple]]:
    """Train one GAIN model on the rows ``x``/``mask``; returns the model and its loss history.

    ``generator`` (a CPU generator) drives the batches, masks and noise, which are made on the
    CPU and moved to ``device``, so training sees the same random numbers on every device. The
    initial weights and the generator's own draws use the global torch RNG of the device; the
    caller seeds it inside ``torch.random.fork_rng``.
    """
    n = x.shape[0]
    hidden = settings.hidden or min(max(128, 2 * enc.n_features), settings.max_hidden)
    model = GainModel(enc, hidden, device)
    dev = model.device
    xt, mt = torch.from_numpy(x).to(dev), torch.from_numpy(mask).to(dev)
    opt_g = torch.optim.Adam(model.generator.parameters(), lr=settings.learning_rate,
                             weight_decay=settings.weight_decay)
    opt_d = torch.optim.Adam(model.discriminator.parameters(), lr=settings.learning_rate,
                             weight_decay=settings.weight_decay)
    batch = min(settings.batch_size, n)
    steps_per_epoch = max(1, n // batch)
    # Cosine decay of both learning rates to zero: fast early progress, precise final fit.
    total = training_steps(n, settings)
    sched = [torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=total) for o in (opt_g, opt_d)]
    history: list[tuple] = []
    try:
        _train_epochs(model, xt, mt, settings, generator, opt_g, opt_d, sched, batch,
                      steps_per_epoch, total, history, tick, dev)
    except RuntimeError as err:  # torch's sampling refuses NaN probabilities
        if all(torch.isfinite(p).all() for p in model.parameters()):
            raise
        raise FloatingPointError(
            f"GAIN training diverged (the network's weights are no longer finite, epoch "
            f"{len(history) + 1}); use a smaller `learning_rate` (now {settings.learning_rate}) "
            "or check the data for extreme values.") from err
    return model, history


def training_steps(n_rows: int, settings: GainSettings) -> int:
    """Gradient steps for ``n_rows`` training rows: ``epochs`` passes, at most ``max_steps``,
    so that training cost stops growing with the number of rows once the model has seen
    enough batches (each step's batch is a fresh sample of rows)."""
    steps_per_epoch = max(1, n_rows // min(settings.batch_size, n_rows))
    return min(settings.epochs * steps_per_epoch, settings.max_steps)


def training_epochs(n_rows: int, settings: GainSettings) -> int:
    """Epochs actually run (the last one possibly cut short by ``max_steps``)."""
    steps_per_epoch = max(1, n_rows // min(settings.batch_size, n_rows))
    return -(-training_steps(n_rows, settings) // steps_per_epoch)


def _train_epochs(model, xt, mt, settings, generator, opt_g, opt_d, sched, batch, steps_per_epoch,
                  total, history, tick, dev) -> None:
    n = xt.shape[0]
    owner = model.layout.owner
    for epoch in range(-(-total // steps_per_epoch)):
        perm = torch.randperm(n, generator=generator)
        sums = torch.zeros(3, dtype=torch.float64)
        steps = min(steps_per_epoch, total - epoch * steps_per_epoch)
        for step in range(steps):
            idx = perm[step * batch:(step + 1) * batch]
            xb, mb = xt[idx.to(dev)], mt[idx.to(dev)]
            # Hide a random share u ~ U(0,1) of each row's observed cells from G (deviation 1).
            u = torch.rand(len(idx), 1, generator=generator).to(dev)
            given = mb * (torch.rand(mb.shape, generator=generator).to(dev) >= u).to(mb.dtype)
            held_out = mb - given
            noise = (0.01 * torch.randn(xb.shape, generator=generator)).to(dev)
            b = (torch.rand(mb.shape, generator=generator).to(dev) < settings.hint_rate).to(mb.dtype)
            hint = b * given + 0.5 * (1 - b)
            unhinted = 1 - b

            # Discriminator step.
            with torch.no_grad():
                out = model.generate(xb, given, noise)
                fake = model.sample_features(out, straight_through=False)
            fgiven = given[:, owner]
            x_hat = fgiven * xb + (1 - fgiven) * fake
            d_logit = model.discriminator(torch.cat([x_hat, hint], dim=1))
            d_loss = (F.binary_cross_entropy_with_logits(d_logit, given, reduction="none") * unhinted
                      ).sum() / unhinted.sum().clamp_min(1.0)
            opt_d.zero_grad()
            d_loss.backward()
            opt_d.step()

            # Generator step: fool D on the imputed, unhinted cells, and reconstruct held-out cells.
            out = model.generate(xb, given, noise)
            fake = model.sample_features(out, straight_through=True)
            x_hat = fgiven * xb + (1 - fgiven) * fake
            d_logit = model.discriminator(torch.cat([x_hat, hint], dim=1))
            w = (1 - given) * unhinted
            g_adv = F.softplus(-d_logit) * w  # -log D(x_hat) on imputed cells
            g_adv = g_adv.sum() / w.sum().clamp_min(1.0)
            g_rec = model.reconstruction_loss(out, xb, held_out)
            g_loss = g_adv + settings.alpha * g_rec
            opt_g.zero_grad()
            g_loss.backward()
            opt_g.step()
            for sc in sched:
                sc.step()
            sums += torch.stack([d_loss.detach(), g_adv.detach(), g_rec.detach()]).double().cpu()
        means = (sums / steps).tolist()
        if not np.all(np.isfinite(means)):
            raise FloatingPointError(
                f"GAIN training diverged (a loss became {means} in epoch {epoch + 1}); use a "
                f"smaller `learning_rate` (now {settings.learning_rate}) or check the data for "
                "extreme values.")
        history.append((epoch + 1, *means))
        if tick is not None:
            tick()


@torch.no_grad()
def standardized_residuals(model: GainModel, x: np.ndarray, mask: np.ndarray,
                           rows: np.ndarray) -> dict[int, np.ndarray]:
    """Donor pool of each numeric column from its observed cells in ``rows``: an array with
    columns (standardised residual (x − mean)/sd, mean, log sd), each cell predicted with its
    column hidden and the row's other observed values given."""
    lay = model.layout
    out: dict[int, np.ndarray] = {}
    for k, j in enumerate(lay.numeric):
        obs = rows[mask[rows, j] > 0]
        if len(obs) == 0:
            out[j] = np.zeros((0, 3))
            continue

        def donors(g, xb, k=k, start=lay.cols[j].start):
            mu, sd = model.numeric_params(g)
            mu, sd = mu[:, k].double(), sd[:, k].double()
            r = (xb[:, start].double() - mu) / sd
            return (torch.stack([r, mu, sd.log()], dim=1),)

        out[j] = _in_batches(model, x, mask, obs, donors, hide=j)[0].numpy()
    return out


def donor_residuals(model: GainModel, x: np.ndarray, mask: np.ndarray, held_out: np.ndarray,
                    fallback: np.ndarray) -> dict[int, np.ndarray]:
    """Donor pools from the ``held_out`` rows; a column with fewer than ``_MIN_OOB_RESIDUALS``
    observed cells there takes its donors from the ``fallback`` rows instead."""
    resid = standardized_residuals(model, x, mask, held_out)
    if any(len(r) < _MIN_OOB_RESIDUALS for r in resid.values()):
        resid_all = standardized_residuals(model, x, mask, fallback)
        resid = {j: r if len(r) >= _MIN_OOB_RESIDUALS else resid_all[j]
                 for j, r in resid.items()}
    return resid


def _in_batches(model: GainModel, x: np.ndarray, mask: np.ndarray, rows: np.ndarray, head,
                hide: int | None = None) -> list[torch.Tensor]:
    """``head(generator output, features)`` for ``rows``, computed _BATCH_ROWS rows at a time on
    the model's device (with column ``hide`` masked out, if given); the tensors it returns are
    concatenated over batches, on the CPU."""
    parts = []
    for s in range(0, len(rows), _BATCH_ROWS):
        r = rows[s:s + _BATCH_ROWS]
        xb = torch.from_numpy(x[r]).to(model.device)
        mb = torch.from_numpy(mask[r]).to(model.device)
        if hide is not None:
            mb[:, hide] = 0
        parts.append(head(model.generate(xb, mb, torch.zeros_like(xb)), xb))
    return [torch.cat(p).cpu() for p in zip(*parts)]


@torch.no_grad()
def draw_imputations(model: GainModel, enc: Encoder, x: np.ndarray, mask: np.ndarray,
                     residuals: dict[int, np.ndarray], rng: np.random.Generator) -> dict[int, np.ndarray]:
    """Draw every missing cell once; returns, per column, the drawn values of its missing rows
    (numeric: standardised scale; binary: 0/1; categorical: level index)."""
    lay = model.layout
    x = x.copy()
    mask = mask.copy()
    draws: dict[int, np.ndarray] = {}
    # Discrete columns first, then numeric ones (each group most-observed first): a discrete
    # conditional is always representable by its softmax, and numeric columns drawn given the
    # discrete ones form a mixture of the Gaussian heads, which a single head cannot be.
    discrete = np.array([0 if c.is_numeric else 1 for c in enc.columns])
    order = np.lexsort((-mask.sum(0), -discrete))
    num_pos = {j: k for k, j in enumerate(lay.numeric)}
    for j in order:
        rows = np.flatnonzero(mask[:, j] == 0)
        if len(rows) == 0:
            continue
        c = enc.columns[j]
        if c.is_numeric:
            k = num_pos[j]
            mu, sd = _in_batches(model, x, mask, rows,
                                 lambda out, _, k=k: tuple(t[:, k] for t in model.numeric_params(out)))
            mu, sd = mu.numpy(), sd.numpy()
            values = _residual_draw(mu.astype(float), sd.astype(float), residuals[j], c, rng)
            x[rows, c.start] = values
        elif c.kind == "binary":
            p = _in_batches(model, x, mask, rows,
                            lambda out, _, c=c: (torch.sigmoid(out[:, c.start]),))[0]
            p = p.numpy().astype(float)
            values = (rng.random(len(rows)) < p).astype(float)
            x[rows, c.start] = values
        else:
            p = _in_batches(model, x, mask, rows,
                            lambda out, _, c=c: (torch.softmax(out[:, c.start:c.stop].double(), dim=1),))
            p = p[0].numpy()
            values = (p.cumsum(1) > rng.random((len(rows), 1))).argmax(1)
            values = np.minimum(values, c.width - 1)
            block = np.zeros((len(rows), c.width), dtype=np.float32)
            block[np.arange(len(rows)), values] = 1.0
            x[rows, c.start:c.stop] = block
        mask[rows, j] = 1.0
        draws[j] = values
    return draws


def _residual_draw(mu: np.ndarray, sd: np.ndarray, donors: np.ndarray, c, rng: np.random.Generator,
                   tries: int = 20) -> np.ndarray:
    """mean + sd · r, with r the standardised residual of a donor drawn at random among the
    ``_DONORS`` donors nearest in predicted (mean, log sd), as predictive mean matching picks
    donors: the shape of the residual distribution may change with the prediction (a bimodal
    variable whose modes' weights depend on another variable), and a pooled residual draw
    would blur it. Values outside the observed range are redrawn (up to ``tries`` times),
    then clipped."""
    low = (c.low - c.mean) / c.scale
    high = (c.high - c.mean) / c.scale
    if len(donors) == 0:
        return np.clip(mu + sd * rng.standard_normal(len(mu)), low, high)
    feats = donors[:, 1:]
    scale = feats.std(axis=0)
    scale[scale == 0] = 1.0
    k = min(_DONORS, len(donors))
    _, near = cKDTree(feats / scale).query(np.column_stack([mu, np.log(sd)]) / scale, k=k)
    near = np.asarray(near).reshape(len(mu), k)
    values = np.empty(len(mu))
    todo = np.arange(len(mu))
    for _ in range(tries + 1):
        pick = near[todo, rng.integers(0, k, size=len(todo))]
        values[todo] = mu[todo] + sd[todo] * donors[pick, 0]
        todo = todo[(values[todo] < low) | (values[todo] > high)]
        if len(todo) == 0:
            break
    return np.clip(values, low, high)
