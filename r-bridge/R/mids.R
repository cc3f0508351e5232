# socgan's imputations as a mice `mids` that says what made it.
#
# mice::mice(maxit = 0) sets the object up (as mice::as.mids() does) before any training, so
# that data mice cannot hold fail at once; the imputations are then filled in, and the fields
# that describe how they were made are set truthfully:
# * `method`: "gain" for every imputed column (mice's passive "~I(formula)" for a `derived` one;
#   "" for the complete ones and those in `idvars`,
#   whose missing values stay missing, as mice leaves a column of method ""), `call`: the user's
#   gain_impute() call, `seed`: the seed; `gain`: the settings Python used, the socgan version
#   and the training losses (one row per imputation model and epoch);
# * `chainMean` / `chainVar`: GAIN draws each imputation once, from its own model, so the
#   "chain" has one iteration: the mean and variance of each imputation's imputed values
#   (factors by their codes, as mice does);
# * the class c("gain_mids", "mids"): mice's functions work as on any mids; print() says GAIN
#   made it, plot() shows the training losses (mice's trace plot needs iterations).

# The mids skeleton for `data`, before training. R's random number generator is left as it was
# (mice's set-up draws starting values that are thrown away).
mids_skeleton <- function(data, m, where = NULL) {
  bad <- names(data)[make.names(names(data)) != names(data)]
  if (length(bad)) {
    socgan_stop("Column name(s) ", paste0("`", bad, "`", collapse = ", "), " are not syntactic R ",
         "names, which a mice mids cannot hold (mice builds formulas from them). Rename them, ",
         "e.g. names(data) <- make.names(names(data)), or use output = \"list\", which keeps ",
         "them.", call. = FALSE)
  }
  seed_state <- if (exists(".Random.seed", envir = globalenv(), inherits = FALSE)) {
    get(".Random.seed", envir = globalenv(), inherits = FALSE)
  }
  on.exit({
    if (is.null(seed_state)) {
      if (exists(".Random.seed", envir = globalenv(), inherits = FALSE)) {
        rm(".Random.seed", envir = globalenv())
      }
    } else {
      assign(".Random.seed", seed_state, envir = globalenv())
    }
  }, add = TRUE)
  tryCatch(
    withCallingHandlers(
      mice::mice(data, m = m, maxit = 0, remove.collinear = FALSE, remove.constant = FALSE,
                 allow.na = TRUE, printFlag = FALSE,
                 where = if (is.null(where)) is.na(data) else where),
      warning = function(w) invokeRestart("muffleWarning")  # about mice's set-up, not GAIN's
    ),
    error = function(e) {
      socgan_stop("mice cannot hold these data as a mids: ", conditionMessage(e),
           "\nUse output = \"list\" for a list of completed data.frames instead.", call. = FALSE)
    }
  )
}

