#!/usr/bin/env bash
# The Slurm test: the whole workflow, for every survey in config/surveys.tsv, once locally
# and once through `snakemake --profile profiles/slurm` on a single-node Slurm cluster
# started here; the two results must be byte-identical. Prints the number of Slurm jobs
# (per rule) and stops the cluster by the PIDs it started, also on failure.
#
# Needs root, Debian's slurm-wlm and munge (.ci/run installs them) and the project's .venv
# (make test makes it); installs the Slurm executor plugin (the [slurm] extra) if missing.
# The local run keeps the model step in one job (config/config.yaml: auto, and the example
# surveys are small), the Slurm profile splits it, so the comparison also shows that the
# chunks change no result.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
venv=$root/.venv
[ -x "$venv/bin/snakemake" ] || { echo "slurm_test: run make test first (no .venv)"; exit 1; }
if ! "$venv/bin/python" -c 'import snakemake_executor_plugin_slurm' 2>/dev/null; then
  "$venv/bin/python" -m pip install --quiet -e '.[test,slurm]'
fi

work=$(mktemp -d /tmp/surveykit-slurm-test.XXXXXX)
export SURVEYKIT_SLURM_DIR=$work/cluster
cleanup() {
  local status=$?
  scripts/slurm/stop.sh || true
  if [ "$status" = 0 ]; then rm -rf "$work"; else echo "slurm_test: kept $work for a look"; fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Two copies of the project's files, so that both runs write results/ under the same
# relative path (the report names the path of its own rebuild command).
for copy in local slurm; do
  mkdir -p "$work/$copy"
  git ls-files -z | tar --null -cf - -T - | tar -xf - -C "$work/$copy"
done
export PATH=$venv/bin:$PATH   # Slurm jobs inherit this environment (sbatch --export=ALL)

start=$(date +%s)
(cd "$work/local" && snakemake --cores 2 >"$work/local.log" 2>&1) || {
  tail -30 "$work/local.log"; echo "slurm_test: the local run failed"; exit 1; }
local_seconds=$(( $(date +%s) - start ))

scripts/slurm/start.sh
export SLURM_CONF=$SURVEYKIT_SLURM_DIR/etc/slurm.conf
# This cluster has no slurmdbd: job states from squeue, checked often (a real cluster keeps
# the profile's defaults).
start=$(date +%s)
if ! (cd "$work/slurm" && timeout -k 30 2400 snakemake --profile profiles/slurm \
      --slurm-status-command squeue --slurm-no-account \
      --slurm-init-seconds-before-status-checks 2 --seconds-between-status-checks 2 \
      --latency-wait 5 --jobs 4 >"$work/slurm.log" 2>&1); then
  tail -40 "$work/slurm.log"
  for log in $(find "$work/slurm/.snakemake/slurm_logs" -name '*.log' 2>/dev/null | head -5); do
    echo "== $log"; tail -15 "$log"
  done
  echo "slurm_test: the run through profiles/slurm failed"
  exit 1
fi
slurm_seconds=$(( $(date +%s) - start ))

# Byte for byte: every result except logs and benchmark timings, and the fan-out's
# intermediate parts, which only the Slurm run has.
skip=(--exclude=logs --exclude=benchmarks --exclude=parts)
compared=$(cd "$work/local/results" && find . -type f -not -path '*/logs/*' \
           -not -path '*/benchmarks/*' | wc -l)
if ! diff -r "${skip[@]}" "$work/local/results" "$work/slurm/results" >"$work/diff.txt"; then
  head -40 "$work/diff.txt"
  echo "slurm_test: the Slurm results differ from the local ones"
  exit 1
fi

# Jobs: submitted according to slurmctld, and per rule according to Snakemake.
submitted=$(grep -c '_slurm_rpc_submit_batch_job: JobId=' "$SURVEYKIT_SLURM_DIR/log/slurmctld.log")
snakemake_jobs=$(grep -c 'has been submitted with SLURM jobid' "$work/slurm.log")
not_completed=$(squeue -h -t all -o '%i %T' | grep -vc ' COMPLETED$' || true)
surveys=$(( $(wc -l <config/surveys.tsv) - 1 ))
# Per rule from the job log paths Snakemake prints (the plugin deletes the logs of jobs
# that succeeded).
per_rule=$(grep -o 'has been submitted with SLURM jobid [0-9]* (log: [^)]*/slurm_logs/rule_[A-Za-z0-9_]*' \
  "$work/slurm.log" | sed 's|.*/slurm_logs/rule_||' | sort | uniq -c)
echo "Slurm jobs per rule:"
echo "$per_rule" | awk '{ printf "  %-20s %s\n", $2, $1 }'
echo "slurm_test: $surveys survey(s); local run ${local_seconds} s, Slurm run ${slurm_seconds} s;" \
     "$submitted Slurm jobs submitted ($snakemake_jobs by Snakemake), $not_completed not COMPLETED;" \
     "$compared result files byte-identical"
# Snakemake's plan (its "Job stats" table, less the local rule all) must be what ran.
planned=$(awk '/^Job stats:/ { table = 1; next } table && /^total/ { exit }
               table && NF == 2 && $2 ~ /^[0-9]+$/ && $1 != "all" { print $2, $1 }' \
          "$work/slurm.log" | sort -k2)
ran=$(echo "$per_rule" | awk '{ print $1, $2 }' | sort -k2)
if [ "$submitted" != "$snakemake_jobs" ] || [ "$not_completed" != 0 ] \
   || [ "$planned" != "$ran" ] || ! grep -q ' model_imputations$' <<<"$ran" \
   || ! grep -q ' model_robustness$' <<<"$ran"; then
  printf 'planned:\n%s\nran:\n%s\n' "$planned" "$ran"
  echo "slurm_test: expected every planned job to run on Slurm and complete, the model" \
       "step fanned out into imputation chunks and robustness folds"
  exit 1
fi
echo "slurm_test: passed"
