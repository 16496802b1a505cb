"""Puts tests/ on sys.path, so every test folder imports the shared helpers: scenarios.py (the
scenario programs), realworld (the corpus) and, where one test reuses another, its package."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
