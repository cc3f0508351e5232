"""GAIN imputation models (Yoon, Jordon & van der Schaar, ICML 2018), adapted to mixed-type
survey data, to missingness at random (MAR) and to *proper* multiple imputation.

What the model is now (issue 18)
    A generator network G sees a row with some cells hidden (filled with noise) plus the mask
    and returns, for every column, a predictive distribution (Gaussian, Bernoulli or softmax
    head). It is trained to reconstruct observed cells hidden from it (deviation 1), i.e. by
    maximum likelihood of each column given any subset of the others: a conditional density
    model, valid under MAR for what the network can represent, as MIDAS's denoising
    autoencoder (Lall & Robinson 2022). **By default there is no adversarial term**
    (``adversarial=0``). GAIN's discriminator D guesses from the completed row and the hint
    which cells were observed; its theory (Yoon et al., Theorem 1) identifies the data
    distribution when a column's distribution is the same where it is missing and where it is
    observed. Under MAR it is not: D can predict the mask from the observed columns alone, and
    an imperfect D's gradient pulls imputations toward what observed cases look like. In our
    experiments (bench/RESULTS.md, "Issue 18") the adversarial term did not reduce the bias
    under strong MAR, cost 2.8x the time, and was not what made the mice::boys imputations
    implausible (that was the draw order, deviation 5). ``adversarial > 0`` restores it with
    that weight: G's loss is then adversarial·(−log D on imputed, unhinted cells) + alpha ·
    reconstruction, D sees the completed data and the hint H = B·M + 0.5·(1 − B) (B ~
    Bernoulli(hint_rate); paper eq. 5), both losses over the cells whose mask D was not told.

Deviations from the paper, each for a reason (also listed in the README)
    1. Reconstruction on held-out observed cells. The paper's reconstruction term is taken on
       observed cells that G can see, so it teaches G to copy its input, not to impute. Here,
       in each batch a random share u ~ U(0, 1) of each row's observed cells is hidden from G
       (as in denoising/MIDAS training) and the reconstruction loss is taken on those cells.
       G thus learns the conditional distribution of any column given any subset of the
       others, which the sequential draws below need. Since the thirteenth session three
       quarters of the training rows instead hide the cells of one of the conditionals the
       draws of the data actually ask for (:func:`draw_patterns`: a column missing in a row
       and the row's missing columns drawn after it), in proportion to how many cells are
       drawn with it; the other quarter keeps the random share (new rows of a fitted
       ``GainImputer`` may ask for other conditionals, and the donors' residuals are taken
       with one column hidden). Trained on the draws' own conditionals, the network fits the
       seed experiment's X × Bin interaction in 1,400 steps as well as in 3,500 before, at
       equal coverage (bench/RESULTS.md, thirteenth session).
    2. Distributional heads instead of a sigmoid on min-max scaled data: continuous and
       integer columns are standardised and get a Gaussian head (mean and log-sd; loss =
       Gaussian negative log-likelihood), binary columns a Bernoulli head (binary
       cross-entropy), categorical and ordered ones a softmax over their observed levels
       (cross-entropy). MSE on one-hot columns collapses to the modal level (GAIN issue #10).
    3. With the adversarial term, what D sees for a generated cell is a *draw*: mean + sd·z
       for numeric columns, and a sampled 0/1 or one-hot vector for discrete ones, with
       straight-through gradients. D shown soft probabilities next to observed one-hots
       separates them trivially, pushing G to extreme, overconfident probabilities.
    4. Hidden width max(128, 2 × number of features) instead of the number of features; Adam
       with weight decay and a learning rate of 0.01 decayed to zero on a cosine schedule
       over the cap (the paper: Adam at a fixed rate, 10,000 iterations); the cap is
       ``epochs`` passes (200), at most ``max_steps`` gradient steps (4,000).
    5. Missing cells of a row are drawn one column at a time (below); columns missing in most
       rows are drawn last.
    6. The m models are trained together, as one network whose weights carry a model
       dimension (batched matrix products), each on its own bootstrap sample and from its own
       seed (initial weights, batches, hidden cells, noise), so m models cost about what one
       costs on a CPU and model l is the same whichever models are trained beside it. Without
       the adversarial term the gradients are written out by hand (``reconstruction_step``)
       and Adam runs on one flat buffer: for networks this small, autograd's bookkeeping cost
       more than the arithmetic (the same optimisation; a test compares it with autograd).
       Stopping rule: every epoch (or every 100 steps if an epoch is longer) each model's
       loss is evaluated on a fixed set of its out-of-bag rows (rows its bootstrap left out;
       at most 2,000, a random share of their observed cells hidden once), with numeric
       columns scored by 0.5·log(mean squared error) (the draws rescale the predicted sd by
       out-of-bag residuals, so the rule judges the means); an exponential moving average
       (0.7) of it is tracked. A model whose average has not improved by 0.001 for
       ``patience`` × (evaluations in the cap) evaluations (at least 5) stops, and with
       ``keep_best`` each model keeps its weights of lowest average. The defaults are
       patience 1.0 and keep_best False, i.e. **each model runs to the cap and keeps its
       final weights** (those of the cosine decay's end); the out-of-bag loss is recorded
       (``loss_history["validation"]``, the loss plot). In the seed experiment every early
       stop we tried (patience 0.2 and 0.5) left the Bin × X interaction under-fitted (X:Bin
       biased by −0.08 to −0.19 against −0.05 with the full cap), and so did keeping the
       weights of lowest out-of-bag loss instead of the final ones (the same training run:
       X:Bin 2.886 against 2.933; bench/RESULTS.md, "Issue 18"): the out-of-bag loss flattens
       long before the interaction is learnt.
    7. Collapse: after training, a model whose second hidden layer is inactive (ReLU 0) for
       every training row in 95% or more of its units (:func:`inactive_share`; its output then
       ignores its input) is trained again from its own seed and rows with a fifth of the
       learning rate (``socgan.imputation._fit.fit_gain``). Seen on wide data of many weakly
       related columns and on extreme values (bench/RESULTS.md, eighteenth session); on the
       real data sets of the tests 35-62% of the units are inactive and nothing is retrained.

Proper multiple imputation (Rubin 1987, ch. 4; Little & Rubin 2020, §10.2)
    Imputation l = 1..m is made by a model trained on its own bootstrap resample of the rows
    (as Amelia's EMB: Honaker, King & Blackwell 2011), so the spread of the m imputations
    carries the uncertainty of the imputation model's parameters; and values are *drawn* from
    the model's predictive distribution, not set to its mean:
      - numeric: mean + sd · c · r, with r the standardised residual of an observed cell of
        the model's own bootstrap sample (as EMB draws from the model fitted to its bootstrap
        sample). Residuals of out-of-bag rows, used before, contain the model's estimation
        error, which the spread between the m models already carries: counted twice, it acts
        as measurement error in the imputed values and attenuated the X × Bin interaction of
        the seed experiment (paired runs: −0.097 → −0.071 on six data sets under strong MAR;
        bench/RESULTS.md, "Issue 18, this round"). But the network's residuals on its own
        training rows are optimistic (smaller than the noise, by ~13% in variance for X in
        the seed experiment), which made the imputations too tight and the slope of X too
        steep; c rescales them so that the noise variance is the mean of the in-bag and the
        out-of-bag mean squared residuals (:func:`noise_calibrated`, the optimism argument
        of Efron 1983; a model with fewer than 30 out-of-bag cells of the column borrows the
        m models' cells together, :func:`borrow_calibration`). The donor is drawn among the 10 nearest in
        predicted (mean, log sd), as in predictive mean matching, so that non-normal shapes
        (e.g. a bimodal variable whose modes depend on other variables) survive; draws stay
        within the observed range; a donor at a point mass of the column (a value many cells
        share: zero earnings, a top code; :attr:`ColumnSpec.masses`) gives that value exactly,
        as predictive mean matching does for semicontinuous variables (Vink et al. 2014);
      - binary and categorical: sampled from the predicted probabilities.
    Cells missing in the same row are drawn one column at a time, each given the row's
    observed values and the values already drawn, so the joint distribution of the missing
    cells of a row (e.g. X and Bin both missing given Y) is respected. Columns observed in at
    least half the rows go first, discrete before numeric; then the mostly-missing ones.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field

import numpy as np
import torch
from scipy.spatial import cKDTree
from torch.nn import functional as F

from .encoding import Encoder
from .torch_state import search_threads

_MIN_OOB_RESIDUALS = 30  # fewer donor (or validation) rows than this: use all observed rows
_DONORS = 10  # residual donors per imputed cell, nearest in predicted (mean, log sd)
# Rows whose residuals form a model's donor pool (and its out-of-bag calibration), at most: a
# random subset beyond that. 50,000 donors describe a residual distribution, and its nearest
# 10 in (mean, log sd), as well as a million do; below the cap nothing changes.
_MAX_DONOR_ROWS = 50_000
# Rows per forward pass when computing residuals and drawing: memory stays bounded however many
# rows are imputed (the activations of one batch, not of all rows, are held at once). Small
# enough that an activation (8,192 rows x 1,024 hidden units at most, 32 MiB) is reused from
# the heap: at 65,536 rows every activation was a fresh mmap whose page faults took more time
# than the matrix products (a forward pass over 10^6 rows: 3.4 s -> 1.4 s, the same numbers).
_BATCH_ROWS = 8_192
# Early stopping (deviation 6): the out-of-bag loss is evaluated every epoch, or every
# _EVAL_STEPS steps if an epoch is longer, on at most _VALID_ROWS rows per model.
_EVAL_STEPS = 100
_VALID_ROWS = 2000
_MIN_GAIN = 1e-3  # an out-of-bag loss lower than the best by less than this is no improvement
_SMOOTH = 0.7  # the stopping rule looks at an exponential moving average of the out-of-bag loss
_VALID_SEED = 0x5EED  # offset of the validation rows' random stream under ``stop_epochs``

@dataclass(frozen=True)
class GainSettings:
    """Hyper-parameters of the GAIN imputation models (validated by ``impute``)."""

    epochs: int = 200  # at 1,000 rows 1,400 steps (the draw patterns: bench/RESULTS.md, thirteenth session)
    max_steps: int = 4000
    batch_size: int = 128
    hint_rate: float = 0.9
    alpha: float = 10.0
    hidden: int | None = None
    max_hidden: int = 1024  # cap on the default width: the networks grow with its square
    learning_rate: float = 1e-2
    weight_decay: float = 1e-5
    adversarial: float = 0.0
    patience: float = 1.0
    odds_weights: bool = False
    keep_best: bool = False  # True: keep each model's weights of lowest out-of-bag loss
    # share of training rows that hide the cells of one of the draws' conditionals (the
    # patterns of draw_patterns); the others hide a random share of their observed cells
    pattern_share: float = 0.75
    # stop a model after this many epochs without out-of-bag improvement; a stopped model keeps
    # its weights of lowest out-of-bag loss, one that reaches the cap its final weights (stacking)
    stop_epochs: int | None = None


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


class _StackedMLP:
    """``k`` independent MLPs (two hidden ReLU layers) whose weights carry a leading model
    dimension, evaluated together with batched matrix products (``torch.baddbmm``): k small
    networks cost about as much as one. Model ``l``'s weights are initialised as
    ``torch.nn.Linear`` does, from its own generator."""

    def __init__(self, sizes: list[int], generators: list[torch.Generator], device: torch.device):
        self.params: list[torch.Tensor] = []
        for n_in, n_out in zip(sizes[:-1], sizes[1:]):
            bound = 1.0 / math.sqrt(n_in)
            w = torch.stack([(torch.rand(n_in, n_out, generator=g) * 2 - 1) * bound for g in generators])
            b = torch.stack([(torch.rand(1, n_out, generator=g) * 2 - 1) * bound for g in generators])
            self.params += [w.to(device).requires_grad_(), b.to(device).requires_grad_()]

    def __call__(self, x: torch.Tensor, only: int | None = None) -> torch.Tensor:
        """``x`` of shape (k, rows, n_in) -> (k, rows, n_out); with ``only``, x is (1, rows, n_in)
        and model ``only`` alone is evaluated."""
        ps = self.params if only is None else [p[only:only + 1] for p in self.params]
        for i in range(0, len(ps), 2):
            x = torch.baddbmm(ps[i + 1], x, ps[i])
            if i + 2 < len(ps):  # in place where no gradient is taken (the draws): one buffer less
                x = torch.relu(x) if torch.is_grad_enabled() else x.relu_()
        return x


class _Adam:
    """Adam (Kingma & Ba 2015) with L2 weight decay as torch.optim.Adam, on stacked weights,
    with one learning rate per model (so that each model follows its own schedule).

    The moments live in one flat buffer, so a step is a handful of tensor operations however
    many layers there are (the per-step cost of small networks is the number of operations,
    not their size)."""

    def __init__(self, params: list[torch.Tensor], lr: torch.Tensor, weight_decay: float,
                 betas=(0.9, 0.999), eps: float = 1e-8):
        self.params, self.lr, self.wd, self.betas, self.eps = params, lr, weight_decay, betas, eps
        self.sizes = [p[0].numel() for p in params]
        self.k = len(lr)
        width = sum(self.sizes)
        self.m1 = torch.zeros(self.k, width, device=lr.device)
        self.m2 = torch.zeros(self.k, width, device=lr.device)
        self.t = 0

    @torch.no_grad()
    def step(self, grads: list[torch.Tensor] | None = None) -> None:
        """One step from ``grads`` (one per parameter), or from the parameters' ``.grad``."""
        self.t += 1
        b1, b2 = self.betas
        c1, c2 = 1 - b1 ** self.t, 1 - b2 ** self.t
        if grads is None:
            grads = [p.grad for p in self.params]
        flat_p = torch.cat([p.detach().reshape(self.k, -1) for p in self.params], dim=1)
        g = torch.cat([q.reshape(self.k, -1) for q in grads], dim=1)
        if self.wd != 0:
            g = g.add(flat_p, alpha=self.wd)
        self.m1.mul_(b1).add_(g, alpha=1 - b1)
        self.m2.mul_(b2).addcmul_(g, g, value=1 - b2)
        upd = (self.m1 / c1).div_((self.m2 / c2).sqrt_().add_(self.eps)).mul_(self.lr.view(-1, 1))
        for p, u in zip(self.params, upd.split(self.sizes, dim=1)):
            p.sub_(u.view_as(p))
            p.grad = None


