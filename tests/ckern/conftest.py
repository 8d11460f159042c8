"""tests/ckern has no package: put its helper module (ckern_helpers.py) on the path."""
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
