"""Rules of review step 2_consistency."""
