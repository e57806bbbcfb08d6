"""Tests domain: performance and other test scripts."""
