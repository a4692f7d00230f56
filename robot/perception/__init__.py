"""Seeing the table: fiducial markers in camera frames turned into where things are."""
