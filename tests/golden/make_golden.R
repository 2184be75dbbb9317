#!/usr/bin/env Rscript
## =============================================================================
## make_golden.R -- golden reference values from R's `survey` package for the
## surveykit Python test-suite.
##
## Run from the repository root:
##
##     Rscript tests/golden/make_golden.R
##
## Outputs (all under tests/golden/):
##   data/<dataset>.csv              data sets exported from the survey package
##   data/repweights_<name>.csv      replicate-weight matrices (analysis weights)
##   golden.json                     every case: design spec, R call, args, result
##
## The script is deterministic: the only random step (bootstrap replicate
## weights) is preceded by set.seed(); those weights are exported so that the
## Python side never has to reproduce R's RNG.
##
## JSON numbers are written with the shortest representation that round-trips
## to the identical IEEE double (15, 16 or 17 significant digits).  jsonlite's
## own `digits = NA` stops at 15 significant digits, which is *not* lossless,
## so numbers are pre-formatted here and inserted with json_verbatim = TRUE.
## See README.md for the JSON layout.
## =============================================================================

suppressPackageStartupMessages({
  library(survey)
  library(jsonlite)
  library(MASS)
})

## ---- locate output directory ------------------------------------------------
.args <- commandArgs(trailingOnly = FALSE)
.file <- sub("^--file=", "", .args[grep("^--file=", .args)])
golden_dir <- if (length(.file) == 1) dirname(normalizePath(.file)) else "tests/golden"
data_dir <- file.path(golden_dir, "data")
dir.create(data_dir, showWarnings = FALSE, recursive = TRUE)

## ---- global survey options (documented in meta) -----------------------------
## These are the survey-package defaults; set explicitly so that a user's
## .Rprofile cannot change the results.
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

## =============================================================================
## Formatting helpers
## =============================================================================

