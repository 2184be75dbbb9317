# Model benchmark, R side: svydesign + svyglm(quasibinomial) + coefficient table on the data
# bench/models.py wrote.
#
# Usage: Rscript bench/models.R <input-dir> <repeats>
# The input directory holds little-endian vectors: int32 stratum.bin, psu.bin, 0-based level
# codes age_group.bin and education.bin, female.bin and commuter.bin (0/1); float64
# income.bin, w.bin (sampling weights) and y.bin (0/1 outcome); and levels.csv (variable,
# level) giving the level order. Loading is not timed. Output: one "key value ..." line per
# result, read by models.py.

suppressPackageStartupMessages(library(survey))

args <- commandArgs(trailingOnly = TRUE)
input_dir <- args[[1]]
repeats <- if (length(args) >= 2) as.integer(args[[2]]) else 1L

levels_table <- read.csv(file.path(input_dir, "levels.csv"), stringsAsFactors = FALSE,
                         colClasses = c("character", "character"))
n_respondents <- file.info(file.path(input_dir, "w.bin"))$size / 8

read_integer <- function(name) {
  readBin(file.path(input_dir, paste0(name, ".bin")), "integer", n = n_respondents,
          size = 4, endian = "little")
}
read_double <- function(name) {
  readBin(file.path(input_dir, paste0(name, ".bin")), "double", n = n_respondents,
          size = 8, endian = "little")
}
read_factor <- function(variable) {
  # a factor is its 1-based codes with a levels attribute: no string matching needed
  structure(read_integer(variable) + 1L,
            levels = levels_table$level[levels_table$variable == variable], class = "factor")
}

respondents <- data.frame(
  stratum = read_integer("stratum"), psu = read_integer("psu"),
  age_group = read_factor("age_group"), education = read_factor("education"),
  female = read_integer("female"), commuter = read_integer("commuter"),
  income = read_double("income"), w = read_double("w"), y = read_double("y"))

heap_mb <- function(column) {
  usage <- gc()
  sum(usage[, which(colnames(usage) == column)[1] + 1])
}

cat("n", n_respondents, "\n")
cat("r_version", R.version$major, R.version$minor, "\n")
cat("survey_version", as.character(packageVersion("survey")), "\n")

invisible(gc(reset = TRUE))
heap_before <- heap_mb("used")
for (run in seq_len(repeats)) {
  time_design <- system.time(
    design <- svydesign(ids = ~psu, strata = ~stratum, weights = ~w, data = respondents)
  )[["elapsed"]]
  time_fit <- system.time(
    model <- svyglm(y ~ age_group + education + female + commuter + income, design = design,
                    family = quasibinomial())
  )[["elapsed"]]
  time_table <- system.time(table <- summary(model)$coefficients)[["elapsed"]]
  cat("time", run, sprintf("%.6f", c(time_design, time_fit, time_table)), "\n")
  if (run < repeats) rm(design, model, table)
}
heap_peak <- heap_mb("max used")

cat("heap_mb", sprintf("%.1f", c(heap_before, heap_peak)), "\n")
cat("df_resid", model$df.residual, "\n")
for (name in rownames(table)) {
  cat("coef", name, sprintf("%.17g", table[name, c("Estimate", "Std. Error")]), "\n")
}