class GainModels:
    """The generators (and, with an adversarial term, discriminators) of k imputation models,
    stacked; ``member(l)`` is model ``l`` alone, for the draws."""

    def __init__(self, enc: Encoder, hidden: int, generators: list[torch.Generator],
                 device: torch.device = torch.device("cpu"), adversarial: bool = False):
        self.device = torch.device(device)
        self.layout = _Layout(enc, self.device)
        self.k = len(generators)
        f, d = enc.n_features, enc.n_columns
        self.generator = _StackedMLP([f + d, hidden, hidden, self.layout.n_out], generators, self.device)
        self.discriminator = (_StackedMLP([f + d, hidden, hidden, d], generators, self.device)
                              if adversarial else None)

    def member(self, ell: int) -> "GainModel":
        return GainModel(self, ell)

    # -- generator ---------------------------------------------------------------------------
    def generate(self, x: torch.Tensor, mask: torch.Tensor, noise: torch.Tensor,
                 only: int | None = None) -> torch.Tensor:
        """Raw generator output for features ``x`` (k, rows, f) with column mask ``mask``
        (1 = given); missing inputs are replaced by ``noise``."""
        fmask = mask[..., self.layout.owner]
        x_in = fmask * x + (1 - fmask) * noise
        return self.generator(torch.cat([x_in, mask], dim=-1), only)

    def numeric_params(self, out: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Mean and sd (standardised scale) of each numeric column, shape (..., n_numeric)."""
        mu = out[..., self.layout.num_feat]
        log_sd = out[..., out.shape[-1] - len(self.layout.numeric):].clamp(-7.0, 4.0)
        return mu, log_sd.exp()

    def sample_features(self, out: torch.Tensor, u: torch.Tensor) -> torch.Tensor:
        """A draw of every feature from the generator's predictive distribution, from the
        uniforms ``u`` (one per column), with straight-through gradients for discrete ones."""
        lay = self.layout
        parts = []
        mu_sd = self.numeric_params(out) if lay.numeric else None
        num_pos = {j: k for k, j in enumerate(lay.numeric)}
        for j, c in enumerate(lay.cols):
            logits = out[..., c.start:c.stop]
            uj = u[..., j:j + 1]
            if c.is_numeric:
                k = num_pos[j]
                mu, sd = mu_sd[0][..., k:k + 1], mu_sd[1][..., k:k + 1]
                parts.append(mu + sd * torch.special.ndtri(uj.clamp(1e-6, 1 - 1e-6)))
            else:
                p = torch.sigmoid(logits) if c.kind == "binary" else torch.softmax(logits, dim=-1)
                if c.kind == "binary":
                    hard = (uj < p.detach()).to(p.dtype)
                else:
                    idx = (p.detach().cumsum(-1) < uj).sum(-1).clamp_max(c.width - 1)
                    hard = F.one_hot(idx, c.width).to(p.dtype)
                parts.append(hard + p - p.detach())
        return torch.cat(parts, dim=-1)

    @torch.no_grad()
    def reconstruction_step(self, x: torch.Tensor, given: torch.Tensor, held_out: torch.Tensor,
                            noise: torch.Tensor, alpha: float,
                            weight: torch.Tensor | None = None) -> tuple[torch.Tensor, list[torch.Tensor]]:
        """The reconstruction loss of every model (as :meth:`reconstruction_loss`, shape (k,))
        and the gradients of ``alpha`` times its sum with respect to the generator's weights,
        written out by hand: the forward pass, the loss's derivative in closed form (Gaussian
        NLL, logistic and softmax cross-entropy) and back-propagation through the two ReLU
        layers. Autograd computes the same numbers (``tests/imputation/test_gain_grads.py``);
        for networks this small its bookkeeping cost more than the arithmetic."""
        lay = self.layout
        w1, b1, w2, b2, w3, b3 = self.generator.params
        fmask = given[..., lay.owner]
        inp = torch.cat([fmask * x + (1 - fmask) * noise, given], dim=-1)
        h1 = torch.relu(torch.baddbmm(b1, inp, w1))
        h2 = torch.relu(torch.baddbmm(b2, h1, w2))
        out = torch.baddbmm(b3, h2, w3)
        t = held_out if weight is None else held_out * weight
        coef = t / t.sum(-2, keepdim=True).clamp_min(1.0)  # each column: mean over its cells
        n_cols = held_out.shape[-1]
        scale = alpha / n_cols
        loss = torch.zeros(out.shape[0], device=out.device, dtype=out.dtype)
        grad = torch.zeros_like(out)
        if lay.numeric:
            n_num = len(lay.numeric)
            sd_pos = torch.arange(out.shape[-1] - n_num, out.shape[-1], device=out.device)
            raw = out[..., sd_pos]
            log_sd = raw.clamp(-7.0, 4.0)
            sd = log_sd.exp()
            r = (x[..., lay.num_feat] - out[..., lay.num_feat]) / sd
            c = coef[..., lay.numeric]
            loss += ((log_sd + 0.5 * r * r) * c).sum((-2, -1))
            grad.index_copy_(2, lay.num_feat, -r / sd * c * scale)
            inside = ((raw >= -7.0) & (raw <= 4.0)).to(out.dtype)  # clamp passes no gradient outside
            grad.index_copy_(2, sd_pos, (1 - r * r) * inside * c * scale)
        if lay.binary:
            z, y = out[..., lay.bin_feat], x[..., lay.bin_feat]
            c = coef[..., lay.binary]
            loss += (F.binary_cross_entropy_with_logits(z, y, reduction="none") * c).sum((-2, -1))
            grad.index_copy_(2, lay.bin_feat, (torch.sigmoid(z) - y) * c * scale)
        for j in lay.blocks:
            col = lay.cols[j]
            logp = torch.log_softmax(out[..., col.start:col.stop], dim=-1)
            y = x[..., col.start:col.stop]
            c = coef[..., j:j + 1]
            loss += (-(logp * y).sum(-1, keepdim=True) * c).sum((-2, -1))
            grad[..., col.start:col.stop] = (logp.exp() * y.sum(-1, keepdim=True) - y) * c * scale
        relu_back = torch.ops.aten.threshold_backward  # gradient through a ReLU: 0 where h <= 0
        g2 = relu_back(torch.bmm(grad, w3.transpose(1, 2)), h2, 0)
        g1 = relu_back(torch.bmm(g2, w2.transpose(1, 2)), h1, 0)
        grads = [torch.bmm(inp.transpose(1, 2), g1), g1.sum(1, keepdim=True),
                 torch.bmm(h1.transpose(1, 2), g2), g2.sum(1, keepdim=True),
                 torch.bmm(h2.transpose(1, 2), grad), grad.sum(1, keepdim=True)]
        return loss / n_cols, grads

    def reconstruction_loss(self, out: torch.Tensor, x: torch.Tensor, target: torch.Tensor,
                            validation: bool = False, weight: torch.Tensor | None = None) -> torch.Tensor:
        """Per model, the mean over columns of the mean negative log-likelihood of the
        held-out observed cells (``target`` = 1); shape (k,). With ``validation``, a numeric
        column's term is 0.5·log(mean squared error) instead: the draws rescale the predicted
        sd by out-of-bag residuals, so the stopping rule should judge the predicted means and
        not be misled by an sd that shrinks as the network fits its training rows."""
        lay = self.layout
        losses, counts = [], []
        if weight is not None:
            target = target * weight

        def mean(loss, t):
            return (loss * t).sum(-2) / t.sum(-2).clamp_min(1.0)

        if lay.numeric:
            mu, sd = self.numeric_params(out)
            t = target[..., lay.numeric]
            counts.append(t.sum(-2))
            if validation:
                losses.append(0.5 * torch.log(mean((x[..., lay.num_feat] - mu) ** 2, t) + 1e-8))
            else:
                nll = torch.log(sd) + 0.5 * ((x[..., lay.num_feat] - mu) / sd) ** 2
                losses.append(mean(nll, t))
        if lay.binary:
            bce = F.binary_cross_entropy_with_logits(out[..., lay.bin_feat], x[..., lay.bin_feat],
                                                     reduction="none")
            losses.append(mean(bce, target[..., lay.binary]))
            counts.append(target[..., lay.binary].sum(-2))
        for j in lay.blocks:
            c = lay.cols[j]
            logp = torch.log_softmax(out[..., c.start:c.stop], dim=-1)
            ce = -(logp * x[..., c.start:c.stop]).sum(-1, keepdim=True)
            losses.append(mean(ce, target[..., j:j + 1]))
            counts.append(target[..., j:j + 1].sum(-2))
        loss = torch.cat(losses, dim=-1)
        if not validation:
            return loss.mean(-1)
        # validation: the mean over the columns that have held-out cells (a column without any,
        # e.g. one never hidden by the census's patterns, would add a constant)
        has = (torch.cat(counts, dim=-1) > 0).to(loss.dtype)
        return (loss * has).sum(-1) / has.sum(-1).clamp_min(1.0)


class GainModel:
    """Model ``ell`` of a :class:`GainModels` stack, with the one-model interface the draws use."""

    def __init__(self, models: GainModels, ell: int):
        self.models, self.ell = models, ell
        self.layout, self.device = models.layout, models.device

    def generate(self, x: torch.Tensor, mask: torch.Tensor, noise: torch.Tensor) -> torch.Tensor:
        return self.models.generate(x[None], mask[None], noise[None], only=self.ell)[0]

    def numeric_params(self, out):
        return self.models.numeric_params(out)

    def eval(self) -> "GainModel":  # the networks have no dropout or batch norm
        return self


@dataclass
class _Plateau:
    """Per-model early-stopping state (deviation 6)."""

    k: int
    best: np.ndarray = field(init=False)
    bad: np.ndarray = field(init=False)
    done: np.ndarray = field(init=False)

    def __post_init__(self):
        self.best = np.full(self.k, np.inf)
        self.bad = np.zeros(self.k, dtype=int)
        self.done = np.zeros(self.k, dtype=bool)


def _read_only_tensor(a: np.ndarray) -> torch.Tensor:
    """``torch.from_numpy(a)`` for an array that is only read: joblib's worker processes get
    the data as read-only memory maps, for which torch warns that writing would be undefined
    (nothing writes to it here; a copy would double the memory)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="The given NumPy array is not writable")
        return torch.from_numpy(a)


