# surveykit workflow: every result under results/ from the raw files under data/raw/.
# Runtime settings (cores, cluster) live in profiles/, never here.
from snakemake.utils import min_version

min_version("8.20")


configfile: "config/config.yaml"


report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"
include: "workflow/rules/ingest.smk"
include: "workflow/rules/harmonise.smk"
include: "workflow/rules/weight.smk"
include: "workflow/rules/estimate.smk"
include: "workflow/rules/model.smk"
include: "workflow/rules/figures.smk"
include: "workflow/rules/strategies.smk"
include: "workflow/rules/report.smk"
include: "workflow/rules/compare.smk"


rule all:
    default_target: True
    input:
        all_outputs(),
