"""Rules of review step 5_transactions."""
