#!/usr/bin/env Rscript
## =============================================================================
## make_golden_tables.R -- reference values for share tables (domain shares,
## means, logit CIs, Kish deff, Rao-Scott tests, domain-vs-rest cell tests)
## computed with R's `survey` package on tests/golden/data/example_tables.csv.
##
## Run from the repository root:
##
##     Rscript tests/golden/make_golden_tables.R
##
## Output: tests/golden/golden_tables.json (deterministic: byte-identical on
## re-run).  Numbers are the shortest decimal that round-trips to R's double
## (same helper as make_golden.R).  See README.md, section
## "Share tables (make_golden_tables.R)".
## =============================================================================

suppressPackageStartupMessages({
  library(survey)
  library(jsonlite)
})

## ---- locate output directory ------------------------------------------------
.args <- commandArgs(trailingOnly = FALSE)
.file <- sub("^--file=", "", .args[grep("^--file=", .args)])
golden_dir <- if (length(.file) == 1) dirname(normalizePath(.file)) else "tests/golden"
data_file <- file.path(golden_dir, "data", "example_tables.csv")

## ---- global survey options = package defaults (as in make_golden.R) ---------
options(
  survey.lonely.psu = "fail",
  survey.adjust.domain.lonely = FALSE,
  survey.replicates.mse = FALSE,
  survey.ultimate.cluster = FALSE,
  survey.drop.replicates = TRUE,
  survey.multicore = FALSE,
  survey.want.obsolete = FALSE,
  warn = 1
)
invisible(Sys.setlocale("LC_COLLATE", "C"))   # deterministic sort of character levels

## ---- number formatting (copied from make_golden.R) --------------------------
fmt_num <- function(x) {
  x <- as.numeric(x)
  out <- rep(NA_character_, length(x))
  ok <- is.finite(x)
  out[ok] <- sprintf("%.15g", x[ok])
  for (d in 16:17) {
    bad <- ok & !(suppressWarnings(as.numeric(out)) %in% x[ok] & suppressWarnings(as.numeric(out)) == x)
    bad[is.na(bad)] <- FALSE
    if (!any(bad)) break
    out[bad] <- sprintf(paste0("%.", d, "g"), x[bad])
  }
  out
}
to_verbatim <- function(x) {
  if (is.list(x) && !is.data.frame(x)) {
    nm <- names(x)
    y <- lapply(x, to_verbatim)
    names(y) <- nm
    return(y)
  }
  if (is.numeric(x) && !is.factor(x)) {
    box <- inherits(x, "AsIs") || length(x) != 1
    s <- fmt_num(unclass(x))
    s[is.na(s)] <- "null"
    txt <- if (box) paste0("[", paste(s, collapse = ","), "]") else s
    return(structure(txt, class = "json"))
  }
  x
}
empty_obj <- function() setNames(list(), character(0))   # -> {}

## Relative-difference check used for in-script cross-validation.
close <- function(a, b, tol = 1e-10) all(abs(a - b) <= tol * pmax(abs(a), abs(b), 1e-300))

## Largest relative gap between svyciprop's estimate and svymean's (reported in meta).
MAX_CIPROP_GAP <- 0
track_ciprop <- function(a, b) if (b != 0) MAX_CIPROP_GAP <<- max(MAX_CIPROP_GAP, abs(a - b) / abs(b))

## =============================================================================
## Data and design
## =============================================================================
df <- read.csv(data_file, na.strings = "", stringsAsFactors = FALSE)
stopifnot(nrow(df) == 2377)
df$age_group <- factor(df$age_group, levels = c("18-29", "30-44", "45-59", "60-74", "75+"))
df$qualification <- factor(df$qualification, levels = c("low", "medium", "high"))
df$intent <- factor(df$intent, levels = c("very_unlikely", "rather_unlikely",
                                          "rather_likely", "very_likely"))
df$destination <- factor(df$destination, levels = c("within_region", "elsewhere_germany", "abroad"))

design_call <- "svydesign(ids = ~1, strata = ~design_stratum, weights = ~weight, data = df)"
d <- svydesign(ids = ~1, strata = ~design_stratum, weights = ~weight, data = df)
DF_FULL <- degf(d)

