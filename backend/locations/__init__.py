"""Locations domain: the catalogue of places that generate load."""
