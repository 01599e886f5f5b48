"""vecdb benchmark harness: datasets, ground truth, systems under test, reports."""
