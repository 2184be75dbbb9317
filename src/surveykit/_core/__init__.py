"""The core shared by every layer: the error hierarchy, message helpers, small numerics.

Job
    `errors` (one hierarchy: `SurveyError` → `ConfigError`, `DataError`, `ArgumentError`,
    `ConvergenceError`), `messages` (did-you-mean hints, values cut to a readable length),
    `codes` (comparable keys and the written form of codes), `numbers` (numbers, shares,
    percentage points and intervals written the German or English way), `reliability`
    (Cronbach's α, computed in this one place).

May import
    Nothing of surveykit.
"""
