"""Flags and dossiers: what the rules raised, fused per entity and ranked for the LOO."""
