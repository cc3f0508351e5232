"""The results of :func:`socgan.sae.estimate` and :func:`socgan.sae.compare` as small classes.

Each holds DataFrames and a dict of plain settings, so that reticulate users get data.frames and
named lists. Until socgan 0.1 ``estimate`` returned its table as a DataFrame with the settings in
``.attrs`` and ``compare`` a dict of three DataFrames; code that reads them that way keeps
working with a ``FutureWarning``.
"""

from __future__ import annotations

import copy
import warnings

import pandas as pd

from .._params import FilePath, Optional, Text, Unchecked, validate_params

#: The declared arguments of the plots (sae.plot, AreaEstimates.plot, Comparison.plot).
PLOT_CONSTRAINTS = {
    "truth": Unchecked("None, a Series by area or a DataFrame with the area column (checked "
                       "as in socgan.sae.compare)"),
    "path": Optional(FilePath(file_object=True)), "title": Optional(Text("a string")),
}

__all__ = ["AreaEstimates", "Comparison"]


def _plain_copy(settings: dict) -> dict:
    return copy.deepcopy(settings)


class AreaEstimates:
    """Area means estimated from a survey and a census, as made by :func:`socgan.sae.estimate`.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per area with census rows, in the order of the census area's categories:
        ``area`` (categorical), ``estimate``, ``std_error``, ``conf_low``, ``conf_high``,
        ``n_survey`` (respondents with an observed outcome) and ``n_census``. A copy on every
        access.
    settings : dict
        How the table was made: ``method``, ``m`` (``None`` for the methods that do not
        impute), ``seed``, ``conf_level``, ``options`` (the method's settings as given),
        ``outcome``, ``area``, ``covariates`` (those used), ``binary`` (whether the outcome was
        taken as binary), ``outcome_values`` (the two values of a two-valued outcome other
        than 0/1, else ``None``), ``outcome_level`` (for a factor or string outcome, the level
        whose share is estimated, else ``None``) and ``known_totals`` (the calibration, described, or
        ``None``). A copy on every access.
    method, conf_level
        Shortcuts for ``settings["method"]`` and ``settings["conf_level"]``.

    Methods
    -------
    plot(truth=None, path=None, title=None)
        The sorted dot plot of :func:`socgan.sae.plot`.
    """

    def __init__(self, table: pd.DataFrame, settings: dict):
        self._table = table.reset_index(drop=True)
        self._table.attrs = {}
        self._settings = dict(settings)

    @property
    def table(self) -> pd.DataFrame:
        return self._table.copy()

    @property
    def settings(self) -> dict:
        return _plain_copy(self._settings)

    @property
    def method(self) -> str:
        return self._settings["method"]

    @property
    def conf_level(self) -> float:
        return self._settings["conf_level"]

    @validate_params(PLOT_CONSTRAINTS)
    def plot(self, *, truth=None, path=None, title: str | None = None):
        """Areas sorted by their estimate, each with its interval (a matplotlib Figure).

        ``truth`` (a Series indexed by area, or a DataFrame with the area and a value column)
        is drawn as open red circles; ``path`` saves the figure. See :func:`socgan.sae.plot`.
        """
        from ._plot import plot

        return plot(self, truth=truth, path=path, title=title)

    def __repr__(self) -> str:
        s = self._settings
        m = f", m = {s['m']}" if s.get("m") is not None else ""
        head = (f"<AreaEstimates: {s['outcome']!r} in {len(self._table)} areas by "
                f"{s['method']!r}{m}, {s['conf_level']:.0%} intervals>")
        with pd.option_context("display.width", 120, "display.max_rows", 12):
            return f"{head}\n{self._table!r}"

    # -- the DataFrame estimate() used to return -----------------------------------------------
    def _deprecated(self, what: str) -> pd.DataFrame:
        warnings.warn(
            f"socgan.sae.estimate() now returns AreaEstimates, not a DataFrame; {what} on it "
            "reads the old DataFrame and will stop working. Use .table (the same columns) and "
            ".settings (what .attrs held).", FutureWarning, stacklevel=3)
        old = self._table.copy()
        old.attrs = self.settings
        return old

    def __getitem__(self, key):
        """Deprecated: index the result as the DataFrame ``estimate`` used to return."""
        return self._deprecated(f"[{key!r}]")[key]

    def __getattr__(self, name):
        # only names the class lacks: the old DataFrame's (.loc, .attrs, ...), with a warning
        if name.startswith("_") or not hasattr(pd.DataFrame, name):
            raise AttributeError(f"'AreaEstimates' object has no attribute {name!r}")
        return getattr(self._deprecated(f".{name}"), name)

    def __len__(self) -> int:
        return len(self._table)

    def __iter__(self):
        """Deprecated: iterates over the old DataFrame's column names."""
        return iter(self._deprecated("iteration"))


