library(mice)
args <- commandArgs(TRUE); n <- args[1]
d <- read.csv(sprintf("/tmp/cps_mar_%s.csv", n), stringsAsFactors = TRUE)
full <- read.csv(sprintf("/tmp/cps_full_%s.csv", n), stringsAsFactors = TRUE)
d$ethnicity <- factor(d$ethnicity, levels = c("cauc", "afam"))
full$ethnicity <- factor(full$ethnicity, levels = c("cauc", "afam"))
f <- log(wage) ~ education + experience + I(experience^2/100) + ethnicity
ff <- lm(f, full)
t0 <- Sys.time()
imp <- mice(d, m = 10, maxit = as.integer(args[2]), printFlag = FALSE, seed = 1)
el <- as.numeric(Sys.time() - t0, units = "secs")
p <- pool(with(imp, lm(log(wage) ~ education + experience + I(experience^2/100) + ethnicity)))$pooled
cat(sprintf("mice maxit=%s %.1fs\n", args[2], el))
print(data.frame(term = p$term, fmi = round(p$fmi, 2), bu = round(p$b / p$ubar, 2), se_full = round(sqrt(p$t) / summary(ff)$coef[, 2], 2), err = round(p$estimate - coef(ff), 4)))
