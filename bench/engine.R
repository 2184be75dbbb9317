# Engine benchmark, R side: svydesign + rake + svymean on the data bench/engine.py wrote.
#
# Usage: Rscript bench/engine.R <input-dir> <repeats>
# The input directory holds one little-endian int32 file of 0-based level codes per raking
# variable (<variable>.bin), the design weights (w.bin) and the outcome (y.bin) as float64,
# and margins.csv (variable, level, count) giving the level order and population counts.
# Loading is not timed. Output: one "key value ..." line per result, read by engine.py.

suppressPackageStartupMessages(library(survey))

args <- commandArgs(trailingOnly = TRUE)
input_dir <- args[[1]]
repeats <- if (length(args) >= 2) as.integer(args[[2]]) else 1L
epsilon <- if (length(args) >= 3) as.numeric(args[[3]]) else 1e-8
maxit <- if (length(args) >= 4) as.integer(args[[4]]) else 100L

margins <- read.csv(file.path(input_dir, "margins.csv"), stringsAsFactors = FALSE,
                    colClasses = c("character", "character", "numeric"))
variables <- unique(margins$variable)
n_respondents <- file.info(file.path(input_dir, "w.bin"))$size / 8

read_factor <- function(variable) {
  codes <- readBin(file.path(input_dir, paste0(variable, ".bin")), "integer",
                   n = n_respondents, size = 4, endian = "little")
  # a factor is its 1-based codes with a levels attribute: no string matching needed
  structure(codes + 1L, levels = margins$level[margins$variable == variable],
            class = "factor")
}
read_double <- function(name) {
  readBin(file.path(input_dir, paste0(name, ".bin")), "double", n = n_respondents,
          size = 8, endian = "little")
}

respondents <- data.frame(lapply(setNames(variables, variables), read_factor))
respondents$w <- read_double("w")
respondents$y <- read_double("y")

sample_margins <- lapply(variables, function(variable) as.formula(paste0("~", variable)))
population_margins <- lapply(variables, function(variable) {
  rows <- margins[margins$variable == variable, ]
  table <- data.frame(factor(rows$level, levels = rows$level), rows$count)
  names(table) <- c(variable, "Freq")
  table
})

heap_mb <- function(column) {
  usage <- gc()
  sum(usage[, which(colnames(usage) == column)[1] + 1])
}

cat("n", n_respondents, "\n")
cat("r_version", R.version$major, R.version$minor, "\n")
cat("survey_version", as.character(packageVersion("survey")), "\n")

invisible(gc(reset = TRUE))
heap_before <- heap_mb("used")
converged <- TRUE
for (run in seq_len(repeats)) {
  time_design <- system.time(
    design <- svydesign(ids = ~1, weights = ~w, data = respondents)
  )[["elapsed"]]
  time_rake <- system.time(
    raked <- withCallingHandlers(
      rake(design, sample_margins, population_margins,
           control = list(maxit = maxit, epsilon = epsilon)),
      warning = function(w) {
        if (grepl("did not converge", conditionMessage(w))) converged <<- FALSE
        invokeRestart("muffleWarning")
      })
  )[["elapsed"]]
  time_mean <- system.time(estimate <- svymean(~y, raked))[["elapsed"]]
  cat("time", run, sprintf("%.6f", c(time_design, time_rake, time_mean)), "\n")
  if (run < repeats) rm(design, raked, estimate)
}
heap_peak <- heap_mb("max used")

cat("heap_mb", sprintf("%.1f", c(heap_before, heap_peak)), "\n")
cat("converged", converged, "\n")
cat("raked", sprintf("%.17g", c(coef(estimate), SE(estimate))), "\n")
unraked <- svymean(~y, design)
cat("unraked", sprintf("%.17g", c(coef(unraked), SE(unraked))), "\n")
raked_weights <- weights(raked)
cat("weights", sprintf("%.17g", c(sum(raked_weights), min(raked_weights),
                                   max(raked_weights))), "\n")
