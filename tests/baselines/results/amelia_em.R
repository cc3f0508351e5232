# Amelia's EM estimates on its freetrade data, frozen for tests/baselines/test_frozen_amelia.py
# (the live comparison, marked against_r, stays in tests/baselines/test_emb.py): Amelia without
# bootstrap (boot.type = "none"), country nominal, no time-series or cross-section terms.
#
# Regenerate from the repository root (needs R with Amelia and jsonlite):
#   Rscript tests/baselines/results/amelia_em.R
# which rewrites freetrade.csv (the data, as Amelia ships them) and amelia_em.json here.

suppressMessages(library(Amelia))
library(jsonlite)

data(freetrade, package = "Amelia")
dir <- file.path("tests", "baselines", "results")
# every double with 17 significant digits, so that Python reads the very numbers R holds
exact <- freetrade
for (v in names(exact)) if (is.double(exact[[v]])) {
  exact[[v]] <- ifelse(is.na(exact[[v]]), NA, sprintf("%.17g", exact[[v]]))
}
write.csv(exact, file.path(dir, "freetrade.csv"), row.names = FALSE, na = "", quote = FALSE)

prep <- Amelia:::amelia.prep(freetrade, noms = "country", p2s = 0)
# amelia() labels $mu and $covMatrices in the data's column order, but they are in the order of
# its stacked columns (prep$p.order): put them back
back <- order(prep$p.order)
cases <- lapply(c(0, 5), function(e) {
  a <- amelia(freetrade, m = 1, noms = "country", p2s = 0, boot.type = "none",
              empri = if (e > 0) e else NULL)
  list(empri = e, mu = unname(a$mu[back, 1]), cov = unname(a$covMatrices[back, back, 1]),
       iterations = nrow(a$iterHist[[1]]))
})
out <- list(generated_by = "tests/baselines/results/amelia_em.R", R = R.version.string,
            Amelia = as.character(packageVersion("Amelia")), cases = cases)
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE),
           file.path(dir, "amelia_em.json"))
cat("wrote", file.path(dir, "freetrade.csv"), "and amelia_em.json\n")
