"""``python -m surveykit`` runs the command line."""

from surveykit.cli import main

raise SystemExit(main())
