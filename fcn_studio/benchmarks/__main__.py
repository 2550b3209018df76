"""`python -m fcn_studio.benchmarks [fcn-studio bench options]`: the same suite as `fcn-studio bench`."""

import sys

from fcn_studio.cli import main

raise SystemExit(main(["bench", *sys.argv[1:]]))