indicators_binary <- c("willing_to_move", "participation_wish")
intent_levels <- levels(df$intent)
breakdowns <- list(character(0), "age_group", "qualification", "commuter", "municipality",
                   c("age_group", "commuter"))

## Logical index of a domain (list var -> value as string) in df.
domain_index <- function(dom) {
  idx <- rep(TRUE, nrow(df))
  for (v in names(dom)) idx <- idx & !is.na(df[[v]]) & as.character(df[[v]]) == dom[[v]]
  idx
}
## Domains of a svyby result, in R's row order, as list(list(var = "value"), ...)
by_domains <- function(b, bvars) {
  lapply(seq_len(nrow(b)), function(i) {
    setNames(lapply(bvars, function(v) as.character(b[[v]][i])), bvars)
  })
}
by_formula <- function(bvars) as.formula(paste("~", paste(bvars, collapse = " + ")))
by_text <- function(bvars) paste("~", paste(bvars, collapse = " + "))

## Per-domain bookkeeping shared by all indicators.
domain_info <- function(dom, y) {
  idx <- domain_index(dom)
  ok <- idx & !is.na(df[[y]])
  sd <- subset(d, idx)
  sd_nm <- subset(d, ok)
  list(idx = idx, ok = ok,
       n = sum(ok), n_weighted = sum(df$weight[ok]),
       degf_domain = degf(sd), degf_domain_nonmissing = degf(sd_nm), design = sd)
}

## =============================================================================
## 1. Binary indicators
## =============================================================================
binary_table <- function(y, bvars) {
  yf <- as.formula(paste0("~", y))
  rows <- list()
  if (!length(bvars)) {
    cp <- svyciprop(yf, d, method = "logit", na.rm = TRUE)
    m <- svymean(yf, d, deff = "replace", na.rm = TRUE)
    doms <- list(empty_obj())
    est_cp <- as.numeric(cp); se_cp <- as.numeric(SE(cp))
    ci_cp <- matrix(attr(cp, "ci"), nrow = 1)
    est_m <- as.numeric(coef(m)); se_m <- as.numeric(SE(m)); deff_m <- as.numeric(deff(m))
    r_calls <- list(
      ciprop = sprintf("svyciprop(~%s, d, method = \"logit\", na.rm = TRUE)", y),
      mean = sprintf("svymean(~%s, d, deff = \"replace\", na.rm = TRUE)", y))
  } else {
    bf <- by_formula(bvars)
    bcp <- svyby(yf, bf, d, svyciprop, method = "logit", vartype = c("se", "ci"), na.rm = TRUE)
    bm <- svyby(yf, bf, d, svymean, deff = "replace", na.rm = TRUE)
    doms <- by_domains(bcp, bvars)
    stopifnot(identical(doms, by_domains(bm, bvars)))
    est_cp <- as.numeric(coef(bcp)); se_cp <- as.numeric(SE(bcp))
    ci_cp <- cbind(bcp$ci_l, bcp$ci_u)          # NOT confint(bcp): that is a Wald CI on p
    ## deff.svyby() fails for deff = "replace" (`!"replace"`), so read the column.
    est_m <- as.numeric(coef(bm)); se_m <- as.numeric(SE(bm)); deff_m <- bm[[paste0("DEff.", y)]]
    r_calls <- list(
      ciprop = sprintf("svyby(~%s, %s, d, svyciprop, method = \"logit\", vartype = c(\"se\", \"ci\"), na.rm = TRUE)",
                       y, by_text(bvars)),
      mean = sprintf("svyby(~%s, %s, d, svymean, deff = \"replace\", na.rm = TRUE)", y, by_text(bvars)))
  }
  for (i in seq_along(doms)) {
    dom <- doms[[i]]
    info <- domain_info(dom, y)
    ## Cross-check which df svyciprop used: refit its svyglm on the same
    ## domain design and rebuild the logit CI.
    g <- svyglm(as.formula(paste(y, "~ 1")), info$design, family = quasibinomial)
    se_logit <- as.numeric(SE(g)); b0 <- as.numeric(coef(g))
    ci_with <- function(dfx) plogis(b0 + c(-1, 1) * qt(0.975, dfx) * se_logit)
    stopifnot(close(ci_with(info$degf_domain), ci_cp[i, ], 1e-12))
    if (info$degf_domain != info$degf_domain_nonmissing)
      stopifnot(!close(ci_with(info$degf_domain_nonmissing), ci_cp[i, ], 1e-9))
    ## svyciprop's point estimate is expit(coef) of a glm fitted to glm's default
    ## convergence tolerance, so it differs from svymean's ratio by ~1e-9 relative.
    stopifnot(close(est_cp[i], est_m[i], 1e-7), close(se_cp[i], se_m[i], 1e-12))
    track_ciprop(est_cp[i], est_m[i])
    rows[[i]] <- list(
      domain = dom, level = "1",
      estimate = est_cp[i], se = se_cp[i],
      ci_low = ci_cp[i, 1], ci_high = ci_cp[i, 2],
      ci_df = info$degf_domain,
      se_logit = se_logit,
      estimate_svymean = est_m[i], se_svymean = se_m[i], deff = deff_m[i],
      n = info$n, n_weighted = info$n_weighted,
      degf_domain = info$degf_domain, degf_domain_nonmissing = info$degf_domain_nonmissing)
  }
  list(rows = rows, r_calls = r_calls)
}

