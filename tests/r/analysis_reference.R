# Reference values for the analysis stage (paired, comparative, reliability, power, MI).
# Run from the project root:  Rscript tests/r/analysis_reference.R
# Reads tests/r/analysis_fixture.csv (made by tests/r/make_analysis_fixture.py),
# writes tests/r/analysis_reference.csv in long format: analysis, outcome, group, term, value.
# Values are written with sprintf("%.17g") so they round-trip exactly to a float64.
#
# Definitions the Python side must mirror:
# - outcome is wemwbs_total unless stated; a total is missing when any item is missing.
# - "completers" = respondents with non-missing wemwbs_total at BOTH baseline and post.
#   All paired, effect-size, ANCOVA, DiD, McNemar and power values use completers only;
#   group "all" = both arms pooled; change = post - baseline.
# - Group coefficients: group is a factor with "comparison" as the reference level, so the
#   coefficient is intervention - comparison. Rows for whole-sample models use group "all".
# Needs: psych, mice (both from Debian: r-cran-psych, r-cran-mice).
suppressPackageStartupMessages({
  library(psych)
  library(mice)
})

d <- read.csv("tests/r/analysis_fixture.csv", stringsAsFactors = FALSE)
item_cols <- paste0("wemwbs_", 1:14)
base <- d[d$wave == "baseline", ]
post <- d[d$wave == "post", ]

# one row per respondent with a baseline row: baseline and post totals side by side
w <- data.frame(respondent_id = base$respondent_id, group = base$group, site = base$site,
                age_band = base$age_band, sessions_attended = base$sessions_attended,
                baseline = base$wemwbs_total, stringsAsFactors = FALSE)
w$post <- post$wemwbs_total[match(w$respondent_id, post$respondent_id)]
cmp <- w[!is.na(w$baseline) & !is.na(w$post), ]
cmp$change <- cmp$post - cmp$baseline

out <- data.frame(analysis = character(), outcome = character(), group = character(),
                  term = character(), value = numeric(), stringsAsFactors = FALSE)
add <- function(analysis, outcome, group, term, value) {
  stopifnot(length(value) == 1)
  out[nrow(out) + 1, ] <<- list(analysis, outcome, group, term, as.numeric(value))
}
subset_group <- function(g) if (g == "all") cmp else cmp[cmp$group == g, ]
groups <- c("all", "intervention", "comparison")
Y <- "wemwbs_total"

# ---- paired t-test: t.test(post, baseline, paired = TRUE) -------------------------------
for (g in groups) {
  s <- subset_group(g)
  tt <- t.test(s$post, s$baseline, paired = TRUE)
  add("paired_t", Y, g, "estimate", tt$estimate)
  add("paired_t", Y, g, "statistic", tt$statistic)
  add("paired_t", Y, g, "df", tt$parameter)
  add("paired_t", Y, g, "p_value", tt$p.value)
  add("paired_t", Y, g, "ci_low", tt$conf.int[1])
  add("paired_t", Y, g, "ci_high", tt$conf.int[2])
  add("paired_t", Y, g, "n", nrow(s))
}

# ---- Wilcoxon signed-rank, normal approximation ------------------------------------------
# exact = FALSE; zero differences are dropped and ties get the tie-corrected variance
# (R's default); statistic V = sum of ranks of the positive differences (post - baseline).
# correct = TRUE applies the continuity correction (0.5 towards zero) to the z statistic.
for (g in groups) {
  s <- subset_group(g)
  wt <- wilcox.test(s$post, s$baseline, paired = TRUE, exact = FALSE, correct = TRUE)
  wn <- wilcox.test(s$post, s$baseline, paired = TRUE, exact = FALSE, correct = FALSE)
  add("wilcoxon", Y, g, "statistic", wt$statistic)
  add("wilcoxon", Y, g, "p_value", wt$p.value)
  add("wilcoxon", Y, g, "statistic_nocorrect", wn$statistic)
  add("wilcoxon", Y, g, "p_value_nocorrect", wn$p.value)
}

