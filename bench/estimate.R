# Estimate-stage benchmark, R side: the same share tables as bench/estimate.py with svyby +
# svyciprop (logit intervals) for shares and svyby + svymean for the mean.
#
# Usage: Rscript bench/estimate.R <input-dir> <repeats> [<tables>]
# The input directory holds int32 files of 0-based codes (groups g0 … g9, ordinal items
# o0, o1; -1 = missing), float64 files (w, stratum, b0 … b2 with NaN = missing, m0) and
# levels.csv (variable, n_levels). Loading is not timed. <tables>: how many of the 66 tables
# to time (default all, in the order of the Python side). Output: "key value ..." lines.

suppressPackageStartupMessages(library(survey))

args <- commandArgs(trailingOnly = TRUE)
input_dir <- args[[1]]
repeats <- if (length(args) >= 2) as.integer(args[[2]]) else 1L
limit <- if (length(args) >= 3) as.integer(args[[3]]) else .Machine$integer.max
levels <- read.csv(file.path(input_dir, "levels.csv"), stringsAsFactors = FALSE)
n <- file.info(file.path(input_dir, "w.bin"))$size / 8

read_double <- function(name) {
  readBin(file.path(input_dir, paste0(name, ".bin")), "double", n = n, size = 8,
          endian = "little")
}
read_factor <- function(name) {
  codes <- readBin(file.path(input_dir, paste0(name, ".bin")), "integer", n = n, size = 4,
                   endian = "little")
  k <- levels$n_levels[levels$variable == name]
  codes[codes < 0] <- NA
  structure(codes + 1L, levels = paste0("l", seq_len(k) - 1L), class = "factor")
}

groups <- paste0("g", 0:9)
frame <- data.frame(w = read_double("w"), stratum = read_double("stratum"))
for (g in groups) frame[[g]] <- read_factor(g)
for (b in c("b0", "b1", "b2")) frame[[b]] <- read_double(b)
for (o in c("o0", "o1")) frame[[o]] <- read_factor(o)
frame$m0 <- read_double("m0")
design <- svydesign(ids = ~1, strata = ~stratum, weights = ~w, data = frame)

share <- function(y, by) {
  f <- as.formula(paste0("~", y))
  if (is.null(by)) {
    svyciprop(f, design, method = "logit", na.rm = TRUE)
  } else {
    svyby(f, as.formula(paste0("~", by)), design, svyciprop, method = "logit",
          vartype = c("se", "ci"), na.rm = TRUE)
  }
}
table_of <- function(indicator, by) {
  if (indicator %in% c("b0", "b1", "b2")) return(share(indicator, by))
  if (indicator == "m0") {
    if (is.null(by)) return(svymean(~m0, design, na.rm = TRUE, deff = "replace"))
    return(svyby(~m0, as.formula(paste0("~", by)), design, svymean, na.rm = TRUE,
                 deff = "replace"))
  }
  k <- levels$n_levels[levels$variable == indicator]
  lapply(seq_len(k) - 1L, function(level) {
    frame_level <- paste0("I(", indicator, " == 'l", level, "')")
    share(frame_level, by)
  })
}

cat("n", n, "\n")
cat("r_version", R.version$major, R.version$minor, "\n")
cat("survey_version", as.character(packageVersion("survey")), "\n")
plan <- list()
for (indicator in c("b0", "b1", "b2", "o0", "o1", "m0")) {
  for (by in c(list(NULL), as.list(groups))) plan[[length(plan) + 1]] <- list(indicator, by)
}
plan <- plan[seq_len(min(limit, length(plan)))]
cat("tables", length(plan), "\n")
for (run in seq_len(repeats)) {
  elapsed <- system.time(for (entry in plan) invisible(table_of(entry[[1]], entry[[2]])))
  cat("time", run, elapsed[["elapsed"]], "\n")
}
