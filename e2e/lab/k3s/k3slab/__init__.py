"""K3s stand-in for the k3s-wizard lab (Python 3 stdlib + the openssl CLI)."""
