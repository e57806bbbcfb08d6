"""Jobs domain: named groups of tests of one job type, run together in one location."""
