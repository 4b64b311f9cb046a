"""Reports: the JSON document is the model; HTML and SARIF are views of it."""
