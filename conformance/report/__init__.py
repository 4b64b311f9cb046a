"""Reports: the run's record (run.py: the verdict records, merged across xdist workers, and the gate) and the JSON
document built from it, the model; HTML, SARIF and the terminal's text are views of it. Nothing here knows pytest
or the engine: the records come as plain data (records.py)."""
