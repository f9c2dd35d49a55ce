"""Rules of review step 6_ops."""