class Comparison:
    """Several small-area methods run on the same data, as made by :func:`socgan.sae.compare`.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per method with ``seconds`` (wall time) and, when ``truth`` was given,
        ``rmse``, ``mae``, ``correlation`` (Pearson, estimates against truth), ``coverage``
        (share of areas whose interval holds the truth), ``mean_width`` and ``areas_scored``
        (the areas with a true value, on which every score is computed; a ``truth`` that covers
        only some areas is scored on those, with a warning).
    estimates : pandas.DataFrame
        The methods' area tables stacked, with a ``method`` column first (and ``truth``
        when given).
    measured_coverage : pandas.DataFrame
        One row per method with the coverage of its nominal-90% intervals measured in the
        turnout benchmark under ignorable nonresponse (a record of how honest each method's
        intervals were there, not a property of these data).
    settings : dict
        What the methods shared: ``methods``, ``m``, ``seed``, ``conf_level``, ``outcome``,
        ``area``, ``covariates``, ``binary``, ``outcome_values``, ``known_totals``,
        ``truth_given``; and ``options``, each method's settings by method.
    results : dict
        Each method's :class:`AreaEstimates`, by method.

    Methods
    -------
    plot(truth=None, path=None, title=None)
        One panel per method, areas in the same order (:func:`socgan.sae.plot`).
    """

    _KEYS = ("table", "estimates", "measured_coverage")

    def __init__(self, table: pd.DataFrame, results: dict, measured_coverage: pd.DataFrame,
                 settings: dict, truth: pd.Series | None = None):
        self._table = table.reset_index(drop=True)
        self._results = dict(results)
        self._measured = measured_coverage.reset_index(drop=True)
        self._settings = dict(settings)
        frames = []
        for meth, res in self._results.items():
            est = res.table
            est.insert(0, "method", meth)
            if truth is not None:
                est["truth"] = truth.reindex(est["area"].astype(object)).to_numpy(dtype=float)
            frames.append(est)
        self._estimates = pd.concat(frames, ignore_index=True)

    @property
    def table(self) -> pd.DataFrame:
        return self._table.copy()

    @property
    def estimates(self) -> pd.DataFrame:
        return self._estimates.copy()

    @property
    def measured_coverage(self) -> pd.DataFrame:
        return self._measured.copy()

    @property
    def settings(self) -> dict:
        return _plain_copy(self._settings)

    @property
    def results(self) -> dict:
        return dict(self._results)

    @property
    def conf_level(self) -> float:
        return self._settings["conf_level"]

    @validate_params(PLOT_CONSTRAINTS)
    def plot(self, *, truth=None, path=None, title: str | None = None):
        """Each method's areas with their intervals, side by side (a matplotlib Figure); the
        truth, when given to :func:`socgan.sae.compare` or here, as open red circles."""
        from ._plot import plot

        return plot(self, truth=truth, path=path, title=title)

    def __repr__(self) -> str:
        s = self._settings
        with pd.option_context("display.width", 120):
            return (f"<Comparison: {', '.join(map(repr, s['methods']))} on {s['outcome']!r}, "
                    f"{s['conf_level']:.0%} intervals>\n{self._table!r}")

    # -- the dict compare() used to return -----------------------------------------------------
    def __getitem__(self, key):
        """Deprecated: ``res["table"]`` etc., as in the dict ``compare`` used to return."""
        if key not in self._KEYS:
            raise KeyError(key)
        warnings.warn(f"socgan.sae.compare() now returns a Comparison, not a dict; use "
                      f".{key} instead of [{key!r}]; indexing it will stop working.",
                      FutureWarning, stacklevel=2)
        return getattr(self, key)

    def __contains__(self, key) -> bool:
        return key in self._KEYS

    def keys(self):
        """Deprecated: the keys of the dict ``compare`` used to return."""
        warnings.warn("socgan.sae.compare() now returns a Comparison, not a dict; .keys() "
                      "will stop working: use the attributes .table, .estimates, "
                      ".measured_coverage.", FutureWarning, stacklevel=2)
        return list(self._KEYS)