# ---- within-person effect sizes (Lakens 2013) --------------------------------------------
# diff = post - baseline, n = completers in the group, sd() with denominator n - 1:
#   d_z  = mean(diff) / sd(diff)
#   d_av = mean(diff) / ((sd(baseline) + sd(post)) / 2)
#   g_av = d_av * (1 - 3 / (4 * (n - 1) - 1))          (Hedges' correction, df = n - 1)
# CI for d_z from the noncentral t: t_obs = mean(diff) / (sd(diff) / sqrt(n)), df = n - 1;
#   ncp_low  solves pt(t_obs, df, ncp) = 0.975,  ncp_high solves pt(t_obs, df, ncp) = 0.025;
#   d_z_ci_low = ncp_low / sqrt(n), d_z_ci_high = ncp_high / sqrt(n).
# uniroot on [t_obs - 10, t_obs + 10] with tol = 1e-12. pt() may warn about precision at the
# far ends of that bracket (probabilities ~0 or ~1), so warnings are muted while searching and
# the roots are then checked, warning-free, to hit 0.975 / 0.025 within 1e-10.
ncp_ci <- function(t_obs, df, level = 0.95) {
  a <- (1 - level) / 2
  f <- function(ncp, p) suppressWarnings(pt(t_obs, df, ncp)) - p
  lo <- uniroot(f, c(t_obs - 10, t_obs + 10), p = 1 - a, tol = 1e-12)$root
  hi <- uniroot(f, c(t_obs - 10, t_obs + 10), p = a, tol = 1e-12)$root
  stopifnot(abs(pt(t_obs, df, lo) - (1 - a)) < 1e-10, abs(pt(t_obs, df, hi) - a) < 1e-10)
  c(lo, hi)
}
for (g in groups) {
  s <- subset_group(g)
  n <- nrow(s)
  dif <- s$post - s$baseline
  d_z <- mean(dif) / sd(dif)
  d_av <- mean(dif) / ((sd(s$baseline) + sd(s$post)) / 2)
  g_av <- d_av * (1 - 3 / (4 * (n - 1) - 1))
  t_obs <- mean(dif) / (sd(dif) / sqrt(n))
  ci <- ncp_ci(t_obs, n - 1) / sqrt(n)
  add("effect_size", Y, g, "d_z", d_z)
  add("effect_size", Y, g, "d_av", d_av)
  add("effect_size", Y, g, "g_av", g_av)
  add("effect_size", Y, g, "d_z_ci_low", ci[1])
  add("effect_size", Y, g, "d_z_ci_high", ci[2])
}

# ---- ANCOVA on completers ----------------------------------------------------------------
# group factor with levels c("comparison", "intervention"): the coefficient
# "groupintervention" is the adjusted intervention - comparison difference at post.
anc <- data.frame(post = cmp$post, baseline = cmp$baseline,
                  group = factor(cmp$group, levels = c("comparison", "intervention")),
                  age_band = factor(cmp$age_band, levels = c("18-34", "35-54", "55+")))
group_coef <- function(fit, analysis) {
  co <- summary(fit)$coefficients["groupintervention", ]
  ci <- confint(fit)["groupintervention", ]
  add(analysis, Y, "all", "estimate", co["Estimate"])
  add(analysis, Y, "all", "se", co["Std. Error"])
  add(analysis, Y, "all", "statistic", co["t value"])
  add(analysis, Y, "all", "df", fit$df.residual)
  add(analysis, Y, "all", "p_value", co["Pr(>|t|)"])
  add(analysis, Y, "all", "ci_low", ci[1])
  add(analysis, Y, "all", "ci_high", ci[2])
  # standardised = group coefficient / sd(baseline wemwbs_total over ALL completers)
  add(analysis, Y, "all", "standardised", co["Estimate"] / sd(cmp$baseline))
}
group_coef(lm(post ~ baseline + group, data = anc), "ancova")
# ancova_covariates is lm(post ~ baseline + group + age_band) (age_band a factor, reference
# "18-34"). sessions_attended is deliberately NOT included: it is 0 for every comparison
# respondent, so it is nearly collinear with group and would change what the group term means.
group_coef(lm(post ~ baseline + group + age_band, data = anc), "ancova_covariates")

# ---- difference in differences (Welch t-test on change scores) ---------------------------
# estimate = mean change (intervention) - mean change (comparison); intervention is the first
# level so statistic and CI have the same sign convention. var.equal = FALSE (Welch df).
cmp$group_did <- factor(cmp$group, levels = c("intervention", "comparison"))
tt <- t.test(change ~ group_did, data = cmp, var.equal = FALSE)
add("did", Y, "all", "estimate", tt$estimate[1] - tt$estimate[2])
add("did", Y, "all", "statistic", tt$statistic)
add("did", Y, "all", "df", tt$parameter)
add("did", Y, "all", "p_value", tt$p.value)
add("did", Y, "all", "ci_low", tt$conf.int[1])
add("did", Y, "all", "ci_high", tt$conf.int[2])

