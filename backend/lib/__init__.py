"""Small helpers shared by the backend's domains."""
