# Reference values for pipeline/attrition.py (completers vs non-completers at baseline).
# Run from the project root:  Rscript tests/r/attrition.R
# Reads tests/r/attrition_fixture.csv, writes tests/r/attrition_reference.csv.
d <- read.csv("tests/r/attrition_fixture.csv", stringsAsFactors = FALSE)
base <- d[d$wave == "baseline", ]
completers <- unique(d$respondent_id[d$wave == "post"])
out <- data.frame()
for (grp in c("all", "intervention", "comparison")) {
  b <- if (grp == "all") base else base[base$group == grp, ]
  done <- b$respondent_id %in% completers
  for (v in c("wemwbs_total", "gqol_score", "sessions_attended")) {
    x <- b[[v]]
    a <- x[done & !is.na(x)]; z <- x[!done & !is.na(x)]
    tt <- t.test(a, z, var.equal = FALSE)
    smd <- (mean(a) - mean(z)) / sqrt((sd(a)^2 + sd(z)^2) / 2)
    out <- rbind(out, data.frame(group = grp, variable = v, level = "", smd = smd,
                                 statistic = unname(tt$statistic), df = unname(tt$parameter),
                                 p_value = tt$p.value))
  }
  vars <- if (grp == "all") c("age_band", "group") else c("age_band")
  for (v in vars) {
    tab <- table(b[[v]], done)
    ct <- chisq.test(tab, correct = FALSE)
    for (lev in rownames(tab)) {
      p1 <- tab[lev, "TRUE"] / sum(tab[, "TRUE"]); p2 <- tab[lev, "FALSE"] / sum(tab[, "FALSE"])
      smd <- (p1 - p2) / sqrt((p1 * (1 - p1) + p2 * (1 - p2)) / 2)
      first <- lev == rownames(tab)[1]
      out <- rbind(out, data.frame(group = grp, variable = v, level = lev, smd = smd,
                                   statistic = if (first) unname(ct$statistic) else NA,
                                   df = if (first) unname(ct$parameter) else NA,
                                   p_value = if (first) ct$p.value else NA))
    }
  }
}
write.csv(out, "tests/r/attrition_reference.csv", row.names = FALSE)