# ---- Cronbach's alpha per wave -----------------------------------------------------------
# All rows of the wave with all 14 items present (not only completers).
# psych::alpha(items, check.keys = FALSE)$total$raw_alpha, and the Feldt 95% CI psych reports
# in $feldt: lower = 1 - (1 - alpha) * qf(0.025, df1, df2, lower = FALSE),
#            upper = 1 - (1 - alpha) * qf(0.025, df1, df2),  df1 = n - 1, df2 = (n - 1)(k - 1).
for (wv in c("baseline", "post")) {
  it <- d[d$wave == wv, item_cols]
  it <- it[complete.cases(it), ]
  a <- suppressWarnings(psych::alpha(it, check.keys = FALSE))
  add("alpha", "wemwbs", "all", paste0(wv, "_alpha"), a$total$raw_alpha)
  add("alpha", "wemwbs", "all", paste0(wv, "_feldt_low"), a$feldt$lower.ci$raw_alpha)
  add("alpha", "wemwbs", "all", paste0(wv, "_feldt_high"), a$feldt$upper.ci$raw_alpha)
  add("alpha", "wemwbs", "all", paste0(wv, "_n"), nrow(it))
}

# ---- McNemar on the low-wellbeing band (completers) -------------------------------------
# low = wemwbs_total <= 40 (i.e. below 41). Rows = baseline band, columns = post band.
# statistic = (|b - c| - 1)^2 / (b + c) with correct = TRUE, (b - c)^2 / (b + c) without;
# b = low_notlow, c = notlow_low. Chi-squared with 1 df.
lev <- c("low", "notlow")
lb <- factor(ifelse(cmp$baseline <= 40, "low", "notlow"), levels = lev)
lp <- factor(ifelse(cmp$post <= 40, "low", "notlow"), levels = lev)
tab <- table(lb, lp)
mc <- mcnemar.test(tab, correct = TRUE)
mn <- mcnemar.test(tab, correct = FALSE)
add("mcnemar", Y, "all", "statistic", mc$statistic)
add("mcnemar", Y, "all", "p_value", mc$p.value)
add("mcnemar", Y, "all", "statistic_nocorrect", mn$statistic)
add("mcnemar", Y, "all", "p_value_nocorrect", mn$p.value)
add("mcnemar", Y, "all", "low_low", tab["low", "low"])
add("mcnemar", Y, "all", "low_notlow", tab["low", "notlow"])
add("mcnemar", Y, "all", "notlow_low", tab["notlow", "low"])
add("mcnemar", Y, "all", "notlow_notlow", tab["notlow", "notlow"])

# ---- power / minimum detectable effect ---------------------------------------------------
# stats::power.t.test, two-sided, sig.level = 0.05, strict = FALSE (R's default: the power
# counts only the rejection tail in the direction of delta), noncentral t.
# mde_paired_d: n = number of completer pairs (all), sd = 1, power 0.8 -> delta (in SD of
#   the change score, i.e. d_z units).
# mde_two_sample_d_nmin: two-sample with n = the SMALLER arm's completer count used as the
#   per-group n (conservative for unequal arms), sd = 1, power 0.8 -> delta (d units).
# power_paired_delta3: power to detect a 3-point mean change, as d_z = 3 / sd(change of all
#   completers), with n = completer pairs (all), sd = 1.
n_all <- nrow(cmp)
n_min <- min(table(cmp$group))
add("power", Y, "all", "mde_paired_d",
    power.t.test(n = n_all, delta = NULL, sd = 1, sig.level = 0.05, power = 0.8,
                 type = "paired", tol = 1e-12)$delta)
add("power", Y, "all", "mde_two_sample_d_nmin",
    power.t.test(n = n_min, delta = NULL, sd = 1, sig.level = 0.05, power = 0.8,
                 type = "two.sample", tol = 1e-12)$delta)
add("power", Y, "all", "power_paired_delta3",
    power.t.test(n = n_all, delta = 3 / sd(cmp$change), sd = 1, sig.level = 0.05,
                 type = "paired")$power)
add("power", Y, "all", "n_pairs", n_all)
add("power", Y, "all", "n_min_group", n_min)

# ---- Holm adjustment of a fixed vector (unit test) ---------------------------------------
hp <- p.adjust(c(0.01, 0.04, 0.03, 0.20), method = "holm")
for (k in seq_along(hp)) add("holm", "none", "all", paste0("p", k), hp[k])

