"""Distributions: finding, building and checking them."""
