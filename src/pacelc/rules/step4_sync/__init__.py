"""Rules of review step 4_sync."""
