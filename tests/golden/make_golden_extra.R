# Supplementary golden values (design effects of ratios and domains) that make_golden.R does
# not record. Run from the repository root: Rscript tests/golden/make_golden_extra.R
# Writes tests/golden/golden_extra.json; numbers as shortest round-trip decimals.
suppressMessages(library(survey))
data(api)
num <- function(x) sprintf("%.17g", x)
vec <- function(x) paste0("{", paste0('"', names(x), '": ', num(x), collapse = ", "), "}")
dclus1 <- svydesign(id = ~dnum, weights = ~pw, data = apiclus1, fpc = ~fpc)
dstrat <- svydesign(id = ~1, strata = ~stype, weights = ~pw, data = apistrat, fpc = ~fpc)
cases <- c()
add <- function(id, r_call, body) cases <<- c(cases, sprintf('{"id": "%s", "r_call": "%s", %s}', id, r_call, body))

r <- svyratio(~api00, ~api99, dclus1, deff = TRUE)
add("clus1_ratio_deff", "svyratio(~api00, ~api99, dclus1, deff = TRUE)",
    sprintf('"deff": %s, "se": %s', num(deff(r)), num(sqrt(r$var))))
r <- svyratio(~api00, ~api99, dstrat, deff = TRUE)
add("strat_ratio_deff", "svyratio(~api00, ~api99, dstrat, deff = TRUE)",
    sprintf('"deff": %s, "se": %s', num(deff(r)), num(sqrt(r$var))))
b <- svyby(~api00, ~stype, dclus1, svymean, deff = TRUE)
add("clus1_by_stype_mean_api00_deff", "svyby(~api00, ~stype, dclus1, svymean, deff = TRUE)",
    sprintf('"deff": %s', vec(setNames(deff(b), b$stype))))
b <- svyby(~enroll, ~stype, dclus1, svytotal, deff = TRUE, na.rm = TRUE)
add("clus1_by_stype_total_enroll_deff", "svyby(~enroll, ~stype, dclus1, svytotal, deff = TRUE, na.rm = TRUE)",
    sprintf('"deff": %s', vec(setNames(deff(b), b$stype))))
t <- svytotal(~stype, dclus1, deff = TRUE)
add("clus1_total_stype_deff", "svytotal(~stype, dclus1, deff = TRUE)",
    sprintf('"deff": %s', vec(deff(t))))
writeLines(c('{"survey_version": "', as.character(packageVersion("survey")), '", "cases": [',
             paste(cases, collapse = ",\n"), "]}"), "tests/golden/golden_extra.json", sep = "")
