# mice (m = 5, maxit = 10, default methods pmm/logreg/polyreg) on the same deleted samples;
# appends rows to results_mice.csv. Usage: Rscript run_mice.R R [datasets]
suppressMessages({library(mice); library(jsonlite)})
args <- commandArgs(TRUE)
R <- if (length(args) >= 1) as.integer(args[1]) else 100
ds <- if (length(args) >= 2) strsplit(args[2], ",")[[1]] else c("beps", "pbc", "slid")
D <- "/tmp/width_study/data"; OUT <- "/tmp/width_study/results_mice.csv"; WLOG <- "/tmp/width_study/warnings_mice.log"
meta <- fromJSON(file.path(D, "meta.json"), simplifyVector = FALSE)
done <- if (file.exists(OUT)) unique(read.csv(OUT)[, c("dataset", "rep")]) else data.frame(dataset = character(), rep = integer())
for (r in seq_len(R)) for (name in ds) {
  if (any(done$dataset == name & done$rep == r)) next
  mt <- meta[[name]]
  d <- read.csv(sprintf("%s/%s/rep%03d.csv", D, name, r), stringsAsFactors = FALSE)
  for (cn in names(mt$levels)) d[[cn]] <- factor(as.character(d[[cn]]), levels = unlist(mt$levels[[cn]]))
  if (name == "pbc") d$edema <- factor(sub("\\.0$", "", as.character(read.csv(sprintf("%s/%s/rep%03d.csv", D, name, r), colClasses = c(edema = "character"))$edema)), levels = unlist(mt$levels$edema))
  t0 <- Sys.time()
  wl <- character()
  imp <- withCallingHandlers(mice(d, m = 5, maxit = 10, printFlag = FALSE, seed = r),
                             warning = function(w) { wl <<- c(wl, conditionMessage(w)); invokeRestart("muffleWarning") })
  fit <- with(imp, lm(as.formula(mt$formula)))
  s <- summary(pool(fit), conf.int = TRUE)
  secs <- as.numeric(difftime(Sys.time(), t0, units = "secs"))
  if (length(wl) || !is.null(imp$loggedEvents))
    cat(sprintf("%s\t%d\t%s\t%s\n", name, r, paste(wl, collapse = " | "),
                if (is.null(imp$loggedEvents)) "" else paste(capture.output(print(imp$loggedEvents)), collapse = " ")),
        file = WLOG, append = TRUE)
  terms <- as.character(s$term); terms[terms == "(Intercept)"] <- "Intercept"
  truth <- unlist(mt$truth)[terms]
  lo <- s[["2.5 %"]]; hi <- s[["97.5 %"]]
  pl <- pool(fit)$pooled
  out <- data.frame(dataset = name, rep = r, method = "mice", term = terms, truth = truth, estimate = s$estimate,
                    se = s$std.error, df = s$df, lo = lo, hi = hi, covers = as.integer(lo <= truth & truth <= hi),
                    width = hi - lo, fmi = pl$fmi, seconds = secs)
  write.table(out, OUT, sep = ",", append = file.exists(OUT), col.names = !file.exists(OUT), row.names = FALSE)
  cat(format(Sys.time(), "%H:%M:%S"), name, r, sprintf("%.1fs\n", secs))
}
