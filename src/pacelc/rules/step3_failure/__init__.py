"""Rules of review step 3_failure."""