# Fill the skeleton with the completed data.frames and describe how they were made.
fill_mids <- function(ini, completed, call, seed, gain) {
  for (v in names(ini$data)) {
    # a factor of new rows that lacks a level the fitted model imputes gets it (as in the
    # completed data), or mice::complete() would turn those imputations into NA
    if (is.factor(ini$data[[v]]) && is.factor(completed[[1]][[v]]) &&
        !identical(levels(ini$data[[v]]), levels(completed[[1]][[v]]))) {
      ini$data[[v]] <- factor(as.character(ini$data[[v]]), levels = levels(completed[[1]][[v]]),
                              ordered = is.ordered(ini$data[[v]]))
    }
  }
  data <- ini$data
  where <- ini$where
  m <- length(completed)
  ids <- rownames(data)
  kept <- unlist(gain$settings$idvars)  # never imputed: method "", their imputations NA
  for (v in names(ini$imp)) {
    if (!(v %in% kept) && any(where[, v])) {
      # cells that `where` left missing (NA in every completed dataset) are not imputed: mice's
      # `where` is FALSE there, and the mids holds no imputations for them
      left <- Reduce(`&`, lapply(completed, function(d) is.na(d[[v]])))
      where[, v] <- where[, v] & !left
    }
    miss <- where[, v]
    if (!any(miss)) {
      if (is.data.frame(ini$imp[[v]])) ini$imp[[v]] <- ini$imp[[v]][0L, , drop = FALSE]
      next
    }
    if (v %in% kept) {
      x <- ini$data[[v]][miss]
      x[] <- NA
      na <- rep(list(x), m)
      names(na) <- as.character(seq_len(m))
      ini$imp[[v]] <- structure(na, row.names = ids[miss], class = "data.frame")
      next
    }
    cols <- lapply(completed, function(d) {
      x <- d[[v]][miss]
      attributes(x) <- attributes(x)[intersect(names(attributes(x)), c("class", "levels"))]
      x
    })
    names(cols) <- as.character(seq_len(m))
    ini$imp[[v]] <- structure(cols, row.names = ids[miss], class = "data.frame")
  }
  ini$where <- where
  imputed <- colSums(where) > 0 & !(colnames(where) %in% kept)
  ini$method[] <- ifelse(imputed[names(ini$method)], "gain", "")
  # derived columns: mice's passive method, "~I(formula)"
  derived <- gain$settings$derived
  for (v in intersect(names(derived), names(ini$method))) {
    if (!imputed[[v]]) next
    f <- trimws(derived[[v]])
    ini$method[[v]] <- if (startsWith(f, "~")) f else paste0("~I(", f, ")")
  }
  # idvars predict nothing and are predicted by nothing (mice: a zero row and column)
  pm <- intersect(kept, colnames(ini$predictorMatrix))
  if (length(pm)) {
    ini$predictorMatrix[, pm] <- 0
    ini$predictorMatrix[intersect(pm, rownames(ini$predictorMatrix)), ] <- 0
  }
  ini$call <- call
  ini$seed <- if (is.null(seed)) NA else seed
  vars <- names(ini$imp)
  chain_mean <- chain_var <- array(NA_real_, dim = c(length(vars), 1L, m),
                                   dimnames = list(vars, "1", paste("Chain", seq_len(m))))
  for (v in vars) {
    if (!imputed[[v]]) next
    for (i in seq_len(m)) {
      x <- ini$imp[[v]][[i]]
      if (is.character(x)) next
      x <- as.numeric(x)
      x <- x[!is.na(x)]  # a derived cell whose formula has no value in this imputation
      chain_mean[v, 1L, i] <- if (length(x)) mean(x) else NA_real_
      chain_var[v, 1L, i] <- if (length(x) > 1L) stats::var(x) else NA_real_
    }
  }
  ini$chainMean <- chain_mean
  ini$chainVar <- chain_var
  ini$iteration <- 1L
  ini$loggedEvents <- NULL
  ini$gain <- gain
  class(ini) <- unique(c("gain_mids", class(ini)))
  ini
}

#' @export
print.gain_mids <- function(x, ...) {
  g <- x$gain
  settings <- g$settings[setdiff(names(g$settings), c("method", "seed", "entropy"))]
  shown <- vapply(settings, function(v) {
    # control "niceNames" keeps a named list's names (derived = list(bmi = "..."))
    if (is.null(v)) "NULL" else paste(deparse(v, control = "niceNames"), collapse = " ")
  }, "")
  cat("Imputed by GAIN: socgan::gain_impute(), Python socgan ", g$socgan_version, "\n", sep = "")
  cat("Seed: ", if (is.null(g$settings$seed)) paste0("NULL (entropy ", g$settings$entropy, ")")
      else g$settings$seed, "\n", sep = "")
  # the training's fixed internals (and records such as a fitted model's entropy) are shown
  # apart: they are not settable (R users' trials passed max_hidden = 64, pattern_share = 0.5)
  settable <- tryCatch(vapply(python_parameters("impute"), function(p) p$name, ""),
                       error = function(e) character())
  fixed <- if (length(settable)) !names(shown) %in% settable else
    names(shown) %in% c("max_hidden", "patience", "odds_weights", "keep_best", "stop_epochs",
                        "pattern_share", "fitted_entropy")
  cat(strwrap(paste0("Settings: ", paste0(names(shown)[!fixed], " = ", shown[!fixed],
                                          collapse = ", ")), exdent = 2L), sep = "\n")
  if (any(fixed)) {
    cat(strwrap(paste0("Fixed internals (recorded, not settings): ",
                       paste0(names(shown)[fixed], " = ", shown[fixed], collapse = ", ")),
                exdent = 2L), sep = "\n")
  }
  cat("plot() shows the training losses; mice.mids() cannot continue these imputations.\n")
  NextMethod()
}