## Rao-Scott second-order test (one-way breakdowns only)
rao_scott <- function(y, gvar) {
  code <- sprintf("svychisq(~%s + %s, d, statistic = \"F\", na.rm = TRUE)", y, gvar)
  t <- eval(parse(text = code))
  list(r_call = code,
       statistic = as.numeric(t$statistic),
       ndf = as.numeric(t$parameter["ndf"]),
       ddf = as.numeric(t$parameter["ddf"]),
       p_value = as.numeric(t$p.value),
       method = t$method)
}

## Domain vs rest, among respondents with non-missing group (and y).
cell_tests <- function(y, gvar) {
  levs <- if (is.factor(df[[gvar]])) levels(df[[gvar]]) else
    as.character(sort(unique(df[[gvar]][!is.na(df[[gvar]])])))
  dsub_code <- sprintf("subset(d, !is.na(%s) & !is.na(%s))", gvar, y)
  dsub <- eval(parse(text = dsub_code))
  dg <- subset(d, !is.na(df[[gvar]]))      # the brief's design, used for the svyglm check
  out <- lapply(levs, function(g) {
    gv <- if (is.numeric(df[[gvar]])) g else sprintf('"%s"', g)
    code <- sprintf("svyby(~%s, ~I(%s == %s), %s, svymean, covmat = TRUE)", y, gvar, gv, dsub_code)
    r <- eval(parse(text = sprintf("svyby(~%s, ~I(%s == %s), dsub, svymean, covmat = TRUE)", y, gvar, gv)))
    stopifnot(identical(as.character(r[[1]]), c("FALSE", "TRUE")))
    ctr <- svycontrast(r, c(-1, 1))
    diff <- as.numeric(coef(ctr)); se <- as.numeric(SE(ctr))
    V <- vcov(r)
    ## cross-check: svyglm(y ~ I(group == g)) on subset(d, !is.na(group)) (na.omit on y)
    m <- eval(parse(text = sprintf("svyglm(%s ~ I(%s == %s), dg)", y, gvar, gv)))
    stopifnot(close(coef(m)[2], diff, 1e-9), close(SE(m)[2], se, 1e-9))
    tt <- diff / se
    list(level = g, r_call = paste0(code, "; svycontrast(r, c(-1, 1))"),
         estimate_rest = as.numeric(coef(r))[1], estimate_domain = as.numeric(coef(r))[2],
         se_rest = sqrt(V[1, 1]), se_domain = sqrt(V[2, 2]), cov = V[1, 2],
         difference = diff, se = se, t = tt, df = DF_FULL,
         p_value = 2 * pt(-abs(tt), DF_FULL))
  })
  p <- vapply(out, `[[`, 0, "p_value")
  ph <- p.adjust(p, "holm"); pb <- p.adjust(p, "BH")
  for (i in seq_along(out)) { out[[i]]$p_holm <- ph[i]; out[[i]]$p_bh <- pb[i] }
  out
}

