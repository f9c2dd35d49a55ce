"""Rules of review step 1_cap."""