def train_models(x: np.ndarray, mask: np.ndarray, enc: Encoder, settings: GainSettings,
                 rows: list[np.ndarray], valid: list[np.ndarray | None], seeds: list[int],
                 tick=None, device: torch.device = torch.device("cpu"),
                 patterns: tuple[np.ndarray, np.ndarray] | None = None,
                 pattern_share: float = 1.0,
                 cell_weights: np.ndarray | None = None,
                 stop_rows: list[np.ndarray] | None = None,
                 ) -> tuple[GainModels, list[list[tuple]]]:
    """Train k GAIN models together, model ``l`` on the rows ``rows[l]`` of ``x``/``mask``
    (its bootstrap sample), stopped on its reconstruction loss on the rows ``valid[l]`` (its
    out-of-bag rows; ``None`` or too few: a sample of its training rows); returns the stacked
    models and, per model, its history: (epoch, d_loss, g_adversarial, g_reconstruction,
    validation loss) at each evaluation.

    Model ``l``'s initial weights, batches, hidden cells, noise and hints come from a CPU
    generator seeded with ``seeds[l]`` alone, so it is the same model whichever models are
    trained beside it and on whichever device. ``tick(steps)`` reports progress.

    Cells hidden from the generator in training: by default a random share u ~ U(0, 1) of each
    row's observed cells (deviation 1 of the module docstring). With ``patterns`` =
    (masks, weights), the missingness patterns of the rows that will be imputed and their
    weights, each training row instead hides the cells missing in a pattern drawn with those
    weights: the network is trained on exactly the conditionals the imputation asks for (small-
    area stacking: the outcome given the covariates as the census has them; multiple imputation:
    :func:`draw_patterns`). With ``pattern_share`` < 1 only that share of the rows (each row
    by a uniform of its model's stream) hides a pattern; the others hide a random share.
    ``cell_weights`` (rows of ``x`` by columns) weight each held-out cell's loss (each column's
    loss is the weighted mean over its held-out cells).

    With ``settings.stop_epochs`` (small-area stacking), model ``l`` is instead validated on the
    rows ``stop_rows[l]`` (default ``valid[l]``), each hiding a pattern of ``patterns`` (if
    given), drawn from a random stream of their own; it stops after ``stop_epochs`` epochs
    without improvement and then keeps its weights of lowest loss; a model that reaches the cap
    keeps its final weights. Until a model stops, its training is exactly that without the
    rule.
    """
    k = len(rows)
    dev = torch.device(device)
    n_train = len(rows[0])
    if any(len(r) != n_train for r in rows):
        raise ValueError("every model must have the same number of training rows")
    hidden = settings.hidden or min(max(128, 2 * enc.n_features), settings.max_hidden)
    gens = [torch.Generator().manual_seed(int(s)) for s in seeds]
    adversarial = settings.adversarial > 0
    models = GainModels(enc, hidden, gens, dev, adversarial=adversarial)
    xt, mt = _read_only_tensor(x).to(dev), _read_only_tensor(mask).to(dev)
    f, d = x.shape[1], mask.shape[1]
    lr = torch.full((k,), float(settings.learning_rate), device=dev)
    opt_g = _Adam(models.generator.params, lr, settings.weight_decay)
    opt_d = _Adam(models.discriminator.params, lr, settings.weight_decay) if adversarial else None
    batch = min(settings.batch_size, n_train)
    steps_per_epoch = max(1, n_train // batch)
    total = training_steps(n_train, settings)
    eval_every = min(steps_per_epoch, _EVAL_STEPS)
    patience = max(5, math.ceil(settings.patience * total / eval_every))
    if settings.stop_epochs is not None:
        patience = max(1, math.ceil(settings.stop_epochs * steps_per_epoch / eval_every))
    rows_t = torch.as_tensor(np.stack(rows), dtype=torch.long)
    wt = (torch.from_numpy(missing_odds(x, mask, enc)).to(dev) if settings.odds_weights else None)
    if cell_weights is not None:
        cw = torch.as_tensor(np.asarray(cell_weights, dtype=np.float32), device=dev)
        wt = cw if wt is None else wt * cw
    if patterns is not None:
        pat_mask = torch.as_tensor(np.asarray(patterns[0], dtype=np.float32), device=dev)
        pat_cum = torch.as_tensor(np.cumsum(patterns[1], dtype=np.float64) / np.sum(patterns[1]))
        pat_cum[-1] = 1.0
    vx, _, vgiven, vheld = _validation_sets(x, mask, rows, valid, gens, dev)
    if settings.stop_epochs is not None:
        # validation rows that hide the patterns, from their own random stream (the sets above
        # are drawn all the same, so that training draws the same numbers as without the rule)
        vgens = [torch.Generator().manual_seed((int(s) + _VALID_SEED) % 2 ** 63) for s in seeds]
        vx, _, vgiven, vheld = _validation_sets(
            x, mask, rows, valid if stop_rows is None else stop_rows, vgens, dev,
            patterns=None if patterns is None else (pat_mask, pat_cum))
    plateau = _Plateau(k)
    best = [p.detach().clone() for p in models.generator.params]
    history: list[list[tuple]] = [[] for _ in range(k)]
    sums = torch.zeros(k, 3, dtype=torch.float64)
    since = 0
    perm = None
    smooth = None
    zeros = torch.zeros(k, device=dev)
    for step in range(total):
        pos = step % steps_per_epoch
        if pos == 0:
            perm = torch.stack([torch.randperm(n_train, generator=g) for g in gens])
        idx = rows_t.gather(1, perm[:, pos * batch:(pos + 1) * batch]).to(dev)
        xb, mb = xt[idx], mt[idx]
        # One draw of uniforms per model and step: share hidden, cells hidden, noise, hints.
        u = torch.stack([torch.rand(batch, 1 + d + f + 2 * d, generator=g) for g in gens]).to(dev)
        share, hide, noise = u[..., :1], u[..., 1:1 + d], 0.01 * u[..., 1 + d:1 + d + f]
        # Hide a random share u ~ U(0,1) of each row's observed cells from G (deviation 1).
        if patterns is None:
            given = mb * (hide >= share).to(mb.dtype)
        else:  # each row hides the missing cells of a pattern drawn with the patterns' weights
            pick = torch.stack([torch.searchsorted(pat_cum, torch.rand(batch, generator=g,
                                                                       dtype=torch.float64))
                                for g in gens]).clamp_max(len(pat_cum) - 1).to(dev)
            given = mb * pat_mask[pick]
            if pattern_share < 1.0:  # the other rows hide a random share (deviation 1)
                mixed = torch.stack([torch.rand(batch, 1, generator=g) for g in gens]).to(dev)
                given = torch.where(mixed < pattern_share, given, mb * (hide >= share).to(mb.dtype))
        held_out = mb - given
        weight = None if wt is None else wt[idx]
        if adversarial:
            d_loss, g_adv, out = _adversarial_step(models, opt_d, xb, given, noise,
                                                   u[..., 1 + d + f:], settings.hint_rate)
            g_rec = models.reconstruction_loss(out, xb, held_out, weight=weight)
            (settings.alpha * g_rec + settings.adversarial * g_adv).sum().backward()
            opt_g.step()
        else:
            d_loss = g_adv = zeros
            g_rec, grads = models.reconstruction_step(xb, given, held_out, noise, settings.alpha,
                                                      weight=weight)
            opt_g.step(grads)
        sums += torch.stack([d_loss.detach(), g_adv.detach(), g_rec.detach()], 1).double().cpu()
        since += 1
        if since == eval_every or step == total - 1:
            means = (sums / since).numpy()
            if not np.all(np.isfinite(means)):
                raise FloatingPointError(
                    f"GAIN training diverged (a loss became non-finite after {step + 1} steps); "
                    f"use a smaller `learning_rate` (now {settings.learning_rate}) or check the "
                    "data for extreme values.")
            with torch.no_grad():
                vloss = models.reconstruction_loss(models.generate(vx, vgiven, torch.zeros_like(vx)),
                                                   vx, vheld, validation=True).double().cpu().numpy()
            epoch = (step + 1) / steps_per_epoch
            for ell in np.flatnonzero(~plateau.done):
                history[ell].append((round(epoch, 4), *means[ell], float(vloss[ell])))
            # Cosine decay of the learning rate to zero over the cap, updated at each
            # evaluation: fast early progress, precise final fit (stopped models keep 0).
            lr.copy_(torch.where(torch.as_tensor(plateau.done, device=dev), 0.0,
                                 settings.learning_rate * 0.5 * (1 + math.cos(math.pi * (step + 1) / total))))
            smooth = vloss if not np.isfinite(plateau.best).any() else (
                _SMOOTH * smooth + (1 - _SMOOTH) * vloss)
            _plateau_update(plateau, smooth, lr, models, best, patience)
            if tick is not None:
                tick(since)
            sums.zero_()
            since = 0
            if plateau.done.all():
                if tick is not None:
                    tick(total - step - 1)
                break
    with torch.no_grad():  # the final weights, or (keep_best) those of lowest out-of-bag loss
        stopped = torch.as_tensor(plateau.done, device=dev)
        for p, b in zip(models.generator.params, best):
            if settings.keep_best:
                p.copy_(b)
            elif settings.stop_epochs is not None:  # stopped models: their best weights
                p[stopped] = b[stopped]
            p.requires_grad_(False)
    return models, history


def missing_odds(x: np.ndarray, mask: np.ndarray, enc: Encoder, cap: float = 20.0,
                 max_rows: int = 20_000) -> np.ndarray:
    """Per cell, the odds that column j is missing given the row's other observed values
    (a ridge logistic regression of column j's mask on the other columns' features and mask
    indicators), normalised to mean 1 over column j's observed cells and capped at ``cap``;
    1 for complete columns. Weighting an observed cell's loss by these odds makes the
    observed cells of a column stand for its missing ones (covariate-shift weighting,
    Shimodaira 2000): under MAR the conditional distribution is the same in both, and the
    network's fit is spent where the imputations are needed."""
    n, d = mask.shape
    owner = enc.feature_owner()
    w = np.ones(mask.shape, dtype=np.float32)
    rng = np.random.default_rng(0)
    fit_rows = np.arange(n) if n <= max_rows else rng.choice(n, max_rows, replace=False)
    for j in range(d):
        miss = mask[:, j] == 0
        if not miss.any() or miss.all():
            continue
        keep_f = owner != j
        keep_c = np.arange(d) != j

        def design(r, keep_f=keep_f, keep_c=keep_c):
            return np.hstack([x[r][:, keep_f] * mask[r][:, owner[keep_f]], mask[r][:, keep_c],
                              np.ones((len(r), 1), dtype=np.float32)]).astype(float)

        beta = _ridge_logit(design(fit_rows), miss[fit_rows].astype(float))
        # in chunks of rows, so that large data do not hold a float64 copy at once
        odds = np.concatenate([np.exp(np.clip(design(np.arange(a, min(a + _BATCH_ROWS, n))) @ beta,
                                              -10, 10)) for a in range(0, n, _BATCH_ROWS)])
        o = odds[~miss]
        o = np.minimum(o / o.mean(), cap)
        w[~miss, j] = o / o.mean()
    return w


def _ridge_logit(z: np.ndarray, y: np.ndarray, lam: float = 1.0, iters: int = 25) -> np.ndarray:
    """Logistic regression with a ridge penalty ``lam`` (not on the last, constant column),
    by Newton's method."""
    beta = np.zeros(z.shape[1])
    pen = np.full(z.shape[1], lam)
    pen[-1] = 0.0
    for _ in range(iters):
        p = 1 / (1 + np.exp(-(z @ beta)))
        grad = z.T @ (y - p) - pen * beta
        hess = (z * (p * (1 - p))[:, None]).T @ z + np.diag(pen) + 1e-8 * np.eye(len(beta))
        step = np.linalg.solve(hess, grad)
        beta += step
        if np.abs(step).max() < 1e-6:
            break
    return beta


def _adversarial_step(models, opt_d, xb, given, noise, u, hint_rate):
    """One discriminator step, then G's adversarial loss per model (GAIN's hint mechanism)."""
    d = given.shape[-1]
    owner = models.layout.owner
    b = (u[..., :d] < hint_rate).to(given.dtype)
    hint = b * given + 0.5 * (1 - b)
    unhinted = 1 - b
    fgiven = given[..., owner]
    u_draw = u[..., d:2 * d]
    with torch.no_grad():
        out = models.generate(xb, given, noise)
        fake = models.sample_features(out, u_draw)
    x_hat = fgiven * xb + (1 - fgiven) * fake
    d_logit = models.discriminator(torch.cat([x_hat, hint], dim=-1))
    d_loss = ((F.binary_cross_entropy_with_logits(d_logit, given, reduction="none") * unhinted)
              .sum((-2, -1)) / unhinted.sum((-2, -1)).clamp_min(1.0))
    d_loss.sum().backward()
    opt_d.step()
    out = models.generate(xb, given, noise)
    fake = models.sample_features(out, u_draw)
    x_hat = fgiven * xb + (1 - fgiven) * fake
    d_logit = models.discriminator(torch.cat([x_hat, hint], dim=-1))
    w = (1 - given) * unhinted
    g_adv = (F.softplus(-d_logit) * w).sum((-2, -1)) / w.sum((-2, -1)).clamp_min(1.0)
    for p in models.discriminator.params:  # G's step must not move D
        p.grad = None
    return d_loss, g_adv, out


def _validation_sets(x, mask, rows, valid, gens, dev, patterns=None):
    """Per model, a fixed validation batch: rows (its out-of-bag rows, else its training
    rows), with a random share of each row's observed cells held out (with ``patterns``
    (masks, cumulative weights), the cells missing in a pattern drawn as in training), drawn
    once so that the loss is comparable from one evaluation to the next."""
    # The size depends on the number of training rows only, so that a model's validation set
    # does not depend on the models trained beside it (out-of-bag rows are ~37% of them).
    size = max(1, min(_VALID_ROWS, int(0.3 * len(rows[0]))))
    idx = []
    for r, v, g in zip(rows, valid, gens):
        src = v if v is not None and len(v) >= _MIN_OOB_RESIDUALS else np.unique(r)
        order = torch.randperm(len(src), generator=g).numpy()
        idx.append(np.resize(src[order], size))  # repeated if there are fewer rows than size
    idx = np.stack(idx)
    vx = torch.from_numpy(x[idx]).to(dev)
    vm = torch.from_numpy(mask[idx]).to(dev)
    if patterns is None:
        u = torch.stack([torch.rand(size, 1 + mask.shape[1], generator=g) for g in gens]).to(dev)
        vgiven = vm * (u[..., 1:] >= u[..., :1]).to(vm.dtype)
    else:
        pat_mask, pat_cum = patterns
        pick = torch.stack([torch.searchsorted(pat_cum, torch.rand(size, generator=g,
                                                                   dtype=torch.float64))
                            for g in gens]).clamp_max(len(pat_cum) - 1).to(dev)
        vgiven = vm * pat_mask[pick]
    return vx, vm, vgiven, vm - vgiven


def _plateau_update(state: _Plateau, vloss: np.ndarray, lr: torch.Tensor, models: GainModels,
                    best: list[torch.Tensor], patience: int) -> None:
    """The stopping rule (deviation 6), per model: a (smoothed) validation loss lower than the
    best by more than _MIN_GAIN is kept, with the weights; after ``patience`` evaluations
    without one, the model stops (its learning rate becomes 0) and keeps its best weights."""
    improved = (vloss < state.best - _MIN_GAIN) & ~state.done
    if improved.any():
        sel = torch.as_tensor(improved, device=lr.device)
        with torch.no_grad():
            for p, b in zip(models.generator.params, best):
                b[sel] = p.detach()[sel]
    state.best = np.where(improved, vloss, state.best)
    state.bad = np.where(improved, 0, state.bad + 1)
    stop = (state.bad >= patience) & ~state.done
    state.done |= stop
    lr[torch.as_tensor(stop, device=lr.device)] = 0.0


def train_model(x: np.ndarray, mask: np.ndarray, enc: Encoder, settings: GainSettings,
                generator: torch.Generator, tick=None,
                device: torch.device = torch.device("cpu")) -> tuple[GainModel, list[tuple]]:
    """One GAIN model trained on all rows of ``x``/``mask`` (stopped on a sample of them);
    ``generator``'s seed seeds it. Kept for callers that train one model at a time; prefer
    :func:`train_models`, which trains several together and stops on out-of-bag rows."""
    models, hist = train_models(x, mask, enc, settings, [np.arange(len(x))], [None],
                                [generator.initial_seed()], tick=tick, device=device)
    return models.member(0), hist[0]


def training_steps(n_rows: int, settings: GainSettings) -> int:
    """Most gradient steps for ``n_rows`` training rows: ``epochs`` passes, at most
    ``max_steps`` (early stopping usually ends training before)."""
    steps_per_epoch = max(1, n_rows // min(settings.batch_size, n_rows))
    return min(settings.epochs * steps_per_epoch, settings.max_steps)


def training_epochs(n_rows: int, settings: GainSettings) -> int:
    """Most epochs run (the last one possibly cut short by ``max_steps``)."""
    steps_per_epoch = max(1, n_rows // min(settings.batch_size, n_rows))
    return -(-training_steps(n_rows, settings) // steps_per_epoch)


@torch.no_grad()
def standardized_residuals(model: GainModel, x: np.ndarray, mask: np.ndarray,
                           rows: np.ndarray) -> dict[int, np.ndarray]:
    """Donor pool of each numeric column from its observed cells in ``rows``: an array with
    columns (standardised residual (x − mean)/sd, mean, log sd, mass), each cell predicted with
    its column hidden and the row's other observed values given; "mass" is the index of the
    column's point mass (:attr:`ColumnSpec.masses`) that the observed value is, or −1."""
    lay = model.layout
    out: dict[int, np.ndarray] = {}
    for k, j in enumerate(lay.numeric):
        obs = rows[mask[rows, j] > 0]
        if len(obs) == 0:
            out[j] = np.zeros((0, 4))
            continue
        c = lay.cols[j]
        # the masses as the encoder stores them (float32 of the standardised value)
        at = torch.tensor([(v - c.mean) / c.scale for v in c.masses], dtype=torch.float32,
                          device=model.device)

        def donors(g, xb, k=k, start=c.start, at=at):
            mu, sd = model.numeric_params(g)
            mu, sd = mu[:, k].double(), sd[:, k].double()
            r = (xb[:, start].double() - mu) / sd
            mass = torch.full_like(r, -1.0)
            for i in range(len(at)):
                mass = torch.where(xb[:, start] == at[i], float(i), mass)
            return (torch.stack([r, mu, sd.log(), mass], dim=1),)

        out[j] = _in_batches(model, x, mask, obs, donors, hide=j)[0].numpy()
    return out


@torch.no_grad()
def inactive_share(models: GainModels, ell: int, x: np.ndarray, mask: np.ndarray,
                   rows: np.ndarray, patterns: np.ndarray | None = None,
                   max_rows: int = 2000) -> float:
    """The share of model ``ell``'s last hidden layer whose units do not vary (ReLU inactive, or
    constant because the layer before is) over (the first ``max_rows`` of) ``rows``, given as
    the network sees them: their observed cells, and (``patterns``: the draws' hidden sets of
    :func:`draw_patterns`, taken in turn) with a pattern's cells hidden too. A share of 1 means
    the network's output no longer depends on its input: a model that collapsed in training
    (its units "died"; seen on wide data with many columns and on extreme values) imputes every
    column from one distribution whatever the row holds. 0 for data of one column (nothing to
    depend on). Uses no random numbers."""
    r = np.asarray(rows)[:max_rows]
    if len(r) == 0 or mask.shape[1] < 2:
        return 0.0
    lay = models.layout
    w1, b1, w2, b2 = (p[ell] for p in models.generator.params[:4])
    xb = torch.from_numpy(x[r]).to(models.device)
    mb = torch.from_numpy(mask[r]).to(models.device)
    givens = [mb]
    if patterns is not None and len(patterns):
        pat = torch.as_tensor(np.asarray(patterns, dtype=np.float32), device=models.device)
        givens.append(mb * pat[torch.arange(len(r), device=models.device) % len(pat)])
    inp = torch.cat([torch.cat([g[:, lay.owner] * xb, g], dim=-1) for g in givens])
    h2 = torch.relu(torch.relu(inp @ w1 + b1) @ w2 + b2)
    return float((h2.amax(0) <= h2.amin(0)).double().mean())


def donor_rows(rows: np.ndarray, child: np.random.SeedSequence) -> np.ndarray:
    """``rows`` if there are at most ``_MAX_DONOR_ROWS`` of them, else a sorted random subset of
    that many, drawn from a stream of its own derived from ``child`` (the imputation's seed),
    so that the imputation's other random streams are the same whatever the data's size."""
    if len(rows) <= _MAX_DONOR_ROWS:
        return rows
    stream = np.random.default_rng(np.random.SeedSequence(child.entropy,
                                                          spawn_key=(*child.spawn_key, 0x646F6E)))
    return np.sort(stream.choice(rows, size=_MAX_DONOR_ROWS, replace=False))


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


def out_of_bag_moments(model: GainModel, x: np.ndarray, mask: np.ndarray,
                       held_out: np.ndarray | None) -> dict[int, tuple[float, int]]:
    """Per numeric column, (sum of squared raw residuals, number of cells) over the observed
    cells of the ``held_out`` rows (the model's out-of-bag rows; also used for its in-bag rows),
    each predicted with its column hidden; {} for no such rows."""
    if held_out is None or len(held_out) == 0:
        return {}
    return {j: (float(np.sum((o[:, 0] * np.exp(o[:, 2])) ** 2)), len(o))
            for j, o in standardized_residuals(model, x, mask, held_out).items()}


def noise_calibrated(pools: dict[int, np.ndarray],
                     oob: dict[int, tuple[float, int]]) -> dict[int, np.ndarray]:
    """The donor pools ``pools`` (from the model's training rows) with each numeric column's
    standardised residuals scaled so that the imputation noise has the variance estimated by
    the mean of the in-bag and the out-of-bag mean squared residuals (raw scale; ``oob``: per
    column, the out-of-bag rows' sum of squared residuals and cell count,
    :func:`out_of_bag_moments`).

    A flexible network fitted to its bootstrap rows leaves residuals there that are smaller
    than the noise (training error is optimistic), while residuals on rows it never saw (the
    out-of-bag rows) add its estimation error to the noise. For a linear
    smoother with ``df`` degrees of freedom the two are σ²(1 − df/n) and about σ²(1 + df/n)
    (Efron 1983; Hastie, Tibshirani & Friedman 2009, §7.4), so their mean estimates σ²
    without counting the estimation error, which the spread between the m bootstrap models
    already carries. In the seed experiment the mean matched the noise variance of X given
    the other variables, computed from 100,000 complete rows, within 1% (0.265 against 0.267;
    in-bag 0.23, out-of-bag 0.30; bench/RESULTS.md, "Issue 18, noise of the draws").
    Columns with fewer than ``_MIN_OOB_RESIDUALS`` out-of-bag cells, and models without
    out-of-bag rows (``bootstrap=False``, ``oob`` empty), keep their pools as they are (the
    m models together may have enough: :func:`borrow_calibration`)."""
    out = {}
    for j, pool in pools.items():
        total, cells = oob.get(j, (0.0, 0))
        out[j] = pool if cells < _MIN_OOB_RESIDUALS else _scaled(pool, total / cells)
    return out


def _scaled(pool: np.ndarray, v_oob: float) -> np.ndarray:
    """``pool`` with its standardised residuals scaled so that its raw mean square is the mean
    of its own and ``v_oob`` (as it is if that cannot be computed)."""
    if len(pool) == 0:
        return pool
    v_in = float(np.mean((pool[:, 0] * np.exp(pool[:, 2])) ** 2))
    if not (v_in > 0 and np.isfinite(v_oob)):
        return pool
    scaled = pool.copy()
    scaled[:, 0] *= math.sqrt((v_in + v_oob) / (2 * v_in))
    return scaled


def borrow_calibration(residuals: list[dict[int, np.ndarray]],
                       oob: list[dict[int, tuple[float, int]]],
                       in_bag: list[dict[int, tuple[float, int]]] | None = None,
                       ) -> list[dict[int, np.ndarray]]:
    """The m models' donor pools (``residuals``, as :func:`noise_calibrated` left them), where a
    model had fewer than ``_MIN_OOB_RESIDUALS`` out-of-bag cells of a column to calibrate its
    pool by, calibrated by the out-of-bag mean square of all m models together (``oob``: each
    model's :func:`out_of_bag_moments`), if those hold that many: the pool is scaled so that its
    raw mean square is the mean of the model's in-bag mean square and that pooled one.

    ``in_bag`` (per model, the moments of its bootstrap rows' residuals, where it has any for a
    column with fewer than ``_MIN_OOB_RESIDUALS`` observed in-bag cells): such a column's pool is
    not its in-bag rows but all observed rows (:func:`donor_residuals`' fallback, which holds the
    model's out-of-bag rows too), so the in-bag mean square comes from these moments, not from
    the pool.

    On small data (a column observed in fewer than about 80 rows: ``swiss``,
    ``mice::mammalsleep``, ``mice::nhanes``) no model had that many, and its donors' residuals,
    which a network that nearly memorises 40 rows makes far too small, were used as they were.
    Pools calibrated on their own model's cells are left as they are, so imputations of columns
    with enough out-of-bag cells per model do not change (bench/RESULTS.md, seventeenth
    session)."""
    totals: dict[int, list[float]] = {}
    for moments in oob:
        for j, (total, cells) in moments.items():
            acc = totals.setdefault(j, [0.0, 0])
            acc[0] += total
            acc[1] += cells
    out = []
    for ell, (pools, moments) in enumerate(zip(residuals, oob)):
        if not moments:  # no out-of-bag rows (bootstrap=False): nothing to borrow against
            out.append(pools)
            continue
        own = in_bag[ell] if in_bag else {}
        mine = dict(pools)
        for j, pool in pools.items():
            total, cells = totals.get(j, (0.0, 0))
            if not moments.get(j, (0.0, 0))[1] < _MIN_OOB_RESIDUALS <= cells or len(pool) == 0:
                continue
            v_pool = float(np.mean((pool[:, 0] * np.exp(pool[:, 2])) ** 2))
            t_in, c_in = own.get(j, (0.0, 0))
            v_in = t_in / c_in if c_in > 0 else v_pool
            target = (v_in + total / cells) / 2
            if v_pool > 0 and np.isfinite(target) and target > 0:
                scaled = pool.copy()
                scaled[:, 0] *= math.sqrt(target / v_pool)
                mine[j] = scaled
        out.append(mine)
    return out


def unseen_levels(x: np.ndarray, mask: np.ndarray, enc: Encoder,
                  weights: np.ndarray | None = None) -> list[tuple[int, int, int, int]]:
    """The levels of discrete columns that the data never show beside an observed value of
    another column: (column j, discrete column c, level k of c, rows) for every j observed
    somewhere and every level k of c held by ``rows`` > 0 rows, none of which observes j (in
    ``mice::selfreport`` measured height is missing in every row of one source; in a survey an
    item skipped by everyone who gave one answer before). The networks learned nothing about j
    given that level: its imputations there would be the networks' arbitrary extrapolation,
    different in every imputation. :func:`draw_imputations` draws such cells with c hidden,
    from j's relation to the other columns, as mice drops a predictor collinear with j's
    missingness. ``weights``: each row's count (a model's bootstrap sample: how often each row
    was drawn; rows of weight 0 are not in it)."""
    w = np.ones(len(x)) if weights is None else np.asarray(weights, dtype=float)
    keep = np.flatnonzero(w > 0)
    discrete, levels, offsets = [], [], [0]
    for c, col in enumerate(enc.columns):
        if col.is_numeric:
            continue
        has = mask[:, c] > 0
        if col.kind == "binary":
            level = np.where(has, x[:, col.start] > 0.5, -1)
            n_levels = 2
        else:
            level = np.where(has, x[:, col.start:col.stop].argmax(1), -1)
            n_levels = col.width
        discrete.append((c, n_levels))
        levels.append(level.astype(np.int32))
        offsets.append(offsets[-1] + n_levels)
    if not discrete:
        return []
    # rows of each level, and rows of each level that observe each column: one matrix product
    # of the levels' indicators with the observed cells, a block of rows at a time
    n_rows_of = np.zeros(offsets[-1])
    together = np.zeros((offsets[-1], mask.shape[1]))
    seen_anywhere = np.zeros(mask.shape[1], dtype=bool)
    for s in range(0, len(keep), 65_536):
        r = keep[s:s + 65_536]
        z = np.zeros((len(r), offsets[-1]), dtype=np.float32)
        for level, off in zip(levels, offsets):
            lv = level[r]
            at = np.flatnonzero(lv >= 0)
            z[at, off + lv[at]] = 1.0
        observed = (mask[r] > 0).astype(np.float32)
        seen_anywhere |= observed.any(0)
        n_rows_of += z.sum(0, dtype=np.float64)
        # torch's product (numpy's BLAS threads compete with torch's for the cores); exact:
        # sums of 0/1 below 2**24 in a block
        together += (torch.from_numpy(z).T @ torch.from_numpy(observed)).double().numpy()
    out = []
    for (c, n_levels), off in zip(discrete, offsets):
        for j in np.flatnonzero(seen_anywhere):
            if j == c:
                continue
            for k in np.flatnonzero((n_rows_of[off:off + n_levels] > 0)
                                    & (together[off:off + n_levels, j] == 0)):
                out.append((int(j), c, int(k), int(n_rows_of[off + k])))
    return out


def _hidden_cells(x: np.ndarray, mask: np.ndarray, enc: Encoder, rows: np.ndarray,
                  pairs: list[tuple[int, int]]) -> np.ndarray | None:
    """(len(rows), columns) True where a row's discrete column c holds (observed or drawn) a
    level k of ``pairs`` [(c, k)]; None if nowhere."""
    if not pairs:
        return None
    hide = np.zeros((len(rows), mask.shape[1]), dtype=bool)
    for c, k in pairs:
        col = enc.columns[c]
        if col.kind == "binary":
            value = (x[rows, col.start] > 0.5) == bool(k)
        else:
            value = x[rows, col.start + k] > 0.5
        hide[:, c] |= (mask[rows, c] > 0) & value
    return hide if hide.any() else None


def _in_batches(model: GainModel, x: np.ndarray, mask: np.ndarray, rows: np.ndarray, head,
                hide: int | None = None, hide_cells: np.ndarray | None = None) -> list[torch.Tensor]:
    """``head(generator output, features)`` for ``rows``, computed _BATCH_ROWS rows at a time on
    the model's device (with column ``hide`` masked out, if given, and the cells where
    ``hide_cells`` (rows by columns) is True); the tensors it returns are concatenated over
    batches, on the CPU."""
    parts = []
    for s in range(0, len(rows), _BATCH_ROWS):
        r = rows[s:s + _BATCH_ROWS]
        xb = torch.from_numpy(x[r]).to(model.device)
        mb = torch.from_numpy(mask[r]).to(model.device)
        if hide is not None:
            mb[:, hide] = 0
        if hide_cells is not None:
            mb[torch.from_numpy(hide_cells[s:s + _BATCH_ROWS]).to(model.device)] = 0
        parts.append(head(model.generate(xb, mb, torch.zeros_like(xb)), xb))
    return [torch.cat(p).cpu() for p in zip(*parts)]


@torch.no_grad()
def draw_order(mask: np.ndarray, enc: Encoder) -> np.ndarray:
    """The order in which :func:`draw_imputations` draws the columns of rows ``mask``."""
    observed = mask.sum(0)
    discrete = np.array([0 if c.is_numeric else 1 for c in enc.columns])
    sparse = observed < 0.5 * len(mask)
    return np.lexsort((-observed, -discrete * ~sparse, sparse))


def draw_patterns(mask: np.ndarray, enc: Encoder) -> tuple[np.ndarray, np.ndarray]:
    """The conditionals the draws of rows ``mask`` ask the network for, as training patterns
    (``train_models(patterns=)``): a row missing the columns S draws each j of S given its
    observed cells and the columns of S drawn before j (:func:`draw_order`), i.e. with j and
    the columns of S after it hidden. Returns (masks, weights): one row per distinct hidden
    set (0 = hidden, 1 = given) and the number of cells drawn with it. Empty if nothing is
    missing."""
    order = draw_order(mask, enc)
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    missing, counts = np.unique(np.asarray(mask) == 0, axis=0, return_counts=True)
    sets: dict[tuple, int] = {}
    for row, count in zip(missing, counts):
        cols = np.flatnonzero(row)
        for j in cols:
            hidden = tuple(int(c) for c in cols if rank[c] >= rank[j])
            sets[hidden] = sets.get(hidden, 0) + int(count)
    masks = np.ones((len(sets), mask.shape[1]), dtype=np.float32)
    for i, hidden in enumerate(sets):
        masks[i, list(hidden)] = 0.0
    return masks, np.array(list(sets.values()), dtype=np.float64)


def draw_imputations(model: GainModel, enc: Encoder, x: np.ndarray, mask: np.ndarray,
                     residuals: dict[int, np.ndarray], rng: np.random.Generator,
                     unseen: list[tuple] | None = None,
                     skip: np.ndarray | None = None) -> dict[int, np.ndarray]:
    """Draw every missing cell once; returns, per column, the drawn values of its missing rows
    (numeric: standardised scale; binary: 0/1; categorical: level index). ``unseen``
    (:func:`unseen_levels` of the training data): a cell of column j in a row whose column c
    holds a level k never seen beside an observed j is drawn with c hidden from the network.
    ``skip`` (rows x columns, True = leave missing: ``impute(where=)``): those cells are not
    drawn and stay hidden from the columns drawn after them."""
    blind: dict[int, list[tuple[int, int]]] = {}
    for j, c, k, *_ in unseen or ():
        blind.setdefault(j, []).append((c, k))
    lay = model.layout
    x = x.copy()
    mask = mask.copy()
    draws: dict[int, np.ndarray] = {}
    # Order: columns observed in at least half the rows first, discrete before numeric (each
    # group most-observed first): a discrete conditional is always representable by its
    # softmax, and numeric columns drawn given the discrete ones form a mixture of the Gaussian
    # heads, which a single head cannot be. Columns missing in most rows come last (most-
    # observed first): their draws are largely extrapolation (pubertal stages of toddlers in
    # mice::boys), and conditioning a well-observed column on them would take the network
    # where it was never trained (heights of 110 cm at age 2 when they were drawn first).
    order = draw_order(mask, enc)
    num_pos = {j: k for k, j in enumerate(lay.numeric)}
    for j in order:
        rows = np.flatnonzero(mask[:, j] == 0)
        if skip is not None:
            rows = rows[~skip[rows, j]]
        if len(rows) == 0:
            continue
        c = enc.columns[j]
        hidden = _hidden_cells(x, mask, enc, rows, blind.get(j, []))
        if c.is_numeric:
            k = num_pos[j]
            mu, sd = _in_batches(model, x, mask, rows,
                                 lambda out, _, k=k: tuple(t[:, k] for t in model.numeric_params(out)),
                                 hide_cells=hidden)
            mu, sd = mu.numpy(), sd.numpy()
            values = _residual_draw(mu.astype(float), sd.astype(float), residuals[j], c, rng,
                                    bounds=c.draw_range())
            if c.kind == "integer":  # later columns condition on the value the data will hold
                values = (c.snap(values * c.scale + c.mean) - c.mean) / c.scale
            x[rows, c.start] = values
        elif c.kind == "binary":
            p = _in_batches(model, x, mask, rows,
                            lambda out, _, c=c: (torch.sigmoid(out[:, c.start]),),
                            hide_cells=hidden)[0]
            p = p.numpy().astype(float)
            values = (rng.random(len(rows)) < p).astype(float)
            x[rows, c.start] = values
        else:
            p = _in_batches(model, x, mask, rows,
                            lambda out, _, c=c: (torch.softmax(out[:, c.start:c.stop].double(), dim=1),),
                            hide_cells=hidden)
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
                   tries: int = 20, reps: int | None = None,
                   bounds: tuple[float, float] | None = None, masses: bool = True) -> np.ndarray:
    """mean + sd · r, with r the standardised residual of a donor drawn at random among the
    ``_DONORS`` donors nearest in predicted (mean, log sd), as predictive mean matching picks
    donors: the shape of the residual distribution may change with the prediction (a bimodal
    variable whose modes' weights depend on another variable), and a pooled residual draw
    would blur it. Values outside the observed range are redrawn (up to ``tries`` times),
    then clipped. With ``reps``, that many independent draws (rows of the result) from one
    search for the nearest donors. ``bounds`` (data scale) replaces the observed range (the
    imputations of an integer column: :meth:`ColumnSpec.draw_range`).

    Point masses (``masses``, the default; :attr:`ColumnSpec.masses`): a donor whose observed
    value is a mass of the column (a zero of earnings) gives the cell that value, not mean +
    sd · its residual, as predictive mean matching gives the donor's value (Vink et al. 2014,
    "Predictive mean matching imputation of semicontinuous variables", Statistica Neerlandica
    68(1)): among the donors nearest in prediction, the share at the mass estimates the
    chance that a cell like this one is at it. Mean + sd · residual would put such a cell
    *near* the mass (a wage of 0.03 for someone who does not work), almost never on it."""
    low, high = (c.low, c.high) if bounds is None else bounds
    low = (low - c.mean) / c.scale
    high = (high - c.mean) / c.scale
    spikes = None
    if masses and getattr(c, "masses", None) and donors.shape[1] > 3:
        spikes = (np.asarray(c.masses, dtype=float) - c.mean) / c.scale
    if reps is not None:
        if len(donors) == 0:
            return np.clip(mu + sd * rng.standard_normal((reps, len(mu))), low, high)
        near = _nearest_donors(mu, sd, donors)
        return np.stack([_pick_residuals(mu, sd, donors, near, low, high, rng, tries, spikes)
                         for _ in range(reps)])
    if len(donors) == 0:
        return np.clip(mu + sd * rng.standard_normal(len(mu)), low, high)
    return _pick_residuals(mu, sd, donors, _nearest_donors(mu, sd, donors), low, high, rng, tries,
                           spikes)


class _Matches:
    """The donors each imputed cell may draw from, and the draw: among the ``_DONORS`` donors
    nearest in predicted (mean, log sd) (scaled), each equally likely.

    Donors with the same prediction are equally near, so a cell whose nearest donors sit in
    a group of equal predictions draws from the whole group (ties included at the boundary),
    not from whichever members the tree lists first: a network that predicts one value for
    many rows (categorical covariates only; a column unrelated to the others, where trained
    networks may be constant) would otherwise give every cell the same ten residuals, and the
    imputations of a column ten values."""

    def __init__(self, near=None, groups=None, cum=None, members=None, start=None):
        self.near = near  # (cells, k) donor rows, when no two donors share a prediction
        self.groups, self.cum = groups, cum  # else: nearest groups and their cumulative sizes
        self.members, self.start = members, start  # donor rows ordered by group; group offsets

    def pick(self, todo: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """One donor row for each cell in ``todo``, drawn from ``rng``."""
        if self.near is not None:
            return self.near[todo, rng.integers(0, self.near.shape[1], size=len(todo))]
        cum = self.cum[todo]
        r = rng.integers(0, cum[:, -1])  # a uniform position among the cell's donors
        pos = (cum <= r[:, None]).sum(1)
        rows = np.arange(len(todo))
        before = np.where(pos > 0, cum[rows, np.maximum(pos - 1, 0)], 0)
        return self.members[self.start[self.groups[todo, pos]] + (r - before)]


def _nearest_donors(mu: np.ndarray, sd: np.ndarray, donors: np.ndarray) -> _Matches:
    """For each cell, the ``_DONORS`` donors nearest in predicted (mean, log sd) (scaled), with
    ties of equal predictions kept whole (:class:`_Matches`)."""
    feats = donors[:, 1:3]
    scale = feats.std(axis=0)
    scale[scale == 0] = 1.0
    queries = np.column_stack([mu, np.log(sd)]) / scale
    # Queried in Z order (neighbouring cells one after another, so the tree's nodes stay in
    # cache): the same neighbours in the same order, in about half the time for 10^5 cells.
    order = _z_order(queries)
    uniq, inverse, counts = np.unique(feats, axis=0, return_inverse=True, return_counts=True)
    points = feats if len(uniq) == len(feats) else uniq
    k = min(_DONORS, len(points))
    near = np.empty((len(mu), k), dtype=np.intp)
    # the search's result does not depend on its thread count: the caller's threads serve it
    found = cKDTree(points / scale).query(queries[order], k=k, workers=search_threads())[1]
    near[order] = np.asarray(found).reshape(len(mu), k)
    if len(uniq) == len(feats):
        return _Matches(near=near)
    # groups of donors with one prediction: the nearest groups until they hold _DONORS donors
    cum = np.cumsum(counts[near], axis=1)
    need = min(_DONORS, len(feats))
    last = np.argmax(cum >= need, axis=1)
    cum = np.where(np.arange(k) <= last[:, None], cum, cum[np.arange(len(mu)), last][:, None])
    members = np.argsort(inverse.ravel(), kind="stable")
    start = np.concatenate([[0], np.cumsum(counts)[:-1]])
    return _Matches(groups=near, cum=cum, members=members, start=start)


def _z_order(points: np.ndarray, bits: int = 16) -> np.ndarray:
    """The permutation that sorts 2-D ``points`` along a Morton (Z-order) curve on a grid of
    2**bits cells per axis over their range (non-finite coordinates go to the grid's edge)."""
    lo = np.nanmin(points, axis=0) if len(points) else np.zeros(2)
    span = (np.nanmax(points, axis=0) - lo) if len(points) else np.ones(2)
    span = np.where(np.isfinite(span) & (span > 0), span, 1.0)
    lo = np.where(np.isfinite(lo), lo, 0.0)
    cell = np.nan_to_num((points - lo) / span, nan=0.0, posinf=1.0, neginf=0.0)
    grid = (np.clip(cell, 0.0, 1.0) * (2 ** bits - 1)).astype(np.uint64)

    def spread(v):  # bit i of v moves to bit 2i
        v = v & np.uint64(0xFFFF)
        for shift, keep in ((8, 0x00FF00FF), (4, 0x0F0F0F0F), (2, 0x33333333), (1, 0x55555555)):
            v = (v | (v << np.uint64(shift))) & np.uint64(keep)
        return v

    return np.argsort(spread(grid[:, 0]) | (spread(grid[:, 1]) << np.uint64(1)), kind="stable")


def _pick_residuals(mu, sd, donors, near: _Matches, low, high, rng, tries,
                    spikes: np.ndarray | None = None) -> np.ndarray:
    """One draw per cell (see :func:`_residual_draw`); ``spikes``: the column's point masses
    (standardised), which a donor at one of them passes on exactly."""
    values = np.empty(len(mu))
    todo = np.arange(len(mu))
    for _ in range(tries + 1):
        pick = near.pick(todo, rng)
        values[todo] = mu[todo] + sd[todo] * donors[pick, 0]
        if spikes is not None:
            at = donors[pick, 3].astype(np.intp)
            hit = at >= 0
            values[todo[hit]] = spikes[at[hit]]
        todo = todo[(values[todo] < low) | (values[todo] > high)]
        if len(todo) == 0:
            break
    return np.clip(values, low, high)