## =============================================================================
## 2. intent (shares of all 4 levels)
## =============================================================================
intent_table <- function(bvars) {
  rows <- list()
  if (!length(bvars)) {
    m <- svymean(~intent, d, deff = "replace", na.rm = TRUE)
    doms <- list(empty_obj())
    est <- matrix(coef(m), nrow = 1); se <- matrix(SE(m), nrow = 1); de <- matrix(deff(m), nrow = 1)
    ci_l <- ci_u <- est_cp <- matrix(NA_real_, 1, length(intent_levels))
    for (k in seq_along(intent_levels)) {
      cp <- eval(parse(text = sprintf("svyciprop(~I(intent == \"%s\"), d, method = \"logit\", na.rm = TRUE)",
                                      intent_levels[k])))
      ci_l[1, k] <- attr(cp, "ci")[1]; ci_u[1, k] <- attr(cp, "ci")[2]; est_cp[1, k] <- as.numeric(cp)
    }
    r_calls <- list(mean = "svymean(~intent, d, deff = \"replace\", na.rm = TRUE)",
                    ciprop = "svyciprop(~I(intent == LEVEL), d, method = \"logit\", na.rm = TRUE)")
  } else {
    bf <- by_formula(bvars)
    bm <- svyby(~intent, bf, d, svymean, deff = "replace", na.rm = TRUE)
    doms <- by_domains(bm, bvars)
    nl <- length(intent_levels)
    est <- as.matrix(bm[, paste0("intent", intent_levels)])
    se <- as.matrix(bm[, paste0("se.intent", intent_levels)])
    de <- as.matrix(bm[, paste0("DEff.intent", intent_levels)])
    stopifnot(close(as.numeric(est), as.numeric(coef(bm)), 0), close(as.numeric(se), as.numeric(as.matrix(SE(bm))), 0))
    ci_l <- ci_u <- est_cp <- matrix(NA_real_, length(doms), nl)
    for (k in seq_along(intent_levels)) {
      b <- eval(parse(text = sprintf(
        "svyby(~I(intent == \"%s\"), bf, d, svyciprop, method = \"logit\", vartype = \"ci\", na.rm = TRUE)",
        intent_levels[k])))
      stopifnot(identical(by_domains(b, bvars), doms))
      ci_l[, k] <- b$ci_l; ci_u[, k] <- b$ci_u; est_cp[, k] <- as.numeric(coef(b))
    }
    r_calls <- list(
      mean = sprintf("svyby(~intent, %s, d, svymean, deff = \"replace\", na.rm = TRUE)", by_text(bvars)),
      ciprop = sprintf("svyby(~I(intent == LEVEL), %s, d, svyciprop, method = \"logit\", vartype = \"ci\", na.rm = TRUE)",
                       by_text(bvars)))
  }
  for (i in seq_along(doms)) {
    info <- domain_info(doms[[i]], "intent")
    for (k in seq_along(intent_levels)) {
      ## A zero share makes svyglm's intercept diverge: svyciprop then reports
      ## expit(coef) ~ 2e-11 instead of 0 (recorded as-is in estimate_ciprop).
      stopifnot(close(est_cp[i, k], est[i, k], 1e-7) || (est[i, k] == 0 && est_cp[i, k] < 1e-9))
      track_ciprop(est_cp[i, k], est[i, k])
      rows[[length(rows) + 1]] <- list(
        domain = doms[[i]], level = intent_levels[k],
        estimate = est[i, k], se = se[i, k], deff = de[i, k],
        ci_low = ci_l[i, k], ci_high = ci_u[i, k], ci_df = info$degf_domain,
        estimate_ciprop = est_cp[i, k],
        n = info$n, n_weighted = info$n_weighted,
        degf_domain = info$degf_domain, degf_domain_nonmissing = info$degf_domain_nonmissing)
    }
  }
  list(rows = rows, r_calls = r_calls)
}