# ---- multiple imputation of missing post wemwbs_total ------------------------------------
# Sample: every respondent with a non-missing baseline wemwbs_total (completers + those with
# no post row + those whose post total is missing because of an item gap).
# d has columns post, baseline, group (1 = intervention, 0 = comparison, numeric),
# age_band (factor), site (factor); only post is incomplete.
# mice settings: mice(d, m = 20, method = "norm", seed = 2026, printFlag = FALSE), maxit = 5
# (default), default predictorMatrix (every other column predicts post, factors dummy-coded).
# "norm" = Bayesian linear regression (draws sigma and beta, then adds noise).
# Pooled with Rubin's rules (mice::pool; Barnard-Rubin small-sample df with
# dfcom = residual df of the complete-data lm). The Python side uses a different MI
# implementation: compare with a tolerance, not exactly.
md <- data.frame(post = w$post, baseline = w$baseline,
                 group = as.numeric(w$group == "intervention"),
                 age_band = factor(w$age_band), site = factor(w$site))
md <- md[!is.na(md$baseline), ]
imp <- mice(md, m = 20, method = "norm", seed = 2026, printFlag = FALSE)
pl <- pool(with(imp, lm(post ~ baseline + group)))
sp <- summary(pl)
r <- which(sp$term == "group")
add("mice", Y, "all", "estimate", sp$estimate[r])
add("mice", Y, "all", "se", sp$std.error[r])
add("mice", Y, "all", "df", sp$df[r])
add("mice", Y, "all", "p_value", sp$p.value[r])
add("mice", Y, "all", "fmi", pl$pooled$fmi[pl$pooled$term == "group"])
# pooled mean change post - baseline over all enrolled (intercept-only lm on the difference);
# named mean_change_* so the (analysis, outcome, group, term) key stays unique
pc <- summary(pool(with(imp, lm(I(post - baseline) ~ 1))))
add("mice", Y, "all", "mean_change_estimate", pc$estimate[1])
add("mice", Y, "all", "mean_change_se", pc$std.error[1])
add("mice", Y, "all", "n_enrolled", nrow(md))
add("mice", Y, "all", "n_missing_post", sum(is.na(md$post)))
add("mice", Y, "all", "m", imp$m)
# The same with m = 400 imputations, so that Monte Carlo error is small on both sides and
# the Python implementation can be compared within a tight tolerance.
imp400 <- mice(md, m = 400, method = "norm", seed = 2026, printFlag = FALSE)
s400 <- summary(pool(with(imp400, lm(post ~ baseline + group))))
add("mice", Y, "all", "estimate_m400", s400$estimate[s400$term == "group"])
add("mice", Y, "all", "se_m400", s400$std.error[s400$term == "group"])
c400 <- summary(pool(with(imp400, lm(I(post - baseline) ~ 1))))
add("mice", Y, "all", "mean_change_estimate_m400", c400$estimate[1])
add("mice", Y, "all", "mean_change_se_m400", c400$std.error[1])

# ---- linear mixed model over both waves (lme4, REML) --------------------------------------
# wemwbs_total ~ wave * group + (1 | respondent_id) on every non-missing total of every
# respondent (baseline and post), comparison and baseline as reference levels; the
# interaction term is the between-group difference in change under missing at random.
suppressPackageStartupMessages(library(lme4))
long <- d[!is.na(d$wemwbs_total), ]
long$wave <- factor(long$wave, levels = c("baseline", "post"))
long$group <- factor(long$group, levels = c("comparison", "intervention"))
fit <- lmer(wemwbs_total ~ wave * group + (1 | respondent_id), data = long, REML = TRUE,
            control = lmerControl(optimizer = "bobyqa", optCtrl = list(rhoend = 1e-13)))
co <- coef(summary(fit))
add("mixed", Y, "all", "interaction_estimate", co["wavepost:groupintervention", "Estimate"])
add("mixed", Y, "all", "interaction_se", co["wavepost:groupintervention", "Std. Error"])
add("mixed", Y, "all", "n_obs", nrow(long))

stopifnot(!anyNA(out$value), !anyDuplicated(out[, c("analysis", "outcome", "group", "term")]))
out$value <- sprintf("%.17g", out$value)
write.csv(out, "tests/r/analysis_reference.csv", row.names = FALSE, quote = 1:4)
cat("wrote tests/r/analysis_reference.csv (", nrow(out), " rows)\n", sep = "")
