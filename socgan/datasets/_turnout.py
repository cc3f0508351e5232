"""A US turnout simulation with known truth, for small-area estimation and imputation.

Each call draws a whole "world" and returns a survey, a census and the true state turnout, so that
an SAE or imputation method can be scored against the quantity it tries to estimate.

Design, and why:

* **States.** The 50 states and DC get census rows in proportion to (rounded) 2020 census
  population shares, so the survey has the real problem of SAE: California has thousands of
  respondents, Wyoming, Vermont, DC and Alaska a few dozen. Each state keeps its real census
  region, and its race/ethnicity composition is drawn around its real (rounded) 2020 shares,
  because race composition varies far more between states than age or sex does.
* **Composition.** Age and sex shares are drawn around national adult shares. A state-level
  "socio-economic" factor shifts education and income; within a person, education depends on age
  and race, and income on education, age and race (ordered logits), so the covariates are
  correlated as in real data and a model that ignores these links is misspecified.
* **Turnout.** The log-odds of voting is a state effect (a region effect plus a state deviation)
  plus main effects that rise with age, education and income, race and sex effects, and three
  interactions: age x education, race x region (Black turnout higher in the South, Hispanic
  turnout lower in the West) and race x state (state-specific deviations for Black, Hispanic and
  other voters). The intercept is set so national turnout is a value drawn between 0.62 and
  0.67; state turnout then spans roughly 0.50 to 0.78, as in recent US elections. Every
  person in the population votes or not; the truth is the realised share in each state (a
  finite-population quantity, not the model's expectation).
* **Previous turnout.** ``prev_turnout`` is the state's expected turnout on the logit scale,
  shifted by a drawn national swing and by state noise: a strong but imperfect state-level
  predictor, as the last election is in practice.
* **Survey.** A simple random sample of the population is contacted and answers with a
  probability that rises with age and education, is lower for minorities, and is multiplied (on
  the odds scale) by ``vote_response_odds`` for voters. As in real election surveys, respondents
  vote more than the population does, partly through the covariates (ignorable given them) and
  partly through voting itself (not ignorable unless ``vote_response_odds = 1``).
* **Missing covariates.** The census lacks some income and education values, the survey some
  income, education and race values, at random given always-observed variables (age, sex, state
  and, in the survey, voting): complete-case analysis is then biased, multiple imputation is not.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.optimize import brentq
from scipy.special import expit, logit

from .._params import POSITIVE, Count, Flag, Seed, validate_params

_MIN_PER_STATE = 100  # census rows per state at least, so every state has a population

# postal code, census region, 2020 population (millions), race shares (non-Hispanic white,
# non-Hispanic Black, Hispanic, other); all rounded, from the 2020 census.
_STATE_TABLE = """
AL South     5.02 .64 .26 .05 .05
AK West      0.73 .59 .03 .07 .31
AZ West      7.15 .53 .05 .31 .11
AR South     3.01 .70 .15 .08 .07
CA West     39.54 .35 .06 .39 .20
CO West      5.77 .66 .04 .22 .08
CT Northeast 3.61 .63 .10 .17 .10
DE South     0.99 .58 .22 .10 .10
DC South     0.69 .38 .44 .11 .07
FL South    21.54 .51 .15 .26 .08
GA South    10.71 .50 .31 .10 .09
HI West      1.46 .21 .02 .11 .66
ID West      1.84 .79 .01 .13 .07
IL Midwest  12.81 .59 .14 .18 .09
IN Midwest   6.79 .76 .09 .08 .07
IA Midwest   3.19 .83 .04 .07 .06
KS Midwest   2.94 .73 .05 .13 .09
KY South     4.51 .82 .08 .04 .06
LA South     4.66 .56 .31 .07 .06
ME Northeast 1.36 .90 .02 .02 .06
MD South     6.18 .47 .29 .12 .12
MA Northeast 7.03 .68 .07 .13 .12
MI Midwest  10.08 .73 .13 .06 .08
MN Midwest   5.71 .76 .07 .06 .11
MS South     2.96 .55 .37 .04 .04
MO Midwest   6.15 .76 .11 .05 .08
MT West      1.08 .84 .01 .04 .11
NE Midwest   1.96 .76 .05 .12 .07
NV West      3.10 .46 .09 .29 .16
NH Northeast 1.38 .87 .02 .04 .07
NJ Northeast 9.29 .52 .12 .21 .15
NM West      2.12 .35 .02 .48 .15
NY Northeast 20.20 .53 .14 .19 .14
NC South    10.44 .60 .20 .11 .09
ND Midwest   0.78 .82 .03 .04 .11
OH Midwest  11.80 .76 .12 .04 .08
OK South     3.96 .63 .07 .11 .19
OR West      4.24 .72 .02 .14 .12
PA Northeast 13.00 .73 .10 .08 .09
RI Northeast 1.10 .69 .05 .17 .09
SC South     5.12 .62 .25 .07 .06
SD Midwest   0.89 .80 .02 .04 .14
TN South     6.91 .71 .16 .07 .06
TX South    29.15 .40 .12 .40 .08
UT West      3.27 .75 .01 .15 .09
VT Northeast 0.64 .89 .01 .02 .08
VA South     8.63 .60 .18 .10 .12
WA West      7.71 .64 .04 .13 .19
WV South     1.79 .90 .03 .02 .05
WI Midwest   5.89 .80 .06 .08 .06
WY West      0.58 .82 .01 .10 .07
"""

_REGIONS = ["Northeast", "Midwest", "South", "West"]
_AGE = ["18-29", "30-44", "45-64", "65+"]
_EDUC = ["no HS", "HS", "some college", "BA+"]
_RACE = ["white", "black", "hispanic", "other"]
_SEX = ["female", "male"]
_INCOME = ["<25k", "25-50k", "50-100k", "100-150k", "150k+"]


def _parse_states():
    rows = sorted(line.split() for line in _STATE_TABLE.strip().splitlines())
    codes = [r[0] for r in rows]
    region = np.array([_REGIONS.index(r[1]) for r in rows])
    pop = np.array([float(r[2]) for r in rows])
    race = np.array([[float(x) for x in r[3:7]] for r in rows])
    return codes, region, pop / pop.sum(), race / race.sum(axis=1, keepdims=True)


_STATES, _STATE_REGION, _STATE_SHARE, _STATE_RACE = _parse_states()

_DTYPES = {
    "state": pd.CategoricalDtype(_STATES, ordered=False),
    "region": pd.CategoricalDtype(_REGIONS, ordered=False),
    "age": pd.CategoricalDtype(_AGE, ordered=True),
    "educ": pd.CategoricalDtype(_EDUC, ordered=True),
    "race": pd.CategoricalDtype(_RACE, ordered=False),
    "sex": pd.CategoricalDtype(_SEX, ordered=False),
    "income": pd.CategoricalDtype(_INCOME, ordered=True),
}

# --- composition -------------------------------------------------------------------------
_AGE_SHARE = np.array([0.21, 0.25, 0.33, 0.21])  # US adults, 2020, rounded
_AGE_CONCENTRATION = 300.0  # Dirichlet: state age shares have sd of about 0.02-0.03
_RACE_CONCENTRATION = 200.0  # Dirichlet around the real state shares: sd of about 0.03
_EDUC_SHARE = np.array([0.10, 0.28, 0.29, 0.33])  # adults, national; held fixed per world
_INCOME_SHARE = np.array([0.17, 0.20, 0.30, 0.16, 0.17])  # household income, national
# Ordered-logit latent means: education by age and race, income by education, age and race.
_EDUC_BY_AGE = np.array([-0.1, 0.3, 0.1, -0.3])
_EDUC_BY_RACE = np.array([0.0, -0.5, -1.1, 0.4])
_INCOME_PER_EDUC = 0.75
_INCOME_BY_AGE = np.array([-0.6, 0.2, 0.4, -0.4])
_INCOME_BY_RACE = np.array([0.0, -0.5, -0.3, 0.2])
_SES_ON_EDUC, _SES_ON_INCOME = 0.35, 0.30  # effect of the state-level factor (sd 1)

# --- turnout model (log-odds) --------------------------------------------------------------
_NATIONAL_TURNOUT = (0.62, 0.67)  # drawn uniformly per world; the intercept hits it exactly
_REGION_SD, _STATE_SD = 0.10, 0.21
_V_AGE = np.array([0.0, 0.45, 0.95, 1.25])
_V_EDUC = np.array([0.0, 0.55, 1.0, 1.55])
_V_RACE = np.array([0.0, -0.15, -0.55, -0.60])
_V_MALE = -0.12
_V_INCOME = np.array([0.0, 0.15, 0.35, 0.50, 0.60])
# age x education: education matters more for the young, less for the old.
_V_AGE_EDUC = np.array([
    [0.0, 0.0, 0.10, 0.30],
    [0.0, 0.0, 0.05, 0.15],
    [0.0, 0.0, 0.00, 0.00],
    [0.2, 0.1, 0.00, -0.10],
])
# race x region (rows race, columns region): Black turnout higher in the South, Hispanic lower in the West.
_V_RACE_REGION = np.zeros((4, 4))
_V_RACE_REGION[1, 2] = 0.25
_V_RACE_REGION[2, 3] = -0.15
_RACE_STATE_SD = 0.20  # race x state deviations for Black, Hispanic and other voters
# previous election: national swing and state noise on the logit scale
_PREV_SWING = (-0.05, 0.08)  # mean, sd
_PREV_NOISE_SD = 0.12
_PREV_RANGE = (0.40, 0.82)

# --- survey ----------------------------------------------------------------------------------
_CONTACT_FACTOR = 2.5  # contact 2.5 x n_survey people (a ~40% response rate) where the census allows
_R_AGE = np.array([0.0, 0.3, 0.6, 0.8])
_R_EDUC = np.array([0.0, 0.3, 0.55, 0.9])
_R_RACE = np.array([0.0, -0.2, -0.35, -0.2])

# --- missing covariates: target share and log-odds effects of always-observed variables --------
_CENSUS_MISSING = {"income": 0.05, "educ": 0.02}
_SURVEY_MISSING = {"income": 0.10, "educ": 0.03, "race": 0.02}
_M_AGE = {"income": np.array([0.4, 0.1, 0.0, 0.3]), "educ": np.array([0.3, 0.0, 0.0, 0.5]),
          "race": np.array([0.3, 0.0, 0.0, 0.2])}
_M_MALE = {"income": -0.2, "educ": 0.1, "race": 0.2}
_M_VOTED = {"income": -0.3, "educ": -0.3, "race": -0.2}  # survey only: non-voters skip more
_M_STATE_SD = 0.3  # census only: state differences in item nonresponse


@validate_params({"n_census": Count(len(_STATES) * _MIN_PER_STATE), "n_survey": Count(len(_STATES)),
                  "seed": Seed(), "vote_response_odds": POSITIVE, "missing": Flag()})
def turnout(*, n_census=1_000_000, n_survey=30_000, seed=None, vote_response_odds=1.2,
            missing=True) -> dict:
    """Simulate a US election: a survey, a census and the true turnout of each state.

    Every call draws a new world (state effects, state compositions, a national turnout level),
    a population of ``n_census`` adults in the 50 states and DC, whether each of them voted, and
    a survey of about ``n_survey`` respondents from that population.

    The model. For person *i* in state *s* of region *r*,

        logit P(vote) = a + u_r + u_s + b_age + b_educ + b_race + b_sex + b_income
                        + b_age×educ + b_race×region + b_race×s,

    with region effects u_r ~ N(0, 0.10²), state effects u_s ~ N(0, 0.21²), turnout rising with
    age (0 to 1.25), education (0 to 1.55) and income (0 to 0.6), Hispanic and other voters
    about 0.55-0.6 below white voters, men 0.12 below women, an age × education interaction
    (education matters more for the young), a race × region interaction (Black turnout +0.25 in
    the South, Hispanic -0.15 in the West) and state-specific race deviations ~ N(0, 0.2²).
    The intercept a makes national turnout equal a value drawn from U(0.62, 0.67); state
    turnout then spans roughly 0.50 to 0.78. The module docstring gives the design.

    Parameters
    ----------
    n_census
        Size of the population, all of which is the census (whole-number floats accepted; at
        least 5,100). States get rows in proportion to their 2020 population, at least 100 each.
    n_survey
        Expected number of survey respondents (at least 51, at most ``n_census / 2``). The
        realised number varies by a few dozen around it.
    seed
        Seed of the random generator: the same seed gives the same world, census and survey;
        ``None`` gives a fresh one.
    vote_response_odds
        Odds ratio of responding to the survey for voters against non-voters with the same
        covariates (a positive number). Above 1 the survey overstates turnout even after
        adjusting for covariates, as real election surveys do; 1 makes survey nonresponse
        ignorable given age, education and race.
    missing
        If True (default), some covariates are missing: in the census about 5% of income and 2%
        of education, in the survey about 10% of income, 3% of education and 2% of race, at
        random given age, sex, state and (in the survey) voting. If False, all are observed.

    Returns
    -------
    dict
        ``"survey"``: a DataFrame with one row per respondent; ``"census"``: a DataFrame with one
        row per person of the population; both have the columns ``state`` (categorical, the 51
        postal codes), ``region`` (categorical: Northeast, Midwest, South, West), ``prev_turnout``
        (float, the state's turnout in the previous election), ``age``, ``educ``, ``income``
        (ordered categoricals), ``race`` and ``sex`` (categoricals); the survey also has
        ``voted`` (int64, 0 or 1, never missing). Survey respondents are members of the census
        population, but there is no id to link them. ``"truth"``: a DataFrame with one row per
        state (in category order) with ``state``, ``turnout`` (the share of the state's census
        population that voted: the finite-population quantity an SAE method estimates) and
        ``n_census`` (the state's number of census rows).

    Examples
    --------
    About 0.1 s on the project's shared 2-core machine (the default sizes, a 1,000,000-person
    census, about 2 s):

    >>> sim = turnout(n_census=20_000, n_survey=2_000, seed=1)
    >>> sorted(sim)
    ['census', 'survey', 'truth']
    >>> sim["truth"].shape
    (51, 3)
    >>> "voted" in sim["census"]
    False
    """
    if n_survey > n_census // 2:
        raise ValueError(
            f"`n_survey` must be at most half of `n_census` ({n_census // 2}), got {n_survey}."
        )
    rng = np.random.default_rng(seed)

    n_state = _allocate(n_census, _STATE_SHARE, _MIN_PER_STATE)
    pop, state_p = _population(n_state, rng)
    voted = (rng.random(n_census) < pop.pop("p_vote")).astype(np.int64)

    s = pop["state"]
    votes = np.bincount(s, weights=voted, minlength=len(_STATES))
    truth = pd.DataFrame({
        "state": pd.Categorical.from_codes(np.arange(len(_STATES)), dtype=_DTYPES["state"]),
        "turnout": votes / n_state,
        "n_census": n_state.astype(np.int64),
    })
    # Previous election: the state's expected turnout, a national swing and state noise.
    swing = rng.normal(*_PREV_SWING)
    prev = expit(logit(state_p) + swing + rng.normal(0.0, _PREV_NOISE_SD, len(_STATES)))
    prev = np.clip(prev, *_PREV_RANGE)

    rows = _survey_rows(pop, voted, n_survey, vote_response_odds, rng)
    survey_codes = {k: v[rows] for k, v in pop.items()}
    survey_voted = voted[rows]
    del voted
    if missing:
        state_shift = rng.normal(0.0, _M_STATE_SD, len(_STATES))
        for col, share in _CENSUS_MISSING.items():
            lin = _M_AGE[col][pop["age"]] + _M_MALE[col] * pop["sex"] + state_shift[pop["state"]]
            _blank(pop[col], lin, share, rng)
        for col, share in _SURVEY_MISSING.items():
            c = survey_codes
            lin = _M_AGE[col][c["age"]] + _M_MALE[col] * c["sex"] + _M_VOTED[col] * survey_voted
            _blank(c[col], lin, share, rng)

    census = _frame(pop, prev)
    survey = _frame(survey_codes, prev)
    survey["voted"] = survey_voted
    return {"survey": survey, "census": census, "truth": truth}


def _allocate(n: int, share: np.ndarray, minimum: int) -> np.ndarray:
    """Split ``n`` over states in proportion to ``share``, with at least ``minimum`` each."""
    fixed = np.zeros(len(share), dtype=bool)
    while True:  # states below the minimum get exactly the minimum; the rest share what is left
        rest = n - minimum * fixed.sum()
        target = np.where(fixed, 0.0, share) * rest / share[~fixed].sum()
        low = ~fixed & (target < minimum)
        if not low.any():
            break
        fixed |= low
    out = np.floor(target).astype(np.int64)
    remainder = np.where(fixed, -1.0, target - out)
    out[np.argsort(-remainder, kind="stable")[: rest - out.sum()]] += 1  # largest remainders
    out[fixed] = minimum
    return out


def _draw_by_state(n_state, probs, rng) -> np.ndarray:
    """One categorical code per person, drawn with the probabilities of the person's state."""
    return np.concatenate([rng.choice(probs.shape[1], size=k, p=p).astype(np.int8)
                           for k, p in zip(n_state, probs)])


def _ordered(latent: np.ndarray, shares: np.ndarray) -> np.ndarray:
    """Cut a latent variable into ordered categories with the given national shares."""
    cuts = np.quantile(latent, np.cumsum(shares)[:-1])
    return np.searchsorted(cuts, latent).astype(np.int8)


def _population(n_state, rng):
    """Draw the world and the population: covariate codes and each person's P(vote)."""
    n_s = len(n_state)
    state = np.repeat(np.arange(n_s, dtype=np.int8), n_state)
    region = _STATE_REGION.astype(np.int8)[state]
    n = len(state)

    age_p = rng.dirichlet(_AGE_CONCENTRATION * _AGE_SHARE, size=n_s)
    race_p = np.vstack([rng.dirichlet(_RACE_CONCENTRATION * p + 0.5) for p in _STATE_RACE])
    female = np.clip(rng.normal(0.51, 0.008, n_s), 0.45, 0.55)
    ses = rng.normal(0.0, 1.0, n_s)

    age = _draw_by_state(n_state, age_p, rng)
    race = _draw_by_state(n_state, race_p, rng)
    sex = (rng.random(n) >= female[state]).astype(np.int8)  # 0 female, 1 male
    educ = _ordered(_EDUC_BY_AGE[age] + _EDUC_BY_RACE[race] + _SES_ON_EDUC * ses[state]
                    + rng.logistic(size=n), _EDUC_SHARE)
    income = _ordered(_INCOME_PER_EDUC * educ + _INCOME_BY_AGE[age] + _INCOME_BY_RACE[race]
                      + _SES_ON_INCOME * ses[state] + rng.logistic(size=n), _INCOME_SHARE)

    u_state = rng.normal(0.0, _REGION_SD, 4)[_STATE_REGION] + rng.normal(0.0, _STATE_SD, n_s)
    race_state = np.zeros((n_s, 4))
    race_state[:, 1:] = rng.normal(0.0, _RACE_STATE_SD, (n_s, 3))
    lin = (u_state[state] + _V_AGE[age] + _V_EDUC[educ] + _V_RACE[race] + _V_MALE * sex
           + _V_INCOME[income] + _V_AGE_EDUC[age, educ] + _V_RACE_REGION[race, region]
           + race_state[state, race])
    national = rng.uniform(*_NATIONAL_TURNOUT)
    a = _intercept(lin, national)
    p_vote = expit(a + lin)
    state_p = np.bincount(state, weights=p_vote, minlength=n_s) / n_state
    pop = {"state": state, "region": region, "age": age, "educ": educ, "race": race,
           "sex": sex, "income": income, "p_vote": p_vote}
    return pop, state_p


def _intercept(lin: np.ndarray, share: float, weights=None) -> float:
    """Intercept a with mean(expit(a + lin)) = share; the search runs over distinct values of lin."""
    if weights is None:
        lin, weights = np.unique(np.round(lin, 10), return_counts=True)
    weights = weights / weights.sum()
    return brentq(lambda a: weights @ expit(a + lin) - share, -20.0, 20.0)


def _survey_rows(pop, voted, n_survey, odds, rng) -> np.ndarray:
    """Contact a simple random sample; return the sorted rows of those who respond."""
    n = len(voted)
    n_contact = min(n, int(round(_CONTACT_FACTOR * n_survey)))
    contact = np.sort(rng.choice(n, size=n_contact, replace=False))
    lin = (_R_AGE[pop["age"][contact]] + _R_EDUC[pop["educ"][contact]]
           + _R_RACE[pop["race"][contact]] + np.log(odds) * voted[contact])
    a = _intercept(lin, n_survey / n_contact)  # expected respondents = n_survey
    return contact[rng.random(n_contact) < expit(a + lin)]


def _blank(codes: np.ndarray, lin: np.ndarray, share: float, rng) -> None:
    """Set codes to -1 (missing) with log-odds a + lin; a gives an expected share of ``share``."""
    a = _intercept(lin, share)
    codes[rng.random(len(codes)) < expit(a + lin)] = -1


def _frame(codes: dict, prev: np.ndarray) -> pd.DataFrame:
    """Build the public DataFrame from integer codes."""
    cat = {k: pd.Categorical.from_codes(codes[k], dtype=_DTYPES[k])
           for k in ("state", "region", "age", "educ", "race", "sex", "income")}
    return pd.DataFrame({
        "state": cat["state"], "region": cat["region"], "prev_turnout": prev[codes["state"]],
        "age": cat["age"], "educ": cat["educ"], "race": cat["race"], "sex": cat["sex"],
        "income": cat["income"],
    })
