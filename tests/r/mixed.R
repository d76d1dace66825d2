# Reference values for pipeline/mixed.py (random-intercept linear mixed model, REML).
# Run from the project root:  Rscript tests/r/mixed.R
# Reads tests/r/mixed_fixture.csv (made by tests/r/make_mixed_fixture.py) and writes
# tests/r/mixed_reference.csv in long format: model, term, quantity, value.
#
# Models (lme4::lmer, REML = TRUE, treatment contrasts, reference levels baseline and
# comparison, so the coefficient names are predictable):
#   interaction: score ~ wave * group + (1 | id)
#   covariate:   score ~ wave * group + age + (1 | id)   (rows with missing age dropped)
#   boundary:    score_noise ~ wave * group + (1 | id)  (true sigma_u = 0: singular fit)
# For each model: every fixed effect's estimate and std_error (as summary() reports),
# sigma2_e, sigma2_u, logLik (-REMLcrit / 2), n_obs and n_groups.
#
# The optimiser is bobyqa with a tight trust-region end radius (rhoend = 1e-13) so the
# references sit on the REML optimum to ~1e-8 relative or better (a derivative-free
# optimiser cannot do much better: the criterion is flat to ~1e-13 there). lme4's
# default (nloptwrap, stopping on ~1e-8 changes in the deviance) stops up to ~1.5e-7
# (relative) short of it in sigma2_u on this fixture -- inside the tests' rtol of 1e-6,
# but with little margin; nloptwrap with xtol/ftol of 1e-14/1e-15 did no better.
suppressPackageStartupMessages(library(lme4))
options(contrasts = c("contr.treatment", "contr.poly"))

d <- read.csv("tests/r/mixed_fixture.csv", stringsAsFactors = FALSE)
d$wave <- factor(d$wave, levels = c("baseline", "post", "followup_6m"))
d$group <- factor(d$group, levels = c("comparison", "intervention"))
d$id <- factor(d$id)

ctrl <- lmerControl(optimizer = "bobyqa", optCtrl = list(rhoend = 1e-13, maxfun = 1e5))
models <- list(
  interaction = score ~ wave * group + (1 | id),
  covariate = score ~ wave * group + age + (1 | id),
  boundary = score_noise ~ wave * group + (1 | id)
)

num <- function(x) sprintf("%.17g", x)
out <- list()
for (m in names(models)) {
  fit <- lmer(models[[m]], data = d, REML = TRUE, control = ctrl)
  co <- coef(summary(fit))
  vc <- as.data.frame(VarCorr(fit))
  rows <- rbind(
    data.frame(model = m, term = rownames(co), quantity = "estimate",
               value = num(co[, "Estimate"])),
    data.frame(model = m, term = rownames(co), quantity = "std_error",
               value = num(co[, "Std. Error"])),
    data.frame(model = m, term = "",
               quantity = c("sigma2_e", "sigma2_u", "logLik", "n_obs", "n_groups",
                            "singular"),
               value = c(num(vc$vcov[vc$grp == "Residual"]), num(vc$vcov[vc$grp == "id"]),
                         num(as.numeric(logLik(fit))), num(nobs(fit)),
                         num(ngrps(fit)[["id"]]), num(as.integer(isSingular(fit)))))
  )
  out[[m]] <- rows
}
out <- do.call(rbind, out)
write.csv(out, "tests/r/mixed_reference.csv", row.names = FALSE, quote = TRUE)
cat("wrote tests/r/mixed_reference.csv:", nrow(out), "rows\n")