## =============================================================================
## 3. leisure_satisfaction (mean)
## =============================================================================
mean_table <- function(y, bvars) {
  yf <- as.formula(paste0("~", y))
  if (!length(bvars)) {
    m <- svymean(yf, d, deff = "replace", na.rm = TRUE)
    doms <- list(empty_obj())
    r_calls <- list(mean = sprintf("svymean(~%s, d, deff = \"replace\", na.rm = TRUE)", y))
  } else {
    m <- svyby(yf, by_formula(bvars), d, svymean, deff = "replace", na.rm = TRUE)
    doms <- by_domains(m, bvars)
    r_calls <- list(mean = sprintf("svyby(~%s, %s, d, svymean, deff = \"replace\", na.rm = TRUE)",
                                   y, by_text(bvars)))
  }
  r_calls$ci_normal <- "confint(x)"
  r_calls$ci_t <- "confint(x, df = degf(d))"
  est <- as.numeric(coef(m)); se <- as.numeric(SE(m))
  de <- if (length(bvars)) m[[paste0("DEff.", y)]] else as.numeric(deff(m))
  cin <- confint(m); cit <- confint(m, df = DF_FULL)
  rows <- lapply(seq_along(doms), function(i) {
    info <- domain_info(doms[[i]], y)
    list(domain = doms[[i]], level = NULL,
         estimate = est[i], se = se[i], deff = de[i],
         ci_low = cin[i, 1], ci_high = cin[i, 2],
         ci_low_t = cit[i, 1], ci_high_t = cit[i, 2], ci_df_t = DF_FULL,
         n = info$n, n_weighted = info$n_weighted,
         degf_domain = info$degf_domain, degf_domain_nonmissing = info$degf_domain_nonmissing)
  })
  list(rows = rows, r_calls = r_calls)
}

## =============================================================================
## Assemble
## =============================================================================
tables <- list()
add_table <- function(indicator, type, bvars, res, rs = NULL, ct = NULL) {
  id <- paste0(indicator, if (length(bvars)) paste0("_by_", paste(bvars, collapse = "_x_")) else "_overall")
  tables[[length(tables) + 1]] <<- list(
    id = id, indicator = indicator, type = type,
    breakdown = I(bvars), r_calls = res$r_calls, rows = res$rows,
    rao_scott = rs, cell_tests = ct)
}
for (bvars in breakdowns) {
  one_way <- length(bvars) == 1
  for (y in indicators_binary) {
    add_table(y, "binary_share", bvars, binary_table(y, bvars),
              rs = if (one_way) rao_scott(y, bvars) else NULL,
              ct = if (one_way) cell_tests(y, bvars) else NULL)
  }
  add_table("intent", "categorical_shares", bvars, intent_table(bvars))
  add_table("leisure_satisfaction", "mean", bvars, mean_table("leisure_satisfaction", bvars))
}
ids <- vapply(tables, `[[`, "", "id")
stopifnot(!anyDuplicated(ids))

out <- list(
  meta = list(
    r_version = R.version.string,
    survey_version = as.character(packageVersion("survey")),
    jsonlite_version = as.character(packageVersion("jsonlite")),
    generated_by = "tests/golden/make_golden_tables.R",
    data_file = "data/example_tables.csv",
    n_rows = nrow(df),
    read = "read.csv(data_file, na.strings = \"\"); factors: age_group (18-29, 30-44, 45-59, 60-74, 75+), qualification (low, medium, high), intent (very_unlikely, rather_unlikely, rather_likely, very_likely); commuter and the 0/1 indicators stay integer",
    design = list(r_call = design_call, ids = NULL, strata = "design_stratum", weights = "weight",
                  fpc = NULL, n_strata = length(unique(df$design_stratum))),
    degf = DF_FULL,
    options = list(survey.lonely.psu = "fail", survey.adjust.domain.lonely = FALSE,
                   survey.replicates.mse = FALSE, survey.ultimate.cluster = FALSE,
                   survey.drop.replicates = TRUE),
    conf_level = 0.95,
    number_format = "shortest decimal that round-trips to the identical IEEE-754 double; NA -> null",
    n_tables = length(tables),
    max_rel_diff_ciprop_vs_svymean_estimate = MAX_CIPROP_GAP),
  tables = tables)

json <- toJSON(to_verbatim(out), auto_unbox = TRUE, null = "null", na = "null",
               digits = NA, pretty = TRUE, json_verbatim = TRUE)
writeLines(json, file.path(golden_dir, "golden_tables.json"))
message(sprintf("wrote %d tables to %s", length(tables), file.path(golden_dir, "golden_tables.json")))
