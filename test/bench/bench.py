"""Entry point of the benchmark harness (test/bench/run calls this)."""
import sys

from vecbench.main import main

if __name__ == "__main__":
    sys.exit(main())
