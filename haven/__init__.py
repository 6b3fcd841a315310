"""Haven: case management and placement for a network of shelters."""
