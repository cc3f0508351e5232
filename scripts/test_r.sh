#!/usr/bin/env bash
# Test the R package in r-bridge/ against the Python package in this repository:
#   1. R CMD INSTALL r-bridge (into the default R library, or into $SOCGAN_R_LIB if set);
#   2. run its testthat suite, with reticulate pointed at the in-repo socgan;
#   3. knit its vignette to markdown (and to HTML when rmarkdown and pandoc are there),
#      checking that its code really ran;
#   4. run the README's R example as written.
# Exits non-zero on any failure, and on skipped tests unless SOCGAN_R_ALLOW_SKIP=1.
#
# Needs R with the Debian packages r-cran-mice, r-cran-reticulate, r-cran-testthat, r-cran-knitr
# and r-cran-haven (scripts/setup_r.sh installs them), and a Python (3.11+) where `import socgan`
# works; set RETICULATE_PYTHON to use
# another than `python3`. The vignette's output goes to $SOCGAN_R_OUT (default: a temp dir).
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
pkg="$repo/r-bridge"

export RETICULATE_PYTHON="${RETICULATE_PYTHON:-$(command -v python3 || true)}"
if [[ -z "$RETICULATE_PYTHON" ]]; then
  echo "test_r.sh: no python3 found; set RETICULATE_PYTHON to a Python with socgan." >&2
  exit 1
fi
# The socgan of this checkout comes first, whatever else that Python has installed.
export PYTHONPATH="$repo${PYTHONPATH:+:$PYTHONPATH}"
if ! "$RETICULATE_PYTHON" -c "import socgan, socgan.r, torch, pandas" 2>/dev/null; then
  echo "test_r.sh: $RETICULATE_PYTHON cannot import socgan with its dependencies;" \
       "install them (pip install torch==2.13.0 -e '$repo') or set RETICULATE_PYTHON." >&2
  exit 1
fi

missing=$(Rscript --vanilla -e 'p <- c("mice", "reticulate", "testthat", "knitr", "haven");
  cat(p[!vapply(p, requireNamespace, logical(1), quietly = TRUE)])')
if [[ -n "$missing" ]]; then
  echo "test_r.sh: missing R packages: $missing" \
       "(apt-get install $(printf 'r-cran-%s ' $missing | tr '[:upper:]' '[:lower:]'))" >&2
  exit 1
fi

echo "== R CMD INSTALL r-bridge"
install_args=(--no-multiarch)
if [[ -n "${SOCGAN_R_LIB:-}" ]]; then
  mkdir -p "$SOCGAN_R_LIB"
  install_args+=(--library="$SOCGAN_R_LIB")
  export R_LIBS="$SOCGAN_R_LIB${R_LIBS:+:$R_LIBS}"
fi
R CMD INSTALL "${install_args[@]}" "$pkg"

echo "== testthat (Python: $RETICULATE_PYTHON)"
(cd "$pkg" && NOT_CRAN=true Rscript --vanilla -e '
  results <- testthat::test_dir("tests/testthat", package = "socgan",
                                load_package = "installed", stop_on_failure = FALSE,
                                reporter = testthat::ProgressReporter$new(show_praise = FALSE))
  r <- as.data.frame(results)
  failed <- sum(r$failed) + sum(r$error)
  skipped <- sum(r$skipped)
  cat(sprintf("\ntestthat summary: %d tests, %d expectations passed, %d failed, %d skipped, %d warnings\n",
              nrow(r), sum(r$passed), failed, skipped, sum(r$warning)))
  if (failed > 0) quit(status = 1)
  if (skipped > 0 && Sys.getenv("SOCGAN_R_ALLOW_SKIP") != "1") {
    cat("Tests were skipped (set SOCGAN_R_ALLOW_SKIP=1 to allow that).\n")
    quit(status = 1)
  }')

echo "== vignette"
out="${SOCGAN_R_OUT:-$(mktemp -d)}"
mkdir -p "$out"
cp "$pkg/vignettes/socgan.Rmd" "$out/"
(cd "$out" && Rscript --vanilla -e '
  stopifnot(socgan::socgan_available())
  invisible(knitr::knit("socgan.Rmd", output = "socgan.md", quiet = TRUE))
  if (requireNamespace("rmarkdown", quietly = TRUE) && rmarkdown::pandoc_available()) {
    rmarkdown::render("socgan.Rmd", output_file = "socgan.html", quiet = TRUE)
  }')
# knitr evaluated the chunks only if the setup chunk found socgan: check their output is there.
for expected in '#> [1] "gain_mids" "mids"' '#> Imputed by GAIN' '#> 1 (Intercept)' '#> 1 mean chl'; do
  if ! grep -qF -- "$expected" "$out/socgan.md"; then
    echo "test_r.sh: the knitted vignette lacks '$expected': its code did not run." >&2
    exit 1
  fi
done
echo "vignette knitted and run: $out/socgan.md"

# Issue 16, point 6: the README's R example runs as written (R_BROWSER=true: vignette() opens nothing).
echo "== README's R example"
awk '/^```r$/{p=1; next} /^```$/{p=0} p' "$repo/README.md" > "$out/readme.R"
if ! grep -qE 'about [0-9.,]+ (s|min)' "$out/readme.R"; then
  echo "test_r.sh: the README's R example states no run time" >&2
  exit 1
fi
if ! (cd "$out" && R_BROWSER=true Rscript --vanilla readme.R > readme.out 2>&1); then
  tail -40 "$out/readme.out" >&2
  echo "test_r.sh: the README's R example failed (output above)" >&2
  exit 1
fi
for expected in '(Intercept)' 'Imputed by GAIN' 'WY'; do
  if ! grep -qF -- "$expected" "$out/readme.out"; then
    echo "test_r.sh: the README's R example printed no '$expected'" >&2
    exit 1
  fi
done
echo "README's R example ran: $out/readme.out"
