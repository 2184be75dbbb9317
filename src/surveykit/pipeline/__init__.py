"""The pipeline layer: one module per workflow step, from files to files.

Job
    Each Snakemake rule's script (``workflow/scripts/``) and each ``surveykit`` step command
    calls exactly one ``run_*`` function here: read the step's inputs, call the library,
    write every output at once (`surveykit.data.outputs`), so a failing step leaves nothing
    behind. This is also where config settings become library arguments, and where a bad
    argument that came from a config is reported as a `ConfigError` naming the file.

May import
    Every layer below it: `publish`, `models`, `weighting`, `estimation`, `design`, `data`,
    `_core`.
"""