## Shortest decimal string that parses back to exactly the same double.
fmt_num <- function(x) {
  x <- as.numeric(x)
  out <- rep(NA_character_, length(x))   # NA, NaN, Inf -> JSON null / empty CSV cell
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

## Write a data frame to data/<name>.csv: factors as labels, NA as "",
## doubles in lossless shortest form, only text columns quoted.
write_data <- function(df, name) {
  df <- as.data.frame(df)
  out <- list()
  quote_cols <- integer(0)
  for (j in seq_along(df)) {
    col <- df[[j]]
    if (is.factor(col)) {
      col <- as.character(col); quote_cols <- c(quote_cols, j)
    } else if (is.character(col)) {
      quote_cols <- c(quote_cols, j)
    } else if (is.double(col)) {
      col <- fmt_num(as.vector(col))
    } else {
      col <- as.vector(col)
    }
    out[[names(df)[j]]] <- col
  }
  out <- as.data.frame(out, stringsAsFactors = FALSE, check.names = FALSE)
  path <- file.path(data_dir, paste0(name, ".csv"))
  write.csv(out, path, row.names = FALSE, na = "", quote = quote_cols)
  invisible(path)
}

## Named numeric vector -> JSON object {name: number}
named <- function(x, nm = names(x)) {
  force(nm)
  x <- as.numeric(x)
  if (is.null(nm)) stop("named(): no names")
  as.list(setNames(x, nm))
}
## Numeric vector -> JSON array (also for length 1)
arr <- function(x) I(as.numeric(x))
## Matrix -> {"rownames": [...], "colnames": [...], "values": [[row], ...]}
mat <- function(m) {
  m <- as.matrix(m)
  list(rownames = I(as.character(rownames(m))),
       colnames = I(as.character(colnames(m))),
       values = lapply(seq_len(nrow(m)), function(i) arr(m[i, ])))
}

## Recursively turn numeric vectors into verbatim JSON (lossless).
## length-1 numerics become scalars unless wrapped in I().
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

## =============================================================================
## Case registry
## =============================================================================

cases <- list()
D <- list()          # registered designs: name -> list(dataset, spec)

ev <- function(code) eval(parse(text = code), envir = globalenv())

## Design specification (see README "design" object)
dspec <- function(ids = NULL, strata = NULL, weights = NULL, fpc = NULL,
                  fpc_type = NULL, nest = FALSE, lonely_psu = "fail",
                  replicate = NULL, data_filter = NULL, derived = NULL,
                  adjust = NULL, domain = NULL) {
  list(ids = ids, strata = strata, weights = weights, fpc = fpc,
       fpc_type = fpc_type, nest = nest, lonely_psu = lonely_psu,
       replicate = replicate, data_filter = data_filter, derived = derived,
       adjust = adjust, domain = domain)
}

## Register a design: `code` must assign the design object to `name`.
## parent: name of a registered design whose r_call chain is prepended.
reg_design <- function(name, dataset, code, spec, parent = NULL) {
  ev(code)
  chain <- if (is.null(parent)) code else paste(D[[parent]]$spec$r_call, code, sep = "; ")
  spec$name <- name
  spec$r_call <- chain
  D[[name]] <<- list(dataset = dataset, spec = spec)
  invisible(get(name, envir = globalenv()))
}

## Derive a spec from a registered design with extra adjustments appended.
child_spec <- function(parent, adjust_step = NULL, ...) {
  s <- D[[parent]]$spec
  s$name <- NULL; s$r_call <- NULL
  if (!is.null(adjust_step)) s$adjust <- c(s$adjust, list(adjust_step))
  mods <- list(...)
  for (n in names(mods)) s[n] <- list(mods[[n]])
  s
}

add_case <- function(id, dname, op, code, args, result, notes = NULL,
                     spec_override = NULL) {
  d <- D[[dname]]
  spec <- if (is.null(spec_override)) d$spec else spec_override
  case <- list(id = id, dataset = d$dataset, design = spec, r_call = code,
               op = op, args = args, result = result,
               expect_error = !is.null(result$error))
  if (!is.null(notes)) case$notes <- notes
  cases[[length(cases) + 1]] <<- case
  invisible(case)
}

## ---- result extractors -------------------------------------------------------

## svystat / svrepstat / svyratio: estimate, se, vcov, (deff), CIs.
res_stat <- function(s, df) {
  est <- coef(s)
  r <- list(estimate = named(est),
            se = named(SE(s), names(est)),
            vcov = mat(vcov(s)))
  if (!is.null(attr(s, "deff"))) r$deff <- named(deff(s), names(est))
  ci <- confint(s)                        # normal quantiles, level 0.95
  r$ci_low <- named(ci[, 1], names(est))
  r$ci_high <- named(ci[, 2], names(est))
  cit <- confint(s, df = df)              # t quantiles with df = degf(design)
  r$ci_df <- df
  r$ci_low_t <- named(cit[, 1], names(est))
  r$ci_high_t <- named(cit[, 2], names(est))
  r
}

res_glm <- function(m) {
  s <- summary(m)
  ct <- coef(s)
  ci <- confint(m)            # Wald, t quantiles with ddf = df.residual
  list(coefficients = named(coef(m)),
       se = named(ct[, 2], rownames(ct)),
       t_value = named(ct[, 3], rownames(ct)),
       p_value = named(ct[, 4], rownames(ct)),
       vcov = mat(vcov(m)),
       df_residual = m$df.residual,
       dispersion = as.numeric(s$dispersion)[1],
       ci_low = named(ci[, 1], rownames(ci)),
       ci_high = named(ci[, 2], rownames(ci)),
       n_used = length(m$y),
       deviance = m$deviance,
       naive_vcov = mat(m$naive.cov))
}

## =============================================================================
## 1. Data
## =============================================================================
data(api)      # apisrs, apistrat, apiclus1, apiclus2, apipop
data(nhanes)

## apiclus2 with the two-stage fpc expressed as sampling *fractions*:
##   frac1 = (number of sampled districts = 40) / fpc1
##   frac2 = (number of sampled schools in the row's district) / fpc2
apiclus2_frac <- apiclus2
apiclus2_frac$fpc2 <- as.vector(apiclus2_frac$fpc2)
apiclus2_frac$frac1 <- length(unique(apiclus2$dnum)) / apiclus2$fpc1
apiclus2_frac$frac2 <- ave(rep(1, nrow(apiclus2)), apiclus2$dnum, FUN = sum) /
  as.vector(apiclus2$fpc2)

write_data(apisrs, "apisrs")
write_data(apistrat, "apistrat")
write_data(apiclus1, "apiclus1")
write_data(apiclus2, "apiclus2")
write_data(apiclus2_frac, "apiclus2_frac")
write_data(nhanes, "nhanes")

## Population tables (from apipop) used by weighting cases
pop_types   <- data.frame(stype = c("E", "H", "M"), Freq = c(4421, 755, 1018))
pop_schwide <- data.frame(sch.wide = c("No", "Yes"), Freq = c(1072, 5122))
pop_awards  <- data.frame(awards = c("No", "Yes"), Freq = c(2027, 4167))
stopifnot(all(table(apipop$stype) == pop_types$Freq),
          all(table(apipop$sch.wide) == pop_schwide$Freq),
          all(table(apipop$awards) == pop_awards$Freq),
          sum(apipop$api99) == 3914069)
pop_cal <- c(`(Intercept)` = 6194, stypeH = 755, stypeM = 1018, api99 = 3914069)
pop_cal_strat <- c(`(Intercept)` = 6194, sch.wideYes = 5122, api99 = 3914069)

margins_json <- function(...) {
  l <- list(...)
  out <- list()
  for (df in l) {
    v <- setdiff(names(df), "Freq")
    out[[v]] <- named(df$Freq, as.character(df[[v]]))
  }
  out
}

## =============================================================================
## 2. Designs
## =============================================================================
reg_design("dsrs", "apisrs",
  "dsrs <- svydesign(id = ~1, fpc = ~fpc, data = apisrs)",
  dspec(fpc = "fpc", fpc_type = "population_size"))
reg_design("dsrs_w", "apisrs",
  "dsrs_w <- svydesign(id = ~1, weights = ~pw, data = apisrs)",
  dspec(weights = "pw"))
reg_design("dstrat", "apistrat",
  "dstrat <- svydesign(id = ~1, strata = ~stype, weights = ~pw, data = apistrat, fpc = ~fpc)",
  dspec(strata = "stype", weights = "pw", fpc = "fpc", fpc_type = "population_size"))
reg_design("dstrat_nofpc", "apistrat",
  "dstrat_nofpc <- svydesign(id = ~1, strata = ~stype, weights = ~pw, data = apistrat)",
  dspec(strata = "stype", weights = "pw"))
reg_design("dclus1", "apiclus1",
  "dclus1 <- svydesign(id = ~dnum, weights = ~pw, data = apiclus1, fpc = ~fpc)",
  dspec(ids = "dnum", weights = "pw", fpc = "fpc", fpc_type = "population_size"))
reg_design("dclus2", "apiclus2",
  "dclus2 <- svydesign(id = ~dnum + snum, fpc = ~fpc1 + fpc2, data = apiclus2)",
  dspec(ids = c("dnum", "snum"), fpc = c("fpc1", "fpc2"), fpc_type = "population_size"))
reg_design("dclus2_frac", "apiclus2_frac",
  "dclus2_frac <- svydesign(id = ~dnum + snum, fpc = ~frac1 + frac2, data = apiclus2_frac)",
  dspec(ids = c("dnum", "snum"), fpc = c("frac1", "frac2"), fpc_type = "fraction"))
reg_design("dnhanes", "nhanes",
  "dnhanes <- svydesign(id = ~SDMVPSU, strata = ~SDMVSTRA, weights = ~WTMEC2YR, nest = TRUE, data = nhanes)",
  dspec(ids = "SDMVPSU", strata = "SDMVSTRA", weights = "WTMEC2YR", nest = TRUE))

## Lonely PSU: drop PSU 2 of stratum 89 -> stratum 89 keeps a single PSU (87 rows)
lonely_filter <- list(
  r = "subset(nhanes, !(SDMVSTRA == 89 & SDMVPSU == 2))",
  drop_rows_where = list(SDMVSTRA = 89, SDMVPSU = 2),
  n_rows_after = nrow(subset(nhanes, !(SDMVSTRA == 89 & SDMVPSU == 2))))
reg_design("dlonely", "nhanes",
  paste0("nhanes_lonely <- subset(nhanes, !(SDMVSTRA == 89 & SDMVPSU == 2)); ",
         "dlonely <- svydesign(id = ~SDMVPSU, strata = ~SDMVSTRA, weights = ~WTMEC2YR, nest = TRUE, data = nhanes_lonely)"),
  dspec(ids = "SDMVPSU", strata = "SDMVSTRA", weights = "WTMEC2YR", nest = TRUE,
        data_filter = lonely_filter))
stopifnot(sum(!duplicated(nhanes_lonely[nhanes_lonely$SDMVSTRA == 89, "SDMVPSU"])) == 1)

## =============================================================================
## 3. Estimator battery
## =============================================================================

case_stat <- function(id, dn, fun, formula, extra = "", args_extra = list(), op = NULL) {
  code <- sprintf("%s(%s, %s%s)", fun, formula, dn, extra)
  s <- ev(code)
  if (is.null(op)) op <- switch(fun, svymean = "mean", svytotal = "total")
  args <- c(list(formula = formula, variables = I(all.vars(as.formula(formula)))),
            args_extra)
  add_case(id, dn, op, code, args, res_stat(s, degf(get(dn))))
}

case_ratio <- function(id, dn, num = "api00", den = "api99", extra = "", args_extra = list()) {
  code <- sprintf("svyratio(~%s, ~%s, %s%s)", num, den, dn, extra)
  s <- ev(code)
  add_case(id, dn, "ratio", code,
           c(list(numerator = num, denominator = den), args_extra),
           res_stat(s, degf(get(dn))))
}

case_quantile <- function(id, dn, var = "api00", qs = c(0.25, 0.5, 0.9),
                          qrule = "math", interval = "mean", extra = "") {
  code <- sprintf("svyquantile(~%s, %s, quantiles = c(%s), qrule = \"%s\", interval.type = \"%s\", ci = TRUE%s)",
                  var, dn, paste(qs, collapse = ", "), qrule, interval, extra)
  q <- ev(code)
  m <- q[[1]]
  keys <- as.character(qs)
  df <- degf(get(dn))
  add_case(id, dn, "quantile", code,
           list(variable = var, quantiles = arr(qs), qrule = qrule,
                interval_type = interval, alpha = 0.05, df = df, ci = TRUE),
           list(estimate = named(m[, 1], keys), ci_low = named(m[, 2], keys),
                ci_high = named(m[, 3], keys), se = named(m[, 4], keys),
                ci_df = df))
}

## svyby with covmat = TRUE (full vcov across domains).  In survey 4.1-1
## covmat = TRUE together with na.rm = TRUE errors when the variable has NAs
## (apiclus2$enroll); then the case is recorded with covmat = FALSE (no vcov).
case_by <- function(id, dn, var, by, fun = "svymean", na_rm = FALSE) {
  mk <- function(covmat) sprintf("svyby(~%s, ~%s, %s, %s%s%s)", var, by, dn, fun,
                                 if (covmat) ", covmat = TRUE" else "",
                                 if (na_rm) ", na.rm = TRUE" else "")
  covmat <- TRUE
  code <- mk(TRUE)
  b <- tryCatch(ev(code), error = function(e) NULL)
  notes <- NULL
  if (is.null(b)) {
    notes <- paste0("R error with covmat = TRUE: ",
                    tryCatch(ev(code), error = function(e) conditionMessage(e)),
                    " -- recorded with covmat = FALSE (no vcov)")
    covmat <- FALSE
    code <- mk(FALSE)
    b <- ev(code)
  }
  est <- coef(b)
  df <- degf(get(dn))
  ci <- confint(b); cit <- confint(b, df = df)
  res <- list(estimate = named(est), se = named(SE(b), names(est)))
  if (covmat) res$vcov <- mat(vcov(b))
  res <- c(res, list(
                ci_low = named(ci[, 1], names(est)), ci_high = named(ci[, 2], names(est)),
                ci_df = df,
                ci_low_t = named(cit[, 1], names(est)), ci_high_t = named(cit[, 2], names(est))))
  add_case(id, dn, if (fun == "svymean") "by_mean" else "by_total", code,
           list(variables = I(var), by = I(by), na_rm = na_rm, covmat = covmat),
           res, notes = notes)
}

case_ciprop <- function(id, dn, method, expr = 'I(sch.wide == "Yes")',
                        var = "sch.wide", success = "Yes", extra = "") {
  code <- sprintf("svyciprop(~%s, %s, method = \"%s\"%s)", expr, dn, method, extra)
  p <- ev(code)
  ci <- attr(p, "ci")
  df <- degf(get(dn))
  add_case(id, dn, "ciprop", code,
           list(expr = expr, variable = var, success_value = success,
                method = method, conf_level = 0.95, df = df),
           list(estimate = as.numeric(p), se = as.numeric(SE(p)),
                ci_low = as.numeric(ci[1]), ci_high = as.numeric(ci[2])))
}

case_chisq <- function(id, dn, stat, vars = c("sch.wide", "stype")) {
  code <- sprintf("svychisq(~%s, %s, statistic = \"%s\")",
                  paste(vars, collapse = " + "), dn, stat)
  h <- ev(code)
  par <- h$parameter
  res <- list(statistic = as.numeric(h$statistic),
              statistic_name = names(h$statistic),
              p_value = as.numeric(h$p.value),
              parameter = named(par), method = h$method)
  if (length(par) == 2) { res$ndf <- as.numeric(par[1]); res$ddf <- as.numeric(par[2]) }
  if (length(par) == 1) res$df <- as.numeric(par[1])
  add_case(id, dn, "chisq", code, list(variables = I(vars), statistic = stat, na_rm = TRUE), res)
}

case_degf <- function(id, dn) {
  code <- sprintf("degf(%s)", dn)
  add_case(id, dn, "degf", code, list(), list(degf = ev(code)))
}

api_battery <- function(dn, tag) {
  fpc_design <- !is.null(D[[dn]]$spec$fpc)
  case_degf(paste0(tag, "_degf"), dn)
  case_stat(paste0(tag, "_mean_api00"), dn, "svymean", "~api00", ", deff = TRUE",
            list(deff = TRUE, na_rm = FALSE))
  if (fpc_design)
    case_stat(paste0(tag, "_mean_api00_deff_replace"), dn, "svymean", "~api00",
              ", deff = \"replace\"", list(deff = "replace", na_rm = FALSE))
  case_stat(paste0(tag, "_total_api00"), dn, "svytotal", "~api00", ", deff = TRUE",
            list(deff = TRUE, na_rm = FALSE))
  case_stat(paste0(tag, "_mean_api00_api99"), dn, "svymean", "~api00 + api99", "",
            list(deff = FALSE, na_rm = FALSE))
  case_stat(paste0(tag, "_mean_enroll"), dn, "svymean", "~enroll", ", na.rm = TRUE, deff = TRUE",
            list(deff = TRUE, na_rm = TRUE))
  case_stat(paste0(tag, "_total_enroll"), dn, "svytotal", "~enroll", ", na.rm = TRUE",
            list(deff = FALSE, na_rm = TRUE))
  for (v in c("stype", "sch.wide", "awards"))
    case_stat(paste0(tag, "_mean_", gsub(".", "_", v, fixed = TRUE)), dn, "svymean",
              paste0("~", v), ", deff = TRUE", list(deff = TRUE, na_rm = FALSE))
  case_stat(paste0(tag, "_total_stype"), dn, "svytotal", "~stype", "",
            list(deff = FALSE, na_rm = FALSE))
  case_ratio(paste0(tag, "_ratio_api00_api99"), dn)
  case_quantile(paste0(tag, "_quantile_api00_math"), dn, qrule = "math")
  case_quantile(paste0(tag, "_quantile_api00_school"), dn, qrule = "school")
  case_by(paste0(tag, "_by_stype_mean_api00"), dn, "api00", "stype", "svymean")
  case_by(paste0(tag, "_by_stype_total_api00"), dn, "api00", "stype", "svytotal")
  case_by(paste0(tag, "_by_stype_mean_enroll_narm"), dn, "enroll", "stype", "svymean", na_rm = TRUE)
  for (m in c("logit", "likelihood", "mean", "beta", "xlogit", "asin"))
    case_ciprop(paste0(tag, "_ciprop_schwide_", m), dn, m)
  case_chisq(paste0(tag, "_chisq_F"), dn, "F")
  case_chisq(paste0(tag, "_chisq_Chisq"), dn, "Chisq")
}

api_battery("dsrs", "srs_fpc")
api_battery("dsrs_w", "srs_w")
api_battery("dstrat", "strat")
api_battery("dstrat_nofpc", "strat_nofpc")
api_battery("dclus1", "clus1")
api_battery("dclus2", "clus2")
api_battery("dclus2_frac", "clus2_frac")

## extra chi-square statistics on the two designs the brief names
for (dn in c("dclus1", "dstrat")) {
  tag <- c(dclus1 = "clus1", dstrat = "strat")[[dn]]
  case_chisq(paste0(tag, "_chisq_Wald"), dn, "Wald")
  case_chisq(paste0(tag, "_chisq_adjWald"), dn, "adjWald")
}
## extra quantile interval type
case_quantile("clus1_quantile_api00_math_score", "dclus1", qrule = "math", interval = "score")
case_quantile("clus1_quantile_api00_math_beta", "dclus1", qrule = "math", interval = "beta")

## ---- domain estimation with subset() -----------------------------------------
reg_design("dclus1_E", "apiclus1", "dclus1_E <- subset(dclus1, stype == \"E\")",
  child_spec("dclus1", domain = list(r = "subset(dclus1, stype == \"E\")",
                                     variable = "stype", equals = "E")),
  parent = "dclus1")
reg_design("dclus2_H", "apiclus2", "dclus2_H <- subset(dclus2, stype == \"H\")",
  child_spec("dclus2", domain = list(r = "subset(dclus2, stype == \"H\")",
                                     variable = "stype", equals = "H")),
  parent = "dclus2")
reg_design("dstrat_yes", "apistrat", "dstrat_yes <- subset(dstrat, sch.wide == \"Yes\")",
  child_spec("dstrat", domain = list(r = "subset(dstrat, sch.wide == \"Yes\")",
                                     variable = "sch.wide", equals = "Yes")),
  parent = "dstrat")
for (dn in c("dclus1_E", "dclus2_H", "dstrat_yes")) {
  case_stat(paste0("domain_", dn, "_mean_api00"), dn, "svymean", "~api00", "",
            list(deff = FALSE, na_rm = FALSE))
  case_stat(paste0("domain_", dn, "_total_enroll"), dn, "svytotal", "~enroll", ", na.rm = TRUE",
            list(deff = FALSE, na_rm = TRUE))
  case_degf(paste0("domain_", dn, "_degf"), dn)
}

## ---- NHANES ------------------------------------------------------------------
case_degf("nhanes_degf", "dnhanes")
case_stat("nhanes_mean_hichol", "dnhanes", "svymean", "~HI_CHOL", ", na.rm = TRUE, deff = TRUE",
          list(deff = TRUE, na_rm = TRUE))
case_stat("nhanes_total_hichol", "dnhanes", "svytotal", "~HI_CHOL", ", na.rm = TRUE",
          list(deff = FALSE, na_rm = TRUE))
case_stat("nhanes_mean_agecat", "dnhanes", "svymean", "~agecat", "",
          list(deff = FALSE, na_rm = FALSE))
case_by("nhanes_by_race_mean_hichol", "dnhanes", "HI_CHOL", "race", "svymean", na_rm = TRUE)
case_by("nhanes_by_agecat_mean_hichol", "dnhanes", "HI_CHOL", "agecat", "svymean", na_rm = TRUE)
case_by("nhanes_by_race_total_hichol", "dnhanes", "HI_CHOL", "race", "svytotal", na_rm = TRUE)
case_ciprop("nhanes_ciprop_hichol_logit", "dnhanes", "logit", expr = "HI_CHOL",
            var = "HI_CHOL", success = 1, extra = ", na.rm = TRUE")
case_quantile("nhanes_quantile_weight", "dnhanes", var = "WTMEC2YR", qs = c(0.5))

## ---- lonely PSU ----------------------------------------------------------------
for (opt in c("fail", "remove", "adjust", "average", "certainty")) {
  spec <- child_spec("dlonely", lonely_psu = opt)
  spec$name <- "dlonely"; spec$r_call <- D$dlonely$spec$r_call
  ops <- list(
    list(id = "mean_hichol", op = "mean", code = "svymean(~HI_CHOL, dlonely, na.rm = TRUE)",
         args = list(formula = "~HI_CHOL", variables = I("HI_CHOL"), na_rm = TRUE, deff = FALSE)),
    list(id = "total_hichol", op = "total", code = "svytotal(~HI_CHOL, dlonely, na.rm = TRUE)",
         args = list(formula = "~HI_CHOL", variables = I("HI_CHOL"), na_rm = TRUE, deff = FALSE)),
    list(id = "mean_agecat", op = "mean", code = "svymean(~agecat, dlonely)",
         args = list(formula = "~agecat", variables = I("agecat"), na_rm = FALSE, deff = FALSE)),
    list(id = "total_agecat", op = "total", code = "svytotal(~agecat, dlonely)",
         args = list(formula = "~agecat", variables = I("agecat"), na_rm = FALSE, deff = FALSE)),
    list(id = "by_race_mean_hichol", op = "by_mean",
         code = "svyby(~HI_CHOL, ~race, dlonely, svymean, na.rm = TRUE)",
         args = list(variables = I("HI_CHOL"), by = I("race"), na_rm = TRUE, covmat = FALSE)))
  for (o in ops) {
    full_code <- sprintf("options(survey.lonely.psu = \"%s\"); %s", opt, o$code)
    old <- options(survey.lonely.psu = opt)
    res <- tryCatch({
      s <- ev(o$code)
      if (o$op == "by_mean") {
        est <- coef(s)
        list(estimate = named(est), se = named(SE(s), names(est)))
      } else res_stat(s, degf(dlonely))
    }, error = function(e) list(error = conditionMessage(e)))
    options(old)
    add_case(paste0("lonely_", opt, "_", o$id), "dlonely", o$op, full_code, o$args, res,
             notes = if (!is.null(res$error)) "R raises an error (expect_error)" else NULL,
             spec_override = spec)
  }
}
## degf is unaffected by the lonely option but record it
old <- options(survey.lonely.psu = "adjust")
case_degf("lonely_degf", "dlonely")
options(old)

## =============================================================================
## 4. Weighting: rake, postStratify, calibrate, trimWeights
## =============================================================================

## Standard estimates on an adjusted design (mean api00, total enroll,
## total stype (calibration check), mean api00 by stype)
adjusted_battery <- function(dn, tag) {
  case_stat(paste0(tag, "_mean_api00"), dn, "svymean", "~api00", "",
            list(deff = FALSE, na_rm = FALSE))
  case_stat(paste0(tag, "_total_enroll"), dn, "svytotal", "~enroll", ", na.rm = TRUE",
            list(deff = FALSE, na_rm = TRUE))
  case_stat(paste0(tag, "_total_stype"), dn, "svytotal", "~stype", "",
            list(deff = FALSE, na_rm = FALSE))
  case_stat(paste0(tag, "_mean_sch_wide"), dn, "svymean", "~sch.wide", "",
            list(deff = FALSE, na_rm = FALSE))
  case_by(paste0(tag, "_by_stype_mean_api00"), dn, "api00", "stype", "svymean")
}

## register an adjusted design + a case with its weights
adjust_case <- function(name, parent, code, step, id, tag = id, battery = TRUE,
                        notes = NULL) {
  warn <- NULL
  withCallingHandlers(
    reg_design(name, D[[parent]]$dataset, code, child_spec(parent, step), parent = parent),
    warning = function(w) { warn <<- c(warn, conditionMessage(w)); invokeRestart("muffleWarning") })
  obj <- get(name)
  res <- list(weights = arr(weights(obj)))
  if (!is.null(warn)) res$warnings <- I(warn)
  res$g_weights <- arr(weights(obj) / weights(get(parent)))
  add_case(id, name, step$op, sub("^[^<]*<- ", "", code), step$args, res, notes = notes)
  if (battery) adjusted_battery(name, tag)
}

ctrl_tight <- "control = list(maxit = 100, epsilon = 1e-10, verbose = FALSE)"

## rake, default control (maxit = 10, epsilon = 1 -> stop when the joint table
## of margin variables changes by < 1 unit between sweeps)
adjust_case("dclus1_rake_default", "dclus1",
  "dclus1_rake_default <- rake(dclus1, list(~stype, ~sch.wide), list(pop_types, pop_schwide))",
  list(op = "rake", args = list(margins = margins_json(pop_types, pop_schwide),
                                margin_order = I(c("stype", "sch.wide")),
                                control = list(maxit = 10, epsilon = 1, epsilon_is_relative = FALSE))),
  "rake_clus1_default", notes = "Default rake control: stops after the first sweep whose joint-table change < 1.")
adjust_case("dclus1_rake", "dclus1",
  sprintf("dclus1_rake <- rake(dclus1, list(~stype, ~sch.wide), list(pop_types, pop_schwide), %s)", ctrl_tight),
  list(op = "rake", args = list(margins = margins_json(pop_types, pop_schwide),
                                margin_order = I(c("stype", "sch.wide")),
                                control = list(maxit = 100, epsilon = 1e-10, epsilon_is_relative = TRUE))),
  "rake_clus1")
adjust_case("dstrat_rake", "dstrat",
  sprintf("dstrat_rake <- rake(dstrat, list(~stype, ~sch.wide, ~awards), list(pop_types, pop_schwide, pop_awards), %s)", ctrl_tight),
  list(op = "rake", args = list(margins = margins_json(pop_types, pop_schwide, pop_awards),
                                margin_order = I(c("stype", "sch.wide", "awards")),
                                control = list(maxit = 100, epsilon = 1e-10, epsilon_is_relative = TRUE))),
  "rake_strat")

## post-stratification
adjust_case("dclus1_ps", "dclus1",
  "dclus1_ps <- postStratify(dclus1, ~stype, pop_types)",
  list(op = "poststratify", args = list(strata = I("stype"),
                                        population = margins_json(pop_types)$stype)),
  "poststratify_clus1")

## calibration
cal_args <- function(formula, pop, calfun, bounds = NULL) {
  list(formula = formula, population = named(pop), calfun = calfun,
       bounds = if (is.null(bounds)) NULL else arr(bounds),
       maxit = 50, epsilon = 1e-7, bounds_const = FALSE, stage = 0)
}
adjust_case("dclus1_cal_linear", "dclus1",
  "dclus1_cal_linear <- calibrate(dclus1, ~stype + api99, pop_cal)",
  list(op = "calibrate", args = cal_args("~stype + api99", pop_cal, "linear")),
  "calibrate_clus1_linear")
adjust_case("dclus1_cal_linear_bounded", "dclus1",
  "dclus1_cal_linear_bounded <- calibrate(dclus1, ~stype + api99, pop_cal, calfun = \"linear\", bounds = c(0.7, 1.7))",
  list(op = "calibrate", args = cal_args("~stype + api99", pop_cal, "linear", c(0.7, 1.7))),
  "calibrate_clus1_linear_bounded",
  notes = "Bounds apply to g = w_cal / w_design. (bounds = c(0.85, 1.6) fails in R, see calibrate_clus1_linear_bounds_085_16_fails.)")
adjust_case("dclus1_cal_linear_bounded06", "dclus1",
  "dclus1_cal_linear_bounded06 <- calibrate(dclus1, ~stype + api99, pop_cal, bounds = c(0.6, 1.6))",
  list(op = "calibrate", args = cal_args("~stype + api99", pop_cal, "linear", c(0.6, 1.6))),
  "calibrate_clus1_linear_bounded06", battery = FALSE,
  notes = "survey-package documentation example (?calibrate): bounds = c(0.6, 1.6)")
case_stat("calibrate_clus1_linear_bounded06_mean_api00", "dclus1_cal_linear_bounded06", "svymean",
          "~api00", "", list(deff = FALSE, na_rm = FALSE))
## The brief's bounds c(0.85, 1.6) are infeasible for R's algorithm: record the error.
local({
  code <- "calibrate(dclus1, ~stype + api99, pop_cal, bounds = c(0.85, 1.6))"
  msg <- tryCatch(suppressWarnings(ev(code)) && NULL, error = function(e) conditionMessage(e))
  add_case("calibrate_clus1_linear_bounds_085_16_fails", "dclus1", "calibrate", code,
           cal_args("~stype + api99", pop_cal, "linear", c(0.85, 1.6)),
           list(error = msg), notes = "R fails (grake: 'Failed to converge ... in 51 iterations' warning, then 'Calibration failed'). expect_error")
})
adjust_case("dclus1_cal_raking", "dclus1",
  "dclus1_cal_raking <- calibrate(dclus1, ~stype + api99, pop_cal, calfun = \"raking\")",
  list(op = "calibrate", args = cal_args("~stype + api99", pop_cal, "raking")),
  "calibrate_clus1_raking")
adjust_case("dclus1_cal_logit", "dclus1",
  "dclus1_cal_logit <- calibrate(dclus1, ~stype + api99, pop_cal, calfun = \"logit\", bounds = c(0.7, 1.7))",
  list(op = "calibrate", args = cal_args("~stype + api99", pop_cal, "logit", c(0.7, 1.7))),
  "calibrate_clus1_logit")
adjust_case("dstrat_cal_linear", "dstrat",
  "dstrat_cal_linear <- calibrate(dstrat, ~sch.wide + api99, pop_cal_strat)",
  list(op = "calibrate", args = cal_args("~sch.wide + api99", pop_cal_strat, "linear")),
  "calibrate_strat_linear")
adjust_case("dclus2_cal_linear", "dclus2",
  "dclus2_cal_linear <- calibrate(dclus2, ~stype + api99, pop_cal)",
  list(op = "calibrate", args = cal_args("~stype + api99", pop_cal, "linear")),
  "calibrate_clus2_linear")

## trimming (trimWeights: weights outside [lower, upper] are set to the bound,
## the total trimmed amount is spread *equally* (additively) over the
## untrimmed units; strict = FALSE (default) does this once.)
adjust_case("dclus1_cal_trim", "dclus1_cal_linear",
  "dclus1_cal_trim <- trimWeights(dclus1_cal_linear, upper = 50, lower = 20)",
  list(op = "trim", args = list(upper = 50, lower = 20, strict = FALSE)),
  "trim_clus1_cal", notes = "applied to the linear-calibrated dclus1 (design.adjust lists both steps)")
adjust_case("dclus1_cal_trim_strict", "dclus1_cal_linear",
  "dclus1_cal_trim_strict <- trimWeights(dclus1_cal_linear, upper = 45, lower = 20, strict = TRUE)",
  list(op = "trim", args = list(upper = 45, lower = 20, strict = TRUE)),
  "trim_clus1_cal_strict")
adjust_case("dstrat_trim", "dstrat",
  "dstrat_trim <- trimWeights(dstrat, upper = 40, lower = 20)",
  list(op = "trim", args = list(upper = 40, lower = 20, strict = FALSE)),
  "trim_strat")

## =============================================================================
## 5. Replicate designs
## =============================================================================

## export replicate weights: columns pw (full-sample analysis weight),
## rep1..repR (replicate analysis weights = R's replicate factor * pw)
export_rep <- function(obj, file_tag) {
  w0 <- weights(obj, "analysis")
  w <- matrix(as.numeric(w0), nrow = NROW(w0), ncol = NCOL(w0))
  df <- data.frame(row = seq_len(nrow(w)), pw = weights(obj, "sampling"))
  colnames(w) <- paste0("rep", seq_len(ncol(w)))
  df <- cbind(df, as.data.frame(w))
  write_data(df, paste0("repweights_", file_tag))
  paste0("data/repweights_", file_tag, ".csv")
}

rep_spec <- function(obj, parent, file_tag, extra = list()) {
  s <- child_spec(parent)
  s$replicate <- c(list(type = obj$type,
                        weights_file = export_rep(obj, file_tag),
                        scale = as.numeric(obj$scale),
                        rscales = arr(obj$rscales),
                        mse = isTRUE(obj$mse),
                        n_replicates = ncol(weights(obj, "analysis")),
                        r_combined_weights = isTRUE(obj$combined.weights),
                        weights_in_file = "analysis (pw * replicate factor)"),
                   extra)
  s
}

reg_rep <- function(name, parent, code, file_tag, extra = list()) {
  ev(code)
  obj <- get(name)
  spec <- rep_spec(obj, parent, file_tag, extra)
  spec$name <- name
  spec$r_call <- paste(D[[parent]]$spec$r_call, code, sep = "; ")
  D[[name]] <<- list(dataset = D[[parent]]$dataset, spec = spec)
}

reg_rep("rclus1", "dclus1",
  "rclus1 <- as.svrepdesign(dclus1, type = \"JK1\", compress = FALSE)", "rclus1",
  list(from = "as.svrepdesign(dclus1, type='JK1')"))
reg_rep("rclus1_mse", "dclus1",
  "rclus1_mse <- as.svrepdesign(dclus1, type = \"JK1\", compress = FALSE, mse = TRUE)", "rclus1",
  list(from = "as.svrepdesign(dclus1, type='JK1', mse=TRUE)"))
reg_rep("rstrat", "dstrat",
  "rstrat <- as.svrepdesign(dstrat, type = \"JKn\", compress = FALSE)", "rstrat",
  list(from = "as.svrepdesign(dstrat, type='JKn')"))
reg_rep("rclus1_boot", "dclus1",
  "set.seed(20240501); rclus1_boot <- as.svrepdesign(dclus1, type = \"bootstrap\", replicates = 50, compress = FALSE)",
  "rclus1_boot", list(from = "as.svrepdesign(dclus1, type='bootstrap', replicates=50)", seed = 20240501))
reg_rep("rstrat_subboot", "dstrat",
  "set.seed(20240502); rstrat_subboot <- as.svrepdesign(dstrat, type = \"subbootstrap\", replicates = 50, compress = FALSE)",
  "rstrat_subboot", list(from = "as.svrepdesign(dstrat, type='subbootstrap', replicates=50)", seed = 20240502))

rep_battery <- function(dn, tag) {
  case_degf(paste0(tag, "_degf"), dn)
  case_stat(paste0(tag, "_mean_api00"), dn, "svymean", "~api00", "",
            list(deff = FALSE, na_rm = FALSE))
  case_stat(paste0(tag, "_total_api00"), dn, "svytotal", "~api00", "",
            list(deff = FALSE, na_rm = FALSE))
  case_stat(paste0(tag, "_mean_api00_api99"), dn, "svymean", "~api00 + api99", "",
            list(deff = FALSE, na_rm = FALSE))
  case_stat(paste0(tag, "_total_enroll"), dn, "svytotal", "~enroll", ", na.rm = TRUE",
            list(deff = FALSE, na_rm = TRUE))
  case_stat(paste0(tag, "_mean_stype"), dn, "svymean", "~stype", "",
            list(deff = FALSE, na_rm = FALSE))
  case_ratio(paste0(tag, "_ratio_api00_api99"), dn)
  case_by(paste0(tag, "_by_stype_mean_api00"), dn, "api00", "stype", "svymean")
  case_by(paste0(tag, "_by_stype_total_api00"), dn, "api00", "stype", "svytotal")
  case_quantile(paste0(tag, "_quantile_api00_math"), dn, qrule = "math")
  case_ciprop(paste0(tag, "_ciprop_schwide_logit"), dn, "logit")
}
rep_battery("rclus1", "rep_jk1_clus1")
rep_battery("rclus1_mse", "rep_jk1mse_clus1")
rep_battery("rstrat", "rep_jkn_strat")
rep_battery("rclus1_boot", "rep_boot_clus1")
rep_battery("rstrat_subboot", "rep_subboot_strat")

## adjusted replicate designs: every replicate is raked/calibrated too.
rep_adjust_case <- function(name, parent, code, step, id) {
  warn <- NULL
  withCallingHandlers(ev(code),
    warning = function(w) { warn <<- c(warn, conditionMessage(w)); invokeRestart("muffleWarning") })
  obj <- get(name)
  spec <- child_spec(parent, step)
  spec$name <- name
  spec$r_call <- paste(D[[parent]]$spec$r_call, code, sep = "; ")
  D[[name]] <<- list(dataset = D[[parent]]$dataset, spec = spec)
  res <- list(weights = arr(weights(obj, "sampling")),
              adjusted_weights_file = export_rep(obj, name))
  if (!is.null(warn)) res$warnings <- I(warn)
  add_case(id, name, step$op, sub("^[^<]*<- ", "", code), step$args, res,
           notes = "result.adjusted_weights_file holds R's adjusted replicate analysis weights")
  case_stat(paste0(id, "_mean_api00"), name, "svymean", "~api00", "", list(deff = FALSE, na_rm = FALSE))
  case_stat(paste0(id, "_total_enroll"), name, "svytotal", "~enroll", "", list(deff = FALSE, na_rm = FALSE))
  case_stat(paste0(id, "_total_stype"), name, "svytotal", "~stype", "", list(deff = FALSE, na_rm = FALSE))
  case_by(paste0(id, "_by_stype_mean_api00"), name, "api00", "stype", "svymean")
  case_degf(paste0(id, "_degf"), name)
}
rep_adjust_case("rclus1_rake",  "rclus1",
  sprintf("rclus1_rake <- rake(rclus1, list(~stype, ~sch.wide), list(pop_types, pop_schwide), %s)", ctrl_tight),
  list(op = "rake", args = list(margins = margins_json(pop_types, pop_schwide),
                                margin_order = I(c("stype", "sch.wide")),
                                control = list(maxit = 100, epsilon = 1e-10, epsilon_is_relative = TRUE))),
  "rep_jk1_clus1_rake")
rep_adjust_case("rclus1_ps", "rclus1",
  "rclus1_ps <- postStratify(rclus1, ~stype, pop_types)",
  list(op = "poststratify", args = list(strata = I("stype"),
                                        population = margins_json(pop_types)$stype)),
  "rep_jk1_clus1_poststratify")
rep_adjust_case("rclus1_cal", "rclus1",
  "rclus1_cal <- calibrate(rclus1, ~stype + api99, pop_cal, compress = FALSE)",
  list(op = "calibrate", args = cal_args("~stype + api99", pop_cal, "linear")),
  "rep_jk1_clus1_calibrate_linear")
rep_adjust_case("rstrat_cal", "rstrat",
  "rstrat_cal <- calibrate(rstrat, ~sch.wide + api99, pop_cal_strat, compress = FALSE)",
  list(op = "calibrate", args = cal_args("~sch.wide + api99", pop_cal_strat, "linear")),
  "rep_jkn_strat_calibrate_linear")

## =============================================================================
## 6. Models: svyglm, svyolr, regTermTest
## =============================================================================

case_glm <- function(id, dn, formula, family, extra_notes = NULL) {
  fam_code <- switch(family, gaussian = "gaussian()", quasibinomial = "quasibinomial()")
  code <- sprintf("svyglm(%s, design = %s, family = %s)", formula, dn, fam_code)
  m <- ev(code)
  link <- switch(family, gaussian = "identity", quasibinomial = "logit")
  add_case(id, dn, "glm", code,
           list(formula = formula, family = family, link = link, rescale = TRUE,
                ci = "Wald, t quantiles with df = df_residual"),
           res_glm(m), notes = extra_notes)
  invisible(m)
}

schwide_note <- "Response sch.wide is a factor: glm models P(sch.wide == 'Yes') (first level 'No' = failure)."
m_logit_strat <- case_glm("glm_logit_strat", "dstrat", "sch.wide ~ ell + meals + mobility",
                          "quasibinomial", schwide_note)
m_logit_clus2 <- case_glm("glm_logit_clus2", "dclus2", "sch.wide ~ ell + meals + mobility",
                          "quasibinomial", schwide_note)
m_logit_clus1 <- case_glm("glm_logit_clus1", "dclus1", "sch.wide ~ ell + meals + mobility",
                          "quasibinomial", schwide_note)
m_logit_rclus1 <- case_glm("glm_logit_rep_jk1_clus1", "rclus1", "sch.wide ~ ell + meals + mobility",
                           "quasibinomial", schwide_note)
m_gauss_strat <- case_glm("glm_gaussian_strat", "dstrat", "api00 ~ ell + meals + mobility", "gaussian")
m_gauss_clus2 <- case_glm("glm_gaussian_clus2", "dclus2", "api00 ~ ell + meals + mobility", "gaussian")
m_gauss_rstrat <- case_glm("glm_gaussian_rep_jkn_strat", "rstrat", "api00 ~ ell + meals + mobility", "gaussian")
m_gauss_stype <- case_glm("glm_gaussian_clus1_stype", "dclus1", "api00 ~ ell + meals + mobility + stype", "gaussian")
m_logit_stype <- case_glm("glm_logit_clus1_stype", "dclus1", "sch.wide ~ ell + meals + mobility + stype",
                          "quasibinomial", schwide_note)
m_gauss_cal <- case_glm("glm_gaussian_clus1_calibrated", "dclus1_cal_linear", "api00 ~ ell + meals + mobility", "gaussian")

## NHANES logistic model with factor covariates
reg_design("dnhanes_f", "nhanes",
  "dnhanes_f <- update(dnhanes, race = factor(race), RIAGENDR = factor(RIAGENDR))",
  child_spec("dnhanes", derived = list(
    race = list(r = "factor(race)", levels = I(as.character(sort(unique(nhanes$race))))),
    RIAGENDR = list(r = "factor(RIAGENDR)", levels = I(as.character(sort(unique(nhanes$RIAGENDR))))))),
  parent = "dnhanes")
m_nh <- case_glm("glm_logit_nhanes", "dnhanes_f", "HI_CHOL ~ race + agecat + RIAGENDR", "quasibinomial",
                 "race and RIAGENDR are numeric codes in the CSV, converted with factor() (levels sorted, first = reference). agecat is a factor with levels (0,19], (19,39], (39,59], (59,Inf]. Rows with HI_CHOL NA are dropped (na.omit) but stay in the design (domain-style).")

## ---- svyolr -----------------------------------------------------------------
mealcat_derived <- list(mealcat = list(
  r = "cut(meals, c(0, 25, 50, 75, 100))", breaks = arr(c(0, 25, 50, 75, 100)),
  right = TRUE, include_lowest = FALSE, ordered = FALSE,
  levels = I(c("(0,25]", "(25,50]", "(50,75]", "(75,100]")),
  note = "meals == 0 gives NA (row dropped by svyolr's na.omit, kept in design as a domain)"))
reg_design("dclus1_ml", "apiclus1",
  "dclus1_ml <- update(dclus1, mealcat = cut(meals, c(0, 25, 50, 75, 100)))",
  child_spec("dclus1", derived = mealcat_derived), parent = "dclus1")
reg_design("dstrat_ml", "apistrat",
  "dstrat_ml <- update(dstrat, mealcat = cut(meals, c(0, 25, 50, 75, 100)))",
  child_spec("dstrat", derived = mealcat_derived), parent = "dstrat")

case_olr <- function(id, dn, formula, method) {
  code <- sprintf("svyolr(%s, design = %s, method = \"%s\")", formula, dn, method)
  m <- ev(code)
  cf <- coef(m)
  v <- vcov(m)
  se <- sqrt(diag(v))
  add_case(id, dn, "olr", code,
           list(formula = formula, method = method, link = switch(method, logistic = "logit", method),
                n_beta = length(m$coefficients), n_zeta = length(m$zeta)),
           list(coefficients = named(cf), se = named(se, names(cf)),
                t_value = named(cf / se, names(cf)), vcov = mat(v),
                beta = named(m$coefficients), zeta = named(m$zeta),
                df_residual = if (is.null(m$df.residual)) NULL else m$df.residual,
                deviance = m$deviance, n_used = nrow(m$fitted.values)),
           notes = "coefficients = c(beta, zeta); zeta are the cut-points 'a|b' on the linear-predictor scale (P(Y<=k) = F(zeta_k - x'beta)). vcov is on (beta, zeta) scale.")
  invisible(m)
}
olr1 <- case_olr("olr_logistic_clus1", "dclus1_ml", "mealcat ~ avg.ed + mobility + stype", "logistic")
olr2 <- case_olr("olr_probit_clus1", "dclus1_ml", "mealcat ~ avg.ed + mobility + stype", "probit")
olr3 <- case_olr("olr_logistic_strat", "dstrat_ml", "mealcat ~ avg.ed + mobility + stype", "logistic")

## ---- regTermTest ---------------------------------------------------------------
case_rtt <- function(id, model_name, dn, model_id, term, method = "Wald", extra = "") {
  code <- sprintf("regTermTest(%s, ~%s, method = \"%s\"%s)", model_name, term, method, extra)
  r <- ev(code)
  res <- list(df = as.numeric(r$df), ddf = as.numeric(r$ddf), p_value = as.numeric(r$p))
  if (!is.null(r$Ftest)) res$statistic <- as.numeric(r$Ftest)
  if (!is.null(r$Ftest)) res$statistic_name <- "F"
  if (!is.null(r$chisq)) { res$chisq <- as.numeric(r$chisq); res$statistic <- as.numeric(r$chisq)
                           res$statistic_name <- "chisq" }
  if (!is.null(r$lambda)) res$lambda <- arr(r$lambda)
  if (!is.null(r$mcall)) NULL
  add_case(id, dn, "regtermtest", code,
           list(model_case = model_id, test_terms = I(term), method = method,
                df = NULL, lrt_approximation = if (method == "LRT") "saddlepoint" else NULL),
           res)
}
case_rtt("rtt_gauss_clus1_stype_wald", "m_gauss_stype", "dclus1", "glm_gaussian_clus1_stype", "stype")
case_rtt("rtt_gauss_clus1_ell_wald", "m_gauss_stype", "dclus1", "glm_gaussian_clus1_stype", "ell")
case_rtt("rtt_gauss_clus1_stype_workingwald", "m_gauss_stype", "dclus1", "glm_gaussian_clus1_stype", "stype", "WorkingWald")
case_rtt("rtt_gauss_clus1_stype_lrt", "m_gauss_stype", "dclus1", "glm_gaussian_clus1_stype", "stype", "LRT")
case_rtt("rtt_logit_clus1_stype_wald", "m_logit_stype", "dclus1", "glm_logit_clus1_stype", "stype")
case_rtt("rtt_logit_clus1_ell_wald", "m_logit_stype", "dclus1", "glm_logit_clus1_stype", "ell")
case_rtt("rtt_logit_clus1_stype_lrt", "m_logit_stype", "dclus1", "glm_logit_clus1_stype", "stype", "LRT")
case_rtt("rtt_logit_clus1_ell_lrt", "m_logit_stype", "dclus1", "glm_logit_clus1_stype", "ell", "LRT")
case_rtt("rtt_logit_strat_ell_wald", "m_logit_strat", "dstrat", "glm_logit_strat", "ell")
case_rtt("rtt_logit_strat_ell_meals_wald", "m_logit_strat", "dstrat", "glm_logit_strat", "ell + meals")
case_rtt("rtt_nhanes_race_wald", "m_nh", "dnhanes_f", "glm_logit_nhanes", "race")
case_rtt("rtt_nhanes_agecat_wald", "m_nh", "dnhanes_f", "glm_logit_nhanes", "agecat")
case_rtt("rtt_olr_clus1_stype_wald", "olr1", "dclus1_ml", "olr_logistic_clus1", "stype")

## =============================================================================
## 7. Write JSON
## =============================================================================
ids <- vapply(cases, `[[`, "", "id")
if (anyDuplicated(ids)) stop("duplicate case ids: ", paste(ids[duplicated(ids)], collapse = ", "))

out <- list(
  meta = list(
    r_version = R.version.string,
    survey_version = as.character(packageVersion("survey")),
    jsonlite_version = as.character(packageVersion("jsonlite")),
    mass_version = as.character(packageVersion("MASS")),
    generated_by = "tests/golden/make_golden.R",
    options = list(survey.lonely.psu = "fail", survey.adjust.domain.lonely = FALSE,
                   survey.replicates.mse = FALSE, survey.ultimate.cluster = FALSE,
                   survey.drop.replicates = TRUE),
    number_format = "shortest decimal that round-trips to the identical IEEE-754 double",
    n_cases = length(cases)),
  cases = cases)

json <- toJSON(to_verbatim(out), auto_unbox = TRUE, null = "null", na = "null",
               digits = NA, pretty = TRUE, json_verbatim = TRUE)
writeLines(json, file.path(golden_dir, "golden.json"))
message(sprintf("wrote %d cases to %s", length(cases), file.path(golden_dir, "golden.json")))
