"""Issue 13: bad input never gives a wrong number, a traceback or a file outside the project.

`cases.py` is the catalogue (each case is data: how to damage a fresh copy of the project,
which step to run, which message to expect); `test_bad_inputs.py` is the one test that runs
every case and checks the same three promises for each.
"""