#' Training losses of GAIN's imputation models
#'
#' `plot()` on the `mids` that [gain_impute()] returns shows, for each
#' imputation's model, the generator's reconstruction loss on its training rows
#' and its loss on the rows left out of its bootstrap sample (`"validation"`)
#' over the training epochs (a lattice plot); with an adversarial term
#' (`adversarial > 0`) also the discriminator's loss and the generator's
#' adversarial loss. mice's own trace plot of chain means needs iterations of
#' chained equations, which GAIN does not run: each imputation is drawn once
#' from its own model, so `imp$chainMean` and `imp$chainVar` hold a
#' one-iteration "chain", the mean and variance of each imputation's imputed
#' values.
#'
#' How to read it: Lower is better. The losses are negative log-likelihoods
#' averaged over the columns (a numeric column's is Gaussian, and the out-of-bag
#' loss scores it by `0.5 * log` of its mean squared error on the
#' standardised scale), so values below 0 are usual for well-predicted
#' columns, and each model's level differs because each is scored on its own
#' out-of-bag rows. Read the shapes: the training loss falls and flattens; an
#' out-of-bag loss that rises clearly toward the end says the model fits its
#' own rows better than others (common on small data, whose imputations are
#' then too narrow).
#'
#' @param x A `mids` from [gain_impute()] (class `gain_mids`).
#' @param y Ignored.
#' @param losses Which losses to show, among `"g_reconstruction"`,
#'   `"validation"`, `"d_loss"` and `"g_adversarial"`; `NULL` (default) for
#'   the first two, and the other two when the model had an adversarial term.
#' @param ... Passed to [lattice::xyplot()].
#' @return A lattice (trellis) object, which prints as the plot.
#' @seealso [gain_impute()]; `imp$gain$loss_history` holds the numbers.
#' @export
plot.gain_mids <- function(x, y = NULL, losses = NULL, ...) {
  history <- x$gain$loss_history
  if (is.null(history) || !nrow(history)) {
    socgan_stop("No training losses to plot: `data` had no missing values, so GAIN trained no ",
         "models.", call. = FALSE)
  }
  known <- intersect(c("g_reconstruction", "validation", "d_loss", "g_adversarial"),
                     names(history))
  if (is.null(losses)) {
    adversarial <- x$gain$settings$adversarial
    losses <- if (!is.null(adversarial) && adversarial > 0) known
              else intersect(known, c("g_reconstruction", "validation"))
  } else {
    losses <- check_choice(losses, known, "losses", several_ok = TRUE)
  }
  long <- do.call(rbind, lapply(losses, function(l) {
    data.frame(epoch = history$epoch, imputation = factor(history$imputation), loss = l,
               value = history[[l]])
  }))
  long$loss <- factor(long$loss, levels = losses)
  args <- list(...)
  # a key of the imputations' colours (an R user's trial: the lines had none), unless given
  key <- if ("auto.key" %in% names(args)) list() else
    list(auto.key = list(title = "Imputation", cex.title = 0.9, lines = TRUE, points = FALSE,
                         columns = min(nlevels(long$imputation), 10L)))
  do.call(lattice::xyplot,
          c(list(value ~ epoch | loss, data = long, groups = long$imputation, type = "l",
                 scales = list(y = list(relation = "free")), layout = c(length(losses), 1L),
                 xlab = "Epoch", ylab = "Loss",
                 main = "GAIN training losses, one line per imputation model",
                 sub = list(paste0("Lower is better; each model is scored on its own ",
                                   "out-of-bag rows.\nAn out-of-bag loss rising at the end ",
                                   "means overfitting."), cex = 0.8, font = 1)), key, args))
}

#' The mice method name of GAIN imputations (not a mice imputation method)
#'
#' The `mids` that [gain_impute()] returns names `"gain"` as the method of
#' every imputed column, so that `print(imp)` and `imp$method` say how the
#' values were made. mice cannot run GAIN inside its chained equations, so
#' `mice::mice.mids(imp)` (continuing the iterations) and
#' `mice::mice(data, method = "gain")` stop with this function's error. To
#' impute again with GAIN, call [gain_impute()] (e.g. with more `epochs`); to
#' start mice's chained equations from GAIN's imputations, use
#' `mice::mice(data, data.init = mice::complete(imp, 1))`.
#'
#' @param y,ry,x,wy,... As for mice's imputation methods.
#' @return Never returns; always an error.
#' @export
#' @keywords internal
mice.impute.gain <- function(y, ry, x, wy = NULL, ...) {
  socgan_stop("method \"gain\" marks imputations made by socgan::gain_impute(); mice cannot run GAIN ",
       "inside its chained equations, so mice.mids() cannot continue them. Call ",
       "gain_impute() again (e.g. with more `epochs`), or start mice from GAIN's values with ",
       "mice(data, data.init = complete(imp, 1)).", call. = FALSE)
}
